"""Pages from other papers (tests/corpus): the corpus is sound, every assembled page splits right,
and the layout vocabulary reads the datelines and bylines of other papers."""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import sys
from pathlib import Path

import pytest

from helpers import vocab
from helpers.figures.model import QUALIFIERS
from helpers.page import layout, manifest, splitting

_spec = importlib.util.spec_from_file_location("desk_corpus", Path(__file__).parents[1] / "corpus" / "corpus.py")
corpus = importlib.util.module_from_spec(_spec)
sys.modules["desk_corpus"] = corpus
_spec.loader.exec_module(corpus)

PAGES = corpus.load()
PIECES = [p for gp in PAGES for p in gp.pieces]


# --- the corpus itself ------------------------------------------------------------------------

def test_corpus_is_wide_enough():
    assert len(PIECES) >= 30
    assert len({p.outlet for p in PIECES}) >= 10
    assert len({p.topic for p in PIECES}) >= 6
    assert all(p.url.startswith(("http://", "https://")) for p in PIECES)


@pytest.mark.parametrize("piece", PIECES, ids=lambda p: f"{p.page}-{p.number}")
def test_gold_figures_are_printed_in_their_piece_in_order(piece):
    text = next(gp.text for gp in PAGES if gp.name == piece.page)[piece.start:piece.end]
    at = 0
    for f in piece.figures:
        found = text.find(f.surface, at)
        assert found >= 0, f"{f.surface!r} not in piece {piece.number} after offset {at}"
        at = found + len(f.surface)


@pytest.mark.parametrize("piece", PIECES, ids=lambda p: f"{p.page}-{p.number}")
def test_gold_bounds_follow_the_qualifier(piece):
    """The ledger's documented rule: exact → both bounds; floor → low; ceiling → high; about →
    none (or the two ends of a pair such as 七八千; a vague count such as 数十个 has neither value
    nor bounds); range → the two ends and no value."""
    for f in piece.figures:
        assert f.qualifier in QUALIFIERS
        if f.qualifier == "about" and f.value is None and f.low is None:
            assert f.high is None, f
        elif f.qualifier == "range" or f.value is None:
            assert f.value is None and f.low is not None and f.high is not None and f.low < f.high, f
        elif f.qualifier == "exact":
            assert f.low == f.high == f.value, f
        elif f.qualifier in ("more_than", "at_least"):
            assert (f.low, f.high) == (f.value, None), f
        elif f.qualifier in ("nearly", "at_most"):
            assert (f.low, f.high) == (None, f.value), f
        else:
            assert (f.low, f.high) == (None, None), f


# --- splitting ---------------------------------------------------------------------------------

@pytest.mark.parametrize("gp", PAGES, ids=lambda gp: gp.name)
def test_every_assembled_page_splits_right(gp):
    found = [(a.start, a.end, a.headline) for a in splitting.split(gp.text)]
    wrong = [(p.number, p.headline) for p in gp.pieces if not corpus.split_right(p, found)]
    assert not wrong, f"{gp.name}: pieces split wrong {wrong}; found {found}"
    assert len(found) == len(gp.pieces)


@pytest.mark.parametrize("gp", PAGES, ids=lambda gp: gp.name)
def test_corpus_offsets_map_back(gp):
    for a in splitting.split(gp.text):
        for part in a.parts:
            p = part.passage
            assert all(gp.text[o] == ch for o, ch in zip(p.offsets, p.text)), (a.id, part.role)


def _piece(gp_name: str, number: int):
    gp = next(g for g in PAGES if g.name == gp_name)
    p = gp.pieces[number - 1]
    return next(a for a in splitting.split(gp.text) if (a.start, a.end) == (p.start, p.end))


