"""`accords watch`: run the flow whenever files in raw/ settle after a change.

Changes come from watchfiles (inotify on Linux).  An inotify watch follows the folder's
inode, so a raw/ that is deleted and made again, or renamed away and replaced (rsync, a
deploy swapping folders), would leave the watcher listening to a folder nobody writes:
every tick compares raw/'s inode with the one being watched and, when they differ,
starts over on the new folder and runs.  A run that finds the store locked (a manual
``accords run`` holding ``processed/.lock``) is retried once the folder is quiet again,
instead of ending the watch.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import watchfiles

# How often, at most, the loop wakes up without changes: to check raw/'s identity and the debounce.
TICK_S = 0.25


class WatchError(Exception):
    """The folder cannot be watched; the message says why."""


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(folder)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if os.path.isdir(folder) else None


def _runner(raw_dir: Path, processed_dir: Path, use_prefect: bool):
    if use_prefect:
        from pipelines.flows.ingest import ingest

        def run_once():
            return ingest(raw_dir=str(raw_dir), processed_dir=str(processed_dir))
    else:
        from pipelines.run.execute import run_pipeline

        def run_once():
            return run_pipeline(raw_dir, processed_dir).__dict__
    return run_once


def _report(summary: dict) -> None:
    counts = " ".join(f"{k}={summary.get(k)}" for k in
                      ("seen", "new", "changed", "unchanged", "reextracted", "deleted", "failed"))
    print(f"run: {counts} committed={summary.get('committed')}", flush=True)
    for failure in summary.get("failures") or []:
        print(f"  failed: {failure['path']}: {failure['error']}", flush=True)


def watch(raw_dir: Path, processed_dir: Path, debounce_s: float = 2.0, use_prefect: bool = True,
          stop: threading.Event | None = None, run_first: bool = True, run_once=None) -> None:
    """Block, running one incremental run per burst of changes, until ``stop`` is set (or Ctrl-C).

    ``run_once() -> summary dict`` replaces the run (tests); by default the Prefect flow,
    or the same steps without Prefect.
    """
    from pipelines.tables.store import Store, StoreError, StoreLocked

    raw_dir, processed_dir = Path(raw_dir), Path(processed_dir)
    if _identity(raw_dir) is None:
        raise WatchError(f"raw folder {raw_dir} does not exist or is not a folder")
    run_once = run_once or _runner(raw_dir, processed_dir, use_prefect)
    stop = stop or threading.Event()
    pending = run_first
    last_change = float("-inf")
    print(f"watching {raw_dir} (Ctrl-C to stop)", flush=True)

    def try_run() -> bool:
        """One run; False when it must be retried (the store is locked)."""
        try:
            # Probe first: a flow that meets the lock fails with a logged traceback, a probe does not.
            with Store(processed_dir).lock(timeout_s=0):
                pass
            _report(run_once())
        except StoreLocked as exc:
            print(f"waiting: {exc}", flush=True)
            return False
        except StoreError as exc:  # disk full, read-only: the next change tries again
            print(f"run failed: {exc}", flush=True)
        return True

    try:
        while not stop.is_set():
            identity = _identity(raw_dir)
            if identity is None:  # being replaced: wait for the new folder
                stop.wait(TICK_S)
                continue
            try:
                for changes in watchfiles.watch(raw_dir, stop_event=stop, yield_on_timeout=True,
                                                rust_timeout=int(TICK_S * 1000), debounce=int(TICK_S * 1000),
                                                step=50, recursive=True, raise_interrupt=True,
                                                ignore_permission_denied=True):
                    now = time.monotonic()
                    if changes:
                        pending, last_change = True, now
                    if _identity(raw_dir) != identity:
                        pending, last_change = True, now
                        print(f"{raw_dir} was replaced; watching the new folder", flush=True)
                        break
                    if pending and now - last_change >= debounce_s:
                        if try_run():
                            pending = False
                        else:
                            last_change = time.monotonic()  # retry after another quiet period
            except OSError:  # raw/ vanished between the check and the watch: look again
                pending, last_change = True, time.monotonic()
                stop.wait(TICK_S)
    except KeyboardInterrupt:
        pass
