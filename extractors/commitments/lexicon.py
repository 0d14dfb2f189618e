"""The commitment extractor's word lists, loaded from the data files beside this module.

Patterns and vocabularies are data (``triggers.jsonl``, ``word_lists.jsonl``,
``*.csv``) so that adding a trigger or an actor phrase never touches code.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class TriggerPattern:
    """One trigger word or phrase and the rule family that validates it in context.

    ``rule`` is one of ``modal`` (will, shall), ``verb_to`` (decided to, aims to),
    ``commitment_noun`` (reaffirm our commitment to) and ``task`` (we task our Ministers to).
    """

    phrase: str
    trigger: str
    rule: str
    on_gerund: bool = False  # "concur on stepping up"
    passive_upon: bool = False  # "has been agreed upon"
    to_noun: bool = False  # "committed to free trade": to + noun phrase still commits
    reaffirm_trigger: str | None = None  # "reaffirm our commitment to" -> reaffirm_commitment
    needs_object: bool = False  # "directed their officials to": who is tasked must be named


@dataclass(frozen=True)
class Lexicon:
    triggers: tuple[TriggerPattern, ...]
    lists: dict[str, frozenset[str]]
    modal_verbs: dict[str, str]  # verb after "will" -> trigger ("will continue" -> continue)
    strength: dict[str, str]
    gerund_lemmas: dict[str, str]
    party_phrases: dict[str, str]  # phrase -> kind (parties, pair, previous)

    def words(self, name: str) -> frozenset[str]:
        return self.lists[name]

    @property
    def non_action_after_modal(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """Word sequences after "will"/"shall" that describe a provision or a
        schedule, not an action ("enter into force", "be held")."""
        return _phrases(self.lists["non_action_after_modal"])

    @property
    def that_cue_regex(self) -> re.Pattern:
        """A cue word followed within four words by "that" ("recognise that",
        "share the mutual understanding that")."""
        return _that_cue_regex(tuple(sorted(self.lists["that_cues"])))

    @property
    def clause_break_regex(self) -> re.Pattern:
        """Where a clause ends inside a sentence: ";" or ", and" opening a clause
        with its own finite verb within twelve words ("..., and discussions ...
        have been conducted"); not ", and will also ..." (same subject)."""
        return _clause_break_regex(tuple(sorted(self.lists["finite_markers"])))

    @property
    def party_regex(self) -> re.Pattern:
        return _party_regex(tuple(sorted(self.party_phrases, key=len, reverse=True)))


@lru_cache(maxsize=None)
def _phrases(words: frozenset[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Word sequences grouped by their first word."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for w in sorted(words):
        out.setdefault(w.split()[0], []).append(tuple(w.split()))
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=None)
def _party_regex(phrases: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"\b(" + "|".join(re.escape(p) for p in phrases) + r")\b", re.IGNORECASE)


@lru_cache(maxsize=None)
def _that_cue_regex(cues: tuple[str, ...]) -> re.Pattern:
    words = "|".join(re.escape(c) for c in cues)
    return re.compile(rf"\b(?:{words})\b(?:\W+\w+){{0,3}}?\W+that\b", re.IGNORECASE)


@lru_cache(maxsize=None)
def _clause_break_regex(finite: tuple[str, ...]) -> re.Pattern:
    verbs = "|".join(re.escape(w) for w in finite)
    return re.compile(
        rf";|,\s+(?:and|but|while|whereas)\s+(?!(?:{verbs})\b)(?:[\w'’/-]+\s+){{0,11}}?(?:{verbs})\b",
        re.IGNORECASE)


def _read_csv(name: str) -> list[dict]:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _read_jsonl(name: str) -> list[dict]:
    with open(DATA_DIR / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    return Lexicon(
        triggers=tuple(TriggerPattern(**row) for row in _read_jsonl("triggers.jsonl")),
        lists={row["list"]: frozenset(w.lower() for w in row["words"]) for row in _read_jsonl("word_lists.jsonl")},
        modal_verbs={r["verb"]: r["trigger"] for r in _read_csv("modal_verbs.csv")},
        strength={r["trigger"]: r["strength"] for r in _read_csv("strength.csv")},
        gerund_lemmas={r["gerund"]: r["lemma"] for r in _read_csv("gerund_lemmas.csv")},
        party_phrases={r["phrase"].lower(): r["kind"] for r in _read_csv("party_phrases.csv")},
    )


def gerund_lemma(word: str, known: dict[str, str]) -> str:
    """Base form of an -ing verb: a listed form, else a suffix rule.

    >>> gerund_lemma("Harmonising", {})
    'harmonise'
    >>> gerund_lemma("Deepening", {})
    'deepen'
    """
    word = word.lower()
    if word in known:
        return known[word]
    stem = word[:-3]
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":  # stepping -> step
        return stem[:-1]
    if re.search(r"(at|ot|ut|is|iz|us|c|v|u|or|ur|ag|bl|yz|ys)$", stem):  # promot -> promote
        return stem + "e"
    return stem
