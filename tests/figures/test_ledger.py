"""The figure ledger: every figure of the page, the forms, the non-figures, lookups."""


import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helpers.errors import DeskError
from helpers.figures import extraction, ledger, vocabulary
from helpers.figures import numerals as numbers
from helpers.figures.extraction import extract
from helpers.figures.model import COLUMNS, KINDS, QUALIFIERS, FigureLookupError
from helpers.page import manifest
from helpers.page import model as page_model

N = None
# Every figure on the page, read by hand: id, surface, value, unit, qualifier, kind, projected.
PAGE = [
    ("a01-f01", "1月28日", 28, "日", "exact", "date", False),
    ("a01-f02", "超16.5亿元", 1650000000, "元", "more_than", "amount", True),
    ("a01-f03", "3000个以上", 3000, "个", "at_least", "count", True),
    ("a01-f04", "15万平方米", 150000, "平方米", "exact", "area", False),
    ("a01-f05", "57栋", 57, "栋", "exact", "count", False),
    ("a01-f06", "首届", 1, "届", "exact", "ordinal", False),
    ("a02-f01", "首次", 1, "次", "exact", "ordinal", False),
    ("a02-f02", "第一个", 1, "个", "exact", "ordinal", False),
    ("a02-f03", "2024年", 2024, "年", "exact", "date", False),
    ("a02-f04", "2024年", 2024, "年", "exact", "date", False),
    ("a02-f05", "1月26日", 26, "日", "exact", "date", False),
    ("a02-f06", "3月5日", 5, "日", "exact", "date", False),
    ("a02-f07", "40天", 40, "天", "exact", "duration", False),
    ("a02-f08", "117部", 117, "部", "exact", "count", False),
    ("a02-f09", "10部", 10, "部", "exact", "count", False),
    ("a02-f10", "50部", 50, "部", "exact", "count", False),
    ("a02-f11", "76部", 76, "部", "exact", "count", False),
    ("a02-f12", "10辆", 10, "辆", "exact", "count", False),
    ("a02-f13", "10部", 10, "部", "exact", "count", False),
    ("a03-f01", "2023年", 2023, "年", "exact", "date", False),
    ("a03-f02", "10月中旬", 10, "月", "exact", "date", False),
    ("a03-f03", "约130万元", 1300000, "元", "about", "amount", False),
    *[(f"a03-f{k:02d}", "1个", 1, "个", "exact", "count", False) for k in range(4, 10)],
    ("a06-f01", "4个", 4, "个", "exact", "count", False),
    ("a06-f02", "2023年", 2023, "年", "exact", "date", False),
    ("a06-f03", "4个", 4, "个", "exact", "count", False),
    ("a06-f04", "2021年4月", 4, "月", "exact", "date", False),
    ("a06-f05", "三楼", 3, "楼", "exact", "ordinal", False),
    ("a06-f06", "4名", 4, "名", "exact", "count", False),
    ("a06-f07", "3年", 3, "年", "exact", "duration", False),
    ("a06-f08", "10—15份", N, "份", "range", "count", False),
    ("a06-f09", "16日", 16, "日", "exact", "date", False),
    ("a06-f10", "65周岁以上", 65, "周岁", "at_least", "other", False),
    ("a06-f11", "60多人", 60, "人", "more_than", "count", False),
    ("a06-f12", "2023年", 2023, "年", "exact", "date", False),
    ("a06-f13", "1万多元", 10000, "元", "more_than", "amount", False),
    ("a06-f14", "3000多名", 3000, "名", "more_than", "count", False),
    ("a06-f15", "2023年", 2023, "年", "exact", "date", False),
    ("a06-f16", "12批次", 12, "批次", "exact", "count", False),
    ("a06-f17", "4个", 4, "个", "exact", "count", False),
    ("a06-f18", "4个", 4, "个", "exact", "count", False),
    ("a06-f19", "2023年", 2023, "年", "exact", "date", False),
    ("a06-f20", "287场", 287, "场", "exact", "count", False),
    ("a06-f21", "5万多人次", 50000, "人次", "more_than", "count", False),
    ("a06-f22", "4个", 4, "个", "exact", "count", False),
    ("a07-f01", "204人次", 204, "人次", "exact", "count", False),
    ("a07-f02", "994户", 994, "户", "exact", "count", False),
    ("a07-f03", "1634人", 1634, "人", "exact", "count", False),
    ("a07-f04", "58床", 58, "床", "exact", "count", False),
    ("a07-f05", "15套", 15, "套", "exact", "count", False),
    ("a07-f06", "15条", 15, "条", "exact", "count", False),
    ("a08-f01", "近900副", 900, "副", "nearly", "count", False),
]


