"""Organizations: ministries, agencies, commissions, funds, international bodies.

Four rule families, all driven by data files:

- ``org_head``: a head noun (``data/org_heads.csv``) with the capitalized words
  before it and its "of/for/on ..." complement after it: "Japan Aerospace
  Exploration Agency", "Ministry of Land, Infrastructure, Transport and Tourism",
  "Office of International Affairs, Commerce and Information Policy Bureau".
- ``org_registry``: full names and aliases of well-known bodies (``data/bodies.csv``):
  "Enterprise Singapore", "Council of Europe", "Quad".
- ``org_acronym_definition``: "Cyber Security Agency (CSA)", "ICANN (Internet
  Corporation for ...)", "ISAC: An abbreviation for the ..." teach the document
  its acronyms.
- ``org_acronym``: a bare acronym resolved by the document's own definitions,
  then by initials of a full name in the document ("MCI" = "Ministry of
  Communications and Information"), then by the registry.
- plural heads name one body per portfolio ("the U.S. Departments of Commerce
  and State"); a name that ends with its country and defines an acronym needs
  no head ("Export Finance Australia (EFA)").

One body, one name: every mention of a body takes the longest name the
document writes for it ("State Department" -> "U.S. Department of State"); a
country abbreviation opens a name ("U.S. Department of Commerce"), a full
country name before a known body or a ministry only qualifies it ("Singapore
Ministry of Defence" -> "Ministry of Defence", country SGP).

The owner country comes from a possessive ("Singapore's Cyber Security
Agency"), an "of <country>" complement, a country inside or right after the
name ("Personal Data Protection Commission Singapore"), the registry, or, for
national bodies that state none, the document's home country (the country it
names most).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from extractors.entities.gazetteer import Body, bodies, countries, read_csv, read_lines, trie_regex
from extractors.entities.lexicon import Hit, lexicon
from extractors.entities.mention import NAME_WORD, Mention, is_stop_word, previous_word

_CAPSEQ = re.compile(rf"{NAME_WORD}(?: {NAME_WORD})*")
_PREP = re.compile(r" (?:of|for|on)(?: the)? ")
_SEP = re.compile(r"(?:,? and(?: the| The)?|,| of(?: the)?| for(?: the)?| on| relating to) ")
_POSSESSIVE = re.compile(r"([\w.\-]+)[’']s $")
_ORDINAL = re.compile(r"(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)$",
                      re.IGNORECASE)
_NUMERIC_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)$")
_FOLLOWER = re.compile(r" ([A-Z][\w’'\-]*)")
_UNITS = frozenset({"Division", "Bureau", "Office", "Section", "Department", "Unit"})
_NAME_RUN = re.compile(rf"{NAME_WORD}(?:(?: (?:and|of|for|&))? {NAME_WORD})*")
_NUMBER = re.compile(r"[\d.\-–]+$")
# Upper-case acronyms ("MIC", "G7", "ITU-R"); no leading \b, which would slow the scan.
# An acronym may open a compound of parties: "EU-Canada", "ASEAN-Japan".
_ACRONYM = re.compile(r"[A-Z][A-Z0-9&]*[A-Z0-9](?:-[A-Z])?(?:(?![\w-])|(?=-[A-Z][a-z]))")
# "(EXIM Bank)": an acronym may carry its head noun.
_DEFINITION_AFTER = re.compile(
    r"\s*\((?:hereinafter\s+(?:referred to as\s+)?)?[“\"]?([A-Z][\w&-]{1,11}(?: [A-Z][a-z]{2,11})?)[”\"]?\s*[,;)]")
_DEFINITION_COLON = re.compile(r"\b([A-Z][A-Za-z0-9&-]{1,11}):\s+(?:An?\s+)?(?:abbreviation|acronym|short)\s+(?:for|of)\s+(?:the\s+)?")
# What follows the colon of a _DEFINITION_COLON: found first, since a pattern
# that opens with \b loses the regex engine's fast scan.
_DEFINITION_COLON_TAIL = re.compile(r":\s+(?:An?\s+)?(?:abbreviation|acronym|short)\s+(?:for|of)\s+")
_GENERIC_MODIFIERS = frozenset(read_lines("generic_modifiers.txt"))
# First words of the names of bodies above states, which have no home country.
_SUPRANATIONAL = frozenset(read_lines("supranational_words.txt"))
_FUNCTION_WORDS = frozenset("of for and the on in to at relating & de".split())
# Names led by a bilateral compound are dialogues, working groups or funds of
# the two sides ("Japan-UK Digital Group"), not standing organizations.
# A country right before these heads qualifies the name rather than opening it:
# "Singapore Ministry of Defence" is the "Ministry of Defence" of Singapore.
_QUALIFIED_HEADS = frozenset({"Ministry"})
_SINGULAR = {"Departments": "Department", "Ministries": "Ministry"}
# Searched from the plural head (an optional group first would lose the regex
# engine's fast scan); the country before it is read separately.
_PLURAL_HEADS = re.compile(
    r"(?P<heads>Departments|Ministries) of (?P<first>[A-Z][a-z]+) and (?:the )?(?P<second>[A-Z][a-z]+)\b")
_BILATERAL_HEADS = frozenset("Group Fund Forum Committee Conference Partnership Platform Alliance".split())


@dataclass(frozen=True)
class OrgRules:
    heads: dict[str, tuple[bool, str]]  # head -> (takes a complement, scope)
    head_regex: re.Pattern
    honorifics: frozenset[str]
    title_regex: re.Pattern  # a person's title at the start of a string ("Chairman", "Deputy Minister")


@lru_cache(maxsize=1)
def rules() -> OrgRules:
    heads = {row["head"]: (row["complement"] == "1", row["scope"]) for row in read_csv("org_heads.csv")}
    return OrgRules(heads, trie_regex(heads), frozenset(h.rstrip(".") for h in read_lines("honorifics.txt")),
                    re.compile(trie_regex(read_lines("person_titles.txt")).pattern))


def _is_acronym(word: str) -> bool:
    """"CSA", "ITU-R", "GovTech", "EXIM Bank" are acronyms; "France" and "IDB
    Invest" (an arm of the bank, named in brackets) are not."""
    first, _, second = word.partition(" ")
    return sum(c.isupper() for c in first) >= 2 and (not second or second in rules().heads)


