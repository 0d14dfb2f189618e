"""Word lists of the agreements extractor, loaded once from ``data/``.

- ``heads.jsonl``: head nouns of instruments (``triggers``: the key words a
  PhraseMatcher looks for) and their type ("Memorandum of
  Cooperation" -> memorandum, "Partnership" -> partnership), with how they may
  be written (``capitalized``: only as part of a proper name; ``open``: takes a
  lowercase complement such as "a memorandum of cooperation regarding ICT";
  ``descriptive``: "a joint statement" names an instrument even without a name;
  ``needs_modifier``: "Statement" alone is not an instrument, "G7 Leaders'
  Statement" is).
- ``status_cues.csv``: words before, after or inside a mention that state its status.
- ``party_groupings.csv``: groupings that are parties by their short name (EU, G7).
- ``name_stopwords.txt``: words that never start a name / that end a complement.
- ``continuations.txt``: words that may follow a head noun within one name.
- ``non_instrument_nouns.txt``: words that, right after a head noun, make the
  name something else ("Framework Dialogue", "Framework Act").
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Head:
    pattern: str
    type: str
    capitalized: bool
    open: bool
    descriptive: bool
    needs_modifier: bool
    case_sensitive: bool


@dataclass(frozen=True)
class Cue:
    position: str  # before, after, inside
    regex: re.Pattern
    status: str
    types: frozenset[str]

    def applies_to(self, type_: str) -> bool:
        return not self.types or type_ in self.types


@dataclass(frozen=True)
class Lexicon:
    heads: tuple[Head, ...]
    head_regex: re.Pattern  # one alternation; group name h<i> tells which head matched
    triggers: frozenset[str]  # lowercase key nouns of the heads: where to look closer
    trigger_regex: re.Pattern  # the same words for plain strings (titles, snippets)
    cues: tuple[Cue, ...]
    groupings: dict[str, str]  # any name or short name -> short name
    grouping_regex: re.Pattern
    members: dict[str, tuple[str, ...]]  # informal groupings stand for their members (Quad)
    left_stopwords: frozenset[str]
    stopwords: frozenset[str]
    continuations: frozenset[str]
    before_of: frozenset[str]
    non_instrument_nouns: frozenset[str] = frozenset()

    # (position, type) -> (cues, alternation); filled by ``lexicon()`` for every head type.
    cue_sets: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def head_of(self, match: re.Match) -> Head:
        return self.heads[int(match.lastgroup[1:])]

    def cue_set(self, position: str, type_: str) -> tuple[tuple[Cue, ...], re.Pattern | None]:
        """The cues at ``position`` that apply to ``type_``, in lexicon order, and
        one alternation of their patterns: most windows hold no cue, and one
        search over the alternation says so where a search per cue would scan
        the window once for each (no cue pattern uses backreferences, so the
        alternation matches exactly where some cue does)."""
        found = self.cue_sets.get((position, type_))
        if found is None:
            cues = tuple(c for c in self.cues if c.position == position and c.applies_to(type_))
            any_cue = re.compile("|".join(f"(?:{c.regex.pattern})" for c in cues), re.I) if cues else None
            found = self.cue_sets[(position, type_)] = (cues, any_cue)
        return found


def _lines(name: str) -> list[str]:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _rows(name: str) -> list[dict]:
    return list(csv.DictReader(_lines(name)))


def _sections(name: str) -> dict[str, set[str]]:
    sections: dict[str, set[str]] = {}
    current = None
    for line in _lines(name):
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], set())
        elif current is not None:
            current.update(line.split())
    return sections


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    heads = tuple(
        Head(
            pattern=row["pattern"], type=row["type"], capitalized=row.get("capitalized", False),
            open=row.get("open", False), descriptive=row.get("descriptive", False),
            needs_modifier=row.get("needs_modifier", False), case_sensitive=row.get("case_sensitive", False),
        )
        for row in (json.loads(line) for line in _lines("heads.jsonl"))
    )
    # Longer heads first so "joint statement" wins over "statement"; inline flags
    # keep acronym heads (MOC) case-sensitive inside one case-insensitive regex.
    alternatives = []
    for i, head in sorted(enumerate(heads), key=lambda ih: -len(ih[1].pattern)):
        body = head.pattern if head.case_sensitive else f"(?i:{head.pattern})"
        alternatives.append(f"(?P<h{i}>{body})")
    head_regex = re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])")

    triggers = frozenset(w for line in _lines("heads.jsonl") for w in json.loads(line)["triggers"])
    trigger_regex = re.compile(
        r"(?i)(?<![\w-])(?:" + "|".join(re.escape(w) for w in sorted(triggers, key=len, reverse=True)) + r")(?![\w-])")
    cues = tuple(
        Cue(row["position"], re.compile(row["pattern"], re.I), row["status"],
            frozenset(t for t in (row.get("types") or "").split("|") if t))
        for row in _rows("status_cues.csv")
    )
    groupings: dict[str, str] = {}
    for row in _rows("party_groupings.csv"):
        short = row["short_name"]
        groupings[short] = short
        for name in (row.get("names") or "").split("|"):
            if name.strip():
                groupings[name.strip()] = short
    names = sorted(groupings, key=len, reverse=True)
    # "ASEAN-Japan", "Japan-EU": a grouping inside a hyphenated pair still counts.
    grouping_regex = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")
    members = {row["short_name"]: tuple(m for m in (row.get("members") or "").split("|") if m)
               for row in _rows("party_groupings.csv")}
    sections = _sections("name_stopwords.txt")
    lex = Lexicon(
        heads=heads, head_regex=head_regex, triggers=triggers, trigger_regex=trigger_regex, cues=cues, groupings=groupings, grouping_regex=grouping_regex, members=members,
        left_stopwords=frozenset(sections.get("left", ())), stopwords=frozenset(sections.get("stop", ())),
        continuations=frozenset(_lines("continuations.txt")),
        before_of=frozenset(sections.get("before_of", ())),
        non_instrument_nouns=frozenset(_lines("non_instrument_nouns.txt")),
    )
    for position in ("before", "after", "inside"):
        for type_ in {h.type for h in heads}:
            lex.cue_set(position, type_)
    return lex
