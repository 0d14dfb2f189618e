"""Word lists and gazetteers of the entity layer, loaded once from ``data/``.

Country names and codes come from pycountry; ``data/`` only adds what the
library lacks (the genre's variants such as "U.S." or "Viet Nam", demonyms,
well-known bodies, title words, topics).  Every list is matched with one
compiled regular expression built as a trie (``trie_regex``), so a scan of a
document costs one pass of the regex engine however long the list is.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pycountry

from extractors.trie import trie_pattern

DATA_DIR = Path(__file__).resolve().parent / "data"


def trie_regex(words, flags: int = 0) -> re.Pattern:
    """One regex matching any of ``words`` (longest first) as a whole word.

    The alternation is nested as a character trie, so the regex engine never
    retries the same prefix: ``["Japan", "Jamaica"]`` -> ``Ja(?:pan|maica)``.
    "Whole word" means not inside a longer word (every entry starts with a
    letter or digit; a leading ``\\b`` rather than a look-behind keeps the
    regex engine's fast scan for the first character).
    """
    pattern = trie_pattern(words)
    return re.compile(rf"\b(?:{pattern})(?!\w)", flags)


def read_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a text file in ``data/``."""
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def read_csv(name: str) -> list[dict]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(row for row in handle if not row.startswith("#"))]


def read_jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in read_lines(name)]


# ----------------------------------------------------------------------------- countries

_INVERTED = re.compile(r"^(?P<place>[^,]+), (?P<form>.+?) of(?P<the> the)?$")


def _pycountry_names() -> dict[str, str]:
    """Surface name -> ISO3 from pycountry: name, common and official names, and
    the natural order of inverted names ("Korea, Republic of" -> "Republic of Korea")."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if not name:
                continue
            name = re.sub(r"\s*\(.*?\)", "", name)
            inverted = _INVERTED.match(name)
            if inverted:
                form, place = inverted["form"], inverted["place"]
                form = form[0].upper() + form[1:]
                name = f"{form} of{' the' if inverted['the'] else ''} {place}"
                names[name] = country.alpha_3
                continue
            if name.startswith("the "):
                name = name[4:]
            if "," not in name:
                names[name] = country.alpha_3
    return names


@dataclass(frozen=True)
class CountryGazetteer:
    names: dict[str, str]  # surface form -> ISO3, case as written (plus an upper-case copy)
    ambiguous: frozenset[str]  # names that are also common first or family names
    demonyms: dict[str, str]  # "Japanese" -> JPN
    geographic_nouns: frozenset[str]  # "Strait", "Sea": after a name, a place, not the state
    region_words: frozenset[str]  # "Central", "Latin": before a demonym, a region's people
    name_regex: re.Pattern
    demonym_regex: re.Pattern


@lru_cache(maxsize=1)
def countries() -> CountryGazetteer:
    names = _pycountry_names()
    for row in read_csv("country_variants.csv"):
        if row["iso3"] == "-":
            names.pop(row["surface"], None)  # a library name that misleads in this genre
        else:
            names[row["surface"]] = row["iso3"]
    # Headings in this genre are often in capitals ("BETWEEN JAPAN AND SINGAPORE").
    for name, code in list(names.items()):
        if len(name) > 3 and "." not in name:
            names.setdefault(name.upper(), code)
    # Typeset apostrophes: "Cote d’Ivoire", "People’s Republic of China".
    for name, code in list(names.items()):
        if "'" in name:
            names.setdefault(name.replace("'", "’"), code)
    demonyms = {row["demonym"]: row["iso3"] for row in read_csv("demonyms.csv")}
    # Plural nouns of the people: "Venezuelans", "Haitians" ("Swiss", "Japanese" have none).
    for demonym, code in list(demonyms.items()):
        if not demonym.endswith(("s", "sh", "ch", "ese", "i")):
            demonyms.setdefault(demonym + "s", code)
    return CountryGazetteer(
        names=names,
        ambiguous=frozenset(read_lines("country_ambiguous.txt")),
        demonyms=demonyms,
        geographic_nouns=frozenset(read_lines("geographic_nouns.txt")),
        region_words=frozenset(read_lines("region_words.txt")),
        name_regex=trie_regex(names),
        demonym_regex=trie_regex(demonyms),
    )


# ----------------------------------------------------------------------------- bodies


@dataclass(frozen=True)
class Body:
    """A well-known organization: the registry resolves acronyms used without definition."""

    name: str
    acronym: str | None
    country: str | None
    kind: str  # bloc (a party: EU, ASEAN, G7), international, national
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class BodyRegistry:
    bodies: tuple[Body, ...]
    by_surface: dict[str, Body]  # full names and aliases, as written
    by_acronym: dict[str, tuple[Body, ...]]  # acronym -> bodies (several countries may share one)
    surface_regex: re.Pattern  # full names, aliases and acronyms


@lru_cache(maxsize=1)
def bodies() -> BodyRegistry:
    registry = []
    for row in read_csv("bodies.csv"):
        aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
        registry.append(Body(row["name"], row["acronym"] or None, row["country"] or None,
                             row["kind"], aliases))
    by_surface: dict[str, Body] = {}
    by_acronym: dict[str, list[Body]] = {}
    for body in registry:
        for surface in (body.name, *body.aliases):
            by_surface.setdefault(surface, body)
        if body.acronym:
            by_acronym.setdefault(body.acronym, []).append(body)
    surfaces = set(by_surface) | set(by_acronym)
    return BodyRegistry(
        bodies=tuple(registry),
        by_surface=by_surface,
        by_acronym={k: tuple(v) for k, v in by_acronym.items()},
        surface_regex=trie_regex(surfaces),
    )
