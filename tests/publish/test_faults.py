"""Faults: builds killed at many moments, two builds at once, a full disk, a file where a folder
belongs, a cell that never ends. What a reader of the checkout sees is the old set of files or
the new one, never a mix, and each fault a user can fix is one line saying what to do."""

from __future__ import annotations

import builtins
import contextlib
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import killing
from conftest import notebook, plain_notebook, write_notebook
from helpers import files
from helpers.errors import DeskError
from helpers.publish import build, journal

pytestmark = pytest.mark.slow
PYTHON = sys.executable


# ---------------------------------------------------------------- killed builds

@pytest.fixture(scope="module")
def two_versions(tmp_path_factory) -> killing.Desk:
    return killing.Desk(tmp_path_factory.mktemp("kills"))


@pytest.mark.parametrize("name", ["INT", "TERM", "KILL"])
def test_kill_while_publishing(two_versions, name):
    """Killed between two moves of the publish (slowed down to aim): SIGINT and SIGTERM wait
    for the moves, so the checkout shows the new reports at once; after SIGKILL the next
    command (any) completes the journal. Nothing is left behind either way."""
    seen = two_versions.kill_at(0.02, killing.SIGNALS[name], in_publish=True)
    assert seen["hit"], "the build ended before the signal"
    if name != "KILL":
        assert seen["right_after"] == "new", seen
    assert seen["after_next"] == "new", seen
    assert seen["leftovers"] == [], seen


@pytest.mark.parametrize("name,delay", [("KILL", 0.3), ("INT", 2.5), ("TERM", 1.0)])
def test_kill_at_other_moments(two_versions, name, delay):
    """Before or while the kernels run, or while rendering: the old reports stay (or, if the
    build got as far as publishing, the new ones); never a mix, nothing left behind."""
    seen = two_versions.kill_at(delay, killing.SIGNALS[name])
    if name != "KILL":
        assert seen["right_after"] in ("old", "new"), seen
    assert seen["after_next"] in ("old", "new"), seen
    assert seen["leftovers"] == [], seen


def _stage(tmp: Path, new: dict[str, bytes]) -> tuple[Path, list[tuple[Path, Path]]]:
    staging = tmp / "reports" / f"{journal.STAGING_PREFIX}{os.getpid()}"
    moves = []
    for rel, data in new.items():
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        (staging / rel).write_bytes(data)
        moves.append((staging / rel, tmp / "reports" / rel))
    return staging, moves


@pytest.mark.parametrize("done", [0, 1, 2, 3])
def test_journal_replay_completes_a_publish_cut_after_any_move(tmp_path, done):
    """A journal written, `done` of its moves made, then the process gone: recovery finishes
    the rest, removals included, and removes the journal and the staging dir."""
    out = tmp_path / "reports"
    out.mkdir()
    (out / "a.html").write_bytes(b"old a")
    (out / "gone.csv").write_bytes(b"old csv")
    (out / ".build.json").write_bytes(b"old state")
    new = {"a.html": b"new a", "data/b.csv": b"new b", ".build.json": b"new state"}
    staging, moves = _stage(tmp_path, new)
    record = {"format": journal.JOURNAL_FORMAT, "pid": 999_999_999, "staging": str(staging),
              "moves": [[str(s), str(d)] for s, d in moves], "removals": [str(out / "gone.csv")]}
    (out / journal.JOURNAL_NAME).write_text(json.dumps(record))
    for src, dst in moves[:done]:
        journal.move(src, dst)
    said = []
    assert journal.recover(out, said.append) is True
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == new
    assert not staging.exists() and said and "completed" in said[0]
    assert journal.recover(out) is False  # nothing left to do


def test_a_journal_of_a_live_build_is_left_alone(tmp_path):
    out = tmp_path / "reports"
    staging, moves = _stage(tmp_path, {"a.html": b"new"})
    record = {"format": journal.JOURNAL_FORMAT, "pid": os.getppid(), "staging": str(staging),
              "moves": [[str(s), str(d)] for s, d in moves], "removals": []}
    (out / journal.JOURNAL_NAME).write_text(json.dumps(record))
    assert journal.recover(out) is False
    assert not (out / "a.html").exists() and (out / journal.JOURNAL_NAME).exists()


