"""The build: notebooks in a tmp desk → self-contained reader pages, incremental and atomic."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from conftest import notebook, per_page_notebook, plain_notebook, story_notebook, write_notebook
from fontTools.ttLib import TTFont

from helpers import files
from helpers.errors import DeskError
from helpers.page.manifest import ManifestError
from helpers.publish import build, execute, fonts, plan, render, state
from helpers.publish import index as catalogue

pytestmark = pytest.mark.slow
PYTHON = sys.executable
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text outside <style>."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._skip = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._skip = tag in ("style", "title")

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def parse(path: Path) -> _Tags:
    p = _Tags()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def mark_free(markup: str) -> str:
    """`markup` without the ``<span lang="zh-Hans">`` the build puts around runs of Chinese."""
    return re.sub(r'<span lang="zh-Hans">(.*?)</span>', r"\1", markup)


def report_pages(out: Path) -> list[Path]:
    """The reports and the index (not the source views, which show a whole page's text)."""
    return sorted(p for p in out.glob("*.html") if not p.name.startswith("source-"))


def test_source_views_written_for_every_page(built_desk):
    out = built_desk / "reports"
    assert {p.name for p in out.glob("source-*.html")} == {"source-tsq-2024-spring.html",
                                                           "source-second-page.html"}
    view = (out / "source-second-page.html").read_text(encoding="utf-8")
    assert 'id="piece-a01"' in view and re.search(r'<mark class="source-fig" id="fig-a01-f01">', view)
    assert "Content-Security-Policy" in view and "<script" not in view

def run_cli(*args: str, root: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, DESK_ROOT=str(root))
    return subprocess.run([PYTHON, "-m", "helpers", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


# ---------------------------------------------------------------- what the reader sees

def test_reports_and_index_written(built_desk):
    out = built_desk / "reports"
    names = {p.name for p in report_pages(out)}
    assert names == {"index.html", "01-story.html", "02-plain.html", "00-page-overview.html",
                     "00-page-overview--second-page.html"}


def test_no_code_prompts_or_stray_outputs(built_desk):
    own = f"<script>{catalogue.index_script()}</script>"  # the index's filter, allowed by its CSP hash
    for page in report_pages(built_desk / "reports"):
        text = page.read_text(encoding="utf-8")
        if page.name == "index.html":
            assert text.count(own) == 1
            text = text.replace(own, "")
        for stray in ("STRAY-", "import matplotlib", "display(", "compute the ratio", "x = 1",
                      "In&nbsp;[", "In [", "Out[", "Traceback", "<pre", "jp-", "<script"):
            assert stray not in text, f"{page.name} shows {stray!r}"


def test_no_external_resources(built_desk):
    for page in report_pages(built_desk / "reports"):
        for tag, attrs in parse(page).tags:
            for name in ("src", "srcset", "poster", "data"):
                if name in attrs:
                    assert attrs[name].startswith("data:"), f"{page.name}: <{tag} {name}={attrs[name][:60]}>"
            if tag == "link" and attrs.get("rel") == "icon":
                assert attrs["href"].startswith("data:image/svg+xml,"), f"{page.name}: favicon not inline"
            elif "href" in attrs and tag != "a":
                pytest.fail(f"{page.name}: <{tag} href={attrs['href']}>")
            if tag == "a" and attrs.get("href", "").startswith(("http:", "https:", "//")):
                # only the plain link the journalist wrote in markdown
                assert page.name == "01-story.html" and attrs["href"] == "https://example.com/page"
        css = "".join(re.findall(r"<style>(.*?)</style>", page.read_text(encoding="utf-8"), re.S))
        assert "@import" not in css
        assert all(u.startswith("data:") for u in re.findall(r"url\(([^)]*)\)", css))


def test_readable_on_a_phone(built_desk):
    page = built_desk / "reports" / "01-story.html"
    text = page.read_text(encoding="utf-8")
    tags = parse(page).tags
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in tags
    assert re.search(r"\.report[^{]*\{[^}]*max-width:42rem", text)
    assert re.search(r"img[^{]*\{[^}]*max-width:100%", text)
    assert re.search(r"\.desk-table \{[^}]*overflow-x: auto", text)
    # one scroll box, no tab stop of its own (tables fit: cells wrap, wide ones stack)
    assert re.search(r'<div class="desk-table"><table><caption class="desk-caption">Jobs by town</caption>', text)
    assert "tabindex" not in text and "table-scroll" not in text


def test_embedded_font_covers_the_page_chinese(built_desk):
    for page in report_pages(built_desk / "reports"):
        html_text = page.read_text(encoding="utf-8")
        m = re.search(r'@font-face\{font-family:"Desk Sans SC";[^}]*url\(data:font/woff2;base64,([^)]+)\)', html_text)
        assert m, f"{page.name}: no embedded font"
        font = TTFont(io.BytesIO(base64.b64decode(m.group(1))))
        assert font.flavor == "woff2"
        cmap = font.getBestCmap()
        shown = set(CJK.findall("".join(parse(page).text)))
        assert shown, f"{page.name}: fixture should show Chinese"
        missing = sorted(c for c in shown if ord(c) not in cmap)
        assert not missing, f"{page.name}: font subset lacks {missing}"
        assert len(cmap) < 600, "a subset, not the whole font"
        stack = re.search(r"--desk-font:([^}]*)\}", html_text).group(1)
        assert stack.startswith('"Desk Sans SC"'), "embedded font must come first"


def test_font_subsets_are_deterministic(tmp_path):
    text = "张坂镇 Zhangban town 2,100"
    a = fonts.subset_woff2(text, cache_dir=tmp_path / "a")
    b = fonts.subset_woff2(text, cache_dir=tmp_path / "b")
    assert a == b
    assert list((tmp_path / "a" / "fonts").glob("*.woff2"))


def test_chart_is_a_figure_with_alt_title_and_csv(built_desk):
    out = built_desk / "reports"
    text = (out / "01-story.html").read_text(encoding="utf-8")
    fig = re.search(r'<figure class="chart" id="chart-jobs-by-town">(.*?)</figure>', text, re.S).group(1)
    assert "Most of the jobs are in 张坂镇" in mark_free(fig)
    img = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', fig)
    assert img.group(2) == "Bar chart: 张坂镇 has the most jobs, 2,100."
    svg = base64.b64decode(img.group(1)).decode("utf-8")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and "<metadata>" not in svg
    assert 'href="data/01-story/jobs-by-town.csv">Data behind the chart “Most of the jobs are in 张坂镇” (CSV)</a>' in mark_free(fig)
    assert (out / "data/01-story/jobs-by-town.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
    rows = list(csv.reader((out / "data/01-story/jobs-by-town.csv").open(encoding="utf-8-sig")))
    assert rows == [["town", "jobs"], ["张坂镇", "2100"], ["东园镇", "1200"], ["洛阳镇", "800"]]


def test_table_scrolls_and_links_its_csv(built_desk):
    out = built_desk / "reports"
    text = (out / "01-story.html").read_text(encoding="utf-8")
    assert 'href="data/01-story/towns.csv">Data behind the table “Jobs by town” (CSV)</a>' in text
    assert (out / "data/01-story/towns.csv").read_text(encoding="utf-8") == "\ufefftown,jobs\n张坂镇,2100\n东园镇,1200\n"


def test_headline_metadata_titles_the_page_and_the_index(built_desk):
    out = built_desk / "reports"
    assert "<title>园区 brings 2,100 jobs</title>" in (out / "01-story.html").read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="01-story.html"><span lang="zh-Hans">园区</span> brings 2,100 jobs</a>' in index
    assert 'At least 2,100 jobs, <span lang="zh-Hans">智慧港</span> says.' in index and "2,100+ jobs" in index
    # fallback: the notebook's first markdown heading
    assert '<a href="02-plain.html">Second story <span lang="zh-Hans">第二</span></a>' in index
    hrefs = re.findall(r'<a href="([^"]+)">', index)
    # Stories first, then the page overviews (newest edition first; these two share a date), then
    # each page's source view.
    assert hrefs == ["01-story.html", "02-plain.html", "00-page-overview.html", "00-page-overview--second-page.html",
                     "source-tsq-2024-spring.html", "source-second-page.html"]


def test_per_page_notebook_runs_once_per_page(built_desk):
    out = built_desk / "reports"
    first = (out / "00-page-overview.html").read_text(encoding="utf-8")
    second = (out / "00-page-overview--second-page.html").read_text(encoding="utf-8")
    assert "Page tsq-2024-spring in 00-page-overview<" in first
    assert "Page second-page in 00-page-overview--second-page<" in second


def test_processed_data_and_ledgers_written_and_linked(built_desk):
    out = built_desk / "reports"
    processed = built_desk / "data" / "processed"
    figures = list(csv.DictReader((processed / "figures.csv").open(encoding="utf-8")))
    assert {r["page"] for r in figures} == {"tsq-2024-spring", "second-page"}
    assert (processed / "articles.csv").stat().st_size > 0
    for slug in ("tsq-2024-spring", "second-page"):
        ledger = list(csv.DictReader((out / f"data/figures-{slug}.csv").open(encoding="utf-8-sig")))
        assert ledger and {r["page"] for r in ledger} == {slug}
    overview = (out / "00-page-overview--second-page.html").read_text(encoding="utf-8")
    assert 'href="data/figures-second-page.csv"' in overview
    assert 'href="data/figures-tsq-2024-spring.csv"' not in overview


def test_state_file_is_portable(built_desk):
    text = (built_desk / "reports" / plan.STATE_NAME).read_text(encoding="utf-8")
    state = json.loads(text)
    assert str(built_desk) not in text and "/tmp" not in text
    assert set(state["reports"]) == {"01-story.html", "02-plain.html", "00-page-overview.html",
                                     "00-page-overview--second-page.html"}


# ---------------------------------------------------------------- determinism and incrementality

def tree(out: Path) -> dict[str, bytes]:
    """Every file in `out` but the build lock (it holds the pid of the last build)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".build.lock"}


def test_forced_rebuild_is_byte_identical(built_desk, tmp_path):
    """Also with kernels forked from the fork server (the fixture's light notebooks are
    built with plain kernels): how a kernel starts changes no byte."""
    assert build.build(root=built_desk).ok  # current, even if the package changed meanwhile
    result = build.build(root=built_desk, out=tmp_path / "again", force=True, fork=sys.platform == "linux")
    assert result.ok and len(result.executed) == 4
    first, second = tree(built_desk / "reports"), tree(tmp_path / "again")
    processed = {k: second.pop(k) for k in list(second) if k.startswith(".processed/")}
    assert processed == {f".processed/{k}": v for k, v in tree(built_desk / "data" / "processed").items()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def mtimes(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".build.lock"}


def test_no_change_rebuild_skips_execution(built_desk):
    """Behaviour only; how fast this is, is benchmarks/build.py's business."""
    assert build.build(root=built_desk).ok  # current, even if the package changed meanwhile
    before, touched = tree(built_desk / "reports"), mtimes(built_desk / "reports")
    code = (
        "import json, sys; from helpers.publish import build; "
        f"r = build.build(root={str(built_desk)!r}); "
        "heavy = ('nbclient', 'jupyter_client', 'pandas', 'matplotlib', 'fontTools', 'jinja2'); "
        "print(json.dumps({'executed': r.executed, 'skipped': r.skipped, "
        "'imported': [m for m in heavy if m in sys.modules]}))"
    )
    proc = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True)
    report = json.loads(proc.stdout)
    assert report["executed"] == [] and len(report["skipped"]) == 4
    assert report["imported"] == [], "the no-change path must not import heavy modules (or start a kernel)"
    assert tree(built_desk / "reports") == before
    assert mtimes(built_desk / "reports") == touched, "nothing rewritten"


def test_change_failure_and_atomicity(desk_root):
    """Only the changed notebook re-runs; a failing one keeps its old report and names the cell."""
    nbs = desk_root / "notebooks"
    write_notebook(nbs / "02-plain.ipynb", plain_notebook())
    write_notebook(nbs / "03-other.ipynb", notebook([("md", "# Other 其他"), ("code", "y = 2")]))
    first = build.build(root=desk_root)
    assert first.ok and sorted(first.executed) == ["02-plain.html", "03-other.html"]
    out = desk_root / "reports"
    old_plain = (out / "02-plain.html").read_bytes()

    write_notebook(nbs / "02-plain.ipynb", plain_notebook("ratio = 1 / 0"))
    write_notebook(nbs / "03-other.ipynb", notebook([("md", "# Other changed 改"), ("code", "y = 7")]))
    proc = run_cli("build", root=desk_root)
    assert proc.returncode == 1, proc.stderr
    assert "02-plain.ipynb" in proc.stderr
    assert "cell 3 (# compute the ratio): ZeroDivisionError: division by zero" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (out / "02-plain.html").read_bytes() == old_plain, "failed notebook must keep its old report"
    assert "Other changed 改" in (out / "03-other.html").read_text(encoding="utf-8")
    assert "1 report(s) built" in proc.stdout
    assert not list(out.rglob("*.tmp")), "no temp files left behind"

    # the failure is not recorded as current: the next build tries again
    again = build.build(root=desk_root)
    assert again.executed == [] and [f.report for f in again.failures] == ["02-plain.html"]


def test_error_output_from_allowed_exception_fails_the_build(desk_root):
    nb = notebook([("md", "# T"), ("code", "raise ValueError('boom')")], tags={1: ["raises-exception"]})
    write_notebook(desk_root / "notebooks" / "04-raises.ipynb", nb)
    result = build.build(root=desk_root)
    assert [str(f) for f in result.failures] == ["04-raises.ipynb: cell 2 (raise ValueError('boom')): "
                                                 "error output ValueError: boom"]
    assert not (desk_root / "reports" / "04-raises.html").exists()


def test_killed_build_leaves_previous_report(desk_root):
    nbs, out = desk_root / "notebooks", desk_root / "reports"
    write_notebook(nbs / "05-slow.ipynb", notebook([("md", "# Slow 慢"), ("code", "x = 1")]))
    assert build.build(root=desk_root).ok
    old = tree(out)
    marker = desk_root.parent / "running"  # outside the desk: tells the test the cell started
    # Relative to the kernel's folder (notebooks/), so the cell types no digits of a tmp path.
    slow = "import pathlib, time\npathlib.Path('../../running').touch()\ntime.sleep(61)"
    write_notebook(nbs / "05-slow.ipynb", notebook([("md", "# Slow 慢 v2"), ("code", slow)]))
    env = dict(os.environ, DESK_ROOT=str(desk_root))
    proc = subprocess.Popen([PYTHON, "-m", "helpers", "build"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the slow cell never started"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert proc.returncode != 0
    assert tree(out) == old
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".staging-")]


def test_temp_files_of_dead_builds_are_cleaned(tmp_path):
    stale = tmp_path / ".x.html.desk-999999999.tmp"
    stale.write_text("half")
    live = tmp_path / f".y.html.desk-{os.getpid()}.tmp"
    live.write_text("in progress")
    state.clean_temp(tmp_path)
    assert not stale.exists() and live.exists()
    assert files.write_atomic(tmp_path / "a.txt", b"one") is True
    assert files.write_atomic(tmp_path / "a.txt", b"one") is False
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name, "a.txt"]


def test_bad_checksum_stops_before_anything_runs(desk_root):
    write_notebook(desk_root / "notebooks" / "01-x.ipynb", plain_notebook())
    page = desk_root / "data" / "raw" / "second.txt"
    page.write_bytes(page.read_bytes() + b"\n")
    with pytest.raises(ManifestError, match=r"second\.txt: checksum mismatch"):
        build.build(root=desk_root)
    assert not (desk_root / "reports").exists()
    proc = run_cli("build", root=desk_root)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "second.txt" in proc.stderr


def test_unknown_notebook_is_a_clear_error(desk_root):
    proc = run_cli("build", "99-nope", root=desk_root)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"desk build: 99-nope: no such notebook in {desk_root / 'notebooks'}"


# ---------------------------------------------------------------- rendering rules (no kernel)

def executed(*cells):
    """An 'executed' notebook from (kind, source, outputs) triples."""
    nb = nbformat.v4.new_notebook()
    for kind, src, outputs in cells:
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(src))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(src, outputs=outputs))
    return nb


