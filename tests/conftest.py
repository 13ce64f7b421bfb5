"""Shared fixtures: a throw-away desk (raw data + small notebooks) for build and browser tests.

The fixture notebooks produce the report outputs of ARCHITECTURE.md directly (display with
``metadata["desk"]``), so these tests do not depend on helpers.charts or helpers.story.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from helpers import paths

CHART_CELL = r'''
import io
import matplotlib
import matplotlib.pyplot as plt
from matplotlib import font_manager
from IPython.display import display
from pylopdf_fonts_zh_cn import sans_path

font_manager.fontManager.addfont(sans_path())
matplotlib.rcParams.update({
    "font.family": "Noto Sans SC", "svg.hashsalt": "desk", "svg.fonttype": "path",
})
towns = ["张坂镇", "东园镇", "洛阳镇"]
jobs = [2100, 1200, 800]
fig, ax = plt.subplots(figsize=(6, 2.5))
ax.bar(towns, jobs)
ax.set_title("岗位 by town")
ax.set_ylabel("Jobs")
buf = io.StringIO()
fig.savefig(buf, format="svg", metadata={"Date": None})
plt.close(fig)
csv = "town,jobs\n" + "".join(f"{t},{j}\n" for t, j in zip(towns, jobs))
display({"image/svg+xml": buf.getvalue(), "text/plain": "<Figure STRAY-FIGURE-REPR>"},
        metadata={"desk": {"kind": "chart", "name": "jobs-by-town",
                           "alt": "Bar chart: 张坂镇 has the most jobs, 2,100.",
                           "title": "Most of the jobs are in 张坂镇", "csv": csv}},
        raw=True)
'''

HEADLINE_CELL = r'''
from IPython.display import display
display({"text/html": "<header class='headline'><h1>园区 brings 2,100 jobs</h1>"
                      "<p class='dek'>At least 2,100 jobs, 智慧港 says.</p></header>",
         "text/plain": "STRAY-HEADLINE-PLAIN"},
        metadata={"desk": {"kind": "headline", "headline": "园区 brings 2,100 jobs",
                           "dek": "At least 2,100 jobs, 智慧港 says.", "key_figure": "2,100+ jobs"}},
        raw=True)
'''

TABLE_CELL = r'''
from IPython.display import display
rows = [("张坂镇", "2,100"), ("东园镇", "1,200")]
html = ("<table><thead><tr><th>Town</th><th>Jobs</th></tr></thead><tbody>"
        + "".join(f"<tr><td>{t}</td><td>{j}</td></tr>" for t, j in rows) + "</tbody></table>")
display({"text/html": html, "text/plain": "STRAY-TABLE-PLAIN"},
        metadata={"desk": {"kind": "table", "name": "towns", "title": "Jobs by town",
                           "csv": "town,jobs\n张坂镇,2100\n东园镇,1200\n"}},
        raw=True)
'''

STRAY_CELL = r'''
import sys, warnings
import pandas as pd
print("STRAY-STDOUT")
print("STRAY-STDERR", file=sys.stderr)
warnings.warn("STRAY-WARNING")
pd.DataFrame({"STRAY-DATAFRAME": [1, 2]})
'''


WIDE_TABLE_CELL = r"""
import pandas as pd
from helpers import story
wide = pd.DataFrame({f"Column {i} 列": [f"value {i} 数值 {j}" for j in "abc"] for i in range(8)})
story.table(wide, name="wide", caption="A wide table whose caption must stay on a phone screen 宽表")
"""


def notebook(cells: list[tuple[str, str]], metadata: dict | None = None,
             tags: dict[int, list[str]] | None = None) -> nbformat.NotebookNode:
    """A clean v4 notebook from ``(kind, source)`` pairs; cell ids fixed for stable bytes."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.update({"kernelspec": {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}})
    nb.metadata.update(metadata or {})
    for i, (kind, src) in enumerate(cells):
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        cell = make(src.strip("\n"), id=f"cell-{i}")
        if tags and i in tags:
            cell.metadata["tags"] = tags[i]
        nb.cells.append(cell)
    return nb


