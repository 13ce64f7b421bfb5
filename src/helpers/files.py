"""Files: writing so that a reader never sees half of one (``write_atomic``), saying in one
line what to do when the disk refuses (``StorageError``, ``explain``), and hashing."""

from __future__ import annotations

import errno
import hashlib
import os
import threading
from pathlib import Path

from helpers.errors import DeskError


class StorageError(DeskError):
    """A file the desk could not read or write for a reason the user can fix (disk full,
    not writable, a file where a folder must be): one line naming the file and what to do."""


def explain(e: OSError, path: Path | str | None = None) -> str:
    """One line for an ``OSError``: the file (`path`, else the error's), what went wrong and
    what to do."""
    where = path if path is not None else e.filename
    what = e.strerror or str(e)
    code = e.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        todo = "the disk is full; free some space and run again"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        todo = "not writable by you; make it writable (e.g. `chmod u+w`) or build elsewhere with `--out DIR`"
    elif code in (errno.ENOTDIR, errno.EEXIST):
        todo = "a file stands where the desk needs a folder; move or delete that file and run again"
    elif code == errno.EISDIR:
        todo = "a folder stands where the desk writes a file; move or delete that folder and run again"
    else:
        todo = "check the file and run again"
    return f"{where}: {what} ({todo})"


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` via a temp file in the same directory and ``os.replace``.

    Returns False (and leaves the file alone) when it already holds exactly `data`.
    The temp name is hidden and unique (``.NAME.desk-PID-THREAD.tmp``); a killed process
    leaves at most such a temp file, never a half-written one (the build's ``clean_temp``
    removes leftovers in its output dir). Used for reports, the build state and caches.
    A disk that refuses (full, read-only, a file where a folder should be) raises
    `StorageError`, one line naming the file and what to do.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(explain(e)) from None
    try:
        if path.read_bytes() == data:
            return False
    except (FileNotFoundError, NotADirectoryError):
        pass
    except IsADirectoryError as e:
        raise StorageError(explain(e, path)) from None
    tmp = path.with_name(f".{path.name}.desk-{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as e:
        raise StorageError(explain(e, path)) from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
    return True


def write_cache(path: Path, data: bytes, root: Path) -> None:
    """Write a cache file under the cache dir `root`. The cache is disposable: a file that
    stands where a folder of it belongs (below `root`) is removed; a `root` that is not a
    folder is a `StorageError` saying so."""
    try:
        write_atomic(path, data)
        return
    except StorageError:
        if root.exists() and not root.is_dir():
            raise StorageError(f"{root}: a file stands where the desk keeps its cache folder; "
                               f"move or delete it (the cache only saves time) and run again") from None
        repaired = False
        for parent in reversed(path.relative_to(root).parents):
            here = root / parent
            if here.exists() and not here.is_dir() and here != root:
                here.unlink()
                repaired = True
        if not repaired:
            raise
    write_atomic(path, data)


def sha256_of(path: Path) -> str:
    """sha256 hex digest of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