def _defines_acronym(text: str, pos: int) -> bool:
    match = _DEFINITION_AFTER.match(text, pos)
    return bool(match) and _is_acronym(match.group(1))


@lru_cache(maxsize=65536)
def initials_match(acronym: str, name: str) -> bool:
    """True when the acronym's letters are initials of the name's content words,
    in order, starting with the first: "MIC" ~ "Ministry of Internal Affairs and
    Communications", "METI" ~ "Ministry of Economy, Trade and Industry"."""
    letters = [c for c in acronym if c.isalpha()]
    words = [w for w in re.split(r"[\s,\-]+", name) if w and w.lower() not in _FUNCTION_WORDS]
    if not letters or not words or letters[0].upper() != words[0][0].upper():
        return False
    if letters[-1].upper() != words[-1][0].upper():
        return False  # "JET" is not "Japan External Trade Organisation"
    i = 0
    for word in words:
        if i < len(letters) and word[0].upper() == letters[i].upper():
            i += 1
    return i == len(letters) and len(letters) >= max(2, len(words) // 2)


class OrganizationFinder:
    """Finds ORG mentions in one text, given its COUNTRY mentions."""

    def __init__(self, text: str, country_mentions: list[Mention], hits: list[Hit] | None = None):
        self.text = text
        self.hits = lexicon().scan(text) if hits is None else hits
        self.countries = {m.start: m for m in country_mentions}
        self.country_starts = sorted(self.countries)
        self.country_names = countries().names
        self.demonyms = countries().demonyms
        self.registry = bodies()
        self.rules = rules()
        # Edges depend only on the text and its countries; organizations, events
        # and instruments ask for the same ones.
        self._left: dict[int, int] = {}
        self._right: dict[tuple[int, bool], tuple[int, Mention | None, int]] = {}

    # ------------------------------------------------------------------ helpers
    def country_at(self, pos: int) -> Mention | None:
        return self.countries.get(pos)

    def first_country_in(self, start: int, end: int) -> Mention | None:
        """The first country mention starting in [start, end), by bisection."""
        i = bisect_left(self.country_starts, start)
        if i < len(self.country_starts) and self.country_starts[i] < end:
            return self.countries[self.country_starts[i]]
        return None

    def _has_head(self, phrase: str) -> bool:
        return any(w in self.rules.heads for w in phrase.split())

    def left_edge(self, start: int) -> int:
        edge = self._left.get(start)
        if edge is None:
            edge = self._left[start] = self._left_edge(start)
        return edge

    def right_edge(self, end: int, takes_complement: bool) -> tuple[int, Mention | None, int]:
        key = (end, takes_complement)
        edge = self._right.get(key)
        if edge is None:
            edge = self._right[key] = self._right_edge(end, takes_complement)
        return edge

    def _left_edge(self, start: int) -> int:
        """Extend a name leftwards over capitalized words ("Japan Aerospace
        Exploration" before "Agency"), stopping at function words, possessives,
        ordinals and honorifics; crosses one "and" ("the Economic and Social Council")."""
        text = self.text
        crossed_and = False
        while True:
            found = previous_word(text, start)
            if found is None:
                return start
            word, word_start = found
            if word == "&":
                # "Korea Internet & Security Agency": "&" binds the words of one name.
                left = previous_word(text, word_start)
                if left is None or not left[0][0].isupper() or is_stop_word(left[0]):
                    return start
                start = word_start
                continue
            if word == "and" and not crossed_and:
                if self._can_cross_and(word_start, start):
                    crossed_and = True
                    start = word_start
                    continue
                return start
            if (not word[0].isupper() and not word[0].isdigit()) or is_stop_word(word) \
                    or word.endswith(("’s", "'s")) or _ORDINAL.match(word) \
                    or word.rstrip(".") in self.rules.honorifics or word.endswith(",") \
                    or _NUMBER.match(word):
                return start
            start = word_start

    def _can_cross_and(self, and_start: int, right_start: int) -> bool:
        left = previous_word(self.text, and_start)
        if not left:
            return False
        word, pos = left
        if not word[0].isupper() or is_stop_word(word) or word.isupper() or word in self.country_names \
                or word in self.rules.heads:  # "... Bureau and Civil Aviation Authority": two names
            return False
        if self.country_at(right_start) or word in self.registry.by_surface:
            return False
        # The words left of "and" must open the name: "the Information Sharing and
        # Analysis Center", "of Nippon Telegraph and Telephone Corporation".
        for _ in range(3):
            before = previous_word(self.text, pos)
            if before and before[0] in ("of", "for", "on"):
                # "University of Chicago and Purdue University": the words are the
                # complement of another name, and "and" joins two names.
                owner = previous_word(self.text, before[1])
                return not owner or owner[0] not in self.rules.heads
            if not before or not before[0][0].isupper() or is_stop_word(before[0]):
                return True
            if before[0].endswith(("’s", "'s")):
                return False
            if before[0] in self.country_names:
                # "U.S. Food and Drug Administration": a country may open the name.
                opener = previous_word(self.text, before[1])
                return not opener or not opener[0][0].isupper()
            pos = before[1]
        return False

    def _right_edge(self, end: int, takes_complement: bool) -> tuple[int, Mention | None, int]:
        """Extend over the head's complement; returns (end of the name, country of
        an "of <country>" ending, start of that ending or -1)."""
        text = self.text
        prep = _PREP.match(text, end)
        if not prep:
            return end, None, -1
        head = text[text.rfind(" ", 0, end) + 1:end]
        country = self.country_at(prep.end())
        if country and (prep.group().strip().startswith("of")):
            return country.end, country, end
        if not takes_complement:
            return end, None, -1
        seq = _CAPSEQ.match(text, prep.end())
        if not seq or is_stop_word(seq.group().split()[0]) or self.country_at(prep.end()):
            return end, None, -1
        end, owned = _before_possessive(seq)
        while not owned:
            sep = _SEP.match(text, end)
            if not sep:
                return end, None, -1
            after = sep.end()
            joined = sep.group()
            country = self.country_at(after)
            if country and text[country.end:country.end + 2] not in ("'s", "’s"):
                if joined.strip().startswith("of"):
                    return country.end, country, end
                return end, None, -1
            seq = _CAPSEQ.match(text, after)
            if not seq:
                return end, None, -1
            first = seq.group().split()[0]
            if is_stop_word(first) or first.rstrip(".") in self.rules.honorifics \
                    or (first.endswith(("’s", "'s")) and ("and" in joined or "," in joined)) \
                    or first in self.rules.heads \
                    or ("the" in joined.lower() and self._has_head(seq.group())) \
                    or (first.isupper() and first in self.registry.by_acronym and "," in joined) \
                    or self._starts_another_name(seq.group(), joined, head, after):
                return end, None, -1
            end, owned = _before_possessive(seq)
        return end, None, -1

    def _starts_another_name(self, words: str, joined: str, head: str, at: int) -> bool:
        """True when the words after a separator are the next item of a list, not
        the rest of a portfolio: after a comma, words holding a head noun or
        opening a person's title ("Department of Defense, and National Security
        Council", "Ministry of Foreign Affairs, and the Chairman of ..."); after
        "and", a name with the same head ("University of Chicago and Purdue
        University").  "Office of International Affairs, Commerce and
        Information Policy Bureau" stays one name."""
        if "," in joined:
            # The whole next name, over its own "and"/"of": "the National Economic
            # and Development Authority".
            run = _NAME_RUN.match(self.text, at) if "and" in joined else None
            if self._has_head(run.group() if run else words) or self.rules.title_regex.match(words):
                return True
        return "and" in joined and words.split()[-1] == head

    # ------------------------------------------------------------------ rules
    def head_mentions(self) -> list[Mention]:
        text = self.text
        found = []
        for match in self.hits:
            head_start, head_end = match.start, match.end
            if "org_head" in match.categories:
                head = match.surface
            elif "body" in match.categories and match.surface.split(" ")[0] in self.rules.heads:
                # A body's name may open a longer name: "Ministry of Communications
                # and Information" in "... Information Technology of Egypt".
                head = match.surface.split(" ")[0]
                head_end = head_start + len(head)
            elif "event_head" in match.categories and _defines_acronym(text, match.end):
                head = "Meeting"  # a meeting with its own acronym is a standing body (ADGMIN)
            else:
                continue
            takes_complement, scope = self.rules.heads.get(head, (False, "any"))
            start = self.left_edge(head_start)
            qualifier = self.country_at(start) if head in _QUALIFIED_HEADS else None
            if qualifier is not None and qualifier.end + 1 == head_start:
                start = head_start  # "Singapore Ministry of Defence" is Singapore's "Ministry of Defence"
            else:
                qualifier = None
            end, of_country, of_start = self.right_edge(head_end, takes_complement)
            has_left = start < head_start
            has_complement = end > head_end and of_country is None or of_start > head_end
            if not has_left and not has_complement:
                continue
            if "body" in match.categories and end <= match.end:
                continue  # the registry rule has it
            follower = _FOLLOWER.match(text, end)
            if follower and follower.group(1) not in self.country_names and not is_stop_word(follower.group(1)):
                continue  # "High Altitude Platform Station": the head is further on
            if of_country is None:
                end = self._cut_at_registry_name(start, end)
            name = text[start:end]
            first = name.split()[0]
            before = previous_word(text, start)
            if before and _NUMERIC_ORDINAL.match(before[0]) and head != "Meeting":
                continue  # "27th Japan-EU ...", "the 4th OECD Global Forum": an event
            if "-" in first and head in _BILATERAL_HEADS and self._is_compound_of_parties(start, first):
                continue
            country = of_country.canonical if of_country else (qualifier.canonical if qualifier else None)
            # (A possessive ends right before the name: test that before searching.)
            possessive = _POSSESSIVE.search(text, max(0, start - 40), start) \
                if text[start - 3:start] in ("'s ", "’s ") else None
            if possessive and country is None:
                owner = self.country_at(possessive.start(1))
                country = owner.canonical if owner else None
            if country is None:
                inside = self.first_country_in(start, end)
                country = inside.canonical if inside else None
            if country is None:
                # "Brazilian Development Bank", "Indian Space Research Organisation"
                country = self.demonyms.get(first) or self.country_names.get(first)
            trailing = self.country_at(end + 1) if text[end:end + 1] == " " else None
            if trailing and country is None and not _CAPSEQ.match(text, trailing.end + 1):
                country = trailing.canonical
            modifiers = text[start:head_start].split()
            if modifiers and not has_complement and all(w in _GENERIC_MODIFIERS for w in modifiers):
                continue  # "Public Sector", "Ministerial Council"
            found.append(Mention(start, end, "ORG", name, "org_head", country=country,
                                 title=f"{scope}|{of_start if of_country else -1}"))
        return _join_units(_longest_only(found), text)

    def _cut_at_registry_name(self, start: int, end: int) -> int:
        """End a name where a well-known body's name ends when the words after it
        hold no head noun: "Ministry of Internal Affairs and Communications
        Overseas Promotion Action Plan 2025" is the ministry plus a plan's name."""
        match = self.registry.surface_regex.match(self.text, start, end)
        if match and match.end() < end and match.group() in self.registry.by_surface \
                and not self._has_head(self.text[match.end():end]):
            return match.end()
        return end

    def _is_compound_of_parties(self, start: int, first: str) -> bool:
        parts = [p for p in re.split(r"-", first) if p and p != "the"]
        named = 0
        pos = start
        for part in parts:
            pos = self.text.find(part, pos)
            if self.country_at(pos) or part in self.registry.by_surface or part in self.registry.by_acronym:
                named += 1
        return named >= 2

    def _with_own_country(self, hit: Hit, body: Body) -> Hit:
        """A registry name written after its own country's abbreviation is that
        longer name: "U.S. Development Finance Corporation", "U.S. Treasury
        Department" (a full name qualifies: "Singapore Infocomm Media Development
        Authority" is the "Infocomm Media Development Authority")."""
        if hit.start < 3 or self.text[hit.start - 1] != " " or body.country is None \
                or hit.surface.split(" ")[0] in _QUALIFIED_HEADS:
            return hit
        before = previous_word(self.text, hit.start)
        country = self.country_at(before[1]) if before else None
        if country is None or country.canonical != body.country or country.end != hit.start - 1 \
                or self.text[country.start - 1:country.start] in ("-", "–") \
                or not _abbreviated(self.text[country.start:country.end]):
            return hit
        return Hit(country.start, hit.end, self.text[country.start:hit.end], hit.categories)

    def plural_mentions(self) -> list[Mention]:
        """One name per portfolio after a plural head: "the U.S. Departments of
        Commerce and State" names the "U.S. Department of Commerce" and the "U.S.
        Department of State"."""
        found = []
        for match in _PLURAL_HEADS.finditer(self.text):
            head = _SINGULAR[match.group("heads")]
            first, second = match.group("first"), match.group("second")
            start, country, code = match.start(), "", None
            before = previous_word(self.text, start)
            owner = self.country_at(before[1]) if before else None
            if owner is not None and owner.end == start - 1:
                start, country, code = owner.start, self.text[owner.start:start], owner.canonical
            found.append(Mention(start, match.end("first"), "ORG", f"{country}{head} of {first}", "org_head",
                                 country=code, title="national|-1"))
            found.append(Mention(match.start("second"), match.end("second"), "ORG", f"{country}{head} of {second}",
                                 "org_head", country=code, title="national|-1"))
        return found

    def registry_mentions(self) -> list[Mention]:
        found = []
        for hit in self.hits:
            if "body" in hit.categories:
                body = self.registry.by_surface[hit.surface]
                hit = self._with_own_country(hit, body)
                unit = _CAPSEQ.match(self.text, hit.end + 1) if self.text[hit.end:hit.end + 1] == " " else None
                if unit and len(unit.group().split()) <= 3 and unit.group().split()[-1] in self.rules.heads:
                    # A unit of the body: "United Nations General Assembly Second Committee".
                    found.append(Mention(hit.start, unit.end(), "ORG", self.text[hit.start:unit.end()],
                                         "org_registry", country=body.country))
                    continue
                if body.acronym and body.acronym in hit.surface and hit.surface != body.name:
                    # "GovTech Singapore" is the Government Technology Agency.
                    found.append(Mention(hit.start, hit.end, "ORG", body.name, "org_registry",
                                         acronym=body.acronym, country=body.country))
                    continue
                found.append(Mention(hit.start, hit.end, "ORG", hit.surface, "org_registry",
                                     country=body.country))
            elif "body_acronym" in hit.categories:
                # Mixed-case acronyms ("GovTech"); upper-case ones are resolved with
                # the document's own definitions first (find_organizations).
                body = self.registry.by_acronym[hit.surface][0]
                found.append(Mention(hit.start, hit.end, "ORG", body.name, "org_registry",
                                     acronym=hit.surface, country=body.country))
        return found


def _before_possessive(seq: re.Match) -> tuple[int, bool]:
    """End of a capitalized run, cut before a possessive that hands the phrase on to
    another organization ("Department of Defense’s Defense Innovation Unit"), and
    whether it was cut; "of Japan's ICT and Postal Services" runs on."""
    words = seq.group()
    heads = rules().heads
    for match in re.finditer(r"[’']s\b", words):
        if any(w in heads for w in words[match.end():].split()):
            return seq.start() + match.start(), True
    return seq.end(), False


def _inside_any(mention: Mention, others: list[Mention], starts: list[int] | None = None) -> bool:
    """True when ``mention`` lies strictly inside one of ``others`` (sorted by start,
    whose starts are ``starts``)."""
    i = bisect_right([o.start for o in others] if starts is None else starts, mention.start)
    return any(o.start <= mention.start and mention.end <= o.end and (o.start, o.end) != (mention.start, mention.end)
               for o in others[max(0, i - 3):i])


def _join_units(mentions: list[Mention], text: str) -> list[Mention]:
    """One named unit from a chain of units: "Global Strategy Division, Global
    Strategy Bureau" (a contact line names the division within its bureau)."""
    joined: list[Mention] = []
    for m in mentions:
        prev = joined[-1] if joined else None
        if prev is not None and text[prev.end:m.start] == ", " and prev.canonical.split()[-1] in _UNITS \
                and m.canonical.split()[-1] in _UNITS:
            prev.end, prev.canonical = m.end, text[prev.start:m.end]
            prev.country = prev.country or m.country
            continue
        joined.append(m)
    return joined


def _longest_only(mentions: list[Mention]) -> list[Mention]:
    """Drop head-rule names inside a longer head-rule name ("United Nations General
    Assembly" inside "United Nations General Assembly Second Committee")."""
    mentions.sort(key=lambda m: (m.start, -m.end))
    kept: list[Mention] = []
    for m in mentions:
        if kept and kept[-1].start <= m.start and m.end <= kept[-1].end:
            continue
        kept.append(m)
    return kept


def _strip_of_country(name: str, of_start: int, start: int, acronym: str | None, registry) -> str:
    """Drop an "of <country>" ending that is not part of the name: kept in
    "Monetary Authority of Singapore" and "National Space Agency of Singapore
    (NSAS)", dropped in "Financial Services Agency of Japan" (registry knows the
    shorter name) and "Ministry of Foreign Affairs of Singapore (MFA)"."""
    if of_start < 0:
        return name
    if name in registry.by_surface:
        return name
    short = name[:of_start - start]
    if short in registry.by_surface:
        return short
    if acronym and initials_match(acronym, short) and not initials_match(acronym, name):
        return short
    return name


def find_organizations(text: str, country_mentions: list[Mention], hits: list[Hit] | None = None,
                       finder: OrganizationFinder | None = None) -> list[Mention]:
    """ORG mentions of one document, with canonical names consistent across the
    document (a later bare "MIC" gets the full name its definition gave).

    finder: the document's ``OrganizationFinder`` when the caller has one."""
    finder = finder or OrganizationFinder(text, country_mentions, hits)
    registry = finder.registry
    heads = finder.head_mentions()
    plural = finder.plural_mentions()
    if plural:
        heads = [h for h in heads if not any(p.start <= h.start < p.end or h.start <= p.start < h.end
                                             for p in plural)] + plural
        heads.sort(key=lambda m: (m.start, -m.end))
    registered = finder.registry_mentions()
    registered_starts = [m.start for m in registered]
    heads = [h for h in heads if not _inside_any(h, registered, registered_starts)]
    head_spans = {(h.start, h.end) for h in heads}
    head_ends = {h.start: h.end for h in heads}
    # A body's name that opens a longer name is not a mention of its own.
    listed = heads + [m for m in registered
                      if (m.start, m.end) not in head_spans and head_ends.get(m.start, 0) <= m.end]
    listed += _named_after_country(text, country_mentions, {m.end for m in listed}, finder)
    by_end = {m.end: m for m in listed}
    by_start = {m.start: m for m in listed}

    # Acronym definitions: "Name (ACR)", "ACR (Name)", "ACR: An abbreviation for the Name".
    defined: dict[str, Mention] = {}
    definition_spots: set[int] = set()
    for end, mention in list(by_end.items()):
        match = _DEFINITION_AFTER.match(text, end)
        if match and _is_acronym(match.group(1)) and not finder.country_names.get(match.group(1)):
            defined.setdefault(match.group(1), mention)
            mention.acronym = mention.acronym or match.group(1)
            definition_spots.add(match.start(1))
    acronyms = [m for m in _ACRONYM.finditer(text) if not (m.start() and text[m.start() - 1].isalnum())]
    for match in acronyms:
        after = match.end()
        if text[after:after + 2] == " (" and after + 2 in by_start:
            inner = by_start[after + 2]
            if text[inner.end:inner.end + 1] == ")" and initials_match(match.group(), inner.canonical):
                defined.setdefault(match.group(), inner)
                inner.acronym = match.group()
    for match in _definitions_by_colon(text):
        target = by_start.get(match.end())
        if target is not None:
            defined.setdefault(match.group(1), target)
            target.acronym = match.group(1)

    # Canonical names: an "of <country>" ending that is not part of the name is dropped.
    kept_endings = []
    for mention in listed:
        scope, _, of_start = (mention.title or "any|-1").partition("|")
        canonical = _strip_of_country(mention.canonical, int(of_start), mention.start, mention.acronym, registry)
        if canonical == mention.canonical and int(of_start) >= 0:
            kept_endings.append((mention, mention.canonical[:int(of_start) - mention.start]))
        mention.canonical = canonical
        mention.title = scope
    # One body, one name: "Department of ... of Australia" in a title line is the
    # "Department of ..." its acronym definition named later.
    canonicals = {m.canonical for m in listed}
    for mention, short in kept_endings:
        if short in canonicals:
            mention.canonical = short
    _one_name_per_body(listed, defined, finder)

    # Bare acronyms.
    full_names = {m.canonical: m for m in listed}
    taken = {m.start for m in listed}
    named = Counter(m.canonical for m in country_mentions)
    initials_cache: dict = {}
    acronym_mentions = []
    for match in acronyms:
        acronym = match.group()
        if match.start() in definition_spots or match.start() in taken or acronym in finder.country_names \
                or len(acronym) < 2:
            continue
        target = defined.get(acronym)
        if target is None:
            target = _by_initials(acronym, full_names, initials_cache)
        if target is not None:
            acronym_mentions.append(Mention(match.start(), match.end(), "ORG", target.canonical, "org_acronym",
                                            acronym=acronym, country=target.country, title=target.title))
            continue
        body = _registry_body(acronym, registry, named)
        if body is not None:
            acronym_mentions.append(Mention(match.start(), match.end(), "ORG", body.name, "org_acronym",
                                            acronym=acronym, country=body.country, title="registry"))
    mentions = listed + acronym_mentions
    # An acronym inside a longer registry name ("IDB Invest") is not a use of it.
    inside = {pos for m in registered if m.end - m.start > 6 for pos in range(m.start, m.end)}
    used = {m.group() for m in acronyms if m.start() not in inside}
    used |= {m.acronym for m in listed if m.rule == "org_registry" and m.acronym}
    _fill_document_fields(mentions, used, country_mentions, registry)
    return mentions


def _named_after_country(text: str, country_mentions: list[Mention], taken_ends: set[int],
                         finder: OrganizationFinder) -> list[Mention]:
    """Names that end with their country and define an acronym, without a head
    noun: "Export Finance Australia (EFA)", "AI Singapore (AISG)"."""
    found = []
    for country in country_mentions:
        if country.end in taken_ends or text[country.end:country.end + 2] != " (":
            continue
        match = _DEFINITION_AFTER.match(text, country.end)
        if not match or not _is_acronym(match.group(1)) or " " in match.group(1):
            continue
        start = finder.left_edge(country.start)
        name = text[start:country.end]
        if start < country.start and _spells(match.group(1), name):
            found.append(Mention(start, country.end, "ORG", name, "org_acronym_definition",
                                 country=country.canonical, title="national|-1"))
    return found


def _spells(acronym: str, name: str) -> bool:
    """The acronym's letters appear in order in the name, the first one opening it."""
    letters = [c.lower() for c in acronym if c.isalpha()]
    low = name.lower()
    if not letters or not low.startswith(letters[0]):
        return False
    pos = 0
    for letter in letters:
        pos = low.find(letter, pos)
        if pos < 0:
            return False
        pos += 1
    return True


def _abbreviated(country: str) -> bool:
    """"U.S.", "UK": a country abbreviation that is part of its bodies' names."""
    return "." in country or (country.isupper() and len(country) <= 3)


def _one_name_per_body(listed: list[Mention], defined: dict[str, Mention], finder: OrganizationFinder) -> None:
    """Every mention of one body gets the longest name the document writes for it:
    the registry's surfaces of one body ("State Department", "U.S. Department of
    State"), a name and the same name after a country ("Department of Commerce",
    "U.S. Department of Commerce"), and a defined acronym used as a name ("EXIM
    Bank" after "Export-Import Bank of the United States (EXIM Bank)")."""
    registry = finder.registry
    longest: dict[int, str] = {}
    for m in listed:
        body = registry.by_surface.get(m.canonical)
        if body is not None and len(m.canonical) > len(longest.get(id(body), "")):
            longest[id(body)] = m.canonical
    canonicals = {m.canonical for m in listed}
    prefixed: dict[str, str] = {}
    for name in canonicals:
        first, _, rest = name.partition(" ")
        if first in finder.country_names and (rest in canonicals or rest in registry.by_surface):
            if _abbreviated(first):
                prefixed[rest] = name
            else:
                prefixed[name] = rest  # "Singapore Infocomm Media Development Authority"
    for m in listed:
        target = defined.get(m.canonical)
        if target is not None and target is not m:
            m.canonical, m.acronym = target.canonical, m.canonical
            continue
        body = registry.by_surface.get(m.canonical)
        if body is not None:
            m.canonical = longest[id(body)]
        m.canonical = prefixed.get(m.canonical, m.canonical)


def _definitions_by_colon(text: str):
    """The matches of ``_DEFINITION_COLON.finditer(text)``, found from their tails."""
    last_end = 0
    for tail in _DEFINITION_COLON_TAIL.finditer(text):
        colon = tail.start()
        for pos in range(max(last_end, colon - 12), colon - 1):
            match = _DEFINITION_COLON.match(text, pos)
            if match:
                last_end = match.end()
                yield match
                break


def _by_initials(acronym: str, full_names: dict[str, Mention], cache: dict) -> Mention | None:
    """The one full name of the document whose initials spell ``acronym``."""
    if not acronym.isupper() or len(acronym) < 3:
        return None
    if acronym not in cache:
        matches = [m for name, m in full_names.items()
                   if name[:1] == acronym[0] and initials_match(acronym, name)]
        cache[acronym] = matches[0] if len(matches) == 1 else None
    return cache[acronym]


def _registry_body(acronym: str, registry, named: Counter) -> Body | None:
    """A registry body with this acronym whose country the document names
    (international bodies need no country)."""
    candidates = registry.by_acronym.get(acronym)
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    ranked = sorted((b for b in candidates if b.country in named), key=lambda b: -named[b.country])
    return ranked[0] if ranked else None


def home_country(country_mentions: list[Mention]) -> str | None:
    counts = Counter(m.canonical for m in country_mentions)
    return counts.most_common(1)[0][0] if counts else None


def _fill_document_fields(mentions: list[Mention], used_acronyms: set[str], country_mentions: list[Mention],
                          registry) -> None:
    """Make every mention of one organization agree: its acronym (only one the
    document uses), its country (stated, else registry, else the home country
    for national bodies)."""
    acronym_of: dict[str, str] = {}
    country_of: dict[str, str] = {}
    for m in mentions:
        if m.acronym:
            acronym_of.setdefault(m.canonical, m.acronym)
        if m.country:
            country_of.setdefault(m.canonical, m.country)
    home = home_country(country_mentions)
    for m in mentions:
        body = registry.by_surface.get(m.canonical)
        acronym = acronym_of.get(m.canonical)
        if acronym is None and body is not None and body.acronym in used_acronyms:
            acronym = body.acronym
        m.acronym = acronym
        country = country_of.get(m.canonical) or (body.country if body else None)
        if country is None and body is None and m.title == "national" \
                and (m.canonical or "").split(" ")[0] not in _SUPRANATIONAL:
            country = home  # not for "European Defence Agency", "International ... Agency"
        m.country = country
        m.title = None