def display(data, desk=None, kind="display_data"):
    md = {"desk": desk} if desk is not None else {}
    if kind == "execute_result":
        return nbformat.v4.new_output("execute_result", data=data, metadata=md, execution_count=1)
    return nbformat.v4.new_output("display_data", data=data, metadata=md)


SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 5"><rect width="10" height="5"/></svg>'


@pytest.mark.parametrize("output, message", [
    (display({"image/svg+xml": SVG}, {"kind": "chart", "name": "c", "title": "T", "csv": "a\n1\n"}),
     "missing metadata['desk'] field(s): alt"),
    (display({"image/png": "iVBORw0KGgo="}), "image output without metadata['desk'] kind 'chart'"),
    (display({"text/html": "<p>x</p><script>alert(1)</script>"}), "scripts are not allowed"),
    (display({"image/svg+xml": SVG}, {"kind": "chart", "name": "../up", "alt": "a", "title": "T", "csv": "a"}),
     "must be a file-safe name"),
    (nbformat.v4.new_output("error", ename="KeyError", evalue="'x'", traceback=[]), "KeyError: 'x'"),
])
def test_outputs_that_must_not_reach_a_page(output, message):
    nb = executed(("md", "# T", None), ("code", "first_line()\nsecond", [output]))
    with pytest.raises(render.RenderError) as e:
        render.render_report(nb, stem="01-t")
    assert str(e.value).startswith("cell 2 (first_line()): ") and message in str(e.value)


