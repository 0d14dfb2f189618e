"""Calendar dates as readers meet them: datelines, metadata values, PDF info dates.

Only what the readers need to fill ``published_date``; the full date grammar
(ranges, fiscal years, relative dates) belongs to ``extractors/dates``.
"""
from __future__ import annotations

import calendar
import re
from datetime import date

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH = r"(?P<month>" + "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

DAY_PATTERNS = tuple(re.compile(p, re.I) for p in (
    rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b",                      # February 7, 2022
    rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b",            # 18 March 2026, 2nd of July 2021
    rf"\b{_YEAR}-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)\b",             # 2022-07-13
    rf"\b{_YEAR}/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)\b",             # 2022/07/13
    rf"{_YEAR}年\s*(?P<m>[01]?\d)月\s*(?P<d>[0-3]?\d)日",          # 2022年7月13日
))
MONTH_PATTERN = re.compile(rf"\b{_MONTH}\s+(?:of\s+)?{_YEAR}\b", re.I)


def _value(m: re.Match) -> str | None:
    groups = m.groupdict()
    month = _MONTHS.get((groups.get("month") or "").lower().rstrip(".")) or int(groups.get("m") or 0)
    day = int(groups.get("day") or groups.get("d") or 0)
    year = int(groups["year"])
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find_day_dates(text: str) -> list[tuple[int, int, str]]:
    """Every day-precision date in ``text`` as (start, end, ISO value), in order."""
    found = []
    for pattern in DAY_PATTERNS:
        for m in pattern.finditer(text):
            value = _value(m)
            if value:
                found.append((m.start(), m.end(), value))
    found.sort()
    # Drop matches nested in an earlier, longer one.
    out = []
    for item in found:
        if out and item[0] < out[-1][1]:
            continue
        out.append(item)
    return out


def find_months(text: str) -> list[str]:
    """Month-precision values ("2024-05") of every "May 2024" in ``text``."""
    return [f"{int(m.group('year')):04d}-{_MONTHS[m.group('month').lower().rstrip('.')]:02d}"
            for m in MONTH_PATTERN.finditer(text)]


def leading_date(text: str) -> tuple[str, str] | None:
    """A date that opens ``text`` (a dateline): (ISO value, the rest of the text)."""
    stripped = text.lstrip()
    for start, end, value in find_day_dates(stripped[:40]):
        if start == 0 or re.fullmatch(r"[A-Za-z]{3,9}\.?,?\s*", stripped[:start]):  # "Tuesday, 3 May 2022"
            return value, stripped[end:].lstrip(" ,.-–—|:\t")
        break
    return None


def normalize_date(value) -> str | None:
    """A metadata date ("2022-07-13", "2022-07-13T09:00:00+09:00", "D:20220713...", a date) as ISO."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    text = str(value).strip()
    m = re.match(r"^(?:D:)?((?:19|20)\d\d)(\d\d)(\d\d)", text)  # PDF date
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return None
    m = re.match(r"^((?:19|20)\d\d)(?:[-/.](\d\d?)(?:[-/.](\d\d?))?)?(?:$|[T\s])", text)
    if m:
        try:
            if m[3]:
                return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            if m[2]:
                return f"{int(m[1]):04d}-{int(m[2]):02d}" if 1 <= int(m[2]) <= 12 else None
            return m[1]
        except ValueError:
            return None
    found = find_day_dates(text)
    return found[0][2] if found else None
