"""News-style dates: deictic words, weekdays, tense-aware bare months, counts "ago", decades.

Sentences written for these tests in the styles of wire copy, press releases and
government news pages (none comes from a seed or a dev document). Each case gives
the publication date, the text, and the dates that must be found with their
values (must-find), or the phrases that must not be dates (must-not-find), as
``/work/shared/gold/GUIDELINES.md`` ("dates") describes them.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from extractors.dates.component import date_records, rows
from extractors.document import DocumentInput
from extractors.pipeline import build_nlp


@pytest.fixture(scope="module")
def nlp():
    return build_nlp(("accords_sentences", "accords_entities", "accords_dates"))


def tag(nlp, text: str, published: str | None):
    doc = nlp.make_doc(text)
    doc._.input = DocumentInput("news", text, published_date=published)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def found(nlp, text: str, published: str | None) -> list[tuple[str, str]]:
    return [(r["text"], r["value"]) for r in rows(tag(nlp, text, published))]


# (publication date, text, [(expression, value), ...] in text order)
# Texts are the shortest form that carries the value: "21st century", not "the 21st century".
MUST_FIND = [
    # today / tonight / yesterday / tomorrow: the publication day and its neighbours
    ("2024-11-19", "Today, the two governments launched a partnership on clean hydrogen.",
     [("Today", "2024-11-19")]),
    ("2023-05-18", "The President met Prime Minister Kishida in Hiroshima today to discuss security.",
     [("today", "2023-05-18")]),
    ("2022-02-28", "The foreign minister said yesterday that talks would resume tomorrow in Geneva.",
     [("yesterday", "2022-02-27"), ("tomorrow", "2022-03-01")]),
    ("2020-07-04", "Fireworks will light up the capital tonight.", [("tonight", "2020-07-04")]),
    # weekdays: past before, future after, the publication day itself when it is that day
    ("2024-03-07", "The Senate on Wednesday passed the bill, and the president is expected to sign it on Friday.",
     [("Wednesday", "2024-03-06"), ("Friday", "2024-03-08")]),
    ("2024-03-07", "The prime minister will travel to Seoul next Tuesday, his office said Thursday.",
     [("next Tuesday", "2024-03-12"), ("Thursday", "2024-03-07")]),
    ("2021-06-14", "Friday's meeting of G7 finance ministers ended without a deal.",
     [("Friday", "2021-06-11")]),
    ("2019-09-30", "Earlier Sunday, rebels attacked a convoy near the border.", [("Sunday", "2019-09-29")]),
    ("2019-09-30", "Voting closes on Saturday, and results are due later.", [("Saturday", "2019-10-05")]),
    ("2019-09-30", "The delegation left last Monday and will return this Friday.",
     [("last Monday", "2019-09-23"), ("this Friday", "2019-10-04")]),
    # named months seen from the publication date
    ("2024-05-02", "The agency first raised the alarm last May.", [("last May", "2023-05")]),
    ("2021-06-10", "Elections are planned for this September.", [("this September", "2021-09")]),
    ("2025-02-20", "Tariffs rose in January this year after falling in June last year.",
     [("January this year", "2025-01"), ("June last year", "2024-06")]),
    ("2025-06-20", "Construction will begin next March.", [("next March", "2026-03")]),
    # bare months and days: the year the tense points to
    ("2024-01-15", "The two sides signed the memorandum in October.", [("October", "2023-10")]),
    ("2024-01-15", "The two sides will sign the memorandum in October.", [("October", "2024-10")]),
    ("2021-09-01", "The commission plans to hold its next session in October.", [("October", "2021-10")]),
    ("2021-10-08", "Officials cited the October 6 designation of cartel members.", [("October 6", "2021-10-06")]),
    ("2023-02-10", "Results released in early December showed growth, and the next survey is due by late November.",
     [("December", "2022-12"), ("November", "2023-11")]),
    ("2024-09-10", "The ministry announced on Aug. 2 that prices had stabilised.", [("Aug. 2", "2024-08-02")]),
    ("2024-09-10", "The board will vote on Dec 1st.", [("Dec 1st", "2024-12-01")]),
    ("2026-03-18", "Tokyo, 18 March 2026 - The two ministries, which signed a memorandum in April, met today.",
     [("18 March 2026", "2026-03-18"), ("April", "2025-04"), ("today", "2026-03-18")]),
    # a far-away year in the same paragraph does not anchor a past bare date
    ("2021-10-08", "The group aims to meet by 2025.\n\nOn Aug. 2 the two ministers signed a protocol.",
     [("2025", "2025"), ("Aug. 2", "2021-08-02")]),
    ("2025-03-05", "On Monday, 3 March, the ministers met; they will meet again on Friday 7 March.",
     [("3 March", "2025-03-03"), ("7 March", "2025-03-07")]),
    # counts back from the publication date, forward from the preceding date
    ("2024-03-07", "Two weeks ago the ministers met; 10 days ago they agreed; three years ago they had not spoken.",
     [("Two weeks ago", "2024-02-22"), ("10 days ago", "2024-02-26"), ("three years ago", "2021")]),
    ("2024-03-07", "The council was created in 2019. A year later it adopted its charter.",
     [("2019", "2019"), ("A year later", "2020")]),
    ("2024-03-07", "The plant opened in March 2020. Two months later it closed, and 10 days later it was sold.",
     [("March 2020", "2020-03"), ("Two months later", "2020-05")]),
    ("1989-10-27", "Net income fell 12% from a year earlier, the company said Thursday.",
     [("a year earlier", "1988"), ("Thursday", "1989-10-26")]),
    ("2024-03-07", "The talks opened on March 4, 2024. The previous day, envoys had met in private.",
     [("March 4, 2024", "2024-03-04"), ("The previous day", "2024-03-03")]),
    # abbreviated and informal absolute forms
    ("2024-10-01", "The treaty, signed on Sept. 30, 2024, enters into force Jan. 1, 2025.",
     [("Sept. 30, 2024", "2024-09-30"), ("Jan. 1, 2025", "2025-01-01")]),
    ("2024-10-01", "The plant, built in the 1990s, must reach net zero by mid-century.",
     [("1990s", "1990/1999"), ("mid-century", "2050")]),
    ("2015-05-01", "Growth slowed in the late '90s and recovered in the 2000s.",
     [("late '90s", "1990/1999"), ("2000s", "2000/2009")]),
    ("2021-09-01", "In the 21st century, borders cannot be redrawn by force.", [("21st century", "2001/2100")]),
    ("2022-09-15", "Advisers will be deployed in Fall 2022, and the dialogue resumes in late 2022/early 2023.",
     [("Fall 2022", "2022-09/2022-11"), ("late 2022/early 2023", "2022/2023")]),
    ("2021-09-01", "A new charter will be approved this fall.", [("this fall", "2021-09/2021-11")]),
    ("2024-06-03", "Japan's 2030 target was confirmed at the May 2024 meeting.",
     [("2030", "2030"), ("May 2024", "2024-05")]),
]


@pytest.mark.parametrize("published, text, expected", MUST_FIND, ids=[c[1][:40] for c in MUST_FIND])
def test_news_dates_are_found_and_resolved(nlp, published, text, expected):
    assert found(nlp, text, published) == expected


def test_resolved_news_dates_are_relative_with_their_anchor(nlp):
    doc = tag(nlp, "Officials said on Tuesday that the deal was signed two weeks ago.", "2024-03-07")
    records = date_records(doc)
    assert [(r.text, r.relative, r.anchor, r.granularity) for r in records] == [
        ("Tuesday", True, "2024-03-07", "day"), ("two weeks ago", True, "2024-03-07", "day")]


MUST_NOT_FIND = [
    ("2024-03-07", "Negotiators will meet again next week and over the weekend.", ["next week", "weekend"]),
    ("2024-03-07", "This weekend, protesters gathered; last week the talks stalled.", ["This weekend", "last week"]),
    ("2024-03-07", "The programme will run for four years, and talks are held every 3-4 years.",
     ["four years", "3-4 years"]),
    ("2024-03-07", "Delegates arrived for the GPAI Summit 2022 follow-up and the Action Plan 2025 review.",
     ["2022", "2025"]),
    ("2024-03-07", "The office is open Monday to Friday, and the committee meets every Tuesday.",
     ["Monday", "Friday", "Tuesday"]),
    ("2024-03-07", "Retailers expect record sales on Black Friday and Cyber Monday.", ["Friday", "Monday"]),
    ("2024-03-07", "Prices are high now, and relief may come soon or in the future.", ["now", "soon", "future"]),
    ("2024-03-07", "In the past year prices rose; over the last four years growth slowed.",
     ["past year", "last four years"]),
    ("2024-03-07", "The ceasefire began at 7 a.m. and lasted 48 hours.", ["7 a.m.", "48 hours"]),
    ("2024-03-07", "The alliance marks its 75th anniversary and its leader is 64 years old.",
     ["75th", "64 years"]),
    ("2024-03-07", "Spring and summer tourism rose, as did second-quarter sales.", ["Spring", "summer"]),
]


@pytest.mark.parametrize("published, text, phrases", MUST_NOT_FIND, ids=[c[1][:40] for c in MUST_NOT_FIND])
def test_news_look_alikes_are_not_dates(nlp, published, text, phrases):
    got = rows(tag(nlp, text, published))
    for phrase in phrases:
        start = text.index(phrase)
        end = start + len(phrase)
        assert [r["text"] for r in got if r["start_char"] < end and start < r["end_char"]] == [], phrase


def test_a_weekday_beside_its_full_date_is_one_date(nlp):
    assert found(nlp, "On Tuesday, May 14, 1996, the ministers signed the agreement.", "1996-05-14") == [
        ("May 14, 1996", "1996-05-14")]


def test_without_a_publication_date_deictic_words_take_the_preceding_date(nlp):
    text = "The summit opened on 3 March 2023. Two days later the leaders met again."
    assert found(nlp, text, None) == [("3 March 2023", "2023-03-03"), ("Two days later", "2023-03-05")]
    assert found(nlp, "Today the ministers met.", None) == []  # no anchor at all: not listed


def test_the_records_live_in_a_registered_doc_extension(nlp):
    from spacy.tokens import Doc

    doc = tag(nlp, "The ministers met on 18 March 2026 and will meet again next year.", "2026-03-18")
    assert Doc.has_extension("date_records")
    group, records, _ = doc._.date_records
    assert group is doc.spans["dates"] and [r.text for r in records] == ["18 March 2026", "next year"]
    assert date_records(doc) is not date_records(doc)  # a new list each time: callers may filter it


def test_the_dates_component_does_not_import_the_pipelines_package():
    import ast
    from pathlib import Path

    import extractors.dates as package

    for path in Path(package.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module] + [
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in imported if m.split(".")[0] == "pipelines"], path.name


def test_the_default_fiscal_calendar_comes_from_the_factory_config():
    nlp = build_nlp(("accords_sentences", "accords_entities", "accords_dates"),
                    config={"accords_dates": {"default_fiscal_start_month": 7}})
    doc = tag(nlp, "The programme is funded in FY2024.", "2024-01-10")
    (record,) = date_records(doc)
    assert (record.date_value, record.start_date.month, record.start_date.year) == ("FY2024", 7, 2024)


from helpers.paths import UNSEEN_FIXTURES  # noqa: E402

FIXTURE = UNSEEN_FIXTURES / "dates_news_wire_2024.txt"


def test_a_wire_story_lists_every_date_with_its_value(nlp):
    """A wire story published 2024-11-14 (a Thursday): every date in text order."""
    text = FIXTURE.read_text(encoding="utf-8")
    got = [(r["text"], r["value"], r["relative"]) for r in rows(tag(nlp, text, "2024-11-14"))]
    assert got == [
        ("Nov. 14", "2024-11-14", True),  # the dateline
        ("Wednesday", "2024-11-13", True),
        ("last May", "2024-05", True),
        ("February", "2025-02", True),  # "would meet again in February"
        ("Today", "2024-11-14", True),
        ("Thursday", "2024-11-14", True),  # the publication day is a Thursday
        ("December", "2024-12", True),  # "could be ready by early December"
        ("1990s", "1990/1999", False),
        ("2008", "2008", False),
        ("January this year", "2024-01", True),
        ("Sept. 30, 2024", "2024-09-30", False),
        ("Three years ago", "2021", True),
        ("Jan. 21", "2025-01-21", True),  # "is scheduled for Jan. 21"
        ("mid-century", "2050", False),
        ("October", "2024-10", True),  # a past "In October" in a new paragraph
        ("1962", "1962", False),
        ("this fall", "2024-09/2024-11", True),
    ]
    for phrase in ("next week", "weekend", "two days", "four months", "60th", "2026 Summit", "12 countries"):
        start = text.index(phrase)
        assert not [r for r in rows(tag(nlp, text, "2024-11-14"))
                    if r["start_char"] < start + len(phrase) and start < r["end_char"]], phrase
