"""Rules that reject a number the grammar took for a year: names, counts, citations, URLs.

Each check looks only at a few characters around one candidate, so the cost
grows with the number of candidates, not with the length of the document.
"""
from __future__ import annotations

import bisect
import re

from extractors.dates.lexicon import Lexicon

# URLs, e-mail addresses and telephone numbers hold digit runs that look like years.
# Every branch starts with a literal character so that ``re`` can skip through the text;
# an e-mail's user part needs no zone (a year glued to letters is never taken).
_ZONES = re.compile(
    r"https?://\S+|www\.\S+|@[\w-]+\.[\w.-]+"
    r"|\+\d[\d ()\-.]{7,}\d"
    r"|[TtPpFf](?:EL|el|hone|AX|ax)\b[.:]?[^\S\n]*[+\d(][\d ()\-.]{6,}\d"
)
_LAST_WORD = re.compile(r"(?P<word>[A-Za-z][\w&'’.]*)[^\S\n]+$")
_LAST_TWO_WORDS = re.compile(r"(?P<words>[A-Za-z][\w.]*[^\S\n]+[A-Za-z][\w.]*)[^\S\n]+$")
_ACRONYM_IN_PARENS = re.compile(r"\([^\S\n]*[A-Z][A-Z0-9&.\-]*[^\S\n]*\)[^\S\n]+$")
_NUMBER_OF = re.compile(r"\b(?:No|no|NO|Number|number)\.?[^\S\n]*\d+[^\S\n]+of[^\S\n]+$")
_WORD_OF = re.compile(r"\b(?P<word>[A-Z][a-z]+)[^\S\n]+of[^\S\n]+$")
_NEXT_WORD = re.compile(r"[^\S\n]+(?P<word>[A-Za-z]+)")
_WINDOW = 48


class Zones:
    """Character ranges (URLs, e-mails, phone numbers) where no date is looked for."""

    def __init__(self, text: str):
        spans = [m.span() for m in _ZONES.finditer(text)]
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]

    def covers(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start) - 1
        return i >= 0 and self.ends[i] > start


def year_in_name(text: str, start: int, lexicon: Lexicon) -> bool:
    """A year right after a capitalized name word or an acronym is part of a name.

    "GPAI Summit 2022", "Action Plan 2025", "Japan MIC 2022", "(SPACE) 2025" -> True;
    "In 2023", "since 2016", "the year 2023" -> False.
    """
    window = text[max(0, start - _WINDOW):start]
    if _ACRONYM_IN_PARENS.search(window):
        return True
    m = _LAST_WORD.search(window)
    if not m:
        return False
    word = m.group("word")
    if not word[0].isupper():
        return False
    return word.rstrip(".").lower() not in lexicon.cues.get("before_year", ()) and \
        lexicon.month_number(word) is None


def year_in_citation(text: str, start: int, lexicon: Lexicon) -> bool:
    """"Notification No. 34 of 2022" and "Act of 2022" number or name a law: not dates."""
    window = text[max(0, start - _WINDOW):start]
    if _NUMBER_OF.search(window):
        return True
    m = _WORD_OF.search(window)
    return bool(m and m.group("word").lower() in lexicon.cues.get("citation_before_of", ()))


def number_is_count(text: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """"approximately 2000 people", "more than 2000", "2020 participants" are counts;
    "in 2020 companies invested" is not."""
    window = text[max(0, start - _WINDOW):start]
    before = lexicon.cues.get("count_before", ())
    m = _LAST_WORD.search(window)
    if m and m.group("word").lower() in before:
        return True
    if m and m.group("word").lower() in lexicon.cues.get("before_year", ()):
        return False  # "in 2020 companies invested": the preposition makes it a year
    m = _LAST_TWO_WORDS.search(window)
    if m and " ".join(m.group("words").lower().split()) in before:
        return True
    m = _NEXT_WORD.match(text, end, min(len(text), end + 24))
    return bool(m and m.group("word").lower() in lexicon.cues.get("count_after", ()))


def year_heads_name(text: str, end: int, lexicon: Lexicon) -> bool:
    """"the 2030 Agenda", "the 2020 Olympics": the year opens a name, not a date."""
    m = _NEXT_WORD.match(text, end, min(len(text), end + 24))
    return bool(m and m.group("word")[0].isupper()
                and m.group("word").lower() in lexicon.cues.get("name_after_year", ()))


def is_not_a_year(text: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """All the checks a bare year (or year range) must pass, in one call."""
    return (year_in_name(text, start, lexicon) or year_in_citation(text, start, lexicon)
            or number_is_count(text, start, end, lexicon) or year_heads_name(text, end, lexicon))
