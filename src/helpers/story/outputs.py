"""What a report puts beside itself, and where: output names, the report's stem, the CSV
and ledger file layout under ``reports/data/``. One place for these rules; the build and the
blocks both read them."""

from __future__ import annotations

import re

NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A report's stem: the notebook's, or "<notebook stem>--<page slug>" for a per-page report.
REPORT_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:--[a-z0-9]+(?:-[a-z0-9]+)*)?$")
REPORT_ENV = "DESK_REPORT"   # the build sets it to the stem of the report being built
LEDGER_FILE = "figures-{page}.csv"   # the page ledger the build copies to reports/data/

# Charts and tables with a CSV shown in this kernel, in order: name -> (kind, title).
_outputs: dict[str, tuple[str, str]] = {}


def register_output(kind: str, name: str, title: str) -> None:
    """Note a chart or table CSV shown in this kernel (charts.show and table call it)."""
    _outputs[name] = (kind, title)


def registered_outputs() -> dict[str, tuple[str, str]]:
    """The chart and table CSVs shown so far in this kernel: name -> (kind, title), in order."""
    return dict(_outputs)


def reset_outputs() -> None:
    """Forget the registered outputs (for tests)."""
    _outputs.clear()



def data_dir(stem: str) -> str:
    """The folder of a report's chart and table CSVs, relative to the reports folder (and to
    the report): ``data/<report stem>``."""
    return f"data/{stem}"


def csv_href(stem: str, name: str) -> str:
    """Where a report's chart or table CSV lives: ``data/<report stem>/<name>.csv``."""
    return f"{data_dir(stem)}/{name}.csv"


SOURCE_VIEW = "source-{page}.html"  # the page as printed, written by the build beside the reports


def source_href(page: str, anchor: str) -> str:
    """Link to `anchor` (``fig-<id>``, ``at-<offset>``, ``piece-<article>``) in a page's source view."""
    return f"{SOURCE_VIEW.format(page=page)}#{anchor}"


def ledger_href(page: str) -> str:
    """Where a page's figure ledger lives, relative to the reports folder."""
    return "data/" + LEDGER_FILE.format(page=page)


def _notebook_of_kernel() -> str | None:
    """The stem of the notebook this kernel runs, when no build says so.

    JupyterLab and VS Code put the notebook's path in ``__session__`` /
    ``__vsc_ipynb_file__``; otherwise (nbclient, nbmake: cwd is the notebook's folder)
    the notebook in the cwd whose code cells hold the inputs this kernel has run.
    """
    import json
    from pathlib import Path

    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        return None
    shell = get_ipython()
    if shell is None:
        return None
    for key in ("__session__", "__vsc_ipynb_file__"):
        path = str(shell.user_ns.get(key) or "")
        if path.endswith(".ipynb"):
            return Path(path).stem
    ran = {s.strip() for s in shell.user_ns.get("In", []) if s.strip()}
    if not ran:
        return None
    scores = {}
    for nb in sorted(Path.cwd().glob("*.ipynb")):
        try:
            cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        code = {"".join(c["source"]).strip() if isinstance(c["source"], list) else c["source"].strip()
                for c in cells if c.get("cell_type") == "code"}
        scores[nb.stem] = len(ran & code)
    best = max(scores.values(), default=0)
    winners = [stem for stem, n in scores.items() if n == best]
    return winners[0] if best and len(winners) == 1 else None


def report_stem() -> str:
    """The stem of the report being built: ``$DESK_REPORT`` (set by the build, e.g.
    ``00-page-overview--<slug>``), else the stem of the notebook this kernel runs."""
    import os

    stem = os.environ.get(REPORT_ENV) or _notebook_of_kernel()
    if not stem:
        raise ValueError(f"story.data_links: which report is this? Set {REPORT_ENV} to its stem "
                         "(the build does), or pass notebook= explicitly")
    return stem


