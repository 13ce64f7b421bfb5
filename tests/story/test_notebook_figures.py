"""No figure from the source is typed into a notebook: every number comes from the ledger.

Scans the code cells of every notebook (parsed with ``ast``) for numeric literals and for
digit runs inside string literals, and the markdown cells for digit runs, and fails when one of them is a number the page prints
(a figure's value, its bounds, or the number as written in its surface). Structural
constants that the page also happens to contain (0, 1, 2, 100) are allowed in code; they
are the stuff of indexing and percentages, never a lookup's answer.

A notebook is compared only with the pages it is about (`notebook_pages`): a story with the
pages its metadata ``desk.pages`` names, or the first manifest page; a per-page notebook
(which must hold nothing of any one page, tests/test_overview.py) with the first page. So the
check does not grow, or start failing by chance, as the archive grows.
"""

from __future__ import annotations

import ast
import json
import math
import re

import pytest

from helpers import paths
from helpers.figures import ledger

ALLOWED = {0, 1, 2, 100}
DIGITS = re.compile(r"\d+(?:\.\d+)?")

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def source_numbers(pages: tuple[str, ...] | None = None) -> set[float]:
    """Every number the pages' figures state (all manifest pages when `pages` is None):
    values, bounds and the digits as written."""
    found: set[float] = set()
    for page in (_pages() if pages is None else pages):
        figures = ledger.load(page).figures
        for col in ("value", "low", "high"):
            for v in figures[col].dropna():
                found.add(float(v))
        for surface in figures["surface"]:
            for run in DIGITS.findall(surface):
                found.add(float(run))
    return {n for n in found if not math.isnan(n) and n not in ALLOWED}


def _pages() -> list[str]:
    from helpers.page import manifest

    return [e.slug for e in manifest.load()]


def notebook_pages(path) -> tuple[str, ...]:
    """The manifest pages a notebook is about, as the build plans it."""
    from helpers.publish import plan

    slugs = _pages()
    desk = plan._desk_metadata(path.read_bytes(), path)
    if desk.get("per_page"):
        return tuple(slugs[:1])
    return plan._story_pages(desk, slugs, path)


def test_notebook_pages_follow_the_metadata(tmp_path):
    slugs = _pages()
    nb = tmp_path / "05-x.ipynb"
    for desk, expected in [({}, slugs[:1]), ({"per_page": True}, slugs[:1]), ({"pages": slugs[-1:]}, slugs[-1:])]:
        nb.write_text(json.dumps({"cells": [], "metadata": {"desk": desk}}), encoding="utf-8")
        assert notebook_pages(nb) == tuple(expected)


def literals(code: str):
    """Yield (number, line) for numeric literals and digit runs in string literals."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        # IPython magics; fall back to scanning the text itself.
        for lineno, line in enumerate(code.splitlines(), 1):
            for run in DIGITS.findall(line):
                yield float(run), lineno
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                yield float(node.value), node.lineno
            elif isinstance(node.value, str):
                for run in DIGITS.findall(node.value):
                    yield float(run), node.lineno


def test_literal_scanner_finds_numbers_in_code_and_strings():
    code = 'x = 16.5\nL.get(near="投资3000个")\ny = f"{x:.0f}"\n'
    assert {n for n, _ in literals(code)} >= {16.5, 3000.0}


@pytest.mark.skipif(not NOTEBOOKS, reason="no story notebooks yet")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_source_figure_typed_in_notebook(path):
    numbers = source_numbers(notebook_pages(path))
    nb = json.loads(path.read_text(encoding="utf-8"))
    offences = []
    for index, cell in enumerate(nb["cells"], 1):
        text = "".join(cell["source"])
        if cell["cell_type"] == "code":
            found = literals(text)
        elif cell["cell_type"] == "markdown":
            found = ((float(run), n) for n, line in enumerate(text.splitlines(), 1) for run in DIGITS.findall(line))
        else:
            continue
        for number, lineno in found:
            if number in numbers:
                offences.append(f"cell {index} ({cell['cell_type']}), line {lineno}: {number:g}")
    assert not offences, (
        f"{path.name} types numbers that the source page prints; take them from the ledger "
        f"(helpers.ledger) instead: " + "; ".join(offences)
    )
