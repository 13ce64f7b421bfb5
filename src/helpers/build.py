"""Notebooks → reader reports: execute (parallel, incremental), render, publish all at once.

``build()`` is what ``desk build`` and ``make reports`` run:

1. Check the raw data (``helpers.manifest.verify_all``: checksums, and every page decodes)
   before anything executes.
2. Plan one job per report: ``notebooks/NN-slug.ipynb`` → ``NN-slug.html``; a notebook with
   ``metadata.desk.per_page`` runs once per manifest page (``PAGE = "<slug>"`` injected after
   the cell tagged ``parameters``). Any other notebook is about the first page, or the pages
   in ``metadata.desk.pages``; its footer links those pages' ledgers only.
3. Skip a job whose input hash (notebook, helpers package, data/ but data/processed,
   requirements.lock) matches ``<out>/.build.json`` and whose files still have the sha256
   recorded there (a hand-edited or deleted report is rebuilt). This path imports nothing
   heavy and starts no kernel.
4. Execute the rest in memory with nbclient, up to ``jobs`` notebooks at once and in plan
   order, logging what each cell wrote to stderr; meanwhile compute the processed data, each
   page's ledger and the base font the pages are cut from. On Linux, when it pays, kernels
   are forked from a server that has already imported what notebooks import
   (``helpers.forkserver``); ``DESK_FORK_KERNELS=0`` turns that off.
5. Render each executed notebook (``helpers.render``). Everything is written into a staging
   dir ``<out>/.staging-<pid>/``; only when every notebook has finished are the files moved
   into place in one short loop, then the index, then ``.build.json`` last. A killed build
   leaves the published files as they were (the next build removes its staging dir).

Processed data (``{articles,figures}.csv``) goes to ``data/processed/`` when building the
project's ``reports/``, and to ``<out>/.processed/`` for any other ``--out``, so a build
into a temp dir never rewrites the repository.

A failing notebook leaves its previous report untouched and is reported with the cell number
and first line of that cell; the other reports still build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from helpers import paths
from helpers.files import write_atomic  # noqa: F401  (also build.write_atomic)

NOTEBOOK_RE = re.compile(r"^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*\.ipynb$")
STATE_NAME = ".build.json"
PROCESSED_NAME = ".processed"
STAGING_PREFIX = ".staging-"
FORMAT = "desk-build-2"  # bump to invalidate every recorded hash
KERNEL = "python3"
FORK_ENV = "DESK_FORK_KERNELS"  # "0" turns the fork server off
CELL_TIMEOUT = 600
STARTUP_TIMEOUT = 120


class BuildInputError(ValueError):
    """A bad request (unknown notebook, badly named file): the user's to fix, no traceback."""


class BuildFailed(Exception):
    """One or more reports failed; `failures` names each notebook, cell and error."""

    def __init__(self, failures: list["Failure"]):
        self.failures = failures
        super().__init__("\n".join(str(f) for f in failures))


@dataclass(frozen=True)
class Layout:
    """Where a build reads and writes. Defaults are the project's; tests point at tmp dirs."""

    root: Path
    out: Path
    cache: Path

    @classmethod
    def make(cls, root: Path | None = None, out: Path | None = None, cache: Path | None = None) -> "Layout":
        root = Path(root or paths.ROOT).resolve()
        return cls(root=root, out=Path(out or root / "reports").resolve(), cache=Path(cache or paths.CACHE))

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def manifest(self) -> Path:
        return self.data / "raw" / "manifest.json"

    @property
    def processed(self) -> Path:
        """``data/processed`` for the project's own reports dir; ``<out>/.processed`` for any
        other output dir, so a build into a temp dir never rewrites the repository."""
        if self.out == (self.root / "reports").resolve():
            return self.data / "processed"
        return self.out / PROCESSED_NAME


@dataclass(frozen=True)
class Job:
    """One report to produce: a notebook, optionally for one page, and its input hash."""

    notebook: Path
    report: str          # file name in the out dir, e.g. "01-park-jobs.html"
    page: str | None     # manifest slug for per-page notebooks
    key: str
    pages: tuple[str, ...] = ()  # pages whose ledgers the report links (its page, or metadata)

    @property
    def stem(self) -> str:
        return self.report[: -len(".html")]


