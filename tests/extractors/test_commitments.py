"""The commitment extractor: must-find / must-not-find on snippets and on the seed documents."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from spacy.tokens import Span

from extractors import spans
from extractors.commitments.component import rows
from extractors.document import DocumentInput
from extractors.pipeline import build_nlp
from helpers.paths import SEEDS, gold_files, needs_gold
from pipelines.tables.schema import STRENGTHS, TABLES, TRIGGERS



@pytest.fixture(scope="module")
def nlp():
    return build_nlp(("accords_sentences", "accords_commitments"))


def extract(nlp, text, entities=(), dates=(), title=None, doc_type=None, published=None):
    """Rows for ``text``; ``entities``/``dates`` are (surface, label, attrs) put
    in the span groups the way the entity and date layers would."""
    doc = nlp.make_doc(text)
    doc._.input = DocumentInput(doc_id="t", text=text, title=title, doc_type=doc_type, published_date=published)
    doc.spans[spans.ENTITIES] = [_span(doc, text, *e) for e in entities]
    doc.spans[spans.DATES] = [_span(doc, text, *d) for d in dates]
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return rows(doc)


def _span(doc, text, surface, label, attrs):
    start = text.index(surface)
    span = doc.char_span(start, start + len(surface), label=label)
    for key, value in attrs.items():
        setattr(span._, key, value)
    return span


def texts(found):
    return [r["text"] for r in found]


# ------------------------------------------------------------------ triggers

@pytest.mark.parametrize("text, trigger", [
    ("We will strengthen our collaboration in FinTech and digital assets.", "will"),
    ("The ministries concurred to enhance cooperation in the field of Digital Economy.", "concur"),
    ("The ministries affirmed to deepen collaboration on AI.", "affirm"),
    ("Considering the above, Japan and the EU also decided to promote cooperation in joint research.", "decide"),
    ("The dialogue agreed to hold regular dialogues in the future.", "agree"),
    ("We reaffirm our commitment to free and open trade, economic resilience, and mutual prosperity.",
     "reaffirm_commitment"),
    ("Recognizing the importance of AI governance, the two sides committed to enhancing collaboration.", "commit"),
    ("They will further explore a bilateral R&D initiative in the field of Beyond 5G/6G.", "explore"),
    ("Moving forward, we will continue to engage with Vietnam.", "continue"),
    ("We task our Ministers and officials to work to implement the Strategic Partnership.", "task"),
    ("In light of these circumstances, the MIC aims to promote international competitiveness.", "aim"),
    ("Based on this work plan, efforts will be made to increase the number of supporting countries.", "will"),
    ("We concur on stepping up cooperation in social issues.", "concur"),
    ("The leaders resolved to deepen their cooperation on energy security.", "resolve"),
    ("Both governments pledged to mobilise climate finance.", "pledge"),
    ("Italy has expressed its commitment to continuing the Hiroshima AI Process.", "commit"),
    ("Under the Quad framework, cooperation on cybersecurity has been agreed upon.", "agree"),
    ("The Participants shall exchange information on their respective policies.", "will"),
    ("The Participants will endeavour to share information on investment opportunities.", "aim"),
    ("The Participants intend to cooperate in the recycling of critical minerals.", "intend"),
    ("The Leaders directed their officials to convene the next meeting.", "task"),
])
def test_finds_commitment_with_normalized_trigger(nlp, text, trigger):
    found = extract(nlp, text)
    assert [r["trigger"] for r in found] == [trigger]
    assert found[0]["text"] == text


@pytest.mark.parametrize("text", [
    "We recognise the importance of international AI governance.",
    "The MIC has been holding the Japan-EU ICT Policy Dialogue since 2010.",
    "The ministries reaffirmed the strong cybersecurity cooperation between Singapore and Japan.",
    "The G7 Leaders' Communique agreed on the importance of global governance for emerging technologies.",
    "In the 27th Policy Dialogue, the following issues were mainly discussed.",
    "This reflects the political will of both governments.",
    "The conference, which will be held in Geneva, is the largest meeting of its kind.",
    "We share the mutual understanding that the promotion of the AOIP will also contribute to peace.",
    "The next assembly is scheduled to be held in New Delhi.",
    "The dialogue aimed to exchange views on mutual interests.",
    "The Radiocommunication Conferences, which aim to revise the Radio Regulations, meet every four years.",
    "The Work Plan to advance Hiroshima AI Process was formulated.",
    "Both sides showed a strong interest in strengthening future cooperation.",
    "This Memorandum shall enter into force on the date of its signature.",
    "This Arrangement will remain in effect for five years.",
    "The next Summit will be held in Ottawa in 2026.",
    "We are united in our resolve to shape a trustworthy digital future.",
    "We call on all countries to refrain from imposing data localisation requirements.",
    "We welcome the adoption of the Recommendation on digital identity.",
    "We recall our commitment made at the Hiroshima Summit and we note the progress of the Process.",
    "Efforts directed to the region have increased.",
])
def test_ignores_facts_opinions_and_descriptions(nlp, text):
    assert extract(nlp, text) == []


def test_strength_follows_trigger(nlp):
    firm = extract(nlp, "We will deepen our cooperation.")[0]
    soft = extract(nlp, "Japan aims to achieve liberalization commitments.")[0]
    assert (firm["strength"], soft["strength"]) == ("firm", "soft")


# ------------------------------------------------------------------- clauses

def test_clause_after_comma_and_starts_at_its_subject(nlp):
    found = extract(nlp, "Taking a leading role is crucial, and we will actively participate in international "
                         "discussions and utilize international conferences as platforms.")
    assert texts(found) == ["we will actively participate in international discussions and utilize "
                            "international conferences as platforms."]


def test_participle_clause_starts_at_the_participle(nlp):
    found = extract(nlp, "In April 2023, the MIC and the Federal Ministry signed a memorandum of cooperation, "
                         "agreeing to promote collaboration in areas such as AI.")
    assert texts(found) == ["agreeing to promote collaboration in areas such as AI."]


def test_clause_stops_before_a_new_clause_with_its_own_verb(nlp):
    found = extract(nlp, "Cooperation on cybersecurity has been agreed upon, and discussions aimed at "
                         "strengthening cooperation have been conducted.")
    assert texts(found) == ["Cooperation on cybersecurity has been agreed upon"]


def test_a_second_subject_after_comma_and_opens_a_second_commitment(nlp):
    found = extract(nlp, "The Leaders committed to deepening cooperation in space, and they resolved to "
                         "expand defence cooperation.")
    assert [(r["trigger"], r["text"]) for r in found] == [
        ("commit", "The Leaders committed to deepening cooperation in space"),
        ("resolve", "they resolved to expand defence cooperation.")]


def test_two_actions_in_two_sentences_are_two_rows(nlp):
    found = extract(nlp, "The two sides will advance efforts for cooperation. They will further explore a "
                         "bilateral R&D initiative.")
    assert [r["trigger"] for r in found] == ["will", "explore"]


# --------------------------------------------------------------------- items

LEAD_IN = (
    "10. To deepen the security ties, we will strengthen our cooperation by:\n\n"
    "10.1. Facilitating high-level exchanges between the defence authorities.\n\n"
    "10.2. Exploring science and technology collaborations in public safety-related applications.\n\n"
    "10.3. Deepening environmental cooperation. We will also continue operationalising SPACE.\n\n"
    "11. We recognise the opportunities of collaborating by:\n\n"
    "11.1. Deepening collaboration on AI. This includes AI safety.\n\n"
    "12. In the meeting, the following issues were discussed:\n\n"
    "- Strengthening supply chains.\n\n"
    "- Promoting digital trade."
)


def test_items_under_a_committing_lead_in_inherit_it(nlp):
    found = {r["item"] + ":" + r["trigger"]: r for r in extract(nlp, LEAD_IN)}
    assert set(found) == {"10.1:will", "10.2:explore", "10.3:will", "10.3:continue", "11.1:other"}
    item = found["10.1:will"]
    assert item["text"] == "Facilitating high-level exchanges between the defence authorities."
    assert item["lead_in"] == "To deepen the security ties, we will strengthen our cooperation by:"
    # the item's own text stops where an independent second commitment starts
    assert found["10.3:will"]["text"] == "Deepening environmental cooperation."
    assert found["10.3:continue"]["text"] == "We will also continue operationalising SPACE."
    # an elaborating second sentence stays with its item; a recognising lead-in is inherited by nobody
    assert found["11.1:other"]["text"] == "Deepening collaboration on AI. This includes AI safety."
    assert found["11.1:other"]["lead_in"] is None


def test_lead_in_is_not_a_row_and_discussed_items_are_not_commitments(nlp):
    found = texts(extract(nlp, LEAD_IN))
    assert not any("by:" in t for t in found)
    assert not any(t.startswith(("Strengthening supply", "Promoting digital")) for t in found)


def test_lead_in_ending_in_will_and_bullets_take_the_lead_in_number(nlp):
    text = ("5. To advance the green transition, the two sides will:\n\n"
            "- establish a Clean Technology Partnership;\n\n"
            "- cooperate on hydrogen supply chains.\n\n"
            "6. We welcome the progress so far.")
    found = extract(nlp, text)
    assert [(r["item"], r["trigger"], r["text"]) for r in found] == [
        ("5", "will", "establish a Clean Technology Partnership;"),
        ("5", "will", "cooperate on hydrogen supply chains.")]
    assert found[0]["lead_in"] == "To advance the green transition, the two sides will:"


def test_items_get_the_nearer_lead_in_when_the_reader_gave_a_farther_parent(nlp):
    from extractors.document import Block

    text = ("Opening of the memorandum between the two ministries:\n\n"
            "1. The Participants will cooperate in:\n\n(a) exchanges of experts;\n\n(b) joint studies.")
    offsets = [(0, text.index(":") + 1, None, None)]
    for number, body in (("1.", "The Participants"), ("(a)", "exchanges"), ("(b)", "joint studies")):
        start = text.index(body)
        offsets.append((start, text.find("\n", start) if "\n" in text[start:] else len(text), number, 0))
    blocks = [Block("paragraph" if n is None else "list_item", a, b, number=n, parent=p) for a, b, n, p in offsets]
    doc = nlp.make_doc(text)
    doc._.input = DocumentInput(doc_id="t", text=text, blocks=blocks)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    assert [(r["item"], r["text"]) for r in rows(doc)] == [("(a)", "exchanges of experts;"), ("(b)", "joint studies.")]


def test_items_follow_blocks_from_the_reader(nlp):
    from extractors.document import Block

    text = "We will strengthen cooperation by:\n\n(1) establishing a joint committee;\n\n(2) holding annual talks."
    first, second = text.index("establishing"), text.index("holding")
    blocks = [Block("paragraph", 0, text.index(":") + 1),
              Block("list_item", first, text.index(";") + 1, number="(1)", parent=0),
              Block("list_item", second, len(text), number="(2)", parent=0)]
    doc = nlp.make_doc(text)
    doc._.input = DocumentInput(doc_id="t", text=text, blocks=blocks)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    found = rows(doc)
    assert [(r["item"], r["trigger"], r["text"]) for r in found] == [
        ("(1)", "will", "establishing a joint committee;"), ("(2)", "will", "holding annual talks.")]


# -------------------------------------------------------------------- actors

JPN = ("Japan", "COUNTRY", {"canonical": "JPN"})
GBR = ("U.K.", "COUNTRY", {"canonical": "GBR"})
SGP = ("Singapore", "COUNTRY", {"canonical": "SGP"})


def test_named_subject_resolves_to_canonical_actors(nlp):
    found = extract(nlp, "Japan and the U.K. will commit to continuing to cooperate in photonics.",
                    entities=[JPN, GBR])
    assert found[0]["actor"] == ["JPN", "GBR"]
    assert found[0]["trigger"] == "commit"


def test_we_resolves_to_the_parties_named_in_the_title(nlp):
    text = "Joint Statement between Japan and Singapore\n\nWe will deepen cooperation on quantum science."
    found = extract(nlp, text, entities=[JPN, SGP])
    assert found[0]["actor"] == ["JPN", "SGP"]


def test_a_reported_pronoun_refers_to_the_subject_of_its_sentence(nlp):
    text = "Japan and the U.K. will advance efforts on telecoms. Japan announced that it will fund a testbed."
    found = extract(nlp, text, entities=[JPN, GBR, ("Japan announced", "COUNTRY", {"canonical": "JPN"})])
    assert [r["actor"] for r in found] == [["JPN", "GBR"], ["JPN"]]


def test_they_continues_the_previous_actor(nlp):
    text = "Japan and the U.K. will advance efforts on telecoms. They will further explore a joint initiative."
    found = extract(nlp, text, entities=[JPN, GBR])
    assert [r["actor"] for r in found] == [["JPN", "GBR"], ["JPN", "GBR"]]


def test_no_entities_does_not_crash(nlp):
    found = extract(nlp, "We will deepen cooperation.")
    assert found[0]["actor"] == []


# ------------------------------------------------------------ dates, topics

def test_deadline_and_topics_come_from_the_other_layers(nlp):
    text = "The goal is to increase overseas sales of broadcast content by FY2025, compared to FY2020."
    found = extract(
        nlp, text, published="2024",
        entities=[("broadcast content", "TOPIC", {"canonical": "broadcasting"})],
        dates=[("FY2020", "DATE", {"date_value": "FY2020", "end_date": date(2021, 3, 31)}),
               ("FY2025", "DATE", {"date_value": "FY2025", "end_date": date(2026, 3, 31)})])
    assert found[0]["deadline"] == "FY2025"
    assert found[0]["topics"] == ["broadcasting"]


def test_a_past_date_is_no_deadline(nlp):
    text = "The two sides committed to enhancing collaboration through the group established in May 2024."
    found = extract(nlp, text, published="2025-01-22",
                    dates=[("May 2024", "DATE", {"date_value": "2024-05", "end_date": date(2024, 5, 31)})])
    assert found[0]["deadline"] is None


# ---------------------------------------------------------------- contract

def test_rows_follow_the_schema_and_offsets(nlp):
    text = "Intro line\n\n1. We will deepen cooperation. The Partnership will be regularly reviewed."
    first, second = extract(nlp, text), extract(nlp, text)
    columns = set(TABLES["commitments"].column_names) - {"doc_id"}
    for row in first:
        assert set(row) == columns
        assert text[row["start_char"]:row["end_char"]] == row["text"]
        assert row["trigger"] in TRIGGERS and row["strength"] in STRENGTHS
        assert row["item"] == "1"
    assert [r["commitment_id"] for r in first] == [r["commitment_id"] for r in second]
    assert len({r["commitment_id"] for r in first}) == 2


def test_spans_carry_the_records(nlp):
    text = "We will deepen cooperation."
    doc = nlp.make_doc(text)
    doc._.input = DocumentInput(doc_id="t", text=text)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    (span,) = doc.spans[spans.COMMITMENTS]
    assert isinstance(span, Span) and span.label_ == "will" and span._.record["text"] == text


# ------------------------------------------------------------- seed documents

@pytest.fixture(scope="module")
def seed_rows():
    from pipelines.run.document import process_file

    out = {}
    for path in sorted(SEEDS.glob("*")):
        result = process_file(path, SEEDS)
        assert result.document["status"] == "ok", result.document["error"]
        out[path.name] = result.tables["commitments"]
    return out


def _find(found, start):
    return [r for r in found if r["text"].startswith(start)]


def test_seed_joint_statement_items(seed_rows):
    found = seed_rows["001_76a678dfb25e4daa.txt"]
    (item,) = _find(found, "Facilitating high-level exchanges between the defence authorities")
    assert (item["item"], item["trigger"]) == ("10.1", "will")
    assert item["lead_in"].endswith("we will strengthen our cooperation by:")
    assert _find(found, "Exploring science and technology collaborations")[0]["trigger"] == "explore"
    assert _find(found, "Harmonising cybersecurity standards")[0]["trigger"] == "other"
    assert not _find(found, "We recognise that mutual trust")
    assert not _find(found, "We uphold the international order")
    assert not any(r["text"].rstrip().endswith("by:") for r in found)


def test_seed_ministerial_statement(seed_rows):
    found = seed_rows["000_7cb565ce717ef47c.txt"]
    assert {r["item"] for r in found if r["item"]} == {"1", "2", "3", "4", "6"}  # 5 only reaffirms
    assert _find(found, "The ministries concurred to enhance")[0]["trigger"] == "concur"


def test_seed_press_release_and_meeting_summary(seed_rows):
    release = seed_rows["002_208418603b2655b6.txt"]
    assert _find(release, "They will further explore")[0]["trigger"] == "explore"
    assert not _find(release, "In July 2024, the Government Digital Service")
    summary = seed_rows["004_6caf446dd5012fe1.txt"]
    assert not any("showed a strong interest" in r["text"] for r in summary)


@needs_gold
def test_seed_gold_scores(seed_rows):
    from pipelines.devtools.evaluate import score_document

    tp = n_pred = n_gold = 0
    for gold_path in gold_files():
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        predicted = seed_rows[gold["doc"]]
        scores = score_document(gold, {"documents": [{"doc_id": "t", "status": "ok"}],
                                       "commitments": predicted}).scores
        prf = scores["commitments"]
        tp, n_pred, n_gold = tp + prf.tp, n_pred + len(predicted), n_gold + len(gold["commitments"])
    precision, recall = tp / n_pred, tp / n_gold
    assert 2 * precision * recall / (precision + recall) >= 0.85
