"""The committed reports/ are exactly what the committed notebooks and data produce.

A fresh forced build into a tmp dir must equal reports/, byte for byte; if not, someone
changed a notebook, the helpers or the data without running `make reports` (or the build is
not deterministic). The processed tables and the figure database are build outputs, not
committed (README, "What the repository keeps"); the build must still write them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import paths
from helpers.publish import build, plan

pytestmark = pytest.mark.slow


def _files(top: Path) -> dict[str, bytes]:
    """The published files (not the build lock, which holds the last build's pid)."""
    return {
        p.relative_to(top).as_posix(): p.read_bytes()
        for p in sorted(top.rglob("*"))
        if p.is_file() and not p.name.startswith(".desk-") and not p.name.endswith(".tmp")
        and p.name != ".build.lock"
    }


def test_committed_reports_are_current(tmp_path):
    if not plan.select_notebooks(plan.Layout.make(), []):
        pytest.skip("no notebooks/NN-slug.ipynb yet, so no reports to compare")
    result = build.build(out=tmp_path / "reports", force=True)
    assert result.ok, "\n".join(str(f) for f in result.failures)
    fresh, committed = _files(tmp_path / "reports"), _files(paths.REPORTS)
    # A build into another dir writes the processed data there, never into data/processed.
    prefix = plan.PROCESSED_NAME + "/"
    processed = {k[len(prefix):]: fresh.pop(k) for k in list(fresh) if k.startswith(prefix)}
    assert {"articles.csv", "figures.csv", "desk.sqlite"} <= set(processed), "the build wrote no processed data"
    missing = sorted(set(fresh) - set(committed))
    extra = sorted(set(committed) - set(fresh))
    changed = sorted(k for k in set(fresh) & set(committed) if fresh[k] != committed[k])
    assert not (missing or extra or changed), (
        "reports/ is out of date; run `make reports` and commit. "
        f"missing: {missing}; not produced any more: {extra}; different: {changed}"
    )
