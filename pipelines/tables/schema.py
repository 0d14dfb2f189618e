"""The output contract: every table in ``processed/``, declared once.

Each table lists its columns with a pyarrow type and a description; the store
checks rows against this declaration at the write boundary and the data
dictionary (``docs/data_dictionary.md``) is generated from it.  Bump
``SCHEMA_VERSION`` whenever a column is added, removed or changes meaning.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from extractors.labels import (  # noqa: F401  (re-exported: the tables' vocabularies)
    AGREEMENT_STATUSES,
    AGREEMENT_TYPES,
    ENTITY_LABELS,
    GRANULARITIES,
    STRENGTHS,
    TRIGGERS,
)

SCHEMA_VERSION = "1.1.0"

STR = pa.string()
INT = pa.int32()
BOOL = pa.bool_()
DATE = pa.date32()
STR_LIST = pa.list_(pa.string())
# Parquet stores no second-precision timestamps; milliseconds round-trip exactly.
TIMESTAMP = pa.timestamp("ms", tz="UTC")


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    nullable: bool = True
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    sort_by: tuple[str, ...]
    # Tables built per document are rewritten document by document; corpus
    # tables (agreements, organizations) are recomputed from the per-document ones.
    per_document: bool = True
    example: dict = field(default_factory=dict)

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns],
            metadata={"accords.table": self.name, "accords.schema_version": SCHEMA_VERSION},
        )

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name, type_, doc, nullable=True, allowed=()):
    return Column(name, type_, doc, nullable, tuple(allowed))


DOC_ID = _c("doc_id", STR, "Content-derived document id (first 16 hex digits of the SHA-256 of the raw bytes).", False)
START = _c("start_char", INT, "Offset of the first character in `documents.text`.", False)
END = _c("end_char", INT, "Offset one past the last character in `documents.text`.", False)

FORMATS = ("txt", "md", "html", "pdf", "unknown")
DOC_TYPES = ("joint_statement", "press_release", "white_paper", "meeting_summary", "other")
BLOCK_KINDS = ("heading", "paragraph", "list_item", "footnote", "table")
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "documents",
            "One row per document found in `raw/`, read or failed. `text` is the clean text "
            "that every offset in every other table refers to.",
            (
                DOC_ID,
                _c("path", STR, "Path relative to `raw/`, with `/` separators.", False),
                _c("format", STR, "Format detected from content, not only the extension.", False, FORMATS),
                _c("title", STR, "The document's own title (front matter, HTML title, first heading)."),
                _c("doc_type", STR, "Kind of document, by rules on title and text.", True, DOC_TYPES),
                _c("published_date", STR, "Issue date, ISO `YYYY-MM-DD`, `YYYY-MM` or `YYYY` as precise as known."),
                _c("language", STR, "ISO 639-1 code of the text's language (`en`, `ja`, ...); non-English text is not extracted."),
                _c("n_pages", INT, "Pages read (PDF only)."),
                _c("source_url", STR, "Permalink or canonical URL from the metadata."),
                _c("tags", STR_LIST, "Tags or keywords from the metadata."),
                _c("text", STR, "Clean text: markup, page furniture and boilerplate removed; structure kept as line breaks."),
                _c("n_chars", INT, "Length of `text` in characters.", False),
                _c("status", STR, "`ok` when read and extracted, `failed` otherwise.", False, ("ok", "failed")),
                _c("error", STR, "Why the document failed (null when `status` is `ok`)."),
                _c("extractor_version", STR, "Fingerprint of the readers and extractors (code version and pattern data) that produced the rows.", False),
                _c("ingested_at", TIMESTAMP, "When this content was first read (kept across runs while the content is unchanged).", False),
            ),
            sort_by=("doc_id",),
        ),
        Table(
            "files",
            "One row per file in `raw/`: what the last run saw, so the next run can tell new, "
            "changed and deleted files apart with a stat call.",
            (
                _c("path", STR, "Path relative to `raw/`, with `/` separators.", False),
                DOC_ID,
                _c("size", pa.int64(), "File size in bytes.", False),
                _c("mtime_ns", pa.int64(), "Modification time in nanoseconds since the epoch.", False),
                _c("ctime_ns", pa.int64(), "Status-change time in nanoseconds since the epoch: with `inode`, tells a "
                   "replacement that kept size and mtime (`cp -p`, `rsync -a`) from an unchanged file."),
                _c("inode", pa.uint64(), "Inode number of the file."),
                _c("attempts", INT, "Runs in a row that failed this file's document (0 when it is `ok`); a failed "
                   "document is read again on the next runs until this reaches `max_attempts`.", False),
            ),
            sort_by=("path",),
            per_document=False,
        ),
        Table(
            "blocks",
            "Structural blocks of each document's clean text: headings, paragraphs, list items, footnotes, tables.",
            (
                DOC_ID,
                _c("block_id", INT, "Position of the block in the document (0-based).", False),
                _c("kind", STR, "Block kind.", False, BLOCK_KINDS),
                _c("level", INT, "Heading level (1 = top) or list nesting depth (1 = outermost)."),
                _c("number", STR, "Number or bullet as written (`9.6`, `(3)`, `A`, `I.`, `-`)."),
                _c("parent_block_id", INT, "The block this one belongs to: an item's lead-in or a block's section heading."),
                _c("page", INT, "1-based page number (PDF only)."),
                _c("text", STR, "The block's text, without its number.", False),
                START,
                END,
            ),
            sort_by=("doc_id", "block_id"),
        ),
        Table(
            "entities",
            "Named entities found by the rule-based entity layer.",
            (
                DOC_ID,
                _c("label", STR, "Entity label.", False, ENTITY_LABELS),
                _c("text", STR, "The mention as written.", False),
                _c("canonical", STR, "ISO 3166-1 alpha-3 for countries, full name for organizations, name without honorifics for persons, normalized form otherwise."),
                _c("acronym", STR, "Acronym of an organization (defined in the document or from the registry)."),
                _c("country", STR, "ISO 3166-1 alpha-3 of the entity's country, when known."),
                _c("title", STR, "Title or role of a person."),
                START,
                END,
                _c("rule", STR, "The pattern or component that produced the row.", False),
            ),
            sort_by=("doc_id", "start_char", "end_char", "label"),
        ),
        Table(
            "organizations",
            "One row per distinct organization across the corpus.",
            (
                _c("canonical", STR, "Full name of the organization.", False),
                _c("acronym", STR, "Acronym, if any."),
                _c("country", STR, "ISO 3166-1 alpha-3 of its country; null for international bodies."),
                _c("n_mentions", INT, "Mentions across all documents.", False),
                _c("n_documents", INT, "Documents that mention it.", False),
            ),
            sort_by=("canonical",),
            per_document=False,
        ),
        Table(
            "dates",
            "Calendar expressions, normalized.",
            (
                DOC_ID,
                _c("text", STR, "The expression as written.", False),
                _c("value", STR, "ISO value: `2026-03-18`, `2024-05`, `2023`, `FY2023`, or a range `START/END`.", False),
                _c("granularity", STR, "Precision of `value`.", False, GRANULARITIES),
                _c("start_date", DATE, "First day of the interval the value covers."),
                _c("end_date", DATE, "Last day of the interval the value covers."),
                _c("relative", BOOL, "True when the value was resolved from context (`the same year`).", False),
                _c("anchor", STR, "The value a relative expression was resolved against."),
                START,
                END,
                _c("sentence_start", INT, "Start offset of the sentence holding the expression."),
                _c("sentence_end", INT, "End offset of the sentence holding the expression."),
            ),
            sort_by=("doc_id", "start_char", "end_char"),
        ),
        Table(
            "commitments",
            "Commitment clauses: who promised to do what, by when.",
            (
                _c("commitment_id", STR, "Stable id: hash of doc_id, offsets and text.", False),
                DOC_ID,
                _c("text", STR, "The clause, or an enumerated item's own text without its number.", False),
                _c("actor", STR_LIST, "Who commits: ISO3 codes, bloc short names, organization acronyms or names.", False),
                _c("trigger", STR, "Normalized trigger.", False, TRIGGERS),
                _c("strength", STR, "`firm` (will, commit, agree, decide ...) or `soft` (explore, aim, intend ...).", False, STRENGTHS),
                _c("item", STR, "Item number when enumerated (`9.6`, `(3)`)."),
                _c("lead_in", STR, "Text of the lead-in an enumerated item inherits its actor and trigger from."),
                _c("topics", STR_LIST, "Topics from the topic vocabulary.", False),
                _c("deadline", STR, "Value of the date or time frame the clause states, if any."),
                _c("agreement_id", STR, "The agreement the clause refers to, if any."),
                _c("section", STR, "Nearest heading above the clause."),
                START,
                END,
            ),
            sort_by=("doc_id", "start_char", "end_char"),
        ),
        Table(
            "agreement_mentions",
            "Each mention of an instrument in a document, with what that mention states.",
            (
                _c("agreement_id", STR, "Id of the agreement in `agreements`.", False),
                DOC_ID,
                _c("text", STR, "The mention as written.", False),
                START,
                END,
                _c("date", STR, "Date value tied to the instrument in this mention."),
                _c("status", STR, "Status as stated in this mention.", True, AGREEMENT_STATUSES),
                # The document's view of the instrument; `agreements` is built by
                # grouping these on agreement_id, so a run only re-reads changed documents.
                _c("name", STR, "Longest name this document uses for the instrument.", False),
                _c("type", STR, "Instrument type.", False, AGREEMENT_TYPES),
                _c("parties", STR_LIST, "Parties as this document states them.", False),
                _c("signatories", STR_LIST, "Signatories as this document states them.", False),
                _c("topics", STR_LIST, "Topics in this document's mentions.", False),
            ),
            sort_by=("doc_id", "start_char", "end_char"),
        ),
        Table(
            "agreements",
            "Formal instruments, deduplicated within and across documents.",
            (
                _c("agreement_id", STR, "Stable id derived from the normalized type, parties and name.", False),
                _c("name", STR, "Longest name used.", False),
                _c("type", STR, "Instrument type.", False, AGREEMENT_TYPES),
                _c("parties", STR_LIST, "Parties: ISO3 codes and bloc short names.", False),
                _c("signatories", STR_LIST, "Bodies that sign or hold it, by acronym or name.", False),
                _c("date", STR, "Date value tied to it (signed, established, adopted)."),
                _c("status", STR, "Latest known status.", False, AGREEMENT_STATUSES),
                _c("topics", STR_LIST, "Topics from the topic vocabulary.", False),
                _c("first_seen_doc_id", STR, "Document where it was first seen (earliest published, then doc_id).", False),
                _c("n_mentions", INT, "Mentions across all documents.", False),
            ),
            sort_by=("agreement_id",),
            per_document=False,
        ),
        Table(
            "agreement_parties",
            "One row per (agreement, party), for joins and group-bys.",
            (
                _c("agreement_id", STR, "Id of the agreement.", False),
                _c("party", STR, "ISO3 code or bloc short name.", False),
            ),
            sort_by=("agreement_id", "party"),
            per_document=False,
        ),
    )
}

PER_DOCUMENT_TABLES = tuple(name for name, t in TABLES.items() if t.per_document and name != "documents")