def test_external_image_in_markdown_is_refused():
    nb = executed(("md", "![logo](https://example.com/logo.png)", None))
    with pytest.raises(render.RenderError, match="external resource.*https://example.com/logo.png"):
        render.render_report(nb, stem="01-t")


def test_stray_reprs_dropped_and_blocks_kept():
    frame = '<div><style scoped>td{}</style><table border="1" class="dataframe"><tr><td>STRAY</td></tr></table></div>'
    nb = executed(("code", "x", [
        display({"text/plain": "STRAY plain"}, kind="execute_result"),
        display({"text/html": frame, "text/plain": "STRAY"}, kind="execute_result"),
        nbformat.v4.new_output("stream", name="stderr", text="STRAY warning"),
        display({"text/html": "<p class='block'>kept 留</p>", "text/plain": "STRAY"}),
    ]))
    page = render.render_report(nb, stem="01-t").html
    assert "STRAY" not in page and "<p class='block'>kept 留</p>" in mark_free(page)


def test_styler_ids_are_stable_and_table_from_csv():
    styler = ('<style type="text/css">#T_ab12c_row0_col0{color:red}</style>'
              '<table id="T_ab12c"><tr><td id="T_ab12c_row0_col0">1</td></tr></table>')
    nb = executed(("code", "x", [
        display({"text/html": styler}, {"kind": "table", "name": "styled", "csv": "a\n1\n"}),
        display({"text/plain": "x"}, {"kind": "table", "name": "plain", "csv": "名,<b>\n张,1\n"}),
    ]))
    report = render.render_report(nb, stem="01-t")
    assert "ab12c" not in report.html and 'id="T_desk1"' in report.html and "#T_desk1_row0_col0" in report.html
    assert '<th scope="col">名</th><th scope="col">&lt;b&gt;</th>' in mark_free(report.html)
    assert '<th scope="row" data-label="名">张</th>' in mark_free(report.html)
    assert set(report.files) == {"data/01-t/styled.csv", "data/01-t/plain.csv"}


