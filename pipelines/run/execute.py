"""The incremental run as plain functions: plan, process batches, merge, commit.

``pipelines/flows/ingest.py`` wraps these in Prefect tasks; ``run_pipeline`` chains
them without Prefect (used by tests and by the benchmark).
"""
from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.tables import derive
from pipelines.run import fingerprint
from pipelines.run.plan import Plan, RawFile, check_raw_dir, plan_run
from pipelines.run.rawfile import TRANSIENT_ERRNOS, RawFileError, read_raw  # noqa: F401 (flows import it here)
from pipelines.run.document import EXTRACTED_TABLES, process_bytes, reextract, unreadable
from pipelines.tables.schema import TABLES
from pipelines.settings import Settings, get_settings
from pipelines.run.spool import Processed, Spool, SpoolWriter, filter_doc_ids, id_set
from pipelines.tables.store import Staged, Store, StoreError, prefix_of, to_arrow, write_error

PER_DOC = ("documents", "blocks", *EXTRACTED_TABLES)


class DeletionRefused(StoreError):
    """The run would delete every stored document, or more than ``max_delete_share`` of them."""


@dataclass
class RunSummary:
    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    reextracted: int = 0
    retried: int = 0
    deleted: int = 0
    failed: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    committed: bool = False
    seconds: float = 0.0
    version: str | None = None
    warnings: list[str] = field(default_factory=list)
    # {"path", "error"} of every failed document in the committed tables, by path.
    failures: list[dict] = field(default_factory=list)

    def as_markdown(self) -> str:
        lines = [
            "| documents | count |", "|---|---:|",
            *(f"| {k} | {getattr(self, k)} |" for k in
              ("seen", "new", "changed", "unchanged", "reextracted", "retried", "deleted", "failed")),
            "", "| table | rows |", "|---|---:|",
            *(f"| {k} | {v} |" for k, v in sorted(self.rows.items())),
            "", f"Committed: {'yes, ' + str(self.version) if self.committed else 'no (nothing changed)'}; "
            f"time {self.seconds:.1f} s.",
        ]
        if self.failures:
            lines += ["", "| failed file | reason |", "|---|---|",
                      *(f"| {_cell(f['path'])} | {_cell(f['error'])} |" for f in self.failures)]
        return "\n".join(lines)


def _cell(value) -> str:
    return " ".join(str(value).split()).replace("|", "\\|")


