"""Give relative expressions a value from the date they refer to.

"the same year", "May of the same year" and "a year later" take the nearest
preceding date; a bare "in May" or "on March 18" the preceding date of its own
paragraph, or else the publication date, in the direction of the clause's tense
(a past "in October" written in January is the previous October); "the
previous year's survey" first looks for a date in its own sentence (the
sentence's event time, which may come later: "... the previous year's survey, a
demonstration was conducted in FY2023"); "last year", "today", "on Tuesday" and
"two weeks ago" take the publication date. Without any of those, the
publication date is the anchor; an expression with no anchor at all is dropped.
"""
from __future__ import annotations

from datetime import date, timedelta

from extractors.dates.calendar import (DateValue, FiscalCalendar, day_value, month_value, range_value,
                                       year_value)
from extractors.dates.grammar import Expression, RelativeSpec


def _needs(spec: RelativeSpec) -> str:
    """Which calendar part the anchor must have: "year", "month" or "day"."""
    if spec.kind in ("shift", "named_month", "season", "weekday") and spec.unit in ("month", "day"):
        return spec.unit
    return "year"


def _has(value: DateValue, part: str) -> bool:
    return part == "year" or (part == "month" and value.month is not None) or \
        (part == "day" and value.day is not None)


def _preceding(history: list[Expression], part: str) -> Expression | None:
    for expr in reversed(history):
        if _has(expr.value, part):
            return expr
    return None


def _in_sentence(expressions: list[Expression], i: int, history: list[Expression],
                 part: str) -> DateValue | None:
    """A date of the sentence holding ``expressions[i]``: a preceding one first, then a following one."""
    sentence = expressions[i].sentence
    if sentence is None:
        return None
    if history and history[-1].start >= sentence[0] and _has(history[-1].value, part):
        return history[-1].value
    for later in expressions[i + 1:]:
        if later.start >= sentence[1]:
            break
        if later.value is not None and _has(later.value, part):
            return later.value
    return None


def _nearby(expr: Expression, preceding: Expression | None, published: DateValue | None) -> bool:
    """Whether ``preceding`` anchors ``expr``: it is in the same paragraph, was not itself
    read from the publication date, and a past clause does not reach forward past the
    publication date ("by 2030 ... the October 6 designation")."""
    if preceding is None or preceding.start < expr.paragraph:
        return False
    if preceding.from_publication and preceding.value.granularity in ("day", "month"):
        return False  # "on Monday ... Dec. 31": both are read from the publication date
    if published is not None and preceding.value.value == published.value:
        return False  # a dateline: "Tokyo, 18 March 2026 - ... signed in April" is read with its tense
    return not (expr.tense == "past" and published is not None and
                preceding.value.start_date > published.end_date)


def find_anchor(expressions: list[Expression], i: int, history: list[Expression],
                     published: DateValue | None) -> tuple[DateValue | None, bool]:
    """The anchor of ``expressions[i]`` and whether it is the publication date."""
    expr = expressions[i]
    spec = expr.relative
    part = _needs(spec)
    published = published if published is not None and _has(published, part) else None
    preceding = _preceding(history, part)
    preceding_value = preceding.value if preceding else None
    if spec.reference == "deictic":
        return (published, True) if published is not None else (preceding_value, False)
    if spec.reference == "sentence":
        value = _in_sentence(expressions, i, history, part) or preceding_value
        return (value, False) if value is not None else (published, True)
    if spec.reference == "preceding":
        # "two months later" counts from the text's last date; "profits rose from a year
        # earlier" with no date before it, from the publication date; after a date too
        # coarse for the unit ("in May ... 10 days later"), from nothing.
        if preceding_value is not None or history:
            return preceding_value, False
        return published, True
    if spec.reference == "nearby":
        if _nearby(expr, preceding, published) or published is None:
            return preceding_value, False
        month_published = published if _has(published, "month") else None
        return (month_published or published), True
    return (preceding_value, False) if preceding_value is not None else (published, True)


def _pick(candidates: list[tuple], anchor: tuple, tense: str | None) -> int:
    """Index of the candidate (comparable keys in calendar order) that lies nearest
    ``anchor`` in the tense's direction: the latest not after it for the past, the
    earliest not before it for the future, the nearest either way without a tense."""
    if tense == "past":
        before = [i for i, c in enumerate(candidates) if c <= anchor]
        if before:
            return before[-1]
    elif tense == "future":
        after = [i for i, c in enumerate(candidates) if c >= anchor]
        if after:
            return after[0]
    return min(range(len(candidates)), key=lambda i: (abs(_distance(candidates[i], anchor)), i != 1))


def _distance(a: tuple, b: tuple) -> int:
    return (a[0] * 12 + a[1]) * 31 + (a[2] if len(a) > 2 else 0) - (
        (b[0] * 12 + b[1]) * 31 + (b[2] if len(b) > 2 else 0))