# ---------------------------------------------------------------- the other commands

def test_articles_and_figures_commands(desk_root):
    page = desk_root / "data" / "raw" / "second.txt"
    articles = run_cli("articles", str(page), root=desk_root)
    assert articles.returncode == 0, articles.stderr
    rows = list(csv.DictReader(io.StringIO(articles.stdout)))
    assert rows and "headline" in rows[0] and "智慧港产业园项目投用" in articles.stdout
    figures = run_cli("figures", str(page), "--format", "json", root=desk_root)
    assert figures.returncode == 0, figures.stderr
    records = json.loads(figures.stdout)
    assert list(records[0])[:12] == ["article", "start", "end", "surface", "value", "low", "high",
                                     "unit", "qualifier", "kind", "projected", "sentence"]
    text = page.read_text(encoding="utf-8")
    assert all(text[r["start"]:r["end"]] == r["surface"] for r in records)
    as_csv = run_cli("figures", str(page), root=desk_root)
    assert len(list(csv.DictReader(io.StringIO(as_csv.stdout)))) == len(records)


@pytest.mark.parametrize("args, needle", [
    (("articles", "no-such-page.txt"), "no-such-page.txt"),
    (("figures", "{binary}"), "binary.txt"),
])
def test_bad_page_is_a_one_line_error(desk_root, args, needle):
    binary = desk_root / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    args = [a.format(binary=binary) for a in args]
    proc = run_cli(*args, root=desk_root)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and needle in proc.stderr
    assert "Traceback" not in proc.stderr


