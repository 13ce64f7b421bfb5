"""helpers.publish.forkserver: kernels forked from a preloaded server behave like fresh ones."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import make_desk, notebook, write_notebook
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from helpers.publish import build, execute, forkserver, kernels, plan

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform != "linux", reason="the fork server is used on Linux only")]

PROBE = """
import json, os, sys, matplotlib, numpy
from ipykernel.kernelapp import IPKernelApp
print(json.dumps({
    "poller": type(IPKernelApp.instance().poller).__name__, "numpy_random": numpy.random.random(),
    "cwd": os.getcwd(), "path": sys.path, "argv": sys.argv[1:2], "hash": hash("desk"),
    "env": {k: v for k, v in sorted(os.environ.items()) if k.startswith(("DESK_", "MPL", "PYTHON"))},
    "backend": matplotlib.get_backend(), "session_leader": os.getsid(0) == os.getpid(),
    "main": sys.modules["__main__"].__name__, "names": sorted(k for k in globals() if not k.startswith("_")),
    "stdin": os.path.realpath("/proc/self/fd/0"),
}))
"""


@pytest.fixture(scope="module")
def probe_desk(tmp_path_factory) -> Path:
    return make_desk(tmp_path_factory.mktemp("probe"))


@pytest.fixture(scope="module")
def server(probe_desk):
    """One server for the module's tests (starting one costs about a kernel's imports)."""
    lay = plan.Layout.make(root=probe_desk)
    srv = kernels.ForkServer.start(execute.kernel_env(lay), lay.notebooks)
    yield srv
    srv.close()


def _probe(desk_root: Path, server) -> dict:
    lay = plan.Layout.make(root=desk_root)
    path = write_notebook(desk_root / "notebooks" / "01-probe.ipynb", notebook([("code", PROBE)]))
    job = plan.Job(path, "01-probe.html", None, "key")
    nb = asyncio.run(execute.execute_notebook(job, lay, server=server))
    return json.loads(nb.cells[0].outputs[0]["text"])


def test_a_forked_kernel_starts_like_a_fresh_one(probe_desk, server):
    forked, fresh, forked_again = _probe(probe_desk, server), _probe(probe_desk, None), _probe(probe_desk, server)
    # stdin is the one difference: jupyter_client gives a fresh kernel a pipe nobody writes to
    assert forked.pop("stdin") == "/dev/null" and fresh.pop("stdin").startswith("/proc/")
    # numpy is seeded afresh in each kernel, as in a new process, not shared from the server
    assert len({forked.pop("numpy_random"), fresh.pop("numpy_random"), forked_again["numpy_random"]}) == 3
    assert forked == fresh
    assert forked["poller"] == "ParentPollerUnix", "the kernel exits if its parent goes away"
    assert forked["env"]["DESK_REPORT"] == "01-probe" and forked["env"]["PYTHONHASHSEED"] == "0"
    assert forked["cwd"] == str(probe_desk / "notebooks") and forked["session_leader"]


def _client(cell: str, server, **kw) -> NotebookClient:
    nb = notebook([("code", cell)])
    client = NotebookClient(nb, kernel_name="python3", **kw)
    client.km = client.create_kernel_manager()
    client.km.client_factory = kernels.QuickReadyClient
    client.km.kernel_id = str(uuid.uuid4())
    client.km.provisioner = kernels.ForkProvisioner(
        kernel_id=client.km.kernel_id, kernel_spec=client.km.kernel_spec, parent=client.km, server=server)
    return client


def test_a_timeout_interrupts_a_forked_kernel(server):
    client = _client("import time\ntime.sleep(60)", server, timeout=1, interrupt_on_timeout=True)
    started = time.monotonic()
    with pytest.raises(CellExecutionError, match="KeyboardInterrupt"):
        client.execute()
    assert time.monotonic() - started < 30


def test_a_kernel_that_dies_fails_only_its_report(desk_root, server):
    nbs = desk_root / "notebooks"
    write_notebook(nbs / "01-ok.ipynb", notebook([("md", "# Fine 好"), ("code", "x = 1")]))
    write_notebook(nbs / "02-dies.ipynb", notebook(
        [("md", "# Dies"), ("code", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")]))
    result = build.build(root=desk_root, fork=True)
    assert result.executed == ["01-ok.html"]
    [failure] = result.failures
    assert failure.notebook == "02-dies.ipynb"
    assert "cell 2 (import os, signal): the kernel died" in failure.message
    import psutil

    left = [p.pid for p in psutil.Process().children(recursive=True) if p.pid != server.proc.pid]
    assert left == [], "the build left no server or kernel running (the module's own server aside)"


def test_refuses_commands_it_cannot_run_and_survives_bad_requests(server):
    assert not server.can_run(["/no/such/python", "-m", "ipykernel_launcher", "-f", "x.json"])
    assert not server.can_run([sys.executable, "-m", "other_kernel", "-f", "x.json"])
    with pytest.raises(kernels.ForkServerError, match="not an ipykernel command"):
        server.spawn([sys.executable, "-c", "pass"], env={}, cwd="/")
    for garbage in (b"not json\n", b'{"argv": "x"}\n', b"\n"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(server.path))
            s.sendall(garbage)
            assert s.recv(100) == b"", "a bad request is just closed"
    assert server.proc.poll() is None


def test_a_server_that_cannot_preload_is_an_error(desk_root, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "pandas.py").write_text("raise ImportError('broken on purpose')\n")
    lay = plan.Layout.make(root=desk_root)
    env = dict(execute.kernel_env(lay), PYTHONPATH=f"{broken}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    with pytest.raises(kernels.ForkServerError, match=r"did not start \(exit code 1\): ImportError: broken on purpose"):
        kernels.ForkServer.start(env, lay.notebooks)


LIGHT = ["ipykernel.kernelapp"]  # enough for a kernel; the full preload is not what these test

OWNER = f"""
import json, sys, time
LIGHT = {LIGHT!r}
from jupyter_client.connect import write_connection_file
from helpers.publish import execute, kernels, plan
lay = plan.Layout.make()
srv = kernels.ForkServer.start(execute.kernel_env(lay, "x"), lay.notebooks, preload=LIGHT)
conn, _ = write_connection_file(sys.argv[1])
kernel = srv.spawn([sys.executable, "-m", "ipykernel_launcher", "-f", conn], execute.kernel_env(lay, "x"), ".")
print(json.dumps([srv.proc.pid, kernel.pid, str(srv.path.parent)]), flush=True)
time.sleep(120)
"""


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


@pytest.mark.parametrize("how", ["SIGTERM the build's process group", "SIGTERM the server", "SIGKILL the server"])
def test_server_and_kernels_go_when_the_build_or_the_server_dies(desk_root, tmp_path, how):
    env = dict(os.environ, DESK_ROOT=str(desk_root))
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(tmp_path / "kernel.json")], env=env,
                             stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        server, kernel, workdir = json.loads(owner.stdout.readline())
        assert not _gone(server) and not _gone(kernel) and Path(workdir).is_dir()
        # The build dying any way closes the server's stdin; its group's signals miss the server.
        {"SIGTERM the build's process group": lambda: os.killpg(owner.pid, signal.SIGTERM),
         "SIGTERM the server": lambda: os.kill(server, signal.SIGTERM),
         "SIGKILL the server": lambda: os.kill(server, signal.SIGKILL)}[how]()
        deadline = time.monotonic() + 20
        while not (_gone(server) and _gone(kernel)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(server) and _gone(kernel), "server or kernel outlived it"
        if how != "SIGKILL the server":  # a SIGKILLed server cannot clean up
            assert not Path(workdir).exists(), "the server removes its socket directory"
    finally:
        owner.kill()
        owner.wait()
        if Path(workdir).exists():
            import shutil

            shutil.rmtree(workdir)


def test_forked_answers_like_popen():
    """poll never blocks, wait(timeout) raises TimeoutExpired (also for 0), and an exit that
    arrives with the pid, later, or as a vanished server is the return code."""
    a, b = socket.socketpair()
    kernel = kernels.Forked(12345, a)
    for timeout in (0, 1.0):
        with pytest.raises(subprocess.TimeoutExpired):
            kernel.wait(timeout)
    a.settimeout(None)  # a poll that reads with the socket's own timeout would now hang for ever
    polled = []
    poller = threading.Thread(target=lambda: polled.append(kernel.poll()), daemon=True)
    poller.start()
    poller.join(30)  # generous for a loaded machine: a poll that returns at all did not block
    assert not poller.is_alive() and polled == [None]
    b.sendall(b'{"exit": ')
    assert kernel.poll() is None
    b.sendall(b'3}\n')
    assert kernel.wait(1) == 3 and kernel.poll() == 3
    b.close()
    assert kernels.Forked(1, socket.socketpair()[0], b'{"exit": -9}\n').returncode == -9
    a, b = socket.socketpair()
    gone = kernels.Forked(1, a)
    b.close()
    assert gone.wait(1) == -signal.SIGKILL


def test_pid_and_exit_in_one_read_keep_the_exit_code(tmp_path):
    """A kernel that dies at once: its exit can come with its pid, in the same read."""
    import threading

    path = tmp_path / "s"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)

    def answer():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b'{"pid": 4242}\n{"exit": 7}\n')
        conn.close()

    threading.Thread(target=answer, daemon=True).start()
    fake = kernels.ForkServer(SimpleNamespace(poll=lambda: None), path, str(tmp_path))  # a running "server"
    kernel = fake.spawn([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"], env={}, cwd="/")
    assert (kernel.pid, kernel.wait(1)) == (4242, 7)
    listener.close()


def test_jobs_take_their_turns_in_order():
    async def scenario():
        turns = execute.Turns(1, 4)
        began = []

        async def job(i, delay, fail=False):
            await asyncio.sleep(delay)
            if fail:
                turns.done(i)  # failed before its turn: must not block the next
                return
            async with turns.slot(i):
                began.append(i)
                await asyncio.sleep(0.01)
            turns.done(i)

        await asyncio.wait_for(asyncio.gather(job(0, 0.03), job(1, 0.0, fail=True), job(2, 0.0), job(3, 0.01)), 5)
        return began

    assert asyncio.run(scenario()) == [0, 2, 3]


def test_the_server_starts_only_when_it_pays(desk_root):
    nbs = desk_root / "notebooks"
    light = [write_notebook(nbs / f"0{i}-light.ipynb", notebook([("code", "x = 1")])) for i in (1, 2)]
    heavy = write_notebook(nbs / "03-heavy.ipynb", notebook([("code", "import os\nfrom helpers import story")]))
    pandas = write_notebook(nbs / "04-pandas.ipynb", notebook([("md", "import pandas"), ("code", "  import pandas as pd")]))
    job = lambda path, page=None: plan.Job(path, path.stem + ".html", page, "key")
    assert not execute.worth_forking([job(p) for p in light])
    assert not execute.worth_forking([job(light[0]), job(heavy)]), "one heavy kernel: the server would not pay"
    assert execute.worth_forking([job(heavy), job(pandas), job(light[1])])
    assert execute.worth_forking([job(heavy, "page-1"), job(heavy, "page-2")]), "a per-page notebook counts per page"


def test_a_job_waits_for_a_stuck_earlier_one_only_so_long():
    async def scenario():
        turns = execute.Turns(2, 2, patience=0.2)
        started = time.monotonic()
        async with turns.slot(1):  # job 0 never begins: its kernel is stuck starting
            return time.monotonic() - started

    assert 0.15 < asyncio.run(scenario()) < 5


class _SlowKernel:
    """Fake channels of a kernel that answers nothing for `ready_after` seconds, then every
    kernel_info it was sent, in order (reply on shell; busy and idle status on IOPub)."""

    def __init__(self, ready_after: float):
        self.t0, self.ready_after = time.monotonic(), ready_after
        self.sent: list[str] = []
        self.shell, self.iopub = self._Channel(self, "shell"), self._Channel(self, "iopub")

    def kernel_info(self):
        self.sent.append(f"req-{len(self.sent)}")
        return self.sent[-1]

    def _answered(self, channel):
        if time.monotonic() - self.t0 < self.ready_after:
            return []
        out = []
        for msg_id in self.sent:
            parent = {"msg_id": msg_id}
            if channel == "shell":
                out.append({"msg_type": "kernel_info_reply", "parent_header": parent, "content": {}})
            else:
                out += [{"msg_type": "status", "parent_header": parent, "content": {"execution_state": s}}
                        for s in ("busy", "idle")]
        return out

    class _Channel:
        def __init__(self, kernel, name):
            self.kernel, self.name, self.delivered = kernel, name, 0

        async def get_msg(self, timeout=None):
            from queue import Empty

            until = time.monotonic() + (timeout or 0)
            while True:
                pending = self.kernel._answered(self.name)[self.delivered:]
                if pending:
                    self.delivered += 1
                    return pending[0]
                if time.monotonic() >= until:
                    raise Empty
                await asyncio.sleep(0.005)


def test_quick_ready_client_waits_out_a_kernel_slow_to_start():
    """A kernel that answers only after several kernel_info requests: the client must not
    fall one reply behind for ever (it then timed out after 120 s in a loaded CI run)."""
    kernel = _SlowKernel(ready_after=0.5)
    client = kernels.QuickReadyClient()
    client.REPLY_WAIT = 0.1
    client.kernel_info = kernel.kernel_info
    client._shell_channel, client._iopub_channel = kernel.shell, kernel.iopub
    ready = []
    client._handle_kernel_info_reply = ready.append

    async def alive():
        return True

    client._async_is_alive = alive
    asyncio.run(asyncio.wait_for(client.wait_for_ready(timeout=10), 10))
    assert len(kernel.sent) > 2, "the kernel was asked again while it was starting"
    assert ready and ready[0]["parent_header"]["msg_id"] == kernel.sent[-1]


def test_a_kernel_whose_server_died_before_it_could_watch_exits_at_once():
    """The kernel compares its parent with the server's pid taken before the fork: a server
    killed before the kernel asked to die with it must not leave it running under init."""
    pid = os.fork()
    if pid == 0:  # the "kernel": its real parent (this test) is not the server it was forked for
        try:
            forkserver._die_with(os.getppid() + 1_000_000)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 1


def test_a_kernel_the_build_hangs_up_on_is_killed(desk_root, tmp_path):
    """A build that closes a kernel's connection before the kernel ended has given up on it
    (an answer it could not read): the server kills that kernel, so none is left holding ports."""
    from jupyter_client.connect import write_connection_file

    lay = plan.Layout.make(root=desk_root)
    srv = kernels.ForkServer.start(execute.kernel_env(lay), lay.notebooks, preload=LIGHT)
    try:
        conn, _ = write_connection_file(str(tmp_path / "kernel.json"))
        kept = srv.spawn([sys.executable, "-m", "ipykernel_launcher", "-f", conn], execute.kernel_env(lay, "x"), ".")
        conn2, _ = write_connection_file(str(tmp_path / "kernel2.json"))
        dropped = srv.spawn([sys.executable, "-m", "ipykernel_launcher", "-f", conn2], execute.kernel_env(lay, "y"), ".")
        dropped._conn.close()
        deadline = time.monotonic() + 20
        while not _gone(dropped.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(dropped.pid), "the kernel the build gave up on still runs"
        assert kept.poll() is None and not _gone(kept.pid), "the other kernel is untouched"
    finally:
        srv.close()
