"""The ``accords_entities`` component: every entity mention as a span in
``doc.spans["entities"]`` and ``rows(doc)`` for the ``entities`` table.

Each rule family lives in its own module and works on plain text (so titles
and snippets can be scanned without a Doc): ``countries``, ``organizations``,
``persons``, ``vocabulary`` (events, instruments, topics). This module only
orders them and turns their mentions into spans.
"""
from __future__ import annotations

import numpy
from spacy.attrs import IDX
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from extractors import spans
from extractors.entities.countries import find_countries
from extractors.entities.lexicon import Hit, _hit_order, lexicon
from extractors.entities.mention import Mention
from extractors.entities.organizations import OrganizationFinder, find_organizations
from extractors.entities.persons import find_persons
from extractors.entities.records import EntityLayer, EntityRecord, entity_records
from extractors.entities.vocabulary import find_events, find_instruments, find_topics

LABELS = ("PERSON", "COUNTRY", "ORG", "EVENT", "INSTRUMENT", "TOPIC")


def find_mentions(text: str, labels: tuple[str, ...] = LABELS, hits: list[Hit] | None = None) -> list[Mention]:
    """All entity mentions of ``text`` for the given labels, in text order.

    hits: the lexicon's hits on ``text`` when the caller already has them (the
    component adds the case-insensitive phrases it found with a PhraseMatcher).
    """
    hits = lexicon().scan(text, lower=True) if hits is None else hits
    country_mentions = find_countries(text, hits)
    finder = OrganizationFinder(text, country_mentions, hits)
    org_mentions = find_organizations(text, country_mentions, hits, finder)
    found: list[Mention] = []
    if "COUNTRY" in labels:
        found += country_mentions
    if "ORG" in labels:
        found += org_mentions
    if "PERSON" in labels or "ORG" in labels:
        persons = find_persons(text, country_mentions, org_mentions, hits)
        if "ORG" in labels:
            found = [m for m in found if m.label != "ORG" or not _named_after_persons(m, persons)]
        if "PERSON" in labels:
            found += persons
    if {"EVENT", "INSTRUMENT"} & set(labels):
        if "EVENT" in labels:
            found += find_events(text, hits, finder)
        if "INSTRUMENT" in labels:
            found += find_instruments(text, hits, finder)
    if "TOPIC" in labels:
        found += find_topics(hits)
    found.sort(key=lambda m: (m.start, m.end, m.label))
    return found


def _named_after_persons(org: Mention, persons: list[Mention]) -> bool:
    """True when an "organization" is an administration named after its leaders
    ("the Biden-Harris Administration", "the Obama Administration")."""
    words = org.canonical.split(" ") if org.canonical else []
    if len(words) == 2 and words[1] == "Administration":
        surnames = {w.rstrip(",") for p in persons if p.canonical for w in p.canonical.split()}
        return any(part in surnames for part in words[0].split("-"))
    return False


def document_text(doc: Doc) -> str:
    """The doc's text, from its DocumentInput when it has one: ``Doc.text`` joins
    every token anew and costs more than this whole component."""
    document = doc._.input
    text = getattr(document, "text", None)
    if text is not None and len(text) == (doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0):
        return text
    return doc.text


