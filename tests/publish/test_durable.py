"""Publishing survives a power cut, as far as the order of disk writes can make it: every
staged file reaches the disk before the journal that names it, the journal (and its folder
entry) before the first move, and the moved-into folders before the journal is deleted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.files import StorageError
from helpers.publish import journal


def staged_set(tmp_path: Path):
    out = tmp_path / "reports"
    staging = out / ".staging-1"
    (staging / "data").mkdir(parents=True)
    (out / "data").mkdir(parents=True)
    moves = []
    for rel in ("01-a.html", "data/figures-a.csv", ".build.json"):
        (staging / rel).write_bytes(rel.encode())
        moves.append((staging / rel, out / rel))
    old = out / "data" / "gone.csv"
    old.write_bytes(b"old")
    return out, staging, moves, [old]


def test_staged_files_and_folders_are_on_disk_in_order(tmp_path, monkeypatch):
    out, staging, moves, removals = staged_set(tmp_path)
    events: list[tuple[str, str]] = []
    real_fsync, real_replace, real_unlink = os.fsync, os.replace, Path.unlink

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(src, dst, *a, **k):
        events.append(("replace", str(dst)))
        return real_replace(src, dst, *a, **k)

    def unlink(self, *a, **k):
        events.append(("unlink", str(self)))
        return real_unlink(self, *a, **k)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(Path, "unlink", unlink)
    journal.publish(out, staging, moves, removals)

    def first(kind, path):
        return next(i for i, e in enumerate(events) if e == (kind, str(path)))

    journal_path = out / journal.JOURNAL_NAME
    written = first("replace", journal_path)  # write_atomic renames the journal into place
    for src, dst in moves:
        assert first("fsync", src) < written, src
        assert first("replace", dst) > written
    assert first("fsync", journal_path) < first("replace", moves[0][1])
    assert written < first("fsync", out) < first("replace", moves[0][1])  # the journal's name is durable
    gone = first("unlink", journal_path)
    for folder in {dst.parent for _, dst in moves} | {p.parent for p in removals}:
        last_change = max(i for i, e in enumerate(events) if e[0] in ("replace", "unlink")
                          and Path(e[1]).parent == folder and e[1] != str(journal_path))
        synced = [i for i, e in enumerate(events) if e == ("fsync", str(folder))]
        assert any(last_change < i < gone for i in synced), folder
    assert not journal_path.exists()
    assert all(dst.read_bytes() == dst.relative_to(out).as_posix().encode() for _, dst in moves)


def test_a_failing_fsync_publishes_nothing(tmp_path, monkeypatch):
    out, staging, moves, removals = staged_set(tmp_path)

    def broken(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(StorageError, match="Input/output error"):
        journal.publish(out, staging, moves, removals)
    assert not (out / journal.JOURNAL_NAME).exists()
    assert not any(dst.exists() for _, dst in moves)
    assert removals[0].exists()
