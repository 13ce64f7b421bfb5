"""Kill a `desk build` at chosen moments and judge what a reader of the checkout saw.

Shared by tests/publish/test_faults.py (a handful of kills) and benchmarks/kills.py (hundreds).
A *desk* here is a throw-away copy of the project's shape (conftest.make_desk) with two
light notebooks that import numpy, so kernels come from the fork server. Its published
state is `reports/` plus `data/processed/`, minus the build's own bookkeeping (the lock;
staging dirs, temp files and the journal are bookkeeping too, and must be gone after the
next command, which `leftovers` checks).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conftest import make_desk, notebook, write_notebook

PYTHON = sys.executable
BOOKKEEPING = (".build.lock",)


SUPER, PLAIN = "⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"
SUPERSCRIPT = str.maketrans(PLAIN, SUPER)


def story(version: int, marker: Path | None = None) -> object:
    # The marker's path is written with superscript digits (a temp path's digits could be a number
    # the page prints, which the build refuses in a notebook) and turned back in the kernel.
    coded = str(marker).translate(SUPERSCRIPT) if marker else ""
    touch = (f"import pathlib\npathlib.Path({coded!r}.translate(str.maketrans({SUPER!r}, {PLAIN!r}))).touch()\n"
             if marker else "")
    return notebook([
        ("md", f"# Story version {'I' * version} 第{'I' * version}版"),
        ("code", "import numpy as np\nfrom IPython.display import display\n"
                 f"display({{'text/html': '<p>' + {'v' * version!r} + ' ' + str(int(np.arange(len({'v' * (version + 3)!r})).sum())) + '</p>',"
                 f" 'text/plain': ''}}, raw=True)"),
        # No digits in the code: the build refuses a notebook that types a number the page prints.
        ("code", f"{touch}x = len({'v' * version!r})"),
    ])


def set_version(root: Path, version: int, marker: Path | None = None) -> None:
    for stem in ("01-alpha", "02-beta"):
        write_notebook(root / "notebooks" / f"{stem}.ipynb", story(version + (stem == "02-beta"), marker))


def snapshot(root: Path) -> dict[str, bytes]:
    """The published files: reports/ and data/processed/ (bookkeeping and hidden temp files
    and staging dirs left out: `leftovers` judges those)."""
    files = {}
    for top in (root / "reports", root / "data" / "processed"):
        if not top.is_dir():
            continue
        for p in sorted(top.rglob("*")):
            rel = p.relative_to(root).as_posix()
            if p.is_file() and p.name not in BOOKKEEPING and not _is_temp(p, top):
                files[rel] = p.read_bytes()
    return files


def _is_temp(p: Path, top: Path) -> bool:
    parts = p.relative_to(top).parts
    return (parts[0].startswith(".staging-") or parts[0] == ".publish-journal"
            or (p.name.startswith(".") and p.name.endswith(".tmp")))


def restore(root: Path, files: dict[str, bytes]) -> None:
    for top in (root / "reports", root / "data" / "processed"):
        shutil.rmtree(top, ignore_errors=True)
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)


def env_for(root: Path, **extra: str) -> dict[str, str]:
    return dict(os.environ, DESK_ROOT=str(root), PYTHONHASHSEED="0", **extra)


def desk(root: Path, *args: str, timeout: float = 300, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "helpers", *args], capture_output=True, text=True,
                          env=env_for(root, **extra), timeout=timeout)


class Desk:
    """A desk with an old published state (version 1) and the new one (version 2) known."""

    def __init__(self, base: Path):
        self.root = make_desk(base)
        set_version(self.root, 1)
        done = desk(self.root, "build")
        assert done.returncode == 0, done.stderr
        self.old = snapshot(self.root)
        set_version(self.root, 2)
        done = desk(self.root, "build")
        assert done.returncode == 0, done.stderr
        self.new = snapshot(self.root)
        assert self.new != self.old
        restore(self.root, self.old)

    def judge(self, files: dict[str, bytes]) -> str:
        return "old" if files == self.old else "new" if files == self.new else "MIXED"

    def mix(self, files: dict[str, bytes]) -> dict[str, list[str]]:
        """For a MIXED state: which files are as before, as after, or neither."""
        kinds: dict[str, list[str]] = {"old": [], "new": [], "neither": []}
        for rel in sorted(set(files) | set(self.old) | set(self.new)):
            got = files.get(rel)
            kind = ("old" if got == self.old.get(rel) and got == self.new.get(rel) else
                    "new" if got == self.new.get(rel) else "old" if got == self.old.get(rel) else "neither")
            if not (got == self.old.get(rel) == self.new.get(rel)):
                kinds[kind].append(rel)
        return kinds

    def kill_at(self, delay: float | None, signum: int, in_publish: bool = False) -> dict:
        """Start ``desk build --force`` from the old state and send `signum` after `delay`
        seconds (or, `in_publish`, once the publish journal exists, moves being slowed down).
        Returns what was seen right after the build ended and after the next command."""
        restore(self.root, self.old)
        extra = {"DESK_PUBLISH_PAUSE": "0.05"} if in_publish else {}
        # SIGINT as in a terminal, even when we run in the background (where it is ignored)
        proc = subprocess.Popen([PYTHON, "-m", "helpers", "build", "--force"], env=env_for(self.root, **extra),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        journal = self.root / "reports" / ".publish-journal"
        t0 = time.monotonic()
        if in_publish:
            while not journal.exists() and proc.poll() is None and time.monotonic() - t0 < 120:
                time.sleep(0.005)
            time.sleep(delay or 0)
        else:
            while proc.poll() is None and time.monotonic() - t0 < (delay or 0):
                time.sleep(0.005)
        hit = proc.poll() is None
        if hit:
            proc.send_signal(signum)
        proc.wait(timeout=900)  # a loaded machine: a build may take minutes
        seen = snapshot(self.root)
        right_after = self.judge(seen)
        detail = self.mix(seen) if right_after == "MIXED" else None
        check = desk(self.root, "check")
        assert check.returncode == 0, check.stderr
        seen = snapshot(self.root)
        after_next = self.judge(seen)
        if after_next == "MIXED":
            detail = self.mix(seen)
        return {"pid": proc.pid, "hit": hit, "code": proc.returncode, "right_after": right_after,
                "after_next": after_next, "leftovers": leftovers(self.root, proc.pid), "mix": detail}


def leftovers(root: Path, pid: int, wait: float = 5.0) -> list[str]:
    """What build `pid` left once the next command ran: staging dirs, temp files, a journal,
    its fork-server dir, processes started for it (kernels die within `wait` seconds)."""
    found = [p.relative_to(root).as_posix() for top in (root / "reports", root / "data")
             for p in (top.rglob("*") if top.is_dir() else ())
             if p.name.startswith(".staging-") or p.name == ".publish-journal"
             or (p.name.startswith(".") and p.name.endswith(".tmp"))]
    found += [str(d) for d in Path(tempfile.gettempdir()).glob(f"desk-fork-{pid}-*")]
    deadline = time.monotonic() + wait
    while True:
        procs = processes_of_build(pid)
        if not procs or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    return found + [f"process {p}" for p in procs]


def processes_of_build(pid: int) -> list[int]:
    key = f"DESK_BUILD_PID={pid}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if key in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


SIGNALS = {"INT": signal.SIGINT, "TERM": signal.SIGTERM, "KILL": signal.SIGKILL}
