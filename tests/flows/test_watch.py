"""`accords watch`: keeps running through a run that holds the store's lock and through raw/ being replaced."""
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from pipelines.flows.watch import WatchError, watch
from pipelines.tables.store import Store, StoreLocked

PROSE = ("Japan and Canada signed a Memorandum of Cooperation on clean energy on 4 March 2025. "
         "Both sides will hold an annual dialogue on critical minerals.\n")


def wait_until(condition, what: str, within_s: float = 60.0) -> None:
    """Poll for a condition; the bound only keeps a broken watcher from hanging the suite."""
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


class Watcher:
    """watch() in a thread with a run that records what raw/ held each time it ran."""

    def __init__(self, raw: Path, processed: Path, run_once=None, debounce_s: float = 0.2):
        self.runs: list[list[str]] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.raw = raw
        self._run = run_once

        def record():
            summary = self._run() if self._run else {"committed": False}
            self.runs.append(sorted(p.name for p in raw.iterdir()))
            return summary

        def target():
            try:
                watch(raw, processed, debounce_s=debounce_s, use_prefect=False, stop=self.stop, run_once=record)
            except BaseException as exc:  # noqa: BLE001 - the test reports it
                self.errors.append(exc)

        self.thread = threading.Thread(target=target, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(30)
        assert not self.thread.is_alive(), "watch did not stop"
        assert not self.errors, self.errors


def test_a_replaced_raw_folder_is_watched_again(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(PROSE)
    with Watcher(raw, tmp_path / "processed") as w:
        wait_until(lambda: len(w.runs) == 1, "the first run")
        # Deleted and made again (as `rm -rf raw && cp -r new raw` does): the old inotify watch is dead.
        shutil.rmtree(raw)
        raw.mkdir()
        (raw / "b.txt").write_text(PROSE)
        wait_until(lambda: w.runs[-1] == ["b.txt"], "a run on the new folder")
        # Renamed away and replaced, without a single event in the watched folder.
        os.rename(raw, tmp_path / "raw.old")
        fresh = tmp_path / "raw.new"
        fresh.mkdir()
        (fresh / "c.txt").write_text(PROSE)
        os.rename(fresh, raw)
        wait_until(lambda: w.runs[-1] == ["c.txt"], "a run on the folder swapped in")
        # And the replacement is watched: a file dropped later triggers a run too.
        n = len(w.runs)
        (raw / "d.txt").write_text(PROSE)
        wait_until(lambda: len(w.runs) > n and w.runs[-1] == ["c.txt", "d.txt"], "a run for a file dropped later")


def test_a_manual_run_holding_the_lock_is_waited_for_not_fatal(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ACCORDS_WORKERS", "0")
    from pipelines.run.execute import run_pipeline

    raw, processed = tmp_path / "raw", tmp_path / "processed"
    raw.mkdir()
    (raw / "a.txt").write_text(PROSE)
    printed = []

    def output() -> str:
        printed.append(capsys.readouterr().out)
        return "".join(printed)

    held, release = threading.Event(), threading.Event()

    def manual_run():  # another process's `accords run`, as far as the lock can tell
        with Store(processed).lock():
            held.set()
            release.wait(60)

    holder = threading.Thread(target=manual_run)
    holder.start()
    held.wait(10)
    try:
        with Watcher(raw, processed, run_once=lambda: run_pipeline(raw, processed).__dict__) as w:
            wait_until(lambda: output().count("another accords run is writing") >= 2,
                       "the watcher to retry the locked store")
            assert w.runs == [] and not w.errors and w.thread.is_alive()
            release.set()
            wait_until(lambda: len(w.runs) == 1, "the run once the lock is free")
            assert Store(processed).current is not None
            (raw / "b.txt").write_text(PROSE)
            wait_until(lambda: len(w.runs) == 2, "the next run after a change")
    finally:
        release.set()
        holder.join(10)
    assert "new=1" in output()


def test_watch_refuses_a_missing_folder(tmp_path):
    with pytest.raises(WatchError, match="does not exist"):
        watch(tmp_path / "nowhere", tmp_path / "processed", use_prefect=False, stop=threading.Event())


def test_a_failed_document_is_named_in_the_watch_output(tmp_path, monkeypatch, capsys):
    def run_once():
        return {"seen": 2, "new": 2, "failed": 1, "committed": True,
                "failures": [{"path": "broken.pdf", "error": "damaged or truncated PDF"}]}

    raw = tmp_path / "raw"
    raw.mkdir()
    with Watcher(raw, tmp_path / "processed", run_once=run_once) as w:
        wait_until(lambda: len(w.runs) == 1, "the first run")
    assert "failed: broken.pdf: damaged or truncated PDF" in capsys.readouterr().out


def test_store_locked_is_what_a_second_writer_gets(tmp_path):
    # The watcher's retry relies on this: a held lock refuses with StoreLocked, not a bare error.
    with Store(tmp_path).lock():
        with pytest.raises(StoreLocked):
            with Store(tmp_path).lock(timeout_s=0):
                pass
