"""How the build's kernels start: forked from a warm server when it can, the usual way otherwise.

A fresh IPython kernel spends ~0.9 s of CPU importing Python, IPython, pandas and matplotlib
before a notebook's first cell runs. ``desk build`` (on Linux, when at least two notebooks
import them) starts one fork server per build (``helpers.publish.forkserver``, the server process and
its protocol) and asks it for each kernel:

* `ForkServer` starts the server and asks it for kernels (`spawn`); `Forked` is such a
  kernel, answering ``poll``/``wait``/signals like a ``Popen``.
* `ForkProvisioner` plugs this into jupyter_client: a ``LocalProvisioner`` whose launch asks
  the server instead of calling ``Popen``. Interrupts, timeouts, kills and shutdown work as
  for any kernel.
* `QuickReadyClient`, the build's kernel client for every kernel, forked or not, skips
  jupyter_client's fixed IOPub waits when a kernel starts.
* `use_ipc`: every kernel, forked or not, talks over Unix sockets, not TCP ports (no port
  race on a busy machine).

The server is an accelerator only. Whatever fails — it does not start, a fork or an answer
fails, a forked kernel dies before it is ready, the server dies under a running kernel — the
build gives up on it (`ForkServer.give_up`, logged once), runs that job again with a kernel
started the usual way, and starts every later kernel so too. A notebook that kills its own
kernel is that notebook's failure, as without the server.
"""

from __future__ import annotations

import json
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Any

from helpers.publish.forkserver import LAUNCHER, READY, read_line
from helpers.publish.journal import IPC_PREFIX

_IPC_COUNT = iter(range(1, 1 << 62))


def use_ipc(km) -> None:
    """Have the kernel of `km` (a jupyter_client ``KernelManager`` not yet started) talk over
    Unix sockets instead of TCP ports: a free port chosen for a kernel can be taken by another
    process before the kernel binds it (``ZMQError: Address already in use`` on a busy
    machine); a socket path of our own cannot. The sockets are
    ``$TMPDIR/desk-ipc-<pid>-<n>-<k>``, removed with the kernel (and, if this process dies,
    by the next desk command). Not on Windows, which has no ipc transport."""
    if sys.platform == "win32":
        return
    km.transport = "ipc"
    km.ip = os.path.join(tempfile.gettempdir(), f"{IPC_PREFIX}{os.getpid()}-{next(_IPC_COUNT)}")


QUIET = logging.getLogger("desk.forked-kernel")
"""The logger of a forked kernel's client and manager: what goes wrong there is reported as
the build's one line about the server (and that job runs again), not as nbclient's errors."""
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


class ForkServerError(RuntimeError):
    """The fork server could not start or serve a kernel; the build starts kernels the usual way."""