@pytest.fixture(scope="module")
def page():
    return manifest.load_page()


@pytest.fixture(scope="module")
def frame(page):
    return ledger.page_figures(page)


@pytest.fixture(scope="module")
def book():
    return ledger.load()


def test_columns_in_contract_order(frame):
    assert list(frame.columns[:14]) == ["article", "start", "end", "surface", "value", "low", "high", "unit",
                                        "qualifier", "kind", "projected", "sentence", "id", "page"]
    assert tuple(frame.columns) == COLUMNS


def test_every_figure_on_the_page_and_nothing_else(frame):
    got = [(r.id, r.surface) for r in frame.itertuples()]
    assert got == [(row[0], row[1]) for row in PAGE]


@pytest.mark.parametrize("fid, surface, value, unit, qualifier, kind, projected", PAGE, ids=[r[0] for r in PAGE])
def test_page_figure(frame, page, fid, surface, value, unit, qualifier, kind, projected):
    row = frame.set_index("id").loc[fid]
    assert page.text[row.start:row.end] == surface == row.surface
    assert (row.value is None if value is None else row.value == value)
    assert type(row.value) is type(value)  # whole numbers stay int: the CSV prints 1650000000, not …0
    assert (row.unit, row.qualifier, row.kind, bool(row.projected)) == (unit, qualifier, kind, projected)
    assert surface in row.sentence and row.article == fid[:3] and row.page == page.slug


def test_bounds_follow_the_qualifier(book):
    f = book.get(surface="超16.5亿元")
    assert (f.low, f.high) == (1650000000, None)
    assert (book.get(surface="近900副").low, book.get(surface="近900副").high) == (None, 900)
    assert (book.get(kind="amount", qualifier="about").low, book.get(kind="amount", qualifier="about").high) == (None, None)
    r = book.get(qualifier="range")
    assert (r.value, r.low, r.high) == (None, 10, 15)
    exact = book.get(surface="1634人")
    assert exact.low == exact.high == exact.value == 1634


def test_dates_carry_iso_form(book):
    assert book.get(surface="2021年4月").date == "2021-04"
    assert book.get(surface="1月26日").date == "XXXX-01-26"
    assert book.get(surface="16日").date == "XXXX-XX-16"
    assert book.get(surface="10月中旬").date == "XXXX-10"


def test_noun_hint_names_what_a_measure_word_counts(book):
    assert book.get(near="岗位").noun == "就业岗位"
    assert book.get(surface="117部").noun == "公交车"


def test_headline_and_kicker_figures_keep_their_part(book):
    assert book.get(surface="首次").part == "headline"
    assert book.get(article="a06", near="下辖").part == "kicker"


# ------------------------------------------------------------------ forms

