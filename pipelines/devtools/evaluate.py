"""Score the extracted tables against hand-made gold files (``gold/GUIDELINES.md``).

``evaluate(gold_dir, processed_dir=...)`` reads the Parquet tables of a run;
``evaluate(gold_dir, raw_dir=...)`` processes each gold document in-process
(no Prefect), which is the fast loop for extractor work. Both return an
``EvaluationReport``: per-document and micro-averaged (summed counts) scores.
``report.metric("dates.value.f1")`` is what threshold tests assert on.

How items are compared
----------------------
Everything is matched on normalised text, never on offsets, and one-to-one:
a gold item pairs with at most one prediction and the other way round, so a
duplicated prediction is a false positive and a gold date listed twice needs
two predictions.

*Normalised text* (``normalize_text``): NFKC, casefold, curly quotes and dashes
unified, ``.`` and apostrophes deleted (``U.S.`` = ``US``, ``Japan's`` =
``Japans``), every other punctuation mark turned into a space, spaces
collapsed, one leading article (the/a/an) dropped.

Field by field:

- **dates.value**: multiset match on the ISO value; among gold and predicted
  dates with the same value, pairs with equal normalised text are made first,
  then pairs where one text contains the other, then the rest in document
  order. Granularity and relative accuracy are measured on these pairs.
- **dates.extent**: multiset match on normalised text.
- **commitments**: clause extents differ slightly between gold and
  prediction (a number, a lead-in phrase, a second sentence), so texts are
  compared as sets of content tokens (normalised tokens without a few
  function words) by ``text_similarity``: a pair may match when their Dice
  coefficient is >= ``SIMILAR`` (0.8), or when one set is (nearly) contained
  in the other (>= ``CONTAINED`` = 0.85 of the smaller set) and Dice is >=
  ``COMMITMENT_MIN_DICE`` (0.5: a prediction holding the whole gold clause may
  be up to three times as long). Two different items of one list share their
  opening words but fail both tests (on the seed gold, no two commitments
  could pair). Pairs are taken greedily, highest Dice first. On matched pairs:
  actor = case-insensitive set equality; trigger = equality after mapping
  spaces/underscores (gold ``reaffirm commitment`` = ``reaffirm_commitment``),
  where a gold trigger outside the schema's vocabulary (``expand``) expects
  ``other``; item = equality of the number as written, trailing dot ignored.
- **agreements**: predicted ``agreement_mentions`` rows are grouped by
  (doc_id, agreement_id) into one record per instrument (``agreement_records``).
  Names are compared like commitments, with MOC/MOU/LOI spelled out and a
  lower Dice floor for contained names, ``AGREEMENT_MIN_DICE`` (0.3), so
  "MOC on ICT Cooperation" finds "MOC on ICT Cooperation between Japan's
  Ministry ... and Singapore's Ministry ..." while "Japan-EU Digital
  Partnership" does not find "Japan-UK Digital Partnership". Greedy order is
  name Dice plus ``AGREEMENT_PARTY_WEIGHT`` (0.2) times the Jaccard overlap of
  parties, so three records all named "joint statement" pair by their
  parties. On matched pairs: parties and signatories = case-insensitive set
  equality; type, status and date = equality (null equals null).
- **persons**: predicted PERSON rows deduplicated by normalised canonical name;
  a pair matches on equal names, or when one name's tokens are a subset of the
  other's ("Kishida" / "Kishida Fumio"), equal names first. Title accuracy =
  equality of normalised titles on matched pairs.
- **countries**: the set of ISO3 codes of COUNTRY rows against the gold set.
- **organizations**: predicted ORG rows deduplicated by normalised canonical
  name; a pair matches when names are equal, or acronyms are equal, or one
  side's name equals the other's acronym (preferred in that order). Acronym
  and country accuracy on matched pairs (null equals null).
- **meta**: title (normalised), published_date and doc_type equality, one
  count per document.

Arithmetic: precision = tp / predicted, recall = tp / gold, F1 their harmonic
mean; a ratio with a zero denominator is 0, except that precision, recall and
F1 are 1 when both gold and prediction are empty (nothing to find, nothing
found). An accuracy over zero matched pairs reports 0 through ``metric`` and
is shown as "-" in the text report, so a threshold never passes vacuously.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from pipelines.tables.schema import TRIGGERS

SIMILAR = 0.8
CONTAINED = 0.85
COMMITMENT_MIN_DICE = 0.5
AGREEMENT_MIN_DICE = 0.3
AGREEMENT_PARTY_WEIGHT = 0.2

PRF_FIELDS = ("dates.value", "dates.extent", "commitments", "agreements", "persons",
              "countries", "organizations")
# Display order: each item family followed by the accuracies on its matched pairs.
FIELDS = (
    "meta.title", "meta.published_date", "meta.doc_type",
    "dates.value", "dates.granularity", "dates.relative", "dates.extent",
    "commitments", "commitments.actor", "commitments.trigger", "commitments.item",
    "agreements", "agreements.parties", "agreements.status", "agreements.type",
    "agreements.date", "agreements.signatories",
    "persons", "persons.title",
    "countries",
    "organizations", "organizations.acronym", "organizations.country",
)
PREDICTED_TABLES = ("entities", "dates", "commitments", "agreement_mentions")


# --------------------------------------------------------------------------- scores

@dataclass
class PRF:
    """Counts for precision / recall / F1 of one item family."""

    tp: int = 0
    n_gold: int = 0
    n_pred: int = 0

    @property
    def precision(self) -> float:
        if self.n_pred == 0:
            return 1.0 if self.n_gold == 0 else 0.0
        return self.tp / self.n_pred

    @property
    def recall(self) -> float:
        if self.n_gold == 0:
            return 1.0 if self.n_pred == 0 else 0.0
        return self.tp / self.n_gold

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: "PRF") -> "PRF":
        return PRF(self.tp + other.tp, self.n_gold + other.n_gold, self.n_pred + other.n_pred)

    def stat(self, name: str) -> float:
        if name in ("precision", "recall", "f1", "tp", "n_gold", "n_pred"):
            return float(getattr(self, name))
        raise KeyError(f"{name!r} is not a precision/recall statistic "
                       "(precision, recall, f1, tp, n_gold, n_pred)")

    def to_dict(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "tp": self.tp, "n_gold": self.n_gold, "n_pred": self.n_pred}


@dataclass
class Accuracy:
    """Share of matched pairs whose field agrees with gold."""

    correct: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def add(self, ok: bool) -> None:
        self.correct += bool(ok)
        self.total += 1

    def __add__(self, other: "Accuracy") -> "Accuracy":
        return Accuracy(self.correct + other.correct, self.total + other.total)

    def stat(self, name: str) -> float:
        if name in ("accuracy", "correct", "total"):
            return float(getattr(self, name))
        raise KeyError(f"{name!r} is not an accuracy statistic (accuracy, correct, total)")

    def to_dict(self) -> dict:
        return {"accuracy": self.accuracy if self.total else None,
                "correct": self.correct, "total": self.total}


def empty_scores() -> dict[str, PRF | Accuracy]:
    return {name: PRF() if name in PRF_FIELDS else Accuracy() for name in FIELDS}


@dataclass
class DocumentScores:
    doc: str
    doc_id: str | None
    scores: dict[str, PRF | Accuracy] = field(default_factory=empty_scores)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"doc": self.doc, "doc_id": self.doc_id, "notes": list(self.notes),
                "scores": {name: s.to_dict() for name, s in self.scores.items()}}


@dataclass
class EvaluationReport:
    documents: list[DocumentScores]
    gold_dir: str = ""
    source: str = ""

    @property
    def totals(self) -> dict[str, PRF | Accuracy]:
        """Micro-averaged scores: counts summed over documents."""
        totals = empty_scores()
        for document in self.documents:
            for name, score in document.scores.items():
                totals[name] = totals[name] + score
        return totals

    def metric(self, name: str, doc: str | None = None) -> float:
        """A statistic by dotted name: ``persons.f1``, ``dates.value.f1``,
        ``agreements.status.accuracy``, ``commitments.n_gold`` ...; over all
        documents, or over one when ``doc`` names it (the gold "doc" value)."""
        field_name, _, stat = name.rpartition(".")
        if field_name not in FIELDS:
            raise KeyError(f"unknown metric {name!r}; fields are: {', '.join(FIELDS)}")
        if doc is None:
            scores = self.totals
        else:
            matches = [d for d in self.documents if d.doc == doc]
            if not matches:
                raise KeyError(f"no gold document {doc!r}")
            scores = matches[0].scores
        return scores[field_name].stat(stat)

    def to_dict(self) -> dict:
        return {
            "gold_dir": self.gold_dir,
            "source": self.source,
            "documents": [d.to_dict() for d in self.documents],
            "totals": {name: s.to_dict() for name, s in self.totals.items()},
        }


# --------------------------------------------------------------------------- normalisation

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "`": "'", "´": "'",
                         "“": '"', "”": '"', "„": '"', "″": '"',
                         "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-"})
_DELETED = re.compile(r"[.']")
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an) ")
# Function words carry no meaning for clause or name similarity but make
# unrelated short clauses look alike.
_FUNCTION_WORDS = frozenset(
    "the a an of to and or in on for with by at as from its their our this that these those "
    "is are be".split()
)
_INSTRUMENT_ABBREVIATIONS = {
    "moc": ("memorandum", "cooperation"),
    "mou": ("memorandum", "understanding"),
    "loi": ("letter", "intent"),
    "memorandums": ("memorandum",),
    "memoranda": ("memorandum",),
}


def normalize_text(text: str | None) -> str:
    """'The “Japan–U.S.” Partnership' -> 'japan us partnership'."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).casefold().translate(_QUOTES)
    text = _DELETED.sub("", text)
    text = " ".join(_PUNCTUATION.sub(" ", text).split())
    return _LEADING_ARTICLE.sub("", text)


