"""Running notebooks: kernels (forked from a preloaded server when it pays), nbclient in
memory, at most ``jobs`` at once in plan order, each cell's stderr logged.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from helpers.publish import journal
from helpers.publish.plan import CELL_TIMEOUT, CELL_TIMEOUT_ENV, KERNEL, STARTUP_TIMEOUT, Failure, Job, Layout
from helpers.publish.writing import font_base, log_streams, prefetch_view_fonts, publish, write_data

# ---------------------------------------------------------------- execution

class NotebookError(Exception):
    """A notebook did not run to the end: names the cell and the error."""


@dataclass
class Outcome:
    reports: list[dict] = field(default_factory=list)  # new state records, with "report"
    failures: list[Failure] = field(default_factory=list)
    data: dict | None = None
    font_base: object = None  # the fonts.Base the reports were cut from, for the index too
    figures: dict = field(default_factory=dict)  # slug → ledger table of each page the data step read


def execute_all(todo: list[Job], lay: Layout, entries, state: dict, data_key: str | None,
                jobs: int, log, staging: Path, fork: bool = False, timeout: float = CELL_TIMEOUT,
                read: dict | None = None) -> Outcome:
    """Run the jobs (at most `jobs` kernels at once) and, if `data_key`, the data step;
    every file they produce goes into `staging` (relative paths as published). With `fork`,
    kernels are forked from one preloaded server (``helpers.publish.kernels``)."""
    import asyncio

    import_for_threads(bool(todo))
    return asyncio.run(_execute_all(todo, lay, entries, state, data_key, jobs, log, staging, fork, timeout, read))


FIRST_IMPORTS = ("importlib.metadata", "importlib.resources", "pandas", "pandas.io.formats.csvs",
                 "helpers.figures.ledger", "helpers.page.tables", "helpers.page.reading", "helpers.csvsafe")
"""What the data step imports, and two packages whose first import from two threads at once
deadlocked a build (``importlib.metadata`` imports ``importlib.resources.abc`` before its
package)."""
KERNEL_IMPORTS = ("nbformat", "nbclient", "nbclient.exceptions", "jupyter_client", "helpers.publish.forkserver",
                  "helpers.publish.kernels", "helpers.publish.fonts", "helpers.publish.woff2", "fontTools.subset",
                  "helpers.publish.render", "jinja2", "markupsafe", "nbconvert.filters.markdown_mistune",
                  "pylopdf_fonts_zh_cn")
"""What running, rendering and cutting the font for notebooks import."""


def import_for_threads(notebooks: bool = True) -> None:
    """Import, in this one thread, what the build's threads will import (`FIRST_IMPORTS`, and
    `KERNEL_IMPORTS` when `notebooks` run), before any of them starts.

    Python's per-module import locks can deadlock when two threads import one package for the
    first time at once, one by the package and one by a submodule (python/cpython#83065, fixed
    only in 3.15): a build's font thread (``importlib.metadata``) and its main thread
    (``nbformat`` → ``jsonschema`` → ``importlib.resources``) once failed with
    ``_DeadlockError: deadlock detected by _ModuleLock('importlib.resources.abc')``."""
    import importlib

    from helpers.publish.state import VIEW_IMPORTS  # the source views' fonts are cut in a thread too

    for name in FIRST_IMPORTS + ((*KERNEL_IMPORTS, *VIEW_IMPORTS) if notebooks else ()):
        importlib.import_module(name)


HEAVY_IMPORT = re.compile(r"^\s*(?:import|from)\s+(?:pandas|matplotlib|numpy|helpers)\b", re.M)


def worth_forking(todo: list[Job]) -> bool:
    """True when at least two jobs' notebooks import what the fork server preloads: the
    server costs about one such kernel's start, so it pays from the second on (a desk of
    notebooks that import nothing heavy starts plain kernels faster)."""
    heavy: dict[Path, bool] = {}
    for job in todo:
        if job.notebook not in heavy:
            try:
                cells = json.loads(job.notebook.read_text(encoding="utf-8")).get("cells", [])
                code = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
            except (OSError, ValueError, AttributeError, TypeError):
                code = ""
            heavy[job.notebook] = bool(HEAVY_IMPORT.search(code))
    return sum(heavy[job.notebook] for job in todo) >= 2


async def _start_server(lay: Layout, log):
    """A fork server with the kernels' environment, or None (logged) when it cannot start."""
    import asyncio

    from helpers.publish import kernels

    try:
        return await asyncio.to_thread(kernels.ForkServer.start, kernel_env(lay), lay.notebooks)
    except Exception as e:  # an accelerator only: never the build's failure
        log(fork_off(e))
        return None