FORMS = [
    # text, surface, value, low, high, unit, qualifier, kind
    ("投资总额将超16.5亿元", "超16.5亿元", 1650000000, 1650000000, N, "元", "more_than", "amount"),
    ("岗位3000个以上", "3000个以上", 3000, 3000, N, "个", "at_least", "count"),
    ("面积15万平方米", "15万平方米", 150000, 150000, 150000, "平方米", "exact", "area"),
    ("总投资约130万元", "约130万元", 1300000, N, N, "元", "about", "amount"),
    ("服务5万多人次", "5万多人次", 50000, 50000, N, "人次", "more_than", "count"),
    ("送出近900副", "近900副", 900, N, 900, "副", "nearly", "count"),
    ("每次送出10—15份", "10—15份", N, 10, 15, "份", "range", "count"),
    ("老人65周岁以上", "65周岁以上", 65, 65, N, "周岁", "at_least", "other"),
    ("招募250余名志愿者", "250余名", 250, 250, N, "名", "more_than", "count"),
    ("气温4℃~12℃之间", "4℃~12℃", N, 4, 12, "℃", "range", "other"),
    ("期限3至5年", "3至5年", N, 3, 5, "年", "range", "duration"),
    ("16~18日举行", "16~18日", N, 16, 18, "日", "range", "date"),
    ("每组10-15人", "10-15人", N, 10, 15, "人", "range", "count"),
    ("投资3—5万元", "3—5万元", N, 30000, 50000, "元", "range", "amount"),
    ("产值达１６．５亿元", "１６．５亿元", 1650000000, 1650000000, 1650000000, "元", "exact", "amount"),
    ("共1,234户", "1,234户", 1234, 1234, 1234, "户", "exact", "count"),
    ("建成三千个", "三千个", 3000, 3000, 3000, "个", "exact", "count"),
    ("配备两个", "两个", 2, 2, 2, "个", "exact", "count"),
    ("共一百二十人", "一百二十人", 120, 120, 120, "人", "exact", "count"),
    ("规模二千三百二十八点四九亿元", "二千三百二十八点四九亿元", 232849000000, 232849000000, 232849000000,
     "元", "exact", "amount"),
    ("增长百分之十一", "百分之十一", 11, 11, 11, "%", "exact", "percent"),
    ("增长12.5%", "12.5%", 12.5, 12.5, 12.5, "%", "exact", "percent"),
    ("指数一百十一点七分", "一百十一点七", N, N, N, "", "", ""),  # no unit: not a figure
    ("连续3年", "3年", 3, 3, 3, "年", "exact", "duration"),
    ("成立于2021年4月", "2021年4月", 4, 4, 4, "月", "exact", "date"),
    ("位于中心三楼", "三楼", 3, 3, 3, "楼", "exact", "ordinal"),
    ("每月16日", "16日", 16, 16, 16, "日", "exact", "date"),
    ("达到12批次", "12批次", 12, 12, 12, "批次", "exact", "count"),
    ("公交车117部", "117部", 117, 117, 117, "部", "exact", "count"),
    ("第一个春运", "第一个", 1, 1, 1, "个", "exact", "ordinal"),
    ("首届论坛", "首届", 1, 1, 1, "届", "exact", "ordinal"),
    ("迎来首次春运", "首次", 1, 1, 1, "次", "exact", "ordinal"),
    ("于10月中旬完成", "10月中旬", 10, 10, 10, "月", "exact", "date"),
    ("建设1个应急避灾示范点", "1个", 1, 1, 1, "个", "exact", "count"),
    ("超过200人参加", "超过200人", 200, 200, N, "人", "more_than", "count"),
    ("逾百分之三十", "逾百分之三十", 30, 30, N, "%", "more_than", "percent"),
    ("不少于50家", "不少于50家", 50, 50, N, "家", "at_least", "count"),
    ("不低于80%", "不低于80%", 80, 80, N, "%", "at_least", "percent"),
    ("大约300人", "大约300人", 300, N, N, "人", "about", "count"),
    ("300人左右", "300人左右", 300, N, N, "人", "about", "count"),
    ("不足100户", "不足100户", 100, N, 100, "户", "at_most", "count"),
    ("不超过5天", "不超过5天", 5, N, 5, "天", "at_most", "duration"),
    ("低于3%", "低于3%", 3, N, 3, "%", "at_most", "percent"),
    ("18岁以下", "18岁以下", 18, N, 18, "岁", "at_most", "other"),
    ("共计58床", "58床", 58, 58, 58, "床", "exact", "count"),
    ("各15套", "15套", 15, 15, 15, "套", "exact", "count"),
    ("累计2000万元", "2000万元", 20000000, 20000000, 20000000, "元", "exact", "amount"),
    ("用了3年多", "3年多", 3, 3, N, "年", "more_than", "duration"),
    ("七八个村", "七八个", N, 7, 8, "个", "about", "count"),
    ("二〇二四年", "二〇二四年", 2024, 2024, 2024, "年", "exact", "date"),
    ("2024年1月28日上午", "2024年1月28日", 28, 28, 28, "日", "exact", "date"),
    # Traditional characters: read like the Simplified forms, units kept as written
    ("投資總額將超過16.5億元", "超過16.5億元", 1650000000, 1650000000, N, "元", "more_than", "amount"),
    ("總建築面積15萬平方米", "15萬平方米", 150000, 150000, 150000, "平方米", "exact", "area"),
    ("共建設有57棟廠房", "57棟", 57, 57, 57, "棟", "exact", "count"),
    ("崗位3000個以上", "3000個以上", 3000, 3000, N, "個", "at_least", "count"),
    ("總投資約130萬元", "約130萬元", 1300000, N, N, "元", "about", "amount"),
    ("招募250餘名志願者", "250餘名", 250, 250, N, "名", "more_than", "count"),
    ("接待兩萬多人次", "兩萬多人次", 20000, 20000, N, "人次", "more_than", "count"),
    ("不少於50家", "不少於50家", 50, 50, N, "家", "at_least", "count"),
    ("將近900副", "將近900副", 900, N, 900, "副", "nearly", "count"),
    ("每次10—15個", "10—15個", N, 10, 15, "個", "range", "count"),
    ("首屆論壇", "首屆", 1, 1, 1, "屆", "exact", "ordinal"),
    ("用了3個月", "3個月", 3, 3, 3, "個月", "exact", "duration"),
    ("增長5個百分點", "5個百分點", 5, 5, 5, "個百分點", "exact", "percent"),
    ("規模二千三百二十八點四九億元", "二千三百二十八點四九億元", 232849000000, 232849000000, 232849000000,
     "元", "exact", "amount"),
    # invisible characters inside a figure are read across and kept in the surface
    ("共有1\u200b000人参加", "1\u200b000人", 1000, 1000, 1000, "人", "exact", "count"),
    ("共有\u200b1,\u200c000人", "1,\u200c000人", 1000, 1000, 1000, "人", "exact", "count"),
    ("总额超16.5\u2060亿\ufeff元", "超16.5\u2060亿\ufeff元", 1650000000, 1650000000, N, "元", "more_than",
     "amount"),
    ("面积15万平方\u200d米", "15万平方\u200d米", 150000, 150000, 150000, "平方米", "exact", "area"),
    ("共3000\u00ad个\u200b以上\u200b。", "3000\u00ad个\u200b以上", 3000, 3000, N, "个", "at_least", "count"),
]


