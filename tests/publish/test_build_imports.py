"""The build imports what its threads need before it starts them (a first import of the same
package from two threads at once can deadlock in CPython before 3.15: python/cpython#83065).

A build once failed with ``_DeadlockError: deadlock detected by _ModuleLock('importlib.resources.abc')``:
its font thread imported ``importlib.metadata`` (hence ``importlib.abc``, which imports
``importlib.resources.abc`` before its package) while the main thread imported ``nbformat``
(hence the package ``importlib.resources``, whose ``__init__`` imports ``.abc``). Each held the
lock the other wanted. The timing that makes it happen depends on the desk (it showed up with a
50-page archive), so the test below forces it: in a fresh interpreter, a thread that starts
importing ``importlib.resources`` holds that lock until another thread waits for it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import make_desk, notebook, plain_notebook, write_notebook

pytestmark = pytest.mark.slow

FORCE_THE_UNLUCKY_ORDER = r"""
import importlib._bootstrap as bootstrap, importlib.machinery, json, sys, threading, time

holders = []  # threads running the package importlib.resources (they hold its import lock)
changed = threading.Condition()


def others_wait_for(name):
    me = threading.get_ident()
    for tid, locks in list(bootstrap._blocking_on.items()):
        locks = locks if isinstance(locks, list) else [locks]  # a list from Python 3.12 on
        if tid != me and any(getattr(lock, "name", None) == name for lock in locks):
            return True
    return False


def hold_resources():
    # this thread holds the lock of importlib.resources: keep it until another thread wants it
    with changed:
        holders.append(threading.get_ident())
        changed.notify_all()
    deadline = time.monotonic() + 120
    while not others_wait_for("importlib.resources") and time.monotonic() < deadline:
        time.sleep(0.005)


def let_another_take_resources():
    # a worker about to import importlib.abc: another thread takes importlib.resources first
    me = threading.get_ident()
    with changed:
        changed.wait_for(lambda: any(t != me for t in holders), timeout=120)


class Delayed:
    # the module's own loader, waiting first: before the module is in sys.modules (`before`)
    # or before it runs (`wait`); either way outside the global import lock, inside the module's
    def __init__(self, loader, before=None, wait=None):
        self.loader, self.before, self.wait = loader, before, wait

    def create_module(self, spec):
        if self.before:
            self.before()
        return self.loader.create_module(spec)

    def exec_module(self, module):
        if self.wait:
            self.wait()
        return self.loader.exec_module(module)


class Interleave:
    def find_spec(self, name, path=None, target=None):
        if threading.active_count() == 1:
            return None  # one thread: nothing to interleave
        if name == "importlib.resources":
            delay = {"before": hold_resources}
        elif name == "importlib.metadata" and threading.current_thread() is not threading.main_thread():
            delay = {"wait": let_another_take_resources}
        else:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        spec.loader = Delayed(spec.loader, **delay)
        return spec


sys.meta_path.insert(0, Interleave())
from helpers.publish import build

result = build.build(root=sys.argv[1], fork=sys.argv[2] == "fork")
print(json.dumps({"failures": [f.message for f in result.failures], "executed": result.executed}))
"""


@pytest.mark.parametrize("fork", ["fork", "plain"])
def test_the_build_survives_its_threads_first_imports_meeting(tmp_path, fork):
    root = make_desk(tmp_path)
    write_notebook(root / "notebooks" / "01-plain.ipynb", plain_notebook())
    write_notebook(root / "notebooks" / "02-pandas.ipynb", notebook([("md", "# Two"), ("code", "import pandas")]))
    env = dict(os.environ, DESK_FORK_KERNELS="1")
    run = subprocess.run([sys.executable, "-c", FORCE_THE_UNLUCKY_ORDER, str(root), fork],
                         capture_output=True, text=True, env=env, timeout=300)
    assert "_DeadlockError" not in run.stderr + run.stdout
    assert run.returncode == 0, run.stderr[-2000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome == {"failures": [], "executed": ["01-plain.html", "02-pandas.html"]}


WATCH_FIRST_IMPORTS = r"""
import json, sys, threading

first_by = {}  # a package or module imported for the first time while threads run -> its threads


def hook(event, args):
    if event != "import" or threading.active_count() == 1:
        return
    parts = args[0].split(".")
    for i in range(1, len(parts) + 1):
        name = ".".join(parts[:i])
        if name not in sys.modules or getattr(getattr(sys.modules[name], "__spec__", None), "_initializing", False):
            first_by.setdefault(name, set()).add(threading.current_thread().name)


sys.addaudithook(hook)
from helpers.publish import build

result = build.build(root=sys.argv[1])
print(json.dumps({"failures": [f.message for f in result.failures],
                  "shared": sorted(n for n, threads in first_by.items() if len(threads) > 1 and n in sys.modules)}))
"""


def test_no_package_is_imported_for_the_first_time_by_two_threads(tmp_path):
    """The general condition of that deadlock, on a cold build (empty font cache): while the
    build's threads run, no module or package is imported for the first time from two threads
    (one that does not exist, like ``winreg`` on Linux, runs no code and locks nothing)."""
    root = make_desk(tmp_path)
    write_notebook(root / "notebooks" / "01-plain.ipynb", plain_notebook())
    write_notebook(root / "notebooks" / "02-pandas.ipynb", notebook([("md", "# Two"), ("code", "import pandas")]))
    run = subprocess.run([sys.executable, "-c", WATCH_FIRST_IMPORTS, str(root)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {"failures": [], "shared": []}
