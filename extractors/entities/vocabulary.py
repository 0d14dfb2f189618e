"""Events, instruments and topics: the vocabulary the later extractors key on.

- EVENT (``data/event_heads.txt``): named dialogues, meetings and summits, with
  an ordinal when written: "27th Japan-EU ICT Policy Dialogue" -> canonical
  (the series) "Japan-EU ICT Policy Dialogue"; ``event_ordinal`` reads 27.
- INSTRUMENT (``data/instruments.csv``): memoranda, agreements, statements,
  declarations, frameworks, partnerships; canonical is the agreement type of
  ``pipelines/schema.py`` (memorandum, agreement, joint_statement, ...).
- TOPIC (``data/topics.jsonl``): canonical is the topic name ("5G", "AI", ...).
"""
from __future__ import annotations

import re
from functools import lru_cache

from extractors.entities.gazetteer import read_csv, read_jsonl
from extractors.entities.lexicon import Hit
from extractors.entities.mention import Mention, previous_word
from extractors.entities.organizations import _ORDINAL, OrganizationFinder

_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
                  "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}
# Conferences and fora are also standing bodies (ORG); only an ordinal makes one an event.
_EVENT_ONLY_WITH_ORDINAL = frozenset({"Conference", "Forum"})


@lru_cache(maxsize=1)
def instrument_types() -> dict[str, str]:
    """Casefolded instrument surface -> agreement type."""
    return {r["surface"].casefold(): r["type"] for r in read_csv("instruments.csv")}


@lru_cache(maxsize=1)
def topic_names() -> dict[str, str]:
    """Casefolded topic surface -> topic."""
    return {s.casefold(): t["topic"] for t in read_jsonl("topics.jsonl") for s in t["exact"] + t["any"]}


def event_ordinal(text: str) -> int | None:
    """The ordinal of an event mention: "27th Japan-EU ICT Policy Dialogue" -> 27."""
    match = re.match(r"(?:the\s+)?(\d+)(?:st|nd|rd|th)\b|(?:the\s+)?(\w+)\b", text, re.IGNORECASE)
    if match and match.group(1):
        return int(match.group(1))
    return _ORDINAL_WORDS.get((match.group(2) or "").lower()) if match else None


def find_events(text: str, hits: list[Hit], finder: OrganizationFinder) -> list[Mention]:
    found = []
    for hit in hits:
        if "event_head" not in hit.categories:
            continue
        start = finder.left_edge(hit.start)
        end, _, _ = finder.right_edge(hit.end, True)
        before = previous_word(text, start)
        ordinal = before is not None and bool(_ORDINAL.match(before[0]))
        if hit.surface in _EVENT_ONLY_WITH_ORDINAL and not ordinal:
            continue
        if start == hit.start and end == hit.end and not ordinal:
            continue
        series = text[start:end]
        if ordinal:
            start = before[1]
        found.append(Mention(start, end, "EVENT", series, "event_ordinal" if ordinal else "event_name"))
    return found


_BARE_ABBREVIATIONS = frozenset({"MOC", "MoC", "MOU", "MoU", "LOI", "LoI", "MOCs", "MoCs", "MOUs", "EPA", "FTA"})


def find_instruments(text: str, hits: list[Hit], finder: OrganizationFinder) -> list[Mention]:
    """Instrument mentions; a capitalized head takes the name around it
    ("Japan-Singapore Economic Partnership Agreement"), a lower-case phrase
    ("a memorandum of cooperation") stays as written."""
    types = instrument_types()
    found = []
    for hit in hits:
        if "instrument" not in hit.categories:
            continue
        start, end = hit.start, hit.end
        if hit.surface[0].isupper() and hit.surface not in _BARE_ABBREVIATIONS:
            start = finder.left_edge(start)
            end, _, _ = finder.right_edge(end, True)
        rule = "instrument_name" if hit.surface[0].isupper() else "instrument_phrase"
        found.append(Mention(start, end, "INSTRUMENT", types[hit.surface.casefold()], rule))
    return _dedupe(found)


def find_topics(hits: list[Hit]) -> list[Mention]:
    names = topic_names()
    return _dedupe([Mention(h.start, h.end, "TOPIC", names[h.surface.casefold()], "topic_vocabulary")
                    for h in hits if "topic" in h.categories])


def _dedupe(mentions: list[Mention]) -> list[Mention]:
    """Keep the longest of mentions that overlap (a phrase and its head word)."""
    mentions.sort(key=lambda m: (m.start, -m.end))
    kept: list[Mention] = []
    for m in mentions:
        if kept and m.start < kept[-1].end:
            continue
        kept.append(m)
    return kept
