"""Table sets shared by the analyst-facing tests (load, report, notebook).

``sample_output`` runs the real pipeline once per test session on a copy of ``raw/``;
``handmade_output`` commits a tiny, fully known table set (two documents and a failed one)
for exact assertions.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from pipelines.tables.schema import TABLES
from pipelines.tables.store import Store

REPO = Path(__file__).resolve().parents[2]
_SAMPLE: dict[str, Path] = {}


def sample_output() -> Path:
    """processed/ of one run_pipeline over the sample documents (computed once per session).

    ACCORDS_SAMPLE_OUTPUT names an existing processed/ folder to use instead (a shortcut
    while working on the analyst-facing code; the full test run leaves it unset).
    """
    if "dir" not in _SAMPLE and os.environ.get("ACCORDS_SAMPLE_OUTPUT"):
        _SAMPLE["dir"] = Path(os.environ["ACCORDS_SAMPLE_OUTPUT"])
    if "dir" not in _SAMPLE:
        from pipelines.run.execute import run_pipeline

        root = Path(tempfile.mkdtemp(prefix="accords-samples-"))
        shutil.copytree(REPO / "raw", root / "raw")
        run_pipeline(root / "raw", root / "processed")
        _SAMPLE["dir"] = root / "processed"
    return _SAMPLE["dir"]


DOC_A = "a1a1a1a1a1a1a1a1"
DOC_B = "b2b2b2b2b2b2b2b2"
DOC_FAILED = "f0f0f0f0f0f0f0f0"

TEXT_A = (
    "Joint Statement on the Strategic Partnership between Japan and Singapore\n\n"
    "1. Prime Minister Takaichi Sanae and Prime Minister Lawrence Wong announced the establishment of a "
    "Strategic Partnership between Japan and Singapore on 18 March 2026.\n\n"
    "2. The Ministry of Internal Affairs and Communications (MIC) and the Infocomm Media Development "
    "Authority (IMDA) signed a Memorandum of Cooperation on digital trade.\n\n"
    "3. We will hold the first Digital Policy Dialogue by March 2027.\n\n"
    "4. Both sides will explore cooperation on <cybersecurity> & \"resilient\" supply chains in FY2026."
)
TEXT_B = (
    "Second Japan-EU Digital Partnership Council\n\n"
    "Japan and the EU renewed the Japan-EU Digital Partnership in May 2024.\n\n"
    "The MIC and the European Commission agreed to deepen cooperation on semiconductors by 2025."
)


def _at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def _id(*parts) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def handmade_tables() -> dict[str, list[dict]]:
    when = datetime(2026, 4, 1, tzinfo=timezone.utc)

    def document(doc_id, path, title, doc_type, published, text, status="ok", error=None):
        return dict(doc_id=doc_id, path=path, format="txt" if status == "ok" else "pdf", title=title,
                    doc_type=doc_type, published_date=published, language="en" if text else None, n_pages=None,
                    source_url=None, tags=[], text=text, n_chars=len(text), status=status, error=error,
                    extractor_version="test", ingested_at=when)

    documents = [
        document(DOC_A, "a_japan_singapore.txt", "Joint Statement on the Strategic Partnership between Japan and "
                 "Singapore", "joint_statement", "2026-03-18", TEXT_A),
        document(DOC_B, "b_japan_eu.txt", "Second Japan-EU Digital Partnership Council", "meeting_summary",
                 "2024-05-10", TEXT_B),
        document(DOC_FAILED, "c_locked.pdf", None, None, None, "", "failed",
                 "encrypted PDF: a password is required"),
    ]

    blocks = []
    for doc_id, text in ((DOC_A, TEXT_A), (DOC_B, TEXT_B)):
        pos = 0
        for i, line in enumerate(text.split("\n\n")):
            number = line.split(". ", 1)[0] if line[:1].isdigit() else None
            start = pos + (len(number) + 2 if number else 0)
            blocks.append(dict(doc_id=doc_id, block_id=i, kind="heading" if i == 0 else "list_item" if number
                               else "paragraph", level=1, number=number, parent_block_id=None if i == 0 else 0,
                               page=None, text=text[start:pos + len(line)], start_char=start,
                               end_char=pos + len(line)))
            pos += len(line) + 2

    def entity(doc_id, text, needle, label, canonical, acronym=None, country=None, title=None, nth=0):
        s, e = _at(text, needle, nth)
        return dict(doc_id=doc_id, label=label, text=needle, canonical=canonical, acronym=acronym, country=country,
                    title=title, start_char=s, end_char=e, rule="test")

    mic = "Ministry of Internal Affairs and Communications"
    entities = [
        entity(DOC_A, TEXT_A, "Takaichi Sanae", "PERSON", "Takaichi Sanae", country="JPN", title="Prime Minister"),
        entity(DOC_A, TEXT_A, "Lawrence Wong", "PERSON", "Lawrence Wong", country="SGP", title="Prime Minister"),
        entity(DOC_A, TEXT_A, "Japan", "COUNTRY", "JPN", nth=1),
        entity(DOC_A, TEXT_A, "Singapore", "COUNTRY", "SGP", nth=1),
        entity(DOC_A, TEXT_A, mic, "ORG", mic, "MIC", "JPN"),
        entity(DOC_A, TEXT_A, "Infocomm Media Development Authority", "ORG", "Infocomm Media Development Authority",
               "IMDA", "SGP"),
        entity(DOC_B, TEXT_B, "Japan", "COUNTRY", "JPN", nth=1),
        entity(DOC_B, TEXT_B, "MIC", "ORG", mic, "MIC", "JPN"),
        entity(DOC_B, TEXT_B, "European Commission", "ORG", "European Commission", None, None),
    ]

    def dated(doc_id, text, needle, value, granularity, start, end):
        s, e = _at(text, needle)
        return dict(doc_id=doc_id, text=needle, value=value, granularity=granularity, start_date=start,
                    end_date=end, relative=False, anchor=None, start_char=s, end_char=e,
                    sentence_start=None, sentence_end=None)

    from datetime import date
    dates = [
        dated(DOC_A, TEXT_A, "18 March 2026", "2026-03-18", "day", date(2026, 3, 18), date(2026, 3, 18)),
        dated(DOC_A, TEXT_A, "March 2027", "2027-03", "month", date(2027, 3, 1), date(2027, 3, 31)),
        dated(DOC_A, TEXT_A, "FY2026", "FY2026", "fiscal_year", date(2026, 4, 1), date(2027, 3, 31)),
        dated(DOC_B, TEXT_B, "May 2024", "2024-05", "month", date(2024, 5, 1), date(2024, 5, 31)),
        dated(DOC_B, TEXT_B, "2025", "2025", "year", date(2025, 1, 1), date(2025, 12, 31)),
    ]

    def commitment(doc_id, text, clause, actor, trigger, strength, topics, deadline, item=None):
        s, e = _at(text, clause)
        return dict(commitment_id=_id(doc_id, s, e, clause), doc_id=doc_id, text=clause, actor=actor,
                    trigger=trigger, strength=strength, item=item, lead_in=None, topics=topics, deadline=deadline,
                    agreement_id=None, section=None, start_char=s, end_char=e)

    commitments = [
        commitment(DOC_A, TEXT_A, "We will hold the first Digital Policy Dialogue by March 2027.", ["JPN", "SGP"],
                   "will", "firm", ["digital"], "2027-03", "3"),
        commitment(DOC_A, TEXT_A, "Both sides will explore cooperation on <cybersecurity> & \"resilient\" supply "
                   "chains in FY2026.", ["JPN", "SGP"], "explore", "soft", ["cybersecurity", "supply_chains"],
                   "FY2026", "4"),
        commitment(DOC_B, TEXT_B, "The MIC and the European Commission agreed to deepen cooperation on "
                   "semiconductors by 2025.", ["MIC", "European Commission"], "agree", "firm",
                   ["semiconductors"], "2025"),
    ]

    partnership, moc, digital = _id("sgp-partnership"), _id("mic-imda-moc"), _id("jpn-eu-digital")

    def mention(doc_id, text, needle, agreement_id, name, type_, status, date_, parties, signatories=(), nth=0):
        s, e = _at(text, needle, nth)
        return dict(agreement_id=agreement_id, doc_id=doc_id, text=needle, start_char=s, end_char=e, date=date_,
                    status=status, name=name, type=type_, parties=list(parties), signatories=list(signatories),
                    topics=[])

    mentions = [
        mention(DOC_A, TEXT_A, "Strategic Partnership", partnership, "Strategic Partnership between Japan and "
                "Singapore", "partnership", "established", "2026-03-18", ["JPN", "SGP"], nth=1),
        mention(DOC_A, TEXT_A, "Memorandum of Cooperation", moc, "Memorandum of Cooperation on digital trade",
                "memorandum", "signed", None, ["JPN", "SGP"], ["MIC", "IMDA"]),
        mention(DOC_B, TEXT_B, "Japan-EU Digital Partnership", digital, "Japan-EU Digital Partnership",
                "partnership", "renewed", "2024-05", ["JPN", "EU"], nth=1),
    ]
    agreements = [
        dict(agreement_id=m["agreement_id"], name=m["name"], type=m["type"], parties=m["parties"],
             signatories=m["signatories"], date=m["date"], status=m["status"], topics=["digital"],
             first_seen_doc_id=m["doc_id"], n_mentions=1)
        for m in mentions
    ]
    parties = [dict(agreement_id=a["agreement_id"], party=p) for a in agreements for p in a["parties"]]
    organizations = [
        dict(canonical="European Commission", acronym=None, country=None, n_mentions=1, n_documents=1),
        dict(canonical="Infocomm Media Development Authority", acronym="IMDA", country="SGP", n_mentions=1,
             n_documents=1),
        dict(canonical=mic, acronym="MIC", country="JPN", n_mentions=2, n_documents=2),
    ]
    files = [dict(path=d["path"], doc_id=d["doc_id"], size=d["n_chars"] + 1, mtime_ns=0,
                  ctime_ns=0, inode=0, attempts=0) for d in documents]
    return dict(documents=documents, files=files, blocks=blocks, entities=entities, organizations=organizations,
                dates=dates, commitments=commitments, agreement_mentions=mentions, agreements=agreements,
                agreement_parties=parties)


def handmade_output(root: Path) -> Path:
    """Commit the hand-made tables to root (a processed/ folder) and return root."""
    tables = handmade_tables()
    assert set(tables) == set(TABLES)
    Store(root).commit(tables)
    return root
