"""The reports in a real browser: headless Chromium, offline, at phone and desktop width.

For the fixture desk (always) and the committed reports/ (when built), at 390 px and 1280 px:
no console errors, every image decodes, every link resolves, no request leaves localhost, no
sideways scrolling, Chinese drawn with the embedded font and English with a Latin face, no table
column hidden or cut, chart text between 12 px (phone) and the body text size (desktop), and
zero axe-core violations at WCAG 2.2 A/AA (light and dark colour schemes). A report printed to
PDF clips no table and prints its link targets.

axe-core is the npm package pinned in tests/browser/package-lock.json; `make test` installs it
with `npm ci` into tests/browser/node_modules (git-ignored). It is injected with the page's CSP
still on (evaluated by the test driver, not as a <script>), so the page is tested as shipped.
"""

from __future__ import annotations

import base64
import functools
import http.server
import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from helpers import paths
from helpers.publish import fonts

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"  # npm ci here
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MIN_CHART_PX = 12


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        message = f"axe-core not installed ({AXE}); run `make test` (npm ci in tests/browser)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")




class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def serve():
    """serve(directory) → base URL of a localhost server for it (stopped after the module)."""
    servers = []

    def start(directory: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def check_page(browser, base: str, out: Path, name: str, axe: str, viewport=PHONE,
               print_pdf: bool = False) -> None:
    """Open one report and assert everything the reader relies on."""
    context = browser.new_context(viewport=viewport, java_script_enabled=True)
    page = context.new_page()
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith("data:") or host == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    where = f"{name} at {viewport['width']}px"
    try:
        response = page.goto(base + name, wait_until="load")
        assert response and response.ok, f"{where}: {response and response.status}"
        page.evaluate("document.fonts.ready.then(() => true)")
        _assert_images(page, where)
        _assert_links(page, out, where)
        _assert_font(page, context, where)
        _assert_captions_visible(page, where)
        _assert_tables_whole(page, where)
        _assert_chinese_marked(page, where)
        _assert_chart_text(page, where, phone=viewport["width"] < 600)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{where}: page scrolls sideways ({width}px)"
        _assert_axe(page, axe, where)
        page.emulate_media(color_scheme="dark")
        _assert_axe(page, axe, where + ", dark", rules=["color-contrast"])
        page.emulate_media(color_scheme="light")
        if print_pdf:
            _assert_prints(page, where)
        assert errors == [], f"{where}: console errors {errors}"
        assert outside == [], f"{where}: requests left localhost: {outside}"
    finally:
        context.close()


def _assert_axe(page, axe: str, where: str, rules=None) -> None:
    """Zero axe-core violations at WCAG 2.2 A/AA (or only the given rules)."""
    page.evaluate(axe + "\n;true")
    options = {"runOnly": {"type": "rule", "values": rules}} if rules else \
        {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    violations = page.evaluate(
        """options => axe.run(document, options).then(r => r.violations.map(v =>
               `${v.id} (${v.impact}): ` + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))""",
        options,
    )
    assert violations == [], f"{where}: axe violations {violations}"


def _assert_chinese_marked(page, where: str) -> None:
    """At least 99% of the Chinese characters shown sit inside an element whose language is
    Chinese (lang="zh-Hans"), and no alt text or aria-label is Chinese without English."""
    counts = page.evaluate(
        """() => {
            const cjk = /[\\u3400-\\u9fff\\uf900-\\ufaff]/g;
            let all = 0, marked = 0;
            const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                const k = (n.data.match(cjk) || []).length;
                if (!k || n.parentElement.closest('style, script')) continue;
                all += k;
                const lang = (n.parentElement.closest('[lang]') || {}).lang || '';
                if (lang.toLowerCase() === 'zh' || lang.toLowerCase().startsWith('zh-')) marked += k;
            }
            const bare = [...document.querySelectorAll('[alt], [aria-label]')]
                .map(e => e.getAttribute('alt') || e.getAttribute('aria-label'))
                .filter(t => /[\\u3400-\\u9fff]/.test(t) && !/[A-Za-z]{3,}/.test(t));
            return {all, marked, bare};
        }"""
    )
    if counts["all"]:
        share = counts["marked"] / counts["all"]
        assert share >= 0.99, f"{where}: only {share:.1%} of {counts['all']} Chinese characters marked lang=zh-Hans"
    assert not counts["bare"], f"{where}: Chinese alt/aria-label without English: {counts['bare'][:3]}"


def _assert_tables_whole(page, where: str) -> None:
    """No table column is hidden or cut: no table box scrolls, every cell lies inside it, and
    nothing but a link or a control is a tab stop (a box that does not scroll needs none)."""
    problems = page.evaluate(
        """() => {
            const out = [];
            for (const box of document.querySelectorAll('.desk-table')) {
                const r = box.getBoundingClientRect();
                if (box.scrollWidth > box.clientWidth + 1) out.push(`scrolls: ${box.textContent.slice(0, 40)}`);
                for (const c of box.querySelectorAll('th, td')) {
                    const cr = c.getBoundingClientRect();
                    const head = c.closest('thead');
                    if (head && head.getBoundingClientRect().width <= 1) continue;  // a stacked table's hidden head
                    if (cr.right > r.right + 1 || cr.left < r.left - 1 || cr.width < 8)
                        out.push(`cell cut: ${c.textContent.slice(0, 40)}`);
                }
            }
            for (const el of document.querySelectorAll('[tabindex]'))
                if (el.scrollWidth <= el.clientWidth + 1) out.push(`tab stop that does not scroll: ${el.className}`);
            return out;
        }"""
    )
    assert not problems, f"{where}: {problems[:5]}"


def _chart_sizes(svg: str) -> list[float]:
    """Font sizes (pt) of the text in a matplotlib SVG drawn as paths: each text is a group
    scaled by size / 100 (matplotlib's glyphs are defined at 100 units)."""
    return [float(v) * 100 for v in re.findall(r'transform="translate\([^)]*\) scale\(([\d.]+) -[\d.]+\)"', svg)]


def _assert_chart_text(page, where: str, phone: bool) -> None:
    """Chart text as shown: at least 12 px on a phone, at most the body text on a desktop (for
    charts drawn by ``charts.show``; tests/publish/test_reader_access.py checks every committed
    report's charts are)."""
    charts = page.evaluate(
        """() => [...document.querySelectorAll('figure.chart img')].map(i => ({
               src: i.getAttribute('src'), width: i.getBoundingClientRect().width, alt: i.alt.slice(0, 40),
               body: parseFloat(getComputedStyle(document.body).fontSize)}))"""
    )
    for c in charts:
        if not c["src"].startswith("data:image/svg+xml;base64,"):
            continue
        svg = base64.b64decode(c["src"].split(",", 1)[1]).decode("utf-8")
        if "prefers-color-scheme" not in svg:
            continue  # not drawn by helpers.story.charts (a fixture's raw matplotlib chart)
        view = float(re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ', svg).group(1))
        sizes = [s * c["width"] / view for s in _chart_sizes(svg)]
        assert sizes, f"{where}: chart {c['alt']!r} has no text the test can measure"
        if phone:
            assert min(sizes) >= MIN_CHART_PX - 0.05, f"{where}: chart {c['alt']!r} text {min(sizes):.1f}px"
        else:
            assert max(sizes) <= c["body"] + 0.05, \
                f"{where}: chart {c['alt']!r} text {max(sizes):.1f}px > body {c['body']}px"


def _assert_prints(page, where: str) -> None:
    """Printed (A4, the print stylesheet): no table wider than the page, link targets written
    out, and a real PDF comes out of it."""
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 680, "height": 960})  # A4 less 15 mm margins, in CSS px
    problems = page.evaluate(
        """() => {
            const out = [];
            const main = document.querySelector('main').getBoundingClientRect();
            for (const t of document.querySelectorAll('table')) {
                const r = t.getBoundingClientRect();
                const box = t.closest('.desk-table');
                if (r.right > main.right + 1) out.push(`table wider than the page: ${t.textContent.slice(0, 40)}`);
                if (box && box.scrollWidth > box.clientWidth + 1) out.push(`table clipped: ${t.textContent.slice(0, 40)}`);
            }
            for (const a of document.querySelectorAll('main a[href$=".csv"], .report-files a[href]')) {
                const after = getComputedStyle(a, '::after').content;
                if (!after.includes(a.getAttribute('href'))) out.push(`link target not printed: ${a.textContent}`);
            }
            const fig = document.querySelector('figure.chart');
            if (fig && getComputedStyle(fig).breakInside !== 'avoid') out.push('a chart may break from its caption');
            const h2 = document.querySelector('main h2');
            if (h2 && getComputedStyle(h2).breakAfter !== 'avoid') out.push('headings may be orphaned');
            return out;
        }"""
    )
    assert not problems, f"{where}, print: {problems[:5]}"
    pdf = page.pdf(format="A4", print_background=False, margin={"top": "0", "bottom": "0", "left": "0", "right": "0"})
    assert pdf.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 1, f"{where}: no PDF"
    page.emulate_media(media="screen")


def _assert_captions_visible(page, name: str) -> None:
    """No caption or title is cut off on a phone: its right edge is within the viewport
    (a caption inside a sideways-scrolling table box would be as wide as the table)."""
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('caption, .desk-caption, figcaption, .chart-title')]
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                 .map(e => e.textContent.trim().slice(0, 60))"""
    )
    assert not clipped, f"{name}: captions clipped on a phone: {clipped}"


def _assert_images(page, name: str) -> None:
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => ({alt: e.alt, ok: e.complete && e.naturalWidth > 0}))"
    )
    broken = [i["alt"] for i in images if not i["ok"]]
    assert not broken, f"{name}: images that do not decode: {broken}"


def _assert_links(page, out: Path, name: str) -> None:
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    here = urlsplit(page.url)
    for href in links:
        url = urlsplit(href)
        if url.scheme in ("http", "https") and url.hostname != "127.0.0.1":
            continue  # a plain link the journalist wrote; following it is the reader's choice
        assert url.netloc == here.netloc, f"{name}: link {href} is neither local nor http(s)"
        target = out / unquote(url.path).lstrip("/")
        assert target.is_file(), f"{name}: link {href} → missing {target}"
        if url.fragment and url.path == here.path:
            found = page.evaluate("id => !!document.getElementById(id)", unquote(url.fragment))
            assert found, f"{name}: anchor #{unquote(url.fragment)} not on the page"
        elif url.fragment and target.suffix == ".html":  # e.g. a figure id → the source view, and back
            ids = _ids(target)
            assert unquote(url.fragment) in ids, f"{name}: link {href} → no #{unquote(url.fragment)} in {target.name}"


@functools.lru_cache(maxsize=32)
def _ids(path: Path) -> frozenset:
    return frozenset(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))


def _assert_font(page, context, name: str) -> None:
    family = fonts.FAMILY
    loaded = page.evaluate(
        """family => [...document.fonts].some(f => f.family.replace(/"/g, '') === family
                                                && f.status === 'loaded')""",
        family,
    )
    assert loaded, f"{name}: embedded font {family!r} not loaded"
    assert page.evaluate(f"document.fonts.check('16px \"{family}\"', '中文')"), name
    # Ask the renderer which fonts drew the first run of Chinese, and an English paragraph.
    probes = page.evaluate(
        """() => {
            const own = e => [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('');
            // the first run of Chinese the reader sees (not a hidden one, nor an option of a select list,
            // whose text the platform draws outside the page)
            const zh = [...document.querySelectorAll('main [lang|="zh"]')].find(
                e => /[\\u4e00-\\u9fff]/.test(own(e)) && !e.closest('select, [hidden]') && e.getClientRects().length);
            const en = [...document.querySelectorAll('main p, main li')].find(
                e => /[A-Za-z]{4}/.test(e.textContent) && !/[\\u3000-\\u9fff\\uff00-\\uffef]/.test(e.textContent));
            if (zh) zh.setAttribute('data-zh-probe', '1');
            if (en) en.setAttribute('data-en-probe', '1');
            return {zh: !!zh, en: !!en};
        }"""
    )
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    doc = cdp.send("DOM.getDocument", {"depth": 0})

    def used(selector):
        node = cdp.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": selector})
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]

    if probes["zh"]:
        fonts_zh = used("[data-zh-probe]")
        assert any(f["isCustomFont"] for f in fonts_zh), f"{name}: Chinese drawn with system fonts only: {fonts_zh}"
    if probes["en"]:
        fonts_en = used("[data-en-probe]")
        assert not any(f["isCustomFont"] for f in fonts_en), \
            f"{name}: English drawn with the CJK face (full-width punctuation): {fonts_en}"


def _reports(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob("*.html"))


def test_fixture_reports_in_chromium(browser, serve, built_desk, axe_source):
    out = built_desk / "reports"
    base = serve(out)
    names = _reports(out)
    assert "index.html" in names and len([n for n in names if not n.startswith("source-")]) == 5
    assert any(n.startswith("source-") for n in names), "no source view"
    for name in names:
        check_page(browser, base, out, name, axe_source, PHONE, print_pdf=name == "01-story.html")
    check_page(browser, base, out, "01-story.html", axe_source, DESKTOP)


def test_committed_reports_in_chromium(browser, serve, axe_source):
    out = paths.REPORTS
    if not (out / "index.html").is_file():
        pytest.skip("reports/ has no index.html yet (run `make reports`)")
    base = serve(out)
    for name in _reports(out):
        for viewport in (PHONE, DESKTOP):
            check_page(browser, base, out, name, axe_source, viewport,
                       print_pdf=viewport is DESKTOP and not name.startswith(("index", "source-")))


def test_a_figure_id_opens_the_source_view_at_that_figure(browser, serve):
    """Clicking a figure id in a report lands on the marked figure in the source view, which
    names its id, qualifier and tense and links back to the report."""
    out = paths.REPORTS
    if not list(out.glob("source-*.html")):
        pytest.skip("reports/ has no source view yet (run `make reports`)")
    base = serve(out)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        clicked = 0
        for name in _reports(out):
            if name.startswith(("index", "source-")):
                continue
            page.goto(base + name)
            refs = page.eval_on_selector_all('a.desk-ref[href*="#fig-"]', "els => els.map(e => e.id)")
            if not refs:
                continue
            link = page.locator('a.desk-ref[href*="#fig-"]').first
            fid = link.inner_text().strip()
            back = link.get_attribute("id")
            link.click()
            page.wait_for_url(f"**/source-*.html#fig-{fid}")
            target = page.evaluate("() => { const t = document.querySelector(':target'); return t && "
                                   "[t.id, t.nextElementSibling.textContent, t.getBoundingClientRect().top]; }")
            assert target and target[0] == f"fig-{fid}", f"{name}: {fid} did not open at its figure: {target}"
            assert fid in target[1] and ("stated" in target[1] or "projected" in target[1]), target[1]
            assert -2 <= target[2] < PHONE["height"], f"{name}: figure {fid} not scrolled into view"
            assert f"{name}#{back}" in page.eval_on_selector_all(
                f"#fig-{fid} + .fig-tag a", "els => els.map(e => e.getAttribute('href'))"), "no link back"
            clicked += 1
        assert clicked >= 3, "the story reports should link their figure ids"
    finally:
        context.close()
