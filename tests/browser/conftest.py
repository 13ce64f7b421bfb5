"""Headless Chromium for the browser tests: where it is, how it starts, one per test module."""

from __future__ import annotations

import os
import shutil

import pytest

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    """Debian's Chromium; skipped with a reason when missing, a failure under CI=true."""
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
