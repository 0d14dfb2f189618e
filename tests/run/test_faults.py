"""Faults (issue 8): kills at any moment, two runs at once, stale locks, runaway documents, full or
read-only disks.  Every test attacks the real code and is bounded in trials and time."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from helpers import hostile
from pipelines.tables import store as store_module
from pipelines.run.execute import run_pipeline
from pipelines.tables.schema import TABLES
from pipelines.settings import get_settings
from pipelines.tables.store import Store, StoreError, StoreLocked, digest, entry_digest
from pipelines.run.isolation import process_in_workers

from helpers.paths import REPO  # noqa: E402
KILL_TRIALS = 5
KILL_SEED = 8


# -- helpers -------------------------------------------------------------------------------------

def write_doc(raw: Path, i: int, version: int = 0) -> None:
    text = hostile.PROSE.replace("Canada", f"Canada (item {i}.{version})").replace("2030", str(2030 + i))
    (raw / f"doc-{i:03d}.txt").write_text(text + f"\n{i}. The parties will meet again in {2026 + version}.\n")


def make_raw(root: Path, n: int) -> Path:
    raw = root / "raw"
    raw.mkdir(parents=True)
    for i in range(n):
        write_doc(raw, i)
    return raw


def assert_consistent(processed: Path) -> dict | None:
    """Every table readable and all from the one manifest that ``current`` points to."""
    store = Store(processed)
    if store.current is None:
        # Nothing was ever committed: no table may be visible.
        assert not any((processed / f"{n}.parquet").exists() for n in TABLES)
        return None
    manifest = store.manifest()
    for name in TABLES:
        path = processed / f"{name}.parquet"
        assert digest(path) == entry_digest(manifest["tables"][name]), f"{name} is not from the current manifest"
        table = pq.read_table(path)
        assert table.num_rows == manifest["tables"][name]["rows"], name
        assert table.schema.equals(TABLES[name].schema, check_metadata=False), name
    return manifest


def assert_complete(raw: Path, processed: Path) -> None:
    """Exactly one documents row per file, nothing missing, nothing doubled, no orphans."""
    assert_consistent(processed)
    names = sorted(p.name for p in raw.iterdir())
    files = pq.read_table(processed / "files.parquet").to_pylist()
    assert sorted(f["path"] for f in files) == names
    docs = pq.read_table(processed / "documents.parquet").to_pylist()
    ids = [d["doc_id"] for d in docs]
    assert len(ids) == len(set(ids)) == len(names), "duplicate or missing documents rows"
    assert {f["doc_id"] for f in files} == set(ids)
    for f in files:
        assert f["doc_id"] == hashlib.sha256((raw / f["path"]).read_bytes()).hexdigest()[:16], f["path"]
    for name in ("blocks", "entities", "dates", "commitments", "agreement_mentions"):
        orphans = set(pq.read_table(processed / f"{name}.parquet", columns=["doc_id"])["doc_id"].to_pylist()) - set(ids)
        assert not orphans, name
    blocks = pq.read_table(processed / "blocks.parquet", columns=["doc_id", "block_id"]).to_pylist()
    assert len(blocks) == len({(b["doc_id"], b["block_id"]) for b in blocks}), "duplicate blocks"


def cli(raw: Path, processed: Path, **env) -> subprocess.Popen:
    environment = {**os.environ, "ACCORDS_WORKERS": "1", "PYTHONUNBUFFERED": "1",
                   **{k: str(v) for k, v in env.items()}}
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", "--no-prefect", "--json", "--raw", str(raw),
         "--processed", str(processed)],
        cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )


def group_gone(pgid: int, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


# -- SIGKILL at random moments --------------------------------------------------------------------

@pytest.mark.slow
def test_sigkill_at_random_moments_never_leaves_mixed_or_broken_tables(tmp_path):
    rng = random.Random(KILL_SEED)
    raw, processed = make_raw(tmp_path, 6), tmp_path / "processed"
    started = time.monotonic()
    first = cli(raw, processed)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    full_run_s = time.monotonic() - started
    assert_complete(raw, processed)

    killed_at = []
    versions_seen = set()
    for trial in range(KILL_TRIALS):
        # Give every run real work: a new file, a changed file, and now and then a deleted one.
        write_doc(raw, 100 + trial)
        write_doc(raw, rng.randrange(6), version=trial + 1)
        if trial % 3 == 2:
            victims = sorted(raw.iterdir())
            victims[rng.randrange(len(victims))].unlink()
        before = Store(processed).manifest()
        delay = rng.uniform(0.5, full_run_s)
        child = cli(raw, processed)
        time.sleep(delay)
        finished = child.poll() is not None
        if not finished:
            os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=30)
        killed_at.append((round(delay, 2), "finished" if finished else "killed"))
        # The run's worker processes die with it (PR_SET_PDEATHSIG): nothing keeps writing.
        assert group_gone(child.pid), "a worker outlived the killed run"
        after = assert_consistent(processed)
        assert after == before or after["tables"] != before["tables"]
        versions_seen.add(os.readlink(processed / "current"))
        if trial == KILL_TRIALS // 2 - 1 or trial == KILL_TRIALS - 1:
            # The next run finishes the work: no duplicates, no gaps.
            rerun = cli(raw, processed)
            _, err = rerun.communicate(timeout=120)
            assert rerun.returncode == 0, err
            assert_complete(raw, processed)
    assert any(state == "killed" for _, state in killed_at), killed_at
    assert len([p for p in (processed / "versions").iterdir() if p.name.isdigit()]) <= store_module.KEEP_VERSIONS + 1


def _tables(tag: str) -> dict[str, list[dict]]:
    tables = {name: [] for name in TABLES}
    tables["files"] = [{"path": f"{tag}-{i}.txt", "doc_id": f"{tag}{i:015d}"[:16], "size": i, "mtime_ns": i,
                       "ctime_ns": i, "inode": i, "attempts": 0}
                       for i in range(50)]
    return tables


KILL_POINTS = (
    [("write_parquet", k) for k in (1, 2, 5, len(TABLES))]
    + [("_sync_tree", 1), ("_sync_tree-after", 1), ("_fsync_dir", 1), ("rename", 1), ("rename-after", 1), ("replace", 1), ("replace-after", 1),
       ("symlink", 1), ("_garbage_collect", 1), ("rmtree-after", 1)]
)


def _commit_and_die(processed: Path, point: str, nth: int, tables: dict) -> None:
    """In a forked child: commit, SIGKILLing ourselves at ``point`` (the nth call)."""
    calls = {"n": 0}

    def die_at(original, after=False):
        def wrapper(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == nth and not after:
                os.kill(os.getpid(), signal.SIGKILL)
            result = original(*args, **kwargs)
            if calls["n"] == nth and after:
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        return wrapper

    name, after = point.removesuffix("-after"), point.endswith("-after")
    if name in ("write_parquet", "_sync_tree", "_fsync_dir"):
        setattr(store_module, name, die_at(getattr(store_module, name), after))
    elif name == "_garbage_collect":
        Store._garbage_collect = die_at(Store._garbage_collect, after)
    elif name == "rmtree":
        store_module.shutil.rmtree = die_at(shutil.rmtree, after)
    else:
        setattr(store_module.os, name, die_at(getattr(os, name), after))
    store = Store(processed)
    with store.lock():
        store.commit(tables)
    os._exit(0)


def test_sigkill_at_every_step_of_a_commit_keeps_one_complete_version(tmp_path):
    processed = tmp_path / "processed"
    store = Store(processed)
    # Enough versions that garbage collection has old ones to remove.
    for v in range(store_module.KEEP_VERSIONS):
        store.commit(_tables(f"v{v}"))
    for i, (point, nth) in enumerate(KILL_POINTS):
        before = assert_consistent(processed)
        new_tables = _tables(f"k{i}")
        pid = os.fork()
        if pid == 0:
            try:
                _commit_and_die(processed, point, nth, new_tables)
            finally:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (point, status)
        after = assert_consistent(processed)
        rows = [r["path"] for r in Store(processed).read_rows("files")]
        if after == before:
            assert rows[0].startswith(("v", "k")) and not rows[0].startswith(f"k{i}-")
        else:  # killed after the swap: the new version is complete
            assert rows == sorted(r["path"] for r in new_tables["files"]), point
        with Store(processed).lock(timeout_s=1):  # the dead holder's lock is gone
            pass
    # The next commit cleans up after the dead ones and lands.
    final = Store(processed).commit(_tables("final"))
    assert_consistent(processed)
    assert [r["path"] for r in Store(processed).read_rows("files")][0].startswith("final-")
    versions = processed / "versions"
    assert not list(versions.glob(".staging-*"))
    assert final.name == max(p.name for p in versions.iterdir() if p.name.isdigit())
    assert len([p for p in versions.iterdir() if p.name.isdigit()]) <= store_module.KEEP_VERSIONS


# -- locks ----------------------------------------------------------------------------------------

def test_two_runs_at_once_never_interleave_one_waits_or_refuses_clearly(tmp_path):
    raw, processed = make_raw(tmp_path, 3), tmp_path / "processed"
    # While another run holds the lock, a run that may not wait refuses with a clear message.
    with Store(processed).lock():
        refused = cli(raw, processed, ACCORDS_LOCK_TIMEOUT_S=0)
        _, err = refused.communicate(timeout=60)
    assert refused.returncode == 2 and "another accords run is writing" in err, err
    assert Store(processed).current is None
    # Two runs started at once that may wait: one waits for the other, then finds nothing left to do.
    a, b = cli(raw, processed, ACCORDS_LOCK_TIMEOUT_S=60), cli(raw, processed, ACCORDS_LOCK_TIMEOUT_S=60)
    outs = [p.communicate(timeout=120) for p in (a, b)]
    assert a.returncode == b.returncode == 0, outs
    summaries = [json.loads(out.splitlines()[0]) for out, _ in outs]
    assert sorted(s["committed"] for s in summaries) == [False, True], summaries
    assert sorted(s["new"] for s in summaries) == [0, 3], summaries
    assert sorted(os.listdir(processed / "versions")) == ["000001"]
    assert_complete(raw, processed)


def test_stale_lock_of_a_killed_run_is_recovered(tmp_path):
    processed = tmp_path / "processed"
    pid = os.fork()
    if pid == 0:
        try:
            with Store(processed).lock():
                os.kill(os.getpid(), signal.SIGKILL)
        finally:
            os._exit(1)
    os.waitpid(pid, 0)
    assert (processed / ".lock").read_text().strip() == str(pid)  # the dead run's pid is still written
    with Store(processed).lock(timeout_s=1):
        assert (processed / ".lock").read_text().strip() == str(os.getpid())
    # And while a live process holds it, nobody else gets it.
    ready, release = threading.Event(), threading.Event()

    def hold():
        with Store(processed).lock():
            ready.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    ready.wait(5)
    with pytest.raises(StoreLocked, match="another accords run"):
        with Store(processed).lock(timeout_s=0.3):
            pass
    release.set()
    t.join()


# -- runaway documents ------------------------------------------------------------------------------

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_hanging_exploding_and_crashing_documents_are_bounded_and_the_batch_continues(tmp_path):
    settings = get_settings(workers=2, doc_timeout_s=3, doc_memory_mb=900)
    docs = {
        "hang.txt": b"HANG forever",
        "eat.txt": b"EAT all memory",
        "segv.txt": b"SEGV now",
        "exit.txt": b"EXIT now",
        "raise.txt": b"RAISE now",
        **{f"ok-{i}.txt": hostile.PROSE.replace("Canada", f"Canada {i}").encode() for i in range(4)},
    }
    jobs = []
    for key, (name, data) in enumerate(docs.items()):
        (tmp_path / name).write_bytes(data)
        jobs.append((key, tmp_path / name, name, data))
    started = time.monotonic()
    results = dict(process_in_workers(iter(jobs), settings, NOW, target="helpers.hostile:stand_in"))
    elapsed = time.monotonic() - started
    assert sorted(results) == list(range(len(jobs)))
    by_name = {jobs[k][2]: r.document for k, r in results.items()}
    assert by_name["hang.txt"]["status"] == "failed"
    assert by_name["hang.txt"]["error"].startswith("timed out after 3 s")
    assert by_name["eat.txt"]["error"].startswith("exceeded the 900 MB memory limit")
    assert "crashed (SIGSEGV)" in by_name["segv.txt"]["error"]
    assert "exit code 3" in by_name["exit.txt"]["error"]
    assert by_name["raise.txt"]["error"] == "worker error: RuntimeError: boom"
    for i in range(4):
        assert by_name[f"ok-{i}.txt"]["n_chars"] > 100, by_name[f"ok-{i}.txt"]
        assert by_name[f"ok-{i}.txt"]["error"] is None or "worker" not in by_name[f"ok-{i}.txt"]["error"]
    # Each failed row carries the content id, so an unchanged hostile file is not retried forever.
    assert by_name["hang.txt"]["doc_id"] == hashlib.sha256(b"HANG forever").hexdigest()[:16]
    assert elapsed < 40, elapsed


# -- full and read-only disks --------------------------------------------------------------------------

def _run_cli_in_process(raw: Path, processed: Path, capsys) -> tuple[int, str]:
    from pipelines.cli import main

    code = main(["run", "--no-prefect", "--raw", str(raw), "--processed", str(processed)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("err, words", [(errno.ENOSPC, "disk full"), (errno.EROFS, "read-only")])
def test_disk_full_or_read_only_gives_a_clear_error_and_keeps_the_previous_tables(tmp_path, monkeypatch, capsys,
                                                                                  err, words):
    monkeypatch.setenv("ACCORDS_WORKERS", "0")
    raw, processed = make_raw(tmp_path, 2), tmp_path / "processed"
    assert _run_cli_in_process(raw, processed, capsys)[0] == 0
    before = assert_consistent(processed)
    current = os.readlink(processed / "current")
    write_doc(raw, 7)
    calls = {"n": 0}
    original = store_module.write_parquet

    def failing(arrow, path):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(err, os.strerror(err), str(path))
        return original(arrow, path)

    monkeypatch.setattr(store_module, "write_parquet", failing)
    code, message = _run_cli_in_process(raw, processed, capsys)
    assert code == 2
    assert words in message and "previous tables are unchanged" in message, message
    assert os.readlink(processed / "current") == current
    assert assert_consistent(processed) == before
    assert not list((processed / "versions").glob(".staging-*"))
    monkeypatch.setattr(store_module, "write_parquet", original)
    assert _run_cli_in_process(raw, processed, capsys)[0] == 0  # space is back: the run completes
    assert_complete(raw, processed)


@pytest.fixture
def tiny_fs(tmp_path):
    mount = tmp_path / "mnt"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_real_full_and_read_only_filesystem(tiny_fs, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ACCORDS_WORKERS", "0")
    raw, processed = make_raw(tmp_path, 2), tiny_fs / "processed"
    assert _run_cli_in_process(raw, processed, capsys)[0] == 0
    before = assert_consistent(processed)
    # Fill the disk, leaving a few KB: the next version cannot be written.
    free = shutil.disk_usage(tiny_fs).free
    with open(tiny_fs / "filler", "wb") as f:
        try:
            f.write(b"\0" * max(0, free - 8 * 1024))
        except OSError:
            pass
    for i in range(3, 9):
        write_doc(raw, i)
    code, message = _run_cli_in_process(raw, processed, capsys)
    assert code == 2 and "disk full" in message, message
    assert assert_consistent(processed) == before
    assert not list((processed / "versions").glob(".staging-*"))
    # Read-only: a clear error, the tables still there.
    (tiny_fs / "filler").unlink()
    assert subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)]).returncode == 0
    code, message = _run_cli_in_process(raw, processed, capsys)
    assert code == 2 and ("read-only" in message.lower() or "cannot open" in message), message
    assert assert_consistent(processed) == before
