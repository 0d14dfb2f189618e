"""Render the data dictionary (docs/data_dictionary.md) from pipelines/tables/schema.py.

Each column shows its Parquet type, the pandas dtype ``pipelines.tables.load`` gives it, and a value
from an example row.  A table's example row is its schema ``example`` when set, else the row
in ``EXAMPLES`` below (taken from the Japan-Singapore joint statement in ``raw/``); a test
checks that every example row passes the store's write-boundary check.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

from pipelines.tables.schema import SCHEMA_VERSION, TABLES

_DOC = "cf25bfba46a33c1c"
_TITLE = "JOINT STATEMENT ON THE ESTABLISHMENT OF A STRATEGIC PARTNERSHIP BETWEEN JAPAN AND THE REPUBLIC OF SINGAPORE"
_PARTNERSHIP = "bf959fe171ce6437"

EXAMPLES: dict[str, dict] = {
    "documents": dict(
        doc_id=_DOC, path="001_76a678dfb25e4daa.txt", format="txt", title=_TITLE, doc_type="joint_statement",
        published_date="2026-03-18", language="en", n_pages=None, source_url=None, tags=[],
        text=_TITLE + "\n\n1 On the occasion of the 60th anniversary of ...", n_chars=14945, status="ok",
        error=None, extractor_version="r-0021e5b715f7+s1.0.0-9f3ca83055a5",
        ingested_at=datetime(2026, 3, 19, 8, 0, tzinfo=timezone.utc)),
    "files": dict(path="001_76a678dfb25e4daa.txt", doc_id=_DOC, size=15058, mtime_ns=1773907200000000000,
                  ctime_ns=1773907200000000000, inode=1310731, attempts=0),
    "blocks": dict(
        doc_id=_DOC, block_id=1, kind="list_item", level=1, number="1", parent_block_id=0, page=None,
        text="On the occasion of the 60th anniversary of the establishment of diplomatic relations between Japan "
             "and the Republic of Singapore, ...", start_char=111, end_char=456),
    "entities": dict(
        doc_id=_DOC, label="PERSON", text="Lawrence Wong", canonical="Lawrence Wong", acronym=None, country="SGP",
        title="Prime Minister of Singapore", start_char=342, end_char=355, rule="person_title"),
    "organizations": dict(canonical="Ministry of Internal Affairs and Communications", acronym="MIC",
                          country="JPN", n_mentions=9, n_documents=4),
    "dates": dict(
        doc_id=_DOC, text="18 March 2026", value="2026-03-18", granularity="day", start_date=date(2026, 3, 18),
        end_date=date(2026, 3, 18), relative=False, anchor=None, start_char=442, end_char=455,
        sentence_start=109, sentence_end=458),
    "commitments": dict(
        commitment_id="d890935bae21e929", doc_id=_DOC,
        text="Cooperating in protection of personal information, including through information exchange and other "
             "collaborative activities, as enhanced by the MOC to be signed in 2026 between the Personal "
             "Information Protection Commission Japan and Personal Data Protection Commission Singapore.",
        actor=["JPN", "SGP"], trigger="other", strength="soft", item="9.9", lead_in=None, topics=["personal data"],
        deadline="2026", agreement_id="a4ad95ad6c9c5d28", section="Digitalisation and Technology",
        start_char=7320, end_char=7601),
    "agreement_mentions": dict(
        agreement_id=_PARTNERSHIP, doc_id=_DOC, text="Strategic Partnership between Japan and Singapore",
        start_char=389, end_char=438, date="2026-03-18", status="established",
        name="STRATEGIC PARTNERSHIP BETWEEN JAPAN AND THE REPUBLIC OF SINGAPORE", type="partnership",
        parties=["JPN", "SGP"], signatories=[], topics=[]),
    "agreements": dict(
        agreement_id=_PARTNERSHIP, name="STRATEGIC PARTNERSHIP BETWEEN JAPAN AND THE REPUBLIC OF SINGAPORE",
        type="partnership", parties=["JPN", "SGP"], signatories=[], date="2026-03-18", status="established",
        topics=[], first_seen_doc_id=_DOC, n_mentions=5),
    "agreement_parties": dict(agreement_id=_PARTNERSHIP, party="SGP"),
}


def example_row(name: str) -> dict:
    """The example row shown for a table: the schema's own, else the one in EXAMPLES."""
    return dict(TABLES[name].example) or dict(EXAMPLES.get(name, {}))


def _cell(value, limit: int = 60) -> str:
    if value is None:
        return "null"
    if isinstance(value, datetime):
        text = value.isoformat().replace("+00:00", "Z")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, (list, tuple)):
        text = json.dumps(list(value), ensure_ascii=False)
    elif isinstance(value, bool):
        text = str(value).lower()
    else:
        text = str(value)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def render_data_dictionary() -> str:
    from pipelines.tables.load import pandas_dtype

    out = [
        "# Data dictionary",
        "",
        f"Schema version **{SCHEMA_VERSION}**. Generated from `pipelines/tables/schema.py` by `accords docs`; "
        "a test fails when the two disagree. Offsets (`start_char`, `end_char`) index `documents.text` "
        "of the same `doc_id`.",
        "",
        "Every table is `processed/<table>.parquet`. A corpus table (`files`, `organizations`, `agreements`, "
        "`agreement_parties`) is one file; a per-document table is a directory of parts, "
        "`part-<xx>.parquet`, one per first two hex digits of `doc_id`, each sorted by the table's key, "
        "so the parts in name order are the whole table in key order. pandas (`pd.read_parquet`), pyarrow "
        "(`pq.read_table`, `pyarrow.dataset.dataset`) and DuckDB (`read_parquet('processed/entities.parquet')`) "
        "read either as one table with the columns below. `processed/current/manifest.json` lists every "
        "file with its rows and sha256.",
        "",
        "Load them in Python with `from pipelines import load` (`load.tables()`, `load.table(name, columns=..., "
        "filters=...)`, `load.connect()` for DuckDB SQL); the *pandas* column is the dtype you get. "
        "`notebooks/explore.ipynb` shows both. *Example* is one row of the table, from the sample documents.",
        "",
    ]
    for table in TABLES.values():
        example = example_row(table.name)
        out += [f"## `{table.name}`", "", table.doc, "",
                f"Sorted by: {', '.join(f'`{k}`' for k in table.sort_by)}.", "",
                "| column | type | pandas | null | description | allowed values | example |",
                "|---|---|---|---|---|---|---|"]
        for c in table.columns:
            allowed = ", ".join(f"`{v}`" for v in c.allowed)
            shown = _cell(example[c.name]) if c.name in example else ""
            out.append(f"| `{c.name}` | `{c.type}` | `{pandas_dtype(c)}` | {'yes' if c.nullable else 'no'} | "
                       f"{c.doc} | {allowed} | {shown} |")
        out.append("")
    return "\n".join(out)
