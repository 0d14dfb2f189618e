"""Commitments: who promised to do what, by when (GUIDELINES.md, "commitments").

``accords_commitments`` finds trigger candidates with one PhraseMatcher over
the document, validates each with a small rule on the tokens around it
(``clauses.py``), cuts the clause, and resolves its actor through the entity
layer (``actors.py``). Enumerated items are handled from the block structure
(``structure.py``): items under a lead-in that is itself a commitment
("we will strengthen our cooperation by:") inherit its actor and trigger and
the lead-in is not a row; gerund items ("9.6. Strengthening cybersecurity
cooperation ...") are planned actions of the parties on their own.

Each commitment is one span in ``doc.spans["commitments"]`` (label = trigger)
whose ``_.record`` is the table row without ``doc_id``.
"""
from __future__ import annotations

import hashlib
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date

import numpy
from spacy.attrs import IDX, LENGTH, SENT_START
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from extractors import spans
from extractors.commitments.actors import ActorResolver, actors_of
from extractors.commitments.clauses import RULES, Hit, clause_end, clause_start, reported_opinion
from extractors.commitments.lexicon import Lexicon, gerund_lemma, load_lexicon
from extractors.commitments.structure import Unit, document_units, ends_open, is_bullet
from extractors.dates.component import date_records
from extractors.entities import entity_records
from extractors.labels import TRIGGERS

_SKIPPED_KINDS = ("heading", "footnote", "table")
_COMMITMENT_NOUNS = frozenset({"commitment", "commitments", "resolve", "determination", "intent", "intention"})
# How long a run-in heading ("Deepening Strategic Defense Cooperation:") may be.
_RUN_IN_HEADING_CHARS = 80


@dataclass
class _Sentence:
    start_tok: int
    end_tok: int
    start: int
    end: int
    hits: list[Hit] = field(default_factory=list)
    consumed: bool = False  # covered by an item or a lead-in


@dataclass
class _LeadIn:
    trigger: str
    actor: list[str]
    text: str


@Language.factory(
    "accords_commitments",
    default_config={"numbered_heading_doc_types_excluded": ["white_paper"]},
)
def make_commitment_extractor(nlp: Language, name: str, numbered_heading_doc_types_excluded: list[str]):
    """``numbered_heading_doc_types_excluded``: document types whose numbered
    headings are outline sections ("(1) Initiatives so far" in a white paper)
    rather than enumerated topics ("(2) AI" in a joint statement summary),
    so the paragraphs under them carry no item number."""
    return CommitmentExtractor(nlp, name, tuple(numbered_heading_doc_types_excluded))


class CommitmentExtractor:
    def __init__(self, nlp: Language, name: str, numbered_heading_doc_types_excluded: tuple[str, ...] = ()):
        self.name = name
        self.lexicon: Lexicon = load_lexicon()
        self.excluded_heading_doc_types = frozenset(numbered_heading_doc_types_excluded)
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._patterns = {}
        for pattern in self.lexicon.triggers:
            key = f"commitment_trigger:{pattern.phrase}"
            self.matcher.add(key, [nlp.make_doc(pattern.phrase)])
            self._patterns[nlp.vocab.strings[key]] = pattern

    # ------------------------------------------------------------------ main

    def __call__(self, doc: Doc) -> Doc:
        doc.spans[spans.COMMITMENTS] = []
        doc._.commitment_rows = []
        document = doc._.input
        text = _document_text(doc)
        if not text.strip():
            return doc
        doc_type = getattr(document, "doc_type", None)
        units = document_units(text, getattr(document, "blocks", None) or [],
                               topic_headings=doc_type not in self.excluded_heading_doc_types)
        sentences = _sentences(doc)
        self._attach_hits(doc, text, sentences)
        # Records, not Spans: a Span per entity costs more than the rules that read them.
        entities = entity_records(doc, text)
        title = getattr(document, "title", None)
        actors = ActorResolver(text, entities, self.lexicon, title, _party_ranges(text, units))
        records = _Extraction(doc, text, entities, self.lexicon, units, sentences, actors).run()
        doc.spans[spans.COMMITMENTS] = [_span(doc, r) for r in records]
        doc._.commitment_rows = records
        return doc

    def _attach_hits(self, doc: Doc, text: str, sentences: list[_Sentence]) -> None:
        starts = [s.start_tok for s in sentences]
        seen = set()
        for match_id, start, end in self.matcher(doc):
            pattern = self._patterns[match_id]
            hit = RULES[pattern.rule](doc, start, end, pattern, self.lexicon)
            if hit is None or hit.anchor in seen:
                continue
            sentence = sentences[bisect_right(starts, hit.anchor) - 1]
            if reported_opinion(text, sentence.start, doc[hit.anchor].idx, self.lexicon):
                continue
            seen.add(hit.anchor)
            sentence.hits.append(hit)
        for s in sentences:
            s.hits.sort(key=lambda h: h.anchor)


