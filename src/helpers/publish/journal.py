"""Publishing that is never seen half done, one build at a time, nothing left behind.

* **The publish journal.** A build stages every file it publishes (reports, CSVs, the
  processed data, ``index.html``, ``.build.json``) in ``<out>/.staging-<pid>/``. To publish,
  it first writes ``<out>/.publish-journal`` (atomically: it exists whole or not at all),
  listing every move (staged file → place) and every removal, then performs them and deletes
  the journal. SIGINT, SIGTERM and SIGHUP are held back meanwhile (`deferred_signals`) and
  acted on right after, so a Ctrl-C or a ``kill`` leaves the old or the new set of files.
  Staged files and the journal are fsync'ed before any move, and the moved-into folders
  before the journal is deleted (`flush`).
  Only ``kill -9`` (or a power cut) can stop the moves half way; then the journal is still
  there, and the next ``desk`` command of any kind completes it before it does anything else
  (`recover`): a move is a rename, so replaying the journal is idempotent. Without a journal
  nothing was published, and the dead build's staging dir is simply removed.
* **One build at a time.** ``desk build`` holds an exclusive ``flock`` on ``<out>/.build.lock``
  (which also records its pid); a second build stops at once with a message naming that pid
  (`BuildLocked`), or waits for it (``desk build --wait``). The lock dies with its process,
  however it dies.
* **Nothing left behind** (`tidy`, run under the lock, i.e. only when no build is running
  here): a dead build's journal is completed, its staging dir and temp files removed, its
  fork server's socket dir (``$TMPDIR/desk-fork-<pid>-*``) and its kernels' sockets
  (``desk-ipc-<pid>-*``) removed, and any of its kernels
  still alive (processes whose environment says ``DESK_BUILD=1`` for this ``DESK_ROOT``)
  killed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from pathlib import Path

from helpers.errors import DeskError
from helpers.files import StorageError, explain, write_atomic

JOURNAL_NAME = ".publish-journal"
LOCK_NAME = ".build.lock"
STAGING_PREFIX = ".staging-"
FORK_PREFIX = "desk-fork-"
IPC_PREFIX = "desk-ipc-"  # kernels' Unix sockets: $TMPDIR/desk-ipc-<pid>-<n>-<k>
DEFERRED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
JOURNAL_FORMAT = "desk-publish-1"


class BuildLocked(DeskError):
    """Another build holds this output dir's lock (names its pid)."""


# ---------------------------------------------------------------- signals

@contextlib.contextmanager
def _intercepting(signals, on_signal, keep_ignored: bool = False):
    """Route `signals` to ``on_signal(signum, frame, former_handler)`` for the duration, then
    restore the former handlers and raise again, with them, each signal that came. Main thread
    only (elsewhere a no-op). `keep_ignored`: a signal set to be ignored stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {}

    def handler(signum, frame):
        caught.append(signum)
        on_signal(signum, frame, previous.get(signum))

    for signum in signals:
        if not (keep_ignored and signal.getsignal(signum) is signal.SIG_IGN):
            previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, former in previous.items():
            signal.signal(signum, former if former is not None else signal.SIG_DFL)
        for signum in dict.fromkeys(caught):
            signal.raise_signal(signum)


def deferred_signals(signals=DEFERRED):
    """Hold back `signals` for the duration (only possible in the main thread; elsewhere a
    no-op). A signal that arrived meanwhile is re-raised, with its former handler, on exit."""
    return _intercepting(signals, lambda signum, frame, former: None)


def remembering_signals(signals=DEFERRED):
    """Act on `signals` as before, and remember them: a library that turns the resulting
    KeyboardInterrupt, SystemExit or task cancellation into an ordinary error (so that a
    notebook seems to have failed) cannot make the build carry on and publish. On exit, a
    signal that came is raised again with the former handler. Main thread only (else a
    no-op); an ignored signal (a background job's SIGINT) stays ignored."""
    return _intercepting(signals, _act_now, keep_ignored=True)


def _act_now(signum, frame, former) -> None:
    """What `former` (a signal's handler before ours) would have done with it, now."""
    if callable(former):
        former(signum, frame)
    else:  # the default action (e.g. SIGHUP ends the process): now
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)


# ---------------------------------------------------------------- the journal

