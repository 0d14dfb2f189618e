"""The entity layer's mentions as plain records, for the components that read them.

``entity_records(doc)`` is how the date, commitment and agreement components read
``doc.spans["entities"]``: one ``EntityRecord`` per span, in span order, with the
span's offsets, label, text and entity attributes.  Iterating a SpanGroup builds
a spaCy ``Span`` per entity (and Tokens for its offsets), and each ``span._.x``
builds an ``Underscore`` object; for documents with hundreds of entities that
cost more than the rules that read them.  The component leaves its records in
the registered ``doc._.entity_layer`` extension (``extractors/spans.py``) beside
the group they describe, so they are read without touching a Span; the spans'
own ``canonical``, ``acronym``, ``country`` and ``title`` are read from them too
(``extractors/spans.py``).
"""
from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

from extractors import spans


@dataclass(slots=True, eq=False, repr=False)  # eq=False: hashable, compared by identity
class EntityRecord:
    """One entity span without the Span: ``label_``, ``start_char``, ``end_char``,
    ``text`` and the attributes ``canonical``, ``acronym``, ``country``, ``title``
    and ``rule`` (the values ``span._.<name>`` gives).

    ``record._`` is the record itself, so code written for spans
    (``span._.canonical``) reads a record unchanged.
    """

    label_: str
    start_char: int
    end_char: int
    text: str
    canonical: str | None = None
    acronym: str | None = None
    country: str | None = None
    title: str | None = None
    rule: str | None = None

    @property
    def _(self) -> "EntityRecord":
        return self

    def __repr__(self) -> str:
        return f"EntityRecord({self.label_}, {self.start_char}, {self.end_char}, {self.text!r})"


@dataclass(slots=True, eq=False)
class EntityLayer:
    """What the entity component set on one doc: the span group and one record
    per span, in group order.  Kept in ``doc._.entity_layer``; valid only while
    ``doc.spans["entities"]`` is still this very group, unedited."""

    group: object  # the SpanGroup
    records: list[EntityRecord]
    by_span: dict | None = None  # (start_char, end_char, label) -> record, built on first use

    def describes(self, group) -> bool:
        return self.group is group and len(self.records) == len(group)

    def attribute(self, name: str, start_char: int, end_char: int, label: str):
        """``span._.<name>`` of the layer's span at these offsets with this label
        (None for a span the layer did not make)."""
        if self.by_span is None:
            self.by_span = {(r.start_char, r.end_char, r.label_): r for r in self.records}
        record = self.by_span.get((start_char, end_char, label))
        return None if record is None else getattr(record, name)


def entity_records(doc: Doc, text: str | None = None) -> list[EntityRecord]:
    """``doc.spans["entities"]`` as ``EntityRecord``s, in span order; ``[]`` without
    entities.  ``text``: unused, kept for callers that pass the doc's text.

    The component's own records while the group is the one it left; read from
    the spans themselves when the group was replaced, edited or set by other
    code.  The records are shared: read them, do not change them."""
    group = doc.spans.get(spans.ENTITIES)
    if group is None or not len(group):
        return []
    layer = doc._.entity_layer
    if layer is None or not layer.describes(group):
        return [EntityRecord(s.label_, s.start_char, s.end_char, s.text, s._.canonical, s._.acronym,
                             s._.country, s._.title, s._.rule) for s in group]
    return list(layer.records)
