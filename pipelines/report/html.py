"""A static HTML report of what was extracted, and the rows of the run's Prefect artifact.

``write_report(processed_dir, out_path)`` writes one self-contained page (inline CSS and JS,
nothing fetched; ``template.html`` is a jinja2 template with autoescape on): tables of agreements and commitments whose links jump to the highlighted
source text, then every document's clean text with entities, dates, agreement mentions and
commitments highlighted in displaCy's style.  Spans may overlap (a date inside a commitment);
the text is cut at every span boundary and each piece is wrapped in the spans that cover it,
so the HTML always nests.  Labels are drawn by CSS (``::after``), so the page's text is
exactly ``documents.text`` and copies cleanly.

``change_rows(processed_dir, doc_ids)`` lists the agreements and commitments of the
documents a run processed, for ``prefect.artifacts.create_table_artifact``.
"""
from __future__ import annotations

import html
import os
from collections import defaultdict
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from pipelines.tables import load

TEMPLATE = Path(__file__).with_name("template.html")
MAX_ARTIFACT_TEXT = 160

# Outer layers first: a commitment wraps the agreement mentions, entities and dates inside it.
LAYERS = ("heading", "commitment", "agreement", "entity", "date")


def _esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _join(values) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, (list, tuple)) else ("" if values is None else str(values))


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value is not pd.NA \
        and value is not pd.NaT and value != ""


def commitment_anchor(commitment_id: str) -> str:
    return f"c-{commitment_id}"


def mention_anchor(doc_id: str, start: int, end: int) -> str:
    return f"m-{doc_id}-{start}-{end}"


# -- spans ------------------------------------------------------------------------------------
SPAN_TABLES = ("blocks", "commitments", "agreement_mentions", "entities", "dates")


def rows_by_document(tables: load.Tables) -> dict[str, dict[str, list[dict]]]:
    """{table: {doc_id: rows}} for the tables drawn as spans, grouped once for the whole page."""
    grouped: dict[str, dict[str, list[dict]]] = {}
    for name in SPAN_TABLES:
        grouped[name] = defaultdict(list)
        for row in tables[name].to_dict("records"):
            grouped[name][row["doc_id"]].append(row)
    return grouped


def document_spans(doc_id: str, by_doc: dict[str, dict[str, list[dict]]]) -> list[dict]:
    """Every highlight of one document: dicts with start, end, layer, key, tag, title, anchor."""
    spans: list[dict] = []

    def rows(name):
        return by_doc[name].get(doc_id, [])

    for b in rows("blocks"):
        if b["kind"] == "heading":
            spans.append(dict(start=b["start_char"], end=b["end_char"], layer="heading", label="heading",
                              tag="", title=""))
    for c in rows("commitments"):
        spans.append(dict(
            start=c["start_char"], end=c["end_char"], layer="commitment", label=str(c["strength"]),
            tag=f"{c['strength']} · {c['trigger']}",
            title=f"commitment by {_join(c['actor']) or '?'} ({c['trigger']}, {c['strength']})"
                  + (f"; deadline {c['deadline']}" if _present(c["deadline"]) else ""),
            anchor=commitment_anchor(c["commitment_id"])))
    for m in rows("agreement_mentions"):
        spans.append(dict(
            start=m["start_char"], end=m["end_char"], layer="agreement", label=str(m["type"]),
            tag=" · ".join(str(v) for v in (m["type"], m["status"]) if _present(v)),
            title=f"{m['name']} ({_join(m['parties'])})", anchor=mention_anchor(doc_id, m["start_char"], m["end_char"])))
    for e in rows("entities"):
        detail = " · ".join(str(v) for v in (e["canonical"], e["acronym"], e["title"]) if _present(v))
        spans.append(dict(start=e["start_char"], end=e["end_char"], layer="entity", label=str(e["label"]),
                          tag=str(e["label"]), title=f"{e['label']}: {detail}" if detail else str(e["label"])))
    for d in rows("dates"):
        spans.append(dict(start=d["start_char"], end=d["end_char"], layer="date", label="DATE",
                          tag=f"DATE {d['value']}", title=f"{d['value']} ({d['granularity']})"
                          + (f", resolved against {d['anchor']}" if _present(d["anchor"]) else "")))
    spans.sort(key=lambda s: (s["start"], LAYERS.index(s["layer"]), -s["end"]))
    for i, s in enumerate(spans):
        s["key"] = f"s{i}"
    return spans


