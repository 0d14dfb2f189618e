"""From format-specific pieces to the clean-text layout every extractor relies on.

Each reader turns its format into a list of ``Piece`` (one per visual block, in
reading order, with what the format knows: explicit kind, heading level, font
hints, indentation).  This module does the format-independent part:

* ``split_number`` reads the item number written at the start of a block
  ("9.6.", "(3)", "I.", "A", "-").
* ``join_split_pieces`` rejoins paragraphs split by a page break and words
  split by a line-end hyphen ("pro-" + "mote" -> "promote", "Japan-" + "EU"
  stays "Japan-EU").
* ``classify`` decides heading / paragraph / list_item for pieces the format
  left open.
* ``assemble`` writes one block per line, blank line between blocks, the
  number at the start of its line, and computes offsets and parents.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from extractors.document import Block
from pipelines.readers.dates import find_day_dates

PATTERNS = Path(__file__).with_name("patterns")


@dataclass
class Piece:
    """One block of a document before layout.

    ``kind`` is None when the format does not say (plain text, PDF body);
    ``heading_hint`` carries visual evidence (bold, larger font, its rank).
    """

    text: str
    kind: str | None = None  # heading, paragraph, list_item, footnote, table
    number: str | None = None
    level: int | None = None
    page: int | None = None
    indent: int = 0
    heading_hint: int | None = None  # 1 = most prominent
    standalone: bool = True  # separated from its neighbours (blank line, gap)
    meta: dict = field(default_factory=dict)


# ---------------------------------------------------------------- text hygiene

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000\r\n]+")
_LIGATURES = re.compile("[\ufb00-\ufb06]")


def clean_inline(text: str) -> str:
    """One line of text: controls, soft hyphens and ligatures gone, spaces collapsed."""
    text = _CONTROL.sub("", text)
    text = _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return _SPACES.sub(" ", text).strip()


# ------------------------------------------------------------------- numbering

_BULLETS = "-*+•·▪●◦‣○■□➢►–—"
_BULLET = re.compile(rf"^[{re.escape(_BULLETS)}](?=\s)\s*")
# Order matters: the first alternative that matches wins.
_NUMBER = re.compile(
    r"""^(?:
        (?P<dotted>\d{1,2}(?:\.\d{1,3})+)\.?(?=\s+\S)      # 9.6  9.6.  1.2.3
      | (?P<arabic>\d{1,3})[.)](?=\s+\S)                   # 1.  12)
      | (?P<paren>\((?:\d{1,3}|[A-Za-z]|[ivxlcIVXLC]{1,6})\))(?=\s*\S)  # (3) (a) (iv)
      | (?P<roman>[IVXLC]{1,6}|[ivxlc]{1,6})\.(?=\s+\S)     # I.  iv.
      | (?P<letter>[A-Za-z])[.)](?=\s+\S)                  # A.  a)
      | (?P<circled>[\u2460-\u2473])(?=\s*\S)              # ①
    )""",
    re.VERBOSE,
)
# Bare letters or digits ("A Core communication", "8 Conclusion") are numbers
# only in a heading; in body text "A" is usually the article.
_HEADING_NUMBER = re.compile(r"^(?P<bare>[A-Z]|\d{1,2})(?=\s+[A-Z0-9(“\"])")


def split_number(text: str, heading: bool = False) -> tuple[str | None, str, str | None]:
    """Split a leading item number or bullet from ``text``.

    Returns ``(number, rest, style)``; ``number`` is as written except that the
    separator dot after digits is dropped ("9.6." -> "9.6", "1." -> "1").

    >>> split_number("9.6. Deepening ties")
    ('9.6', 'Deepening ties', 'dotted2')
    """
    bullet = _BULLET.match(text)
    if bullet:
        rest = text[bullet.end():]
        # One level only: a line of a thousand dashes must not recurse a thousand times.
        number, inner, style = _split_numbered(rest, heading)
        if number:  # "- 5.1. Expanding": the number says more than the bullet
            return number, inner, style
        return "-", rest, "bullet"
    return _split_numbered(text, heading)


def _split_numbered(text: str, heading: bool) -> tuple[str | None, str, str | None]:
    m = _NUMBER.match(text)
    if m:
        kind = m.lastgroup
        raw = m.group(0)
        if kind == "dotted":
            number, style = m.group("dotted"), f"dotted{m.group('dotted').count('.') + 1}"
        elif kind == "arabic":
            number, style = (m.group("arabic") if raw.endswith(".") else raw), "arabic" + raw[-1]
        elif kind == "paren":
            inner = m.group("paren")[1:-1]
            style = "paren-digit" if inner.isdigit() else (
                "paren-roman" if re.fullmatch(r"[ivxlcIVXLC]+", inner) and len(inner) > 1 else
                "paren-" + ("upper" if inner.isupper() else "lower"))
            number = m.group("paren")
        elif kind == "roman":
            number, style = raw, "roman"
            # "I." is far more often a roman numeral than a letter; "C." or "D." too rare to care.
        elif kind == "letter":
            number, style = raw, "letter" + ("-upper" if raw[0].isupper() else "-lower")
        else:
            number, style = raw, "circled"
        return number, text[m.end():].lstrip(), style
    if heading:
        m = _HEADING_NUMBER.match(text)
        if m:
            bare = m.group("bare")
            return bare, text[m.end():].lstrip(), "bare-" + ("digit" if bare.isdigit() else "letter")
    return None, text, None


# ------------------------------------------------------------ split detection

_SENTENCE_END = re.compile(r"[.!?:;。！？…]['\"”’)\]]*$")
_HYPHEN_END = re.compile(r"(\w+)-$")
# Tests of how a block ends look at its tail only: blocks grow as split lines
# are joined, and a search over the whole block each time is quadratic.
_TAIL = 200


def hyphen_end(text: str) -> re.Match | None:
    """The word before a line-end hyphen ("pro-"), up to _TAIL characters of it."""
    return _HYPHEN_END.search(text, max(0, len(text) - _TAIL))


@lru_cache(maxsize=1)
def hyphen_prefixes() -> frozenset[str]:
    with open(PATTERNS / "hyphen_prefixes.csv", newline="", encoding="utf-8") as f:
        return frozenset(row["prefix"].lower() for row in csv.DictReader(f))


@lru_cache(maxsize=1)
def _english_stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def _unspaced(ch: str) -> bool:
    # Scripts written without spaces between words (CJK, Thai): lines join with nothing.
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef" \
        or "\u0e00" <= ch <= "\u0e7f" or "\u3000" <= ch <= "\u303f"


def joiner(left: str, right: str) -> str:
    """The separator between two line fragments: a space, or nothing for CJK."""
    if left and right and _unspaced(left[-1]) and _unspaced(right[0]):
        return ""
    return " "


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text, max(0, len(text) - _TAIL)))


def dehyphenate(left: str, right: str, vocabulary: set[str]) -> str:
    """Join two fragments split at a line-end hyphen.

    The hyphen is kept when it is a real one: a capital or digit on either
    side ("Japan-" + "EU", "Beyond 5G/" ...), a prefix usually written with a
    hyphen ("co-" + "creation"), or the document itself writes the hyphenated
    form and never the closed one.  Otherwise the word is closed ("pro-" +
    "mote" -> "promote").
    """
    m = hyphen_end(left)
    head = m.group(1) if m else ""
    tail = re.match(r"\w+", right)
    tail = tail.group() if tail else ""
    closed = (head + tail).lower()
    hyphenated = f"{head}-{tail}".lower()
    keep = (
        not head or not tail
        or not head[-1].isalpha() or not tail[0].isalpha()
        or tail[0].isupper()
        or (head[0].isupper() and head[1:].lower() != head[1:])  # "EU-", "ASEAN-"
        or (hyphenated in vocabulary and closed not in vocabulary)
        or (head.lower() in hyphen_prefixes() and closed not in vocabulary)
    )
    return (left + right) if keep else (left[:-1] + right)


def join_split_pieces(pieces: list[Piece], english: bool = True) -> list[Piece]:
    """Rejoin blocks split by a page or column break, or by a line-end hyphen.

    A piece continues the previous one when the previous one does not end a
    sentence and this one is a plain, unnumbered piece that starts in lower
    case, or (English text) the previous one stops on a function word
    ("... in the" / "Republic of Korea").
    """
    vocabulary = _vocabulary(pieces)
    out: list[Piece] = []
    for piece in pieces:
        prev = _last_body(out)
        if prev is not None and _continues(prev, piece, english):
            if hyphen_end(prev.text) and piece.text[:1].isalpha():
                prev.text = dehyphenate(prev.text, piece.text, vocabulary)
            else:
                prev.text = prev.text + joiner(prev.text, piece.text) + piece.text
            continue
        out.append(piece)
    return out


def _last_body(out: list[Piece]) -> Piece | None:
    # Footnotes and dropped furniture may sit between the two halves.
    for piece in reversed(out[-4:]):
        if piece.kind == "footnote":
            continue
        return piece
    return None


def _continues(prev: Piece, piece: Piece, english: bool) -> bool:
    if prev.kind in ("heading", "footnote", "table") or piece.kind in ("heading", "footnote", "table", "list_item"):
        return False
    if piece.meta.get("whole_emphasis") or prev.meta.get("whole_emphasis"):
        return False
    if ends_sentence(prev.text) or split_number(piece.text)[0]:
        return False
    first = piece.text[:1]
    if first.islower() or (_unspaced(first) and _unspaced(prev.text[-1:])):
        return True
    if hyphen_end(prev.text):
        return first.isalnum()
    if not first.isalnum():
        return False
    n_words = len(prev.text.split(None, 12))  # counted up to 13: only "more than 8" and "12 or more" matter
    last_word = prev.text.rsplit(None, 1)[-1] if n_words else ""
    if english and n_words > 8 and (prev.text.endswith(",") or last_word.lower() in _english_stop_words()):
        return True
    # A long block that stops mid-sentence, followed by body text (not a heading):
    # a page break fell inside the sentence ("... Centre of Incident" / "Readiness and ...").
    return n_words >= 12 and not looks_like_heading(prev.text) and not looks_like_heading(piece.text)


def _vocabulary(pieces: list[Piece]) -> set[str]:
    words: set[str] = set()
    for piece in pieces:
        words.update(w.lower() for w in re.findall(r"\w+(?:-\w+)*", piece.text))
    return words


# ----------------------------------------------------------- classification

_MAX_HEADING_WORDS = 16


def looks_like_heading(text: str) -> bool:
    """Short, no sentence end, starts with a capital or a number: a heading shape."""
    if len(text) > 140:
        return False
    words = text.split()
    if not words or len(words) > _MAX_HEADING_WORDS:
        return False
    if ends_sentence(text) or text.endswith(",") or re.match(r"https?://|www\.", text):
        return False
    if re.match(r"^[A-Z][\w .&/-]{0,30}:\s*\S", text):
        return False  # "TEL: +81 3 ...", "Date: 3 May 2023": a labelled value
    dates = find_day_dates(text)
    if dates and len((text[:dates[0][0]] + text[dates[0][1]:]).split()) <= 2:
        return False  # a dateline ("Tokyo, 3 May 2023")
    first = text.lstrip("“\"'(")[:1]
    return first.isupper() or first.isdigit() or not first.isascii()


def classify(pieces: list[Piece], infer_headings: bool = True) -> list[Piece]:
    """Fill ``kind``, ``number`` and ``level`` of every piece.

    Numbered pieces become list items unless they have a heading's shape and
    are followed by body text rather than by the next item of their list.
    With ``infer_headings``, short standalone lines with no sentence end are
    headings too (plain text and PDFs without markup).
    """
    parsed = []
    for piece in pieces:
        if piece.kind in ("footnote", "table"):
            parsed.append((None, piece.text, None))
            continue
        number, rest, style = (piece.number, piece.text, piece.meta.get("style")) if piece.number else \
            split_number(piece.text, heading=piece.kind == "heading" or bool(piece.heading_hint))
        parsed.append((number, rest, style))

    next_body = _next_bodies(pieces)
    for i, piece in enumerate(pieces):
        number, rest, style = parsed[i]
        nxt = next_body[i]
        if piece.kind in ("footnote", "table"):
            continue
        if piece.kind == "heading":
            if number and style != "bullet":
                piece.number, piece.text, piece.meta["style"] = number, rest, style
            continue
        headingish = looks_like_heading(rest) and nxt is not None and (piece.standalone or piece.heading_hint)
        if number:
            next_style = parsed[nxt][2] if nxt is not None else None
            piece.number, piece.text, piece.meta["style"] = number, rest, style
            if (style != "bullet" and headingish and piece.kind != "list_item"
                    and (next_style != style or bool(piece.heading_hint))):
                piece.kind = "heading"
            else:
                piece.kind = "list_item"
        elif piece.kind is None and (piece.heading_hint or (infer_headings and headingish)):
            piece.kind = "heading"
        elif piece.kind is None:
            piece.kind = "paragraph"
    _set_levels(pieces)
    return pieces


def _next_bodies(pieces: list[Piece]) -> list[int | None]:
    """For each piece, the index of the next piece that is not a footnote."""
    out: list[int | None] = [None] * len(pieces)
    nxt = None
    for j in range(len(pieces) - 1, -1, -1):
        out[j] = nxt
        if pieces[j].kind != "footnote":
            nxt = j
    return out


def _set_levels(pieces: list[Piece]) -> None:
    heading_styles: list[tuple] = []
    for piece in pieces:
        if piece.kind == "heading" and piece.level is None:
            # Without explicit levels, rank headings by visual prominence, then
            # by the order in which their numbering styles first appear.
            key = (piece.heading_hint or 0, piece.meta.get("style"))
            if key not in heading_styles:
                heading_styles.append(key)
        elif piece.kind == "list_item" and piece.level is None:
            style = piece.meta.get("style") or ""
            if style.startswith("dotted"):
                piece.level = int(style[6:])
            else:
                piece.level = 1 + piece.indent
    ranked = sorted(heading_styles, key=lambda k: (k[0] or 99, heading_styles.index(k)))
    for piece in pieces:
        if piece.kind == "heading" and piece.level is None:
            piece.level = ranked.index((piece.heading_hint or 0, piece.meta.get("style"))) + 1


# ----------------------------------------------------------------- assembly

def assemble(pieces: list[Piece]) -> tuple[str, list[Block]]:
    """Clean text (one block per line, blank line between) and its blocks."""
    lines: list[str] = []
    blocks: list[Block] = []
    offset = 0
    for piece in pieces:
        body = clean_inline(piece.text)
        if not body:
            continue
        number = piece.number
        line = f"{number} {body}" if number else body
        start = offset + (len(number) + 1 if number else 0)
        blocks.append(Block(kind=piece.kind or "paragraph", start_char=start, end_char=offset + len(line),
                            level=piece.level, number=number, page=piece.page))
        lines.append(line)
        offset += len(line) + 2
    text = "\n\n".join(lines)
    _set_parents(text, blocks)
    return text, blocks


def _set_parents(text: str, blocks: list[Block]) -> None:
    """Headings nest by level; a list item belongs to the nearest earlier item of a
    lower level in its run of items, else to the paragraph ending in a colon that
    opens the run; footnotes are skipped.  One pass with stacks: a walk back per
    item is quadratic on a list of thousands of items."""
    sections: list[int] = []  # stack of heading indexes
    items: list[tuple[int, int]] = []  # (level, index) of the current run's items, levels rising
    lead_in: int | None = None  # the paragraph ending in a colon before the current run
    for i, block in enumerate(blocks):
        while sections and block.kind == "heading" and (blocks[sections[-1]].level or 1) >= (block.level or 1):
            sections.pop()
        section = sections[-1] if sections else None
        if block.kind == "list_item":
            level = block.level or 1
            while items and items[-1][0] >= level:
                items.pop()
            block.parent = items[-1][1] if items else lead_in
            if block.parent is None:
                block.parent = section
            items.append((level, i))
            continue
        if block.kind == "footnote":
            continue
        items = []
        lead_in = i if block.kind == "paragraph" and \
            text[block.start_char:block.end_char].rstrip().endswith(":") else None
        if block.kind == "heading":
            block.parent = section
            sections.append(i)
        elif block.kind in ("paragraph", "table"):
            block.parent = section
