"""`make lab`'s set-up (helpers.publish.lab): the command, the desk kernel, the font CSS, the git filter."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from helpers import paths
from helpers.publish import fonts, kernels, lab

LAB_ENV = paths.ROOT / ".venv-lab"
HAS_LAB = (LAB_ENV / "bin" / "nbstripout").exists() and (LAB_ENV / "bin" / "jupyter-lab").exists()


def test_lab_command_as_root_adds_allow_root_and_passes_options(tmp_path):
    argv, env = lab.lab_command(tmp_path, ["--no-browser", "--port", "8899"], root=Path("/proj"), uid=0)
    assert argv[0] == str(tmp_path / "bin" / "jupyter-lab")
    assert "--ServerApp.root_dir=/proj" in argv and "--LabApp.default_url=/lab/tree/notebooks" in argv
    assert "--allow-root" in argv and argv[-3:] == ["--no-browser", "--port", "8899"]
    assert env["JUPYTER_CONFIG_DIR"] == str(tmp_path / "desk-config")


def test_lab_command_as_a_user_does_not_ask_for_root(tmp_path):
    argv, _ = lab.lab_command(tmp_path, ["--ip", "0.0.0.0"], uid=1000)
    assert "--allow-root" not in argv and argv[-2:] == ["--ip", "0.0.0.0"]
    argv, _ = lab.lab_command(tmp_path, ["--allow-root"], uid=0)
    assert argv.count("--allow-root") == 1


def test_make_lab_passes_lab_args():
    out = subprocess.run(["make", "-n", "-W", "Makefile", "lab", 'LAB_ARGS=--no-browser --port 8899'],
                         cwd=paths.ROOT, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if "helpers.publish.lab run" in x)
    assert line.endswith("--no-browser --port 8899")


def test_desk_kernel_runs_this_python(tmp_path):
    where = lab.install_kernel(tmp_path)
    spec = json.loads((where / "kernel.json").read_text())
    assert where == tmp_path / "share" / "jupyter" / "kernels" / "desk"
    assert spec["argv"][0] == sys.executable and "ipykernel_launcher" in spec["argv"]
    server = SimpleNamespace(usable=True)  # a running fork server, as far as can_run asks
    assert kernels.ForkServer.can_run(server, spec["argv"]), "the build's fork server must run the desk kernel"
    assert spec["env"]["PYTHONHASHSEED"] == "0" and spec["language"] == "python"


def test_notebooks_ask_for_the_desk_kernel():
    for path in sorted(paths.NOTEBOOKS.glob("*.ipynb")):
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
        assert meta["kernelspec"]["name"] == lab.KERNEL_NAME, path.name


def test_config_serves_the_desk_font_to_jupyterlab(tmp_path):
    conf = lab.write_config(tmp_path)
    css = (conf / "custom" / "custom.css").read_text()
    font = fonts.font_path()
    assert f'url("./{font.name}")' in css and "unicode-range" in css and "U+4E00-9FFF" in css
    for var in ("--jp-ui-font-family", "--jp-content-font-family", "--jp-code-font-family"):
        assert f'{var}:' in css
    assert (conf / "custom" / font.name).read_bytes()[:4] == font.read_bytes()[:4]
    assert (conf / "custom" / font.name).stat().st_size == font.stat().st_size
    settings = json.loads((conf / "jupyter_server_config.json").read_text())
    assert settings["LabApp"]["custom_css"] is True
    overrides = json.loads((tmp_path / "share/jupyter/lab/settings/overrides.json").read_text())
    assert overrides["@jupyterlab/notebook-extension:tracker"]["windowingMode"] == "none"


def test_configure_git_outside_a_repository_does_nothing(tmp_path):
    assert lab.configure_git(tmp_path, tmp_path / ".venv-lab") is False


@pytest.mark.skipif(not HAS_LAB, reason="no .venv-lab (make lab-env): nbstripout is installed there")
def test_run_notebook_is_committed_without_outputs(tmp_path):
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    git = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True, text=True)
    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    shutil.copy(paths.ROOT / ".gitattributes", repo / ".gitattributes")
    os.symlink(LAB_ENV, repo / ".venv-lab")
    assert lab.configure_git(repo, repo / ".venv-lab")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Per job: {eval}`x`"), nbformat.v4.new_code_cell("x = 1\nx")]
    nb.cells[0].id, nb.cells[1].id = "prose", "code"
    nb.metadata.kernelspec = {"name": "desk", "display_name": "Desk", "language": "python"}
    nb.metadata.language_info = {"name": "python"}
    path = repo / "notebooks" / "01-x.ipynb"
    nbformat.write(nb, path)
    git("add", ".gitattributes", "notebooks")
    git("commit", "-qm", "clean")
    # Run and saved in JupyterLab: outputs, a count, inline results, the kernel's language_info.
    nb.cells[1].execution_count = 1
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=1)]
    nb.cells[0].metadata["user_expressions"] = [
        {"expression": "x", "result": {"status": "ok", "data": {"text/plain": "1"}, "metadata": {}}}]
    nb.metadata.language_info = {"name": "python", "version": "3.11.2", "pygments_lexer": "ipython3"}
    nbformat.write(nb, path)
    git("add", "notebooks")
    assert git("status", "--porcelain", "notebooks").stdout == ""  # only run: nothing to commit
    nb.cells[1].source = "x = 2\nx"  # a real edit
    nbformat.write(nb, path)
    git("add", "notebooks")
    git("commit", "-qm", "edit")
    committed = json.loads(git("show", "HEAD:notebooks/01-x.ipynb").stdout)
    assert "".join(committed["cells"][1]["source"]) == "x = 2\nx"
    assert committed["cells"][1]["outputs"] == [] and committed["cells"][1]["execution_count"] is None
    assert "user_expressions" not in committed["cells"][0]["metadata"]
    assert [c["id"] for c in committed["cells"]] == ["prose", "code"]
    assert committed["metadata"]["language_info"] == {"name": "python"}
    assert committed["metadata"]["kernelspec"]["name"] == "desk"
    assert json.loads(path.read_text())["cells"][1]["outputs"]  # the working copy keeps its outputs
