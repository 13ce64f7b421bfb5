"""Files: writing so that a reader never sees half of one (``write_atomic``), and hashing."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` via a temp file in the same directory and ``os.replace``.

    Returns False (and leaves the file alone) when it already holds exactly `data`.
    The temp name is hidden and unique (``.NAME.desk-PID-THREAD.tmp``); a killed process
    leaves at most such a temp file, never a half-written one (the build's ``clean_temp``
    removes leftovers in its output dir). Used for reports, the build state and caches.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{path.name}.desk-{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def sha256_of(path: Path) -> str:
    """sha256 hex digest of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