def test_check_command(desk_root):
    ok = run_cli("check", root=desk_root)
    assert ok.returncode == 0 and "2 page(s)" in ok.stdout
    (desk_root / "data" / "raw" / "stray.txt").write_text("x")
    bad = run_cli("check", root=desk_root)
    assert bad.returncode == 2 and "stray.txt" in bad.stderr and "not listed" in bad.stderr


# ---------------------------------------------------------------- inputs and planning (no kernel)

def test_inputs_digest_follows_data_but_not_processed(desk_root):
    lay = plan.Layout.make(desk_root)
    before = plan.inputs_digest(lay)
    (desk_root / "data" / "processed").mkdir(parents=True)
    (desk_root / "data" / "processed" / "figures.csv").write_text("derived\n")
    assert plan.inputs_digest(lay) == before, "data/processed is an output, not an input"
    (desk_root / "data" / "raw" / "third.txt").write_text("新的一页\n", encoding="utf-8")
    assert plan.inputs_digest(lay) == before, "pages enter only the keys of the jobs about them"
    (desk_root / "data" / "raw" / "third.txt").unlink()
    (desk_root / "data" / "glosses").mkdir()
    (desk_root / "data" / "glosses" / "01-x.csv").write_text("zh,en\n")
    after_gloss = plan.inputs_digest(lay)
    assert after_gloss != before
    (desk_root / "requirements.lock").write_text("pandas==3.1.1\n")
    assert plan.inputs_digest(lay) != after_gloss


