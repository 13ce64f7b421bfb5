"""Memory and output bounded by the input: for any page the desk accepts (at most 2 MB, at most
``MAX_NUMBERS`` numbers, none longer than ``MAX_NUMBER_DIGITS`` digits), `desk figures`,
`desk articles` and the build's ledger step stay under 300 MB of peak RSS and write output linear
in the page and its figures. Measured in a fresh subprocess (peak RSS of that process alone,
with an address-space cap so a regression fails instead of taking the machine down)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.page.reading import MAX_NUMBER_DIGITS, MAX_NUMBERS, MAX_PAGE_BYTES, read_text

pytestmark = pytest.mark.slow
PYTHON = sys.executable
PEAK_MB = 300
ROW_BYTES = 1500  # a ledger row: its sentence excerpt (300 characters, 900 bytes) and the rest
RAW_PAGE = Path(__file__).resolve().parents[2] / "data" / "raw" / "000_106e376f0b9f6718.txt"
PROSE = "园区建设项目推进顺利，企业投产达效"  # no numerals


def _fill(head: str, unit: str, count: int, tail: str = "") -> str:
    """`head`, then `unit` `count` times, then prose up to just under the page limit."""
    body = head + unit * count
    room = MAX_PAGE_BYTES - len(body.encode("utf-8")) - len(tail.encode("utf-8")) - 16
    pad = PROSE * (room // len(PROSE.encode("utf-8")))
    return body + pad + tail


def worst_pages(seed: int = 18) -> dict[str, str]:
    """Pages at the limits, of the shapes that cost most (each checked to be accepted)."""
    rng = random.Random(seed)
    n = MAX_NUMBERS - 50
    big = "9" * MAX_NUMBER_DIGITS
    raw = RAW_PAGE.read_text(encoding="utf-8")
    mixed = "".join(rng.choice(["投资{}万元，", "约{}人，", "超{}亩、", "{}个项目；", "近{}%，"]).format(
        rng.randint(1, 10 ** rng.randint(1, 12))) for _ in range(n * 4 // 5))
    return {
        # every figure in one 2 MB sentence: written out, each row would repeat it
        "one-sentence": _fill("标题\n\n本报讯 ", "1人，", n, "。\n"),
        # as many short sentences, one figure each
        "short-sentences": _fill("标题\n\n本报讯 ", "投资100元。", n, "\n"),
        # the longest numbers, as many as allowed, on one line
        "long-numbers": _fill("标题\n\n本报讯 ", f"投资{big}元，", n, "。\n"),
        # random figures with qualifiers, one line, no sentence end
        "mixed-one-line": _fill("标题\n\n本报讯 ", mixed, 1),
        # the real page repeated to the limit (many articles, captions, bylines)
        "real-repeated": (raw + "\n\n\n") * (MAX_PAGE_BYTES // len((raw + "\n\n\n").encode("utf-8"))),
    }


MEASURE = r"""
import dataclasses, json, resource, sys
from pathlib import Path

resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
what, page, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
if what == "ledger-step":
    from helpers.publish import plan, writing
    from helpers.page import manifest
    entry = dataclasses.replace(manifest.load()[0], slug="big", path=page)  # a real entry, another page
    rec = writing.write_data(plan.Layout.make(root=page.parent), [entry], "key", lambda m: None, out)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
else:
    from helpers.publish import cli
    with open(out, "w", encoding="utf-8") as fh:
        sys.stdout = fh
        code = cli.main([what, str(page)])
        sys.stdout = sys.__stdout__
    assert code == 0, code
    size = out.stat().st_size
# VmHWM is this process image's own peak: ru_maxrss would carry the peak of the (forked) pytest
# worker across exec, which is no measure of the command.
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"peak_mb": hwm / 1024, "bytes": size}))
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("worst")
    made = {}
    for name, text in worst_pages().items():
        path = base / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        assert path.stat().st_size <= MAX_PAGE_BYTES
        read_text(path)  # accepted: the bound is about pages the desk reads
        made[name] = path
    return made


def measure(what: str, page: Path, out: Path) -> dict:
    done = subprocess.run([PYTHON, "-c", MEASURE, what, str(page), str(out)], capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", ["one-sentence", "short-sentences", "long-numbers", "mixed-one-line",
                                  "real-repeated"])
def test_figures_command_is_bounded(pages, tmp_path, name):
    seen = measure("figures", pages[name], tmp_path / "out.csv")
    assert seen["peak_mb"] <= PEAK_MB, seen
    # output linear in the input: at most ROW_BYTES a number plus the page itself
    assert seen["bytes"] <= ROW_BYTES * MAX_NUMBERS + 2 * MAX_PAGE_BYTES, seen


@pytest.mark.parametrize("name", ["one-sentence", "real-repeated"])
def test_articles_command_is_bounded(pages, tmp_path, name):
    seen = measure("articles", pages[name], tmp_path / "out.csv")
    assert seen["peak_mb"] <= PEAK_MB, seen
    assert seen["bytes"] <= 4 * MAX_PAGE_BYTES, seen


@pytest.mark.parametrize("name", ["one-sentence", "short-sentences", "long-numbers", "mixed-one-line",
                                  "real-repeated"])
def test_ledger_step_is_bounded(pages, tmp_path, name):
    seen = measure("ledger-step", pages[name], tmp_path / "staged")
    assert seen["peak_mb"] <= PEAK_MB, seen
    assert seen["bytes"] <= 2 * (ROW_BYTES * MAX_NUMBERS + 2 * MAX_PAGE_BYTES), seen


def test_a_page_with_more_numbers_than_a_page_holds_is_refused(tmp_path):
    from helpers.errors import DeskError

    page = tmp_path / "many.txt"
    page.write_text("标题\n\n本报讯 " + "1人，" * (MAX_NUMBERS + 1) + "\n", encoding="utf-8")
    with pytest.raises(DeskError, match=rf"{MAX_NUMBERS + 1:,} numbers, more than the {MAX_NUMBERS:,} a page"):
        read_text(page)
