"""Property tests (issue 8): generated text through the cleaners, the reader's layout step and
every extractor: no exceptions, offsets within the text, ``text[start:end] == row["text"]``,
and the same output for the same input."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from extractors.document import Block, DocumentInput
from pipelines.readers.plaintext import read_text, strip_markup
from pipelines.readers.structure import assemble, classify, clean_inline, join_split_pieces

PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = ["The", "Government", "of", "Japan", "Canada", "EU", "ASEAN", "will", "agreed", "to", "reaffirm",
         "commitment", "Memorandum", "of", "Cooperation", "signed", "on", "18", "March", "2026", "FY2023",
         "by", "2030", "Ministers", "(a)", "9.6.", "1.", "-", "•", "**", "<b>", "</i>", "[", "](", "&amp;",
         "\u00ad", "ﬁ", "“", "”", "—", ":", ";", ".", "\t", "\x00", "\x0c", "\u2028", "👍", "東京", "Москва"]
word_text = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(["\n", "\n\n", " "])), max_size=120).map(" ".join)
numbered = st.lists(
    st.tuples(st.sampled_from(["", "1. ", "9.6. ", "(3) ", "A. ", "iv. ", "- ", "• ", "12) ", "I. "]),
              st.lists(st.sampled_from(WORDS), min_size=1, max_size=15).map(" ".join)),
    max_size=15,
).map(lambda items: "\n\n".join(n + t for n, t in items))
long_line = st.builds(lambda w, n: (w + " ") * n, st.sampled_from(WORDS), st.integers(200, 3000))
any_text = st.one_of(st.text(max_size=400), word_text, numbered, long_line,
                     st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))


@PROPS
@given(any_text)
def test_cleaners_never_fail_and_are_idempotent(text):
    once = clean_inline(text)
    assert clean_inline(once) == once
    assert "\n" not in once and "\x00" not in once
    assert isinstance(strip_markup(text), str)


def _layout(text: str):
    pieces, _meta, explicit = read_text(text)
    pieces = join_split_pieces(pieces, english=True)
    pieces = classify(pieces, infer_headings=not explicit)
    return assemble(pieces)


@PROPS
@given(any_text)
def test_reader_layout_blocks_index_the_clean_text(text):
    clean, blocks = _layout(text)
    again, blocks_again = _layout(text)
    assert clean == again and blocks == blocks_again
    for i, b in enumerate(blocks):
        assert 0 <= b.start_char <= b.end_char <= len(clean), (i, b)
        assert "\n" not in clean[b.start_char:b.end_char], (i, b)
        assert b.parent is None or 0 <= b.parent < len(blocks)


def _document(text: str) -> DocumentInput:
    clean, blocks = _layout(text)
    return DocumentInput(doc_id="p", text=clean, title=None, published_date="2026-03-18",
                         doc_type="joint_statement", language="en", blocks=blocks)


def _raw_document(text: str) -> DocumentInput:
    # Text that did not go through the reader: one paragraph block over everything.
    return DocumentInput(doc_id="p", text=text, language="en",
                         blocks=[Block("paragraph", 0, len(text))] if text else [])


@PROPS
@given(any_text, st.booleans())
def test_every_extractor_gives_offsets_that_index_the_text(text, through_reader):
    from extractors.pipeline import extract

    document = _document(text) if through_reader else _raw_document(text)
    rows = extract(document)
    assert rows == extract(document), "not deterministic"
    for table, table_rows in rows.items():
        for row in table_rows:
            start, end = row["start_char"], row["end_char"]
            assert 0 <= start <= end <= len(document.text), (table, row)
            assert document.text[start:end] == row["text"], (table, row)
            if row.get("sentence_start") is not None:
                assert 0 <= row["sentence_start"] <= start <= end <= row["sentence_end"] <= len(document.text)
