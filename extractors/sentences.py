"""Sentence boundaries from punctuation and from the line structure of the clean text.

The readers put every block (heading, paragraph, list item) on a line of its
own, so a line break always starts a sentence; headings rarely end in a stop.
Abbreviations such as "Mr." and "U.S." are single tokens for spaCy's English
tokenizer, so they never end a sentence.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

_FINAL = {".", "!", "?", "。"}
_CLOSERS = {'"', "'", "”", "’", ")", "]"}


@Language.component("accords_sentences")
def set_sentence_starts(doc: Doc) -> Doc:
    after_break = True  # the first token starts a sentence
    after_stop = False
    for token in doc:
        if token.is_space:
            token.is_sent_start = False
            after_break = after_break or "\n" in token.text
            continue
        if token.i and "\n" in doc[token.i - 1].whitespace_:
            after_break = True
        if after_break:
            token.is_sent_start = True
        elif after_stop and token.text not in _CLOSERS and not token.is_lower:
            token.is_sent_start = True
        else:
            token.is_sent_start = False
        after_break = False
        # "5G." / "FY2023." keep their stop attached; abbreviations ("U.S.") have no digit.
        if token.text in _FINAL or (token.text[-1] == "." and len(token.text) > 1 and any(c.isdigit() for c in token.text)):
            after_stop = True
        elif token.text not in _CLOSERS:
            after_stop = False
    return doc
