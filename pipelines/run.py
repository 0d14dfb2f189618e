"""The incremental run as plain functions: plan, process batches, merge, commit.

``pipelines/flow.py`` wraps these in Prefect tasks; ``run_pipeline`` chains
them without Prefect (used by tests and by the benchmark).
"""
from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipelines import derive, fingerprint
from pipelines.inventory import Plan, RawFile, plan_run
from pipelines.process import EXTRACTED_TABLES, DocumentResult, doc_id_for, process_bytes, reextract, unreadable
from pipelines.schema import TABLES
from pipelines.settings import Settings, get_settings
from pipelines.store import Store, sort_by_key, to_arrow

PER_DOC = ("documents", "blocks", *EXTRACTED_TABLES)
# I/O errors worth retrying (a flaky network share); others are recorded as failed documents.
TRANSIENT_ERRNOS = {errno.EIO, errno.EAGAIN, errno.EBUSY, errno.ETIMEDOUT, errno.EINTR, errno.ESTALE}


@dataclass
class RunSummary:
    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    reextracted: int = 0
    deleted: int = 0
    failed: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    committed: bool = False
    seconds: float = 0.0
    version: str | None = None

    def as_markdown(self) -> str:
        lines = [
            "| documents | count |", "|---|---:|",
            *(f"| {k} | {getattr(self, k)} |" for k in
              ("seen", "new", "changed", "unchanged", "reextracted", "deleted", "failed")),
            "", "| table | rows |", "|---|---:|",
            *(f"| {k} | {v} |" for k, v in sorted(self.rows.items())),
            "", f"Committed: {'yes, ' + str(self.version) if self.committed else 'no (nothing changed)'}; "
            f"time {self.seconds:.1f} s.",
        ]
        return "\n".join(lines)


