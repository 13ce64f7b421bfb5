"""helpers.publish.fonts: per-page subsets, and the build's base font they can be cut from."""

from __future__ import annotations

import base64
import io
import random
import re

import pytest
from fontTools.ttLib import TTFont

from helpers import paths
from helpers.page import manifest
from helpers.publish import fonts, plan, writing


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The base a full build of this desk cuts its fonts from."""
    lay = plan.Layout.make(cache=tmp_path_factory.mktemp("cache"))
    entries = manifest.verify_all(lay.manifest)
    jobs = plan.plan(plan.select_notebooks(lay, []), [e.slug for e in entries], "")
    return writing.font_base(lay, entries, jobs)


def _subset(text, cache, base=None):
    return fonts.subset_woff2(text, cache_dir=cache, base=base)


@pytest.mark.parametrize("name", ["index.html", "03-relief-reach.html"])
def test_a_page_cut_from_the_base_is_the_page_cut_from_the_full_font(base, tmp_path, name):
    """The characters are those the committed page embeds (what its build cut)."""
    page = (paths.REPORTS / name).read_text(encoding="utf-8")
    embedded = re.search(r"data:font/woff2;base64,([^)]+)\)", page).group(1)
    text = "".join(map(chr, TTFont(io.BytesIO(base64.b64decode(embedded))).getBestCmap()))
    assert set(fonts.charset(text)) <= base.chars, "the base covers what the page shows"
    assert _subset(text, tmp_path / "a", base) == _subset(text, tmp_path / "b")


def test_a_random_selection_of_the_base_matches_too(base, tmp_path):
    rng = random.Random(2024)
    chars = sorted(base.chars)
    text = "".join(rng.sample(chars, 150))
    assert _subset(text, tmp_path / "a", base) == _subset(text, tmp_path / "b")


def test_the_base_is_plain_and_its_cuts_decompile_nothing(base, tmp_path, monkeypatch):
    """The desk's base has its subroutines inlined and no accent composites, so a cut from it
    skips the passes that decompile every glyph; a cut from the full font does not (and the
    two give the same bytes: the tests above)."""
    from fontTools.misc import psCharStrings

    assert base.plain
    assert not fonts._is_plain(fonts.font_path().read_bytes())  # the full font has subroutines
    decompiled = []
    real = psCharStrings.T2CharString.decompile
    monkeypatch.setattr(psCharStrings.T2CharString, "decompile",
                        lambda self: decompiled.append(1) or real(self))
    text = "".join(sorted(base.chars)[:300])
    fonts.subset_woff2(text, cache_dir=tmp_path / "plain", base=base)
    assert decompiled == []
    fonts.subset_woff2(text, cache_dir=tmp_path / "careful", base=fonts.Base(base.font_digest, base.chars, base.otf))
    assert decompiled, "without the plain flag every kept glyph is decompiled"


def test_characters_outside_the_base_come_from_the_full_font(base, tmp_path):
    text = "张坂镇 鑫 Zhangban"
    assert "鑫" not in base.chars
    data = _subset(text, tmp_path, base)
    assert ord("鑫") in TTFont(io.BytesIO(data)).getBestCmap()


def test_a_base_of_another_font_or_too_small_is_not_used(tmp_path):
    digest = fonts._digest(fonts.font_path())
    for stranger in (fonts.Base("0" * 64, frozenset(fonts.charset("张坂镇")), b"not a font"),
                     fonts.Base(digest, frozenset(fonts.charset("张")), b"not a font")):
        data = _subset("张坂镇", tmp_path / stranger.font_digest[:4] / str(len(stranger.chars)), stranger)
        assert ord("坂") in TTFont(io.BytesIO(data)).getBestCmap()


def test_the_base_is_cached_by_its_characters(tmp_path):
    first = fonts.base_for("张坂镇", cache_dir=tmp_path)
    [cached] = (tmp_path / "fonts").glob("base-*.otf")
    assert cached.read_bytes() == first.otf
    again = fonts.base_for("镇坂张", cache_dir=tmp_path)  # same characters, other order
    assert again == first
    assert fonts.base_for("东园镇", cache_dir=tmp_path).chars != first.chars


def test_a_base_that_cannot_be_made_is_logged_and_pages_still_build(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(fonts, "base_for", broken)
    lay = plan.Layout.make(cache=tmp_path)
    logged = []
    assert writing.font_base(lay, manifest.verify_all(lay.manifest), [], logged.append) is None
    assert logged == ["no base font (OSError: disk full); each page's font is cut from the full font"]
    assert ord("坂") in TTFont(io.BytesIO(_subset("张坂镇", tmp_path, None))).getBestCmap()


def test_source_views_embed_their_font_at_their_own_quality(tmp_path):
    """Source views compress their (largest) font at ``sourceview.FONT_QUALITY``; reports keep
    the default. Each is the subset of its characters at that quality, cached apart."""
    from helpers.publish import sourceview, woff2

    assert sourceview.FONT_QUALITY < woff2.QUALITY
    for name, quality in (("source-tsq-2024-spring.html", sourceview.FONT_QUALITY), ("03-relief-reach.html", None)):
        page = (paths.REPORTS / name).read_text(encoding="utf-8")
        embedded = base64.b64decode(re.search(r"data:font/woff2;base64,([^)]+)\)", page).group(1))
        text = "".join(map(chr, TTFont(io.BytesIO(embedded)).getBestCmap()))
        assert embedded == fonts.subset_woff2(text, cache_dir=tmp_path / name, quality=quality), name
        other = fonts.subset_woff2(text, cache_dir=tmp_path / name,
                                   quality=woff2.QUALITY if quality else sourceview.FONT_QUALITY)
        assert other != embedded, "the two qualities are cached apart"