@pytest.mark.parametrize("text, surface, value, low, high, unit, qualifier, kind", FORMS, ids=[f[1] for f in FORMS])
def test_forms(text, surface, value, low, high, unit, qualifier, kind):
    figs = extract(text)
    if not kind:
        assert figs == []
        return
    assert len(figs) == 1, figs
    f = figs[0]
    assert text[f.start:f.end] == f.surface == surface
    assert (f.value, f.low, f.high, f.unit, f.qualifier, f.kind) == (value, low, high, unit, qualifier, kind)


NOT_FIGURES = [
    "公布“五个一百”公共安全", "“五个一百”", "五个一百工程", "来自四川的游客", "三明市", "大家一起",
    "一批企业", "统一部署", "5G基站", "G356国道", "每月农历逢五、逢十", "“2531”工作法",
    "致力于打造一个集研发于一体的生态圈", "由第三方机构", "第一时间深入一线", "百崎回族乡", "千家万户",
    "获评省五星级", "逐一摸排", "新的一年", "电话0595-12345678", "时间8:30", "“十四五”规划",
    "社区治理四大方面",
]


@pytest.mark.parametrize("text", NOT_FIGURES)
def test_not_figures(text):
    assert extract(text) == []


def test_near_words_that_look_like_qualifiers_are_not():
    (f,) = extract("最近3天")
    assert f.surface == "3天" and f.qualifier == "exact"
    (g,) = extract("网上预约3次")
    assert g.surface == "3次" and g.qualifier == "exact"


