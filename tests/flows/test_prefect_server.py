"""prefect.yaml on a real local Prefect server: `prefect deploy --all`, the scheduler, a worker.

Issue 18: with SQLAlchemy 2.1 the scheduler never created a run, with FastAPI >= 0.151 the CLI's
list calls (and `prefect deploy --all` after its first deployment) failed with 422, and on
Sundays at 03:00 UTC both deployments fire at once, so one of them failed on the store lock.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
import yaml

from pipelines.flows.serve import PREFECT_YAML
from pipelines.tables.store import Store

from helpers.paths import REPO  # noqa: E402
FLOW = "accords-ingest"
DEPLOYMENTS = ("incremental", "full-reprocess")
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", 0))
        except OSError as exc:
            pytest.skip(f"cannot bind a loopback port for a local Prefect server: {exc}")
        return sock.getsockname()[1]


def _accords_home(tmp_path: Path) -> Path:
    """ACCORDS_HOME as the pull step expects it: the entrypoint's pipelines/ beside the raw/ and
    processed/ the deployments' relative parameters name, here private copies."""
    home = tmp_path / "accords"
    home.mkdir()
    for package in ("pipelines", "extractors"):
        (home / package).symlink_to(REPO / package, target_is_directory=True)
    shutil.copytree(REPO / "raw", home / "raw")
    (home / "processed").mkdir()
    return home


def _environment(tmp_path: Path, port: int, home: Path) -> dict[str, str]:
    # Nothing of the caller's Prefect profile or accords settings may leak into the server,
    # the CLI or the flow runs: the lock wait under test must come from prefect.yaml.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ACCORDS_"))}
    env.update({
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "ACCORDS_HOME": str(home),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "COLUMNS": "200",
    })
    return env