@dataclass
class Failure:
    notebook: str
    report: str
    message: str

    def __str__(self) -> str:
        plain = not self.report or self.report == Path(self.notebook).stem + ".html"
        what = self.notebook if plain else f"{self.notebook} [{self.report}]"
        return f"{what}: {self.message}"


@dataclass
class BuildResult:
    executed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


# ---------------------------------------------------------------- the build

def build(
    names: Iterable[str] = (),
    *,
    root: Path | None = None,
    out: Path | None = None,
    cache: Path | None = None,
    force: bool = False,
    jobs: int | None = None,
    fork: bool | None = None,
    log: Callable[[str], None] = lambda msg: None,
) -> BuildResult:
    """Build the reports (all notebooks, or `names`); see the module docstring.

    `fork`: start kernels from a fork server (``helpers.forkserver``); by default on Linux
    when it pays (`worth_forking`), unless ``DESK_FORK_KERNELS=0``.

    Raises ``ManifestError`` (raw data wrong) or `BuildInputError` before executing anything.
    Notebook failures are returned in ``result.failures`` (the CLI exits non-zero).
    """
    from helpers import manifest

    t0 = time.monotonic()
    lay = Layout.make(root, out, cache)
    entries = manifest.verify_all(lay.manifest)
    names = list(names)
    notebooks = select_notebooks(lay, names)
    common = inputs_digest(lay)
    state = load_state(lay.out)
    planned = plan(notebooks, [e.slug for e in entries], common)
    todo = [j for j in planned if force or not is_current(j, state, lay.out)]
    result = BuildResult(skipped=[j.report for j in planned if j not in todo])
    data_key = _digest(FORMAT, common, "data", *[e.slug for e in entries])
    data_todo = force or not _data_current(state, data_key, lay)
    staging = lay.out / f"{STAGING_PREFIX}{os.getpid()}"
    try:
        outcome = Outcome()
        if todo or data_todo:
            clean_temp(lay.out)
            if fork is None:
                fork = (sys.platform == "linux" and worth_forking(todo)
                        and os.environ.get(FORK_ENV, "1").strip() not in ("0", "no", "false"))
            outcome = execute_all(todo, lay, entries, state, data_key if data_todo else None,
                                  max(1, jobs or os.cpu_count() or 1), log, staging, fork=fork)
        # Publishing starts only now, once every notebook has finished: a build killed
        # before this point leaves the output dir as it was (but for the staging dir).
        if not names:
            prune(state, {j.report for j in planned}, lay.out, log)
        _apply(outcome, state, result, lay, staging)
        write_index(state, lay, entries, common, force, log, font_base=outcome.font_base)
        save_state(lay.out, state)  # last: it vouches for everything above
    finally:
        if staging.exists():
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
    result.seconds = time.monotonic() - t0
    return result


def _apply(outcome: "Outcome", state: dict, result: BuildResult, lay: Layout, staging: Path) -> None:
    """Move this build's staged files into place in one short loop, then delete the files
    it no longer produces (CSVs a report dropped, ledgers of pages no longer listed)."""
    moves: list[tuple[Path, Path]] = []
    removals: list[Path] = []
    if outcome.data is not None:
        old = set((state.get("data") or {}).get("sha256") or {})
        new = outcome.data["sha256"]
        moves += [(staging / rel, _data_target(lay, rel)) for rel in sorted(new)]
        removals += [_data_target(lay, rel) for rel in sorted(old - set(new))]
    for rec in outcome.reports:
        old = set((state["reports"].get(rec["report"]) or {}).get("sha256") or {})
        moves += [(staging / rel, lay.out / rel) for rel in sorted(rec["sha256"])]
        removals += [lay.out / rel for rel in sorted(old - set(rec["sha256"]))]
        # A report owns data/<stem>/: anything there it no longer writes goes, even when
        # an older state file did not record it.
        own = lay.out / "data" / rec["report"].removesuffix(".html")
        if own.is_dir():
            removals += [p for p in sorted(own.iterdir())
                         if p.is_file() and p.relative_to(lay.out).as_posix() not in rec["sha256"]]
    for src, dst in moves:
        _move(src, dst)
    for path in removals:
        path.unlink(missing_ok=True)
    if outcome.data is not None:
        state["data"] = outcome.data
    for rec in outcome.reports:
        state["reports"][rec["report"]] = {k: v for k, v in rec.items() if k != "report"}
        result.executed.append(rec["report"])
    result.failures.extend(outcome.failures)


