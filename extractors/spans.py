"""Span keys and custom attributes shared by the components.

Components talk to each other only through ``doc.spans[KEY]`` and these
attributes, so each can be developed and tested alone.
"""
from __future__ import annotations

from spacy.tokens import Doc, Span

ENTITIES = "entities"  # labels PERSON, COUNTRY, ORG, EVENT, INSTRUMENT, TOPIC
DATES = "dates"
COMMITMENTS = "commitments"
AGREEMENTS = "agreements"

# Entity attributes, read from the entity layer's record of the span
# (``doc._.entity_layer``) unless a value was set on the span, which
# ``doc._.span_values`` keeps: the component then writes nothing per span.
_ENTITY_ATTRS = (
    "canonical",  # ISO3 for COUNTRY, full name for ORG, bare name for PERSON
    "acronym",
    "country",  # ISO3
    "title",  # PERSON title / role
)

_SPAN_ATTRS = {
    "rule": None,  # pattern or component that fired
    # dates
    "date_value": None,  # "2026-03-18", "2024-05", "FY2023", "2022/2025"
    "granularity": None,  # day, month, year, fiscal_year, range
    "start_date": None,  # datetime.date
    "end_date": None,  # datetime.date
    "relative": False,
    "anchor": None,
    # commitments and agreements keep their full record here
    "record": None,  # dict
}

_DOC_ATTRS = {
    # The DocumentInput the doc was made from (metadata and blocks).
    "input": None,
    # The entity layer's own account of the group it set: an
    # ``extractors.entities.records.EntityLayer`` (the group and one record per
    # span), so ``entity_records`` need not read every span back.
    "entity_layer": None,
    # The entity layer's actor index of the current group
    # (``extractors.entities.actors.ActorIndex``), built on first use.
    "actor_index": None,
    # Entity attributes set on spans: {(name, start_char, end_char): value}.
    "span_values": None,
    # The date tagger's records of its own span group (see extractors.dates.component).
    "date_records": None,
    # Rows of the commitment and agreement span groups, in the groups' order (see below).
    "commitment_rows": None,
    "agreement_rows": None,
}


def _entity_attribute(name: str):
    def get(span: Span):
        doc = span.doc
        start, end = span.start_char, span.end_char
        values = doc._.span_values
        if values is not None and (name, start, end) in values:
            return values[(name, start, end)]
        layer = doc._.entity_layer
        return None if layer is None else layer.attribute(name, start, end, span.label_)

    def set_(span: Span, value) -> None:
        doc = span.doc
        values = doc._.span_values
        if values is None:
            values = {}
            doc._.span_values = values
        values[(name, span.start_char, span.end_char)] = value

    return get, set_


# Rows of the span groups, in the groups' order. A span's own ``_.record`` is
# stored by its character offsets, so two spans over the same characters (a
# commitment that is also an agreement mention, two instruments named only by
# the metadata title) would share one; the doc-level lists keep them apart.
COMMITMENT_ROWS = "commitment_rows"
AGREEMENT_ROWS = "agreement_rows"


def register() -> None:
    for name in _ENTITY_ATTRS:
        if not Span.has_extension(name):
            getter, setter = _entity_attribute(name)
            Span.set_extension(name, getter=getter, setter=setter)
    for name, default in _SPAN_ATTRS.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
    for name, default in _DOC_ATTRS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


register()
