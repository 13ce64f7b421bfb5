"""helpers.facilities: the "在<site>建设<n>个<facility>" enumeration, read generally and with offsets."""

from __future__ import annotations

import pytest

from helpers.page.model import Passage
from helpers.story import facilities

TOWNSHIPS = ["洛阳镇", "东园镇", "张坂镇", "百崎回族乡"]


def spans_hold(text, rows):
    """Every span slices back to the field it claims."""
    for r in rows:
        assert text[slice(*r.site_span)] == r.site
        assert text[slice(*r.count_span)] == r.count_surface
        assert text[slice(*r.name_span)] == r.name


def test_made_up_sentence_with_two_sites_and_a_pair():
    text = "去年,该区投资50万元,在东湖小学建设2个急救站,在西山村委会新建3座消防站和1个宣传栏。"
    rows = facilities.extract(text)
    assert [(r.site, r.count, r.counter, r.name) for r in rows] == [
        ("东湖小学", 2, "个", "急救站"),
        ("西山村委会", 3, "座", "消防站"),
        ("西山村委会", 1, "个", "宣传栏"),
    ]
    assert [r.verb for r in rows] == ["建设", "新建", "新建"]
    spans_hold(text, rows)


def test_chinese_numerals_and_clauses_without_punctuation():
    text = "在甲村建设两个公厕在乙村建成十二处路灯、三套监控"
    rows = facilities.extract(text)
    assert [(r.site, r.count, r.name) for r in rows] == [
        ("甲村", 2, "公厕"),
        ("乙村", 12, "路灯"),
        ("乙村", 3, "监控"),
    ]
    spans_hold(text, rows)


def test_offset_is_added_to_every_span():
    text = "前言。在北港公园建设1个凉亭。"
    plain = facilities.extract(text)
    shifted = facilities.extract(text, offset=1000)
    assert [r.name_span[0] + 1000 for r in plain] == [r.name_span[0] for r in shifted]
    assert shifted[0].site_span == (plain[0].site_span[0] + 1000, plain[0].site_span[1] + 1000)


def test_a_name_may_contain_a_conjunction_that_does_not_start_an_item():
    rows = facilities.extract("在城南中学建设1个消防和应急体验馆。")
    assert [r.name for r in rows] == ["消防和应急体验馆"]


@pytest.mark.parametrize(
    "text",
    [
        "在学校周边、企业、小区等开展形式多样的宣传活动。",  # 在 … but no build verb + count
        "项目位于张坂镇,共建设有57栋厂房。",  # a count, but no 在<site>
        "正在建设中。",
    ],
)
def test_sentences_without_the_enumeration_give_nothing(text):
    assert facilities.extract(text) == []


def test_in_passage_maps_spans_through_repaired_offsets():
    # Repaired text "在甲村建设1个站" whose characters sat, in the page, with a gap after 建.
    text = "在甲村建设1个站"
    offsets = (10, 11, 12, 13, 20, 21, 22, 23)
    rows = facilities.in_passage(Passage(text, offsets))
    assert rows[0].site_span == (11, 13)
    assert rows[0].count_span == (21, 23)
    assert rows[0].name_span == (23, 24)


@pytest.mark.parametrize(
    "surface, value",
    [("1", 1), ("12", 12), ("一", 1), ("两", 2), ("十", 10), ("十二", 12), ("二十", 20), ("九十九", 99)],
)
def test_parse_count(surface, value):
    assert facilities.parse_count(surface) == value


@pytest.mark.parametrize("surface", ["百", "十十", "二二十", ""])
def test_parse_count_refuses_what_it_cannot_read(surface):
    with pytest.raises(ValueError, match="cannot read count"):
        facilities.parse_count(surface)


@pytest.mark.parametrize(
    "site, kind",
    [
        ("张坂镇群力村委会", "village committee"),
        ("玉埕中学", "school"),
        ("东湖小学", "school"),
        ("张坂镇政府", "government office"),
        ("张坂镇人民政府", "government office"),
        ("张坂下官溪公园", "park"),
    ],
)
def test_site_kind_from_suffix(site, kind):
    assert facilities.site_kind(site) == kind


def test_unknown_site_suffix_fails_loudly_naming_the_site():
    with pytest.raises(ValueError, match="招商集团"):
        facilities.site_kind("招商集团")


@pytest.mark.parametrize(
    "name, kind",
    [("微型消防站", "fire station"), ("安全文化示范点", "model point"), ("安全宣教联播项目", "project"),
     ("社区服务站", "station")],
)
def test_facility_type_from_head_noun(name, kind):
    assert facilities.facility_type(name) == kind


@pytest.mark.parametrize(
    "site, township, basis",
    [
        ("张坂镇政府", "张坂镇", "stated"),
        ("张坂中学", "张坂镇", "named after"),
        ("百崎民族中学", "百崎回族乡", "named after"),
        ("玉埕中学", None, "not stated"),
    ],
)
def test_township_in_name(site, township, basis):
    mention = facilities.township_in_name(site, TOWNSHIPS)
    assert (mention.township, mention.basis) == (township, basis)


def test_place_name_strips_the_administrative_suffix():
    assert [facilities.place_name(t) for t in TOWNSHIPS] == ["洛阳", "东园", "张坂", "百崎"]


