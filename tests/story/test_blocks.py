"""helpers.story.blocks: report blocks as escaped text/html outputs with the contract's metadata."""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace as NS

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from helpers import csvsafe, paths, story
from helpers.story import outputs, quoting
from helpers.story.glosses import MissingGlossError

HOSTILE = [
    "<script>alert(1)</script>",
    "{{ config }}",
    "$x^2$",
    "[x](javascript:alert(1))",
    '"><img src=x onerror=alert(1)>',
    "&amp; stays &amp;",
]


@pytest.fixture(scope="module", autouse=True)
def shell():
    return InteractiveShell.instance()


@pytest.fixture(autouse=True)
def clean_registry():
    outputs.reset_outputs()
    yield
    outputs.reset_outputs()


def shown(fn, *args, **kwargs):
    with capture_output() as cap:
        fn(*args, **kwargs)
    return cap.outputs


def one(fn, *args, **kwargs):
    outs = shown(fn, *args, **kwargs)
    assert len(outs) == 1
    assert set(outs[0].data) == {"text/html"}
    return outs[0]


class Parsed(HTMLParser):
    """Tags (with attributes) and the text a browser would show."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.chunks: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def names(self) -> list[str]:
        return [t for t, _ in self.tags]


def assert_literal(markup: str, *strings: str) -> Parsed:
    """Each string reaches the reader as text; none of it became markup or template syntax."""
    p = Parsed(markup)
    for s in strings:
        assert s in p.text
    assert "script" not in p.names() and "img" not in p.names()
    assert not any("onerror" in a for _, a in p.tags)
    assert "{{" not in markup and "$" not in markup
    return p


# --------------------------------------------------------------------------- headline / findings / answer

def test_headline_header_and_metadata():
    out = one(story.headline, "Each job costs at least 550,000 yuan", "A park's promise, divided.", "550,000 yuan")
    p = Parsed(out.data["text/html"])
    assert p.names()[:3] == ["header", "h1", "p"]
    assert out.metadata == {"desk": {"kind": "headline", "headline": "Each job costs at least 550,000 yuan",
                                     "dek": "A park's promise, divided.", "key_figure": "550,000 yuan"}}


def test_headline_escapes_but_metadata_keeps_the_raw_text():
    out = one(story.headline, HOSTILE[0], HOSTILE[1], HOSTILE[2])
    assert_literal(out.data["text/html"], *HOSTILE[:3])
    assert out.metadata["desk"]["headline"] == HOSTILE[0]  # the build escapes it for <title>


def test_headline_refuses_non_strings():
    with pytest.raises(TypeError, match="key_figure"):
        story.headline("t", "d", 550000)
    with pytest.raises(ValueError, match="dek"):
        story.headline("t", " ", "k")


def test_findings_list_and_escaping():
    out = one(story.findings, HOSTILE[:4])
    p = assert_literal(out.data["text/html"], *HOSTILE[:4])
    assert p.names().count("li") == 4
    assert "Key findings" in p.text
    assert out.metadata == {}


@pytest.mark.parametrize("n", [0, 2, 6])
def test_findings_count_enforced(n):
    with pytest.raises(ValueError, match="3-5"):
        story.findings([f"finding {i}" for i in range(n)])


def test_findings_refuse_a_bare_string_or_numbers():
    with pytest.raises(TypeError):
        story.findings("one long string")
    with pytest.raises(TypeError, match=r"items\[1\]"):
        story.findings(["a", 0.30000000000000004, "c"])


def test_answer_paragraph():
    for s in HOSTILE:
        out = one(story.answer, s)
        p = assert_literal(out.data["text/html"], s)
        assert p.names() == ["p"]


# --------------------------------------------------------------------------- table

FRAME = pd.DataFrame({"Item": ["投资总额", "<b>jobs</b>"], "Value": ["1.65 billion yuan", "3,000"], "Year": [2024, 2024]})


def test_table_is_escaped_and_deterministic():
    a = one(story.table, FRAME, caption="{{ caption }}").data["text/html"]
    b = one(story.table, FRAME.copy(), caption="{{ caption }}").data["text/html"]
    assert a == b
    p = assert_literal(a, "<b>jobs</b>", "{{ caption }}", "投资总额", "1.65 billion yuan", "2024")
    assert p.names().count("tr") == 3 and p.names().count("th") == 3 + 2  # 3 columns, 2 row headers
    assert "uuid" not in a and "T_" not in a and "id=" not in a  # no Styler ids


def test_table_has_a_real_caption_and_row_headers():
    markup = one(story.table, FRAME, caption="Park 园区 figures").data["text/html"]
    p = Parsed(markup)
    # the caption is the table's own (read once, with the table), inside the one scroll box
    assert p.names()[:4] == ["div", "div", "table", "caption"]
    assert '<caption class="desk-caption">Park 园区 figures</caption>' in markup
    assert "aria-label" not in markup and "tabindex" not in markup and 'role="region"' not in markup
    heads = [(a.get("scope"), a.get("data-label")) for t, a in p.tags if t == "th"]
    assert heads == [("col", None)] * 3 + [("row", "Item")] * 2
    labels = [a.get("data-label") for t, a in p.tags if t == "td"]
    assert labels == ["Value", "Year"] * 2  # a stacked row shows each cell under its column
    assert "desk-table-stack" in markup  # three columns: stacks on a phone
    two = one(story.table, FRAME[["Item", "Value"]]).data["text/html"]
    assert "desk-table-stack" not in two


def test_csv_text_has_no_float_noise_and_no_formulas():
    df = pd.DataFrame({"text": ["=1+2", "+86 595", "-3.5", "@cmd", "plain", "-"],
                       "value": [314285.71428571426, 3000.0, 52.63157894736842, 1.65e10, float("nan"), 0.1]})
    assert csvsafe.csv_text(df) == ("text,value\n'=1+2,314285.7143\n'+86 595,3000\n-3.5,52.63157895\n"
                                  "'@cmd,16500000000\nplain,\n'-,0.1\n")
    assert csvsafe.csv_cell(7) == 7 and csvsafe.csv_cell("-7") == "-7"


def test_table_aligns_numeric_columns():
    p = Parsed(one(story.table, FRAME).data["text/html"])
    cells = [a.get("class") for t, a in p.tags if t in ("td", "th") and a.get("scope") != "col"]
    assert cells == [None, "num", "num"] * 2


def test_table_csv_metadata_only_with_a_name():
    assert one(story.table, FRAME).metadata == {}
    raw = pd.DataFrame({"item": ["investment", "jobs"], "value": [1_650_000_000, 3000]})
    out = one(story.table, FRAME, name="park-figures", caption="Park figures", data=raw)
    assert out.metadata == {"desk": {"kind": "table", "name": "park-figures", "title": "Park figures",
                                     "csv": "item,value\ninvestment,1650000000\njobs,3000\n"}}
    assert outputs.registered_outputs() == {"park-figures": ("table", "Park figures")}


def test_table_refuses_unformatted_floats_and_bad_names():
    with pytest.raises(TypeError, match="'Value'.*format numbers"):
        story.table(pd.DataFrame({"Value": [0.30000000000000004, 1.0]}))
    with pytest.raises(TypeError, match="format numbers"):
        story.table(pd.DataFrame({"Value": ["a", None]}))
    with pytest.raises(ValueError, match="file-safe"):
        story.table(FRAME, name="Park Figures")
    with pytest.raises(ValueError, match="name"):
        story.table(FRAME, data=FRAME)
    with pytest.raises(ValueError, match="non-empty"):
        story.table(FRAME.head(0))


# --------------------------------------------------------------------------- quotes

def passage(text: str, pieces: list[tuple[int, int]]) -> NS:
    """A repaired passage made of raw slices of `text` (joined across layout breaks)."""
    return NS(text="".join(text[a:b] for a, b in pieces),
              offsets=tuple(i for a, b in pieces for i in range(a, b)))


RAW = ("园区投用\n\n本报讯 投资总额将超16.5亿元,提供就业岗位3000个以上。产业主\n\n"
       "战场有57栋厂房。见<script>x</script>共2个。\n")
BREAK = RAW.index("\n\n战场")
PAGE = NS(slug="test-page", text=RAW, articles=(
    NS(id="a01", headline="园区投用",
       paragraphs=(passage(RAW, [(6, BREAK), (BREAK + 2, len(RAW) - 1)]),), captions=()),
))
S1 = "投资总额将超16.5亿元,提供就业岗位3000个以上。"
S2 = "产业主战场有57栋厂房。"          # repaired: spans a layout break in the raw text
S3 = "见<script>x</script>共2个。"
GLOSSES = {S1: "Total investment will exceed 1.65 billion yuan, providing 3,000 jobs or more.",
           S2: "The main battlefield has 57 factory buildings.",
           S3: "See <script>x</script>: 2 in all.",
           "园区投用": "Park opens"}


def fig(surface: str, sentence: str, **extra) -> dict:
    start = RAW.index(surface)
    return {"article": "a01", "start": start, "end": start + len(surface), "surface": surface,
            "sentence": sentence, **extra}


def gloss(sentence, page=None):
    assert page == "test-page"
    if sentence not in GLOSSES:
        raise MissingGlossError(f"no gloss for {sentence!r}")
    return GLOSSES[sentence]


FIGS = [fig("57栋", S2), fig("3000个以上", S1), fig("超16.5亿元", S1)]


def quotes_html(figs=FIGS, **kw) -> str:
    return one(story.quotes, figs, PAGE, gloss=gloss, **kw).data["text/html"]


def test_quotes_one_entry_per_sentence_in_page_order():
    p = Parsed(quotes_html())
    items = [a for t, a in p.tags if t == "li"]
    assert len(items) == 2
    text = p.text
    assert "What the article says" in text
    assert text.index(S1) < text.index(GLOSSES[S1]) < text.index(S2) < text.index(GLOSSES[S2])


def test_quotes_mark_each_figure_in_the_verbatim_chinese():
    markup = quotes_html()
    assert markup.count("<mark>") == 3
    assert "<mark>超16.5亿元</mark>" in markup and "<mark>3000个以上</mark>" in markup
    assert '<blockquote lang="zh-Hans">' in markup


def test_quotes_place_a_repaired_sentence_by_raw_offsets():
    markup = quotes_html([fig("57栋", S2)])
    start, end = RAW.index("产业主"), RAW.index("厂房。") + 3
    assert f"characters {start}–{end} of the page text" in markup
    assert "<mark>57栋</mark>" in markup
    assert 'lang="zh-Hans">园区投用</span> (“Park opens”) (<code>a01</code>)' in markup


def test_quotes_mark_adjacent_figures_separately():
    raw = "走访994户1634人。\n"
    page = NS(slug="test-page", text=raw, articles=())
    sentence = "走访994户1634人。"
    figs = [{"article": "a01", "start": 2, "end": 6, "surface": "994户", "sentence": sentence},
            {"article": "a01", "start": 6, "end": 11, "surface": "1634人", "sentence": sentence}]
    GLOSSES[sentence] = "Visited 994 households, 1,634 people."
    try:
        markup = one(story.quotes, figs, page, gloss=gloss).data["text/html"]
    finally:
        del GLOSSES[sentence]
    assert "走访<mark>994户</mark><mark>1634人</mark>。" in markup


def test_quotes_escape_page_text():
    markup = quotes_html([fig("2个", S3)])
    assert_literal(markup, S3, GLOSSES[S3])


def test_quotes_accept_a_ledger_frame_and_objects():
    frame = pd.DataFrame(FIGS).assign(page="test-page", sentence_start=float("nan"))
    assert quotes_html(frame) == quotes_html()
    objects = [NS(**f) for f in FIGS]
    assert quotes_html(objects) == quotes_html()


def test_quotes_place_a_repeated_sentence_where_its_figure_is():
    raw = "甲有3个。\n\n甲有3个。\n"
    page = NS(slug="test-page", text=raw, articles=())
    f = {"article": "a01", "start": 9, "end": 11, "surface": "3个", "sentence": "甲有3个。"}
    GLOSSES["甲有3个。"] = "A has 3."
    try:
        markup = one(story.quotes, [f], page, gloss=gloss).data["text/html"]
    finally:
        del GLOSSES["甲有3个。"]
    assert "characters 7–12 of the page text" in markup


def test_quotes_refuse_a_quote_without_gloss():
    with pytest.raises(MissingGlossError, match="no gloss"):
        story.quotes([fig("57栋", "产业主战场有57栋厂房。")], PAGE, gloss=lambda s, page=None: gloss(s + "x", page))


def test_quotes_refuse_a_figure_outside_its_sentence():
    bad = fig("57栋", S1)
    with pytest.raises(quoting.QuoteError, match="not inside its sentence"):
        story.quotes([bad], PAGE, gloss=gloss)
    wrong_surface = dict(fig("57栋", S2), surface="58栋")
    with pytest.raises(quoting.QuoteError, match="58栋"):
        story.quotes([wrong_surface], PAGE, gloss=gloss)
    with pytest.raises(quoting.QuoteError, match="no article"):
        story.quotes([dict(fig("57栋", S2), article="zz")], PAGE, gloss=gloss)


def test_quotes_on_the_real_page():
    """Integration with helpers.source: a headline figure and a paragraph figure."""
    from helpers.page import manifest

    page = manifest.load_page()
    art = next(a for a in page.articles if "4个乡镇社工站" in a.headline)
    headline = art.headline
    s = page.text.index("4个乡镇社工站", art.start)
    f = {"article": art.id, "start": s, "end": s + 2, "surface": "4个", "sentence": headline}
    markup = one(story.quotes, [f], page, gloss=lambda t, page=None: "English gloss").data["text/html"]
    assert "<mark>4个</mark>乡镇社工站" in markup
    assert f"<code>{art.id}</code>, its headline" in markup
    assert f"characters {s - headline.index('4个')}–" in markup


# --------------------------------------------------------------------------- end matter

def test_methodology_items():
    out = one(story.methodology, [
        ("Investment per job", "Total investment divided by jobs; both are floors, so the ratio is unbounded.",
         ["超16.5亿元 (a01)", "3000个以上 (a01)"]),
        {"name": HOSTILE[0], "how": HOSTILE[1], "inputs": HOSTILE[2]},
    ])
    p = assert_literal(out.data["text/html"], *HOSTILE[:3], "Inputs: 超16.5亿元 (a01); 3000个以上 (a01)")
    assert p.names().count("dt") == 2 and "Methodology" in p.text


def test_methodology_errors():
    with pytest.raises(ValueError, match="no items"):
        story.methodology([])
    with pytest.raises(TypeError, match="item 0"):
        story.methodology([("only a name",)])
    with pytest.raises(ValueError, match="no inputs"):
        story.methodology([("x", "y", [])])


def test_limitations_and_open_questions():
    out = one(story.limitations, HOSTILE)
    p = assert_literal(out.data["text/html"], *HOSTILE)
    assert "Limitations" in p.text and p.names().count("li") == len(HOSTILE)
    out = one(story.open_questions, ["How many jobs exist today?", ("What did the park cost?", HOSTILE[3])])
    p = assert_literal(out.data["text/html"], "Questions the article leaves open", "Ask: " + HOSTILE[3])
    assert not any("href" in a for _, a in p.tags)
    with pytest.raises(ValueError):
        story.limitations([])
    with pytest.raises(TypeError, match="item 0"):
        story.open_questions([("a", "b", "c")])


def test_data_links_list_registered_outputs_and_the_ledger(monkeypatch):
    monkeypatch.setenv(outputs.REPORT_ENV, "01-park-investment-per-job")  # in a build: beside the report
    outputs.register_output("chart", "park-jobs", "Jobs <promised>")
    outputs.register_output("table", "park-figures", "Park figures")
    p = Parsed(one(story.data_links, "01-park-investment-per-job", page="tsq-2024-spring").data["text/html"])
    hrefs = [a["href"] for t, a in p.tags if t == "a"]
    assert hrefs == ["data/01-park-investment-per-job/park-jobs.csv",
                     "data/01-park-investment-per-job/park-figures.csv",
                     "data/figures-tsq-2024-spring.csv", "source-tsq-2024-spring.html"]
    assert "Jobs <promised>" in p.text


def test_data_links_in_jupyterlab_open_the_files_in_reports(monkeypatch):
    """Outside a build (JupyterLab runs notebooks/…), links lead from notebooks/ to reports/data/."""
    monkeypatch.delenv(outputs.REPORT_ENV, raising=False)
    p = Parsed(one(story.data_links, "02-x", items=[("a-b", "A B")], page="tsq-2024-spring").data["text/html"])
    hrefs = [a["href"] for t, a in p.tags if t == "a"]
    assert hrefs == ["../reports/data/02-x/a-b.csv", "../reports/data/figures-tsq-2024-spring.csv",
                     "../reports/source-tsq-2024-spring.html"]
    for href in hrefs[1:]:
        assert (paths.NOTEBOOKS / href).resolve().is_file()


def test_data_links_explicit_items_and_ledger_file(monkeypatch):
    monkeypatch.setenv(outputs.REPORT_ENV, "02-x")
    p = Parsed(one(story.data_links, "02-x", items=[("a-b", "A B")], ledger_file="ledger.csv").data["text/html"])
    assert [a["href"] for t, a in p.tags if t == "a"] == ["data/02-x/a-b.csv", "data/ledger.csv"]
    with pytest.raises(ValueError, match="stem"):
        story.data_links("../02 x")
    with pytest.raises(ValueError, match="file-safe"):
        story.data_links("02-x", items=[("A B", "x")], ledger_file="l.csv")
    with pytest.raises(ValueError, match="plain .csv"):
        story.data_links("02-x", items=[], ledger_file="../l.csv")


def hrefs_of(out) -> list[str]:
    return [a["href"] for t, a in Parsed(out.data["text/html"]).tags if t == "a"]


def test_data_links_accept_a_per_page_report_stem_and_take_its_page(monkeypatch):
    monkeypatch.setenv(outputs.REPORT_ENV, "00-page-overview--tsq-2024-summer")
    outputs.register_output("table", "pieces", "Pieces")
    out = one(story.data_links, "00-page-overview--tsq-2024-summer")
    assert hrefs_of(out) == ["data/00-page-overview--tsq-2024-summer/pieces.csv",
                             "data/figures-tsq-2024-summer.csv", "source-tsq-2024-summer.html"]
    for bad in ("00-page-overview---x", "00-page-overview--", "--x", "a--b--c", "a--B"):
        with pytest.raises(ValueError, match="stem"):
            story.data_links(bad, items=[], ledger_file="l.csv")


def test_data_links_default_to_the_report_the_build_names(monkeypatch):
    monkeypatch.setenv(outputs.REPORT_ENV, "00-page-overview--p2")
    outputs.register_output("chart", "figures-per-piece", "Figures")
    assert hrefs_of(one(story.data_links)) == ["data/00-page-overview--p2/figures-per-piece.csv",
                                              "data/figures-p2.csv", "source-p2.html"]
    monkeypatch.setenv(outputs.REPORT_ENV, "bad name")
    with pytest.raises(ValueError, match="stem"):
        story.data_links()


def test_report_stem_without_the_build_finds_the_notebook_the_kernel_runs(shell, monkeypatch, tmp_path):
    import nbformat

    monkeypatch.delenv(outputs.REPORT_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    for stem, code in (("07-one", "x = 1"), ("08-two", "x = 2")):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nbformat.write(nb, tmp_path / f"{stem}.ipynb")
    monkeypatch.setitem(shell.user_ns, "In", ["", "x = 2"])
    assert story.report_stem() == "08-two"
    monkeypatch.setitem(shell.user_ns, "__session__", "/somewhere/09-lab.ipynb")
    assert story.report_stem() == "09-lab"
    monkeypatch.delitem(shell.user_ns, "__session__")
    monkeypatch.setitem(shell.user_ns, "In", ["", "y = 3"])  # matches no notebook here
    with pytest.raises(ValueError, match="DESK_REPORT"):
        story.report_stem()
