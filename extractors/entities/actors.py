"""Who is named where: actors of a character range and parties of a document.

Both functions read only ``doc.spans["entities"]`` (and ``doc._.input`` for the
title), so they work on any doc the ``accords_entities`` component has run on.
"""
from __future__ import annotations

import re

from spacy.tokens import Doc, Span

from extractors import spans
from extractors.entities.gazetteer import bodies

_SIGNATORIES = re.compile(r"(?im)^\W*signator(?:y|ies)\b.*$")


def actor_name(span: Span) -> str | None:
    """Canonical actor of one COUNTRY or ORG span: ISO3 for a country, the short
    name of a bloc (EU, ASEAN, G7), else the acronym the document uses, else the
    organization's full name."""
    if span.label_ == "COUNTRY":
        return span._.canonical
    if span.label_ != "ORG":
        return None
    body = bodies().by_surface.get(span._.canonical or "")
    if body is not None and body.kind == "bloc":
        return body.acronym or body.name
    return span._.acronym or span._.canonical or span.text


def _is_qualifier(country: Span, orgs: list[Span]) -> bool:
    """A country inside an organization's name or right before it as its owner
    ("Japan's Ministry of ...", "Ministry of Communications of India")."""
    for org in orgs:
        if org.start_char <= country.start_char and country.end_char <= org.end_char:
            return True
        gap = country.doc.text[country.end_char:org.start_char]
        if 0 <= org.start_char - country.end_char <= 3 and gap.strip() in {"'s", "’s"}:
            return True
    return False


def actor_spans(doc: Doc, start_char: int, end_char: int, qualifiers: bool = False) -> list[Span]:
    """COUNTRY and ORG spans inside [start_char, end_char) that name an actor:
    organizations nested in a longer organization are left out, and so are
    countries that only qualify an organization unless ``qualifiers``."""
    inside = [s for s in doc.spans.get(spans.ENTITIES, [])
              if s.label_ in ("COUNTRY", "ORG") and start_char <= s.start_char and s.end_char <= end_char]
    orgs = [s for s in inside if s.label_ == "ORG"]
    kept = []
    for span in inside:
        if span.label_ == "ORG":
            if any(o is not span and o.start_char <= span.start_char and span.end_char <= o.end_char
                   and (o.end_char - o.start_char) > (span.end_char - span.start_char) for o in orgs):
                continue
        elif not qualifiers and _is_qualifier(span, orgs):
            continue
        kept.append(span)
    return sorted(kept, key=lambda s: (s.start_char, s.end_char))


def resolve_actors(doc: Doc, start_char: int, end_char: int) -> list[str]:
    """Canonical actors named in ``doc.text[start_char:end_char]``, in order of
    first mention, without duplicates: ISO3 codes for countries (``JPN``), short
    names for blocs (``EU``, ``ASEAN``, ``G7``), an organization's acronym when
    the document uses one (``MIC``), else its full name."""
    seen: dict[str, None] = {}
    for span in actor_spans(doc, start_char, end_char):
        name = actor_name(span)
        if name:
            seen.setdefault(name, None)
    return list(seen)


def _opening_range(doc: Doc) -> tuple[int, int]:
    """Character range of the document's opening: its first paragraph of prose
    (the first block that is not a heading), or the first 600 characters."""
    document = doc._.input
    blocks = getattr(document, "blocks", None) or []
    for block in blocks:
        if block.kind == "paragraph" and block.end_char - block.start_char > 80:
            return 0, block.end_char
    text = doc.text
    for match in re.finditer(r"[^\n]{120,}", text):
        return 0, match.end()
    return 0, min(len(text), 600)


def document_parties(doc: Doc) -> dict[str, list[str]]:
    """The document's parties, from its title, its opening paragraph and its
    signatories line: ``{"countries": [...], "bodies": [...]}`` where countries
    holds ISO3 codes and bloc short names and bodies the other organizations
    (by acronym when the document uses one)."""
    ranges = [_opening_range(doc)]
    ranges += [(m.start(), m.end()) for m in _SIGNATORIES.finditer(doc.text)]
    found: list[Span] = []
    for start, end in ranges:
        # A statement "between the Ministry ... of Japan and the Ministry ... of
        # Singapore" has the two countries as parties.
        found += actor_spans(doc, start, end, qualifiers=True)
    names = [actor_name(s) for s in found]
    title = getattr(doc._.input, "title", None) if doc._.input is not None else None
    if title and title not in doc.text[:2000]:
        from extractors.entities.component import actors_in_text
        names = actors_in_text(title, doc) + names
    countries: dict[str, None] = {}
    bodies_: dict[str, None] = {}
    bloc_names = {b.acronym or b.name for b in bodies().bodies if b.kind == "bloc"}
    for name in names:
        if not name:
            continue
        if re.fullmatch(r"[A-Z]{3}", name) and name not in bloc_names and not _is_acronym_of_body(doc, name):
            countries.setdefault(name, None)
        elif name in bloc_names:
            countries.setdefault(name, None)
        else:
            bodies_.setdefault(name, None)
    return {"countries": list(countries), "bodies": list(bodies_)}


def _is_acronym_of_body(doc: Doc, name: str) -> bool:
    return any(s.label_ == "ORG" and s._.acronym == name for s in doc.spans.get(spans.ENTITIES, []))