def test_adjacent_figures_split():
    figs = extract("走访慰问困难群众994户1634人,共发放棉被58床、棉衣15套、毛毯15条。")
    assert [f.surface for f in figs] == ["994户", "1634人", "58床", "15套", "15条"]


@pytest.mark.parametrize("text, expected", [
    ("待企业全部入驻投产后,产业园投资总额将超16.5亿元,提供就业岗位3000个以上。", [True, True]),
    ("预计明年接待游客10万人次。", [True]),
    ("去年接待游客10万人次。", [False]),
    ("将火苗迅速扑灭,共3人参加。", [False]),
    ("计划新建5所学校,现有12所。", [True, False]),        # 现有: what is, not what is planned
    ("园区现有企业20家,明年将新增10家。", [False, True]),
    ("力争2025年产值突破1亿元。", [True, True]),
    ("待企業全部入駐投產後,產業園投資總額將超16.5億元。", [True]),
    ("預計明年接待遊客10萬人次。", [True]),
    ("園區現有企業20家,明年將新增10家。", [False, True]),
    ("計劃新建5所學校,將近900人受益。", [True, True]),
    ("即將新增10家，將近900人受益，將軍3人。", [True, False, False]),
])
def test_projected(text, expected):
    assert [f.projected for f in extract(text)] == expected


def _projected_by_rescanning(text: str, start: int) -> bool:
    """The definition of ``projected``, the slow way: search the sentence head before the figure
    for a wide marker (not past a ；unless it opens the sentence), a plan (计划, not as a noun), and
    its last clause for 将, or an earlier clause whose 将 carries into continuation clauses (what the
    ledger precomputes once per text)."""
    norm = numbers.normalize(text).translate(vocabulary.TRADITIONAL)
    s0 = max((m.end() for m in vocabulary.SENTENCE_END.finditer(norm, 0, start)), default=0)
    head = norm[s0:start]
    if head.endswith(vocabulary.FORMERLY):
        return False

    def past_semicolon(j: int) -> bool:     # a marker inside the sentence stops at a ；
        return j > vocabulary.WIDE_OPENS_SENTENCE and any(c in "；;" for c in head[j:])

    if any(vocabulary.FUTURE_WIDE.match(head, j) and not past_semicolon(j) for j in range(len(head))):
        return True

    def clause_of(j: int) -> int:
        return max((m.end() for m in vocabulary.CLAUSE_END.finditer(head, 0, j)), default=0)

    clause = clause_of(len(head))
    rest = norm[start:]
    stop = min((m.start() for m in (vocabulary.CLAUSE_END.search(rest), vocabulary.SENTENCE_END.search(rest)) if m),
               default=len(rest))
    whole_clause = head[clause:] + rest[:stop]        # the figure's clause, before and after it
    if vocabulary.FUTURE_WILL.search(head[clause:]):
        return True
    # A 将 carries on into the comma-joined clauses after its own that open with a continuation
    # verb or connective (CONTINUATION), never past a ；.
    j = clause
    while j > 0 and head[j - 1] not in "；;" and vocabulary.CONTINUATION.match(head, j):
        previous = clause_of(j - 1)
        if vocabulary.FUTURE_WILL.search(head[previous:j - 1]):
            return True
        j = previous
    for m in vocabulary.PLAN.finditer(head):
        same = clause_of(m.start()) == clause
        if (not vocabulary.PLAN_NOUN_BEFORE.search(head[clause_of(m.start()):m.start()])
                and not (same and "的" in head[m.start():])
                and (same or not vocabulary.ACTUAL.search(whole_clause))
                and not past_semicolon(m.start())):
            return True
    return False


FUTURE_PIECES = st.sampled_from(["将", "將", "即", "近", "来", "军", "预计", "計劃", "计划", "的", "完成", "现有", "原来", "占",
                                 "模拟", "拟", "待", "后", "後",
                                 "期待", "有望", "争取", "届时", "，", "；", "。", "\n", "、", "项目", "3个",
                                 "20家", "五人", "16.5亿元", "2024年", "超", "近900副", "约"])