class EntityComponent:
    """Adds ``doc.spans[spans_key]`` with one span per mention.

    labels: which entity labels to produce (all six by default); a span whose
    characters do not align with tokens is widened to the enclosing tokens.
    Case-insensitive phrases (topics, "memorandum of cooperation") are matched
    with a PhraseMatcher on LOWER, far cheaper than a case-insensitive regex.
    """

    def __init__(self, nlp: Language, name: str, spans_key: str, labels: list[str]):
        self.name = name
        self.spans_key = spans_key
        self.labels = tuple(labels)
        self.lexicon = lexicon()
        self.phrase_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for surface in self.lexicon.lower_categories:
            self.phrase_matcher.add(surface, [nlp.make_doc(surface)])
        self.label_ids = {label: nlp.vocab.strings.add(label) for label in LABELS}

    def lower_hits(self, doc: Doc) -> list[Hit]:
        matches = self.phrase_matcher(doc)
        if not matches:
            return []
        hits = []
        categories = self.lexicon.lower_categories
        strings = doc.vocab.strings
        for match_id, start, end in matches:
            surface = strings[match_id]
            last = doc[end - 1]
            hits.append(Hit(doc[start].idx, last.idx + len(last), surface, categories[surface]))
        return hits

    def __call__(self, doc: Doc) -> Doc:
        text = document_text(doc)
        hits = self.lexicon.scan(text)
        lower = self.lower_hits(doc)
        if lower:
            hits += lower
            hits.sort(key=_hit_order)
        mentions = find_mentions(text, self.labels, hits)
        entity_spans = []
        records = []
        label_ids = self.label_ids
        for mention, first, last in zip(mentions, *_enclosing_tokens(doc, mentions)):
            if first < 0 or last <= first:
                continue
            label = mention.label
            span = Span(doc, first, last, label=label_ids.get(label) or label)
            entity_spans.append(span)
            # The other attributes are read from the records (extractors/spans.py).
            span._.rule = mention.rule
            start_char, end_char = span.start_char, span.end_char
            records.append(EntityRecord(label, start_char, end_char, text[start_char:end_char], mention.canonical,
                                        mention.acronym or None, mention.country or None, mention.title or None,
                                        mention.rule))
        doc.spans[self.spans_key] = entity_spans
        if self.spans_key == spans.ENTITIES:
            # ``entity_records`` serves the other components from these, without Spans.
            doc._.entity_layer = EntityLayer(doc.spans[self.spans_key], records)
        return doc




def _enclosing_tokens(doc: Doc, mentions: list[Mention]) -> tuple[list[int], list[int]]:
    """First and end token of the tokens enclosing each mention ("expand"), by
    one vectorized bisection over the token starts: ``Doc.char_span`` walks the
    whole doc for every misaligned span, and a Python list of every token's
    offset costs more than the search."""
    if not mentions or not len(doc):
        return [-1] * len(mentions), [-1] * len(mentions)
    starts = doc.to_array(IDX).astype(numpy.int64)
    count = len(mentions)
    mention_starts = numpy.fromiter((m.start for m in mentions), dtype=numpy.int64, count=count)
    mention_ends = numpy.fromiter((m.end for m in mentions), dtype=numpy.int64, count=count)
    firsts = numpy.searchsorted(starts, mention_starts, side="right") - 1
    lasts = numpy.searchsorted(starts, mention_ends, side="left")
    return firsts.tolist(), lasts.tolist()


@Language.factory(
    "accords_entities",
    default_config={"spans_key": spans.ENTITIES, "labels": list(LABELS)},
)
def make_entity_layer(nlp: Language, name: str, spans_key: str, labels: list[str]) -> EntityComponent:
    return EntityComponent(nlp, name, spans_key, labels)


def actors_in_text(text: str, doc: Doc | None = None) -> list[str]:
    """Canonical actors named in a plain string (a title): ISO3 codes, bloc short
    names, acronyms the document uses, else full names."""
    from extractors.entities.gazetteer import bodies

    registry = bodies()
    names: dict[str, None] = {}
    for m in find_mentions(text, ("COUNTRY", "ORG")):
        if m.label == "COUNTRY":
            names.setdefault(m.canonical, None)
            continue
        body = registry.by_surface.get(m.canonical)
        if body is not None and body.kind == "bloc":
            names.setdefault(body.acronym or body.name, None)
        else:
            names.setdefault(m.acronym or m.canonical, None)
    return list(names)


def rows(doc: Doc) -> list[dict]:
    """Rows of the ``entities`` table (every column but ``doc_id``), in text order."""
    found = [{
        "label": r.label_,
        "text": r.text,
        "canonical": r.canonical,
        "acronym": r.acronym,
        "country": r.country,
        "title": r.title,
        "start_char": r.start_char,
        "end_char": r.end_char,
        "rule": r.rule or "accords_entities",
    } for r in entity_records(doc)]
    found.sort(key=_row_order)
    return found


def _row_order(row: dict) -> tuple:
    return row["start_char"], row["end_char"], row["label"]
