"""PDF -> pieces in reading order, with page furniture and footnotes set apart.

pypdfium2 does the cheap checks (opens at all, password, page count, is there
visible text, info metadata); pdfplumber gives words with positions and font
sizes, one page at a time (each page is closed before the next, so memory
stays bounded).  From the words:

* columns: vertical gutters where no word sits across many rows; a row that
  crosses a gutter (a title) spans the page and closes the column band above;
* running headers/footers: lines near the top or bottom edge that repeat on
  many pages (digits ignored), and page numbers;
* footnotes: smaller-type lines at the foot of a page; superscript markers in
  the body are dropped so they never end up inside a sentence;
* overprinted characters are deduplicated, ligatures expanded.
"""
from __future__ import annotations

import io

import re
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pipelines.readers.dates import normalize_date
from pipelines.readers.errors import ReadError
from pipelines.readers.structure import Piece, clean_inline, dehyphenate, joiner, split_number

_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—(\[]?\s*(?:\d{1,5}|[ivxlc]{1,6})\s*[-–—)\]]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_MARKER_TEXT = re.compile(r"^(?:\d{1,3}|[*†‡§¶]+|[a-z])$")
_MARGIN = 0.09  # share of the page height where running headers/footers live
# Deeper than any real document nests forms; a bound all the same, as the walk is recursive.
_FORM_DEPTH = 64


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    page: int
    column: int  # -1 spans the page
    col_x0: float = 0.0
    col_x1: float = 0.0
    lead_marker: str | None = None  # a raised number opening the line (footnote text)
    kind: str = "body"  # body, furniture, footnote


@dataclass
class _PageInfo:
    height: float
    lines: list[Line] = field(default_factory=list)


def read_pdf(data: bytes, settings) -> tuple[list[Piece], dict, int]:
    """Read a PDF from the bytes the caller hashed, so a file changing on disk cannot mix versions."""
    meta, n_pages = _check_with_pdfium(data, settings)
    pages = _read_pages(data, settings, n_pages)
    _mark_furniture(pages)
    body_size = _body_size(pages)
    for page in pages:
        _mark_footnotes(page, body_size)
    pieces = _pieces(pages, body_size)
    return pieces, meta, n_pages


# ---------------------------------------------------------------- pdfium checks

def _check_with_pdfium(data: bytes, settings) -> tuple[dict, int]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise ReadError("encrypted PDF: a password is required") from exc
        raise ReadError(f"damaged or truncated PDF: it cannot be opened ({message})") from exc
    try:
        n_pages = len(doc)
        if n_pages == 0:
            raise ReadError("empty PDF: it has no pages")
        if n_pages > settings.pdf_max_pages:
            raise ReadError(f"PDF too long: {n_pages} pages, the limit is pdf_max_pages={settings.pdf_max_pages}")
        info = doc.get_metadata_dict(skip_empty=True)
        visible_text = False
        any_text = False
        for i in range(n_pages):
            page = doc[i]
            try:
                textpage = page.get_textpage()
                has_chars = textpage.count_chars() > 0
                textpage.close()
                if not has_chars:
                    continue
                any_text = True
                # Scanned pages carry OCR text in render mode 3 (invisible) over an image.
                # Visible text can sit in Form XObjects nested at any depth (templates,
                # stamped or flattened pages), so the walk goes as deep as pdfium draws.
                for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=_FORM_DEPTH):
                    if pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE:
                        visible_text = True
                        break
            finally:
                page.close()
            if visible_text:
                break
        if not visible_text:
            if any_text:
                raise ReadError("image-only PDF: scanned pages whose only text is an invisible OCR layer; "
                                "OCR is not supported")
            raise ReadError("image-only PDF: no text layer; OCR is not supported")
    finally:
        doc.close()
    meta = {
        "title": info.get("Title"),
        "title_source": "pdf_info",
        # Info dates are production timestamps: the reader prefers a visible dateline (see _finish).
        "pdf_date": normalize_date(info.get("CreationDate") or info.get("ModDate")),
        "tags": [t.strip() for t in re.split(r"[,;]", info.get("Keywords", "")) if t.strip()],
    }
    return meta, n_pages


