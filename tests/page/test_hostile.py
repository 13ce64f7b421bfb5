"""Damaged and hostile pages: refused with a clear message, or handled; never markup in a report.

Pages come from scans, websites and colleagues' files, so every page is untrusted text.
Bounds used below (a loaded 2-core machine has headroom under each):

* refusing an oversized file: under 1 s and under 1 MB of Python memory (it is not read);
* the largest accepted page (just under 2 MB): split + ledger under 60 s, peak under 400 MB;
* one line of 1 MB: split + ledger under 30 s, peak under 300 MB;
* small damaged pages: under 5 s each.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import time
import tracemalloc
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from helpers import paths, story
from helpers.figures import extraction, ledger
from helpers.figures import model as figure_model
from helpers.page import bylines, reading, splitting
from helpers.page.model import PageBinaryError, PageDecodeError, PageTooLargeError
from helpers.page.reading import MAX_PAGE_BYTES
from helpers.story import outputs, text
from helpers.publish import index as catalogue
from helpers.publish import render

FIXTURES = Path(__file__).parents[1] / "fixtures"
# A path in a notebook is written with superscript digits and turned back in the kernel: the digits
# of a checkout's or temp folder's name could be a number the page prints, which the build refuses.
SUPERSCRIPT, DIGITS_PLAIN = "⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"
TO_SUPERSCRIPT = str.maketrans(DIGITS_PLAIN, SUPERSCRIPT)
MARKUP = FIXTURES / "hostile_markup.txt"
UNICODE = FIXTURES / "hostile_unicode.txt"
RAW_PAGE = paths.RAW / "000_106e376f0b9f6718.txt"

# Strings of the markup fixture that must reach a reader as these very characters.
LITERAL = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "</div>",
    "{{ }}",
    "*重点*",
    "_第一批_",
    "$20$",
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">',
    "{% raw %}",
    "{{ 7*7 }}",
    "&amp;nbsp;",
    "<svg onload=alert(1)>",
    "<b onmouseover=alert(1)>",
    "</script><script>alert(2)</script>",
]
# Every element a story block may produce.
BLOCK_TAGS = {"header", "h1", "h2", "p", "section", "ul", "ol", "li", "div", "table", "caption",
              "thead", "tbody", "tr", "th", "td", "blockquote", "mark", "code", "span", "dl", "dt",
              "dd", "a"}


# --------------------------------------------------------------------------- helpers

@contextlib.contextmanager
def bounded(seconds: float, megabytes: float):
    """Fail when the block uses more than `seconds` of CPU time or its peak memory grows by
    more than `megabytes`.

    CPU time, not wall time, so a loaded machine (CI, two test workers on two cores) does not
    make the bound flaky; a wall-clock alarm at ten times the bound still stops a runaway
    (an endless loop, a hang) instead of letting it stall the suite. Memory is the growth of
    the process's peak resident set (Linux: reset through /proc/self/clear_refs, so no
    tracing slows the code measured); elsewhere tracemalloc's peak Python allocation.
    """
    wall = 10 * seconds

    def expire(signum, frame):
        raise TimeoutError(f"still running after {wall} s of wall time (CPU bound {seconds} s)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, wall)
    rss_peak = _reset_peak_rss()
    if rss_peak is None:
        tracemalloc.start()
    t0 = time.process_time()
    try:
        yield
    finally:
        used = time.process_time() - t0
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if rss_peak is None:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        else:
            peak = _status_bytes("VmHWM") - rss_peak
    assert used < seconds, f"took {used:.1f} s of CPU time (bound {seconds} s)"
    assert peak < megabytes * 1e6, f"peak {peak / 1e6:.0f} MB (bound {megabytes} MB)"


def _status_bytes(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _reset_peak_rss() -> int | None:
    """Reset the peak resident set to the current one and return it (None if unsupported).

    Memory freed earlier but still held by the allocator would be reused unseen, so it is
    given back first (gc, then glibc's malloc_trim)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_bytes("VmHWM")
    except (OSError, KeyError):
        return None


def test_the_memory_bound_notices_a_big_allocation():
    with pytest.raises(AssertionError, match=r"peak \d+ MB \(bound 50 MB\)"):
        with bounded(10, 50):
            block = bytearray(120_000_000)
            block[::4096] = b"x" * len(block[::4096])  # touch every page
            del block


def test_the_memory_bound_notices_memory_freed_before_and_used_again():
    """Many small objects, made and dropped before the block, then made again inside it:
    the allocator's freed memory must not hide the second time."""
    before = [f"figure {i}" for i in range(1_500_000)]
    del before
    with pytest.raises(AssertionError, match=r"peak \d+ MB \(bound 50 MB\)"):
        with bounded(10, 50):
            again = [f"figure {i}" for i in range(1_500_000)]
            del again


def assert_offsets_exact(page) -> list:
    """Every passage character and every ledger figure maps onto the page text; the figures."""
    for a in page.articles:
        assert 0 <= a.start < a.end <= len(page.text)
        for part in a.parts:
            assert all(page.text[o] == ch for o, ch in zip(part.passage.offsets, part.passage.text))
    figures = ledger.figures_of_page(page)
    for f in figures:
        assert page.text[f.start:f.end] == f.surface, f.describe()
    return figures


class Scan(HTMLParser):
    """Elements, attributes and the text a browser would show (outside <style>/<title>)."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.chunks: list[str] = []
        self.title: list[str] = []
        self._where = ""
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._where = tag if tag in ("style", "title") else ""

    def handle_endtag(self, tag):
        self._where = ""

    def handle_data(self, data):
        if self._where == "title":
            self.title.append(data)
        elif self._where != "style":
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def injected(self) -> list[str]:
        """Anything that would run code: scripts, svg, event handlers, javascript: URLs,
        images not embedded as data:image."""
        bad = []
        for tag, attrs in self.tags:
            if tag in ("script", "svg", "iframe", "object", "embed", "b"):
                bad.append(f"<{tag}>")
            if tag == "img" and not attrs.get("src", "").startswith("data:image/"):
                bad.append(f"<img src={attrs.get('src')!r}>")
            for name, value in attrs.items():
                if name.startswith("on"):
                    bad.append(f"<{tag} {name}>")
                if "javascript:" in value.replace(" ", "").lower():
                    bad.append(f"<{tag} {name}={value!r}>")
        return bad


def shown(fn, *args, **kwargs) -> str:
    """The text/html a story block displays (exactly one output)."""
    with capture_output() as cap:
        fn(*args, **kwargs)
    (out,) = cap.outputs
    return out.data["text/html"]


def gloss(sentence: str, page=None) -> str:
    return "English gloss of the sentence"


@pytest.fixture(scope="module")
def hostile():
    return reading.read_page(MARKUP)


@pytest.fixture(scope="module", autouse=True)
def shell():
    return InteractiveShell.instance()


# --------------------------------------------------------------------------- refused files

def test_binary_file_refused_naming_the_offset(tmp_path):
    f = tmp_path / "scan.png"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with bounded(5, 10), pytest.raises(PageBinaryError) as info:
        reading.read_page(f)
    msg = str(info.value)
    assert str(f) in msg and "binary" in msg and "NUL byte at byte offset 8" in msg
    assert isinstance(info.value, PageDecodeError)


def test_nul_inside_a_text_page_refused_with_its_line(tmp_path):
    head = "春耕备耕正当时\n\n连日来,".encode("utf-8")
    f = tmp_path / "page_nul.txt"
    f.write_bytes(head + b"\x00" + "各村抢抓农时。".encode("utf-8"))
    with pytest.raises(PageBinaryError, match=rf"byte offset {len(head)} \(line 3\)"):
        reading.read_text(f)


@pytest.mark.parametrize("char, what", [("\x1b", "control character U+001B"),
                                        ("\x85", "control character U+0085"),
                                        ("\u202e", "bidirectional control U+202E"),
                                        ("\u2066", "bidirectional control U+2066")])
def test_control_characters_refused_naming_line_and_column(tmp_path, char, what):
    f = tmp_path / "page_ctrl.txt"
    f.write_text(f"标题\n\n园区投用{char}开门红。\n", encoding="utf-8")
    with pytest.raises(PageBinaryError) as info:
        reading.read_page(f)
    msg = str(info.value)
    assert str(f) in msg and what in msg
    assert "character offset 8 (line 3, column 5)" in msg


def test_oversized_file_refused_from_its_size_without_reading(tmp_path):
    f = tmp_path / "site_dump.txt"
    line = "园区投资总额超16.5亿元,提供就业岗位3000个以上。\n".encode("utf-8")
    f.write_bytes(line * (10 * 1024 * 1024 // len(line) + 1))    # 10 MB of good text
    with bounded(1, 1), pytest.raises(PageTooLargeError) as info:
        reading.read_page(f)
    msg = str(info.value)
    assert str(f) in msg and f"{MAX_PAGE_BYTES:,} bytes" in msg and "2 MB" in msg
    assert f"{f.stat().st_size:,} bytes" in msg


def test_decode_refuses_oversized_bytes_too():
    """Pages from the manifest arrive as bytes (checksum verified), not through read_text."""
    with pytest.raises(PageTooLargeError, match="manifest-page.txt"):
        reading.decode(b"a" * (MAX_PAGE_BYTES + 1), "manifest-page.txt")


def test_page_at_the_limit_is_read_and_one_byte_more_refused(tmp_path):
    raw = RAW_PAGE.read_bytes()
    body = (raw + b"\n\n\n") * (MAX_PAGE_BYTES // (len(raw) + 3))
    body += b"a" * (MAX_PAGE_BYTES - len(body))
    at_limit, over = tmp_path / "at_limit.txt", tmp_path / "over.txt"
    at_limit.write_bytes(body)
    over.write_bytes(body + b"a")
    assert len(reading.read_text(at_limit)) > 700_000
    with pytest.raises(PageTooLargeError, match="2,097,153 bytes"):
        reading.read_text(over)


# --------------------------------------------------------------------------- handled files

def test_empty_file_gives_an_empty_ledger(tmp_path):
    f = tmp_path / "empty.txt"
    f.write_bytes(b"")
    with bounded(5, 20):
        page = reading.read_page(f)
        figures = ledger.page_figures(page)
    assert page.articles == () and figures.empty
    assert list(figures.columns[:12]) == ["article", "start", "end", "surface", "value", "low", "high",
                                          "unit", "qualifier", "kind", "projected", "sentence"]


def test_largest_accepted_page_split_and_ledger_within_bounds(tmp_path):
    raw = RAW_PAGE.read_bytes()
    f = tmp_path / "big.txt"
    f.write_bytes((raw + b"\n\n\n") * (MAX_PAGE_BYTES // (len(raw) + 3)))
    with bounded(60, 400):
        page = reading.read_page(f)
        figures = assert_offsets_exact(page)
    assert len(page.articles) > 1000 and len(figures) > 5000


def test_largest_hard_wrapped_page_without_sentence_ends_within_bounds(tmp_path):
    """2 MB of lines that never end a sentence: one paragraph joined from ~28,000 blocks
    (joining pairwise was O(n²): 403 s)."""
    line = ("word " * 14 + "and,\n").encode("utf-8")
    f = tmp_path / "wrapped.txt"
    f.write_bytes(line * (MAX_PAGE_BYTES // len(line)))
    with bounded(20, 400):
        page = reading.read_page(f)
        assert_offsets_exact(page)
    (a,) = page.articles
    assert len(a.paragraphs) == 1 and len(a.paragraphs[0].text) > 1_900_000


def test_byline_with_markup_keeps_what_it_cannot_read():
    (a,) = splitting.split("园区开园\n本报讯(融媒体记者黄枫<img src=x onerror=alert(9)> 通讯员刘荣生)今天开园。\n")
    assert a.byline == "(融媒体记者黄枫<img src=x onerror=alert(9)> 通讯员刘荣生)"
    assert (a.reporters, a.correspondents) == (("黄枫",), ("刘荣生",))
    assert a.byline_unparsed == ("<img", "src=x", "onerror=alert(9)>")
    assert [p.text for p in a.paragraphs] == ["今天开园。"]


def test_one_line_of_one_megabyte_within_bounds(tmp_path):
    """A web copy with every line break lost: one line, sentences intact."""
    line = RAW_PAGE.read_text(encoding="utf-8").replace("\n", "")
    f = tmp_path / "one_line.txt"
    data = (line * (1024 * 1024 // len(line.encode("utf-8")) + 1)).encode("utf-8")[: 1024 * 1024]
    f.write_bytes(data.decode("utf-8", "ignore").encode("utf-8"))
    with bounded(30, 300):
        page = reading.read_page(f)
        figures = assert_offsets_exact(page)
    assert "\n" not in page.text and len(page.articles) == 1 and len(figures) > 1000


def test_one_long_sentence_of_figures_within_bounds():
    line = "投资123万元，" * 5000          # 35,000 characters, ~100 KB, no 。
    with bounded(5, 200):
        figures = extraction.extract(line)
    assert len(figures) == 5000


def test_unusual_unicode_page_handled(tmp_path):
    """Zero-width characters, combining marks, emoji (ZWJ sequences, flags, tags), astral
    and Traditional characters, a mid-text BOM, U+2028, NBSP, private use: all kept."""
    with bounded(5, 50):
        page = reading.read_page(UNICODE)
        figures = assert_offsets_exact(page)
    raw = UNICODE.read_text(encoding="utf-8")
    assert page.text == raw                          # nothing normalised away
    printed = {i for i, ch in enumerate(page.text) if not ch.isspace()}
    covered = [o for a in page.articles for part in a.parts for o in part.passage.offsets]
    assert len(covered) == len(set(covered)) and printed <= set(covered)
    a1 = page.articles[0]
    assert a1.headline.startswith("臺商區打造科技創新生態圈")
    assert (a1.dateline, a1.reporters, a1.correspondents) == ("本報訊", ("黃楓",), ("劉榮生",))
    assert any(f.surface == "约２０家" and f.value == 20 for f in figures)
    assert isinstance(text.cut(page.text), tuple) and text.townships(page.text) == ()


@pytest.mark.parametrize("raw, reporters, correspondents, photographers, both", [
    ("□融媒體記者 羅劍生 通訊員 陳美萍 文/圖", ("羅劍生",), ("陳美萍",), (), True),
    ("(黃楓 張文璟 攝)", (), (), ("黃楓", "張文璟"), False),
    ("(特約通訊員劉榮生 攝影記者林曉)", (), ("劉榮生",), ("林曉",), False),
])
def test_traditional_bylines_are_read(raw, reporters, correspondents, photographers, both):
    c = bylines.parse_byline(raw)
    assert (c.reporters, c.correspondents, c.photographers, c.text_and_photos, c.unparsed) == \
        (reporters, correspondents, photographers, both, ())


def test_traditional_magnitudes_are_read():
    figs = extraction.extract("總額逾16.5億元，總建築面積15萬平方米，崗位3000個。")
    assert [(f.surface, f.value, f.unit) for f in figs] == [
        ("逾16.5億元", 1_650_000_000, "元"), ("15萬平方米", 150_000, "平方米"), ("3000個", 3000, "個")]


def test_zero_width_space_inside_a_number_is_not_a_smaller_number():
    figs = extraction.extract("共有1\u200b000人参加。")
    assert all(f.value != 1 for f in figs), [f.describe() for f in figs]


# --------------------------------------------------------------------------- story blocks

def test_hostile_fixture_keeps_its_markup_as_text(hostile):
    a1, a2 = hostile.articles
    assert a1.headline == "<script>alert(1)</script>园区{{ }}投用"
    assert a2.headline == "<svg onload=alert(1)> 绿道全线贯通"
    assert a2.captions[0].text == "<b onmouseover=alert(1)>工人在园区</b>装配机器人"
    assert all(s in hostile.text for s in LITERAL)


def _blocks(page) -> dict[str, str]:
    """Every story block, built from the hostile page's text and figures."""
    a1, a2 = page.articles
    figures = [f for f in ledger.figures_of_page(page) if f.unit]
    cells = pd.DataFrame({"<th onclick=alert(1)>piece": [a.id for a in page.articles],
                          "headline {{ }}": [a.headline for a in page.articles],
                          "caption $x$": [c.text for a in page.articles for c in a.captions][:1] * 2})
    outputs.reset_outputs()
    return {
        "headline": shown(story.headline, a1.headline, a1.paragraphs[0].text, figures[0].surface + " </div>"),
        "findings": shown(story.findings, [p.text for p in a1.paragraphs]),
        "answer": shown(story.answer, a2.paragraphs[1].text),
        "table": shown(story.table, cells, name="pieces", caption=a2.captions[0].text),
        "quotes": shown(story.quotes, figures, page, gloss=gloss),
        "methodology": shown(story.methodology, [(a2.headline, a1.paragraphs[1].text, [a1.paragraphs[2].text])]),
        "limitations": shown(story.limitations, [a2.captions[0].text]),
        "questions": shown(story.open_questions, [(a1.paragraphs[2].text, a1.headline)]),
        "data": shown(story.data_links, "01-hostile", page="hostile",
                      items=[("pieces", a1.headline + " [x](javascript:alert(1))")]),
    }


def test_every_story_block_shows_page_text_literally(hostile):
    blocks = _blocks(hostile)
    everything = Scan("\n".join(blocks.values()))
    assert everything.injected() == []
    assert {t for t, _ in everything.tags} <= BLOCK_TAGS
    for s in LITERAL:
        assert s in everything.text, f"{s!r} did not reach the reader literally"
    for name, markup in blocks.items():
        scan = Scan(markup)
        assert scan.injected() == [], name
        raw_text = markup.replace("&#123;", "").replace("&#125;", "").replace("&#36;", "")
        assert "{" not in raw_text and "}" not in raw_text and "$" not in raw_text, \
            f"{name}: template or maths syntax left unescaped"


def test_quotes_mark_figures_inside_hostile_sentences(hostile):
    figures = [f for f in ledger.figures_of_page(hostile) if f.unit]
    scan = Scan(shown(story.quotes, figures, hostile, gloss=gloss))
    quotes = [s for s in scan.text.split("\n") if "<img src=x onerror=alert(1)>" in s]
    assert quotes and "超16.5亿元</div>" in quotes[0]
    assert [t for t, _ in scan.tags].count("mark") == len(figures)


# --------------------------------------------------------------------------- the build

NOTEBOOK_CODE = r'''
import pandas as pd
from helpers.story import charts
from helpers import story
from helpers.figures import model as figure_model
from helpers.figures import ledger
from helpers.figures import extraction
from helpers.page import reading
from helpers.page import bylines
from helpers.page import splitting
page = reading.read_page(PAGE_PATH)
a1, a2 = page.articles
figures = [f for f in ledger.figures_of_page(page) if f.unit]
story.headline(a1.headline, a1.paragraphs[0].text, figures[0].surface + " {{ }} $x$")
story.findings([p.text for p in a1.paragraphs])
story.table(pd.DataFrame({"headline <i>": [a.headline for a in page.articles]}),
            name="pieces", caption=a2.captions[0].text)
story.quotes(figures, page, gloss=lambda s, page=None: "Gloss: " + s[:8])
story.limitations([a2.paragraphs[1].text])
fig, ax = charts.figure()
ax.bar(["a", "b"], [1, 2])
charts.show(fig, name="bars", title=a2.headline, alt=a2.captions[0].text,
            data=pd.DataFrame({"x": [a1.headline, "b"], "y": [1, 2]}))
'''


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A tmp desk with the real manifest page and one notebook of hostile blocks, built once."""
    from helpers.publish import build

    root = tmp_path_factory.mktemp("hostile-desk")
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    shutil.copyfile(paths.MANIFEST, raw / "manifest.json")
    for entry in json.loads(paths.MANIFEST.read_text(encoding="utf-8"))["pages"]:
        shutil.copyfile(paths.RAW / entry["path"], raw / entry["path"])
    shutil.copytree(paths.VOCAB, root / "data" / "vocab")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(f"PAGE_PATH = {str(MARKUP).translate(TO_SUPERSCRIPT)!r}.translate(str.maketrans({SUPERSCRIPT!r}, {DIGITS_PLAIN!r}))", id="c0"),
                nbformat.v4.new_code_cell(NOTEBOOK_CODE.strip(), id="c1")]
    (root / "notebooks").mkdir()
    (root / "notebooks" / "01-hostile.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
    result = build.build(root=root, out=root / "reports", jobs=1)
    assert result.ok, result.failures
    return root / "reports"


@pytest.mark.slow
def test_built_report_has_no_injected_element(built):
    html = (built / "01-hostile.html").read_text(encoding="utf-8")
    scan = Scan(html)
    assert scan.injected() == []
    for s in LITERAL[:8] + ["<svg onload=alert(1)>", "<b onmouseover=alert(1)>"]:
        assert s in scan.text, f"{s!r} did not reach the report literally"
    chart = [a for t, a in scan.tags if t == "img"]
    assert len(chart) == 1 and chart[0]["alt"] == "<b onmouseover=alert(1)>工人在园区</b>装配机器人"
    text = (built / "index.html").read_text(encoding="utf-8")
    index = Scan(text)
    # The one script is the desk's own filter, byte for byte, allowed by its hash in the CSP.
    assert [b for b in index.injected() if b != "<script>"] == []
    assert index.injected().count("<script>") == 1 and f"<script>{catalogue.index_script()}</script>" in text
    assert f"script-src 'sha256-{catalogue.script_sha256(catalogue.index_script())}'" in text


@pytest.mark.slow
def test_title_and_index_show_the_headline_literally(built):
    headline = "<script>alert(1)</script>园区{{ }}投用"
    report = Scan((built / "01-hostile.html").read_text(encoding="utf-8"))
    index = Scan((built / "index.html").read_text(encoding="utf-8"))
    assert "".join(report.title) == headline
    assert headline in index.text
    dek = "新园区<img src=x onerror=alert(1)>投资总额将超16.5亿元</div>,提供就业岗位3000个以上。"
    assert dek in index.text and "超16.5亿元 {{ }} $x$" in index.text
    description = [a.get("content") for t, a in report.tags if t == "meta" and a.get("name") == "description"]
    assert description == [dek]


@pytest.mark.parametrize("mime, body", [
    ("text/markdown", "详见[x](javascript:alert(1))。"),
    ("text/html", '<p><a href=" JavaScript:alert(1)">点此</a></p>'),
], ids=["markdown", "html"])
def test_javascript_link_in_an_output_fails_the_render(mime, body):

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("display(...)", id="c0")
    cell.outputs = [nbformat.v4.new_output("display_data", data={mime: body})]
    nb.cells = [cell]
    with pytest.raises(render.RenderError, match="cell 1"):
        render.render_report(nb, stem="01-hostile")


def _chromium_or_skip() -> str:
    exe = "/usr/bin/chromium"
    if not os.path.exists(exe):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but /usr/bin/chromium is missing: the browser check must run in CI")
        pytest.skip("/usr/bin/chromium is not installed; the browser check needs it")
    pytest.importorskip("playwright.sync_api")
    return exe


@pytest.mark.slow
@pytest.mark.browser
def test_no_dialog_fires_in_a_browser(built):
    exe = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking"])
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            for name in ("01-hostile.html", "index.html"):
                page.goto((built / name).as_uri())
                page.wait_for_load_state("load")
                page.mouse.move(10, 10)
                page.mouse.move(300, 400)
                # The index's own filter script (allowed by its CSP hash) is the one script allowed.
                found = page.evaluate("""(OWN) => ({
                    scripts: [...document.querySelectorAll('script')].filter(
                        s => s.textContent !== OWN).length,
                    svg: document.querySelectorAll('body svg').length,
                    handlers: [...document.querySelectorAll('*')].flatMap(
                        e => [...e.attributes].filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name)),
                    js: [...document.querySelectorAll('[href],[src]')].map(
                        e => e.getAttribute('href') || e.getAttribute('src')).filter(
                        u => u.replace(/\\s/g, '').toLowerCase().startsWith('javascript:')),
                    text: document.body.innerText,
                })""", catalogue.index_script())
                assert found["scripts"] == 0 and found["svg"] == 0, name
                assert found["handlers"] == [] and found["js"] == [], name
                if name == "01-hostile.html":
                    for s in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "{{ }}", "$20$"):
                        assert s in found["text"]
        finally:
            browser.close()
    assert dialogs == []


# --------------------------------------------------------------------------- lookups

def _ledger(page) -> ledger.Ledger:
    return ledger.Ledger(page.slug, ledger.figures_of_page(page), {a.id: a.headline for a in page.articles})


def test_lookup_matching_several_figures_lists_them(hostile):
    with pytest.raises(figure_model.FigureLookupError) as info:
        _ledger(hostile).get(unit="处")
    msg = str(info.value)
    assert "several found (2)" in msg and "unit='处'" in msg
    assert "'6处'" in msg and "'9处'" in msg and "a02" in msg


def test_lookup_matching_nothing_lists_the_candidates(hostile):
    with pytest.raises(figure_model.FigureLookupError) as info:
        _ledger(hostile).get(article="a02", unit="吨")
    msg = str(info.value)
    assert msg.startswith("none found") and "figures in that article" in msg
    for surface in ("约21公里", "6处", "9处"):
        assert repr(surface) in msg
    assert "16.5" not in msg                         # a01's figures are not a02's candidates


def test_headline_lookup_failures_list_the_headlines(hostile):
    book = _ledger(hostile)
    assert book.article("绿道") == "a02"
    with pytest.raises(figure_model.FigureLookupError, match=r"no article .*'不存在'[\s\S]*a01: <script>"):
        book.article("不存在")
    with pytest.raises(figure_model.FigureLookupError, match=r"2 articles .*'alert\(1\)'"):
        book.article("alert(1)")


def test_lookups_on_the_manifest_page_fail_loudly():
    book = ledger.load()
    with pytest.raises(figure_model.FigureLookupError, match="none found"):
        book.get(unit="光年")
    with pytest.raises(figure_model.FigureLookupError, match=r"several found \(\d+\)"):
        book.get(kind="date")
