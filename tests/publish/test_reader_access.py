"""What makes a report usable anywhere, checked on the HTML (the browser test checks the rest):
Chinese marked with its language, figure ids linked to the source view, share metadata,
descriptions that fit, CSVs a spreadsheet opens right."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from helpers import paths
from helpers.publish import markup as marking
from helpers.publish import render

CJK = re.compile(r"[\u3400-\u9fff]")


class _Lang(HTMLParser):
    """Counts Chinese characters of the body text, and those inside a lang="zh…" element."""

    VOID = {"meta", "link", "img", "br", "hr", "input", "source", "wbr", "col", "area", "base"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = [("#", False)]
        self.all = self.marked = 0
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        lang = dict(attrs).get("lang")
        zh = self.stack[-1][1] if lang is None else lang.lower().split("-")[0] == "zh"
        self.stack.append((tag, zh))
        self.skip += tag in ("head", "style", "script")

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i][0] == tag:
                self.skip -= sum(t in ("head", "style", "script") for t, _ in self.stack[i:])
                del self.stack[i:]
                return

    def handle_data(self, data):
        if self.skip:
            return
        n = len(CJK.findall(data))
        self.all += n
        self.marked += n if self.stack[-1][1] else 0


def marked_share(markup: str) -> tuple[int, int]:
    p = _Lang()
    p.feed(markup)
    return p.marked, p.all


def test_mark_chinese_wraps_every_unmarked_run_and_only_text():
    markup = ('<html lang="en"><head><title>张坂镇 title</title><style>p::after{content:"镇"}</style></head>'
              '<body><p class="x" title="张坂">The 张坂镇 (Zhangban) site, 约130万元 in all.</p>'
              '<blockquote lang="zh-Hans">已经是中文</blockquote><img alt="图 chart"><td>东园镇</td></body></html>')
    out = marking.mark_chinese(markup)
    assert '<p class="x" title="张坂">The <span lang="zh-Hans">张坂镇</span> (Zhangban) site, ' \
           '<span lang="zh-Hans">约130万元</span> in all.</p>' in out
    assert '<blockquote lang="zh-Hans">已经是中文</blockquote>' in out  # already marked: untouched
    assert "<title>张坂镇 title</title>" in out and 'content:"镇"' in out  # head and CSS untouched
    assert '<td><span lang="zh-Hans">东园镇</span></td>' in out
    assert marking.mark_chinese(out) == out  # idempotent
    marked, total = marked_share(out)
    assert total and marked == total
    assert marked_share(markup)[0] < marked_share(markup)[1]  # the check can fail


def test_link_figure_ids_links_text_not_attributes_or_links():
    body = ('<p title="a01-f02">Inputs: a01-f02; a01-f03 and a01-f02 again, not xa01-f02 '
            '<a href="#x">a01-f04</a></p>')
    out = marking.link_figure_ids(body, "tsq")
    assert out.count('href="source-tsq.html#fig-a01-f02"') == 2
    assert out.count('id="fig-ref-a01-f02"') == 1  # the first link is the one the source view links back to
    assert '<a class="desk-ref" id="fig-ref-a01-f03" href="source-tsq.html#fig-a01-f03">a01-f03</a>' in out
    assert 'title="a01-f02"' in out and "xa01-f02" in out and '<a href="#x">a01-f04</a>' in out


@pytest.mark.parametrize("text", ["short enough", "word " * 60, "中文" * 120])
def test_share_description_fits_160_characters(text):
    out = render.summary(text)
    assert len(out) <= render.DESCRIPTION_MAX
    if len(" ".join(text.split())) > render.DESCRIPTION_MAX:
        assert out.endswith("…") and not out.endswith(" …")
    else:
        assert out == " ".join(text.split())


def _pages():
    pages = sorted(paths.REPORTS.glob("*.html"))
    if not pages:
        pytest.skip("no reports yet (run `make reports`)")
    return pages


def _meta(markup: str) -> dict[str, str]:
    out = {}
    for m in re.finditer(r'<meta (?:name|property)="([^"]+)" content="([^"]*)">', markup):
        out[m.group(1)] = m.group(2)
    return out


def test_every_page_has_share_metadata_and_an_inline_favicon():
    import html

    for page in _pages():
        markup = page.read_text(encoding="utf-8")
        meta = _meta(markup)
        title = html.unescape(re.search(r"<title>(.*?)</title>", markup, re.S).group(1))
        assert title.strip() and title != "Desk reports", page.name
        desc = html.unescape(meta.get("description", ""))
        assert 40 <= len(desc) <= 160, f"{page.name}: description of {len(desc)} characters"
        for key in ("og:title", "og:description", "og:type", "og:site_name", "twitter:card",
                    "twitter:title", "twitter:description"):
            assert meta.get(key), f"{page.name}: no {key}"
        assert html.unescape(meta["og:description"]) == desc
        assert re.search(r'<link rel="icon" href="data:image/svg\+xml,[^"]+">', markup), page.name


def test_committed_reports_mark_99_percent_of_their_chinese():
    for page in _pages():
        marked, total = marked_share(page.read_text(encoding="utf-8"))
        if total:
            assert marked / total >= 0.99, f"{page.name}: {marked}/{total} Chinese characters marked"


def test_reader_csvs_start_with_a_bom_and_processed_ones_do_not():
    csvs = sorted((paths.REPORTS / "data").rglob("*.csv"))
    if not csvs:
        pytest.skip("no reports yet")
    for path in csvs:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), f"{path.name}: no UTF-8 BOM"
    for path in sorted(paths.PROCESSED.glob("*.csv")):
        assert not path.read_bytes().startswith(b"\xef\xbb\xbf"), f"{path.name}: processed data has a BOM"


def test_every_quote_and_figure_id_links_to_an_anchor_of_the_source_view():
    pages = _pages()
    sources = {p.name: set(re.findall(r'\bid="([^"]+)"', p.read_text(encoding="utf-8")))
               for p in pages if p.name.startswith("source-")}
    assert sources, "no source view"
    for page in pages:
        markup = page.read_text(encoding="utf-8")
        if page.name.startswith(("source-", "index")):
            continue
        quotes = re.findall(r'<li class="desk-quote" id="([^"]+)"', markup)
        for q in quotes:
            item = markup[markup.index(f'id="{q}"'):]
            item = item[:item.index("</li>")]
            assert re.search(r'href="source-[a-z0-9-]+\.html#at-\d+"', item), f"{page.name}: quote {q} not linked"
        for target, anchor in re.findall(r'href="(source-[a-z0-9-]+\.html)#([^"]+)"', markup):
            assert anchor in sources[target], f"{page.name}: #{anchor} not in {target}"
        text = re.sub(r"<a\b.*?</a>|<[^>]+>", " ", markup.split("<body>", 1)[1], flags=re.S)
        bare = marking.FIGURE_ID.findall(text)
        assert not bare, f"{page.name}: figure ids not linked: {bare[:5]}"


def test_source_view_marks_each_figure_with_id_qualifier_and_tense():
    from types import SimpleNamespace

    from helpers.publish import sourceview

    text = "标题\n园区投资将超16.5亿元，提供岗位3000个。\n尾注"
    page = SimpleNamespace(text=text, articles=(SimpleNamespace(id="a01", kind="article", headline="标题",
                                                                start=0, end=text.index("\n尾注")),))
    s1, s2 = text.index("超16.5亿元"), text.index("3000个")
    figures = [{"id": "a01-f01", "start": s1, "end": s1 + 7, "qualifier": "more_than", "projected": True, "kind": "amount"},
               {"id": "a01-f02", "start": s2, "end": s2 + 5, "qualifier": "exact", "projected": False, "kind": "count"}]
    doc = sourceview.render_source(page, figures, title="The page", intro="The page as printed, marked.",
                                   backrefs={"fig-a01-f02": [("01-x.html#fig-ref-a01-f02", "Story")]},
                                   anchors=[s1 - 2])
    assert '<section class="source-piece" id="piece-a01"' in doc
    assert f'<span id="at-{s1 - 2}" class="source-at"></span>' in doc
    assert '<mark class="source-fig" id="fig-a01-f01">超16.5亿元</mark>' in doc
    assert "a01-f01</a>: more than (floor), projected (future)]" in doc
    assert 'a01-f02</a>: exact, stated; used in <a href="01-x.html#fig-ref-a01-f02">Story</a>]' in doc
    assert "尾注" in doc and 'id="piece-none"' in doc  # text outside the pieces is shown too
    assert "Content-Security-Policy" in doc and "<script" not in doc
    marked, total = marked_share(doc)
    assert marked / total >= 0.99


def test_every_committed_chart_is_drawn_in_the_house_style():
    import base64

    charts = 0
    for page in _pages():
        for data in re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', page.read_text(encoding="utf-8")):
            svg = base64.b64decode(data).decode("utf-8")
            assert "@media (prefers-color-scheme: dark)" in svg, f"{page.name}: a chart without dark mode"
            charts += 1
    assert charts >= 5
