"""The tense of the clause around a date: which way a bare "in October" or "on Tuesday" points.

No tagger is loaded (the product runs rule-based), so the tense comes from cue
words in ``cue_words.csv``: ``tense_future`` ("will", "plans", "scheduled"),
``tense_past`` (irregular past forms: "met", "held", "said") and any other
lower-case word ending in "-ed" that is not in ``not_past_ed``. A past form
right after a ``tense_transparent`` word ("be signed", "is expected") lets
the word before it decide ("will be signed" is future). The nearest cue before
the date in its sentence wins; failing that, the nearest after it.
"""
from __future__ import annotations

import re

from extractors.dates.lexicon import Lexicon

_WORD = re.compile(r"[A-Za-z]+(?:['’][a-z]+)?")
# A sentence ends at ". ", "! ", "? ", "; " or a blank line; a window never reaches further.
_LEFT_STOP = re.compile(r"[.!?;][\"'”’)]*[^\S\n]|\n[^\S\n]*\n|[.!?;:]\n")
_RIGHT_STOP = re.compile(r"[.!?;][\"'”’)]*(?:\s|$)|\n[^\S\n]*\n")
_REACH = 160
_ARTICLES = frozenset(("the", "a", "an", "its", "their", "our", "his", "her", "this", "that"))


def _cue(words: list[str], i: int, lexicon: Lexicon) -> str | None:
    """"past", "future" or None for ``words[i]`` (with the words before it for context)."""
    cues = lexicon.cues
    word = words[i]
    low = word.lower().replace("’", "'")
    if low in cues.get("tense_future", ()) or low.endswith("'ll"):
        if low == "going" and (i + 1 >= len(words) or words[i + 1].lower() != "to"):
            return None
        return "future"
    past = low in cues.get("tense_past", ()) or (
        word.islower() and len(low) > 4 and low.endswith("ed") and low not in cues.get("not_past_ed", ()))
    if not past:
        return None
    before = words[i - 1].lower() if i else ""
    if before in _ARTICLES:  # "the detailed plan": an adjective
        return None
    if before in cues.get("tense_transparent", ()):
        return "transparent"
    return "past"


def clause_tense(text: str, start: int, end: int, lexicon: Lexicon) -> str | None:
    """``"past"``, ``"future"`` or None for the date at ``text[start:end]``.

    "The ministers met on Tuesday" -> past; "will meet on Tuesday" -> future;
    "the agreement will be signed in October" -> future; "On Friday, the two
    leaders agreed" -> past (the cue after the date); "in October" -> None.
    """
    low = max(0, start - _REACH)
    left = text[low:start]
    stops = list(_LEFT_STOP.finditer(left))
    if stops:
        left = left[stops[-1].end():]
    words = _WORD.findall(left)
    for i in range(len(words) - 1, -1, -1):
        cue = _cue(words, i, lexicon)
        if cue and cue != "transparent":  # "will be signed": the word before "be" decides
            return cue
    right = text[end:end + _REACH]
    stop = _RIGHT_STOP.search(right)
    if stop:
        right = right[:stop.start()]
    words = _WORD.findall(right)
    for i in range(len(words)):
        cue = _cue(words, i, lexicon)
        if cue and cue != "transparent":
            return cue
    return None