def _season(first_year: int, first_month: int) -> DateValue | None:
    last = first_year * 12 + first_month - 1 + 2
    return range_value(month_value(first_year, first_month), month_value(last // 12, last % 12 + 1))


def apply_to_publication(spec: RelativeSpec, anchor: DateValue, tense: str | None) -> DateValue | None:
    """The value of a tensed expression seen from the publication date.

    in October (past) @ 2024-01-15 -> 2023-10; on Tuesday (past) @ 2024-05-16
    (a Thursday) -> 2024-05-14; last May @ 2024-05-02 -> 2023-05; this fall @
    2021-09-01 -> 2021-09/2021-11.
    """
    year, month = anchor.year, anchor.month
    if spec.kind == "weekday":
        day = date(anchor.year, anchor.month, anchor.day)
        back, ahead = (day.weekday() - spec.weekday) % 7, (spec.weekday - day.weekday()) % 7
        if spec.shift < 0:
            found = day - timedelta(days=back or 7)
        elif spec.shift > 0:
            found = day + timedelta(days=ahead or 7)
        elif back == 0:
            found = day
        else:
            found = day + timedelta(days=ahead) if tense == "future" else day - timedelta(days=back)
        return day_value(found.year, found.month, found.day)
    if spec.kind == "named_month":
        if spec.shift < 0:
            return month_value(year if spec.month < month else year - 1, spec.month)
        if spec.shift > 0:
            return month_value(year if spec.month > month else year + 1, spec.month)
        return month_value(year, spec.month)
    if spec.kind == "season":
        now = year * 12 + month - 1
        starts = [(y * 12 + spec.month - 1) for y in (year - 2, year - 1, year, year + 1)]
        if spec.shift < 0:
            first = max(s for s in starts if s + 2 < now)
        elif spec.shift > 0:
            first = min(s for s in starts if s > now)
        else:
            current = [s for s in starts if s <= now <= s + 2]
            first = current[0] if current else year * 12 + spec.month - 1
        return _season(first // 12, first % 12 + 1)
    years = (year - 1, year, year + 1)
    if spec.kind == "month_of_anchor_year":
        chosen = years[_pick([(y, spec.month) for y in years], (year, month), tense)]
        return month_value(chosen, spec.month)
    if spec.kind == "day_of_anchor_year":
        here = (year, month, anchor.day) if anchor.day is not None else (year, month, 15)
        valid = [y for y in years if day_value(y, spec.month, spec.day) is not None]
        if not valid:
            return None
        candidates = [(y, spec.month, spec.day) for y in valid]
        chosen = valid[_pick(candidates, here, tense)] if len(valid) == 3 else \
            min(valid, key=lambda y: abs(_distance((y, spec.month, spec.day), here)))
        return day_value(chosen, spec.month, spec.day)
    return None


def apply(spec: RelativeSpec, anchor: DateValue, calendar: FiscalCalendar) -> DateValue | None:
    """The value of ``spec`` seen from ``anchor``.

    the previous year @ FY2023 -> FY2022; May of the same year @ 2023-04 -> 2023-05;
    that month @ 2022-11-03 -> 2022-11; the following day @ 2024-02-06 -> 2024-02-07.
    """
    if spec.kind in ("weekday", "named_month", "season"):
        return apply_to_publication(spec, anchor, None) if anchor.month is not None and (
            spec.kind != "weekday" or anchor.day is not None) else None
    if spec.kind in ("month_of_anchor_year", "day_of_anchor_year"):
        year = calendar.month_in(anchor.fiscal_year, spec.month) if anchor.fiscal_year is not None \
            else anchor.year
        year += spec.shift
        if spec.kind == "month_of_anchor_year":
            return month_value(year, spec.month)
        return day_value(year, spec.month, spec.day)
    if spec.unit == "year":
        if anchor.fiscal_year is not None or spec.fiscal:
            label = anchor.fiscal_year if anchor.fiscal_year is not None else (
                calendar.label_containing(anchor.start_date) if anchor.month else anchor.year)
            return calendar.fiscal_year(label + spec.shift)
        return year_value(anchor.year + spec.shift)
    if spec.unit == "month":
        index = anchor.year * 12 + anchor.month - 1 + spec.shift
        return month_value(index // 12, index % 12 + 1)
    if spec.unit == "day":
        day = day_value(anchor.year, anchor.month, anchor.day)
        return day_value(*(day.start_date + timedelta(days=spec.shift)).timetuple()[:3]) if day else None
    return None


_TENSED_KINDS = frozenset(("month_of_anchor_year", "day_of_anchor_year", "weekday", "named_month", "season"))


def resolve(expressions: list[Expression], published: DateValue | None,
            calendar: FiscalCalendar) -> list[Expression]:
    """Fill ``value`` and ``anchor`` of every relative expression, in text order.

    Resolved expressions become anchors in turn ("In May 2022 ... October of the
    same year ... in December" -> 2022-05, 2022-10, 2022-12).
    """
    history: list[Expression] = []
    for i, expr in enumerate(expressions):
        if expr.relative is not None:
            anchor, from_publication = find_anchor(expressions, i, history, published)
            spec = expr.relative
            if anchor is None:
                expr.value = None
            elif from_publication and spec.kind in _TENSED_KINDS and anchor.month is not None and (
                    spec.kind != "weekday" or anchor.day is not None) and not (
                    spec.kind == "month_of_anchor_year" and spec.reference == "deictic"):
                expr.value = apply_to_publication(spec, anchor, expr.tense)
            else:
                expr.value = apply(spec, anchor, calendar)
            expr.anchor = anchor.value if anchor is not None else None
            expr.from_publication = from_publication
        if expr.value is not None:
            history.append(expr)
    return [e for e in expressions if e.value is not None]
