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
5. Render each executed notebook (``helpers.publish.render``). Everything is written into a staging
   dir ``<out>/.staging-<pid>/``; only when every notebook has finished are the files moved
   into place in one short loop, then the index, then ``.build.json`` last. A killed build
   leaves the published files as they were (the next build removes its staging dir).

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

from helpers.files import write_atomic
from helpers.publish import guard
from helpers.publish.execute import Outcome, execute_all, worth_forking
from helpers.publish.plan import (
    FORK_ENV,
    FORMAT,
    STAGING_PREFIX,
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
    clean_temp,
    is_current,
    load_state,
    prune,
    save_state,
    write_index,
)
from helpers.story import outputs

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

    `fork`: start kernels from a fork server (``helpers.publish.kernels``); by default on Linux
    when it pays (`worth_forking`), unless ``DESK_FORK_KERNELS=0``.

    Raises ``ManifestError`` (raw data wrong) or `BuildInputError` before executing anything.
    Notebook failures are returned in ``result.failures`` (the CLI exits non-zero).
    """
    from helpers.page import manifest

    t0 = time.monotonic()
    lay = Layout.make(root, out, cache)
    entries = manifest.verify_all(lay.manifest)
    names = list(names)
    notebooks = select_notebooks(lay, names)
    common = inputs_digest(lay)
    state = load_state(lay.out)
    page_keys = page_digests(entries)
    planned = plan(notebooks, [e.slug for e in entries], common, page_keys)
    todo = [j for j in planned if force or not is_current(j, state, lay.out)]
    guard.check_jobs(todo, lay, entries)  # typed figures, missing glosses: before any kernel
    result = BuildResult(skipped=[j.report for j in planned if j not in todo])
    data_key = _digest(FORMAT, common, "data", *[f"{s}={k}" for s, k in page_keys.items()])
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


