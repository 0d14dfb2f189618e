"""Per-document isolation: read and extract documents in a bounded pool of worker processes.

One ``pebble.ProcessPool`` per process, shared by every batch and Prefect thread task, so
at most ``settings.workers`` extraction processes live however many batches there are.
Each document is bounded: ``doc_timeout_s`` (pebble kills and replaces the worker),
``doc_memory_mb`` (``RLIMIT_AS``; a worker that ran out exits, as a failed allocation may
leave a library half-updated) and crashes; such a document gets a failed row, the others
land.  The stdlib forkserver imports and builds the spaCy pipeline once
(``pipelines.run.warm``), so a worker starts in milliseconds; each worker watches this
process and dies with it, even mid-document.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, CancelledError, wait
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator

from pebble import ProcessExpired, ProcessPool

from pipelines.settings import Settings

DEFAULT_TARGET = "pipelines.run.document:process_bytes"  # (path, rel_path, data, settings, ingested_at)
STARTUP_TIMEOUT_S = 120.0  # no document done for this long (plus doc_timeout_s): workers cannot start
MEMORY_EXIT = 86  # a worker's exit code after a MemoryError
_ENV_PREFIXES = ("ACCORDS_", "SOURCE_DATE_EPOCH", "TZ")  # read while building the pipeline or rows
_lock = threading.Lock()
_pools: dict[tuple, ProcessPool] = {}
_users: dict[tuple, int] = {}  # calls using each pool now
_stopping = threading.Event()


class WorkerError(RuntimeError):
    """Worker processes cannot be started; the run stops with this message."""


class Interrupted(Exception):
    """The run was asked to stop (SIGTERM, Ctrl-C); its workers are gone."""


def failed_result(doc_id: str, rel_path: str, error: str, ingested_at: datetime):
    from pipelines.run.document import EXTRACTED_TABLES, DocumentResult, document_row

    row = document_row(doc_id, rel_path, None, error, ingested_at)
    return DocumentResult(doc_id, {"documents": [row], "blocks": [], **{n: [] for n in EXTRACTED_TABLES}})


def _die_with(owner: int) -> None:
    # Not the forkserver's PR_SET_PDEATHSIG: every worker holds the forkserver's liveness pipe
    # open, so the forkserver outlives a killed owner as long as its workers do.
    import select

    try:
        select.select([os.pidfd_open(owner)], [], [])
    except (OSError, AttributeError):  # no pidfd: poll
        while os.path.exists(f"/proc/{owner}"):
            time.sleep(1)
    os.kill(os.getpid(), signal.SIGKILL)


def _init_worker(memory_mb: int, env: dict[str, str], owner: int) -> None:
    import resource

    threading.Thread(target=_die_with, args=(owner,), daemon=True).start()
    before = _env()
    if before != env:  # the forkserver started under other settings
        for k in before:
            os.environ.pop(k)
        os.environ.update(env)
        if {k: v for k, v in before.items() if k.startswith("ACCORDS_")} != \
                {k: v for k, v in env.items() if k.startswith("ACCORDS_")}:
            from extractors.pipeline import default_nlp
            from pipelines.run.document import nlp_for
            from pipelines.settings import get_settings

            default_nlp.cache_clear()  # rebuilt under these, before the memory limit
            nlp_for(get_settings())
    if memory_mb > 0:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20 if hard < 0 else min(memory_mb << 20, hard), hard))


def _run_job(target: str, path: str, rel_path: str, data: bytes, settings: Settings, ingested_at: datetime):
    import importlib

    module, _, name = target.partition(":")
    try:
        result = getattr(importlib.import_module(module), name)(Path(path), rel_path, data, settings, ingested_at)
    except MemoryError:
        os._exit(MEMORY_EXIT)
    error = (result.tables.get("documents") or [{}])[0].get("error") or ""
    if any(m in error for m in ("MemoryError", "std::bad_alloc", "Cannot allocate memory")):
        os._exit(MEMORY_EXIT)
    return result


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES)}


def _acquire(settings: Settings) -> tuple[tuple, ProcessPool]:
    """The pool for these settings, kept for later batches; idle pools of other settings are
    stopped first, so their workers never add up."""
    env = _env()
    key = (max(1, int(settings.workers)), int(settings.doc_memory_mb), tuple(sorted(env.items())))
    with _lock:
        if _stopping.is_set():
            raise Interrupted("the run is stopping")
        if key not in _pools or not _pools[key].active:
            for other in [k for k in _pools if not _users.get(k)]:
                _stop(_pools.pop(other), join=True)
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["pipelines.run.warm"])
            _pools[key] = ProcessPool(key[0], initializer=_init_worker, initargs=(key[1], env, os.getpid()),
                                      context=context)
        _users[key] = _users.get(key, 0) + 1
        return key, _pools[key]


def _stop(pool: ProcessPool, join: bool) -> None:
    pool.stop()
    for pid in list(pool._pool_manager.worker_manager.workers):  # now: pebble gives a busy worker 3 s
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if join:
        pool.join()


def shutdown(interrupt: bool = False) -> None:
    """Stop every pool and kill its workers now; with interrupt, running calls raise Interrupted
    (signal-handler safe: flags and signals only; pools are joined by a later plain call)."""
    if interrupt:
        _stopping.set()
    for pool in list(_pools.values()):
        _stop(pool, join=False)
    if not interrupt:
        with _lock:
            pools = list(_pools.values())
            _pools.clear()
            _users.clear()
        for pool in pools:
            pool.join()


def reset_interrupt() -> None:
    _stopping.clear()


def stopping() -> bool:
    return _stopping.is_set()


def _error(exc: BaseException, settings: Settings) -> str:
    memory_mb, code = settings.doc_memory_mb, getattr(exc, "exitcode", None)
    if isinstance(exc, TimeoutError):
        return f"timed out after {settings.doc_timeout_s:g} s (doc_timeout_s)"
    if not isinstance(exc, ProcessExpired):
        return f"worker error: {type(exc).__name__}: {exc}"
    if code == MEMORY_EXIT:
        return f"exceeded the {memory_mb} MB memory limit (doc_memory_mb)"
    if code is not None and code < 0:
        if -code == signal.SIGKILL:
            return f"worker process was killed (SIGKILL) while reading the document; out of memory? " \
                   f"the limit is doc_memory_mb={memory_mb}"
        name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
        return f"worker process crashed ({name}) while reading the document"
    return f"worker process exited unexpectedly (exit code {code}) while reading the document"


def process_in_workers(jobs: Iterable[tuple], settings: Settings, ingested_at: datetime,
                       target: str = DEFAULT_TARGET) -> Iterator[tuple]:
    """Yield ``(key, DocumentResult)`` for every job ``(key, path, rel_path, data[, doc_id])``, in completion order.

    Jobs are pulled two per worker ahead, so few documents' bytes are held at once."""
    from pipelines.run.document import doc_id_for

    key, pool = _acquire(settings)
    source, in_flight, last_done = iter(jobs), {}, time.monotonic()
    try:
        while True:
            while len(in_flight) < 2 * key[0] and (job := next(source, None)) is not None:
                job_key, path, rel_path, data, *known = job  # known: the caller's doc_id, not hashed again
                future = pool.schedule(_run_job, args=(target, str(path), rel_path, data, settings, ingested_at),
                                       timeout=settings.doc_timeout_s)
                in_flight[future] = (job_key, rel_path, known[0] if known else doc_id_for(data))
            if not in_flight:
                return
            done, _ = wait(in_flight, timeout=0.5, return_when=FIRST_COMPLETED)
            if _stopping.is_set():
                raise Interrupted("the run is stopping")
            if not done and (not pool.active or time.monotonic() - last_done > STARTUP_TIMEOUT_S + settings.doc_timeout_s):
                raise WorkerError(f"the worker processes stopped finishing documents; "
                                  f"is doc_memory_mb={settings.doc_memory_mb} too small?")
            for future in done:
                last_done = time.monotonic()
                job_key, rel_path, doc_id = in_flight.pop(future)
                try:
                    result = future.result()
                except CancelledError:
                    raise Interrupted("the run is stopping") from None
                except Exception as exc:  # noqa: BLE001 - a failed row, never a dead batch
                    result = failed_result(doc_id, rel_path, _error(exc, settings), ingested_at)
                yield job_key, result
    finally:
        for future in in_flight:
            future.cancel()
        with _lock:
            if _users.get(key):
                _users[key] -= 1