def _move(src: Path, dst: Path) -> None:
    """Put a staged file in place (a rename; a copy through a temp file across devices)."""
    data = src.read_bytes()
    try:
        if dst.read_bytes() == data:
            return
    except OSError:
        pass
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dst)
    except OSError:
        write_atomic(dst, data)


# ---------------------------------------------------------------- planning

def select_notebooks(lay: Layout, names: list[str]) -> list[Path]:
    """All ``NN-slug.ipynb`` notebooks, or the ones named (by path, file name or stem)."""
    available = sorted(p for p in lay.notebooks.glob("*.ipynb") if NOTEBOOK_RE.match(p.name))
    if not names:
        return available
    by_name = {p.name: p for p in available}
    chosen: list[Path] = []
    for name in names:
        base = Path(name).name
        base = base if base.endswith(".ipynb") else base + ".ipynb"
        if base not in by_name:
            if (lay.notebooks / base).is_file():
                raise BuildInputError(f"{lay.notebooks / base}: notebook names must look like NN-slug.ipynb")
            raise BuildInputError(f"{name}: no such notebook in {lay.notebooks}")
        if by_name[base] not in chosen:
            chosen.append(by_name[base])
    return chosen


def plan(notebooks: list[Path], pages: list[str], common: str) -> list[Job]:
    """The jobs for these notebooks: one each, or one per page for per-page notebooks.

    A story (not per-page) notebook is about the first manifest page, or the pages its
    metadata names (``{"desk": {"pages": [...]}}``); its footer links those pages' ledgers.
    """
    jobs: list[Job] = []
    for nb_path in notebooks:
        raw = nb_path.read_bytes()
        stem = nb_path.stem
        desk = _desk_metadata(raw, nb_path)
        if desk.get("per_page"):
            for i, slug in enumerate(pages):
                report = f"{stem}.html" if i == 0 else f"{stem}--{slug}.html"
                jobs.append(Job(nb_path, report, slug, _digest(FORMAT, common, raw, slug, report), (slug,)))
        else:
            about = _story_pages(desk, pages, nb_path)
            jobs.append(Job(nb_path, f"{stem}.html", None, _digest(FORMAT, common, raw, "", stem), about))
    return jobs


def _desk_metadata(raw: bytes, path: Path) -> dict:
    """The notebook's ``metadata.desk`` object ({} when absent)."""
    try:
        doc = json.loads(raw)
    except ValueError as e:
        raise BuildInputError(f"{path}: not a valid notebook (JSON error: {e})") from None
    desk = (doc.get("metadata") or {}).get("desk") or {} if isinstance(doc, dict) else {}
    if not isinstance(desk, dict):
        raise BuildInputError(f"{path}: metadata 'desk' must be an object")
    return desk


def _story_pages(desk: dict, pages: list[str], path: Path) -> tuple[str, ...]:
    named = desk.get("pages")
    if named is None:
        return tuple(pages[:1])
    if not isinstance(named, list) or not all(isinstance(p, str) for p in named):
        raise BuildInputError(f"{path}: metadata desk.pages must be a list of manifest slugs")
    unknown = [p for p in named if p not in pages]
    if unknown:
        raise BuildInputError(f"{path}: metadata desk.pages names {', '.join(unknown)}, not in the "
                              f"manifest (known: {', '.join(pages)})")
    return tuple(named)


def is_current(job: Job, state: dict, out: Path) -> bool:
    """True when the recorded report was built from exactly these inputs and every file it
    wrote is still there with the bytes it wrote (a hand-edited or deleted file rebuilds)."""
    rec = state["reports"].get(job.report)
    if not rec or rec.get("key") != job.key:
        return False
    return _unchanged(rec.get("sha256"), lambda rel: out / rel)


