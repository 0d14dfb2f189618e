"""The block structure a commitment needs: items, their numbers, lead-ins and sections.

The readers hand over ``Block`` objects (``doc._.input.blocks``). When there are
none (plain text passed straight in, or an older reader), the same structure
is derived from the lines of the text, which follow the clean-text layout:
one block per line, a list item's number at the start of its line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.document import Block

# "9.6." "(3)" "3)" "(a)" "IV." "A" and bullets, at the start of a line.
_BULLET = r"[-•*▪◦‣·]"
_NUMBER = r"(?:\d+(?:\.\d+)*\.?|\(\d+\)|\d+\)|\([a-zA-Z]\)|[a-z]\)|[IVXLC]+\.|[A-Z](?=\s+[A-Z]))"
_LINE_START = re.compile(rf"^[ \t]*(?:(?P<bullet>{_BULLET})[ \t]+)?(?:(?P<number>{_NUMBER})[ \t]+)?")
_MD_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+")
_SENTENCE_END = re.compile(r"[.!?:;。][\"'”’)\]*]*$")
_MAX_HEADING_WORDS = 14
# A line ending in one of these was cut mid-sentence (a column or page break), not a heading.
_OPEN_ENDINGS = frozenset({"the", "a", "an", "and", "or", "of", "to", "in", "on", "for", "with", "by", "from", "at"})


@dataclass
class Unit:
    """One block as the commitment extractor sees it.

    ``number`` is normalised (``"9.6."`` -> ``"9.6"``; bullets kept as written);
    ``topic_number`` marks a numbered heading whose number the paragraphs
    under it carry as their item ("(2) AI" above the AI paragraph).
    """

    kind: str
    start: int
    end: int
    number: str | None = None
    parent: int | None = None
    topic_number: bool = False


def is_bullet(number: str | None) -> bool:
    return number is not None and re.fullmatch(_BULLET, number.strip()) is not None


def normalize_number(number: str | None, text_after: str = "") -> str | None:
    """``"9.6."`` -> ``"9.6"``; a bullet followed by a number takes the number."""
    if not number:
        return None
    number = number.strip()
    if re.fullmatch(_BULLET, number):
        m = re.match(rf"\s*({_NUMBER})\s", text_after)
        if m:
            return m.group(1).rstrip(".")
        return number
    return number.rstrip(".") or None


def units_from_blocks(text: str, blocks: list[Block], topic_headings: bool) -> list[Unit]:
    units = []
    for b in blocks:
        after = text[b.start_char:b.end_char]
        number = normalize_number(b.number, after)
        start = b.start_char
        if b.number and number != b.number.strip().rstrip(".") and re.fullmatch(_BULLET, b.number.strip()):
            # "- 5.1. Expanding ...": the reader kept "5.1." in the text; step past it.
            m = re.match(rf"\s*{_NUMBER}\s+", after)
            start += m.end() if m else 0
        topic = topic_headings and b.kind == "heading" and number is not None and not re.fullmatch(_BULLET, number)
        units.append(Unit(b.kind, start, b.end_char, number, b.parent, topic))
    _nearer_lead_ins(text, units)
    return units


def _nearer_lead_ins(text: str, units: list[Unit]) -> None:
    """Give an item the lead-in the numbering shows when the reader gave it a
    farther parent: "3. Cooperation may include:" followed by "(a) ..." items
    at the same indentation level gets the reader's section heading or the
    document's opening as parent."""
    derived = [Unit(u.kind, u.start, u.end, u.number) for u in units]
    _set_lead_ins(text, derived)
    for unit, own in zip(units, derived):
        if unit.kind != "list_item" or own.parent is None:
            continue
        if unit.parent is None or unit.parent < own.parent:
            unit.parent = own.parent


