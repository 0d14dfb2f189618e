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
pipelines.run.isolation``, so nothing is inherited from a threaded parent; spaCy and
pdfium are not fork- or thread-safe once running) that imports the readers and
builds the spaCy pipeline once, then forks one single-threaded worker per
request in milliseconds.  Workers are reused for every document of the batch,
and a replaced worker costs no new spaCy start-up.  Each process dies with its
parent (``PR_SET_PDEATHSIG``): killing a run never leaves workers behind.

The zygote outlives the call: when ``process_in_workers`` is done it goes back
to a small pool of idle zygotes of this process (at most ``MAX_IDLE_ZYGOTES``,
keyed by everything fixed when the zygote started: target, code versions,
interpreter, ``sys.path``, working directory and the environment variables its
code reads), so the next call (the next Prefect task in a thread, the next task
on a Dask worker) forks its workers at once instead of paying the start-up
again.  A call checks a zygote out for itself (threads never share a control
pipe), a dead or broken one is never reused, and a stale one whose fork fails
is replaced transparently.  Zygotes are started from one long-lived daemon
thread, since ``PR_SET_PDEATHSIG`` fires when the *thread* that started the
process exits, and a pooled zygote must outlive the task thread that started it.
Idle zygotes are closed at exit or by ``close_idle_zygotes()``; a forked child
process forgets its parent's pool and starts its own.  Workers themselves are
not pooled: they are stopped at the end of every call.
Nothing here imports Prefect.
"""
from __future__ import annotations

import atexit
import importlib
import os
import queue
import signal
import sys
import threading
import time
import weakref
from collections import deque
from concurrent.futures import Future
from datetime import datetime
from multiprocessing.connection import wait
from pathlib import Path
from typing import Iterable, Iterator

from pipelines.settings import Settings

# How a worker turns one document into a DocumentResult: "module:function" taking
# (path, rel_path, data, settings, ingested_at).  Tests swap in hostile stand-ins.
DEFAULT_TARGET = "pipelines.run.document:process_bytes"
# Importing spaCy and building the pipeline takes a few seconds; a worker that is
# not ready after this long (or after doc_timeout_s, if longer) is broken.
STARTUP_TIMEOUT_S = 120.0
# Idle zygotes kept for later calls in this process (each holds a built spaCy pipeline);
# 0 closes every zygote at the end of its call, as before pooling.
MAX_IDLE_ZYGOTES = 4
# Environment variables that change what a zygote computes (ACCORDS_* settings are read
# when the spaCy pipeline is built); a zygote is only reused under the same values.
_ZYGOTE_ENV_PREFIXES = ("ACCORDS_", "PYTHON", "SOURCE_DATE_EPOCH", "TZ", "LANG", "LC_")

Job = tuple  # (key, path, rel_path, data)


class WorkerError(RuntimeError):
    """Worker processes cannot be started; the run stops with this message."""


def failed_result(doc_id: str, rel_path: str, error: str, ingested_at: datetime):
    """A DocumentResult holding only a failed documents row."""
    from pipelines.run.document import EXTRACTED_TABLES, DocumentResult, document_row

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
    """``python -m pipelines.run.isolation``: import and warm up once, then fork a worker per request.

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
        from pipelines.run import fingerprint

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

def _zygote_key(target: str) -> tuple:
    """Everything fixed when a zygote starts: a pooled zygote is reused only under the same."""
    from pipelines.run import fingerprint

    try:
        cwd = os.getcwd()
    except OSError:
        cwd = ""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(_ZYGOTE_ENV_PREFIXES)))
    versions = f"{fingerprint.reader_version()}+{fingerprint.extractor_version()}"
    pythonpath = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
    return target, versions, sys.executable, pythonpath, cwd, env