def run_started_at() -> datetime:
    """Wall-clock time for new rows' ``ingested_at``; SOURCE_DATE_EPOCH pins it for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass
class StoredState:
    """What the current version knows of raw/, read once per run under the lock."""

    files: list[dict]  # rows of the files table
    versions: dict[str, str]  # doc_id -> extractor_version
    paths: dict[str, str]  # doc_id -> documents.path
    failed: set[str] = field(default_factory=set)  # doc_ids stored with status failed

    @property
    def file_paths(self) -> set[str]:
        return {row["path"] for row in self.files}


def load_state(store: Store) -> StoredState:
    documents = store.read_arrow("documents", columns=["doc_id", "path", "extractor_version", "status"]).to_pylist()
    return StoredState(store.read_rows("files"), {d["doc_id"]: d["extractor_version"] for d in documents},
                       {d["doc_id"]: d["path"] for d in documents},
                       {d["doc_id"] for d in documents if d["status"] == "failed"})


def process_raw_files(files: list[RawFile], raw_dir: Path, known: dict[str, str],
                      settings: Settings, ingested_at: datetime, spool: SpoolWriter,
                      on_document=None) -> list[Processed]:
    """Read and extract a batch of files into the spool; content already stored at the current
    version is skipped.  known maps doc_id -> stored extractor_version.
    """
    from pipelines.run import isolation

    current = fingerprint.full_version()
    processed: list = [None] * len(files)

    def settle(i: int, outcome: Processed) -> None:
        processed[i] = outcome
        if on_document is not None:
            on_document()

    def jobs():  # lazily, so only the documents in flight are held in memory
        for i, f in enumerate(files):
            if isolation.stopping():
                raise isolation.Interrupted("the run is stopping")
            if f.refusal:
                settle(i, spool.add(unreadable(f.rel, f.refusal, ingested_at)))
                continue
            try:
                raw = read_raw(raw_dir, f.path, settings)  # safe, bounded, hashed while read
            except RawFileError as exc:
                settle(i, spool.add(unreadable(f.rel, str(exc), ingested_at)))
                continue
            data, doc_id = raw.data, raw.doc_id
            if known.get(doc_id) == current:
                # Touched or renamed, same content: nothing to extract.
                settle(i, Processed(doc_id, False))
                continue
            yield i, f.path, f.rel, data, doc_id

    if settings.workers > 0:  # per-document time and memory bounds (pipelines/run/isolation.py)
        done = isolation.process_in_workers(jobs(), settings, ingested_at)
    else:
        done = ((i, process_bytes(path, rel, data, settings, ingested_at)) for i, path, rel, data, _ in jobs())
    for i, result in done:
        settle(i, spool.add(result))
    spool.close()
    return processed


def reextract_documents(doc_ids: list[str], store: Store, spool: SpoolWriter, on_document=None) -> list[Processed]:
    """Re-run the extractors on stored clean text, without touching raw/."""
    documents = store.read_arrow("documents", doc_ids=doc_ids).to_pylist()
    blocks = store.read_arrow("blocks", doc_ids=doc_ids).to_pylist()
    by_doc: dict[str, list[dict]] = {}
    for b in blocks:
        by_doc.setdefault(b["doc_id"], []).append(b)
    from pipelines.run import isolation

    processed = []
    for d in documents:
        if isolation.stopping():
            raise isolation.Interrupted("the run is stopping")
        processed.append(spool.add(reextract(d, by_doc.get(d["doc_id"], []))))
        if on_document is not None:
            on_document()
    spool.close()
    return processed


def merge_and_stage(plan: Plan, processed: list[Processed], store: Store, spool: Spool, staged: Staged,
                    stored_paths: dict[str, str]) -> None:
    """Stage the new version of every table: stored parts of untouched documents, rewritten
    parts where documents were added, changed, renamed or deleted, and the corpus tables."""
    new_doc_ids = {p.doc_id for p in processed if p.extracted}
    files_rows = plan.file_rows(processed)  # files: what raw/ holds now
    alive = {row["doc_id"] for row in files_rows}
    first_path: dict[str, str] = {}
    for row in files_rows:
        first_path.setdefault(row["doc_id"], row["path"])
    staged.write_table("files", to_arrow(TABLES["files"], files_rows))

    drop = new_doc_ids | (set(stored_paths) - alive)
    renamed = {d for d, path in stored_paths.items() if d in alive and first_path[d] != path}
    everything = None if store.partitioned else {prefix_of(d) for d in stored_paths}
    version = fingerprint.full_version()
    drop_set = id_set(drop)
    # New rows of a document no longer in raw/ (deleted while the run read it) are not kept.
    vanished = id_set(new_doc_ids - alive)
    corpus = derive.CorpusBuilder()
    for name in PER_DOC:
        new_parts = spool.partition(name)
        touched = {prefix_of(d) for d in drop | (renamed if name == "documents" else set())}
        touched |= everything or set()
        for prefix in sorted(touched):
            old = store.read_part(name, prefix)
            new = filter_doc_ids(Spool.read(new_parts.get(prefix), name), vanished, keep=False)
            kept = filter_doc_ids(old, drop_set, keep=False)
            if name == "documents":
                new = _stamp_documents(new, old, version)
            part = pa.concat_tables([kept.cast(new.schema), new])
            if name == "documents":
                part = _refresh_paths(part, first_path)
            staged.write_part(name, prefix, part)
            corpus.add(name, part)  # the corpus tables take the part from memory, not from the file
        staged.keep_parts(name, touched)
        staged.finish_table(name)
        if name in derive.CORPUS_INPUTS:  # parts kept from the previous version: only the columns needed
            for file_name in staged.entries[name]["parts"]:
                prefix = file_name.removeprefix("part-").removesuffix(".parquet")
                if prefix not in touched:
                    corpus.add(name, store.read_part(name, prefix, derive.CORPUS_INPUTS[name]))
    for name, arrow in corpus.tables().items():
        staged.write_table(name, arrow)


def _stamp_documents(new: pa.Table, old: pa.Table, version: str) -> pa.Table:
    """New documents rows carry the run's version and the document's first ingestion time.

    The run's own version, not each worker's: a Dask worker started later must not stamp
    rows differently from the process that commits; and a document re-extracted keeps the
    time it was first ingested.
    """
    if not new.num_rows:
        return new
    ingested = dict(zip(old["doc_id"].to_pylist(), old["ingested_at"].to_pylist()))
    doc_ids = new["doc_id"].to_pylist()
    columns = {
        "extractor_version": pa.array([version] * len(doc_ids), pa.string()),
        "ingested_at": pa.array([ingested.get(d, t) for d, t in zip(doc_ids, new["ingested_at"].to_pylist())],
                                new.schema.field("ingested_at").type),
    }
    for column, values in columns.items():
        new = new.set_column(new.schema.get_field_index(column), new.schema.field(column), values)
    return new


def _refresh_paths(documents: pa.Table, first_path: dict[str, str]) -> pa.Table:
    """Each document's path is the first path raw/ holds it under now: a renamed file keeps
    its doc_id, and a worker's row names the file it read, which may be a second copy."""
    paths = [first_path.get(d, p) for d, p in zip(documents["doc_id"].to_pylist(), documents["path"].to_pylist())]
    return documents.set_column(documents.schema.get_field_index("path"), documents.schema.field("path"),
                                pa.array(paths, pa.string()))


