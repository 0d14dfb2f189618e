"""The Parquet store in ``processed/``: atomic, deterministic, versioned.

Layout::

    processed/
      versions/000007/<table>.parquet   every table of one run, plus manifest.json
      current -> versions/000007        swapped with one atomic rename
      <table>.parquet -> current/<table>.parquet
      .lock                             held (flock) by the run that writes

A run writes a complete new version directory, fsyncs it, then replaces the
``current`` symlink with ``os.replace``: a reader, or a run killed at any
moment, sees all tables of one run or all tables of the previous one, never a
mix.  Rows are sorted by each table's declared key and written with fixed
Parquet options and no wall-clock metadata, so equal rows give equal bytes.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.schema import SCHEMA_VERSION, TABLES, Table

KEEP_VERSIONS = 3


class StoreError(Exception):
    """The store cannot be read or written; the message says why."""


class StoreLocked(StoreError):
    pass


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def to_arrow(table: Table, rows: list[dict]) -> pa.Table:
    """Check rows against the declared schema and sort them by the table's key."""
    names = table.column_names
    for row in rows[:1]:
        extra = set(row) - set(names)
        missing = set(names) - set(row)
        if extra or missing:
            raise StoreError(f"{table.name}: rows do not match the schema "
                             f"(unexpected {sorted(extra)}, missing {sorted(missing)})")
    for column in table.columns:
        if column.allowed:
            bad = {r[column.name] for r in rows if r[column.name] is not None} - set(column.allowed)
            if bad:
                raise StoreError(f"{table.name}.{column.name}: values outside the vocabulary: {sorted(map(str, bad))[:5]}")
    try:
        arrow = pa.Table.from_pylist(rows, schema=table.schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise StoreError(f"{table.name}: {exc}") from exc
    return sort_by_key(table, arrow)


def sort_by_key(table: Table, arrow: pa.Table) -> pa.Table:
    """The table's declared row order (nulls last); the one sort every write goes through."""
    return arrow.sort_by([(k, "ascending") for k in table.sort_by])


def write_parquet(arrow: pa.Table, path: Path) -> None:
    pq.write_table(
        arrow, path, compression="zstd", compression_level=3, use_dictionary=True,
        write_statistics=True, row_group_size=64_000, version="2.6",
        store_schema=True,
    )
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


class Store:
    def __init__(self, root: Path):
        self.root = Path(root)

    # -- reading -----------------------------------------------------------------
    @property
    def current(self) -> Path | None:
        link = self.root / "current"
        if not link.is_symlink() and not link.exists():
            return None
        target = link.resolve()
        return target if (target / "manifest.json").exists() else None

    def manifest(self) -> dict:
        current = self.current
        if current is None:
            return {}
        return json.loads((current / "manifest.json").read_text())

    def read_rows(self, name: str) -> list[dict]:
        current = self.current
        if current is None or not (current / f"{name}.parquet").exists():
            return []
        return pq.read_table(current / f"{name}.parquet").to_pylist()

    def read_arrow(self, name: str) -> pa.Table:
        current = self.current
        if current is None or not (current / f"{name}.parquet").exists():
            return TABLES[name].schema.empty_table()
        return pq.read_table(current / f"{name}.parquet")

    # -- writing -----------------------------------------------------------------
    @contextmanager
    def lock(self, timeout_s: float = 0.0):
        """Hold the store's write lock; the kernel drops it if the holder dies."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = open(self.root / ".lock", "a+")
        except OSError as exc:
            raise StoreError(f"cannot open {self.root} for writing: {exc.strerror or exc}") from exc
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise StoreLocked(
                            f"another accords run is writing to {self.root}; try again when it has finished"
                        ) from None
                    time.sleep(0.2)
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            handle.close()

    def commit(self, tables: dict[str, list[dict] | pa.Table]) -> Path:
        """Write every declared table as a new version and make it current atomically."""
        missing = set(TABLES) - set(tables)
        if missing:
            raise StoreError(f"commit needs every table; missing {sorted(missing)}")
        versions = self.root / "versions"
        number = self._next_version_number(versions)
        staging = versions / f".staging-{number:06d}-{os.getpid()}"
        final = versions / f"{number:06d}"
        try:
            versions.mkdir(parents=True, exist_ok=True)
            if staging.exists():
                shutil.rmtree(staging)
            staging.mkdir()
            files = {}
            for name, table in TABLES.items():
                data = tables[name]
                arrow = data if isinstance(data, pa.Table) else to_arrow(table, data)
                arrow = arrow.cast(table.schema) if arrow.schema != table.schema else arrow
                path = staging / f"{name}.parquet"
                write_parquet(arrow, path)
                files[name] = {"rows": arrow.num_rows, "sha256": _sha256(path)}
            manifest = {"schema_version": SCHEMA_VERSION, "tables": files}
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
            _fsync_dir(staging)
            os.rename(staging, final)
            _fsync_dir(versions)
            self._point_current(final)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            reason = "disk full" if exc.errno == errno.ENOSPC else (
                "read-only or not writable" if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) else exc.strerror
            )
            raise StoreError(f"cannot write tables to {self.root} ({reason}); the previous tables are unchanged") from exc
        self._garbage_collect(versions, keep=final)
        return final

    def _next_version_number(self, versions: Path) -> int:
        numbers = [int(p.name) for p in versions.glob("[0-9]*") if p.name.isdigit()] if versions.exists() else []
        return max(numbers, default=0) + 1

    def _point_current(self, final: Path) -> None:
        tmp = self.root / f".current-{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(Path("versions") / final.name, tmp)
        os.replace(tmp, self.root / "current")
        for name in TABLES:
            link = self.root / f"{name}.parquet"
            if not link.is_symlink():
                if link.exists():
                    link.unlink()
                os.symlink(Path("current") / f"{name}.parquet", link)
        _fsync_dir(self.root)

    def _garbage_collect(self, versions: Path, keep: Path) -> None:
        for stale in versions.glob(".staging-*"):
            shutil.rmtree(stale, ignore_errors=True)
        done = sorted(p for p in versions.iterdir() if p.name.isdigit())
        for old in done[:-KEEP_VERSIONS]:
            if old != keep:
                shutil.rmtree(old, ignore_errors=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
