"""raw/ as an attacker or a careless hand leaves it (issues 18 and 19): a mistyped, emptied or
unreadable raw folder never wipes the store; odd entries become failed rows while every other
document lands; files swapped after the scan are never followed; failed documents are retried,
boundedly; --full re-reads everything; a replacement keeping size and mtime is noticed.

Runs are in-process (workers=0) on a few short generated statements, so each takes well under a second.
"""
from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from helpers import hostile
from pipelines.cli import main as cli_main
from pipelines.run import document, fingerprint, rawfile
from pipelines.run import execute as run
from pipelines.run.execute import DeletionRefused, run_pipeline
from pipelines.run.plan import RawDirError
from pipelines.settings import get_settings

SETTINGS = get_settings(workers=0)
COUNTRIES = ("Canada", "Chile", "Kenya", "Norway")
SECRET = "TOP-SECRET-TOKEN-4711"


def statement(country: str) -> str:
    return hostile.PROSE.replace("Canada", country)


def make_raw(root: Path, countries=COUNTRIES) -> Path:
    raw = root / "raw"
    raw.mkdir(exist_ok=True)
    for country in countries:
        (raw / f"{country.lower()}.txt").write_text(statement(country))
    return raw


def documents(processed: Path) -> dict[str, dict]:
    return {d["path"]: d for d in pq.read_table(processed / "documents.parquet").to_pylist()}


def files(processed: Path) -> dict[str, dict]:
    return {f["path"]: f for f in pq.read_table(processed / "files.parquet").to_pylist()}


def current(processed: Path) -> str:
    return os.readlink(processed / "current")


@pytest.fixture
def store(tmp_path):
    raw = make_raw(tmp_path)
    processed = tmp_path / "processed"
    summary = run_pipeline(raw, processed, settings=SETTINGS)
    assert summary.new == len(COUNTRIES) and summary.failed == 0
    return raw, processed


# -- 18.1, 19.3: a missing, non-folder or unreadable raw/ ----------------------------------------

def test_mistyped_raw_folder_is_refused_by_the_cli_and_deletes_nothing(store, tmp_path, capsys):
    raw, processed = store
    version = current(processed)
    code = cli_main(["run", "--no-prefect", "--raw", str(tmp_path / "raww"), "--processed", str(processed)])
    assert code != 0
    assert "does not exist" in capsys.readouterr().err
    assert current(processed) == version
    assert len(documents(processed)) == len(COUNTRIES)


def test_a_file_in_place_of_the_raw_folder_is_refused(store, tmp_path):
    raw, processed = store
    shutil.rmtree(raw)
    raw.write_text("not a folder")
    with pytest.raises(RawDirError, match="not a folder"):
        run_pipeline(raw, processed, settings=SETTINGS)
    assert len(documents(processed)) == len(COUNTRIES)


def _deny(monkeypatch, folder: Path):
    """chmod 000 as root would still list the folder: simulate it."""
    real = os.scandir

    def scandir(path="."):
        if isinstance(path, (str, os.PathLike)) and Path(path) == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_raw_folder_is_refused_never_taken_for_empty(store, monkeypatch):
    raw, processed = store
    version = current(processed)
    _deny(monkeypatch, raw)
    with pytest.raises(RawDirError, match="cannot be read"):
        run_pipeline(raw, processed, settings=SETTINGS)
    assert current(processed) == version


def test_an_unreadable_subfolder_keeps_its_documents_and_the_rest_lands(tmp_path, monkeypatch):
    raw = make_raw(tmp_path, COUNTRIES[:2])
    (raw / "sub").mkdir()
    (raw / "sub" / "kenya.txt").write_text(statement("Kenya"))
    processed = tmp_path / "processed"
    run_pipeline(raw, processed, settings=SETTINGS)
    (raw / "norway.txt").write_text(statement("Norway"))
    _deny(monkeypatch, raw / "sub")
    summary = run_pipeline(raw, processed, settings=SETTINGS)
    assert summary.deleted == 0 and summary.new == 1
    assert any("'sub'" in w and "cannot be read" in w for w in summary.warnings)
    assert set(documents(processed)) == {"canada.txt", "chile.txt", "sub/kenya.txt", "norway.txt"}
    monkeypatch.undo()
    summary = run_pipeline(raw, processed, settings=SETTINGS)
    assert summary.unchanged == 4 and not summary.warnings and not summary.committed


# -- mass-deletion guard ------------------------------------------------------------------------

