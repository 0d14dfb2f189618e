"""Scale-out: the flow on a real local Dask cluster gives the tables of a plain run, byte for
byte; the tables read the same in pandas, pyarrow datasets and DuckDB; a no-op run opens no
raw file.  Speed is measured by `accords bench`, never asserted here."""
import builtins
import hashlib
import pickle
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.devtools.bench_corpus import write_corpus
from test_isolation import Sampler
from pipelines.run.execute import run_pipeline
from pipelines.tables.schema import TABLES
from pipelines.settings import get_settings
from pipelines.tables.store import digest


def table_bytes(processed: Path) -> dict[str, str]:
    return {name: digest(processed / f"{name}.parquet") for name in TABLES}


@pytest.mark.slow
def test_flow_on_a_local_two_worker_dask_cluster_equals_a_plain_run(prefect_harness, raw_copy, tmp_path,
                                                                     monkeypatch):
    from pipelines.flows.ingest import ingest, task_runner

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("ACCORDS_BATCH_SIZE", "1")  # 3 documents -> 3 tasks over 2 Dask worker processes
    # Each Dask worker process reads its tasks' documents in a one-process pool: 2 at most in all.
    monkeypatch.setenv("ACCORDS_WORKERS", "2")
    for big in sorted(raw_copy.iterdir())[1::2]:  # keep the three short seeds: bounded time
        big.unlink()
    plain = run_pipeline(raw_copy, tmp_path / "plain", settings=get_settings(workers=0))
    assert plain.committed and plain.failed == 0

    runner = task_runner(get_settings(task_runner="dask", dask_workers=2, workers=2))
    assert runner.cluster_kwargs["n_workers"] == 2 and runner.cluster_kwargs["processes"] is True
    assert task_runner(get_settings(task_runner="dask", dask_workers=4, workers=2)).cluster_kwargs["n_workers"] == 2
    with Sampler() as sampler:
        summary = ingest.with_options(task_runner=runner)(raw_dir=str(raw_copy), processed_dir=str(tmp_path / "dask"))
    assert summary["committed"] and summary["new"] == 3
    assert 1 <= sampler.peak <= 2, sampler.peak
    assert table_bytes(tmp_path / "dask") == table_bytes(tmp_path / "plain")


def test_task_runner_follows_the_settings():
    from prefect.task_runners import ThreadPoolTaskRunner

    from pipelines.flows.ingest import task_runner

    threads = task_runner(get_settings(task_runner="thread", workers=3))
    assert isinstance(threads, ThreadPoolTaskRunner) and threads._max_workers == 3
    remote = task_runner(get_settings(task_runner="dask", dask_address="tcp://127.0.0.1:8786"))
    assert remote.address == "tcp://127.0.0.1:8786"
    with pytest.raises(ValueError, match="task_runner"):
        task_runner(get_settings(task_runner="celery"))


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    """A plain run over 8 generated documents (in-process, no worker pool)."""
    root = tmp_path_factory.mktemp("scale")
    raw = root / "raw"
    write_corpus(raw, 8)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        summary = run_pipeline(raw, root / "processed", settings=get_settings(workers=0))
    assert summary.committed and summary.seen == 8
    return raw, root / "processed"


def test_two_worker_processes_give_the_tables_of_a_single_process_run(small_store, tmp_path, monkeypatch):
    raw, single = small_store
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    summary = run_pipeline(raw, tmp_path / "pool", settings=get_settings(workers=2))
    assert summary.committed and summary.failed == 0
    assert table_bytes(tmp_path / "pool") == table_bytes(single)


def test_results_cross_process_boundaries(small_store):
    from pipelines.run.document import process_file

    raw, _ = small_store
    result = process_file(sorted(raw.iterdir())[0], raw, get_settings(workers=0))
    assert pickle.loads(pickle.dumps(result)) == result


def test_tables_read_the_same_in_pandas_pyarrow_datasets_and_duckdb(small_store):
    import duckdb
    import pandas as pd
    import pyarrow.dataset as ds

    _, processed = small_store
    for name, spec in TABLES.items():
        path = processed / f"{name}.parquet"
        frame = pd.read_parquet(path)
        dataset = ds.dataset(path, format="parquet").to_table()
        with duckdb.connect() as con:
            columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()]
            count = con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
        assert list(frame.columns) == dataset.column_names == columns == spec.column_names, name
        assert len(frame) == dataset.num_rows == count, name


def test_noop_run_opens_no_raw_file_and_rewrites_nothing(small_store, monkeypatch):
    raw, processed = small_store
    before = table_bytes(processed)
    real_open = builtins.open
    raw_root = str(raw.resolve())

    def guarded_open(file, *args, **kwargs):
        if isinstance(file, (str, Path)) and str(Path(file).resolve()).startswith(raw_root):
            raise AssertionError(f"a no-op run opened {file}")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(AssertionError(f"read {self}")))
    summary = run_pipeline(raw, processed, settings=get_settings(workers=0))
    assert not summary.committed and summary.unchanged == 8
    monkeypatch.undo()
    assert table_bytes(processed) == before
