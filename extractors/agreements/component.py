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

import re

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from extractors import spans
from extractors.agreements.lexicon import Lexicon, lexicon
from extractors.agreements.records import DocumentResolver, agreement_id, key_words, normalize_words


class AgreementExtractor:
    """Finds instrument mentions and resolves them to per-document records.

    ``max_chars``: documents longer than this are skipped. The pipeline refuses a document
    past its memory budget before any component runs (``extractors.pipeline.max_chars``), so
    this backstop sits at spaCy's lifted length guard: a long document fails clearly or is
    read whole, never silently in part.
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
            doc._.agreement_rows = []
            return doc
        triggers = sorted((doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)) for _, s, e in matches)
        # Doc.text joins every token: take the reader's copy of the same text.
        document = doc._.input
        same = document is not None and len(document.text) == size
        text = document.text if same else doc.text
        resolved = DocumentResolver(doc, self.lex, text).resolve(triggers)
        ids = _record_ids(resolved)
        found, found_rows = [], []
        for r in resolved:
            record = r.record
            m = r.mention
            if m.start == m.end:  # named by the document's metadata title only
                span = Span(doc, 0, 0, label=record.type)
            else:
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
            found_rows.append(row)
        doc.spans[spans.AGREEMENTS] = found
        doc._.agreement_rows = found_rows
        return doc


# Types whose distinctive proper names identify the instrument whatever the
# parties a document happens to list ("the CPTPP" with [JPN] or [JPN, SGP]).
_NAMED_TYPES = ("agreement", "declaration", "framework", "partnership")
# Name words (6-letter key prefixes) that do not tell one instrument from
# another of the same kind: "Japan-UK Digital Partnership" and "Japan-EU
# Digital Partnership", "Korea-EU FTA" and "Korea-GCC FTA" differ only by parties.
_GENERIC_NAME_WORDS = frozenset(
    "agreem treaty conven partne framew declar joint statem memora unders cooper collab econom trade free "
    "compre strate digita enhanc global specia upgrad bilate minist leader summit meetin fta epa cepa "
    "ecta ceca pact protoc arrang new closer relati mutual instit basic initia".split()
)
# "Agreement concerning the Transfer of Defense Equipment", "Treaty on ...":
# a descriptive title that states reuse with each partner.
_TEMPLATE_TITLE = re.compile(r"^\s*(?:the\s+)?(?:joint\s+|bilateral\s+)?[A-Za-z]+\s+(?:concerning|on|between|regarding|for|of|in|to|with)\b", re.I)
_MIN_DISTINCTIVE = 2


def _record_ids(resolved) -> dict[int, str]:
    """``agreement_id`` per record (by ``id(record)``).

    The per-document id hashes type, parties and name key (``_record_id``),
    which keeps apart different instruments with similar names.  Records of a
    distinctive proper name (``_name_id``) get an id that hashes the type and
    the longest name's key words only, so another document that lists other
    parties for it points to the same agreement.  Records that share a
    per-document id share the new one (computed once, from the longest name of
    the group); two groups that would share a name id keep their own ids
    unless both carry the same full name key."""
    records = []
    seen = set()
    for r in resolved:
        if id(r.record) not in seen:
            seen.add(id(r.record))
            records.append(r.record)
    local = {id(rec): _record_id(rec, resolved) for rec in records}
    groups: dict[str, list] = {}
    for rec in records:
        groups.setdefault(local[id(rec)], []).append(rec)
    named: dict[str, str] = {}
    for old, members in groups.items():
        longest = max(members, key=lambda rec: (len(rec.name), -records.index(rec)))
        name_id = _name_id(longest)
        if name_id is not None:
            named[old] = name_id
    # A name id claimed by several local groups is kept only when each of them
    # is that very name (same type and full key): otherwise fall back.
    claims: dict[str, list[str]] = {}
    for old, name_id in named.items():
        claims.setdefault(name_id, []).append(old)
    final = {}
    for old in groups:
        name_id = named.get(old)
        final[old] = name_id if name_id is not None and len(claims[name_id]) == 1 else old
    for name_id, olds in claims.items():
        if len(olds) > 1:
            keys = {_full_key(max(groups[o], key=lambda rec: len(rec.name))) for o in olds}
            if len(keys) == 1:
                for o in olds:
                    final[o] = name_id
    return {id(rec): final[local[id(rec)]] for rec in records}


def _full_key(record) -> tuple[str, frozenset[str]]:
    return record.type, key_words(record.name, set())


def _name_id(record) -> str | None:
    """A party-free id for a distinctive proper name, else None."""
    if record.type not in _NAMED_TYPES or record.is_document or not record.name:
        return None
    head_words = frozenset(w[:6] for w in normalize_words(record.type.replace("_", " ")))
    own = record.key_words or key_words(record.name, set())  # party words of its context dropped
    distinctive = own - _GENERIC_NAME_WORDS - head_words
    if len([w for w in distinctive if not w.isdigit()]) < _MIN_DISTINCTIVE:
        return None
    full = key_words(record.name, set())  # the name's own country words stay in the key
    if _TEMPLATE_TITLE.match(record.name) and full == own:
        return None  # "Agreement concerning ..." with no party in its name: one per partner
    return agreement_id(record.type, ["*"], full, None)


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
    default_config={"max_chars": 50_000_000},
)
def make_agreement_extractor(nlp: Language, name: str, max_chars: int) -> AgreementExtractor:
    return AgreementExtractor(nlp, lexicon(), max_chars)


def rows(doc: Doc) -> list[dict]:
    """``agreement_mentions`` rows of the doc (without ``doc_id``), in text order."""
    found = [dict(row) for row in agreement_rows(doc)]
    return sorted(found, key=lambda r: (r["start_char"], r["end_char"], r["agreement_id"]))


def agreement_rows(doc: Doc) -> list[dict]:
    """The component's rows, parallel to ``doc.spans["agreements"]`` (not copies)."""
    stored = doc._.agreement_rows
    if stored is not None:
        return stored
    return [span._.record for span in doc.spans.get(spans.AGREEMENTS, []) if span._.record]
