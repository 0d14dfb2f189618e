"""Find calendar expressions in text and normalize the absolute ones.

The rules live in ``data/patterns.jsonl`` (one regex per rule, with ``{MONTH}``,
``{DAY}``, ``{YEAR}`` ... placeholders from the lexicon). The rules are compiled
into two alternations, in file order (most specific first): those that start
with a number and those that start with a word (``starts_with``). Python's
``re`` cannot skip quickly through an alternation that starts with
look-behinds, so two cheap *trigger* passes (digit runs; a trie of month names
and of the ``triggers`` phrases rules declare) find the few places where a
date can start, and the matching alternation is only tried there. Triggers may
hold ``{MONTH}``, ``{WEEKDAY}``, ``{SEASON}`` or ``{NUMBER}`` (every such name);
a rule's ``leads`` are the words allowed before its trigger ("last" before
"May", "two weeks" before "ago"), looked for behind each trigger. A rule's
``prefix`` widens its text over words that do not change the value ("the
1990s"). Each rule belongs to a *family*; one small function per family turns
a match into a ``DateValue`` (absolute) or a ``RelativeSpec`` (resolved later
against an anchor, see ``resolve.py``; relative expressions that depend on
the clause's tense get it from ``tense.py``).
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
from extractors.dates.tense import clause_tense


@dataclass(frozen=True)
class RelativeSpec:
    """What a relative expression needs from its anchor.

    kind: ``shift`` (the same/previous/following year, month or day; "today",
    "two weeks ago", "a year later"), ``month_of_anchor_year`` ("May of the
    same year", "in May", "January this year": ``shift`` years from the
    anchor's), ``day_of_anchor_year`` ("on March 18"), ``weekday`` ("on
    Tuesday", "last Friday": ``shift`` -1/0/+1), ``named_month`` ("last May",
    "this September") or ``season`` ("this fall", ``month`` its first month).
    reference: ``anaphoric`` (the preceding date), ``nearby`` (the preceding
    date of the same paragraph, else the publication date, read with the
    clause's tense), ``sentence`` (a date of the same sentence first, then the
    preceding one) or ``deictic`` (the publication date: "last year").
    """

    kind: str
    reference: str
    unit: str | None = None
    shift: int = 0
    month: int | None = None
    day: int | None = None
    fiscal: bool = False
    weekday: int | None = None


# Kinds whose value depends on the clause's tense when the publication date anchors them.
_TENSED = frozenset(("month_of_anchor_year", "day_of_anchor_year", "weekday", "named_month", "season"))
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")
_PARAGRAPH_REACH = 3000
_LEAD_REACH = 32
_MODIFIER_SHIFT = {"last": -1, "past": -1, "previous": -1, "this": 0, "next": 1, "coming": 1}
_UNIT_DAYS = {"day": ("day", 1), "week": ("day", 7), "month": ("month", 1), "year": ("year", 1),
              "decade": ("year", 10)}
_DEICTIC_DAYS = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}


@dataclass
class Expression:
    start: int
    end: int
    rule: str
    value: DateValue | None = None
    relative: RelativeSpec | None = None
    anchor: str | None = None
    sentence: tuple[int, int] | None = field(default=None, repr=False)
    tense: str | None = None  # "past", "future" or None, for the kinds in _TENSED
    paragraph: int = 0  # where the expression's paragraph starts, for ``nearby`` anchors
    from_publication: bool = False  # resolved against the publication date


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
        triggers = [p for r in self.rules for t in r.meta.get("triggers", ()) for p in self.lexicon.expand(t)]
        self.words = re.compile(trie_regex(words + triggers))
        # Words a rule allows before its trigger ("last" before "May", "two weeks" before
        # "ago") are looked for behind each trigger rather than made triggers themselves:
        # "last" or "two" alone would stop the scan at every other word.
        leads = sorted({fill(r.meta["leads"], fragments) for r in self.rules if r.meta.get("leads")})
        self.leads = re.compile(rf"(?:{'|'.join(leads)})$") if leads else None
        self.prefixes = {i: re.compile(f"(?:{r.meta['prefix']})$") for i, r in enumerate(self.rules)
                         if r.meta.get("prefix")}
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
            "deictic_day": self._parse_deictic_day,
            "weekday": self._parse_weekday,
            "named_month": self._parse_named_month,
            "month_year_shift": self._parse_month_year_shift,
            "season": self._parse_season,
            "count_ago": self._parse_count_ago,
            "decade": self._parse_decade,
            "century": self._parse_century,
            "mid_century": self._parse_mid_century,
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
        words = [m.start() for m in self.words.finditer(text)]
        hits += words
        if self.leads is not None:
            match, rfind = self.leads.match, text.rfind
            for position in words:
                # A lead starts a word at most three words back ("two weeks ago").
                start = position - 1
                low = max(0, position - _LEAD_REACH)
                for _ in range(3):
                    start = max(rfind(" ", low, start), rfind("\n", low, start))
                    if start < 0 and low > 0:
                        break
                    if match(text, start + 1, position) is not None:
                        hits.append(start + 1)
                        break
                    if start < 0:
                        break
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
            prefix = self.prefixes.get(index)
            if prefix is not None:
                before = prefix.search(text, max(0, start - 24), start)
                if before is not None and (not found or found[-1].end <= before.start()):
                    start = before.start()
            expr = Expression(start, end, rule.name)
            if isinstance(parsed, RelativeSpec):
                expr.relative = parsed
                if parsed.kind in _TENSED:
                    expr.tense = clause_tense(text, start, end, self.lexicon)
                if parsed.reference == "nearby":
                    low = max(0, start - _PARAGRAPH_REACH)
                    breaks = [m.end() for m in _PARAGRAPH_BREAK.finditer(text, low, start)]
                    expr.paragraph = breaks[-1] if breaks else low
            else:
                expr.value = parsed
            found.append(expr)
        return merge_ranges(text, drop_weekdays_of_dates(text, found))

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

    # -- news-style families ------------------------------------------------------------

    def _named(self, text: str, start: int, end: int) -> bool:
        """"Good Friday", "Super Tuesday" (a ``weekday_name_before`` word) and "USA Today" (a
        capitalized "Today" after a capitalized word that does not end a sentence) are names."""
        words = guards.words_before(text, start, 1)
        if not words:
            return False
        word = words[-1].strip("(“\"'‘")
        if word.lower() in self.lexicon.cues.get("weekday_name_before", ()):
            return True
        if not text[start].isupper() or word[-1:] in ".:!?" or not word[:1].isupper():
            return False
        return text[start:end].lower() == "today" and \
            word.lower() not in self.lexicon.cues.get("before_weekday", ())

    def _parse_deictic_day(self, fields, rule, text, start, end, calendar, published):
        """"today", "Tonight", "yesterday", "tomorrow" -> the publication day, or the day before/after."""
        word = fields.get("word").lower()
        if self._named(text, start, end):
            return None
        return RelativeSpec(kind="shift", reference="deictic", unit="day", shift=_DEICTIC_DAYS[word])

    def _parse_weekday(self, fields, rule, text, start, end, calendar, published):
        """"on Tuesday", "Friday's meeting", "last Sunday" -> a weekday seen from the publication day."""
        modifier = fields.get("mod")
        if modifier is None:
            if self._named(text, start, end):
                return None
            words = [w.lower() for w in guards.words_before(text, start, 2)]
            if set(words) & self.lexicon.cues.get("habitual_before", frozenset()):
                return None  # "every Tuesday", "every other Thursday"
            if words and words[-1] == "the" and _NEXT_CAPITALIZED.match(text, end):
                return None  # "the Sunday Times"
            if _WEEKDAY_RANGE_BEFORE.search(text, max(0, start - 24), start):
                return None  # "Monday to Friday": opening hours
        return RelativeSpec(kind="weekday", reference="deictic", unit="day",
                            weekday=self.lexicon.weekday_number(fields.get("weekday")),
                            shift=_MODIFIER_SHIFT.get((modifier or "this").lower(), 0))

    def _parse_named_month(self, fields, rule, text, start, end, calendar, published):
        """"last May" (the latest May before the publication month), "this September", "next March"."""
        return RelativeSpec(kind="named_month", reference="deictic", unit="month", month=self._month(fields),
                            shift=_MODIFIER_SHIFT[fields.get("mod").lower()])

    def _parse_month_year_shift(self, fields, rule, text, start, end, calendar, published):
        """"January this year", "June last year", "May of next year" -> that month of the year named."""
        return RelativeSpec(kind="month_of_anchor_year", reference="deictic", month=self._month(fields),
                            shift=_MODIFIER_SHIFT[fields.get("mod").lower()])

    def _parse_season(self, fields, rule, text, start, end, calendar, published):
        """"Fall 2022" -> 2022-09/2022-11; "this fall", "last winter" -> a RelativeSpec."""
        first = self.lexicon.season_months[fields.get("season").lower()]
        year = fields.get("year")
        if year:
            return season_value(int(year), first)
        return RelativeSpec(kind="season", reference="deictic", unit="month", month=first,
                            shift=_MODIFIER_SHIFT[fields.get("mod").lower()])

    def _parse_count_ago(self, fields, rule, text, start, end, calendar, published):
        """"10 days ago", "two weeks ago" (from the publication date); "a year later" (from the
        preceding date) -> a shift at the unit's granularity ("two weeks ago" is a day)."""
        n = fields.get("n")
        count = int(n) if n.isdigit() else self.lexicon.number_words.get(n.lower())
        unit, size = _UNIT_DAYS[fields.get("unit").lower().rstrip("s")]
        if not count or count * size > (36500 if unit == "day" else 1200 if unit == "month" else 100):
            return None
        sign = -1 if fields.get("dir").lower() in ("ago", "earlier", "before") else 1
        return RelativeSpec(kind="shift", reference=rule.meta["reference"], unit=unit, shift=sign * count * size)

    def _parse_decade(self, fields, rule, text, start, end, calendar, published):
        """"the 1990s" -> 1990/1999; "the '90s" -> 1990/1999."""
        short = fields.get("yy")
        first = rule.meta["century"] + int(short) if short else int(fields.get("year"))
        return range_value(year_value(first), year_value(first + 9))

    def _parse_century(self, fields, rule, text, start, end, calendar, published):
        """"the 21st century" -> 2001/2100; "21st Century Fox" (a name) -> None."""
        n = _number(fields.get("ord"))
        if not n or fields.get("century")[0] == "C":  # "the 21st Century Partnership"
            return None
        return range_value(year_value((n - 1) * 100 + 1), year_value(n * 100))

    def _parse_mid_century(self, fields, rule, text, start, end, calendar, published):
        """"by mid-century" -> 2050: the middle of the publication's century, or of the next
        one once that has passed."""
        year = published.year if published is not None else 2000
        middle = year // 100 * 100 + 50
        return year_value(middle if middle >= year - 10 else middle + 100)


