"""Give relative expressions a value from the date they refer to.

"the same year", "May of the same year" and a bare "in May" take the nearest
preceding date; "the previous year's survey" first looks for a date in its own
sentence (the sentence's event time, which may come later: "... the previous
year's survey, a demonstration was conducted in FY2023"); "last year" and
"this year" take the publication date. Without any of those, the publication
date is the anchor; an expression with no anchor at all is dropped.
"""
from __future__ import annotations

from datetime import timedelta

from extractors.dates.calendar import DateValue, FiscalCalendar, day_value, month_value, year_value
from extractors.dates.grammar import Expression, RelativeSpec


def _needs(spec: RelativeSpec) -> str:
    """Which calendar part the anchor must have: "year", "month" or "day"."""
    if spec.kind == "shift" and spec.unit in ("month", "day"):
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


def find_anchor(expressions: list[Expression], i: int, history: list[Expression],
                published: DateValue | None) -> DateValue | None:
    spec = expressions[i].relative
    part = _needs(spec)
    published = published if published is not None and _has(published, part) else None
    preceding = _preceding(history, part)
    preceding_value = preceding.value if preceding else None
    if spec.reference == "deictic":
        return published or preceding_value
    if spec.reference == "sentence":
        return _in_sentence(expressions, i, history, part) or preceding_value or published
    return preceding_value or published


def apply(spec: RelativeSpec, anchor: DateValue, calendar: FiscalCalendar) -> DateValue | None:
    """The value of ``spec`` seen from ``anchor``.

    the previous year @ FY2023 -> FY2022; May of the same year @ 2023-04 -> 2023-05;
    that month @ 2022-11-03 -> 2022-11; the following day @ 2024-02-06 -> 2024-02-07.
    """
    if spec.kind in ("month_of_anchor_year", "day_of_anchor_year"):
        year = calendar.month_in(anchor.fiscal_year, spec.month) if anchor.fiscal_year is not None \
            else anchor.year
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


def resolve(expressions: list[Expression], published: DateValue | None,
            calendar: FiscalCalendar) -> list[Expression]:
    """Fill ``value`` and ``anchor`` of every relative expression, in text order.

    Resolved expressions become anchors in turn ("In May 2022 ... October of the
    same year ... in December" -> 2022-05, 2022-10, 2022-12).
    """
    history: list[Expression] = []
    for i, expr in enumerate(expressions):
        if expr.relative is not None:
            anchor = find_anchor(expressions, i, history, published)
            expr.value = apply(expr.relative, anchor, calendar) if anchor is not None else None
            expr.anchor = anchor.value if anchor is not None else None
        if expr.value is not None:
            history.append(expr)
    return [e for e in expressions if e.value is not None]
