"""A deterministic benchmark corpus built from the sample documents in ``raw/``.

``write_corpus(folder, n_docs)`` writes ``n_docs`` press releases and joint
statements (Markdown/plain text with front matter, and HTML) by recombining
the paragraphs and sentences of the seed documents; ``write_pdf(path, pages)``
renders one long white paper of about ``pages`` pages.  Document ``i`` depends
only on ``i`` and the seeds, so a corpus of 10,000 documents holds the corpus of
1,000 as its first 1,000 files, and anyone can reproduce ``accords bench``'s
figures.  Files are written only when missing or different, with a fixed
modification time, so re-running the benchmark reuses them untouched.
"""
from __future__ import annotations

import html
import os
import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parents[2] / "raw"
# A fixed mtime (2024-01-01 UTC) keeps the inventory's stat check stable across machines.
MTIME_NS = 1_704_067_200 * 1_000_000_000

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_NUMBER = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*[.)]|\(\w{1,3}\)|[-*•])\s+")
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)”\"][.!?])\s+(?=[A-Z“\"])")
_MARKUP = re.compile(r"<sup>.*?</sup>|<[^>]+>|[*_#`]+")

# Title parts: the corpus is about cooperation between governments, like the seeds.
PARTIES = (
    "Japan", "Singapore", "the United Kingdom", "the European Union", "Australia", "India",
    "the Republic of Korea", "Canada", "France", "Germany", "Viet Nam", "Indonesia",
    "the Philippines", "New Zealand", "Brazil", "Kenya", "ASEAN", "the United States",
)
TOPICS = (
    "Digital Economy", "Information and Communication Technology", "Cybersecurity",
    "Semiconductor Supply Chains", "Clean Energy", "Artificial Intelligence", "Space",
    "Quantum Technology", "Submarine Cables", "Data Free Flow with Trust", "5G and Beyond 5G",
    "Critical Minerals", "Maritime Security", "Health", "Science and Technology",
)
KINDS = (
    "Joint Statement on {topic} Cooperation between {a} and {b}",
    "{a}-{b} Ministerial Meeting on {topic}",
    "Joint Press Release: {a} and {b} Sign Memorandum of Cooperation on {topic}",
    "Outcome of the {n}th {a}-{b} Policy Dialogue on {topic}",
    "Joint Declaration on a Strategic Partnership in {topic}",
)
CITIES = ("Tokyo", "Singapore", "London", "Brussels", "Canberra", "New Delhi", "Seoul", "Ottawa")


@dataclass(frozen=True)
class Seeds:
    paragraphs: tuple[str, ...]
    sentences: tuple[str, ...]
    headings: tuple[str, ...]


@lru_cache(maxsize=4)
def load_seeds(seed_dir: Path = SEED_DIR) -> Seeds:
    """Paragraphs, sentences and headings of the sample documents, markup and numbers removed."""
    paragraphs, sentences, headings = [], [], []
    for path in sorted(Path(seed_dir).glob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        text = _FRONT_MATTER.sub("", path.read_text(encoding="utf-8", errors="replace"))
        for chunk in re.split(r"\n\s*\n", text):
            line = " ".join(chunk.split())
            line = _MARKUP.sub("", _NUMBER.sub("", line)).strip()
            if not line or "|" in line or not line[0].isupper():
                continue  # tables, and chunks that start mid-word in the seeds
            words = len(line.split())
            if words >= 12 and line[-1] in ".!?”\"":
                paragraphs.append(line)
                sentences.extend(s for s in _SENTENCE_END.split(line)
                                 if len(s.split()) >= 6 and s[-1] in ".!?”\"")
            elif 2 <= words <= 12 and not line.endswith((".", ",", ":", ";")):
                headings.append(line)
    if not paragraphs:
        raise ValueError(f"no seed paragraphs found in {seed_dir}")
    return Seeds(tuple(paragraphs), tuple(sentences), tuple(headings))


@dataclass(frozen=True)
class Document:
    name: str
    title: str
    published: date
    dateline: str
    sections: tuple[tuple[str | None, tuple[str, ...], bool], ...]  # heading, paragraphs, numbered


def make_document(i: int, seeds: Seeds | None = None) -> Document:
    """Document ``i`` of the corpus: the same for the same ``i`` and seeds, on every machine."""
    seeds = seeds or load_seeds()
    rng = random.Random(f"accords-bench-{i}")
    a, b = rng.sample(PARTIES, 2)
    topic = rng.choice(TOPICS)
    title = rng.choice(KINDS).format(a=a, b=b, topic=topic, n=rng.randint(2, 30))
    title = title[0].upper() + title[1:]
    a, b = a[0].upper() + a[1:], b[0].upper() + b[1:]
    published = date(2015, 1, 1) + timedelta(days=rng.randrange(4000))
    dateline = f"{rng.choice(CITIES)}, {published.day} {published:%B %Y}"
    sections = []
    for s in range(rng.choice((1, 1, 2, 3, 4))):
        heading = rng.choice(seeds.headings) if s or rng.random() < 0.3 else None
        numbered = rng.random() < 0.5
        paras = []
        for _ in range(rng.randint(2, 9)):
            if rng.random() < 0.5:
                paras.append(rng.choice(seeds.paragraphs))
            else:  # a new paragraph of sentences from anywhere in the seeds
                paras.append(" ".join(rng.choice(seeds.sentences) for _ in range(rng.randint(2, 5))))
        sections.append((heading, tuple(paras), numbered))
    # Name the parties of this document in its lead paragraph, as releases do.
    lead = (f"On {published.day} {published:%B %Y}, {a} and {b} held a meeting on cooperation in the field "
            f"of {topic} and agreed to strengthen their partnership.")
    first_heading, first_paras, first_numbered = sections[0]
    sections[0] = (first_heading, (lead, *first_paras), first_numbered)
    fmt = "html" if i % 5 == 4 else ("md" if i % 5 == 3 else "txt")
    return Document(f"{i:06d}.{fmt}", title, published, dateline, tuple(sections))


def render_text(doc: Document) -> str:
    lines = ["---", f"title: \"{doc.title}\"", f"date: {doc.published.isoformat()}", "layout: post", "---", "",
             doc.dateline, ""]
    for heading, paras, numbered in doc.sections:
        if heading:
            lines += [f"## {heading}", ""]
        for n, para in enumerate(paras, 1):
            lines += [f"{n}. {para}" if numbered else para, ""]
    return "\n".join(lines)


def render_html(doc: Document) -> str:
    e = html.escape
    body = [f"<h1>{e(doc.title)}</h1>", f"<p class=\"dateline\">{e(doc.dateline)}</p>"]
    for heading, paras, numbered in doc.sections:
        if heading:
            body.append(f"<h2>{e(heading)}</h2>")
        if numbered:
            body.append("<ol>" + "".join(f"<li>{e(p)}</li>" for p in paras) + "</ol>")
        else:
            body += [f"<p>{e(p)}</p>" for p in paras]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(doc.title)}</title><meta name=\"date\" content=\"{doc.published.isoformat()}\"></head>"
        "<body><nav><a href=\"/\">Home</a> | <a href=\"/news\">News</a></nav><main>"
        + "\n".join(body) + "</main><footer>Copyright Ministry of Foreign Affairs</footer></body></html>\n"
    )


