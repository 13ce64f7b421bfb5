"""Every way a Chinese page prints a number (issue 20): cn2an's own cases, An2Cn round trips,
one test per family, and no number-like span given a value for only part of itself."""

from __future__ import annotations

import importlib
import math
import random
import warnings
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.figures import extraction, runs
from helpers.figures.numerals import NumberError
from helpers.story import checks

MONEY_ENDINGS = ("元整", "圆整", "元正", "圆正", "元", "圆", "角", "分")
# cn2an cases the desk reads differently on purpose (README, "Numerals"): reason for each.
DELIBERATE = {
    "一": "a bare 一 before a measure word is the indefinite article (一个, 一批), read only as 第一",
}


def cn2an_cases() -> dict[str, float]:
    """cn2an's strict, normal and smart conversion cases, from the installed package's tests."""
    module = importlib.import_module("cn2an.cn2an_test")
    case = module.Cn2anTest()
    case.setUp()
    out: dict[str, float] = {}
    for table in (case.strict_data_dict, case.normal_data_dict, case.smart_data_dict):
        out.update(table)
    return out


def sentence(numeral: str) -> str:
    """The case as a newspaper would print it: a sum of money, else a head count."""
    return f"合计{numeral}。" if numeral.endswith(MONEY_ENDINGS) else f"全县共有{numeral}人。"


def reads_as(numeral: str, expected) -> bool:
    text = sentence(numeral)
    figs = [f for f in extraction.extract(text) if f.value is not None]
    at = text.index(numeral)
    return (len(figs) == 1 and figs[0].start <= at and figs[0].end >= at + len(numeral)
            and math.isclose(figs[0].value, expected, rel_tol=1e-12, abs_tol=1e-18))


def test_cn2an_cases_read_right():
    cases = cn2an_cases()
    wrong = sorted(k for k, v in cases.items() if not reads_as(k, v))
    assert set(wrong) == set(DELIBERATE), wrong
    assert len(cases) >= 100 and 1 - len(wrong) / len(cases) >= 0.97


def _an2cn(n, mode: str) -> str:
    from cn2an import An2Cn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return An2Cn().an2cn(n, mode)


@pytest.mark.parametrize("mode", ["low", "up", "rmb"])
def test_an2cn_round_trips_in_every_mode(mode):
    """3,000 seeded random numbers per mode, written by cn2an's An2Cn, read back exactly (≥ 99.9%;
    in fact all but the deliberate exception 一)."""
    r = random.Random(20 + len(mode))
    numbers = [r.choice([r.randint(2, 10**k) for k in range(1, 16)]) for _ in range(3000)]
    if mode == "rmb":
        numbers = [n if i % 2 else Decimal(r.randint(1, 10**8)) / 100 for i, n in enumerate(numbers)]
    wrong = []
    for n in numbers:
        written = _an2cn(str(n), mode)
        if not reads_as(written, float(n)):
            wrong.append((n, written))
    assert len(wrong) / len(numbers) <= 0.001, wrong[:10]


@settings(max_examples=300, deadline=None)
@given(n=st.integers(min_value=2, max_value=10**16 - 1), mode=st.sampled_from(["low", "up", "rmb"]))
def test_an2cn_numbers_read_back_exactly(n, mode):
    written = _an2cn(n, mode)
    assert reads_as(written, n), (n, written, sentence(written), extraction.extract(sentence(written)))


@settings(max_examples=150, deadline=None)
@given(yuan=st.integers(min_value=0, max_value=10**9), cents=st.integers(min_value=1, max_value=99))
def test_an2cn_sums_with_jiao_and_fen_read_back(yuan, cents):
    value = Decimal(yuan) + Decimal(cents) / 100
    written = _an2cn(str(value), "rmb")
    assert reads_as(written, float(value)), (str(value), written)


