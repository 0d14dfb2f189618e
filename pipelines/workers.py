"""Per-document isolation: read and extract documents in worker processes.

A parser that hangs or explodes on one hostile document (deeply nested HTML, a
PDF with huge content streams, a decompression bomb) must cost that document,
not the run.  ``process_in_workers`` hands documents one at a time to up to
``settings.workers`` worker processes and bounds each document:

* time: a worker still busy ``settings.doc_timeout_s`` after it got a document
  is killed and replaced; the document gets a failed row ("timed out after 120 s");
* memory: each worker runs under an address-space limit (``RLIMIT_AS``) of
  ``settings.doc_memory_mb``; a document that needs more fails ("exceeded the
  2048 MB memory limit") and its worker is replaced, since an allocation may
  have failed halfway through a library's state;
* crashes: a worker that dies (segfault, abort, OOM kill) is replaced and its
  document recorded as failed with the signal that ended it.

Workers are started with the ``spawn`` context (spaCy and pdfium are not
fork- or thread-safe), warm up once (imports, the spaCy pipeline) and are
reused for every document of the batch.  A worker dies with its parent
(``PR_SET_PDEATHSIG``), so killing a run never leaves workers behind.
Nothing here imports Prefect.
"""
from __future__ import annotations

import importlib
import multiprocessing as mp
import os
import signal
import time
from collections import deque
from datetime import datetime
from multiprocessing.connection import wait
from pathlib import Path
from typing import Iterable, Iterator

from pipelines.settings import Settings

# How a worker turns one document into a DocumentResult: "module:function" taking
# (path, rel_path, data, settings, ingested_at).  Tests swap in hostile stand-ins.
DEFAULT_TARGET = "pipelines.process:process_bytes"
# Importing spaCy and building the pipeline takes a few seconds; a worker that is
# not ready after this long (or after doc_timeout_s, if longer) is broken.
STARTUP_TIMEOUT_S = 120.0

Job = tuple  # (key, path, rel_path, data)


class WorkerError(RuntimeError):
    """Worker processes cannot be started; the run stops with this message."""


def failed_result(doc_id: str, rel_path: str, error: str, ingested_at: datetime):
    """A DocumentResult holding only a failed documents row."""
    from pipelines.process import EXTRACTED_TABLES, DocumentResult, document_row

    row = document_row(doc_id, rel_path, None, error, ingested_at)
    return DocumentResult(doc_id, {"documents": [row], "blocks": [], **{n: [] for n in EXTRACTED_TABLES}})


def memory_error_message(memory_mb: int) -> str:
    return f"exceeded the {memory_mb} MB memory limit (doc_memory_mb)"


def timeout_message(timeout_s: float) -> str:
    return f"timed out after {timeout_s:g} s (doc_timeout_s)"


# -- the worker process ------------------------------------------------------------------------

def _die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux only)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _limit_memory(memory_mb: int) -> None:
    import resource

    if memory_mb and memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _load(target: str):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _is_memory_error(error: str | None) -> bool:
    return bool(error) and ("MemoryError" in error or "std::bad_alloc" in error or "Cannot allocate memory" in error)


