"""One scan of a text for every word list of the entity layer.

Each list (country names, demonyms, bodies, organization heads, person titles,
honorifics, event heads, instruments, topics) is a category of one trie regex,
so a document is scanned twice in all (once as written, once lower-cased for
the case-insensitive phrases) instead of once per list.  A regex that begins
with ``\\b`` or a look-behind loses the regex engine's fast first-character
scan, so word boundaries are checked on the few hits instead.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from extractors.entities.gazetteer import bodies, countries, read_csv, read_jsonl, read_lines
from extractors.trie import trie_pattern


class Hit(NamedTuple):
    """One word-list entry found in a text (a tuple: thousands per document)."""

    start: int
    end: int
    surface: str  # as matched (lower-cased for the case-insensitive categories)
    categories: frozenset[str]


@dataclass(frozen=True)
class Lexicon:
    regex: re.Pattern  # case-sensitive entries
    lower_regex: re.Pattern  # lower-case entries, run on lower-cased text
    categories: dict[str, frozenset[str]]  # surface -> categories
    lower_categories: dict[str, frozenset[str]]

    def scan(self, text: str, lower: bool = False) -> list[Hit]:
        """Every entry found in ``text`` as a whole word, in text order.

        lower: also scan for the case-insensitive phrases (slow on long texts:
        the component matches those with a PhraseMatcher on LOWER instead)."""
        hits = []
        append = hits.append
        passes = [(self.regex, text, self.categories)]
        if lower:
            passes.append((self.lower_regex, lowered(text), self.lower_categories))
        for regex, scanned, cats in passes:
            for match in regex.finditer(scanned):
                start, end = match.span()
                if start and scanned[start - 1].isalnum():
                    continue
                surface = scanned[start:end]
                append(Hit(start, end, surface, cats[surface]))
        if lower:  # one pass alone yields its hits in order, without overlaps
            hits.sort(key=_hit_order)
        return hits


def _hit_order(hit: Hit) -> tuple[int, int]:
    return hit.start, -hit.end


def lowered(text: str) -> str:
    """Lower-cased text with the same offsets."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    exact: dict[str, set[str]] = defaultdict(set)
    lower: dict[str, set[str]] = defaultdict(set)
    g = countries()
    for name in g.names:
        exact[name].add("country")
    for name in g.demonyms:
        exact[name].add("demonym")
    registry = bodies()
    for surface in registry.by_surface:
        exact[surface].add("body")
    for acronym in registry.by_acronym:
        if not acronym.isupper():  # "GovTech"; upper-case acronyms are found as acronyms
            exact[acronym].add("body_acronym")
    for row in read_csv("org_heads.csv"):
        exact[row["head"]].add("org_head")
    for title in read_lines("person_titles.txt"):
        exact[title].add("person_title")
    for honorific in read_lines("honorifics.txt"):
        exact[honorific].add("honorific")
    for head in read_lines("event_heads.txt"):
        exact[head].add("event_head")
    for row in read_csv("instruments.csv"):
        (exact[row["surface"]] if row["case"] == "exact" else lower[row["surface"].lower()]).add("instrument")
    for topic in read_jsonl("topics.jsonl"):
        for surface in topic["exact"]:
            exact[surface].add("topic")
        for surface in topic["any"]:
            lower[surface.lower()].add("topic")
    return Lexicon(
        regex=re.compile(rf"(?:{trie_pattern(exact)})(?![\w])"),
        lower_regex=re.compile(rf"(?:{trie_pattern(lower)})(?![\w])"),
        categories={k: frozenset(v) for k, v in exact.items()},
        lower_categories={k: frozenset(v) for k, v in lower.items()},
    )


def by_category(hits: list[Hit], category: str) -> list[Hit]:
    return [h for h in hits if category in h.categories]