def _document_text(doc: Doc) -> str:
    """The clean text; ``doc.text`` joins every token in Python on each access,
    so the reader's copy is used when the doc was made from it."""
    text = getattr(doc._.input, "text", None)
    if isinstance(text, str) and len(doc) and doc[-1].idx + len(doc[-1].text_with_ws) == len(text):
        return text
    return doc.text


def _sentences(doc: Doc) -> list[_Sentence]:
    """Sentence bounds from the SENT_START array (iterating ``doc.sents`` makes a
    Span per sentence and a Token per word in Python)."""
    array = doc.to_array([SENT_START, IDX, LENGTH])
    starts = numpy.flatnonzero(array[:, 0] == 1).tolist()
    if not starts:
        from extractors.sentences import set_sentence_starts

        set_sentence_starts(doc)
        array = doc.to_array([SENT_START, IDX, LENGTH])
        starts = numpy.flatnonzero(array[:, 0] == 1).tolist()
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    ends = starts[1:] + [len(doc)]
    idx, length = array[:, 1].tolist(), array[:, 2].tolist()
    return [_Sentence(a, b, idx[a], idx[b - 1] + length[b - 1]) for a, b in zip(starts, ends)]


class _Extraction:
    """The commitments of one document, unit by unit in reading order."""

    def __init__(self, doc: Doc, text: str, entities: list, lexicon: Lexicon, units: list[Unit],
                 sentences: list[_Sentence], actors: ActorResolver):
        self.doc, self.text, self.lex = doc, text, lexicon
        self.units, self.sentences, self.actors = units, sentences, actors
        self._sentence_starts = [s.start for s in sentences]
        self.previous_actor: list[str] | None = None
        self.records: list[dict] = []
        self.lead_ins: dict[int, _LeadIn | None] = {}
        document = doc._.input
        self.doc_id = getattr(document, "doc_id", "") or ""
        self.published = _parse_date(getattr(document, "published_date", None))
        self.dates = _SpanIndex(date_records(doc))
        self.topics = _SpanIndex([s for s in entities if s.label_ == "TOPIC"])
        self.parents = {u.parent for u in units if u.kind == "list_item" and u.parent is not None}

    def run(self) -> list[dict]:
        section, topic_item = None, None
        for index, unit in enumerate(self.units):
            if unit.kind == "heading":
                section = self.text[unit.start:unit.end].strip(" *_#")
                topic_item = unit.number if unit.topic_number else None
                continue
            if unit.kind in _SKIPPED_KINDS:
                continue
            unit_sentences = self._sentences_in(unit)
            if index in self.parents:
                self.lead_ins[index] = self._lead_in(unit, unit_sentences)
            item = self._item_number(unit) if unit.kind == "list_item" else topic_item
            if unit.kind == "list_item":
                self._item(unit, unit_sentences, item, section)
            for sentence in unit_sentences:
                if not sentence.consumed and sentence.hits:
                    self._sentence(sentence, item, section, unit.start)
        self.records.sort(key=lambda r: (r["start_char"], r["end_char"]))
        return self.records

    # ------------------------------------------------------------ structure

    def _sentences_in(self, unit: Unit) -> list[_Sentence]:
        i = max(0, bisect_right(self._sentence_starts, unit.start) - 1)
        out = []
        while i < len(self.sentences) and self.sentences[i].start < unit.end:
            if self.sentences[i].end > unit.start:
                out.append(self.sentences[i])
            i += 1
        return out

    def _lead_in(self, unit: Unit, sentences: list[_Sentence]) -> _LeadIn | None:
        """The lead-in's last sentence, when it ends in a colon and commits:
        its items inherit actor and trigger and it is not a row itself."""
        if not sentences or not self.text[unit.start:unit.end].rstrip().endswith(":"):
            return None
        last = sentences[-1]
        last.consumed = True
        clauses = self._clauses(last, unit.start)
        if not clauses:
            return None
        start, end, hit = clauses[-1]
        actor = self._actor(start, hit.anchor, last)
        return _LeadIn(hit.trigger, actor, self.text[start:end].strip())

    def _item_number(self, unit: Unit) -> str | None:
        """An item's number; a bare bullet ("-", "•") takes its numbered
        lead-in's ("7. ... in the following areas:" - ... -> "7")."""
        if not is_bullet(unit.number):
            return unit.number
        parent = self.units[unit.parent] if unit.parent is not None else None
        if parent is not None and parent.kind == "list_item" and not is_bullet(parent.number):
            return parent.number
        return None

    def _item(self, unit: Unit, sentences: list[_Sentence], item: str | None, section: str | None) -> None:
        """One commitment for an item under a committing lead-in, or for a
        gerund item ("Deepening collaboration on AI ..."); later sentences of
        the item that open with their own subject ("We will also continue ...")
        are judged on their own."""
        lead_in = self.lead_ins.get(unit.parent) if unit.parent is not None else None
        parent_text = self._unit_text(unit.parent) if unit.parent is not None else ""
        if lead_in is None and self._reports_discussion(parent_text):
            return
        first_word = self.text[unit.start:unit.end].lstrip().split(" ", 1)[0].strip(",.:;")
        lemma = self._action_gerund(first_word)
        if lemma is None and lead_in is None and ends_open(parent_text):
            lemma = self._action_gerund(first_word[:1].upper() + first_word[1:])  # "are" - launching ...
        if lead_in is None and lemma is None:
            return
        if lead_in is None and sentences and self._gerund_is_not_the_action(unit, sentences[0]):
            return
        end = unit.end
        for sentence in sentences[1:]:
            if self._opens_with_actor(sentence):
                end = sentence.start
                break
        for sentence in sentences:
            if sentence.start < end:
                sentence.consumed = True
        own = lemma if lemma in TRIGGERS and lemma != "other" else None
        if lead_in is not None:
            trigger, actor, lead_text = own or lead_in.trigger, lead_in.actor, lead_in.text
        else:
            trigger, lead_text = own or "other", None
            actor = self._parent_actor(unit.parent) or list(self.actors.parties)
        self._add(unit.start, end, actor, trigger, item, lead_text, section)

    def _gerund_is_not_the_action(self, unit: Unit, first: _Sentence) -> bool:
        """A gerund that labels the item rather than stating its action: a run-in
        heading ("Deepening Defense Cooperation: The United States and Ukraine
        have finalized ...") or a participial opener before a clause with its own
        subject and commitment ("Building on previous support, the DFC will
        invest ..."). Such an item's sentences are judged on their own."""
        head = self.text[unit.start:min(first.end, unit.start + _RUN_IN_HEADING_CHARS)]
        colon = head.find(": ")
        if colon > 0 and not any(self.doc[h.anchor].idx < unit.start + colon for h in first.hits):
            return True
        comma = head.find(", ")
        return comma > 0 and any(self.doc[h.anchor].idx > unit.start + comma for h in first.hits)

    def _unit_text(self, index: int) -> str:
        unit = self.units[index]
        return self.text[unit.start:unit.end]

    def _reports_discussion(self, lead_in_text: str) -> bool:
        words = {w.strip(".,:;").lower() for w in lead_in_text.split()}
        return bool(words & self.lex.words("report_lead_in_verbs"))

    def _action_gerund(self, word: str) -> str | None:
        if len(word) < 5 or not word[:1].isupper() or not word.lower().endswith("ing") or not word.isalpha():
            return None
        if word.lower() in self.lex.words("non_action_gerunds"):
            return None
        return gerund_lemma(word, self.lex.gerund_lemmas)

    def _opens_with_actor(self, sentence: _Sentence) -> bool:
        m = self.lex.party_regex.match(self.text, sentence.start)
        return m is not None

    def _parent_actor(self, parent: int | None) -> list[str] | None:
        """Subject of a non-committing lead-in ("Japan and Singapore recognise ... by:")."""
        if parent is None or self.units[parent].kind == "heading":
            return None
        unit = self.units[parent]
        sentences = self._sentences_in(unit)
        if not sentences:
            return None
        last = sentences[-1]
        return self.actors.resolve(last.start, last.end, last.start, self.previous_actor)

    # --------------------------------------------------------------- clauses

    def _clauses(self, sentence: _Sentence, floor: int) -> list[tuple[int, int, Hit]]:
        """(start_char, end_char, hit) per clause; the first trigger of a clause wins.
        ``floor`` is the block's start, after an item's number."""
        out = []
        previous_end = sentence.start
        for hit in sentence.hits:
            anchor_char = self.doc[hit.anchor].idx
            start_tok = clause_start(self.doc, sentence.start_tok, hit.anchor)
            if anchor_char < previous_end:
                cut = self._new_subject(out[-1][2] if out else None, start_tok, hit.anchor)
                if cut is None:
                    continue  # a second trigger inside the same clause
                out[-1] = (out[-1][0], cut, out[-1][2])
                previous_end = cut
            start = max(floor, previous_end, self.doc[start_tok].idx)
            trigger_last = self.doc[hit.end - 1]
            end = clause_end(self.text, trigger_last.idx + len(trigger_last.text), sentence.end, self.lex)
            previous_end = end
            out.append((start, end, hit))
        return out

    def _new_subject(self, previous: Hit | None, start_tok: int, anchor: int) -> int | None:
        """Where the previous clause ends when a second trigger opens a clause
        of its own after ", and" with a short subject ("..., and they resolved
        to expand ...", "..., and Canada pledged to ..."): the comma's offset."""
        doc = self.doc
        if previous is None or start_tok <= previous.end or start_tok < 2 or not 1 <= anchor - start_tok <= 4:
            return None
        if doc[start_tok - 1].lower_ not in ("and", "but") or doc[start_tok - 2].text != ",":
            return None
        first = doc[start_tok]
        if not (first.is_title or self.lex.party_regex.match(self.text, first.idx)):
            return None
        return doc[start_tok - 2].idx

    def _sentence(self, sentence: _Sentence, item: str | None, section: str | None, floor: int) -> None:
        for start, end, hit in self._clauses(sentence, floor):
            owner = self._commitment_owner(hit)
            if owner:
                self.previous_actor = actor = owner
            else:
                actor = self._actor(start, hit.anchor, sentence)
            self._add(start, end, actor, hit.trigger, item, None, section)

    def _commitment_owner(self, hit: Hit) -> list[str] | None:
        """Whose commitment a governing verb reaffirms when the noun names its
        owner: "The President reaffirmed the U.S. commitment to ..." -> USA."""
        if hit.end - hit.anchor < 4:
            return None
        words = self.doc[hit.anchor + 1:hit.end]
        if not any(t.lower_ in _COMMITMENT_NOUNS for t in words):
            return None
        return actors_of(self.actors.within(words.start_char, words.end_char), self.text) or None

    def _actor(self, start: int, anchor_tok: int, sentence: _Sentence) -> list[str]:
        actor = self.actors.resolve(start, self.doc[anchor_tok].idx, sentence.start, self.previous_actor)
        self.previous_actor = actor
        return actor

    # ---------------------------------------------------------------- record

    def _add(self, start: int, end: int, actor: list[str], trigger: str, item: str | None,
             lead_in: str | None, section: str | None) -> None:
        while end > start and self.text[end - 1].isspace():
            end -= 1
        while start < end and self.text[start].isspace():
            start += 1
        text = self.text[start:end]
        if not text:
            return
        self.records.append({
            "commitment_id": hashlib.sha1(f"{self.doc_id}|{start}|{end}|{text}".encode()).hexdigest()[:16],
            "text": text,
            "actor": list(actor),
            "trigger": trigger if trigger in TRIGGERS else "other",
            "strength": self.lex.strength.get(trigger, "soft"),
            "item": item,
            "lead_in": lead_in,
            "topics": self._topics(start, end),
            "deadline": self._deadline(start, end),
            "agreement_id": None,
            "section": section,
            "start_char": start,
            "end_char": end,
        })

    def _topics(self, start: int, end: int) -> list[str]:
        out = []
        for span in self.topics.inside(start, end):
            value = span._.canonical or span.text
            if value not in out:
                out.append(value)
        return out

    def _deadline(self, start: int, end: int) -> str | None:
        """The first date in the clause that bounds the action ("by FY2025",
        "until 2027", "to be signed in 2026") and is not already past."""
        words = self.lex.words("deadline_words")
        for span in self.dates.inside(start, end):
            before = self.text[max(start, span.start_char - 30):span.start_char].lower().split()[-4:]
            if not set(before) & words or "as" in before:  # "as of March 2024" is a status date
                continue
            last_day = span._.end_date or span._.start_date
            if self.published and isinstance(last_day, date) and last_day < self.published:
                continue
            if span._.date_value:
                return span._.date_value
        return None


