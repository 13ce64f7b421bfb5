"""Committed notebooks carry no outputs: reports are the only place results live.

Outputs in a notebook would be stale copies of the report (and noise in every diff). What is
checked is what a commit would hold: the staged blob of each tracked notebook (``git show
:path``), so a notebook that was only run and saved in JupyterLab (and is stripped by the
nbstripout filter ``make lab`` configures when it is staged) does not fail; outside a git
checkout, or for an untracked notebook, the file itself.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from helpers import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("*.ipynb"))


def committed_text(path) -> str:
    """The notebook as staged for commit, or the file when git does not track it."""
    rel = path.relative_to(paths.ROOT).as_posix()
    try:
        staged = subprocess.run(["git", "-C", str(paths.ROOT), "show", f":{rel}"],
                                capture_output=True, check=False)
    except OSError:  # no git
        staged = None
    if staged is not None and staged.returncode == 0:
        return staged.stdout.decode("utf-8")
    return path.read_text(encoding="utf-8")


def dirty_cells(nb: dict) -> list[str]:
    """Cells that carry results: outputs, execution counts, inline-expression results."""
    dirty = []
    for i, cell in enumerate(nb["cells"], start=1):
        if cell.get("cell_type") == "code":
            if cell.get("outputs"):
                dirty.append(f"cell {i} (outputs)")
            elif cell.get("execution_count") is not None:
                dirty.append(f"cell {i} (execution_count)")
        if cell.get("metadata", {}).get("user_expressions"):
            dirty.append(f"cell {i} (user_expressions)")
    return dirty


def test_dirty_cells_sees_outputs_counts_and_inline_results():
    nb = {"cells": [
        {"cell_type": "code", "outputs": [{"output_type": "stream"}], "execution_count": 1, "metadata": {}},
        {"cell_type": "code", "outputs": [], "execution_count": 2, "metadata": {}},
        {"cell_type": "markdown", "metadata": {"user_expressions": [{"expression": "x"}]}},
        {"cell_type": "code", "outputs": [], "execution_count": None, "metadata": {}},
    ]}
    assert dirty_cells(nb) == ["cell 1 (outputs)", "cell 2 (execution_count)", "cell 3 (user_expressions)"]


@pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks in notebooks/ yet")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_has_no_outputs(path):
    dirty = dirty_cells(json.loads(committed_text(path)))
    assert not dirty, (f"{path.name}: the commit would carry outputs ({', '.join(dirty)}); run `make lab-env` "
                       "once so git strips them, or clear outputs and stage the notebook again")
