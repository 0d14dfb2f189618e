"""PLACEHOLDER: replaced by the commitments extractor. Registers accords_commitments and rows()."""
from spacy.language import Language
from spacy.tokens import Doc

from extractors import spans


@Language.component("accords_commitments")
def accords_commitments(doc: Doc) -> Doc:
    doc.spans[spans.COMMITMENTS] = []
    return doc


def rows(doc: Doc) -> list[dict]:
    return []
