"""A worker zygote is started once per process and reused by later ``process_in_workers`` calls
(pipelines/workers.py): consecutive calls, concurrent threads, dead zygotes, forked children."""
from __future__ import annotations

import os
import signal
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from helpers import hostile
from pipelines.run import isolation as workers
from pipelines.settings import get_settings
from pipelines.run.isolation import close_idle_zygotes, process_in_workers

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
# This module is also the workers' target: it reports which zygote forked the worker.
TARGET = f"{Path(__file__).stem}:report_zygote"


def report_zygote(path, rel_path, data, settings, ingested_at):
    """Worker target: a real extraction whose documents row also names the worker's parent (the zygote)."""
    from pipelines.run.document import process_bytes

    result = process_bytes(path, rel_path, data, settings, ingested_at)
    result.tables["documents"][0]["error"] = f"zygote={os.getppid()}"
    return result


@pytest.fixture(autouse=True)
def fresh_pool():
    close_idle_zygotes()
    yield
    close_idle_zygotes()


def make_jobs(tmp_path: Path, n: int, tag: str = "") -> list:
    jobs = []
    for i in range(n):
        data = hostile.PROSE.replace("Canada", f"Canada {tag}{i}").encode()
        path = tmp_path / f"doc-{tag}{i}.txt"
        path.write_bytes(data)
        jobs.append((f"{tag}{i}", path, path.name, data))
    return jobs


def run(jobs, settings=None, target=TARGET) -> tuple[dict, set[int]]:
    """Results by key, and the pids of the zygotes that forked the workers."""
    settings = settings or get_settings(workers=2, doc_timeout_s=60)
    results = dict(process_in_workers(iter(jobs), settings, NOW, target=target))
    assert sorted(results) == sorted(job[0] for job in jobs)
    zygotes = set()
    for result in results.values():
        row = result.document
        assert row["n_chars"] > 100, row
        zygotes.add(int(row["error"].removeprefix("zygote=")))
    return results, zygotes


def idle_pids() -> list[int]:
    return [z.process.pid for z in workers._idle]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_consecutive_calls_reuse_one_zygote(tmp_path):
    _, first = run(make_jobs(tmp_path, 3, "a"))
    assert len(first) == 1 and os.getpid() not in first
    assert idle_pids() == list(first)
    _, second = run(make_jobs(tmp_path, 3, "b"))
    assert second == first
    assert idle_pids() == list(first)


