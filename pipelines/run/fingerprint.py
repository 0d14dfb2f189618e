"""Fingerprints of the code and pattern data that produce the tables.

A change to a reader re-reads documents; a change to an extractor (code or a
JSONL/CSV pattern file) re-extracts from the stored clean text without
re-reading the raw files.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_SUFFIXES = {".py", ".jsonl", ".csv", ".json", ".txt", ".yaml"}


def _tree_hash(*folders: Path) -> str:
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.suffix in _SUFFIXES and "__pycache__" not in p.parts):
            h.update(str(path.relative_to(ROOT)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


@lru_cache(maxsize=1)
def reader_version() -> str:
    return "r-" + _tree_hash(ROOT / "pipelines" / "readers")


@lru_cache(maxsize=1)
def extractor_version() -> str:
    from pipelines.tables.schema import SCHEMA_VERSION

    return f"s{SCHEMA_VERSION}-" + _tree_hash(ROOT / "extractors")


def full_version() -> str:
    return f"{reader_version()}+{extractor_version()}"
