"""The entity layer on inline snippets of the genre and on the seed documents."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.document import DocumentInput
from extractors.entities import document_parties, resolve_actors
from extractors.entities.component import rows
from extractors.pipeline import build_nlp, make_doc
from helpers.paths import SEEDS, gold_files, needs_gold



@pytest.fixture(scope="module")
def nlp():
    return build_nlp(("accords_sentences", "accords_entities"))


def entities(nlp, text, title=None):
    doc = make_doc(DocumentInput(doc_id="t", text=text, title=title), nlp)
    return doc, rows(doc)


def by_label(found, label, field="canonical"):
    return [r[field] for r in found if r["label"] == label]


# ----------------------------------------------------------------------------- countries

@pytest.mark.parametrize("text, codes", [
    ("Japan and the Republic of Singapore", ["JPN", "SGP"]),
    ("the U.K. and the United Kingdom and the UK", ["GBR", "GBR", "GBR"]),
    ("the U.S. and the United States of America", ["USA", "USA"]),
    ("Viet Nam and Vietnam and the Republic of Korea", ["VNM", "VNM", "KOR"]),
    ("the Democratic Republic of Congo and the UAE", ["COD", "ARE"]),
    ("the U.S.-Japan Dialogue", ["USA", "JPN"]),
    ("Japan-the U.S.-Australia-India summit", ["JPN", "USA", "AUS", "IND"]),
    ("the Japan-EU ICT Policy Dialogue", ["JPN"]),
    ("BETWEEN JAPAN AND THE REPUBLIC OF SINGAPORE", ["JPN", "SGP"]),
    ("the Japanese side and the German government", ["JPN", "DEU"]),
    # Adjectives and peoples name their country too (dev2 gold: "Indonesian",
    # "Brazilian", "Liberians"; "Cubans, Haitians, ... these countries").
    ("Japanese companies and Brazilian workers", ["JPN", "BRA"]),
    ("parole for Cubans, Haitians, Nicaraguans, and Venezuelans", ["CUB", "HTI", "NIC", "VEN"]),
    ("the border of Cote d’Ivoire and the People’s Republic of China", ["CIV", "CHN"]),
])
def test_countries_found_with_iso3(nlp, text, codes):
    _, found = entities(nlp, text)
    assert by_label(found, "COUNTRY") == codes


@pytest.mark.parametrize("text", [
    "Michael Jordan met Chad Smith.",
    "Georgia Tech and New Mexico State",
    "the Indian Ocean and the Korean Peninsula",
    "cooperation in Central and South America",
    "migrants from Central Americans and Latin American partners",
    "peace and stability across the Taiwan Strait and in the East and South China Seas",
    "the Inter-American Development Bank",
])
def test_names_that_are_not_countries(nlp, text):
    _, found = entities(nlp, text)
    assert by_label(found, "COUNTRY") == []


def test_country_offsets_are_exact_inside_compounds(nlp):
    text = "the U.S.-Japan Competitiveness and Resilience (CoRe) Partnership"
    _, found = entities(nlp, text)
    for row in found:
        assert text[row["start_char"]:row["end_char"]] == row["text"]
    assert [r["text"] for r in found if r["label"] == "COUNTRY"] == ["U.S.", "Japan"]


# ----------------------------------------------------------------------------- organizations

def orgs(found):
    return {r["canonical"]: (r["acronym"], r["country"]) for r in found if r["label"] == "ORG"}


def test_defined_acronym_is_learned_for_later_bare_mentions(nlp):
    text = ("The Ministry of Internal Affairs and Communications (MIC) and the Department of "
            "Telecommunications met. Later the MIC said it would continue.")
    _, found = entities(nlp, text)
    mic = [r for r in found if r["label"] == "ORG" and r["text"] == "MIC"]
    assert mic and all(r["canonical"] == "Ministry of Internal Affairs and Communications" for r in mic)
    assert orgs(found)["Ministry of Internal Affairs and Communications"] == ("MIC", "JPN")


def test_possessive_and_trailing_country_give_the_owner(nlp):
    text = ("renewing the MOC between Japan's Ministry of Land, Infrastructure, Transport and Tourism "
            "and Singapore's Cyber Security Agency (CSA), and the Personal Data Protection Commission Singapore.")
    _, found = entities(nlp, text)
    found_orgs = orgs(found)
    assert found_orgs["Ministry of Land, Infrastructure, Transport and Tourism"][1] == "JPN"
    assert found_orgs["Cyber Security Agency"] == ("CSA", "SGP")
    assert found_orgs["Personal Data Protection Commission"][1] == "SGP"


def test_unseen_ministries_keep_their_country(nlp):
    text = ("In 2024 a MoC was signed with the Ministry of Communications and Digital Technologies of "
            "South Africa and with Brazil's Ministry of Science, Technology and Innovation.")
    _, found = entities(nlp, text)
    found_orgs = orgs(found)
    assert found_orgs["Ministry of Communications and Digital Technologies of South Africa"][1] == "ZAF"
    assert found_orgs["Ministry of Science, Technology and Innovation"][1] == "BRA"


def test_blocs_and_fora_by_registry(nlp):
    text = "The two sides will work in the G7, the G20, the Quad, APEC, the OECD, the WTO, the ITU and the UN."
    _, found = entities(nlp, text)
    names = set(orgs(found))
    assert {"G7", "G20", "Quad", "World Trade Organization", "International Telecommunication Union",
            "United Nations"} <= names
    assert "Asia-Pacific Economic Cooperation" in names


def test_dialogues_and_generic_phrases_are_not_organizations(nlp):
    text = ("The Japan-UK Digital Group met at the 27th Japan-EU ICT Policy Dialogue, "
            "and the Public Sector was discussed.")
    doc, found = entities(nlp, text)
    assert not any("Dialogue" in n or "Digital Group" in n or n == "Public Sector" for n in orgs(found))
    events = [r for r in found if r["label"] == "EVENT"]
    assert any(r["canonical"] == "Japan-EU ICT Policy Dialogue" and r["text"].startswith("27th") for r in events)


# ----------------------------------------------------------------------------- persons

def persons(found):
    return {r["canonical"]: (r["title"], r["country"]) for r in found if r["label"] == "PERSON"}


def test_honorific_name_and_appositive_title(nlp):
    text = ("The meeting brought together Mr. Koga Yuichiro, State Minister of Economy, Trade and Industry "
            "of METI, and H.E. Ms. Margaret Beryl Jones, Parliamentary Under-Secretary of State at the "
            "Department for Science, Innovation and Technology, as a representative of the United Kingdom.")
    _, found = entities(nlp, text)
    people = persons(found)
    assert people["Koga Yuichiro"] == ("State Minister of Economy, Trade and Industry", "JPN")
    assert people["Margaret Beryl Jones"][1] == "GBR"
    assert people["Margaret Beryl Jones"][0].startswith("Parliamentary Under-Secretary of State")


def test_title_then_name_forms(nlp):
    text = ("Prime Minister of Japan Her Excellency Takaichi Sanae welcomed President Joseph R. Biden, Jr. "
            "Prime Minister Modi of India spoke. Mr. ONOE Seizo from Japan was elected. "
            "Minister of Internal Affairs and Communications Suzuki introduced the plan.")
    _, found = entities(nlp, text)
    people = persons(found)
    assert people["Takaichi Sanae"] == ("Prime Minister of Japan", "JPN")
    assert "Joseph R. Biden, Jr." in people
    assert people["Modi"] == ("Prime Minister of India", "IND")
    assert people["ONOE Seizo"][1] == "JPN"
    assert people["Suzuki"] == ("Minister of Internal Affairs and Communications", "JPN")


def test_no_person_from_titles_without_names(nlp):
    text = ("The Minister of Internal Affairs and Communications, where the Foreign Ministers will oversee "
            "progress, attended the Prime Minister's Office event.")
    _, found = entities(nlp, text)
    assert persons(found) == {}


# ----------------------------------------------------------------------------- topics, instruments

def test_topics_and_instruments(nlp):
    text = ("The ministries signed a memorandum of cooperation on Beyond 5G/6G, submarine cables, "
            "Open RAN and artificial intelligence, and the Japan-UK Digital Partnership.")
    _, found = entities(nlp, text)
    topics = set(by_label(found, "TOPIC"))
    assert {"Beyond 5G/6G", "submarine cables", "Open RAN", "AI"} <= topics
    instruments = by_label(found, "INSTRUMENT")
    assert "memorandum" in instruments and "partnership" in instruments


# ----------------------------------------------------------------------------- actors API

def test_resolve_actors_and_document_parties(nlp):
    text = ("Joint Statement between the Ministry of Internal Affairs and Communications of Japan and the "
            "Ministry of Communications and Information of the Republic of Singapore on ICT cooperation.\n\n"
            "1. Japan and the EU decided to promote cooperation. The MIC and MCI will hold a dialogue.")
    doc, _ = entities(nlp, text)
    start = text.index("1. Japan")
    assert resolve_actors(doc, start, start + len("1. Japan and the EU decided")) == ["JPN", "EU"]
    later = text.index("The MIC")
    assert resolve_actors(doc, later, len(text)) == ["MIC", "MCI"]
    parties = document_parties(doc)
    assert parties["countries"][:2] == ["JPN", "SGP"]
    assert parties["bodies"][:2] == ["MIC", "MCI"]


# ----------------------------------------------------------------------------- seed documents

def seed_rows(nlp, name):
    from pipelines.readers import read_document

    read = read_document(SEEDS / name)
    doc = make_doc(DocumentInput(doc_id=name, text=read.text, title=read.title, blocks=read.blocks), nlp)
    return doc, rows(doc)


@needs_gold
@pytest.mark.parametrize("gold_file", gold_files(), ids=lambda p: p.name[:3])
def test_seed_countries_and_persons_match_gold(nlp, gold_file):
    gold = json.loads(gold_file.read_text())
    doc, found = seed_rows(nlp, gold["doc"])
    assert set(by_label(found, "COUNTRY")) == set(gold["entities"]["countries"])
    names = set(by_label(found, "PERSON"))
    assert {p["name"] for p in gold["entities"]["persons"]} == names
    for row in found:
        assert doc.text[row["start_char"]:row["end_char"]] == row["text"]
        assert row["label"] in ("PERSON", "COUNTRY", "ORG", "EVENT", "INSTRUMENT", "TOPIC")


def test_seed_organizations_must_find_and_must_not_find(nlp):
    _, found = seed_rows(nlp, "001_76a678dfb25e4daa.txt")
    found_orgs = orgs(found)
    for name, country in [("Japan Aerospace Exploration Agency", "JPN"), ("National Space Agency of Singapore", "SGP"),
                          ("Monetary Authority of Singapore", "SGP"), ("Financial Services Agency", "JPN"),
                          ("Ministry of Foreign Affairs", "SGP"), ("Enterprise Singapore", "SGP"),
                          ("Ministry of Sustainability and the Environment", "SGP")]:
        assert found_orgs[name][1] == country, name
    assert found_orgs["Cyber Security Agency"][0] == "CSA"
    assert not any(n.startswith(("Japan-Singapore", "Raffles", "ASEAN Power")) for n in found_orgs)

    _, found = seed_rows(nlp, "003_f360f445ec3af9bb.txt")
    found_orgs = orgs(found)
    assert found_orgs["Fund Corporation for the Overseas Development of Japan's ICT and Postal Services"] == ("JICT", "JPN")
    assert found_orgs["Ministry of Communications and Information Technology of Egypt"][1] == "EGY"
    assert "Ministry of Internal Affairs and Communications Overseas Promotion Action Plan 2025" not in found_orgs
    assert found_orgs["Telecommunications and Information Working Group"][0] == "TEL"


# ----------------------------------------------------------------------------- fast paths

def test_fast_paths_agree_with_span_by_span_reading(nlp):
    """rows() reads the component's records and actor_spans() a sorted index; both
    must say what reading every span (and comparing every pair) says."""
    import random
    from collections import Counter

    from extractors import spans as keys
    from extractors.entities.actors import actor_spans

    def rows_from_spans(group):
        out = [{
            "label": span.label_, "text": span.text, "canonical": span._.canonical,
            "acronym": span._.acronym, "country": span._.country, "title": span._.title,
            "start_char": span.start_char, "end_char": span.end_char,
            "rule": span._.rule or "accords_entities",
        } for span in group]
        return sorted(out, key=lambda r: (r["start_char"], r["end_char"], r["label"]))

    doc, found = seed_rows(nlp, "003_f360f445ec3af9bb.txt")
    # spaCy keys a span's extension values by its offsets alone, so two spans on
    # the same characters ("ASEAN Digital Ministers' Meeting", an ORG and an
    # EVENT) read the same values; the rows keep each mention's own.
    offsets = Counter((s.start_char, s.end_char) for s in doc.spans[keys.ENTITIES])
    alone = [s for s in doc.spans[keys.ENTITIES] if offsets[(s.start_char, s.end_char)] == 1]
    assert len(alone) > 300
    assert [r for r in found if offsets[(r["start_char"], r["end_char"])] == 1] == rows_from_spans(alone)
    shared = {(r["start_char"], r["label"]): r for r in found if offsets[(r["start_char"], r["end_char"])] > 1}
    assert shared, "the seed has an ORG and an EVENT on the same characters"
    meeting = [r for (start, label), r in shared.items() if label == "EVENT" and "Meeting" in r["text"]]
    assert meeting and all(r["rule"] == "event_name" and r["acronym"] is None for r in meeting)
    text = doc._.input.text
    ents = [s for s in doc.spans[keys.ENTITIES] if s.label_ in ("COUNTRY", "ORG")]

    def reference(start, end, qualifiers):
        inside = [s for s in ents if start <= s.start_char and s.end_char <= end]
        orgs_ = [s for s in inside if s.label_ == "ORG"]
        kept = []
        for s in inside:
            if s.label_ == "ORG":
                if any(o is not s and o.start_char <= s.start_char and s.end_char <= o.end_char
                       and len(o.text) > len(s.text) for o in orgs_):
                    continue
            elif not qualifiers and any(
                    (o.start_char <= s.start_char and s.end_char <= o.end_char)
                    or (0 <= o.start_char - s.end_char <= 3 and text[s.end_char:o.start_char].strip() in {"'s", "’s"})
                    for o in orgs_):
                continue
            kept.append(s)
        return [(s.start_char, s.end_char, s.label_) for s in sorted(kept, key=lambda s: (s.start_char, s.end_char))]

    rng = random.Random(7)
    for _ in range(60):
        start = rng.randrange(len(text))
        end = start + rng.randrange(4000)
        for qualifiers in (True, False):
            got = [(s.start_char, s.end_char, s.label_) for s in actor_spans(doc, start, end, qualifiers)]
            assert got == reference(start, end, qualifiers)
