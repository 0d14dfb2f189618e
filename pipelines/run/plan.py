"""Which files in ``raw/`` are new, changed, unchanged or deleted since the last run.

Only a ``stat`` call per file decides "unchanged": a file whose size, modification
time, ctime and inode match the last run is not opened (ctime and inode catch a
replacement that keeps size and mtime, as ``cp -p`` and ``rsync -a`` do).  Files whose stat changed
are hashed later, in the processing task, and skipped there when their content
turns out to be the same.
"""
from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.run import fingerprint
from pipelines.run.rawfile import kind_of
from pipelines.tables.store import StoreError


MAX_NOTES = 20


class RawDirError(StoreError):
    """raw/ is missing, not a folder or unreadable: a run would take it for empty and delete every row."""


@dataclass(frozen=True)
class RawFile:
    path: Path
    rel: str
    size: int
    mtime_ns: int
    # Set when the file must not be opened at all (e.g. a symlink leaving raw/).
    refusal: str | None = None
    # ctime and inode change when a file is replaced even with the same size and mtime (cp -p, rsync -a).
    ctime_ns: int = 0
    inode: int = 0


@dataclass
class Plan:
    files: list[RawFile]
    unchanged: dict[str, str] = field(default_factory=dict)  # rel -> doc_id
    to_read: list[RawFile] = field(default_factory=list)
    to_reextract: list[str] = field(default_factory=list)  # doc_ids whose stored text is re-extracted
    deleted: list[str] = field(default_factory=list)  # rel paths gone since the last run
    retry: set[str] = field(default_factory=set)  # rel paths of failed documents read again
    previous: dict[str, dict] = field(default_factory=dict)  # rel -> the last run's files row
    unreadable_dirs: list[tuple[str, str]] = field(default_factory=list)  # (subfolder, why): stored files kept
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (entry, what it is): not a document

    @property
    def has_work(self) -> bool:
        return bool(self.to_read or self.to_reextract or self.deleted)

    @property
    def warnings(self) -> list[str]:
        notes = [f"folder {rel!r} of raw/ cannot be read ({why}); its stored documents are kept as they were"
                 for rel, why in self.unreadable_dirs]
        notes += [f"{rel!r} in raw/ is {kind}, not a file; skipped" for rel, kind in self.skipped[:MAX_NOTES]]
        if len(self.skipped) > MAX_NOTES:
            notes.append(f"{len(self.skipped) - MAX_NOTES} more entries of raw/ that are not files were skipped")
        return notes

    def file_rows(self, processed) -> list[dict]:
        """The files table after the run; ``processed`` lists the run's Processed records in order,
        to_read files first.  ``attempts`` counts the runs in a row that failed a file's document."""
        path_to_doc = dict(self.unchanged)
        for f, p in zip(self.to_read, processed[: len(self.to_read)]):
            path_to_doc[f.rel] = p.doc_id
        failed = {p.doc_id: getattr(p, "failed", False) for p in processed if p.extracted}
        rows = []
        for f in self.files:
            doc_id = path_to_doc.get(f.rel)
            if doc_id is None:
                continue
            before = self.previous.get(f.rel)
            attempts = (before.get("attempts") or 0) if before and before["doc_id"] == doc_id else 0
            if doc_id in failed:
                attempts = attempts + 1 if failed[doc_id] else 0
            rows.append({"path": f.rel, "doc_id": doc_id, "size": f.size, "mtime_ns": f.mtime_ns,
                         "ctime_ns": f.ctime_ns, "inode": f.inode, "attempts": attempts})
        return rows


def check_raw_dir(raw_dir: Path) -> None:
    """Refuse a raw/ that is missing, not a folder or unreadable, before anything is planned."""
    raw_dir = Path(raw_dir)
    try:
        st = os.stat(raw_dir)
    except FileNotFoundError:
        raise RawDirError(f"raw folder {str(raw_dir)!r} does not exist; nothing was changed") from None
    except OSError as exc:
        raise RawDirError(f"raw folder {str(raw_dir)!r} cannot be read ({exc.strerror or exc}); "
                          "nothing was changed") from None
    if not stat.S_ISDIR(st.st_mode):
        raise RawDirError(f"raw folder {str(raw_dir)!r} is not a folder; nothing was changed")
    try:
        with os.scandir(raw_dir) as entries:
            next(entries, None)
    except OSError as exc:
        raise RawDirError(f"raw folder {str(raw_dir)!r} cannot be read ({exc.strerror or exc}); "
                          "nothing was changed") from None


def _printable(rel: str) -> str | None:
    """None when rel is valid UTF-8; else the name with its undecodable bytes written as \\xNN."""
    try:
        rel.encode("utf-8")
        return None
    except UnicodeEncodeError:
        return os.fsencode(rel).decode("utf-8", "backslashreplace")


