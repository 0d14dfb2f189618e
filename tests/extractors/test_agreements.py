"""The agreements extractor: instrument mentions, names, statuses, parties, ids,
and the corpus consolidation.  Offline and fast: inline snippets run the whole
spaCy pipeline on a few sentences; the seed documents run through the reader."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from extractors.agreements.consolidate import build_agreements
from extractors.agreements.mentions import find_mentions
from extractors.document import DocumentInput
from extractors.pipeline import default_nlp, make_doc
from helpers.paths import GOLD_SEEDS, needs_gold
from helpers.paths import SEEDS as RAW
from pipelines.tables.schema import AGREEMENT_STATUSES, AGREEMENT_TYPES, TABLES



def mention_rows(text: str, **meta) -> list[dict]:
    from extractors.agreements.component import rows

    doc = make_doc(DocumentInput(doc_id="t", text=text, **meta), default_nlp())
    return rows(doc)


def records(rows: list[dict]) -> dict[str, dict]:
    """One record per agreement_id: name, parties and the first stated status."""
    found: dict[str, dict] = {}
    for row in rows:
        record = found.setdefault(row["agreement_id"], {**row, "statuses": []})
        record["statuses"].append(row["status"])
    for record in found.values():
        record["status"] = next((s for s in record["statuses"] if s != "referenced"), "referenced")
    return found


def by_name(rows: list[dict], fragment: str) -> dict:
    matches = [r for r in records(rows).values() if fragment.lower() in r["name"].lower()]
    assert matches, f"no agreement named like {fragment!r} in {[r['name'] for r in records(rows).values()]}"
    return matches[0]


# ---------------------------------------------------------------- names (no entity layer needed)

def names(text: str) -> list[str]:
    return [m.name for m in find_mentions(text)]


def test_full_name_with_complement_and_participle():
    text = ("Deepening collaboration on quantum through the implementation of the MOC on Quantum Science, "
            "Technology and Innovation signed between Japan's Cabinet Office and Singapore's Ministry of "
            "Digital Development and Information in January 2026.")
    assert names(text) == ["MOC on Quantum Science, Technology and Innovation signed between Japan's Cabinet "
                           "Office and Singapore's Ministry of Digital Development and Information"]


def test_list_of_agreements_are_separate_names():
    text = ("We will ensure the full and effective implementation of the ASEAN-Japan Comprehensive Economic "
            "Partnership (AJCEP) Agreement, Regional Comprehensive Economic Partnership (RCEP) Agreement, and "
            "Comprehensive and Progressive Agreement for Trans-Pacific Partnership (CPTPP), to deepen integration.")
    assert names(text) == [
        "ASEAN-Japan Comprehensive Economic Partnership (AJCEP) Agreement",
        "Regional Comprehensive Economic Partnership (RCEP) Agreement",
        "Comprehensive and Progressive Agreement for Trans-Pacific Partnership (CPTPP)",
    ]


def test_unnamed_lowercase_memorandum_keeps_its_topic():
    text = ("With the Philippines, a memorandum of cooperation regarding ICT cooperation, including the "
            "construction of Open RAN, was signed in February 2023.")
    assert names(text) == ["memorandum of cooperation regarding ICT cooperation"]


def test_not_instruments():
    text = ("Japan and Singapore enjoy a longstanding and enduring partnership. We will leverage bilateral "
            "and multilateral frameworks and the Japan-EU ICT Policy Dialogue. Japan is concluding Economic "
            "Partnership Agreements (EPAs) and Free Trade Agreements (FTAs).")
    found = find_mentions(text)
    assert all(m.plural for m in found)  # only the generic plurals, which records drop
    assert not any("partnership." in m.name.lower() or "Dialogue" in m.name for m in found)


def test_nested_partnership_in_a_joint_statement_title():
    text = "JOINT STATEMENT ON THE ESTABLISHMENT OF A STRATEGIC PARTNERSHIP BETWEEN JAPAN AND THE REPUBLIC OF SINGAPORE"
    assert names(text) == [text, "STRATEGIC PARTNERSHIP BETWEEN JAPAN AND THE REPUBLIC OF SINGAPORE"]


# ---------------------------------------------------------------- statuses, parties, resolution

def test_statuses_from_cues():
    rows = mention_rows(
        "We will strengthen trade by renewing the Memorandum of Cooperation (MOC) between Enterprise Singapore "
        "and Japan External Trade Organisation.\n\n"
        "Cooperating in protection of personal information, as enhanced by the MOC to be signed in 2026 between "
        "the Personal Information Protection Commission Japan and Personal Data Protection Commission Singapore.\n\n"
        "Additionally, negotiations for the Japan-China-the Republic of Korea Free Trade Agreement are ongoing.\n\n"
        "In May 2022, the Japan-EU Digital Partnership was established between Japan and the EU.\n\n"
        "In April 2022, Japan, the U.S., Australia, Canada, the EU, and the UK launched the "
        "\u201cDeclaration for the Future of the Internet.\u201d",
        published_date="2024",
    )
    assert by_name(rows, "Enterprise Singapore")["status"] == "to_be_renewed"
    to_be_signed = by_name(rows, "to be signed in 2026")
    assert to_be_signed["status"] == "to_be_signed" and to_be_signed["date"] == "2026"
    assert by_name(rows, "Free Trade Agreement")["status"] == "under_negotiation"
    partnership = by_name(rows, "Japan-EU Digital Partnership")
    assert partnership["status"] == "established" and partnership["date"] == "2022-05"
    declaration = by_name(rows, "Future of the Internet")
    assert declaration["status"] == "launched"
    assert set(declaration["parties"]) == {"JPN", "USA", "AUS", "CAN", "EU", "GBR"}


def test_parties_from_context_and_document():
    rows = mention_rows(
        "With Indonesia, a memorandum of cooperation in the field of information and communication technology "
        "was signed in October 2023, adding Open RAN as a new area of cooperation.",
        title="Section 8 Promotion of international strategies for ICT by Japan", published_date="2024",
    )
    record = by_name(rows, "information and communication technology")
    assert "IDN" in record["parties"] and record["status"] == "signed" and record["date"] == "2023-10"


def test_references_resolve_inside_the_document():
    rows = mention_rows(
        "1. The ministries, referring to the Memorandum of Cooperation between the Ministry of Internal Affairs "
        "and Communications of Japan and the Ministry of Communications and Information of the Republic of "
        "Singapore to Promote Cooperation in the Field of Information and Communications Technology, signed on "
        "2nd July 2021, decided to further promote the cooperative relationships based on the Memorandum of "
        "Cooperation.",
        published_date="2022-07-13",
    )
    found = records(rows)
    assert len(rows) == 2 and len(found) == 1
    record = next(iter(found.values()))
    assert record["status"] == "signed" and set(record["parties"]) == {"JPN", "SGP"}


def test_bare_reference_with_other_holders_is_a_new_instrument():
    rows = mention_rows(
        "9.7. Harmonising cybersecurity standards through the establishment of a MOC on mutual recognition of "
        "Internet-of-Things cybersecurity schemes between CSA and METI.\n\n"
        "9.8. Cooperating in digital government through exchanges and knowledge sharing between the Digital "
        "Agency of Japan and GovTech Singapore, including exploring the renewal of the MOC.",
        doc_type="joint_statement", published_date="2026-03-18",
    )
    assert by_name(rows, "mutual recognition")["status"] == "to_be_signed"
    renewed = by_name(rows, "GovTech")
    assert renewed["name"] == "MOC between the Digital Agency of Japan and GovTech Singapore"
    assert renewed["status"] == "to_be_renewed"


def test_plural_memoranda_with_listed_countries_are_one_per_country():
    rows = mention_rows(
        "The Ministry of Internal Affairs and Communications of Japan works with ombudsmen abroad.\n\n"
        "We have signed memorandums of cooperation on administrative complaint resolution with four countries: "
        "Vietnam, Uzbekistan, Iran, and Thailand.",
        published_date="2024",
    )
    found = records(rows)
    assert {p for r in found.values() for p in r["parties"]} >= {"VNM", "UZB", "IRN", "THA"}
    assert len(found) == 4 and all(r["status"] == "signed" for r in found.values())
    assert all("JPN" in r["parties"] and len(r["parties"]) == 2 for r in found.values())
    assert all(r["text"] in (
        "memorandums of cooperation on administrative complaint resolution with four countries: Vietnam"
        ", Uzbekistan, Iran, and Thailand")[:len(r["text"])] for r in rows)


def test_joint_statement_document_is_an_instrument():
    text = ("JOINT STATEMENT ON THE ESTABLISHMENT OF A STRATEGIC PARTNERSHIP BETWEEN JAPAN AND THE REPUBLIC OF "
            "SINGAPORE\n\n1 Prime Minister of Japan and Prime Minister of Singapore announced the establishment of a "
            "Strategic Partnership between Japan and Singapore on 18 March 2026.\n\n15 We task our Ministers to "
            "implement the Japan-Singapore Strategic Partnership. The Partnership will be regularly reviewed.")
    rows = mention_rows(text, title=text.split("\n")[0], doc_type="joint_statement", published_date="2026-03-18")
    found = records(rows)
    assert len(found) == 2
    statement = by_name(rows, "JOINT STATEMENT")
    assert statement["type"] == "joint_statement" and statement["status"] == "adopted"
    assert statement["date"] == "2026-03-18"
    partnership = next(r for r in found.values() if r["type"] == "partnership")
    assert partnership["status"] == "established" and set(partnership["parties"]) == {"JPN", "SGP"}
    assert len(partnership["statuses"]) == 4  # title, para 1, "Japan-Singapore ...", "The Partnership"


def test_rows_match_the_schema_and_offsets():
    text = ("Japan has signed a memorandum of cooperation with the European Commission for the establishment of "
            "safe, resilient, and sustainable global submarine cable connectivity.")
    rows = mention_rows(text, published_date="2024")
    columns = [c for c in TABLES["agreement_mentions"].column_names if c != "doc_id"]
    assert rows and all(sorted(r) == sorted(columns) for r in rows)
    for r in rows:
        assert text[r["start_char"]:r["end_char"]] == r["text"]
        assert r["type"] in AGREEMENT_TYPES and r["status"] in AGREEMENT_STATUSES
    assert by_name(rows, "submarine cable")["parties"] and "EU" in by_name(rows, "submarine cable")["parties"]


def test_agreement_id_is_stable_across_documents():
    a = mention_rows("In December 2022 Japan and the UK launched the Japan-UK Digital Partnership.")
    b = mention_rows("Ministerial-Level Meeting of Japan-UK Digital Partnership Held\n\nThe meeting was held online.")
    assert by_name(a, "Japan-UK")["agreement_id"] == by_name(b, "Japan-UK")["agreement_id"]
    c = mention_rows("In May 2022, the Japan-EU Digital Partnership was established.")
    assert by_name(c, "Japan-EU")["agreement_id"] != by_name(a, "Japan-UK")["agreement_id"]


# ---------------------------------------------------------------- seed documents

@pytest.fixture(scope="module")
def seed_rows() -> dict[str, list[dict]]:
    from pipelines.run.document import process_file

    return {p.name: process_file(p, RAW).tables["agreement_mentions"] for p in sorted(RAW.iterdir())
            if p.name.startswith(("001", "004"))}


@needs_gold
def test_seed_joint_statement_finds_its_instruments(seed_rows):
    rows = seed_rows["001_76a678dfb25e4daa.txt"]
    found = records(rows)
    gold = json.loads((GOLD_SEEDS / "001_76a678dfb25e4daa.txt.json").read_text())["agreements"]
    assert len(found) >= len(gold) - 2
    assert by_name(rows, "Japan-Singapore Economic Partnership Agreement")["status"] == "in_force"
    assert by_name(rows, "MOC between Japan's Ministry of Agriculture")["status"] == "to_be_renewed"
    assert by_name(rows, "Energy, Sustainability")["status"] == "to_be_signed"
    assert by_name(rows, "ASEAN-Japan Resource Circulation")["parties"] == ["ASEAN", "JPN"] or \
        set(by_name(rows, "ASEAN-Japan Resource Circulation")["parties"]) == {"ASEAN", "JPN"}
    names = " | ".join(r["name"] for r in found.values())
    for not_an_instrument in ("Economic Dialogue", "NEXUS", "SPACE", "Raffles Programme", "ASEAN Power Grid"):
        assert not_an_instrument not in names


def test_seed_meeting_summary_declaration(seed_rows):
    rows = seed_rows["004_6caf446dd5012fe1.txt"]
    assert [r["name"] for r in records(rows).values()] == ["declaration of digital rights and principles"]
    assert by_name(rows, "digital rights")["parties"] == ["EU"]


# ---------------------------------------------------------------- consolidation

def test_build_agreements_groups_and_orders():
    base = {"type": "memorandum", "signatories": ["MIC"], "topics": ["ICT"], "end_char": 10}
    mentions = pd.DataFrame([
        {**base, "agreement_id": "b", "doc_id": "d2", "text": "MOC", "start_char": 0, "date": None,
         "status": "to_be_renewed", "name": "MOC", "parties": ["JPN", "SGP"]},
        {**base, "agreement_id": "b", "doc_id": "d1", "text": "MOC on ICT", "start_char": 5, "date": "2021-07-02",
         "status": "signed", "name": "MOC on ICT Cooperation", "parties": ["SGP", "JPN"]},
        {**base, "agreement_id": "b", "doc_id": "d1", "text": "the MOC", "start_char": 40, "date": None,
         "status": "referenced", "name": "MOC on ICT Cooperation", "parties": ["JPN", "SGP"]},
        {**base, "agreement_id": "a", "doc_id": "d2", "text": "Treaty", "start_char": 3, "date": None,
         "status": "referenced", "name": "Treaty", "type": "agreement", "parties": []},
    ])
    documents = pd.DataFrame({"doc_id": ["d1", "d2"], "published_date": ["2022-07-13", "2026-03-18"]})
    tables = build_agreements(mentions, documents)
    agreements, parties = tables["agreements"], tables["agreement_parties"]
    assert list(agreements.columns) == TABLES["agreements"].column_names
    assert list(parties.columns) == TABLES["agreement_parties"].column_names
    assert list(agreements["agreement_id"]) == ["a", "b"]
    b = agreements.iloc[1]
    assert b["name"] == "MOC on ICT Cooperation" and b["parties"] == ["JPN", "SGP"]
    assert b["status"] == "to_be_renewed"  # the later document's status wins over "signed"
    assert b["date"] == "2021-07-02" and b["first_seen_doc_id"] == "d1" and b["n_mentions"] == 3
    assert agreements.iloc[0]["status"] == "referenced"
    assert parties.to_dict("records") == [{"agreement_id": "b", "party": "JPN"}, {"agreement_id": "b", "party": "SGP"}]
    again = build_agreements(mentions.iloc[::-1], documents)
    pd.testing.assert_frame_equal(again["agreements"], agreements)


def test_build_agreements_empty():
    tables = build_agreements(pd.DataFrame(), pd.DataFrame())
    assert tables["agreements"].empty and tables["agreement_parties"].empty