def summarize(plan: Plan, processed: list[Processed], staged: Staged | None,
              previous_paths: set[str]) -> RunSummary:
    summary = RunSummary(seen=len(plan.files), deleted=len(plan.deleted), warnings=plan.warnings)
    summary.unchanged = len(plan.unchanged)
    for f, p in zip(plan.to_read, processed):
        if not p.extracted:
            summary.unchanged += 1  # touched, same content
        elif f.rel in plan.retry:
            summary.retried += 1
        elif f.rel in previous_paths:
            summary.changed += 1
        else:
            summary.new += 1
    summary.reextracted = len(plan.to_reextract)
    if staged is not None:
        failed = staged.read("documents", ["path", "status", "error"],
                             where=lambda part: pc.equal(part["status"], "failed"))
        summary.failures = sorted(failed.select(["path", "error"]).to_pylist(), key=lambda f: f["path"])
        summary.failed = len(summary.failures)
        summary.rows = {name: entry["rows"] for name, entry in staged.entries.items()}
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
    spool_dir: Path  # where batches write their rows (pipelines/spool.py)

    @staticmethod
    def read_label(i: int) -> str:
        return f"read-{i:05d}"  # zero-padded, "read-" < "reextract-": name order is input order

    @staticmethod
    def reextract_label(i: int) -> str:
        return f"reextract-{i:05d}"


@dataclass
class RunOutcome:
    summary: RunSummary
    read_doc_ids: list[str]  # documents whose rows this run wrote
    previous_paths: set[str]


def spool_writer(batches: Batches, label: str) -> SpoolWriter:
    return SpoolWriter(batches.spool_dir, label, PER_DOC)


class Progress:
    """Documents done of the run's total, docs/s and ETA, reported every ``every_s`` seconds
    (and at the end) to ``report`` (stderr on the CLI, the flow run's logger under Prefect)."""

    def __init__(self, total: int, report=None, every_s: float = 10.0):
        self.total, self.report, self.every_s = total, report, every_s
        self.done = 0
        self.started = self.last = time.monotonic()
        self._lock = threading.Lock()

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
            now = time.monotonic()
            if self.report is not None and self.total and (now - self.last >= self.every_s or self.done >= self.total):
                self.last = now
                self.report(self.line(now))

    def line(self, now: float | None = None) -> str:
        elapsed = max(1e-9, (now or time.monotonic()) - self.started)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else float("inf")
        return (f"{self.done}/{self.total} documents, {rate:.1f} docs/s, "
                f"{elapsed:.0f} s elapsed, ETA {eta:.0f} s")


def progress_to_stderr(line: str) -> None:
    print(f"accords: {line}", file=sys.stderr, flush=True)


def run_in_process(batches: Batches, progress: Progress | None = None) -> list[Processed]:
    # One call for all batches; the worker pool is shared anyway (pipelines/run/isolation.py).
    advance = progress.advance if progress is not None else None
    files = [f for batch in batches.read for f in batch]
    processed = process_raw_files(files, batches.raw_dir, batches.known, batches.settings, batches.ingested_at,
                                  spool_writer(batches, batches.read_label(0)), advance)
    store = Store(batches.processed_dir)
    for i, batch in enumerate(batches.reextract):
        processed += reextract_documents(batch, store, spool_writer(batches, batches.reextract_label(i)), advance)
    return processed


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@contextmanager
def stop_on_signals():
    """SIGTERM and Ctrl-C stop the run within seconds: workers are killed at once, every batch
    still running raises ``Interrupted`` at its next document, and the main thread leaves
    (SystemExit for SIGTERM, KeyboardInterrupt for Ctrl-C) through the cleanups that drop the
    staged version and the spool, so the previous tables stay current."""
    from pipelines.run import isolation

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        isolation.shutdown(interrupt=True)
        print(f"accords: stopping ({signal.Signals(signum).name}); the previous tables stay current",
              file=sys.stderr, flush=True)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    isolation.reset_interrupt()
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        # Workers end with the run: a later run forks new ones from the warm forkserver in
        # milliseconds, and the report written after a commit has their memory.  Batches still
        # running in threads after a signal see the stop flag until the next run clears it.
        isolation.shutdown()


