"""Readers: the bytes of any file users drop into ``raw/`` -> clean text, blocks and metadata.

``read_document(path, settings)`` sniffs the real format from the content,
runs the reader for it (plain text/Markdown, HTML, PDF), then applies the
format-independent steps: page furniture, split paragraphs, structure,
clean-text layout (docs/architecture.md), language, title, doc_type and
published_date.  It raises ``ReadError`` with a reason a person understands.
No Prefect here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from extractors.document import Block
from pipelines.readers.errors import ReadError
from pipelines.readers.furniture import drop_breadcrumbs, split_dateline
from pipelines.readers.metadata import (
    classify_doc_type, dateline, detect_language, plausible_title, published_date, title_from_blocks,
)
from pipelines.readers.dates import normalize_date
from pipelines.readers.sniff import decode, detect_format, looks_like_markdown
from pipelines.readers.structure import Piece, assemble, classify, join_split_pieces


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
    # Where each metadata value came from ("front_matter", "html_meta", "dateline", ...), for audits.
    provenance: dict = field(default_factory=dict)


def read_document(path: Path, settings=None, data: bytes | None = None) -> ReadDocument:
    """Read one file; raise ``ReadError`` saying why when it cannot be read.

    ``data``: the file's bytes when the caller already read (and hashed) them;
    the reader then never opens the path, so the text matches the hash.
    """
    from pipelines.settings import get_settings

    settings = settings or get_settings()
    path = Path(path)
    size = len(data) if data is not None else path.stat().st_size
    if size > settings.max_file_mb * 1024 * 1024:
        raise ReadError(f"file too large: {size / 1e6:.0f} MB, the limit is max_file_mb={settings.max_file_mb}")
    if data is None:
        data = path.read_bytes()
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise ReadError("empty file: no content")
    fmt = detect_format(data, path.suffix.lower())
    n_pages = None
    if fmt == "pdf":
        from pipelines.readers.pdf import read_pdf

        pieces, meta, n_pages = read_pdf(data, settings)
        explicit_headings = True  # headings come from type size and weight, not from line shape
    elif fmt == "html":
        from pipelines.readers.html import read_html

        pieces, meta = read_html(data)
        explicit_headings = True
    elif fmt in ("txt", "md"):
        from pipelines.readers.plaintext import read_text

        text = decode(data)
        if fmt == "txt" and looks_like_markdown(text):
            fmt = "md" if path.suffix.lower() in (".md", ".markdown") else "txt"
        pieces, meta, explicit_headings = read_text(text)
    else:
        kind = "a ZIP-based or OLE document (DOCX, XLSX, DOC)" if fmt == "zip" else "binary data"
        raise ReadError(f"unsupported format: the file holds {kind}, not text, HTML or PDF")
    return _finish(pieces, meta, fmt, n_pages, explicit_headings)


def _finish(pieces: list[Piece], meta: dict, fmt: str, n_pages: int | None,
            explicit_headings: bool) -> ReadDocument:
    sample = " ".join(p.text for p in pieces[:400])
    if not sample.strip():
        raise ReadError(f"no text: the {fmt.upper()} file holds no readable text")
    language = detect_language(sample)
    pieces = drop_breadcrumbs(pieces)
    pieces = split_dateline(pieces)
    pieces = join_split_pieces(pieces, english=language == "en")
    pieces = classify(pieces, infer_headings=not explicit_headings)
    # Footnotes live apart from the body, in order, after it.
    pieces = [p for p in pieces if p.kind != "footnote"] + [p for p in pieces if p.kind == "footnote"]
    text, blocks = assemble(pieces)
    if not text.strip():
        raise ReadError(f"no text: the {fmt.upper()} file holds no readable text")

    provenance = {}
    title = plausible_title(meta.get("title"))
    if title:
        provenance["title"] = meta.get("title_source", "metadata")
    else:
        title = title_from_blocks(text, blocks)
        provenance["title"] = "first_heading"
    has_dateline = dateline(text, blocks) is not None
    doc_type = classify_doc_type(title, text, has_dateline)
    meta_date = normalize_date(meta.get("date"))
    date = published_date(meta_date, text, blocks, doc_type)
    if date:
        provenance["published_date"] = "metadata" if meta_date else ("dateline" if has_dateline else "text")
    elif meta.get("pdf_date"):
        date, provenance["published_date"] = meta["pdf_date"], "pdf_info"
    return ReadDocument(
        text=text, format=fmt, title=title, published_date=date, doc_type=doc_type,
        language=language, n_pages=n_pages, source_url=meta.get("source_url"),
        tags=list(meta.get("tags") or []), blocks=blocks, provenance=provenance,
    )


__all__ = ["ReadDocument", "ReadError", "read_document"]
