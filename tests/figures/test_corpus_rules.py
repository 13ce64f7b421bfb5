"""Ledger rules for other papers' figures, each tested on a sentence of the evaluation corpus
(tests/corpus/pages): units with a 千 prefix, compound and measure units, clock times, ordinals in
names, 近千, 大约…多, N小时内, 多 after the unit, lists and spans of days, and plans that stay plans."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.figures.extraction import extract

CORPUS = "\n".join(p.read_text(encoding="utf-8")
                   for p in sorted((Path(__file__).parents[1] / "corpus" / "pages").glob("*.txt")))


def _read(sentence: str) -> list[tuple]:
    assert sentence in CORPUS, "the rule must be shown on a sentence of the corpus"
    return [(f.surface, f.value if f.value is not None else (f.low, f.high), f.unit, f.qualifier)
            for f in extract(sentence)]


@pytest.mark.parametrize("sentence, expected", [
    # 千 before 瓦/米/克/升 belongs to the unit; 万 and 亿 stay magnitudes
    ("全市实际发电装机容量133.9万千瓦", [("133.9万千瓦", 1339000, "千瓦", "exact")]),
    ("完成发电量36.4亿千瓦时", [("36.4亿千瓦时", 3640000000, "千瓦时", "exact")]),
    ("五月份工业用电六十四亿千瓦小时", [("五月", 5, "月", "exact"), ("六十四亿千瓦小时", 6400000000, "千瓦小时", "exact")]),
    ("建筑行业用电量超过1400万千瓦时", [("超过1400万千瓦时", 14000000, "千瓦时", "more_than")]),
    ("新建年产能40万千升(一期)啤酒工厂项目", [("40万千升", 400000, "千升", "exact")]),
    # compound and measure units as printed
    ("旅客周转量148.98亿人公里", [("148.98亿人公里", 14898000000, "人公里", "exact")]),
    ("货物周转量46.78亿吨公里", [("46.78亿吨公里", 4678000000, "吨公里", "exact")]),
    ("最大雨量在巴中市南江县贵民镇(33.8mm)", [("33.8mm", 33.8, "mm", "exact")]),
    ("冶力关镇平均温度15摄氏度", [("15摄氏度", 15, "摄氏度", "exact")]),
    ("此次过程共出现大暴雨29站、暴雨37站", [("29站", 29, "站", "exact"), ("37站", 37, "站", "exact")]),
    ("国家铁路日均装车18.26万车", [("18.26万车", 182600, "车", "exact")]),
    ("车程将从原来6个小时压缩到约4小时", [("6个小时", 6, "个小时", "exact"), ("约4小时", 4, "小时", "about")]),
    # clock times are not figures
    ("8月11日14时30分许，民警根据线索", [("8月11日", 11, "日", "exact")]),
    ("从上午10点到12点，各地来了10趟救护车，到下午4:00急诊室共收治80多位病人",
     [("10趟", 10, "趟", "exact"), ("80多位", 80, "位", "more_than")]),
    ("2月5日上午7点多，温州鹿城经侦民警戴伟等6位民警", [("2月5日", 5, "日", "exact"), ("6位", 6, "位", "exact")]),
    ("28日17时至29日7:30", [("28日", 28, "日", "exact"), ("29日", 29, "日", "exact")]),
    # ordinals in names and fixed phrases are not figures; a rank is
    ("市中区第一产业增加值39亿元", [("39亿元", 3900000000, "元", "exact")]),
    ("图为市第十八小学在上开学第一课", []),
    ("河南南阳医专附属第二医院儿科女医生张娟", []),
    ("连续5年居全国第一", [("5年", 5, "年", "exact"), ("第一", 1, "", "exact")]),
    # qualifiers
    ("近千名来自全国各地的长跑爱好者", [("近千名", 1000, "名", "nearly")]),
    ("境外媒体也有近百家，记者近千人", [("近百家", 100, "家", "nearly"), ("近千人", 1000, "人", "nearly")]),
    ("当天下午国足训练遇上大雨，仍有过百名记者到场", [("过百名", 100, "名", "more_than")]),
    ("龙母庙迎来了大约1.2万多人次的游客", [("大约1.2万多人次", 12000, "人次", "about")]),
    ("另一名被通缉的嫌疑人同样在1小时内落网", [("1小时内", 1, "小时", "at_most")]),
    ("新晋5A级景区剑门关前4天累计接待21.19万人，同比增长6倍多",     # 多 after the unit
     [("4天", 4, "天", "exact"), ("21.19万人", 211900, "人", "exact"), ("6倍多", 6, "倍", "more_than")]),
    # days: a list that prints 日 once, a span in one month
    ("19、20日两日的客流量大约共五千人左右",
     [("19", 19, "日", "exact"), ("20日", 20, "日", "exact"), ("两日", 2, "日", "exact"),
      ("五千人左右", 5000, "人", "about")]),
    ("两岸及香港23家媒体的43名记者将于7月16日-24日赴甘肃多地采访",
     [("23家", 23, "家", "exact"), ("43名", 43, "名", "exact"), ("7月16日-24日", (16, 24), "日", "range")]),
])
def test_figures_of_other_papers(sentence, expected):
    assert _read(sentence) == expected


@pytest.mark.parametrize("sentence, projected", [
    # 计划 as a verb or planned amount: a plan; as a noun (完成/占 …计划, 计划…的): not
    ("今年该市安排重点项目82个，年度计划投资130.16亿元。", [False, True]),
    ("前三季度，累计完成投资151.88亿元，占年度计划的116.69%，提前超额完成年度投资任务。", [False, False]),
    ("今年全市111个重大项目调整后计划总投资771.12亿元，1~7月完成投资343.19亿元，占年度投资计划的44.51%。",
     [False, True, False, False, False]),
    ("我市131个省重点项目年度计划投资883.4亿元，今年1—9月完成投资724.4亿元，完成年度计划投资的82%，",
     [False, True, False, False, False]),
    # a marker inside the sentence stops at a ；, one that opens it governs it all
    ("其中，雪花啤酒新建年产能40万千升(一期)啤酒工厂项目正在投料试产，预计明年3月预验收；隐形眼镜生产项目第八条生产线已进入"
     "生产调试阶段。", [False, True, False]),
    ("预计1-9月，全市实际发电装机容量133.9万千瓦，同比增长16.6%；完成发电量36.4亿千瓦时，同比增长10.3%；",
     [True, True, True, True, True]),
    # what was is not projected, what will be is
    ("车程将从原来6个小时压缩到约4小时。", [False, True]),
    ("按照明年预期目标，要完成公路水路固定资产投资1.8万亿元左右，新改建农村公路20万公里，新增通客车建制村5000个。",
     [True, True, True]),
])
def test_plans_stay_plans_and_facts_stay_facts(sentence, projected):
    assert sentence in CORPUS
    assert [f.projected for f in extract(sentence)] == projected


def test_the_corpus_holds_the_desks_bar():
    """Every assembled page splits right and the ledger's core F1 on the corpus is at least 0.97."""
    import importlib.util
    import sys

    from helpers.figures import ledger
    from helpers.page import read_page

    spec = importlib.util.spec_from_file_location("desk_corpus", Path(__file__).parents[1] / "corpus" / "corpus.py")
    corpus = importlib.util.module_from_spec(spec)
    sys.modules["desk_corpus"] = corpus
    spec.loader.exec_module(corpus)
    total = corpus.Score()
    for gp in corpus.load():
        page = read_page(gp.path)
        found = [(a.start, a.end, a.headline) for a in page.articles]
        figs = ledger.figures_of_page(page)
        for piece in gp.pieces:
            cores = [corpus.core_key(f.value, f.low, f.high, f.unit, f.qualifier)
                     for f in figs if corpus.piece_of(gp, f.start) is piece]
            s = corpus.score_figures(piece, cores)
            s.pieces, s.split_right = 1, int(corpus.split_right(piece, found))
            total.add(s)
    assert total.split_right == total.pieces
    assert total.f1 >= 0.97, (total.precision, total.recall)
