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

# "We, the Leaders of Australia, India, Japan and the United States, affirm ...":
# the members speak, by name, even under a grouping's title.
_MEMBERS_AS_SPEAKERS = re.compile(r"\b[Ww]e,\s+the\s+(?:\w+\s+){0,3}of\s+[A-Z]")
_OPENING_SPEAKER_CHARS = 1200
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z])")
# An agency by its acronym alone as the subject ("This fall, USAID will deploy ..."),
# when the entity layer does not know it.
_ACRONYM_SUBJECT = re.compile(r"(?:^|,\s+|\b[Tt]he\s+)([A-Z][A-Z0-9&]{2,7})\s*$")
_GOVERNMENT_SUBJECT = re.compile(r"(?:^|,\s+|\b)(?:[Tt]he|[Tt]his|[Oo]ur|[Mm]y)\s+([A-Za-z]+)\s*$")
# How far into the text the parties are looked for when the opening names none.
_FIRST_PARTIES_CHARS = 2000
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
def _body_acronyms() -> frozenset[str]:
    try:
        from extractors.entities.gazetteer import bodies
        return frozenset(bodies().by_acronym)
    except Exception:
        return frozenset()


@lru_cache(maxsize=1)
def _bloc_names() -> frozenset[str]:
    try:
        from extractors.entities.gazetteer import bodies
        return frozenset(b.acronym or b.name for b in bodies().bodies if b.kind == "bloc")
    except Exception:
        return frozenset()


class _NameOf:
    """Canonical actor string of a span, through the entity layer's ``actor_name``."""

    def __init__(self, government_nouns: frozenset[str] = frozenset()):
        api = _entity_api()
        self.actor_name = api.actor_name if api is not None and hasattr(api, "actor_name") else _default_name
        self.blocs = _bloc_names()
        self.government_nouns = government_nouns

    def mention(self, span: Span) -> Mention | None:
        label = span.label_
        if label == "PERSON":
            country = span._.country
            return Mention(span.start_char, span.end_char, "PERSON", None, country) if country else None
        value = self.actor_name(span)
        if not value:
            return None
        if label == "COUNTRY":
            return Mention(span.start_char, span.end_char, "COUNTRY", value, value)
        country = span._.country
        words = span.text.split()
        if country and words and words[-1].lower() in self.government_nouns:
            # "the Biden-Harris Administration will ...": the government acts for its country.
            return Mention(span.start_char, span.end_char, "COUNTRY", country, country)
        bloc = value in self.blocs if self.blocs else not country
        return Mention(span.start_char, span.end_char, "BLOC" if bloc else "ORG", value, country)


def _actor_spans(text: str, entities: list[Span]) -> list[Span]:
    """COUNTRY/ORG/PERSON spans that can name an actor, in text order.

    An ORG nested in a longer ORG and a country that only qualifies an ORG
    ("Japan's Ministry of ...", "Ministry of ... of Japan") are dropped, in one
    sorted sweep (a pairwise test is quadratic on long white papers).
    """
    ents = sorted((s for s in entities if s.label_ in ("COUNTRY", "ORG", "PERSON")),
                  key=lambda s: (s.start_char, -s.end_char))
    org_starts = [(s.start_char, s.end_char) for s in ents if s.label_ == "ORG"]
    starts_only = [a for a, _ in org_starts]
    out, cover_end = [], -1
    for s in ents:
        label = s.label_
        if label == "PERSON":
            out.append(s)
            continue
        if s.end_char <= cover_end:
            continue
        if label == "ORG":
            cover_end = max(cover_end, s.end_char)
        else:
            k = bisect_left(starts_only, s.end_char)
            if k < len(starts_only) and starts_only[k] - s.end_char <= 3 \
                    and text[s.end_char:starts_only[k]].strip() in ("'s", "\u2019s"):
                continue
        out.append(s)
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


