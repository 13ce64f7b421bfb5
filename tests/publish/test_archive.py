"""An archive of pages: per-page incremental builds, and the figure database behind `desk search`.

A small generated archive (``benchmarks/pagegen.py``: the real page reshuffled, with other
digits, townships and names) in a temp desk with light notebooks: adding, changing or
removing one page re-runs only what is about that page; the database follows page by page.
`benchmarks/archive.py` measures the same at 200 pages; this file does not grow with it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_desk, notebook, per_page_notebook, plain_notebook, write_notebook

from helpers import paths
from helpers.publish import build, figdb, plan, state

sys.path.insert(0, str(paths.ROOT / "benchmarks"))
import pagegen  # noqa: E402

pytestmark = pytest.mark.slow


def about(pages: list[str]):
    """A light story about `pages` (notebook metadata desk.pages)."""
    nb = plain_notebook()
    nb.metadata["desk"] = {"pages": pages}
    return nb


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """A desk of the real page, a copy, and 3 generated pages; a per-page notebook, a story about
    the first page and one about gen-0001; built once."""
    root = make_desk(tmp_path_factory.mktemp("archive"))
    pagegen.add_pages(root, 3)
    write_notebook(root / "notebooks" / "00-page-overview.ipynb", per_page_notebook())
    write_notebook(root / "notebooks" / "01-first.ipynb", plain_notebook())
    write_notebook(root / "notebooks" / "02-about-gen.ipynb", about(["gen-0001"]))
    result = build.build(root=root)
    assert result.ok, result.failures
    assert len(result.executed) == 5 + 2
    return root


def db_of(root: Path) -> Path:
    return root / "data" / "processed" / figdb.FILE_NAME


def test_generated_pages_differ_and_read_like_the_page(archive):
    from helpers.page import reading as source

    raw = archive / "data" / "raw"
    seed = source.read_page(raw / "000_106e376f0b9f6718.txt")
    for name in ("gen_0000.txt", "gen_0001.txt"):
        page = source.read_page(raw / name)
        assert len(page.articles) == len(seed.articles)
        assert page.text != seed.text
        assert sorted(a.headline for a in page.articles if "社工站" not in a.headline) == \
            sorted(a.headline for a in seed.articles if "社工站" not in a.headline)
    assert (raw / "gen_0000.txt").read_bytes() != (raw / "gen_0001.txt").read_bytes()
    assert pagegen.generate(seed.text, 7) == pagegen.generate(seed.text, 7), "deterministic"


def test_adding_a_page_runs_only_its_overview(archive, tmp_path):
    root = tmp_path / "desk"
    import shutil

    shutil.copytree(archive, root)
    before = state.load_state(root / "reports")
    views = sorted((root / "reports").glob("source-*.html"))
    stamps = {p.name: p.stat().st_mtime_ns for p in views}
    pagegen.add_pages(root, 1, start=3)
    result = build.build(root=root)
    assert result.ok, result.failures
    assert result.executed == ["00-page-overview--gen-0003.html"]
    after = state.load_state(root / "reports")
    assert after["index"] != before["index"], "the index lists the new page"
    # Only the index and the new page's source view were written, not every page's view ...
    changed = sorted(k for k, v in after["index"]["sha256"].items() if before["index"]["sha256"].get(k) != v)
    assert changed == ["index.html", "source-gen-0003.html"]
    assert {p.name: p.stat().st_mtime_ns for p in views} == stamps
    # ... and every view is what a full build writes.
    full = tmp_path / "full"
    assert build.build(root=root, out=full, force=True).ok
    for view in sorted((root / "reports").glob("source-*.html")):
        assert view.read_bytes() == (full / view.name).read_bytes(), view.name
    assert "00-page-overview--gen-0003.html" in (root / "reports" / "index.html").read_text(encoding="utf-8")
    ledger = root / "reports" / "data" / "figures-gen-0003.csv"
    assert ledger.stat().st_size > 0
    # Only the new page's data files changed; the others' were not rewritten.
    changed = sorted(k for k, v in after["data"]["sha256"].items() if before["data"]["sha256"].get(k) != v)
    assert changed == ["data/figures-gen-0003.csv", "processed/articles-gen-0003.csv",
                       "processed/articles.csv", "processed/figures.csv"]
    assert figdb.recorded(db_of(root)) == after["data"]["pages"]

    # Changing one page's manifest entry re-runs its overview and the story about it, nothing else.
    mpath = root / "data" / "raw" / "manifest.json"
    doc = json.loads(mpath.read_text(encoding="utf-8"))
    next(p for p in doc["pages"] if p["slug"] == "gen-0001")["page_description"] = "Re-described."
    mpath.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    result = build.build(root=root)
    assert sorted(result.executed) == ["00-page-overview--gen-0001.html", "02-about-gen.html"]
    with sqlite3.connect(db_of(root)) as conn:
        assert conn.execute("SELECT description FROM pages WHERE slug = 'gen-0001'").fetchone() == ("Re-described.",)

    # Removing a page runs nothing, and takes its report, ledger and rows away.
    pagegen.remove_page(root, "gen-0002")
    result = build.build(root=root)
    assert result.ok and result.executed == []
    assert not (root / "reports" / "00-page-overview--gen-0002.html").exists()
    assert not (root / "reports" / "data" / "figures-gen-0002.csv").exists()
    with sqlite3.connect(db_of(root)) as conn:
        assert conn.execute("SELECT count(*) FROM figures WHERE page = 'gen-0002'").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM figures WHERE page = 'gen-0003'").fetchone()[0] > 0
    assert "gen-0002" not in (root / "reports" / "index.html").read_text(encoding="utf-8")


def test_story_keys_cover_only_their_pages(archive):
    lay = plan.Layout.make(archive)
    from helpers.page import manifest

    entries = manifest.verify_all(lay.manifest)
    keys = plan.page_digests(entries)
    common = plan.inputs_digest(lay)
    notebooks = plan.select_notebooks(lay, [])
    jobs = {j.report: j for j in plan.plan(notebooks, list(keys), common, keys)}
    other = dict(keys, **{"gen-0002": "changed"})
    moved = {j.report: j for j in plan.plan(notebooks, list(keys), common, other)}
    assert [r for r in jobs if jobs[r].key != moved[r].key] == ["00-page-overview--gen-0002.html"]
    assert jobs["02-about-gen.html"].pages == ("gen-0001",)
    assert jobs["01-first.html"].pages == ("tsq-2024-spring",)


def test_a_deleted_database_is_rebuilt(archive, tmp_path):
    import shutil

    root = tmp_path / "desk"
    shutil.copytree(archive, root)
    saved = state.load_state(root / "reports")
    db_of(root).unlink()
    result = build.build(root=root)
    assert result.ok and result.executed == []
    assert figdb.recorded(db_of(root)) == saved["data"]["pages"]


# ---------------------------------------------------------------- desk search

def search(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DESK_ROOT=str(root), PYTHONHASHSEED="0")
    return subprocess.run([sys.executable, "-m", "helpers", "search", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_search_finds_money_about_investment(archive):
    proc = search(archive, "投资", "--unit", "元", "--format", "json", "--limit", "0")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert {r["unit"] for r in rows} == {"元"}
    assert all("投资" in r["sentence"] or "投资" in (r["headline"] or "") for r in rows)
    # The ledgers agree: every 元 figure whose sentence says 投资, on every page.
    import csv

    expected = set()
    for ledger in (archive / "reports" / "data").glob("figures-*.csv"):
        for r in csv.DictReader(ledger.open(encoding="utf-8")):
            if r["unit"] == "元" and "投资" in r["sentence"]:
                expected.add((r["page"], r["id"]))
    assert expected and expected <= {(r["page"], r["id"]) for r in rows}
    pages = [r["page"] for r in rows]
    assert pages.index("gen-0002") < pages.index("gen-0000"), "newest edition first"


def test_search_filters_and_formats(archive):
    proc = search(archive, "台商区", "--projected", "--since", "2024-01-02", "--format", "csv", "--limit", "0")
    assert proc.returncode == 0, proc.stderr
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert rows and all(r["projected"] == "True" for r in rows)
    assert {r["page"] for r in rows} <= {"gen-0001", "gen-0002", "tsq-2024-spring", "second-page"}
    assert "gen-0000" not in {r["page"] for r in rows}, "dated 2024-01-01, before --since"
    one = search(archive, "", "--page", "gen-0001", "--kind", "amount", "--format", "json", "--limit", "0")
    got = json.loads(one.stdout)
    assert got and {(r["page"], r["kind"]) for r in got} == {("gen-0001", "amount")}
    table = search(archive, "泉州东站", "--limit", "2")
    assert table.returncode == 0 and table.stdout.splitlines()[0].split()[:3] == ["edition", "page", "piece"]
    assert len(table.stdout.splitlines()) == 3 and "(showing 2" in table.stderr
    bad = search(archive, "投资", "--since", "January")
    assert bad.returncode == 2 and "ISO date" in bad.stderr and "Traceback" not in bad.stderr


def test_query_is_segmented_like_the_index_without_jieba(archive):
    with sqlite3.connect(db_of(archive)) as conn:
        assert figdb.query_terms(conn, "台商区投资") == ["台商区", "投资"]
        assert figdb.query_terms(conn, "泉州东站") == ["泉州东站"]
        whole = conn.execute("SELECT count(*) FROM figures_fts WHERE figures_fts MATCH '\"台商区\"'").fetchone()[0]
        assert whole > 0
    code = ("import sys; from helpers.publish import cli; cli.main(['search', '台商区', '--limit', '1']); "
            "print(sorted(m for m in ('jieba', 'pandas', 'numpy') if m in sys.modules), file=sys.stderr)")
    env = dict(os.environ, DESK_ROOT=str(archive))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().endswith("[]"), proc.stderr


def test_search_without_a_database_is_a_clear_error(tmp_path):
    root = make_desk(tmp_path)
    proc = search(root, "投资")
    assert proc.returncode == 2 and "run `desk build`" in proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------- the index's filters (Chromium)

@pytest.mark.browser
def test_index_filters_by_text_date_and_paper(archive):
    from playwright.sync_api import sync_playwright

    executable = "/usr/bin/chromium"
    if not os.access(executable, os.X_OK):
        if os.environ.get("CI") == "true":
            pytest.fail("no Chromium at /usr/bin/chromium; CI must run the browser tests")
        pytest.skip("no Chromium at /usr/bin/chromium")
    ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    PHONE = {"width": 375, "height": 740}
    index = (archive / "reports" / "index.html").as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page(viewport=PHONE)
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(index, wait_until="load")

            def visible() -> list[str]:
                return page.eval_on_selector_all(
                    ".catalogue-item:not([hidden]) h3 a", "els => els.map(e => e.getAttribute('href'))")

            everything = visible()
            assert everything[:2] == ["01-first.html", "02-about-gen.html"], "stories first"
            assert len(everything) == 2 + 5 and page.is_visible("#filter-text"), "the script ran (CSP hash)"
            page.fill("#filter-from", "2024-01-02")
            page.fill("#filter-to", "2024-01-02")
            assert sorted(visible()) == ["00-page-overview--gen-0001.html", "02-about-gen.html"]
            page.fill("#filter-from", "")
            page.fill("#filter-to", "")
            evening = page.eval_on_selector_all(
                "#filter-paper option", "os => os.filter(o => o.textContent.includes('泉州晚报')).map(o => o.value)")
            page.select_option("#filter-paper", evening[0])
            assert sorted(visible()) == ["00-page-overview--gen-0001.html", "02-about-gen.html"]
            page.select_option("#filter-paper", "")
            page.fill("#filter-text", "between 28 JANUARY")
            shown = visible()
            assert sorted(shown) == ["00-page-overview--second-page.html", "00-page-overview.html"], \
                "the page line of the first page's overviews (a story shows no page line)"
            page.fill("#filter-text", "no such words anywhere")
            assert visible() == [] and "0 of 7" in page.inner_text("#filter-count")
            assert errors == []
        finally:
            browser.close()


# ---------------------------------------------------------------- make explore (Datasette's metadata)

def test_explore_metadata_describes_the_database_and_its_queries_run(archive):
    """explore/metadata.json names real tables and columns, and each canned query runs (the
    standard library's SQLite, as Datasette would run it) and finds rows in the archive."""
    meta = json.loads((paths.ROOT / "explore" / "metadata.json").read_text(encoding="utf-8"))
    db = meta["databases"]["desk"]
    with sqlite3.connect(db_of(archive)) as conn:
        for table, spec in db["tables"].items():
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            assert columns, f"no table {table}"
            if "columns" in spec:
                assert set(spec["columns"]) == set(columns) - ({"rowid"} if table == "figures" else set()), table
        params = {"since": "", "township": "张坂镇"}
        for name, query in db["queries"].items():
            rows = conn.execute(query["sql"], params).fetchall()
            assert rows, f"canned query {name} found nothing"
        money = conn.execute(db["queries"]["money_by_piece"]["sql"]).fetchall()
        assert all("元" in r[-1] for r in money)
        towns = dict(conn.execute("SELECT township, count(*) FROM townships GROUP BY township"))
        assert set(towns) <= {"洛阳镇", "东园镇", "张坂镇", "百崎回族乡"} and len(towns) >= 2


VIEWS_IN_THREADS = r"""
import sys, threading
from pathlib import Path

from helpers.page import manifest
from helpers.publish import plan, state

seen = []


class Watch:  # records a first import made outside the main thread; finds nothing itself
    def find_spec(self, name, path=None, target=None):
        if threading.current_thread() is not threading.main_thread():
            seen.append(name)
        return None


lay = plan.Layout.make(Path(sys.argv[1]), out=Path(sys.argv[2]), cache=Path(sys.argv[3]))
entries = manifest.verify_all(lay.manifest)
st = state.load_state(Path(sys.argv[1]) / "reports")
sys.meta_path.insert(0, Watch())
state.write_index(st, lay, entries, plan.inputs_digest(lay), True, lambda m: None, staging=Path(sys.argv[4]))
print(sorted(set(seen)))
"""


def test_source_views_render_in_threads_without_first_imports_there(archive, tmp_path):
    """Views render in threads; what they import is imported before (a first import from two
    threads at once can deadlock: see test_build_imports)."""
    import shutil

    out = tmp_path / "out"
    shutil.copytree(archive / "reports", out)
    done = subprocess.run([sys.executable, "-c", VIEWS_IN_THREADS, str(archive), str(out), str(tmp_path / "cache"),
                           str(tmp_path / "staging")], capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, DESK_ROOT=str(archive)))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert len(list((tmp_path / "staging").glob("source-*.html"))) == 5


