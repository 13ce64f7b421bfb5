"""JupyterLab for the desk's journalists: the `desk` kernel, the Chinese font, output stripping.

``make lab`` runs ``python -m helpers.publish.lab setup`` once (after creating ``.venv-lab``) and then
``python -m helpers.publish.lab run [LAB_ARGS]``:

* **setup** installs the ``desk`` kernel (a kernelspec whose python is the project's ``.venv``, so
  ``helpers`` always imports) into the environments named, writes the lab's own Jupyter config
  directory (``.venv-lab/desk-config``: custom CSS with an ``@font-face`` for Noto Sans SC served
  from that directory, so Chinese renders with no system CJK font and no network), and, in a git
  checkout, configures nbstripout as the git filter named in ``.gitattributes`` so a notebook
  that was run and saved is committed without its outputs.
* **run** replaces itself with ``jupyter lab`` at the project root on ``notebooks/``, with
  ``--allow-root`` when run as root and any further options passed through.

Nothing here is imported by notebooks or the build (it only uses the standard library,
ipykernel's kernelspec writer and the font package's path).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import paths

KERNEL_NAME = "desk"
KERNEL_DISPLAY = "Desk (Python 3.11)"
LAB_ENV = paths.ROOT / ".venv-lab"
CONFIG_DIRNAME = "desk-config"  # JUPYTER_CONFIG_DIR inside the lab environment
DEFAULT_URL = "/lab/tree/notebooks"
FONT_FAMILY = "Desk Sans SC"
# The CJK blocks (and full-width forms and CJK punctuation) the lab font is used for; Latin text
# keeps JupyterLab's own fonts.
UNICODE_RANGE = ("U+2E80-2FDF, U+3000-303F, U+3100-312F, U+31A0-31BF, U+3200-33FF, U+3400-4DBF, "
                 "U+4E00-9FFF, U+F900-FAFF, U+FE30-FE4F, U+FF00-FFEF, U+20000-2FA1F")
# Output stripping: outputs and execution counts (nbstripout's defaults), the inline-expression
# results jupyterlab-myst stores in markdown cells, and what a kernel adds to language_info.
STRIP_KEYS = ("cell.metadata.user_expressions cell.metadata.trusted cell.metadata.execution "
              "metadata.language_info.codemirror_mode metadata.language_info.file_extension "
              "metadata.language_info.mimetype metadata.language_info.nbconvert_exporter "
              "metadata.language_info.pygments_lexer metadata.language_info.version")
FILTER = "nbstripout"
SETTINGS = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}


def config_dir(lab_env: Path = LAB_ENV) -> Path:
    return lab_env / CONFIG_DIRNAME


def install_kernel(prefix: Path, python: str = sys.executable) -> Path:
    """Write the ``desk`` kernelspec into ``prefix/share/jupyter/kernels/desk``; return its folder.

    The kernel runs `python` (the project's ``.venv``) with the build's hash seed, so a notebook
    run in any Jupyter that sees `prefix` finds ``helpers`` and sorts sets as the build does."""
    from ipykernel.kernelspec import install

    if Path(python).resolve() != Path(sys.executable).resolve():
        raise SystemExit(f"install the desk kernel with the python it should run: {python}")
    # frozen_modules=True: the plain ``python -m ipykernel_launcher`` command, which the build's
    # fork server recognises (``forkserver.can_run``); no ``-Xfrozen_modules=off`` in between.
    where = install(kernel_name=KERNEL_NAME, display_name=KERNEL_DISPLAY, prefix=str(prefix),
                    env={"PYTHONHASHSEED": "0"}, frozen_modules=True)
    return Path(where)


def font_css(font_file: str) -> str:
    """JupyterLab custom CSS: Noto Sans SC for CJK characters in the UI, text, tables and outputs."""
    return f"""/* Written by `make lab` (helpers.publish.lab): Chinese in JupyterLab without a system CJK font. */
@font-face {{
  font-family: "{FONT_FAMILY}";
  src: url("./{font_file}") format("opentype");
  font-display: swap;
  unicode-range: {UNICODE_RANGE};
}}
:root {{
  --jp-ui-font-family: system-ui, -apple-system, blinkmacsystemfont, "Segoe UI", helvetica, arial,
    sans-serif, "{FONT_FAMILY}" !important;
  --jp-content-font-family: system-ui, -apple-system, blinkmacsystemfont, "Segoe UI", helvetica, arial,
    sans-serif, "{FONT_FAMILY}" !important;
  --jp-code-font-family: menlo, consolas, "DejaVu Sans Mono", monospace, "{FONT_FAMILY}" !important;
}}
/* Outputs and rendered markdown that name their own fonts still fall back to the desk's. */
.jp-OutputArea-output, .jp-RenderedHTMLCommon, .jp-RenderedText, .jp-RenderedMarkdown,
.jp-RenderedHTMLCommon table, .jp-DirListing, .jp-Dialog {{
  font-family: var(--jp-content-font-family);
}}
.jp-RenderedText pre, .jp-OutputArea-output pre, .cm-content {{
  font-family: var(--jp-code-font-family);
}}
"""


def write_config(lab_env: Path = LAB_ENV) -> Path:
    """The lab's Jupyter config dir: custom CSS on, the font file beside the CSS that loads it."""
    from helpers.publish import fonts

    conf = config_dir(lab_env)
    custom = conf / "custom"
    custom.mkdir(parents=True, exist_ok=True)
    font = fonts.font_path()
    target = custom / font.name
    if not target.exists() or target.stat().st_size != font.stat().st_size:
        shutil.copyfile(font, target)  # served by JupyterLab's /custom/ handler, offline
    (custom / "custom.css").write_text(font_css(font.name), encoding="utf-8")
    (conf / "jupyter_server_config.json").write_text(json.dumps({
        "LabApp": {"custom_css": True},
        # Kernels the lab offers: the desk kernel is the one notebooks ask for.
        "MappingKernelManager": {"default_kernel_name": KERNEL_NAME},
    }, indent=2) + "\n", encoding="utf-8")
    # Render every cell of a notebook, not only those in view: jupyterlab-myst evaluates a
    # markdown cell's inline expressions when the cell runs, and reads them from the rendered cell.
    overrides = lab_env / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(json.dumps(SETTINGS, indent=2) + "\n", encoding="utf-8")
    return conf


def configure_git(root: Path = paths.ROOT, lab_env: Path = LAB_ENV) -> bool:
    """Configure the ``nbstripout`` filter ``.gitattributes`` names, in this checkout's git config.

    The command is relative to the work tree (git runs filters there), so each clone strips with
    its own lab environment; a linked worktree shares its config with the main checkout and is left
    alone. Returns False when `root` is not a git work tree (or git is missing)."""
    try:
        inside = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
                                capture_output=True, text=True)
    except OSError:
        return False
    if inside.returncode or inside.stdout.strip() != "true":
        return False
    dirs = subprocess.run(["git", "-C", str(root), "rev-parse", "--git-dir", "--git-common-dir"],
                          capture_output=True, text=True, check=True).stdout.split()
    if (root / dirs[0]).resolve() != (root / dirs[1]).resolve():
        # A linked worktree shares its config with the main checkout: configure it there.
        print(f"helpers.publish.lab: {root} is a linked git worktree; run `make lab-env` in the main checkout "
              "to configure the nbstripout filter", file=sys.stderr)
        return False
    rel = os.path.relpath(lab_env, root)
    strip = f'{rel}/bin/nbstripout --keep-id --extra-keys "{STRIP_KEYS}"'
    for key, value in ((f"filter.{FILTER}.clean", strip), (f"filter.{FILTER}.smudge", "cat"),
                       ("diff.ipynb.textconv", f"{strip} -t")):
        subprocess.run(["git", "-C", str(root), "config", "--local", key, value], check=True)
    return True


