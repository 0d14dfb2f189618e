"""Render the data dictionary (docs/data_dictionary.md) from pipelines/schema.py."""
from __future__ import annotations

from pipelines.schema import SCHEMA_VERSION, TABLES


def render_data_dictionary() -> str:
    out = [
        "# Data dictionary",
        "",
        f"Schema version **{SCHEMA_VERSION}**. Generated from `pipelines/schema.py` by `accords docs`; "
        "a test fails when the two disagree. Every table is a Parquet file in `processed/`; "
        "offsets (`start_char`, `end_char`) index `documents.text` of the same `doc_id`.",
        "",
    ]
    for table in TABLES.values():
        out += [f"## `{table.name}`", "", table.doc, "",
                f"Sorted by: {', '.join(f'`{k}`' for k in table.sort_by)}.", "",
                "| column | type | null | description | allowed values |", "|---|---|---|---|---|"]
        for c in table.columns:
            allowed = ", ".join(f"`{v}`" for v in c.allowed)
            out.append(f"| `{c.name}` | `{c.type}` | {'yes' if c.nullable else 'no'} | {c.doc} | {allowed} |")
        out.append("")
    return "\n".join(out)
