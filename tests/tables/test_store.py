"""The incremental, atomic, deterministic store, driven through run_pipeline (no Prefect)."""
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.run import fingerprint
from pipelines.run import execute as run
from pipelines.run.execute import run_pipeline
from pipelines.tables.schema import TABLES
from pipelines.tables.store import Store, StoreError, StoreLocked, digest


def table_bytes(processed: Path) -> dict[str, str]:
    return {name: digest(processed / f"{name}.parquet") for name in TABLES}


def test_first_run_writes_every_table_with_its_declared_schema(raw_copy, tmp_path):
    processed = tmp_path / "processed"
    summary = run_pipeline(raw_copy, processed)
    assert summary.committed and summary.new == 5 and summary.failed == 0
    for name, spec in TABLES.items():
        table = pq.read_table(processed / f"{name}.parquet")
        assert table.schema.equals(spec.schema, check_metadata=False), name
    docs = pq.read_table(processed / "documents.parquet").to_pylist()
    assert sorted(d["path"] for d in docs) == sorted(p.name for p in raw_copy.iterdir())
    assert all(d["status"] == "ok" and d["n_chars"] == len(d["text"]) > 100 for d in docs)


def test_second_run_does_no_work_and_leaves_bytes_identical(raw_copy, tmp_path, monkeypatch):
    processed = tmp_path / "processed"
    run_pipeline(raw_copy, processed)
    before = table_bytes(processed)
    version = os.readlink(processed / "current")

    def no_reading(*args, **kwargs):
        raise AssertionError("an unchanged document was read again")

    # Every raw file a run reads goes through read_raw in the run's own process (the workers
    # get the bytes), and every re-extraction through reextract_documents.
    monkeypatch.setattr(run, "read_raw", no_reading)
    monkeypatch.setattr(run, "reextract_documents", no_reading)
    summary = run_pipeline(raw_copy, processed)
    assert not summary.committed and summary.unchanged == 5
    assert table_bytes(processed) == before
    assert os.readlink(processed / "current") == version
    # The guard is on the live path: a changed file does reach it.
    first = sorted(raw_copy.iterdir())[0]
    first.write_text(first.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="read again"):
        run_pipeline(raw_copy, processed)


def test_same_input_gives_same_bytes_in_a_fresh_store(raw_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    run_pipeline(raw_copy, tmp_path / "a")
    run_pipeline(raw_copy, tmp_path / "b")
    assert table_bytes(tmp_path / "a") == table_bytes(tmp_path / "b")


def test_deleted_file_loses_its_rows_and_renamed_file_keeps_its_id(raw_copy, tmp_path):
    processed = tmp_path / "processed"
    run_pipeline(raw_copy, processed)
    docs = {d["path"]: d["doc_id"] for d in pq.read_table(processed / "documents.parquet").to_pylist()}
    gone = sorted(docs)[0]
    (raw_copy / gone).unlink()
    renamed = sorted(docs)[1]
    (raw_copy / renamed).rename(raw_copy / "renamed.txt")
    summary = run_pipeline(raw_copy, processed)
    assert summary.deleted == 2 and summary.committed
    after = {d["doc_id"]: d["path"] for d in pq.read_table(processed / "documents.parquet").to_pylist()}
    assert docs[gone] not in after
    assert after[docs[renamed]] == "renamed.txt"
    for name in ("blocks", "entities", "dates", "commitments", "agreement_mentions"):
        ids = set(pq.read_table(processed / f"{name}.parquet", columns=["doc_id"])["doc_id"].to_pylist())
        assert docs[gone] not in ids, name


def test_corrupt_file_is_a_failed_row_and_the_others_still_land(raw_copy, tmp_path):
    (raw_copy / "broken.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    (raw_copy / "empty.txt").write_bytes(b"")
    processed = tmp_path / "processed"
    summary = run_pipeline(raw_copy, processed)
    docs = {d["path"]: d for d in pq.read_table(processed / "documents.parquet").to_pylist()}
    assert docs["broken.pdf"]["status"] == "failed" and docs["broken.pdf"]["error"]
    assert docs["empty.txt"]["status"] == "failed" and "empty" in docs["empty.txt"]["error"]
    assert sum(d["status"] == "ok" for d in docs.values()) == 5
    assert summary.failed == 2


def test_extractor_change_reextracts_from_stored_text_without_reading_raw(raw_copy, tmp_path, monkeypatch):
    processed = tmp_path / "processed"
    run_pipeline(raw_copy, processed)
    monkeypatch.setattr(fingerprint, "extractor_version", lambda: "new-rules")

    def no_reading(*args, **kwargs):
        raise AssertionError("raw file re-read for an extractor change")

    monkeypatch.setattr(run, "read_raw", no_reading)  # the one way a run reads raw/
    summary = run_pipeline(raw_copy, processed)
    assert summary.reextracted == 5 and summary.committed
    versions = set(pq.read_table(processed / "documents.parquet")["extractor_version"].to_pylist())
    assert versions == {f"{fingerprint.reader_version()}+new-rules"}


def test_only_one_writer_at_a_time(tmp_path):
    store = Store(tmp_path / "processed")
    with store.lock():
        with pytest.raises(StoreLocked, match="another accords run"):
            with Store(tmp_path / "processed").lock(timeout_s=0.3):
                pass
    with store.lock():  # released when the holder leaves
        pass


def test_rows_that_break_the_schema_are_refused_at_the_write_boundary(tmp_path):
    store = Store(tmp_path / "processed")
    tables = {name: [] for name in TABLES}
    tables["files"] = [{"path": "a.txt", "doc_id": "x", "size": 1}]
    with pytest.raises(StoreError, match="missing"):
        store.commit(tables)
    tables["files"] = []
    tables["dates"] = [{c: None for c in TABLES["dates"].column_names} | {"granularity": "week"}]
    with pytest.raises(StoreError, match="vocabulary"):
        store.commit(tables)
    assert store.current is None
