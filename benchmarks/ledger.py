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
3. Whole archive and a figure-dense page against cn2an (CPU seconds, the fastest of three
   alternate runs each, ratio; goal ≥ 1× cn2an's speed on both): ``extraction.extract`` vs ``cn2an.transform(text, "cn2an")`` on the whole
   archive, and on a 400,000-character page built from the seed page's sentences with generated
   figure clauses (about 37 figures per 1,000 characters, like the densest real news).
4. Converter: every numeral run found in 40 archive pages converted by ``runs.read`` and by
   ``cn2an.cn2an(run, "smart")``: time, runs cn2an refuses, values that differ.
5. One long sentence: a 40,000-character line of figures with no sentence end (the cost per
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


def _cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


REPEATS = 3


def _side_by_side(ours_fn, theirs_fn, repeats: int = REPEATS) -> tuple[float, float]:
    """CPU seconds of each, run alternately ``repeats`` times, the fastest run of each: on a
    shared machine one run's time varies by ±30 %, the fastest is the code's own cost."""
    ours, theirs = [], []
    for _ in range(repeats):
        ours.append(_cpu(ours_fn))
        theirs.append(_cpu(theirs_fn))
    return min(ours), min(theirs)


def _cn2an_transform(texts: list[str]) -> None:
    import cn2an

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in texts:
            cn2an.transform(t, "cn2an")


def _extract_all(pages: list[str]) -> None:
    """Every page through the ledger, keeping no page's figures (as cn2an's output is not kept)."""
    for p in pages:
        extraction.extract(p)


def archive_vs_cn2an(pages: list[str]) -> float:
    """The whole synthetic archive through ``extraction.extract`` and ``cn2an.transform``: CPU
    seconds and the ratio (above 1: the ledger is faster)."""
    ours, theirs = _side_by_side(lambda: _extract_all(pages), lambda: _cn2an_transform(pages))
    ratio = theirs / ours
    print(f"\nwhole archive (fastest of {REPEATS} alternate runs each): ledger.extract {ours:.2f} s CPU, cn2an.transform {theirs:.2f} s CPU; "
          f"ledger is {ratio:.2f}x cn2an's speed (goal >= 1)")
    return ratio


DENSE_FIGURES = [
    "{a}部", "{a}名", "约{a}万元", "超{b}亿元", "{a}个以上", "近{a}人", "{a}—{c}份", "{a}多户", "百分之{cn}",
    "{cn}成", "{cn}千余名", "两三千人", "十几万元", "{a}万{d}人", "叁拾万元整", "{b}%", "{m}月{d2}日", "{y}年",
]


def dense_page(target_chars: int = 400_000, seed: int = SEED) -> str:
    """A figure-dense page like the densest real news (about 37 figures per 1,000 characters):
    the seed page's own sentences, with a generated clause of figures after every one."""
    r = random.Random(seed)
    base = [s + "。" for s in manifest_page_text().split("。") if s.strip()]
    cn = ["三", "五", "七", "十二", "二十五", "一百二十"]
    out, size = [], 0
    while size < target_chars:
        sentence = r.choice(base)
        figures = "，".join(r.choice(DENSE_FIGURES).format(
            a=r.randint(2, 999), b=r.randint(1, 99), c=r.randint(1000, 1999), d=r.randint(100, 999),
            d2=r.randint(1, 28), m=r.randint(1, 12), y=r.randint(2000, 2030), cn=r.choice(cn))
            for _ in range(r.randint(1, 4)))
        piece = sentence.rstrip("。") + "，其中" + figures + "。"
        out.append(piece)
        size += len(piece)
    return "".join(out)


def manifest_page_text() -> str:
    return manifest.load_page().text


def dense_vs_cn2an() -> float:
    """The figure-dense page through ``extraction.extract`` and ``cn2an.transform``."""
    text = dense_page()
    figures = len(extraction.extract(text))
    ours, theirs = _side_by_side(lambda: extraction.extract(text), lambda: _cn2an_transform([text]))
    ratio = theirs / ours
    print(f"figure-dense page: {len(text):,} characters, {figures:,} figures "
          f"({1000 * figures / len(text):.1f} per 1,000 characters): ledger.extract {ours:.2f} s CPU, "
          f"cn2an.transform {theirs:.2f} s CPU; ledger is {ratio:.2f}x cn2an's speed (goal >= 1)")
    return ratio


def converter_comparison(pages: list[str]) -> None:
    """Convert every numeral run the ledger finds with ``runs.read`` and with ``cn2an.cn2an(run,
    "smart")``: CPU time, and how many cn2an cannot convert (pairs, 几/数, 成 …) or converts to a
    different value. This is the measurement behind keeping the desk's own converter."""
    import cn2an

    from helpers.figures import runs

    found = []
    for p in pages[:40]:
        norm = extraction._Context(p).norm
        found += [norm[s:e] for s, e in runs.runs(norm)]
    distinct = sorted(set(found))

    def ours():
        for run in found:
            try:
                runs._read_uncached(run)
            except Exception:
                pass

    def theirs():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for run in found:
                try:
                    cn2an.cn2an(run, "smart")
                except Exception:
                    pass

    t_ours, t_theirs = _side_by_side(ours, theirs)
    refused = differ = 0
    for run in distinct:
        try:
            mine = runs.read(run)
        except Exception:
            mine = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs_value = cn2an.cn2an(run, "smart")
        except Exception:
            refused += 1
            continue
        if mine is not None and (mine.value is None or float(mine.value) != float(theirs_value)):
            differ += 1
    print(f"\nconverting {len(found):,} runs found in 40 archive pages ({len(distinct):,} distinct): "
          f"runs.read {t_ours:.3f} s, cn2an.cn2an(smart) {t_theirs:.3f} s ({t_theirs / t_ours:.1f}x slower); "
          f"of the distinct runs cn2an refuses {refused}, gives another value for {differ}")


LONG_LINE_CHARS = 40_000


def long_sentence() -> None:
    line = ("投资123万元，" * (LONG_LINE_CHARS // 8 + 1))[:LONG_LINE_CHARS]
    t0 = time.perf_counter()
    n = len(extraction.extract(line))
    secs = time.perf_counter() - t0
    print(f"\none sentence of {len(line):,} characters (no 。), {n:,} figures: {secs:.2f} s")


def main() -> None:
    throughput()
    pages = synthetic_archive()
    archive_vs_cn2an(pages)
    dense_vs_cn2an()
    converter_comparison(pages)
    side_by_side()
    long_sentence()


if __name__ == "__main__":
    main()
