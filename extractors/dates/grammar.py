"""Find calendar expressions in text and normalize the absolute ones.

The rules live in ``data/patterns.jsonl`` (one regex per rule, with ``{MONTH}``,
``{DAY}``, ``{YEAR}`` ... placeholders from the lexicon). The rules are compiled
into two alternations, in file order (most specific first): those that start
with a number and those that start with a word (``starts_with``). Python's
``re`` cannot skip quickly through an alternation that starts with
look-behinds, so two cheap *trigger* passes (digit runs; a trie of month names
and of the ``triggers`` phrases rules declare) find the few places where a
date can start, and the matching alternation is only tried there. Each rule
belongs to a *family*;
one small function per family turns a match into a ``DateValue`` (absolute)
or a ``RelativeSpec`` (resolved later against an anchor, see ``resolve.py``).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from extractors.dates import guards
from extractors.dates.calendar import (DateValue, FiscalCalendar, day_value, month_value,
                                       range_value, year_value)
from extractors.dates.lexicon import DATA_DIR, Lexicon, fill, load_lexicon, trie_regex


@dataclass(frozen=True)
class RelativeSpec:
    """What a relative expression needs from its anchor.

    kind: ``shift`` (the same/previous/following year, month or day),
    ``month_of_anchor_year`` ("May of the same year", "in May") or
    ``day_of_anchor_year`` ("on March 18"). reference: ``anaphoric`` (the
    preceding date), ``sentence`` (a date of the same sentence first, then the
    preceding one) or ``deictic`` (the publication date: "last year").
    """

    kind: str
    reference: str
    unit: str | None = None
    shift: int = 0
    month: int | None = None
    day: int | None = None
    fiscal: bool = False


@dataclass
class Expression:
    start: int
    end: int
    rule: str
    value: DateValue | None = None
    relative: RelativeSpec | None = None
    anchor: str | None = None
    sentence: tuple[int, int] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Rule:
    name: str
    family: str
    meta: dict


class _Fields:
    """Named groups of one rule inside the combined scanner (renamed ``r<i>_<name>``)."""

    __slots__ = ("match", "prefix")

    def __init__(self, match: re.Match, prefix: str):
        self.match, self.prefix = match, prefix

    def get(self, name: str) -> str | None:
        try:
            return self.match.group(self.prefix + name)
        except IndexError:
            return None


def _number(text: str | None) -> int | None:
    """``_number("2nd") == 2``."""
    if not text:
        return None
    digits = re.match(r"\d+", text)
    return int(digits.group()) if digits else None


def _second_year(first: int, text: str) -> int:
    """The end year of "2022-25" is 2025; of "2022-2025" 2025."""
    return first // 100 * 100 + int(text) if len(text) == 2 else int(text)


class DateGrammar:
    """The compiled rules. ``find(text, calendar, published)`` -> sorted ``Expression``s."""

    def __init__(self, rules_path: Path = DATA_DIR / "patterns.jsonl", lexicon: Lexicon | None = None):
        self.lexicon = lexicon or load_lexicon(rules_path.parent)
        fragments = self.lexicon.fragments()
        self.rules: list[Rule] = []
        parts: dict[str, list[str]] = {"number": [], "word": []}
        with open(rules_path, encoding="utf-8") as f:
            for i, line in enumerate(filter(str.strip, f)):
                spec = json.loads(line)
                pattern = fill(spec["pattern"], fragments)
                re.compile(pattern)  # fail here, naming the rule, rather than in the union
                prefix = f"r{i}_"
                pattern = re.sub(r"\(\?P<(\w+)>", rf"(?P<{prefix}\1>", pattern)
                pattern = re.sub(r"\(\?P=(\w+)\)", rf"(?P={prefix}\1)", pattern)
                parts[spec["starts_with"]].append(f"(?P<r{i}>{pattern})")
                self.rules.append(Rule(spec["rule"], spec["family"],
                                       {k: v for k, v in spec.items() if k not in ("pattern", "example")}))
        self.number_rules = re.compile("|".join(parts["number"]))
        self.word_rules = re.compile("|".join(parts["word"]))
        self.digits = re.compile(r"[0-9]+")
        words = [v for w in self.lexicon.full_month_names + self.lexicon.abbreviations for v in (w, w.upper())]
        self.words = re.compile(trie_regex(words + [t for r in self.rules for t in r.meta.get("triggers", ())]))
        self._parsers: dict[str, Callable] = {
            "day": self._parse_day,
            "numeric_day": self._parse_numeric_day,
            "range": self._parse_range,
            "year_range": self._parse_year_range,
            "month_fiscal": self._parse_month_fiscal,
            "month": self._parse_month,
            "fiscal_year": self._parse_fiscal_year,
            "year": self._parse_year,
            "relative": self._parse_relative,
        }

    # -- scanning ------------------------------------------------------------------

    def find(self, text: str, calendar: FiscalCalendar | None = None,
             published: DateValue | None = None) -> list[Expression]:
        calendar = calendar or FiscalCalendar()
        found = []
        scan_from = 0
        number_at, word_at = self.number_rules.match, self.word_rules.match
        # Where a date can start, in text order (one sort of two short lists costs
        # less than heapq.merge's generator step per position).
        hits = [m.start() for m in self.digits.finditer(text)]
        hits += [m.start() for m in self.words.finditer(text)]
        hits.sort()
        for position in hits:
            if position < scan_from:
                continue
            m = (number_at if text[position].isdigit() else word_at)(text, position)
            if m is None:
                continue
            start, end = m.span()
            scan_from = end
            if guards.in_url_or_phone(text, start, end):
                continue
            index = int(m.lastgroup[1:])
            rule = self.rules[index]
            fields = _Fields(m, f"r{index}_")
            parsed = self._parsers[rule.family](fields, rule, text, start, end, calendar, published)
            if parsed is None:
                continue
            expr = Expression(start, end, rule.name)
            if isinstance(parsed, RelativeSpec):
                expr.relative = parsed
            else:
                expr.value = parsed
            found.append(expr)
        return merge_ranges(text, found)

    # -- one parser per rule family ---------------------------------------------------

    def _month(self, fields: _Fields, name: str = "month") -> int | None:
        text = fields.get(name)
        if text:
            return self.lexicon.month_number(text)
        return _number(fields.get(name + "_num"))

    def _parse_day(self, fields, rule, text, start, end, calendar, published):
        """"18 March 2026", "January 22, 2025", "2023-01-13" -> a day."""
        return day_value(int(fields.get("year")), self._month(fields), _number(fields.get("day")))

    def _parse_numeric_day(self, fields, rule, text, start, end, calendar, published):
        """"13/01/2023" -> 2023-01-13; "05/06/2023" is ambiguous (May 6 or 5 June) -> None."""
        first, second = int(fields.get("first")), int(fields.get("second"))
        year = int(fields.get("year"))
        if first > 12 >= second:
            return day_value(year, second, first)
        if second > 12 >= first or first == second:
            return day_value(year, first, second)
        return None

    def _parse_range(self, fields, rule, text, start, end, calendar, published):
        """"February 6 and 7, 2024" -> 2024-02-06/2024-02-07; "October-December 2024" -> months."""
        year = int(fields.get("year"))
        month, month2 = self._month(fields), self._month(fields, "month2")
        month, month2 = month or month2, month2 or month
        day, day2 = _number(fields.get("day")), _number(fields.get("day2"))
        first_year = year - 1 if (month, day or 0) > (month2, day2 or 0) else year  # "Dec 28 to Jan 3, 2025"
        if day is None:
            return range_value(month_value(first_year, month), month_value(year, month2))
        first, last = day_value(first_year, month, day), day_value(year, month2, day2)
        return range_value(first, last) if first and last else None

    def _parse_year_range(self, fields, rule, text, start, end, calendar, published):
        """"2022-2025" -> 2022/2025; "Plan 2022-2025" is part of a name -> None."""
        first = int(fields.get("year"))
        last = _second_year(first, fields.get("year2"))
        if not first < last <= first + 100 or guards.is_not_a_year(text, start, end, self.lexicon):
            return None
        return range_value(year_value(first), year_value(last))

    def _parse_month_fiscal(self, fields, rule, text, start, end, calendar, published):
        """"January FY2025" (a dated breadcrumb) -> 2025-01.

        Read as the calendar month, unless the publication date falls in the
        fiscal reading (January of Japanese FY2025 is January 2026).
        """
        month, label = self._month(fields), int(fields.get("year"))
        fiscal = month_value(calendar.month_in(label, month), month)
        if published is not None and published.granularity != "year" and \
                (published.year, published.month) == (fiscal.year, fiscal.month):
            return fiscal
        return month_value(label, month)

    def _parse_month(self, fields, rule, text, start, end, calendar, published):
        """"May 2024" -> 2024-05."""
        return month_value(int(fields.get("year")), self._month(fields))

    def _parse_fiscal_year(self, fields, rule, text, start, end, calendar, published):
        """"FY2023" -> FY2023; "fiscal year 2023-24" -> the fiscal year starting in 2023;
        "FY2022-2024" -> FY2022/FY2024."""
        short = fields.get("yy")
        if short:
            return calendar.fiscal_year(2000 + int(short))
        first = int(fields.get("year"))
        second = fields.get("year2")
        if not second:
            return calendar.fiscal_year(first)
        last = _second_year(first, second)
        if rule.meta.get("labels"):  # "fiscal years 1997 through 2000": both are labels
            return range_value(calendar.fiscal_year(first), calendar.fiscal_year(last)) if last > first else None
        if last == first + 1:  # one fiscal year written as the two years it spans
            return calendar.fiscal_year(calendar.label_for_span(first))
        if last <= first:
            return None
        return range_value(calendar.fiscal_year(first), calendar.fiscal_year(last))

    def _parse_year(self, fields, rule, text, start, end, calendar, published):
        """"in 2026", "since 2016" -> a year; "Summit 2022", "No. 34 of 2022" -> None."""
        if guards.is_not_a_year(text, start, end, self.lexicon):
            return None
        return year_value(int(fields.get("year")))

    def _parse_relative(self, fields, rule, text, start, end, calendar, published):
        """"the same year", "May of the same year", "in May", "last year" -> a RelativeSpec."""
        meta = rule.meta
        return RelativeSpec(
            kind=meta["kind"], reference=meta["reference"], unit=meta.get("unit"),
            shift=int(meta.get("shift", 0)), month=self._month(fields) if fields.get("month") else None,
            day=_number(fields.get("day")), fiscal=bool(fields.get("fiscal")))


# Two dates joined by one of these form one range: "2023 to 2027", "May 2023 - June 2024".
_RANGE_JOINER = re.compile(r"[^\S\n]*(?:[-–—]|to|until|till|through|thru)[^\S\n]*$|[^\S\n]+and[^\S\n]+$")
_BETWEEN = re.compile(r"\b[Bb]etween[^\S\n]+$")


def merge_ranges(text: str, found: list[Expression]) -> list[Expression]:
    """Join adjacent absolute dates into a range: "2023 until 2027" -> 2023/2027.

    "and" only joins after "between" ("between 2020 and 2025"); "January 2023
    and April 2024, respectively" stays two dates.
    """
    merged: list[Expression] = []
    for expr in found:
        prev = merged[-1] if merged else None
        if (prev is not None and prev.value is not None and expr.value is not None
                and prev.value.granularity != "range" and expr.value.granularity != "range"
                and expr.start - prev.end <= 12):
            gap = text[prev.end:expr.start]
            joined = _RANGE_JOINER.match(gap)
            if joined and (not gap.strip() == "and" or _BETWEEN.search(text, max(0, prev.start - 12), prev.start)):
                value = range_value(prev.value, expr.value)
                if value is not None:
                    merged[-1] = replace(prev, end=expr.end, rule=f"{prev.rule}+{expr.rule}", value=value)
                    continue
        merged.append(expr)
    return merged