def _data_current(state: dict, key: str, lay: Layout) -> bool:
    rec = state.get("data") or {}
    if rec.get("key") != key:
        return False
    return _unchanged(rec.get("sha256"), lambda rel: _data_target(lay, rel))


def _unchanged(hashes: dict | None, where: Callable[[str], Path]) -> bool:
    """True when every recorded file exists with its recorded sha256."""
    if not isinstance(hashes, dict):
        return False
    for rel, digest in hashes.items():
        try:
            if _sha256(where(rel).read_bytes()) != digest:
                return False
        except OSError:
            return False
    return True


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _data_target(lay: Layout, rel: str) -> Path:
    """Where a data-step file lives: ``processed/<name>`` in the processed dir, else in out."""
    if rel.startswith("processed/"):
        return lay.processed / rel[len("processed/"):]
    return lay.out / rel


# ---------------------------------------------------------------- input hashes

def inputs_digest(lay: Layout) -> str:
    """One hash over everything a notebook's output may depend on besides itself."""
    import helpers

    h = hashlib.sha256(f"{FORMAT}\0python{sys.version_info[0]}.{sys.version_info[1]}\0".encode())
    _hash_tree(h, "helpers", Path(helpers.__file__).resolve().parent)
    _hash_tree(h, "data", lay.data, skip_top={"processed"})
    lock = lay.root / "requirements.lock"
    h.update(b"lock\0" + (hashlib.sha256(lock.read_bytes()).digest() if lock.is_file() else b"none"))
    return h.hexdigest()


def _hash_tree(h, label: str, top: Path, skip_top: set[str] = frozenset()) -> None:
    if not top.is_dir():
        h.update(f"{label}\0missing\0".encode())
        return
    files = []
    for dirpath, dirnames, filenames in os.walk(top):
        rel_dir = Path(dirpath).relative_to(top)
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".") and d != "__pycache__" and not (rel_dir == Path(".") and d in skip_top)
        )
        files.extend(rel_dir / f for f in filenames if not f.startswith(".") and not f.endswith(".pyc"))
    for rel in sorted(files, key=lambda p: p.as_posix()):
        h.update(f"{label}/{rel.as_posix()}\0".encode())
        h.update(hashlib.sha256((top / rel).read_bytes()).digest())


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


# ---------------------------------------------------------------- state, index, pruning

def load_state(out: Path) -> dict:
    path = out / STATE_NAME
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        state = {}
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        state = {}
    state.setdefault("format", FORMAT)
    state.setdefault("reports", {})
    return state


def save_state(out: Path, state: dict) -> None:
    text = json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    write_atomic(out / STATE_NAME, text.encode("utf-8"))


def prune(state: dict, planned: set[str], out: Path, log) -> None:
    """Remove reports (and their CSVs) whose notebook or page no longer exists."""
    for report in sorted(set(state["reports"]) - planned):
        rec = state["reports"].pop(report)
        for rel in sorted(rec.get("sha256") or {report: ""}):
            (out / rel).unlink(missing_ok=True)
        log(f"removed {report} (its notebook or page is gone)")


def index_entries(state: dict, pages: dict[str, dict] | None = None) -> list[dict]:
    """Catalogue items in notebook order, a per-page notebook's first page first.

    `pages` maps a manifest slug to its reader description (`page_info`); a per-page
    report shows its page's, never the internal slug."""
    def order(item):
        report, rec = item
        return (rec.get("notebook", ""), report != Path(rec.get("notebook", "")).stem + ".html", report)

    pages = pages or {}
    return [
        {
            "href": report,
            "headline": rec.get("headline") or report,
            "dek": rec.get("dek", ""),
            "key_figure": rec.get("key_figure", ""),
            "page": (pages.get(rec.get("page") or "") or {}).get("title", ""),
        }
        for report, rec in sorted(state["reports"].items(), key=order)
    ]


def _date(iso: str) -> str:
    """'2024-01-28' → '28 January 2024' (left as given when it is not an ISO date)."""
    from helpers.quantity import QuantityError, fmt_day_month

    m = re.fullmatch(r"(\d{4})-\d{2}-\d{2}", str(iso))
    try:
        return f"{fmt_day_month(iso)} {m.group(1)}" if m else str(iso)
    except QuantityError:
        return str(iso)


