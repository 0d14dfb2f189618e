"""The entity layer on a second round of unseen documents (tests/fixtures/unseen/entities2_*.txt):
a State Department readout, an MEA joint statement, an MSIT press release, an ASEAN
chair's statement and a Franco-German release. Must-find and must-not-find only."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractors.entities import document_parties
from test_entities_generalization import FIXTURES, countries, load, nlp, orgs, persons  # noqa: F401  (nlp is a fixture)

ALL = sorted(p.name for p in FIXTURES.glob("entities2_*.txt"))


@pytest.mark.parametrize("name", ALL)
def test_offsets_and_no_junk(nlp, name):
    doc, found = load(nlp, name)
    text = doc._.input.text
    for row in found:
        assert text[row["start_char"]:row["end_char"]] == row["text"]
    # Countries are ISO3 codes; a demonym or an honorific never opens a person's name.
    assert all(len(c) == 3 and c.isupper() for c in countries(found))
    for person in persons(found):
        assert person.split()[0] not in {"Japanese", "Indian", "French", "Shri", "Smt", "Dr", "Delegate"}, person
        assert "'s" not in person and "’s" not in person
    assert not any(n in {"Joint Statement", "Press Release", "Readout"} for n in orgs(found))


def test_us_state_readout(nlp):
    doc, found = load(nlp, "entities2_us_state_readout.txt")
    assert {"USA", "IND", "RUS", "UKR"} <= countries(found)
    people = persons(found)
    # "Secretary Blinken's Meeting" in the title is Blinken, not a person "Blinken's Meeting".
    assert not any("Meeting" in p for p in people)
    assert people["Antony J. Blinken"][0] == "Secretary of State"
    assert people["S. Jaishankar"] == ("External Affairs Minister", "IND")
    assert people["Don Graves"][0] == "Deputy Secretary of Commerce" or people["Don Graves"][0] == "Secretary of Commerce"
    found_orgs = orgs(found)
    assert found_orgs["U.S. Agency for International Development"] == ("USAID", "USA")
    assert found_orgs["National Science Foundation"][0] == "NSF"
    assert found_orgs["G20"][1] is None and found_orgs["African Union"][1] is None
    # Parties are a set (gold compares them so): "Indian External Affairs Minister" names India first.
    assert set(document_parties(doc)["countries"][:2]) == {"USA", "IND"}


def test_india_mea_joint_statement(nlp):
    doc, found = load(nlp, "entities2_india_mea_joint.txt")
    assert {"IND", "JPN"} == countries(found)
    people = persons(found)
    # "Shri" is an honorific; the appositive portfolio names the other side's ministry.
    assert people["Ashwini Vaishnaw"] == ("Minister of Electronics and Information Technology", "IND")
    assert people["Nishimura Yasutoshi"] == ("Minister of Economy, Trade and Industry", "JPN")
    assert "Japanese" not in people
    found_orgs = orgs(found)
    assert found_orgs["Ministry of Electronics and Information Technology"] == ("MeitY", "IND")
    assert found_orgs["Ministry of Economy, Trade and Industry"] == ("METI", "JPN")
    assert found_orgs["Department of Science and Technology"] == ("DST", "IND")
    assert found_orgs["Japan External Trade Organization"] == ("JETRO", "JPN")
    assert found_orgs["Centre for Development of Advanced Computing"][0] == "C-DAC"
    assert found_orgs["World Trade Organization"][1] is None
    assert document_parties(doc)["countries"][:2] == ["IND", "JPN"]


def test_korea_msit_release(nlp):
    doc, found = load(nlp, "entities2_korea_msit_release.txt")
    assert {"KOR", "SGP", "GBR"} <= countries(found)
    people = persons(found)
    assert people["Lee Jong-ho"] == ("Minister of Science and ICT", "KOR")
    assert people["Josephine Teo"] == ("Minister for Communications and Information", "SGP")
    assert people["Park Yun-kyu"][0] == "Vice Minister"
    found_orgs = orgs(found)
    # No "(MSIT)" in the document: no acronym.
    assert found_orgs["Ministry of Science and ICT"] == (None, "KOR")
    assert found_orgs["National IT Industry Promotion Agency"][0] == "NIPA"
    assert found_orgs["Infocomm Media Development Authority"] == ("IMDA", "SGP")
    assert found_orgs["Electronics and Telecommunications Research Institute"][0] == "ETRI"
    assert found_orgs["Korea Communications Commission"] == (None, "KOR")
    assert found_orgs["Association of Southeast Asian Nations"][1] is None
    assert not any("Summit" in n for n in found_orgs)
    assert document_parties(doc)["countries"][:2] == ["KOR", "SGP"]


def test_asean_chair_statement(nlp):
    doc, found = load(nlp, "entities2_asean_chair.txt")
    members = {"BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"}
    assert members | {"TLS", "CHN", "JPN", "KOR", "IND", "USA"} <= countries(found)
    people = persons(found)
    assert people["Josephine Teo"] == ("Minister for Communications and Information of Singapore", "SGP")
    # An ASEAN official has no home country.
    assert people["Kao Kim Hourn"] == ("Secretary-General of ASEAN", None)
    found_orgs = orgs(found)
    assert found_orgs["ASEAN Secretariat"][1] is None
    assert found_orgs["Association of Southeast Asian Nations"] == ("ASEAN", None)
    # A ministerial meeting with its own acronym is a standing body, even numbered ("the 4th ...").
    assert found_orgs["ASEAN Digital Ministers' Meeting"] == ("ADGMIN", None)
    assert found_orgs["ASEAN Telecommunication Regulators' Council"] == ("ATRC", None)
    assert found_orgs["International Telecommunication Union"][1] is None
    assert "European Union" in found_orgs
    assert not {"EU", "ASEAN"} & countries(found)


def test_france_germany_release(nlp):
    doc, found = load(nlp, "entities2_france_germany_release.txt")
    assert {"FRA", "DEU"} <= countries(found)
    people = persons(found)
    assert "Delegate Barrot" not in people
    assert people["Jean-Noël Barrot"][0] == "Minister Delegate for Digital Affairs"
    assert "Robert Habeck" in people and "Dr" not in people
    found_orgs = orgs(found)
    assert found_orgs["Federal Ministry for Economic Affairs and Climate Action"] == ("BMWK", "DEU")
    assert found_orgs["German Aerospace Center"] == ("DLR", "DEU")
    assert found_orgs["Federal Ministry of Education and Research"][0] == "BMBF"
    assert found_orgs["European Union"][1] is None
    assert set(document_parties(doc)["countries"][:2]) == {"FRA", "DEU"}
