"""The Parquet store in ``processed/``: atomic, deterministic, versioned, partitioned.

Layout::

    processed/
      versions/000007/
        entities.parquet/part-3f.parquet   per-document tables: one part per doc_id prefix
        agreements.parquet                 corpus tables (and files): one file
        manifest.json                      every file's rows and sha256
      current -> versions/000007           swapped with one atomic rename
      <table>.parquet -> current/<table>.parquet
      .lock                                held (flock) by the run that writes

A per-document table is a directory of parts, one per first ``PREFIX_CHARS``
hex digits of ``doc_id`` (256 parts at most), the layout Spark and Hive call a
bucketed table: pandas, pyarrow (``pq.read_table``, ``pyarrow.dataset``) and
DuckDB (``read_parquet('…/entities.parquet')``) read the directory as one
table.  A run rewrites only the parts whose documents changed and hard-links
the others from the previous version, so a run that touches ten documents of
a large corpus writes ten parts, not the corpus, and keeps memory to one part.

A run stages a complete new version directory, fsyncs it, then replaces the
``current`` symlink with ``os.replace``: a reader, or a run killed at any
moment, sees all tables of one run or all tables of the previous one, never a
mix.  Rows are sorted by each table's declared key (which starts with
``doc_id``, so the parts in name order are the table in key order) and written
with fixed Parquet options and no wall-clock metadata: equal rows give equal
bytes, whatever the batch sizes, worker count or history of runs.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import filelock
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.tables.schema import SCHEMA_VERSION, TABLES, Table

KEEP_VERSIONS = 3
PREFIX_CHARS = 2
LAYOUT = {"per_document_tables": "parts by doc_id prefix", "prefix_chars": PREFIX_CHARS}
# The part a per-document table with no rows at all keeps, so readers still see its columns.
EMPTY_PREFIX = "00"


class StoreError(Exception):
    """The store cannot be read or written; the message says why."""


class StoreLocked(StoreError):
    pass


def _write_pid(fd: int) -> None:
    """Who holds the lock, for a person looking at a stuck store."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def prefix_of(doc_id: str) -> str:
    return doc_id[:PREFIX_CHARS]


def part_name(prefix: str) -> str:
    return f"part-{prefix}.parquet"


def to_arrow(table: Table, rows: list[dict]) -> pa.Table:
    """Check rows against the declared schema and sort them by the table's key."""
    names = set(table.column_names)
    for row in rows:
        if row.keys() != names:
            extra, missing = set(row) - names, names - set(row)
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


def split_by_prefix(arrow: pa.Table) -> dict[str, pa.Table]:
    """Rows of a per-document table grouped by the doc_id prefix that names their part."""
    if not arrow.num_rows:
        return {}
    prefixes = pc.utf8_slice_codeunits(arrow["doc_id"], 0, PREFIX_CHARS)
    return {p: arrow.filter(pc.equal(prefixes, p)) for p in sorted(pc.unique(prefixes).to_pylist())}


def write_parquet(arrow: pa.Table, path: Path) -> None:
    """Fixed options, no wall-clock metadata; made durable by the version's :func:`_sync_tree`."""
    pq.write_table(
        arrow, path, compression="zstd", compression_level=3, use_dictionary=True,
        write_statistics=True, row_group_size=64_000, version="2.6",
        store_schema=True,
    )


def _syncfs():
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


_SYNCFS = _syncfs()


def _sync_tree(directory: Path) -> None:
    """Flush every file written under directory to disk before the version is published.

    One syncfs(2) for the file system instead of an fsync per file: a first run writes over a
    thousand parts, and an fsync each cost a tenth of the commit.
    """
    fd = os.open(directory, os.O_RDONLY)
    try:
        if _SYNCFS is not None and _SYNCFS(fd) == 0:
            return
    finally:
        os.close(fd)
    for path in sorted(directory.rglob("*")):
        if path.is_dir():
            _fsync_dir(path)
        else:
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def digest(path: Path) -> str:
    """sha256 of a table as stored: its file, or its parts in name order (names included)."""
    path = Path(path)
    if not path.is_dir():
        return _sha256(path)
    h = hashlib.sha256()
    for part in sorted(path.glob("*.parquet")):
        h.update(part.name.encode())
        h.update(_sha256(part).encode())
    return h.hexdigest()


