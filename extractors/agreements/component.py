"""PLACEHOLDER: replaced by the agreements extractor. Registers accords_agreements and rows()."""
from spacy.language import Language
from spacy.tokens import Doc

from extractors import spans


@Language.component("accords_agreements")
def accords_agreements(doc: Doc) -> Doc:
    doc.spans[spans.AGREEMENTS] = []
    return doc


def rows(doc: Doc) -> list[dict]:
    return []