@pytest.mark.parametrize("page, number, dateline, reporters, correspondents, photographers", [
    ("c02-agency-wires", 1, "中新社福州六月十六日电", ("孙贤迅",), (), ()),
    ("c02-agency-wires", 2, "据新华社北京12月28日电", ("齐中熙",), (), ()),
    ("c02-agency-wires", 4, "新华社海口1月1日奥运专电", ("周慧敏",), (), ()),
    ("c04-tourism", 1, "金山网讯", (), (), ("徐丹霞", "李斌")),
    ("c07-roads-police", 2, "央广网广州12月30日消息", ("郭翔宇",), ("粤交综",), ()),
    ("c01-city-dailies", 3, "本报讯", ("李锦文",), ("张立峰",), ()),          # byline at the end
    ("c01-city-dailies", 4, "", (), (), ("肖金雄",)),                         # 本报记者 … 摄 closing the text
    ("c03-rainstorms", 2, "", (), (), ("颜麟蕴",)),                           # 新华社记者 … 摄 on its own line
    ("c06-health-schools", 1, "", ("林丹",), ("方序",), ()),                  # byline line at the end
    ("c08-mixed", 3, "", ("朱柳笛",), (), ()),                                # □ byline between lead and story
])
def test_datelines_and_bylines_of_other_papers(page, number, dateline, reporters, correspondents, photographers):
    a = _piece(page, number)
    assert (a.dateline, a.reporters, a.correspondents, a.photographers) == \
        (dateline, reporters, correspondents, photographers)
    assert not any(n in a.body for n in (*reporters, *correspondents, *photographers))


def test_two_line_headline_is_one_headline():
    a = _piece("c06-health-schools", 2)
    assert a.headline == "城区5所新改扩建学校如期开学 新增学位4500多个"
    assert [p.passage.text for p in a.parts if p.role == "headline"] == ["城区5所新改扩建学校如期开学", "新增学位4500多个"]


def test_pieces_marked_only_by_layout_are_flagged_and_the_rest_are_not():
    flagged = {(gp.name, a.headline) for gp in PAGES for a in splitting.split(gp.text) if a.layout_only}
    assert flagged == {("c04-tourism", "剑门关长假客流猛增"),
                       ("c05-power-freight", "电白月供电量突破1亿千瓦时"),
                       ("c05-power-freight", "国家铁路5月货物发送量创新高"),
                       ("c06-health-schools", "1-7月规模以上工业企业利润增长17.1%"),
                       ("c08-mixed", "鄱阳湖决口抢险"),
                       ("c08-mixed", "医生张娟 被逼到墙角"),
                       ("c09-investment", "省重点项目超额完成投资计划"),
                       ("c10-media-sports", "中韩战记者报道人数再创纪录")}
    assert not any(a.layout_only for a in manifest.load_page().articles)


def test_a_join_never_crosses_a_byline_or_a_headline():
    """A paragraph cut off without its full stop stays cut off at a byline or a headline."""
    text = ("江滨公园改造完工\n\n本报讯(记者 王明)江滨公园改造工程完工,新增绿地2万平方米,市民可以\n\n"
            "(记者 王明 通讯员 李华)\n\n"
            "夜市开张 人气旺盛\n\n本报讯(记者 陈红)城东夜市开张,首日客流3000人次。\n")
    arts = splitting.split(text)
    assert [a.headline for a in arts] == ["江滨公园改造完工", "夜市开张 人气旺盛"]
    assert arts[0].paragraphs[-1].text.endswith("市民可以")
    assert arts[0].correspondents == ("李华",)


def test_unbracketed_credit_under_a_caption_is_not_a_headline():
    text = ("春节庙会开幕\n\n本报讯(记者 王明)春节庙会开幕,吸引市民5000余人次。\n\n\n\n"
            "市民在庙会上选购年货\n\n孙忠靖摄\n")
    arts = splitting.split(text)
    assert [a.headline for a in arts] == ["春节庙会开幕"]
    assert "孙忠靖" in arts[0].photographers


# --- the layout vocabulary --------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "□融媒体记者 罗剑生 通讯员 陈美萍 文/图", "川观新闻记者 王若晔", "(记者李锦文通讯员张立峰)", "(陈福忠 武越鹏)",
    "新华社记者 颜麟蕴 摄", "孙忠靖摄", "本报记者 林丹 本报通讯员 方序", "□新京报记者 朱柳笛 河南南阳报道",
    "N海都记者 陈小林", "(罗剑生 黄翠阳 摄)", "■记者 张三 摄影报道",
])
def test_bylines_of_other_papers(line):
    assert layout.is_byline(line)


@pytest.mark.parametrize("line", [
    "火车站派出所 连擒三名网逃", "全市通讯员培训班开班", "两岸记者联合采访启动", "小记者 走进社区",
    "发挥社会职能 真情服务老幼", "工作人员入户送上慰问物资", "核心提示", "记者从市统计局获悉,今年一季度",
    "(33.8mm)", "新增学位4500多个",
])
def test_headlines_captions_and_prose_are_not_bylines(line):
    assert not layout.is_byline(line)


