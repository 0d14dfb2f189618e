"""Documents longer than spaCy's default max_length (1,000,000 characters, error
E088) are extracted whole (issue 19.5): a 418-page PDF is ~1.2 M characters."""
from __future__ import annotations

import pytest

from extractors import pipeline
from extractors.document import Block, DocumentInput
from extractors.pipeline import TextTooLong, build_nlp, extract, make_doc, max_chars

_OPENING = ("Joint Statement by the Government of Japan and the Government of Canada on Clean Energy",
            "Tokyo, 18 March 2026",
            "Japan's Ministry of Economy, Trade and Industry (METI) and Natural Resources Canada "
            "signed a Memorandum of Cooperation on hydrogen.")
_FILLER = ("The delegations reviewed the progress of the working groups and exchanged views on "
           "the technical papers that were circulated before the session.")
_CLOSING = ("METI and Natural Resources Canada will launch a joint hydrogen supply chain study "
            "by next year, under the Memorandum of Cooperation.")


def _long_document(n_chars: int) -> DocumentInput:
    paragraphs = list(_OPENING)
    while sum(len(p) + 2 for p in paragraphs) < n_chars:
        paragraphs.append(_FILLER)
    paragraphs.append(_CLOSING)
    blocks, offset = [], 0
    for i, p in enumerate(paragraphs):
        blocks.append(Block("heading" if i == 0 else "paragraph", offset, offset + len(p), level=1 if i == 0 else None))
        offset += len(p) + 2
    return DocumentInput("long", "\n\n".join(paragraphs), title=_OPENING[0], published_date="2026-03-18",
                         doc_type="joint_statement", blocks=blocks)


def _closing_rows(document: DocumentInput) -> dict[str, list[dict]]:
    """Rows that fall in the closing paragraph, with offsets relative to it."""
    tail = len(document.text) - len(_CLOSING)
    out = {}
    for table, rows in extract(document).items():
        out[table] = [{k: (v - tail if k in ("start_char", "end_char") else v) for k, v in r.items()
                       if k not in ("sentence_start", "sentence_end", "commitment_id", "agreement_id")}
                      for r in rows if r["start_char"] >= tail]
    return out


def test_document_over_a_million_characters_is_extracted_whole_with_document_wide_context():
    document = _long_document(1_050_000)
    assert len(document.text) > 1_000_000
    rows = extract(document)
    for table in rows.values():
        for r in table:
            assert 0 <= r["start_char"] < r["end_char"] <= len(document.text)
            if "text" in r:
                assert document.text[r["start_char"]:r["end_char"]] == r["text"]
    # The closing paragraph, a million characters after the dateline and the parties,
    # gets the rows it gets right after them: the date is anchored on the publication
    # date, the actor and deadline resolved.
    near, far = _closing_rows(_long_document(0)), _closing_rows(document)
    assert far["entities"] == near["entities"] and far["dates"] == near["dates"]
    assert [r["value"] for r in far["dates"]] == ["2027"]
    assert [(r["text"], r["actor"], r["deadline"]) for r in far["commitments"]] == \
        [(r["text"], r["actor"], r["deadline"]) for r in near["commitments"]] == [(_CLOSING, ["CAN"], "2027")]
    # Its Memorandum takes the parties named in the opening.
    assert [(r["text"], r["parties"]) for r in far["agreement_mentions"]] == \
        [("Memorandum of Cooperation", ["JPN", "CAN"])]


def test_limit_follows_the_memory_budget_and_fails_clearly(monkeypatch):
    assert max_chars(2048) > 5_000_000  # a 2,000-page PDF fits the default budget
    assert max_chars(4096) > max_chars(2048) >= 1_000_000
    nlp = build_nlp(("accords_sentences",))
    assert nlp.max_length > max_chars(2048)  # spaCy's own 1,000,000 guard is lifted; the caller bounds
    doc = make_doc(DocumentInput("mid", "The two sides will meet again. " * 100), nlp, max_chars=5_000)
    assert len(doc.text) == 3_100
    with pytest.raises(TextTooLong, match="document too long to extract: 6,200 characters, more than the 5,000"):
        make_doc(DocumentInput("long", "The two sides will meet again. " * 200), nlp, max_chars=5_000)
