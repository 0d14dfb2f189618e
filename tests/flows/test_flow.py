"""The Prefect flow and its deployments, on one ephemeral server for the session."""
import inspect

import pyarrow.parquet as pq
import yaml

from pipelines.tables.schema import TABLES
from pipelines.flows.serve import PREFECT_YAML, deployments_from_yaml
from pipelines.tables.store import digest


def test_flow_runs_incrementally_and_publishes_a_summary(prefect_harness, raw_copy, tmp_path):
    from pipelines.flows.ingest import ingest

    processed = tmp_path / "processed"
    first = ingest(raw_dir=str(raw_copy), processed_dir=str(processed))
    assert first["committed"] and first["new"] == 5
    for name in TABLES:
        assert (processed / f"{name}.parquet").exists()
    before = {n: digest(processed / f"{n}.parquet") for n in TABLES}

    second = ingest(raw_dir=str(raw_copy), processed_dir=str(processed))
    assert not second["committed"] and second["unchanged"] == 5
    assert {n: digest(processed / f"{n}.parquet") for n in TABLES} == before

    (raw_copy / sorted(p.name for p in raw_copy.iterdir())[0]).unlink()
    third = ingest(raw_dir=str(raw_copy), processed_dir=str(processed))
    assert third["deleted"] == 1
    assert pq.read_table(processed / "documents.parquet").num_rows == 4

    from prefect.client.orchestration import get_client

    # Prefect 3.8.8's client sends null or joined filters that hide flow-level artifacts; ask the API plainly.
    with get_client(sync_client=True) as client:
        response = client._client.post("/artifacts/filter", json={
            "artifacts": {"key": {"any_": ["accords-run-summary"]}}, "sort": "CREATED_DESC",
            "limit": 5, "offset": 0})
    artifacts = response.json()
    assert artifacts and "| deleted | 1 |" in artifacts[0]["data"]


def test_prefect_yaml_deployments_match_the_flow():
    from pipelines.flows.ingest import ingest

    spec = yaml.safe_load(PREFECT_YAML.read_text())
    names = {d["name"] for d in spec["deployments"]}
    assert {"incremental", "full-reprocess"} <= names
    flow_params = set(inspect.signature(ingest.fn).parameters)
    for d in spec["deployments"]:
        assert d["entrypoint"] == "pipelines/flows/ingest.py:ingest"
        assert set(d["parameters"]) <= flow_params
        assert d["schedules"][0]["cron"] and d["schedules"][0]["timezone"]
    deployments = deployments_from_yaml(raw_dir="raw", processed_dir="out")
    full = {d.name: d for d in deployments}["full-reprocess"]
    assert full.parameters["full"] is True and full.parameters["processed_dir"] == "out"


def test_prefect_yaml_ships_inside_the_package_as_the_repositorys_file(tmp_path):
    import subprocess
    import sys
    import tomllib
    from fnmatch import fnmatch
    from pathlib import Path

    import pipelines.flows

    from helpers.paths import REPO as repo

    package = Path(pipelines.flows.__file__).parent
    # In the package (so a wheel carries it) and one file with the repository's, which people and `prefect deploy` use.
    assert PREFECT_YAML.parent == package and PREFECT_YAML.read_bytes() == (repo / "prefect.yaml").read_bytes()
    assert PREFECT_YAML.resolve() == (repo / "prefect.yaml").resolve()
    patterns = tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["*"]
    assert any(fnmatch(PREFECT_YAML.name, p) for p in patterns)
    # `accords serve` reads it whatever the working directory.
    code = ("from pipelines.flows.serve import deployments_from_yaml; "
            "print(sorted(d.name for d in deployments_from_yaml(raw_dir='raw')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "PYTHONPATH": str(repo)})
    assert out.returncode == 0 and out.stdout.strip() == "['full-reprocess', 'incremental']", out.stderr[-500:]