class LocalPrefect:
    """A `prefect server start` on a loopback port, and the CLI pointed at it."""

    def __init__(self, tmp_path: Path, port: int, home: Path):
        self.tmp_path, self.home = tmp_path, home
        self.env = _environment(tmp_path, port, home)
        self.api = httpx.Client(base_url=self.env["PREFECT_API_URL"], timeout=30)
        self.processes: list[tuple[subprocess.Popen, Path]] = []

    def start(self, *args: str, log: str) -> subprocess.Popen:
        path = self.tmp_path / f"{log}.log"
        with open(path, "wb") as out:
            # Own session: teardown ends the process and every flow run it spawned, by group id.
            proc = subprocess.Popen([sys.executable, "-m", "prefect", *args], cwd=self.home, env=self.env,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append((proc, path))
        return proc

    def cli(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run([sys.executable, "-m", "prefect", "--no-prompt", *args], cwd=self.home,
                              env=self.env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    def finished(self, proc: subprocess.Popen, timeout: float = 60) -> bool:
        """True once ``proc`` exited with 0; fails with its output otherwise."""
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{proc.args[2:]} still running after {timeout:.0f} s\n{self.logs()}")
        assert code == 0, f"{proc.args[2:]} exited with {code}\n{self.output(proc)}"
        return True

    def output(self, proc: subprocess.Popen) -> str:
        return next(path for p, path in self.processes if p is proc).read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                         for _, path in self.processes if path.exists())

    def wait_for(self, what: str, probe, timeout: float):
        deadline = time.monotonic() + timeout
        while True:
            for proc, path in self.processes:
                if proc.poll() is not None and path.name.startswith("server"):
                    pytest.fail(f"the Prefect server exited while waiting for {what}\n{self.logs()}")
            value = probe()
            if value:
                return value
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {timeout:.0f} s\n{self.logs()}")
            time.sleep(0.5)

    def healthy(self) -> bool:
        try:
            return self.api.get("/health").status_code == 200
        except httpx.TransportError:
            return False

    def post(self, path: str, body: dict):
        # Like Prefect's own client, retry what SQLite answers with 503 while it is busy.
        for _ in range(10):
            response = self.api.post(path, json=body)
            if response.status_code != 503:
                break
            time.sleep(1)
        assert response.status_code < 300, f"{path}: {response.status_code} {response.text[:2000]}"
        return response.json()

    def flow_runs(self, **flow_run_filter) -> list[dict]:
        return self.post("/flow_runs/filter", {"flow_runs": flow_run_filter, "limit": 200, "offset": 0})

    def stop(self) -> None:
        self.api.close()
        for proc, _ in reversed(self.processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, _ in reversed(self.processes):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            try:  # children that outlived a clean exit of their parent
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def local_prefect(tmp_path):
    port = _free_loopback_port()
    prefect = LocalPrefect(tmp_path, port, _accords_home(tmp_path))
    try:
        prefect.start("server", "start", "--host", "127.0.0.1", "--port", str(port), log="server")
        prefect.wait_for("healthy Prefect server", prefect.healthy, timeout=150)
        yield prefect
    finally:
        prefect.stop()


@pytest.mark.slow
def test_deploy_all_schedules_and_a_worker_runs_colliding_deployments(local_prefect):
    prefect = local_prefect
    prefect.cli("work-pool", "create", "accords-local", "--type", "process")
    prefect.cli("deploy", "--all", "--prefect-file", str(PREFECT_YAML))
    # The CLI's list commands and the worker start now and overlap with the waits below.
    deployment_ls = prefect.start("--no-prompt", "deployment", "ls", log="deployment-ls")
    prefect.start("worker", "start", "--pool", "accords-local", log="worker")

    deployments = {d["name"]: d for d in prefect.post("/deployments/filter", {"limit": 10, "offset": 0})}
    assert set(deployments) == set(DEPLOYMENTS)
    assert all(d["job_variables"]["env"]["ACCORDS_LOCK_TIMEOUT_S"] for d in deployments.values())
    ids = {d["id"]: name for name, d in deployments.items()}

    def scheduled_by_deployment():
        runs = prefect.flow_runs(deployment_id={"any_": list(ids)}, state={"type": {"any_": ["SCHEDULED"]}})
        by_name = {name: [r for r in runs if r["deployment_id"] == i and r["auto_scheduled"]]
                   for i, name in ids.items()}
        return by_name if all(by_name.values()) else None

    scheduled = prefect.wait_for("scheduled runs of both deployments", scheduled_by_deployment, timeout=60)
    flow_run_ls = prefect.start("--no-prompt", "flow-run", "ls", "--state-type", "SCHEDULED", log="flow-run-ls")
    starts = {name: [datetime.fromisoformat(r["expected_start_time"]) for r in runs]
              for name, runs in scheduled.items()}
    assert all(t.minute == 0 for t in starts["incremental"])
    # Sunday 03:00 UTC: the hourly deployment fires at the same instant, hence the lock wait below.
    assert all((t.weekday(), t.hour, t.minute, t.utcoffset().total_seconds()) == (6, 3, 0, 0)
               for t in starts["full-reprocess"])

    # Both deployments at once while another writer holds the store: each run has to wait for
    # the lock and then finish, not fail because the store is busy.
    def states():
        runs = prefect.flow_runs(id={"any_": list(triggered.values())})
        return {ids[r["deployment_id"]]: r["state_type"] for r in runs}

    def both_running() -> bool:
        now = states()
        assert not set(now.values()) & TERMINAL, f"a run ended while the store was locked: {now}\n{prefect.logs()}"
        return set(now.values()) == {"RUNNING"}

    with Store(prefect.home / "processed").lock():
        triggered = {name: prefect.post(f"/deployments/{deployments[name]['id']}/create_flow_run", {})["id"]
                     for name in DEPLOYMENTS}
        prefect.wait_for("both triggered runs running", both_running, timeout=120)
        # Without a lock wait a run fails the moment it meets the held lock; give it that moment.
        for _ in range(6):
            time.sleep(0.5)
            assert both_running()

    prefect.wait_for("both triggered runs finished", lambda: set(states().values()) <= TERMINAL, timeout=150)
    assert states() == {name: "COMPLETED" for name in DEPLOYMENTS}, prefect.logs()
    documents = pq.read_table(prefect.home / "processed" / "documents.parquet")
    assert documents.num_rows == len([p for p in (prefect.home / "raw").iterdir() if p.is_file()])

    assert prefect.finished(deployment_ls) and prefect.finished(flow_run_ls)
    listed = prefect.output(deployment_ls)
    assert all(f"{FLOW}/{name}" in listed for name in DEPLOYMENTS), listed
    assert "SCHEDULED" in prefect.output(flow_run_ls)
    # What `prefect artifact ls` asks for (with null offset and filters: the FastAPI 422 of issue 18).
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: prefect.env["PREFECT_API_URL"]}):
        with get_client(sync_client=True) as client:
            keys = {a.key for a in client.read_latest_artifacts(limit=100)}
    assert "accords-run-summary" in keys


def test_both_deployments_wait_for_the_store_lock():
    spec = yaml.safe_load(PREFECT_YAML.read_text())
    for deployment in spec["deployments"]:
        pool = deployment["work_pool"]
        assert pool["name"] == "accords-local"
        # Longer than a full re-read of a large corpus, so the hourly run outwaits the weekly one.
        assert float(pool["job_variables"]["env"]["ACCORDS_LOCK_TIMEOUT_S"]) >= 3600


def test_serve_runs_one_flow_run_at_a_time(monkeypatch):
    import prefect

    from pipelines.flows import serve

    seen = {}
    monkeypatch.setattr(prefect, "serve", lambda *deployments, **kwargs: seen.update(kwargs, n=len(deployments)))
    serve.serve(raw_dir="raw", processed_dir="processed")
    assert seen == {"limit": 1, "n": 2}