def page_info(entry) -> dict:
    """What a reader is told about a manifest page: paper, date (or date range), description."""
    paper = entry.paper.split(";")[0].strip()
    if entry.edition_date:
        when = _date(entry.edition_date)
    elif entry.edition_date_range:
        when = f"between {_date(entry.edition_date_range[0])} and {_date(entry.edition_date_range[1])}"
    else:
        when = "date not known"
    return {"title": f"{paper}, {when}", "description": entry.page_description}


def write_index(state: dict, lay: Layout, pages, common: str, force: bool, log, font_base=None) -> None:
    """Render index.html when its entries, the templates or the package changed (or the file
    is not the one this build wrote)."""
    info = {e.slug: page_info(e) for e in pages}
    entries = index_entries(state, info)
    sources = [info[e.slug] for e in pages]
    key = _digest(FORMAT, common, json.dumps([entries, sources], ensure_ascii=False, sort_keys=True))
    rec = state.get("index") or {}
    if rec.get("key") == key and _unchanged(rec.get("sha256"), lambda rel: lay.out / rel) and not force:
        return
    from helpers import render

    page = render.render_index(entries, pages=sources, cache_dir=lay.cache, font_base=font_base).encode("utf-8")
    write_atomic(lay.out / "index.html", page)
    state["index"] = {"key": key, "sha256": {"index.html": _sha256(page)}}
    log("wrote index.html")


