"""What the words around one mention say about its instrument: status, date,
parties, signatories and topics.

Everything reads precomputed, offset-sorted arrays of the entity and date
spans (``DocIndex``) with ``bisect``, so the cost grows with the number of
mentions, never with the length of the document.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from spacy.tokens import Doc

from extractors import spans  # noqa: F401  (registers the span attributes)
from extractors.agreements.lexicon import Lexicon
from extractors.agreements.mentions import Mention
from extractors.dates.component import date_records
from extractors.entities import entity_records
from extractors.entities.actors import actor_name_of

_OPEN_ENDED = re.compile(r"(?i)\b(?:since|until|till|from|through|by|before|after|as of|starting|every)\s+(?:the\s+)?(?:end of\s+|early\s+|mid-?\s*|late\s+)?$")
_AFTER_NOISE = re.compile(
    r"^(?:\s*[”\"’]|\s*<sup>[^<]{0,12}</sup>|\s*\[\d{1,3}\]|(?<=[\w”\"])\d{1,3}(?!\d)|\s*\([A-Z][A-Za-z0-9&-]{1,14}\))+"
)
_AFTER_ASIDE = re.compile(r"^\s*,\s*(?:which|including|that|as|in|on)\b[^.;]{0,160}?,\s*")
_SENTENCE_END = re.compile(r"[.!?][”\"’)]?\s+(?=[A-Z“\"(])")
# "U.S. Department", "Mr. Kaneko", "No. 34": a stop that ends no sentence.
_ABBREVIATION = re.compile(r"(?:\b[A-Z]\.[A-Z]\.|\b(?:Mr|Ms|Mrs|Dr|No|Nos|St|H\.E|Jr|vs|etc|e\.g|i\.e)\.)$")
_NEGOTIATIONS_BEFORE = re.compile(r"(?i)\bnegotiations?\s+(?:on|for|of|toward|towards)\s+(?:an?\s+|the\s+)?\Z")
# "signed in May 2023 and the Letter of Intent ...": a date before a coordinated mention is the other one's.
_COORDINATED_GAP = re.compile(r"\s*,?\s*(?:and|while|but)\s+(?:the|a|an)\s*\Z")
_SIGNATORIES_LINE = re.compile(r"(?im)^\W*(?:signator(?:y|ies)\b|signed (?:at|in|on|by)\b)")


_KEPT_LABELS = frozenset(("COUNTRY", "ORG", "TOPIC"))


def _START_NEG_END(t):
    return (t[0], t[1])


def _START_END(t):
    return (t[0], t[1])


def _same_text(doc: Doc, text: str) -> bool:
    """Whether ``text`` has the doc's characters at the doc's offsets."""
    if not len(doc):
        return True
    last = doc[-1]
    return len(text) == last.idx + len(last.text_with_ws)


@dataclass
class EntityRef:
    start: int
    end: int
    label: str
    text: str
    canonical: str | None
    acronym: str | None
    country: str | None
    actor: str | None  # actor name as the entity layer spells it (acronym if the text uses one)


class DocIndex:
    """Offset-sorted entity, date, sentence and block positions of one doc."""

    def __init__(self, doc: Doc, lex: Lexicon, text: str | None = None):
        self.doc = doc
        self.text = doc.text if text is None else text
        self.lex = lex
        # The entity layer's records, not its spans: a Span per entity (and an
        # Underscore per attribute) cost more than everything this index does.
        # EntityRefs are made lazily: only entities near a mention pay for theirs.
        kept = []
        for record in entity_records(doc):
            label = record.label_
            if label in _KEPT_LABELS:
                kept.append((record.start_char, -record.end_char, label, record))
        kept.sort(key=_START_NEG_END)
        self._spans = kept
        self.entity_starts = [t[0] for t in self._spans]
        # Span.text joins tokens: slice the same characters from the text when it is the doc's.
        self._same_text = _same_text(doc, self.text)
        self._refs: dict[int, EntityRef] = {}
        self._parties_cache: dict[tuple, list[str]] = {}
        dates = sorted(
            ((d.start_char, d.end_char, d) for d in date_records(doc)), key=_START_END,
        )
        self.dates = dates
        self.date_starts = [d[0] for d in dates]
        document = doc._.input
        self.blocks = sorted(
            ((b.start_char, b.end_char, b.kind) for b in (getattr(document, "blocks", None) or [])),
        )
        self.block_starts = [b[0] for b in self.blocks]
        self._signatories: list[tuple[int, int]] | None = None

    def _ref(self, i: int) -> EntityRef:
        ref = self._refs.get(i)
        if ref is None:
            start, neg_end, label, record = self._spans[i]
            canonical = record.canonical
            acronym = record.acronym
            country = record.country
            text = self.text[start:-neg_end] if self._same_text else record.text
            actor = None
            if label != "TOPIC":
                try:
                    actor = actor_name_of(label, canonical, acronym, text)
                except Exception:  # the entity layer is optional for this component
                    actor = None
            ref = EntityRef(start, -neg_end, label, text, canonical, acronym, country,
                            actor or canonical or text)
            self._refs[i] = ref
        return ref

    @property
    def entities(self) -> list[EntityRef]:
        return [self._ref(i) for i in range(len(self._spans))]

    # ------------------------------------------------------------------ ranges

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """Bounds of the sentence(s) holding [start, end): a line break or a
        stop before a capital, as ``accords_sentences`` splits, found by regex
        around the mention instead of walking tokens."""
        text = self.text
        line_start = text.rfind("\n", 0, start) + 1
        window_start = max(line_start, start - 1500)
        sentence_start = line_start
        for m in _SENTENCE_END.finditer(text, window_start, start):
            if not _ABBREVIATION.search(text, max(0, m.start() - 4), m.start() + 1):
                sentence_start = m.end()
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        # A page break can split a sentence: the line ends without a stop and
        # the next block goes on in lowercase ("... ICT\n\nand postal services").
        while line_end < len(text) and not re.search(r"[.!?:;”\"]\s*$", text[max(0, line_end - 3):line_end]):
            nxt = re.match(r"\s*([a-z])", text[line_end:line_end + 8])
            if not nxt:
                break
            following = text.find("\n", line_end + nxt.end())
            line_end = len(text) if following < 0 else following
        sentence_end = line_end
        for m in _SENTENCE_END.finditer(text, end, min(line_end, end + 1500)):
            if not _ABBREVIATION.search(text, max(0, m.start() - 4), m.start() + 1):
                sentence_end = m.start() + 1
                break
        return sentence_start, sentence_end

    def block_index(self, pos: int) -> int | None:
        i = bisect_right(self.block_starts, pos) - 1
        if i >= 0 and self.blocks[i][0] <= pos <= self.blocks[i][1]:
            return i
        return None

    def paragraph(self, pos: int) -> tuple[int, int]:
        i = self.block_index(pos)
        if i is not None:
            return self.blocks[i][0], self.blocks[i][1]
        start = self.text.rfind("\n\n", 0, pos)
        end = self.text.find("\n\n", pos)
        return 0 if start < 0 else start + 2, len(self.text) if end < 0 else end

    def section_heading(self, pos: int) -> tuple[int, int] | None:
        i = bisect_right(self.block_starts, pos) - 1
        while i >= 0:
            if self.blocks[i][2] == "heading" and self.blocks[i][1] <= pos:
                return self.blocks[i][0], self.blocks[i][1]
            i -= 1
        return None

    def entities_in(self, start: int, end: int, labels: tuple[str, ...]) -> list[EntityRef]:
        entries = self._spans
        count = len(entries)
        refs = self._refs
        i = bisect_left(self.entity_starts, start)
        found = []
        while i < count:
            entry = entries[i]
            if entry[0] >= end:
                break
            if -entry[1] <= end and entry[2] in labels:
                ref = refs.get(i)
                found.append(ref if ref is not None else self._ref(i))
            i += 1
        return found

    # ------------------------------------------------------------------ parties

    def grouping_of(self, e: EntityRef) -> str | None:
        for name in (e.acronym, e.canonical, e.text, e.actor):
            if name and name in self.lex.groupings:
                return self.lex.groupings[name]
        return None

    def parties_in(self, start: int, end: int, excluded: list[tuple[int, int]] = (), with_bodies: bool = True) -> list[str]:
        """Countries and groupings named in the range: a country that only
        qualifies a body ("Japan's Ministry of ...") counts through the body."""
        excluded = [(a, b) for a, b in excluded if a < end and b > start]  # only spans that can matter
        key = (start, end, with_bodies, tuple(excluded))
        cached = self._parties_cache.get(key)
        if cached is None:
            cached = self._parties_cache[key] = self._parties_in(start, end, excluded, with_bodies)
        return list(cached)

    def _parties_in(self, start: int, end: int, excluded: list[tuple[int, int]], with_bodies: bool) -> list[str]:
        found: dict[str, None] = {}
        ents = [e for e in self.entities_in(start, end, ("COUNTRY", "ORG"))
                if not any(a <= e.start < b for a, b in excluded)]
        orgs = [e for e in ents if e.label == "ORG"]
        for e in ents:
            if e.label == "COUNTRY":
                inside_org = any(o.start <= e.start and e.end <= o.end for o in orgs)
                owner = re.match(r"\s*['’]s\s", self.text[e.end:e.end + 4])
                if (inside_org or owner) and not with_bodies:
                    continue
                if inside_org:
                    continue  # the body's own country is counted below
                if owner and any(o.start <= e.end + 4 and (o.country or self.grouping_of(o)) for o in orgs if o.start > e.end):
                    continue  # "Japan's Ministry of ...": counted through the body
                if e.canonical:
                    found.setdefault(e.canonical, None)
            else:
                grouping = self.grouping_of(e)
                if grouping:
                    found.setdefault(grouping, None)
                elif with_bodies and e.country:
                    found.setdefault(e.country, None)
                elif with_bodies:
                    # "Ministry of ... of Kenya": a body the entity layer gives no country
                    for c in ents:
                        if c.label == "COUNTRY" and e.start <= c.start and c.end <= e.end and c.canonical:
                            found.setdefault(c.canonical, None)
        for m in self.lex.grouping_regex.finditer(self.text, start, end):
            if not any(a <= m.start() < b for a, b in excluded):
                found.setdefault(self.lex.groupings[m.group()], None)
        expanded: dict[str, None] = {}
        for party in found:
            for member in self.lex.members.get(party) or (party,):
                expanded.setdefault(member, None)
        return list(expanded)

    def bodies_in(self, start: int, end: int, excluded: list[tuple[int, int]] = ()) -> list[str]:
        """Organizations (not groupings) named in the range, longest form only."""
        excluded = [(a, b) for a, b in excluded if a < end and b > start]
        orgs = [e for e in self.entities_in(start, end, ("ORG",))
                if not any(a <= e.start < b for a, b in excluded) and not self.grouping_of(e)]
        kept: dict[str, None] = {}
        for e in orgs:
            if any(o is not e and o.start <= e.start and e.end <= o.end and (o.end - o.start) > (e.end - e.start)
                   for o in orgs):
                continue
            name = (e.actor or e.canonical or e.text).rstrip(". ")
            if name.endswith((" We", " It")):
                continue  # a body name run into the next sentence
            kept.setdefault(name, None)
        return list(kept)

    def grouping_bodies_in(self, start: int, end: int) -> list[str]:
        """Bodies that act for a grouping ("European Commission"): signatories."""
        names = []
        for e in self.entities_in(start, end, ("ORG",)):
            grouping = self.grouping_of(e)
            if grouping and (e.canonical or e.text) != grouping and e.acronym != grouping:
                names.append(e.canonical or e.text)
        return names

    def topics_in(self, start: int, end: int) -> list[str]:
        return [e.canonical or e.text for e in self.entities_in(start, end, ("TOPIC",))]

    # ------------------------------------------------------------------ dates

    def date_for(self, mention: Mention, seg_start: int, seg_end: int, excluded: list[tuple[int, int]]) -> str | None:
        """The date tied to the mention: one inside its name ("to be signed in
        2026"), else the nearest in its segment of the sentence; open-ended
        expressions ("since 2018") are not the date of one instrument."""
        i = bisect_left(self.date_starts, seg_start)
        excluded = [(a, b) for a, b in excluded if a < seg_end and b > seg_start]
        best = None
        while i < len(self.dates) and self.dates[i][0] < seg_end:
            start, end, span = self.dates[i]
            i += 1
            value = span._.date_value
            if not value or end > seg_end or any(a <= start < b for a, b in excluded):
                continue
            if _OPEN_ENDED.search(self.text[max(0, start - 24):start]):
                continue
            if mention.start <= start and end <= mention.end:
                return value
            if end <= mention.start and _COORDINATED_GAP.match(self.text, end, mention.start):
                continue
            distance = start - mention.end if start >= mention.end else mention.start - end
            # Dates after the mention usually belong to it ("signed in May 2023").
            distance += 0 if start >= mention.end else 40
            if best is None or distance < best[0]:
                best = (distance, value)
        return best[1] if best else None

    def has_signatories_line(self) -> bool:
        return bool(self.signatories_lines())

    def signatories_lines(self) -> list[tuple[int, int]]:
        # Once per doc: the multiline regex tries every line of the text.
        if self._signatories is None:
            found = []
            for m in _SIGNATORIES_LINE.finditer(self.text):
                end = self.text.find("\n", m.end())
                found.append((m.start(), len(self.text) if end < 0 else end))
            self._signatories = found
        return list(self._signatories)


_AFTER_LEAD = re.compile(r"^[\s”\"]*(,?)[\s”\"]*")
_AFTER_COMMA = re.compile(r"^\s*,?\s*")
_GAP_STOP = re.compile(r"[.;:]\s")
_GAP_COORDINATION = re.compile(r"\b(?:and|or)\s+(?:a|an|the)\b")
_OPENING_GERUND = re.compile(r"\W*(?:[\d.()]+\s+)?([A-Z][a-z]+ing)\b")


def _cues(lex: Lexicon, position: str, type_: str) -> tuple[tuple, re.Pattern | None]:
    """The lexicon's cues at ``position`` that apply to ``type_`` and their
    alternation, built once with the lexicon (``Lexicon.cue_set``)."""
    return lex.cue_set(position, type_)


def stated_status(text: str, mention: Mention, seg_start: int, seg_end: int, lex: Lexicon) -> str | None:
    """The status the words around the mention state, or None."""
    status = None
    type_ = mention.type
    inside = text[mention.head_end:mention.end]
    cues, any_cue = _cues(lex, "inside", type_)
    if any_cue is not None and any_cue.search(inside):
        for cue in cues:  # the first matching cue wins, as ordered in the lexicon
            if cue.regex.search(inside):
                status = cue.status
                break
    if status is None:
        after = text[mention.end:min(seg_end, mention.end + 200)]
        after = _AFTER_LEAD.sub(r"\1 ", after)  # 'Declaration,” including ...'
        after = _AFTER_NOISE.sub("", after, count=1)
        after = _AFTER_ASIDE.sub("", after, count=1)
        after = _AFTER_COMMA.sub("", after)
        cues, any_cue = _cues(lex, "after", type_)
        if any_cue is not None and any_cue.search(after):
            for cue in cues:
                if cue.regex.search(after):
                    status = cue.status
                    break
        if status is not None and _NEGOTIATIONS_BEFORE.search(text, max(seg_start, mention.start - 40), mention.start):
            # "Negotiations on the X were launched / concluded": the verb tells
            # where the negotiations stand, not the instrument.
            status = "to_be_signed" if status == "signed" else "under_negotiation"
    if status is None:
        window_start = max(seg_start, mention.start - 80)
        before = text[window_start:mention.start]
        best = None
        cues, any_cue = _cues(lex, "before", type_)
        if any_cue is not None and any_cue.search(before):
            for cue in cues:
                for m in cue.regex.finditer(before):
                    gap = before[m.end():]
                    if len(gap) > 45 or _GAP_STOP.search(gap) or _GAP_COORDINATION.search(gap):
                        continue
                    if best is None or m.end() > best[0]:
                        best = (m.end(), cue.status)
        status = best[1] if best else None
    if status is None:
        # An item that opens with the action: "11.1. Establishing bilateral frameworks ... such as the X Framework"
        opening = _OPENING_GERUND.match(text[seg_start:mention.start])
        if opening:
            for cue in _cues(lex, "before", type_)[0]:
                if cue.regex.fullmatch(opening.group(1).lower()):
                    status = cue.status
                    break
    return adjust_status(status, mention.type)


def adjust_status(status: str | None, type_: str) -> str | None:
    """One verb, different statuses by instrument: an announced partnership is
    launched, an announced statement adopted, an issued memorandum signed."""
    if status == "adopted" and type_ == "partnership":
        return "launched"
    if status == "adopted" and type_ in ("memorandum", "letter_of_intent"):
        return "signed"
    return status