def fork_off(reason) -> str:
    """The build's one log line when it stops forking kernels."""
    return f"kernels start the usual way: the fork server failed ({reason})"


async def _execute_all(todo, lay, entries, state, data_key, jobs, log, staging, fork=False,
                       timeout=CELL_TIMEOUT, read=None) -> Outcome:
    import asyncio

    # The server preloads while the data step and the first kernels' setup get going.
    server = asyncio.ensure_future(_start_server(lay, log)) if fork and todo else None
    try:
        return await _execute_jobs(todo, lay, entries, state, data_key, jobs, log, staging, server, timeout, read)
    finally:
        if server is not None and (srv := await server) is not None:
            # A server that died when no job was asking it still gets its line.
            if srv.proc.poll() is not None and srv.give_up(f"it exited with code {srv.proc.returncode}"):
                log(fork_off(srv.failure))
            try:
                await asyncio.to_thread(srv.close)
            except Exception as e:
                if srv.give_up(f"it did not stop: {e}"):
                    log(fork_off(srv.failure))


async def _execute_jobs(todo, lay, entries, state, data_key, jobs, log, staging, server,
                        timeout=CELL_TIMEOUT, read=None) -> Outcome:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    loop = asyncio.get_running_loop()
    outcome = Outcome()
    # At most `jobs` notebooks execute at once, in plan order; a couple more kernels may be
    # starting meanwhile, so a core never waits idle for a kernel to boot.
    turns = Turns(jobs, len(todo))
    booting = asyncio.Semaphore(jobs + KERNELS_AHEAD)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="desk-render") as pool:
        data_task = None
        if data_key is not None:
            data_task = loop.run_in_executor(pool, write_data, lay, entries, data_key, log, staging, state,
                                             outcome.figures, read)
        # Cut the font once for every character the build may show, while kernels boot.
        base_task = loop.run_in_executor(pool, font_base, lay, entries, todo, log) if todo else None
        views_task, stop = None, threading.Event()  # `stop`: the build is ending; leave the rest
        if data_task is not None and base_task is not None:
            async def views():  # once the pages are read and the base is cut
                with contextlib.suppress(Exception):  # a failure shows in the data step's own result
                    await data_task
                base = await base_task
                await loop.run_in_executor(pool, prefetch_view_fonts, lay, entries, dict(outcome.figures), base, log,
                                           stop)

            views_task = asyncio.ensure_future(views())

        async def one(i: int, job: Job):
            from helpers.publish.kernels import ForkServerError

            try:
                async with booting:
                    started = time.monotonic()
                    # shield: one job's cancellation must not cancel the server everyone shares
                    srv = await asyncio.shield(server) if server else None
                    if srv is not None and srv.proc.poll() is not None and srv.give_up("it exited"):
                        log(fork_off(srv.failure))
                    try:
                        nb = await execute_notebook(job, lay, turns.slot(i), server=srv if srv and srv.usable else None,
                                                    shutdowns=shutdowns, timeout=timeout)
                    except ForkServerError as e:  # the server's failure, not the notebook's: run it again
                        if srv.give_up(str(e)):
                            log(fork_off(e))
                        nb = await execute_notebook(job, lay, turns.slot(i), shutdowns=shutdowns, timeout=timeout)
                log_streams(job, nb, log)
                ledgers = await _ledgers(data_task, state)
                rec = await loop.run_in_executor(pool, publish, job, nb, lay, ledgers, staging, await base_task)
            except Exception as e:  # one notebook's failure must not stop the others
                return Failure(job.notebook.name, job.report, _message(e), e)
            finally:
                turns.done(i)
            log(f"built {job.report} ({time.monotonic() - started:.1f} s; staged)")
            return rec

        shutdowns: set = set()
        try:
            results = await asyncio.gather(*(one(i, j) for i, j in enumerate(todo)))
        except BaseException:
            stop.set()  # interrupted: the pool's exit must not wait for fonts nobody will use
            raise
        finally:
            await asyncio.gather(*shutdowns, return_exceptions=True)
        outcome.font_base = await base_task if base_task else None
        if views_task is not None:
            await views_task
        if data_task is not None:
            try:
                outcome.data = await data_task
            except Exception as e:
                outcome.failures.append(Failure("data/processed", "", _message(e), e))
    for r in results:
        (outcome.failures if isinstance(r, Failure) else outcome.reports).append(r)
    return outcome


