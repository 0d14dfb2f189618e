"""Page furniture that survives in scraped or converted text: breadcrumb
trails ("1. Home 2. News Releases ...") and a dateline glued to the title."""
from __future__ import annotations

import csv
import re
from functools import lru_cache

from pipelines.readers.dates import leading_date
from pipelines.readers.structure import PATTERNS, Piece, looks_like_heading, split_number

_TRAIL_SEPARATORS = re.compile(r"\s+(?:>|›|»|/|\||→|::)\s+")


@lru_cache(maxsize=1)
def breadcrumb_roots() -> frozenset[str]:
    with open(PATTERNS / "breadcrumb_roots.csv", newline="", encoding="utf-8") as f:
        return frozenset(row["word"].lower() for row in csv.DictReader(f))


def _is_root(text: str) -> bool:
    return split_number(text)[1].strip().lower().rstrip(" >›»/|") in breadcrumb_roots()


def drop_breadcrumbs(pieces: list[Piece]) -> list[Piece]:
    """Remove a breadcrumb trail near the top: a run of short items whose first
    is the site root ("Home", "Top"), or one line "Home > News > ...".
    """
    for i, piece in enumerate(pieces[:6]):
        text = piece.text.strip()
        first = _TRAIL_SEPARATORS.split(text)[0]
        if _is_root(first) and _TRAIL_SEPARATORS.search(text):
            return pieces[:i] + pieces[i + 1:]
        if _is_root(text):
            end = i + 1
            chunk = piece.meta.get("chunk")
            while (end < len(pieces) and pieces[end].meta.get("chunk") == chunk
                   and len(pieces[end].text.split()) <= 16 and not pieces[end].text.endswith(".")):
                end += 1
            if end - i >= 2:
                return pieces[:i] + pieces[end:]
    return pieces


def split_dateline(pieces: list[Piece]) -> list[Piece]:
    """"February 7, 2022 Result of 27th Japan-EU ICT Policy Dialogue" -> a date
    paragraph and a heading, so the title is the title."""
    for i, piece in enumerate(pieces[:4]):
        if piece.kind not in (None, "heading", "paragraph"):
            continue
        found = leading_date(piece.text)
        if not found or not found[1]:
            continue
        rest = found[1]
        if looks_like_heading(rest):
            date_text = piece.text.strip()[: len(piece.text.strip()) - len(rest)].rstrip(" ,.-–—|:\t")
            date_piece = Piece(date_text, kind="paragraph", page=piece.page, meta=dict(piece.meta))
            heading = Piece(rest, kind="heading", page=piece.page, heading_hint=piece.heading_hint or 1,
                            meta=dict(piece.meta))
            return pieces[:i] + [date_piece, heading] + pieces[i + 1:]
        break
    return pieces
