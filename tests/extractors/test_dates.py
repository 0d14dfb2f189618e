"""The temporal tagger: must-find / must-not-find on snippets, resolution, contract, seeds."""
from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Span

import extractors.dates.component  # noqa: F401  (registers accords_dates)
import extractors.sentences  # noqa: F401
from extractors import spans
from extractors.dates.calendar import FiscalCalendar
from extractors.dates.component import dates_between, rows
from extractors.document import DocumentInput
from helpers.paths import SEEDS, gold_files, needs_gold
from pipelines.tables.schema import GRANULARITIES, TABLES



@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("accords_sentences")
    nlp.add_pipe("accords_dates")
    return nlp


def tag(nlp, text: str, published: str | None = None):
    doc = nlp.make_doc(text)
    doc._.input = DocumentInput("test", text, published_date=published)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def found(nlp, text: str, published: str | None = None) -> dict[str, dict]:
    return {r["text"]: r for r in rows(tag(nlp, text, published))}


@pytest.mark.parametrize("snippet, text, value, granularity", [
    ("announced on 18 March 2026.", "18 March 2026", "2026-03-18", "day"),
    ("January 22, 2025", "January 22, 2025", "2025-01-22", "day"),
    ("signed on 2nd July 2021, decided", "2nd July 2021", "2021-07-02", "day"),
    ("on Thursday, February 3, 2022.", "February 3, 2022", "2022-02-03", "day"),
    ("released 2023-01-13 in Tokyo", "2023-01-13", "2023-01-13", "day"),
    ("dated 13/01/2023.", "13/01/2023", "2023-01-13", "day"),
    ("signed Jan. 5, 2024 in Paris", "Jan. 5, 2024", "2024-01-05", "day"),
    ("established in May 2024 as well", "May 2024", "2024-05", "month"),
    ("to be signed in 2026 between", "2026", "2026", "year"),
    ("working on AI since 2016, outlining", "2016", "2016", "year"),
    ("As of the end of March 2024, the fund", "March 2024", "2024-03", "month"),
    ("by the end of FY2023.", "FY2023", "FY2023", "fiscal_year"),
    ("surveys were conducted in FY2022.", "FY2022", "FY2022", "fiscal_year"),
    ("the budget for fiscal year 2024 grew", "fiscal year 2024", "FY2024", "fiscal_year"),
    ("During the current study period (2022-2025), activities", "2022-2025", "2022/2025", "range"),
    ("activities run from 2023 until 2027.", "2023 until 2027", "2023/2027", "range"),
    ("held from October 15 to October 24, 2024.", "October 15 to October 24, 2024",
     "2024-10-15/2024-10-24", "range"),
    ("held on February 6 and 7, 2024.", "February 6 and 7, 2024", "2024-02-06/2024-02-07", "range"),
    ("met on March 12 and 13, 2014.", "March 12 and 13, 2014", "2014-03-12/2014-03-13", "range"),
    ("held 6 and 7 February 2024 in Rome", "6 and 7 February 2024", "2024-02-06/2024-02-07", "range"),
    ("from October to December 2024", "October to December 2024", "2024-10/2024-12", "range"),
    ("between 2020 and 2025 the number", "2020 and 2025", "2020/2025", "range"),
    ("Italy, the G7 chair for 2024, has", "2024", "2024", "year"),
    ("an organization established in 1979, focusing", "1979", "1979", "year"),
    ("Vision 2030” (2017) and", "2017", "2017", "year"),
    ("systems expected around 2030, were approved", "2030", "2030", "year"),
])
def test_finds_and_normalizes(nlp, snippet, text, value, granularity):
    got = found(nlp, snippet)
    assert text in got, got.keys()
    assert got[text]["value"] == value
    assert got[text]["granularity"] == granularity
    assert got[text]["relative"] is False


