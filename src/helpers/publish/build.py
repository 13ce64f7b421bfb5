"""Notebooks → reader reports: execute (parallel, incremental), render, publish all at once.

``build()`` is what ``desk build`` and ``make reports`` run:

1. Check the raw data (``helpers.page.manifest.verify_all``: checksums, and every page decodes)
   before anything executes.
2. Plan one job per report: ``notebooks/NN-slug.ipynb`` → ``NN-slug.html``; a notebook with
   ``metadata.desk.per_page`` runs once per manifest page (``PAGE = "<slug>"`` injected after
   the cell tagged ``parameters``). Any other notebook is about the first page, or the pages
   in ``metadata.desk.pages``; its footer links those pages' ledgers only.
3. Skip a job whose input hash (notebook, helpers package, data/ but data/raw and
   data/processed, requirements.lock, and the manifest entry and checksum of each page the
   job is about: its own page, or the story's pages) matches ``<out>/.build.json`` and whose files still have the sha256
   recorded there (a hand-edited or deleted report is rebuilt). This path imports nothing
   heavy and starts no kernel.
4. Execute the rest in memory with nbclient, up to ``jobs`` notebooks at once and in plan
   order, logging what each cell wrote to stderr; meanwhile compute the processed data, each
   page's ledger and the base font the pages are cut from. On Linux, when it pays, kernels
   are forked from a server that has already imported what notebooks import
   (``helpers.publish.kernels``, ``helpers.publish.forkserver``); ``DESK_FORK_KERNELS=0`` turns that
   off; a server that fails in any way is given up (one log line) and kernels start the usual way.
5. Render each executed notebook (``helpers.publish.render``). Everything is written into a
   staging dir ``<out>/.staging-<pid>/``, the index and ``.build.json`` included; only when
   every notebook has finished is it published, all or nothing (``helpers.publish.journal``):
   the moves are listed in ``<out>/.publish-journal`` first, signals wait until they are
   done, and a build killed by SIGKILL half way is completed by the next ``desk`` command.

One build at a time runs per output dir (a lock names the running build's pid), and every
build first removes what dead builds left (``journal.tidy``). A cell may run at most
``cell_timeout`` seconds (default ``DESK_CELL_TIMEOUT`` or 600).

Processed data (per-page ``articles-<slug>.csv``, the combined ``{articles,figures}.csv`` and
the figure database ``desk.sqlite``, all rebuilt page by page: ``writing.write_data``) goes to
``data/processed/`` (git-ignored) when building the project's ``reports/``, and to
``<out>/.processed/`` for any other ``--out``, so a build into a temp dir never rewrites the
repository. Each page's ledger goes to ``<out>/data/figures-<slug>.csv``.

A failing notebook leaves its previous report untouched and is reported with the cell number
and first line of that cell; the other reports still build.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

from helpers.files import StorageError, explain
from helpers.publish import guard, journal
from helpers.publish.execute import Outcome, execute_all, worth_forking
from helpers.publish.plan import (
    CELL_TIMEOUT,
    CELL_TIMEOUT_ENV,
    FORK_ENV,
    FORMAT,
    STAGING_PREFIX,
    BuildInputError,
    BuildResult,
    Layout,
    _digest,
    inputs_digest,
    page_digests,
    plan,
    select_notebooks,
)
from helpers.publish.state import (
    _data_current,
    _data_target,
    is_current,
    load_state,
    prune,
    stage_state,
    write_index,
)
from helpers.story import outputs

PUBLISH_PAUSE_ENV = "DESK_PUBLISH_PAUSE"  # fault tests: seconds to sleep between two moves

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
    wait: bool = False,
    cell_timeout: float | None = None,
) -> BuildResult:
    """Build the reports (all notebooks, or `names`); see the module docstring.

    `fork`: start kernels from a fork server (``helpers.publish.kernels``); by default on Linux
    when it pays (`worth_forking`), unless ``DESK_FORK_KERNELS=0``.

    One build at a time per output dir: another build's lock raises ``journal.BuildLocked``
    naming its pid (or, with `wait`, is waited for). `cell_timeout`: seconds a cell may run
    (default ``DESK_CELL_TIMEOUT`` or ``CELL_TIMEOUT``).

    Raises ``ManifestError`` (raw data wrong) or `BuildInputError` before executing anything;
    ``StorageError`` (disk full, unwritable output, a file in place of the cache dir) stops
    the build with one line. Notebook failures are returned in ``result.failures`` (the CLI
    exits non-zero).
    """
    from helpers.page import manifest

    t0 = time.monotonic()
    lay = Layout.make(root, out, cache)
    timeout = _cell_timeout(cell_timeout)
    entries = manifest.verify_all(lay.manifest)
    names = list(names)
    notebooks = select_notebooks(lay, names)
    with journal.build_lock(lay.out, wait=wait, log=log):
        journal.tidy(lay.out, log, locked=True)
        result = _build(names, entries, notebooks, lay, force, jobs, fork, log, timeout)
    result.seconds = time.monotonic() - t0
    return result


def _cell_timeout(given: float | None) -> float:
    if given is None:
        text = os.environ.get(CELL_TIMEOUT_ENV, "").strip()
        if not text:
            return CELL_TIMEOUT
        try:
            given = float(text)
        except ValueError:
            raise BuildInputError(f"{CELL_TIMEOUT_ENV}={text!r}: not a number of seconds") from None
    if not given > 0:
        raise BuildInputError(f"cell timeout {given}: must be a positive number of seconds")
    return given


def _build(names, entries, notebooks, lay: Layout, force: bool, jobs, fork, log, timeout: float) -> BuildResult:
    common = inputs_digest(lay)
    state = load_state(lay.out)
    page_keys = page_digests(entries)
    planned = plan(notebooks, [e.slug for e in entries], common, page_keys)
    todo = [j for j in planned if force or not is_current(j, state, lay.out)]
    read: dict = {}  # pages the guard reads (page, figures), which the data step then reuses
    guard.check_jobs(todo, lay, entries, read)  # typed figures, missing glosses: before any kernel
    result = BuildResult(skipped=[j.report for j in planned if j not in todo])
    data_key = _digest(FORMAT, common, "data", *[f"{s}={k}" for s, k in page_keys.items()])
    data_todo = force or not _data_current(state, data_key, lay)
    staging = lay.out / f"{STAGING_PREFIX}{os.getpid()}"
    try:
        outcome = Outcome()
        if todo or data_todo:
            try:
                staging.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StorageError(explain(e, lay.out)) from None
            if fork is None:
                fork = (sys.platform == "linux" and worth_forking(todo)
                        and os.environ.get(FORK_ENV, "1").strip() not in ("0", "no", "false"))
            with journal.remembering_signals():  # a Ctrl-C or kill seen here never publishes
                outcome = execute_all(todo, lay, entries, state, data_key if data_todo else None,
                                      max(1, jobs or os.cpu_count() or 1), log, staging, fork=fork,
                                      timeout=timeout, read=read)
            for failure in outcome.failures:  # the disk, not a notebook: stop with one line
                if isinstance(failure.cause, StorageError):
                    raise failure.cause
        # Publishing starts only now, once every notebook has finished: a build killed
        # before this point leaves the output dir as it was (but for the staging dir).
        moves: list[tuple[Path, Path]] = []
        removals: list[Path] = []
        if not names:
            removals += prune(state, {j.report for j in planned}, lay.out, log)
        _apply(outcome, state, result, lay, staging, moves, removals)
        index_moves, index_removals = write_index(state, lay, entries, common, force, log,
                                                  font_base=outcome.font_base, staging=staging,
                                                  page_keys=page_keys,
                                                  figures={**{s: f for s, (_, f) in read.items()}, **outcome.figures})
        moves += index_moves
        removals += index_removals
        moves += stage_state(lay.out, state, staging)  # last: it vouches for everything above
        journal.publish(lay.out, staging, moves, removals, pause=_publish_pause())
    finally:
        if staging.exists():
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
    return result


def _publish_pause():
    """The fault tests' hook: ``DESK_PUBLISH_PAUSE=SECONDS`` sleeps between two moves, so a
    kill can be aimed at the middle of publishing."""
    text = os.environ.get(PUBLISH_PAUSE_ENV, "").strip()
    try:
        seconds = float(text) if text else 0.0
    except ValueError:
        seconds = 0.0
    return (lambda i: time.sleep(seconds)) if seconds > 0 else None


def _apply(outcome: "Outcome", state: dict, result: BuildResult, lay: Layout, staging: Path,
           moves: list[tuple[Path, Path]], removals: list[Path]) -> None:
    """Plan the moves of this build's staged files into place and the removals of the files
    it no longer produces (CSVs a report dropped, ledgers of pages no longer listed), and
    record them in `state`; ``journal.publish`` performs them."""
    if outcome.data is not None:
        old = set((state.get("data") or {}).get("sha256") or {})
        new = outcome.data["sha256"]
        moves += [(staging / rel, _data_target(lay, rel)) for rel in sorted(new) if (staging / rel).is_file()]
        removals += [_data_target(lay, rel) for rel in sorted(old - set(new))]
    for rec in outcome.reports:
        old = set((state["reports"].get(rec["report"]) or {}).get("sha256") or {})
        moves += [(staging / rel, lay.out / rel) for rel in sorted(rec["sha256"])]
        removals += [lay.out / rel for rel in sorted(old - set(rec["sha256"]))]
        # A report owns data/<stem>/: anything there it no longer writes goes, even when
        # an older state file did not record it.
        own = lay.out / outputs.data_dir(rec["report"].removesuffix(".html"))
        if own.is_dir():
            removals += [p for p in sorted(own.iterdir())
                         if p.is_file() and p.relative_to(lay.out).as_posix() not in rec["sha256"]]
    if outcome.data is not None:
        state["data"] = outcome.data
    for rec in outcome.reports:
        state["reports"][rec["report"]] = {k: v for k, v in rec.items() if k != "report"}
        result.executed.append(rec["report"])
    result.failures.extend(outcome.failures)
