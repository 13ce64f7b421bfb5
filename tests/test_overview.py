"""The page overview works for any page, and a new page needs a file, not code.

The slow test copies the project into a temp dir, drops in a made-up second page with its
manifest entry, runs the build there (DESK_ROOT points the desk at the copy) and checks the
new page's ledger, its overview report and its place in the index.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import manifest, paths, source

NOTEBOOK = paths.NOTEBOOKS / "00-page-overview.ipynb"
FIXTURE = Path(__file__).parent / "fixtures" / "page_new_spring_2025.txt"
NEW_SLUG = "test-new-page-2025"


def test_notebook_is_parameterised_per_page():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["metadata"]["desk"]["per_page"] is True
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    first = code[0]
    assert "parameters" in first["metadata"].get("tags", [])
    assert "".join(first["source"]).strip().endswith("PAGE = None")


def test_notebook_holds_no_page_specific_text():
    """No slug, file name, headline or byline of any manifest page is typed into it."""
    text = NOTEBOOK.read_text(encoding="utf-8")
    for entry in manifest.load():
        assert entry.slug not in text and entry.path.name not in text
        for article in source.load_page(entry.slug).articles:
            for words in (article.headline, article.byline, *article.reporters, *article.photographers):
                assert not words or words not in text, words


def _copy_project(dst: Path) -> None:
    for name in ("src", "data", "pyproject.toml", "requirements.lock"):
        src = paths.ROOT / name
        if src.is_dir():
            shutil.copytree(src, dst / name, ignore=shutil.ignore_patterns("__pycache__", "processed"))
        elif src.exists():
            shutil.copy2(src, dst / name)
    (dst / "notebooks").mkdir()
    shutil.copy2(NOTEBOOK, dst / "notebooks" / NOTEBOOK.name)


def _add_page(root: Path) -> None:
    """What a journalist does: put the page file in data/raw and add its manifest entry."""
    raw = root / "data" / "raw"
    shutil.copy2(FIXTURE, raw / FIXTURE.name)
    doc = json.loads((raw / "manifest.json").read_text(encoding="utf-8"))
    doc["pages"].append({
        "slug": NEW_SLUG,
        "path": FIXTURE.name,
        "sha256": hashlib.sha256((raw / FIXTURE.name).read_bytes()).hexdigest(),
        "paper": "A made-up page for tests",
        "page_description": "Two made-up pieces and a photo item, one with a wrong total.",
        "how_obtained": "Written for the test suite (tests/fixtures).",
    })
    (raw / "manifest.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("desk")
    _copy_project(root)
    _add_page(root)
    env = {**os.environ, "DESK_ROOT": str(root), "PYTHONHASHSEED": "0"}
    run = subprocess.run([sys.executable, "-m", "helpers", "build", "--jobs", "2"], cwd=root, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    return root


@pytest.mark.slow
def test_new_page_gets_its_ledger(built):
    figures = pd.read_csv(built / "data" / "processed" / "figures.csv")
    assert NEW_SLUG in set(figures["page"])
    page_ledger = built / "reports" / "data" / f"figures-{NEW_SLUG}.csv"
    assert page_ledger.is_file()
    assert len(pd.read_csv(page_ledger)) == int((figures["page"] == NEW_SLUG).sum()) > 0


@pytest.mark.slow
def test_new_page_gets_its_overview_report(built):
    report = built / "reports" / f"00-page-overview--{NEW_SLUG}.html"
    assert report.is_file()
    html = report.read_text(encoding="utf-8")
    headline = FIXTURE.read_text(encoding="utf-8").strip().splitlines()[0]
    assert headline in html
    assert "no gloss yet" in html          # nobody has glossed the new page
    assert "fails" in html                 # its wrong total is caught
    checks_csv = pd.read_csv(built / "reports" / "data" / f"00-page-overview--{NEW_SLUG}" / "checks.csv")
    assert "fails" in set(checks_csv["verdict"])
    assert (built / "reports" / "00-page-overview.html").is_file()  # the first page keeps its report


@pytest.mark.slow
def test_index_lists_the_new_page(built):
    index = (built / "reports" / "index.html").read_text(encoding="utf-8")
    assert f'href="00-page-overview--{NEW_SLUG}.html"' in index
    assert 'href="00-page-overview.html"' in index
