"""Who commits: a clause's subject resolved to canonical actors through the entity layer.

Canonical forms follow the gold guidelines: countries as ISO3 codes, blocs by
short name (EU, ASEAN), a body by its acronym or name. "we", "both sides",
"the ministries" ... are the document's parties; "they" / "it" continue the
previous commitment's actor. The entity layer (``extractors.entities``)
supplies ``actor_spans``/``actor_name``/``document_parties``; without it (or
with no entity spans) the resolver still works on whatever spans exist.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Span

from extractors.commitments.lexicon import Lexicon

# How far back "both countries" / "the dialogue" may look for the partner country.
_PAIR_LOOKBACK_CHARS = 1500


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    label: str  # COUNTRY, BLOC, ORG, PERSON
    value: str | None  # canonical actor string; None for a person
    country: str | None

    @property
    def is_state(self) -> bool:
        """A country or a bloc (EU, ASEAN, G7)."""
        return self.label in ("COUNTRY", "BLOC")


def _title_actors(title: str) -> list[str]:
    """Actors a title names that the clean text may not hold (front matter)."""
    try:
        from extractors.entities.component import actors_in_text
        return list(actors_in_text(title))
    except Exception:
        return []


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


@lru_cache(maxsize=1)
def _bloc_names() -> frozenset[str]:
    try:
        from extractors.entities.gazetteer import bodies
        return frozenset(b.acronym or b.name for b in bodies().bodies if b.kind == "bloc")
    except Exception:
        return frozenset()


def _mentions(text: str, entities: list[Span]) -> list[Mention]:
    """COUNTRY/ORG/PERSON mentions that can name an actor, in text order.

    An ORG nested in a longer ORG and a country that only qualifies an ORG
    ("Japan's Ministry of ...", "Ministry of ... of Japan") are dropped, in one
    sorted sweep (a pairwise test is quadratic on long white papers).
    """
    api = _entity_api()
    actor_name = api.actor_name if api is not None and hasattr(api, "actor_name") else _default_name
    names: dict[tuple, str | None] = {}

    def name(span: Span) -> str | None:
        key = (span.label_, span._.canonical, span._.acronym, span.text)
        if key not in names:
            names[key] = actor_name(span)
        return names[key]

    blocs = _bloc_names()
    ents = sorted((s for s in entities if s.label_ in ("COUNTRY", "ORG", "PERSON")),
                  key=lambda s: (s.start_char, -s.end_char))
    orgs = [s for s in ents if s.label_ == "ORG"]
    org_starts = [s.start_char for s in orgs]
    out, cover_end = [], -1
    for s in ents:
        if s.label_ == "PERSON":
            if s._.country:  # a person acts for their country ("Prime Minister Kishida ... expressed")
                out.append(Mention(s.start_char, s.end_char, "PERSON", None, s._.country))
            continue
        inside_org = s.end_char <= cover_end
        if s.label_ == "ORG":
            if inside_org:
                continue
            cover_end = max(cover_end, s.end_char)
        else:
            if inside_org:
                continue
            k = bisect_left(org_starts, s.end_char)
            if k < len(orgs) and orgs[k].start_char - s.end_char <= 3 \
                    and text[s.end_char:orgs[k].start_char].strip() in ("'s", "\u2019s"):
                continue
        value = name(s)
        if s.label_ == "COUNTRY":
            out.append(Mention(s.start_char, s.end_char, "COUNTRY", value, value))
        elif value:
            bloc = value in blocs if blocs else not s._.country
            out.append(Mention(s.start_char, s.end_char, "BLOC" if bloc else "ORG", value, s._.country))
    return out


def page_acronyms(page: str, names: list[str]) -> list[str]:
    """Bodies by the acronym the page itself uses: the registry's acronym of a
    full name, when that acronym occurs in ``page`` (title and text): "MCI"."""
    try:
        from extractors.entities.gazetteer import bodies
        registry = bodies()
    except Exception:
        return names
    out = []
    for name in names:
        body = registry.by_surface.get(name)
        acronym = body.acronym if body is not None else None
        out.append(acronym if acronym and re.search(rf"\b{re.escape(acronym)}\b", page) else name)
    return out


def _dedupe(values) -> list[str]:
    seen, out = set(), []
    for v in values:
        if v and v not in seen:
            seen.add(v)
            out.append(v)
    return out


_COORDINATION = re.compile(r"\s*(?:,\s*)?(?:and|&|-|–|,)?\s*(?:the\s+)?", re.IGNORECASE)


def actors_of(mentions: list[Mention], text: str) -> list[str]:
    """Actors named by the mentions of a subject: the countries (with the blocs
    coordinated with them) if any are named, else the bodies, or their
    countries when bodies of several countries act together.

    "Japan and the EU decided" -> ["JPN", "EU"]; "Italy, the G7 chair for 2024," -> ["ITA"];
    "the MIC and the Federal Ministry for Digital and Transport signed" -> ["JPN", "DEU"];
    "the MIC aims" -> ["MIC"].
    """
    countries = _dedupe(m.value if m.label == "COUNTRY" else m.country for m in mentions
                        if m.label in ("COUNTRY", "PERSON"))
    blocs = [m for m in mentions if m.label == "BLOC"]
    if countries:
        states = [m for m in mentions if m.label in ("COUNTRY", "PERSON")]
        joined = [b for b in blocs if any(_coordinated(text, s, b) for s in states)]
        return _dedupe([m.country if m.label == "PERSON" else m.value for m in sorted(states + joined, key=lambda m: m.start)])
    bodies = [m for m in mentions if m.label == "ORG"]
    body_countries = _dedupe(m.country for m in bodies)
    if len(body_countries) >= 2:
        return _dedupe([b.value for b in blocs] + body_countries)
    return _dedupe([b.value for b in blocs] + [m.value for m in bodies])


def _coordinated(text: str, a: Mention, b: Mention) -> bool:
    """Two mentions joined as a list ("Japan and the EU", "Japan-EU"), not in apposition ("Italy, the G7 chair")."""
    first, second = (a, b) if a.start < b.start else (b, a)
    gap = text[first.end:second.start]
    if gap.strip() == "," or ", the" in gap.lower():  # apposition
        return False
    return len(gap) <= 9 and _COORDINATION.fullmatch(gap) is not None


class ActorResolver:
    """Resolves the subject of each commitment clause of one document."""

    def __init__(self, text: str, entities: list[Span], lexicon: Lexicon, title: str | None,
                 party_ranges: list[tuple[int, int]]):
        self.text = text
        self.lexicon = lexicon
        self.mentions = _mentions(text, entities)
        self._starts = [m.start for m in self.mentions]
        self.countries, self.bodies = self._document_parties(title, party_ranges)
        self.parties = self._speakers()
        self.home = self._home_countries()

    # ---------------------------------------------------------------- parties

    def _document_parties(self, title: str | None, ranges: list[tuple[int, int]]) -> tuple[list[str], list[str]]:
        """Countries/blocs and bodies named in the title, the opening paragraph
        and the signatories line."""
        found = [m for lo, hi in ranges for m in self.within(lo, hi)]
        countries = [m.value for m in found if m.is_state]
        bodies_ = [m.value for m in found if m.label == "ORG"]
        if title and title not in self.text[:2000]:
            title_actors = _title_actors(title)
            blocs = _bloc_names()
            countries = [a for a in title_actors if re.fullmatch(r"[A-Z]{3}", a) and a not in self._body_names
                         or a in blocs] + countries
            bodies_ = [a for a in title_actors if a not in countries] + bodies_
        return _dedupe(countries), page_acronyms(f"{title or ''}\n{self.text}", _dedupe(bodies_))

    @property
    def _body_names(self) -> set[str]:
        return {m.value for m in self.mentions if m.label == "ORG"}

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
        counts = Counter(m.value for m in self.mentions if m.label == "ORG")
        return [counts.most_common(1)[0][0]] if counts else []

    def _home_countries(self) -> list[str]:
        home = [p for p in self.parties if p in self.countries]
        countries_of = {m.value: m.country for m in self.mentions if m.label in ("ORG", "BLOC") and m.country}
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
            found = actors_of(self.within(lo, hi), self.text)
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
