"""The temporal tagger on texts unlike the dev seeds: other countries, decades and house styles.

The fixtures (tests/fixtures/unseen/dates_*.txt) are short documents written for
these tests: a 1990s US press release, a UK government news page, an India-Australia
MoU, an EU-AU communiqué and a Japanese ministry release. Each test lists every
date the document holds (must-find, in text order) and the look-alikes it must
not take for dates (must-not-find).

Conventions decided here, by the guidelines (value = ISO, shortest carrying text):
- a fuzzy part of a year or month ("mid-2024", "early 2025", "the first half of
  2026", "Q3 2024", "by the end of 2025", "the first quarter of 2021") takes the
  enclosing year, granularity ``year`` (as "the end of March 2024" is 2024-03);
- "the 15th day of September, 2020" is a day; "fiscal years 1997 through 2000"
  is the range FY1997/FY2000; "the 2024 to 2025 financial year" is FY2024;
- a year heading a capitalized name after "the" ("the 2023 Integrated Review")
  is part of the name, like "Action Plan 2025";
- numbers after a label noun ("resolution 2046", "Ext. 2020"), in standards
  ("ISO 14001:2015"), telephone numbers, document codes ("JOIN(2021)") and
  amounts ("₹2000 crore") are not years.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from extractors.dates.component import rows
from extractors.document import DocumentInput
from extractors.pipeline import build_nlp

from helpers.paths import UNSEEN_FIXTURES as FIXTURES  # noqa: E402


@pytest.fixture(scope="module")
def nlp():
    # Entities decide the fiscal calendar (India's "2020-21" is FY2021).
    return build_nlp(("accords_sentences", "accords_entities", "accords_dates"))


def tag_rows(nlp, text: str, published: str | None) -> list[dict]:
    doc = nlp.make_doc(text)
    doc._.input = DocumentInput("unseen", text, published_date=published)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return rows(doc)


R = True  # relative

CASES = {
    "dates_us_press_release_1996.txt": ("1996-05-14", [
        ("May 14, 1996", "1996-05-14", "day"),
        ("May 14, 1996", "1996-05-14", "day"),
        ("July 1, 1996", "1996-07-01", "day"),
        ("Dec. 31, 2001", "2001-12-31", "day"),
        ("November 1994", "1994-11", "month"),
        ("March 12-14, 1996", "1996-03-12/1996-03-14", "range"),
        ("the following month", "1996-04", "month", R),
        ("fiscal years 1997 through 2000", "FY1997/FY2000", "range"),
        ("fiscal year 1997", "FY1997", "fiscal_year"),
        ("1992", "1992", "year"),
        ("fall of 1996", "1996-09/1996-11", "range"),  # a season with its year, as "Fall 2022" in dev2 gold
        ("1997", "1997", "year"),  # the 1997 annual meeting
        ("1993", "1993", "year"),
        ("December 9-11, 1994", "1994-12-09/1994-12-11", "range"),
    ], ["96-118", "647-2492", "12:30", "2000 Chilean", "2001-2010", "two years"]),
    "dates_uk_gov_news_2023.txt": ("2023-03-03", [
        ("2023 and 2027", "2023/2027", "range"),
        ("3 March 2023", "2023-03-03", "day"),
        ("today", "2023-03-03", "day", R),  # "have today agreed": the publication day (guidelines)
        ("November 2021", "2021-11", "month"),
        ("April 2024", "2024-04", "month"),
        ("June 2023", "2023-06", "month"),
        ("2025", "2025", "year"),  # by the end of 2025
        ("2024 to 2025 financial year", "FY2024", "fiscal_year"),
        ("2025-26 financial year", "FY2025", "fiscal_year"),
        ("FY2024/25", "FY2024", "fiscal_year"),
        ("2022", "2022", "year"),
        ("2030", "2030", "year"),
        ("2032", "2032", "year"),
        ("10 March 2023", "2023-03-10", "day"),
    ], ["Vision 2030", "Agenda 2063", "2023 Integrated", "14001:2015", "24/7", "COP26", "7215 2000",
        "six months"]),
    "dates_india_australia_mou_2020.txt": ("2020-09-15", [
        ("4 June 2020", "2020-06-04", "day"),
        ("2020", "2020", "year"),  # Cooperation of 2020
        ("27th-28th February 2018", "2018-02-27/2018-02-28", "range"),
        ("financial year 2020-21", "FY2021", "fiscal_year"),
        ("1 July 2020", "2020-07-01", "day"),
        ("2021", "2021", "year"),  # the first quarter of 2021
        ("15th day of September, 2020", "2020-09-15", "day"),
    ], ["1(3)/2020", "₹2000", "27001:2013", "five years", "six (6) months", "once a year"]),
    "dates_eu_au_communique_2024.txt": ("2024-03-20", [
        ("20 March 2024", "2024-03-20", "day"),
        ("19-20 March 2024", "2024-03-19/2024-03-20", "range"),
        ("17-18 February 2022", "2022-02-17/2022-02-18", "range"),
        ("25-26 October 2021", "2021-10-25/2021-10-26", "range"),
        ("mid-2024", "2024", "year"),
        ("2025", "2025", "year"),  # early 2025
        ("2026", "2026", "year"),  # the first half of 2026
        ("2024", "2024", "year"),  # Q3 2024
        ("30 December 2024", "2024-12-30", "day"),
        ("December 2023", "2023-12", "month"),
        ("September 2023", "2023-09", "month"),
        ("2025", "2025", "year"),
        ("27 November 2024", "2024-11-27", "day"),
        ("the same month", "2024-11", "month", R),
    ], ["16:30", "JOIN(2021)", "2023/1115", "Agenda 2063", "2030 Agenda", "COP28", "G20", "resolution 2046"]),
    "dates_japan_ministry_fy2024.txt": ("2024-03-29", [
        ("March 29, 2024", "2024-03-29", "day"),
        ("FY2024", "FY2024", "fiscal_year"),
        ("FY2024", "FY2024", "fiscal_year"),
        ("December 17, 2023", "2023-12-17", "day"),
        ("Last year", "2023", "year", R),
        ("February 7, 2024", "2024-02-07", "day"),
        ("the same month", "2024-02", "month", R),
        ("this fiscal year", "FY2023", "fiscal_year", R),  # published in March: FY2023 ends 31 March 2024
        ("April 1, 2024", "2024-04-01", "day"),
        ("FY2025", "FY2025", "fiscal_year"),
        ("next year", "2025", "year", R),
        ("FY2024 to FY2026", "FY2024/FY2026", "range"),
        ("April 1", "2024-04-01", "day", R),
        ("April 30", "2024-04-30", "day", R),
        ("June", "2024-06", "month", R),
        ("2019", "2019", "year"),
    ], ["50th Year", "2,000", "2,024", "10:00", "17:00", "Expo 2025", "Summit 2023", "Ext. 2020", "3501",
        "every year"]),
}


@pytest.fixture(scope="module")
def tagged(nlp):
    result = {}
    for name, (published, _, _) in CASES.items():
        text = (FIXTURES / name).read_text(encoding="utf-8")
        result[name] = (text, tag_rows(nlp, text, published))
    return result


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_date_is_found_and_normalized(tagged, name):
    _, expected, _ = CASES[name]
    _, got = tagged[name]
    want = [(e[0], e[1], e[2], len(e) > 3) for e in expected]
    have = [(r["text"], r["value"], r["granularity"], r["relative"]) for r in got]
    assert have == want


@pytest.mark.parametrize("name", sorted(CASES))
def test_look_alikes_are_not_dates(tagged, name):
    _, _, not_dates = CASES[name]
    text, got = tagged[name]
    for phrase in not_dates:
        start = text.index(phrase)  # the phrase is in the fixture
        end = start + len(phrase)
        overlapping = [r["text"] for r in got if r["start_char"] < end and start < r["end_char"]]
        assert overlapping == [], phrase


@pytest.mark.parametrize("snippet, text, value, granularity", [
    ("signed on this 3rd day of March 2021 at Canberra", "3rd day of March 2021", "2021-03-03", "day"),
    ("funded in fiscal years 2023 and 2024.", "fiscal years 2023 and 2024", "FY2023/FY2024", "range"),
    ("for financial years 2022-2025 inclusive", "financial years 2022-2025", "FY2022/FY2025", "range"),
    ("spending in the 2023 to 2024 financial year rose", "2023 to 2024 financial year", "FY2023", "fiscal_year"),
    ("targets to be met by end-2025.", "end-2025", "2025", "year"),
    ("the 2023 review of the plan", "2023", "2023", "year"),
    ("In 2023 Japan and Kenya met.", "2023", "2023", "year"),
    ("the Commission's report of the 2023 May session", "2023", "2023", "year"),
])
def test_general_rules_find(nlp, snippet, text, value, granularity):
    got = {r["text"]: r for r in tag_rows(nlp, snippet, None)}
    assert text in got, list(got)
    assert (got[text]["value"], got[text]["granularity"]) == (value, granularity)


@pytest.mark.parametrize("snippet", [
    "certified to ISO/IEC 27001:2022 and ISO 9001:2015",
    "a map at a scale of 1:2000 and a meeting from 10:00 to 20:00",
    "an outlay of ₹2020 crore and ₩2000 per unit",
    "recalling Security Council resolution 2046 and article 2020 of the code",
    "Telephone 020 7215 2000 or (03) 9650 2021, Ext. 2019",
    "see COM(2021) 118 final and SWD(2019) 12",
    "the 2021-2027 Multiannual Financial Framework and the 2023 Integrated Review",
    "Regulation (EU) 2016/679 and Directive (EU) 2022/2555",
])
def test_general_rules_do_not_find(nlp, snippet):
    assert [r["text"] for r in tag_rows(nlp, snippet, None)] == []