def units_from_lines(text: str) -> list[Unit]:
    """Blocks from line starts, for text that comes without blocks.

    Markdown headings (``## ...``) are section headings; a short numbered line
    with no sentence end that is followed by body text is a topic heading
    whose number the paragraphs under it inherit; other numbered or bulleted
    lines are list items, whose lead-in is the nearest earlier line ending in
    a colon when only items lie between them. A line that continues an item
    cut mid-sentence (by a page break) is joined to the item.
    """
    raw: list[tuple[str, int, int, str | None]] = []  # kind, start, end, number
    pos = 0
    for line in text.split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        md = _MD_HEADING.match(line)
        if md:
            raw.append(("heading", line_start + md.end(), line_start + len(line.rstrip()), None))
            continue
        m = _LINE_START.match(line)
        bullet, number = m.group("bullet"), m.group("number")
        body_start = line_start + m.end()
        body = text[body_start:line_start + len(line.rstrip())]
        if not body.strip():
            continue
        kind = "list_item" if (bullet or number) else "paragraph"
        if kind == "paragraph" and _is_heading_shape(body):
            kind = "heading"
        raw.append((kind, body_start, line_start + len(line.rstrip()), number or bullet))

    units: list[Unit] = []
    for i, (kind, start, end, number) in enumerate(raw):
        nxt = raw[i + 1] if i + 1 < len(raw) else None
        if kind == "list_item" and number and not re.fullmatch(_BULLET, number) \
                and _is_heading_shape(text[start:end]) \
                and not (nxt and nxt[0] == "list_item" and _style(nxt[3]) == _style(number)):
            topic = nxt is not None and nxt[0] == "paragraph"
            units.append(Unit("heading", start, end, normalize_number(number), topic_number=topic))
            continue
        prev = units[-1] if units else None
        if (kind in ("paragraph", "heading") and prev is not None and prev.kind == "list_item"
                and not _SENTENCE_END.search(text[prev.start:prev.end])):
            prev.end = end  # an item split by a page break
            continue
        units.append(Unit(kind, start, end, normalize_number(number, text[start:end]) if number else None))
    _set_lead_ins(text, units)
    return units


def _style(number: str | None) -> str:
    """Numbering style: "9.6." -> "9.9", "(3)" -> "(9)", "IV." -> "A"."""
    if not number:
        return ""
    return re.sub(r"\d+", "9", re.sub(r"[A-Za-z]+", "A", number)).rstrip(".")


def _is_heading_shape(body: str) -> bool:
    body = body.strip().strip("*_")
    words = body.split()
    return 0 < len(words) <= _MAX_HEADING_WORDS and not _SENTENCE_END.search(body) \
        and not body.endswith((",", "-")) and words[-1].lower() not in _OPEN_ENDINGS \
        and (body[:1].isupper() or body[:1].isdigit())


def _set_lead_ins(text: str, units: list[Unit]) -> None:
    """An item's lead-in is the nearest earlier block ending in a colon, as long
    as only items of a different numbering style lie between them; an item that
    ends in a colon is itself the lead-in of the items below it ("3. ... may
    include:" (a) ... (b) ...) until an item of its own style follows."""
    open_: list[int] = []  # lead-ins whose items may still follow, innermost last
    for i, unit in enumerate(units):
        if unit.kind == "list_item":
            while open_ and units[open_[-1]].number is not None \
                    and _style(unit.number) == _style(units[open_[-1]].number):
                open_.pop()
            if open_:
                unit.parent = open_[-1]
        else:
            open_.clear()
        if unit.kind in ("paragraph", "list_item") and text[unit.start:unit.end].rstrip().endswith(":"):
            open_.append(i)
        elif unit.kind == "paragraph" and i + 1 < len(units) and units[i + 1].kind == "list_item" \
                and ends_open(text[unit.start:unit.end]):
            open_.append(i)  # "The United States and Japan are" - launching ...; - expanding ...


def ends_open(block: str) -> bool:
    """A block cut after an auxiliary ("... Japan are") whose sentence the items below finish."""
    from extractors.commitments.lexicon import load_lexicon

    words = block.split()
    return bool(words) and words[-1].lower() in load_lexicon().words("open_lead_in_endings")


def document_units(text: str, blocks: list[Block] | None, topic_headings: bool) -> list[Unit]:
    if blocks:
        return units_from_blocks(text, blocks, topic_headings)
    units = units_from_lines(text)
    if not topic_headings:
        for unit in units:
            unit.topic_number = False
    return units