def normalize_optional(text: str | None) -> str | None:
    """Like ``normalize_text`` but keeps "no value" distinct: None and '' -> None."""
    normalized = normalize_text(text)
    return normalized or None


def normalize_set(values: Iterable[str] | None) -> frozenset[str]:
    return frozenset(v for v in (normalize_text(x) for x in (values or [])) if v)


def normalize_trigger(trigger: str | None) -> str | None:
    """'reaffirm commitment' and 'reaffirm_commitment' -> 'reaffirm_commitment';
    a word outside the schema's trigger vocabulary -> 'other'."""
    if not trigger:
        return None
    key = "_".join(str(trigger).casefold().replace("_", " ").replace("-", " ").split())
    return key if key in TRIGGERS else "other"


def normalize_item(item: str | None) -> str | None:
    """'9.6.' -> '9.6'; the number is otherwise compared as written ('(3)')."""
    if item is None:
        return None
    item = str(item).strip().rstrip(".").strip()
    return item or None


def normalize_value(value: str | None) -> str | None:
    """ISO values and codes: 'fy2023 ' -> 'FY2023'."""
    if value is None:
        return None
    value = str(value).strip().upper()
    return value or None


def content_tokens(text: str | None, expand: dict[str, tuple[str, ...]] | None = None) -> frozenset[str]:
    tokens = normalize_text(text).split()
    if expand:
        tokens = [part for token in tokens for part in expand.get(token, (token,))]
    content = [t for t in tokens if t not in _FUNCTION_WORDS]
    return frozenset(content or tokens)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the smaller set found in the other."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def text_similarity(a: frozenset[str], b: frozenset[str], min_dice_if_contained: float) -> float | None:
    """Dice of two token sets when they may denote the same item, else None:
    near-equal sets (Dice >= SIMILAR), or one set (nearly) inside the other
    with Dice >= ``min_dice_if_contained``."""
    d = dice(a, b)
    if d >= SIMILAR or (containment(a, b) >= CONTAINED and d >= min_dice_if_contained):
        return d
    return None


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