def _message(e: Exception) -> str:
    from helpers.publish.inline import InlineError
    from helpers.publish.render import RenderError

    if isinstance(e, (NotebookError, RenderError, InlineError)):
        return str(e)
    return f"{type(e).__name__}: {e}"


async def _ledgers(data_task, state: dict) -> dict[str, str]:
    """Page slug → ledger CSV path (relative to out), from this build's data step or the last."""
    if data_task is not None:
        try:
            return (await data_task).get("ledgers", {})
        except Exception:
            pass
    return (state.get("data") or {}).get("ledgers", {})


KERNELS_AHEAD = 2  # kernels started ahead of a free execution slot


class Turns:
    """`capacity` execution slots handed out in job order: a kernel that boots before an
    earlier job's waits its turn, so the first notebooks (the longest, by convention the
    per-page overview) start first and do not end the build alone. It waits at most
    `patience` seconds, so a kernel slow to start never holds the others back."""

    def __init__(self, capacity: int, count: int, patience: float = 1.0):
        import asyncio

        self._slots = asyncio.Semaphore(capacity)
        self._began = [asyncio.Event() for _ in range(count)]
        self._patience = patience

    def slot(self, i: int):
        import asyncio
        import contextlib

        @contextlib.asynccontextmanager
        async def turn():
            waiting = [asyncio.ensure_future(e.wait()) for e in self._began[:i] if not e.is_set()]
            try:  # every earlier job began (or ended), or patience ran out
                if waiting:
                    await asyncio.wait(waiting, timeout=self._patience)
            finally:
                for w in waiting:
                    w.cancel()
            async with self._slots:
                self._began[i].set()
                yield

        return turn()

    def done(self, i: int) -> None:
        """Job `i` is over (run, or failed before its turn): later jobs need not wait for it."""
        self._began[i].set()


