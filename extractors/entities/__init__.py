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
"""
from extractors.entities.actors import actor_name, document_parties, resolve_actors

__all__ = ["actor_name", "document_parties", "resolve_actors"]