@given(st.lists(FUTURE_PIECES, max_size=40).map("".join))
@example("即将来临的春节放假3天")      # 即将 whatever follows
@example("待项目投产后新增3个岗位后")  # 待…后 ends at the first 后
@example("待后后3个，模拟20家")
@example("将，完成3个")                   # a 将 carries into a clause that opens with a continuation verb
@settings(max_examples=400, deadline=None)
def test_projected_matches_its_definition(text):
    for f in extract(text):
        assert f.projected == _projected_by_rescanning(text, f.start), f.describe()


def test_long_sentence_costs_no_copy_per_figure():
    """Figures of one sentence share its string (a 35,000-character line must not be copied
    5,000 times) and read the same as in a short sentence."""
    figs = extract("明年将投资123万元，" * 5000)
    assert len(figs) == 5000 and len({id(f.sentence) for f in figs}) == 1
    assert {(f.surface, f.value, f.before, f.after, f.projected) for f in figs} == {
        ("123万元", 1230000, "明年将投资", "", True)}


@pytest.mark.parametrize("text", ["一" * 5000 + "个", "一百二十三" * 400 + "个", "百分之" + "九" * 5000])
def test_long_runs_of_numeral_characters_are_not_one_figure(text):
    """A run longer than any number is never read (in linear time); with a unit it is listed
    as unread whole, never cut into a figure that gives part of it a value."""
    figs = extract(text)
    assert all(f.qualifier == "unread" and f.value is None for f in figs)
    assert all(len(f.surface) <= vocabulary.MAX_CN_NUMERAL + 3 or f.surface == text for f in figs)


def test_straddling_a_join_keeps_raw_surface():
    passage = page_model.Passage("共发放3000份物资", (0, 1, 2, 3, 4, 10, 11, 12, 13, 14))
    page = page_model.Page("t", None, "共发放30\n\n\n\n\n00份物资", ())
    article = page_model.Article("a01", "article", "", (), "", "", (), (), (), False, "", (passage,), (),
                             0, 15)
    f = extraction.extract(passage.text)[0]
    mapped = ledger._map_to_page(page, article, "paragraph", passage, f)
    assert mapped.straddles_join and mapped.repaired_surface == "3000份"
    assert page.text[mapped.start:mapped.end] == mapped.surface == "30\n\n\n\n\n00份"


# ------------------------------------------------------------------ properties

ALPHABET = st.sampled_from(list("0123456789０１２３４５６７８９.,，。、—-~至到“”\"第首超逾近约多余以上下左右不足少于"
                                "零〇一二两三四五六七八九十百千万亿点百分之%元人户个年月日天平方米℃份部辆次届楼岗位将预计待后"
                                "abcG \n"))


@given(st.text(ALPHABET, max_size=80) | st.text(max_size=40))
@settings(max_examples=400, deadline=None)
def test_extract_never_crashes_and_surfaces_hold(text):
    for f in extract(text):
        assert text[f.start:f.end] == f.surface
        assert f.qualifier in QUALIFIERS and f.kind in KINDS
        assert f.value is not None or f.qualifier in ("range", "about", "unread")


# ------------------------------------------------------------------ lookups


def test_load_is_cached(book):
    assert ledger.load() is book
    assert ledger.load(book.page) is book


def test_get_one(book):
    a = book.article("智慧港")
    f = book.get(article=a, near="岗位")
    assert f.surface == "3000个以上" and f.projected


def test_several_found_lists_candidates(book):
    with pytest.raises(FigureLookupError) as err:
        book.get(article=book.article("春运"), unit="部")
    msg = str(err.value)
    assert msg.startswith("several found (5)")
    for fid in ("a02-f08", "a02-f09", "a02-f10", "a02-f11", "a02-f13"):
        assert fid in msg
    assert "unit='部'" in msg and "offsets" in msg


def test_none_found_lists_the_articles_figures(book):
    with pytest.raises(FigureLookupError) as err:
        book.get(article="a08", unit="元")
    msg = str(err.value)
    assert msg.startswith("none found") and "近900副" in msg and "a08-f01" in msg


