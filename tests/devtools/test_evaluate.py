"""The evaluator: arithmetic, one-to-one matching, duplicates, and a run on the seeds."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.devtools.evaluate import (
    FIELDS,
    PRF,
    Accuracy,
    evaluate,
    format_report,
    normalize_text,
    normalize_trigger,
    score_document,
)
from helpers.paths import GOLD_SEEDS, needs_gold
from helpers.paths import SEEDS as RAW_SEEDS
from pipelines.tables.schema import TABLES



def gold_doc(**sections) -> dict:
    entities = {k: sections.pop(k, []) for k in ("persons", "countries", "organizations")}
    return {"doc": "x.txt", "meta": sections.pop("meta", {}), "dates": [], "commitments": [],
            "agreements": [], "entities": entities, **sections}


def predicted(**tables) -> dict:
    return {"documents": [{"doc_id": "d1", "path": "x.txt", "status": "ok", **tables.pop("document", {})}],
            **tables}


def date(text, value, granularity="year", relative=False):
    return {"text": text, "value": value, "granularity": granularity, "relative": relative}


# --------------------------------------------------------------------------- arithmetic

def test_precision_recall_f1_arithmetic():
    score = PRF(tp=2, n_gold=4, n_pred=3)
    assert score.precision == pytest.approx(2 / 3)
    assert score.recall == pytest.approx(0.5)
    assert score.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert PRF(tp=0, n_gold=5, n_pred=0).f1 == 0.0
    assert PRF(tp=0, n_gold=0, n_pred=3).precision == 0.0
    assert PRF(tp=0, n_gold=0, n_pred=0).f1 == 1.0  # nothing to find, nothing found
    assert PRF(1, 2, 3) + PRF(2, 3, 4) == PRF(3, 5, 7)


def test_accuracy_over_no_pairs_is_zero_not_vacuous():
    assert Accuracy().accuracy == 0.0
    assert Accuracy().to_dict()["accuracy"] is None
    assert (Accuracy(1, 2) + Accuracy(1, 2)).accuracy == 0.5


def test_normalization():
    assert normalize_text("The “Japan–U.S.” Partnership") == "japan us partnership"
    assert normalize_text("Ministers’  Meeting") == normalize_text("ministers' meeting")
    assert normalize_text("18 March, 2026.") == "18 march 2026"
    assert normalize_trigger("reaffirm commitment") == normalize_trigger("reaffirm_commitment")
    assert normalize_trigger("expand") == "other"


# --------------------------------------------------------------------------- dates

def test_dates_listed_twice_need_two_predictions():
    gold = gold_doc(dates=[date("2026", "2026"), date("2026", "2026")])
    one = score_document(gold, predicted(dates=[date("2026", "2026")])).scores
    assert (one["dates.value"].tp, one["dates.value"].precision, one["dates.value"].recall) == (1, 1.0, 0.5)
    three = score_document(gold, predicted(dates=[date("2026", "2026")] * 3)).scores
    assert three["dates.value"].tp == 2
    assert three["dates.value"].precision == pytest.approx(2 / 3)
    assert three["dates.extent"].tp == 2


def test_date_value_pairs_prefer_the_same_text_for_attribute_accuracy():
    gold = gold_doc(dates=[date("the same year", "2022", relative=True), date("2022", "2022")])
    pred = [date("2022", "2022"), date("same year", "2022", relative=True)]
    scores = score_document(gold, predicted(dates=pred)).scores
    assert scores["dates.value"].f1 == 1.0
    assert scores["dates.relative"].correct == 2
    assert scores["dates.extent"].tp == 2  # the leading article is dropped


def test_date_extent_and_value_are_scored_separately():
    gold = gold_doc(dates=[date("May 2024", "2024-05", "month")])
    scores = score_document(gold, predicted(dates=[date("in May 2024", "2024-05", "day")])).scores
    assert scores["dates.value"].f1 == 1.0
    assert scores["dates.extent"].f1 == 0.0
    assert (scores["dates.granularity"].correct, scores["dates.granularity"].total) == (0, 1)


# --------------------------------------------------------------------------- commitments

COMMITMENT = ("The ministries affirmed to deepen collaboration on AI, including AI governance "
              "in light of the importance of AI in the 4th and next Industrial Revolution.")
OTHER_COMMITMENT = ("The ministries affirmed to continue developing secure, resilient and open 5G "
                    "networks and 5G use cases, in the digital economy.")


def commitment(text, actor=("JPN",), trigger="will", item=None):
    return {"text": text, "actor": list(actor), "trigger": trigger, "item": item}


def test_commitments_match_despite_slightly_different_extents():
    gold = gold_doc(commitments=[commitment(COMMITMENT, ["MIC", "MCI"], "affirm", "4")])
    pred = [commitment("4. " + COMMITMENT.rstrip(".") + " as agreed", ["mci", "mic"], "affirm", "4.")]
    scores = score_document(gold, predicted(commitments=pred)).scores
    assert scores["commitments"].f1 == 1.0
    for name in ("commitments.actor", "commitments.trigger", "commitments.item"):
        assert scores[name].accuracy == 1.0, name


def test_neighbouring_list_items_do_not_match_each_other():
    item_4 = ("Deepening environmental cooperation, including through renewing the MOC on Environmental "
              "Matters, and cooperation on climate change.")
    item_6 = ("Deepening cooperation on climate science and climate adaptation, including through "
              "expanding cooperation on climate change.")
    gold = gold_doc(commitments=[commitment(item_6)])
    scores = score_document(gold, predicted(commitments=[commitment(item_4)])).scores
    assert scores["commitments"].tp == 0


def test_a_whole_sentence_finds_the_clause_it_contains():
    clause = "reaffirm our commitment to promote and implement concrete AOIP projects and activities"
    sentence = "In this regard, we welcome the adoption of the Joint Statement, and " + clause + "."
    gold = gold_doc(commitments=[commitment(clause)])
    assert score_document(gold, predicted(commitments=[commitment(sentence)])).scores["commitments"].tp == 1


def test_commitments_are_one_to_one_and_unrelated_clauses_do_not_match():
    gold = gold_doc(commitments=[commitment(COMMITMENT), commitment(OTHER_COMMITMENT)])
    pred = [commitment(COMMITMENT), commitment(COMMITMENT), commitment("We welcome the adoption of the report.")]
    scores = score_document(gold, predicted(commitments=pred)).scores
    assert (scores["commitments"].tp, scores["commitments"].n_pred, scores["commitments"].n_gold) == (1, 3, 2)


def test_commitment_trigger_outside_the_vocabulary_expects_other():
    gold = gold_doc(commitments=[commitment(COMMITMENT, trigger="expand"),
                                 commitment(OTHER_COMMITMENT, trigger="reaffirm commitment")])
    pred = [commitment(COMMITMENT, trigger="other"), commitment(OTHER_COMMITMENT, trigger="reaffirm_commitment")]
    scores = score_document(gold, predicted(commitments=pred)).scores
    assert scores["commitments.trigger"].accuracy == 1.0


# --------------------------------------------------------------------------- agreements

def agreement(name, parties, **fields):
    return {"name": name, "type": "joint_statement", "parties": parties, "signatories": [],
            "date": None, "status": "adopted", **fields}


def mention(agreement_id, start, name, parties, **fields):
    return {"agreement_id": agreement_id, "start_char": start, "end_char": start + 5,
            "text": name, **agreement(name, parties, **fields)}


def test_agreement_mentions_group_into_one_record_per_instrument():
    gold = gold_doc(agreements=[agreement("Memorandum of Cooperation on ICT", ["JPN", "DEU"],
                                          type="memorandum", status="signed", date="2023-04",
                                          signatories=["MIC"])])
    pred = [
        mention("a1", 10, "MOC", ["JPN"], type="memorandum", status="referenced"),
        mention("a1", 50, "MOC on ICT", ["DEU"], type="memorandum", status="signed",
                date="2023-04", signatories=["mic"]),
        mention("a1", 90, "MOC", ["JPN"], type="memorandum", status="referenced"),
    ]
    scores = score_document(gold, predicted(agreement_mentions=pred)).scores
    assert (scores["agreements"].tp, scores["agreements"].n_pred) == (1, 1)
    for name in ("parties", "status", "type", "date", "signatories"):
        assert scores[f"agreements.{name}"].accuracy == 1.0, name


def test_agreements_with_the_same_name_pair_by_parties():
    gold = gold_doc(agreements=[agreement("joint statement", ["JPN", "EU"]),
                                agreement("joint statement", ["JPN", "DEU"]),
                                agreement("joint statement", ["JPN", "AUS"])])
    pred = [mention("b", 0, "joint statement", ["JPN", "AUS"]),
            mention("c", 9, "joint statement", ["JPN", "EU"]),
            mention("d", 20, "the Joint Statement", ["JPN", "DEU"])]
    scores = score_document(gold, predicted(agreement_mentions=pred)).scores
    assert scores["agreements"].f1 == 1.0
    assert scores["agreements.parties"].accuracy == 1.0


@pytest.mark.parametrize("gold_name, pred_name, matches", [
    ("Japan-Singapore Economic Partnership Agreement", "Treaty on the Non-Proliferation of Nuclear Weapons", False),
    ("Japan-UK Digital Partnership", "Japan-EU Digital Partnership", False),
    ("Japan-EU Economic Partnership Agreement", "Japan-UK Comprehensive Economic Partnership Agreement", False),
    ("MOC on ICT Cooperation between Japan's Ministry of Internal Affairs and Communications and "
     "Singapore's Ministry of Digital Development and Information", "MOC on ICT Cooperation", True),
    ("Strategic Partnership between Japan and the Republic of Singapore",
     "Japan-Singapore Strategic Partnership", True),
    ("Memorandum of Cooperation (MoC) in the fields of ICT and postal services",
     "Memorandum of Cooperation in the fields of ICT and postal services", True),
])
def test_agreement_names_match_when_one_contains_the_other(gold_name, pred_name, matches):
    gold = gold_doc(agreements=[agreement(gold_name, ["JPN", "SGP"])])
    pred = [mention("a", 0, pred_name, ["JPN", "SGP"])]
    assert score_document(gold, predicted(agreement_mentions=pred)).scores["agreements"].tp == int(matches)


# --------------------------------------------------------------------------- entities

def entity(label, canonical, start, **fields):
    return {"label": label, "text": canonical, "canonical": canonical, "start_char": start,
            "end_char": start + len(canonical), "acronym": None, "country": None, "title": None, **fields}


def test_persons_are_deduplicated_and_match_on_a_name_part():
    gold = gold_doc(persons=[{"name": "Kishida", "title": "Prime Minister", "country": "JPN"},
                             {"name": "Josephine Teo", "title": "Minister", "country": "SGP"}])
    rows = [entity("PERSON", "Kishida Fumio", 0, title="Prime Minister"),
            entity("PERSON", "Kishida Fumio", 40),
            entity("PERSON", "Josephine Teo", 80, title="Minister")]
    scores = score_document(gold, predicted(entities=rows)).scores
    assert (scores["persons"].tp, scores["persons"].n_pred) == (2, 2)
    assert scores["persons.title"].accuracy == 1.0


def test_countries_are_a_set_per_document():
    gold = gold_doc(countries=["JPN", "SGP", "GBR"])
    rows = [entity("COUNTRY", "JPN", 0), entity("COUNTRY", "JPN", 10), entity("COUNTRY", "USA", 20),
            entity("ORG", "SGP", 30)]
    scores = score_document(gold, predicted(entities=rows)).scores["countries"]
    assert (scores.tp, scores.n_pred, scores.n_gold) == (1, 2, 3)


def test_organizations_match_on_name_or_acronym_one_to_one():
    gold = gold_doc(organizations=[
        {"name": "Ministry of Internal Affairs and Communications", "acronym": "MIC", "country": "JPN"},
        {"name": "European Union", "acronym": "EU", "country": None},
        {"name": "G7", "acronym": None, "country": None},
    ])
    rows = [entity("ORG", "MIC", 0, acronym="MIC", country="JPN"),           # acronym = acronym
            entity("ORG", "EU", 10),                                           # name = gold acronym
            entity("ORG", "Group of Seven", 20, acronym="G7"),                # acronym = gold name
            entity("ORG", "Group of Seven", 30, acronym="G7"),                # deduplicated
            entity("ORG", "Council of Europe", 40)]                           # false positive
    scores = score_document(gold, predicted(entities=rows)).scores
    assert (scores["organizations"].tp, scores["organizations"].n_pred) == (3, 4)
    assert (scores["organizations.acronym"].correct, scores["organizations.acronym"].total) == (1, 3)
    assert scores["organizations.country"].accuracy == 1.0


def test_meta_and_missing_document():
    gold = gold_doc(meta={"title": "Result of the Dialogue", "published_date": "2022-02-07",
                          "doc_type": "meeting_summary"})
    doc = {"title": "RESULT OF THE DIALOGUE", "published_date": "2022-02-07", "doc_type": "press_release"}
    scores = score_document(gold, predicted(document=doc)).scores
    assert [scores[f"meta.{f}"].correct for f in ("title", "published_date", "doc_type")] == [1, 1, 0]
    missing = score_document(gold, None)
    assert missing.notes and missing.scores["meta.title"].correct == 0


# --------------------------------------------------------------------------- whole runs

def write_tables(processed: Path, tables: dict[str, list[dict]]) -> None:
    """Parquet files through the real table schemas, required columns filled."""
    filler = {pa.string(): "x", pa.int32(): 0, pa.bool_(): False,
              pa.list_(pa.string()): [], pa.timestamp("ms", tz="UTC"): datetime.now(timezone.utc)}
    processed.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        table = TABLES[name]
        full = [{c.name: row.get(c.name, None if c.nullable else filler[c.type]) for c in table.columns}
                for row in rows]
        pq.write_table(pa.Table.from_pylist(full, schema=table.schema), processed / f"{name}.parquet")


def perfect_tables(golds: list[dict]) -> dict[str, list[dict]]:
    """What an extractor that agrees with gold everywhere would write."""
    tables = {name: [] for name in ("documents", "entities", "dates", "commitments", "agreement_mentions")}
    for n, gold in enumerate(golds):
        doc_id = f"{n:016x}"
        tables["documents"].append({"doc_id": doc_id, "path": gold["doc"], "status": "ok", **gold["meta"]})
        entities = gold["entities"]
        rows = [{"label": "PERSON", "canonical": p["name"], "title": p["title"]} for p in entities["persons"]]
        rows += [{"label": "COUNTRY", "canonical": c} for c in entities["countries"]]
        rows += [{"label": "ORG", "canonical": o["name"], "acronym": o["acronym"], "country": o["country"]}
                 for o in entities["organizations"]]
        tables["entities"] += [{"doc_id": doc_id, "start_char": i, **r} for i, r in enumerate(rows)]
        tables["dates"] += [{"doc_id": doc_id, **d} for d in gold["dates"]]
        tables["commitments"] += [{"doc_id": doc_id, **c, "trigger": normalize_trigger(c["trigger"])}
                                  for c in gold["commitments"]]
        tables["agreement_mentions"] += [{"doc_id": doc_id, "agreement_id": str(i), "text": a["name"],
                                          "start_char": i, **a} for i, a in enumerate(gold["agreements"])]
    return tables


def load_seed_golds() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLD_SEEDS.glob("*.json"))]


@needs_gold
def test_gold_as_prediction_scores_perfectly_from_parquet(tmp_path):
    write_tables(tmp_path, perfect_tables(load_seed_golds()))
    report = evaluate(GOLD_SEEDS, processed_dir=tmp_path)
    for name in FIELDS:
        stat = "accuracy" if isinstance(report.totals[name], Accuracy) else "f1"
        assert report.metric(f"{name}.{stat}") == 1.0, name


@needs_gold
def test_empty_predictions_score_zero_without_crashing(tmp_path):
    golds = load_seed_golds()
    tables = perfect_tables(golds)
    write_tables(tmp_path, {"documents": tables["documents"]})  # no extracted tables at all
    report = evaluate(GOLD_SEEDS, processed_dir=tmp_path)
    assert report.metric("commitments.f1") == 0.0
    assert report.metric("agreements.status.accuracy") == 0.0
    assert report.metric("commitments.n_gold") == sum(len(g["commitments"]) for g in golds)


@needs_gold
def test_seeds_from_raw_report_every_field():
    golds = load_seed_golds()
    report = evaluate(GOLD_SEEDS, raw_dir=RAW_SEEDS)
    assert [d.doc for d in report.documents] == [g["doc"] for g in golds]
    assert all(d.doc_id for d in report.documents), "every seed document was read"
    assert set(report.totals) == set(FIELDS)
    for name in ("dates.value.f1", "dates.granularity.accuracy", "commitments.f1", "commitments.actor.accuracy",
                 "agreements.f1", "agreements.parties.accuracy", "agreements.status.accuracy",
                 "persons.f1", "countries.f1", "organizations.f1", "dates.extent.f1",
                 "dates.relative.accuracy", "commitments.trigger.accuracy", "commitments.item.accuracy",
                 "agreements.type.accuracy", "agreements.date.accuracy", "agreements.signatories.accuracy",
                 "persons.title.accuracy", "organizations.acronym.accuracy", "organizations.country.accuracy",
                 "meta.title.accuracy", "meta.published_date.accuracy", "meta.doc_type.accuracy"):
        assert 0.0 <= report.metric(name) <= 1.0, name
    assert report.metric("dates.value.n_gold") == sum(len(g["dates"]) for g in golds)
    assert report.metric("agreements.n_gold") == sum(len(g["agreements"]) for g in golds)
    assert report.metric("countries.n_gold") == sum(len(set(g["entities"]["countries"])) for g in golds)
    assert report.metric("meta.doc_type.total") == len(golds)
    text = format_report(report)
    assert all(name in text for name in FIELDS) and all(g["doc"] in text for g in golds)
    json.dumps(report.to_dict())
    with pytest.raises(KeyError):
        report.metric("dates.value.accuracy")
    with pytest.raises(KeyError):
        report.metric("dates.f1")