def highlight(text: str, spans: list[dict]) -> tuple[str, int]:
    """HTML for text with spans wrapped around it; also the number of spans outside the text."""
    good = [s for s in spans if 0 <= s["start"] < s["end"] <= len(text)]
    skipped = len(spans) - len(good)
    bounds = sorted({0, len(text), *(s["start"] for s in good), *(s["end"] for s in good)})
    starts = defaultdict(list)
    for s in good:
        starts[s["start"]].append(s)
    active: list[dict] = []
    out = []
    for a, b in zip(bounds, bounds[1:]):
        active = [s for s in active if s["end"] > a] + starts.get(a, [])
        active.sort(key=lambda s: (LAYERS.index(s["layer"]), s["start"], -s["end"]))
        piece = _esc(text[a:b])
        for s in reversed(active):  # innermost first
            classes = [s["layer"], f"{s['layer']}-{s['label']}".replace(" ", "_")]
            attrs = [f'data-span="{s["key"]}"']
            if a == s["start"]:
                classes.append("first")
                if s.get("anchor"):
                    attrs.append(f'id="{_esc(s["anchor"])}"')
            if b == s["end"]:
                classes.append("last")
                if s["tag"]:
                    attrs.append(f'data-tag="{_esc(s["tag"])}"')
            if s["title"]:
                attrs.append(f'title="{_esc(s["title"])}"')
            element = "mark" if s["layer"] in ("entity", "date") else "span"
            piece = f'<{element} class="{" ".join(classes)}" {" ".join(attrs)}>{piece}</{element}>'
        out.append(piece)
    return "".join(out), skipped


# -- page -------------------------------------------------------------------------------------
_ENV = Environment(loader=FileSystemLoader(TEMPLATE.parent), autoescape=True, undefined=StrictUndefined,
                   keep_trailing_newline=True)
ENTITY_LABELS = ("PERSON", "COUNTRY", "ORG", "EVENT", "INSTRUMENT", "TOPIC")


def _doc_label(doc: dict) -> str:
    return doc["title"] if _present(doc.get("title")) else doc["path"]


def _text(value) -> str:
    return str(value) if _present(value) else ""


def _agreement_rows(tables: load.Tables, docs: dict[str, dict]) -> list[dict]:
    mentions = defaultdict(list)
    for m in tables.agreement_mentions.to_dict("records"):
        mentions[m["agreement_id"]].append(m)
    rows = []
    for a in sorted(tables.agreements.to_dict("records"), key=lambda a: (str(a["name"]).casefold(), a["agreement_id"])):
        found = sorted(mentions.get(a["agreement_id"], []), key=lambda m: (m["doc_id"] != a["first_seen_doc_id"],
                                                                            m["doc_id"], m["start_char"]))
        rows.append(dict(
            agreement_id=a["agreement_id"], name=_text(a["name"]), type=_text(a["type"]), parties=_join(a["parties"]),
            signatories=_join(a["signatories"]), status=_text(a["status"]), date=_text(a["date"]),
            topics=_join(a["topics"]),
            mentions=[dict(anchor=mention_anchor(m["doc_id"], m["start_char"], m["end_char"]),
                           document=_doc_label(docs.get(m["doc_id"], {"path": m["doc_id"]}))) for m in found]))
    return rows


def _commitment_rows(tables: load.Tables, docs: dict[str, dict], order: dict[str, int]) -> list[dict]:
    records = sorted(tables.commitments.to_dict("records"), key=lambda c: (order.get(c["doc_id"], 0), c["start_char"]))
    return [dict(commitment_id=c["commitment_id"], anchor=commitment_anchor(c["commitment_id"]), text=_text(c["text"]),
                 actor=_join(c["actor"]), trigger=_text(c["trigger"]), strength=_text(c["strength"]),
                 deadline=_text(c["deadline"]), topics=_join(c["topics"]), doc_id=c["doc_id"],
                 document=_doc_label(docs.get(c["doc_id"], {"path": c["doc_id"]})))
            for c in records]


def _document_view(doc: dict, by_doc: dict[str, dict[str, list[dict]]]) -> dict:
    view = dict(doc_id=doc["doc_id"], label=_doc_label(doc), failed=doc["status"] != "ok", error=_text(doc["error"]),
                meta=[str(v) for v in (doc["path"], doc["doc_type"], doc["published_date"], doc["format"])
                      if _present(v)], counts="", text_html="")
    if view["failed"]:
        return view
    spans = document_spans(doc["doc_id"], by_doc)
    text_html, skipped = highlight(doc["text"] or "", spans)
    per_layer = defaultdict(int)
    for s in spans:
        per_layer[s["layer"]] += 1
    counts = " · ".join(f"{per_layer[k]} {one if per_layer[k] == 1 else many}" for k, one, many in (
        ("entity", "entity", "entities"), ("date", "date", "dates"), ("commitment", "commitment", "commitments"),
        ("agreement", "agreement mention", "agreement mentions")))
    if skipped:
        counts += f" · {skipped} skipped (offsets outside the text)"
    view.update(counts=counts, text_html=Markup(text_html))
    return view


