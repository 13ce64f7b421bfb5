"""What the repository keeps (README, "What the repository keeps"): the first page's overview
and source view are committed; every other page's are build outputs that git ignores, so an
added page commits its raw file, manifest entry, ledger and a few lines of the index."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from helpers import paths
from helpers.page import manifest
from helpers.story import outputs

pytestmark = pytest.mark.skipif(shutil.which("git") is None or not (paths.ROOT / ".git").exists(),
                                reason="needs git and a checkout")


def ignored(*rels: str) -> set[str]:
    """Which of these paths (relative to the root) the repository's .gitignore ignores."""
    done = subprocess.run(["git", "-c", "core.excludesFile=/dev/null", "check-ignore", "--no-index", *rels],
                          cwd=paths.ROOT, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return set(done.stdout.split())


def test_only_the_first_pages_views_are_committed():
    first = manifest.load()[0].slug
    other = "gen-0001"
    kept = [f"reports/{outputs.SOURCE_VIEW.format(page=first)}", "reports/00-page-overview.html",
            f"reports/data/figures-{other}.csv", "reports/index.html", "reports/.build.json"]
    dropped = [f"reports/{outputs.SOURCE_VIEW.format(page=other)}", f"reports/00-page-overview--{other}.html",
               f"reports/data/00-page-overview--{other}/figures-per-piece.csv"]
    got = ignored(*kept, *dropped)
    assert not got & set(kept), (f"the .gitignore hides {sorted(got & set(kept))}: the first page in the manifest is "
                                 f"{first!r}; make .gitignore keep its source view")
    assert got == set(dropped), sorted(set(dropped) - got)