class _Zygote:
    """The parent's handle on the zygote process that forks workers."""

    def __init__(self, target: str, settings: Settings, key: tuple | None = None):
        import pickle
        import socket
        import subprocess

        self._pickle = pickle
        self.key = key or _zygote_key(target)
        self.owner = os.getpid()
        self.broken = False  # a control exchange failed: never reuse
        self.reused = False  # checked out of the idle pool, i.e. started by an earlier call
        target, versions, executable, pythonpath = self.key[:4]
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {**os.environ, "PYTHONPATH": pythonpath}
        try:
            self.process = _start_process(
                [executable, "-m", "pipelines.run.isolation", str(theirs.fileno()), target, versions],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env, close_fds=True,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        with _pool_lock:
            _live.add(self)
        self.ctrl = ours
        self.ctrl.settimeout(max(STARTUP_TIMEOUT_S, settings.doc_timeout_s))
        try:
            reply = self._receive()
        except (TimeoutError, OSError, EOFError) as exc:
            self.close()
            raise WorkerError(f"the worker process did not start: {exc or type(exc).__name__}") from None
        except BaseException:
            self.close()
            raise
        if reply[0] != "ready":
            self.close()
            raise WorkerError(f"the worker process could not start: {reply[1]}")

    def _receive(self):
        data = self.ctrl.recv(1 << 16)
        if not data:
            code = self.process.poll()
            raise EOFError(f"it exited with code {code}" if code is not None else "it closed its pipe")
        return self._pickle.loads(data)

    def alive(self) -> bool:
        return not self.broken and self.owner == os.getpid() and self.process.poll() is None

    def fork(self, settings: Settings):
        import socket
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            socket.send_fds(self.ctrl, [self._pickle.dumps(("fork", settings))], [theirs.fileno()])
            theirs.close()
            kind, pid = self._receive()
        except BaseException as exc:
            self.broken = True  # a reply may still be on its way: the pipe is out of step
            ours.close()
            theirs.close()
            if isinstance(exc, (OSError, EOFError)):
                raise WorkerError(f"cannot start a worker process: {exc}") from None
            raise
        conn = Connection(ours.detach())
        return pid, conn

    def status(self, pid: int) -> int | None:
        """Reap a dead (or killed) worker; its exit code, negative for a signal."""
        try:
            self.ctrl.send(self._pickle.dumps(("status", pid)))
            return self._receive()[1]
        except (OSError, EOFError):
            self.broken = True
            return None
        except BaseException:
            self.broken = True
            raise

    def close(self) -> None:
        self.broken = True
        with _pool_lock:
            _live.discard(self)
        self.ctrl.close()
        if self.owner != os.getpid():
            return  # a forked child's copy: the process is not ours to wait for
        try:
            self.process.wait(timeout=5)
        except Exception:
            self.process.kill()
            self.process.wait()


# -- the pool of idle zygotes ----------------------------------------------------------------------

_pool_lock = threading.Lock()
_idle: list[_Zygote] = []  # oldest first
_live: "weakref.WeakSet[_Zygote]" = weakref.WeakSet()  # every open handle, idle or in use
_starter: "_Starter | None" = None


class _Starter:
    """One long-lived daemon thread that starts every zygote process.

    The kernel sends ``PR_SET_PDEATHSIG`` when the *thread* that started a process
    exits, not the whole process: a zygote started from a Prefect or Dask task
    thread would be killed when that thread ends, even while another thread uses
    it from the pool.  This thread lives as long as the process.
    """

    def __init__(self):
        self.requests: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, name="accords-zygote-starter", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            future, func, args, kwargs = self.requests.get()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(func(*args, **kwargs))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    future.set_exception(exc)

    def call(self, func, *args, **kwargs):
        future: Future = Future()
        self.requests.put((future, func, args, kwargs))
        try:
            return future.result()
        except BaseException:
            # Interrupted while waiting: do not leave the process behind.
            future.add_done_callback(lambda f: f.exception() is None and (f.result().kill(), f.result().wait()))
            raise


def _start_process(*args, **kwargs):
    import subprocess

    global _starter
    with _pool_lock:
        if _starter is None or not _starter.thread.is_alive():
            _starter = _Starter()
        starter = _starter
    return starter.call(subprocess.Popen, *args, **kwargs)


def _checkout(target: str, settings: Settings) -> _Zygote:
    """An idle zygote of the same configuration, for this caller alone; else a new one."""
    key = _zygote_key(target)
    found: _Zygote | None = None
    dead: list[_Zygote] = []
    with _pool_lock:
        for i in range(len(_idle) - 1, -1, -1):  # the most recently used first
            zygote = _idle[i]
            if not zygote.alive():
                dead.append(_idle.pop(i))
            elif found is None and zygote.key == key:
                found = _idle.pop(i)
    for zygote in dead:
        zygote.close()
    if found is None:
        return _Zygote(target, settings, key)
    found.reused = True
    found.ctrl.settimeout(max(STARTUP_TIMEOUT_S, settings.doc_timeout_s))
    return found


def _checkin(zygote: _Zygote, reusable: bool) -> None:
    """Back to the idle pool (all its workers are stopped and reaped), or closed."""
    closing = [zygote]
    if reusable and zygote.alive() and MAX_IDLE_ZYGOTES > 0:
        with _pool_lock:
            _idle.append(zygote)
            closing = [_idle.pop(0) for _ in range(max(0, len(_idle) - MAX_IDLE_ZYGOTES))]
    for z in closing:
        z.close()


def close_idle_zygotes() -> int:
    """Close every idle zygote of this process (zygotes in use are closed when their call ends).

    Returns how many were closed.  Runs at interpreter exit; tests call it to start afresh.
    """
    with _pool_lock:
        idle = list(_idle)
        _idle.clear()
    for zygote in idle:
        zygote.close()
    return len(idle)


def _forget_zygotes_in_child() -> None:
    """After ``os.fork()``: the parent's zygotes are not this child's; it starts its own.

    Closing the inherited control sockets (this process's copies only) keeps a child
    from talking to the parent's zygotes and lets the parent's close reach them.
    """
    global _pool_lock, _starter
    _pool_lock = threading.Lock()  # another thread may have held it at the fork
    _starter = None  # its thread does not exist in the child
    _idle.clear()
    try:
        handles = list(_live)
    except Exception:  # noqa: BLE001 - a set mutated by a thread that is gone
        handles = []
    for zygote in handles:
        zygote.broken = True
        try:
            zygote.ctrl.close()
        except OSError:
            pass
    _live.clear()


atexit.register(close_idle_zygotes)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_zygotes_in_child)


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
    from pipelines.run.document import doc_id_for

    n_workers = max(1, int(settings.workers))
    zygote: _Zygote | None = None  # checked out of the idle pool for this call alone
    forked = False  # has this call forked a worker from ``zygote`` yet?
    source = iter(jobs)
    queue: deque[Job] = deque()
    workers: list[_Worker] = []
    exhausted = False

    def start_worker() -> _Worker:
        nonlocal zygote, forked
        if zygote is None:
            zygote = _checkout(target, settings)
        try:
            worker = _Worker(zygote, settings)
        except WorkerError:
            if forked or not zygote.reused:
                raise
            # An idle zygote from an earlier call that can no longer fork: start a new one.
            stale, zygote = zygote, None
            stale.close()
            zygote = _Zygote(target, settings)
            worker = _Worker(zygote, settings)
        forked = True
        return worker

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
                workers.append(start_worker())
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
        stopped = False
        try:
            for w in workers:
                w.stop(kill=w.job is not None)
            stopped = True
        finally:
            if zygote is not None:  # every worker reaped: the zygote is as it started
                _checkin(zygote, reusable=stopped)


if __name__ == "__main__":
    _zygote_main(int(sys.argv[1]), sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "")