def test_two_townships_in_one_site_name_fail_loudly():
    with pytest.raises(ValueError, match="several townships"):
        facilities.township_in_name("洛阳镇东园镇联合中学", TOWNSHIPS)


def test_the_page_sentence_gives_six_facilities_at_five_sites():
    from helpers.page import manifest

    page = manifest.load_page()
    rows = [r for a in page.articles for p in a.paragraphs for r in facilities.in_passage(p)]
    assert len(rows) == 6
    assert len({r.site for r in rows}) == 5
    assert rows[0].site == "张坂镇群力村委会"
    assert rows[-1].name == "安全文化示范点"
    for r in rows:
        assert page.text[slice(*r.site_span)] == r.site
        assert page.text[slice(*r.count_span)] == r.count_surface
        assert page.text[slice(*r.name_span)] == r.name


# ------------------------------------------------------------------ with a ledger (made-up and real)

class FakeFigure:
    def __init__(self, start, end, value, fid):
        self.start, self.end, self.value, self.id = start, end, value, fid


class FakeLedger:
    def __init__(self, figures):
        self.figures = figures

    def all(self, article=None):
        return list(self.figures)


class FakeArticle:
    id = "x01"

    def __init__(self, text):
        self.paragraphs = (Passage(text, tuple(range(500, 500 + len(text)))),)


MADE_UP = "在东湖小学建设2个急救站,在西山镇政府建设1个消防站和3个宣传点。"


def test_counted_joins_each_count_to_the_ledger_figure_at_its_offsets():
    rows = facilities.extract(MADE_UP, offset=500)
    figs = [FakeFigure(*r.count_span, r.count, f"x01-f{i}") for i, r in enumerate(rows)]
    joined = facilities.counted(FakeArticle(MADE_UP), FakeLedger(figs))
    assert [(c.facility.name, c.figure.id) for c in joined] == [
        ("急救站", "x01-f0"), ("消防站", "x01-f1"), ("宣传点", "x01-f2")]


def test_counted_fails_when_a_count_is_missing_from_the_ledger():
    rows = facilities.extract(MADE_UP, offset=500)
    figs = [FakeFigure(*r.count_span, r.count, "f") for r in rows[:2]]
    with pytest.raises(facilities.FacilityError, match="宣传点"):
        facilities.counted(FakeArticle(MADE_UP), FakeLedger(figs))


def test_counted_fails_when_ledger_and_text_disagree():
    rows = facilities.extract(MADE_UP, offset=500)
    figs = [FakeFigure(*r.count_span, r.count + 1, "x01-f9") for r in rows]
    with pytest.raises(facilities.FacilityError, match="x01-f9"):
        facilities.counted(FakeArticle(MADE_UP), FakeLedger(figs))


def test_counted_fails_when_there_is_no_enumeration():
    with pytest.raises(facilities.FacilityError, match="x01"):
        facilities.counted(FakeArticle("没有设施。"), FakeLedger([]))


def test_frame_and_township_counts_on_a_made_up_article():
    rows = facilities.extract(MADE_UP, offset=500)
    figs = [FakeFigure(*r.count_span, r.count, f"f{i}") for i, r in enumerate(rows)]
    joined = facilities.counted(FakeArticle(MADE_UP), FakeLedger(figs))
    english = {"西山镇": "Xishan town", "东湖镇": "Donghu town", "北港乡": "Beigang township"}
    data = facilities.frame(joined, english, gloss=lambda zh: f"<{zh}>")
    assert list(data["site_kind"]) == ["school", "government office", "government office"]
    assert list(data["township_basis"]) == ["named after", "stated", "stated"]
    assert data.loc[0, "facility_en"] == "<急救站>"
    counts = facilities.township_counts(data, english, gloss=lambda zh: f"<{zh}>")
    assert list(zip(counts["basis"], counts["township"], counts["facilities"])) == [
        ("stated", "西山镇", 4), ("stated", "东湖镇", 0), ("named after", "", 2),
        ("stated", "北港乡", 0), ("not stated", "", 0)]
    assert list(counts["label"]) == ["西山镇 Xishan town (stated)", "东湖镇 Donghu town",
                                     "site named after 东湖 <东湖>", "北港乡 Beigang township", "not stated"]
    assert counts.loc[2, "place_name"] == "东湖"
    # a place name in a site's name is never turned into a township
    assert list(data["township"]) == ["", "西山镇", "西山镇"] and list(data["place_name"]) == ["东湖", "西山", "西山"]
    texts = [facilities.township_text(r, english, lambda zh: f"<{zh}>") for r in data.to_dict("records")]
    assert texts == ["not stated (site named after 东湖, <东湖>)", "西山镇 (Xishan town)", "西山镇 (Xishan town)"]


def test_counted_on_the_page_matches_the_ledger_counts():
    from helpers.figures import ledger
    from helpers.page import manifest

    L = ledger.load()
    page = manifest.load_page(L.page)
    article = page.article(L.article("公共安全工程"))
    joined = facilities.counted(article, L)
    count_ids = {f.id for f in L.all(article=article.id, unit="个")}
    assert {c.figure.id for c in joined} == count_ids
