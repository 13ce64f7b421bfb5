"""Does the hand-made WOFF2 writer (helpers.publish.woff2) save time on a cold build's font step?

A cold build (empty font cache) cuts one base subset of Noto Sans SC from the full font for
every character the build may show, then one WOFF2 subset per report page and one for the
index, each cut from the base. This times that whole step for the project's reports with
each writer, in this one process, alternating, with an empty cache each time:

  woff2.py    the build's way: fontTools subsets to plain OpenType and helpers.publish.woff2
              wraps it at Brotli quality 10;
  fontTools   fontTools' own writer (``flavor = "woff2"``, Brotli quality 11) on the same subset.

Each page's characters are those of its committed report (the HTML with its embedded font
removed); the base is made from the same sources as a build's (``writing.font_base``).
Prints wall and CPU seconds per writer (the best of `--rounds`), the ratio, and the bytes.

    .venv/bin/python benchmarks/fonts.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import html
import re
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.page import manifest  # noqa: E402
from helpers.publish import fonts, plan, writing  # noqa: E402

EMBEDDED_FONT = re.compile(r"url\(data:font/woff2;base64,[^)]*\)")


def page_texts(reports: Path) -> list[str]:
    """What each committed reader page shows (its HTML, the embedded font taken out)."""
    return [html.unescape(EMBEDDED_FONT.sub("", p.read_text(encoding="utf-8")))
            for p in sorted(reports.glob("*.html"))]


@contextlib.contextmanager
def fonttools_writer():
    """Pages' subsets written by fontTools' own WOFF2 writer instead of helpers.publish.woff2:
    the same subset (`fonts._subset_otf`), saved with ``flavor = "woff2"``."""
    from fontTools.ttLib import TTFont

    real_subset, real_save = fonts._subset, TTFont.save

    def save_as_woff2(self, file, reorderTables=True):
        self.flavor = "woff2"
        return real_save(self, file, reorderTables)

    def subset(source, chars):
        TTFont.save = save_as_woff2
        try:
            return fonts._subset_otf(source, chars)
        finally:
            TTFont.save = real_save

    fonts._subset = subset
    try:
        yield
    finally:
        fonts._subset = real_subset


def font_step(texts: list[str], entries, notebooks) -> tuple[float, float, int]:
    """Wall and CPU seconds of a cold font step, and the total bytes of the pages' fonts."""
    with tempfile.TemporaryDirectory(prefix="desk-bench-fonts-") as cache:
        lay = plan.Layout.make(root=ROOT, cache=Path(cache))
        wall, cpu = time.perf_counter(), time.process_time()
        base = writing.font_base(lay, entries, notebooks, log=print)
        sizes = [len(fonts.subset_woff2(t, cache_dir=lay.cache, base=base)) for t in texts]
        return time.perf_counter() - wall, time.process_time() - cpu, sum(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per writer (the best is kept)")
    rounds = parser.parse_args().rounds
    lay = plan.Layout.make(root=ROOT)
    entries = manifest.verify_all(lay.manifest)
    notebooks = [SimpleNamespace(notebook=p) for p in sorted(lay.notebooks.glob("*.ipynb"))]
    texts = page_texts(ROOT / "reports")
    fonts.font_face_css("warm-up 字", cache_dir=Path(tempfile.mkdtemp(prefix="desk-bench-warm-")))  # imports
    runs: dict[str, list[tuple[float, float, int]]] = {"woff2.py": [], "fontTools": []}
    for _ in range(rounds):
        runs["woff2.py"].append(font_step(texts, entries, notebooks))
        with fonttools_writer():
            runs["fontTools"].append(font_step(texts, entries, notebooks))
    best = {name: (min(r[0] for r in rs), min(r[1] for r in rs), rs[0][2]) for name, rs in runs.items()}
    print(f"cold font step for {len(texts)} pages (base subset + one WOFF2 per page), best of {rounds}:")
    for name, (wall, cpu, size) in best.items():
        print(f"  {name:<10} {wall:6.2f} s wall  {cpu:6.2f} s CPU  {size / 1024:8.1f} KiB of fonts")
    (w_wall, w_cpu, w_size), (f_wall, f_cpu, f_size) = best["woff2.py"], best["fontTools"]
    print(f"woff2.py saves {f_wall - w_wall:.2f} s wall ({w_wall / f_wall:.2f}x of fontTools' time), "
          f"{f_cpu - w_cpu:.2f} s CPU, for {100 * (w_size / f_size - 1):+.1f}% bytes")


if __name__ == "__main__":
    main()
