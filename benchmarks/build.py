"""How fast is `desk build` against the naive way, and how long does `make test` take?

Baseline: one `jupyter nbconvert --execute --to html` per notebook, in turn, into a temp dir.
Against it, from one run each:
  cold, empty font cache   `desk build --force` into an empty temp dir with an empty font
                           cache: nothing cached at all (the honest cold build),
  cold, font cache warm    the same with the project's font cache (.cache/fonts), which
                           holds the subsets from earlier builds,
  warm                     `desk build` again with nothing changed.
Goals: cold ≤ 0.3× baseline, warm ≤ 1 s, `make test` ≤ 60 s. Builds into a temp dir write
their processed data there too, so benchmarking never touches the repository.

    .venv/bin/python benchmarks/build.py [--skip-make-test]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(cmd: list[str], **kw) -> float:
    """Wall time of a command that must succeed (its output discarded)."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return elapsed


def baseline(notebooks: list[Path], out: Path) -> float:
    """The naive build: nbconvert, one notebook after another."""
    total = 0.0
    for nb in notebooks:
        total += timed([str(BIN / "jupyter"), "nbconvert", "--execute", "--to", "html",
                        "--output-dir", str(out), str(nb)], cwd=nb.parent)
    return total


def desk_build(out: Path, *, force: bool, cache: Path | None = None) -> float:
    """`desk build` in a fresh interpreter; with `cache`, a separate (empty) font cache."""
    if cache is None:
        return timed([str(BIN / "desk"), "build", "--out", str(out)] + (["--force"] if force else []))
    code = ("from helpers.publish import build; import sys; "
            f"r = build.build(out={str(out)!r}, force={force}, cache={str(cache)!r}); "
            "sys.exit(0 if r.ok else 1)")
    return timed([sys.executable, "-c", code])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-make-test", action="store_true", help="do not time `make test`")
    args = parser.parse_args()
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    if not notebooks:
        print("no notebooks to build; nothing to measure")
        return 0
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        tmp = Path(tmp)
        naive = baseline(notebooks, tmp / "naive")
        cold = desk_build(tmp / "cold", force=True)
        warm = desk_build(tmp / "cold", force=False)
        cold_nocache = desk_build(tmp / "nocache", force=True, cache=tmp / "cache")
    print(f"notebooks: {len(notebooks)}, CPUs: {os.cpu_count()}")
    print(f"baseline (nbconvert, sequential): {naive:6.2f} s")
    print(f"cold, empty font cache:           {cold_nocache:6.2f} s   {cold_nocache / naive:.2f}x baseline "
          "(goal <= 0.30x)")
    print(f"cold, font cache warm:            {cold:6.2f} s   {cold / naive:.2f}x baseline")
    print(f"desk build (no change):           {warm:6.2f} s   (goal <= 1 s)")
    if not args.skip_make_test:
        t = timed(["make", "test"], cwd=ROOT, env=dict(os.environ, CI=os.environ.get("CI", "")))
        # The baseline's time says how fast the machine is today (a shared VM varies by a third).
        print(f"make test:                        {t:6.2f} s   (goal <= 60 s; {t / naive:.1f}x the baseline's time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
