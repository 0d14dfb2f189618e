"""Corpus tables computed from the per-document tables after every run.

They are cheap to rebuild (a group-by over mentions), so they are never
updated in place: ``organizations`` from the ORG entities, ``agreements`` and
``agreement_parties`` from the agreement mentions.  The commit hands the parts
to :class:`CorpusBuilder` one at a time as it writes or keeps them; organizations
are counted per part, so their memory grows with distinct names, not mentions.
"""
from __future__ import annotations

from collections import Counter, defaultdict

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.tables.schema import TABLES
from pipelines.tables.store import sort_by_key

ENTITY_COLUMNS = ["doc_id", "label", "canonical", "acronym", "country"]
# What extractors/agreements/consolidate.py reads: the mention's text is not needed.
MENTION_COLUMNS = [c for c in TABLES["agreement_mentions"].column_names if c != "text"]
DOCUMENT_COLUMNS = ["doc_id", "published_date", "path"]
CORPUS_INPUTS = {"entities": ENTITY_COLUMNS, "agreement_mentions": MENTION_COLUMNS, "documents": DOCUMENT_COLUMNS}


class OrganizationCounts:
    """Per canonical name: mentions, documents, and how often each acronym and country is given.

    Parts hold disjoint documents, so documents per part add up."""

    def __init__(self):
        self.mentions: Counter = Counter()
        self.documents: Counter = Counter()
        self.values: dict[str, defaultdict] = {"acronym": defaultdict(Counter), "country": defaultdict(Counter)}

    def add(self, entities: pa.Table) -> None:
        mask = pc.and_(pc.equal(entities["label"], "ORG"), pc.is_valid(entities["canonical"]))
        orgs = entities.filter(mask)
        if not orgs.num_rows:
            return
        canonical = orgs["canonical"].to_pylist()
        self.mentions.update(canonical)
        self.documents.update(c for c, _ in set(zip(canonical, orgs["doc_id"].to_pylist())))
        for column, counts in self.values.items():
            for name, value in zip(canonical, orgs[column].to_pylist()):
                if value is not None:
                    counts[name][value] += 1

    def table(self) -> pd.DataFrame:
        names = sorted(self.mentions)

        def first(counts: Counter):
            # The most frequent value wins; ties go to the alphabetically first, for determinism.
            return min(counts, key=lambda v: (-counts[v], v)) if counts else None

        return pd.DataFrame({
            "canonical": names,
            "acronym": [first(self.values["acronym"].get(n, Counter())) for n in names],
            "country": [first(self.values["country"].get(n, Counter())) for n in names],
            "n_mentions": [self.mentions[n] for n in names],
            "n_documents": [self.documents[n] for n in names],
        }, columns=TABLES["organizations"].column_names)


class CorpusBuilder:
    """Takes the per-document tables part by part (only the columns above) and builds the corpus tables."""

    def __init__(self):
        self.organizations = OrganizationCounts()
        self.mentions: list[pa.Table] = []
        self.documents: list[pa.Table] = []

    def add(self, name: str, part: pa.Table) -> None:
        if name == "entities":
            self.organizations.add(part.select(ENTITY_COLUMNS))
        elif name == "agreement_mentions":
            self.mentions.append(part.select(MENTION_COLUMNS))
        elif name == "documents":
            self.documents.append(part.select(DOCUMENT_COLUMNS))

    def tables(self) -> dict[str, pa.Table]:
        from extractors.agreements.consolidate import build_agreements

        mentions = _concat(self.mentions, "agreement_mentions", MENTION_COLUMNS).to_pandas()
        documents = _concat(self.documents, "documents", DOCUMENT_COLUMNS).to_pandas()
        frames = {"organizations": self.organizations.table(), **build_agreements(mentions, documents)}
        return {name: _arrow(name, frame) for name, frame in frames.items()}


def _concat(parts: list[pa.Table], name: str, columns: list[str]) -> pa.Table:
    return pa.concat_tables(parts) if parts else TABLES[name].schema.empty_table().select(columns)


def _arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    spec = TABLES[name]
    frame = frame[spec.column_names] if len(frame) else pd.DataFrame(columns=spec.column_names)
    arrow = pa.Table.from_pandas(frame, schema=spec.schema, preserve_index=False)
    return sort_by_key(spec, arrow.replace_schema_metadata(spec.schema.metadata))


def corpus_tables(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The corpus tables from whole per-document tables (or any parts of them)."""
    builder = CorpusBuilder()
    for name in ("entities", "agreement_mentions", "documents"):
        builder.add(name, tables[name])
    return builder.tables()