def test_a_damaged_journal_is_one_line(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    (out / journal.JOURNAL_NAME).write_text("{not json")
    with pytest.raises(files.StorageError, match=r"\.publish-journal: not a publish journal.*desk build --force"):
        journal.recover(out)


def test_signals_are_held_back_and_acted_on_after():
    code = ("import os, signal\nfrom helpers.publish import journal\nhits = []\n"
            "signal.signal(signal.SIGTERM, lambda s, f: hits.append('late'))\n"
            "with journal.deferred_signals():\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "    hits.append('inside')\n"
            "print(hits)\n")
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "['inside', 'late']", done.stderr


# ---------------------------------------------------------------- one build at a time

def test_a_second_build_names_the_running_one(desk_root):
    write_notebook(desk_root / "notebooks" / "01-x.ipynb", plain_notebook())
    out = desk_root / "reports"
    with journal.build_lock(out):
        done = killing.desk(desk_root, "build")
        assert done.returncode == 2
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert f"another desk build (pid {os.getpid()}) is running" in lines[0] and "--wait" in lines[0]
        assert not (out / "01-x.html").exists()
        waiting = subprocess.Popen([PYTHON, "-m", "helpers", "build", "--wait"], env=killing.env_for(desk_root),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        first = waiting.stdout.readline()
        assert f"waiting for the desk build running here (pid {os.getpid()})" in first
        assert waiting.poll() is None
    rest = waiting.communicate(timeout=300)[0]
    assert waiting.returncode == 0, rest
    assert (out / "01-x.html").is_file()


# ---------------------------------------------------------------- leftovers

def test_the_next_command_removes_what_a_dead_build_left(desk_root):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stray_dir = Path(tempfile.mkdtemp(prefix=f"{journal.FORK_PREFIX}{dead.pid}-"))
    (stray_dir / "socket").write_text("")
    live_dir = Path(tempfile.mkdtemp(prefix=f"{journal.FORK_PREFIX}{os.getpid()}-"))
    kernel = subprocess.Popen([PYTHON, "-c", "import time; time.sleep(120)"],
                              env=dict(os.environ, **{journal.BUILD_PID_ENV: str(dead.pid)}))
    other = subprocess.Popen([PYTHON, "-c", "import time; time.sleep(120)"],
                             env=dict(os.environ, **{journal.BUILD_PID_ENV: str(os.getpid())}))
    staging = desk_root / "reports" / f"{journal.STAGING_PREFIX}{dead.pid}"
    staging.mkdir(parents=True)
    temp = desk_root / "reports" / f".a.html.desk-{dead.pid}-1.tmp"
    temp.write_text("half")
    try:
        done = killing.desk(desk_root, "check")
        assert done.returncode == 0, done.stderr
        assert kernel.wait(timeout=10) == -signal.SIGKILL
        assert other.poll() is None, "a process of a live build is left alone"
        assert not stray_dir.exists() and live_dir.exists()
        assert not staging.exists() and not temp.exists()
    finally:
        for p in (kernel, other):
            p.kill()
            p.wait()
        live_dir.rmdir()


# ---------------------------------------------------------------- the disk says no

def full_disk(path, mode="r", *args):
    """`open` for helpers.files: what it writes goes to /dev/full (ENOSPC), reads are real."""
    return builtins.open("/dev/full" if "w" in mode else path, mode, *args)


def test_a_full_disk_is_one_line(tmp_path, monkeypatch):
    """Writes go to /dev/full, which refuses like a full disk (ENOSPC)."""
    monkeypatch.setattr(files, "open", full_disk, raising=False)
    with pytest.raises(files.StorageError) as caught:
        files.write_atomic(tmp_path / "report.html", b"x" * 100_000)
    assert str(caught.value) == (f"{tmp_path / 'report.html'}: No space left on device "
                                 "(the disk is full; free some space and run again)")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_stops_the_build_with_one_line(desk_root):
    write_notebook(desk_root / "notebooks" / "01-x.ipynb", plain_notebook())
    code = ("import builtins, sys\nfrom helpers import files\nfrom helpers.publish import cli\n"
            "files.open = lambda path, mode='r', *a: builtins.open('/dev/full' if 'w' in mode else path, mode, *a)\n"
            "sys.exit(cli.main(['build']))\n")
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=300,
                          env=killing.env_for(desk_root))
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()
    assert len(last) == 1 and last[0].startswith("desk build: ") and "the disk is full" in last[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not (desk_root / "reports" / "01-x.html").exists()


def test_explain_says_what_to_do():
    assert files.explain(PermissionError(errno.EACCES, "Permission denied", "reports")) == (
        "reports: Permission denied (not writable by you; make it writable (e.g. `chmod u+w`) "
        "or build elsewhere with `--out DIR`)")
    assert "a file stands where the desk needs a folder" in files.explain(
        NotADirectoryError(errno.ENOTDIR, "Not a directory", ".cache/fonts/x"))


def test_reports_that_is_a_file_is_one_line(desk_root):
    write_notebook(desk_root / "notebooks" / "01-x.ipynb", plain_notebook())
    (desk_root / "reports").write_text("not a folder")
    done = killing.desk(desk_root, "build")
    assert done.returncode == 2
    assert done.stderr.strip() == (f"desk build: {desk_root / 'reports'}: File exists (a file stands where "
                                   "the desk needs a folder; move or delete that file and run again)")


@contextlib.contextmanager
def unwritable(folder: Path):
    """`folder` refusing new files, for this user: read-only mode, or for root (who writes
    into read-only folders) the immutable attribute (``chattr +i``)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if not chattr or subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("running as root on a file system without chattr +i: no folder is unwritable")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def test_unwritable_reports_is_one_line(desk_root):
    write_notebook(desk_root / "notebooks" / "01-x.ipynb", plain_notebook())
    out = desk_root / "reports"
    out.mkdir()
    with unwritable(out):
        done = killing.desk(desk_root, "build")
        assert not any(out.iterdir())
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip()
    assert "\n" not in line and str(out) in line and "not writable by you" in line, line


def test_reports_folder_turned_unwritable_keeps_the_last_good_reports(desk_root):
    write_notebook(desk_root / "notebooks" / "01-x.ipynb", plain_notebook())
    assert killing.desk(desk_root, "build").returncode == 0
    out = desk_root / "reports"
    def published():  # the lock file records the last build's pid: not a published file
        return {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != journal.LOCK_NAME}

    before = published()
    with unwritable(out):
        done = killing.desk(desk_root, "build", "--force")
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip()
    assert "\n" not in line and str(out) in line and "not writable by you" in line, line
    assert published() == before


def test_cache_subfolder_that_is_a_file_is_repaired(tmp_path):
    from helpers.publish import fonts

    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "fonts").write_text("in the way")
    assert fonts.subset_woff2("台商", cache_dir=cache)[:4] == b"wOF2"
    assert (cache / "fonts").is_dir() and len(list((cache / "fonts").iterdir())) == 1


def test_cache_folder_that_is_a_file_is_one_line(desk_root):
    write_notebook(desk_root / "notebooks" / "01-x.ipynb", plain_notebook())
    (desk_root / ".cache").write_text("in the way")
    done = killing.desk(desk_root, "build")
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (f"desk build: {desk_root / '.cache'}: a file stands where the desk keeps "
                                   "its cache folder; move or delete it (the cache only saves time) and run again")


# ---------------------------------------------------------------- a cell that never ends

def test_a_cell_that_runs_too_long_is_stopped_and_the_last_report_kept(desk_root):
    nbs, out = desk_root / "notebooks", desk_root / "reports"
    write_notebook(nbs / "01-x.ipynb", plain_notebook())
    assert build.build(root=desk_root).ok
    good = (out / "01-x.html").read_bytes()
    write_notebook(nbs / "01-x.ipynb", plain_notebook("import time\nwhile True:\n    time.sleep(0.1)"))
    t0 = time.monotonic()
    done = killing.desk(desk_root, "build", "--cell-timeout", "2")
    assert time.monotonic() - t0 < 120
    assert done.returncode == 1
    assert ("desk build: FAILED 01-x.ipynb: cell 3 (# compute the ratio): stopped after running longer than "
            "the cell time limit of 2 s (raise it with `desk build --cell-timeout SECONDS` or "
            "DESK_CELL_TIMEOUT)") in done.stderr.splitlines()
    assert (out / "01-x.html").read_bytes() == good
    assert killing.desk(desk_root, "build", DESK_CELL_TIMEOUT="soon").stderr.strip() == (
        "desk build: DESK_CELL_TIMEOUT='soon': not a number of seconds")


# ---------------------------------------------------------------- numbers too long to be figures

@pytest.mark.parametrize("number,what", [
    ("1" * 5000, "a number of 5,000 digits"),
    (",".join(["111"] * 11), "a number of 33 digits"),
    ("１２３４５６７８９０" * 4, "a number of 40 digits"),
    ("3." + "1415926535" * 3, "a number of 31 digits"),
    ("1\u200b" * 31, "a number of 31 digits"),
    ("一二三四五六七八九〇" * 5, "a run of 50 Chinese numerals"),
])
def test_a_number_too_long_to_be_a_figure_refuses_the_page(tmp_path, number, what):
    from helpers.page import reading as source

    page = tmp_path / "page.txt"
    page.write_text(f"标题\n\n本报讯 全年投资{number}元。\n", encoding="utf-8")
    with pytest.raises(DeskError) as caught:
        source.read_page(page)
    assert str(caught.value).startswith(f"{page}: {what} at character offset 12 (line 3, column 9) "
                                        "is too long to be a figure")


def test_numbers_up_to_the_limit_are_read(tmp_path):
    from helpers.figures import ledger
    from helpers.page import reading as source

    page = tmp_path / "page.txt"
    longest = "9" * source.MAX_NUMBER_DIGITS
    page.write_text(f"标题\n\n本报讯 全年投资{longest}元，编号{'1' * 29}{'二' * 40}。\n", encoding="utf-8")
    figures = ledger.page_figures(source.read_page(page))
    assert figures.loc[0, "surface"] == f"{longest}元"  # read (its value is the numerals' business)


def test_a_long_number_is_one_line_from_the_command(tmp_path, desk_root):
    page = tmp_path / "page.txt"
    page.write_text("标题\n\n本报讯 投资" + "1" * 5000 + "元。\n", encoding="utf-8")
    done = killing.desk(desk_root, "figures", str(page))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (f"desk figures: {page}: a number of 5,000 digits at character offset 10 (line 3, "
                           "column 7) is too long to be a figure (at most 30 digits); shorten or remove it "
                           "and register the cleaned copy\n")


# ---------------------------------------------------------------- no port races

TRANSPORT = ("from ipykernel import get_connection_info\nfrom IPython.display import display\n"
             "info = get_connection_info(unpack=True)\n"
             "display({'text/html': '<p>transport ' + info['transport'] + '</p>'}, raw=True)")


def test_build_kernels_talk_over_unix_sockets(desk_root):
    write_notebook(desk_root / "notebooks" / "01-x.ipynb", plain_notebook(TRANSPORT))
    assert build.build(root=desk_root).ok
    assert "<p>transport ipc</p>" in (desk_root / "reports" / "01-x.html").read_text(encoding="utf-8")
    assert not list(Path(tempfile.gettempdir()).glob(f"{journal.IPC_PREFIX}{os.getpid()}-*")), "sockets removed"


def test_test_kernels_talk_over_unix_sockets():
    """nbmake's kernels are nbclient's: tests/conftest.py has them use Unix sockets too."""
    from nbclient import NotebookClient

    nb = plain_notebook(TRANSPORT.replace("display({'text/html': '<p>transport ' + ", "print(").replace(
        " + '</p>'}, raw=True)", ")"))
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    assert nb.cells[2].outputs[0]["text"] == "ipc\n"


def test_a_signal_swallowed_by_a_library_still_stops_the_build():
    """A handler that raises is run, and the signal raised again on exit, even when the code
    inside caught what the handler raised (as a library may turn it into a notebook error)."""
    code = ("import os, signal\nfrom helpers.publish import journal\nseen = []\n"
            "signal.signal(signal.SIGTERM, lambda s, f: (_ for _ in ()).throw(SystemExit(143)))\n"
            "try:\n"
            "    with journal.remembering_signals():\n"
            "        try:\n"
            "            os.kill(os.getpid(), signal.SIGTERM)\n"
            "        except SystemExit:\n"
            "            seen.append('swallowed')\n"
            "        seen.append('went on')\n"
            "except SystemExit as e:\n"
            "    seen.append(f'stopped {e.code}')\n"
            "print(seen)\n")
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "['swallowed', 'went on', 'stopped 143']", done.stderr