async def execute_notebook(job: Job, lay: Layout, slots=None, server=None, shutdowns: set | None = None,
                           timeout: float = CELL_TIMEOUT):
    """Execute the job's notebook in memory (cwd notebooks/, build env); return it executed.

    The kernel is started first (forked from `server`, a ``kernels.ForkServer``, if
    given); the cells run once `slots` (an async context manager capping how many notebooks
    execute at once, e.g. ``Turns.slot``) lets them. The kernel's shutdown (~0.1 s of
    waiting) is added to `shutdowns` as a task for the caller to await, so the report can
    render meanwhile; without `shutdowns` it is awaited here.

    Raises ``kernels.ForkServerError`` when the server failed this job: it could not fork
    the kernel, the kernel died before it was ready, or the server died under it (Linux
    then kills its kernels). The caller runs the job again with a kernel started the usual way.
    """
    import asyncio
    import contextlib

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from helpers.publish import inline, kernels

    nb = nbformat.reads(job.notebook.read_text(encoding="utf-8"), as_version=4)
    if job.page is not None:
        inject_page(nb, job.page)
    running: dict[str, int] = {}

    async def on_start(cell=None, cell_index=None, **_):
        running["index"] = cell_index
        if cell is not None and cell.cell_type == "markdown":  # MyST {eval}: as jupyterlab-myst does
            await inline.evaluate_cell(client, cell, cell_label(nb, cell_index))

    client = NotebookClient(
        nb, kernel_name=KERNEL, timeout=timeout, startup_timeout=STARTUP_TIMEOUT,
        allow_errors=False, record_timing=False, shutdown_kernel="immediate",
        resources={"metadata": {"path": str(lay.notebooks)}}, on_cell_start=on_start,
    )
    slot = slots if slots is not None else contextlib.nullcontext()
    try:
        client.km = client.create_kernel_manager()
        kernels.use_ipc(client.km)
        client.km.client_factory = kernels.QuickReadyClient
        if server is not None:
            import uuid

            client.log = kernels.QUIET  # a failure here is the build's one log line, not nbclient's
            client.km.log = kernels.QUIET
            client.km.kernel_id = str(uuid.uuid4())
            client.km.provisioner = kernels.ForkProvisioner(
                kernel_id=client.km.kernel_id, kernel_spec=client.km.kernel_spec, parent=client.km, server=server)
        try:
            try:
                # The kernel's own stderr (transport warnings) is noise; cell output is captured anyway.
                await client.async_start_new_kernel(env=kernel_env(lay, job.stem), stderr=subprocess.DEVNULL)
                await client.async_start_new_kernel_client()
            except Exception as e:
                if server is None or isinstance(e, kernels.ForkServerError):
                    raise
                raise kernels.ForkServerError(f"a forked kernel did not start: {e}") from None
            async with slot:
                try:
                    await client.async_execute(cleanup_kc=False)
                except DeadKernelError:
                    if server is not None and server.proc.poll() is not None:
                        raise kernels.ForkServerError("the server died under a running kernel") from None
                    raise
        finally:
            if client.km is not None:  # nbclient cleans up itself when its client fails to start
                shutdown = asyncio.ensure_future(client._async_cleanup_kernel())
                if shutdowns is None:
                    await shutdown
                else:
                    shutdowns.add(shutdown)
    except CellExecutionError as e:
        raise NotebookError(f"{cell_label(nb, running.get('index'))}: {e.ename}: {e.evalue}") from None
    except inline.InlineError as e:
        raise NotebookError(str(e)) from None
    except CellTimeoutError:
        raise NotebookError(
            f"{cell_label(nb, running.get('index'))}: stopped after running longer than the cell time "
            f"limit of {timeout:g} s (raise it with `desk build --cell-timeout SECONDS` or "
            f"{CELL_TIMEOUT_ENV})") from None
    except DeadKernelError as e:
        raise NotebookError(f"{cell_label(nb, running.get('index'))}: the kernel died ({e})") from None
    return nb


def inject_page(nb, page: str) -> None:
    """Insert ``PAGE = "<slug>"`` after the cell tagged ``parameters`` (papermill style)."""
    import nbformat

    for i, cell in enumerate(nb.cells):
        if "parameters" in (cell.get("metadata", {}).get("tags") or []):
            break
    else:
        raise NotebookError("per-page notebook has no cell tagged 'parameters' to set PAGE after")
    injected = nbformat.v4.new_code_cell(
        f"PAGE = {json.dumps(page)}", metadata={"tags": ["injected-parameters"], "desk_injected": True}
    )
    nb.cells.insert(i + 1, injected)


def cell_label(nb, index: int | None) -> str:
    """'cell N (first line)' with N counted in the committed notebook (1-based)."""
    from helpers.publish.render import first_line, numbered_cells

    if index is None or not 0 <= index < len(nb.cells):
        return "before the first cell"
    cell = nb.cells[index]
    numbers = {id(c): n for n, c in numbered_cells(nb)}
    if id(cell) not in numbers:
        return f"the injected cell ({first_line(cell)})"
    return f"cell {numbers[id(cell)]} ({first_line(cell)})"


def kernel_env(lay: Layout, stem: str | None = None) -> dict[str, str]:
    """The kernel's environment: fixed hash seed, headless matplotlib, this project's root,
    and the report being built (``DESK_REPORT``, its stem: helpers.story links its CSVs;
    left out for the fork server, which serves every report)."""
    import helpers

    env = dict(os.environ)
    src = str(Path(helpers.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    env.update(
        PYTHONHASHSEED="0", MPLBACKEND="Agg", DESK_BUILD="1", DESK_ROOT=str(lay.root),
        SOURCE_DATE_EPOCH="0", PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    env[journal.BUILD_PID_ENV] = str(os.getpid())  # the next desk command kills it if we die
    if stem is None:
        env.pop("DESK_REPORT", None)
    else:
        env["DESK_REPORT"] = stem
    return env