def run_started_at() -> datetime:
    """Wall-clock time for new rows' ``ingested_at``; SOURCE_DATE_EPOCH pins it for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    return datetime.now(timezone.utc).replace(microsecond=0)


def load_state(store: Store) -> tuple[list[dict], dict[str, str]]:
    files = store.read_rows("files")
    documents = store.read_arrow("documents").select(["doc_id", "extractor_version"]).to_pylist()
    return files, {d["doc_id"]: d["extractor_version"] for d in documents}


def process_raw_files(files: list[RawFile], raw_dir: Path, known: dict[str, str],
                      settings: Settings, ingested_at: datetime) -> list[DocumentResult]:
    """Read and extract a batch of files; content already stored at the current version is skipped.

    known maps doc_id -> stored extractor_version.
    """
    current = fingerprint.full_version()
    results: list = [None] * len(files)

    def jobs():  # lazily, so only the documents in flight are held in memory
        for i, f in enumerate(files):
            if f.refusal:
                results[i] = unreadable(f.rel, f.refusal, ingested_at)
                continue
            try:
                data = f.path.read_bytes()
            except OSError as exc:
                if exc.errno in TRANSIENT_ERRNOS:
                    raise  # the task retries the batch
                results[i] = unreadable(f.rel, f"cannot read file: {exc.strerror or exc}", ingested_at)
                continue
            doc_id = doc_id_for(data)
            if known.get(doc_id) == current:
                # Touched or renamed, same content: nothing to extract.
                results[i] = DocumentResult(doc_id, {})
                continue
            yield i, f.path, f.rel, data

    if settings.workers > 0:  # per-document time and memory bounds (pipelines/workers.py)
        from pipelines.workers import process_in_workers

        done = process_in_workers(jobs(), settings, ingested_at)
    else:
        done = ((i, process_bytes(path, rel, data, settings, ingested_at)) for i, path, rel, data in jobs())
    for i, result in done:
        results[i] = result
    return results


def reextract_documents(doc_ids: list[str], store: Store) -> list[DocumentResult]:
    """Re-run the extractors on stored clean text, without touching raw/."""
    if not doc_ids:
        return []
    wanted = pa.array(doc_ids)
    documents = store.read_arrow("documents")
    documents = documents.filter(pc.is_in(documents["doc_id"], value_set=wanted)).to_pylist()
    blocks = store.read_arrow("blocks")
    blocks = blocks.filter(pc.is_in(blocks["doc_id"], value_set=wanted)).to_pylist()
    by_doc: dict[str, list[dict]] = {}
    for b in blocks:
        by_doc.setdefault(b["doc_id"], []).append(b)
    return [reextract(d, by_doc.get(d["doc_id"], [])) for d in documents]


def merge_tables(plan: Plan, results: list[DocumentResult], store: Store) -> dict[str, pa.Table]:
    """The new version of every table: stored rows of untouched documents plus the new rows."""
    new_doc_ids = {r.doc_id for r in results if r.tables}
    result_by_doc = {}
    for r in results:
        if r.tables and r.doc_id not in result_by_doc:
            result_by_doc[r.doc_id] = r
    # files: what raw/ holds now
    path_to_doc = dict(plan.unchanged)
    for f, r in zip(plan.to_read, results[: len(plan.to_read)]):
        path_to_doc[f.rel] = r.doc_id
    files_rows = [
        {"path": f.rel, "doc_id": path_to_doc[f.rel], "size": f.size, "mtime_ns": f.mtime_ns}
        for f in plan.files if f.rel in path_to_doc
    ]
    alive = {row["doc_id"] for row in files_rows}
    first_path: dict[str, str] = {}
    for row in files_rows:
        first_path.setdefault(row["doc_id"], row["path"])

    version = fingerprint.full_version()
    previous_docs = {d["doc_id"]: d for d in store.read_arrow("documents").select(["doc_id", "ingested_at"]).to_pylist()}
    tables: dict[str, pa.Table] = {"files": to_arrow(TABLES["files"], files_rows)}
    drop = pa.array(sorted(new_doc_ids | (set(previous_docs) - alive)), type=pa.string())
    for name in PER_DOC:
        spec = TABLES[name]
        old = store.read_arrow(name)
        if old.num_rows:
            old = old.filter(pc.invert(pc.is_in(old["doc_id"], value_set=drop)))
        rows = []
        for doc_id in sorted(result_by_doc):
            if doc_id not in alive:
                continue
            for row in result_by_doc[doc_id].tables.get(name, []):
                if name == "documents":
                    kept = previous_docs.get(doc_id)
                    # The run's own version, not each worker's: a Dask worker started
                    # later must not stamp rows differently from the process that commits.
                    row = {**row, "path": first_path[doc_id], "extractor_version": version,
                           "ingested_at": kept["ingested_at"] if kept else row["ingested_at"]}
                rows.append(row)
        new = to_arrow(spec, rows)
        merged = pa.concat_tables([old.cast(spec.schema), new]) if old.num_rows else new
        if name == "documents":
            merged = _refresh_paths(merged, first_path)
        tables[name] = sort_by_key(spec, merged)
    tables.update(derive.corpus_tables(tables))
    return tables


def _refresh_paths(documents: pa.Table, first_path: dict[str, str]) -> pa.Table:
    """A renamed file keeps its doc_id; only its path column changes."""
    paths = [first_path.get(d, p) for d, p in zip(documents["doc_id"].to_pylist(), documents["path"].to_pylist())]
    return documents.set_column(documents.schema.get_field_index("path"), "path", pa.array(paths, pa.string()))


def summarize(plan: Plan, results: list[DocumentResult], tables: dict[str, pa.Table] | None,
              previous_paths: set[str]) -> RunSummary:
    summary = RunSummary(seen=len(plan.files), deleted=len(plan.deleted))
    summary.unchanged = len(plan.unchanged)
    for f, r in zip(plan.to_read, results):
        if not r.tables:
            summary.unchanged += 1  # touched, same content
        elif f.rel in previous_paths:
            summary.changed += 1
        else:
            summary.new += 1
    summary.reextracted = len(plan.to_reextract)
    if tables is not None:
        docs = tables["documents"]
        summary.failed = int(pc.sum(pc.equal(docs["status"], "failed")).as_py() or 0)
        summary.rows = {name: t.num_rows for name, t in tables.items()}
    return summary


@dataclass
class Batches:
    """The work of one run, cut into batches: what a task (or a loop) gets."""

    raw_dir: Path
    processed_dir: Path
    known: dict[str, str]
    settings: Settings
    ingested_at: datetime
    read: list[list[RawFile]]
    reextract: list[list[str]]


@dataclass
class RunOutcome:
    summary: RunSummary
    read_doc_ids: list[str]  # documents whose rows this run wrote
    previous_paths: set[str]


def run_in_process(batches: Batches) -> list[DocumentResult]:
    # One call for all batches: one worker pool per run (a pool's zygote costs seconds of spaCy start-up).
    files = [f for batch in batches.read for f in batch]
    results = process_raw_files(files, batches.raw_dir, batches.known, batches.settings, batches.ingested_at)
    store = Store(batches.processed_dir)
    return results + [r for batch in batches.reextract for r in reextract_documents(batch, store)]


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def execute_run(raw_dir: Path | str, processed_dir: Path | str, full: bool = False,
                settings: Settings | None = None, execute=run_in_process) -> RunOutcome:
    """Plan under the store lock, hand the batches to ``execute``, merge and commit.

    ``execute(batches) -> results in batch order``: a loop here, Prefect tasks in the flow.
    """
    settings = settings or get_settings()
    raw_dir, processed_dir = Path(raw_dir), Path(processed_dir)
    store = Store(processed_dir)
    started = time.perf_counter()
    with store.lock(settings.lock_timeout_s):
        previous_files, known = load_state(store)
        plan = plan_run(raw_dir, previous_files, known, full=full)
        previous_paths = {row["path"] for row in previous_files}
        batches = Batches(raw_dir, processed_dir, known, settings, run_started_at(),
                          _chunks(plan.to_read, settings.batch_size), _chunks(plan.to_reextract, settings.batch_size))
        results = execute(batches)
        summary = commit_results(plan, results, store, previous_paths)
    summary.seconds = time.perf_counter() - started
    return RunOutcome(summary, [r.doc_id for r in results if r.tables], previous_paths)


def run_pipeline(raw_dir: Path | str = "raw", processed_dir: Path | str = "processed", full: bool = False,
                 settings: Settings | None = None) -> RunSummary:
    """One incremental run without Prefect."""
    return execute_run(raw_dir, processed_dir, full, settings).summary


def commit_results(plan: Plan, results: list[DocumentResult], store: Store,
                   previous_paths: set[str]) -> RunSummary:
    """Merge and commit, unless nothing changed: then no table is rewritten."""
    if not plan.has_work and store.current is not None:
        return summarize(plan, results, None, previous_paths)
    tables = merge_tables(plan, results, store)
    summary = summarize(plan, results, tables, previous_paths)
    if store.current is not None and _same_as_current(tables, store):
        return summary
    summary.version = store.commit(tables).name
    summary.committed = True
    return summary


def _same_as_current(tables: dict[str, pa.Table], store: Store) -> bool:
    for name, table in tables.items():
        if not table.equals(store.read_arrow(name)):
            return False
    return True