# --------------------------------------------------------------------------- matching

def greedy_match(n_gold: int, n_pred: int, score: Callable[[int, int], float | None]) -> list[tuple[int, int]]:
    """One-to-one pairs, best score first; ``score`` returns None for pairs that
    may not match. Ties go to the earlier gold item, then the earlier prediction,
    so the result is deterministic."""
    candidates = []
    for g in range(n_gold):
        for p in range(n_pred):
            s = score(g, p)
            if s is not None:
                candidates.append((-s, g, p))
    candidates.sort()
    used_gold, used_pred, pairs = set(), set(), []
    for _, g, p in candidates:
        if g not in used_gold and p not in used_pred:
            used_gold.add(g)
            used_pred.add(p)
            pairs.append((g, p))
    return sorted(pairs)


def prf(n_gold: int, n_pred: int, pairs: list) -> PRF:
    return PRF(tp=len(pairs), n_gold=n_gold, n_pred=n_pred)


def score_meta(gold: dict, document: dict | None, scores: dict) -> None:
    meta = gold.get("meta") or {}
    document = document or {}
    scores["meta.title"].add(normalize_optional(meta.get("title")) == normalize_optional(document.get("title")))
    scores["meta.published_date"].add(
        normalize_value(meta.get("published_date")) == normalize_value(document.get("published_date")))
    scores["meta.doc_type"].add(normalize_optional(meta.get("doc_type")) == normalize_optional(document.get("doc_type")))


