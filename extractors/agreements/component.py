"""The ``accords_agreements`` component: every mention of a formal instrument
(memorandum, agreement, treaty, joint statement, declaration, framework,
letter of intent, named partnership) as a span in ``doc.spans["agreements"]``.

Each span's label is the instrument type and ``span._.record`` the
``agreement_mentions`` row: the mention's own status and date, plus the
document's view of the instrument (name, type, parties, signatories, topics)
and its ``agreement_id``.  ``rows(doc)`` returns those rows.

It reads the entity layer (countries, bodies, topics) and the date layer when
they ran before it, and still finds instruments, names and statuses without them.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from extractors import spans
from extractors.agreements.lexicon import Lexicon, lexicon
from extractors.agreements.records import DocumentResolver, agreement_id, key_words, normalize_words


class AgreementExtractor:
    """Finds instrument mentions and resolves them to per-document records.

    ``max_chars``: documents longer than this are skipped (none are expected;
    it bounds the work on a pathological input).
    """

    def __init__(self, nlp: Language, lex: Lexicon, max_chars: int):
        self.lex = lex
        self.max_chars = max_chars
        # Head key words by lowercase form: one pass of a PhraseMatcher finds
        # every place worth a closer look.
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.matcher.add("HEAD", [nlp.make_doc(word) for word in sorted(lex.triggers)])

    def __call__(self, doc: Doc) -> Doc:
        size = doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0
        matches = self.matcher(doc) if 0 < size <= self.max_chars else []
        if not matches:
            doc.spans[spans.AGREEMENTS] = []
            return doc
        triggers = sorted((doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)) for _, s, e in matches)
        # Doc.text joins every token: take the reader's copy of the same text.
        document = doc._.input
        same = document is not None and len(document.text) == size
        text = document.text if same else doc.text
        resolved = DocumentResolver(doc, self.lex, text).resolve(triggers)
        ids = {}
        found = []
        for r in resolved:
            record = r.record
            if id(record) not in ids:
                ids[id(record)] = _record_id(record, resolved)
            m = r.mention
            span = doc.char_span(m.start, m.end, label=record.type, alignment_mode="expand")
            if span is None:
                continue
            row = {
                "agreement_id": ids[id(record)],
                "text": text[span.start_char:span.end_char],
                "start_char": span.start_char,
                "end_char": span.end_char,
                "date": r.date,
                "status": r.status,
                "name": record.name or m.name,
                "type": record.type,
                "parties": list(record.parties),
                "signatories": list(record.signatories),
                "topics": sorted(record.topics),
            }
            span._.record = row
            found.append(span)
        doc.spans[spans.AGREEMENTS] = found
        return doc


def _record_id(record, resolved) -> str:
    words = record.key_words or key_words(record.name, set())
    head_words = frozenset(w[:6] for w in normalize_words(record.type.replace("_", " ")))
    year = None
    generic = not words or words <= head_words | {"joint", "statem", "minist", "declar", "memora", "cooper"}
    if generic or record.is_document:
        # Unnamed instruments ("a joint statement") differ by when they were made.
        dates = [r.date for r in resolved if r.record is record and r.date]
        year = dates[0][:4] if dates else None
    return agreement_id(record.type, list(record.parties), words, year)


@Language.factory(
    "accords_agreements",
    default_config={"max_chars": 5_000_000},
)
def make_agreement_extractor(nlp: Language, name: str, max_chars: int) -> AgreementExtractor:
    return AgreementExtractor(nlp, lexicon(), max_chars)


def rows(doc: Doc) -> list[dict]:
    """``agreement_mentions`` rows of the doc (without ``doc_id``), in text order."""
    found = [dict(span._.record) for span in doc.spans.get(spans.AGREEMENTS, []) if span._.record]
    return sorted(found, key=lambda r: (r["start_char"], r["end_char"], r["agreement_id"]))
