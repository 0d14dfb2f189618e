"""Per-document isolation: read and extract documents in a bounded pool of worker processes.

A parser that hangs or explodes on one hostile document must cost that document, not the
run.  Documents go to one ``pebble.ProcessPool`` per process (shared by every batch and
Prefect thread task, so at most ``settings.workers`` extraction processes ever live) and
each is bounded: ``doc_timeout_s`` (pebble kills and replaces the worker), ``doc_memory_mb``
(``RLIMIT_AS`` per worker; a worker that ran out exits, since a failed allocation may leave
a library half-updated) and crashes (a dead worker is replaced; its document gets a failed
row naming the signal).  Workers are forked by the stdlib forkserver, which imports and
builds the spaCy pipeline once (``pipelines.run.warm``), so a worker starts in milliseconds.
Each worker watches this process (a pidfd) and dies with it, even mid-document.
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
STARTUP_TIMEOUT_S = 120.0  # no document finished for this long (plus doc_timeout_s): workers cannot start
MEMORY_EXIT = 86  # a worker's exit code after a MemoryError
_ENV_PREFIXES = ("ACCORDS_", "SOURCE_DATE_EPOCH", "TZ")  # read while building the pipeline or rows

Job = tuple  # (key, path, rel_path, data)


class WorkerError(RuntimeError):
    """Worker processes cannot be started; the run stops with this message."""


class Interrupted(Exception):
    """The run was asked to stop (SIGTERM, Ctrl-C); its workers are gone."""


def failed_result(doc_id: str, rel_path: str, error: str, ingested_at: datetime):
    from pipelines.run.document import EXTRACTED_TABLES, DocumentResult, document_row

    row = document_row(doc_id, rel_path, None, error, ingested_at)
    return DocumentResult(doc_id, {"documents": [row], "blocks": [], **{n: [] for n in EXTRACTED_TABLES}})


def memory_error_message(memory_mb: int) -> str:
    return f"exceeded the {memory_mb} MB memory limit (doc_memory_mb)"


def timeout_message(timeout_s: float) -> str:
    return f"timed out after {timeout_s:g} s (doc_timeout_s)"


# -- in the worker ---------------------------------------------------------------------------

def _die_with(owner: int) -> None:
    """Exit when the process that owns the pool dies, even in the middle of a document.

    The forkserver is no guard: every worker holds its liveness pipe open, so it outlives
    a killed owner as long as its workers do, and PR_SET_PDEATHSIG only sees the forkserver."""
    import select

    try:
        fd = os.pidfd_open(owner)
        select.select([fd], [], [])
    except (OSError, AttributeError):  # no pidfd: poll
        while True:
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                break
            time.sleep(1)
    os.kill(os.getpid(), signal.SIGKILL)


def _init_worker(memory_mb: int, env: dict[str, str], owner: int) -> None:
    import resource

    threading.Thread(target=_die_with, args=(owner,), name="accords-owner-watch", daemon=True).start()
    if memory_mb > 0:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_mb << 20 if hard == resource.RLIM_INFINITY else min(memory_mb << 20, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    ours = {k: v for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES)}
    if ours != env:  # the forkserver started under other settings: rebuild the pipeline under these
        for k in ours:
            os.environ.pop(k)
        os.environ.update(env)
        from extractors.pipeline import default_nlp

        default_nlp.cache_clear()


def _run_job(target: str, path: str, rel_path: str, data: bytes, settings: Settings, ingested_at: datetime):
    import importlib

    module, _, name = target.partition(":")
    try:
        result = getattr(importlib.import_module(module), name)(Path(path), rel_path, data, settings, ingested_at)
    except MemoryError:
        os._exit(MEMORY_EXIT)
    error = (result.tables.get("documents") or [{}])[0].get("error") or ""
    if "MemoryError" in error or "std::bad_alloc" in error or "Cannot allocate memory" in error:
        os._exit(MEMORY_EXIT)
    return result


# -- the pool ---------------------------------------------------------------------------------

_lock = threading.Lock()
_pools: dict[tuple, ProcessPool] = {}
_users: dict[tuple, int] = {}  # calls using each pool now
_stopping = threading.Event()


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES)}


def _acquire(settings: Settings) -> tuple[tuple, ProcessPool]:
    """This process's pool for these settings, started on first use and kept for later batches;
    idle pools of other settings are stopped first, so their workers never add up."""
    env = _env()
    key = (max(1, int(settings.workers)), int(settings.doc_memory_mb), tuple(sorted(env.items())))
    with _lock:
        if _stopping.is_set():
            raise Interrupted("the run is stopping")
        pool = _pools.get(key)
        if pool is None or not pool.active:
            for other in [k for k in _pools if not _users.get(k)]:
                stale = _pools.pop(other)
                stale.stop()
                stale.join()
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["pipelines.run.warm"])
            pool = _pools[key] = ProcessPool(key[0], initializer=_init_worker, initargs=(key[1], env, os.getpid()),
                                             context=context)
        _users[key] = _users.get(key, 0) + 1
        return key, pool


def _release(key: tuple) -> None:
    with _lock:
        if _users.get(key):
            _users[key] -= 1


def shutdown(interrupt: bool = False) -> None:
    """Stop every pool and kill its workers; with interrupt, also make running calls raise Interrupted.

    Safe from a signal handler (it only flags and signals); the pools are joined by the next
    ``shutdown()`` outside one, or at exit.
    """
    if interrupt:
        _stopping.set()
    for pool in list(_pools.values()):
        pool.stop()
        for pid in list(getattr(getattr(pool._pool_manager, "worker_manager", None), "workers", {})):
            try:
                os.kill(pid, signal.SIGKILL)  # now: pebble would give a busy worker 3 s
            except OSError:
                pass
    if not interrupt:
        with _lock:
            pools = list(_pools.values())
            _pools.clear()
            _users.clear()
        for pool in pools:
            pool.join()


def reset_interrupt() -> None:
    _stopping.clear()


def _death_message(code: int | None, memory_mb: int) -> str:
    if code == MEMORY_EXIT:
        return memory_error_message(memory_mb)
    if code is not None and code < 0:
        if -code == signal.SIGKILL:
            return (f"worker process was killed (SIGKILL) while reading the document; out of memory? "
                    f"the limit is doc_memory_mb={memory_mb}")
        try:
            return f"worker process crashed ({signal.Signals(-code).name}) while reading the document"
        except ValueError:
            return f"worker process crashed (signal {-code}) while reading the document"
    return f"worker process exited unexpectedly (exit code {code}) while reading the document"


def process_in_workers(jobs: Iterable[Job], settings: Settings, ingested_at: datetime,
                       target: str = DEFAULT_TARGET) -> Iterator[tuple]:
    """Yield ``(key, DocumentResult)`` for every job ``(key, path, rel_path, data)``, in completion order.

    Jobs are pulled only when the pool can soon take them (two per worker in flight), so few
    documents' bytes are held at once; an exception from the iterable propagates.
    """
    from pipelines.run.document import doc_id_for

    key, pool = _acquire(settings)
    source, in_flight, exhausted = iter(jobs), {}, False
    stall = STARTUP_TIMEOUT_S + settings.doc_timeout_s
    last_done = time.monotonic()
    try:
        while True:
            while not exhausted and len(in_flight) < 2 * max(1, int(settings.workers)):
                job = next(source, None)
                if job is None:
                    exhausted = True
                    break
                job_key, path, rel_path, data = job
                future = pool.schedule(_run_job, args=(target, str(path), rel_path, data, settings, ingested_at),
                                       timeout=settings.doc_timeout_s)
                in_flight[future] = (job_key, rel_path, doc_id_for(data))
            if not in_flight:
                return
            done, _ = wait(in_flight, timeout=0.5, return_when=FIRST_COMPLETED)
            if _stopping.is_set():
                raise Interrupted("the run is stopping")
            if not done and not pool.active:
                raise WorkerError("the worker pool stopped")
            if not done and time.monotonic() - last_done > stall:
                raise WorkerError(f"no worker process finished a document in {stall:g} s; "
                                  f"is doc_memory_mb={settings.doc_memory_mb} too small?")
            for future in done:
                last_done = time.monotonic()
                job_key, rel_path, doc_id = in_flight.pop(future)
                try:
                    yield job_key, future.result()
                    continue
                except TimeoutError:
                    error = timeout_message(settings.doc_timeout_s)
                except ProcessExpired as exc:
                    error = _death_message(exc.exitcode, settings.doc_memory_mb)
                except CancelledError:
                    raise Interrupted("the run is stopping") from None
                except Exception as exc:  # noqa: BLE001 - a failed row, never a dead batch
                    error = f"worker error: {type(exc).__name__}: {exc}"
                yield job_key, failed_result(doc_id, rel_path, error, ingested_at)
    except RuntimeError as exc:
        if "Pool" in str(exc) and _stopping.is_set():
            raise Interrupted("the run is stopping") from None
        raise
    finally:
        for future in in_flight:
            future.cancel()
        _release(key)


def stopping() -> bool:
    return _stopping.is_set()