def _date_pair_preference(gold_text: str, pred_text: str) -> float:
    if gold_text == pred_text:
        return 2.0
    if gold_text and pred_text and (gold_text in pred_text or pred_text in gold_text):
        return 1.0
    return 0.0


def score_dates(gold: list[dict], pred: list[dict], scores: dict) -> None:
    gold_values = [normalize_value(d.get("value")) for d in gold]
    pred_values = [normalize_value(d.get("value")) for d in pred]
    gold_texts = [normalize_text(d.get("text")) for d in gold]
    pred_texts = [normalize_text(d.get("text")) for d in pred]

    def same_value(g: int, p: int) -> float | None:
        if gold_values[g] is None or gold_values[g] != pred_values[p]:
            return None
        return _date_pair_preference(gold_texts[g], pred_texts[p])

    pairs = greedy_match(len(gold), len(pred), same_value)
    scores["dates.value"] = prf(len(gold), len(pred), pairs)
    for g, p in pairs:
        scores["dates.granularity"].add(
            normalize_optional(gold[g].get("granularity")) == normalize_optional(pred[p].get("granularity")))
        scores["dates.relative"].add(bool(gold[g].get("relative")) == bool(pred[p].get("relative")))

    pred_counts = Counter(t for t in pred_texts if t)
    tp = sum(min(n, pred_counts[t]) for t, n in Counter(t for t in gold_texts if t).items())
    scores["dates.extent"] = PRF(tp=tp, n_gold=len(gold), n_pred=len(pred))


def score_commitments(gold: list[dict], pred: list[dict], scores: dict) -> None:
    gold_tokens = [content_tokens(c.get("text")) for c in gold]
    pred_tokens = [content_tokens(c.get("text")) for c in pred]

    def similarity(g: int, p: int) -> float | None:
        return text_similarity(gold_tokens[g], pred_tokens[p], COMMITMENT_MIN_DICE)

    pairs = greedy_match(len(gold), len(pred), similarity)
    scores["commitments"] = prf(len(gold), len(pred), pairs)
    for g, p in pairs:
        scores["commitments.actor"].add(normalize_set(gold[g].get("actor")) == normalize_set(pred[p].get("actor")))
        scores["commitments.trigger"].add(
            normalize_trigger(gold[g].get("trigger")) == normalize_trigger(pred[p].get("trigger")))
        scores["commitments.item"].add(normalize_item(gold[g].get("item")) == normalize_item(pred[p].get("item")))


