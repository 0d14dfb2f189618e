"""Trigger validation and clause boundaries, on tokens around a trigger candidate.

There is no parser, so each rule family looks at a few tokens on either side
of a PhraseMatcher hit. Every function here touches only the tokens near one
candidate or inside its sentence, never the whole document.
"""
from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

from extractors.commitments.lexicon import Lexicon, TriggerPattern

_MAX_ADVERBS = 3
_TASK_WINDOW = 8
_GOVERNOR_WINDOW = 5
_NOT_TASK_NEXT = frozenset({"force", "forces", "team", "teams", "group", "groups", "of", "is", "was", "list"})


@dataclass(frozen=True)
class Hit:
    """A validated trigger: ``anchor`` is the token where the commitment's verb
    phrase starts ("reaffirm" in "reaffirm our commitment to"), ``end`` the
    token after the trigger words."""

    anchor: int
    end: int
    trigger: str


def _skip_adverbs(doc: Doc, i: int, adverbs: frozenset[str]) -> int:
    n = 0
    while i < len(doc) and n < _MAX_ADVERBS and doc[i].lower_ in adverbs:
        i += 1
        n += 1
    return i


def check_modal(doc: Doc, start: int, end: int, pattern: TriggerPattern, lex: Lexicon) -> Hit | None:
    """ "we will strengthen" -> will; "will further explore" -> explore;
    not "political will", not "..., which will be held"."""
    prev = doc[start - 1].lower_ if start else ""
    if prev in lex.words("noun_will_before") or prev in lex.words("relative_words"):
        return None
    i = _skip_adverbs(doc, end, lex.words("adverbs"))
    if i < len(doc) and doc[i].text == ":":
        return Hit(start, i, pattern.trigger)  # a lead-in: "the Leaders will:" (a) launch ...
    if i >= len(doc) or not doc[i].is_alpha or not doc[i].is_lower:
        return None
    if _follows(doc, i, lex.non_action_after_modal):
        return None  # "shall enter into force", "will be held in Ottawa": a provision or a schedule
    if (prev in lex.words("thing_subjects") or prev == "that" or _named_instrument_before(doc, start, lex)) \
            and doc[i].lower_ not in lex.words("be_forms"):
        return None  # "The Agreement will provide ...", "the plan that will guide ...": what a thing does
    return Hit(start, i + 1, lex.modal_verbs.get(doc[i].lower_, pattern.trigger))


_NAME_CONNECTORS = frozenset({"of", "on", "for", "in", "and", ",", "-", "the"})
_MAX_NAME_TOKENS = 12


def _named_instrument_before(doc: Doc, start: int, lex: Lexicon) -> bool:
    """A capitalised name right before the modal holds an instrument's head and
    ends in no body noun: "The Agreement on Reciprocal, Fair, and Balanced Trade will"."""
    if not start or not doc[start - 1].is_title or doc[start - 1].lower_ in lex.words("body_heads"):
        return False
    k = start - 1
    while k >= 0 and start - k <= _MAX_NAME_TOKENS and (doc[k].is_title or doc[k].lower_ in _NAME_CONNECTORS):
        if doc[k].is_title and doc[k].lower_ in lex.words("instrument_heads"):
            return True
        k -= 1
    return False


def _follows(doc: Doc, i: int, phrases: dict[str, tuple[tuple[str, ...], ...]]) -> bool:
    """Whether one of the word sequences (keyed by their first word) starts at token ``i``."""
    candidates = phrases.get(doc[i].lower_)
    if not candidates:
        return False
    for phrase in candidates:
        if i + len(phrase) <= len(doc) and all(doc[i + k].lower_ == w for k, w in enumerate(phrase[1:], 1)):
            return True
    return False


def check_verb_to(doc: Doc, start: int, end: int, pattern: TriggerPattern, lex: Lexicon) -> Hit | None:
    """ "decided to further promote", "concurred to enhance", "aims to promote",
    "concur on stepping up", "has been agreed upon"; not "agreed on the
    importance of", not "scheduled to be held", not "..., which aim to"."""
    if start and (doc[start - 1].lower_ in lex.words("relative_words") or _inside_name(doc, start)):
        return None
    if start and end - start == 1 and doc[start - 1].lower_ in lex.words("determiners"):
        return None  # a noun: "united in our resolve to", "the plan to"
    i = _skip_adverbs(doc, end, lex.words("adverbs"))
    if i >= len(doc):
        return None
    word = doc[i].lower_
    if word == "to" and i + 1 < len(doc) and doc[i + 1].text == ":":
        return Hit(start, i + 1, pattern.trigger)  # a lead-in: "The Participants decided to:"
    if word == "to" and i + 1 < len(doc):
        j = _skip_adverbs(doc, i + 1, lex.words("adverbs"))
        if j < len(doc) and doc[j].is_alpha and (pattern.to_noun or doc[j].lower_ not in lex.words("not_verbs_after_to")):
            return Hit(start, i + 1, pattern.trigger)
        return None
    if pattern.on_gerund and word == "on" and i + 1 < len(doc):
        nxt = doc[i + 1]
        if nxt.is_alpha and nxt.lower_.endswith("ing") and nxt.lower_ not in lex.words("non_action_gerunds"):
            return Hit(start, i + 1, pattern.trigger)
        return None
    if pattern.passive_upon and word == "upon":
        if any(doc[k].lower_ in lex.words("be_forms") for k in range(max(0, start - 2), start)):
            return Hit(start, i + 1, pattern.trigger)
    return None


