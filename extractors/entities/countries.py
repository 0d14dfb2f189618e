"""Countries: every surface form of the genre, with its ISO 3166-1 alpha-3 code.

Names come from pycountry plus ``data/country_variants.csv``; they are found
anywhere, also inside compounds ("U.S.-Japan", "Japan-the U.S.-Australia-India")
and before possessives ("Japan's Ministry ..."). Demonyms and their plurals count
as adjectives and peoples ("the Japanese side", "Brazilian workers",
"Venezuelans"), not for a region's people or a place ("Central Americans",
"the Indian Ocean"); a name before a geographic noun ("Taiwan Strait") is a place.
"""
from __future__ import annotations

import re

from extractors.entities.gazetteer import countries as gazetteer
from extractors.entities.lexicon import Hit, lexicon
from extractors.entities.mention import Mention, is_capitalized_name, word_after, word_before

_HONORIFIC_BEFORE = re.compile(r"(?:Mr|Ms|Mrs|Dr|Prof)\.?\s*$")
# An ambiguous name ("Korea", "Georgia") inside a compound with another country
# ("UK-Korea Free Trade Agreement") is a country. Off until the agreements
# extractor stops merging "an upgraded Free Trade Agreement" into "the UK-Korea
# Free Trade Agreement" once Korea is one of its parties
# (tests/test_agreements_unseen.py::test_press_release_partnership_fta_and_letter_of_intent).
COMPOUNDS_NAME_COUNTRIES = False
_COMPOUND_BEFORE = re.compile(r"([A-Z][\w.]*)[-–]$")
_COMPOUND_AFTER = re.compile(r"[-–]([A-Z][\w.]*[\w])")


def find_countries(text: str, hits: list[Hit] | None = None) -> list[Mention]:
    """Country names and state-naming demonyms in ``text``.

    >>> [m.canonical for m in find_countries("the U.S.-Japan DDE and the Republic of Korea")]
    ['USA', 'JPN', 'KOR']
    """
    g = gazetteer()
    hits = lexicon().scan(text) if hits is None else hits
    found = []
    for hit in hits:
        if "country" in hit.categories:
            _add_name(text, hit.surface, hit.start, hit.end, found)
        elif "demonym" in hit.categories:
            if _names_the_country(text, hit.start, hit.end):
                found.append(Mention(hit.start, hit.end, "COUNTRY", g.demonyms[hit.surface], "country_demonym"))
        elif "body" in hit.categories:
            # A longer body name hides the country inside it ("Monetary Authority of Singapore").
            for match in g.name_regex.finditer(text, hit.start, hit.end):
                _add_name(text, match.group(), match.start(), match.end(), found)
    return found


def _names_the_country(text: str, start: int, end: int) -> bool:
    """A demonym names its country as an adjective or a people ("the Japanese
    side", "Brazilian workers", "Cubans, Haitians and Venezuelans"), except for a
    region's people or a place ("Central Americans", "Latin American", "the
    Indian Ocean", "Inter-American")."""
    g = gazetteer()
    if start and text[start - 1] in "-–" and word_before(text, start - 1) not in g.names:
        return False
    if word_before(text, start) in g.region_words:
        return False
    return _next_word(text, end) not in g.geographic_nouns


def _next_word(text: str, end: int) -> str:
    return word_after(text, end).rstrip(".,;:")


def _add_name(text: str, surface: str, start: int, end: int, found: list[Mention]) -> None:
    g = gazetteer()
    if surface.startswith("the "):
        start += 4
    if _next_word(text, end) in g.geographic_nouns:
        return  # "the Taiwan Strait", "the East and South China Seas"
    if surface in g.ambiguous and _named_otherwise(text, start, end):
        return
    if surface == "US" and text[max(0, start - 8):start].lower().rstrip().endswith(("join", "for", "to", "let")):
        return
    found.append(Mention(start, end, "COUNTRY", g.names[surface], "country_name"))


def _named_otherwise(text: str, start: int, end: int) -> bool:
    """True when a name word touches an ambiguous country name: "Michael Jordan",
    "Georgia Tech", "Mr. Chad", "South America"."""
    if COMPOUNDS_NAME_COUNTRIES:
        # "UK-Korea", "Korea-Japan": a compound of parties names countries.
        before_part = _COMPOUND_BEFORE.search(text, max(0, start - 40), start)
        after_part = _COMPOUND_AFTER.match(text, end)
        names = gazetteer().names
        if (before_part and before_part.group(1) in names) or (after_part and after_part.group(1) in names):
            return False
    before, after = word_before(text, start), word_after(text, end)
    if _HONORIFIC_BEFORE.search(text[max(0, start - 6):start]):
        return True
    if start and text[start - 1] not in "-–" and is_capitalized_name(before) and before not in gazetteer().names:
        return True
    return is_capitalized_name(after) and not after.startswith(("'", "’")) and after not in gazetteer().names
