"""The store's write lock (processed/.lock, filelock): exclusive, waited for on request, never follows a link."""
import os
import threading

import pytest

from helpers.samples import handmade_output
from pipelines.tables.schema import TABLES
from pipelines.tables.store import Store, StoreError, StoreLocked


def test_a_symlinked_lock_is_refused_and_its_target_left_alone(tmp_path):
    processed = tmp_path / "processed"
    processed.mkdir()
    precious = tmp_path / "precious.txt"
    precious.write_text("not yours\n")
    (processed / ".lock").symlink_to(precious)
    with pytest.raises(StoreError, match="symbolic link"):
        with Store(processed).lock():
            pass
    assert precious.read_text() == "not yours\n"
    # A dangling link is not followed either (it would create the file it names).
    (processed / ".lock").unlink()
    (processed / ".lock").symlink_to(tmp_path / "created-by-the-lock")
    with pytest.raises(StoreError, match="symbolic link"):
        with Store(processed).lock():
            pass
    assert not (tmp_path / "created-by-the-lock").exists()


def test_a_symlinked_lock_fails_a_run_with_a_message_not_a_traceback(tmp_path, capsys, monkeypatch):
    from pipelines.cli import main

    monkeypatch.setenv("ACCORDS_WORKERS", "0")
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    raw.mkdir()
    processed.mkdir()
    (raw / "a.txt").write_text("Japan and Canada will meet in 2026.\n")
    (processed / ".lock").symlink_to(tmp_path / "elsewhere")
    assert main(["run", "--no-prefect", "--raw", str(raw), "--processed", str(processed)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("accords: ") and "symbolic link" in err and "Traceback" not in err
    assert not (tmp_path / "elsewhere").exists() and Store(processed).current is None


def test_the_lock_names_its_holder_and_a_waiting_writer_gets_it_when_freed(tmp_path):
    store = Store(tmp_path / "processed")
    held, release = threading.Event(), threading.Event()

    def holder():
        with Store(store.root).lock():
            held.set()
            release.wait(30)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(10)
    assert (store.root / ".lock").read_text().strip() == str(os.getpid())
    with pytest.raises(StoreLocked, match="another accords run is writing"):
        with store.lock(timeout_s=0):
            pass
    threading.Timer(0.3, release.set).start()
    with store.lock(timeout_s=30):  # waits for the holder instead of refusing
        assert not (store.root / ".lock").is_symlink()
    t.join(10)


def test_a_connection_keeps_reading_its_version_across_many_commits(tmp_path):
    from pipelines.tables import load

    root = handmade_output(tmp_path / "processed")
    con = load.connect(root)
    first = load.snapshot(root)
    base = {name: Store(root).read_arrow(name) for name in TABLES}
    for i in range(5):  # more commits than versions kept
        tables = dict(base)
        tables["commitments"] = base["commitments"].slice(0, i % 3)
        Store(root).commit(tables)
        assert con.execute("select count(*) from commitments").fetchone()[0] == 3, i
        assert con.execute("select count(*) from documents").fetchone()[0] == 3, i
    assert first.exists()
    assert load.connect(root).execute("select count(*) from commitments").fetchone()[0] == 4 % 3
    # Once the connection is gone, the next commit collects its version.
    del con
    import gc

    gc.collect()
    Store(root).commit(base)
    assert not first.exists()
    versions = [p for p in (root / "versions").iterdir() if p.name.isdigit()]
    assert len(versions) <= 3