def _inside_name(doc: Doc, i: int) -> bool:
    """A capitalised trigger word mid-sentence is part of a name ("Work Plan to advance ...")."""
    if not doc[i].is_title or i == 0:
        return False
    prev = doc[i - 1]
    return not (prev.is_space or "\n" in prev.whitespace_ or prev.text in (".", "!", "?", ":", ";", "\u201c", '"'))


def check_commitment_noun(doc: Doc, start: int, end: int, pattern: TriggerPattern, lex: Lexicon) -> Hit | None:
    """ "reaffirm our commitment to" -> reaffirm_commitment; "expressed its
    commitment to" -> commit; a bare "commitment to" with no governing verb
    ("to advance our shared commitment to") is not a commitment being made."""
    if end >= len(doc) or doc[end].lower_ not in ("to", "towards"):
        return None
    for k in range(start - 1, max(-1, start - 1 - _GOVERNOR_WINDOW), -1):
        tok = doc[k]
        if tok.is_punct:
            break
        if tok.lower_ in lex.words("reaffirm_governors"):
            return Hit(k, end + 1, pattern.reaffirm_trigger or pattern.trigger)
        if tok.lower_ in lex.words("commit_governors"):
            return Hit(k, end + 1, pattern.trigger)
    return None


def check_task(doc: Doc, start: int, end: int, pattern: TriggerPattern, lex: Lexicon) -> Hit | None:
    """ "We task our Ministers and officials to work ..."; not "task force", "the task of"."""
    if start and doc[start - 1].lower_ in lex.words("noun_will_before"):
        return None
    if end < len(doc) and doc[end].lower_ in _NOT_TASK_NEXT:
        return None
    for k in range(end, min(len(doc), end + _TASK_WINDOW)):
        if doc[k].is_punct and doc[k].text != "-":
            return None
        if doc[k].lower_ == "to":
            if pattern.needs_object and (k == end or k + 1 >= len(doc)
                                         or doc[k + 1].lower_ in lex.words("not_verbs_after_to")):
                return None  # "efforts directed to the region"
            return Hit(start, end, pattern.trigger)
    return None


RULES = {
    "modal": check_modal,
    "verb_to": check_verb_to,
    "commitment_noun": check_commitment_noun,
    "task": check_task,
}


def reported_opinion(text: str, sent_start: int, anchor: int, lex: Lexicon) -> bool:
    """True when a "that"-clause of recognition or opinion governs the trigger:
    "We share the mutual understanding that ... will also contribute"."""
    return lex.that_cue_regex.search(text, sent_start, anchor) is not None


def _list_coordination(doc: Doc, i: int) -> bool:
    """", and" at token ``i`` joins names ("the Digital Agency, and the METI"),
    not clauses: proper nouns on both sides."""
    before = doc[i - 2] if i >= 2 else None
    after = doc[i + 1] if i + 1 < len(doc) else None
    if after is not None and after.lower_ == "the" and i + 2 < len(doc):
        after = doc[i + 2]
    return bool(before is not None and after is not None and before.text[:1].isupper() and after.text[:1].isupper())


def clause_start(doc: Doc, sent_start: int, anchor: int) -> int:
    """First token of the clause holding the trigger at ``anchor``.

    "..., and we will actively participate" starts at "we"; "... and expressed
    strong support and commitment to" at "expressed"; "..., agreeing to
    promote" at "agreeing"; otherwise the sentence start. Boundaries inside
    parentheses are ignored.
    """
    if anchor > sent_start and doc[anchor].lower_.endswith("ing") and doc[anchor - 1].text == ",":
        return anchor
    depth = 0
    for i in range(anchor - 1, sent_start - 1, -1):
        tok = doc[i]
        if tok.text == ")":
            depth += 1
        elif tok.text == "(":
            depth = max(0, depth - 1)
        if depth:
            continue
        if tok.text == ";":
            return i + 1
        if tok.lower_ in ("and", "but"):
            if i == anchor - 1:
                return anchor
            if i - 1 >= sent_start and doc[i - 1].text == "," and not _list_coordination(doc, i):
                return i + 1
    return sent_start


def clause_end(text: str, from_char: int, sent_end: int, lex: Lexicon) -> int:
    """Character offset where the clause ends: the sentence end, or a ";" or
    a ", and" that opens a clause with its own finite verb."""
    m = lex.clause_break_regex.search(text, from_char, sent_end)
    return m.start() if m else sent_end
