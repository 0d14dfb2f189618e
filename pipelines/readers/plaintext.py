"""Plain text and Markdown (including Markdown-ish text extracted from PDFs) -> pieces.

Handles YAML front matter, ATX/Setext headings, list items, tables, footnote
lines (``<sup>1</sup> ...``, ``[^1]: ...``, a lone ``• *`` bullet) and inline
markup (emphasis, escapes, links, inline HTML).  Hard-wrapped text is unwrapped
inside a paragraph; text with one paragraph per long line keeps each line as a
block.
"""
from __future__ import annotations

import csv
import html
import re
from functools import lru_cache

import yaml

from pipelines.readers.structure import PATTERNS, Piece, clean_inline, dehyphenate

_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
# The closing "##" and trailing blanks of an ATX heading are trimmed in code
# (``_atx``): as one lazy regex they backtrack quadratically over long blank runs.
_ATX_OPEN = re.compile(r"\s{0,3}(#{1,6})\s+(.*)")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_FOOTNOTE_LINE = re.compile(
    r"^\s*(?:<sup>\s*(?P<sup>[\w*†‡]{1,4})\s*</sup>|\[\^(?P<md>[\w*]{1,8})\]:)\s*(?P<text>\S.*)$")
_LONE_MARK_BULLET = re.compile(r"^\s*[•·*\-]\s+(?P<mark>[*†‡※]|\d{1,3}\)?)\s*$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ITEM_START = re.compile(r"^\s*(?:[-*+•·▪●◦‣○■□➢►]\s+\S|\d{1,2}(?:\.\d{1,3})*[.)]\s+\S|\(\w{1,4}\)\s*\S)")

