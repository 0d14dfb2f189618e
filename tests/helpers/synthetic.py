"""Deterministic test documents: known blocks rendered to PDF and HTML.

Used by the reader tests (round trip: render, read back, compare) and by the
benchmark.  PDFs use fpdf2's core Helvetica, so text is first mapped to
Latin-1 (``to_latin1``); compare read-back text against that mapping.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

_ASCII_PUNCT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "‐": "-", "‑": "-",
                              "…": "...", "•": "-", "\u00a0": " ", "′": "'", "″": '"'})


@dataclass
class SyntheticBlock:
    kind: str  # heading, paragraph, list_item
    text: str  # without its number
    number: str | None = None
    level: int = 1
    footnote: str | None = None  # text of a footnote whose marker ends this block

    @property
    def written_number(self) -> str | None:
        # Readers drop the separator dot after digits ("9.6." -> "9.6"); put it back.
        if self.number and re.fullmatch(r"\d+", self.number):
            return self.number + "."
        return self.number

    @property
    def line(self) -> str:
        return f"{self.written_number} {self.text}" if self.number else self.text


def to_latin1(text: str) -> str:
    """What a core PDF font can show: typographic punctuation made plain, accents kept."""
    text = text.translate(_ASCII_PUNCT)
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base)
    return "".join(out)


def blocks_from_read(text: str, blocks) -> list[SyntheticBlock]:
    """SyntheticBlocks from a reader's output (clean text and its blocks), footnotes left out."""
    out = []
    for b in blocks:
        if b.kind not in ("heading", "paragraph", "list_item"):
            continue
        out.append(SyntheticBlock(b.kind, text[b.start_char:b.end_char], b.number, b.level or 1))
    return out


# --------------------------------------------------------------------- PDF

@dataclass
class _Geometry:
    width: float = 595.28
    height: float = 841.89
    margin: float = 56.0
    gutter: float = 24.0
    top: float = 80.0
    footnote_zone: float = 56.0
    bottom_margin: float = 70.0


def render_pdf(blocks: list[SyntheticBlock], path: Path, columns: int = 1, header: str | None = None,
               footer: str | None = None, page_numbers: bool = True, hyphenate: bool = True,
               body_size: float = 10.0, title: str | None = None) -> Path:
    """Lay ``blocks`` out on A4 pages in 1-3 columns, with a running header and
    footer, page numbers, footnotes (``SyntheticBlock.footnote``, a raised
    marker in the text and the note at the foot of the page) and line-end
    hyphenation of long words."""
    from fpdf import FPDF

    geo = _Geometry()
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creator("accords synthetic")
    if title:
        pdf.set_title(to_latin1(title))
    col_width = (geo.width - 2 * geo.margin - (columns - 1) * geo.gutter) / columns
    body_bottom = geo.height - geo.bottom_margin - geo.footnote_zone
    state = {"page": 0, "col": 0, "y": geo.top, "notes": [], "marker": 0}

    def new_page():
        _flush_notes()
        pdf.add_page()
        state.update(page=state["page"] + 1, col=0, y=geo.top, notes=[])
        pdf.set_font("Helvetica", "", 8)
        if header:
            pdf.text(geo.margin, 40, to_latin1(header))
        if footer:
            pdf.text(geo.margin, geo.height - 36, to_latin1(footer))
        if page_numbers:
            label = str(state["page"])
            pdf.text(geo.width - geo.margin - pdf.get_string_width(label), geo.height - 36, label)

    def _flush_notes():
        if not state["notes"] or state["page"] == 0:
            return
        y = geo.height - geo.bottom_margin - geo.footnote_zone + 18
        pdf.set_draw_color(0)
        pdf.line(geo.margin, y - 12, geo.margin + 120, y - 12)
        for marker, note in state["notes"]:
            pdf.set_font("Helvetica", "", 5.5)
            pdf.text(geo.margin, y - 3, marker)
            pdf.set_font("Helvetica", "", 7.5)
            pdf.text(geo.margin + 6, y, to_latin1(note))
            y += 10
        state["notes"] = []

    def advance(height: float):
        if state["y"] + height > body_bottom:
            if state["col"] + 1 < columns:
                state.update(col=state["col"] + 1, y=geo.top)
            else:
                new_page()

    new_page()
    for block in blocks:
        size, style, indent = body_size, "", 0.0
        if block.kind == "heading":
            size, style = (15.0 if block.level <= 1 else 12.5 if block.level == 2 else 11.0), "B"
        elif block.kind == "list_item":
            indent = 14.0 * max(0, (block.level or 1) - 1)
        pdf.set_font("Helvetica", style, size)
        words = to_latin1(block.line).split()
        lines = _break_lines(pdf, words, col_width - indent, hyphenate and block.kind != "heading")
        leading = size * 1.3
        if block.kind == "heading":
            advance(leading * (len(lines) + 1.5))  # keep a heading with its text
        for i, line in enumerate(lines):
            advance(leading)
            x = geo.margin + state["col"] * (col_width + geo.gutter) + indent
            state["y"] += leading
            pdf.set_font("Helvetica", style, size)
            pdf.text(x, state["y"], line)
            if block.footnote and i == len(lines) - 1:
                state["marker"] += 1
                marker = str(state["marker"])
                end = x + pdf.get_string_width(line) + 0.5
                pdf.set_font("Helvetica", "", size * 0.6)
                pdf.text(end, state["y"] - size * 0.45, marker)
                state["notes"].append((marker, block.footnote))
        state["y"] += size * 0.9
    _flush_notes()
    pdf.output(str(path))
    return Path(path)


