"""Committed notebooks carry no outputs: reports are the only place results live.

Outputs in a notebook would be stale copies of the report (and noise in every diff).
"""

from __future__ import annotations

import json

import pytest

from helpers import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("*.ipynb"))


@pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks in notebooks/ yet")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_has_no_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        f"cell {i} ({'outputs' if cell.get('outputs') else 'execution_count'})"
        for i, cell in enumerate(nb["cells"], start=1)
        if cell.get("cell_type") == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, f"{path.name}: clear outputs before committing: {', '.join(dirty)}"
