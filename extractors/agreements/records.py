"""One record per instrument of a document, and the mention rows that point to it.

Mentions are resolved in text order: an acronym to the name it abbreviates,
"the MOC" / "the Partnership" to the nearest preceding instrument of that type
(unless its sentence names other holders, which makes it a new one), "this
Joint Statement" to the document itself, and a full name to an earlier record
with the same name key and compatible parties.  The ``agreement_id`` hashes
the type, sorted parties and name key only, so it needs no corpus state and is
the same in every document that names the instrument the same way
(``component._record_ids`` drops the parties for distinctive proper names).
"""
from __future__ import annotations

import hashlib
from bisect import bisect_left
import re
import unicodedata
from dataclasses import dataclass, field, replace

from spacy.tokens import Doc

from extractors.agreements.context import DocIndex, adjust_status, stated_status
from extractors.agreements.lexicon import Lexicon
from extractors.agreements.mentions import Mention, find_alias_mentions, find_mentions

# A bare reference resolves to an instrument named at most this far back.
ANTECEDENT_MAX_CHARS = 2000
ANTECEDENT_MAX_BLOCKS = 3
# Types whose unnamed parties default to the document's parties.
_DOCUMENT_PARTY_TYPES = ("agreement", "joint_statement", "memorandum", "letter_of_intent", "declaration")
_BILATERAL_TYPES = ("memorandum", "letter_of_intent", "joint_statement")
_KEY_STOPWORDS = frozenset(
    "the a an of and or on for to in with by at from between among concerning regarding its their this "
    "that be signed issued adopted concluded below above herein".split()
)
_KEY_PREFIX = 6
_TRAILING_ASIDE = re.compile(r"[”\"]?\s*\([^()]{1,40}\)")
_HAS_BETWEEN = re.compile(r"\b(?:between|among)\b", re.I)
# A title-case headline's verb ("... and G20 Announce G20 Partnership ..."): no instrument name.
_TITLE_CASE_CLAUSE = re.compile(r",\s+and\s|:")
_GENERIC_KEYS = frozenset("agreem treaty partne framew declar joint statem memora unders cooper strate".split())
_BETWEEN = re.compile(r"\b(?:between|among)\b", re.I)
_COUNTRY_LIST = re.compile(r"\bwith\s+(?:\w+\s+)?countries\s*:\s*")
_BETWEEN = re.compile(r"\bbetween\s+((?:the\s+)?[A-Z][^,;.]{2,100}?\s+and\s+(?:the\s+)?[A-Z][^,;.]{2,80}?)(?=\s*(?:,|;|\.|$|\s+(?:including|to|in|on|for|with)\b))")


@dataclass
class Record:
    type: str
    names: list[tuple[str, int]] = field(default_factory=list)  # (name, defining mention index)
    mentions: list[int] = field(default_factory=list)
    parties: dict[str, None] = field(default_factory=dict)
    signatories: dict[str, None] = field(default_factory=dict)
    topics: dict[str, None] = field(default_factory=dict)
    key_words: frozenset[str] = frozenset()
    org_owned: bool = False  # a named non-party body owns it ("Council of Europe Convention")
    has_between: bool = False
    defaulted: bool = False  # parties are the document's own, for want of any named
    is_document: bool = False

    @property
    def name(self) -> str:
        return max(self.names, key=lambda n: (len(n[0]), -n[1]))[0] if self.names else ""


@dataclass
class Resolved:
    """A mention with the per-mention facts (status, date) and its record."""

    mention: Mention
    record: Record
    status: str | None
    date: str | None


def _only_a_name(line: str, mention: Mention) -> bool:
    """The line is the instrument's name and nothing more ("X enters into force"
    is news about X, not X itself)."""
    rest = line[mention.end:].strip(" .,;:-–—\"”")
    if mention.start <= 12 and line[mention.start:mention.end].isupper() and (not rest or rest[0].isupper()):
        return True  # an all-capitals title run into the text that follows it
    return not re.search(r"\b[a-z]{2,}\b", rest) and len(rest) < 60


