"""Two qualifier rules from the evaluation of other papers' pages: 多 after the unit (60%多, 两倍多,
七成多: more than) and a qualifier that governs a list (分别约为30万元、45万元: every item about),
with the wordings that must stay as they are (分别达, 分别为, 60%多为 "mostly")."""

from __future__ import annotations

import pytest

from helpers.figures.extraction import extract


def _read(sentence: str) -> list[tuple]:
    """(surface, value, low, high, unit, qualifier) of each figure of ``sentence``."""
    return [(f.surface, f.value, f.low, f.high, f.unit, f.qualifier) for f in extract(sentence)]


@pytest.mark.parametrize("sentence, expected", [
    # 多 after a percent, a share or a multiple: more than, a floor and no ceiling
    ("该镇外出务工人员占劳动力的60%多。", [("60%多", 60, 60, None, "%", "more_than")]),
    ("全镇60%多的村民种上了茶叶", [("60%多", 60, 60, None, "%", "more_than")]),
    ("利润增长了百分之六十多，", [("百分之六十多", 60, 60, None, "%", "more_than")]),
    ("全县七成多，", [("七成多", 70, 70, None, "%", "more_than")]),
    ("增速回落1个百分点多。", [("1个百分点多", 1, 1, None, "个百分点", "more_than")]),
    ("景区客流比去年增长了两倍多。", [("两倍多", 2, 2, None, "倍", "more_than")]),
    ("同比增长6倍多", [("6倍多", 6, 6, None, "倍", "more_than")]),
    ("收入翻了两番多，", [("翻了两番多", 4, 4, None, "倍", "more_than")]),
    # a unit of time takes 多 and 余 as before
    ("工程历时3年多，", [("3年多", 3, 3, None, "年", "more_than")]),
    ("工期两年余。", [("两年余", 2, 2, None, "年", "more_than")]),
    # 多 that opens a word stays out of the figure: 多为 "mostly", 多种, 多家
    ("受访者中60%多为女性。", [("60%", 60, 60, 60, "%", "exact")]),
    ("产量提高两倍多种经营", [("两倍", 2, 2, 2, "倍", "exact")]),
    ("其中30%多家企业", [("30%", 30, 30, 30, "%", "exact")]),
    # 多 before the unit is read as before
    ("80多位病人", [("80多位", 80, 80, None, "位", "more_than")]),
])
def test_more_after_the_unit(sentence, expected):
    assert _read(sentence) == expected


@pytest.mark.parametrize("sentence, expected", [
    # 分别 + a qualifier word: every figure of the list that follows takes it
    ("新旧项目的投资分别约为30万元、45万元。",
     [("约为30万元", 300000, None, None, "元", "about"), ("45万元", 450000, None, None, "元", "about")]),
    ("两地降雨量分别约30毫米和45毫米，",
     [("约30毫米", 30, None, None, "毫米", "about"), ("45毫米", 45, None, None, "毫米", "about")]),
    ("各景区分别约为1.2万人次、8000人次与6000人次。",
     [("约为1.2万人次", 12000, None, None, "人次", "about"), ("8000人次", 8000, None, None, "人次", "about"),
      ("6000人次", 6000, None, None, "人次", "about")]),
    ("南北院区分别超过300人、200人",
     [("超过300人", 300, 300, None, "人", "more_than"), ("200人", 200, 200, None, "人", "more_than")]),
    ("合格率分别不足10%及20%",
     [("不足10%", 10, None, 10, "%", "at_most"), ("20%", 20, None, 20, "%", "at_most")]),
    ("兩地的投入分別約為30萬元、45萬元",
     [("約為30萬元", 300000, None, None, "元", "about"), ("45萬元", 450000, None, None, "元", "about")]),
    # the list ends at a mark other than 、和与及, a figure with its own qualifier keeps it
    ("分别约为30万元、45万元，同比增长10%。",
     [("约为30万元", 300000, None, None, "元", "about"), ("45万元", 450000, None, None, "元", "about"),
      ("10%", 10, 10, 10, "%", "exact")]),
    ("分别约为30万元、45万元。另有50万元用于维修",
     [("约为30万元", 300000, None, None, "元", "about"), ("45万元", 450000, None, None, "元", "about"),
      ("50万元", 500000, 500000, 500000, "元", "exact")]),
    ("分别约为30万元、45万元以上",
     [("约为30万元", 300000, None, None, "元", "about"), ("45万元以上", 450000, 450000, None, "元", "at_least")]),
    ("分别约为3万人、5万人和2024年的数字",
     [("约为3万人", 30000, None, None, "人", "about"), ("5万人", 50000, None, None, "人", "about"),
      ("2024年", 2024, 2024, 2024, "年", "exact")]),
    # no qualifier word right after 分别: the list stays exact (分别达, 分别为, 分别增长)
    ("两地分别达30万元、45万元。",
     [("30万元", 300000, 300000, 300000, "元", "exact"), ("45万元", 450000, 450000, 450000, "元", "exact")]),
    ("两地分别达到30万元和45万元。",
     [("30万元", 300000, 300000, 300000, "元", "exact"), ("45万元", 450000, 450000, 450000, "元", "exact")]),
    ("前后分别为30万元、45万元。",
     [("30万元", 300000, 300000, 300000, "元", "exact"), ("45万元", 450000, 450000, 450000, "元", "exact")]),
    ("分别同比增长22.9%和13%。",
     [("22.9%", 22.9, 22.9, 22.9, "%", "exact"), ("13%", 13, 13, 13, "%", "exact")]),
    # a qualifier after the verb sits next to one figure only: left as printed
    ("分别为超30万元、45万元",
     [("超30万元", 300000, 300000, None, "元", "more_than"), ("45万元", 450000, 450000, 450000, "元", "exact")]),
    ("分别增长约5%、8%",
     [("约5%", 5, None, None, "%", "about"), ("8%", 8, 8, 8, "%", "exact")]),
    # without 分别 a qualifier stays with its own figure
    ("投资约为30万元、45万元",
     [("约为30万元", 300000, None, None, "元", "about"), ("45万元", 450000, 450000, 450000, "元", "exact")]),
    # 分别近3年、5年: 近 before years is "the last", not a qualifier, so nothing to carry
    ("分别近3年、5年",
     [("3年", 3, 3, 3, "年", "exact"), ("5年", 5, 5, 5, "年", "exact")]),
])
def test_a_qualifier_that_governs_a_list(sentence, expected):
    assert _read(sentence) == expected
