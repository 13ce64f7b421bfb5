"""Kernels forked from one warm process: a build pays for the kernels' heavy imports once.

A fresh IPython kernel spends ~0.9 s of CPU starting Python, IPython, pandas and matplotlib
before a notebook's first cell runs; on two cores and five notebooks that was a third of a
build. ``desk build`` (on Linux) therefore starts one *fork server* per build: a process
that imports those packages (``PRELOAD``, third-party only, never ``helpers``) and then,
for each kernel jupyter_client asks for, forks a child that becomes that kernel with the
job's own environment, working directory and connection file.

* ``ForkProvisioner`` plugs this into jupyter_client: it is a ``LocalProvisioner`` whose
  launch asks the server instead of calling ``Popen``, and whose "process" (``Forked``)
  answers ``poll``/``wait``/signals like a ``Popen``. Interrupts, timeouts, kills and
  shutdown work as for any kernel; a command the server cannot run (another kernel or
  interpreter) is launched the ordinary way.
* Protocol: one Unix-socket connection per kernel. The provisioner sends one JSON line
  (``argv``, ``env``, ``cwd``); the server answers ``{"pid": N}`` and, when that child
  exits, ``{"exit": code}`` (``Popen.returncode`` convention) and closes the connection.
* Lifetime: the server reads its stdin, a pipe from the build; when the build ends or dies
  the pipe closes and the server kills its kernels and exits. A kernel whose server died
  sees its parent change and exits (ipykernel's parent poller, ``JPY_PARENT_PID``).
* Each kernel is a session leader (``setsid``), as jupyter_client starts kernels, so a
  signal to its process group reaches what the kernel started too.

Imports preloaded here behave as in a fresh kernel because the server starts with the
build's kernel environment (hash seed, ``MPLBACKEND``, ``PYTHONPATH``); only variables a
kernel reads later (``DESK_REPORT``) differ per job, and the child sets them before any
notebook code runs. Tests check that a forked kernel and a fresh one build the same bytes.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Any

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

NOT_PRELOADED = frozenset({"build", "cli", "forkserver", "__main__"})
"""The desk's own modules are preloaded too (they compute nothing at import but paths from
``DESK_ROOT``, the same for every kernel of a build), except these, which notebooks never use."""

LAUNCHER = ("-m", "ipykernel_launcher")
READY = b"ready\n"
MAX_REQUEST = 1 << 20


class ForkServerError(RuntimeError):
    """The fork server could not start or answer; the build falls back to plain kernels."""


# ---------------------------------------------------------------- the build's side

class ForkServer:
    """A running fork server (start with `start`, stop with `close`)."""

    def __init__(self, proc: subprocess.Popen, path: Path, workdir: str):
        self.proc, self.path, self._workdir = proc, path, workdir

    @classmethod
    def start(cls, env: dict[str, str], cwd: str | os.PathLike, timeout: float = 60.0) -> "ForkServer":
        """Start a server with the kernels' environment and wait until it has preloaded."""
        workdir = tempfile.mkdtemp(prefix="desk-fork-")
        path = Path(workdir) / "socket"
        proc = subprocess.Popen(
            [sys.executable, "-c", "from helpers.forkserver import main; main()", str(path)],
            env=env, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        server = cls(proc, path, workdir)
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        line = proc.stdout.readline() if ready else b""
        if line != READY:
            server.close()
            raise ForkServerError(f"the fork server did not start (exit code {proc.poll()})")
        return server

    def spawn(self, argv: list[str], env: dict[str, str], cwd: str) -> "Forked":
        """Fork a kernel running `argv` (an ipykernel launch command) in `env` and `cwd`."""
        if not self.can_run(argv):
            raise ForkServerError(f"not an ipykernel command this server runs: {argv[:3]}")
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(str(self.path))
            conn.sendall(json.dumps({"argv": argv, "env": env, "cwd": str(cwd)}).encode() + b"\n")
            reply = _read_line(conn)
            pid = json.loads(reply)["pid"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            conn.close()
            raise ForkServerError(f"the fork server did not answer: {e}") from None
        return Forked(pid, conn)

    def can_run(self, argv: list[str]) -> bool:
        return (len(argv) >= 3 and tuple(argv[1:3]) == LAUNCHER
                and Path(argv[0]).resolve() == Path(sys.executable).resolve())

    def close(self) -> None:
        """Stop the server (it kills any kernel still running) and remove its socket."""
        import shutil

        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        shutil.rmtree(self._workdir, ignore_errors=True)


def _read_line(conn: socket.socket) -> bytes:
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            raise OSError("connection closed")
        buf += chunk
        if len(buf) > MAX_REQUEST:
            raise OSError("message too long")
    return buf


class Forked:
    """A forked kernel, answering like the ``Popen`` a ``LocalProvisioner`` expects."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, conn: socket.socket):
        self.pid, self._conn, self._buf = pid, conn, b""
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self._read(block=False)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._conn.settimeout(timeout)
            try:
                self._read(block=True)
            except TimeoutError:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout) from None
        return self.returncode

    def _read(self, block: bool) -> None:
        while self.returncode is None:
            try:
                chunk = self._conn.recv(4096, 0 if block else socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            if not chunk:  # the server is gone: so is our news of the kernel
                self._done(-signal.SIGKILL)
                return
            self._buf += chunk
            if self._buf.endswith(b"\n"):
                try:
                    self._done(int(json.loads(self._buf)["exit"]))
                except (ValueError, KeyError, TypeError):
                    self._done(-signal.SIGKILL)

    def _done(self, code: int) -> None:
        self.returncode = code
        self._conn.close()

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkProvisioner(LocalProvisioner):
    """A ``LocalProvisioner`` that forks kernels from a `ForkServer` (set ``server``)."""

    server = Any(None, allow_none=True)

    async def launch_kernel(self, cmd: list[str], **kwargs):
        if self.server is None or not self.server.can_run(cmd):
            return await super().launch_kernel(cmd, **kwargs)
        env = kwargs.get("env") or dict(os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        self.process = self.server.spawn(cmd, env=env, cwd=cwd)
        self.pid = self.pgid = self.process.pid  # the kernel leads its own session
        self.cwd = cwd
        return self.connection_info

    async def wait(self) -> int | None:
        """As LocalProvisioner's, polling every 10 ms instead of 100 (a build waits on it)."""
        import asyncio

        if self.process is None:
            return 0
        while await self.poll() is None:
            await asyncio.sleep(0.01)
        code = self.process.wait()
        self.process = None
        return code


class QuickReadyClient(AsyncKernelClient):
    """A kernel client whose ``wait_for_ready`` returns as soon as the kernel is ready.

    jupyter_client's waits for a ``kernel_info`` reply, then up to 0.2 s for an IOPub message
    (retrying the whole exchange when the subscription missed it, as it always does with a
    kernel that answers within milliseconds), then another 0.2 s of IOPub silence: ~0.3 s of
    idle waiting per kernel. This one waits instead for the IOPub "idle" status of its own
    ``kernel_info`` request, which proves IOPub connected and leaves nothing to flush.
    """

    REPLY_WAIT = 1.0  # seconds to wait for a kernel_info reply before asking again

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        import time

        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        iopub_wait = 0.02
        while True:
            msg_id = self.kernel_info()
            reply = await self._reply_to(msg_id, self.REPLY_WAIT)
            if reply is not None:
                if await self._iopub_idle_after(msg_id, iopub_wait):
                    self._handle_kernel_info_reply(reply)
                    return
                iopub_wait = min(2 * iopub_wait, 0.2)
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    async def _reply_to(self, msg_id: str, wait: float):
        """The shell reply to request `msg_id`, or None after `wait` seconds. Replies to
        earlier requests (a kernel slow to start answers every kernel_info it was sent)
        are dropped, so a late kernel never leaves this one reply behind."""
        import time
        from queue import Empty

        until = time.monotonic() + wait
        while (left := until - time.monotonic()) > 0:
            try:
                msg = await self.shell_channel.get_msg(timeout=left)
            except Empty:
                return None
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "kernel_info_reply":
                return msg
        return None

    async def _iopub_idle_after(self, msg_id: str, wait: float) -> bool:
        """True once IOPub carries the "idle" status of request `msg_id`; False when IOPub
        stays silent for `wait` seconds first (its subscription missed the message)."""
        from queue import Empty

        while True:
            try:
                msg = await self.iopub_channel.get_msg(timeout=wait)
            except Empty:
                return False
            if (msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == msg_id
                    and msg["content"].get("execution_state") == "idle"):
                return True


# ---------------------------------------------------------------- the server's side

def main() -> None:
    """The server process: ``python -c "from helpers.forkserver import main; main()" SOCKET``.

    SOCKET lies in a directory of its own, which the server removes when it exits (also when
    its build was killed and could not)."""
    if sys.path and sys.path[0] == "":
        del sys.path[0]  # as ipykernel_launcher does before its imports
    for name in preload_names():
        importlib.import_module(name)
    if threading.active_count() != 1:  # forking a process with threads copies their locks mid-use
        raise SystemExit(f"fork server: preloading started threads: {threading.enumerate()}")
    gc.freeze()  # the preloaded objects stay shared: the kernels' GC never writes to their pages
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sys.argv[1])
    listener.listen(64)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes select through the pipe
    children: dict[int, socket.socket] = {}
    os.write(1, READY)
    try:
        while True:
            readable, _, _ = select.select([listener, 0, wake_r], [], [])
            if wake_r in readable:
                os.read(wake_r, 4096)
            if 0 in readable and not os.read(0, 4096):
                break  # the build closed our stdin, or died
            if listener in readable:
                conn, _ = listener.accept()
                _serve(conn, listener, children, (wake_r, wake_w))
            _reap(children)
    finally:
        for pid in list(children):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        while children:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                break
            _reap(children)
        listener.close()
        for remove, path in ((os.unlink, sys.argv[1]), (os.rmdir, os.path.dirname(sys.argv[1]))):
            try:
                remove(path)
            except OSError:
                pass


def preload_names() -> list[str]:
    """`PRELOAD`, then every module of the helpers package but `NOT_PRELOADED`."""
    import pkgutil

    import helpers

    own = sorted(f"helpers.{m.name}" for m in pkgutil.iter_modules(helpers.__path__) if m.name not in NOT_PRELOADED)
    return [*PRELOAD, *own]


def _serve(conn: socket.socket, listener, children: dict, pipe_fds) -> None:
    """Read one request and fork its kernel; a bad request just closes the connection."""
    try:
        conn.settimeout(10)
        request = json.loads(_read_line(conn))
        argv, env, cwd = request["argv"], request["env"], request["cwd"]
        if not (isinstance(argv, list) and isinstance(env, dict) and isinstance(cwd, str)):
            raise ValueError("bad request")
    except (OSError, ValueError, KeyError, TypeError):
        conn.close()
        return
    pid = os.fork()
    if pid == 0:
        _become_kernel(argv, env, cwd, [conn, listener, *children.values()], pipe_fds)
    children[pid] = conn
    try:
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    except OSError:
        pass


def _reap(children: dict) -> None:
    """Collect exited kernels and tell each one's provisioner its exit code."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = children.pop(pid, None)
        if conn is not None:
            try:
                conn.sendall(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
            except OSError:
                pass
            conn.close()


def _become_kernel(argv: list[str], env: dict, cwd: str, sockets: list, pipe_fds) -> None:
    """In the forked child: drop the server's state, take the job's, run ipykernel; never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for s in sockets:
            s.close()
        for fd in pipe_fds:
            os.close(fd)
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1):  # not the build's pipe: nobody reads it after "ready"
            os.dup2(devnull, fd)
        os.close(devnull)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        os.environ["JPY_PARENT_PID"] = str(os.getppid())  # exit if the server goes away
        launcher = importlib.util.find_spec("ipykernel_launcher")
        sys.argv = [launcher.origin if launcher else "ipykernel_launcher", *argv[3:]]
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