class _SpanIndex:
    """Spans sorted by start, for "which lie inside [start, end)" by bisection."""

    def __init__(self, items: list[Span]):
        self.items = sorted(items, key=lambda s: s.start_char)
        self.starts = [s.start_char for s in self.items]

    def inside(self, start: int, end: int) -> list[Span]:
        i = bisect_left(self.starts, start)
        out = []
        while i < len(self.items) and self.starts[i] < end:
            if self.items[i].end_char <= end:
                out.append(self.items[i])
            i += 1
        return out


def _parse_date(value: str | None) -> date | None:
    """The publication date's first day ("2024" -> 2024-01-01), for "not yet past"."""
    if not value:
        return None
    parts = str(value)[:10].split("-")
    try:
        return date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return None


_SIGNATORIES = re.compile(r"(?im)^\W*signator(?:y|ies)\b.*$")
_OPENING_MIN_CHARS = 80


def _party_ranges(text: str, units: list[Unit]) -> list[tuple[int, int]]:
    """Where a document names its parties: from the top through the first
    paragraph of prose (title and opening), and any signatories line."""
    ranges = []
    for unit in units:
        if unit.kind in ("paragraph", "list_item") and unit.end - unit.start > _OPENING_MIN_CHARS:
            ranges.append((0, unit.end))
            break
    else:
        ranges.append((0, min(len(text), 600)))
    if "ignator" in text or "IGNATOR" in text:  # the multiline regex costs a scan of every line
        ranges += [(m.start(), m.end()) for m in _SIGNATORIES.finditer(text)]
    return ranges