_SUP_MARK = re.compile(r"<sup>\s*[\w*†‡,\s-]{1,12}\s*</sup>|\[\^[\w*]{1,8}\]")
# Inline spans are searched at every opening bracket, so a body that may run
# past the next opener would rescan the rest of the text from each of many
# unclosed "[" / "![" / "<http:" (quadratic): bodies stop at the next opener
# and take one level of nested brackets or parentheses instead.
_IMAGE = re.compile(r"!\[[^\[\]]*\]\((?:[^()]|\([^()]*\))*\)")
_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])+)\]\(((?:[^()\s]|\([^()\s]*\))+)(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_ESCAPE = re.compile(r"\\+([\\`*_{}\[\]()#+\-.!|<>~\"'])")
# Emphasis: per delimiter, its opener and its closer; the body between them is
# non-empty and on one line, and the nearest closer ends it (see _unwrap_pairs).
class _Delimiters:
    def __init__(self, spec: dict[str, tuple[str, str]]):
        self.names = tuple(spec)
        self.closers = {d: re.compile(closer) for d, (_, closer) in spec.items()}
        self._spec = spec
        self._openers: dict[tuple[str, ...], re.Pattern] = {}

    def openers(self, alive: tuple[str, ...]) -> re.Pattern:
        pattern = self._openers.get(alive)
        if pattern is None:
            pattern = self._openers[alive] = re.compile("|".join(self._spec[d][0] for d in alive))
        return pattern


_STRONG = _Delimiters({"**": (r"\*\*(?=\S)", r"(?<=\S)\*\*"), "__": (r"__(?=\S)", r"(?<=\S)__")})
_EMPH_STAR = _Delimiters({"*": (r"(?<![\w*])\*(?=[^\s*])", r"(?<=[^\s*])\*(?![\w*])")})
_EMPH_UNDER = _Delimiters({"_": (r"(?<![\w_])_(?=[^\s_])", r"(?<=[^\s_])_(?![\w_])")})
_STRAY_STARS = re.compile(r"\*{2,}|(?<=\s)\*(?=\s)|^\*\s|\s\*$")
_CODE = re.compile(r"`([^`]+)`")


@lru_cache(maxsize=1)
def _placeholders() -> tuple[re.Pattern, ...]:
    with open(PATTERNS / "placeholders.csv", newline="", encoding="utf-8") as f:
        return tuple(re.compile(row["pattern"], re.I) for row in csv.DictReader(f))


def is_placeholder(text: str) -> bool:
    text = text.strip()
    return any(p.match(text) for p in _placeholders())


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML whose timestamps that are no dates ("2024-13-45") stay strings:
    PyYAML raises ValueError on them, which would fail the whole document."""


def _lenient_timestamp(loader: yaml.SafeLoader, node: yaml.Node):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _lenient_timestamp)
_KEY_VALUE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")


def read_front_matter(text: str) -> tuple[dict, str]:
    """YAML front matter as metadata, and the text without it.

    Metadata is optional: a value that does not parse falls back (to the
    dateline for a date, to null), never fails the document.  Front matter
    that is not valid YAML still comes off the body when its lines are
    ``key: value`` pairs, which give the simple values.
    """
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        data = yaml.load(m.group(1), Loader=_FrontMatterLoader)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError):
        data = _key_values(m.group(1))
    if not isinstance(data, dict):
        return {}, text
    return _front_matter_meta(data), text[m.end():]


def _key_values(block: str) -> dict | None:
    lines = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    pairs = [_KEY_VALUE.match(line) for line in lines if not line[:1].isspace()]
    if not lines or not all(pairs) or len(pairs) * 2 < len(lines):
        return None
    return {p.group(1): (p.group(2) or "").strip("'\"") or None for p in pairs}


def _front_matter_meta(data: dict) -> dict:
    def first(*keys):
        for key in keys:
            value = data.get(key)
            if value not in (None, "", []):
                return value
        return None

    tags = first("tags", "keywords", "categories") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in re.split(r"[,;]", tags) if t.strip()]
    date = first("date", "published", "published_date", "pubDate", "publishDate", "created")
    return {
        "title": _str(first("title")),
        "date": _str(date),
        "source_url": _str(first("permalink", "canonical_url", "canonical", "url", "source_url", "source", "link")),
        "tags": [t for t in map(_str, tags[:100]) if t] if isinstance(tags, list) else [],
        "language": _str(first("lang", "language")),
    }


def _str(value) -> str | None:
    # Scalars only: a list or mapping is no title or date, and the text of a
    # nested YAML alias structure can be exponentially long.
    if value is None or isinstance(value, (list, dict, set, tuple, bytes)):
        return None
    return str(value).strip()[:1000] or None


def strip_markup(text: str) -> str:
    """Inline Markdown/HTML removed, footnote markers dropped, text kept.

    >>> strip_markup("the **MIC** aims<sup>3</sup> to pro\\\\_mote")
    'the MIC aims to pro_mote'
    """
    # Most lines hold no markup at all: each step runs only when its sign is there.
    if "<" in text or "[" in text:
        text = _SUP_MARK.sub("", text)
    if "[" in text:
        text = _IMAGE.sub("", text)
        text = _LINK.sub(lambda m: _link_text(m.group(1), m.group(2)), text)
    if "<" in text:
        text = _AUTOLINK.sub(r"\1", text)
        text = _TAG.sub("", text)
    if "`" in text:
        text = _CODE.sub(r"\1", text)
    if "*" in text or "_" in text:
        for _ in range(2):  # nested emphasis: ***x***
            text = _unwrap_pairs(text, _STRONG)
            text = _unwrap_pairs(text, _EMPH_STAR)
            text = _unwrap_pairs(text, _EMPH_UNDER)
        text = _STRAY_STARS.sub(" ", text)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    return clean_inline(html.unescape(text))


def _unwrap_pairs(text: str, delimiters: _Delimiters) -> str:
    """``text`` with each delimited span replaced by its body, exactly as
    ``re.sub(opener (.+?) closer, body)`` would, in linear time.

    The regex retries every opener against the rest of its line; with many
    unclosed openers ("**a **b **c ...") that is quadratic (seconds for a
    32 KB paragraph).  A closer's test depends only on where it stands, so
    when one opener finds no closer on its line, no later opener of that
    delimiter on that line can: the search goes on without it.
    """
    out: list[str] = []
    pos = search_from = 0
    line_end = -1
    alive = delimiters.names  # delimiters that may still close on the current line
    while search_from <= len(text):
        if search_from > line_end:
            line_end = text.find("\n", search_from)
            line_end = len(text) if line_end < 0 else line_end
            alive = delimiters.names
        m = delimiters.openers(alive).search(text, search_from, line_end)
        if m is None:
            search_from = line_end + 1
            continue
        delim = m.group()
        close = delimiters.closers[delim].search(text, m.end() + 1, line_end)
        if close is None:
            alive = tuple(d for d in alive if d != delim)
            search_from = m.start() + 1 if alive else line_end + 1
            continue
        out.append(text[pos:m.start()])
        out.append(text[m.end():close.start()])
        pos = search_from = close.end()
    out.append(text[pos:])
    return "".join(out)


def _atx(line: str) -> tuple[int, str] | None:
    """An ATX heading line ("## Title ##") as (level, title)."""
    m = _ATX_OPEN.match(line)
    if m is None:
        return None
    title = m.group(2).rstrip()
    unclosed = title.rstrip("#")
    if unclosed != title and unclosed[-1:].isspace():
        title = unclosed.rstrip()
    return len(m.group(1)), title


def _link_text(label: str, target: str) -> str:
    # Converters often write a URL as its own label, with escapes only in the label.
    if re.match(r"(?:https?://|www\.)", label.strip()):
        return target
    return label


def _whole_emphasis(text: str) -> bool:
    t = text.strip()
    return len(t) > 4 and ((t.startswith("**") and t.endswith("**")) or (t.startswith("__") and t.endswith("__"))) \
        and t.count("**") + t.count("__") == 2


def read_text(text: str) -> tuple[list[Piece], dict, bool]:
    """Pieces of a plain-text or Markdown document, its front-matter metadata,
    and whether it marks headings explicitly (then no heading is guessed)."""
    meta, body = read_front_matter(text)
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    wrapped = _hard_wrapped(lines)
    pieces: list[Piece] = []
    explicit_headings = False
    chunk = 0
    current: Piece | None = None  # piece still taking continuation lines
    raw_current: list[str] = []
    open_strong = False
    blank_before = True

    def flush():
        nonlocal current, raw_current
        if current is not None:
            raw = "\n".join(raw_current)
            if _whole_emphasis(raw.replace("\n", " ")):
                current.meta["whole_emphasis"] = True
            current.text = strip_markup(current.text)
            if current.text and not is_placeholder(current.text):
                pieces.append(current)
        current, raw_current = None, []

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        i += 1
        if not stripped or is_placeholder(strip_markup(stripped)) and not open_strong:
            flush()
            if not stripped:
                chunk += 1
                blank_before = True
            continue
        # Setext underline: the previous single line was a heading.
        if _SETEXT.match(line) and current is not None and len(raw_current) == 1 and current.kind is None:
            current.kind, current.level = "heading", 1 if stripped.startswith("=") else 2
            explicit_headings = True
            flush()
            continue
        atx = _atx(line)
        footnote = _FOOTNOTE_LINE.match(line)
        lone_mark = _LONE_MARK_BULLET.match(line)
        starts_piece = (
            current is None or atx or footnote or lone_mark or _TABLE_ROW.match(line)
            or _ITEM_START.match(line) or blank_before
            or (not wrapped and not open_strong and current.kind != "footnote-pending")
        )
        if current is not None and current.kind == "footnote-pending" and not atx and not footnote:
            current.kind = "footnote"
            current.text = stripped
            raw_current.append(line)
            blank_before = False
            continue
        if starts_piece:
            flush()
            open_strong = False
            if atx:
                explicit_headings = True
                current = Piece(atx[1], kind="heading", level=atx[0])
            elif footnote:
                current = Piece(footnote.group("text"), kind="footnote",
                                number=footnote.group("sup") or footnote.group("md"))
            elif lone_mark:
                current = Piece("", kind="footnote-pending", number=lone_mark.group("mark"))
            elif _TABLE_ROW.match(line):
                if _TABLE_RULE.match(line):
                    continue
                cells = [c.strip() for c in stripped.strip("|").split("|")]
                current = Piece(" | ".join(c for c in cells), kind="table")
            else:
                indent = len(line) - len(line.lstrip(" \t"))
                current = Piece(stripped, indent=indent // 2)
            current.meta["chunk"] = chunk
            current.standalone = blank_before and _chunk_is_single_line(lines, i - 1)
            raw_current = [line]
        else:
            # Continuation of a wrapped line (or of an emphasis span across lines).
            if current.text.endswith("-") and stripped[:1].isalpha():
                current.text = dehyphenate(current.text, stripped, set())
            else:
                current.text = f"{current.text} {stripped}"
            raw_current.append(line)
        if line.count("**") % 2:
            open_strong = not open_strong
        blank_before = False
        if atx:
            flush()
    flush()
    for piece in pieces:
        if piece.kind == "footnote-pending":
            piece.kind = "footnote"
        if piece.meta.get("whole_emphasis") and piece.kind is None and len(piece.text.split()) <= 30 \
                and not piece.text.rstrip().endswith("."):
            piece.heading_hint = 1
    return pieces, meta, explicit_headings


def _chunk_is_single_line(lines: list[str], i: int) -> bool:
    after = lines[i + 1].strip() if i + 1 < len(lines) else ""
    return not after or _atx(lines[i + 1]) is not None


def _hard_wrapped(lines: list[str]) -> bool:
    """True for text wrapped at a fixed width (e-mail, RFC style), where
    consecutive lines are pieces of one paragraph."""
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if len(lengths) < 8:
        return False
    p90 = lengths[int(len(lengths) * 0.9) - 1]
    if p90 > 100:
        return False
    # In wrapped text most lines fill the width; in one-paragraph-per-line
    # text short lines are separate blocks.
    long_lines = sum(1 for n in lengths if n >= 0.6 * p90)
    return long_lines >= 0.6 * len(lengths)