# "... announced that it", "... confirmed it": the pronoun opens a reported clause.
_THAT_BEFORE_PRONOUN = re.compile(r"(?:\bthat|\b\w+ed)\s*$", re.IGNORECASE)

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
        # Mentions are built lazily: only subjects and party ranges are ever read.
        self._spans = _actor_spans(text, entities)
        self._starts = [s.start_char for s in self._spans]
        self._mentions: dict[int, Mention | None] = {}
        self._name_of = _NameOf(lexicon.words("government_nouns"))
        self.title = title or ""
        self.countries, self.bodies = self._document_parties(title, party_ranges)
        if not self.countries and not self.bodies:
            self.countries = self._first_named_countries()
        self.parties = self._speakers()
        self.home = self._home_countries(party_ranges)

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
            acronyms = _body_acronyms()
            countries = [a for a in title_actors if re.fullmatch(r"[A-Z]{3}", a) and a not in acronyms
                         or a in blocs] + countries
            bodies_ = [a for a in title_actors if a not in countries] + bodies_
        # A body named in full and by acronym ("the Ministry of ... (MIC)") is one party.
        return _dedupe(countries), _dedupe(page_acronyms(f"{title or ''}\n{self.text}", _dedupe(bodies_)))


    def _first_named_countries(self) -> list[str]:
        """The states of the first paragraph that names any, when the title and
        the opening name none ("Our Administrations reaffirm ..." then "Last
        year, the United States and Brazil launched ...")."""
        limit = min(len(self.text), _FIRST_PARTIES_CHARS)
        start = 0
        while start < limit:
            end = self.text.find("\n\n", start)
            end = limit if end < 0 or end > limit else end
            found = [m for m in self.within(start, end) if m.label == "COUNTRY"]
            if found:
                # Of that paragraph, the sentence that names them first ("Today we welcome
                # South Africa" later in it adds a guest, not an author).
                stop = _SENTENCE_END.search(self.text, found[0].end, end)
                stop_at = stop.start() if stop else end
                return _dedupe([m.value for m in found if m.start < stop_at])
            start = end + 2
        return []

    def _speakers(self) -> list[str]:
        """Who "we" are: the states when the document is between two or more of
        them, else the bodies that issue it. A single-author paper names other
        bodies in its opening too, so it keeps the one it cites most. A grouping
        that the title names without naming any member ("Quad Leaders' Joint
        Statement") speaks as itself, not as its members."""
        blocs = _bloc_names()
        title_blocs = [c for c in self.countries if c in blocs and re.search(rf"\b{re.escape(c)}\b", self.title)]
        if title_blocs and len(self.countries) > len(title_blocs) \
                and not _MEMBERS_AS_SPEAKERS.search(self.text, 0, _OPENING_SPEAKER_CHARS):
            title_countries = [a for a in _title_actors(self.title) if a in self.countries and a not in blocs]
            if not title_countries:
                return title_blocs
        if len(self.countries) >= 2:
            return list(self.countries)
        if len(self.bodies) >= 2 and len(self.countries) <= 1:
            counts = Counter({b: len(re.findall(rf"\b{re.escape(b)}\b", self.text)) for b in self.bodies})
            ranked = counts.most_common()
            if ranked and (len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1]):
                return [ranked[0][0]]
            return list(self.bodies)
        if self.bodies:
            return list(self.bodies)
        return list(self.countries)

    def _home_countries(self, ranges: list[tuple[int, int]]) -> list[str]:
        """Countries of the parties: themselves, or the countries of the bodies ("MIC" -> JPN)."""
        home = [p for p in self.parties if p in self.countries]
        countries_of = {m.value: m.country for lo, hi in ranges for m in self.within(lo, hi)
                        if m.label in ("ORG", "BLOC") and m.country}
        home += [countries_of[p] for p in self.parties if p in countries_of]
        return _dedupe(home)

    def _group(self, kind: str) -> list[str]:
        if kind == "body":  # "the Ministry plans to": the one issuing body, when there is one
            if len(self.bodies) == 1:
                return list(self.bodies)
            own = [p for p in self.parties if p in self.bodies]
            return own if len(own) == 1 else list(self.parties)
        if kind == "bodies" and self.bodies:
            return list(self.bodies)
        return list(self.parties)

    # ---------------------------------------------------------------- lookup

    def within(self, start: int, end: int) -> list[Mention]:
        i = bisect_left(self._starts, start)
        out = []
        while i < len(self._spans) and self._starts[i] < end:
            if self._spans[i].end_char <= end:
                if i not in self._mentions:
                    self._mentions[i] = self._name_of.mention(self._spans[i])
                if self._mentions[i] is not None:
                    out.append(self._mentions[i])
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
                named = self._reported_subject(start, start + m.start())
                if named:
                    return named
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
        acronym = _ACRONYM_SUBJECT.search(region)
        if acronym and acronym.group(1).lower() not in self.lexicon.party_phrases:
            return [acronym.group(1)]
        government = _GOVERNMENT_SUBJECT.search(region)
        if government and government.group(1).lower() in self._name_of.government_nouns and len(self.home) == 1:
            # "The Administration will ...", named by no country: the document's own government.
            return list(self.home)
        return None

    def _reported_subject(self, start: int, pronoun: int) -> list[str] | None:
        """The actor a pronoun refers back to within its own sentence: "Canada
        announced that it will contribute" -> Canada, not the previous actor."""
        before = self.text[start:pronoun]
        if not _THAT_BEFORE_PRONOUN.search(before):
            return None
        return actors_of(self.within(start, pronoun), self.text) or None

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