def test_article_lookup_errors_list_headlines(book):
    with pytest.raises(FigureLookupError) as err:
        book.article("不存在的标题")
    assert "智慧港产业园项目投用" in str(err.value)
    with pytest.raises(FigureLookupError, match="articles"):
        book.article("站")  # 泉州东站 and 社工站: several
    with pytest.raises(FigureLookupError, match="no article 'a99'"):
        book.get(article="a99")
    with pytest.raises(FigureLookupError, match="kind="):
        book.get(kind="money")


def test_all_returns_the_fleet(book):
    fleet = book.all(article="a02", kind="count")
    assert [f.surface for f in fleet] == ["117部", "10部", "50部", "76部", "10辆", "10部"]


def test_lookup_error_is_a_lookup_error():
    assert issubclass(FigureLookupError, DeskError)


def test_figures_frame_is_a_copy(book):
    df = book.figures
    df.loc[0, "surface"] = "x"
    assert book.figures.loc[0, "surface"] != "x"


# ------------------------------------------------------------- review fixes


def _one(text: str):
    (f,) = extract(text)
    return (f.surface, f.value, f.low, f.high, f.unit, f.qualifier, f.kind)


@pytest.mark.parametrize("text, expected", [
    ("30多万元", ("30多万元", 300000, 300000, None, "元", "more_than", "amount")),
    ("100多亿元", ("100多亿元", 10**10, 10**10, None, "元", "more_than", "amount")),
    ("10余万元", ("10余万元", 100000, 100000, None, "元", "more_than", "amount")),
    ("200余万平方米", ("200余万平方米", 2000000, 2000000, None, "平方米", "more_than", "area")),
    ("三百余万元", ("三百余万元", 3000000, 3000000, None, "元", "more_than", "amount")),
    ("十多万人", ("十多万人", 100000, 100000, None, "人", "more_than", "count")),
    ("30多千米", ("30多千米", 30, 30, None, "千米", "more_than", "other")),   # 千米 is a unit here
])
def test_more_than_keeps_the_magnitude_after_duo_yu(text, expected):
    assert _one(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("-5℃", ("-5℃", -5, -5, -5, "℃", "exact", "other")),
    ("零下5℃", ("零下5℃", -5, -5, -5, "℃", "exact", "other")),
    ("同比增长-3.5%", ("-3.5%", -3.5, -3.5, -3.5, "%", "exact", "percent")),
    ("同比下降负3.5%", ("负3.5%", -3.5, -3.5, -3.5, "%", "exact", "percent")),
    ("-3℃~5℃", ("-3℃~5℃", None, -3, 5, "℃", "range", "other")),
    ("零下8℃至零下2℃", ("零下8℃至零下2℃", None, -8, -2, "℃", "range", "other")),
    ("-8℃~-2℃", ("-8℃~-2℃", None, -8, -2, "℃", "range", "other")),
])
def test_minus_signs_are_read(text, expected):
    assert _one(text) == expected


def test_a_hyphen_after_a_digit_or_letter_is_not_a_sign():
    assert [(f.surface, f.low, f.high) for f in extract("10-15份")] == [("10-15份", 10, 15)]
    assert all(f.value is None or f.value >= 0 for f in extract("G-5栋,15-10个"))


@pytest.mark.parametrize("text, low, high, unit, kind", [
    ("数十人", 20, 90, "人", "count"), ("几十个", 20, 90, "个", "count"), ("十几个", 11, 19, "个", "count"),
    ("二十几人", 21, 29, "人", "count"), ("上千人", None, None, "人", "count"),
    ("数十万元", 200000, 900000, "元", "amount"), ("数十年", 20, 90, "年", "duration"),
])
def test_vague_counts_are_about_with_the_bounds_of_their_place(text, low, high, unit, kind):
    """Decision: a vague count is ``about`` with no value; 几 after a magnitude is 1–9 (十几 =
    11–19), 数/几 before one is 2–9 of it (数十 = 20–90); 上千 gives no bound at all."""
    assert _one(text) == (text, None, low, high, unit, "about", kind)


