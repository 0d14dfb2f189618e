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


# Rows of the span groups, in the groups' order. A span's own ``_.record`` is
# stored by its character offsets, so two spans over the same characters (a
# commitment that is also an agreement mention, two instruments named only by
# the metadata title) would share one; the doc-level lists keep them apart.
COMMITMENT_ROWS = "commitment_rows"
AGREEMENT_ROWS = "agreement_rows"
_DOC_ROWS = (COMMITMENT_ROWS, AGREEMENT_ROWS)


def register() -> None:
    for name, default in _SPAN_ATTRS.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
    if not Doc.has_extension("input"):
        # The DocumentInput the doc was made from (metadata and blocks).
        Doc.set_extension("input", default=None)
    for name in _DOC_ROWS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    if not Doc.has_extension("date_records"):
        # The date tagger's records of its own span group (see extractors.dates.component).
        Doc.set_extension("date_records", default=None)


register()
