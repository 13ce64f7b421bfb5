"""The reports' embedded Chinese font: a per-page subset of Noto Sans SC as WOFF2.

Readers' phones may lack a CJK font, and a report must work offline, so every page
carries, as a base64 ``@font-face``, only the glyphs its own text uses (plus ASCII and
common punctuation). Noto Sans SC comes from the ``pylopdf-fonts-zh-cn`` package (SIL OFL).

Subsetting is deterministic (no timestamp recalculation, brotli is deterministic), and
subsets are cached on disk by (font bytes, character set), so rebuilding a page whose
text did not change costs nothing.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from helpers import paths
from helpers.files import sha256_of, write_cache
from helpers.paths import font_path

FAMILY = "Desk Sans SC"
"""The @font-face family name. Deliberately not "Noto Sans SC", so the browser uses
the embedded subset rather than whatever system font shares the name."""

FALLBACKS = (
    '"Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", '
    '"Hiragino Sans GB", "Microsoft YaHei", system-ui, -apple-system, "Segoe UI", '
    "Roboto, Helvetica, Arial, sans-serif"
)
FONT_STACK = f'"{FAMILY}", {FALLBACKS}'
LATIN_STACK = (
    '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", '
    f'"Liberation Sans", "DejaVu Sans", "{FAMILY}", {FALLBACKS}'
)
"""English text: a Latin system face first (real bold and italic, Western punctuation: the CJK
face draws “ ” ‘ ’ full-width), the embedded subset for any Chinese character in between.
Runs of Chinese are marked ``lang="zh-Hans"`` and use `FONT_STACK` (``:lang(zh)`` in base.css)."""

# Characters every page gets, so edits of punctuation or digits never show a fallback glyph.
BASICS = "".join(chr(c) for c in range(0x20, 0x7F)) + (
    "\u00a0\u00b7\u00d7\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u2190\u2192\u2248\u2264\u2265"
    "\u3000\u3001\u3002\u300a\u300b\u300c\u300d\u300e\u300f\u3010\u3011"
    "\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f\uff05\uff5e"
)
SUBSET_VERSION = "3"  # bump when the subsetting options change, to invalidate the cache


def charset(text: str) -> str:
    """The sorted, unique printable characters of `text` plus the basics."""
    chars = {c for c in set(text) if c.isprintable() or c == "\u3000"} | set(BASICS)
    return "".join(sorted(chars))


@lru_cache(maxsize=8)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    """sha256 of the font file, cached while its size and mtime stay the same."""
    return sha256_of(Path(path))


def _digest(path: Path) -> str:
    """The font file's sha256, with what else decides a subset's bytes: the subsetting
    options (`SUBSET_VERSION`), fontTools' and Brotli's versions and the Brotli quality, so
    a cache made under other versions is never served."""
    st = path.stat()
    return f"{_file_digest(str(path), st.st_size, st.st_mtime_ns)}:{_tool_versions()}"


@lru_cache(maxsize=1)
def _tool_versions() -> str:
    from importlib.metadata import version

    from helpers.publish import woff2

    return f"fonttools {version('fonttools')}, brotli {version('brotli')}, quality {woff2.QUALITY}"


@dataclass(frozen=True)
class Base:
    """The font cut down to a superset of the characters a build will show (``base_for``).

    Subsetting a page from it gives the same bytes as from the full font (the subsetter
    keeps glyph order, and the closure of a page's characters lies inside the base; tested
    on every report), about twice as fast: the full font's 65,000-entry cmap and large
    layout tables are not read again for every page."""

    font_digest: str
    chars: frozenset
    otf: bytes
    plain: bool = False  # no subroutines and no accented composites: cuts skip decompiling (`_is_plain`)


def base_for(text: str, *, font: Path | None = None, cache_dir: Path | None = None) -> Base:
    """A `Base` for the characters of `text` (cached like the subsets, as plain OpenType)."""
    font = Path(font or font_path())
    chars = charset(text)
    digest = _digest(font)
    key = hashlib.sha256(f"base\0{SUBSET_VERSION}\0{digest}\0{chars}".encode("utf-8")).hexdigest()
    root = Path(cache_dir or paths.CACHE)
    cache = root / "fonts" / f"base-{key}.otf"
    try:
        otf = cache.read_bytes()
    except OSError:
        otf = _subset_otf(str(font), chars)
        write_cache(cache, otf, root)
    return Base(digest, frozenset(chars), otf, _is_plain(otf))


def _is_plain(otf: bytes) -> bool:
    """True when the CFF font `otf` has no subroutines (the base is cut with them inlined) and
    no glyph draws another (a ``seac`` accent composite). A cut from such a font then needs no
    glyph closure and no subroutine pruning, so fontTools never decompiles a charstring: the
    same bytes in about a quarter of the time (tested against cuts from the full font). False
    whenever in doubt."""
    try:
        from fontTools.subset.cff import _ClosureGlyphsT2Decompiler
        from fontTools.ttLib import TTFont

        cff = TTFont(io.BytesIO(otf), lazy=True)["CFF "].cff
        if len(cff.keys()) != 1 or len(cff.GlobalSubrs):
            return False
        top = cff[cff.keys()[0]]
        privates = [fd.Private for fd in top.FDArray] if hasattr(top, "FDArray") else [top.Private]
        if any(len(getattr(p, "Subrs", None) or []) for p in privates):
            return False
        drawn: set = set()
        for name in top.CharStrings.keys():
            glyph = top.CharStrings[name]
            _ClosureGlyphsT2Decompiler(drawn, [], glyph.globalSubrs).execute(glyph)
        return not drawn
    except Exception:
        return False


def subset_woff2(text: str, *, font: Path | None = None, cache_dir: Path | None = None,
                 base: Base | None = None, quality: int | None = None) -> bytes:
    """WOFF2 bytes of `font` (default Noto Sans SC) reduced to the characters of `text`;
    cut from `base` when it holds them all (same bytes, faster)."""
    font = Path(font or font_path())
    chars = charset(text)
    digest = _digest(font)
    own = "" if quality is None else f"\0quality {quality}"  # another Brotli quality than the digest's
    key = hashlib.sha256(f"{SUBSET_VERSION}\0{digest}{own}\0{chars}".encode("utf-8")).hexdigest()
    root = Path(cache_dir or paths.CACHE)
    cache = root / "fonts" / f"{key}.woff2"
    if cache.is_file():
        return cache.read_bytes()
    usable = base is not None and base.font_digest == digest and base.chars.issuperset(chars)
    data = (_subset(io.BytesIO(base.otf), chars, plain=base.plain, quality=quality) if usable
            else _subset(str(font), chars, quality=quality))
    write_cache(cache, data, root)
    return data


def _subset(source, chars: str, plain: bool = False, quality: int | None = None) -> bytes:
    """`_subset_otf` wrapped as WOFF2 (``helpers.woff2``, at its quality unless `quality`)."""
    from helpers.publish import woff2

    # fontTools' own WOFF2 writer compresses at Brotli quality 11: 3x slower for 0.5% fewer bytes.
    return woff2.encode(_subset_otf(source, chars, plain=plain), quality=quality or woff2.QUALITY)


def _subset_otf(source, chars: str, plain: bool = False) -> bytes:
    """fontTools' subsetter on `source` (a path or file object) as plain OpenType; timestamps
    untouched, so equal inputs give equal bytes. `plain`: `source` is a font `_is_plain`
    vouched for, so the glyph closure and subroutine passes, which decompile every charstring
    and find nothing to do there, are skipped on this one font object."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # names plus the OFL licence fields
    options.name_languages = [0x409]
    # Inlining the CFF subroutines is faster than pruning them and, after Brotli, smaller.
    options.desubroutinize = True
    # Lazy loading and keeping the font's own bounding boxes make this ~1.5x faster; the
    # head table's bbox is then the full font's, which renderers only use as a hint.
    tt = TTFont(source, recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    if plain:
        options.desubroutinize = False  # nothing to inline
        table = tt["CFF "]
        table.closure_glyphs = lambda subsetter: None       # no glyph draws another
        table.cff.remove_unused_subroutines = lambda: None  # there are none
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in chars))
    subsetter.subset(tt)
    buf = io.BytesIO()
    tt.save(buf, reorderTables=True)
    return buf.getvalue()


def font_face_css(text: str, *, font: Path | None = None, cache_dir: Path | None = None,
                  base: Base | None = None, quality: int | None = None) -> str:
    """An ``@font-face`` rule embedding the subset for `text` as a data URI."""
    data = base64.b64encode(subset_woff2(text, font=font, cache_dir=cache_dir, base=base,
                                         quality=quality)).decode("ascii")
    return (
        f'@font-face{{font-family:"{FAMILY}";font-style:normal;font-weight:400;'
        f'font-display:swap;src:url(data:font/woff2;base64,{data}) format("woff2")}}'
    )
