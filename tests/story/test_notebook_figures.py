"""No figure from the source is typed into a notebook: every number comes from the ledger.

The scan is ``helpers.publish.guard`` (which ``desk build`` also runs before any notebook executes):
code cells parsed with ``ast`` (numeric literals, digit runs in string literals), markdown
cells read as prose (digit runs) and their MyST inline expressions (``{eval}`expr```) as
code. It fails when one of them is a number the page prints (a figure's value, its bounds,
or the number as written in its surface). Structural constants that the page also happens
to contain (0, 1, 2, 100) are allowed; they are the stuff of indexing and percentages, never
a lookup's answer.

A notebook is compared only with the pages it is about (`notebook_pages`, as the build plans
it): a story with the pages its metadata ``desk.pages`` names, or the first manifest page; a
per-page notebook (which must hold nothing of any one page, tests/story/test_overview.py) with
the first page. So the check does not grow, or start failing by chance, as the archive grows.
"""

from __future__ import annotations

import json

import pytest

from helpers import paths
from helpers.figures import ledger
from helpers.page import manifest
from helpers.publish import guard

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def source_numbers(pages: tuple[str, ...]) -> set[float]:
    """Every number these manifest pages state."""
    return guard.page_numbers(ledger.load(slug).figures for slug in pages)


def notebook_pages(path) -> tuple[str, ...]:
    """The manifest pages a notebook is about, as the build plans it."""
    from helpers.publish import plan

    slugs = [e.slug for e in manifest.load()]
    desk = plan._desk_metadata(path.read_bytes(), path)
    if desk.get("per_page"):
        return tuple(slugs[:1])
    return plan._story_pages(desk, slugs, path)


def test_notebook_pages_follow_the_metadata(tmp_path):
    slugs = [e.slug for e in manifest.load()]
    nb = tmp_path / "05-x.ipynb"
    for desk, expected in [({}, slugs[:1]), ({"per_page": True}, slugs[:1]), ({"pages": slugs[-1:]}, slugs[-1:])]:
        nb.write_text(json.dumps({"cells": [], "metadata": {"desk": desk}}), encoding="utf-8")
        assert notebook_pages(nb) == tuple(expected)


def test_literal_scanner_finds_numbers_in_code_and_strings():
    code = 'x = 16.5\nL.get(near="投资3000个")\ny = f"{x:.0f}"\n'
    assert {n for n, _ in guard.literals(code)} >= {16.5, 3000.0}


def test_an_absolute_path_is_not_a_figure():
    code = 'p = "/tmp/pytest-57/page.txt"\nq = "57 pairs"\n'
    assert [(n, line) for n, line in guard.literals(code)] == [(57.0, 2)]


def test_markdown_scan_reads_prose_and_inline_expressions():
    text = "Jobs: {eval}`jobs.en()`.\nAbout 900 pairs, {eval}`L.get(near=\"3000\")`, and {eval}`x * 16.5`"
    found = {(n, line, where.split(" ")[0]) for n, line, where in guard.markdown_numbers(text)}
    assert found == {(900.0, 2, "prose"), (3000.0, 2, "inline"), (16.5, 2, "inline")}


def test_typed_figures_names_cell_kind_and_line():
    nb = {"cells": [{"cell_type": "markdown", "source": ["## Head\n", "About {eval}`3000 / x` jobs"]},
                    {"cell_type": "code", "source": "y = 1\nz = 16.5"},
                    {"cell_type": "raw", "source": "3000"}]}
    assert guard.typed_figures(nb, {3000.0, 16.5}) == [
        "cell 1 (markdown, inline expression {eval}`3000 / x`), line 2: 3000",
        "cell 2 (code), line 2: 16.5"]


@pytest.mark.skipif(not NOTEBOOKS, reason="no story notebooks yet")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_source_figure_typed_in_notebook(path):
    offences = guard.typed_figures(json.loads(path.read_text(encoding="utf-8")), source_numbers(notebook_pages(path)))
    assert not offences, (
        f"{path.name} types numbers that the source page prints; take them from the ledger "
        f"(helpers.story.ledger) instead: " + "; ".join(offences)
    )