N = None
# (sentence, surface, value, low, high, unit, qualifier, kind): one or more rows per family.
FAMILIES = [
    # a leading 十 before a magnitude
    ("奖励十万元。", "十万元", 100000, 100000, 100000, "元", "exact", "amount"),
    ("投资十亿元。", "十亿元", 1000000000, 1000000000, 1000000000, "元", "exact", "amount"),
    ("吸引十万余人。", "十万余人", 100000, 100000, N, "人", "more_than", "count"),
    # a bare magnitude with 余/多
    ("招募千余名志愿者。", "千余名", 1000, 1000, N, "名", "more_than", "count"),
    ("百余位专家。", "百余位", 100, 100, N, "位", "more_than", "count"),
    ("惠及万余户。", "万余户", 10000, 10000, N, "户", "more_than", "count"),
    # approximate pairs
    ("四五十个村。", "四五十个", N, 40, 50, "个", "about", "count"),
    ("两三千人参加。", "两三千人", N, 2000, 3000, "人", "about", "count"),
    ("收获两三百斤。", "两三百斤", N, 200, 300, "斤", "about", "other"),
    ("接待二三十万人次。", "二三十万人次", N, 200000, 300000, "人次", "about", "count"),
    ("十七八岁的青年。", "十七八岁", N, 17, 18, "岁", "about", "other"),
    # vague places with bounds
    ("吸引十几万人。", "十几万人", N, 110000, 190000, "人", "about", "count"),
    ("投入数十万元。", "数十万元", N, 200000, 900000, "元", "about", "amount"),
    # shares and multipliers
    ("七成受访者。", "七成", 70, 70, 70, "%", "exact", "percent"),
    ("三成以上。", "三成以上", 30, 30, N, "%", "at_least", "percent"),
    ("占近两成。", "近两成", 20, N, 20, "%", "nearly", "percent"),
    ("三分之一的村。", "三分之一", 100 / 3, 100 / 3, 100 / 3, "%", "exact", "percent"),
    ("四分之三的户。", "四分之三", 75, 75, 75, "%", "exact", "percent"),
    ("增长百分之十五。", "百分之十五", 15, 15, 15, "%", "exact", "percent"),
    ("全场八折。", "八折", 80, 80, 80, "%", "exact", "percent"),
    ("会员八五折。", "八五折", 85, 85, 85, "%", "exact", "percent"),
    ("产值翻一番。", "翻一番", 2, 2, 2, "倍", "exact", "other"),
    ("收入翻了两番。", "翻了两番", 4, 4, 4, "倍", "exact", "other"),
    ("产量增长一倍。", "一倍", 1, 1, 1, "倍", "exact", "other"),
    # signs
    ("气温零下十度。", "零下十度", -10, -10, -10, "度", "exact", "other"),
    ("地下负一层。", "负一层", -1, -1, -1, "层", "exact", "ordinal"),
    ("出现负增长百分之二。", "负增长百分之二", -2, -2, -2, "%", "exact", "percent"),
    # older and formal styles
    ("廿五日举行。", "廿五日", 25, 25, 25, "日", "exact", "date"),
    ("卅日截止。", "卅日", 30, 30, 30, "日", "exact", "date"),
    ("罚款人民币叁拾万元整。", "叁拾万元整", 300000, 300000, 300000, "元", "exact", "amount"),
    ("中标价伍仟元。", "伍仟元", 5000, 5000, 5000, "元", "exact", "amount"),
    ("合计玖仟陆佰陆拾伍圆壹角捌分。", "玖仟陆佰陆拾伍圆壹角捌分", 9665.18, 9665.18, 9665.18, "元", "exact", "amount"),
    ("粮食一二一亿斤。", "一二一亿斤", 12100000000, 12100000000, 12100000000, "斤", "exact", "other"),
    # mixed writing
    ("观众1万600人。", "1万600人", 10600, 10600, 10600, "人", "exact", "count"),
    ("用户100万三千人。", "100万三千人", 1003000, 1003000, 1003000, "人", "exact", "count"),
    ("共1百01人。", "1百01人", 101, 101, 101, "人", "exact", "count"),
]


@pytest.mark.parametrize("text, surface, value, low, high, unit, qualifier, kind", FAMILIES)
def test_every_family_reads_with_value_bounds_unit_and_qualifier(text, surface, value, low, high, unit,
                                                                  qualifier, kind):
    figs = extraction.extract(text)
    assert len(figs) == 1, figs
    f = figs[0]
    assert (f.surface, f.unit, f.qualifier, f.kind) == (surface, unit, qualifier, kind)
    for got, want in ((f.value, value), (f.low, low), (f.high, high)):
        assert (got is None) == (want is None) and (want is None or math.isclose(got, want))


@pytest.mark.parametrize("text", ["队伍人员到齐。", "三五成群。", "一成不变。", "十四五期间。", "总人数十分。",
                                  "补贴30万一次性发放。"])
def test_words_made_of_numeral_characters_are_not_figures(text):
    """伍 and 陆 are capitals only in a sum; 三五成群 and 一成不变 are idioms; 十四五 is a plan;
    after 30万 a 一 starts the next word (一次性)."""
    assert [f.surface for f in extraction.extract(text) if f.unit != ""] == []


@pytest.mark.parametrize("text, surface", [("共1万6人。", "1万6人"), ("一百二十三四五六人。", "一百二十三四五六人"),
                                           ("共有15百人。", "15百人"), ("约10.1万零100元。", "10.1万零100元")])
def test_a_run_not_read_whole_is_listed_unread(text, surface):
    """1万6 is 16000 or 10006; the ledger lists such a run whole, with no value, never a part of it."""
    figs = extraction.extract(text)
    assert [(f.surface, f.value, f.low, f.high, f.qualifier) for f in figs] == [(surface, N, N, N, "unread")]


def test_the_page_check_lists_unread_figures():
    figs = extraction.extract("全县共有1万6人。")
    found = checks.unread(figs)
    assert [(c.rule, c.claim, c.verdict) for c in found] == [("unread-figure", "1万6人", checks.CANNOT)]


def test_reader_refuses_what_is_not_one_number():
    for run in ["十一十二", "一万二万", "1万6", "10.1万零100", "两三两", "数几十"]:
        with pytest.raises(NumberError):
            runs.read(run)


NUMERAL_CHARS = "0123456789一二两三四五六七八九十百千万亿零点几数廿壹贰叁拾佰仟伍陆.,"
OTHER_CHARS = "人元个名户年月日成折番余多以上近约超分之、，。的在有共"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=NUMERAL_CHARS + OTHER_CHARS, max_size=30))
def test_no_span_gets_a_value_for_only_part_of_itself(text):
    """Every numeral run the ledger gives a value (or bounds) lies wholly inside that figure."""
    norm, at = extraction._normalize(text)
    spans = [(at[s], at[e - 1] + 1) for s, e in runs.runs(norm)]
    for f in extraction.extract(text):
        if f.qualifier == "unread":
            continue
        for s, e in spans:
            if s < f.end and e > f.start:
                assert f.start <= s and e <= f.end, (text, f.surface, text[s:e])
