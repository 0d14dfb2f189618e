"""Commitments, second unseen round (tests/fixtures/unseen/commitments2_*.txt).

Kinds the first round did not cover: a Quad leaders' declaration ("We, the
Leaders of ..., affirm our commitment to", "We are committed to", "We stand
ready to"), a US-Japan fact sheet, a ministerial chair's summary, an Indian
ministry press release with unilateral plans and a Korean white paper with
"(1)"/"(2)" outline sections. Expectations follow GUIDELINES.md
("commitments"): a discrete, future-oriented statement of intent by
identified actors; facts, past actions, recognitions, welcomes, calls on
others and descriptions of discussions are not commitments.

Choices made here, by the guidelines:
- "We look forward to ..." is not a commitment: it voices an expectation
  (an opinion, like "we hope"), often of someone else's action ("We look
  forward to India hosting the next Summit"); even "look forward to working
  together" names no discrete action the speakers undertake. This matches
  the first round (G7 communiqué: "We look forward" is not listed).
- "plans to" / "is planning to" is a unilateral plan of one body, which the
  guidelines count; trigger ``intend`` (soft).
- "stand ready to" is a soft, conditional offer of action by the speakers:
  a commitment with trigger ``other`` (soft).
- "affirm our commitment to" is a commitment made in the text: ``commit``.
- "The next meeting will be hosted by Viet Nam in 2025" is a scheduled event
  (like "will be held"), not an actor's promise.
"""
from __future__ import annotations

import pytest

from test_commitments_generalization import check, commitments_by_fixture, none_contain, one

QUAD = {"AUS", "IND", "JPN", "USA"}


@pytest.fixture(scope="module")
def found():
    return commitments_by_fixture("commitments2_")


def test_all_fixtures_are_read(found):
    assert set(found) == {"quad_leaders", "us_japan_fact_sheet", "asean_chair_summary",
                          "india_meity_release", "korea_white_paper"}


# ------------------------------------------------------------ Quad declaration

def test_quad_commitments(found):
    rows = found["quad_leaders"]
    affirm = one(rows, "We, the Leaders of Australia")
    check(affirm, "commit", item="1", deadline=None)
    assert "affirm our commitment to a free and open Indo-Pacific" in affirm["text"]
    check(one(rows, "We are committed to expanding"), "commit", item="3", deadline="2030")
    check(one(rows, "We will launch a Quad Ports"), "will", item="4")
    ready = one(rows, "We stand ready to support")
    check(ready, "other", item="7")
    assert ready["strength"] == "soft"
    for row in rows:
        assert QUAD <= set(row["actor"]), row


def test_quad_non_commitments(found):
    none_contain(found["quad_leaders"], "look forward", "We call on", "We recognise", "We welcome",
                 "met today", "note the growing")


# --------------------------------------------------------- US-Japan fact sheet

def test_fact_sheet_unilateral_commitments(found):
    rows = found["us_japan_fact_sheet"]
    check(one(rows, "Japan will provide $500 million"), "will", ["JPN"], None, "2027")
    check(one(rows, "The United States intends to host"), "intend", ["USA"], None, "2025")


def test_fact_sheet_facts_are_not_commitments(found):
    none_contain(found["us_japan_fact_sheet"], "have built", "held three rounds", "signed a Framework",
                 "have conducted")


# A lead-in cut after an auxiliary, with no colon: the bullets finish its
# sentence ("are launching ..."), so each is an announced action of its subject.
def test_fact_sheet_bullets_under_a_lead_in_without_colon(found):
    rows = found["us_japan_fact_sheet"]
    for start in ("launching a new", "expanding cooperation on quantum", "strengthening the resilience"):
        row = one(rows, start)
        assert set(row["actor"]) == {"USA", "JPN"}, row
        assert row["trigger"] == "other" and row["item"] is None, row


# ------------------------------------------------------------ chair's summary

def test_chair_summary_ministers_agree_and_task(found):
    rows = found["asean_chair_summary"]
    agreed = one(rows, "Ministers agreed to launch negotiations")
    check(agreed, "agree", item="3", deadline="2025")
    assert "ASEAN" in agreed["actor"], agreed
    check(one(rows, "Ministers tasked senior officials"), "task", item="5")


def test_chair_summary_discussions_and_schedule_are_not_commitments(found):
    none_contain(found["asean_chair_summary"], "was held in Singapore", "Ministers discussed", "Ministers noted",
                 "Ministers endorsed", "will be hosted by Viet Nam")


# ---------------------------------------------------------- Indian press release

def test_ministry_plans(found):
    rows = found["india_meity_release"]
    check(one(rows, "MeitY will set up 10 centres"), "will", ["MeitY"], None, "2026-03")
    plan = one(rows, "The Government of India plans to train")
    check(plan, "intend", ["IND"], None)
    assert plan["strength"] == "soft"
    check(one(rows, "The Ministry is planning to sign"), "intend", ["MeitY"], None)


def test_press_release_past_actions_are_not_commitments(found):
    none_contain(found["india_meity_release"], "today announced", "launched the IndiaAI", "already been made",
                 "has emerged")


# --------------------------------------------------------- Korean white paper

MOFA = "Ministry of Foreign Affairs"


def test_white_paper_plans_of_the_ministry(found):
    rows = found["korea_white_paper"]
    check(one(rows, "The Ministry plans to expand"), "intend", [MOFA], None, None)
    check(one(rows, "Efforts will be made to increase"), "will", item=None, deadline="2026")
    check(one(rows, "The Ministry also intends to hold"), "intend", [MOFA], None, "2025")


def test_white_paper_achievements_and_expectations_are_not_commitments(found):
    none_contain(found["korea_white_paper"], "has held", "signed science", "It is expected")
