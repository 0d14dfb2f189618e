"""Normalized date values: the ISO string, its granularity and the interval it covers.

A ``DateValue`` is what every rule produces and what relative expressions are
resolved against. Fiscal years depend on the country's fiscal calendar, so they
are built through a ``FiscalCalendar``.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


@dataclass(frozen=True)
class DateValue:
    """One normalized calendar value.

    ``year``/``month``/``day`` are the calendar parts of the value (of its first
    part for a range); ``fiscal_year`` is the fiscal-year label when the value is
    a fiscal year, so a later "the previous year" can stay fiscal.
    """

    value: str
    granularity: str  # day, month, year, fiscal_year, range
    start_date: date
    end_date: date
    year: int
    month: int | None = None
    day: int | None = None
    fiscal_year: int | None = None


def day_value(year: int, month: int, day: int) -> DateValue | None:
    """``day_value(2026, 3, 18).value == "2026-03-18"``; None for an impossible day (31 April)."""
    try:
        d = date(year, month, day)
    except ValueError:
        return None
    return DateValue(d.isoformat(), "day", d, d, year, month, day)


def month_value(year: int, month: int) -> DateValue:
    """``month_value(2024, 5).value == "2024-05"``, covering 1-31 May 2024."""
    return DateValue(f"{year:04d}-{month:02d}", "month", date(year, month, 1),
                     _month_end(year, month), year, month)


def year_value(year: int) -> DateValue:
    """``year_value(2016).value == "2016"``."""
    return DateValue(f"{year:04d}", "year", date(year, 1, 1), date(year, 12, 31), year)


def range_value(first: DateValue, last: DateValue) -> DateValue | None:
    """``2022`` + ``2025`` -> ``"2022/2025"``; None when the range runs backwards."""
    if last.end_date < first.start_date or first.value == last.value:
        return None
    return DateValue(f"{first.value}/{last.value}", "range", first.start_date, last.end_date,
                     first.year, first.month, first.day, first.fiscal_year)


@dataclass(frozen=True)
class FiscalCalendar:
    """When a country's fiscal year starts and which calendar year names it.

    Japan's FY2023 starts in April 2023 (named by its start year); the US
    federal FY2024 starts in October 2023 (named by its end year).
    """

    start_month: int = 4
    named_by: str = "start"  # "start" or "end"

    def fiscal_year(self, label: int) -> DateValue:
        """``FiscalCalendar(4).fiscal_year(2023)`` covers 2023-04-01 .. 2024-03-31."""
        first_year = label if self.named_by == "start" or self.start_month == 1 else label - 1
        start = date(first_year, self.start_month, 1)
        end_year = first_year if self.start_month == 1 else first_year + 1
        end = date(end_year, 12, 31) if self.start_month == 1 else (
            date(end_year, self.start_month, 1) - timedelta(days=1))
        return DateValue(f"FY{label:04d}", "fiscal_year", start, end, first_year, fiscal_year=label)

    def label_for_span(self, first_year: int) -> int:
        """Label of the fiscal year that starts in ``first_year`` ("2023-24" -> 2023 or 2024)."""
        if self.named_by == "start" or self.start_month == 1:
            return first_year
        return first_year + 1

    def label_containing(self, day: date) -> int:
        """Label of the fiscal year that holds ``day`` (2024-02-01 is in Japanese FY2023)."""
        first_year = day.year if day.month >= self.start_month else day.year - 1
        return self.label_for_span(first_year)

    def month_in(self, label: int, month: int) -> int:
        """Calendar year of ``month`` inside fiscal year ``label`` (January of JP FY2023 is 2024)."""
        fy = self.fiscal_year(label)
        return fy.start_date.year if month >= self.start_month else fy.end_date.year


def load_fiscal_calendars(path: Path) -> dict[str, FiscalCalendar]:
    """ISO3 country -> FiscalCalendar, from ``data/fiscal_calendars.csv``."""
    with open(path, newline="", encoding="utf-8") as f:
        return {
            row["country"].strip().upper(): FiscalCalendar(int(row["start_month"]), row["named_by"].strip())
            for row in csv.DictReader(f)
        }


def parse_iso(value: str | None) -> DateValue | None:
    """A stored ISO value back into a DateValue: ``"2024"``, ``"2024-05"``, ``"2024-05-03"``."""
    if not value:
        return None
    parts = value.strip()[:10].split("-")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        return None
    if len(numbers) == 1:
        return year_value(numbers[0])
    if len(numbers) == 2 and 1 <= numbers[1] <= 12:
        return month_value(numbers[0], numbers[1])
    if len(numbers) == 3:
        return day_value(*numbers)
    return None
