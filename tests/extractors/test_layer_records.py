"""The record accessors the components read each other's layers through
(``entity_records``, ``date_records``) give exactly what the spans give, and the
agreements' title search is the regex it replaces."""
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.agreements.records import title_end
from extractors.dates.component import date_records
from extractors.dates.component import rows as date_rows
from extractors.document import DocumentInput
from extractors.entities import EntityRecord, entity_records
from extractors.entities.component import rows as entity_rows
from extractors.pipeline import make_doc

TEXT = (
    "Joint Statement on Digital Cooperation between Japan and Singapore\n"
    "Tokyo, 18 March 2026. Japan's Ministry of Internal Affairs and Communications (MIC) and the "
    "Infocomm Media Development Authority of Singapore signed a Memorandum of Cooperation on "
    "cybersecurity and artificial intelligence. Prime Minister Kishida welcomed the MOC, "
    "which will run until FY2027.\n"
)
ENTITY_ATTRS = ("canonical", "acronym", "country", "title", "rule")
DATE_ATTRS = ("date_value", "granularity", "start_date", "end_date", "relative", "anchor", "rule")


@pytest.fixture(scope="module")
def doc():
    return make_doc(DocumentInput("records", TEXT, published_date="2026-03-18"))


def _entity_view(item):
    return (item.label_, item.start_char, item.end_char, item.text, *(getattr(item._, a) for a in ENTITY_ATTRS))


def _date_view(item):
    return (item.label_, item.start_char, item.end_char, item.text, *(getattr(item._, a) for a in DATE_ATTRS))


def test_entity_records_read_as_the_spans(doc):
    group = doc.spans["entities"]
    records = entity_records(doc)
    assert len(group) > 5 and all(isinstance(r, EntityRecord) for r in records)
    assert [_entity_view(r) for r in records] == [_entity_view(s) for s in group]
    assert all(r._ is r and r.canonical == r._.canonical for r in records)
    assert entity_records(doc) is not entity_records(doc)  # a new list each time: callers may filter it


def test_entity_records_follow_a_replaced_group(doc):
    rows_before = entity_rows(doc)
    group = doc.spans["entities"]
    kept = [s for s in group if s.label_ != "COUNTRY"]
    try:
        doc.spans["entities"] = kept
        assert [_entity_view(r) for r in entity_records(doc)] == [_entity_view(s) for s in kept]
        assert all(row["label"] != "COUNTRY" for row in entity_rows(doc))
    finally:
        doc.spans["entities"] = list(group)
    # Read from the spans now, the same rows as from the component's own offsets.
    assert entity_rows(doc) == rows_before


def test_entity_records_of_a_doc_without_entities():
    doc = make_doc(DocumentInput("empty", "Nothing to see here.\n"))
    assert entity_records(doc) == [] and entity_rows(doc) == []


def test_entity_layer_keeps_its_state_in_registered_extensions():
    """The entity layer talks through declared extensions only: its records and
    actor index live in ``doc._.entity_layer`` / ``doc._.actor_index``, every
    value it leaves in the doc is one of spaCy's extension entries, and its
    modules hold no per-doc caches of their own."""
    import weakref

    from spacy.tokens import Doc, Span

    import extractors.entities.actors as actors
    import extractors.entities.component as component
    import extractors.entities.records as records
    from extractors.entities.actors import actor_spans

    doc = make_doc(DocumentInput("state", TEXT))
    assert doc._.entity_layer is not None and doc._.entity_layer.describes(doc.spans["entities"])
    actor_spans(doc, 0, len(TEXT))
    assert doc._.actor_index is not None and doc._.actor_index.group is doc.spans["entities"]
    for key in doc.user_data:
        assert key[0] == "._." and (Doc.has_extension(key[1]) or Span.has_extension(key[1])), key
    for module in (actors, component, records):
        assert not any(isinstance(v, (weakref.WeakKeyDictionary, weakref.WeakValueDictionary))
                       for v in vars(module).values()), module.__name__


def test_entity_records_keep_each_mention_on_shared_characters():
    """An ORG and an EVENT on the same characters keep their own attributes in
    the records (spaCy keys span extension values by offsets alone)."""
    text = ("The ASEAN Digital Ministers' Meeting (ADGMIN) met in Manila. "
            "Japan will attend the ASEAN Digital Ministers' Meeting next year.\n")
    found = entity_records(make_doc(DocumentInput("shared", text)))
    meeting = [r for r in found if r.text == "ASEAN Digital Ministers' Meeting"]
    labels = {r.label_: r for r in meeting}
    assert {"ORG", "EVENT"} <= set(labels)
    assert labels["ORG"].acronym == "ADGMIN" and labels["EVENT"].acronym is None
    assert labels["EVENT"].rule != labels["ORG"].rule


def test_date_records_read_as_the_spans(doc):
    group = doc.spans["dates"]
    records = date_records(doc)
    assert len(group) >= 2
    assert [_date_view(r) for r in records] == [_date_view(s) for s in group]
    rows_before = date_rows(doc)
    try:
        doc.spans["dates"] = list(group)  # a group the tagger did not leave: read from the spans
        assert [_date_view(r) for r in date_records(doc)] == [_date_view(s) for s in group]
        assert date_rows(doc) == rows_before
    finally:
        doc.spans["dates"] = list(group)


def _title_end_by_regex(title: str, head: str) -> int:
    words = title.split()
    if not words:
        return 0
    found = re.search(r"\s+".join(re.escape(w) for w in words), head, re.I)
    return found.end() if found else 0


@pytest.mark.parametrize("title, head", [
    ("Joint Statement", "JOINT   STATEMENT\non trade"),
    ("Joint Statement", "Joint Statements and the joint\n\tstatement"),
    ("Leaders’ Statement", "The G7 Leaders’ Statement"),
    ("Mission", "MIſſION"),  # long s matches "s" under re.IGNORECASE
    ("Digital Initiative", "DIGITAL INITIATIVE, digıtal ınitiative"),  # dotless i matches "i"
    ("İstanbul Declaration", "The istanbul declaration"),
    ("Kiel Week", "\u212aiel week"),  # Kelvin sign
    ("a b", "ab a  b"),
    ("", "anything"),
    ("Title", ""),
])
def test_title_end_is_the_regex_it_replaces(title, head):
    assert title_end(title, head) == _title_end_by_regex(title, head)


_CHARS = st.sampled_from(list("aAbBsSiIkK ’-.\n\t") + ["\u017f", "\u0131", "\u0130", "\u212a", "é", "É", "\u00a0"])


@given(st.text(_CHARS, max_size=12), st.text(_CHARS, max_size=40))
def test_title_end_matches_the_regex_on_any_text(title, head):
    assert title_end(title, head) == _title_end_by_regex(title, head)