def render(doc: Document) -> bytes:
    return (render_html(doc) if doc.name.endswith(".html") else render_text(doc)).encode("utf-8")


def _write_if_changed(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.utime(tmp, ns=(MTIME_NS, MTIME_NS))
    os.replace(tmp, path)
    return True


def write_corpus(folder: Path, n_docs: int, seed_dir: Path = SEED_DIR) -> list[Path]:
    """Write documents 0..n_docs-1 into folder (files beyond n_docs are removed); return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    seeds = load_seeds(seed_dir)
    paths = []
    for i in range(n_docs):
        doc = make_document(i, seeds)
        path = folder / doc.name
        _write_if_changed(path, render(doc))
        paths.append(path)
    wanted = {p.name for p in paths}
    for stale in folder.iterdir():
        if stale.is_file() and stale.name not in wanted:
            stale.unlink()
    return paths


# -- PDF ------------------------------------------------------------------------------

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_LATIN1 = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "•": "-"})


def write_pdf(path: Path, pages: int, seed_dir: Path = SEED_DIR) -> Path:
    """Render a white paper of ``pages`` pages (numbered sections, running header, page numbers).

    Rendered with fpdf2 and a DejaVu font when the system has one (Helvetica otherwise).
    """
    from fpdf import FPDF

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    seeds = load_seeds(seed_dir)
    font_dir = next((d for d in _FONT_DIRS if (d / "DejaVuSans.ttf").exists()), None)

    class WhitePaper(FPDF):
        def header(self):
            self.set_font(family, "", 8)
            self.cell(0, 6, "White Paper on International Cooperation 2025", align="R")
            self.ln(10)

        def footer(self):
            self.set_y(-15)
            self.set_font(family, "", 8)
            self.cell(0, 10, f"- {self.page_no()} -", align="C")

    pdf = WhitePaper(format="A4")
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=timezone.utc))  # no wall clock in the bytes
    if font_dir:
        family = "DejaVu"
        pdf.add_font(family, "", str(font_dir / "DejaVuSans.ttf"))
        pdf.add_font(family, "B", str(font_dir / "DejaVuSans-Bold.ttf"))
        fix = str
    else:
        family, fix = "Helvetica", lambda s: s.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")
    pdf.set_title("White Paper on International Cooperation 2025")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    bottom = pdf.h - 20
    width = pdf.w - pdf.l_margin - pdf.r_margin
    widths: dict[tuple[str, int, str], float] = {}

    def wrap(text: str, style: str, size: int) -> list[str]:
        # Greedy wrapping with cached word widths: fpdf2's multi_cell is ~100x slower on long paragraphs.
        space = pdf.get_string_width(" ")
        lines, line, used = [], [], 0.0
        for word in text.split():
            key = (word, size, style)
            w = widths.get(key)
            if w is None:
                w = widths[key] = pdf.get_string_width(word)
            if line and used + space + w > width:
                lines.append(" ".join(line))
                line, used = [], 0.0
            used += (space if line else 0.0) + w
            line.append(word)
        return lines + [" ".join(line)] if line else lines

    def put(text: str, style: str, size: int, line_h: float, gap: float) -> bool:
        """Write one block, breaking pages by hand; False once page ``pages`` is full."""
        pdf.set_font(family, style, size)
        for line in wrap(fix(text), style, size):
            if pdf.get_y() + line_h > bottom:
                if pdf.page_no() >= pages:
                    return False
                pdf.add_page()
                pdf.set_font(family, style, size)
            pdf.cell(width, line_h, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)
        return True

    i, more = 0, True
    while more:
        doc = make_document(i, seeds)
        i += 1
        more = put(f"Chapter {i}. {doc.title}", "B", 13, 7, 2)
        for heading, paras, numbered in doc.sections:
            if more and heading:
                more = put(heading, "B", 11, 6, 1)
            for n, para in enumerate(paras, 1):
                more = more and put(f"{n}. {para}" if numbered else para, "", 10, 5, 2)
    _write_if_changed(path, bytes(pdf.output()))
    return path


__all__ = ["Document", "Seeds", "load_seeds", "make_document", "render", "write_corpus", "write_pdf"]