def _worker_main(conn, settings: Settings, target: str, parent_pid: int) -> None:
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before the death signal was armed
        os._exit(1)
    # Ignore Ctrl-C here: the parent decides what to do with the run.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_memory(settings.doc_memory_mb)
    try:
        func = _load(target)
        try:  # warm up once; a broken extractor is reported per document, not here
            from extractors.pipeline import default_nlp

            default_nlp()
        except Exception:
            pass
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        conn.send(("startup-failed", f"{type(exc).__name__}: {exc}", None))
        return
    conn.send(("ready", os.getpid(), None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        key, path, rel_path, data, ingested_at = message
        try:
            result = func(Path(path), rel_path, data, settings, ingested_at)
            document = result.tables.get("documents", [{}])[0] if result.tables else {}
            if _is_memory_error(document.get("error")):
                conn.send(("memory", key, None))
                return  # an allocation failed somewhere inside a library: start afresh
            del data
            conn.send(("done", key, result))
        except MemoryError:
            conn.send(("memory", key, None))
            return
        except BaseException as exc:  # noqa: BLE001 - a failed row, never a dead batch
            conn.send(("error", key, f"worker error: {type(exc).__name__}: {exc}"))


# -- the parent side -------------------------------------------------------------------------

class _Worker:
    def __init__(self, ctx, settings: Settings, target: str):
        self.conn, child_conn = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, args=(child_conn, settings, target, os.getpid()),
                                   name="accords-worker", daemon=True)
        self.process.start()
        child_conn.close()
        self.ready = False
        self.job: Job | None = None
        self.deadline = time.monotonic() + max(STARTUP_TIMEOUT_S, settings.doc_timeout_s)

    def assign(self, job: Job, settings: Settings, ingested_at: datetime) -> None:
        key, path, rel_path, data = job
        self.job = job
        self.conn.send((key, str(path), rel_path, data, ingested_at))
        self.deadline = time.monotonic() + settings.doc_timeout_s

    def stop(self, kill: bool = False) -> None:
        if not kill and self.process.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                kill = True
            self.process.join(timeout=2.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5.0)
        self.conn.close()


def _death_message(exitcode: int | None, memory_mb: int) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == signal.SIGKILL:
            return f"worker process was killed (SIGKILL, out of memory?) while reading; {memory_error_message(memory_mb)}?"
        return f"worker process crashed ({name}) while reading the document"
    return f"worker process exited unexpectedly (exit code {exitcode}) while reading the document"


def process_in_workers(jobs: Iterable[Job], settings: Settings, ingested_at: datetime,
                       target: str = DEFAULT_TARGET) -> Iterator[tuple]:
    """Yield ``(key, DocumentResult)`` for every job ``(key, path, rel_path, data)``, in completion order.

    Jobs are pulled from the iterable only when a worker can take them, so at
    most a few documents' bytes are held at once.  An exception raised by the
    iterable (e.g. a transient I/O error the caller retries) stops the workers
    and propagates.
    """
    from pipelines.process import doc_id_for

    n_workers = max(1, int(settings.workers))
    ctx = mp.get_context("spawn")
    source = iter(jobs)
    queue: deque[Job] = deque()
    workers: list[_Worker] = []
    exhausted = False

    def failed(job: Job, error: str):
        key, _path, rel_path, data = job
        return key, failed_result(doc_id_for(data), rel_path, error, ingested_at)

    try:
        while True:
            free = sum(1 for w in workers if w.job is None) + (n_workers - len(workers))
            while not exhausted and len(queue) < free:
                try:
                    queue.append(next(source))
                except StopIteration:
                    exhausted = True
            idle_or_starting = sum(1 for w in workers if w.job is None)
            while len(workers) < n_workers and len(queue) > idle_or_starting:
                workers.append(_Worker(ctx, settings, target))
                idle_or_starting += 1
            for w in workers:
                if queue and w.ready and w.job is None:
                    w.assign(queue.popleft(), settings, ingested_at)
            if exhausted and not queue and not any(w.job for w in workers):
                return

            now = time.monotonic()
            timeout = max(0.0, min(w.deadline for w in workers) - now) if workers else None
            waitables = [w.conn for w in workers] + [w.process.sentinel for w in workers]
            ready = set(wait(waitables, timeout=timeout))
            now = time.monotonic()
            for w in list(workers):
                message = None
                if w.conn in ready:
                    try:
                        message = w.conn.recv()
                    except (EOFError, OSError):
                        message = ("died", None, None)
                elif w.process.sentinel in ready:
                    message = ("died", None, None)
                elif now >= w.deadline:
                    message = ("timeout", None, None)
                if message is None:
                    continue
                kind, key, payload = message
                if kind == "ready":
                    w.ready = True
                    w.deadline = float("inf")
                    continue
                if kind == "done":
                    w.job, w.deadline = None, float("inf")
                    yield key, payload
                    continue
                if kind == "error":
                    job, w.job, w.deadline = w.job, None, float("inf")
                    yield failed(job, payload)
                    continue
                # The worker is gone or must go: replace it.
                job = w.job
                if kind in ("died", "memory"):
                    w.process.join(timeout=0.5)
                exitcode = w.process.exitcode
                w.stop(kill=True)
                workers.remove(w)
                if job is None:
                    if kind == "startup-failed":
                        raise WorkerError(f"a worker process could not start: {key}")
                    if kind == "timeout":
                        raise WorkerError("a worker process did not start within "
                                          f"{max(STARTUP_TIMEOUT_S, settings.doc_timeout_s):g} s")
                    raise WorkerError("a worker process died while starting "
                                      f"({_death_message(exitcode, settings.doc_memory_mb)}); "
                                      f"is doc_memory_mb={settings.doc_memory_mb} too small?")
                if kind == "timeout":
                    yield failed(job, timeout_message(settings.doc_timeout_s))
                elif kind == "memory":
                    yield failed(job, memory_error_message(settings.doc_memory_mb))
                else:
                    yield failed(job, _death_message(exitcode, settings.doc_memory_mb))
    finally:
        for w in workers:
            w.stop(kill=w.job is not None)