def test_a_views_font_cut_while_notebooks_run_serves_the_final_view(tmp_path, monkeypatch):
    """`prefetch_view_fonts` cuts a new page's source-view font early; the view rendered at the
    end, with the back-links the committed reports make to it (stories and the overview), then
    finds that font in the cache."""
    from helpers.figures import ledger
    from helpers.page import manifest
    from helpers.publish import fonts, writing

    lay = plan.Layout.make(cache=tmp_path / "cache")  # the desk itself, read only
    entries = manifest.verify_all(lay.manifest)
    wanted, linked, _ = writing.source_links(state.load_state(lay.out), lay, entries)
    e = entries[0]
    assert len({h.split("#")[0] for refs in wanted[e.slug].values() for h, _ in refs}) >= 3, "stories link to it"
    cuts = []
    real = fonts._subset
    monkeypatch.setattr(fonts, "_subset", lambda *a, **k: cuts.append(1) or real(*a, **k))
    figures = ledger.page_figures(writing._read_page(e))
    writing.prefetch_view_fonts(lay, [e], {e.slug: figures}, None)
    assert len(cuts) == 1, "the early cut happened"
    view = writing.source_view(e, lay, state.page_info(e), wanted[e.slug], linked[e.slug], None, figures=figures)
    assert len(cuts) == 1, "the final view needed another cut"
    assert view == (lay.out / f"source-{e.slug}.html").read_bytes(), "the view as the build published it"
    # an interrupted build stops cutting at the next page
    import threading

    stopped = threading.Event()
    stopped.set()
    writing.prefetch_view_fonts(plan.Layout.make(cache=tmp_path / "other"), [e], {e.slug: figures}, None, stop=stopped)
    assert len(cuts) == 1


def test_a_build_extracts_each_page_once(archive, tmp_path, monkeypatch):
    """The guard, the data step and the source views share each page's figures: a build from
    nothing splits and extracts every page once, and a forced rebuild of it no more than that."""
    import shutil
    from collections import Counter

    from helpers.figures import ledger

    root = tmp_path / "desk"
    shutil.copytree(archive, root, ignore=shutil.ignore_patterns("reports", "processed"))
    calls = Counter()
    real = ledger.page_figures
    monkeypatch.setattr(ledger, "page_figures", lambda page, *a, **k: calls.update([page.slug]) or real(page, *a, **k))
    assert build.build(root=root).ok
    pages = [p["slug"] for p in json.loads((root / "data" / "raw" / "manifest.json").read_text())["pages"]]
    assert calls == Counter(pages), calls
    calls.clear()
    assert build.build(root=root, force=True).ok
    assert set(calls.values()) <= {1}, calls