def agreement_records(mentions: list[dict]) -> list[dict]:
    """One record per agreement_id, as the document states it.

    name: the longest name; type: the most frequent; parties, signatories: the
    union over mentions; date: the first non-null date in text order; status:
    the first status other than 'referenced' in text order (a mention that
    signs or renews says more than one that cites), else 'referenced'.
    """
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in sorted(mentions, key=lambda r: (r.get("start_char") or 0, r.get("end_char") or 0)):
        groups[row.get("agreement_id")].append(row)
    records = []
    for agreement_id, rows in groups.items():
        names = [r.get("name") or r.get("text") or "" for r in rows]
        types = Counter(r.get("type") for r in rows if r.get("type"))
        statuses = [r.get("status") for r in rows if r.get("status")]
        records.append({
            "agreement_id": agreement_id,
            "name": max(names, key=len),
            "type": types.most_common(1)[0][0] if types else None,
            "parties": sorted({p for r in rows for p in (r.get("parties") or [])}),
            "signatories": sorted({s for r in rows for s in (r.get("signatories") or [])}),
            "date": next((r.get("date") for r in rows if r.get("date")), None),
            "status": next((s for s in statuses if s != "referenced"), statuses[0] if statuses else None),
        })
    return records


def score_agreements(gold: list[dict], mentions: list[dict], scores: dict) -> None:
    pred = agreement_records(mentions)
    gold_names = [content_tokens(a.get("name"), _INSTRUMENT_ABBREVIATIONS) for a in gold]
    pred_names = [content_tokens(a.get("name"), _INSTRUMENT_ABBREVIATIONS) for a in pred]
    gold_parties = [normalize_set(a.get("parties")) for a in gold]
    pred_parties = [normalize_set(a.get("parties")) for a in pred]

    def similarity(g: int, p: int) -> float | None:
        s = text_similarity(gold_names[g], pred_names[p], AGREEMENT_MIN_DICE)
        if s is None:
            return None
        return s + AGREEMENT_PARTY_WEIGHT * jaccard(gold_parties[g], pred_parties[p])

    pairs = greedy_match(len(gold), len(pred), similarity)
    scores["agreements"] = prf(len(gold), len(pred), pairs)
    for g, p in pairs:
        a, b = gold[g], pred[p]
        scores["agreements.parties"].add(gold_parties[g] == pred_parties[p])
        scores["agreements.status"].add(normalize_optional(a.get("status")) == normalize_optional(b.get("status")))
        scores["agreements.type"].add(normalize_optional(a.get("type")) == normalize_optional(b.get("type")))
        scores["agreements.date"].add(normalize_value(a.get("date")) == normalize_value(b.get("date")))
        scores["agreements.signatories"].add(normalize_set(a.get("signatories")) == normalize_set(b.get("signatories")))


def dedupe_entities(rows: list[dict], label: str) -> list[dict]:
    """One entry per normalised canonical name (the mention text when there is
    none); fields left empty by the first mention are filled from later ones."""
    merged: dict[str, dict] = {}
    for row in sorted((r for r in rows if r.get("label") == label),
                      key=lambda r: (r.get("start_char") or 0, r.get("end_char") or 0)):
        name = row.get("canonical") or row.get("text")
        key = normalize_text(name)
        if not key:
            continue
        entry = merged.setdefault(key, {"name": name, "title": None, "acronym": None, "country": None})
        for column in ("title", "acronym", "country"):
            if entry[column] is None and row.get(column):
                entry[column] = row[column]
    return list(merged.values())


def score_persons(gold: list[dict], entities: list[dict], scores: dict) -> None:
    pred = dedupe_entities(entities, "PERSON")
    gold_names = [normalize_text(p.get("name")) for p in gold]
    pred_names = [normalize_text(p.get("name")) for p in pred]

    def similarity(g: int, p: int) -> float | None:
        a, b = gold_names[g], pred_names[p]
        if a == b:
            return 2.0
        ta, tb = frozenset(a.split()), frozenset(b.split())
        if ta and tb and (ta <= tb or tb <= ta):
            return dice(ta, tb)
        return None

    pairs = greedy_match(len(gold), len(pred), similarity)
    scores["persons"] = prf(len(gold), len(pred), pairs)
    for g, p in pairs:
        scores["persons.title"].add(normalize_optional(gold[g].get("title")) == normalize_optional(pred[p]["title"]))


