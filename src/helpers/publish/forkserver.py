"""The fork server: one warm process that forks the build's kernels (the server's side).

``helpers.publish.kernels`` starts it (``ForkServer.start``) and asks it for kernels; this module is
the process itself. It imports what every notebook kernel would (`PRELOAD`, then the desk's
helpers: ``preload_names``) and then, for each kernel asked for, forks a child that becomes
that kernel with the job's own environment, working directory and connection file.

* Protocol: one Unix-socket connection per kernel. The build sends one JSON line (``argv``,
  ``env``, ``cwd``); the server answers ``{"pid": N}`` and, when that child exits,
  ``{"exit": code}`` (``Popen.returncode`` convention) and closes the connection; a fork that
  fails is answered ``{"error": ...}``; a bad request is just closed. A build that closes a
  kernel's connection first has given up on it (say, its answer was garbled): the server kills it.
* It forks only from its one thread (it checks that preloading started none): a fork copies
  every lock as it is, and a thread holding one would leave it held in the child for ever.
* Lifetime: the server runs in a session of its own (a Ctrl-C or a signal to the build's
  process group reaches the build, not it) and reads its stdin, a pipe from the build; when
  the build ends or dies the pipe closes, and the server kills its kernels, removes its
  socket and exits (also on SIGTERM, SIGHUP, SIGINT). Linux kills a kernel whose server
  died however it died (``PR_SET_PDEATHSIG``), and ipykernel's parent poller watches the
  server as a fresh kernel's watches the build.
* Each kernel is a session leader (``setsid``), as jupyter_client starts kernels, so a
  signal to its process group reaches what the kernel started too. Its stdin, stdout and
  stderr are /dev/null (a plain kernel's stderr is too); numpy's global random state is
  seeded afresh, as in a new process.

Imports preloaded here behave as in a fresh kernel because the server starts with the
build's kernel environment (hash seed, ``MPLBACKEND``, ``PYTHONPATH``); only variables a
kernel reads later (``DESK_REPORT``) differ per job, and the child sets them before any
notebook code runs. Tests check that a forked kernel and a fresh one build the same bytes.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.util
import json
import os
import select
import signal
import socket
import sys
import threading

PRELOAD = (
    # the kernel itself, and what it imports while starting (debugger, history, inspection)
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
    "IPython", "IPython.core.debugger", "IPython.core.completerlib", "IPython.core.history",
    "IPython.core.oinspect", "IPython.extensions.storemagic", "psutil",
    # the desk's notebooks' libraries
    "numpy", "pandas", "pandas.io.formats.csvs", "matplotlib", "matplotlib.figure",
    "matplotlib.font_manager", "matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg",
    "pylopdf_fonts_zh_cn", "jieba", "lunar_python", "chinese_calendar",
)
"""What the server imports before forking: the cost every notebook kernel would pay."""

PRELOADED_STAGES = ("page", "figures", "story")
"""The desk's own modules are preloaded too (they compute nothing at import but paths from
``DESK_ROOT``, the same for every kernel of a build): the base modules and every module of
these stages. ``helpers.publish`` is the build's own, which notebooks never use."""

LAUNCHER = ("-m", "ipykernel_launcher")
READY = b"ready\n"
MAX_REQUEST = 1 << 20


def read_line(conn: socket.socket) -> tuple[bytes, bytes]:
    """The first line from `conn` and whatever came after it in the same reads."""
    buf = b""
    while b"\n" not in buf:
        chunk = conn.recv(4096)
        if not chunk:
            raise OSError("connection closed")
        buf += chunk
        if len(buf) > MAX_REQUEST:
            raise OSError("message too long")
    line, _, rest = buf.partition(b"\n")
    return line, rest


def main() -> None:
    """The server process: ``python -c "from helpers.publish.forkserver import main; main()" SOCKET
    [MODULE ...]`` (the modules to preload; default `preload_names()`).

    SOCKET lies in a directory of its own, which the server removes when it exits (also when
    its build was killed and could not). It exits when its stdin closes, or on SIGTERM,
    SIGHUP or SIGINT, killing its kernels first."""
    import ctypes  # noqa: F401  (for the kernels' _die_with, loaded once here)

    for signum in STOP_SIGNALS:
        signal.signal(signum, _stop)
    if sys.path and sys.path[0] == "":
        del sys.path[0]  # as ipykernel_launcher does before its imports
    for name in sys.argv[2:] or preload_names():
        importlib.import_module(name)
    if not sys.argv[2:]:
        _warm()
    if threading.active_count() != 1:  # forking a process with threads copies their locks mid-use
        raise SystemExit(f"fork server: preloading started threads: {threading.enumerate()}")
    gc.freeze()  # the preloaded objects stay shared: the kernels' GC never writes to their pages
    path = sys.argv[1]
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes select through the pipe
    children: dict[int, socket.socket] = {}
    os.write(1, READY)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # the build reads our stderr only if we fail to start
    os.close(devnull)
    hung_up: set[int] = set()  # kernels whose build side closed its connection: killed, not yet reaped
    try:
        while True:
            watched = [conn for pid, conn in children.items() if pid not in hung_up]
            readable, _, _ = select.select([listener, 0, wake_r, *watched], [], [])
            if wake_r in readable:
                os.read(wake_r, 4096)
            if 0 in readable and not os.read(0, 4096):
                break  # the build closed our stdin, or died
            for pid, conn in list(children.items()):
                if conn in readable and pid not in hung_up:  # the build sends nothing after its request:
                    hung_up.add(pid)                          # this is its hang-up (it gave up on the kernel)
                    _kill(pid)
            hung_up &= children.keys()
            if listener in readable:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    continue  # e.g. out of file descriptors: this request fails, not the others
                _serve(conn, listener, children, (wake_r, wake_w))
            _reap(children)
    finally:
        _shutdown(children)
        listener.close()
        for remove, target in ((os.unlink, path), (os.rmdir, os.path.dirname(path))):
            try:
                remove(target)
            except OSError:
                pass