@pytest.mark.parametrize("snippet", [
    "the “Ministry of Internal Affairs and Communications Overseas Promotion Action Plan 2025”",
    "the updated Strategic Program for ASEAN Climate and Environment (SPACE) 2025, including",
    "Japan hosted the GPAI Summit 2022 and served",
    "the action plans adopted at WTDC-22 and RA-23.",
    "the term is four years, with a maximum of two terms",
    "held by ITU-R every 3-4 years.",
    "the 60th anniversary of diplomatic relations and the 49th SSEAYP",
    "(Ministry of Internal Affairs and Communications Notification No. 34 of 2022)",
    "Infrastructure Investment and Jobs Act of 2021",
    "a record number of over 2000 participants attending",
    "approximately 2024 trainees from Vietnam",
    "see https://www.soumu.go.jp/menu_news/s-news/2020/05/01.html for details",
    "TEL: +81 3 2020 5920",
    "a 2,024 km cable and 2024% growth",
    "dated 05/06/2023, which is ambiguous",
    "the 2030 Agenda for Sustainable Development",
    "Joint Ministerial Statement by MCI and Japan MIC 2022",
    "over the past year and in recent years and every year",
    "The ministries may 5 times a year",
])
def test_not_dates(nlp, snippet):
    assert found(nlp, snippet) == {}


def test_same_year_and_bare_months_resolve_against_the_preceding_date(nlp):
    text = ("In May 2022, the MIC established the Digital Group. The first meeting was held in "
            "October of the same year. Subsequently, in December, a ministerial meeting was held.")
    got = rows(tag(nlp, text, "2024"))
    assert [(r["text"], r["value"], r["relative"], r["anchor"]) for r in got] == [
        ("May 2022", "2022-05", False, None),
        ("October of the same year", "2022-10", True, "2022-05"),
        ("December", "2022-12", True, "2022-10"),
    ]


def test_previous_year_takes_the_fiscal_year_of_its_own_sentence(nlp):
    text = ("In the U.K., tests were conducted in FY2022.\n\nIn the Philippines, based on the results "
            "of the previous year's survey, a demonstration was conducted in FY2023 (FY2023).")
    got = rows(tag(nlp, text, "2024"))
    previous = next(r for r in got if r["text"] == "the previous year")
    assert (previous["value"], previous["granularity"], previous["relative"], previous["anchor"]) == \
        ("FY2022", "fiscal_year", True, "FY2023")
    assert [r["value"] for r in got].count("FY2023") == 2


def test_deictic_expressions_use_the_publication_date(nlp):
    got = found(nlp, "In 2019 the plan began. Sales rose last year and will rise this year.", "2024-06-01")
    assert (got["last year"]["value"], got["last year"]["anchor"]) == ("2023", "2024-06-01")
    assert got["this year"]["value"] == "2024"


def test_that_month_and_publication_fallback(nlp):
    got = found(nlp, "In November 2022, Japan hosted the summit and chaired it from that month.")
    assert (got["that month"]["value"], got["that month"]["granularity"]) == ("2022-11", "month")
    assert found(nlp, "The ministers met in May.", "2024")["May"]["value"] == "2024-05"
    assert found(nlp, "The ministers met in May.") == {}  # nothing to resolve against


def test_fiscal_year_interval_follows_the_country(nlp):
    jp = found(nlp, "surveys were conducted in FY2023.")["FY2023"]
    assert (jp["start_date"], jp["end_date"]) == (date(2023, 4, 1), date(2024, 3, 31))
    us = FiscalCalendar(10, "end").fiscal_year(2024)
    assert (us.start_date, us.end_date) == (date(2023, 10, 1), date(2024, 9, 30))

    text = "The United States budget for FY2024 was passed by the United States Congress."
    doc = nlp.make_doc(text)
    doc._.input = DocumentInput("us", text)
    doc.spans[spans.ENTITIES] = [Span(doc, 1, 3, label="COUNTRY"), Span(doc, 11, 13, label="COUNTRY")]
    for span in doc.spans[spans.ENTITIES]:
        span._.canonical = "USA"
    doc = nlp.get_pipe("accords_dates")(doc)
    (fy,) = rows(doc)
    assert (fy["value"], fy["start_date"], fy["end_date"]) == ("FY2024", date(2023, 10, 1), date(2024, 9, 30))


