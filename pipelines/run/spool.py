"""A run's new rows, on disk from the moment they are extracted until the commit.

Rows never pile up in memory: each batch (a loop in ``accords run``, a Prefect
task, possibly on a Dask worker on another machine) appends its documents'
rows to a :class:`SpoolWriter`, which writes an Arrow IPC file per table every
``chunk_docs`` documents into the run's spool directory
(``processed/.runs/<run>/``, unique file names per batch label: many writers,
no coordination).  The batch returns only a :class:`Processed` per document.

At the commit, :class:`Spool` regroups one table's chunks by doc_id prefix
(the store's parts) through one IPC file per prefix, so the commit holds one
chunk, then one part, at a time.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.tables.schema import TABLES
from pipelines.tables.store import split_by_prefix, to_arrow

CHUNK_DOCS = 64


@dataclass(frozen=True)
class Processed:
    """What a batch reports about one document; its rows are in the spool."""

    doc_id: str
    extracted: bool  # False: content already stored at the current version, nothing spooled
    failed: bool = False  # its documents row says failed (counts toward the retry bound)


class SpoolWriter:
    """Buffers documents' rows and writes them as one IPC file per table every ``chunk_docs`` documents."""

    def __init__(self, directory: Path | str, label: str, tables: tuple[str, ...], chunk_docs: int = CHUNK_DOCS):
        self.directory, self.label, self.tables, self.chunk_docs = Path(directory), label, tables, chunk_docs
        self.directory.mkdir(parents=True, exist_ok=True)
        self._rows: dict[str, list[dict]] = {name: [] for name in tables}
        self._docs = 0
        self._chunk = 0
        self._spooled: dict[str, bool] = {}  # doc_id -> failed

    def add(self, result) -> Processed:
        """Spool one DocumentResult; results without rows (content already stored) spool nothing."""
        if not result.tables:
            return Processed(result.doc_id, False)
        if result.doc_id in self._spooled:  # a second file with the same content: same rows
            return Processed(result.doc_id, True, self._spooled[result.doc_id])
        documents = result.tables.get("documents") or [{}]
        failed = self._spooled[result.doc_id] = documents[0].get("status") == "failed"
        for name in self.tables:
            self._rows[name].extend(result.tables.get(name, ()))
        self._docs += 1
        if self._docs >= self.chunk_docs:
            self.flush()
        return Processed(result.doc_id, True, failed)

    def flush(self) -> None:
        if not self._docs:
            return
        stem = f"{self.label}-{self._chunk:06d}"
        for name in self.tables:
            arrow = to_arrow(TABLES[name], self._rows[name])
            _write_ipc(arrow, self.directory / f"{stem}.{name}.arrow")
            self._rows[name] = []
        self._docs = 0
        self._chunk += 1

    def close(self) -> None:
        self.flush()


def _write_ipc(arrow: pa.Table, path: Path) -> None:
    # Written under a temporary name and renamed: a retried task or a killed worker never
    # leaves a half file under a name the commit reads.
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, arrow.schema) as writer:
        writer.write_table(arrow)
    os.replace(tmp, path)


def _read_ipc(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


class Spool:
    """The reading side, at the commit: one table's new rows, one doc_id prefix at a time."""

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)
        self._owner: dict[str, str] | None = None

    def chunks(self, name: str) -> list[Path]:
        # Labels and chunk numbers are zero-padded: name order is input order.
        return sorted(self.directory.glob(f"*.{name}.arrow")) if self.directory.exists() else []

    def _owners(self) -> dict[str, str]:
        """doc_id -> the first chunk holding it: two files with the same content in different
        batches of one run are both extracted, and their rows must be kept once."""
        if self._owner is None:
            self._owner = {}
            for path in self.chunks("documents"):
                stem = path.name.split(".", 1)[0]
                for doc_id in _read_ipc(path).column("doc_id").to_pylist():
                    self._owner.setdefault(doc_id, stem)
        return self._owner

    def partition(self, name: str) -> dict[str, Path]:
        """Regroup the table's chunks into one IPC file per doc_id prefix; prefix -> file."""
        out_dir = self.directory / "by-prefix" / name
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)
        owners = self._owners()
        writers: dict[str, tuple] = {}
        try:
            for path in self.chunks(name):
                stem = path.name.split(".", 1)[0]
                arrow = _read_ipc(path)
                doc_ids = arrow["doc_id"].to_pylist()
                if any(owners.get(d) != stem for d in set(doc_ids)):
                    keep = pa.array([owners.get(d) == stem for d in doc_ids])
                    arrow = arrow.filter(keep)
                for prefix, part in split_by_prefix(arrow).items():
                    if prefix not in writers:
                        sink = pa.OSFile(str(out_dir / f"{prefix}.arrow"), "wb")
                        writers[prefix] = (sink, pa.ipc.new_file(sink, TABLES[name].schema))
                    writers[prefix][1].write_table(part)
        finally:
            for sink, writer in writers.values():
                writer.close()
                sink.close()
        return {prefix: out_dir / f"{prefix}.arrow" for prefix in sorted(writers)}

    @staticmethod
    def read(path: Path | None, name: str) -> pa.Table:
        return _read_ipc(path) if path is not None else TABLES[name].schema.empty_table()


def id_set(doc_ids) -> pa.Array:
    """doc_ids as the value set :func:`filter_doc_ids` takes; build it once, filter many parts."""
    return pa.array(sorted(doc_ids), pa.string())


def filter_doc_ids(arrow: pa.Table, doc_ids: pa.Array, keep: bool) -> pa.Table:
    """Rows whose doc_id is (keep=True) or is not (keep=False) in doc_ids."""
    if not arrow.num_rows:
        return arrow
    if not len(doc_ids):
        return arrow.slice(0, 0) if keep else arrow
    mask = pc.is_in(arrow["doc_id"], value_set=doc_ids)
    return arrow.filter(mask if keep else pc.invert(mask))
