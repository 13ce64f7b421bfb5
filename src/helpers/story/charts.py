"""Charts in the house style, reaching a report only through `show`.

Every chart a reader sees is an ``image/svg+xml`` display output carrying
``metadata["desk"] = {"kind": "chart", "name", "alt", "title", "csv"}`` (see
ARCHITECTURE.md, "Report outputs"); the build turns it into a figure with alt text
and the CSV beside it. Notebooks never write files.

Typical use::

    fig, ax = charts.figure()
    ax.plot(...)
    charts.show(fig, name="jobs-per-park", title="...", alt="...", data=df)

Why these choices:

* Text is drawn as SVG paths (``svg.fonttype = "path"``) with Noto Sans SC, so Chinese
  labels render in any browser with no font to ship, and a glyph the font lacks is an
  error, never a silent box (`MissingGlyphError`).
* The SVG is deterministic: a fixed hash salt for ids and no date, so rebuilding a
  report gives the same bytes.
* Figures are plain ``matplotlib.figure.Figure`` objects, not pyplot figures, so the
  inline backend never shows a stray PNG beside the real chart.

matplotlib is imported lazily (in `setup`), so importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import warnings
from typing import TYPE_CHECKING, Any, Callable, Iterator

from helpers import csvsafe, paths
from helpers.errors import DeskError
from helpers.story import outputs
from helpers.story.outputs import NAME_RE  # chart and table names share one rule: they become file names

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

ACCENT = "#0b6e99"            # the one accent colour: the bar or line the chart is about
# Other series: every one at least 3:1 against the white background (5.9, 4.1, 3.0:1), so a
# series is seen even where it is not labelled directly.
GREYS = ("#5e5e5e", "#7d7d7d", "#949494")
INK = "#222222"               # titles and labels
MUTED = "#555555"             # ticks, notes
GRID = "#e3e3e3"
BACKGROUND = "#ffffff"
HASH_SALT = "desk"            # fixed: SVG ids are hashes salted with this
# Inches. The build shows a chart at the column's width, at most DESKTOP_PX wide (base.css):
# 4.5in = 324pt drawn; a 375-390 px phone's column is 343-358 px, a desktop shows 405 px.
WIDTH, HEIGHT = 4.5, 3.0
PHONE_COLUMN_PX = 343         # a 375 px phone less the page's 1rem margins
DESKTOP_PX = 405              # figure.chart img max-width in base.css
MIN_TEXT_PX = 12              # no chart text smaller than this on a phone …
MAX_TEXT_PX = 16.5            # … nor larger than the body text (17 px) on a desktop

# Dark mode (prefers-color-scheme), applied inside the SVG: colour drawn -> colour in the dark.
# Series keep at least 3:1 against the dark background; text keeps its contrast.
DARK_BACKGROUND = "#141414"
DARK = {
    BACKGROUND: DARK_BACKGROUND, INK: "#e8e8e8", MUTED: "#b5b5b5", GRID: "#3a3a3a",
    ACCENT: "#4fb3e0", GREYS[0]: "#c8c8c8", GREYS[1]: "#a0a0a0", GREYS[2]: "#7a7a7a",
    "#000000": "#e8e8e8",
}

_GLYPH_RE = re.compile(r"Glyph \d+ .*missing from font")

_font_name: str | None = None
_drawable_chars: frozenset[int] | None = None


class MissingGlyphError(DeskError):
    """A chart label uses a character the chart fonts cannot draw."""


# --------------------------------------------------------------------------- setup

def font_path() -> str:
    """Path of the bundled Noto Sans SC, the font the reports embed a subset of."""
    return str(paths.font_path())


def setup() -> str:
    """Register Noto Sans SC and apply the house style to matplotlib's rcParams.

    Idempotent; `figure` calls it. Returns the registered font's family name.
    """
    global _font_name
    if _font_name is not None:
        return _font_name
    import matplotlib
    from cycler import cycler
    from matplotlib import font_manager

    path = font_path()
    font_manager.fontManager.addfont(path)
    name = font_manager.FontProperties(fname=path).get_name()
    matplotlib.rcParams.update({
        # Noto Sans SC first; DejaVu Sans (shipped with matplotlib) only as fallback.
        "font.family": [name, "DejaVu Sans"],
        "font.size": 12,
        "svg.fonttype": "path",
        "svg.hashsalt": HASH_SALT,
        # Page text is not TeX: a "$" in a label is a dollar sign, never maths mode
        # (mathtext would draw "$x^2$" as a formula and crash on "$\\foo$").
        "text.parse_math": False,
        "axes.unicode_minus": False,
        "figure.figsize": (WIDTH, HEIGHT),
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "text.color": INK,
        "axes.titlesize": 13,
        "axes.titlelocation": "left",
        "axes.titlepad": 10,
        "axes.labelsize": 12,
        "axes.labelcolor": INK,
        "axes.edgecolor": GREYS[0],
        "axes.linewidth": 0.8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.axisbelow": True,
        "axes.prop_cycle": cycler(color=[ACCENT, *GREYS]),
        "grid.color": GRID,
        "grid.linewidth": 0.8,
        "xtick.labelsize": 12,
        "ytick.labelsize": 12,
        "xtick.color": MUTED,
        "ytick.color": MUTED,
        "legend.frameon": False,
        "legend.fontsize": 12,
        "lines.linewidth": 2.2,
        "patch.edgecolor": "none",
    })
    _font_name = name
    return name


def figure(width: float = WIDTH, height: float = HEIGHT) -> tuple[Figure, Axes]:
    """A new (fig, ax) in the house style, laid out with constrained layout."""
    setup()
    from matplotlib.figure import Figure

    with _glyphs_checked("figure()"):
        fig = Figure(figsize=(width, height), layout="constrained")
        ax = fig.add_subplot()
    return fig, ax


# --------------------------------------------------------------------------- rendering

@contextlib.contextmanager
def _glyphs_checked(what: str) -> Iterator[None]:
    """Turn matplotlib's "Glyph … missing from font(s)" warnings into MissingGlyphError.

    Other warnings raised inside are re-issued unchanged, so nothing is swallowed.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    missing = sorted({str(w.message) for w in caught if _GLYPH_RE.search(str(w.message))})
    for w in caught:
        if not _GLYPH_RE.search(str(w.message)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if missing:
        raise MissingGlyphError(
            f"{what}: the chart fonts cannot draw {len(missing)} character(s): "
            + " | ".join(missing)
            + ". Replace the character or gloss it in English."
        )


def to_svg(fig: Figure, *, salt: str = HASH_SALT, what: str = "chart") -> str:
    """Render `fig` to SVG text, deterministically (fixed hash salt, no date).

    Raises MissingGlyphError if any label has a character the fonts lack.
    """
    setup()
    import matplotlib

    buf = io.StringIO()
    with _glyphs_checked(what), matplotlib.rc_context({"svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def _close(fig: Figure) -> None:
    """Release a pyplot-managed figure (plain Figures need nothing)."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close(fig)  # a no-op for a figure pyplot does not manage


def _check_chart_args(name: Any, title: Any, alt: Any, data: Any) -> None:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ValueError(f"chart name {name!r} must be file-safe: lower-case letters, digits and single hyphens")
    for label, value in (("title", title), ("alt", alt)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"chart {name!r}: {label} must be a non-empty string")
    import pandas

    if not isinstance(data, pandas.DataFrame):
        raise TypeError(f"chart {name!r}: data must be a pandas DataFrame (the CSV beside the chart), got {type(data).__name__}")
    if data.shape[1] == 0 or len(data) == 0:
        raise ValueError(f"chart {name!r}: data is empty; a chart needs the numbers it draws")
    if len(data) < 2:
        raise ValueError(
            f"chart {name!r}: data has a single row; a single number is not a chart. "
            "State it in prose (story.answer) or a table instead."
        )


def _add_source_note(fig: Figure, note: str) -> None:
    """Small grey note under the plot (e.g. the source), with room kept for it."""
    size = 12
    height_in = fig.get_figheight()
    frac = min(0.3, (size * 2.0 / 72) / height_in)
    fig.text(0.01, 0.01, note, ha="left", va="bottom", fontsize=size, color=MUTED)
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set") and "rect" in engine.get():
        engine.set(rect=(0, frac, 1, 1 - frac))
    else:
        fig.subplots_adjust(bottom=max(fig.subplotpars.bottom, frac + 0.1))


def show(fig: Figure, *, name: str, title: str, alt: str, data: pandas.DataFrame,
         source_note: str | None = None) -> None:
    """Display `fig` as the report's chart `name`: SVG plus title, alt text and CSV.

    The only way a chart reaches a report. `title` states the point (the build shows
    it above the chart); `alt` describes the chart for screen readers; `data` is the
    table drawn, written by the build as ``<name>.csv`` beside the chart. A
    `source_note` is drawn small under the plot. The figure is closed afterwards.
    """
    try:
        _check_chart_args(name, title, alt, data)
        if source_note is not None:
            if not isinstance(source_note, str) or not source_note.strip():
                raise ValueError(f"chart {name!r}: source_note must be a non-empty string or None")
            _add_source_note(fig, source_note)
        with _glyphs_checked(f"chart {name!r}"):  # laying out text reports a missing glyph too
            fit_text(fig)
        svg = with_dark_mode(to_svg(fig, salt=f"{HASH_SALT}-{name}", what=f"chart {name!r}"))
    finally:
        _close(fig)
    from IPython.display import display

    meta = {"desk": {"kind": "chart", "name": name, "alt": alt, "title": title,
                     "csv": csvsafe.csv_text(data)}}
    display({"image/svg+xml": svg}, metadata=meta, raw=True)
    _register(name, title)


def text_range_pt(width_in: float) -> tuple[float, float]:
    """The font sizes (pt) a chart `width_in` inches wide may use so that its text is at least
    `MIN_TEXT_PX` on a phone and at most `MAX_TEXT_PX` on a desktop, as the reports show it."""
    drawn = width_in * 72
    return MIN_TEXT_PX * drawn / PHONE_COLUMN_PX, MAX_TEXT_PX * drawn / DESKTOP_PX


def fit_text(fig: Figure) -> None:
    """Bring every text in `fig` (titles, labels, ticks, legends, annotations) into
    `text_range_pt` for its width: a notebook's ``fontsize=9`` becomes readable on a phone."""
    from matplotlib.text import Text

    lo, hi = text_range_pt(fig.get_figwidth())
    clamp = lambda size: min(max(size, lo), hi)  # noqa: E731
    for ax in fig.axes:
        for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            for which in ("major", "minor"):
                ticks = axis.get_major_ticks() if which == "major" else axis.get_minor_ticks()
                if ticks:
                    size = ticks[0].label1.get_fontsize()
                    if clamp(size) != size:
                        ax.tick_params(axis=name, which=which, labelsize=clamp(size))
    # Every other text exists already (legend entries, titles, annotations, the ticks made so
    # far); ticks added when the chart is drawn copy the first tick's clamped size. No draw
    # here: it cost a full layout pass a chart (tested: every text drawn stays in range).
    for text in fig.findobj(Text):
        size = text.get_fontsize()
        if clamp(size) != size:  # an offset text is empty until drawn: clamped all the same
            text.set_fontsize(clamp(size))


def _dark_css() -> str:
    rules = []
    for light, dark in DARK.items():
        for prop in ("fill", "stroke"):
            rules.append(f'[style*="{prop}: {light}"]{{{prop}:{dark}!important}}')
    return "@media (prefers-color-scheme: dark){" + "".join(rules) + "}"


def with_dark_mode(svg: str) -> str:
    """The SVG with a style sheet that redraws it in the dark palette (`DARK`) when the reader's
    system is in dark mode, as the page around it is (the image carries its own CSS)."""
    at = re.search(r"<svg\b[^>]*>", svg)
    if at is None:
        raise ValueError("chart SVG has no <svg> element")
    return f"{svg[:at.end()]}\n<style>{_dark_css()}</style>{svg[at.end():]}"


def _register(name: str, title: str) -> None:
    """Record that a chart CSV exists, so `data_links()` can list it."""
    outputs.register_output("chart", name, title)


# --------------------------------------------------------------------------- helpers

LABEL_CHARS = 10  # characters of page text a category label keeps, so it fits a phone-width chart


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    """A drawable label from page text, cut to `limit` characters with an ellipsis."""
    text = drawable(text)
    return text if len(text) <= limit else text[:limit] + "…"


def drawable(text: str, missing: str = "") -> str:
    """`text` with every character the chart fonts cannot draw replaced by `missing`
    (dropped by default; "□" marks the spot). For labels built from page text (a headline
    with an emoji), which must never crash a chart; labels typed in a notebook should
    rather fail loudly, so `show` keeps raising MissingGlyphError for them."""
    chars = _font_chars()
    if missing and any(ord(ch) not in chars for ch in missing):
        raise ValueError(f"drawable: the placeholder {missing!r} is itself not drawable")
    out = "".join(ch if ord(ch) in chars or ch in "\n\t" else missing for ch in text)
    return re.sub(r"\s{2,}", " ", out).strip() if out != text else out


def _font_chars() -> frozenset[int]:
    """Code points the chart fonts (Noto Sans SC, then DejaVu Sans) can draw."""
    global _drawable_chars
    if _drawable_chars is None:  # no setup(): the fork server fills this before any notebook runs
        from matplotlib import font_manager
        from matplotlib.ft2font import FT2Font

        fallback = font_manager.findfont("DejaVu Sans", fallback_to_default=False)
        _drawable_chars = frozenset(
            cp for path in (font_path(), fallback) for cp in FT2Font(path).get_charmap()
        )
    return _drawable_chars


def readable_number(v: float) -> str:
    """A number for a reader, in value labels and tick labels alike: 3,000 / 10,000 /
    1 million / 1.65 billion. Never "1m" or "10bn": on a chart "m" reads as metres."""
    if v == 0:
        return "0"
    for size, word in ((1e9, " billion"), (1e6, " million")):
        if abs(v) >= size:
            return f"{_trim(v / size)}{word}"
    return _trim(v)


def _trim(n: float) -> str:
    """At most two decimals (two significant digits below 1), no trailing zeros: 1.65, 3,000, 0.05."""
    if 0 < abs(n) < 1:
        return f"{n:.2g}"
    return f"{n:,.2f}".rstrip("0").rstrip(".")


def log_scale(ax: Axes, axis: str = "x", max_ticks: int = 5) -> None:
    """Log scale with powers of ten labelled for readers (1,000 … 1 million … 1 billion).

    For the money-on-the-page chart, where yuan totals and head counts differ by
    orders of magnitude: put each figure on one log axis and say so in the axis
    label, e.g. ``ax.set_xlabel("yuan (log scale: each step is ten times the last)")``.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', not {axis!r}")
    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    target.set_major_locator(LogLocator(base=10, numticks=max_ticks))
    target.set_major_formatter(FuncFormatter(lambda v, _pos: readable_number(v)))
    target.set_minor_formatter(NullFormatter())


def bar_h(data: pandas.DataFrame, label_col: str, value_col: str, *,
          highlight: str | None = None, fmt: Callable[[float], str] | None = None,
          xlabel: str | None = None, log: bool = False, width: float = WIDTH,
          ax: Axes | None = None) -> tuple[Figure, Axes]:
    """Horizontal bars, first row on top, each bar labelled with its value.

    `highlight` names the label drawn in the accent colour (others grey); with no
    highlight every bar is accented. `fmt` formats the value labels (default
    `readable_number`). Returns (fig, ax); pass the fig and `data` on to `show`.
    """
    for col in (label_col, value_col):
        if col not in data.columns:
            raise KeyError(f"bar_h: no column {col!r}; columns are {list(data.columns)}")
    labels = [str(v) for v in data[label_col]]
    values = [float(v) for v in data[value_col]]
    if highlight is not None and highlight not in labels:
        raise ValueError(f"bar_h: highlight {highlight!r} is not one of the labels {labels}")
    if ax is None:
        fig, ax = figure(width=width, height=1.1 + 0.42 * len(labels))
    else:
        fig = ax.figure
    colours = [ACCENT if highlight in (None, lab) else GREYS[1] for lab in labels]
    ypos = list(range(len(labels)))
    ax.barh(ypos, values, color=colours, height=0.65)
    ax.set_yticks(ypos, labels)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    if log:
        log_scale(ax, "x")
    fmt = fmt or readable_number
    for y, v in zip(ypos, values):
        ax.annotate(fmt(v), (v, y), xytext=(4, 0), textcoords="offset points",
                    va="center", ha="left", fontsize=12, color=INK)
    ax.margins(x=0.18)
    if xlabel:
        ax.set_xlabel(xlabel)
    return fig, ax