# ------------------------------------------------------------- page reading

def _read_pages(data: bytes, settings, n_pages: int) -> list[_PageInfo]:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    started = time.monotonic()
    pages: list[_PageInfo] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                if number > settings.pdf_max_pages:
                    break
                try:
                    pages.append(_read_page(page, number))
                finally:
                    page.close()
                if time.monotonic() - started > settings.doc_timeout_s:
                    raise ReadError(f"timed out: reading took more than doc_timeout_s={settings.doc_timeout_s:g} s "
                                    f"(stopped at page {number} of {n_pages})")
    except ReadError:
        raise
    except (PDFSyntaxError, PSException, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ReadError(f"damaged PDF: its content cannot be parsed ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # pdfminer wraps many errors in its own types
        if type(exc).__name__ in ("PdfminerException", "PDFPasswordIncorrect", "PDFEncryptionError"):
            raise ReadError(f"damaged PDF: its content cannot be parsed ({exc or type(exc).__name__})") from exc
        raise
    return pages


def _read_page(page, number: int) -> _PageInfo:
    chars = page.chars
    keys = {(c["text"], round(c["x0"]), round(c["top"])) for c in chars}
    if len(keys) < len(chars) * 0.98:  # overprinted (fake bold) text
        page = page.dedupe_chars(tolerance=1)
    words = page.extract_words(x_tolerance=1.5, y_tolerance=2.5, keep_blank_chars=False,
                               use_text_flow=False, extra_attrs=["size", "fontname"])
    # Rotated text is stamps and margin notes ("DRAFT", line numbers), not body.
    words = [w for w in words if w.get("upright", True)]
    info = _PageInfo(height=float(page.height))
    if not words:
        return info
    rows = _rows(words)
    gutters = _gutters(rows, float(page.width))
    info.lines = _lines(rows, gutters, number, float(page.width))
    return info


def _rows(words: list[dict]) -> list[list[dict]]:
    """Words grouped into visual rows (one row may cross several columns).

    A word joins the row when it overlaps the middle of the row's first word,
    so a raised footnote marker stays on its line while the next line does not.
    """
    words = sorted(words, key=lambda w: (w["top"], w["x0"]))
    rows: list[list[dict]] = []
    anchor = None
    for w in words:
        if anchor is not None:
            height = anchor["bottom"] - anchor["top"]
            if w["bottom"] > anchor["top"] + 0.3 * height and w["top"] < anchor["bottom"] - 0.3 * height:
                rows[-1].append(w)
                continue
        rows.append([w])
        anchor = w
    for row in rows:
        row.sort(key=lambda w: w["x0"])
    return rows


def _gutters(rows: list[list[dict]], width: float) -> list[float]:
    """x positions of column gutters: runs in the middle of the page that no
    word covers in most rows, with text on both sides in many rows."""
    if len(rows) < 6:
        return []
    delta = [0] * (int(width) + 3)
    for row in rows:
        for w in row:
            delta[min(len(delta) - 2, max(0, int(w["x0"])))] += 1
            delta[min(len(delta) - 1, max(0, int(w["x1"]) + 1))] -= 1
    cover, running = [], 0
    for d in delta:
        running += d
        cover.append(running)
    limit = max(1, int(0.06 * len(rows)))
    runs, start = [], None
    lo, hi = int(width * 0.15), int(width * 0.85)
    for x in range(lo, hi + 1):
        if cover[x] <= limit:
            start = x if start is None else start
        elif start is not None:
            runs.append((start, x - 1))
            start = None
    if start is not None:
        runs.append((start, hi))
    gutters = []
    for a, b in runs:
        if b - a < 4:
            continue
        mid = (a + b) / 2
        both = sum(1 for row in rows
                   if any(w["x1"] <= a + 1 and w["x1"] > a - 40 for w in row)
                   and any(w["x0"] >= b - 1 and w["x0"] < b + 40 for w in row))
        if both >= max(3, 0.25 * len(rows)):
            gutters.append(mid)
    return gutters


def _lines(rows: list[list[dict]], gutters: list[float], number: int, width: float) -> list[Line]:
    """Rows cut at the gutters, in reading order: column by column inside each
    band of rows, a page-wide row closing the band above it."""
    bounds = [0.0] + gutters + [width]
    ordered: list[Line] = []
    band: dict[int, list[Line]] = defaultdict(list)

    def flush():
        for col in sorted(band):
            ordered.extend(band[col])
        band.clear()

    for row in rows:
        crosses = any(w["x0"] < g < w["x1"] for w in row for g in gutters)
        if crosses or not gutters:
            flush()
            ordered.append(_make_line(row, number, -1 if gutters else 0))
            continue
        for col in range(len(bounds) - 1):
            part = [w for w in row if bounds[col] <= (w["x0"] + w["x1"]) / 2 < bounds[col + 1]]
            if part:
                band[col].append(_make_line(part, number, col))
    flush()
    # Column extents, for "short last line" and indentation tests.
    extents: dict[int, tuple[float, float]] = {}
    for line in ordered:
        lo, hi = extents.get(line.column, (line.x0, line.x1))
        extents[line.column] = (min(lo, line.x0), max(hi, line.x1))
    for line in ordered:
        line.col_x0, line.col_x1 = extents[line.column]
    return ordered


def _make_line(words: list[dict], page: int, column: int) -> Line:
    sizes = Counter()
    for w in words:
        sizes[round(w["size"], 1)] += len(w["text"])
    size = sizes.most_common(1)[0][0]
    baseline = max(w["bottom"] for w in words if round(w["size"], 1) == size)
    parts: list[str] = []
    lead_marker = None
    prev = None
    bold_chars = 0
    for i, w in enumerate(words):
        raised = w["size"] < 0.85 * size and w["bottom"] < baseline - 0.15 * size
        if raised and _MARKER_TEXT.match(w["text"]):
            if i == 0:
                lead_marker = w["text"]
            prev = w
            continue  # a footnote marker: never part of the sentence
        if prev is not None and parts and w["x0"] - prev["x1"] < 0.12 * size:
            parts[-1] += w["text"]  # same word, split by a font change
        else:
            parts.append(w["text"])
        if re.search(r"bold|black|heavy|semibold", w["fontname"], re.I):
            bold_chars += len(w["text"])
        prev = w
    text = clean_inline(" ".join(parts))
    return Line(text=text, x0=min(w["x0"] for w in words), x1=max(w["x1"] for w in words),
                top=min(w["top"] for w in words), bottom=baseline, size=size,
                bold=bold_chars >= 0.8 * max(1, len(text.replace(" ", ""))), page=page, column=column,
                lead_marker=lead_marker)


# ------------------------------------------------------------ page furniture

def _furniture_key(text: str) -> str:
    # Digits vary (page numbers, dates); a page number may or may not share the row.
    return re.sub(r"\d+", "#", text.lower()).strip(" #|-–—.")


def _mark_furniture(pages: list[_PageInfo]) -> None:
    """Running headers/footers (repeated near an edge) and page numbers."""
    counts: Counter = Counter()
    for page in pages:
        keys = {_furniture_key(l.text) for l in page.lines if _in_margin(l, page)}
        counts.update(keys)
    threshold = max(2, int(0.4 * len(pages)))
    body_size = _body_size(pages)
    for page in pages:
        for line in page.lines:
            if not _in_margin(line, page):
                continue
            repeated = counts[_furniture_key(line.text)] >= threshold
            # A single page cannot show repetition: small type at the very edge is its furniture.
            lone_small = len(pages) == 1 and line.size < 0.9 * body_size
            if _PAGE_NUMBER.match(line.text) or (len(pages) > 1 and repeated) or lone_small:
                line.kind = "furniture"


def _in_margin(line: Line, page: _PageInfo) -> bool:
    return line.bottom < page.height * _MARGIN or line.top > page.height * (1 - _MARGIN)


def _body_size(pages: list[_PageInfo]) -> float:
    sizes: Counter = Counter()
    for page in pages:
        for line in page.lines:
            if line.kind == "body":
                sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _mark_footnotes(page: _PageInfo, body_size: float) -> None:
    """Smaller type at the foot of a column, opened by a marker, is footnote text."""
    by_column: dict[int, list[Line]] = defaultdict(list)
    for line in page.lines:
        if line.kind == "body":
            by_column[line.column].append(line)
    for lines in by_column.values():
        region: list[Line] = []
        for line in sorted(lines, key=lambda l: -l.top):
            if line.size >= 0.92 * body_size:
                break
            region.append(line)
        if not region or len(region) > 0.6 * len(lines):
            continue  # none, or a column set in small type
        region.reverse()
        # The footnote area opens with a marked note; anything above that is body.
        while region and not _opens_note(region[0]):
            region.pop(0)
        for line in region:
            line.kind = "footnote"


def _opens_note(line: Line) -> bool:
    return bool(line.lead_marker or re.match(r"^(?:\d{1,3}|[*†‡])\s", line.text))


# ---------------------------------------------------------------- pieces

def _pieces(pages: list[_PageInfo], body_size: float) -> list[Piece]:
    lines = [l for p in pages for l in p.lines if l.kind != "furniture" and l.text]
    prominent = sorted({l.size for l in lines if l.kind == "body" and l.size > 1.15 * body_size}, reverse=True)
    vocabulary = {w.lower() for l in lines for w in re.findall(r"\w+(?:-\w+)*", l.text)}
    leading = _typical_leading(lines)
    groups: list[list[Line]] = []
    for line in lines:
        prev = groups[-1][-1] if groups else None
        if prev is None or _starts_block(prev, line, body_size, leading):
            groups.append([line])
        else:
            groups[-1].append(line)
    pieces = []
    for group in groups:
        first = group[0]
        text = group[0].text if not first.lead_marker else group[0].text
        for line in group[1:]:
            if text.endswith("-") and line.text[:1].isalpha():
                text = dehyphenate(text, line.text, vocabulary)
            else:
                text = text + joiner(text, line.text) + line.text
        if first.kind == "footnote":
            number = first.lead_marker
            if number is None:
                m = re.match(r"^(\d{1,3}|[*†‡])\s+", text)
                if m:
                    number, text = m.group(1), text[m.end():]
            pieces.append(Piece(text, kind="footnote", number=number, page=first.page))
            continue
        hint = None
        if first.size in prominent:
            hint = prominent.index(first.size) + 1
        elif all(l.bold for l in group) and len(group) <= 2:
            hint = len(prominent) + 1
        indent = max(0, round((first.x0 - first.col_x0) / (2 * body_size)))
        pieces.append(Piece(text, page=first.page, heading_hint=hint, indent=min(indent, 4),
                            standalone=True))
    return pieces


def _typical_leading(lines: list[Line]) -> float:
    """Median gap between consecutive lines of a column, as a share of font size."""
    gaps = [(b.top - a.bottom) / b.size for a, b in zip(lines, lines[1:])
            if a.page == b.page and a.column == b.column and b.size and 0 <= b.top - a.bottom < 2 * b.size]
    return statistics.median(gaps) if gaps else 0.3


def _starts_block(prev: Line, line: Line, body_size: float, leading: float = 0.3) -> bool:
    if line.kind != prev.kind:
        return True
    if line.kind == "footnote":
        return _opens_note(line)
    if line.page != prev.page or line.column != prev.column:
        return True  # a break between pages or columns; join_split_pieces rejoins sentences
    if abs(line.size - prev.size) > 0.12 * max(line.size, prev.size) or line.bold != prev.bold:
        return True
    gap = line.top - prev.bottom
    if gap > max(0.75, leading + 0.45) * line.size or gap < -0.5 * line.size:
        return True
    if split_number(line.text)[0]:
        return True
    width = prev.col_x1 - prev.col_x0
    if prev.x1 < prev.col_x1 - 0.15 * width and re.search(r"[.!?:;。”\"]$", prev.text):
        return True  # the previous line ended a paragraph short of the margin
    if line.x0 > line.col_x0 + 1.5 * body_size and prev.x0 <= prev.col_x0 + 0.5 * body_size:
        return True  # first-line indent
    return False
