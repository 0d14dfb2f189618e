"""Persons with their titles: "Mr. Koga Yuichiro, State Minister of Economy,
Trade and Industry of METI", "Prime Minister of Japan Her Excellency Takaichi
Sanae", "Prime Minister Modi of India", "Minister of Internal Affairs and
Communications Suzuki", "President Joseph R. Biden, Jr.".

Three rule families: ``person_honorific`` (an honorific, a name, an optional
appositive title), ``person_title`` (a title word from
``data/person_titles.txt``, its "of/for ..." portfolio, then a name; a plural
title before two names gives both) and ``person_appositive`` (a full name,
then ", (the) <title>": "Penny Wong, Minister for Foreign Affairs").  Names
keep the order and case as written (family-name-first and all-caps family names
are normal in the genre); honorifics are dropped.  The country comes from the
title ("of Japan"), a body named in it (METI -> JPN), "from <country or body>"
after the name, or the document's home country.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache

from extractors.entities.gazetteer import bodies, countries, read_lines, trie_regex
from extractors.entities.lexicon import Hit, lexicon
from extractors.entities.mention import Mention, is_stop_word, previous_word
from extractors.entities.organizations import home_country, rules as org_rules

# A capitalized name word (any script's letters: "António"), or an initial.
_NAME_PART = r"(?:[A-ZÀ-ÖØ-Þ](?:[^\W\d_]|[’'\-])+|[A-Z]\.)"
# Lower-case particles inside a name: "Ursula von der Leyen", "Lula da Silva".
_PARTICLE = r"(?:von|van|der|den|de|del|da|das|dos|du|di|bin|binti|al|el|la|le)"
_NAME = re.compile(rf"{_NAME_PART}(?:(?: {_PARTICLE}){{0,2}} {_NAME_PART}){{0,4}}(?:,? Jr\.)?")
_FOLLOWING_WORD = re.compile(r" ([A-Za-z]+)\b")
_LINK_BEFORE_TITLE = re.compile(r"(?:,? and(?: the)?|,)\s*$")
_PORTFOLIO = re.compile(r" (?:of|for)(?: the)? [A-Z][\w’'\-]*(?:(?:,? and(?: the)?|,| &| of(?: the)?| for)? [A-Z][\w’'\-]*)*")
_APPOSITIVE_END = re.compile(
    r",\s+(?:and|as|who|which|said|at the (?:meeting|event))\b|,\s+(?=[a-z])|;|\.\s|\.$|\n|\s\(|"
    r",\s+(?:Mr|Ms|Mrs|Dr|H\.E|His|Her)\b|\s+and\s+(?:Mr|Ms|Mrs|Dr|H\.E|His|Her)\b")
_FROM = re.compile(r"\s+from\s+(?:the\s+)?")
_AND_NAME = re.compile(rf",? and ({_NAME.pattern})")
# The name that ends right before a comma (searched in a window ending there).
_NAME_BEFORE = re.compile(rf"{_NAME_PART}(?:(?: {_PARTICLE}){{0,2}} {_NAME_PART}){{1,3}}$")
_OF_AFTER_NAME = re.compile(r" of (?:the )?")
_MONTHS = frozenset("January February March April May June July August September October November December "
                    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split())


@dataclass(frozen=True)
class PersonRules:
    title_regex: re.Pattern  # to tell whether an appositive opens with a title
    honorifics: frozenset[str]
    portfolio_words: frozenset[str]
    postnominals: frozenset[str]  # "MP", "QC", "OBE": after a name, not part of it
    plural_titles: frozenset[str]  # "Foreign Ministers": the title of the two names after it


@lru_cache(maxsize=1)
def rules() -> PersonRules:
    titles = frozenset(read_lines("person_titles.txt"))
    return PersonRules(
        title_regex=re.compile(trie_regex(read_lines("person_titles.txt")).pattern),
        honorifics=frozenset(read_lines("honorifics.txt")),
        portfolio_words=frozenset(read_lines("portfolio_words.txt")),
        postnominals=frozenset(read_lines("postnominals.txt")),
        plural_titles=frozenset(t for t in read_lines("person_titles.txt") if t.endswith("s") and t[:-1] in titles),
    )


def _clean_name(match_text: str, r: PersonRules) -> str:
    words = match_text.split(" ")
    # A possessive ends the name: "Secretary Blinken's Meeting" -> "Blinken".
    owner = next((i for i, w in enumerate(words) if w.endswith(("'s", "’s"))), None)
    if owner is not None:
        words = words[:owner] + [words[owner][:-2]]
    # Nothing after post-nominal letters is the name ("James Cleverly MP Published").
    cut = next((i for i, w in enumerate(words) if i and w.rstrip(",") in r.postnominals), None)
    if cut is not None:
        words = words[:cut]
    while words and _is_non_name(words[-1].rstrip(","), r) and not words[-1].startswith("Jr"):
        words.pop()
    return " ".join(words)


def _is_non_name(word: str, r: PersonRules) -> bool:
    return (is_stop_word(word) or word in r.portfolio_words or word in r.postnominals or word in org_rules().heads
            or word in countries().names or word in countries().demonyms or word in _MONTHS or word in r.honorifics
            or word.isupper() and len(word) > 1 and word in bodies().by_acronym)


def find_persons(text: str, country_mentions: list[Mention], org_mentions: list[Mention],
                 hits: list[Hit] | None = None) -> list[Mention]:
    r = rules()
    hits = lexicon().scan(text) if hits is None else hits
    honorific_ends = {h.start: h.end for h in hits if "honorific" in h.categories}

    def after_honorifics(pos: int) -> int | None:
        """Where the name starts after a chain of honorifics at ``pos`` ("H.E. Ms. ...")."""
        if pos not in honorific_ends:
            return None
        while pos in honorific_ends:
            pos = honorific_ends[pos]
            while pos < len(text) and text[pos] == " ":
                pos += 1
        return pos
    countries_at = {m.start: m for m in country_mentions}
    orgs_at = {m.start: m for m in org_mentions}
    home = home_country(country_mentions)
    found: dict[int, Mention] = {}

    country_starts = sorted(m.start for m in country_mentions)
    first_country_at = {}
    for m in country_mentions:
        first_country_at.setdefault(m.start, m)
    org_starts = sorted((m.start, not m.country) for m in org_mentions)

    def country_in(start: int, end: int) -> str | None:
        i = bisect_left(country_starts, start)
        if i < len(country_starts) and country_starts[i] < end:
            return first_country_at[country_starts[i]].canonical
        for m in org_mentions:
            if start <= m.start < end and m.country:
                return m.country
        return None

    def country_after(end: int) -> str | None:
        match = _FROM.match(text, end)
        if match:
            target = countries_at.get(match.end()) or orgs_at.get(match.end())
            if target is not None:
                return target.canonical if target.label == "COUNTRY" else target.country
        return None

    def international_body_in(start: int, end: int) -> bool:
        """True when an organization of no country (the European Commission, the
        UN) is named in the range: its officials get no home country."""
        i = bisect_left(org_starts, (start, False))
        while i < len(org_starts) and org_starts[i][0] < end:
            if org_starts[i][1]:
                return True
            i += 1
        return False

    title_starts = sorted(h.start for h in hits if "person_title" in h.categories)
    org_ends = {m.end: m for m in org_mentions}

    # Title, optional portfolio, optional honorific, name.
    for match in hits:
        if "person_title" not in match.categories:
            continue
        title_start, title_end = match.start, match.end
        # "Technology Secretary", "External Affairs Minister": portfolio words before the title.
        for _ in range(3):
            before = previous_word(text, title_start)
            if before is None or before[0] not in r.portfolio_words or before[0] in countries().names:
                break
            title_start = before[1]
        # "European Commission Executive Vice President", "U.S. Department of Labor
        # Under Secretary": the body the office belongs to opens the title.
        owner = org_ends.get(title_start - 1) if text[title_start - 1:title_start] == " " else None
        if owner is not None:
            title_start = owner.start
        portfolio = _PORTFOLIO.match(text, title_end)
        pos = portfolio.end() if portfolio else title_end
        portfolio_text = portfolio.group() if portfolio else ""
        # "Minister of Mines and Energy Alexandre Silveira and Federal Minister
        # Robert Habeck": the portfolio ends before the next person's title.
        k = bisect_right(title_starts, title_end)
        if portfolio and k < len(title_starts) and title_starts[k] < pos:
            cut = text[title_end:title_starts[k]]
            link = max(cut.rfind(" and "), cut.rfind(", "))
            cut = cut[:link] if link > 0 else _LINK_BEFORE_TITLE.sub("", cut)
            while cut and not cut[-1].isalnum():
                cut = cut[:-1]
            portfolio_text = cut
            pos = title_end + len(cut)
            portfolio = portfolio if cut else None
        name_start = None
        # "Prime Minister of Japan Her Excellency Takaichi Sanae": the honorific
        # ends the portfolio and starts the name ("Minister Dr. S. Jaishankar").
        honorific = next((p for p in range(title_end, pos + 2) if p in honorific_ends), None)
        if honorific is not None and not any(c in text[title_end:honorific] for c in ",;\n"):
            pos = honorific - 1 if honorific > title_end else title_end
            portfolio = portfolio if pos > title_end else None
            name_start = after_honorifics(honorific)
        elif portfolio:
            # "Minister of Internal Affairs and Communications Suzuki": the name is
            # the trailing words that are not part of the portfolio.
            words = portfolio_text.split(" ")
            tail = []
            while len(words) > 3 and not _is_non_name(words[-1], r) and len(tail) < 3 \
                    and not words[-1].endswith(","):  # "of the European Commission, Ursula ..."
                tail.insert(0, words.pop())
            if not tail:
                continue
            pos = title_end + len(" ".join(words))
            name_start = pos + 1
        elif text[pos:pos + 1] == " ":
            name_start = pos + 1
        elif text[pos:pos + 2] == ", ":
            name_start = pos + 2  # "Japan's Foreign Minister, Yoko Kamikawa, said"
        if name_start is None or name_start in found:
            continue
        name_match = _NAME.match(text, name_start)
        if not name_match:
            continue
        name = _clean_name(name_match.group(), r)
        if not name or any(_is_non_name(w.rstrip(","), r) for w in name.split()[:1]):
            continue
        if name_start == pos + 2 and (len(name.split()) < 2 or r.title_regex.match(name)
                                      or text[name_start + len(name):name_start + len(name) + 1] not in (",", ".")):
            continue  # only a full name set off by commas
        if text[name_start + len(name):name_start + len(name) + 1].isalnum():
            continue
        end = name_start + len(name)
        title = " ".join(text[title_start:pos].split()).rstrip(",;:")
        country = country_in(title_start, pos)
        of_country = _OF_AFTER_NAME.match(text, end)
        if of_country and of_country.end() in countries_at:
            # "President Donald J. Trump of the United States"
            target = countries_at[of_country.end()]
            title = f"{title} {' '.join(text[end:target.end].split())}"
            country = country or target.canonical
        elif of_country and of_country.end() in orgs_at:
            # "Minister Lee Jong-ho of the Ministry of Science and ICT"
            country = country or orgs_at[of_country.end()].country
        if country is None and portfolio:
            country = _ministry_country(title, org_mentions)
        if country is None and international_body_in(title_start, pos):
            country = ""
        country = country or country_after(end) or (None if country == "" else home)
        found[name_start] = Mention(name_start, end, "PERSON", name, "person_title", title=title, country=country)
        if match.surface in r.plural_titles:
            # "Executive Vice Presidents Margrethe Vestager and Valdis Dombrovskis"
            found[name_start].title = " ".join((text[title_start:title_end - 1] + text[title_end:pos]).split())
            second = _AND_NAME.match(text, end)
            if second and not _is_non_name(second.group(1).split()[0], r):
                other = _clean_name(second.group(1), r)
                if other:
                    found[second.start(1)] = Mention(second.start(1), second.start(1) + len(other), "PERSON", other,
                                                     "person_title", title=found[name_start].title, country=country)
    # Honorific, name, optional ", <title>".
    chained = {end_ for end_ in honorific_ends.values()}
    for start_ in sorted(honorific_ends):
        if any(start_ - k in chained for k in (0, 1)):
            continue  # the second honorific of a chain
        name_start = after_honorifics(start_)
        name_match = _NAME.match(text, name_start)
        if not name_match:
            continue
        name = _clean_name(name_match.group(), r)
        if not name or _is_non_name(name.split()[0], r):
            continue
        start, end = name_start, name_start + len(name)
        if start in found:
            continue  # already read with the title before it
        title, title_start, title_end = _appositive_title(text, _after_postnominals(text, end, r), r)
        country = None
        if title:
            title, country = _trim_title(text, title, title_start, title_end, orgs_at, countries_at)
            country = country or country_in(title_start, title_end) or _ministry_country(title, org_mentions)
        if country is None and title and international_body_in(title_start, title_end):
            country = ""
        country = country or country_after(end) or (None if country == "" else home)
        found[start] = Mention(start, end, "PERSON", name, "person_honorific", title=title, country=country)

    # Name, then ", <title>" without an honorific: "Penny Wong, Minister for
    # Foreign Affairs", "Jean Chrétien, the Prime Minister of Canada".
    for title_start_ in title_starts:
        comma = title_start_ - 2 if text[title_start_ - 2:title_start_] == ", " else \
            title_start_ - 6 if text[title_start_ - 6:title_start_] == ", the " else -1
        if comma < 3:
            continue
        named = _NAME_BEFORE.search(text, max(0, comma - 60), comma)
        if not named or named.start() in found:
            continue
        words = named.group().split()
        if not 2 <= len(words) <= 4 or any(_is_non_name(w.rstrip(","), r) for w in words) \
                or (named.start() and (text[named.start() - 1].isalnum() or text[named.start() - 1] in "-–.’'")):
            continue
        start, end = named.span()
        if r.title_regex.match(text, start) or any(m.start < end and start < m.end for m in org_mentions) \
                or any(m.start <= start < m.end for m in found.values()):
            continue  # "Tokyo Electric Power Company, President of ..." names a body
        title, t_start, t_end = _appositive_title(text, end, r, allow_article=True)
        if not title:
            continue
        title, country = _trim_title(text, title, t_start, t_end, orgs_at, countries_at)
        country = country or country_in(t_start, t_end) or _ministry_country(title, org_mentions)
        if country is None and international_body_in(t_start, t_end):
            country = ""
        country = country or country_after(end) or (None if country == "" else home)
        found[start] = Mention(start, end, "PERSON", named.group(), "person_appositive", title=title, country=country)

    # A title word inside a name read after an honorific is not a title ("the
    # Hon Madeleine King MP": "King" there is a name).
    honorific_spans = sorted((m.start, m.end) for m in found.values() if m.rule == "person_honorific")
    kept = []
    for m in found.values():
        if m.rule == "person_title":
            i = bisect_right(honorific_spans, (m.start, m.end)) - 1
            if any(s < m.end and m.start < e for s, e in honorific_spans[max(0, i - 1):i + 2]):
                continue
        kept.append(m)
    return _join_short_names(kept)


def _after_postnominals(text: str, end: int, r: PersonRules) -> int:
    """Where the letters after a name end: "Madeleine King| MP, Minister ..."."""
    while True:
        match = _FOLLOWING_WORD.match(text, end)
        if not match or match.group(1) not in r.postnominals:
            return end
        end = match.end()


def _join_short_names(persons: list[Mention]) -> list[Mention]:
    """A one-word name that is a word of exactly one longer name of the document
    is that person ("Minister Lee" after "Minister Lee Jong-ho")."""
    def words(name: str) -> set[str]:
        return set(re.sub(r"[,.]", " ", name).split()) | set(re.sub(r"[,.\-]", " ", name).split())

    full = {m.canonical: m for m in persons if len((m.canonical or "").split()) > 1}
    for m in persons:
        if not m.canonical:
            continue
        own = set(re.sub(r"[,.]", " ", m.canonical).split())
        # "Biden" and "López Obrador" are "Joseph R. Biden, Jr." and "Andrés Manuel López Obrador".
        owners = [f for name, f in full.items() if name != m.canonical and own < words(name)]
        if len(owners) == 1:
            owner = owners[0]
            m.canonical = owner.canonical
            m.title = m.title if m.title and len(m.title) > len(owner.title or "") else owner.title
            m.country = owner.country or m.country
    return persons


def _appositive_title(text: str, name_end: int, r: PersonRules,
                      allow_article: bool = False) -> tuple[str | None, int, int]:
    if text[name_end:name_end + 2] != ", ":
        return None, -1, -1
    start = name_end + 2
    if allow_article and text[start:start + 4] == "the ":
        start += 4
    if not r.title_regex.match(text, start):
        return None, -1, -1
    stop = _APPOSITIVE_END.search(text, start, start + 200)
    end = stop.start() if stop else min(len(text), start + 200)
    return text[start:end], start, end


def _trim_title(text: str, title: str, start: int, end: int, orgs_at: dict, countries_at: dict):
    """Drop a trailing "of <body>" that names the person's organization after an
    office that has its own portfolio ("State Minister of Economy, Trade and
    Industry of METI", "Vice-Minister for Digital Transformation of the Digital
    Agency"); its country is the person's.  Where the body is the office's only
    complement it stays ("Secretary-General of the United Nations"), and so
    does "of Japan"."""
    for match in re.finditer(r" of (?:the )?", title):
        target = orgs_at.get(start + match.end())
        if target is not None and target.end >= end - 1 and (start + match.end()) not in countries_at:
            if not re.search(r" (?:of|for) ", title[:match.start()]):
                return " ".join(title.split()), target.country
            return " ".join(title[:match.start()].split()), target.country
    return " ".join(title.split()), None


def _ministry_country(title: str, org_mentions: list[Mention]) -> str | None:
    """"Minister of Internal Affairs and Communications" -> the country of the
    "Ministry of Internal Affairs and Communications"."""
    portfolio = re.search(r" (?:of|for) (.+)$", title)
    if not portfolio:
        return None
    wanted = portfolio.group(1).replace(",", "").lower()
    for m in org_mentions:
        name = (m.canonical or "").replace(",", "").lower()
        if name.startswith("ministry") and name.endswith(wanted) and m.country:
            return m.country
    for body in bodies().bodies:
        if body.name.lower().startswith("ministry") and body.name.replace(",", "").lower().endswith(wanted):
            return body.country
    return None
