"""Who "we" are: the statement's own parties (title, opening, first sentence
naming states), a grouping as written when the title names it, agencies as
actors, and items whose gerund only labels them (GUIDELINES.md, "commitments").
"""
from __future__ import annotations

from pipelines.run.document import process_file


def _commitments(tmp_path, title: str, body: str):
    path = tmp_path / "doc.md"
    path.write_text(f"---\ntitle: \"{title}\"\ndate: '2023-05-20'\n---\n\n{body}\n", encoding="utf-8")
    return process_file(path, tmp_path).tables["commitments"]


def _one(rows, start):
    found = [r for r in rows if r["text"].startswith(start)]
    assert len(found) == 1, [r["text"] for r in rows]
    return found[0]


def test_a_grouping_in_the_title_speaks_as_itself(tmp_path):
    rows = _commitments(tmp_path, "G7 Leaders' Statement on Food Security",
                        "We have met to deepen our cooperation with Canada, France, Germany, Italy, Japan, "
                        "the United Kingdom and the United States on food security.\n\n"
                        "We will launch a fertilizer resilience initiative by the end of 2023.")
    assert _one(rows, "We will launch")["actor"] == ["G7"]


def test_members_named_as_the_speakers_stay_members(tmp_path):
    rows = _commitments(tmp_path, "G7 Leaders' Statement on Food Security",
                        "We, the Leaders of Canada, France, Germany, Italy, Japan, the United Kingdom and the "
                        "United States, met today in Hiroshima.\n\n"
                        "We will launch a fertilizer resilience initiative by the end of 2023.")
    assert {"CAN", "JPN", "USA"} <= set(_one(rows, "We will launch")["actor"])


def test_parties_from_the_first_sentence_that_names_states(tmp_path):
    rows = _commitments(tmp_path, "Partnership for Decent Work",
                        "Our governments reaffirm the central role that working people play in a fair economy "
                        "and in the green transition of our societies.\n\n"
                        "Last year, Germany and Chile launched the Partnership for Decent Work. Today we welcome "
                        "Kenya as a new partner.\n\n"
                        "We will fight for a world of work free from discrimination.")
    assert set(_one(rows, "We will fight")["actor"]) == {"DEU", "CHL"}


def test_a_run_in_heading_is_not_the_action(tmp_path):
    rows = _commitments(tmp_path, "Joint Statement on the Canada-Philippines Partnership",
                        "Canada and the Philippines issued the following statement on their partnership.\n\n"
                        "- Strengthening Maritime Security: Canada and the Philippines have signed an arrangement "
                        "on coast guard exchanges. Canada intends to provide two patrol vessels in 2024.\n"
                        "- Building on earlier support, the Philippines will host a regional training centre.")
    texts = [r["text"] for r in rows]
    assert not any(t.startswith("Strengthening Maritime Security") for t in texts), texts
    assert _one(rows, "Canada intends to provide")["actor"] == ["CAN"]
    assert not any(t.startswith("Building on earlier support") and "PHL" != r["actor"][0]
                   for r, t in zip(rows, texts) if len(r["actor"]) != 1)


def test_an_agency_by_its_acronym_is_the_actor(tmp_path):
    rows = _commitments(tmp_path, "FACT SHEET: Support for Caribbean Food Security",
                        "The United States is partnering with Caribbean nations to promote food security.\n\n"
                        "This fall, USDA will deploy five advisors to the region.\n\n"
                        "The Administration will continue to work with Caribbean officials on trade barriers.")
    assert _one(rows, "This fall, USDA will deploy")["actor"] == ["USDA"]
    assert _one(rows, "The Administration will continue")["actor"] == ["USA"]


def test_a_thing_that_will_do_something_is_not_a_commitment(tmp_path):
    rows = _commitments(tmp_path, "Joint Statement on the Kenya-Japan Trade Framework",
                        "Kenya and Japan have agreed to a framework to expand bilateral trade.\n\n"
                        "The Agreement will provide exporters of both countries new access to each other's markets. "
                        "This initiative will facilitate training for customs officials. "
                        "The two countries will hold the first review meeting in Nairobi. "
                        "The new cable will be used to connect rural schools.")
    texts = [r["text"] for r in rows]
    assert not any(t.startswith(("The Agreement will", "This initiative will")) for t in texts), texts
    assert set(_one(rows, "The two countries will hold")["actor"]) == {"KEN", "JPN"}
    assert any(t.startswith("The new cable will be used") for t in texts)


def test_the_owner_of_a_reaffirmed_commitment_is_the_actor(tmp_path):
    rows = _commitments(tmp_path, "Readout of the Prime Minister's Meeting with President Sánchez of Spain",
                        "Prime Minister Trudeau of Canada met President Sánchez of Spain today in Madrid.\n\n"
                        "The Prime Minister reaffirmed Canada's commitment to increase its contribution to NATO "
                        "missions in Latvia. The leaders agreed to hold a bilateral energy dialogue next year.")
    assert _one(rows, "The Prime Minister reaffirmed")["actor"] == ["CAN"]


def test_a_named_instrument_that_will_act_is_a_thing_but_a_body_is_an_actor(tmp_path):
    rows = _commitments(tmp_path, "Joint Statement on the Kenya-Japan Economic Partnership",
                        "Kenya and Japan issued the following joint statement.\n\n"
                        "The Agreement on Trade in Goods and Services will build upon our longstanding relationship. "
                        "The Kenya-Japan Economic Partnership Council will meet twice a year.")
    texts = [r["text"] for r in rows]
    assert not any(t.startswith("The Agreement on Trade") for t in texts), texts
    assert any(t.startswith("The Kenya-Japan Economic Partnership Council will meet") for t in texts), texts
