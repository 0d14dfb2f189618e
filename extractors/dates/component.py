"""The temporal tagger: every calendar expression of a document, normalized.

``accords_dates`` puts the expressions in ``doc.spans["dates"]`` (label DATE,
attributes ``date_value``, ``granularity``, ``start_date``, ``end_date``,
``relative``, ``anchor``, ``rule``); ``rows(doc)`` turns them into rows of the
``dates`` table; ``dates_between(doc, start, end)`` gives the dates inside a
character range, for the components that tie dates to clauses and instruments,
and ``date_records(doc)`` all of them as plain ``DateRecord``s (no Span each).

Pipeline config (all optional)::

    [components.accords_dates]
    factory = "accords_dates"
    default_fiscal_start_month = 4   # the pipeline passes Settings.fiscal_year_start_month
    [components.accords_dates.rules]
    @misc = "accords.date_rules.v1"
    [components.accords_dates.fiscal_calendars]
    @misc = "accords.fiscal_calendars.v1"
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy
from spacy.attrs import IDX, LENGTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry

from extractors import spans
from extractors.dates.calendar import FiscalCalendar, load_fiscal_calendars, parse_iso
from extractors.dates.grammar import DateGrammar, Expression
from extractors.dates.lexicon import DATA_DIR
from extractors.dates.resolve import resolve

LABEL = "DATE"
_MENTIONS_FISCAL = re.compile(r"FY|F\.Y\.|[Ff]iscal|[Ff]inancial year")


@registry.misc("accords.date_rules.v1")
def date_rules(patterns: str = str(DATA_DIR / "patterns.jsonl")) -> DateGrammar:
    """The rules of ``data/patterns.jsonl`` with the word lists beside it."""
    return DateGrammar(Path(patterns))


@registry.misc("accords.fiscal_calendars.v1")
def fiscal_calendars(path: str = str(DATA_DIR / "fiscal_calendars.csv")) -> dict[str, FiscalCalendar]:
    """ISO3 country -> fiscal calendar (JPN April, USA October, ...)."""
    return load_fiscal_calendars(Path(path))


class DateTagger:
    """Finds, resolves and stores the dates of a doc; see the module docstring."""

    def __init__(self, rules: DateGrammar, calendars: dict[str, FiscalCalendar], default_start_month: int):
        self.grammar = rules
        self.calendars = calendars
        self.default_calendar = FiscalCalendar(default_start_month, "start")

    def calendar_for(self, doc: Doc, text: str) -> FiscalCalendar:
        """The fiscal calendar of the country the document mentions most (entities, if tagged)."""
        if spans.ENTITIES not in doc.spans or not _MENTIONS_FISCAL.search(text):
            return self.default_calendar
        counts = Counter(c for c in _country_canonicals(doc) if c in self.calendars)
        if not counts:
            return self.default_calendar
        return self.calendars[counts.most_common(1)[0][0]]

    def __call__(self, doc: Doc) -> Doc:
        document = doc._.input
        text = doc_text(doc)
        published = parse_iso(getattr(document, "published_date", None))
        calendar = self.calendar_for(doc, text)
        expressions = self.grammar.find(text, calendar, published)
        sentences = SentenceIndex(doc, text)
        located: list[tuple[Expression, Span]] = []
        for expr in expressions:
            span = doc.char_span(expr.start, expr.end, label=LABEL, alignment_mode="expand")
            if span is None:
                continue
            expr.sentence = sentences.bounds(span.start_char, span.end_char)
            located.append((expr, span))
        resolved = {id(e) for e in resolve([e for e, _ in located], published, calendar)}
        found = []
        records = []
        bounds = []
        for expr, span in located:
            if id(expr) not in resolved:
                continue
            value = expr.value
            record = DateRecord(span.start_char, span.end_char, text[span.start_char:span.end_char],
                                value.value, value.granularity, value.start_date, value.end_date,
                                expr.relative is not None, expr.anchor, f"accords_dates:{expr.rule}")
            ext = span._
            ext.date_value = record.date_value
            ext.granularity = record.granularity
            ext.start_date = record.start_date
            ext.end_date = record.end_date
            ext.rule = record.rule
            if record.relative:  # the extensions' defaults are False and None
                ext.relative = True
            if record.anchor is not None:
                ext.anchor = record.anchor
            found.append(span)
            records.append(record)
            bounds.append(expr.sentence)
        doc.spans[spans.DATES] = found
        # Kept with the group they describe, so ``date_records`` and ``rows`` need not
        # read every span back. The sentence bounds are kept when they come from the
        # doc's sentences, which no later component changes (the line fallback is
        # redone: a later component may set sentences).
        doc._.date_records = (doc.spans[spans.DATES], records, bounds if sentences.from_doc else None)
        return doc


@Language.factory(
    "accords_dates",
    default_config={
        "rules": {"@misc": "accords.date_rules.v1"},
        "fiscal_calendars": {"@misc": "accords.fiscal_calendars.v1"},
        "default_fiscal_start_month": 4,
    },
)
def make_date_tagger(nlp: Language, name: str, rules: DateGrammar, fiscal_calendars: dict,
                     default_fiscal_start_month: int) -> DateTagger:
    """``default_fiscal_start_month``: the fiscal calendar of documents whose country has
    none in ``fiscal_calendars`` (4, April, as Japan's: the corpus is mostly Japanese)."""
    return DateTagger(rules, fiscal_calendars, default_fiscal_start_month)


def _country_canonicals(doc: Doc) -> list:
    """``_.canonical`` of the document's COUNTRY entities, in span order."""
    from extractors.entities import entity_records

    return [r.canonical for r in entity_records(doc) if r.label_ == "COUNTRY"]


def doc_text(doc: Doc) -> str:
    """The doc's text without rebuilding it: ``doc.text`` joins every token on each access,
    while ``doc._.input.text`` is the string the doc was made from."""
    document = doc._.input
    text = getattr(document, "text", None)
    if text is not None and len(doc) and doc[-1].idx + len(doc[-1].text_with_ws) == len(text):
        return text
    return doc.text


class SentenceIndex:
    """Sentence offsets of a doc, for looking up many spans; lines when it has no sentences."""

    def __init__(self, doc: Doc, text: str | None = None):
        text = doc_text(doc) if text is None else text
        self.from_doc = doc.has_annotation("SENT_START")
        if self.from_doc:
            bounds = _sentence_bounds(doc)
        else:
            bounds = [m.span() for m in re.finditer(r"[^\n]+", text)]
        self.starts = [b[0] for b in bounds]
        self.spans = bounds

    def bounds(self, start_char: int, end_char: int) -> tuple[int, int]:
        """``(sentence_start, sentence_end)`` of the sentence holding ``start_char``."""
        i = bisect.bisect_right(self.starts, start_char) - 1
        if i < 0:
            return start_char, end_char
        first, last = self.spans[i]
        return first, max(last, end_char)


def _sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """``(start_char, end_char)`` of each of ``doc.sents``, from the SENT_START array:
    iterating ``doc.sents`` makes a Span per sentence and a Token per word."""
    if "sents" in doc.user_hooks:
        return [(s.start_char, s.end_char) for s in doc.sents]
    if not len(doc):
        return []
    array = doc.to_array([SENT_START, IDX, LENGTH])
    starts = numpy.flatnonzero(array[1:, 0] == 1) + 1
    firsts = numpy.concatenate(([0], starts))
    lasts = numpy.concatenate((starts, [len(doc)])) - 1
    idx, length = array[:, 1].astype(numpy.int64), array[:, 2].astype(numpy.int64)
    return list(zip(idx[firsts].tolist(), (idx[lasts] + length[lasts]).tolist()))


def dates_between(doc: Doc, start_char: int, end_char: int) -> list[Span]:
    """The DATE spans lying wholly inside ``[start_char, end_char)``, in text order.

    For tying dates to a clause or sentence: ``dates_between(doc, sent.start_char,
    sent.end_char)``; each span carries ``span._.date_value``, ``span._.granularity``,
    ``span._.start_date``/``end_date`` (datetime.date) and ``span._.relative``.
    """
    found = list(doc.spans[spans.DATES]) if spans.DATES in doc.spans else []
    starts = [s.start_char for s in found]
    i = bisect.bisect_left(starts, start_char)
    result = []
    for span in found[i:]:
        if span.start_char >= end_char:
            break
        if span.end_char <= end_char:
            result.append(span)
    return result


@dataclass(slots=True, eq=False)  # eq=False: hashable, compared by identity
class DateRecord:
    """One DATE span without the Span: ``label_``, ``start_char``, ``end_char``,
    ``text`` and the attributes ``date_value``, ``granularity``, ``start_date``,
    ``end_date``, ``relative``, ``anchor`` and ``rule`` (what ``span._.<name>``
    gives).  ``record._`` is the record itself, so code written for spans reads it."""

    start_char: int
    end_char: int
    text: str
    date_value: str | None = None
    granularity: str | None = None
    start_date: object = None
    end_date: object = None
    relative: bool = False
    anchor: str | None = None
    rule: str | None = None
    label_: str = field(default=LABEL, init=False)

    @property
    def _(self) -> "DateRecord":
        return self


def _tagged(doc: Doc) -> tuple | None:
    """What the tagger kept in ``doc._.date_records``, if the dates are still its group."""
    kept = doc._.date_records
    if kept is None or spans.DATES not in doc.spans:
        return None
    group = doc.spans[spans.DATES]
    if kept[0] is not group or len(kept[1]) != len(group):
        return None
    return kept


def date_records(doc: Doc) -> list[DateRecord]:
    """``doc.spans["dates"]`` as ``DateRecord``s, in span order; ``[]`` without dates.

    For the components that read many dates: a SpanGroup builds a spaCy Span per
    date and ``span._.x`` an ``Underscore`` per attribute.  The tagger's own records
    when the group is the one it left, read from the spans otherwise.  A new list
    each time (callers may filter it)."""
    kept = _tagged(doc)
    if kept is not None:
        return list(kept[1])
    found = doc.spans[spans.DATES] if spans.DATES in doc.spans else []
    return [DateRecord(s.start_char, s.end_char, s.text, s._.date_value, s._.granularity, s._.start_date,
                       s._.end_date, s._.relative, s._.anchor, s._.rule) for s in found]


def rows(doc: Doc) -> list[dict]:
    """Rows of the ``dates`` table (every column but ``doc_id``)."""
    records = date_records(doc)
    if not records:
        return []
    kept = _tagged(doc)
    if kept is not None and kept[2] is not None:
        bounds = kept[2]  # what the tagger found for the same spans
    else:
        sentences = SentenceIndex(doc)
        bounds = [sentences.bounds(r.start_char, r.end_char) for r in records]
    result = []
    for r, (sentence_start, sentence_end) in zip(records, bounds):
        result.append({
            "text": r.text,
            "value": r.date_value,
            "granularity": r.granularity,
            "start_date": r.start_date,
            "end_date": r.end_date,
            "relative": bool(r.relative),
            "anchor": r.anchor,
            "start_char": r.start_char,
            "end_char": r.end_char,
            "sentence_start": sentence_start,
            "sentence_end": sentence_end,
        })
    return result
