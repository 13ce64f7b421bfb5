"""Every path the project uses, from one root, so code runs from any working directory.

The root is found from this file's location (``src/helpers/paths.py`` → two levels up),
or from the ``DESK_ROOT`` environment variable, which tests use to point the desk at a
temporary copy of the project.
"""

from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    env = os.environ.get("DESK_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


ROOT = _find_root()
DATA = ROOT / "data"
RAW = DATA / "raw"
MANIFEST = RAW / "manifest.json"
PROCESSED = DATA / "processed"
USER_DICT = DATA / "userdict.txt"
GLOSSES = DATA / "glosses"
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
CACHE = ROOT / ".cache"
VOCAB = DATA / "vocab"


def font_path() -> Path:
    """The Noto Sans SC font file shipped by pylopdf-fonts-zh-cn: what charts draw with and
    what the reports embed a subset of."""
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.sans_path())