def write_notebook(path: Path, nb) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def story_notebook() -> nbformat.NotebookNode:
    """A story with a headline, Chinese prose, a chart, a table and every kind of stray output."""
    return notebook([
        ("md", "# 园区 story\n\nThe park in 张坂镇 (Zhangban town) opened; see "
               "[the source](https://example.com/page) and [below](#园区-story)."),
        ("code", HEADLINE_CELL),
        ("code", "x = 1\nx  # STRAY-CODE"),
        ("code", CHART_CELL),
        ("code", TABLE_CELL),
        ("code", STRAY_CELL),
        ("md", "## 方法 Methodology\n\nCounted by hand: 十八个村."),
        ("code", WIDE_TABLE_CELL),
    ])


def plain_notebook(body: str = "x = 1") -> nbformat.NotebookNode:
    """A short story whose third cell is `body` (swap in a failing line to break it)."""
    return notebook([
        ("md", "# Second story 第二"),
        ("code", "from IPython.display import display\n"
                 "display({'text/html': '<p>Block two 二</p>'}, raw=True)"),
        ("code", f"# compute the ratio\n{body}"),
    ])


def per_page_notebook() -> nbformat.NotebookNode:
    return notebook(
        [
            ("md", "# Page overview 版面"),
            ("code", "PAGE = None"),
            ("code", "from IPython.display import display\nimport os\n"
                     "report = os.environ['DESK_REPORT']\n"
                     "display({'text/html': f'<p class=\"page-slug\">Page {PAGE} in {report}</p>'}, raw=True)"),
        ],
        metadata={"desk": {"per_page": True}},
        tags={1: ["parameters"]},
    )


def make_desk(base: Path) -> Path:
    """A desk in `base`: the real raw page and manifest, plus a second page for per-page runs,
    and the real vocabulary (``data/vocab``)."""
    root = base / "desk"
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    manifest = json.loads(paths.MANIFEST.read_text(encoding="utf-8"))
    first = manifest["pages"][0]
    shutil.copyfile(paths.RAW / first["path"], raw / first["path"])
    second = dict(first, slug="second-page", path="second.txt")
    shutil.copyfile(paths.RAW / first["path"], raw / "second.txt")
    manifest["pages"] = [first, second]
    (raw / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    shutil.copytree(paths.VOCAB, root / "data" / "vocab")
    shutil.copyfile(paths.USER_DICT, root / "data" / "userdict.txt")  # the data step's search index reads it
    (root / "notebooks").mkdir()
    return root


@pytest.fixture
def desk_root(tmp_path: Path) -> Path:
    """An empty desk (raw data, no notebooks) in a tmp dir."""
    return make_desk(tmp_path)


@pytest.fixture(scope="session")
def built_desk(tmp_path_factory) -> Path:
    """A fixture desk with a story, a plain and a per-page notebook, built once per session.

    Read-only for the tests: a test that changes files builds its own desk.
    """
    from helpers.publish import build

    root = make_desk(tmp_path_factory.mktemp("built"))
    write_notebook(root / "notebooks" / "01-story.ipynb", story_notebook())
    write_notebook(root / "notebooks" / "02-plain.ipynb", plain_notebook())
    write_notebook(root / "notebooks" / "00-page-overview.ipynb", per_page_notebook())
    result = build.build(root=root)
    assert result.ok, result.failures
    return root


@pytest.fixture(scope="module")
def report(request):
    """The committed reader page of the test module's story (its ``STEM``) and its CSVs;
    tests/test_reports_current.py proves the committed reports current."""
    import reports_read

    return reports_read.load(request.module.STEM)


def _kernels_over_unix_sockets() -> None:
    """Every kernel the tests start, nbmake's included, talks over Unix sockets (as the
    build's do, ``helpers.publish.kernels.use_ipc``): TCP ports chosen free can be taken by another
    kernel before they are bound (``ZMQError: Address already in use`` under load)."""
    from nbclient import NotebookClient

    from helpers.publish.kernels import use_ipc

    create = NotebookClient.create_kernel_manager
    if getattr(create, "desk_ipc", False):
        return

    def create_kernel_manager(self):
        km = create(self)
        if not km.has_kernel:
            use_ipc(km)
        return km

    create_kernel_manager.desk_ipc = True
    NotebookClient.create_kernel_manager = create_kernel_manager


_kernels_over_unix_sockets()


# ---------------------------------------------------------------- headless Chromium (browser tests)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    """Debian's Chromium; skipped with a reason when missing, a failure under CI=true."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    message = "no Chromium found (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI must run the browser tests")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=ARGS)
        yield b
        b.close()
