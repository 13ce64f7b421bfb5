"""The reports in a real browser: headless Chromium, offline, on a phone-sized screen.

For the fixture desk (always) and the committed reports/ (when built): no console errors,
every image decodes, every link resolves, no request leaves localhost, no sideways scrolling
on a phone, and Chinese text is drawn with the embedded font.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from helpers import paths
from helpers.publish import fonts

pytestmark = pytest.mark.browser

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 375, "height": 740}


def chromium_path() -> str:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    message = "no Chromium found (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI must run the browser tests")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=ARGS)
        yield b
        b.close()


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


def check_page(browser, base: str, out: Path, name: str) -> None:
    """Open one report and assert everything the reader relies on."""
    context = browser.new_context(viewport=PHONE, java_script_enabled=True)
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
    try:
        response = page.goto(base + name, wait_until="load")
        assert response and response.ok, f"{name}: {response and response.status}"
        page.evaluate("document.fonts.ready.then(() => true)")
        _assert_images(page, name)
        _assert_links(page, out, name)
        _assert_font(page, context, name)
        _assert_captions_visible(page, name)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name}: page scrolls sideways on a phone ({width}px)"
        assert errors == [], f"{name}: console errors {errors}"
        assert outside == [], f"{name}: requests left localhost: {outside}"
    finally:
        context.close()


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


def _assert_font(page, context, name: str) -> None:
    family = fonts.FAMILY
    loaded = page.evaluate(
        """family => [...document.fonts].some(f => f.family.replace(/"/g, '') === family
                                                && f.status === 'loaded')""",
        family,
    )
    assert loaded, f"{name}: embedded font {family!r} not loaded"
    assert page.evaluate(f"document.fonts.check('16px \"{family}\"', '中文')"), name
    # Ask the renderer which font actually drew the first element holding Chinese text.
    selector = page.evaluate(
        """() => {
            const els = [...document.querySelectorAll('h1, h2, p, li, td, figcaption')];
            const el = els.find(e => /[\\u4e00-\\u9fff]/.test(e.textContent));
            if (!el) return null;
            el.setAttribute('data-cjk-probe', '1');
            return '[data-cjk-probe]';
        }"""
    )
    if selector is None:
        return
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    doc = cdp.send("DOM.getDocument", {"depth": 0})
    node = cdp.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": selector})
    used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    assert any(f["isCustomFont"] for f in used), f"{name}: Chinese drawn with system fonts only: {used}"


def _reports(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob("*.html"))


def test_fixture_reports_in_chromium(browser, serve, built_desk):
    out = built_desk / "reports"
    base = serve(out)
    names = _reports(out)
    assert "index.html" in names and len(names) == 5
    for name in names:
        check_page(browser, base, out, name)


def test_committed_reports_in_chromium(browser, serve):
    out = paths.REPORTS
    if not (out / "index.html").is_file():
        pytest.skip("reports/ has no index.html yet (run `make reports`)")
    base = serve(out)
    for name in _reports(out):
        check_page(browser, base, out, name)