def season_value(year: int, first_month: int) -> DateValue | None:
    """``season_value(2022, 9).value == "2022-09/2022-11"``: three months from ``first_month``."""
    last = year * 12 + first_month - 1 + 2
    return range_value(month_value(year, first_month), month_value(last // 12, last % 12 + 1))


_NEXT_CAPITALIZED = re.compile(r"[^\S\n]+[A-Z]")
_WEEKDAY_RANGE_BEFORE = re.compile(
    r"(?:[Mm]on|[Tt]ues|[Ww]ednes|[Tt]hurs|[Ff]ri|[Ss]atur|[Ss]un)days?[^\S\n]*(?:[-–—]|to|through|thru)[^\S\n]*$")
# A weekday beside a full date only names that date's day: "Tuesday, May 14, 1996", "1 May (Wed)".
_WEEKDAY_BESIDE_DATE = re.compile(r"[^\S\n]*[,(]?[^\S\n]*(?:the[^\S\n]+)?$")


def drop_weekdays_of_dates(text: str, found: list[Expression]) -> list[Expression]:
    """Drop a weekday written next to a date it only describes ("Tuesday, May 14, 1996")."""
    if not any(e.relative is not None and e.relative.kind == "weekday" for e in found):
        return found
    kept = []
    for i, expr in enumerate(found):
        if expr.relative is not None and expr.relative.kind == "weekday" and expr.relative.shift == 0:
            after = found[i + 1] if i + 1 < len(found) else None
            before = found[i - 1] if i else None
            if after is not None and after.start - expr.end <= 6 and \
                    _WEEKDAY_BESIDE_DATE.fullmatch(text, expr.end, after.start) and _has_day(after):
                continue
            if before is not None and expr.start - before.end <= 3 and _has_day(before) and \
                    re.fullmatch(r"[^\S\n]*[,(]?[^\S\n]*", text[before.end:expr.start]):
                continue
        kept.append(expr)
    return kept


def _has_day(expr: Expression) -> bool:
    if expr.value is not None:
        return expr.value.day is not None
    return expr.relative is not None and expr.relative.kind == "day_of_anchor_year"


# Two dates joined by one of these form one range: "2023 to 2027", "May 2023 - June 2024".
# "late 2022/early 2023": a qualifier after the joiner does not change the range.
_RANGE_JOINER = re.compile(r"[^\S\n]*(?:[-–—/]|to|until|till|through|thru)[^\S\n]*"
                           r"(?:(?:early|late|mid|the[^\S\n]+end[^\S\n]+of)[^\S\n]*-?[^\S\n]*)?$"
                           r"|[^\S\n]+and[^\S\n]+$")
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