def test_an_emptied_raw_folder_deletes_nothing_without_allow_deletions(store):
    raw, processed = store
    version = current(processed)
    for path in raw.iterdir():
        path.unlink()
    with pytest.raises(DeletionRefused, match="--allow-deletions"):
        run_pipeline(raw, processed, settings=SETTINGS)
    assert current(processed) == version and len(documents(processed)) == len(COUNTRIES)
    summary = run_pipeline(raw, processed, settings=SETTINGS, allow_deletions=True)
    assert summary.deleted == len(COUNTRIES) and summary.committed
    assert documents(processed) == {}


def test_deleting_more_than_the_share_is_refused_a_few_is_not(store, capsys):
    raw, processed = store
    (raw / "canada.txt").unlink()
    assert run_pipeline(raw, processed, settings=SETTINGS).deleted == 1  # 1 of 4: allowed
    (raw / "chile.txt").unlink()
    (raw / "kenya.txt").unlink()
    code = cli_main(["run", "--no-prefect", "--raw", str(raw), "--processed", str(processed)])
    assert code != 0 and "refusing to delete 2 of the 3" in capsys.readouterr().err
    assert set(documents(processed)) == {"chile.txt", "kenya.txt", "norway.txt"}
    code = cli_main(["run", "--no-prefect", "--allow-deletions", "--raw", str(raw), "--processed", str(processed)])
    assert code == 0 and set(documents(processed)) == {"norway.txt"}


def test_moving_every_file_or_editing_every_file_is_not_a_deletion(store):
    raw, processed = store
    (raw / "moved").mkdir()
    for path in sorted(raw.glob("*.txt")):
        path.rename(raw / "moved" / path.name)
    summary = run_pipeline(raw, processed, settings=SETTINGS)
    assert summary.committed and set(documents(processed)) == {f"moved/{c.lower()}.txt" for c in COUNTRIES}
    for path in raw.glob("moved/*.txt"):
        path.write_text(path.read_text() + "\nThe ministers met again in May.\n")
    summary = run_pipeline(raw, processed, settings=SETTINGS)
    assert summary.changed == len(COUNTRIES) and summary.committed


# -- 18.4: --full ------------------------------------------------------------------------------

def test_full_rereads_and_reextracts_every_document(store, monkeypatch):
    raw, processed = store
    seen = []
    original = run.process_bytes

    def counting(path, rel, data, settings, ingested_at):
        seen.append(rel)
        return original(path, rel, data, settings, ingested_at)

    monkeypatch.setattr(run, "process_bytes", counting)
    summary = run_pipeline(raw, processed, full=True, settings=SETTINGS)
    assert sorted(seen) == sorted(f"{c.lower()}.txt" for c in COUNTRIES)
    assert summary.unchanged == 0 and summary.changed == len(COUNTRIES)
    assert "Chile" in documents(processed)["chile.txt"]["text"]


# -- 19.1: odd entries become failed rows; every other document lands ---------------------------

def test_odd_entries_become_failed_rows_and_every_other_document_lands(tmp_path, monkeypatch):
    raw = make_raw(tmp_path)
    os.symlink("loop", raw / "loop")
    os.symlink("b-link", raw / "a-link")
    os.symlink("a-link", raw / "b-link")
    bad_name = os.fsencode(raw) + b"/caf\xe9-latin1-name.txt"
    with open(bad_name, "wb") as handle:
        handle.write(statement("Peru").encode())
    (raw / "bad-sector.txt").write_text(statement("Ghana"))
    with open(raw / "huge.txt", "wb") as handle:  # 3 GB, sparse: costs nothing unless read
        handle.truncate(3 * 1024 ** 3)
    read_bytes = {}
    real_read = rawfile._read

    def disk(fd, n):
        name = os.readlink(f"/proc/self/fd/{fd}")
        if name.endswith("bad-sector.txt"):
            raise OSError(errno.EIO, "Input/output error")
        chunk = real_read(fd, n)
        read_bytes[name] = read_bytes.get(name, 0) + len(chunk)
        return chunk

    monkeypatch.setattr(rawfile, "_read", disk)
    monkeypatch.setattr(rawfile, "RETRY_DELAYS_S", (0, 0))
    summary = run_pipeline(raw, tmp_path / "processed", settings=SETTINGS)
    docs = documents(tmp_path / "processed")
    for country in COUNTRIES:
        assert docs[f"{country.lower()}.txt"]["status"] == "ok"
        assert country in docs[f"{country.lower()}.txt"]["text"]
    expected = {"loop": "symlink loop", "a-link": "symlink loop", "b-link": "symlink loop",
                "caf\\xe9-latin1-name.txt": "not valid UTF-8", "bad-sector.txt": "Input/output error",
                "huge.txt": "too large"}
    for name, words in expected.items():
        assert docs[name]["status"] == "failed" and words in docs[name]["error"], (name, docs[name]["error"])
    assert summary.failed == len(expected)
    assert not any(name.endswith("huge.txt") for name in read_bytes)  # refused on fstat, never read
    assert "attempts" in docs["bad-sector.txt"]["error"]