def test_concurrent_calls_from_two_threads_each_get_their_own_zygote(tmp_path):
    both_running = threading.Barrier(2, timeout=120)
    outcome: dict[str, object] = {}

    def jobs(tag):
        for n, job in enumerate(make_jobs(tmp_path, 4, tag)):
            if n == 2:  # two workers are busy with this call's first jobs: both calls are under way
                both_running.wait()
            yield job

    def call(tag):
        try:
            results = dict(process_in_workers(jobs(tag), get_settings(workers=2, doc_timeout_s=60), NOW,
                                              target=TARGET))
            outcome[tag] = results
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            outcome[tag] = exc
            both_running.abort()

    threads = [threading.Thread(target=call, args=(tag,)) for tag in ("x", "y")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    zygotes = {}
    for tag in ("x", "y"):
        results = outcome[tag]
        assert isinstance(results, dict), results
        assert sorted(results) == [f"{tag}{i}" for i in range(4)]
        for key, result in results.items():
            assert result.document["n_chars"] > 100
            assert f"Canada {key} reaffirmed" in result.document["text"]  # its own document, not another's
        pids = {r.document["error"] for r in results.values()}
        assert len(pids) == 1
        zygotes[tag] = pids.pop()
    assert zygotes["x"] != zygotes["y"]  # never one control pipe for two calls
    assert len(workers._idle) == 2
    # A later call takes one of them.
    _, later = run(make_jobs(tmp_path, 2, "z"))
    assert {f"zygote={p}" for p in later} <= set(zygotes.values())


def test_a_killed_idle_zygote_is_replaced_transparently(tmp_path):
    _, (first,) = run(make_jobs(tmp_path, 2, "a"))
    os.kill(first, signal.SIGKILL)
    _, (second,) = run(make_jobs(tmp_path, 2, "b"))
    assert second != first
    assert idle_pids() == [second]


def test_a_zygote_that_cannot_fork_is_replaced_transparently(tmp_path, monkeypatch):
    """It died after the liveness check: the first fork fails and a new zygote takes over."""
    _, (first,) = run(make_jobs(tmp_path, 2, "a"))
    monkeypatch.setattr(workers._Zygote, "alive", lambda self: not self.broken)
    os.kill(first, signal.SIGKILL)
    workers._idle[0].process.wait()
    _, (second,) = run(make_jobs(tmp_path, 3, "b"))
    assert second != first
    assert idle_pids() == [second]


def test_a_zygote_outlives_the_thread_that_started_it(tmp_path):
    """PR_SET_PDEATHSIG fires when the starting *thread* exits; zygotes are started by a daemon thread."""
    native = {}

    def task():
        native["id"] = threading.get_native_id()
        native["zygotes"] = run(make_jobs(tmp_path, 2, "a"))[1]

    t = threading.Thread(target=task)
    t.start()
    t.join()
    for _ in range(1000):  # until the kernel has finished the thread
        if not os.path.exists(f"/proc/self/task/{native['id']}"):
            break
        time.sleep(0.01)
    (first,) = native["zygotes"]
    _, (second,) = run(make_jobs(tmp_path, 2, "b"))
    assert second == first


def test_a_different_configuration_gets_its_own_zygote(tmp_path, monkeypatch):
    _, (first,) = run(make_jobs(tmp_path, 2, "a"))
    # ACCORDS_* variables are read when the zygote builds the spaCy pipeline.
    monkeypatch.setenv("ACCORDS_FISCAL_YEAR_START_MONTH", "7")
    _, (second,) = run(make_jobs(tmp_path, 2, "b"))
    assert second != first
    monkeypatch.delenv("ACCORDS_FISCAL_YEAR_START_MONTH")
    _, (third,) = run(make_jobs(tmp_path, 2, "c"))
    assert third == first


def test_a_forked_child_does_not_use_its_parents_zygotes(tmp_path):
    _, (first,) = run(make_jobs(tmp_path, 2, "a"))
    pid = os.fork()
    if pid == 0:  # the child: an empty pool, and no handle on the parent's zygote
        ok = workers._idle == [] and not workers._live and alive(first)
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The child closed only its own copy of the control pipe: the parent's zygote still works.
    _, (second,) = run(make_jobs(tmp_path, 2, "b"))
    assert second == first


def test_close_idle_zygotes_and_opting_out(tmp_path, monkeypatch):
    _, (first,) = run(make_jobs(tmp_path, 2, "a"))
    assert close_idle_zygotes() == 1
    assert not alive(first) and workers._idle == []
    monkeypatch.setattr(workers, "MAX_IDLE_ZYGOTES", 0)
    _, (second,) = run(make_jobs(tmp_path, 2, "b"))
    assert workers._idle == [] and not alive(second)


def test_hostile_documents_leave_a_reusable_zygote(tmp_path):
    """Timeouts, memory kills and crashes of workers do not harm the pooled zygote."""
    settings = get_settings(workers=2, doc_timeout_s=3, doc_memory_mb=900)
    docs = {"hang.txt": b"HANG forever", "eat.txt": b"EAT all memory", "segv.txt": b"SEGV now",
            "ok.txt": hostile.PROSE.encode()}
    jobs = []
    for key, (name, data) in enumerate(docs.items()):
        (tmp_path / name).write_bytes(data)
        jobs.append((key, tmp_path / name, name, data))
    zygotes = []
    for _ in range(2):
        results = dict(process_in_workers(iter(jobs), settings, NOW, target="helpers.hostile:stand_in"))
        by_name = {jobs[k][2]: r.document for k, r in results.items()}
        assert by_name["hang.txt"]["error"].startswith("timed out after 3 s")
        assert by_name["eat.txt"]["error"].startswith("exceeded the 900 MB memory limit")
        assert "crashed (SIGSEGV)" in by_name["segv.txt"]["error"]
        assert by_name["ok.txt"]["n_chars"] > 100
        zygotes += idle_pids()
    assert len(zygotes) == 2 and zygotes[0] == zygotes[1]
