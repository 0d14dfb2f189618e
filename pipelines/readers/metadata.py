"""Document-level facts from rules that hold for unseen documents of the genre:
language, title, doc_type and published_date.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

from extractors.document import Block
from pipelines.readers.dates import find_day_dates, find_months, leading_date
from pipelines.readers.structure import PATTERNS

# ------------------------------------------------------------------- language

# Stop-word lists of spaCy's language data decide between Latin-script languages.
_LATIN_LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "id", "sv", "da", "pl", "tr", "ro", "cs")
_SCRIPTS = (  # (unicodedata name prefix, language)
    ("CJK", None), ("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("HANGUL", "ko"), ("CYRILLIC", "ru"),
    ("ARABIC", "ar"), ("HEBREW", "he"), ("GREEK", "el"), ("THAI", "th"), ("DEVANAGARI", "hi"),
    ("BENGALI", "bn"), ("TAMIL", "ta"), ("KHMER", "km"), ("LAO", "lo"), ("MYANMAR", "my"),
    ("GEORGIAN", "ka"), ("ARMENIAN", "hy"), ("LATIN", "latin"),
)


@lru_cache(maxsize=None)
def _stop_words(lang: str) -> frozenset[str]:
    # Load the data file alone: importing spacy itself costs seconds.
    import importlib.util

    spacy_spec = importlib.util.find_spec("spacy")
    if spacy_spec is None or not spacy_spec.submodule_search_locations:
        return frozenset()
    path = Path(spacy_spec.submodule_search_locations[0]) / "lang" / lang / "stop_words.py"
    if not path.exists():
        return frozenset()
    spec = importlib.util.spec_from_file_location(f"_accords_stop_words_{lang}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


def detect_language(text: str) -> str:
    """ISO 639-1 code from the dominant script, then stop-word coverage.

    >>> detect_language("The ministries will deepen their cooperation in the field of AI.")
    'en'
    """
    sample = text[:20000]
    scripts: Counter = Counter()
    for ch in sample:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            for prefix, lang in _SCRIPTS:
                if name.startswith(prefix):
                    scripts[prefix] += 1
                    break
    total = sum(scripts.values())
    if not total:
        return "und"
    latin = scripts["LATIN"]
    if latin / total < 0.5:
        if scripts["HIRAGANA"] + scripts["KATAKANA"] > 0.05 * total:
            return "ja"
        script = max((s for s in scripts if s != "LATIN"), key=scripts.__getitem__)
        if script == "CJK":
            return "zh"
        if script == "CYRILLIC" and re.search(r"[іїєґ]", sample, re.I):
            return "uk"
        return dict((p, lang) for p, lang in _SCRIPTS)[script]
    words = re.findall(r"[^\W\d_]+", sample.lower())[:3000]
    if not words:
        return "und"
    scores = {lang: sum(w in _stop_words(lang) for w in words) for lang in _LATIN_LANGUAGES}
    best = max(scores, key=lambda lang: (scores[lang], lang == "en"))
    if scores[best] < max(3, 0.08 * len(words)):
        return "en"  # too few function words to tell (titles, addresses): the corpus default
    # English wins near-ties: short English texts share many short words with others.
    if scores["en"] >= 0.8 * scores[best]:
        return "en"
    return best


# ---------------------------------------------------------------------- title

_BAD_TITLES = re.compile(r"^(?:untitled|microsoft word\s*-|document\d*$|slide \d+|page \d+|\S+\.(?:docx?|pdf|pptx?|indd)$)", re.I)


def plausible_title(title: str | None) -> str | None:
    if not title:
        return None
    title = re.sub(r"\s+", " ", title).strip()
    if len(title) < 4 or _BAD_TITLES.match(title) or not re.search(r"[^\W\d_]{3}", title):
        return None
    return title


def title_from_blocks(text: str, blocks: list[Block]) -> str | None:
    """The first heading near the top, else the first short line."""
    for block in blocks[:8]:
        if block.kind == "heading":
            return plausible_title(text[block.start_char:block.end_char])
    for block in blocks[:3]:
        line = text[block.start_char:block.end_char]
        if len(line.split()) <= 20 and not line.endswith("."):
            return plausible_title(line)
    return None


# ------------------------------------------------------------------- doc_type

@lru_cache(maxsize=1)
def _doc_type_rules() -> tuple[tuple[str, str, re.Pattern], ...]:
    with open(PATTERNS / "doc_types.csv", newline="", encoding="utf-8") as f:
        return tuple((row["doc_type"], row["where"], re.compile(row["pattern"], re.I)) for row in csv.DictReader(f))


def classify_doc_type(title: str | None, text: str, has_dateline: bool) -> str:
    """Title rules first (a title says what the document is), then the opening text."""
    head = text[:1500]
    for where, subject in (("title", title or ""), ("head", head)):
        for doc_type, rule_where, pattern in _doc_type_rules():
            if rule_where == where and pattern.search(subject):
                return doc_type
    if has_dateline:
        return "press_release"
    return "other"


# ------------------------------------------------------------- published date

def dateline(text: str, blocks: list[Block]) -> str | None:
    """A date standing alone or opening a block among the first few blocks."""
    for block in blocks[:6]:
        line = text[block.start_char:block.end_char]
        if block.kind == "footnote":
            continue
        found = leading_date(line)
        if found and (not found[1] or len(line) < 200):
            return found[0]
        for start, end, value in find_day_dates(line[:120]):
            rest = (line[:start] + line[end:]).strip(" ,.-–—|:()")
            if len(rest.split()) <= 4:  # "Tokyo, 3 May 2022", "Date: 3 May 2022"
                return value
    return None


def published_date(meta_date: str | None, text: str, blocks: list[Block], doc_type: str) -> str | None:
    """Metadata first, then the dateline; a white paper with neither gets the
    year of its latest dated event (reports narrate up to their cut-off);
    other documents the first full date of their opening paragraph."""
    if meta_date:
        return meta_date
    found = dateline(text, blocks)
    if found:
        return found
    if doc_type == "white_paper":
        months = find_months(text) + [d[2][:7] for d in find_day_dates(text)]
        return max(months)[:4] if months else None
    opening = text[:1200]
    days = find_day_dates(opening)
    return days[0][2] if days else None