def _span(doc: Doc, record: dict) -> Span:
    span = doc.char_span(record["start_char"], record["end_char"], label=record["trigger"], alignment_mode="expand")
    span._.record = record
    return span


def rows(doc: Doc) -> list[dict]:
    """Rows of the commitments table (without ``doc_id``), linked to the
    agreement each clause mentions once the agreements component has run."""
    from extractors.agreements.component import agreement_rows

    agreements = _RowIndex(agreement_rows(doc))
    stored = doc._.commitment_rows
    if stored is None:
        stored = [span._.record for span in doc.spans.get(spans.COMMITMENTS, [])]
    out = []
    for row in stored:
        record = dict(row)
        record["actor"] = list(record["actor"])
        record["topics"] = list(record["topics"])
        if record["agreement_id"] is None:
            record["agreement_id"] = agreements.agreement_in(record["start_char"], record["end_char"])
        out.append(record)
    return out


class _RowIndex:
    """Agreement mention rows by start offset: the first one inside a clause."""

    def __init__(self, rows: list[dict]):
        self.rows = sorted((r for r in rows if r.get("end_char", 0) > r.get("start_char", 0)),
                           key=lambda r: r["start_char"])
        self.starts = [r["start_char"] for r in self.rows]

    def agreement_in(self, start: int, end: int) -> str | None:
        i = bisect_left(self.starts, start)
        while i < len(self.rows) and self.starts[i] < end:
            row = self.rows[i]
            if row["end_char"] <= end and row.get("agreement_id"):
                return row["agreement_id"]
            i += 1
        return None
