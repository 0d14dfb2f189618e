"""Open and read one file of ``raw/`` safely: the one place raw bytes enter the pipeline.

A file is read after the scan, so by then it may have been swapped for a symlink to a
file outside ``raw/``, a FIFO that blocks any read, a device, or grown past the size
limit.  ``read_raw`` walks from ``raw/`` to the file one component at a time with
``O_NOFOLLOW`` (a component swapped for a symlink fails instead of leading elsewhere),
opens without blocking, checks the *opened* file's type and size with ``fstat``, then
reads at most ``max_file_mb`` and hashes while reading.  Every refusal is a
:class:`RawFileError` whose message becomes the document's ``error``.
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.settings import Settings

CHUNK = 1 << 20
# I/O errors worth a second try (a flaky network share); a file still failing after these
# pauses becomes a failed row, so one bad sector never aborts the run.
TRANSIENT_ERRNOS = {errno.EIO, errno.EAGAIN, errno.EBUSY, errno.ETIMEDOUT, errno.EINTR, errno.ESTALE}
RETRY_DELAYS_S = (0.05, 0.25)
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class RawFileError(Exception):
    """The file cannot be read as a document; the message says why (it becomes ``documents.error``)."""


@dataclass(frozen=True)
class RawBytes:
    data: bytes
    doc_id: str  # first 16 hex digits of the SHA-256 of data
    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int


def _read(fd: int, n: int) -> bytes:
    return os.read(fd, n)  # one seam for tests that simulate a failing disk


def kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def limit_bytes(settings: Settings) -> int:
    return settings.max_file_mb * 1024 * 1024


def too_large(size: int, settings: Settings) -> str:
    return f"file too large: {size / 1e6:.0f} MB, the limit is max_file_mb={settings.max_file_mb}"


def _open_inside(root: str, rel_parts: tuple[str, ...]) -> int:
    """Open root/rel_parts without following any symlink below root."""
    dir_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in rel_parts[:-1]:
            fd = os.open(part, _DIR_FLAGS, dir_fd=dir_fd)
            os.close(dir_fd)
            dir_fd = fd
        return os.open(rel_parts[-1], _OPEN_FLAGS, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)


def _target_parts(raw_dir: Path, path: Path) -> tuple[str, tuple[str, ...]]:
    """The real folder of raw/ and the file's path below it; symlinks are resolved once, here,
    and must stay inside raw/ (scan lists links inside raw/ as files)."""
    root = os.path.realpath(raw_dir)
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root or real == root:
        raise RawFileError("symlink points outside raw/; not followed")
    return root, Path(os.path.relpath(real, root)).parts


def _read_once(raw_dir: Path, path: Path, settings: Settings) -> RawBytes:
    root, parts = _target_parts(raw_dir, path)
    try:
        fd = _open_inside(root, parts)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RawFileError("file became a symlink while the run read raw/; not followed") from exc
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise RawFileError(f"not a regular file: {kind_of(st.st_mode)}; not read")
        limit = limit_bytes(settings)
        if st.st_size > limit:
            raise RawFileError(too_large(st.st_size, settings))
        h = hashlib.sha256()
        chunks, total = [], 0
        while True:
            # The whole file in one read when its size holds (no second copy at the join),
            # then small reads for whatever it grew by, up to one byte past the limit.
            want = st.st_size + 1 if not chunks else CHUNK
            chunk = _read(fd, min(want, limit + 1 - total))
            if not chunk:
                break
            h.update(chunk)
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # grew past the limit while read
                raise RawFileError(too_large(total, settings))
        return RawBytes(b"".join(chunks), h.hexdigest()[:16], total, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    finally:
        os.close(fd)


def read_raw(raw_dir: Path | str, path: Path | str, settings: Settings) -> RawBytes:
    """The bytes of one file below raw_dir, read safely and bounded; raises RawFileError saying why not."""
    raw_dir, path = Path(raw_dir), Path(path)
    for delay in (*RETRY_DELAYS_S, None):
        try:
            return _read_once(raw_dir, path, settings)
        except RawFileError:
            raise
        except OSError as exc:
            if exc.errno in TRANSIENT_ERRNOS and delay is not None:
                time.sleep(delay)
                continue
            tries = f" (after {len(RETRY_DELAYS_S) + 1} attempts)" if exc.errno in TRANSIENT_ERRNOS else ""
            raise RawFileError(f"cannot read file: {exc.strerror or exc}{tries}") from exc
    raise AssertionError("unreachable")
