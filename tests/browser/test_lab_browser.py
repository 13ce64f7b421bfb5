"""The journalist's JupyterLab in a real browser: headless Chromium driving `make lab`'s server.

JupyterLab is started as ``make lab`` starts it (``helpers.publish.lab.lab_command``: the project root,
the lab's own config dir with the desk font, the desk kernel), on a free port with a token,
with autosave off so the run leaves ``notebooks/`` untouched. Each story notebook is opened,
run top to bottom, and must end with no error and no stderr output, and every MyST inline
expression (``{eval}`expr```) in its markdown evaluated by jupyterlab-myst; Chinese text in its
outputs (and tables and rendered markdown) must be drawn with a real glyph: a character drawn
on a canvas in the element's computed font differs from the missing-glyph box (U+10FFFD) drawn
in that font. Needs ``.venv-lab`` (``make lab-env``) and Chromium; under ``CI=true`` both are
required.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import subprocess
import time
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from helpers import paths
from helpers.publish import lab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
RUN_TIMEOUT_MS = 600_000  # a whole notebook, on a loaded two-core machine
# Settings a journalist would not want in a test run: no autosave (the notebooks stay as
# committed), no news or update checks (no request leaves the machine).
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}


def _require(what: str, ok: bool) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what}; CI must run the lab's browser test")
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """Base URL and token of a JupyterLab started as `make lab` starts it."""
    _require("no .venv-lab (run `make lab-env`)", (lab.LAB_ENV / "bin" / "jupyter-lab").exists())
    lab.install_kernel(lab.LAB_ENV)  # what `make lab-env` did; idempotent
    lab.write_config(lab.LAB_ENV)
    tmp = tmp_path_factory.mktemp("lab")
    for rel, value in SETTINGS.items():
        (tmp / "settings" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / "settings" / rel).write_text(json.dumps(value))
    port, token = _free_port(), secrets.token_hex(16)
    argv, env = lab.lab_command(lab.LAB_ENV, [
        "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True"])
    env.update(JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp / "ws"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"))
    log = (tmp / "lab.log").open("wb")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=paths.ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urlopen(f"{base}/api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start: {(tmp / 'lab.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()




def test_lab_serves_the_desk_font_and_kernel(lab_server):
    base, token = lab_server
    with urlopen(f"{base}/api/kernelspecs?token={token}") as r:
        specs = json.load(r)
    assert specs["default"] == "desk" and "desk" in specs["kernelspecs"]
    assert specs["kernelspecs"]["desk"]["spec"]["argv"][0] == str(paths.ROOT / ".venv" / "bin" / "python")
    with urlopen(f"{base}/custom/custom.css?token={token}") as r:
        css = r.read().decode()
    font = css.split('url("./', 1)[1].split('"', 1)[0]
    with urlopen(f"{base}/custom/{font}?token={token}") as r:
        assert r.status == 200 and len(r.read()) > 1_000_000
    with urlopen(f"{base}/?token={token}") as r:  # opens on notebooks/, at the project root
        assert urlsplit(r.url).path == lab.DEFAULT_URL


# Glyph check in the page: the canvas drawing of `ch` in `font` against U+10FFFD's.
GLYPH_JS = """async ([selector, ch]) => {
  const el = document.querySelector(selector);
  const style = getComputedStyle(el);
  const font = `${style.fontStyle} ${style.fontWeight} 32px ${style.fontFamily}`;
  await document.fonts.load(font, ch);
  const draw = (text) => {
    const c = document.createElement('canvas');
    c.width = 48; c.height = 48;
    const ctx = c.getContext('2d');
    ctx.font = font; ctx.fillStyle = '#000'; ctx.textBaseline = 'top';
    ctx.fillText(text, 4, 4);
    return Array.from(ctx.getImageData(0, 0, 48, 48).data).join(',');
  };
  const drawn = draw(ch), missing = draw(String.fromCodePoint(0x10FFFD));
  return {font: style.fontFamily, real: drawn !== missing, ink: drawn !== draw(' ')};
}"""

# Mark the first element of each kind whose own text holds Chinese; return [selector, char].
PROBE_JS = """(kinds) => {
  const found = [];
  for (const [kind, query] of kinds) {
    const el = [...document.querySelectorAll(query)].find(
      e => [...e.childNodes].some(n => n.nodeType === 3 && /[\\u4e00-\\u9fff]/.test(n.textContent)));
    if (!el) continue;
    el.setAttribute('data-cjk-probe', kind);
    const text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('');
    found.push([kind, `[data-cjk-probe="${kind}"]`, text.match(/[\\u4e00-\\u9fff]/)[0]]);
  }
  return found;
}"""
KINDS = [["output", ".jp-OutputArea-output p, .jp-OutputArea-output li, .jp-OutputArea-output h1, "
                    ".jp-OutputArea-output h2, .jp-OutputArea-output span, .jp-OutputArea-output div"],
         ["table", ".jp-OutputArea-output td, .jp-OutputArea-output th"],
         ["markdown", ".jp-MarkdownOutput p, .jp-MarkdownOutput li, .jp-MarkdownOutput h2"]]

# The notebook panel for a path (the workspace may hold other tabs).
PANEL = """[...window.jupyterapp.shell.widgets('main')]
  .find(w => w.context && w.context.path === path && w.content && w.content.widgets)"""

RUN_ALL_JS = """async (path) => {
  const app = window.jupyterapp;
  const panel = PANEL;
  app.shell.activateById(panel.id);
  await panel.context.ready;
  await panel.sessionContext.ready;
  await app.commands.execute('notebook:run-all-cells');
  return panel.sessionContext.session.kernel.name;
}""".replace("PANEL", PANEL)

DONE_JS = """(path) => {
  const panel = PANEL;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  return cells.every(c => c.model.executionCount !== null && c.promptNode.textContent.indexOf('*') < 0);
}""".replace("PANEL", PANEL)

PROBLEMS_JS = r"""(path) => {
  const panel = PANEL;
  const problems = [];
  panel.content.widgets.forEach((cell, i) => {
    if (cell.model.type === 'markdown' && /\{eval\}`/.test(cell.model.sharedModel.getSource())) {
      // jupyterlab-myst evaluates the cell's inline expressions when it runs, and stores them
      const found = cell.model.getMetadata('user_expressions') || [];
      if (!found.length) problems.push(`cell ${i + 1}: inline expressions not evaluated`);
      for (const e of found)
        if (e.result.status !== 'ok')
          problems.push(`cell ${i + 1}: {eval}\`${e.expression}\` ${e.result.ename}: ${e.result.evalue}`);
      if (cell.node.querySelector('.myst-RenderedExpressionError'))
        problems.push(`cell ${i + 1}: an inline expression shows an error`);
    }
    if (cell.model.type !== 'code') return;
    for (const out of cell.model.outputs.toJSON()) {
      if (out.output_type === 'error') problems.push(`cell ${i + 1}: ${out.ename}: ${out.evalue}`);
      if (out.output_type === 'stream' && out.name === 'stderr')
        problems.push(`cell ${i + 1} stderr: ${String(out.text).slice(0, 300)}`);
    }
  });
  return problems;
}""".replace("PANEL", PANEL)


@pytest.mark.skipif(not NOTEBOOKS, reason="no story notebooks")
def test_notebooks_run_in_lab_with_chinese_drawn(lab_server, browser):
    base, token = lab_server
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in NOTEBOOKS}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside = []

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    failures = []
    try:
        page = context.new_page()
        for path in NOTEBOOKS:
            rel = f"notebooks/{path.name}"
            page.goto(f"{base}/lab/tree/{rel}?token={token}&reset", wait_until="load")
            page.wait_for_function("(path) => window.jupyterapp && !!PANEL".replace("PANEL", PANEL), arg=rel,
                                   timeout=120_000)
            kernel = page.evaluate(RUN_ALL_JS, rel)
            assert kernel == "desk", f"{path.name} ran in kernel {kernel!r}"
            page.wait_for_function(DONE_JS, arg=rel, timeout=RUN_TIMEOUT_MS, polling=1000)
            problems = page.evaluate(PROBLEMS_JS, rel)
            if problems:
                failures.append(f"{path.name}: {problems}")
            probes = page.evaluate(PROBE_JS, KINDS)
            assert any(kind == "output" for kind, _, _ in probes), f"{path.name}: no Chinese in any output"
            for kind, selector, ch in probes:
                glyph = page.evaluate(GLYPH_JS, [selector, ch])
                if not (glyph["real"] and glyph["ink"]):
                    failures.append(f"{path.name}: {ch!r} in a {kind} is a missing-glyph box in {glyph['font']}")
            page.evaluate("async (path) => { await PANEL.sessionContext.shutdown(); }".replace("PANEL", PANEL), rel)
    finally:
        context.close()
    assert not failures, "; ".join(failures)
    assert not outside, f"requests left the machine: {outside}"
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in NOTEBOOKS}
    assert after == before, "running in JupyterLab changed a notebook file (autosave should be off)"