def score_countries(gold: list[str], entities: list[dict], scores: dict) -> None:
    gold_codes = {normalize_value(c) for c in gold} - {None}
    # A country left without its ISO3 code still counts, as a false positive.
    pred_codes = {normalize_value(r.get("canonical") or r.get("text"))
                  for r in entities if r.get("label") == "COUNTRY"} - {None}
    scores["countries"] = PRF(tp=len(gold_codes & pred_codes), n_gold=len(gold_codes), n_pred=len(pred_codes))


def score_organizations(gold: list[dict], entities: list[dict], scores: dict) -> None:
    pred = dedupe_entities(entities, "ORG")
    gold_keys = [(normalize_optional(o.get("name")), normalize_optional(o.get("acronym"))) for o in gold]
    pred_keys = [(normalize_optional(o.get("name")), normalize_optional(o.get("acronym"))) for o in pred]

    def similarity(g: int, p: int) -> float | None:
        (gold_name, gold_acronym), (pred_name, pred_acronym) = gold_keys[g], pred_keys[p]
        if gold_name and gold_name == pred_name:
            return 3.0
        if gold_acronym and gold_acronym == pred_acronym:
            return 2.0
        if (gold_name and gold_name == pred_acronym) or (pred_name and pred_name == gold_acronym):
            return 1.0
        return None

    pairs = greedy_match(len(gold), len(pred), similarity)
    scores["organizations"] = prf(len(gold), len(pred), pairs)
    for g, p in pairs:
        scores["organizations.acronym"].add(gold_keys[g][1] == pred_keys[p][1])
        scores["organizations.country"].add(
            normalize_value(gold[g].get("country")) == normalize_value(pred[p]["country"]))


def score_document(gold: dict, tables: dict[str, list[dict]] | None) -> DocumentScores:
    """Scores of one gold file against the predicted rows of its document
    (``tables``: table name -> rows, with a one-row "documents" list; None when
    the document was not found, which scores as if nothing was extracted)."""
    tables = tables or {}
    documents = tables.get("documents") or []
    document = documents[0] if documents else None
    result = DocumentScores(doc=gold["doc"], doc_id=document["doc_id"] if document else None)
    if document is None:
        result.notes.append("document not found in the predicted tables")
    elif document.get("status") == "failed":
        result.notes.append(f"document failed: {document.get('error')}")
    scores = result.scores
    entities = tables.get("entities") or []
    gold_entities = gold.get("entities") or {}
    score_meta(gold, document, scores)
    score_dates(gold.get("dates") or [], tables.get("dates") or [], scores)
    score_commitments(gold.get("commitments") or [], tables.get("commitments") or [], scores)
    score_agreements(gold.get("agreements") or [], tables.get("agreement_mentions") or [], scores)
    score_persons(gold_entities.get("persons") or [], entities, scores)
    score_countries(gold_entities.get("countries") or [], entities, scores)
    score_organizations(gold_entities.get("organizations") or [], entities, scores)
    return result


# --------------------------------------------------------------------------- inputs

def load_gold(gold_dir: Path) -> list[dict]:
    """Every ``*.json`` gold file in ``gold_dir``, sorted by file name."""
    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        raise FileNotFoundError(f"gold directory not found: {gold_dir}")
    golds = []
    for path in sorted(gold_dir.glob("*.json")):
        try:
            gold = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON: {exc}") from exc
        if not isinstance(gold, dict) or not gold.get("doc"):
            raise ValueError(f"{path}: a gold file needs a top-level \"doc\" naming the document")
        golds.append(gold)
    if not golds:
        raise FileNotFoundError(f"no gold files (*.json) in {gold_dir}")
    return golds


