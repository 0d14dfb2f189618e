"""Bad input (issue 8): every hostile file gives a failed row with a clear error, or is read
correctly; never a crash, never a silent empty success.  Security: no network, nothing from a
document executed, no path from a document used.

One run of the real pipeline (worker processes, time and memory bounds) reads a raw/ folder of
generated hostile files plus the real problem PDFs in tests/fixtures/pdfs; the tests then check each row.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from helpers import hostile
from helpers.paths import PDFS
from pipelines.run import execute as run
from pipelines.run.execute import run_pipeline
from pipelines.settings import get_settings

SECRET = "TOP-SECRET-TOKEN-4711"
DOC_TIMEOUT_S = 10
BIG_MB = 8  # past the extraction budget of doc_memory_mb=1536 (5.4 M characters), read in ~2 s


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    raw = root / "raw"
    raw.mkdir()
    secret = root / "secret.txt"
    secret.write_text(f"{SECRET}\nroot:x:0:0:root:/root:/bin/bash\n")
    for name, data in hostile.hostile_files().items():
        (raw / name).write_bytes(data)
    for name in ("password-example.pdf", "empty.pdf", "pr-136-example.pdf", "malformed-from-issue-932.pdf"):
        shutil.copyfile(PDFS / name, raw / f"shared-{name}")
    (raw / "xxe.html").write_bytes(hostile.xxe_html(secret))
    (raw / "outside-link.txt").symlink_to(secret)
    (raw / "outside-dir").symlink_to(root, target_is_directory=True)
    (raw / "bomb.pdf").write_bytes(hostile.bomb_pdf(300))
    (raw / "huge-stream.pdf").write_bytes(hostile.huge_stream_pdf(300_000))
    (raw / "nested.html").write_bytes(hostile.nested_html(100_000))
    (raw / "many-pages.pdf").write_bytes(hostile.many_pages_pdf(2100))
    line = hostile.PROSE.replace("\n\n", " ").replace("\n", " ").encode() + b"\n\n"
    (raw / "big.txt").write_bytes(line * (BIG_MB * 1024 * 1024 // len(line) + 1))
    raw_before = _tree(raw)
    settings = get_settings(workers=2, doc_timeout_s=DOC_TIMEOUT_S, doc_memory_mb=1536)
    started = time.monotonic()
    summary = run_pipeline(raw, root / "processed", settings=settings)
    elapsed = time.monotonic() - started
    by_id = {d["doc_id"]: d for d in pq.read_table(root / "processed" / "documents.parquet").to_pylist()}
    # Files with equal bytes (empty.txt, empty.pdf) share one documents row: look rows up by file.
    files = pq.read_table(root / "processed" / "files.parquet").to_pylist()
    docs = {f["path"]: by_id[f["doc_id"]] for f in files}
    return {"root": root, "raw": raw, "docs": docs, "summary": summary, "elapsed": elapsed,
            "raw_before": raw_before, "processed": root / "processed"}


def doc(hostile_run, name):
    return hostile_run["docs"][name]


FAILS = {  # file -> words the error must hold (any of them)
    "empty.txt": ("empty",),
    "whitespace.txt": ("empty",),
    "junk.txt": ("binary", "unsupported", "not text"),
    "junk.pdf": ("binary", "unsupported", "damaged", "not text"),
    "pdf-header-then-junk.pdf": ("damaged", "truncated"),
    "truncated.pdf": ("damaged", "truncated"),
    "encrypted-real-password.pdf": ("encrypted",),
    "only-markup.html": ("no text",),
    "shared-password-example.pdf": ("encrypted",),
    "shared-empty.pdf": ("empty",),
    "shared-pr-136-example.pdf": ("image-only",),
    "outside-link.txt": ("symlink", "outside"),
    "outside-dir": ("symlink", "outside"),
    "many-pages.pdf": ("too long",),
}


def test_the_run_completes_within_its_bounds_and_reads_nothing_twice(hostile_run):
    summary, docs = hostile_run["summary"], hostile_run["docs"]
    assert summary.committed
    expected = set(hostile.hostile_files()) | {"xxe.html", "outside-link.txt", "outside-dir", "bomb.pdf",
                                               "huge-stream.pdf", "nested.html", "many-pages.pdf", "big.txt",
                                               "shared-password-example.pdf", "shared-empty.pdf",
                                               "shared-pr-136-example.pdf", "shared-malformed-from-issue-932.pdf"}
    # One row per file: files with equal content share one documents row.
    files = pq.read_table(hostile_run["processed"] / "files.parquet").to_pylist()
    assert {f["path"] for f in files} == expected
    documents = pq.read_table(hostile_run["processed"] / "documents.parquet").to_pylist()
    assert {f["doc_id"] for f in files} == {d["doc_id"] for d in documents}
    assert len(documents) == len({d["doc_id"] for d in documents})
    assert hostile_run["elapsed"] < 80, hostile_run["elapsed"]


@pytest.mark.parametrize("name", sorted(FAILS))
def test_bad_file_gives_a_failed_row_with_a_clear_error(hostile_run, name):
    row = doc(hostile_run, name)
    assert row["status"] == "failed", (name, row["format"], row["text"][:200])
    assert any(word in row["error"].lower() for word in FAILS[name]), (name, row["error"])
    assert "Traceback" not in row["error"]


@pytest.mark.parametrize("name, must_find", [
    ("html-named.pdf", "Government of Japan"),
    ("encrypted-empty-password.pdf", "Clean Energy Cooperation"),
    ("cp1252.txt", "Ministers’ Joint Statement — “Partners for Growth”"),
    ("cp1252.txt", "€5 million café-to-market"),
    ("nul-and-control.txt", "The Government of Japan"),
    ("a file with spaces.txt", "Tokyo, 18 March 2026"),
    ("résumé 東京 ✓.txt", "Kyoto, 18 March 2026"),
    ("new\nline.txt", "Government of Chile"),
    ("unbalanced.html", "agreed to meet"),
    ("xxe.html", "The ministers agreed to cooperate."),
])
def test_odd_but_valid_file_is_read_correctly(hostile_run, name, must_find):
    row = doc(hostile_run, name)
    assert row["status"] == "ok", (name, row["error"])
    assert must_find in row["text"], (name, row["text"][:300])
    assert row["n_chars"] == len(row["text"]) > 20


def test_html_named_pdf_is_read_as_html(hostile_run):
    assert doc(hostile_run, "html-named.pdf")["format"] == "html"
    assert doc(hostile_run, "encrypted-empty-password.pdf")["format"] == "pdf"


@pytest.mark.parametrize("name, must_find, language", [
    ("cp1251.txt", "Москва, 18 марта 2026 года", "ru"),
    ("shift_jis.txt", "東京、二〇二六年三月十八日", "ja"),
])
def test_legacy_encodings_are_decoded_correctly(hostile_run, name, must_find, language):
    row = doc(hostile_run, name)
    assert row["status"] == "ok", row["error"]
    assert must_find in row["text"], row["text"][:200]
    assert row["language"] == language
    assert "\ufffd" not in row["text"]


def test_nul_and_control_characters_never_reach_the_text(hostile_run):
    for row in hostile_run["docs"].values():
        bad = {c for c in row["text"] if (ord(c) < 32 and c != "\n") or 0x7f <= ord(c) < 0xa0}
        assert not bad, (row["path"], sorted(map(hex, map(ord, bad))))


def test_a_large_content_stream_is_read(hostile_run):
    row = doc(hostile_run, "bomb.pdf")
    assert row["status"] == "ok", row["error"]
    assert "A page with a very large content stream." in row["text"]


def test_a_content_stream_that_takes_minutes_is_stopped_by_the_time_bound(hostile_run):
    # Alone it reads for over two minutes; the run's doc_timeout_s is 10 s.
    row = doc(hostile_run, "huge-stream.pdf")
    assert row["status"] == "failed" and row["error"] == f"timed out after {DOC_TIMEOUT_S} s (doc_timeout_s)"


def test_malformed_pdf_is_read(hostile_run):
    row = doc(hostile_run, "shared-malformed-from-issue-932.pdf")
    assert row["status"] == "ok" and row["n_chars"] > 0, row["error"]


def test_deeply_nested_html_fails_clearly_instead_of_recursing(hostile_run):
    # 100,000 nested elements: the parser stops at its depth limit, so the text inside is never
    # reached and the page is recorded as holding no readable text.
    row = doc(hostile_run, "nested.html")
    assert row["status"] == "failed" and row["error"].startswith("no text"), row["error"]


def test_a_text_past_the_extraction_budget_is_refused_as_too_long(hostile_run):
    row = doc(hostile_run, "big.txt")
    assert row["status"] == "failed" and "document too long to extract" in row["error"], row["error"]
    assert row["n_chars"] > 7_000_000  # read whole; the extraction budget refused it


def test_no_silent_empty_success(hostile_run):
    for row in hostile_run["docs"].values():
        if row["status"] == "ok":
            assert row["text"].strip() and row["n_chars"] > 0, row["path"]
        else:
            assert row["error"], row["path"]


def test_symlinks_leaving_raw_are_not_followed_and_nothing_leaks(hostile_run):
    processed = hostile_run["processed"]
    for name in ("documents", "blocks", "entities", "commitments", "agreement_mentions", "dates"):
        for row in pq.read_table(processed / f"{name}.parquet").to_pylist():
            assert SECRET not in str(row) and "root:x:0:0" not in str(row), name


def test_xxe_scripts_and_entities_are_neither_fetched_expanded_nor_executed(hostile_run):
    row = doc(hostile_run, "xxe.html")
    text = row["text"]
    assert SECRET not in text and "INJECTED BY SCRIPT" not in text and "evil.js" not in text
    assert "lollollol" * 10 not in text
    assert len(text) < 5000
    assert row["source_url"] is None or SECRET not in row["source_url"]
    root = hostile_run["root"]
    assert not list(root.rglob("pwned")) and not (Path.cwd() / "pwned").exists()


def test_raw_is_never_written(hostile_run):
    assert _tree(hostile_run["raw"]) == hostile_run["raw_before"]


# -- in-process checks ---------------------------------------------------------------------------------

def test_no_network_access_while_reading_hostile_html(tmp_path, monkeypatch):
    attempts = []

    def refuse(self, address, *args):
        attempts.append(address)
        raise OSError("network access during a run")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: attempts.append(a) or [])
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "xxe.html").write_bytes(hostile.xxe_html(secret))
    (raw / "remote.html").write_bytes(
        b'<!DOCTYPE html SYSTEM "http://127.0.0.1:9/x.dtd"><html><body><h1>Remote</h1>'
        b'<p>The parties agreed to meet.</p><img src="http://127.0.0.1:9/a.png"></body></html>')
    run_pipeline(raw, tmp_path / "processed", settings=get_settings(workers=0))
    assert attempts == []
    docs = pq.read_table(tmp_path / "processed" / "documents.parquet").to_pylist()
    assert all(SECRET not in d["text"] for d in docs)


def test_a_file_changing_while_being_read_ends_consistent(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    target = raw / "moving.txt"
    target.write_text(hostile.PROSE)
    (raw / "still.txt").write_text(hostile.PROSE.replace("Canada", "Chile"))
    original = run.process_bytes
    changed = []

    def change_midway(path, rel, data, settings, ingested_at):
        if rel == "moving.txt" and not changed:
            target.write_text(hostile.PROSE.replace("Canada", "Kenya") + "\nAppended while read.\n")
            changed.append(rel)
        return original(path, rel, data, settings, ingested_at)

    monkeypatch.setattr(run, "process_bytes", change_midway)
    settings = get_settings(workers=0)
    run_pipeline(raw, tmp_path / "processed", settings=settings)
    docs = {d["path"]: d for d in pq.read_table(tmp_path / "processed" / "documents.parquet").to_pylist()}
    assert set(docs) == {"moving.txt", "still.txt"}
    # The run extracts the bytes it read and hashed: the content before the change.
    assert docs["moving.txt"]["status"] == "ok" and "Appended while read." not in docs["moving.txt"]["text"]
    # The next run sees the new stat and settles on the final content.
    os.utime(target, ns=(time.time_ns(), time.time_ns()))
    run_pipeline(raw, tmp_path / "processed", settings=settings)
    docs = {d["path"]: d for d in pq.read_table(tmp_path / "processed" / "documents.parquet").to_pylist()}
    files = {f["path"]: f for f in pq.read_table(tmp_path / "processed" / "files.parquet").to_pylist()}
    assert files["moving.txt"]["doc_id"] == hashlib.sha256(target.read_bytes()).hexdigest()[:16]
    assert docs["moving.txt"]["doc_id"] == files["moving.txt"]["doc_id"]
    assert "Appended while read." in docs["moving.txt"]["text"]
    assert len(docs) == 2