def entry_digest(entry: dict) -> str:
    """What :func:`digest` gives for the table a manifest entry describes."""
    if "parts" not in entry:
        return entry["sha256"]
    h = hashlib.sha256()
    for name in sorted(entry["parts"]):
        h.update(name.encode())
        h.update(entry["parts"][name]["sha256"].encode())
    return h.hexdigest()


def _read_parquet(path: Path, columns=None, filters=None) -> pa.Table:
    return pq.read_table(path, columns=columns, filters=filters)


class Store:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._legacy_cache: tuple[str, pa.Table] | None = None

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
        return self.read_arrow(name).to_pylist()

    def read_arrow(self, name: str, columns: list[str] | None = None, doc_ids=None) -> pa.Table:
        """One table of the current version (only these columns; only these documents' rows)."""
        spec = TABLES[name]
        current = self.current
        path = current / f"{name}.parquet" if current is not None else None
        if path is None or not path.exists():
            empty = spec.schema.empty_table()
            return empty.select(columns) if columns else empty
        if doc_ids is None:
            return _read_parquet(path, columns)
        wanted = pa.array(sorted(set(doc_ids)), pa.string())
        if path.is_dir():  # read only the parts these documents live in
            tables = [self.read_part(name, p, columns) for p in sorted({prefix_of(d) for d in wanted.to_pylist()})]
            arrow = pa.concat_tables(tables) if tables else spec.schema.empty_table().select(columns or spec.column_names)
        else:
            arrow = _read_parquet(path, columns)
        return arrow.filter(pc.is_in(arrow["doc_id"], value_set=wanted))

    def read_part(self, name: str, prefix: str, columns: list[str] | None = None) -> pa.Table:
        """The rows of one part of a per-document table in the current version (empty if none)."""
        spec = TABLES[name]
        current = self.current
        path = current / f"{name}.parquet" if current is not None else None
        if path is None or not path.exists():
            arrow = spec.schema.empty_table()
        elif path.is_dir():
            part = path / part_name(prefix)
            if part.exists():
                return _read_parquet(part, columns)
            arrow = spec.schema.empty_table()
        else:  # a version written before tables were partitioned: split the one file
            if self._legacy_cache is None or self._legacy_cache[0] != str(path):
                self._legacy_cache = (str(path), _read_parquet(path))
            whole = self._legacy_cache[1]
            arrow = whole.filter(pc.equal(pc.utf8_slice_codeunits(whole["doc_id"], 0, PREFIX_CHARS), prefix))
        return arrow.select(columns) if columns else arrow

    @property
    def partitioned(self) -> bool:
        """False for a version written before per-document tables were split into parts."""
        return self.manifest().get("layout") == LAYOUT

    def parts(self, name: str) -> dict[str, dict]:
        """Part file name -> {rows, sha256} of a per-document table in the current manifest."""
        entry = self.manifest().get("tables", {}).get(name, {})
        return dict(entry.get("parts", {}))

    # -- writing -----------------------------------------------------------------
    @contextmanager
    def lock(self, timeout_s: float = 0.0):
        """Hold the store's write lock (an flock on ``.lock``, via filelock); the kernel drops it if the holder dies.

        ``.lock`` is opened without following a symbolic link: a link planted there would
        otherwise have its target written to.
        """
        path = self.root / ".lock"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot open {self.root} for writing: {exc.strerror or exc}") from exc
        if path.is_symlink():
            raise StoreError(f"{path} is a symbolic link; refusing to follow it (remove it and run again)")
        lock = filelock.FileLock(path, on_acquired=_write_pid)
        try:
            lock.acquire(timeout=max(0.0, timeout_s), poll_interval=0.2)
        except filelock.Timeout:
            raise StoreLocked(f"another accords run is writing to {self.root}; try again when it has finished") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise StoreError(f"{path} is a symbolic link; refusing to follow it (remove it and run again)") from None
            raise StoreError(f"cannot open {path} for writing: {exc.strerror or exc}") from exc
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def stage(self):
        """A new version being written; published only by :meth:`publish`, removed on error."""
        versions = self.root / "versions"
        number = self._next_version_number(versions)
        path = versions / f".staging-{number:06d}-{os.getpid()}"
        try:
            versions.mkdir(parents=True, exist_ok=True)
            if path.exists():
                shutil.rmtree(path)
            path.mkdir()
            staged = Staged(self, path, number)
            yield staged
        except OSError as exc:
            shutil.rmtree(path, ignore_errors=True)
            raise write_error(self.root, exc) from exc
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        if not staged.published:
            shutil.rmtree(path, ignore_errors=True)

    def publish(self, staged: "Staged") -> Path:
        """Make a fully staged version current in one atomic step."""
        missing = set(TABLES) - set(staged.entries)
        if missing:
            raise StoreError(f"a version needs every table; missing {sorted(missing)}")
        versions = self.root / "versions"
        final = versions / f"{staged.number:06d}"
        manifest = {"schema_version": SCHEMA_VERSION, "layout": LAYOUT, "tables": staged.entries}
        (staged.path / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        _sync_tree(staged.path)
        _fsync_dir(staged.path)
        os.rename(staged.path, final)
        staged.published = True
        _fsync_dir(versions)
        self._point_current(final)
        self._garbage_collect(versions, keep=final)
        return final

    def commit(self, tables: dict[str, list[dict] | pa.Table]) -> Path:
        """Write every declared table, given whole, as a new version and make it current atomically."""
        missing = set(TABLES) - set(tables)
        if missing:
            raise StoreError(f"commit needs every table; missing {sorted(missing)}")
        with self.stage() as staged:
            for name, spec in TABLES.items():
                data = tables[name]
                arrow = data if isinstance(data, pa.Table) else to_arrow(spec, data)
                staged.write_table(name, arrow)
            return self.publish(staged)

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
                if link.is_dir():
                    shutil.rmtree(link)
                elif link.exists():
                    link.unlink()
                os.symlink(Path("current") / f"{name}.parquet", link)
        _fsync_dir(self.root)

    def _garbage_collect(self, versions: Path, keep: Path) -> None:
        for stale in versions.glob(".staging-*"):
            shutil.rmtree(stale, ignore_errors=True)
        done = sorted(p for p in versions.iterdir() if p.name.isdigit())
        for old in done[:-KEEP_VERSIONS]:
            if old != keep:
                _remove_unless_pinned(old)


def pin_version(version: Path) -> int | None:
    """Keep a version from garbage collection while the returned descriptor is open.

    A shared flock on its manifest: a reader that holds a version for a long time (a
    DuckDB connection in a notebook) keeps reading it across any number of later commits.
    The kernel drops the pin when the descriptor is closed or the reader dies.  None when
    the version is already gone.
    """
    try:
        fd = os.open(Path(version) / "manifest.json", os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a collection of this very version holds it
    if os.fstat(fd).st_nlink == 0:  # collected while we waited
        os.close(fd)
        return None
    return fd


def _remove_unless_pinned(version: Path) -> None:
    try:
        fd = os.open(version / "manifest.json", os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:  # no manifest: not a readable version, nobody can pin it
        shutil.rmtree(version, ignore_errors=True)
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # a reader still uses it; a later commit collects it
        # The manifest goes first, under the lock, so a reader waiting for the pin sees it unlinked.
        os.unlink(version / "manifest.json")
        shutil.rmtree(version, ignore_errors=True)
    finally:
        os.close(fd)


class Staged:
    """A version directory being written: tables, parts, and their manifest entries."""

    def __init__(self, store: Store, path: Path, number: int):
        self.store, self.path, self.number = store, path, number
        self.entries: dict[str, dict] = {}
        self.published = False

    def write_table(self, name: str, arrow: pa.Table) -> None:
        """A whole table: one file, or every part of a per-document table."""
        spec = TABLES[name]
        arrow = _conform(spec, arrow)
        if not spec.per_document:
            path = self.path / f"{name}.parquet"
            write_parquet(sort_by_key(spec, arrow), path)
            self.entries[name] = {"rows": arrow.num_rows, "sha256": _sha256(path)}
            return
        for prefix, part in split_by_prefix(arrow).items():
            self.write_part(name, prefix, part)
        self.finish_table(name)

    def write_part(self, name: str, prefix: str, arrow: pa.Table) -> None:
        """One part of a per-document table; a part with no rows is not written."""
        spec = TABLES[name]
        directory = self.path / f"{name}.parquet"
        directory.mkdir(exist_ok=True)
        entry = self.entries.setdefault(name, {"rows": 0, "parts": {}})
        if not arrow.num_rows:
            return
        path = directory / part_name(prefix)
        write_parquet(sort_by_key(spec, _conform(spec, arrow)), path)
        entry["parts"][path.name] = {"rows": arrow.num_rows, "sha256": _sha256(path)}

    def keep_parts(self, name: str, rewritten: set[str]) -> None:
        """Hard-link every non-empty part of the current version whose prefix was not rewritten."""
        directory = self.path / f"{name}.parquet"
        directory.mkdir(exist_ok=True)
        entry = self.entries.setdefault(name, {"rows": 0, "parts": {}})
        current = self.store.current
        rewritten_names = {part_name(p) for p in rewritten}
        for file_name, meta in self.store.parts(name).items():
            if file_name in rewritten_names or not meta["rows"]:
                continue
            source, target = current / f"{name}.parquet" / file_name, directory / file_name
            try:
                os.link(source, target)
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                    raise
                shutil.copyfile(source, target)  # a file system without hard links
            entry["parts"][file_name] = dict(meta)

    def finish_table(self, name: str) -> None:
        """Totals; a table without rows keeps one empty part so readers still see its columns."""
        entry = self.entries.setdefault(name, {"rows": 0, "parts": {}})
        (self.path / f"{name}.parquet").mkdir(exist_ok=True)
        if not entry["parts"]:
            path = self.path / f"{name}.parquet" / part_name(EMPTY_PREFIX)
            write_parquet(TABLES[name].schema.empty_table(), path)
            entry["parts"][path.name] = {"rows": 0, "sha256": _sha256(path)}
        entry["parts"] = dict(sorted(entry["parts"].items()))
        entry["rows"] = sum(p["rows"] for p in entry["parts"].values())

    def read(self, name: str, columns: list[str] | None = None, where=None) -> pa.Table:
        """A table as staged so far: only these columns, only the rows ``where(part)`` keeps.

        Part by part, single-threaded: a dataset scan reads ahead several parts at once,
        which costs the commit more memory than the columns it keeps.
        """
        path = self.path / f"{name}.parquet"
        if not path.is_dir():
            return _read_parquet(path, columns)
        tables = []
        for part in sorted(path.glob("*.parquet")):
            table = pq.ParquetFile(part).read(columns=columns, use_threads=False)
            tables.append(table.filter(where(table)) if where is not None else table)
        return pa.concat_tables(tables)

    def same_as_current(self) -> bool:
        """True when every staged file equals the current version's (so publishing is pointless)."""
        previous = self.store.manifest()
        return previous.get("layout") == LAYOUT and previous.get("tables") == self.entries


def _conform(spec: Table, arrow: pa.Table) -> pa.Table:
    return arrow.cast(spec.schema) if arrow.schema != spec.schema else arrow


def write_error(root: Path, exc: OSError) -> StoreError:
    """The StoreError for an OSError met while writing under ``root`` (the store or its spool)."""
    reason = "disk full" if exc.errno == errno.ENOSPC else (
        "read-only or not writable" if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) else exc.strerror
    )
    return StoreError(f"cannot write tables to {root} ({reason}); the previous tables are unchanged")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
