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

Workers are forked from a *zygote*: a fresh interpreter (``python -m
pipelines.workers``, so nothing is inherited from a threaded parent; spaCy and
pdfium are not fork- or thread-safe once running) that imports the readers and
builds the spaCy pipeline once, then forks one single-threaded worker per
request in milliseconds.  Workers are reused for every document of the batch,
and a replaced worker costs no new spaCy start-up.  Each process dies with its
parent (``PR_SET_PDEATHSIG``): killing a run never leaves workers behind.
Nothing here imports Prefect.
"""
from __future__ import annotations

import importlib
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


def _worker_loop(conn, func, settings: Settings) -> None:
    """One worker: documents in, DocumentResults out, until told to stop or the pipe closes."""
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
            del data
            document = result.tables.get("documents", [{}])[0] if result.tables else {}
            if _is_memory_error(document.get("error")):
                conn.send(("memory", key, None))
                return  # an allocation failed somewhere inside a library: start afresh
            conn.send(("done", key, result))
        except MemoryError:
            conn.send(("memory", key, None))
            return
        except BaseException as exc:  # noqa: BLE001 - a failed row, never a dead batch
            conn.send(("error", key, f"worker error: {type(exc).__name__}: {exc}"))


def _zygote_main(ctrl_fd: int, target: str, versions: str = "") -> None:
    """``python -m pipelines.workers``: import and warm up once, then fork a worker per request.

    Forking a warmed-up, single-threaded process costs milliseconds, where a fresh
    interpreter needs seconds to import spaCy and build the pipeline; so replacing a
    worker that hung or blew its memory limit is cheap.
    """
    import pickle
    import socket
    from multiprocessing.connection import Connection

    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ctrl = socket.socket(fileno=ctrl_fd)
    if versions:
        # Rows carry the parent's code fingerprint, so the parent's "already done?" check
        # agrees with what the workers wrote even if files change under a running run.
        from pipelines import fingerprint

        reader, extractor = versions.split("+", 1)
        fingerprint.reader_version = lambda: reader
        fingerprint.extractor_version = lambda: extractor
    try:
        func = _load(target)
        try:  # warm up; a broken extractor is reported per document, not here
            from extractors.pipeline import default_nlp

            default_nlp()
        except Exception:
            pass
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        ctrl.send(pickle.dumps(("startup-failed", f"{type(exc).__name__}: {exc}")))
        return
    ctrl.send(pickle.dumps(("ready", os.getpid())))
    children: set[int] = set()
    try:
        while True:
            message, fds, _, _ = socket.recv_fds(ctrl, 1 << 16, 1)
            if not message:
                return  # the parent is gone or done
            request = pickle.loads(message)
            if request[0] == "fork":
                settings = request[1]
                pid = os.fork()
                if pid == 0:  # the worker
                    try:
                        ctrl.close()
                        _die_with_parent()
                        _limit_memory(settings.doc_memory_mb)
                        _worker_loop(Connection(fds[0]), func, settings)
                    finally:
                        os._exit(0)
                os.close(fds[0])
                children.add(pid)
                ctrl.send(pickle.dumps(("pid", pid)))
            elif request[0] == "status":
                pid = request[1]
                code = None
                if pid in children:
                    _, status = os.waitpid(pid, 0)
                    children.discard(pid)
                    code = os.waitstatus_to_exitcode(status)
                ctrl.send(pickle.dumps(("status", code)))
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass


# -- the parent side -------------------------------------------------------------------------

class _Zygote:
    """The parent's handle on the zygote process that forks workers."""

    def __init__(self, target: str, settings: Settings):
        import pickle
        import socket
        import subprocess
        import sys

        from pipelines import fingerprint

        self._pickle = pickle
        versions = f"{fingerprint.reader_version()}+{fingerprint.extractor_version()}"
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.workers", str(theirs.fileno()), target, versions],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env, close_fds=True,
        )
        theirs.close()
        self.ctrl = ours
        self.ctrl.settimeout(max(STARTUP_TIMEOUT_S, settings.doc_timeout_s))
        try:
            reply = self._receive()
        except (TimeoutError, OSError, EOFError) as exc:
            self.close()
            raise WorkerError(f"the worker process did not start: {exc or type(exc).__name__}") from None
        if reply[0] != "ready":
            self.close()
            raise WorkerError(f"the worker process could not start: {reply[1]}")

    def _receive(self):
        data = self.ctrl.recv(1 << 16)
        if not data:
            code = self.process.poll()
            raise EOFError(f"it exited with code {code}" if code is not None else "it closed its pipe")
        return self._pickle.loads(data)

    def fork(self, settings: Settings):
        import socket
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            socket.send_fds(self.ctrl, [self._pickle.dumps(("fork", settings))], [theirs.fileno()])
            theirs.close()
            kind, pid = self._receive()
        except (OSError, EOFError) as exc:
            ours.close()
            raise WorkerError(f"cannot start a worker process: {exc}") from None
        conn = Connection(ours.detach())
        return pid, conn

    def status(self, pid: int) -> int | None:
        """Reap a dead (or killed) worker; its exit code, negative for a signal."""
        try:
            self.ctrl.send(self._pickle.dumps(("status", pid)))
            return self._receive()[1]
        except (OSError, EOFError):
            return None

    def close(self) -> None:
        self.ctrl.close()
        try:
            self.process.wait(timeout=5)
        except Exception:
            self.process.kill()
            self.process.wait()


class _Worker:
    def __init__(self, zygote: _Zygote, settings: Settings):
        self.zygote = zygote
        self.pid, self.conn = zygote.fork(settings)
        self.ready = False
        self.job: Job | None = None
        self.deadline = time.monotonic() + max(STARTUP_TIMEOUT_S, settings.doc_timeout_s)
        self.exitcode: int | None = None

    def assign(self, job: Job, settings: Settings, ingested_at: datetime) -> None:
        key, path, rel_path, data = job
        self.job = job
        self.conn.send((key, str(path), rel_path, data, ingested_at))
        self.deadline = time.monotonic() + settings.doc_timeout_s

    def stop(self, kill: bool = False) -> None:
        if kill:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.conn.close()
        self.exitcode = self.zygote.status(self.pid)


def _death_message(exitcode: int | None, memory_mb: int) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == signal.SIGKILL:
            return (f"worker process was killed (SIGKILL) while reading the document; out of memory? "
                    f"the limit is doc_memory_mb={memory_mb}")
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
    zygote: _Zygote | None = None
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
                zygote = zygote or _Zygote(target, settings)
                workers.append(_Worker(zygote, settings))
                idle_or_starting += 1
            for w in workers:
                if queue and w.ready and w.job is None:
                    w.assign(queue.popleft(), settings, ingested_at)
            if exhausted and not queue and not any(w.job for w in workers):
                return

            now = time.monotonic()
            timeout = max(0.0, min(w.deadline for w in workers) - now) if workers else None
            ready = set(wait([w.conn for w in workers], timeout=timeout))
            now = time.monotonic()
            for w in list(workers):
                message = None
                if w.conn in ready:
                    try:
                        message = w.conn.recv()
                    except (EOFError, OSError):
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
                w.stop(kill=kind in ("timeout", "memory"))
                exitcode = w.exitcode
                workers.remove(w)
                if job is None:
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
        if zygote is not None:
            zygote.close()


if __name__ == "__main__":
    import sys

    _zygote_main(int(sys.argv[1]), sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "")
