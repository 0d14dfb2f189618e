"""Who commits: a clause's subject resolved to canonical actors through the entity layer.

Canonical forms follow the gold guidelines: countries as ISO3 codes, blocs by
short name (EU, ASEAN), a body by its acronym or name. "we", "both sides",
"the ministries" ... are the document's parties; "they" / "it" continue the
previous commitment's actor. The entity layer (``extractors.entities``)
supplies ``actor_spans``/``actor_name``/``document_parties``; without it (or
with no entity spans) the resolver still works on whatever spans exist.
"""
from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from extractors import spans
from extractors.commitments.lexicon import Lexicon

# How far back "both countries" / "the dialogue" may look for the partner country.
_PAIR_LOOKBACK_CHARS = 1500


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    label: str  # COUNTRY, ORG, PERSON
    value: str | None  # canonical actor string; None for a person
    country: str | None

    @property
    def is_state(self) -> bool:
        """A country or a bloc: an ORG with no country of its own (EU, ASEAN, G7)."""
        return self.label == "COUNTRY" or (self.label == "ORG" and not self.country)


def _entity_api():
    try:
        from extractors import entities
    except Exception:  # the entity layer is optional for this component
        return None
    return entities if hasattr(entities, "resolve_actors") else None


def _default_name(span: Span) -> str | None:
    if span.label_ == "COUNTRY":
        return span._.canonical
    return span._.acronym or span._.canonical or span.text


def _mentions(doc: Doc) -> list[Mention]:
    if spans.ENTITIES not in doc.spans:
        return []
    api = _entity_api()
    if api is not None and hasattr(api, "actors"):
        kept = api.actors.actor_spans(doc, 0, len(doc.text))
        name = api.actors.actor_name
    else:
        kept = [s for s in doc.spans[spans.ENTITIES] if s.label_ in ("COUNTRY", "ORG")]
        name = _default_name
    out = [Mention(s.start_char, s.end_char, s.label_, name(s),
                   s._.canonical if s.label_ == "COUNTRY" else s._.country) for s in kept]
    # A person acts for their country ("Prime Minister Kishida ... expressed ...").
    out += [Mention(s.start_char, s.end_char, "PERSON", None, s._.country)
            for s in doc.spans[spans.ENTITIES] if s.label_ == "PERSON" and s._.country]
    out = [m for m in out if m.value or m.country]
    out.sort(key=lambda m: (m.start, m.end))
    return out


def _dedupe(values) -> list[str]:
    seen, out = set(), []
    for v in values:
        if v and v not in seen:
            seen.add(v)
            out.append(v)
    return out


def actors_of(mentions: list[Mention]) -> list[str]:
    """Actors named by the mentions of a subject: the countries and blocs if
    any are named, else the bodies, or their countries when bodies of several
    countries act together.

    "the MIC and the Federal Ministry for Digital and Transport signed" -> ["JPN", "DEU"];
    "the MIC aims" -> ["MIC"]; "Italy, the G7 chair for 2024," -> ["ITA"].
    """
    countries = _dedupe(m.value if m.label == "COUNTRY" else m.country for m in mentions
                        if m.label in ("COUNTRY", "PERSON"))
    if countries:
        return countries
    blocs = _dedupe(m.value for m in mentions if m.label == "ORG" and m.is_state)
    bodies = [m for m in mentions if m.label == "ORG" and not m.is_state]
    body_countries = _dedupe(m.country for m in bodies)
    if len(body_countries) >= 2:
        return _dedupe(blocs + body_countries)
    return _dedupe(blocs + [m.value for m in bodies])


