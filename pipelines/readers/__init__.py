"""PLACEHOLDER contract, replaced by the readers: bytes -> clean text, blocks and metadata."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from extractors.document import Block


class ReadError(Exception):
    """A document that cannot be read; the message says why, for a person."""


@dataclass
class ReadDocument:
    text: str
    format: str  # txt, md, html, pdf
    title: str | None = None
    published_date: str | None = None
    doc_type: str | None = None
    language: str = "en"
    n_pages: int | None = None
    source_url: str | None = None
    tags: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


def read_document(path: Path, settings=None) -> ReadDocument:
    data = Path(path).read_bytes()
    if not data.strip():
        raise ReadError("empty file")
    text = data.decode("utf-8", errors="replace")
    return ReadDocument(text=text, format="txt")
