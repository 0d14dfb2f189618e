"""A mention found in plain text, before it becomes a spaCy span."""
from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.lang.en.stop_words import STOP_WORDS


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    label: str  # PERSON, COUNTRY, ORG, EVENT, INSTRUMENT, TOPIC
    canonical: str | None
    rule: str
    acronym: str | None = None
    country: str | None = None
    title: str | None = None


# A capitalized word of a proper name: "Ministry", "ICT", "U.S.", "Japan-EU",
# "Co-operation", "5G", "Japan's".
# Dots only inside a word or in initialisms, so a sentence's full stop is not taken.
NAME_WORD = r"(?:(?:[A-Z]\.){2,}|[A-Z0-9][\w’'&\-]*(?:\.[\w’'&\-]+)*)"
NAME_WORD_RE = re.compile(NAME_WORD)
_WORD_BEFORE = re.compile(r"([\w’'&.\-]+)\s*$")
_WORD_AFTER = re.compile(r"^\s*([\w’'&.\-]+)")


def is_stop_word(word: str) -> bool:
    """Function words that begin sentences or headings ("The", "In", "A")."""
    return word.lower() in STOP_WORDS and not word.isupper() or len(word) == 1


def word_before(text: str, pos: int, window: int = 40) -> str:
    match = _WORD_BEFORE.search(text[max(0, pos - window):pos])
    return match.group(1) if match and "\n" not in text[max(0, pos - window) + match.start():pos] else ""


def word_after(text: str, pos: int, window: int = 40) -> str:
    match = _WORD_AFTER.match(text[pos:pos + window])
    return match.group(1) if match and "\n" not in match.group(0) else ""


def is_capitalized_name(word: str) -> bool:
    return bool(word) and word[0].isupper() and not is_stop_word(word)


_OPENING_QUOTES = frozenset("“\"‘(")
_WORD_CHARS = re.compile(r"[\w’'&.\-]+")


def previous_word(text: str, pos: int) -> tuple[str, int] | None:
    """The word ending one space before ``pos`` and its start, or None when
    ``pos`` is not preceded by exactly one space and a word ("Agency" in
    "Exploration Agency" -> ("Exploration", start))."""
    if pos < 2 or text[pos - 1] != " ":
        return None
    # The last space, line break or tab before the word; the two rarer ones are
    # only looked for after the space (searching the whole prefix for a tab that
    # is not there made this quadratic in the length of the text).
    space = text.rfind(" ", 0, pos - 1)
    start = max(space, text.rfind("\n", space + 1, pos - 1), text.rfind("\t", space + 1, pos - 1)) + 1
    word = text[start:pos - 1]
    if word[:1] in _OPENING_QUOTES:  # “Digital Overseas Promotion Platform”
        word, start = word[1:], start + 1
    if not word or not _WORD_CHARS.fullmatch(word):
        return None
    return word, start
