"""Which files in ``raw/`` are new, changed, unchanged or deleted since the last run.

Only a ``stat`` call per file decides "unchanged": a file whose size and
modification time match the last run is not opened.  Files whose stat changed
are hashed later, in the processing task, and skipped there when their content
turns out to be the same.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.run import fingerprint


@dataclass(frozen=True)
class RawFile:
    path: Path
    rel: str
    size: int
    mtime_ns: int
    # Set when the file must not be opened at all (e.g. a symlink leaving raw/).
    refusal: str | None = None


@dataclass
class Plan:
    files: list[RawFile]
    unchanged: dict[str, str] = field(default_factory=dict)  # rel -> doc_id
    to_read: list[RawFile] = field(default_factory=list)
    to_reextract: list[str] = field(default_factory=list)  # doc_ids whose stored text is re-extracted
    deleted: list[str] = field(default_factory=list)  # rel paths gone since the last run

    @property
    def has_work(self) -> bool:
        return bool(self.to_read or self.to_reextract or self.deleted)


def scan(raw_dir: Path) -> list[RawFile]:
    """Every regular file under raw_dir, sorted; hidden files and folders are skipped.

    Symlinks are followed only while they stay inside raw_dir, so a link to
    /etc/passwd is listed as refused, never read.
    """
    raw_dir = Path(raw_dir)
    root = raw_dir.resolve()
    found: list[RawFile] = []
    stack = [raw_dir]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            rel = path.relative_to(raw_dir).as_posix()
            if entry.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    found.append(RawFile(path, rel, 0, 0, "symlink points outside raw/; not followed"))
                    continue
            try:
                if entry.is_dir():
                    if not entry.is_symlink():
                        stack.append(path)
                    continue
                if not entry.is_file():
                    continue
                st = entry.stat()
            except OSError as exc:
                found.append(RawFile(path, rel, 0, 0, f"cannot stat file: {exc.strerror or exc}"))
                continue
            found.append(RawFile(path, rel, st.st_size, st.st_mtime_ns))
    return sorted(found, key=lambda f: f.rel)


def plan_run(raw_dir: Path, previous_files: list[dict], previous_versions: dict[str, str],
             full: bool = False) -> Plan:
    """Compare raw/ with the last run's ``files`` table and documents' versions.

    previous_versions maps doc_id -> extractor_version stored with the document.
    """
    files = scan(raw_dir)
    before = {row["path"]: row for row in previous_files}
    plan = Plan(files=files)
    current_reader = fingerprint.reader_version()
    current_extractor = fingerprint.extractor_version()
    reextract: set[str] = set()
    for f in files:
        row = before.get(f.rel)
        stat_same = row is not None and row["size"] == f.size and row["mtime_ns"] == f.mtime_ns
        if full or f.refusal or not stat_same or row["doc_id"] not in previous_versions:
            plan.to_read.append(f)
            continue
        version = previous_versions[row["doc_id"]]
        reader_part, _, extractor_part = version.partition("+")
        if reader_part != current_reader:
            plan.to_read.append(f)
        elif extractor_part != current_extractor:
            plan.unchanged[f.rel] = row["doc_id"]
            reextract.add(row["doc_id"])
        else:
            plan.unchanged[f.rel] = row["doc_id"]
    present = {f.rel for f in files}
    plan.deleted = sorted(rel for rel in before if rel not in present)
    plan.to_reextract = sorted(reextract)
    return plan
