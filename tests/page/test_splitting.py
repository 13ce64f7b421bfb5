"""helpers.page: strict reading, splitting into pieces, layout repair, raw offsets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import paths
from helpers.errors import DeskError
from helpers.page import bylines, manifest, reading, splitting, tables
from helpers.page.model import PageDecodeError, Passage

FIXTURES = Path(__file__).parents[1] / "fixtures"
MADE_UP = FIXTURES / "page_made_up.txt"


@pytest.fixture(scope="module")
def page():
    return manifest.load_page()


@pytest.fixture(scope="module")
def made_up():
    return reading.read_page(MADE_UP)


def _check_offsets(page):
    """Every character of every passage (headline, byline, paragraphs, captions…) maps back."""
    checked = 0
    for a in page.articles:
        for part in a.parts:
            p = part.passage
            assert len(p.text) == len(p.offsets)
            for i, ch in enumerate(p.text):
                assert page.text[p.offsets[i]] == ch, (a.id, part.role, i)
                checked += 1
            assert a.start <= min(p.offsets) and max(p.offsets) < a.end
    return checked


def _check_repaired(page, article_id, left, right):
    """``left|right`` was broken by the layout: whole in the repaired text, broken nowhere."""
    a = page.article(article_id)
    raw = re.escape(left) + r"\n\s*\n" + re.escape(right)
    assert re.search(raw, page.text), "fixture no longer shows the break"
    assert left + right in a.body
    assert not any(p.text.endswith(left) for p in a.paragraphs)
    assert not any(p.text.startswith(right) for p in a.paragraphs)
    joined = [p for p in a.paragraphs if left + right in p.text]
    i = joined[0].text.index(left + right) + len(left)
    assert i in joined[0].joins


# --- the page --------------------------------------------------------------------------

HEADLINES = (
    "台商区打造科技创新生态圈 智慧港产业园项目投用",
    "福厦高铁泉州东站 迎来首次春运",
    "公共安全工程 获评市级优秀",
    "推进项目提升 惠及百姓养老",
    "开展消防演练 强化应急能力",
    "打造老人儿童的“暖心家园” 4个乡镇社工站获评省五星级",
    "寒日送关爱 慰问暖人心",
    "",
)


def test_page_has_eight_pieces_in_order(page):
    assert [a.id for a in page.articles] == [f"a{k:02d}" for k in range(1, 9)]
    assert tuple(a.headline for a in page.articles) == HEADLINES
    assert [a.kind for a in page.articles] == ["article"] * 7 + ["photo"]
    spans = [(a.start, a.end) for a in page.articles]
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))


def test_page_bylines(page):
    a01, a02, a05, a06, a08 = (page.article(i) for i in ("a01", "a02", "a05", "a06", "a08"))
    assert a01.byline == "(融媒体记者黄枫 张文璟 通讯员刘荣生 文/图)"
    assert a01.dateline == "本报讯"
    assert (a01.reporters, a01.correspondents, a01.photographers) == (("黄枫", "张文璟"), ("刘荣生",), ())
    assert a01.text_and_photos
    assert (a02.reporters, a02.correspondents, a02.text_and_photos) == (("黄枫",), ("曾婉芳",), False)
    assert (a05.reporters, a05.correspondents) == (("黄枫",), ())
    assert a06.byline == "□融媒体记者 罗剑生 通讯员 陈美萍 文/图"
    assert (a06.reporters, a06.correspondents, a06.text_and_photos, a06.dateline) == (("罗剑生",), ("陈美萍",), True, "")
    assert a08.byline == "(罗剑生 黄翠阳 摄)"
    assert a08.photographers == ("罗剑生", "黄翠阳")
    assert all(not a.byline_unparsed for a in page.articles)


def test_byline_and_dateline_removed_from_first_paragraph(page):
    for a in page.articles:
        assert not a.paragraphs[0].text.startswith("本报讯")
        assert a.byline not in a.body
    assert page.article("a01").paragraphs[0].text.startswith("新的一年,")
    assert page.article("a08").paragraphs[0].text.endswith("图为群众展示领到的“福”字。")


def test_kicker_and_subheads(page):
    a06 = page.article("a06")
    assert a06.kicker.startswith("日前,福建省民政厅公布2023年")
    assert a06.kicker.endswith("一探究竟。")
    assert a06.kicker.count("\n") == 1
    assert a06.subheads == ("发挥社会职能 真情服务老幼", "结合当地实际 形成特色品牌", "开展社会救助 兜牢民生保障")
    assert "核心提示" not in a06.body and a06.kicker not in a06.body
    assert all(a.subheads == () for a in page.articles if a.id != "a06")


@pytest.mark.parametrize(
    "article_id, left, right",
    [("a01", "主", "战场"), ("a01", "科学理", "念"), ("a06", "党", "员"),
     ("a06", "家政帮", "助"), ("a07", "逐一", "摸排")],
)
def test_broken_words_repaired(page, article_id, left, right):
    _check_repaired(page, article_id, left, right)


@pytest.mark.parametrize(
    "article_id, left, right",
    [("a01", "打造", "产、城、人融合"), ("a06", "形成创意网红", "集市")],
)
def test_paragraph_rejoined_around_a_dropped_caption(page, article_id, left, right):
    assert left + right in page.article(article_id).body


def test_captions_attached_to_the_right_piece(page):
    captions = {a.id: tuple(c.text for c in a.captions) for a in page.articles}
    assert captions == {
        "a01": ("作为省、市政府重点打造的产业园区,台商区中重国际·智慧港产业园项目日前投用。",),
        "a02": (), "a03": (), "a04": (), "a05": (),
        "a06": ("社工站组织志愿者为孩子们讲述故事",),
        "a07": ("工作人员入户送上慰问物资",),
        "a08": (),
    }
    for a in page.articles:
        for c in a.captions:
            assert c.text not in a.body
    # the caption printed above a07's headline opens a07's span
    a07 = page.article("a07")
    assert a07.start == a07.captions[0].offsets[0] < a07.parts[1].passage.offsets[0]


def test_offsets_map_back_to_the_raw_file(page):
    assert page.text == paths.RAW.joinpath("000_106e376f0b9f6718.txt").read_text(encoding="utf-8")
    assert _check_offsets(page) > 4000


def test_raw_span_of_a_joined_word(page):
    p = next(p for p in page.article("a01").paragraphs if "主战场" in p.text)
    i = p.text.index("主战场")
    start, end = p.raw_span(i, i + 3)
    assert page.text[start] == "主" and page.text[end - 2:end] == "战场"
    with pytest.raises(IndexError):
        p.raw_span(5, 5)


def test_repairs_list_the_joins_and_captions(page):
    rows = tables.repairs(page)
    assert [r[3] for r in rows if r[1] == "join" and r[0] == "a07"] == ["体,逐一|摸排到位"]
    assert sum(r[1] == "join" for r in rows) == 7
    assert sum(r[1] == "caption" for r in rows) == 3


def test_articles_table(page):
    t = tables.articles_table(page)
    assert list(t.columns) == ["id", "headline", "reporters", "correspondents", "photographers",
                               "paragraphs", "captions", "start", "end", "byline", "text_and_photos"]
    assert list(t["byline"]) == [a.byline for a in page.articles]
    assert list(t["text_and_photos"]) == [a.text_and_photos for a in page.articles]
    assert t.set_index("id").loc["a01", "byline"].startswith("(融媒体记者黄枫")
    assert list(t["id"]) == [a.id for a in page.articles]
    row = t.set_index("id").loc["a01"]
    assert (row.reporters, row.correspondents, row.photographers) == ("黄枫、张文璟", "刘荣生", "")
    assert t.set_index("id").loc["a08", "photographers"] == "罗剑生、黄翠阳"
    assert list(t["paragraphs"]) == [len(a.paragraphs) for a in page.articles]
    assert list(t["captions"]) == [1, 0, 0, 0, 0, 1, 1, 0]
    assert list(t["start"]) == [a.start for a in page.articles]


def test_load_page_is_cached_and_reads_the_verified_bytes_once(monkeypatch):
    manifest.load_page.cache_clear()
    reads = []
    real_verify = manifest.verify
    monkeypatch.setattr(manifest, "verify", lambda e: reads.append(e.path) or real_verify(e))
    monkeypatch.setattr(reading, "read_text", lambda path: pytest.fail("file read a second time"))
    first = manifest.load_page()
    assert manifest.load_page() is first
    assert len(reads) == 1
    assert first.slug == "tsq-2024-spring"
    manifest.load_page.cache_clear()


def test_load_page_unknown_slug():
    with pytest.raises(manifest.ManifestError, match="no page 'nope'"):
        manifest.load_page("nope")


# --- the made-up page: same damage, other words ------------------------------------------

def test_made_up_page_pieces(made_up):
    assert [(a.id, a.kind, a.headline) for a in made_up.articles] == [
        ("a01", "article", "青溪新区建成智能物流中心 首批企业签约入驻"),
        ("a02", "article", "环湖绿道 全线贯通"),
        ("a03", "article", "守护一方水土 河长制见实效"),
        ("a04", "article", "义诊进村 服务上门"),
        ("a05", "photo", ""),
    ]
    a01, a02, a03, a04, a05 = made_up.articles
    assert (a01.reporters, a01.correspondents, a01.text_and_photos) == (("陈立",), ("王海燕",), True)
    assert (a02.reporters, a02.correspondents) == (("林晓",), ())
    assert a03.byline == "□融媒体记者 陈立 通讯员 赵一鸣 文/图"
    assert (a03.reporters, a03.correspondents) == (("陈立",), ("赵一鸣",))
    assert a03.kicker == "去年以来,青溪新区全面推行河长制,辖区12条河流水质稳定达标。\n河长们是怎样工作的?记者进行了走访。"
    assert a03.subheads == ("巡河成为日常", "群众参与治水")
    assert a05.photographers == ("陈立", "林晓") and a05.byline == "(陈立 林晓 摄)"
    # short complete paragraphs stay paragraphs (not captions), even just before a headline
    assert [p.text for p in a02.paragraphs][-1] == "市民纷纷前来骑行。"


@pytest.mark.parametrize(
    "article_id, left, right",
    [("a01", "枢", "纽"), ("a01", "道", "路"), ("a03", "排污", "口"), ("a04", "上", "门")],
)
def test_made_up_broken_words(made_up, article_id, left, right):
    _check_repaired(made_up, article_id, left, right)


def test_made_up_captions(made_up):
    assert {a.id: tuple(c.text for c in a.captions) for a in made_up.articles} == {
        "a01": ("工作人员在智能物流中心分拣货物。",),
        "a02": (),
        "a03": ("志愿者在溪边清理垃圾",),
        "a04": ("医护人员为老人测量血压",),
        "a05": (),
    }
    assert "推动形成现代物流产业集群" in made_up.article("a01").body
    assert "护河志愿队" in made_up.article("a03").body


def test_made_up_offsets(made_up):
    assert _check_offsets(made_up) > 700


def test_single_blank_lines_still_lift_unpunctuated_captions():
    """Without the big-gap signal, a caption with no punctuation is still told apart."""
    text = re.sub(r"\n{3,}", "\n\n", reading.read_text(MADE_UP))
    arts = {a.id: a for a in splitting.split(text)}
    assert [c.text for c in arts["a03"].captions] == ["志愿者在溪边清理垃圾"]
    assert "护河志愿队" in arts["a03"].body
    assert [c.text for c in arts["a04"].captions] == ["医护人员为老人测量血压"]


# --- bylines -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, reporters, correspondents, photographers, both, unparsed",
    [
        ("(融媒体记者黄枫 张文璟 通讯员刘荣生 文/图)", ("黄枫", "张文璟"), ("刘荣生",), (), True, ()),
        ("□融媒体记者 罗剑生 通讯员 陈美萍 文/图", ("罗剑生",), ("陈美萍",), (), True, ()),
        ("(罗剑生 黄翠阳 摄)", (), (), ("罗剑生", "黄翠阳"), False, ()),
        ("（记者张三、李四　通讯员王五）", ("张三", "李四"), ("王五",), (), False, ()),
        ("(本报记者 赵六 摄影 钱七)", ("赵六",), (), ("钱七",), False, ()),
        ("(青溪新区农业农村局供稿 实习生 许诺)", (), (), (), False, ("青溪新区农业农村局供稿", "实习生", "许诺")),
    ],
)
def test_parse_byline(raw, reporters, correspondents, photographers, both, unparsed):
    c = bylines.parse_byline(raw)
    assert (c.reporters, c.correspondents, c.photographers, c.text_and_photos, c.unparsed) == (
        reporters, correspondents, photographers, both, unparsed)


def test_unusual_byline_is_kept_raw():
    page = reading.read_page(FIXTURES / "page_unusual_byline.txt")
    (a,) = page.articles
    assert a.headline == "春耕备耕正当时"
    assert a.byline == "(青溪新区农业农村局供稿 实习生 许诺)"
    assert a.dateline == "本报讯"
    assert (a.reporters, a.correspondents, a.photographers) == ((), (), ())
    assert a.byline_unparsed == ("青溪新区农业农村局供稿", "实习生", "许诺")
    assert a.paragraphs[0].text.startswith("连日来,")


# --- bad input -----------------------------------------------------------------------------

def test_empty_file_has_zero_pieces():
    page = reading.read_page(FIXTURES / "page_empty.txt")
    assert page.text == "" and page.articles == ()
    assert splitting.split("\n \n\u3000\n") == ()
    assert tables.articles_table(page).shape == (0, 11)


def test_no_headline_gives_one_untitled_article():
    page = reading.read_page(FIXTURES / "page_no_headline.txt")
    (a,) = page.articles
    assert (a.id, a.kind, a.headline, a.byline) == ("a01", "article", "", "")
    assert len(a.paragraphs) == 2
    assert a.start == 0 and a.end == len(page.text.rstrip("\n"))


def test_non_utf8_is_a_clear_error(tmp_path):
    head = "春耕备耕正当时\n\n".encode("utf-8")
    f = tmp_path / "page_gbk.txt"
    f.write_bytes(head + "连日来,各村抢抓农时。".encode("gb18030"))
    with pytest.raises(PageDecodeError) as info:
        reading.read_page(f)
    msg = str(info.value)
    assert isinstance(info.value, DeskError)
    assert str(f) in msg
    assert f"byte offset {len(head)}" in msg and "line 3" in msg
    assert "iconv -f GB18030 -t UTF-8" in msg


def test_utf16_gets_a_utf16_hint(tmp_path):
    f = tmp_path / "page_utf16.txt"
    f.write_bytes("春耕".encode("utf-16"))
    with pytest.raises(PageDecodeError, match="byte offset 0.*iconv -f UTF-16"):
        reading.read_text(f)


@pytest.mark.parametrize("bom, newline", [("", "\r\n"), ("\ufeff", "\n"), ("\ufeff", "\r\n"), ("", "\r")])
def test_bom_and_line_ends_normalised(tmp_path, made_up, bom, newline):
    f = tmp_path / "page_variant.txt"
    f.write_bytes((bom + made_up.text.replace("\n", newline)).encode("utf-8"))
    page = reading.read_page(f)
    assert page.text == made_up.text
    assert page.articles == made_up.articles


def test_full_width_characters_kept():
    assert reading.decode("２０２４年，共４０天！".encode("utf-8")) == "２０２４年，共４０天！"


def test_passage_rejects_mismatched_offsets():
    with pytest.raises(ValueError, match="2 characters but 1 offsets"):
        Passage("春运", (0,))


# --- invariants: nothing lost, nothing doubled, offsets exact -------------------------------

def _check_lossless(text, articles):
    """Every printed (non-space) character of the text is in exactly one part of one piece."""
    seen = [o for a in articles for part in a.parts for o in part.passage.offsets]
    assert len(seen) == len(set(seen)), "a character is in two parts"
    printed = {i for i, ch in enumerate(text) if not ch.isspace()}
    assert {o for o in seen if not text[o].isspace()} == printed
    for a in articles:
        for part in a.parts:
            assert all(text[o] == ch for o, ch in zip(part.passage.offsets, part.passage.text))


def test_nothing_lost_on_the_page(page, made_up):
    _check_lossless(page.text, page.articles)
    _check_lossless(made_up.text, made_up.articles)
    assert [p.role for p in page.article("a06").parts[:3]] == ["headline", "label", "kicker"]


_LINES = sorted({
    line.strip()
    for f in (paths.RAW / "000_106e376f0b9f6718.txt", MADE_UP, FIXTURES / "page_unusual_byline.txt")
    for line in reading.read_text(f).split("\n") if line.strip()
} | {"核心提示", "□记者 张三", "(张三 摄)", "本报讯", "本报讯(记者 李四)", "，", "。", "　　春运。", "图为"})


def test_random_pages_split_without_loss():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(st.lists(st.tuples(st.sampled_from(_LINES), st.integers(0, 3)), max_size=14),
           st.sampled_from(["", " ", "\u3000\u3000"]))
    def check(lines, indent):
        text = "".join("\n" * gap + indent + line + "\n" for line, gap in lines)
        articles = splitting.split(text)
        assert [a.id for a in articles] == [f"a{k:02d}" for k in range(1, len(articles) + 1)]
        assert (len(articles) == 0) == (not lines)
        _check_lossless(text, articles)

    check()
