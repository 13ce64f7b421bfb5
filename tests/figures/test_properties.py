"""Property tests: generated pages never crash the splitter or the ledger, and every offset
they return is exact (``text[start:end] == surface``); reading and escaping are total.

Pages are built from realistic pieces (headlines, datelines with bylines, byline lines,
kicker labels, paragraphs with numbers and qualifiers, broken paragraphs, captions with
photo credits, runs of blank lines, indents) mixed with random Unicode. Examples are
derandomised and kept moderate so the suite stays fast.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from helpers import story
from helpers.figures import extraction, ledger
from helpers.figures import model as figure_model
from helpers.page import reading, splitting
from helpers.page.model import Page, PageDecodeError

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)
FORBIDDEN = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# --------------------------------------------------------------------------- page pieces

HEADLINES = ["台商区打造科技创新生态圈 智慧港产业园项目投用", "福厦高铁泉州东站 迎来首次春运",
             "环湖绿道 全线贯通", "守护一方水土 河长制见实效", "臺商區迎來開門紅", "<b>园区</b> {{ x }}"]
DATELINES = ["本报讯(融媒体记者黄枫 张文璟 通讯员刘荣生 文/图)", "本报讯(融媒体记者林晓)", "本报讯", "本报讯(记者 李四)"]
BYLINES = ["□融媒体记者 罗剑生 通讯员 陈美萍 文/图", "□记者 张三", "(罗剑生 黄翠阳 摄)"]
SUBJECTS = ["园区", "投资总额", "全镇", "项目", "春运期间", "绿道", "臺商區", "全年", "$x$ 与 *y*"]
VERBS = ["共有", "将达", "预计投入", "提供", "吸引了", "建成", "计划新增", "待项目投产后将提供", "达", ""]
PREFIXES = ["", "", "超", "逾", "近", "约", "不少于", "不足", "第"]
NUMBERS = ["16.5", "3000", "3,000", "57", "15", "1.64", "２０", "１２００", "五", "十八", "一百二十",
           "三", "七八", "2024", "10—15", "3至5", "0595", "5G"]
UNITS = ["亿元", "万元", "元", "个", "万平方米", "栋", "人次", "%", "年", "月", "日", "家", "處", "萬人", ""]
SUFFIXES = ["", "", "以上", "左右", "多", "余"]
ENDS = ["。", "，", "；", "！", "", "”。", "……"]
CAPTIONS = ["工作人员在智能物流中心分拣货物。", "市民纷纷前来骑行", "图为开园现场(黄枫 摄)",
            "<img src=x onerror=alert(1)>", "👍🏽 园区一角"]

# Random text of any printable kind, plus the oddities pages really carry.
ODD = st.sampled_from(["\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u0301", "\u3000", "\u00a0",
                       "\u2028", "\t", "\x0c", "👨\u200d👩\u200d👧", "🇨🇳", "𠮷", "﨑", "\ue000", "\r\n", "\r"])
UNICODE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30).map(
    lambda s: FORBIDDEN.sub("", s))


@st.composite
def sentences(draw) -> str:
    """A sentence with a figure, its qualifiers and sometimes a future marker."""
    return "".join([draw(st.sampled_from(SUBJECTS)), draw(st.sampled_from(VERBS)),
                    draw(st.sampled_from(PREFIXES)), draw(st.sampled_from(NUMBERS)),
                    draw(st.sampled_from(UNITS)), draw(st.sampled_from(SUFFIXES)),
                    draw(st.sampled_from(ENDS))])


@st.composite
def paragraphs(draw) -> str:
    parts = draw(st.lists(st.one_of(sentences(), sentences(), UNICODE_TEXT, ODD), min_size=1, max_size=5))
    return "".join(parts)


@st.composite
def blocks(draw) -> str:
    kind = draw(st.sampled_from(["headline", "dateline", "byline", "kicker", "paragraph", "paragraph",
                                 "paragraph", "caption", "unicode"]))
    if kind == "headline":
        return draw(st.sampled_from(HEADLINES))
    if kind == "dateline":
        return draw(st.sampled_from(DATELINES)) + draw(paragraphs())
    if kind == "byline":
        return draw(st.sampled_from(BYLINES))
    if kind == "kicker":
        return "核心提示"
    if kind == "caption":
        return draw(st.sampled_from(CAPTIONS))
    if kind == "unicode":
        return draw(UNICODE_TEXT)
    return draw(paragraphs())


@st.composite
def pages(draw) -> str:
    """A page text: blocks separated by runs of 0–3 blank lines, some indented."""
    out = []
    for block in draw(st.lists(blocks(), max_size=12)):
        gap = "\n" * draw(st.integers(0, 3))
        indent = draw(st.sampled_from(["", "", "\u3000\u3000", " "]))
        out.append(gap + indent + block + "\n")
    return "".join(out)


def page_of(text: str) -> Page:
    return Page(slug="generated", path=Path("generated.txt"), text=text, articles=splitting.split(text))


# --------------------------------------------------------------------------- splitter

@SETTINGS
@given(pages())
def test_splitter_never_loses_a_character_and_offsets_are_exact(text):
    articles = splitting.split(text)
    assert [a.id for a in articles] == [f"a{k:02d}" for k in range(1, len(articles) + 1)]
    seen = [o for a in articles for part in a.parts for o in part.passage.offsets]
    assert len(seen) == len(set(seen)), "a character is in two parts"
    printed = {i for i, ch in enumerate(text) if not ch.isspace()}
    assert {o for o in seen if not text[o].isspace()} == printed
    for a in articles:
        assert 0 <= a.start < a.end <= len(text)
        for part in a.parts:
            assert all(text[o] == ch for o, ch in zip(part.passage.offsets, part.passage.text))
            if part.passage.text:
                i, j = 0, len(part.passage.text)
                start, end = part.passage.raw_span(i, j)
                assert a.start <= start < end <= a.end


# --------------------------------------------------------------------------- ledger

def _check_figure(text: str, f) -> None:
    assert 0 <= f.start < f.end <= len(text)
    assert text[f.start:f.end] == f.surface, f.describe()
    assert f.qualifier in figure_model.QUALIFIERS and f.kind in figure_model.KINDS
    if f.low is not None and f.high is not None:
        assert f.low <= f.high, f.describe()
    if f.qualifier == "exact":
        assert f.low == f.high == f.value, f.describe()


@SETTINGS
@given(st.one_of(pages(), paragraphs(), UNICODE_TEXT))
def test_ledger_extract_offsets_exact(text):
    figures = extraction.extract(text)
    for f in figures:
        _check_figure(text, f)
    assert [f.start for f in figures] == sorted(f.start for f in figures)


FORMAT_MARKS = ["\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f", "\u061c", "\ufe0f"]


@SETTINGS
@given(st.integers(min_value=1000, max_value=10**9), st.sampled_from(["个", "人", "元", "万元", "亿元", "%"]),
       st.sampled_from([" ", "\u2009", "\u202f"]), st.sampled_from([" ", "\u00a0", "\u3000", ""]),
       st.sampled_from(FORMAT_MARKS), st.integers(min_value=1, max_value=3))
def test_spaces_and_format_marks_inside_a_figure_are_read_across(n, unit, thousands, gap, mark, at):
    """3 000人, 16.5 亿元, 3\u200e000万元 read like 3000人, 16.5亿元, 3000万元; the surface keeps them."""
    clean = f"共{n}{unit}。"
    grouped = f"{n:,}".replace(",", thousands)
    digits = str(n)
    marked = digits[:at] + mark + digits[at:]
    for noisy in (f"共{grouped}{unit}。", f"共{digits}{gap}{unit}。", f"共{marked}{unit}。"):
        (want,), (got,) = extraction.extract(clean), extraction.extract(noisy)
        assert (got.value, got.unit, got.qualifier) == (want.value, want.unit, want.qualifier), noisy
        assert noisy[got.start:got.end] == got.surface and got.surface.startswith(noisy[1])


@SETTINGS
@given(pages())
def test_page_ledger_offsets_exact_and_inside_their_piece(text):
    page = page_of(text)
    spans = {a.id: (a.start, a.end) for a in page.articles}
    figures = ledger.figures_of_page(page)
    for f in figures:
        _check_figure(page.text, f)
        start, end = spans[f.article]
        assert start <= f.start < f.end <= end, f.describe()
    assert len({f.id for f in figures}) == len(figures)
    frame = ledger.page_figures(page)
    assert len(frame) == len(figures)
    assert all(page.text[s:e] == sur for s, e, sur in zip(frame["start"], frame["end"], frame["surface"]))


# --------------------------------------------------------------------------- reading

@SETTINGS
@given(pages(), st.sampled_from(["", "\ufeff"]), st.sampled_from(["\n", "\r\n", "\r"]))
def test_decode_keeps_every_character_of_a_clean_page(text, bom, newline):
    clean = text.replace("\r\n", "\n").replace("\r", "\n")
    data = (bom + clean.replace("\n", newline)).encode("utf-8")
    assert reading.decode(data, "p.txt") == clean


@SETTINGS
@given(st.binary(max_size=300) | pages().map(lambda t: t.encode("utf-8")) | st.builds(
    lambda t, junk, at: (lambda b: b[:at % (len(b) + 1)] + junk + b[at % (len(b) + 1):])(t.encode("utf-8")),
    pages(), st.binary(min_size=1, max_size=4), st.integers(0, 10_000)))
def test_decode_returns_clean_text_or_refuses_with_the_file_name(data):
    try:
        text = reading.decode(data, "odd-page.txt")
    except PageDecodeError as e:
        assert str(e).startswith("odd-page.txt: ")
        assert re.search(r"(byte|character) offset \d+", str(e))
        return
    assert "\r" not in text and not FORBIDDEN.search(text) and not text.startswith("\ufeff")


# --------------------------------------------------------------------------- escaping

class _Text(HTMLParser):
    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.chunks: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.chunks.append(data)


@pytest.fixture(scope="module", autouse=True)
def shell():
    return InteractiveShell.instance()


@SETTINGS
@given(st.one_of(paragraphs(), UNICODE_TEXT, st.sampled_from(CAPTIONS + HEADLINES)).filter(str.strip))
def test_any_page_text_reaches_the_reader_as_itself(text):
    with capture_output() as cap:
        story.answer(text)
    (out,) = cap.outputs
    parsed = _Text(out.data["text/html"])
    assert parsed.tags == ["p"]
    assert "".join(parsed.chunks) == text