def _break_lines(pdf, words: list[str], width: float, hyphenate: bool) -> list[str]:
    lines: list[str] = []
    current = ""
    queue = list(words)
    while queue:
        word = queue.pop(0)
        candidate = f"{current} {word}" if current else word
        if pdf.get_string_width(candidate) <= width:
            current = candidate
            continue
        if hyphenate and current and re.fullmatch(r"[a-z]{7,}[,.;:]?", word):
            for k in range(len(word.rstrip(",.;:")) - 3, 2, -1):
                head = f"{current} {word[:k]}-"
                if pdf.get_string_width(head) <= width:
                    lines.append(head)
                    current = ""
                    queue.insert(0, word[k:])
                    break
            else:
                lines.append(current)
                current = word
            continue
        if current:
            lines.append(current)
        current = word
    if current:
        lines.append(current)
    return lines


# -------------------------------------------------------------------- HTML

def render_html(blocks: list[SyntheticBlock], title: str, published: str | None = None,
                breadcrumbs: tuple[str, ...] = ("Home", "News Releases"), encoding: str = "utf-8",
                lang: str = "en", site: str = "Ministry of Foreign Affairs") -> bytes:
    """A government news page: skip link, header with menu, cookie banner,
    breadcrumb trail, the article (h1 title, headings, paragraphs, lists,
    footnotes), related links, and a footer."""
    e = html.escape
    body: list[str] = [f"<h1>{e(title)}</h1>"]
    if published:
        body.append(f'<p class="date"><time datetime="{e(published)}">{e(published)}</time></p>')
    notes: list[str] = []
    in_list = False
    for block in blocks:
        if block.kind == "list_item" and not in_list:
            body.append('<ul class="items">')
            in_list = True
        elif block.kind != "list_item" and in_list:
            body.append("</ul>")
            in_list = False
        marker = ""
        if block.footnote:
            notes.append(block.footnote)
            n = len(notes)
            marker = f'<sup><a href="#fn{n}" id="ref{n}">{n}</a></sup>'
        if block.kind == "heading":
            level = min(6, (block.level or 1) + 1)
            number = f"{e(block.written_number)} " if block.number else ""
            body.append(f"<h{level}>{number}{e(block.text)}{marker}</h{level}>")
        elif block.kind == "list_item":
            number = f"{e(block.written_number)} " if block.number and block.number != "-" else ""
            body.append(f"<li>{number}{e(block.text)}{marker}</li>")
        else:
            number = f"{e(block.written_number)} " if block.number else ""
            body.append(f"<p>{number}<span>{e(block.text)}</span>{marker}</p>")
    if in_list:
        body.append("</ul>")
    if notes:
        body.append('<section class="footnotes"><ol>')
        body += [f'<li id="fn{i}">{e(n)}</li>' for i, n in enumerate(notes, 1)]
        body.append("</ol></section>")
    crumbs = "".join(f'<li><a href="/{i}">{e(c)}</a></li>' for i, c in enumerate(breadcrumbs)) + \
        f"<li>{e(title)}</li>"
    date_meta = f'<meta property="article:published_time" content="{e(published)}">' if published else ""
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="{encoding}">
<title>{e(title)} | {e(site)}</title>{date_meta}
<meta name="viewport" content="width=device-width"><link rel="canonical" href="https://example.gov/news/{abs(hash(title)) % 10**6}">
<script>window.dataLayer = [{{"event": "We will track you"}}];</script><style>body {{ font-family: sans-serif; }}</style>
</head><body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><div class="logo">{e(site)}</div>
<nav class="global-nav"><ul><li><a href="/">Home</a></li><li><a href="/policy">Foreign Policy</a></li>
<li><a href="/press">Press Releases</a></li><li><a href="/about">About Us</a></li></ul></nav></header>
<div id="cookie-consent" class="cookie-banner"><p>This site uses cookies to improve your experience.</p><button>Accept</button></div>
<nav aria-label="Breadcrumb" class="breadcrumbs"><ol>{crumbs}</ol></nav>
<main id="main"><article>
{chr(10).join(body)}
</article>
<aside class="related"><h2>Related Links</h2><ul><li><a href="/a">Other news</a></li></ul></aside>
</main>
<footer class="site-footer"><p>Copyright {e(site)}. All rights reserved.</p>
<ul><li><a href="/privacy">Privacy Policy</a></li><li><a href="/contact">Contact</a></li></ul></footer>
</body></html>"""
    return page.encode(encoding, errors="xmlcharrefreplace")
