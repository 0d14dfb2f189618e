"""The entity layer: countries, organizations, persons, events, instruments, topics.

The ``accords_entities`` component (``component.py``) puts every mention in
``doc.spans["entities"]`` (overlaps allowed) with the span attributes of
``extractors/spans.py``: ``canonical`` (ISO3 for COUNTRY, full name for ORG,
bare name for PERSON, series name for EVENT, normalized form otherwise),
``acronym``, ``country``, ``title`` and ``rule``.

API for the other extractors (``actors.py``):

- ``resolve_actors(doc, start_char, end_char) -> list[str]``: canonical actors
  named in that character range, in order of mention: ISO3 codes for
  countries, short names for blocs (``EU``, ``ASEAN``, ``G7``), an
  organization's acronym when the document uses one, else its full name.
  A country that only qualifies an organization ("Japan's Ministry of ...")
  and an organization nested in a longer one are not separate actors.
- ``document_parties(doc) -> {"countries": [...], "bodies": [...]}``: the
  document's parties from its title, opening paragraph and signatories line,
  e.g. ``{"countries": ["JPN", "SGP"], "bodies": ["MIC", "MCI"]}``.
- ``actor_name(span)``: the canonical actor of one COUNTRY or ORG span.
- ``entity_records(doc) -> list[EntityRecord]``: the spans of
  ``doc.spans["entities"]`` as plain records, in span order, without building a
  spaCy Span per entity: ``label_``, ``start_char``, ``end_char``, ``text`` and
  the attributes above (``record.canonical``, or ``record._.canonical`` as on a
  span).  The way for other components to read the entity layer.
"""
from extractors.entities.actors import actor_name, document_parties, resolve_actors
from extractors.entities.records import EntityRecord, entity_records

__all__ = ["EntityRecord", "actor_name", "document_parties", "entity_records", "resolve_actors"]
