"""The journalism rules the build enforces on the notebooks themselves, before any kernel runs.

``desk build`` stops (``BuildInputError``, `check_jobs` and ``plan.select_notebooks``, naming notebook, cell and line) when:

* a notebook in ``notebooks/`` is not named ``NN-slug.ipynb`` (JupyterLab's "Duplicate" makes
  ``04-spring-transport-Copy1.ipynb``, which the build would otherwise skip without a word);
* a notebook types a number the page prints (`typed_figures`): every figure comes from the
  ledger. Code cells are parsed (numeric literals and digit runs in string literals); markdown
  cells are read as prose (digit runs) and their MyST inline expressions (``{eval}`expr```) as
  code. 0, 1, 2 and 100 are allowed: the stuff of indexing and percentages;
* a story that quotes the page (``story.quotes``) has no glosses file ``data/glosses/<stem>.csv``.

``tests/test_notebook_figures.py`` runs the same scan over the committed notebooks.
"""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path
from typing import Iterable, Iterator

from helpers.publish.plan import NOTEBOOK_RE, BuildInputError

ALLOWED = {0, 1, 2, 100}
DIGITS = re.compile(r"\d+(?:\.\d+)?")
from helpers.publish.inline import INLINE  # MyST {eval}`expr` (jupyterlab-myst's inline expression)
QUOTES_CALL = re.compile(r"\bquotes\s*\(")


def misnamed(notebooks: Path) -> list[str]:
    """One line per ``*.ipynb`` in `notebooks` whose name is not ``NN-slug.ipynb``."""
    return [f"{p}: a notebook in {notebooks.name}/ must be named NN-slug.ipynb (two digits, then lower-case "
            "words joined by hyphens); rename it, or move it out of the folder"
            for p in sorted(notebooks.glob("*.ipynb")) if not NOTEBOOK_RE.match(p.name)]


def page_numbers(figures_by_page: Iterable) -> set[float]:
    """Every number the pages' figures state: values, bounds and the digits as written.

    `figures_by_page`: ledger figure tables (``Ledger.figures``)."""
    found: set[float] = set()
    for figures in figures_by_page:
        for col in ("value", "low", "high"):
            found.update(float(v) for v in figures[col].dropna())
        for surface in figures["surface"]:
            found.update(float(run) for run in DIGITS.findall(surface))
    return {n for n in found if not math.isnan(n) and n not in ALLOWED}


def literals(code: str) -> Iterator[tuple[float, int]]:
    """(number, line) for numeric literals and digit runs in string literals of `code`."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        # IPython magics; scan the text itself.
        for lineno, line in enumerate(code.splitlines(), 1):
            for run in DIGITS.findall(line):
                yield float(run), lineno
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                yield float(node.value), node.lineno
            elif isinstance(node.value, str) and not _is_path(node.value):
                for run in DIGITS.findall(node.value):
                    yield float(run), node.lineno


def _is_path(text: str) -> bool:
    """An absolute file path (``/tmp/…/pytest-57/x.txt``): its digits name folders, not figures."""
    return text.startswith("/") and "/" in text[1:] and not any(c.isspace() for c in text)


def markdown_numbers(text: str) -> Iterator[tuple[float, int, str]]:
    """(number, line, where) for digit runs in prose and literals in inline expressions."""
    for lineno, line in enumerate(text.splitlines(), 1):
        for expr in INLINE.findall(line):
            for number, _ in literals(expr):
                yield number, lineno, f"inline expression {{eval}}`{expr}`"
        for run in DIGITS.findall(INLINE.sub(" ", line)):
            yield float(run), lineno, "prose"


def typed_figures(nb: dict, numbers: set[float]) -> list[str]:
    """``cell N (kind), line L: X`` for each number of the page typed into the notebook `nb`."""
    offences = []
    for index, cell in enumerate(nb.get("cells", []), 1):
        text = _source(cell)
        if cell.get("cell_type") == "code":
            found = ((n, line, "code") for n, line in literals(text))
        elif cell.get("cell_type") == "markdown":
            found = markdown_numbers(text)
        else:
            continue
        for number, lineno, where in found:
            if number in numbers:
                offences.append(f"cell {index} ({cell['cell_type']}{'' if where in ('code', 'prose') else ', ' + where}), "
                                f"line {lineno}: {number:g}")
    return offences


def missing_glosses(nb: dict, stem: str, glosses: Path) -> str | None:
    """Where a story quotes the page with the desk's glosses (no ``gloss=`` of its own) but has
    no ``<glosses>/<stem>.csv``, else None."""
    if (glosses / f"{stem}.csv").is_file():
        return None
    for index, cell in enumerate(nb.get("cells", []), 1):
        if cell.get("cell_type") != "code":
            continue
        for lineno in _quotes_calls(_source(cell)):
            return (f"cell {index}, line {lineno}: quotes the page but there is no "
                    f"{glosses.parent.name}/{glosses.name}/{stem}.csv; add the English gloss of each quoted "
                    "sentence there (columns page, article, sentence, gloss)")
    return None


def _quotes_calls(code: str) -> list[int]:
    """Lines of ``….quotes(…)`` calls that take their glosses from ``data/glosses/``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:  # IPython magics: read the lines
        return [n for n, line in enumerate(code.splitlines(), 1)
                if QUOTES_CALL.search(line) and "gloss=" not in line and not line.lstrip().startswith("#")]
    return sorted(node.lineno for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "quotes"
                  and not any(k.arg == "gloss" for k in node.keywords))


def check(notebooks: Iterable[tuple[Path, bool, set[float] | None]], glosses: Path) -> list[str]:
    """Every rule broken by these notebooks, one line each, naming notebook, cell and line.

    `notebooks`: (path, per_page, numbers) with the numbers of the pages the notebook is about
    (None: not checked)."""
    problems = []
    for path, per_page, numbers in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        if numbers is not None:
            for offence in typed_figures(nb, numbers):
                problems.append(f"{path}: {offence} is a number the page prints; take it from the ledger "
                                "(helpers.story.ledger) instead of typing it")
        if not per_page:
            missing = missing_glosses(nb, path.stem, glosses)
            if missing:
                problems.append(f"{path}: {missing}")
    return problems


def check_jobs(todo, lay, entries, read: dict | None = None) -> None:
    """Stop the build before any kernel starts when a notebook to run breaks a rule
    (`BuildInputError`, one line per problem, naming notebook, cell and line). A notebook is
    compared only with the pages its jobs are about, so the check does not grow with the archive.
    `read` (slug → (page, figures)) receives each page read, for the data step to reuse."""
    if not todo:
        return
    from helpers.publish.writing import read_page_figures

    by_slug = {e.slug: e for e in entries}
    read = {} if read is None else read
    cache: dict[str, set[float]] = {}

    def numbers_of(slug: str) -> set[float]:
        if slug not in cache:
            if slug not in read:
                read[slug] = read_page_figures(by_slug[slug])
            cache[slug] = page_numbers([read[slug][1]])
        return cache[slug]

    about: dict[tuple[Path, bool], set[str]] = {}
    for j in todo:
        about.setdefault((j.notebook, j.page is not None), set()).update(j.pages or ((j.page,) if j.page else ()))
    notebooks = [(path, per_page, set().union(*(numbers_of(s) for s in sorted(slugs) if s in by_slug)))
                 for (path, per_page), slugs in about.items()]
    problems = check(notebooks, lay.data / "glosses")
    if problems:
        raise BuildInputError("\n".join(problems))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src
