"""Agreements named by a document's metadata title, and statuses from the verbs
around a mention (GUIDELINES.md, "agreements": a document that is itself an
instrument is listed, named by its title; a fact sheet or readout is not).

The texts are written the way web pages arrive: the title only in the front
matter, never in the clean text.
"""
from __future__ import annotations

import pytest

from pipelines.run.document import process_file


def _tables(tmp_path, name: str, title: str, body: str, date: str = "2024-09-10"):
    path = tmp_path / name
    path.write_text(f"---\ntitle: \"{title}\"\ndate: '{date}'\n---\n\n{body}\n", encoding="utf-8")
    return process_file(path, tmp_path).tables


def _records(rows):
    by_id = {}
    for row in rows:
        by_id.setdefault(row["agreement_id"], []).append(row)
    return by_id


AU_IN = """Australia and India reaffirmed their shared vision of an open, stable and prosperous Indo-Pacific.

The two countries have finalized a Maritime Security Framework that sets out regular exchanges between their navies.

Australia and India will work to finalize the Agreement on Critical Minerals Investment by the end of the year.

Both sides welcomed the entry into force of the Australia-India Economic Cooperation and Trade Agreement. Either side may terminate the Memorandum of Understanding at any time by written notice.

They also reaffirmed their commitment to the Artemis Accords and to the principles of the United Nations Charter.
"""


@pytest.fixture(scope="module")
def au_in(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("au_in")
    return _tables(tmp, "au-in.md", "Joint Statement on the Australia-India Comprehensive Strategic Partnership",
                   AU_IN)["agreement_mentions"]


def test_the_statement_itself_is_listed_by_its_title(au_in):
    own = [r for r in au_in if r["type"] == "joint_statement"]
    assert len(own) == 1
    row = own[0]
    assert row["name"] == "Joint Statement on the Australia-India Comprehensive Strategic Partnership"
    assert row["status"] == "adopted" and row["date"] == "2024-09-10"
    assert set(row["parties"]) == {"AUS", "IND"}
    assert (row["start_char"], row["end_char"], row["text"]) == (0, 0, "")  # named by metadata only


def test_an_instrument_named_only_in_the_title_is_listed(au_in):
    partnership = [r for r in au_in if r["type"] == "partnership"]
    assert [r["name"] for r in partnership] == ["Australia-India Comprehensive Strategic Partnership"]
    assert partnership[0]["status"] == "referenced"
    assert set(partnership[0]["parties"]) == {"AUS", "IND"}


def test_statuses_follow_the_verbs(au_in):
    by_name = {r["name"]: r for r in au_in}
    framework = by_name["Maritime Security Framework"]
    assert framework["status"] == "signed"  # "have finalized"
    assert set(framework["parties"]) == {"AUS", "IND"}  # "a ... Framework" the subject makes
    statuses = {r["status"] for r in au_in if r["name"].startswith("Agreement on Critical Minerals")}
    assert "under_negotiation" in statuses and "in_force" not in statuses  # "will work to finalize"


def test_named_instruments_and_no_fragments(au_in):
    names = {r["name"] for r in au_in}
    assert "Artemis Accords" in names
    assert not any("at any time" in n for n in names)


def test_a_readout_is_not_an_instrument(tmp_path):
    rows = _tables(tmp_path, "readout.md", "Readout of the Prime Minister's Meeting with President Lula of Brazil",
                   "The Prime Minister of Canada met President Lula of Brazil today. The leaders discussed "
                   "the Canada-Brazil Energy Partnership and agreed to deepen cooperation.")["agreement_mentions"]
    assert not any(r["type"] == "joint_statement" for r in rows)
    assert [r["name"] for r in rows] == ["Canada-Brazil Energy Partnership"]


def test_a_partnership_a_new_party_joins_stays_one_record(tmp_path):
    body = ("Last year, Germany and Chile launched the Alliance for Green Hydrogen Skills Partnership to train workers.\n\n"
            "Today Germany, Chile and Kenya welcome new members to the Alliance for Green Hydrogen Skills Partnership.")
    rows = _tables(tmp_path, "h2.md", "Green Hydrogen Skills", body)["agreement_mentions"]
    assert len({r["agreement_id"] for r in rows if r["type"] == "partnership"}) == 1
    assert "launched" in {r["status"] for r in rows}


def test_a_bodys_own_treaty_has_no_default_parties_and_is_in_force(au_in):
    charter = [r for r in au_in if r["name"] == "United Nations Charter"]
    assert charter and charter[0]["parties"] == [] and charter[0]["status"] == "in_force"


def test_a_grouping_that_owns_a_communique_is_its_party(tmp_path):
    body = ("Norway and Poland reaffirmed their commitment to collective defence.\n\n"
            "As the Allies agreed in the 2023 NATO Summit Communique, both countries will raise defence spending.")
    rows = _tables(tmp_path, "no-pl.md", "Joint Statement by Norway and Poland", body)["agreement_mentions"]
    communique = [r for r in rows if "Communique" in r["name"]]
    assert communique and communique[0]["parties"] == ["NATO"]


def test_compacts_and_terms_of_reference_are_instruments(tmp_path):
    body = ("Ghana and the United States concluded negotiations on the Ghana Power Millennium Challenge "
            "Corporation (MCC) Compact. The MCC Compact is expected to be signed next year.\n\n"
            "The two ministries adopted the Terms of Reference of the Joint Working Group on Digital Trade.")
    rows = _tables(tmp_path, "gh.md", "Ghana and United States Advance Energy Cooperation", body)["agreement_mentions"]
    compacts = {r["agreement_id"] for r in rows if "Compact" in r["name"]}
    assert len(compacts) == 1  # "MCC Compact" is the same instrument
    assert "to_be_signed" in {r["status"] for r in rows if "Compact" in r["name"]}
    terms = [r for r in rows if r["name"].startswith("Terms of Reference")]
    assert terms and terms[0]["type"] == "framework" and terms[0]["status"] == "adopted"
