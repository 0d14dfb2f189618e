"""The worker pool (pipelines/run/isolation.py): one per process, shared by every batch and
Prefect thread task, never more than ``settings.workers`` extraction processes however many
batches; workers die with the run, whether it is stopped (SIGTERM, Ctrl-C) or killed (-9)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from helpers import hostile
from pipelines.devtools.bench_corpus import write_corpus
from pipelines.run import isolation
from pipelines.run.execute import run_pipeline
from pipelines.settings import get_settings
from pipelines.tables.schema import TABLES
from pipelines.tables.store import Store, digest

from helpers.paths import REPO  # noqa: E402
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (ppid, command line) of every process."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        found[int(entry)] = (ppid, cmd)
    return found


def descendants(root: int) -> dict[int, tuple[int, str]]:
    procs = _processes()
    out, frontier = {}, {root}
    while frontier:
        frontier = {pid for pid, (ppid, _) in procs.items() if ppid in frontier and pid not in out}
        out.update({pid: procs[pid] for pid in frontier})
    return out


def extraction_processes(root: int | None = None) -> set[int]:
    """The workers under root: processes forked by a multiprocessing forkserver."""
    tree = descendants(root or os.getpid())
    servers = {pid for pid, (_, cmd) in tree.items() if "multiprocessing.forkserver" in cmd}
    return {pid for pid, (ppid, _) in tree.items() if ppid in servers}


class Sampler:
    """Counts extraction processes under root every few milliseconds while a run goes on."""

    def __init__(self, root: int | None = None):
        self.root, self.peak, self.seen = root, 0, set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            pids = extraction_processes(self.root)
            self.peak = max(self.peak, len(pids))
            self.seen |= pids
            time.sleep(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def table_bytes(processed: Path) -> dict[str, str]:
    return {name: digest(processed / f"{name}.parquet") for name in TABLES}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("pool") / "raw"
    write_corpus(raw, 12)
    return raw


def test_many_batches_never_run_more_than_settings_workers_processes(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    with Sampler() as sampler:
        summary = run_pipeline(corpus, tmp_path / "pool", settings=get_settings(workers=2, batch_size=1))
    assert summary.committed and summary.new == 12 and summary.failed == 0
    assert 1 <= sampler.peak <= 2, sampler.peak
    assert not extraction_processes()  # the workers end with the run
    run_pipeline(corpus, tmp_path / "again", settings=get_settings(workers=2, batch_size=5))
    plain = run_pipeline(corpus, tmp_path / "plain", settings=get_settings(workers=0))
    assert plain.committed
    assert table_bytes(tmp_path / "pool") == table_bytes(tmp_path / "plain") == table_bytes(tmp_path / "again")


def test_prefect_thread_tasks_share_one_bounded_pool(prefect_harness, corpus, tmp_path, monkeypatch):
    from pipelines.flows.ingest import ingest, task_runner

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("ACCORDS_BATCH_SIZE", "1")  # 12 tasks
    monkeypatch.setenv("ACCORDS_WORKERS", "2")
    runner = task_runner(get_settings(workers=2))
    assert runner._max_workers == 2
    with Sampler() as sampler:
        summary = ingest.with_options(task_runner=runner)(raw_dir=str(corpus), processed_dir=str(tmp_path / "flow"))
    assert summary["committed"] and summary["new"] == 12 and summary["failed"] == 0
    assert 1 <= sampler.peak <= 2, sampler.peak
    run_pipeline(corpus, tmp_path / "plain", settings=get_settings(workers=0))
    assert table_bytes(tmp_path / "flow") == table_bytes(tmp_path / "plain")


def test_hostile_documents_leave_the_pool_bounded_and_working(tmp_path):
    settings = get_settings(workers=2, doc_timeout_s=3, doc_memory_mb=900)
    docs = {"hang.txt": b"HANG forever", "eat.txt": b"EAT all memory", "segv.txt": b"SEGV now",
            "ok.txt": hostile.PROSE.encode()}
    jobs = []
    for key, (name, data) in enumerate(docs.items()):
        (tmp_path / name).write_bytes(data)
        jobs.append((key, tmp_path / name, name, data))
    for _ in range(2):
        with Sampler() as sampler:
            results = dict(isolation.process_in_workers(iter(jobs), settings, NOW, target="helpers.hostile:stand_in"))
        by_name = {jobs[k][2]: r.document for k, r in results.items()}
        assert by_name["hang.txt"]["error"].startswith("timed out after 3 s")
        assert by_name["eat.txt"]["error"].startswith("exceeded the 900 MB memory limit")
        assert "crashed (SIGSEGV)" in by_name["segv.txt"]["error"]
        assert by_name["ok.txt"]["status"] == "ok" and by_name["ok.txt"]["n_chars"] > 100, by_name["ok.txt"]["error"]
        assert sampler.peak <= 2 and len(sampler.seen) >= 3  # replaced workers, never more at once


KILLED_PARENT = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from pipelines.run.isolation import process_in_workers
from pipelines.settings import get_settings
path = Path(sys.argv[1])
jobs = [(i, path, path.name, b"HANG forever") for i in range(2)]
for _ in process_in_workers(iter(jobs), get_settings(workers=2, doc_timeout_s=600), datetime.now(timezone.utc),
                            target="helpers.hostile:stand_in"):
    pass
"""


