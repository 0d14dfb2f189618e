"""PLACEHOLDER: replaced by the entities extractor. Registers accords_entities and rows()."""
from spacy.language import Language
from spacy.tokens import Doc

from extractors import spans


@Language.component("accords_entities")
def accords_entities(doc: Doc) -> Doc:
    doc.spans[spans.ENTITIES] = []
    return doc


def rows(doc: Doc) -> list[dict]:
    return []
