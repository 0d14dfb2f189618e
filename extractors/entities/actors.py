"""Who is named where: actors of a character range and parties of a document.

Both functions read only ``doc.spans["entities"]`` (and ``doc._.input`` for the
title), so they work on any doc the ``accords_entities`` component has run on.
"""
from __future__ import annotations

import re
from bisect import bisect_left

from spacy.tokens import Doc, Span

from extractors import spans
from extractors.entities.gazetteer import bodies

_SIGNATORIES = re.compile(r"(?im)^\W*signator(?:y|ies)\b.*$")


def actor_name(span: Span) -> str | None:
    """Canonical actor of one COUNTRY or ORG span: ISO3 for a country, the short
    name of a bloc (EU, ASEAN, G7), else the acronym the document uses, else the
    organization's full name."""
    return actor_name_of(span.label_, span._.canonical, span._.acronym, span.text)


def actor_name_of(label: str, canonical: str | None, acronym: str | None, text: str) -> str | None:
    """``actor_name`` on values a caller already read from the span (cheaper in loops)."""
    if label == "COUNTRY":
        return canonical
    if label != "ORG":
        return None
    body = bodies().by_surface.get(canonical or "")
    if body is not None and body.kind == "bloc":
        return body.acronym or body.name
    return acronym or canonical or text


def _document_text(doc: Doc) -> str:
    from extractors.entities.component import document_text
    return document_text(doc)


class ActorIndex:
    """COUNTRY and ORG spans of one doc sorted by start, with what each needs to
    be judged in any range, built in one sweep: the longer organizations that
    hold an organization, and the organizations that a country sits in or
    qualifies as owner ("Japan's Ministry of ...")."""

    def __init__(self, doc: Doc, group):
        self.group = group
        self.size = len(group)
        text = _document_text(doc)
        found = [(s.start_char, s.end_char, i, s.label_, s) for i, s in enumerate(group)
                 if s.label_ in ("COUNTRY", "ORG")]
        org_starts = sorted((start, end) for start, end, _, label, _ in found if label == "ORG")
        holders: dict[int, list[tuple[int, int]]] = {}
        self.acronyms: set[str] = set()
        open_orgs: list[tuple[int, int]] = []  # organizations that may hold the next spans
        # Longest first at one start, so a holder is always seen before what it holds.
        for start, end, i, label, span in sorted(found, key=lambda t: (t[0], -t[1], t[2])):
            open_orgs = [o for o in open_orgs if o[1] >= start]
            if label == "ORG":
                holders[i] = [o for o in open_orgs if o[0] <= start and end <= o[1] and o[1] - o[0] > end - start]
                open_orgs.append((start, end))
                acronym = span._.acronym
                if acronym:
                    self.acronyms.add(acronym)
                continue
            # A country qualifies an organization that holds it or that follows
            # its possessive ("Japan's Ministry of ...").
            owners = [o for o in open_orgs if o[0] <= start and end <= o[1]]
            k = bisect_left(org_starts, (start, -1))
            while k < len(org_starts) and org_starts[k][0] <= end + 3:
                o = org_starts[k]
                if o[0] <= start and end <= o[1]:
                    if o not in owners:
                        owners.append(o)
                elif 0 <= o[0] - end <= 3 and text[end:o[0]].strip() in {"'s", "’s"}:
                    owners.append(o)
                k += 1
            holders[i] = owners
        order = sorted(found, key=lambda t: (t[0], t[1], t[2]))
        self.entries = [(start, end, label, span) for start, end, _, label, span in order]
        self.holders = [holders[t[2]] for t in order]
        self.starts = [t[0] for t in order]

    def spans(self, start_char: int, end_char: int, qualifiers: bool) -> list[Span]:
        kept = []
        entries = self.entries
        i = bisect_left(self.starts, start_char)
        while i < len(entries) and entries[i][0] < end_char:
            start, end, label, span = entries[i]
            if end <= end_char:
                holders = self.holders[i]
                dropped = (label == "ORG" or not qualifiers) and any(
                    start_char <= o[0] and o[1] <= end_char for o in holders)
                if not dropped:
                    kept.append(span)
            i += 1
        return kept


def _actor_index(doc: Doc) -> ActorIndex:
    """The doc's index, kept in ``doc._.actor_index`` while the group it was
    built from is still ``doc.spans["entities"]``, unedited."""
    group = doc.spans.get(spans.ENTITIES, [])
    index = doc._.actor_index
    if index is not None and index.group is group and index.size == len(group):
        return index
    index = ActorIndex(doc, group)
    doc._.actor_index = index
    return index


def actor_spans(doc: Doc, start_char: int, end_char: int, qualifiers: bool = False) -> list[Span]:
    """COUNTRY and ORG spans inside [start_char, end_char) that name an actor:
    organizations nested in a longer organization are left out, and so are
    countries that only qualify an organization unless ``qualifiers``.
    Near-linear: the doc's spans are sorted and swept once, then each range is
    found by bisection."""
    return _actor_index(doc).spans(start_char, end_char, qualifiers)


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
    text = _document_text(doc)
    for match in re.finditer(r"[^\n]{120,}", text):
        return 0, match.end()
    return 0, min(len(text), 600)


def document_parties(doc: Doc) -> dict[str, list[str]]:
    """The document's parties, from its title, its opening paragraph and its
    signatories line: ``{"countries": [...], "bodies": [...]}`` where countries
    holds ISO3 codes and bloc short names and bodies the other organizations
    (by acronym when the document uses one)."""
    ranges = [_opening_range(doc)]
    text = _document_text(doc)
    ranges += [(m.start(), m.end()) for m in _SIGNATORIES.finditer(text)]
    found: list[Span] = []
    for start, end in ranges:
        # A statement "between the Ministry ... of Japan and the Ministry ... of
        # Singapore" has the two countries as parties.
        found += actor_spans(doc, start, end, qualifiers=True)
    names = [actor_name(s) for s in found]
    title = getattr(doc._.input, "title", None) if doc._.input is not None else None
    if title and title not in text[:2000]:
        from extractors.entities.component import actors_in_text
        names = actors_in_text(title, doc) + names
    countries: dict[str, None] = {}
    bodies_: dict[str, None] = {}
    bloc_names = {b.acronym or b.name for b in bodies().bodies if b.kind == "bloc"}
    body_acronyms = _actor_index(doc).acronyms
    for name in names:
        if not name:
            continue
        if re.fullmatch(r"[A-Z]{3}", name) and name not in bloc_names and name not in body_acronyms:
            countries.setdefault(name, None)
        elif name in bloc_names:
            countries.setdefault(name, None)
        else:
            bodies_.setdefault(name, None)
    return {"countries": list(countries), "bodies": list(bodies_)}