def test_workers_die_with_a_parent_killed_with_sigkill(tmp_path):
    (tmp_path / "hang.txt").write_bytes(b"HANG forever")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    parent = subprocess.Popen([sys.executable, "-c", KILLED_PARENT, str(tmp_path / "hang.txt")], cwd=REPO, env=env)
    try:
        deadline = time.monotonic() + 120
        while len(workers := extraction_processes(parent.pid)) < 2:
            assert parent.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        tree = set(descendants(parent.pid))
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 20
        while (left := tree & set(_processes())) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert workers and not left, f"left behind: {left}"
    finally:
        parent.kill()


def _first_version(tmp_path: Path) -> tuple[Path, Path, dict]:
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    write_corpus(raw, 2)
    run_pipeline(raw, processed, settings=get_settings(workers=0))
    write_corpus(raw, 150)  # the run to stop has many documents to go
    return raw, processed, table_bytes(processed)


def _stop_mid_run(raw: Path, processed: Path, signum: int, *extra: str, startup_s: float = 120) -> tuple[int, str]:
    """Start ``python -m pipelines run``, signal it once its workers are busy; exit code and stderr."""
    env = {**os.environ, "ACCORDS_WORKERS": "2", "ACCORDS_BATCH_SIZE": "5", "PYTHONUNBUFFERED": "1"}
    run = subprocess.Popen([sys.executable, "-m", "pipelines", "run", "--raw", str(raw), "--processed",
                            str(processed), *extra], cwd=REPO, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + startup_s
        while not extraction_processes(run.pid):
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "the run never started its workers"
            time.sleep(0.1)
        tree = set(descendants(run.pid))
        run.send_signal(signum)
        _, err = run.communicate(timeout=20)  # stops within a few seconds; 20 is a generous bound
        deadline = time.monotonic() + 10
        while (left := tree & set(_processes())) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not left, f"left behind: {[_processes().get(p) for p in left]}"
        return run.returncode, err
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_or_ctrl_c_stops_a_plain_run_and_keeps_the_previous_tables(tmp_path, signum):
    raw, processed, before = _first_version(tmp_path)
    code, err = _stop_mid_run(raw, processed, signum, "--no-prefect")
    assert code != 0 and "the previous tables stay current" in err, err
    assert table_bytes(processed) == before
    store = Store(processed)
    assert store.read_arrow("documents").num_rows == 2
    assert not (processed / ".runs").exists() or not any((processed / ".runs").iterdir())


@pytest.mark.slow
def test_sigterm_stops_a_prefect_run_its_workers_and_its_ephemeral_server(tmp_path):
    raw, processed, before = _first_version(tmp_path)
    code, err = _stop_mid_run(raw, processed, signal.SIGTERM, startup_s=240)  # the server starts first
    assert code == 128 + signal.SIGTERM, err[-2000:]
    assert table_bytes(processed) == before
    assert Store(processed).read_arrow("documents").num_rows == 2
