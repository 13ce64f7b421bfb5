"""Benchmark the figure ledger: throughput on a synthetic archive, and cn2an side by side.

Run from anywhere: ``.venv/bin/python benchmarks/ledger.py``.

1. Throughput: a seeded, in-memory archive of at least 4 MB (a year of pages written from
   varied templates with every figure form the ledger reads) goes through ``extraction.extract``;
   prints MB/s and seconds (goal: ≤ 10 s on one core).
2. Side by side on the manifest page: ``extraction.extract`` against ``cn2an.transform(text,
   "cn2an")``: time, and how many of the page's hand-read figures (the table in
   ``tests/figures/test_ledger.py``) each gets right.
   * ledger right: a figure with that id has the expected surface, value, unit and qualifier.
   * cn2an right (generous, since cn2an only rewrites numerals): transforming the figure's
     surface yields an Arabic number equal to the expected value, counting a number followed by
     万/亿 at its full value (``16.5亿`` counts as 1650000000); for a range both ends must appear.
3. One long sentence: a 40,000-character line of figures with no sentence end (the cost per
   figure must not grow with the sentence; it once took ~50 s).
"""

from __future__ import annotations

import importlib.util
import random
import re
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.figures import extraction, ledger  # noqa: E402
from helpers.page import manifest  # noqa: E402

TARGET_BYTES = 4 * 1024 * 1024
SEED = 20240128

PLACES = ["张坂镇", "东园镇", "洛阳镇", "百崎回族乡", "台商区", "泉州东站", "白奇村", "玉埕中学"]
THINGS = [("公交车", "部"), ("客运车辆", "辆"), ("志愿者", "名"), ("困难群众", "户"), ("厂房", "栋"),
          ("棉被", "床"), ("春联", "副"), ("社区活动", "场"), ("企业", "家"), ("项目", "个")]
CN_NUMBERS = ["三千", "两", "一百二十", "二十五", "十一", "四", "九百", "一万五"]


def _n(r: random.Random) -> str:
    """A numeral in one of the written forms."""
    x = r.randint(2, 99999)
    forms = [str(x), f"{x:,}", f"{r.randint(1, 999)}.{r.randint(1, 9)}万", f"{r.randint(1, 99)}.{r.randint(1, 9)}亿",
             r.choice(CN_NUMBERS), str(x).translate(str.maketrans("0123456789", "０１２３４５６７８９"))]
    return r.choice(forms)


TEMPLATES = [
    lambda r: f"{r.choice(PLACES)}共投入{r.choice(THINGS)[0]}{r.randint(2, 300)}{r.choice(THINGS)[1]}，"
              f"服务群众{_n(r)}多人次。",
    lambda r: f"待项目全部投产后，投资总额将超{_n(r)}元，提供就业岗位{r.randint(100, 9000)}个以上。",
    lambda r: f"{r.randint(2000, 2030)}年{r.randint(1, 12)}月{r.randint(1, 28)}日上午，{r.choice(PLACES)}举行"
              f"首届“五个一百”活动，总投资约{_n(r)}万元。",
    lambda r: f"每次送出{r.randint(1, 20)}—{r.randint(21, 40)}份，当地{r.randint(50, 80)}周岁以上老人"
              f"近{r.randint(100, 999)}人参加，气温{r.randint(-5, 5) + 6}℃~{r.randint(12, 20)}℃。",
    lambda r: f"增长百分之{r.choice(CN_NUMBERS)}，占比{r.randint(1, 99)}.{r.randint(0, 9)}%，"
              f"连续{r.randint(2, 9)}年获评，第{r.choice(CN_NUMBERS)}个试点，位于{r.choice(['三', '五', '十二'])}楼。",
    lambda r: f"记者了解到，{r.choice(PLACES)}在5G基站和G356国道沿线新建{r.choice(THINGS)[0]}"
              f"{r.randint(1, 99)}{r.choice(THINGS)[1]}，不足{r.randint(10, 99)}户未完成，预计{r.randint(3, 12)}月中旬完工。",
    lambda r: "近年来，台商区以工业园区标准化建设为抓手，致力于打造一个集研发、孵化于一体的生态圈，"
              "四川、三明等地企业一起参与，统一部署。",
]


