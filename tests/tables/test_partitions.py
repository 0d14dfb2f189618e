"""The partitioned store: per-document tables as parts by doc_id prefix, rows spooled to disk.

What a user relies on: any history of incremental runs gives the bytes a fresh run
would; a run rewrites only the parts of the documents it touched; rows travel through
the spool directory, not through memory; stores written before partitioning upgrade.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.run import execute as run_module
from pipelines.devtools.bench_corpus import write_corpus
from pipelines.run.document import process_file
from pipelines.run.execute import run_pipeline
from pipelines.tables.schema import TABLES
from pipelines.settings import get_settings
from pipelines.run.spool import Spool, SpoolWriter
from pipelines.tables.store import LAYOUT, Store, digest, part_name, prefix_of, write_parquet

PER_DOC = [name for name, spec in TABLES.items() if spec.per_document]


def digests(processed: Path) -> dict[str, str]:
    return {name: digest(processed / f"{name}.parquet") for name in TABLES}


def doc_ids(processed: Path) -> dict[str, str]:
    return {d["path"]: d["doc_id"] for d in pq.read_table(processed / "documents.parquet",
                                                           columns=["path", "doc_id"]).to_pylist()}


@pytest.fixture
def corpus(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # ingested_at is the one clock column
    raw = tmp_path / "raw"
    write_corpus(raw, 12)
    return raw


def test_per_document_tables_are_parts_named_by_doc_id_prefix_in_key_order(corpus, tmp_path):
    processed = tmp_path / "processed"
    run_pipeline(corpus, processed, settings=get_settings(workers=0))
    ids = doc_ids(processed)
    manifest = Store(processed).manifest()
    assert manifest["layout"] == LAYOUT
    for name in PER_DOC:
        directory = processed / "current" / f"{name}.parquet"
        parts = sorted(p.name for p in directory.iterdir())
        assert parts == sorted(manifest["tables"][name]["parts"]), name
        for part in parts:
            prefixes = {prefix_of(d) for d in pq.read_table(directory / part, columns=["doc_id"])["doc_id"].to_pylist()}
            assert prefixes == {part.removeprefix("part-").removesuffix(".parquet")}, (name, part)
        whole = pq.read_table(processed / f"{name}.parquet")
        assert whole.equals(whole.sort_by([(k, "ascending") for k in TABLES[name].sort_by])), name
    assert sorted(p.name for p in (processed / "current" / "documents.parquet").iterdir()) == \
        sorted({part_name(prefix_of(d)) for d in ids.values()})
    for name, spec in TABLES.items():
        assert (processed / "current" / f"{name}.parquet").is_dir() == spec.per_document, name
    assert not (processed / ".runs").exists(), "the run's spool is removed after the commit"


def test_any_history_of_incremental_runs_gives_the_bytes_of_a_fresh_run(corpus, tmp_path):
    history = tmp_path / "history"
    files = sorted(corpus.iterdir())
    parked = tmp_path / "parked"
    parked.mkdir()
    for f in files[6:]:
        f.rename(parked / f.name)
    run_pipeline(corpus, history, settings=get_settings(workers=0, batch_size=2))
    for f in sorted(parked.iterdir()):  # new files arrive
        f.rename(corpus / f.name)
    run_pipeline(corpus, history, settings=get_settings(workers=0, batch_size=5))
    files[0].write_text(files[0].read_text() + "\nThe two sides will hold a review in 2027.\n")  # changed
    files[1].unlink()  # deleted
    files[2].rename(corpus / "renamed.txt")  # renamed, same content
    shutil.copy(files[3], corpus / "copy-of-3.txt")  # same content under a second name
    summary = run_pipeline(corpus, history, settings=get_settings(workers=0, batch_size=1))
    assert summary.committed and summary.changed == 1 and summary.deleted == 2  # the deleted and the renamed path

    fresh = run_pipeline(corpus, tmp_path / "fresh", settings=get_settings(workers=0, batch_size=100))
    assert fresh.rows == summary.rows
    assert digests(history) == digests(tmp_path / "fresh")


def test_a_run_rewrites_only_the_parts_of_the_documents_it_touched(corpus, tmp_path):
    processed = tmp_path / "processed"
    run_pipeline(corpus, processed, settings=get_settings(workers=0))
    before = Store(processed).current
    changed = sorted(corpus.iterdir())[4]
    changed_prefixes = {prefix_of(doc_ids(processed)[changed.name])}
    changed.write_text(changed.read_text() + "\nJapan and India will meet again in March 2027.\n")
    summary = run_pipeline(corpus, processed, settings=get_settings(workers=0))
    assert summary.committed and summary.changed == 1
    after = Store(processed).current
    changed_prefixes.add(prefix_of(doc_ids(processed)[changed.name]))
    rewritten = {part_name(p) for p in changed_prefixes}
    for name in PER_DOC:
        for part in (after / f"{name}.parquet").iterdir():
            old = before / f"{name}.parquet" / part.name
            if part.name in rewritten:
                assert not (old.exists() and os.path.samefile(old, part)), (name, part.name)
            else:  # the previous version's file itself: a hard link, nothing rewritten
                assert os.path.samefile(old, part), (name, part.name)


def test_rows_reach_the_commit_through_spool_files_not_through_the_batches(corpus, tmp_path, monkeypatch):
    seen_spools: list[list[str]] = []
    real_commit = run_module.commit_results

    def spying_commit(plan, processed, store, spool, stored):
        assert all(type(p).__name__ == "Processed" for p in processed)  # no rows in what batches return
        seen_spools.append(sorted(p.name for p in spool.chunks("entities")))
        return real_commit(plan, processed, store, spool, stored)

    with monkeypatch.context() as patched:
        patched.setattr(run_module, "commit_results", spying_commit)
        patched.setattr(run_module, "spool_writer",
                        lambda batches, label: SpoolWriter(batches.spool_dir, label, run_module.PER_DOC, chunk_docs=3))
        summary = run_pipeline(corpus, tmp_path / "processed", settings=get_settings(workers=0))
    assert summary.committed and summary.new == 12
    assert seen_spools == [[f"read-00000-{i:06d}.entities.arrow" for i in range(4)]]  # 12 documents, 3 per chunk
    assert digests(tmp_path / "processed") == digests(_fresh(corpus, tmp_path / "reference"))


def _fresh(raw: Path, processed: Path) -> Path:
    run_pipeline(raw, processed, settings=get_settings(workers=0))
    return processed


def test_spool_keeps_one_copy_of_a_document_spooled_by_two_batches(tmp_path):
    raw = tmp_path / "raw"
    write_corpus(raw, 1)
    path = next(raw.iterdir())
    result = process_file(path, raw)
    names = tuple(n for n in TABLES if TABLES[n].per_document)
    for label in ("read-00000", "read-00001"):
        with_copy = SpoolWriter(tmp_path / "spool", label, names)
        with_copy.add(result)
        with_copy.add(result)  # the same content twice in one batch is spooled once
        with_copy.close()
    spool = Spool(tmp_path / "spool")
    for name in names:
        expected = len(result.tables[name])
        parts = spool.partition(name)
        got = sum(Spool.read(p, name).num_rows for p in parts.values())
        assert got == expected, name


def test_a_store_written_before_partitioning_upgrades_on_the_next_run(corpus, tmp_path):
    processed = tmp_path / "processed"
    run_pipeline(corpus, processed, settings=get_settings(workers=0))
    expected = {name: pq.read_table(processed / f"{name}.parquet") for name in TABLES}
    # Rewrite the current version as the old layout: one file per table, no "layout" in the manifest.
    legacy = processed / "versions" / "000009"
    legacy.mkdir()
    entries = {}
    for name, table in expected.items():
        write_parquet(table, legacy / f"{name}.parquet")
        entries[name] = {"rows": table.num_rows, "sha256": digest(legacy / f"{name}.parquet")}
    (legacy / "manifest.json").write_text(json.dumps({"schema_version": "1.0.0", "tables": entries}))
    os.replace(_symlink(processed, "versions/000009"), processed / "current")
    for name in TABLES:  # the old top-level links pointed at files
        (processed / f"{name}.parquet").unlink()
        os.symlink(Path("current") / f"{name}.parquet", processed / f"{name}.parquet")
    assert not Store(processed).partitioned

    summary = run_pipeline(corpus, processed, settings=get_settings(workers=0))
    assert summary.committed and summary.unchanged == 12 and Store(processed).partitioned
    for name, table in expected.items():
        assert pq.read_table(processed / f"{name}.parquet").equals(table), name
    assert digests(processed) == digests(_fresh(corpus, tmp_path / "fresh"))


def _symlink(root: Path, target: str) -> Path:
    link = root / ".current-test"
    os.symlink(target, link)
    return link


def test_a_table_with_no_rows_is_one_empty_part_with_its_columns(tmp_path):
    store = Store(tmp_path / "processed")
    store.commit({name: [] for name in TABLES})
    for name in PER_DOC:
        directory = tmp_path / "processed" / f"{name}.parquet"
        assert [p.name for p in directory.iterdir()] == [part_name("00")]
        table = pq.read_table(directory)
        assert table.num_rows == 0 and table.schema.equals(TABLES[name].schema, check_metadata=False)
    assert isinstance(store.read_arrow("entities"), pa.Table)