def _read_table(path: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist() if path.exists() else []


def predicted_tables_from_processed(processed_dir: Path, paths: Iterable[str]) -> dict[str, dict[str, list[dict]]]:
    """Rows of each wanted document (by path relative to raw/) from a run's Parquet tables."""
    processed_dir = Path(processed_dir)
    documents_path = processed_dir / "documents.parquet"
    if not documents_path.exists():
        raise FileNotFoundError(f"no documents table in {processed_dir}: run `accords run` first")
    wanted = set(paths)
    by_doc_id = {row["doc_id"]: row for row in _read_table(documents_path) if row["path"] in wanted}
    result = {row["path"]: {"documents": [row], **{name: [] for name in PREDICTED_TABLES}}
              for row in by_doc_id.values()}
    for name in PREDICTED_TABLES:
        for row in _read_table(processed_dir / f"{name}.parquet"):
            document = by_doc_id.get(row.get("doc_id"))
            if document is not None:
                result[document["path"]][name].append(row)
    return result


def predicted_tables_from_raw(raw_dir: Path, paths: Iterable[str]) -> dict[str, dict[str, list[dict]]]:
    """Process each document in-process (no Prefect, nothing written)."""
    from pipelines.run.document import process_file

    raw_dir = Path(raw_dir)
    return {path: process_file(raw_dir / path, raw_dir).tables for path in paths}


def evaluate(gold_dir: Path, processed_dir: Path | None = None, raw_dir: Path | None = None) -> EvaluationReport:
    """Score predictions against every gold file in ``gold_dir``: from the Parquet
    tables in ``processed_dir``, or by processing the documents in ``raw_dir``
    (default: the settings' processed directory)."""
    if processed_dir is not None and raw_dir is not None:
        raise ValueError("give processed_dir or raw_dir, not both")
    golds = load_gold(gold_dir)
    paths = [g["doc"] for g in golds]
    if raw_dir is not None:
        predicted = predicted_tables_from_raw(raw_dir, paths)
        source = f"raw: {raw_dir}"
    else:
        if processed_dir is None:
            from pipelines.settings import get_settings

            processed_dir = get_settings().processed_dir
        predicted = predicted_tables_from_processed(processed_dir, paths)
        source = f"processed: {processed_dir}"
    documents = [score_document(g, predicted.get(g["doc"])) for g in golds]
    return EvaluationReport(documents=documents, gold_dir=str(gold_dir), source=source)


# --------------------------------------------------------------------------- text report

_DOCUMENT_COLUMNS = (
    ("dates", "dates.value"), ("extent", "dates.extent"), ("commit", "commitments"),
    ("agree", "agreements"), ("persons", "persons"), ("countries", "countries"), ("orgs", "organizations"),
)


def _ratio(score: PRF | Accuracy) -> str:
    if isinstance(score, PRF):
        return f"{score.f1:.3f}"
    return f"{score.correct}/{score.total}"


def format_report(report: EvaluationReport) -> str:
    """Per-document F1 lines, then the micro-averaged totals of every field."""
    lines = [f"gold: {report.gold_dir}    predictions: {report.source}", "", "F1 per document (meta: fields correct)"]
    doc_width = max([len("document")] + [len(d.doc) for d in report.documents])
    header = f"{'document':<{doc_width}}  " + "  ".join(f"{c:>9}" for c, _ in _DOCUMENT_COLUMNS) + "   meta"
    lines += [header, "-" * len(header)]
    for d in report.documents:
        meta = sum(d.scores[f].correct for f in ("meta.title", "meta.published_date", "meta.doc_type"))
        cells = "  ".join(f"{_ratio(d.scores[name]):>9}" for _, name in _DOCUMENT_COLUMNS)
        lines.append(f"{d.doc:<{doc_width}}  {cells}   {meta}/3")
        lines += [f"{'':<{doc_width}}  ! {note}" for note in d.notes]

    lines += ["", f"Totals over {len(report.documents)} documents (micro-averaged)"]
    header = f"{'field':<24} {'P':>6} {'R':>6} {'F1':>6}   {'tp':>5} {'pred':>5} {'gold':>5}"
    lines += [header, "-" * len(header)]
    for name, score in report.totals.items():
        if isinstance(score, PRF):
            lines.append(f"{name:<24} {score.precision:6.3f} {score.recall:6.3f} {score.f1:6.3f}   "
                         f"{score.tp:5d} {score.n_pred:5d} {score.n_gold:5d}")
        else:
            value = f"{score.accuracy:6.3f}" if score.total else f"{'-':>6}"
            unit = "documents" if name.startswith("meta.") else "matched"
            lines.append(f"  {name:<22} acc {value}   ({score.correct}/{score.total} {unit})")
    return "\n".join(lines) + "\n"
