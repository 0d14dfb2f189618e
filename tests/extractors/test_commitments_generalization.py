"""Commitments on documents the rules were not tuned on (tests/fixtures/unseen/commitments_*.txt).

Each fixture is a short document of a kind the seeds do not cover: leaders'
statements of other pairs, a G7-style communiqué, an MOU between ministries, a
ministry press release and a white paper. The expectations follow
GUIDELINES.md ("commitments"): a discrete, future-oriented statement of intent
by identified actors; welcoming, noting, recalling, recognising and calling on
others are not commitments. Documents go through the real reader and pipeline.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers.paths import UNSEEN_FIXTURES as UNSEEN  # noqa: E402


def commitments_by_fixture(prefix: str) -> dict[str, list[dict]]:
    """Commitment rows of every fixture named ``<prefix>*.txt``, read with the real readers."""
    from pipelines.run.document import process_file

    out = {}
    for path in sorted(UNSEEN.glob(f"{prefix}*.txt")):
        result = process_file(path, UNSEEN)
        assert result.document["status"] == "ok", result.document["error"]
        out[path.stem.removeprefix(prefix)] = result.tables["commitments"]
    return out


@pytest.fixture(scope="module")
def found():
    return commitments_by_fixture("commitments_")


def one(rows, start):
    hits = [r for r in rows if r["text"].startswith(start)]
    assert len(hits) == 1, (start, [r["text"] for r in rows])
    return hits[0]


def none_contain(rows, *phrases):
    bad = [(p, r["text"]) for p in phrases for r in rows if p in r["text"]]
    assert not bad, bad


def check(row, trigger, actor=None, item="?", deadline="?", lead_in="?"):
    assert row["trigger"] == trigger, row
    if actor is not None:
        assert sorted(row["actor"]) == sorted(actor), row
    if item != "?":
        assert row["item"] == item, row
    if deadline != "?":
        assert row["deadline"] == deadline, row
    if lead_in != "?":
        assert (row["lead_in"] or "").endswith(lead_in) if lead_in else row["lead_in"] is None, row


def test_all_fixtures_are_read(found):
    assert set(found) == {"us_india_leaders", "g7_communique", "au_jp_mou", "eu_canada_summit",
                          "uk_korea_release", "white_paper"}


# ------------------------------------------------------- leaders' statement

def test_leaders_statement_parties_from_the_title(found):
    rows = found["us_india_leaders"]
    # "by the fall of 2025": a season with its year is its three months (dates guidelines, dev2 gold)
    check(one(rows, "The two Prime Ministers intend to conclude"), "intend", ["USA", "IND"], "3",
          "2025-09/2025-11")
    check(one(rows, "The United States and India will continue"), "continue", ["USA", "IND"], "8")


def test_two_commitments_joined_by_and_they(found):
    rows = found["us_india_leaders"]
    first = one(rows, "The Leaders committed to deepening")
    check(first, "commit", ["USA", "IND"], "4")
    assert first["text"].endswith("artificial intelligence")
    check(one(rows, "they resolved to expand"), "resolve", ["USA", "IND"], "4")


def test_items_inherit_a_lead_in_ending_in_will(found):
    rows = found["us_india_leaders"]
    lead = "the Leaders will:"
    check(one(rows, "launch a joint working group"), "will", ["USA", "IND"], "(a)", "2025-06", lead)
    check(one(rows, "expand research partnerships"), "will", ["USA", "IND"], "(b)", None, lead)
    check(one(rows, "promote joint investment"), "will", ["USA", "IND"], "(c)", None, lead)
    none_contain(rows, "the Leaders will:")


def test_directing_officials_is_a_task(found):
    check(one(found["us_india_leaders"], "The Leaders directed their officials"), "task", ["USA", "IND"], "7", "2025")


def test_welcoming_recalling_noting_and_calling_on_others_are_not_commitments(found):
    none_contain(found["us_india_leaders"], "welcomed the progress", "recalled the outcomes",
                 "noted the growing", "called on the private sector", "met in Washington")


# -------------------------------------------------------------- communiqué

def test_communique_we_is_the_group(found):
    rows = found["g7_communique"]
    check(one(rows, "We commit to promoting"), "commit", ["G7"], "3", None)
    check(one(rows, "We will continue to support"), "continue", ["G7"], "4")
    check(one(rows, "we will mobilise public and private finance"), "will", ["G7"], "4", "2030")
    check(one(rows, "We task our Digital Ministers"), "task", ["G7"], "5", "2025")


def test_communique_bullets_under_a_committing_lead_in(found):
    rows = found["g7_communique"]
    for start in ("strengthening cybersecurity", "promoting data free flow", "supporting the digital skills"):
        check(one(rows, start), "will", ["G7"], "7", lead_in="we will advance cooperation in the following areas:")
    none_contain(rows, "in the following areas:")


def test_communique_non_commitments(found):
    none_contain(found["g7_communique"], "united in our resolve", "We welcome", "We recall", "we note",
                 "We call on", "We recognise", "We look forward")


# ---------------------------------------------------------------------- MOU

METI = "Ministry of Economy, Trade and Industry"


def test_mou_participants_are_the_signing_bodies(found):
    rows = found["au_jp_mou"]
    for start, trigger, item in (("The Participants intend to cooperate", "intend", "1"),
                                 ("The Participants will endeavour to share", "aim", "2"),
                                 ("The Participants will establish", "will", "4")):
        row = one(rows, start)
        check(row, trigger, item=item)
        assert len(row["actor"]) == 2 and any(METI in a or a == "METI" for a in row["actor"]), row


def test_mou_provisions_and_possible_areas_are_not_commitments(found):
    rows = found["au_jp_mou"]
    none_contain(rows, "shall enter into force", "remain in effect", "does not create",
                 "may include", "exchanges of experts", "joint studies", "Signed in duplicate")


# ------------------------------------------------------------ EU-Canada summit

def test_summit_bullets_inherit_actor_item_and_deadline(found):
    rows = found["eu_canada_summit"]
    lead = "the EU and Canada will:"
    check(one(rows, "establish a Clean Technology Partnership"), "will", ["EU", "CAN"], "5", "2026", lead)
    check(one(rows, "cooperate on the development of hydrogen"), "will", ["EU", "CAN"], "5", None, lead)
    check(one(rows, "work together to secure supplies"), "will", ["EU", "CAN"], "5", None, lead)


def test_summit_named_and_reported_actors(found):
    rows = found["eu_canada_summit"]
    check(one(rows, "The European Union and Canada reaffirmed their commitment"), "reaffirm_commitment", ["EU", "CAN"])
    check(one(rows, "The EU and Canada agreed to launch negotiations"), "agree", ["EU", "CAN"], "4", "2025")
    # "it" refers to Canada within its own sentence, not to the previous actor
    check(one(rows, "Canada announced that it will contribute"), "will", ["CAN"], "7")


def test_summit_non_commitments(found):
    none_contain(found["eu_canada_summit"], "met today", "welcomed the entry into force", "discussed the situation",
                 "will be held in Ottawa")


# --------------------------------------------------------------- press release

def test_press_release_commitments(found):
    rows = found["uk_korea_release"]
    check(one(rows, "The two ministers agreed to establish a working group"), "agree", ["GBR", "KOR"], "2")
    check(one(rows, "The Minister announced that the Government will invest"), "will", item="3", deadline="2027")
    check(one(rows, "The Department will publish"), "will", item="7", deadline="2025-03")


def test_press_release_noun_items_inherit_the_lead_in(found):
    rows = found["uk_korea_release"]
    for start in ("semiconductors and advanced materials", "AI safety research", "6G telecommunications"):
        check(one(rows, start), "will", ["GBR", "KOR"], "4", lead_in="the UK and Korea will work together on:")
    none_contain(rows, "will work together on:", "Secretary of State said", "signed the Downing Street Accord")


# ----------------------------------------------------------------- white paper

def test_white_paper_plans_of_the_ministry(found):
    rows = found["white_paper"]
    check(one(rows, "MIC will promote the overseas expansion"), "will", ["MIC"], None, None)
    check(one(rows, "In addition, efforts will be made to train"), "will", item=None, deadline="FY2027")
    check(one(rows, "The MIC also aims to conclude"), "aim", ["MIC"], None, "2026")
    for start, number in (("support feasibility studies", "1)"), ("dispatch experts", "2)"),
                          ("hold seminars on cybersecurity", "3)")):
        check(one(rows, start), "will", ["MIC"], number, lead_in="the MIC will:")


def test_white_paper_facts_and_expectations_are_not_commitments(found):
    none_contain(found["white_paper"], "has been promoting", "held policy dialogues", "It is expected",
                 "recognises that close coordination")
