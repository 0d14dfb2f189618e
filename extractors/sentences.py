"""Sentence boundaries from punctuation and from the line structure of the clean text.

The readers put every block (heading, paragraph, list item) on a line of its
own, so a line break always starts a sentence; headings rarely end in a stop.
A stop starts a new sentence only when it is a token of its own, so
abbreviations that spaCy keeps whole ("Mr.", "U.S.", "H.E.") never end one.

Boundaries are found with two regexes over the text and written in one
``Doc.from_array`` call: setting ``Token.is_sent_start`` token by token costs
O(n) each in spaCy, which made long documents quadratic.
"""
from __future__ import annotations

import re

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from extractors import spans  # noqa: F401  (registers doc._.input)

_LINE_START = re.compile(r"\n\s*(?=\S)")
# A stop, optional closing quotes/brackets, whitespace, then anything but a lower-case letter.
_STOP = re.compile(r"[.!?。](?=[\"'”’)\]]*\s+[^\sa-z])")
_STOP_TAIL = re.compile(r"[\"'”’)\]]*\s+")
_CODE_WITH_STOP = re.compile(r"[0-9A-Za-z/\-]*[0-9][0-9A-Za-z/\-]*\.")
# "9.6." or "IV." or "A." opening a line numbers an item; its stop ends no sentence.
_ITEM_NUMBER = re.compile(r"[#*\s]*(?:\d+(?:\.\d+)*|[A-Za-z]|[IVXLC]+)\.")


@Language.component("accords_sentences")
def set_sentence_starts(doc: Doc) -> Doc:
    if not len(doc):
        return doc
    # doc.text rebuilds the string from every token; the input already holds it.
    text = doc._.input.text if doc._.input is not None else doc.text
    token_starts = doc.to_array([IDX]).astype(numpy.int64).ravel()
    starts = [m.end() for m in _LINE_START.finditer(text)]
    stops = numpy.fromiter((m.start() for m in _STOP.finditer(text)), dtype=numpy.int64)
    if stops.size:
        # Only a stop that spaCy split off as its own token ends a sentence.
        own_token = numpy.isin(stops, token_starts)
        # spaCy keeps "6G." whole; a stop after a code with a digit still ends a sentence.
        owner = numpy.searchsorted(token_starts, stops, side="right") - 1
        for k in numpy.flatnonzero(~own_token).tolist():
            word = text[token_starts[owner[k]]:stops[k] + 1]
            own_token[k] = bool(_CODE_WITH_STOP.fullmatch(word))
        for position in stops[own_token].tolist():
            line_start = text.rfind("\n", 0, position) + 1
            if _ITEM_NUMBER.fullmatch(text, line_start, position + 1):
                continue
            tail = _STOP_TAIL.match(text, position + 1)
            starts.append(tail.end())
    flags = numpy.where(numpy.isin(token_starts, numpy.asarray(starts, dtype=numpy.int64)), 1, -1)
    flags[0] = 1
    doc.from_array([SENT_START], flags.astype(numpy.uint64).reshape(-1, 1))
    return doc
