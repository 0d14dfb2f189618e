"""One document, start to end, as plain functions: read, extract, and shape rows.

Everything here works without Prefect; the flow only decides which documents
to hand to these functions and stores what they return.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from extractors.document import Block, DocumentInput
from pipelines.run.fingerprint import full_version
from pipelines.readers import ReadDocument, ReadError, read_document
from pipelines.settings import Settings, get_settings

EXTRACTED_TABLES = ("entities", "dates", "commitments", "agreement_mentions")


def doc_id_for(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass
class DocumentResult:
    """Rows of every per-document table for one document."""

    doc_id: str
    tables: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def document(self) -> dict:
        return self.tables["documents"][0]


def document_row(doc_id: str, rel_path: str, read: ReadDocument | None, error: str | None,
                 ingested_at: datetime) -> dict:
    text = read.text if read else ""
    return {
        "doc_id": doc_id,
        "path": rel_path,
        "format": read.format if read else "unknown",
        "title": read.title if read else None,
        "doc_type": read.doc_type if read else None,
        "published_date": read.published_date if read else None,
        "language": read.language if read else None,
        "n_pages": read.n_pages if read else None,
        "source_url": read.source_url if read else None,
        "tags": list(read.tags) if read else [],
        "text": text,
        "n_chars": len(text),
        "status": "failed" if error else "ok",
        "error": error,
        "extractor_version": full_version(),
        "ingested_at": ingested_at,
    }


def block_rows(doc_id: str, text: str, blocks: list[Block]) -> list[dict]:
    return [
        {
            "doc_id": doc_id,
            "block_id": i,
            "kind": b.kind,
            "level": b.level,
            "number": b.number,
            "parent_block_id": b.parent,
            "page": b.page,
            "text": text[b.start_char:b.end_char],
            "start_char": b.start_char,
            "end_char": b.end_char,
        }
        for i, b in enumerate(blocks)
    ]


def blocks_from_rows(rows: list[dict]) -> list[Block]:
    return [
        Block(kind=r["kind"], start_char=r["start_char"], end_char=r["end_char"], level=r["level"],
              number=r["number"], parent=r["parent_block_id"], page=r["page"])
        for r in sorted(rows, key=lambda r: r["block_id"])
    ]


def extract_rows(document: dict, blocks: list[Block], settings: Settings | None = None) -> dict[str, list[dict]]:
    """Run the extractors on a stored document row (no file access)."""
    from extractors.pipeline import extract, max_chars

    settings = settings or get_settings()
    if document["status"] != "ok":
        return {name: [] for name in EXTRACTED_TABLES}
    extracted = extract(
        DocumentInput(
            doc_id=document["doc_id"],
            text=document["text"],
            title=document["title"],
            published_date=document["published_date"],
            doc_type=document["doc_type"],
            language=document["language"] or "en",
            blocks=blocks,
        ),
        nlp_for(settings),
        max_chars=max_chars(settings.doc_memory_mb),
    )
    return {
        name: [{"doc_id": document["doc_id"], **row} for row in extracted.get(name, [])]
        for name in EXTRACTED_TABLES
    }


def nlp_for(settings: Settings):
    """The shared spaCy pipeline for these settings (built once per process and settings)."""
    from extractors.pipeline import default_nlp

    return default_nlp(settings.fiscal_year_start_month)


def read_file(path: Path, rel_path: str, data: bytes, settings: Settings,
              ingested_at: datetime) -> tuple[dict, list[dict], list[Block]]:
    doc_id = doc_id_for(data)
    try:
        read = read_document(path, settings, data=data)
        error = None
    except ReadError as exc:
        read, error = None, str(exc)
    except Exception as exc:  # a reader bug must not stop the run; record it
        read, error = None, f"reader error: {type(exc).__name__}: {exc}"
    document = document_row(doc_id, rel_path, read, error, ingested_at)
    blocks = read.blocks if read else []
    return document, block_rows(doc_id, document["text"], blocks), blocks


def unreadable(rel_path: str, error: str, ingested_at: datetime) -> DocumentResult:
    """A failed row for a file whose bytes were never read; its id comes from its path."""
    document = document_row(doc_id_for(rel_path.encode()), rel_path, None, error, ingested_at)
    return DocumentResult(document["doc_id"], {"documents": [document], "blocks": [],
                                               **{n: [] for n in EXTRACTED_TABLES}})


def process_file(path: Path, raw_dir: Path, settings: Settings | None = None,
                 ingested_at: datetime | None = None) -> DocumentResult:
    """Read and extract one file; never raises for a bad document."""
    settings = settings or get_settings()
    ingested_at = ingested_at or datetime.now(timezone.utc).replace(microsecond=0)
    from pipelines.run.rawfile import RawFileError, read_raw

    rel_path = Path(path).relative_to(raw_dir).as_posix()
    try:
        raw = read_raw(raw_dir, path, settings)
    except RawFileError as exc:
        return unreadable(rel_path, str(exc), ingested_at)
    return process_bytes(Path(path), rel_path, raw.data, settings, ingested_at)


def process_bytes(path: Path, rel_path: str, data: bytes, settings: Settings,
                  ingested_at: datetime) -> DocumentResult:
    """Read and extract a file whose bytes were already read (and hashed) by the caller."""
    document, blocks_rows, blocks = read_file(path, rel_path, data, settings, ingested_at)
    return reextract(document, blocks_rows, blocks, settings)


def reextract(document: dict, blocks_rows: list[dict], blocks: list[Block] | None = None,
              settings: Settings | None = None) -> DocumentResult:
    blocks = blocks if blocks is not None else blocks_from_rows(blocks_rows)
    try:
        extracted = extract_rows(document, blocks, settings)
    except Exception as exc:  # keep the clean text; record why extraction failed
        document = {**document, "status": "failed", "error": f"extraction error: {type(exc).__name__}: {exc}"}
        extracted = {name: [] for name in EXTRACTED_TABLES}
    document = {**document, "extractor_version": full_version()}
    return DocumentResult(document["doc_id"], {"documents": [document], "blocks": blocks_rows, **extracted})