def scan(raw_dir: Path, unreadable_dirs: list | None = None, skipped: list | None = None) -> list[RawFile]:
    """Every regular file under raw_dir, sorted; hidden files and folders are skipped.

    Symlinks are followed only while they stay inside raw_dir, so a link to
    /etc/passwd is listed as refused, never read; so are symlink loops and names
    that are not UTF-8.  A subfolder that cannot be listed is appended to
    ``unreadable_dirs`` as (rel, reason), never taken for empty; raw_dir itself
    unreadable raises RawDirError.  FIFOs, sockets, devices and dangling links are
    appended to ``skipped`` as (rel, what it is).
    """
    raw_dir = Path(raw_dir)
    root = os.path.realpath(raw_dir)
    found: dict[str, RawFile] = {}
    stack = [raw_dir]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            if folder == raw_dir:
                raise RawDirError(f"raw folder {str(raw_dir)!r} cannot be read ({exc.strerror or exc}); "
                                  "nothing was changed") from None
            if unreadable_dirs is not None:
                rel = folder.relative_to(raw_dir).as_posix()
                unreadable_dirs.append((_printable(rel) or rel, exc.strerror or str(exc)))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            rel = path.relative_to(raw_dir).as_posix()
            shown = _printable(rel)
            if shown is not None:
                if not entry.is_dir(follow_symlinks=False):
                    found.setdefault(shown, RawFile(path, shown, 0, 0, "file name is not valid UTF-8; rename the file"))
                    continue
            refused = _refuse_symlink(entry, path, root)
            if refused:
                found.setdefault(rel, RawFile(path, rel, 0, 0, refused))
                continue
            try:
                if entry.is_dir():
                    if not entry.is_symlink():
                        stack.append(path)
                    continue
                if not entry.is_file():
                    if skipped is not None:
                        skipped.append((shown or rel, _what(entry)))
                    continue
                st = entry.stat()
            except OSError as exc:
                found.setdefault(rel, RawFile(path, rel, 0, 0, f"cannot stat file: {exc.strerror or exc}"))
                continue
            found.setdefault(rel, RawFile(path, rel, st.st_size, st.st_mtime_ns, None, st.st_ctime_ns, st.st_ino))
    return sorted(found.values(), key=lambda f: f.rel)


def _what(entry: os.DirEntry) -> str:
    try:
        return kind_of(entry.stat().st_mode)
    except OSError:
        return "a dangling symlink"


def _refuse_symlink(entry: os.DirEntry, path: Path, root: str) -> str | None:
    if not entry.is_symlink():
        return None
    try:
        target = os.path.realpath(path, strict=True)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop; not followed"
        return None  # dangling: not a document, skipped below
    except RuntimeError:
        return "symlink loop; not followed"
    if os.path.commonpath([root, target]) != root:
        return "symlink points outside raw/; not followed"
    return None


def _same_file(row: dict, f: RawFile) -> bool:
    """Size and mtime equal, and ctime and inode too when the last run recorded them."""
    if row["size"] != f.size or row["mtime_ns"] != f.mtime_ns:
        return False
    return all(row.get(key) in (None, getattr(f, key)) for key in ("ctime_ns", "inode"))


def plan_run(raw_dir: Path, previous_files: list[dict], previous_versions: dict[str, str],
             full: bool = False, failed: set[str] | frozenset = frozenset(), max_attempts: int = 3) -> Plan:
    """Compare raw/ with the last run's ``files`` table and documents' versions.

    previous_versions maps doc_id -> extractor_version stored with the document; failed holds
    the doc_ids stored as failed.  A failed document is read again while its file has failed
    fewer than max_attempts runs in a row, after any reader or extractor change, and on --full.
    """
    unreadable: list = []
    skipped: list = []
    files = scan(raw_dir, unreadable, skipped)
    before = {row["path"]: row for row in previous_files}
    plan = Plan(files=files, previous=before, unreadable_dirs=unreadable, skipped=skipped)
    current_reader = fingerprint.reader_version()
    current_extractor = fingerprint.extractor_version()
    current = f"{current_reader}+{current_extractor}"
    reextract: set[str] = set()
    for f in files:
        row = before.get(f.rel)
        stat_same = row is not None and _same_file(row, f)
        if full or not stat_same or row["doc_id"] not in previous_versions:
            plan.to_read.append(f)
            continue
        version = previous_versions[row["doc_id"]]
        reader_part, _, extractor_part = version.partition("+")
        if row["doc_id"] in failed:
            if version != current or (row.get("attempts") or 0) < max_attempts:
                plan.to_read.append(f)  # no stored text to re-extract: read it again
                plan.retry.add(f.rel)
            else:
                plan.unchanged[f.rel] = row["doc_id"]  # waits for a change of the file or the code, or --full
        elif reader_part != current_reader:
            plan.to_read.append(f)
        elif extractor_part != current_extractor:
            plan.unchanged[f.rel] = row["doc_id"]
            reextract.add(row["doc_id"])
        else:
            plan.unchanged[f.rel] = row["doc_id"]
    _keep_unlisted(plan, [rel for rel, _ in unreadable])
    present = {f.rel for f in plan.files}
    plan.deleted = sorted(rel for rel in before if rel not in present)
    plan.to_reextract = sorted(reextract)
    return plan


def _keep_unlisted(plan: Plan, folders: list[str]) -> None:
    """Files stored under a folder that could not be listed stay as the last run saw them."""
    if not folders:
        return
    kept = [row for rel, row in plan.previous.items()
            if any(rel.startswith(folder + "/") for folder in folders)]
    for row in kept:
        plan.files.append(RawFile(Path(row["path"]), row["path"], row["size"], row["mtime_ns"], None,
                                  row.get("ctime_ns") or 0, row.get("inode") or 0))
        plan.unchanged[row["path"]] = row["doc_id"]
    plan.files.sort(key=lambda f: f.rel)
