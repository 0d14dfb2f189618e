"""The word lists the date rules are built from, loaded from ``data/``.

``months.csv`` gives month names and abbreviations, ``weekdays.csv`` and
``seasons.csv`` the day and season names, ``number_words.csv`` the spelled-out
numbers of "two weeks ago"; ``cue_words.csv`` the words that decide whether a
bare four-digit number is a year (``before_year``), a count
(``count_before``/``count_after``) or a law's number (``citation_before_of``),
and the words that mark a clause's tense (``tense_*``, see ``tense.py``).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from extractors.trie import trie_pattern as trie_regex

DATA_DIR = Path(__file__).with_name("data")


@dataclass(frozen=True)
class Lexicon:
    month_numbers: dict[str, int]  # lower-cased name or abbreviation (no dot) -> 1..12
    full_month_names: tuple[str, ...]  # "January", ...
    abbreviations: tuple[str, ...]  # "Jan", "Sept", ...
    cues: dict[str, frozenset[str]]  # role -> lower-cased words or phrases
    weekday_numbers: dict[str, int] = None  # lower-cased name or abbreviation -> 0 (Monday) .. 6
    full_weekday_names: tuple[str, ...] = ()
    season_months: dict[str, int] = None  # "fall" -> 9, the season's first month
    number_words: dict[str, int] = None  # "two" -> 2

    def weekday_number(self, text: str) -> int | None:
        """``weekday_number("Tuesday") == 1``."""
        return (self.weekday_numbers or {}).get(text.rstrip(".").lower())

    def expand(self, trigger: str) -> list[str]:
        """A trigger with ``{MONTH}``, ``{WEEKDAY}``, ``{SEASON}`` or ``{NUMBER}`` placeholders as
        every phrase it stands for, each also with a capital first letter:
        ``expand("last {MONTH}")`` -> ["last January", "Last January", ...]."""
        names = {"MONTH": self.full_month_names, "WEEKDAY": self.full_weekday_names,
                 "SEASON": tuple(self.season_months or ()), "NUMBER": tuple(self.number_words or ())}
        phrases = [trigger]
        for key, words in names.items():
            token = "{" + key + "}"
            phrases = [p.replace(token, w, 1) for p in phrases for w in words] if any(
                token in p for p in phrases) else phrases
        return sorted({v for p in phrases for v in (p, p[:1].upper() + p[1:])})

    def month_number(self, text: str) -> int | None:
        """``month_number("Sept.") == 9``."""
        return self.month_numbers.get(text.rstrip(".").lower())

    def fragments(self) -> dict[str, str]:
        """Regex fragments substituted for ``{NAME}`` placeholders in ``patterns.jsonl``."""
        B = r"(?<![\w$€£¥₹₩₽₺₱₫₦¢#.,/\-])(?<!\d:)"
        full = _cased(self.full_month_names)
        abbr = _cased(self.abbreviations)
        space, optional = r"[^\S\n]+", r"[^\S\n]*"
        # Only an abbreviation ("Jan.", "Sept.") takes a stop; "in March." keeps its full stop.
        by_width: dict[int, list[str]] = {}
        for a in abbr:
            by_width.setdefault(len(a), []).append(re.escape(a))
        abbreviation_stop = "|".join(rf"(?<=\b(?:{'|'.join(v)}))\." for v in by_width.values())
        weekdays = _cased(self.full_weekday_names)
        seasons = _cased([s for w in self.season_months or () for s in (w, w.capitalize())])
        numbers = _cased([s for w in self.number_words or () for s in (w, w.capitalize())])
        return {
            "WEEKDAY": rf"\b{trie_regex(weekdays)}(?![\w\-])",
            "SEASON": rf"\b{trie_regex(seasons)}(?![\w\-])",
            "NUMBER": rf"\b{trie_regex(numbers)}(?![\w\-])",
            "MONTH": rf"\b{trie_regex(full + abbr)}(?:{abbreviation_stop})?(?!\w)",
            "MONTH_FULL": rf"\b{trie_regex(full)}(?!\w)",
            "DAY": r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![\d\w])",
            "YEAR": r"(?:19|20)\d\d",
            "S": space,
            "O": optional,
            # A number starts a date only if it is not glued to a word, amount or other number.
            # ... nor follow "digit:" ("ISO 9001:2015", "10:2020", a scale of 1:2000).
            "B": B,
            "E": r"(?![\w%/]|[.,\-–]\d)",
            "TO": rf"(?:{optional}[-–—]{optional}|{space}(?:to|until|till|through|thru){space})",
            "AND": rf"(?:,?{space}(?:and|&){space})",
        }


def _cased(words) -> list[str]:
    variants = {v for w in words for v in (w, w.upper())}
    return sorted(variants, key=lambda w: (-len(w), w))


def load_lexicon(data_dir: Path = DATA_DIR) -> Lexicon:
    month_numbers: dict[str, int] = {}
    full, abbreviations = [], []
    with open(data_dir / "months.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            number = int(row["number"])
            full.append(row["name"])
            month_numbers[row["name"].lower()] = number
            for abbr in filter(None, (row["abbreviations"] or "").split("|")):
                abbreviations.append(abbr)
                month_numbers[abbr.lower()] = number
    cues: dict[str, set[str]] = {}
    with open(data_dir / "cue_words.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            cues.setdefault(row["role"], set()).add(row["word"].strip().lower())
    weekday_numbers: dict[str, int] = {}
    weekdays = []
    with open(data_dir / "weekdays.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            weekdays.append(row["name"])
            for name in [row["name"]] + list(filter(None, (row["abbreviations"] or "").split("|"))):
                weekday_numbers[name.lower()] = int(row["number"])
    with open(data_dir / "seasons.csv", newline="", encoding="utf-8") as f:
        seasons = {row["name"].lower(): int(row["first_month"]) for row in csv.DictReader(f)}
    with open(data_dir / "number_words.csv", newline="", encoding="utf-8") as f:
        numbers = {row["word"].lower(): int(row["number"]) for row in csv.DictReader(f)}
    return Lexicon(month_numbers, tuple(full), tuple(abbreviations),
                   {role: frozenset(words) for role, words in cues.items()},
                   weekday_numbers, tuple(weekdays), seasons, numbers)


def fill(pattern: str, fragments: dict[str, str]) -> str:
    """Replace ``{NAME}`` placeholders, leaving regex quantifiers such as ``{1,2}`` alone."""
    return re.sub(r"\{([A-Z_]+)\}", lambda m: fragments[m.group(1)], pattern)