# ---------------------------------------------------------------- atomic writes

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
            import shutil

            shutil.rmtree(staged, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ---------------------------------------------------------------- execution

class NotebookError(Exception):
    """A notebook did not run to the end: names the cell and the error."""


@dataclass
class Outcome:
    reports: list[dict] = field(default_factory=list)  # new state records, with "report"
    failures: list[Failure] = field(default_factory=list)
    data: dict | None = None
    font_base: object = None  # the fonts.Base the reports were cut from, for the index too


def execute_all(todo: list[Job], lay: Layout, entries, state: dict, data_key: str | None,
                jobs: int, log, staging: Path, fork: bool = False) -> Outcome:
    """Run the jobs (at most `jobs` kernels at once) and, if `data_key`, the data step;
    every file they produce goes into `staging` (relative paths as published). With `fork`,
    kernels are forked from one preloaded server (``helpers.forkserver``)."""
    import asyncio

    return asyncio.run(_execute_all(todo, lay, entries, state, data_key, jobs, log, staging, fork))


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

    from helpers import forkserver

    try:
        return await asyncio.to_thread(forkserver.ForkServer.start, kernel_env(lay), lay.notebooks)
    except (OSError, forkserver.ForkServerError) as e:
        log(f"kernels start one by one: {e}")
        return None


async def _execute_all(todo, lay, entries, state, data_key, jobs, log, staging, fork=False) -> Outcome:
    import asyncio

    # The server preloads while the data step and the first kernels' setup get going.
    server = asyncio.ensure_future(_start_server(lay, log)) if fork and todo else None
    try:
        return await _execute_jobs(todo, lay, entries, state, data_key, jobs, log, staging, server)
    finally:
        if server is not None and (srv := await server) is not None:
            await asyncio.to_thread(srv.close)


async def _execute_jobs(todo, lay, entries, state, data_key, jobs, log, staging, server) -> Outcome:
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
            data_task = loop.run_in_executor(pool, write_data, lay, entries, data_key, log, staging)
        # Cut the font once for every character the build may show, while kernels boot.
        base_task = loop.run_in_executor(pool, font_base, lay, entries, todo, log) if todo else None

        async def one(i: int, job: Job):
            try:
                async with booting:
                    started = time.monotonic()
                    # shield: one job's cancellation must not cancel the server everyone shares
                    srv = await asyncio.shield(server) if server else None
                    nb = await execute_notebook(job, lay, turns.slot(i), server=srv, shutdowns=shutdowns)
                log_streams(job, nb, log)
                ledgers = await _ledgers(data_task, state)
                rec = await loop.run_in_executor(pool, publish, job, nb, lay, ledgers, staging, await base_task)
            except Exception as e:  # one notebook's failure must not stop the others
                return Failure(job.notebook.name, job.report, _message(e))
            finally:
                turns.done(i)
            log(f"built {job.report} ({time.monotonic() - started:.1f} s; staged)")
            return rec

        shutdowns: set = set()
        try:
            results = await asyncio.gather(*(one(i, j) for i, j in enumerate(todo)))
        finally:
            await asyncio.gather(*shutdowns, return_exceptions=True)
        outcome.font_base = await base_task if base_task else None
        if data_task is not None:
            try:
                outcome.data = await data_task
            except Exception as e:
                outcome.failures.append(Failure("data/processed", "", _message(e)))
    for r in results:
        (outcome.failures if isinstance(r, Failure) else outcome.reports).append(r)
    return outcome


def _message(e: Exception) -> str:
    from helpers.render import RenderError

    if isinstance(e, (NotebookError, RenderError)):
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


async def execute_notebook(job: Job, lay: Layout, slots=None, server=None, shutdowns: set | None = None):
    """Execute the job's notebook in memory (cwd notebooks/, build env); return it executed.

    The kernel is started first (forked from `server`, a ``forkserver.ForkServer``, if
    given); the cells run once `slots` (an async context manager capping how many notebooks
    execute at once, e.g. ``Turns.slot``) lets them. The kernel's shutdown (~0.1 s of
    waiting) is added to `shutdowns` as a task for the caller to await, so the report can
    render meanwhile; without `shutdowns` it is awaited here.
    """
    import asyncio
    import contextlib

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from helpers import forkserver

    nb = nbformat.reads(job.notebook.read_text(encoding="utf-8"), as_version=4)
    if job.page is not None:
        inject_page(nb, job.page)
    running: dict[str, int] = {}

    def on_start(cell=None, cell_index=None, **_):
        running["index"] = cell_index

    client = NotebookClient(
        nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, startup_timeout=STARTUP_TIMEOUT,
        allow_errors=False, record_timing=False, shutdown_kernel="immediate",
        resources={"metadata": {"path": str(lay.notebooks)}}, on_cell_start=on_start,
    )
    slot = slots if slots is not None else contextlib.nullcontext()
    try:
        client.km = client.create_kernel_manager()
        client.km.client_factory = forkserver.QuickReadyClient
        if server is not None:
            import uuid

            client.km.kernel_id = str(uuid.uuid4())
            client.km.provisioner = forkserver.ForkProvisioner(
                kernel_id=client.km.kernel_id, kernel_spec=client.km.kernel_spec, parent=client.km, server=server)
        try:
            # The kernel's own stderr (transport warnings) is noise; cell output is captured anyway.
            await client.async_start_new_kernel(env=kernel_env(lay, job.stem), stderr=subprocess.DEVNULL)
            await client.async_start_new_kernel_client()
            async with slot:
                await client.async_execute(cleanup_kc=False)
        finally:
            if client.km is not None:  # nbclient cleans up itself when its client fails to start
                shutdown = asyncio.ensure_future(client._async_cleanup_kernel())
                if shutdowns is None:
                    await shutdown
                else:
                    shutdowns.add(shutdown)
    except CellExecutionError as e:
        raise NotebookError(f"{cell_label(nb, running.get('index'))}: {e.ename}: {e.evalue}") from None
    except CellTimeoutError:
        raise NotebookError(f"{cell_label(nb, running.get('index'))}: timed out after {CELL_TIMEOUT} s") from None
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
    from helpers.render import first_line, numbered_cells

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
    if stem is None:
        env.pop("DESK_REPORT", None)
    else:
        env["DESK_REPORT"] = stem
    return env


# ---------------------------------------------------------------- publishing

def publish(job: Job, nb, lay: Layout, ledgers: dict[str, str], staging: Path, font_base=None) -> dict:
    """Render the executed notebook and write its page and CSVs into `staging`; the record
    carries each file's sha256 (the build moves them into place once all jobs are done)."""
    from helpers import render

    links = [
        {"href": ledgers[p], "label": f"Figure ledger for page {p} (CSV)"} for p in job.pages if p in ledgers
    ]
    report = render.render_report(nb, stem=job.stem, extra_links=links, cache_dir=lay.cache, font_base=font_base)
    files = {**report.files, job.report: report.html.encode("utf-8")}
    for rel, data in sorted(files.items()):
        write_atomic(staging / rel, data)
    return {
        "report": job.report,
        "notebook": job.notebook.name,
        "page": job.page,
        "key": job.key,
        "headline": report.headline,
        "dek": report.dek,
        "key_figure": report.key_figure,
        "sha256": {rel: _sha256(data) for rel, data in sorted(files.items())},
    }


MAX_LOGGED_LINES = 20  # per cell


def log_streams(job: Job, nb, log) -> None:
    """Log what a notebook wrote to stderr (warnings included), per cell: it never reaches
    the report, but must not vanish either."""
    from helpers.render import first_line, numbered_cells, text_of

    for number, cell in numbered_cells(nb):
        lines = [line for out in cell.get("outputs", [])
                 if out.get("output_type") == "stream" and out.get("name") == "stderr"
                 for line in text_of(out.get("text", "")).splitlines() if line.strip()]
        for line in lines[:MAX_LOGGED_LINES]:
            log(f"{job.report}: cell {number} ({first_line(cell)}): stderr: {line}")
        if len(lines) > MAX_LOGGED_LINES:
            log(f"{job.report}: cell {number}: ... {len(lines) - MAX_LOGGED_LINES} more stderr line(s)")


def font_base(lay: Layout, entries, todo: list[Job], log=lambda msg: None):
    """A ``fonts.Base`` for what the build's pages may show: the source pages, the glosses,
    the notebooks being run and the templates. A page showing anything else is cut from the
    full font (same bytes, slower), as is every page when the base cannot be made (logged)."""
    from helpers import fonts, render

    try:
        parts = [e.path.read_text(encoding="utf-8", errors="replace") for e in entries]
        parts += [p.read_text(encoding="utf-8", errors="replace")
                  for p in sorted({*(lay.data / "glosses").glob("*.csv"), *(j.notebook for j in todo),
                                   *render.TEMPLATES.glob("*")}) if p.is_file()]
        return fonts.base_for("".join(parts), cache_dir=lay.cache)
    except Exception as e:  # a speed-up only: pages are then cut from the full font
        log(f"no base font ({type(e).__name__}: {e}); each page's font is cut from the full font")
        return None


# ---------------------------------------------------------------- processed data

def write_data(lay: Layout, entries, key: str, log, staging: Path) -> dict:
    """``{articles,figures}.csv`` of every page (for the processed dir) and each page's
    ledger (for out/data/), written into `staging` as ``processed/…`` and ``data/…``."""
    import pandas as pd

    from helpers import ledger, source

    articles, figures, ledgers, files = [], [], {}, {}
    for e in entries:
        page = _read_page(e)
        arts = source.articles_table(page)
        if "page" not in arts.columns:
            arts.insert(0, "page", e.slug)
        figs = ledger.page_figures(page)
        href = f"data/figures-{e.slug}.csv"
        files[href] = _csv_bytes(figs)
        articles.append(arts)
        figures.append(figs)
        ledgers[e.slug] = href
    if entries:
        files["processed/articles.csv"] = _csv_bytes(pd.concat(articles, ignore_index=True))
        files["processed/figures.csv"] = _csv_bytes(pd.concat(figures, ignore_index=True))
    for rel, data in files.items():
        write_atomic(staging / rel, data)
    log(f"staged processed data and {len(ledgers)} ledger(s)")
    return {"key": key, "ledgers": ledgers, "sha256": {rel: _sha256(d) for rel, d in sorted(files.items())}}


def _read_page(entry):
    """The page for a manifest entry, carrying the manifest slug (``read_page`` names a page
    after its file). Checksums were verified before the build started, so not again here."""
    import dataclasses

    from helpers import source

    page = source.read_page(entry.path)
    return page if page.slug == entry.slug else dataclasses.replace(page, slug=entry.slug)


def _csv_bytes(df) -> bytes:
    """CSV without float noise or spreadsheet formulas (``helpers.csvsafe.csv_text``)."""
    from helpers import csvsafe

    return csvsafe.csv_text(df).encode("utf-8")