def test_month_of_a_fiscal_year_breadcrumb_matches_the_release_date(nlp):
    got = found(nlp, "Back Issues\n\nJanuary FY2025\n\nJanuary 22, 2025", "2025-01-22")
    assert got["January FY2025"]["value"] == "2025-01"


def test_rows_follow_the_table_contract(nlp):
    text = "Japan and Singapore met on 18 March 2026. They will sign the MOC in 2026.\n\nIn May, they met."
    doc = tag(nlp, text, "2026-03-18")
    columns = set(TABLES["dates"].column_names) - {"doc_id"}
    got = rows(doc)
    assert len(got) == 3
    for row in got:
        assert set(row) == columns
        assert text[row["start_char"]:row["end_char"]] == row["text"]
        assert row["sentence_start"] <= row["start_char"] < row["end_char"] <= row["sentence_end"]
        assert row["granularity"] in GRANULARITIES
        assert row["start_date"] <= row["end_date"]
    assert text[got[0]["sentence_start"]:got[0]["sentence_end"]] == "Japan and Singapore met on 18 March 2026."
    for span in doc.spans[spans.DATES]:
        assert span.label_ == "DATE" and span._.rule.startswith("accords_dates:")
    second_sentence = text.index("They")
    assert [s.text for s in dates_between(doc, second_sentence, text.index("\n"))] == ["2026"]


def _read(path: Path) -> tuple[str, str | None]:
    from pipelines.readers import read_document

    read = read_document(path)
    return read.text, read.published_date


def _seed_rows(nlp) -> dict[str, tuple[dict, list[dict]]]:
    result = {}
    for gold_path in gold_files():
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        text, published = _read(SEEDS / gold["doc"])
        result[gold["doc"][:3]] = (gold, rows(tag(nlp, text, published or gold["meta"]["published_date"])))
    return result


@pytest.fixture(scope="module")
def seeds(nlp):
    return _seed_rows(nlp)


@needs_gold
def test_seed_documents_must_find_and_must_not_find(seeds):
    texts = {key: [r["text"] for r in predicted] for key, (_, predicted) in seeds.items()}
    assert "2nd July 2021" in texts["000"]
    assert "18 March 2026" in texts["001"] and "February 2026" in texts["001"]
    assert texts["001"].count("2025") == 1  # "reached ... in 2025", not "(SPACE) 2025"
    assert texts["002"].count("January 22, 2025") == 2
    assert "February 6 and 7, 2024" in texts["003"] and "October 15 to October 24, 2024" in texts["003"]
    values_003 = [r["value"] for r in seeds["003"][1]]
    assert "2022/2025" in values_003
    for name_year in ("Action Plan 2025", "Summit 2022", "Summit 2023", "Work Plan 2023", "Vision 2030"):
        assert name_year not in " ".join(texts["003"])


@needs_gold
def test_seed_scores_reach_the_targets(seeds):
    tp = n_gold = n_pred = 0
    granularity_ok = matched = 0
    for gold, predicted in seeds.values():
        gold_values = Counter(d["value"] for d in gold["dates"])
        predicted_values = Counter(r["value"] for r in predicted)
        tp += sum((gold_values & predicted_values).values())
        n_gold += len(gold["dates"])
        n_pred += len(predicted)
        granularity = {d["value"]: d["granularity"] for d in gold["dates"]}
        for row in predicted:
            if row["value"] in granularity:
                matched += 1
                granularity_ok += granularity[row["value"]] == row["granularity"]
    precision, recall = tp / n_pred, tp / n_gold
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.95, (precision, recall)
    assert granularity_ok / matched >= 0.95
