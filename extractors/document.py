"""What the extractors receive from the readers: clean text, its blocks, its metadata."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Block:
    """A structural unit of the clean text; offsets index ``DocumentInput.text``."""

    kind: str  # heading, paragraph, list_item, footnote, table
    start_char: int
    end_char: int
    level: int | None = None
    number: str | None = None  # as written: "9.6", "(3)", "A", "I.", "-"
    parent: int | None = None  # index of the lead-in or section heading block
    page: int | None = None


@dataclass
class DocumentInput:
    doc_id: str
    text: str
    title: str | None = None
    published_date: str | None = None  # ISO, day/month/year precision
    doc_type: str | None = None
    language: str = "en"
    blocks: list[Block] = field(default_factory=list)