@pytest.mark.parametrize("block, dateline, byline", [
    ("本报讯(融媒体记者黄枫 通讯员曾婉芳)今年", "本报讯", "(融媒体记者黄枫 通讯员曾婉芳)"),
    ("本报讯周浩勇报道:昨日", "本报讯", "周浩勇报道:"),
    ("新华社北京12月28日电(记者齐中熙)28日", "新华社北京12月28日电", "(记者齐中熙)"),
    ("据新华社北京12月28日电 (记者齐中熙)28日", "据新华社北京12月28日电", "(记者齐中熙)"),
    ("中国甘肃网1月5日讯(记者 张三)近日", "中国甘肃网1月5日讯", "(记者 张三)"),
    ("中新社福州六月十六日电(记者 孙贤迅)福建", "中新社福州六月十六日电", "(记者 孙贤迅)"),
    ("西江都市报讯(见习记者 谢韵)今年", "西江都市报讯", "(见习记者 谢韵)"),
    ("金山网讯 5月3日", "金山网讯", None),
])
def test_datelines_of_other_papers(block, dateline, byline):
    m = layout.vocab().dateline.match(block)
    assert m and (m.group(1), m.group(2)) == (dateline, byline)


@pytest.mark.parametrize("block", ["电白区电网进入夏季用电高峰", "据央视新闻客户端消息,7月12日", "记者从贵州省政府获悉,2011年"])
def test_prose_is_not_a_dateline(block):
    assert not layout.vocab().dateline.match(block)


def test_credit_tail_is_cut_from_the_paragraph():
    assert layout.credit_tail("单日入园3万多人次。徐丹霞 李斌 摄影报道") == (10, 21)
    assert layout.credit_tail("增长25.9%。(澎湃新闻记者 邵冰燕)") == (8, 20)
    assert layout.credit_tail("最大雨量在南江县(33.8mm)。") is None
    assert layout.credit_tail("这是一句话。") is None


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_malformed_layout_vocabulary_names_file_and_line(tmp_path):
    where = tmp_path / "layout.csv"
    bad = "value,kind,role,note\n本报讯,dateline,,\n记者,role,editors,\n"
    with pytest.raises(layout.LayoutVocabError, match=re.escape(f"{where}:3")):
        layout.from_rows(_rows(bad), where)
    with pytest.raises(layout.LayoutVocabError, match="capturing groups"):
        layout.from_rows(_rows("value,kind,role,note\n(本报)讯,dateline,,\n"), where)
    with pytest.raises(layout.LayoutVocabError, match="kind 'headline'"):
        layout.from_rows(_rows("value,kind,role,note\nx,headline,,\n"), where)
    assert "layout" in vocab.COLUMNS       # the file's header is checked like every vocabulary's


def test_a_new_papers_dateline_is_a_file_edit():
    """Add a row, and a dateline the desk did not know opens pieces."""
    rows = list(vocab.table("layout")) + [{"value": "【[\\u4e00-\\u9fff]{2,8}】", "kind": "dateline", "role": "",
                                            "note": "a bracketed place dateline"}]
    assert not layout.vocab().dateline.match("【青溪快讯】近日")
    assert layout.from_rows(rows).dateline.match("【青溪快讯】近日").group(1) == "【青溪快讯】"


@pytest.mark.parametrize("piece", PIECES, ids=lambda p: f"{p.page}-{p.number}")
def test_gold_values_agree_with_their_arabic_surfaces(piece):
    """An independent check of the hand-made gold: an Arabic number with 万/亿 after it is worth
    the number times the magnitude (a 千 before 瓦/米/克/升 belongs to the unit); a date is
    worth its last number."""
    scale = {"": 1, "万": 10**4, "亿": 10**8, "万亿": 10**12}
    for f in piece.figures:
        numbers = list(re.finditer(r"(\d+(?:\.\d+)?)(万亿|万|亿)?", f.surface))
        if not numbers or f.value is None or f.qualifier == "range":
            continue
        m = numbers[-1]                # a date's value is its finest part: 8月11日 → 11
        expected = float(m.group(1)) * scale[m.group(2) or ""]
        assert abs(f.value - expected) <= 1e-6 * max(1, expected), f
