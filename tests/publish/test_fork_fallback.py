"""A fork server that fails in any way costs the build one log line, never a report.

Each failure is injected into a real server (a module it preloads breaks it: the fork, its
answers, its kernels) or into its start, and the build must still build every report, with
kernels started the usual way, saying so once.
"""

from __future__ import annotations

import os
import signal
import sys

import pytest

from conftest import notebook, plain_notebook, write_notebook
from helpers.publish import build, kernels

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform != "linux", reason="the fork server is used on Linux only")]

SABOTAGE = {
    "start": "raise ImportError('broken on purpose')\n",
    "fork": ("import os\n\ndef fork():\n    raise OSError(11, 'no fork today')\n\nos.fork = fork\n"),
    "protocol": ("from helpers.publish import forkserver\n\n"
                 "forkserver._send = lambda conn, message: conn.sendall(b'{not json\\n')\n"),
    "kernel dies early": ("import os\nfrom ipykernel import kernelapp\n\n"
                          "kernelapp.launch_new_instance = lambda: os._exit(3)\n"),
}

# In a forked kernel the parent is the server; in a kernel started the usual way it is the
# build itself, which this cell must leave alone. The forked kernel dies with its server.
KILL_THE_SERVER = """
import os, signal, time
with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
    if b"helpers.publish.forkserver" in f.read():
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(59)  # not a number the page prints (the build refuses those)
x = 2
"""

LIGHT = ["ipykernel.kernelapp"]  # enough for a kernel; the full preload is not what these test


def _build(desk_root, monkeypatch, tmp_path, failure: str, capfd):
    real_start = kernels.ForkServer.start
    sabotage = tmp_path / "sabotage"
    sabotage.mkdir()
    (sabotage / "desk_sabotage.py").write_text(SABOTAGE.get(failure, "\n"))

    servers = []

    def start(env, cwd, **_):
        if failure == "start raises":
            raise RuntimeError("something nobody expected")
        env = dict(env, PYTHONPATH=f"{sabotage}{os.pathsep}{env['PYTHONPATH']}")
        server = real_start(env, cwd, preload=[*LIGHT, "desk_sabotage"])
        if failure == "server gone":
            os.kill(server.proc.pid, signal.SIGKILL)
            server.proc.wait()
        servers.append(server)
        return server

    logged: list[str] = []

    def log(line: str) -> None:
        logged.append(line)
        if failure == "server dies after the last kernel started" and line.startswith("built 02-second"):
            os.kill(servers[0].proc.pid, signal.SIGKILL)

    monkeypatch.setattr(kernels.ForkServer, "start", staticmethod(start))
    nbs = desk_root / "notebooks"
    write_notebook(nbs / "01-plain.ipynb", plain_notebook())
    body = KILL_THE_SERVER if failure == "server dies under a kernel" else "x = 2"
    write_notebook(nbs / "02-second.ipynb", notebook([("md", "# Second 第二"), ("code", body)]))
    result = build.build(root=desk_root, fork=True, log=log)
    return result, logged, capfd.readouterr().err


@pytest.mark.parametrize("failure", ["start", "start raises", "fork", "protocol", "kernel dies early",
                                     "server gone", "server dies under a kernel",
                                     "server dies after the last kernel started"])
def test_a_failing_fork_server_costs_one_log_line_not_a_report(desk_root, monkeypatch, tmp_path, capfd, failure):
    result, logged, stderr = _build(desk_root, monkeypatch, tmp_path, failure, capfd)
    assert result.failures == [] and sorted(result.executed) == ["01-plain.html", "02-second.html"]
    [line] = [line for line in logged if "fork server" in line]
    assert line.startswith("kernels start the usual way: the fork server failed (")
    assert "Error occurred while starting" not in stderr, "nbclient's own error log is not a second line"


def test_a_working_fork_server_logs_nothing(desk_root, monkeypatch, tmp_path, capfd):
    """The control: the same build with an unbroken server says nothing about it."""
    result, logged, _ = _build(desk_root, monkeypatch, tmp_path, "none", capfd)
    assert result.failures == [] and sorted(result.executed) == ["01-plain.html", "02-second.html"]
    assert [line for line in logged if "fork server" in line] == []