def test_bare_magnitude_after_yu_is_a_floor():
    assert _one("逾百人") == ("逾百人", 100, 100, None, "人", "more_than", "count")


@pytest.mark.parametrize("text, surface, value, unit", [
    ("近3年来", "3年", 3, "年"), ("近五年", "五年", 5, "年"), ("近3个月", "3个月", 3, "个月"),
    ("近30天", "30天", 30, "天"), ("近5日", "5日", 5, "日"),
])
def test_jin_before_a_duration_means_the_last(text, surface, value, unit):
    assert _one(text) == (surface, value, value, value, unit, "exact", "duration")


def test_jin_before_a_count_is_still_nearly():
    assert _one("近900副")[5] == "nearly"
    assert _one("将近3年")[5] == "nearly"


@pytest.mark.parametrize("text, qualifier", [
    ("突破100万元", "more_than"), ("超出100万元", "more_than"), ("多达300人", "exact"),
    ("高达5亿元", "exact"), ("不到10人", "at_most"), ("将近10人", "nearly"),
])
def test_more_prefix_words(text, qualifier):
    assert _one(text)[5] == qualifier


@pytest.mark.parametrize("text", ["2024-01-26", "2024/01/26", "2024.01.26", "于2024-1-26开业"])
def test_iso_dates_are_one_date_figure(text):
    (f,) = extract(text)
    assert (f.kind, f.date, f.unit, f.value) == ("date", "2024-01-26", "日", 26)
    assert f.surface == text.removeprefix("于").removesuffix("开业")


def test_not_an_iso_date():
    assert [f.kind for f in extract("2024-13-26")] != ["date"]


@pytest.mark.parametrize("text, surface, value, unit", [
    ("共3\u200e000万元", "3\u200e000万元", 30000000, "元"),
    ("共3\u200f000人", "3\u200f000人", 3000, "人"),
    ("共16.5 亿元", "16.5 亿元", 1650000000, "元"),
    ("共16.5\u00a0亿元", "16.5\u00a0亿元", 1650000000, "元"),
    ("共16.5\u3000亿元", "16.5\u3000亿元", 1650000000, "元"),
    ("共16.5\ufe0f亿元", "16.5\ufe0f亿元", 1650000000, "元"),
    ("共3 000人", "3 000人", 3000, "人"),
    ("共1\u2009234\u2009567元", "1\u2009234\u2009567元", 1234567, "元"),
    ("增长3.5 %", "3.5 %", 3.5, "%"),
])
def test_spaces_and_format_characters_inside_a_figure(text, surface, value, unit):
    (f,) = extract(text)
    assert (f.surface, f.value, f.unit) == (surface, value, unit)
    assert text[f.start:f.end] == f.surface


def test_spaces_that_are_not_thousands_separators():
    assert 123456 not in [f.value for f in extract("共12 3456人")]
    assert 1234 not in [f.value for f in extract("共1 234 5678人")]
    assert 3000 not in [f.value for f in extract("共3  000人")]        # two spaces: not one number


@pytest.mark.parametrize("text, expected", [
    ("景区将投入资金约500万元,新建停车位300个以上。", [True, True]),
    ("将投入3万元，新建3个，并新增4个；新建5个。", [True, True, True, False]),
    ("将投入3万元。新建3个。", [True, False]),
    ("园区将扩建,现有企业20家。", [False]),
    ("将火苗迅速扑灭,共3人参加。", [False]),
    ("春运期间,台商区将针对返乡人员开展服务,共有200人。", [False]),
])
def test_jiang_carries_across_comma_joined_verb_phrases(text, expected):
    assert [f.projected for f in extract(text)] == expected


def test_page_frame_prints_whole_numbers_as_integers(frame):
    csv = frame.to_csv(index=False)
    assert ",1650000000," in csv and "1650000000.0" not in csv
    assert not any(str(v).endswith(".0") for c in ("value", "low", "high") for v in frame[c] if v is not None)
    assert '"value":1650000000' in frame.to_json(orient="records", force_ascii=False)
