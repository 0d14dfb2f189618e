"""Corpus tables computed from the per-document tables after every run.

They are cheap to rebuild (a group-by over mentions), so they are never
updated in place: ``organizations`` from the ORG entities, ``agreements`` and
``agreement_parties`` from the agreement mentions.
"""
from __future__ import annotations

import pandas as pd
import pyarrow as pa

from pipelines.tables.schema import TABLES
from pipelines.tables.store import sort_by_key


def organizations(entities: pd.DataFrame) -> pd.DataFrame:
    orgs = entities[(entities["label"] == "ORG") & entities["canonical"].notna()]
    if orgs.empty:
        return pd.DataFrame(columns=TABLES["organizations"].column_names)

    def first(series: pd.Series):
        values = series.dropna()
        # The most frequent value wins; ties go to the alphabetically first, for determinism.
        if values.empty:
            return None
        counts = values.value_counts()
        return sorted(counts[counts == counts.max()].index)[0]

    grouped = orgs.groupby("canonical", sort=True)
    return pd.DataFrame({
        "canonical": list(grouped.groups),
        "acronym": grouped["acronym"].agg(first).values,
        "country": grouped["country"].agg(first).values,
        "n_mentions": grouped.size().values,
        "n_documents": grouped["doc_id"].nunique().values,
    })


def corpus_tables(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    from extractors.agreements.consolidate import build_agreements

    entities = tables["entities"].select(["doc_id", "label", "canonical", "acronym", "country"]).to_pandas()
    mentions = tables["agreement_mentions"].to_pandas()
    documents = tables["documents"].select(["doc_id", "published_date", "path"]).to_pandas()
    built = build_agreements(mentions, documents)
    frames = {"organizations": organizations(entities), **built}
    out = {}
    for name, frame in frames.items():
        spec = TABLES[name]
        frame = frame[spec.column_names] if len(frame) else pd.DataFrame(columns=spec.column_names)
        arrow = pa.Table.from_pandas(frame, schema=spec.schema, preserve_index=False)
        out[name] = sort_by_key(spec, arrow.replace_schema_metadata(spec.schema.metadata))
    return out