def test_per_page_plan_and_injection(desk_root):
    path = write_notebook(desk_root / "notebooks" / "00-page-overview.ipynb", per_page_notebook())
    jobs = plan.plan([path], ["tsq-2024-spring", "second-page"], "common")
    assert [(j.report, j.page) for j in jobs] == [("00-page-overview.html", "tsq-2024-spring"),
                                                  ("00-page-overview--second-page.html", "second-page")]
    assert len({j.key for j in jobs}) == 2
    nb = nbformat.read(path, as_version=4)
    execute.inject_page(nb, "second-page")
    assert nb.cells[2].source == 'PAGE = "second-page"' and nb.cells[2].metadata["desk_injected"]
    assert execute.cell_label(nb, 3) == "cell 3 (from IPython.display import display)"
    untagged = notebook([("code", "PAGE = None")])
    with pytest.raises(execute.NotebookError, match="no cell tagged 'parameters'"):
        execute.inject_page(untagged, "x")


def test_build_writes_nothing_into_notebooks_or_raw(built_desk):
    nbs = built_desk / "notebooks"
    assert sorted(p.name for p in nbs.iterdir()) == ["00-page-overview.ipynb", "01-story.ipynb", "02-plain.ipynb"]
    assert (nbs / "01-story.ipynb").read_text(encoding="utf-8") == nbformat.writes(story_notebook())
    assert (nbs / "00-page-overview.ipynb").read_text(encoding="utf-8") == nbformat.writes(per_page_notebook())
    raw = built_desk / "data" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == ["000_106e376f0b9f6718.txt", "manifest.json", "second.txt"]


def test_footer_lists_only_files_the_page_does_not_link():
    chart = display({"image/svg+xml": SVG}, {"kind": "chart", "name": "c", "alt": "a", "title": "T", "csv": "a\n1\n"})
    ledger = {"href": "data/figures-p.csv", "label": "Figure ledger for page p (CSV)"}
    alone = render.render_report(executed(("code", "x", [chart])), stem="01-t", extra_links=[ledger]).html
    footer = alone.split('<footer class="report-files">')[1]
    assert 'href="data/figures-p.csv"' in footer and "data/01-t/c.csv" not in footer
    linked = display({"text/html": '<section><a href="data/figures-p.csv">Ledger</a></section>'})
    both = render.render_report(executed(("code", "x", [chart, linked])), stem="01-t", extra_links=[ledger]).html
    assert "report-files" not in both.split("</main>")[1]


# ---------------------------------------------------------------- review fixes