def normalize_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _PARENTHESES.sub(" ", text)  # acronyms and asides are not part of the key
    text = _DOTS_APOSTROPHES.sub("", text)
    return _KEY_WORD.findall(text.replace("co-operation", "cooperation"))


_PARENTHESES = re.compile(r"\([^)]*\)")
_DOTS_APOSTROPHES = re.compile(r"[.'’]")
_KEY_WORD = re.compile(r"[a-z0-9]+")


def key_words(name: str, party_words: set[str]) -> frozenset[str]:
    words = [w for w in normalize_words(name) if w not in _KEY_STOPWORDS and w not in party_words]
    if not any(ch.isalpha() for w in words for ch in w):
        words = normalize_words(name)
    return frozenset(w[:_KEY_PREFIX] for w in words)


# Characters that ``re.IGNORECASE`` matches to an ASCII letter where ``str.lower()``
# does not give that letter: "ı" and "ſ" match "i" and "s"; "İ" lowers to two characters.
_SPECIAL_FOLDS = re.compile("[\u0130\u0131\u017f\u212a]")


def title_end(title: str, head: str) -> int:
    """End of the first occurrence in ``head`` of ``title``'s words separated by
    any whitespace, ignoring case; 0 when there is none.

    The same as ``re.search(r"\\s+".join(map(re.escape, title.split())), head, re.I)``
    without compiling a pattern per document (~0.2 ms, a title being unique): on
    lowered strings, for titles whose non-ASCII characters have no case, where
    that regex compares lowered characters; otherwise by that regex."""
    words = title.split()
    if not words:
        return 0
    if not all(ch.isascii() or ch.lower() == ch == ch.upper() for ch in title) or _SPECIAL_FOLDS.search(head):
        found = re.search(r"\s+".join(re.escape(w) for w in words), head, re.I)
        return found.end() if found else 0
    words = [w.lower() for w in words]
    low = head.lower()
    first, rest = words[0], words[1:]
    size = len(low)
    start = low.find(first)
    while start >= 0:
        pos = start + len(first)
        for word in rest:
            gap = pos
            while pos < size and low[pos].isspace():
                pos += 1
            if pos == gap or not low.startswith(word, pos):
                break
            pos += len(word)
        else:
            return pos
        start = low.find(first, start + 1)
    return 0


def agreement_id(type_: str, parties: list[str], words: frozenset[str], year: str | None) -> str:
    basis = "|".join([type_, ",".join(sorted(parties)), " ".join(sorted(words)), year or ""])
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16]


_GENERIC_NAME_KEYS = frozenset(
    "joint statem declar memora unders cooper agreem treaty framew partne strate compre econom trade free "
    "digita bilate minist leader new enhanc global specia".split()
)


_INNER_ACRONYM = re.compile(r"\(([A-Z][A-Za-z0-9&-]{1,14})\)")


def _short_form_of(short: Record, full: Record) -> bool:
    """ "MCC Compact" after "Millennium Challenge Corporation (MCC) Compact": a
    later name made of the earlier one's own acronym and key words."""
    acronyms = {w[:_KEY_PREFIX] for a in _INNER_ACRONYM.findall(full.name) for w in normalize_words(a)}
    return bool(acronyms & short.key_words) and short.key_words <= full.key_words | acronyms


def _distinctive(words: frozenset[str], type_: str) -> bool:
    """A proper name with two or more words of its own ("Partnership for
    Workers' Rights"), not a kind of instrument ("Free Trade Agreement")."""
    return type_ in ("partnership", "framework", "declaration") and len(words - _GENERIC_NAME_KEYS) >= 2


