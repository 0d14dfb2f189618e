"""The ``accords_entities`` component: every entity mention as a span in
``doc.spans["entities"]`` and ``rows(doc)`` for the ``entities`` table.

Each rule family lives in its own module and works on plain text (so titles
and snippets can be scanned without a Doc): ``countries``, ``organizations``,
``persons``, ``vocabulary`` (events, instruments, topics). This module only
orders them and turns their mentions into spans.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.attrs import IDX
from spacy.tokens import Doc, Span

from extractors import spans
from extractors.entities.countries import find_countries
from extractors.entities.lexicon import Hit, lexicon
from extractors.entities.mention import Mention
from extractors.entities.organizations import OrganizationFinder, find_organizations
from extractors.entities.persons import find_persons
from extractors.entities.vocabulary import find_events, find_instruments, find_topics

LABELS = ("PERSON", "COUNTRY", "ORG", "EVENT", "INSTRUMENT", "TOPIC")


def find_mentions(text: str, labels: tuple[str, ...] = LABELS, hits: list[Hit] | None = None) -> list[Mention]:
    """All entity mentions of ``text`` for the given labels, in text order.

    hits: the lexicon's hits on ``text`` when the caller already has them (the
    component adds the case-insensitive phrases it found with a PhraseMatcher).
    """
    hits = lexicon().scan(text, lower=True) if hits is None else hits
    country_mentions = find_countries(text, hits)
    org_mentions = find_organizations(text, country_mentions, hits)
    found: list[Mention] = []
    if "COUNTRY" in labels:
        found += country_mentions
    if "ORG" in labels:
        found += org_mentions
    if "PERSON" in labels:
        found += find_persons(text, country_mentions, org_mentions, hits)
    if {"EVENT", "INSTRUMENT"} & set(labels):
        finder = OrganizationFinder(text, country_mentions, hits)
        if "EVENT" in labels:
            found += find_events(text, hits, finder)
        if "INSTRUMENT" in labels:
            found += find_instruments(text, hits, finder)
    if "TOPIC" in labels:
        found += find_topics(hits)
    found.sort(key=lambda m: (m.start, m.end, m.label))
    return found


def document_text(doc: Doc) -> str:
    """The doc's text, from its DocumentInput when it has one: ``Doc.text`` joins
    every token anew and costs more than this whole component."""
    document = doc._.input
    text = getattr(document, "text", None)
    if text is not None and len(text) == (doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0):
        return text
    return doc.text


class EntityLayer:
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

    def lower_hits(self, doc: Doc) -> list[Hit]:
        hits = []
        categories = self.lexicon.lower_categories
        for match_id, start, end in self.phrase_matcher(doc):
            surface = doc.vocab.strings[match_id]
            span = doc[start:end]
            hits.append(Hit(span.start_char, span.end_char, surface, categories[surface]))
        return hits

    def __call__(self, doc: Doc) -> Doc:
        text = document_text(doc)
        hits = self.lexicon.scan(text) + self.lower_hits(doc)
        hits.sort(key=lambda h: (h.start, -h.end))
        entity_spans = []
        starts = doc.to_array(IDX).tolist() if len(doc) else []
        for mention in find_mentions(text, self.labels, hits):
            # Widen to whole tokens ("expand"), by bisection: Doc.char_span walks
            # the whole doc for every misaligned span.
            first = bisect_right(starts, mention.start) - 1
            last = bisect_left(starts, mention.end)
            if first < 0 or last <= first:
                continue
            span = Span(doc, first, last, label=mention.label)
            # One Underscore per span, and only the attributes that are set
            # (each extension write is a dict write in doc.user_data).
            ext = span._
            ext.canonical = mention.canonical
            ext.rule = mention.rule
            if mention.acronym:
                ext.acronym = mention.acronym
            if mention.country:
                ext.country = mention.country
            if mention.title:
                ext.title = mention.title
            entity_spans.append(span)
        doc.spans[self.spans_key] = entity_spans
        return doc


@Language.factory(
    "accords_entities",
    default_config={"spans_key": spans.ENTITIES, "labels": list(LABELS)},
)
def make_entity_layer(nlp: Language, name: str, spans_key: str, labels: list[str]) -> EntityLayer:
    return EntityLayer(nlp, name, spans_key, labels)


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
    """Rows of the ``entities`` table (every column but ``doc_id``)."""
    out = []
    for span in doc.spans.get(spans.ENTITIES, []):
        out.append({
            "label": span.label_,
            "text": span.text,
            "canonical": span._.canonical,
            "acronym": span._.acronym,
            "country": span._.country,
            "title": span._.title,
            "start_char": span.start_char,
            "end_char": span.end_char,
            "rule": span._.rule or "accords_entities",
        })
    out.sort(key=lambda r: (r["start_char"], r["end_char"], r["label"]))
    return out