def test_index_describes_pages_for_readers_not_by_slug(built_desk):
    index = (built_desk / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Page: tsq-2024-spring" not in index and "Page: second-page" not in index
    assert ("Page: Newspaper of the Quanzhou Taiwanese Investment Zone (<span lang=\"zh-Hans\">泉州台商投资区</span>), "
            "between 28 January 2024 and 9 February 2024") in index
    assert "One page of eight pieces around Spring Festival 2024" in index
    text = re.sub(r"<style>.*?</style>|<title>.*?</title>", "", index, flags=re.S)
    bare = re.sub(r'<span lang="zh-Hans">[^<]*</span>', "", text)
    assert not CJK.search(bare), "every run of Chinese in the index carries lang=zh-Hans"


def test_story_report_links_only_its_own_pages_ledger(built_desk):
    story = (built_desk / "reports" / "01-story.html").read_text(encoding="utf-8")
    assert 'href="data/figures-tsq-2024-spring.csv"' in story
    assert "second-page" not in story, "a story is about the first page unless its metadata names others"


def test_story_metadata_names_its_pages(desk_root):
    nb = plain_notebook()
    nb.metadata["desk"] = {"pages": ["second-page"]}
    write_notebook(desk_root / "notebooks" / "01-second.ipynb", nb)
    assert build.build(root=desk_root).ok
    text = (desk_root / "reports" / "01-second.html").read_text(encoding="utf-8")
    assert 'href="data/figures-second-page.csv"' in text and "figures-tsq-2024-spring" not in text
    nb.metadata["desk"] = {"pages": ["no-such-page"]}
    write_notebook(desk_root / "notebooks" / "01-second.ipynb", nb)
    with pytest.raises(plan.BuildInputError, match="no-such-page"):
        build.build(root=desk_root)


def test_out_dir_build_keeps_processed_data_out_of_the_repo(desk_root, tmp_path):
    write_notebook(desk_root / "notebooks" / "02-plain.ipynb", plain_notebook())
    out = tmp_path / "elsewhere"
    assert build.build(root=desk_root, out=out).ok
    assert not (desk_root / "data" / "processed").exists(), "a build into --out must not touch data/"
    assert (out / ".processed" / "figures.csv").stat().st_size > 0
    assert (out / ".processed" / "articles.csv").stat().st_size > 0


def test_hand_edited_or_deleted_output_is_rebuilt(desk_root):
    write_notebook(desk_root / "notebooks" / "02-plain.ipynb", plain_notebook())
    assert build.build(root=desk_root).ok
    out = desk_root / "reports"
    good = (out / "02-plain.html").read_bytes()
    (out / "02-plain.html").write_bytes(good.replace(b"Block two", b"Block 2"))
    (out / "index.html").write_text("edited")
    (out / "data" / "figures-second-page.csv").unlink()
    again = build.build(root=desk_root)
    assert again.ok and again.executed == ["02-plain.html"]
    assert (out / "02-plain.html").read_bytes() == good
    assert (out / "data" / "figures-second-page.csv").is_file()
    assert "Second story" in (out / "index.html").read_text(encoding="utf-8")
    assert build.build(root=desk_root).executed == []


def test_stderr_and_warnings_are_logged_per_cell(desk_root):
    write_notebook(desk_root / "notebooks" / "01-story.ipynb", story_notebook())
    said: list[str] = []
    assert build.build(root=desk_root, log=said.append).ok
    assert "01-story.html: cell 6 (import sys, warnings): stderr: STRAY-STDERR" in said
    assert any(m.startswith("01-story.html: cell 6 (import sys, warnings): stderr: ")
               and "UserWarning: STRAY-WARNING" in m for m in said), said
    assert "STRAY" not in (desk_root / "reports" / "01-story.html").read_text(encoding="utf-8")


def test_page_content_refusal_stops_the_build_before_anything_runs(desk_root):

    write_notebook(desk_root / "notebooks" / "01-x.ipynb", plain_notebook())
    raw = desk_root / "data" / "raw"
    bad = (raw / "second.txt").read_bytes().replace("智慧港".encode(), "智\u202e慧港".encode(), 1)
    (raw / "second.txt").write_bytes(bad)
    doc = json.loads((raw / "manifest.json").read_text(encoding="utf-8"))
    doc["pages"][1]["sha256"] = files.sha256_of(raw / "second.txt")
    (raw / "manifest.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DeskError, match=r"second\.txt: bidirectional control U\+202E"):
        build.build(root=desk_root)
    assert not (desk_root / "reports").exists()
    check = run_cli("check", root=desk_root)
    assert check.returncode == 2 and "second.txt" in check.stderr and "U+202E" in check.stderr


def test_raw_file_by_path_is_checked_and_named_by_its_slug(desk_root):
    page = desk_root / "data" / "raw" / "second.txt"
    ok = run_cli("figures", str(page), root=desk_root)
    assert ok.returncode == 0, ok.stderr
    assert {r["page"] for r in csv.DictReader(io.StringIO(ok.stdout))} == {"second-page"}
    page.write_bytes(page.read_bytes() + b"\n")
    for command in ("figures", "articles"):
        bad = run_cli(command, str(page), root=desk_root)
        assert bad.returncode == 2 and "checksum mismatch" in bad.stderr and bad.stdout == ""


def test_csv_files_have_no_float_noise_or_formulas(desk_root):
    cell = ("import pandas as pd\nfrom helpers import story\n"
            "df = pd.DataFrame({'what': ['=HYPERLINK(\"x\")', '-7', '@sum'], 'n': [7000.0, 1 / 7, 52.63157894736842]})\n"
            "story.table(df.astype(str), name='noise', caption='Noise', data=df)")
    write_notebook(desk_root / "notebooks" / "01-csv.ipynb", notebook([("md", "# CSV"), ("code", cell)]))
    assert build.build(root=desk_root).ok
    text = (desk_root / "reports" / "data" / "01-csv" / "noise.csv").read_text(encoding="utf-8-sig")
    assert text == "what,n\n\"'=HYPERLINK(\"\"x\"\")\",7000\n-7,0.1428571429\n'@sum,52.63157895\n"
    ledger = (desk_root / "reports" / "data" / "figures-second-page.csv").read_text(encoding="utf-8-sig")
    assert not re.search(r"\d\.\d{11,}|,\d+\.0(?:,|\n)", ledger), "float noise in the ledger CSV"


def test_sigkill_mid_build_leaves_every_published_file_untouched(desk_root):
    """Publishing waits for every notebook: a build killed after one finished changes nothing."""
    nbs, out = desk_root / "notebooks", desk_root / "reports"
    write_notebook(nbs / "01-fast.ipynb", notebook([("md", "# Fast 快"), ("code", "x = 1")]))
    write_notebook(nbs / "02-slow.ipynb", notebook([("md", "# Slow 慢"), ("code", "x = 1")]))
    assert build.build(root=desk_root).ok
    old = tree(out)
    marker = desk_root.parent / "slow-running"
    slow = "import pathlib, time\npathlib.Path('../../slow-running').touch()\ntime.sleep(120)"
    write_notebook(nbs / "01-fast.ipynb", notebook([("md", "# Fast 快 v2"), ("code", "x = 2")]))
    write_notebook(nbs / "02-slow.ipynb", notebook([("md", "# Slow 慢 v2"), ("code", slow)]))
    env = dict(os.environ, DESK_ROOT=str(desk_root))
    proc = subprocess.Popen([PYTHON, "-m", "helpers", "build", "--jobs", "2"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = []
        for line in proc.stdout:  # the fast report is rendered while the slow one sleeps
            lines.append(line)
            if line.startswith("built 01-fast.html"):
                break
        assert any(line.startswith("built 01-fast.html") for line in lines), lines
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the slow cell never started"
    finally:
        proc.kill()
        proc.wait(timeout=30)
    staged = [p for p in out.iterdir() if p.name.startswith(".staging-")]
    assert staged, "the killed build staged its work beside, not in, the reports"
    after = {k: v for k, v in tree(out).items() if not k.startswith(".staging-")}
    assert after == old, "every published file byte-identical after SIGKILL"
    write_notebook(nbs / "02-slow.ipynb", notebook([("md", "# Slow 慢 again"), ("code", "x = 7")]))
    assert build.build(root=desk_root).ok
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-")], "next build cleans up"
    assert "Fast 快 v2" in (out / "01-fast.html").read_text(encoding="utf-8")


def test_a_report_drops_csvs_it_no_longer_writes_even_if_unrecorded(desk_root):
    """A CSV left in data/<stem>/ by an older build (not in .build.json) is removed on rebuild."""
    from helpers.publish import build

    write_notebook(desk_root / "notebooks" / "01-story.ipynb", story_notebook())
    assert build.build(root=desk_root).ok
    stale = desk_root / "reports" / "data" / "01-story" / "stale-chart.csv"
    assert stale.parent.is_dir()
    stale.write_text("x\n1\n", encoding="utf-8")
    assert build.build(root=desk_root, force=True).ok
    assert not stale.exists()
