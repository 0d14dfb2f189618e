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


def build_nlp(components: tuple[str, ...] = COMPONENTS, config: dict[str, dict] | None = None) -> Language:
    """``config``: component name -> overrides of its factory config."""
    _import_components()
    nlp = spacy.blank("en")
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


def make_doc(document: DocumentInput, nlp: Language | None = None):
    nlp = nlp or default_nlp()
    doc = nlp.make_doc(document.text)
    doc._.input = document
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def extract(document: DocumentInput, nlp: Language | None = None) -> dict[str, list[dict]]:
    """Rows for each per-document table, for one document."""
    from extractors.agreements.component import rows as agreement_rows
    from extractors.commitments.component import rows as commitment_rows
    from extractors.dates.component import rows as date_rows
    from extractors.entities.component import rows as entity_rows

    if document.language != "en" or not document.text.strip():
        return {"entities": [], "dates": [], "commitments": [], "agreement_mentions": []}
    doc = make_doc(document, nlp)
    return {
        "entities": entity_rows(doc),
        "dates": date_rows(doc),
        "commitments": commitment_rows(doc),
        "agreement_mentions": agreement_rows(doc),
    }


__all__ = ["build_nlp", "default_nlp", "extract", "make_doc", "spans"]