def lab_command(lab_env: Path = LAB_ENV, args: list[str] = (), root: Path = paths.ROOT,
                uid: int | None = None) -> tuple[list[str], dict[str, str]]:
    """The ``jupyter lab`` command ``make lab`` runs, and its environment."""
    uid = os.geteuid() if uid is None else uid
    argv = [str(lab_env / "bin" / "jupyter-lab"), f"--ServerApp.root_dir={root}",
            f"--LabApp.default_url={DEFAULT_URL}"]
    if uid == 0 and "--allow-root" not in args:
        argv.append("--allow-root")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config_dir(lab_env)))
    return argv + list(args), env


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m helpers.publish.lab", allow_abbrev=False, description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup", allow_abbrev=False, help="kernel, font CSS and the git filter")
    setup.add_argument("--lab-env", type=Path, default=LAB_ENV)
    setup.add_argument("--kernel-prefix", type=Path, action="append", default=[],
                       help="environment to install the desk kernel into (repeatable)")
    setup.add_argument("--no-git", action="store_true", help="leave the git config alone")
    kernel = sub.add_parser("kernel", allow_abbrev=False, help="install only the desk kernel")
    kernel.add_argument("prefix", type=Path, nargs="+")
    run = sub.add_parser("run", allow_abbrev=False, help="start JupyterLab (further options go to jupyter lab)")
    run.add_argument("--lab-env", type=Path, default=LAB_ENV)
    opts, rest = parser.parse_known_args(argv)
    if rest and opts.command != "run":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if opts.command == "kernel":
        for prefix in opts.prefix:
            install_kernel(prefix)
    elif opts.command == "setup":
        for prefix in opts.kernel_prefix:
            install_kernel(prefix)
        write_config(opts.lab_env.resolve())
        if not opts.no_git:
            configure_git(lab_env=opts.lab_env.resolve())
    else:
        cmd, env = lab_command(opts.lab_env.resolve(), rest)
        os.execvpe(cmd[0], cmd, env)


if __name__ == "__main__":
    main()
