"""The entity layer's mentions as plain records, for the components that read them.

``entity_records(doc)`` is how the date, commitment and agreement components read
``doc.spans["entities"]``: one ``EntityRecord`` per span, in span order, with the
span's offsets, label, text and entity attributes.  Iterating a SpanGroup builds
a spaCy ``Span`` per entity (and Tokens for its offsets), and each ``span._.x``
builds an ``Underscore`` object; for documents with hundreds of entities that
cost more than the rules that read them.  The component leaves its own offsets
here, so the records are built from them and ``doc.user_data`` (where
``span._.x`` reads) without touching a Span.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

from spacy.tokens import Doc

from extractors import spans

# spaCy keeps span extension values in ``doc.user_data`` under
# ``("._.", name, start_char, end_char)`` (``spacy.tokens.underscore``).
UNDERSCORE_KEY = "._."


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


# Per doc: the span group the component made, its (start_char, end_char, label)
# per span, and the records once built.  Weak keys: a doc's entry goes with it.
_MADE: "weakref.WeakKeyDictionary[Doc, list]" = weakref.WeakKeyDictionary()


def remember(doc: Doc, group, offsets: list[tuple[int, int, str]]) -> None:
    """For the entity component: the group it set and each span's offsets and label,
    whose attributes it wrote to ``doc.user_data`` under spaCy's keys."""
    _MADE[doc] = [group, offsets, None]


def entity_records(doc: Doc, text: str | None = None) -> list[EntityRecord]:
    """``doc.spans["entities"]`` as ``EntityRecord``s, in span order; ``[]`` without
    entities.  ``text``: the doc's text when the caller has it (``Doc.text`` joins
    every token anew).

    Built once per doc from the component's own offsets; read from the spans
    themselves when the group is not the one the component left (replaced,
    edited, or set by other code).  The records are shared: read them, do not
    change them."""
    group = doc.spans.get(spans.ENTITIES)
    if group is None or not len(group):
        return []
    made = _MADE.get(doc)
    if made is None or made[0] is not group or len(made[1]) != len(group):
        return [EntityRecord(s.label_, s.start_char, s.end_char, s.text, s._.canonical, s._.acronym,
                             s._.country, s._.title, s._.rule) for s in group]
    if made[2] is None:
        if text is None:
            from extractors.entities.component import document_text
            text = document_text(doc)
        get = doc.user_data.get
        key = UNDERSCORE_KEY
        made[2] = [EntityRecord(label, start, end, text[start:end],
                                get((key, "canonical", start, end)), get((key, "acronym", start, end)),
                                get((key, "country", start, end)), get((key, "title", start, end)),
                                get((key, "rule", start, end)))
                   for start, end, label in made[1]]
    return list(made[2])
