"""Agreements on documents the extractor was not tuned on (tests/fixtures/unseen/agreements_*.txt):
an MOU's own text, leaders' statements of other pairs, other ministries' press releases and a
white paper.  Each runs through the real pipeline (reader + every component).  Must-find:
instrument, type, parties, status (and date where the text ties one); must-not-find:
dialogues, working groups, programmes, strategies, action plans, laws and bills."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers.paths import UNSEEN_FIXTURES as UNSEEN  # noqa: E402


@pytest.fixture(scope="module")
def unseen() -> dict[str, list[dict]]:
    from pipelines.run.document import process_file

    return {p.stem.removeprefix("agreements_"): process_file(p, UNSEEN).tables["agreement_mentions"]
            for p in sorted(UNSEEN.glob("agreements_*.txt"))}


def records(rows: list[dict]) -> list[dict]:
    """One record per agreement_id, as the evaluator sees it: longest name, first
    non-referenced status in text order, first date."""
    found: dict[str, dict] = {}
    for row in rows:
        rec = found.setdefault(row["agreement_id"], {**row, "statuses": [], "dates": []})
        rec["statuses"].append(row["status"])
        rec["dates"].append(row["date"])
        if len(row["name"]) > len(rec["name"]):
            rec["name"] = row["name"]
    for rec in found.values():
        rec["status"] = next((s for s in rec["statuses"] if s != "referenced"), "referenced")
        rec["date"] = next((d for d in rec["dates"] if d), None)
    return list(found.values())


def find(rows: list[dict], fragment: str) -> dict:
    matches = [r for r in records(rows) if fragment.lower() in r["name"].lower()]
    assert len(matches) == 1, f"{fragment!r}: {[r['name'] for r in records(rows)]}"
    return matches[0]


def names(rows: list[dict]) -> str:
    return " | ".join(r["name"] for r in records(rows)).lower()


def test_mou_text_is_itself_the_instrument(unseen):
    rows = unseen["mou_india_australia"]
    memoranda = [r for r in records(rows) if r["type"] == "memorandum"]
    assert len(memoranda) == 1  # "this Memorandum" everywhere is the document itself
    mou = memoranda[0]
    assert mou["name"].upper().startswith("MEMORANDUM OF UNDERSTANDING BETWEEN THE MINISTRY OF ELECTRONICS")
    assert mou["name"].upper().endswith("IN THE FIELD OF CRITICAL TECHNOLOGIES")
    assert set(mou["parties"]) == {"IND", "AUS"}
    assert mou["status"] == "signed" and mou["date"] == "2024-03-12"  # "Signed at Canberra on 12 March 2024"
    partnership = find(rows, "Comprehensive Strategic Partnership")
    assert partnership["status"] == "established" and set(partnership["parties"]) == {"IND", "AUS"}
    assert "accordance" not in names(rows) and "working group" not in names(rows)


def test_press_release_partnership_fta_and_letter_of_intent(unseen):
    rows = unseen["uk_korea_press"]
    partnership = find(rows, "Digital Partnership")
    assert partnership["type"] == "partnership" and partnership["status"] == "signed"
    assert set(partnership["parties"]) == {"GBR", "KOR"}
    fta = find(rows, "UK-Korea Free Trade Agreement")
    assert fta["status"] == "in_force" and fta["date"] == "2021-01-01"
    upgrade = [r for r in records(rows) if r["name"] == "Free Trade Agreement"]
    assert len(upgrade) == 1 and upgrade[0]["status"] == "under_negotiation"  # "an upgraded FTA": another one
    loi = find(rows, "Letter of Intent")
    assert loi["type"] == "letter_of_intent" and loi["status"] == "signed"
    for not_an_instrument in ("dialogue", "working group", "strategy", "act", "bill of rights"):
        assert not any(not_an_instrument in r["name"].lower().split(" ")[-2:] for r in records(rows)), not_an_instrument
    assert len(records(rows)) == 4


def test_concluded_negotiations_eu_as_bloc(unseen):
    rows = unseen["eu_indonesia"]
    cepa = find(rows, "EU-Indonesia Comprehensive Economic Partnership Agreement")
    assert cepa["type"] == "agreement" and set(cepa["parties"]) == {"EU", "IDN"}
    assert cepa["status"] == "to_be_signed"  # negotiations concluded, not yet signed
    assert "in_force" not in cepa["statuses"]  # "The CEPA will remove tariffs" is no entry into force
    pca = find(rows, "Partnership and Cooperation Agreement")
    assert pca["status"] == "in_force" and pca["date"] == "2014-05-01" and set(pca["parties"]) == {"EU", "IDN"}
    assert find(rows, "Paris Agreement")["status"] == "in_force"
    vietnam = find(rows, "EU-Vietnam Free Trade Agreement")
    assert set(vietnam["parties"]) == {"EU", "VNM"} and vietnam["status"] == "in_force"
    assert "joint committee" not in names(rows) and "action plan" not in names(rows)
    assert "gateway" not in names(rows)
    assert len(records(rows)) == 4


def test_leaders_statement_of_another_pair(unseen):
    rows = unseen["australia_india_statement"]
    statement = find(rows, "Joint Statement on the Australia-India")
    assert statement["type"] == "joint_statement" and statement["status"] == "adopted"
    assert set(statement["parties"]) == {"AUS", "IND"} and statement["date"] == "2024-11-20"
    ecta = find(rows, "Economic Cooperation and Trade Agreement")
    assert ecta["status"] == "in_force" and ecta["date"] == "2022-12-29"  # "came into effect on"
    assert find(rows, "Comprehensive Economic Cooperation Agreement")["status"] == "under_negotiation"
    mou = find(rows, "Migration and Mobility")
    assert mou["type"] == "memorandum" and mou["status"] == "signed" and mou["date"] == "2023-05"
    loi = find(rows, "Letter of Intent on renewable hydrogen")
    assert loi["status"] == "signed" and loi["date"] is None  # May 2023 is the MOU's
    assert find(rows, "Renewable Energy Partnership")["status"] == "launched"
    assert find(rows, "Cooperation in Sports")["status"] == "to_be_renewed"
    assert find(rows, "Non-Proliferation")["status"] == "in_force"
    assert "framework" not in names(rows)  # "Foreign Ministers' Framework Dialogue"
    assert "programme" not in names(rows) and "working group" not in names(rows)


def test_white_paper_of_another_government(unseen):
    rows = unseen["korea_white_paper"]
    assert find(rows, "Korea-EU Free Trade Agreement")["parties"] == ["KOR", "EU"] or \
        set(find(rows, "Korea-EU Free Trade Agreement")["parties"]) == {"KOR", "EU"}
    uk = find(rows, "Korea-UK Free Trade Agreement")
    assert uk["status"] == "in_force" and uk["date"] != "2015-12"  # December 2015 is the Korea-EU FTA's
    gcc = find(rows, "Korea-GCC Free Trade Agreement")
    assert set(gcc["parties"]) == {"KOR", "GCC"} and gcc["status"] == "to_be_signed"
    epa = find(rows, "Economic Partnership Agreement")
    assert set(epa["parties"]) == {"KOR", "MYS"} and epa["status"] == "under_negotiation"
    dpa = find(rows, "Digital Partnership Agreement")
    assert dpa["status"] == "signed" and dpa["date"] == "2022-12"
    mou = find(rows, "Memorandum of Understanding on Digital Cooperation")
    assert set(mou["parties"]) == {"KOR", "IDN"} and mou["status"] == "signed"
    for not_an_instrument in ("framework act", "bill of rights", "action plan", "strategy", "working group"):
        assert not_an_instrument not in names(rows)
    assert len(records(rows)) == 6


def test_entry_into_force_release(unseen):
    rows = unseen["nz_uk_fta"]
    fta = find(rows, "New Zealand-United Kingdom Free Trade Agreement")
    assert set(fta["parties"]) == {"NZL", "GBR"} and fta["status"] == "in_force"
    assert "signed" in fta["statuses"]  # "The Agreement was signed in London on 28 February 2022"
    assert not any(r["name"].endswith("enters into force") for r in records(rows))  # the release is no FTA
    assert sum(r["type"] == "agreement" and "Free Trade" in r["name"] for r in records(rows)) == 1
    loi = find(rows, "Letter of Intent")
    assert loi["status"] == "signed" and "NZL" in loi["parties"]
    assert "Rural Affairs" in loi["name"]
    assert find(rows, "Paris Agreement")["type"] == "agreement"
    assert "agenda" not in names(rows) and "programme" not in names(rows)