def publish(out: Path, staging: Path, moves: list[tuple[Path, Path]], removals: list[Path],
            pause=None) -> None:
    """Move `moves` (staged file → its place) and delete `removals`, all or nothing as far as
    any observer after this process's end can tell (see the module docstring). `pause`, a
    test hook, is called between two moves."""
    if not moves and not removals:
        return
    journal = {
        "format": JOURNAL_FORMAT, "pid": os.getpid(), "staging": str(staging),
        "moves": [[str(src), str(dst)] for src, dst in moves],
        "removals": [str(p) for p in removals],
    }
    path = out / JOURNAL_NAME
    _check_writable([out, *{dst.parent for _, dst in moves}, *{p.parent for p in removals}])
    # A power cut must not leave a journal naming staged files whose bytes never reached the
    # disk, nor drop the journal before the renames it lists are on disk.
    flush([src for src, _ in moves], dirs={src.parent for src, _ in moves})
    with deferred_signals():
        _write_durably(path, (json.dumps(journal, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
        flush([], dirs={out})
        _replay(journal, pause)
        flush([], dirs={dst.parent for _, dst in moves} | {p.parent for p in removals})
        path.unlink()


def flush(files, dirs=()) -> None:
    """fsync each file, then each folder (so the names in it are on disk too). A failure is a
    `StorageError` naming the path: better no publish than one a power cut could tear."""
    for p in [*files, *sorted(dirs)]:
        try:
            fd = os.open(p, os.O_RDONLY | (os.O_DIRECTORY if p in dirs else 0))
        except FileNotFoundError:
            continue  # a removal's folder that is gone, or a move already done by a replay
        except OSError as e:
            raise StorageError(explain(e, p)) from None
        try:
            os.fsync(fd)
        except OSError as e:
            if e.errno != errno.EINVAL:  # a file system without fsync (some FUSE and pipes)
                raise StorageError(explain(e, p)) from None
        finally:
            os.close(fd)


def _check_writable(dirs) -> None:
    """Create each folder and a file in it (then remove it): a folder the moves could not
    write is a `StorageError` before anything moved."""
    for d in sorted(set(dirs)):
        try:
            d.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=d):  # unnamed where the system allows: never left behind
                pass
        except OSError as e:
            raise StorageError(explain(e, d)) from None


def _write_durably(path: Path, data: bytes) -> None:
    write_atomic(path, data)
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def _replay(journal: dict, pause=None) -> list[str]:
    """Perform the journal's moves then removals; idempotent. Returns the files it could
    not put in place (their staged copy gone and the place not holding it)."""
    missing = []
    for i, (src, dst) in enumerate(journal["moves"]):
        if pause is not None and i:
            pause(i)
        src, dst = Path(src), Path(dst)
        if src.exists():
            move(src, dst)
        elif not dst.exists():
            missing.append(str(dst))
    for rel in journal["removals"]:
        Path(rel).unlink(missing_ok=True)
    return missing


def move(src: Path, dst: Path) -> None:
    """Put a staged file in place: a rename (a copy through a temp file across devices, the
    staged file then removed, so a replay knows it is done)."""
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(src, dst)
        except FileNotFoundError:
            if src.exists() or not dst.exists():
                raise
            # another process replaying the same journal moved it first
        except OSError as e:
            if e.errno != errno.EXDEV:
                raise
            write_atomic(dst, src.read_bytes())
            src.unlink()
    except OSError as e:
        raise StorageError(explain(e, dst)) from None


def recover(out: Path, log=lambda msg: None) -> bool:
    """Complete the publish a dead build left half done in `out` (no-op if none). The caller
    holds the lock (or knows the journal's build is dead). True when there was one."""
    path = out / JOURNAL_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return False
    except OSError as e:
        raise StorageError(explain(e, path)) from None
    try:
        journal = json.loads(raw)
        assert journal.get("format") == JOURNAL_FORMAT
        assert isinstance(journal["moves"], list) and isinstance(journal["removals"], list)
    except (ValueError, AssertionError, KeyError, AttributeError):
        raise StorageError(f"{path}: not a publish journal the desk wrote; delete it and run "
                           f"`desk build --force`") from None
    if _alive(int(journal.get("pid", 0))) and int(journal.get("pid", 0)) != os.getpid():
        return False  # its build is still publishing
    with deferred_signals():
        missing = _replay(journal)
        path.unlink(missing_ok=True)
    staging = Path(journal.get("staging") or "")
    if staging.name.startswith(STAGING_PREFIX) and staging.parent == out:
        shutil.rmtree(staging, ignore_errors=True)
    if missing:
        log(f"completed the publish of a build that was killed, but {len(missing)} staged file(s) "
            f"were gone (first: {missing[0]}); run `desk build --force`")
    else:
        log(f"completed the publish of a build that was killed (pid {journal.get('pid')})")
    return True


# ---------------------------------------------------------------- the lock

@contextlib.contextmanager
def build_lock(out: Path, wait: bool = False, log=lambda msg: None):
    """Hold the exclusive build lock of `out` (created if needed); `BuildLocked` names the
    holder's pid when another build has it (unless `wait`: then wait for it)."""
    import fcntl

    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as e:
        raise StorageError(explain(e)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            if not wait:
                raise BuildLocked(
                    f"{out}: another desk build (pid {holder}) is running here; wait for it to "
                    f"finish (or run `desk build --wait`), or stop it with `kill {holder}`") from None
            log(f"waiting for the desk build running here (pid {holder}) to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return text if text.isdigit() else "unknown"


@contextlib.contextmanager
def unless_building(out: Path):
    """Yield True holding `out`'s build lock when no build holds it, else False at once
    (also when `out` does not exist: nothing there to tidy)."""
    import fcntl

    try:
        fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644) if out.is_dir() else -1
    except OSError:
        fd = -1
    if fd < 0:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


# ---------------------------------------------------------------- leftovers

def tidy(out: Path, log=lambda msg: None, locked: bool = False) -> None:
    """Remove what dead builds left (see the module docstring): complete a dead build's
    publish (holding `out`'s lock: `locked` says the caller does; otherwise only when no
    build holds it), then its staging dir, temp files, fork-server dir and processes."""
    if locked:
        recover(out, log)
    else:
        with unless_building(out) as free:
            if free:
                recover(out, log)
    clean_temp(out)
    clean_fork_dirs()
    kill_orphans()


def clean_temp(out: Path) -> None:
    """Remove temp files and staging dirs left in `out` by builds that were killed (their
    process is gone)."""
    if not out.is_dir():
        return
    for tmp in out.rglob(".*.desk-*.tmp"):
        m = re.search(r"\.desk-(\d+)(?:-\d+)?\.tmp$", tmp.name)
        if m and not _alive(int(m.group(1))):
            tmp.unlink(missing_ok=True)
    for staged in out.glob(f"{STAGING_PREFIX}*"):
        m = re.fullmatch(re.escape(STAGING_PREFIX) + r"(\d+)", staged.name)
        if m and staged.is_dir() and not _alive(int(m.group(1))):
            shutil.rmtree(staged, ignore_errors=True)


def clean_fork_dirs(tmp: Path | None = None) -> None:
    """Remove fork-server socket dirs (``desk-fork-<pid>-*``) and kernel sockets
    (``desk-ipc-<pid>-*``) whose build is dead, and unnamed old fork-server dirs
    (``desk-fork-<random>``) whose socket no server listens on any more."""
    import socket

    tmp = Path(tmp or tempfile.gettempdir())
    try:
        found = list(tmp.glob(f"{FORK_PREFIX}*"))
    except OSError:
        return
    for sock in tmp.glob(f"{IPC_PREFIX}*"):
        m = re.match(re.escape(IPC_PREFIX) + r"(\d+)-", sock.name)
        try:
            if m and not _alive(int(m.group(1))) and sock.is_socket() and sock.lstat().st_uid == os.getuid():
                sock.unlink()
        except OSError:
            continue
    for d in found:
        try:
            if not d.is_dir() or d.is_symlink() or d.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        m = re.match(re.escape(FORK_PREFIX) + r"(\d+)-", d.name)
        if m:
            dead = not _alive(int(m.group(1)))
        else:  # named before the pid was in the name: dead when nothing listens
            sock = d / "socket"
            if not sock.exists():
                dead = _age(d) > 3600
            else:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(str(sock))
                    dead = False
                except ConnectionRefusedError:
                    dead = True
                except OSError:
                    dead = False
                finally:
                    s.close()
        if dead:
            shutil.rmtree(d, ignore_errors=True)


def _age(path: Path) -> float:
    import time

    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


BUILD_PID_ENV = "DESK_BUILD_PID"  # in a kernel's (and the fork server's) environment


def kill_orphans() -> list[int]:
    """SIGKILL processes a dead build left (fork server, kernels): those whose environment
    names, in ``DESK_BUILD_PID``, a build that is gone. Linux only (reads /proc); returns the
    pids killed."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    key = BUILD_PID_ENV.encode() + b"="
    killed = []
    me = os.getpid()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            env = (entry / "environ").read_bytes()
        except OSError:
            continue
        at = env.find(b"\0" + key)
        if at < 0 and not env.startswith(key):
            continue
        start = 0 if env.startswith(key) else at + 1
        value = env[start + len(key):].split(b"\0", 1)[0]
        if not value.isdigit() or _alive(int(value)):
            continue
        try:
            os.kill(int(entry.name), signal.SIGKILL)
            killed.append(int(entry.name))
        except OSError:
            pass
    return killed


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