class ActorResolver:
    """Resolves the subject of each commitment clause of one document."""

    def __init__(self, doc: Doc, lexicon: Lexicon, title_span: tuple[int, int] | None,
                 opening_span: tuple[int, int] | None):
        self.text = doc.text
        self.lexicon = lexicon
        self.mentions = _mentions(doc)
        self._starts = [m.start for m in self.mentions]
        self.countries, self.bodies = self._document_parties(doc, title_span, opening_span)
        self.parties = self._speakers()
        self.home = self._home_countries()

    # ---------------------------------------------------------------- parties

    def _document_parties(self, doc, title_span, opening_span) -> tuple[list[str], list[str]]:
        api = _entity_api()
        if api is not None and spans.ENTITIES in doc.spans:
            try:
                parties = api.document_parties(doc) or {}
                return list(parties.get("countries") or []), list(parties.get("bodies") or [])
            except Exception:  # a bug there must not cost the commitments
                pass
        found = []
        for span in (title_span, opening_span):
            if span is not None:
                found += self.within(*span)
        return (_dedupe(m.value for m in found if m.is_state and m.value),
                _dedupe(m.value for m in found if m.label == "ORG" and not m.is_state))

    def _speakers(self) -> list[str]:
        """Who "we" are: the states when the document is between two or more of
        them, else the bodies that issue it. A single-author paper names other
        bodies in its opening too, so it keeps the one it cites most."""
        if len(self.countries) >= 2:
            return list(self.countries)
        if len(self.bodies) >= 2 and len(self.countries) <= 1:
            counts = Counter(m.value for m in self.mentions if m.value in self.bodies)
            ranked = counts.most_common()
            if ranked and (len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1]):
                return [ranked[0][0]]
            return list(self.bodies)
        if self.bodies:
            return list(self.bodies)
        if self.countries:
            return list(self.countries)
        counts = Counter(m.value for m in self.mentions if m.label == "ORG" and not m.is_state)
        return [counts.most_common(1)[0][0]] if counts else []

    def _home_countries(self) -> list[str]:
        home = [p for p in self.parties if p in self.countries]
        countries_of = {m.value: m.country for m in self.mentions if m.label == "ORG" and m.country}
        home += [countries_of[p] for p in self.parties if p in countries_of]
        return _dedupe(home)

    def _group(self, kind: str) -> list[str]:
        if kind == "bodies" and self.bodies:
            return list(self.bodies)
        return list(self.parties)

    # ---------------------------------------------------------------- lookup

    def within(self, start: int, end: int) -> list[Mention]:
        i = bisect_left(self._starts, start)
        out = []
        while i < len(self.mentions) and self.mentions[i].start < end:
            if self.mentions[i].end <= end:
                out.append(self.mentions[i])
            i += 1
        return out

    def resolve(self, clause_start: int, anchor: int, sentence_start: int, previous: list[str] | None) -> list[str]:
        """Actor of the clause whose subject lies in ``text[clause_start:anchor]``.

        A clause with no subject of its own ("..., agreeing to promote ...",
        "and expressed strong support and commitment to ...") takes the subject
        of its sentence; foreign states named there acting with an unnamed
        partner get the document's home country added ("With Indonesia, a
        memorandum ... was signed, agreeing to ..." -> JPN + IDN).
        """
        actor = self._from_region(clause_start, anchor, previous)
        if actor is None and sentence_start < clause_start:
            actor = self._from_region(sentence_start, clause_start, previous)
            if actor and self.home and not set(actor) & set(self.home) and not set(actor) & set(self.parties):
                actor = _dedupe(self.home + actor)
        return actor if actor is not None else list(self.parties)

    def _from_region(self, start: int, end: int, previous: list[str] | None) -> list[str] | None:
        region = self.text[start:end]
        if not region.strip():
            return None
        for m in self.lexicon.party_regex.finditer(region):
            word = m.group()
            if len(word) <= 2 and word.isupper():  # "IT" is not a pronoun
                continue
            kind = self.lexicon.party_phrases[word.lower()]
            if kind == "previous":
                return list(previous) if previous else list(self.parties)
            if kind == "pair":
                return self._pair(start + m.start())
            return self._group(kind)
        # The subject proper follows the last fronted phrase ("In light of this, the MIC aims").
        cut = region.rfind(", ")
        ranges = [(start + cut + 2, end)] if cut >= 0 else []
        for lo, hi in ranges + [(start, end)]:
            found = actors_of(self.within(lo, hi))
            if found:
                return found
        return None

    def _pair(self, at: int) -> list[str]:
        """ "both countries", "the dialogue": the document's parties when it has
        two, else the home country and the partner named most recently."""
        if len(self.parties) >= 2 or not self.home:
            return list(self.parties)
        recent = [m for m in self.within(max(0, at - _PAIR_LOOKBACK_CHARS), at)
                  if m.label == "COUNTRY" and m.value not in self.home]
        if not recent:
            return list(self.parties)
        return _dedupe(self.home + [recent[-1].value])