def _warm() -> None:
    """Fill caches every kernel would fill alike (~1 s a page overview): the desk's jieba
    tokenizer, jieba's IDF table, the characters the chart fonts can draw. No per-report state,
    no rcParams: forked kernels write the same bytes (tested). A failure here costs only time."""
    from helpers.story import charts, text

    # (matplotlib's font objects are not warmed: it empties their cache in a forked child)
    for fill in (text.tokenizer, text.idf_table, charts._font_chars):
        with contextlib.suppress(Exception):
            fill()


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def _stop(signum, frame):
    raise SystemExit(128 + signum)  # runs main's `finally`: kernels killed, socket removed


def preload_names() -> list[str]:
    """`PRELOAD`, then the helpers' base modules and every module of `PRELOADED_STAGES`."""
    import importlib
    import pkgutil

    import helpers

    own = [f"helpers.{m.name}" for m in pkgutil.iter_modules(helpers.__path__)
           if not m.ispkg and m.name != "__main__"]
    for stage in PRELOADED_STAGES:
        pkg = importlib.import_module(f"helpers.{stage}")
        own += [f"helpers.{stage}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)]
    return [*PRELOAD, *sorted(own)]


def _serve(conn: socket.socket, listener, children: dict, pipe_fds) -> None:
    """Read one request and fork its kernel. A bad request just closes the connection; a
    fork that fails is answered with the error (the build then starts that kernel itself)."""
    try:
        conn.settimeout(10)
        line, _ = read_line(conn)
        request = json.loads(line)
        argv, env, cwd = request["argv"], request["env"], request["cwd"]
        if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv) and isinstance(cwd, str)
                and isinstance(env, dict) and all(isinstance(v, str) for v in env.values())):
            raise ValueError("bad request")
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        conn.close()
        return
    # No stop signal between the fork and recording the child: it would escape the cleanup.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    server = os.getpid()  # known before the fork: the child's getppid() may already be another
    try:
        try:
            pid = os.fork()
        except OSError as e:
            _send(conn, {"error": f"fork failed: {e}"})
            conn.close()
            return
        if pid == 0:
            _become_kernel(argv, env, cwd, [conn, listener, *children.values()], pipe_fds, mask, server)
        children[pid] = conn
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    _send(conn, {"pid": pid})


def _send(conn: socket.socket, message: dict) -> None:
    try:
        conn.sendall(json.dumps(message).encode() + b"\n")
    except OSError:
        pass  # the build gave up on this kernel; its exit is still reaped


def _reap(children: dict) -> None:
    """Collect exited kernels (without waiting) and tell each one's provisioner."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _ended(children, pid, status)


def _ended(children: dict, pid: int, status: int) -> None:
    conn = children.pop(pid, None)
    if conn is not None:
        _send(conn, {"exit": os.waitstatus_to_exitcode(status)})
        conn.close()


def _kill(pid: int) -> None:
    """Kill a kernel: its process group, or itself if it had no time to make one."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            return
        except OSError:
            continue


def _shutdown(children: dict) -> None:
    """Kill every kernel still running and wait for each."""
    for pid in list(children):
        _kill(pid)
    while children:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        _ended(children, pid, status)


def _become_kernel(argv: list[str], env: dict, cwd: str, sockets: list, pipe_fds, mask, server: int) -> None:
    """In the forked child: drop the server's state, take the job's, run ipykernel; never returns."""
    code = 1
    try:
        _die_with(server)
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for s in sockets:
            s.close()
        for fd in pipe_fds:
            os.close(fd)
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # as a plain kernel's stderr; stdin and stdout: nobody reads them
            os.dup2(devnull, fd)
        os.close(devnull)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        os.environ["JPY_PARENT_PID"] = str(server)
        if "numpy" in sys.modules:  # a fresh process seeds numpy afresh; a fork shares the server's
            sys.modules["numpy"].random.seed()
        launcher = importlib.util.find_spec("ipykernel_launcher")
        # parent_handle: ipykernel read JPY_PARENT_PID when the server imported it; this makes
        # the kernel's parent poller watch the server, as a fresh kernel's watches the build.
        sys.argv = [launcher.origin if launcher else "ipykernel_launcher", *argv[3:],
                    f"--IPKernelApp.parent_handle={server}"]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def _die_with(server: int) -> None:
    """Have Linux kill this kernel when the server dies, however it dies (PR_SET_PDEATHSIG)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(1, signal.SIGKILL, 0, 0, 0) != 0:  # 1 = PR_SET_PDEATHSIG
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != server:  # the server died before the request took effect (or before the fork returned)
        os._exit(1)