def execute_run(raw_dir: Path | str, processed_dir: Path | str, full: bool = False,
                settings: Settings | None = None, execute=run_in_process,
                allow_deletions: bool = False, report=None) -> RunOutcome:
    """Plan under the store lock, hand the batches to ``execute``, merge and commit.

    ``execute(batches, progress) -> Processed per document, in batch order``: a loop here,
    Prefect tasks in the flow; the rows travel through the run's spool directory.  A missing
    or unreadable raw_dir, or a run that would delete too many documents (see
    ``guard_deletions``), raises a StoreError and changes nothing.
    """
    settings = settings or get_settings()
    raw_dir, processed_dir = Path(raw_dir), Path(processed_dir)
    check_raw_dir(raw_dir)
    store = Store(processed_dir)
    started = time.perf_counter()
    with stop_on_signals(), store.lock(settings.lock_timeout_s):
        spool_root = processed_dir / ".runs"
        shutil.rmtree(spool_root, ignore_errors=True)  # spools of killed runs; none is live under the lock
        stored = load_state(store)
        plan = plan_run(raw_dir, stored.files, stored.versions, full=full, failed=stored.failed,
                        max_attempts=settings.max_attempts)
        spool_dir = spool_root / f"{os.getpid()}-{time.time_ns()}"
        # Content stored ok at the current version is not extracted again, unless --full.
        known = {} if full else {d: v for d, v in stored.versions.items() if d not in stored.failed}
        batches = Batches(raw_dir, processed_dir, known, settings, run_started_at(),
                          _chunks(plan.to_read, settings.batch_size), _chunks(plan.to_reextract, settings.batch_size),
                          spool_dir)
        progress = Progress(len(plan.to_read) + len(plan.to_reextract), report)
        try:
            processed = execute(batches, progress)
            guard_deletions(plan, processed, stored, settings, allow_deletions)
            summary = commit_results(plan, processed, store, Spool(spool_dir), stored)
        except OSError as exc:
            if exc.errno in TRANSIENT_ERRNOS:
                raise
            raise write_error(processed_dir, exc) from exc  # the spool could not be written
        finally:
            shutil.rmtree(spool_root, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return RunOutcome(summary, [p.doc_id for p in processed if p.extracted], stored.file_paths)


def run_pipeline(raw_dir: Path | str = "raw", processed_dir: Path | str = "processed", full: bool = False,
                 settings: Settings | None = None, allow_deletions: bool = False, report=None) -> RunSummary:
    """One incremental run without Prefect; ``report`` gets the progress lines."""
    return execute_run(raw_dir, processed_dir, full, settings, allow_deletions=allow_deletions,
                       report=report).summary


def guard_deletions(plan: Plan, processed: list[Processed], stored: StoredState, settings: Settings,
                    allow: bool) -> None:
    """Refuse a run that would remove every stored document, or more than ``max_delete_share``
    of them: an emptied, unmounted or mistyped raw/ must not wipe the store.  Counted in
    documents after reading, so renamed or moved files are not deletions."""
    if allow or not stored.paths:
        return
    alive = set(plan.unchanged.values()) | {p.doc_id for p in processed[: len(plan.to_read)]}
    # An edited file replaces its document under the same path: not a deletion.
    gone = set(plan.deleted)
    lost = len({row["doc_id"] for rel, row in plan.previous.items() if rel in gone} - alive)
    total = len(stored.paths)
    if lost and (lost == total or lost / total > settings.max_delete_share):
        raise DeletionRefused(
            f"refusing to delete {lost} of the {total} stored documents (raw/ holds {len(plan.files)} files; "
            f"the limit is max_delete_share={settings.max_delete_share:g}, and never all of them). "
            "Check the raw folder; pass --allow-deletions if these documents are really gone. Nothing was changed.")


def commit_results(plan: Plan, processed: list[Processed], store: Store, spool: Spool,
                   stored: StoredState) -> RunSummary:
    """Merge and commit, unless nothing changed: then no table is rewritten."""
    if not plan.has_work and store.current is not None and store.partitioned:
        return summarize(plan, processed, None, stored.file_paths)
    with store.stage() as staged:
        merge_and_stage(plan, processed, store, spool, staged, stored.paths)
        summary = summarize(plan, processed, staged, stored.file_paths)
        if store.current is not None and staged.same_as_current():
            return summary
        summary.version = store.publish(staged).name
        summary.committed = True
    return summary