class DocumentResolver:
    """Builds the records of one doc; ``resolve()`` returns the resolved mentions."""

    def __init__(self, doc: Doc, lex: Lexicon, text: str | None = None):
        self.doc = doc
        self.lex = lex
        self.index = DocIndex(doc, lex, text)
        self.text = self.index.text
        document = doc._.input
        self.title = getattr(document, "title", None) if document is not None else None
        self.doc_type = getattr(document, "doc_type", None) if document is not None else None
        self.published = getattr(document, "published_date", None) if document is not None else None
        self._doc_parties: tuple[list[str], list[str]] | None = None
        self.document_record: Record | None = None
        self.records: list[Record] = []
        # Records that share one plural mention each get the mention extended to their party.
        self._own_mention: dict[int, Mention] = {}

    # ------------------------------------------------------------------ document

    @property
    def doc_parties(self) -> list[str]:
        if self._doc_parties is None:
            self._doc_parties = self._document_parties()
        return self._doc_parties[0]

    @property
    def doc_bodies(self) -> list[str]:
        if self._doc_parties is None:
            self._doc_parties = self._document_parties()
        return self._doc_parties[1]

    def _document_parties(self) -> tuple[list[str], list[str]]:
        """The document's parties and bodies: those named in its title (when the
        text opens with it), its opening and its signatories line; failing
        that, the country it names most."""
        ranges = [(0, min(len(self.text), 800))] + self.index.signatories_lines()
        countries: dict[str, None] = {}
        bodies: dict[str, None] = {}
        for start, end in ranges:
            countries.update(dict.fromkeys(self.index.parties_in(start, end)))
            bodies.update(dict.fromkeys(self.index.bodies_in(start, end)))
        if not countries:
            counts: dict[str, int] = {}
            for party in self._all_parties():
                counts[party] = counts.get(party, 0) + 1
            if counts:
                countries[max(counts, key=counts.get)] = None
        return list(countries), list(bodies)

    def _all_parties(self):
        for e in self.index.entities:
            if e.label == "COUNTRY" and e.canonical:
                yield e.canonical
            elif e.label == "ORG" and e.country:
                yield e.country

    def _title_instruments(self) -> list[Mention]:
        """Instruments the title names besides the document itself ("Joint
        Statement on the U.S.-Ukraine Strategic Partnership" names the
        partnership): the clean text may never spell them out in full."""
        title = " ".join((self.title or "").split())
        if not title or self._title_end(()) > 0:
            return []  # the text opens with its title: its mentions are the text's
        found = [m for m in find_mentions(title, self.lex) if not m.plural and not m.bare]
        if self.document_record is not None and found and found[0].start <= 12:
            found = found[1:]  # the document's own name
        return [m for m in found if not _TITLE_CASE_CLAUSE.search(m.name)]

    def _add_title_instruments(self, resolved: list) -> None:
        """A title instrument extends the name of the text's record it matches
        ("Agreement on Reciprocal Trade" -> "United States - Bangladesh Agreement
        on Reciprocal Trade"), else is a record of its own, mentioned only there."""
        for m in self._title_instruments():
            words = key_words(m.name, set())
            match = None
            for record in self.records:
                if record.type != m.type or record.is_document:
                    continue
                own = key_words(record.name, set())
                if own and own <= words or len(own & words - _GENERIC_KEYS - self._country_words()) >= 2:
                    match = record
                    break
            if match is not None:
                if key_words(match.name, set()) <= words and m.name.endswith(match.name.split()[-1]):
                    match.names.append((m.name, -1))
                continue
            record = Record(type=m.type, is_document=False)
            record.names.append((m.name, -1))
            record.key_words = words
            parties = self.title_parties or self.doc_parties
            record.parties.update(dict.fromkeys(parties))
            self.records.append(record)
            resolved.append((-1, record, replace(m, start=0, end=0, head_start=0, head_end=0)))

    def _country_words(self) -> frozenset[str]:
        words = set()
        for e in self.index.entities:
            if e.label == "COUNTRY":
                words.update(w[:_KEY_PREFIX] for w in normalize_words(e.text))
        for grouping in self.lex.grouping_regex.finditer(self.title or ""):
            words.update(w[:_KEY_PREFIX] for w in normalize_words(grouping.group()))
        return frozenset(words) | {"u", "s", "us"}

    @property
    def title_parties(self) -> list[str]:
        try:
            from extractors.entities.component import actors_in_text
            found = list(actors_in_text(self.title or ""))
        except Exception:  # the entity layer is optional for this component
            return []
        return [a for a in found if a in self.doc_parties]

    def _document_instrument(self) -> tuple[str, str] | None:
        """(type, name) when the document is itself an instrument: a joint
        statement, or a title that opens with an instrument's name."""
        title = " ".join((self.title or "").split())
        found = find_mentions(title, self.lex) if title else []
        opening = next((m for m in found if m.start <= 12 and not m.plural), None)
        if self.doc_type == "joint_statement":
            return (opening.type if opening else "joint_statement"), title or "joint statement"
        if self.doc_type not in (None, "other"):
            return None
        if opening is not None and opening.type != "partnership" and _only_a_name(title, opening):
            return opening.type, title
        # The text itself opens with the instrument's full name (an MOU's own
        # text), whatever the reader took for a title.
        first_line = self.text[:max(0, self.text.find("\n")) or len(self.text)]
        found = find_mentions(first_line, self.lex)
        opening = next((m for m in found if m.start <= 12 and not m.plural and not m.bare), None)
        if opening is not None and opening.type not in ("partnership", "joint_statement") \
                and _only_a_name(first_line, opening):
            return opening.type, opening.name
        return None

    # ------------------------------------------------------------------ resolution

    def resolve(self, triggers=None) -> list[Resolved]:
        mentions = find_mentions(self.text, self.lex, triggers)
        mentions = [m for m in mentions if not self._is_organization(m)]
        for m in mentions:
            self._extend_over_entity(m)
        aliases = find_alias_mentions(self.text, mentions)
        order = sorted(range(len(mentions) + len(aliases)),
                       key=lambda i: (mentions + aliases)[i].start)
        allm = mentions + aliases
        self._retype_listed_agreements(mentions)
        # A trailing "(Japan-EU EPA)" belongs to its name, not to the sentence around it.
        self._mention_spans = [(m.start, self._end_with_aside(m.end)) for m in allm]
        self.sentences = {i: self.index.sentence(m.start, m.end) for i, m in enumerate(allm)}
        self.segments = self._segments(allm)
        document_instrument = self._document_instrument()
        self.document_record = None
        if document_instrument is not None:
            type_, name = document_instrument
            self.document_record = Record(type=type_, is_document=True)
            self.document_record.names.append((name, -1))
            self.records.append(self.document_record)
        title_end = self._title_end(allm)
        record_of: dict[int, Record] = {}
        resolved: list[tuple[int, Record]] = []
        for i in order:
            m = allm[i]
            records = self._records_for(i, m, allm, record_of, title_end)
            for record in records:
                record.mentions.append(i)
                resolved.append((i, record, self._own_mention.get(id(record), m)))
            if records:
                record_of[i] = records[0]
        if self.document_record is not None and not self.document_record.mentions:
            # Named only by the document's metadata title: a zero-width mention at the top.
            head = find_mentions(self.document_record.name, self.lex)
            resolved.insert(0, (-1, self.document_record, Mention(
                0, 0, 0, 0, self.document_record.type, self.document_record.name,
                head[0].head if head else self.lex.heads[0])))
        self._add_title_instruments(resolved)
        return self._finish(allm, resolved)

    def _extend_over_entity(self, m: Mention) -> None:
        """A name that starts inside a country or body ("[New] Zealand-UK Free
        Trade Agreement") starts where that name starts."""
        if m.quoted or m.start == m.head_start:
            return
        for e in self.index.entities_in(max(0, m.start - 40), m.end, ("COUNTRY", "ORG")):
            if e.start < m.start < e.end and "\n" not in self.text[e.start:m.start]:
                m.start = e.start
                m.name = " ".join(self.text[m.start:m.end].split())
                return

    def _is_organization(self, m: Mention) -> bool:
        """"Global Partnership on Artificial Intelligence (GPAI)" is a body."""
        for e in self.index.entities_in(max(0, m.start - 1), m.end + 1, ("ORG",)):
            if e.start <= m.head_start and m.head_end <= e.end and (e.end - e.start) >= (m.head_end - m.start):
                return True
        return False

    def _retype_listed_agreements(self, mentions: list[Mention]) -> None:
        """A partnership listed among agreements is one of them ("the CPTPP,
        the Japan-EU EPA, ..., and the Regional Comprehensive Economic Partnership")."""
        for i, m in enumerate(mentions):
            if m.type != "partnership" or m.bare:
                continue
            neighbours = [n for n in mentions[max(0, i - 3):i + 3] if n is not m and n.type == "agreement"
                          and re.fullmatch(r"[\s,]*(?:and\s+)?(?:the\s+)?[\s,]*", re.sub(
                                              r"\([^()]*\)", "", self.text[min(n.end, m.end):max(n.start, m.start)]) or " ")]
            if neighbours:
                m.type = "agreement"

    def _title_end(self, allm: list[Mention]) -> int:
        """End offset of the title when the text opens with it (0 otherwise): where the
        title's words, any whitespace between them, first occur, ignoring case."""
        if not self.title:
            return 0
        return title_end(self.title, self.text[:len(self.title) + 400])

    def _segments(self, allm: list[Mention]) -> dict[int, tuple[int, int]]:
        """Each mention's share of its sentence: from the previous mention's end
        to the next mention's start, so "X launched in 2021, and Y signed in
        2022" gives each its own verb, date and parties."""
        segments = {}
        by_sentence: dict[tuple[int, int], list[int]] = {}
        for i, sentence in self.sentences.items():
            by_sentence.setdefault(sentence, []).append(i)
        for sentence, members in by_sentence.items():
            members.sort(key=lambda i: allm[i].start)
            for k, i in enumerate(members):
                start = sentence[0] if k == 0 else max(sentence[0], allm[members[k - 1]].end)
                aside = _TRAILING_ASIDE.match(self.text, start)
                if k and aside and aside.end() <= allm[i].start:
                    start = aside.end()  # "(Japan-EU EPA)" belongs to the previous name
                end = sentence[1] if k == len(members) - 1 else allm[members[k + 1]].start
                segments[i] = (min(start, allm[i].start), max(end, allm[i].end))
        return segments

    def _records_for(self, i: int, m: Mention, allm: list[Mention], record_of: dict[int, Record],
                     title_end: int) -> list[Record]:
        if m.alias_of is not None:
            target = record_of.get(m.alias_of)
            return [target] if target else []
        if self.document_record is not None and m.start <= 12 and m.type == self.document_record.type \
                and (m.start < title_end or m.name == self.document_record.names[0][0]):
            self._add_name(self.document_record, m, i)
            return [self.document_record]
        if m.plural:
            return self._split_plural(i, m)
        doc_rec = self.document_record
        if doc_rec is not None and m.deictic and m.type == doc_rec.type:
            if not m.bare and re.search(r"\b[A-Z]", self.text[m.head_end:m.end]):
                self._add_name(doc_rec, m, i)
            return [doc_rec]
        if m.bare:
            return self._resolve_reference(i, m, allm)
        return [self._named(i, m)]

    def _resolve_reference(self, i: int, m: Mention, allm: list[Mention]) -> list[Record]:
        seg = self.segments[i]
        others = self._other_mention_spans(i)
        bodies = self.index.bodies_in(seg[0], seg[1], others)
        if not m.indefinite:
            antecedent = self._antecedent(m, allm)
            if antecedent is not None and (not bodies or set(bodies) <= set(antecedent.signatories)):
                return [antecedent]
            if antecedent is None and self.document_record is not None and m.type == self.document_record.type \
                    and not bodies:
                return [self.document_record]
        if bodies and m.type in ("memorandum", "letter_of_intent", "framework", "agreement"):
            record = self._new_record(i, m, bodies_from_context=True)
            between = _BETWEEN.search(self.text, seg[0], seg[1])
            if between:
                stop = between.end(1)
                for e in self.index.entities_in(between.start(1), seg[1], ("ORG",)):
                    if e.start < stop < e.end:
                        stop = e.end  # "... the United Kingdom's Department for Environment, Food ..."
                holders = self.text[between.start(1):stop]
                record.names = [(f"{m.name} between {' '.join(holders.split())}", i)]
            return [record]
        if m.head.descriptive:
            return [self._new_record(i, m)]
        return []

    def _antecedent(self, m: Mention, allm: list[Mention]) -> Record | None:
        block = self.index.block_index(m.start)
        for record in reversed(self.records):
            if record.type != m.type or not record.mentions or record.is_document:
                continue
            last = allm[record.mentions[-1]]
            if m.start - last.end > ANTECEDENT_MAX_CHARS:
                continue
            last_block = self.index.block_index(last.start)
            if block is not None and last_block is not None and block - last_block > ANTECEDENT_MAX_BLOCKS:
                continue
            return record
        return None

    def _named(self, i: int, m: Mention) -> Record:
        record = self._new_record(i, m, register=False)
        if not m.indefinite:  # "an upgraded Free Trade Agreement" is another instrument
            for existing in self.records:
                if existing.type == record.type and (self._same_instrument(existing, record) or (
                        m.definite and self._same_instrument(existing, record, narrower=True))):
                    self._add_name(existing, m, i)
                    if not record.defaulted:
                        existing.parties.update(record.parties)
                    existing.signatories.update(record.signatories)
                    existing.topics.update(record.topics)
                    return existing
        self.records.append(record)
        return record

    def _same_instrument(self, a: Record, b: Record, narrower: bool = False) -> bool:
        """``narrower``: "the Free Trade Agreement" whose sentence names only
        some of the parties of an earlier one of the same name."""
        if a.is_document or b.is_document:
            return False
        if a.key_words != b.key_words and not _short_form_of(b, a):
            return False
        pa, pb = set(a.parties), set(b.parties)
        if narrower and pb and pb < pa:
            return True
        if (pa <= pb or pb <= pa) and _distinctive(a.key_words, a.type):
            return True  # one named instrument that a new party joins later in the text
        return not pa or not pb or pa == pb or (a.defaulted and pa <= pb) or (b.defaulted and pb <= pa)

    def _split_plural(self, i: int, m: Mention) -> list[Record]:
        """"memorandums of cooperation on X with four countries: A, B, C and D"
        are one instrument per country; other plurals are generic."""
        seg = self.segments[i]
        listed = _COUNTRY_LIST.search(self.text, m.start, seg[1])
        if not listed:
            return []
        countries = {}
        for e in self.index.entities_in(listed.end(), seg[1], ("COUNTRY",)):
            if e.canonical:
                countries.setdefault(e.canonical, e.end)
        name = self.text[m.start:listed.start()].rstrip(" ,") or m.name
        name = re.sub(r"\s+with\s*$", "", " ".join(name.split()))
        records = []
        for country, country_end in countries.items():
            record = Record(type=m.type)
            record.names.append((name, i))
            record.parties.update(dict.fromkeys(p for p in self.doc_parties if p not in countries))
            record.parties[country] = None
            record.signatories.update(dict.fromkeys(self.doc_bodies))
            record.key_words = key_words(name, set())
            self.records.append(record)
            records.append(record)
            self._own_mention[id(record)] = replace(m, end=max(m.end, country_end))
        return records

    def _new_record(self, i: int, m: Mention, register: bool = True, bodies_from_context: bool = False) -> Record:
        record = Record(type=m.type)
        record.names.append((m.name, i))
        seg = self.segments[i]
        sentence = self.sentences[i]
        others = self._other_mention_spans(i)
        name_parties = self.index.parties_in(m.start, m.end)
        record.has_between = bool(_HAS_BETWEEN.search(m.name))
        name_bodies = self.index.bodies_in(m.start, m.end)
        record.org_owned = bool(name_bodies) and not name_parties and not record.has_between
        parties = name_parties
        in_statement = self.doc_type == "joint_statement"
        # In a joint statement third instruments named in passing keep the
        # parties their name gives; elsewhere the sentence says who holds them.
        name_only = record.has_between or record.org_owned or (
            in_statement and m.type in ("partnership", "framework") and not m.indefinite)
        if not parties and not name_only:
            parties = self.index.parties_in(seg[0], seg[1], others)
            if not parties:
                parties = self.index.parties_in(sentence[0], sentence[1], others, with_bodies=False)
            if not parties and self.doc_type != "joint_statement" and m.type in _BILATERAL_TYPES:
                paragraph = self.index.paragraph(m.start)
                parties = self.index.parties_in(paragraph[0], paragraph[1], others, with_bodies=False)
                if not parties:
                    heading = self.index.section_heading(m.start)
                    if heading:
                        parties = self.index.parties_in(heading[0], heading[1], with_bodies=False)
        grouping_named = bool(name_parties) and all(p in self.lex.members or p in self.lex.groupings
                                                    for p in name_parties)
        if len(parties) == 1 and m.type in _BILATERAL_TYPES and not record.org_owned and not record.has_between \
                and not grouping_named:  # "the NATO Summit Communique" is the grouping's own
            # "Korea signed a MOU ... with the Ministry ... of Indonesia"
            around = self.index.parties_in(sentence[0], sentence[1], others, with_bodies=False)
            parties = [p for p in around if p not in parties] + parties
        if parties and m.type in _BILATERAL_TYPES and not set(parties) & set(self.doc_parties) \
                and len(parties) == 1 and not record.org_owned \
                and (re.fullmatch(r"[A-Z]{3}", parties[0]) or m.type in ("memorandum", "letter_of_intent")):
            parties = list(self.doc_parties) + parties  # "With the Philippines, a memorandum ... was signed"
        # A body's own treaty ("UN Charter") has no default parties; a statement's
        # co-convened initiative of a body ("WTO Joint Statement Initiative") is its parties'.
        if not parties and not record.has_between and m.type in _DOCUMENT_PARTY_TYPES and (
                not record.org_owned or in_statement and m.type != "agreement"):
            parties = list(self.doc_parties)
            record.defaulted = True
        if not parties and not record.has_between and not record.org_owned and len(self.doc_parties) >= 2 \
                and m.type in ("framework", "partnership") and not m.bare and (not in_statement or m.indefinite):
            # A framework or partnership the text names without holders is the document's parties' own.
            parties = list(self.doc_parties)
            record.defaulted = True
        if len(parties) == 1 and len(self.doc_parties) == 2 and parties[0] in self.doc_parties \
                and not record.org_owned and not record.has_between and not m.bare \
                and m.type in ("memorandum", "letter_of_intent", "framework", "partnership"):
            # One side of a two-party document named with an instrument: the other
            # side holds it too ("the United States ... the memorandum" in a U.S.-Japan readout).
            parties = list(self.doc_parties)
        record.parties.update(dict.fromkeys(parties))
        signatories = name_bodies + self.index.grouping_bodies_in(m.start, m.end)
        if (not signatories or bodies_from_context) and m.type in ("memorandum", "letter_of_intent"):
            signatories += self.index.bodies_in(seg[0], seg[1], others)
        record.signatories.update(dict.fromkeys(signatories))
        record.topics.update(dict.fromkeys(self.index.topics_in(seg[0], seg[1])))
        party_words = set()
        for e in self.index.entities_in(sentence[0], sentence[1], ("COUNTRY",)):
            party_words.update(normalize_words(e.text))
        for grouping in self.lex.grouping_regex.finditer(m.name):
            party_words.update(normalize_words(grouping.group()))
        record.key_words = key_words(m.name, party_words)
        if register:
            self.records.append(record)
        return record

    def _end_with_aside(self, end: int) -> int:
        aside = _TRAILING_ASIDE.match(self.text, end)
        return aside.end() if aside else end

    def _other_mention_spans(self, i: int) -> list[tuple[int, int]]:
        return [span for k, span in enumerate(self._mention_spans) if k != i]

    def _add_name(self, record: Record, m: Mention, i: int) -> None:
        record.names.append((m.name, i))

    # ------------------------------------------------------------------ output

    def _finish(self, allm: list[Mention], resolved: list[tuple[int, Record]]) -> list[Resolved]:
        out: list[Resolved] = []
        spans_of = [(m.start, m.end) for m in allm]
        first_of_record: dict[int, int] = {}
        for i, record, m in resolved:
            if i < 0:  # named by the title only
                status = self._document_status(record) if record.is_document else "referenced"
                date = (self._signature_date() or self.published) if record.is_document else None
                first_of_record.setdefault(id(record), i)
                out.append(Resolved(m, record, status, date))
                continue
            seg = self.segments[i]
            excluded = [s for k, s in enumerate(spans_of) if k != i]
            status = stated_status(self.text, m, seg[0], seg[1], self.lex)
            date = self.index.date_for(m, seg[0], seg[1], excluded)
            if record.is_document and id(record) not in first_of_record:
                status = status or self._document_status(record)
                date = date or self._signature_date() or self.published
            first = id(record) not in first_of_record
            if status is None and m.type in ("joint_statement", "declaration") and not (m.bare and m.definite and not first) \
                    and (date or (first and m.head.descriptive and m.name[:1].islower())):
                status = "adopted"  # "Following a joint statement in July 2022"; a meeting's "ministerial declaration"
            first_of_record.setdefault(id(record), i)
            out.append(Resolved(m, record, status, date))
        pending = {id(r.record) for r in out if r.status in ("under_negotiation", "to_be_signed")}
        for r in out:
            record = r.record
            if not record.parties and record.is_document:
                record.parties.update(dict.fromkeys(self.doc_parties))
            if record.is_document and not record.signatories:
                record.signatories.update(dict.fromkeys(self.doc_bodies))
            if r.status is None:
                # An instrument the text says is still being negotiated is not in force.
                r.status = "referenced" if id(record) in pending else self._default_status(record, r.mention, r.date)
        return out

    def _signature_date(self) -> str | None:
        """The date on the document's "Signed at Canberra on 12 March 2024" line."""
        for start, end in self.index.signatories_lines():
            i = bisect_left(self.index.date_starts, start)
            if i < len(self.index.dates) and self.index.dates[i][0] < end:
                return self.index.dates[i][2]._.date_value
        return None

    def _document_status(self, record: Record) -> str:
        if record.type in ("memorandum", "letter_of_intent", "agreement") or self.index.has_signatories_line():
            return "signed"
        return adjust_status("adopted", record.type)

    def _default_status(self, record: Record, m: Mention, date: str | None = None) -> str:
        """An existing treaty between states that the text only cites is in force."""
        if record.type == "agreement" and record.parties and not record.org_owned and m.head.capitalized \
                and not m.bare and any(len(p) == 3 and p.isupper() for p in record.parties):
            return "in_force"
        if record.type == "agreement" and record.org_owned and not record.parties and m.head.capitalized \
                and not m.bare and date is None:
            # A body's own treaty cited as standing law ("the UN Charter", "UNCLOS"); one
            # the text dates is news about it ("the Convention on AI adopted in May 2024").
            return "in_force"
        return "referenced"