class ForkServer:
    """A running fork server (start with `start`, stop with `close`)."""

    def __init__(self, proc: subprocess.Popen, path: Path, workdir: str):
        self.proc, self.path, self._workdir = proc, path, workdir
        self.failure: str | None = None

    def give_up(self, reason: str) -> bool:
        """Fork no more kernels (they start the usual way); True the first time only, so the
        build logs one line however many kernels the failure touched."""
        first = self.failure is None
        if first:
            self.failure = reason
        return first

    @property
    def usable(self) -> bool:
        """Not given up on, and the server process still running."""
        return self.failure is None and self.proc.poll() is None

    @classmethod
    def start(cls, env: dict[str, str], cwd: str | os.PathLike, timeout: float = 60.0,
              preload: list[str] | None = None) -> "ForkServer":
        """Start a server with the kernels' environment and wait until it has imported
        `preload` (default: `preload_names()`).

        It runs in a session of its own, so a Ctrl-C or a signal to the build's process
        group reaches the build, which then closes the server's stdin."""
        # the build's pid in the name: the next desk command removes it if the build died
        workdir = tempfile.mkdtemp(prefix=f"desk-fork-{os.getpid()}-")
        path = Path(workdir) / "socket"
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", "from helpers.publish.forkserver import main; main()", str(path),
                 *(preload if preload is not None else [])],
                env=env, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except (OSError, ValueError) as e:
            shutil.rmtree(workdir, ignore_errors=True)
            raise ForkServerError(f"the fork server did not start: {e}") from None
        server = cls(proc, path, workdir)
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        line = proc.stdout.readline() if ready else b""
        if line != READY:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            lines = proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
            server.close()
            raise ForkServerError(f"the fork server did not start (exit code {proc.returncode})"
                                  + (f": {lines[-1]}" if lines else ""))
        return server

    def spawn(self, argv: list[str], env: dict[str, str], cwd: str, timeout: float = 30.0) -> "Forked":
        """Fork a kernel running `argv` (an ipykernel launch command) in `env` and `cwd`."""
        if not self.can_run(argv):
            raise ForkServerError(f"not an ipykernel command this server runs: {argv[:3]}")
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.settimeout(timeout)
            conn.connect(str(self.path))
            conn.sendall(json.dumps({"argv": argv, "env": env, "cwd": str(cwd)}).encode() + b"\n")
            reply, rest = read_line(conn)
            answer = json.loads(reply)
            if "error" in answer:
                raise ForkServerError(f"the fork server could not start the kernel: {answer['error']}")
            pid = int(answer["pid"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            conn.close()
            raise ForkServerError(f"the fork server did not answer: {e}") from None
        except ForkServerError:
            conn.close()
            raise
        conn.settimeout(None)
        return Forked(pid, conn, rest)

    def can_run(self, argv: list[str]) -> bool:
        """An ipykernel launch with this very interpreter (not one a symlink leads to: another
        venv's python would not have the same packages), while the server is `usable`."""
        return (self.usable and len(argv) >= 3 and tuple(argv[1:3]) == LAUNCHER
                and os.path.abspath(argv[0]) == os.path.abspath(sys.executable))

    def close(self) -> None:
        """Stop the server (it kills any kernel still running) and remove its socket."""
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
        shutil.rmtree(self._workdir, ignore_errors=True)


class Forked:
    """A forked kernel, answering like the ``Popen`` a ``LocalProvisioner`` expects: the
    server writes its exit code on `conn` when it ends (``{"exit": code}``)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, conn: socket.socket, buf: bytes = b""):
        self.pid, self._conn, self._buf = pid, conn, buf
        self.returncode: int | None = None
        self._take()

    def poll(self) -> int | None:
        if self.returncode is None:
            self._read(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._read(timeout)
            if self.returncode is None:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
        return self.returncode

    def _read(self, timeout: float | None) -> None:
        """Read what the server sent, waiting at most `timeout` seconds (None: until the end)."""
        import time

        until = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None:
            left = None if until is None else max(0.0, until - time.monotonic())
            ready, _, _ = select.select([self._conn], [], [], left)
            if not ready:
                return
            chunk = self._conn.recv(4096)
            if not chunk:  # the server is gone: so is our news of the kernel
                self._done(-signal.SIGKILL)
                return
            self._buf += chunk
            self._take()

    def _take(self) -> None:
        if self.returncode is None and b"\n" in self._buf:
            try:
                self._done(int(json.loads(self._buf.partition(b"\n")[0])["exit"]))
            except (ValueError, KeyError, TypeError):
                self._done(-signal.SIGKILL)

    def _done(self, code: int) -> None:
        self.returncode = code
        self._conn.close()

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass  # it ended between the poll and the signal

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkProvisioner(LocalProvisioner):
    """A ``LocalProvisioner`` that forks kernels from a `ForkServer` (set ``server``); a command
    the server cannot run (another interpreter) is launched the usual way. A server that fails
    raises `ForkServerError`: the build then starts this job's kernel afresh, the usual way (new
    ports: a kernel forked half-way could hold these)."""

    server = Any(None, allow_none=True)

    async def launch_kernel(self, cmd: list[str], **kwargs):
        import asyncio

        if self.server is not None and self.server.can_run(cmd):
            env = kwargs.get("env") or dict(os.environ)
            cwd = str(kwargs.get("cwd") or os.getcwd())
            self.process = await asyncio.to_thread(self.server.spawn, cmd, env=env, cwd=cwd)
            self.pid = self.pgid = self.process.pid  # the kernel leads its own session
            self.cwd = cwd
            return self.connection_info
        return await super().launch_kernel(cmd, **kwargs)

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
                if await self._iopub_idle_after(msg_id, iopub_wait, deadline):
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

    async def _iopub_idle_after(self, msg_id: str, wait: float, deadline: float = float("inf")) -> bool:
        """True once IOPub carries the "idle" status of request `msg_id`; False when IOPub
        stays silent for `wait` seconds first (its subscription missed the message), or
        at `deadline` (monotonic time)."""
        import time
        from queue import Empty

        while time.monotonic() < deadline:
            try:
                msg = await self.iopub_channel.get_msg(timeout=wait)
            except Empty:
                return False
            if (msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == msg_id
                    and msg["content"].get("execution_state") == "idle"):
                return True
        return False
