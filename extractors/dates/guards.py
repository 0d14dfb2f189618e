"""Rules that reject a number the grammar took for a year: names, counts, citations, URLs.

Each check looks only at a few characters around one candidate, so the cost
grows with the number of candidates, not with the length of the document.
"""
from __future__ import annotations

import re

from extractors.dates.lexicon import Lexicon

# URLs, e-mail addresses and telephone numbers hold digit runs that look like years.
# A number right after "+81 3" or "TEL:" belongs to a telephone number.
# So does one after "Telephone", "Ext." or a trunk-prefixed group ("020 7215 2000", "(03) 9650 2020").
_PHONE_BEFORE = re.compile(
    r"(?:\+\d[\d ()\-.]*|\b(?:TEL|Tel|tel|Telephone|telephone|Phone|phone|Mobile|mobile|FAX|Fax|fax"
    r"|Ext|ext|Extension|extension)\b[.:]?[^\S\n]*[\d ()+\-.]*"
    r"|(?<![\w.,])\(?0\d{1,4}\)?(?:[^\S\n]\d{2,5})*[^\S\n])$")
_URL_MARKS = ("://", "www.", "@")
_NAME_WORD = re.compile(r"[A-Za-z][\w&'’.\-]*")
_ACRONYM = re.compile(r"\([A-Z][A-Z0-9&.\-]*\)")
_NEXT_WORD = re.compile(r"[^\S\n]+(?P<word>[A-Za-z]+)")
_OPENING_MARKS = "“\"'‘[«"
_WINDOW = 48
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n(?!.*\n[^\S\n]*\n)", re.S)


def words_before(text: str, start: int, n: int = 3) -> list[str]:
    """The last ``n`` whitespace-separated words before ``start`` on the same line.

    Empty when the candidate is glued to what precedes it ("(2017)") or starts a
    paragraph; a single line break is a soft wrap ("(PACC\n2030)") and is read through.
    """
    if start == 0 or text[start - 1] not in " \t\u00a0\n":
        return []
    window = text[max(0, start - _WINDOW):start]
    paragraph = _BLANK_LINE.search(window)
    if paragraph is not None:
        window = window[paragraph.end():]
    if text[start - 1] == "\n" and not window.strip():
        return []
    return window.rsplit(None, n)[-n:]


def in_url_or_phone(text: str, start: int, end: int) -> bool:
    """Digits inside a URL, an e-mail address or a telephone number are not dates.

    "https://example.org/2020/05/", "www.x.org/2019", "TEL: +81 3 2020 5920" -> True.
    Only the whitespace-free chunk around the candidate is read.
    """
    low = max(0, start - 300)
    chunk_start = max(text.rfind(" ", low, start), text.rfind("\n", low, start)) + 1
    chunk_end = len(text)
    for stop in (" ", "\n"):
        found = text.find(stop, end, end + 300)
        if 0 <= found < chunk_end:
            chunk_end = found
    chunk = text[chunk_start:chunk_end]
    if any(mark in chunk for mark in _URL_MARKS):
        return True
    return _PHONE_BEFORE.search(text, max(0, start - 32), start) is not None


def year_in_name(text: str, start: int, lexicon: Lexicon) -> bool:
    """A year right after a capitalized name word or an acronym is part of a name.

    "GPAI Summit 2022", "Action Plan 2025", "Japan MIC 2022", "(SPACE) 2025" -> True;
    "In 2023", "since 2016", "the year 2023" -> False.
    """
    words = words_before(text, start, 1)
    if not words:
        return False
    word = words[-1].lstrip(_OPENING_MARKS)
    if _ACRONYM.fullmatch(word):
        return True
    word = word.lstrip("(")  # "(PACC 2030)", "(COP 2025)"
    if word.endswith(("'s", "’s")):  # "Japan's 2030 target": a possessive, not a name
        return False
    if not word[:1].isupper() or not _NAME_WORD.fullmatch(word):
        return False
    return word.rstrip(".").lower() not in lexicon.cues.get("before_year", ()) and \
        lexicon.month_number(word) is None


def year_in_citation(text: str, start: int, lexicon: Lexicon) -> bool:
    """"Notification No. 34 of 2022" and "Act of 2022" number or name a law: not dates."""
    words = words_before(text, start, 3)
    if len(words) < 2 or words[-1] != "of":
        return False
    if words[-2][:1].isupper() and words[-2].lower() in lexicon.cues.get("citation_before_of", ()):
        return True
    return len(words) == 3 and words[-2].isdigit() and words[-3].rstrip(".").lower() in ("no", "number")


def number_is_count(text: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """"approximately 2000 people", "more than 2000", "2020 participants" are counts;
    "in 2020 companies invested" is not."""
    words = [w.lower() for w in words_before(text, start, 2)]
    before = lexicon.cues.get("count_before", ())
    if words and (words[-1] in before or " ".join(words[-2:]) in before):
        return True
    if words and words[-1] in lexicon.cues.get("before_year", ()):
        return False  # the preposition makes it a year
    m = _NEXT_WORD.match(text, end, min(len(text), end + 24))
    return bool(m and m.group("word").lower() in lexicon.cues.get("count_after", ()))


def number_after_label(text: str, start: int, lexicon: Lexicon) -> bool:
    """"resolution 2046", "section 2019", "(Ext. 2020)": a number that a label noun
    introduces identifies something; it is not a year."""
    words = words_before(text, start, 1)
    return bool(words) and \
        words[-1].lstrip(_OPENING_MARKS + "(").rstrip(".:").lower() in lexicon.cues.get("label_before", ())


def year_heads_name(text: str, end: int, lexicon: Lexicon, start: int | None = None) -> bool:
    """"the 2030 Agenda", "the 2020 Olympics": the year opens a name, not a date.

    After "the", any capitalized word that is not a month opens a name too:
    "the 2023 Integrated Review", "the 2021-2027 Multiannual Financial Framework";
    "the 2023 review" and "in 2023 Japan ..." stay dates.
    """
    m = _NEXT_WORD.match(text, end, min(len(text), end + 24))
    if not m or not m.group("word")[0].isupper():
        return False
    word = m.group("word").lower()
    if word in lexicon.cues.get("name_after_year", ()):
        return True
    if start is None or lexicon.month_number(word) is not None:
        return False
    words = words_before(text, start, 1)
    return bool(words) and words[-1].lower() == "the"


def year_in_reference(text: str, start: int) -> bool:
    """"COM(2021) 118", "JOIN(2020) 4", "SWD(2019)": a year glued inside a document
    code's parentheses is part of a reference; "Vision 2030” (2017)" is not."""
    return start >= 2 and text[start - 1] == "(" and text[start - 2].isalnum()


def is_not_a_year(text: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """All the checks a bare year (or year range) must pass, in one call."""
    return (year_in_name(text, start, lexicon) or year_in_reference(text, start)
            or year_in_citation(text, start, lexicon)
            or number_is_count(text, start, end, lexicon) or number_after_label(text, start, lexicon)
            or year_heads_name(text, end, lexicon, start))