def test_reading_stops_one_byte_past_the_limit_even_when_the_file_grows(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    path = raw / "growing.txt"
    path.write_bytes(b"x" * 1000)
    settings = get_settings(workers=0, max_file_mb=1)
    real_read = rawfile._read
    total = []

    def grow_then_read(fd, n):
        if not total:
            with open(path, "ab") as handle:
                handle.write(b"y" * (3 * 1024 * 1024))
        chunk = real_read(fd, n)
        total.append(len(chunk))
        return chunk

    monkeypatch.setattr(rawfile, "_read", grow_then_read)
    with pytest.raises(rawfile.RawFileError, match="too large"):
        rawfile.read_raw(raw, path, settings)
    assert sum(total) == 1024 * 1024 + 1


def test_reading_hashes_what_it_returns(tmp_path):
    raw = make_raw(tmp_path, ["Chile"])
    got = rawfile.read_raw(raw, raw / "chile.txt", SETTINGS)
    assert got.data == statement("Chile").encode()
    assert got.doc_id == document.doc_id_for(got.data)


# -- 19.4: files swapped after the scan ---------------------------------------------------------

def _swap_after_planning(monkeypatch, swap):
    original = run.plan_run

    def plan_then_swap(*args, **kwargs):
        plan = original(*args, **kwargs)
        swap()
        return plan

    monkeypatch.setattr(run, "plan_run", plan_then_swap)


def test_a_file_swapped_for_a_symlink_leaving_raw_is_not_followed(tmp_path, monkeypatch):
    raw = make_raw(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}\n" + statement("Narnia"))
    (raw / "sub").mkdir()
    (raw / "sub" / "inner.txt").write_text(statement("Peru"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "inner.txt").write_text(f"{SECRET}\n")

    def swap():
        (raw / "chile.txt").unlink()
        (raw / "chile.txt").symlink_to(secret)
        shutil.rmtree(raw / "sub")
        (raw / "sub").symlink_to(outside, target_is_directory=True)

    _swap_after_planning(monkeypatch, swap)
    run_pipeline(raw, tmp_path / "processed", settings=SETTINGS)
    docs = documents(tmp_path / "processed")
    assert all(SECRET not in d["text"] for d in docs.values())
    assert docs["chile.txt"]["status"] == "failed" and "symlink" in docs["chile.txt"]["error"]
    assert docs["sub/inner.txt"]["status"] == "failed" and "symlink" in docs["sub/inner.txt"]["error"]
    assert docs["kenya.txt"]["status"] == "ok"


def test_a_file_swapped_for_a_fifo_fails_instead_of_blocking(tmp_path, monkeypatch):
    raw = make_raw(tmp_path)

    def swap():
        (raw / "kenya.txt").unlink()
        os.mkfifo(raw / "kenya.txt")

    _swap_after_planning(monkeypatch, swap)
    summary = run_pipeline(raw, tmp_path / "processed", settings=SETTINGS)
    docs = documents(tmp_path / "processed")
    assert docs["kenya.txt"]["status"] == "failed" and "FIFO" in docs["kenya.txt"]["error"]
    assert summary.failed == 1 and docs["norway.txt"]["status"] == "ok"


def test_symlinks_inside_raw_are_still_read(tmp_path):
    raw = make_raw(tmp_path, ["Chile"])
    (raw / "alias.txt").symlink_to("chile.txt")
    run_pipeline(raw, tmp_path / "processed", settings=SETTINGS)
    rows = files(tmp_path / "processed")
    assert rows["alias.txt"]["doc_id"] == rows["chile.txt"]["doc_id"]
    (doc,) = documents(tmp_path / "processed").values()
    assert doc["status"] == "ok" and "Chile" in doc["text"]


# -- 19.2: failed documents are retried, boundedly ----------------------------------------------

def _flaky_reader(monkeypatch):
    real = document.read_document

    def read(path, settings=None, data=None):
        if b"Kenya" in data:
            raise MemoryError("simulated out-of-memory")
        return real(path, settings, data=data)

    monkeypatch.setattr(document, "read_document", read)


def test_a_failed_document_is_retried_on_the_next_run(tmp_path, monkeypatch):
    raw = make_raw(tmp_path)
    processed = tmp_path / "processed"
    with monkeypatch.context() as patch:
        _flaky_reader(patch)
        assert run_pipeline(raw, processed, settings=SETTINGS).failed == 1
    assert documents(processed)["kenya.txt"]["status"] == "failed"
    summary = run_pipeline(raw, processed, settings=SETTINGS)
    assert summary.retried == 1 and summary.failed == 0 and summary.committed
    assert documents(processed)["kenya.txt"]["status"] == "ok"
    assert files(processed)["kenya.txt"]["attempts"] == 0
    assert not run_pipeline(raw, processed, settings=SETTINGS).committed


def test_retries_stop_after_max_attempts_but_full_and_a_code_change_retry(tmp_path, monkeypatch):
    raw = make_raw(tmp_path)
    processed = tmp_path / "processed"
    settings = get_settings(workers=0, max_attempts=2)
    _flaky_reader(monkeypatch)
    run_pipeline(raw, processed, settings=settings)
    assert run_pipeline(raw, processed, settings=settings).retried == 1
    assert files(processed)["kenya.txt"]["attempts"] == 2
    waiting = run_pipeline(raw, processed, settings=settings)
    assert waiting.retried == 0 and not waiting.committed
    assert run_pipeline(raw, processed, full=True, settings=settings).failed == 1
    monkeypatch.undo()  # the "fix"
    monkeypatch.setattr(fingerprint, "extractor_version", lambda: "fixed-rules")
    summary = run_pipeline(raw, processed, settings=settings)
    assert summary.retried == 1 and summary.failed == 0
    assert documents(processed)["kenya.txt"]["status"] == "ok"


# -- 19.6: a replacement that keeps size and mtime ----------------------------------------------

@pytest.mark.parametrize("how", ["cp -p", "rsync -a"])
def test_a_replacement_keeping_size_and_mtime_is_read(store, tmp_path, how):
    raw, processed = store
    target = raw / "chile.txt"
    before = target.stat()
    replacement = statement("Chile").replace("hydrogen", "ammonia ")  # same length
    assert len(replacement) == len(statement("Chile"))
    if how == "cp -p":  # same inode, rewritten in place
        target.write_text(replacement)
    else:  # a new file renamed over the old one
        tmp = raw / ".chile.txt.tmp"
        tmp.write_text(replacement)
        tmp.replace(target)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert target.stat().st_size == before.st_size and target.stat().st_mtime_ns == before.st_mtime_ns
    summary = run_pipeline(raw, processed, settings=SETTINGS)
    assert summary.changed == 1 and summary.committed
    assert "ammonia" in documents(processed)["chile.txt"]["text"]


def test_a_chmod_is_hashed_but_not_extracted_again(store, monkeypatch):
    raw, processed = store
    os.chmod(raw / "norway.txt", 0o600)

    def no_extraction(*args, **kwargs):
        raise AssertionError("same content extracted again")

    monkeypatch.setattr(run, "process_bytes", no_extraction)
    summary = run_pipeline(raw, processed, settings=SETTINGS)
    assert summary.unchanged == len(COUNTRIES)
    assert files(processed)["norway.txt"]["ctime_ns"] == (raw / "norway.txt").stat().st_ctime_ns


def test_fifos_and_dangling_links_in_raw_are_skipped_with_a_warning(tmp_path):
    raw = make_raw(tmp_path, ["Chile"])
    os.mkfifo(raw / "pipe.txt")
    (raw / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    summary = run_pipeline(raw, tmp_path / "processed", settings=SETTINGS)
    assert summary.new == 1 and summary.failed == 0
    assert "'pipe.txt' in raw/ is a FIFO, not a file; skipped" in summary.warnings
    assert "'gone.txt' in raw/ is a dangling symlink, not a file; skipped" in summary.warnings
    assert set(documents(tmp_path / "processed")) == {"chile.txt"}


def test_a_refused_file_is_retried_boundedly_then_the_store_settles(tmp_path):
    raw = make_raw(tmp_path, ["Chile"])
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    (raw / "outside.txt").symlink_to(secret)
    processed = tmp_path / "processed"
    settings = get_settings(workers=0, max_attempts=2)
    assert run_pipeline(raw, processed, settings=settings).failed == 1
    assert run_pipeline(raw, processed, settings=settings).retried == 1
    version = current(processed)
    settled = run_pipeline(raw, processed, settings=settings)
    assert settled.retried == 0 and not settled.committed and current(processed) == version
    assert documents(processed)["outside.txt"]["status"] == "failed"