def render_report(tables: load.Tables, version: str | None = None) -> str:
    """The report page for already loaded tables (jinja2, every value escaped but the highlighted text,
    which :func:`highlight` escapes itself)."""
    documents = tables.documents.copy()
    documents["_order"] = documents["published_date"].fillna("9999")
    documents = documents.sort_values(["_order", "path"])
    docs = {d["doc_id"]: d for d in documents.to_dict("records")}
    order = {doc_id: i for i, doc_id in enumerate(docs)}
    by_doc = rows_by_document(tables)
    return _ENV.get_template(TEMPLATE.name).render(
        title="accords report", version=version, entity_labels=ENTITY_LABELS,
        counts=dict(agreements=len(tables.agreements), commitments=len(tables.commitments),
                    entities=len(tables.entities), dates=len(tables.dates)),
        documents=[_document_view(doc, by_doc) for doc in docs.values()],
        agreements=_agreement_rows(tables, docs), commitments=_commitment_rows(tables, docs, order))


def write_report(processed_dir: Path, out_path: Path, doc_ids=None) -> Path:
    """Write the HTML report of the tables in processed_dir to out_path, atomically; returns out_path.

    ``doc_ids`` limits the report to these documents (the page and the memory to build it grow
    with the documents shown: a 10,000-document corpus took 4.5 GB)."""
    version = load.snapshot(processed_dir)
    page = render_report(load.tables(version if version is not None else processed_dir, doc_ids=doc_ids),
                         version.name if version is not None else None)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out_path)
    return out_path


# -- Prefect artifact -------------------------------------------------------------------------
def _short(text: str, limit: int = MAX_ARTIFACT_TEXT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def change_rows(processed_dir: Path, doc_ids, previous_paths=None) -> list[dict]:
    """Agreements and commitments of the documents processed in a run, one dict per table row.

    A document is ``new`` when its path was not in ``previous_paths`` (the files the store
    knew before the run), ``changed`` otherwise; its rows carry that label.  An agreement is
    listed once per processed document that mentions it.
    """
    doc_ids = sorted(set(doc_ids))
    if not doc_ids:
        return []
    version = load.snapshot(processed_dir)
    documents = load.table("documents", version, columns=["doc_id", "path", "title"], doc_ids=doc_ids)
    commitments = load.table("commitments", version, doc_ids=doc_ids)
    mentions = load.table("agreement_mentions", version, columns=["agreement_id", "doc_id", "start_char"],
                          doc_ids=doc_ids)
    agreements = load.table("agreements", version).set_index("agreement_id")
    previous = None if previous_paths is None else set(previous_paths)
    path = dict(zip(documents["doc_id"], documents["path"]))

    def change(doc_id):
        if previous is None:
            return "new or changed"
        return "changed" if path.get(doc_id) in previous else "new"

    rows = []
    for m in mentions.sort_values(["doc_id", "start_char"]).drop_duplicates(["doc_id", "agreement_id"]).to_dict("records"):
        a = agreements.loc[m["agreement_id"]] if m["agreement_id"] in agreements.index else None
        rows.append({
            "change": change(m["doc_id"]), "kind": "agreement", "document": path.get(m["doc_id"], m["doc_id"]),
            "id": m["agreement_id"], "text": _short(a["name"]) if a is not None else "",
            "type": str(a["type"]) if a is not None else "", "parties": _join(a["parties"]) if a is not None else "",
            "status": str(a["status"]) if a is not None else "",
            "date": str(a["date"]) if a is not None and _present(a["date"]) else "",
        })
    for c in commitments.sort_values(["doc_id", "start_char"]).to_dict("records"):
        rows.append({
            "change": change(c["doc_id"]), "kind": "commitment", "document": path.get(c["doc_id"], c["doc_id"]),
            "id": c["commitment_id"], "text": _short(c["text"]), "type": str(c["trigger"]),
            "parties": _join(c["actor"]), "status": str(c["strength"]),
            "date": str(c["deadline"]) if _present(c["deadline"]) else "",
        })
    return rows
