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

from helpers import paths
from helpers.page import manifest

NOTEBOOK = paths.NOTEBOOKS / "00-page-overview.ipynb"
FIXTURE = Path(__file__).parents[1] / "fixtures" / "page_new_spring_2025.txt"
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
        for article in manifest.load_page(entry.slug).articles:
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


# Pages any overview must survive: no pieces, one piece (a single number is not a chart), and
# headlines with an emoji (a glyph the chart font lacks) on a page that gets the chart.
EDGE_PAGES = {
    "test-empty-page": "\n\n",
    "test-one-piece": "\n\n测试新闻 一条消息\n\n本报讯(融媒体记者陈立)社工站开展义诊服务3次。\n",
    "test-emoji-headlines": "\n\n灯会开幕🏮 市民赏灯\n\n本报讯(融媒体记者陈立)台商区举办灯会,展出花灯300余盏。\n\n"
                            "新春快乐🎉 社工站送福\n\n本报讯(融媒体记者林晓)社工站送出春联50副。\n",
    # The second piece has no dateline, byline or credit: only its shape says where it starts.
    "test-layout-only": "\n\n灯会开幕 市民赏灯\n\n本报讯(融媒体记者陈立)台商区举办灯会,展出花灯300余盏。\n\n"
                        "社工站送福进万家\n\n社工站在春节前送出春联50副,受到居民欢迎。\n",
}


def _add_page(root: Path) -> None:
    """What a journalist does: put the page file in data/raw and add its manifest entry."""
    raw = root / "data" / "raw"
    shutil.copy2(FIXTURE, raw / FIXTURE.name)
    for slug, body in EDGE_PAGES.items():
        (raw / f"{slug}.txt").write_text(body, encoding="utf-8")
    doc = json.loads((raw / "manifest.json").read_text(encoding="utf-8"))
    for slug, name, what in [(NEW_SLUG, FIXTURE.name, "Two made-up pieces and a photo item, one with a wrong total."),
                             *((slug, f"{slug}.txt", f"An edge case for tests: {slug}.") for slug in EDGE_PAGES)]:
        doc["pages"].append({
            "slug": slug,
            "path": name,
            "sha256": hashlib.sha256((raw / name).read_bytes()).hexdigest(),
            "paper": "A made-up page for tests",
            "page_description": what,
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


def _report(built, slug):
    return (built / "reports" / f"00-page-overview--{slug}.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_prose_names_the_page_not_its_slug(built):
    html = _report(built, NEW_SLUG)
    assert "Two made-up pieces and a photo item" in html
    assert f"Page {NEW_SLUG}" not in html and f"page {NEW_SLUG}" not in html


@pytest.mark.slow
def test_a_page_with_no_pieces_says_so(built):
    html = _report(built, "test-empty-page")
    assert "This page has no pieces" in html and 'class="chart"' not in html


@pytest.mark.slow
def test_a_one_piece_page_gets_a_table_not_a_chart(built):
    html = _report(built, "test-one-piece")
    assert "1 piece," in html and "1 named person" in html and "1 named people" not in html
    assert 'class="chart"' not in html
    assert (built / "reports" / "data" / "00-page-overview--test-one-piece" / "figures-per-piece.csv").is_file()


@pytest.mark.slow
def test_emoji_headlines_do_not_break_the_chart(built):
    html = _report(built, "test-emoji-headlines")
    assert "灯会开幕🏮" in html      # the headline itself is kept in the tables
    assert 'id="chart-figures-per-piece"' in html  # and the chart is drawn with the emoji dropped from its labels


@pytest.mark.slow
def test_a_piece_split_by_layout_only_is_flagged(built):
    """A piece whose start no dateline, byline or credit marks is named for checking, not merged."""
    html = _report(built, "test-layout-only")
    assert "Split by layout only: check" in html and "社工站送福进万家" in html
    assert "Split by layout only" not in _report(built, NEW_SLUG)
