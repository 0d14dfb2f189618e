"""The spaCy pipeline: a blank English tokenizer plus the rule-based components.

``extract(document)`` is the one entry point the pipelines call: it returns
rows for every per-document table (without ``doc_id``, which the caller adds).
"""
from __future__ import annotations

import gc
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.util import compile_infix_regex

from extractors import spans
from extractors.document import DocumentInput

# Order matters: each component reads the spans of the ones before it.
COMPONENTS = (
    "accords_sentences",
    "accords_entities",
    "accords_dates",
    "accords_commitments",
    "accords_agreements",
)


def _import_components() -> None:
    # Importing registers the factories.
    import extractors.agreements.component  # noqa: F401
    import extractors.commitments.component  # noqa: F401
    import extractors.dates.component  # noqa: F401
    import extractors.entities.component  # noqa: F401
    import extractors.sentences  # noqa: F401


def split_compounds_after_abbreviations(nlp: Language) -> None:
    """Split "U.S.-Japan" into "U.S.", "-", "Japan" as "Japan-EU" already is, so
    each party of a compound is a token of its own."""
    infixes = list(nlp.Defaults.infixes) + [r"(?<=[A-Z]\.)-(?=[A-Z])"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


class TextTooLong(ValueError):
    """A document longer than the memory budget lets the pipeline take."""


# spaCy refuses texts over 1,000,000 characters (E088) because its parser and
# NER need ~1 GB per 100,000 characters; this pipeline has neither.  Measured
# here (blank tokenizer + these components): extraction peaks at ~50 bytes of
# address space per character (VmPeak +180 MB at 2.9 M characters, +270 MB at
# 5.8 M), so documents are processed whole, with every document-wide context
# (publication date, parties, agreement ids) intact, up to what the per-document
# memory limit allows with a 2x margin over ~1 GB for the interpreter, the
# gazetteers and the read document.
_BYTES_PER_CHAR = 100
_BASE_MB = 1024
_NO_LIMIT_CHARS = 50_000_000


def max_chars(memory_mb: int) -> int:
    """The longest text extracted within ``Settings.doc_memory_mb`` (0: no memory limit)."""
    if not memory_mb or memory_mb <= 0:
        return _NO_LIMIT_CHARS
    return max(1_000_000, (memory_mb - _BASE_MB) * 2**20 // _BYTES_PER_CHAR)


def build_nlp(components: tuple[str, ...] = COMPONENTS, config: dict[str, dict] | None = None) -> Language:
    """``config``: component name -> overrides of its factory config."""
    _import_components()
    nlp = spacy.blank("en")
    # spaCy's 1,000,000-character guard is for its parser and NER, which this pipeline lacks.
    # The caller bounds a document's length (``extract(..., max_chars=...)``), so one built
    # pipeline serves every memory budget.
    nlp.max_length = _NO_LIMIT_CHARS
    split_compounds_after_abbreviations(nlp)
    for name in components:
        nlp.add_pipe(name, config=(config or {}).get(name, {}))
    return nlp


@lru_cache(maxsize=2)
def default_nlp(fiscal_year_start_month: int = 4) -> Language:
    """The shared pipeline; ``fiscal_year_start_month`` is ``Settings.fiscal_year_start_month``."""
    nlp = build_nlp(config={"accords_dates": {"default_fiscal_start_month": fiscal_year_start_month}})
    # One tiny document loads every lazily built gazetteer and regex first.
    make_doc(DocumentInput("warm-up", "Japan's Ministry (MIC) will sign the MOC on 1 May 2024.\n"), nlp)
    # The gazetteers and pattern tables are long-lived; moving them out of the
    # collector's reach stops every collection from rescanning them (~0.4 µs/word).
    gc.freeze()
    return nlp


def make_doc(document: DocumentInput, nlp: Language | None = None, max_chars: int | None = None):
    """The processed Doc; ``max_chars`` (from ``max_chars(doc_memory_mb)``) refuses longer texts."""
    nlp = nlp or default_nlp()
    limit = min(max_chars or nlp.max_length, nlp.max_length)
    if len(document.text) > limit:
        raise TextTooLong(f"document too long to extract: {len(document.text):,} characters, "
                          f"more than the {limit:,} that doc_memory_mb allows")
    doc = nlp.make_doc(document.text)
    doc._.input = document
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def extract(document: DocumentInput, nlp: Language | None = None,
            max_chars: int | None = None) -> dict[str, list[dict]]:
    """Rows for each per-document table, for one document (see ``make_doc`` for ``max_chars``)."""
    from extractors.agreements.component import rows as agreement_rows
    from extractors.commitments.component import rows as commitment_rows
    from extractors.dates.component import rows as date_rows
    from extractors.entities.component import rows as entity_rows

    if document.language != "en" or not document.text.strip():
        return {"entities": [], "dates": [], "commitments": [], "agreement_mentions": []}
    doc = make_doc(document, nlp, max_chars)
    return {
        "entities": entity_rows(doc),
        "dates": date_rows(doc),
        "commitments": commitment_rows(doc),
        "agreement_mentions": agreement_rows(doc),
    }


__all__ = ["TextTooLong", "build_nlp", "default_nlp", "extract", "make_doc", "max_chars", "spans"]