def synthetic_archive(target: int = TARGET_BYTES, seed: int = SEED) -> list[str]:
    """Pages (one per day, cycling) until the archive holds ``target`` bytes of UTF-8."""
    r = random.Random(seed)
    pages, size, day = [], 0, 0
    while size < target:
        paras = ["".join(r.choice(TEMPLATES)(r) for _ in range(r.randint(2, 6))) for _ in range(r.randint(8, 20))]
        page = f"第{day % 365 + 1}期\n\n" + "\n\n".join(paras) + "\n"
        pages.append(page)
        size += len(page.encode("utf-8"))
        day += 1
    return pages


def throughput() -> None:
    pages = synthetic_archive()
    mb = sum(len(p.encode("utf-8")) for p in pages) / 1e6
    t0 = time.perf_counter()
    n = sum(len(extraction.extract(p)) for p in pages)
    secs = time.perf_counter() - t0
    print(f"synthetic archive: {len(pages)} pages, {mb:.2f} MB, {n:,} figures")
    print(f"extraction.extract: {secs:.2f} s, {mb / secs:.2f} MB/s (goal: ≤ 10 s on one core) "
          f"{'OK' if secs <= 10 else 'SLOWER THAN GOAL'}")


def _expected_page_table() -> list[tuple]:
    spec = importlib.util.spec_from_file_location("_page_table", ROOT / "tests" / "figures" / "test_ledger.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PAGE


_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(万|亿)?")


def _cn2an_values(text: str) -> set[float]:
    import cn2an

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = cn2an.transform(text, "cn2an")
    scale = {"万": 1e4, "亿": 1e8, None: 1}
    return {round(float(m.group(1)) * scale[m.group(2)], 6) for m in _TOKEN.finditer(out)}


def side_by_side() -> None:
    import cn2an

    page = manifest.load_page()
    expected = _expected_page_table()
    ours = {f.id: f for f in ledger.figures_of_page(page)}
    by_surface = {f.id: f for f in ours.values()}

    reps = 20
    t0 = time.perf_counter()
    for _ in range(reps):
        extraction.extract(page.text)
    t_ours = (time.perf_counter() - t0) / reps
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        for _ in range(reps):
            cn2an.transform(page.text, "cn2an")
        t_cn2an = (time.perf_counter() - t0) / reps

    ours_right = cn_right = 0
    for fid, surface, value, unit, qualifier, _kind, _proj in expected:
        f = by_surface.get(fid)
        if f and (f.surface, f.value, f.unit, f.qualifier) == (surface, value, unit, qualifier):
            ours_right += 1
        values = _cn2an_values(surface)
        wanted = [f.low, f.high] if (f and value is None) else [value]
        if wanted and all(w is not None and round(float(w), 6) in values for w in wanted):
            cn_right += 1
    total = len(expected)
    print(f"\npage {page.slug}: {len(page.text):,} characters, {total} hand-read figures")
    print(f"{'':10}{'time/page':>12}{'right':>10}")
    print(f"{'ledger':10}{t_ours * 1000:>10.2f}ms{ours_right:>6}/{total}")
    print(f"{'cn2an':10}{t_cn2an * 1000:>10.2f}ms{cn_right:>6}/{total}")
    print(f"ratios: ledger is {t_cn2an / t_ours:.1f}× the speed of cn2an; "
          f"gets {ours_right / max(cn_right, 1):.2f}× as many figures right "
          f"(cn2an keeps no unit, qualifier or offsets at all)")


LONG_LINE_CHARS = 40_000


def long_sentence() -> None:
    line = ("投资123万元，" * (LONG_LINE_CHARS // 8 + 1))[:LONG_LINE_CHARS]
    t0 = time.perf_counter()
    n = len(extraction.extract(line))
    secs = time.perf_counter() - t0
    print(f"\none sentence of {len(line):,} characters (no 。), {n:,} figures: {secs:.2f} s")


def main() -> None:
    throughput()
    side_by_side()
    long_sentence()


if __name__ == "__main__":
    main()
