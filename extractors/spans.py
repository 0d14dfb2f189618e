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

_SPAN_ATTRS = {
    # entities
    "canonical": None,  # ISO3 for COUNTRY, full name for ORG, bare name for PERSON
    "acronym": None,
    "country": None,  # ISO3
    "title": None,  # PERSON title / role
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
}


def register() -> None:
    for name, default in _SPAN_ATTRS.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
    for name, default in _DOC_ATTRS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


register()
