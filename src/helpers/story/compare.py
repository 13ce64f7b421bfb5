"""Every sum of money on a page, side by side: a table and a log-scale chart.

A story about one piece's money (a park's 超16.5亿元) reads differently beside the other
sums the same page prints (a safety project's 约130万元, villagers' 1万多元). Stories 01
and 02 both show that comparison, so it lives here:

* ``money_on_page(ledger)`` → one row per money figure (kind ``amount``, unit ``元``),
  largest first, with its article, headline, surface, value, bounds, qualifier and
  whether it is a projection;
* ``money_chart(ledger, highlight=None)`` → draws those rows as dots on one log scale
  with `helpers.charts` and shows the chart (title, alt text, data);
* ``ratio_scenarios`` / ``scenario_table`` → what a ratio the figures do not bound (a
  floor over a floor) would be under illustrative multiples of each figure.

Qualifiers travel: each dot is labelled with ``Quantity.en()`` ("more than 1.65 billion
yuan"), projections say so, a floor carries an arrow to the right, a ceiling one to the
left, and a range is drawn from its low to its high end.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Mapping

from helpers.errors import DeskError
from helpers.figures.quantity import Quantity
from helpers.story import charts

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas

MONEY_KIND, MONEY_UNIT = "amount", "元"
COLUMNS = ("id", "article", "headline", "surface", "value", "low", "high", "qualifier",
           "projected", "sentence")
CHART_NAME = "money-on-the-page"
XLABEL = "yuan (log scale: each step is ten times the last)"


class CompareError(DeskError):
    """The page cannot give the comparison asked for (names the page and the problem)."""


def _money_figures(ledger) -> list:
    """The ledger's money figures, largest first (page order among equals)."""
    figs = ledger.all(kind=MONEY_KIND, unit=MONEY_UNIT)
    if not figs:
        raise CompareError(f"page {ledger.page}: the ledger has no money figures "
                           f"(kind {MONEY_KIND!r}, unit {MONEY_UNIT!r})")
    return sorted(figs, key=lambda f: (-_size(f), f.start))


def _size(fig) -> float:
    """A figure's value, or for a range its high end (how far its mark reaches)."""
    return float(fig.value if fig.value is not None else fig.high)


def money_on_page(ledger) -> pandas.DataFrame:
    """Every money figure on the ledger's page (kind amount, unit 元), largest first.

    Columns: id, article, headline, surface, value, low, high, qualifier, projected,
    sentence. ``value`` is empty for a range (use low and high), as in the ledger.
    """
    import pandas as pd

    rows = []
    for f in _money_figures(ledger):
        row = asdict(f)
        row["headline"] = ledger.headlines.get(f.article, "")
        rows.append({c: row[c] for c in COLUMNS})
    return pd.DataFrame(rows, columns=list(COLUMNS)).astype(
        {"value": "float64", "low": "float64", "high": "float64", "projected": "bool"})


def bar_text(fig, label: str) -> str:
    """The words above one mark: label, the amount with its qualifier, and a projection flag."""
    amount = Quantity.from_figure(fig).en()
    flag = " (projected)" if fig.projected else ""
    return f"{label}: {amount}{flag}"


def _labels(figs: list, ledger, labels: Mapping[str, str] | None) -> list[str]:
    """One label per figure: the English given for its article, else its headline (or id)."""
    labels = dict(labels or {})
    unknown = sorted(set(labels) - set(ledger.headlines))
    if unknown:
        raise CompareError(f"page {ledger.page}: labels name unknown article(s) {unknown}; "
                           f"articles are {sorted(ledger.headlines)}")
    return [labels.get(f.article) or ledger.headlines.get(f.article) or f.article for f in figs]


def default_title(ledger, highlight: str | None = None) -> str:
    """A title that states the point, computed from the figures.

    With `highlight` (an article id whose largest sum is the page's largest): how many
    times the next-largest sum from another piece it is. Otherwise: the largest and the
    smallest sum.
    """
    figs = _money_figures(ledger)
    if highlight is not None:
        _check_highlight(ledger, figs, highlight)
        top = figs[0]
        others = [f for f in figs if f.article != highlight]
        if top.article == highlight and others:
            big, small = Quantity.from_figure(top), Quantity.from_figure(others[0])
            return (f"The largest sum on the page, {big.en()} ({top.surface}), is "
                    f"{_times(big / small)} the next-largest, {small.en()} ({others[0].surface})")
    smallest, largest = Quantity.from_figure(figs[-1]), Quantity.from_figure(figs[0])
    return f"Money on the page: the largest sum is {largest.en()}, the smallest {smallest.en()}"


def _times(q: Quantity) -> str:
    """"about 1,270 times" / "1,270 times (face value)" / "at least about 1,260 times"."""
    return q.en(unit_en=("times", "times"))


def _check_highlight(ledger, figs: list, highlight: str) -> None:
    if highlight not in ledger.headlines:
        raise CompareError(f"page {ledger.page}: highlight {highlight!r} is not an article; "
                           f"articles are {sorted(ledger.headlines)}")
    if not any(f.article == highlight for f in figs):
        raise CompareError(f"page {ledger.page}: highlight {highlight!r} has no money figure; "
                           f"pieces with money: {sorted({f.article for f in figs})}")


def alt_text(ledger, labels: Mapping[str, str] | None = None) -> str:
    """Alt text listing every mark in order, qualifiers and projections included."""
    figs = _money_figures(ledger)
    items = "; ".join(bar_text(f, lab) for f, lab in zip(figs, _labels(figs, ledger, labels)))
    return (f"Dot chart on a logarithmic scale of the {len(figs)} sums of money "
            f"on the page, largest first. {items}.")


def draw(ledger, highlight: str | None = None, labels: Mapping[str, str] | None = None):
    """The money chart as (fig, ax), not yet shown: a dot per figure on a log scale.

    A floor ("more than", "at least") gets an arrow pointing right, a ceiling one
    pointing left, a range a thick segment from its low to its high end; the label and
    the amount in words sit above each mark.
    """
    from matplotlib.transforms import blended_transform_factory

    figs = _money_figures(ledger)
    if highlight is not None:
        _check_highlight(ledger, figs, highlight)
    names = _labels(figs, ledger, labels)
    fig, ax = charts.figure(height=1.0 + 0.95 * len(figs))
    start = _floor_of_axis(figs)
    across = blended_transform_factory(ax.transAxes, ax.transData)
    for y, (f, name) in enumerate(zip(figs, names)):
        colour = charts.ACCENT if highlight in (None, f.article) else charts.GREYS[0]
        _mark(ax, f, y, start, colour)
        amount = bar_text(f, name).removeprefix(f"{name}: ")
        label = ax.text(0, y - 0.22, f"{name}\n{amount}", transform=across, ha="left",
                        va="bottom", fontsize=10.5, color=charts.INK, linespacing=1.3)
        label.set_in_layout(False)
    charts.log_scale(ax, "x")
    ax.set_xlim(start, max(_size(f) for f in figs) * ARROW ** 2)
    ax.set_ylim(len(figs) - 0.6, -0.95)
    ax.set_yticks([])
    ax.grid(axis="y", visible=False)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(XLABEL)
    return fig, ax


ARROW = 4.0   # a floor's arrow reaches this many times its value (drawing only, not data)


def _mark(ax, f, y: float, start: float, colour: str) -> None:
    """One figure: guide line from the axis start, then a dot, arrow or range segment."""
    if f.value is None:  # a range: low to high
        ax.hlines(y, start, f.low, color=charts.GRID, lw=1.2)
        ax.hlines(y, f.low, f.high, color=colour, lw=5)
        return
    ax.hlines(y, start, f.value, color=charts.GRID, lw=1.2)
    if f.low is not None and f.high is None:      # a floor: the true value is to the right
        ax.annotate("", xy=(f.value * ARROW, y), xytext=(f.value, y),
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.6})
    elif f.high is not None and f.low is None:    # a ceiling: the true value is to the left
        ax.annotate("", xy=(f.value / ARROW, y), xytext=(f.value, y),
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.6})
    ax.plot([f.value], [y], "o", color=colour, markersize=8, zorder=3)


def _floor_of_axis(figs: list) -> float:
    """Where the axis starts: a power of ten below every figure's low end or value."""
    import math

    smallest = min(float(f.low if f.value is None else f.value) for f in figs)
    return 10.0 ** (math.floor(math.log10(smallest)) - 1)


def note(ledger) -> str | None:
    """The key under the chart, naming only the marks it uses."""
    figs = _money_figures(ledger)
    parts = []
    if any(f.value is not None and f.low is not None and f.high is None for f in figs):
        parts.append('an arrow to the right marks a floor ("more than", "at least")')
    if any(f.value is not None and f.high is not None and f.low is None for f in figs):
        parts.append('an arrow to the left marks a ceiling ("nearly", "at most")')
    if any(f.value is None for f in figs):
        parts.append("a thick segment marks a range")
    return ("Key: " + "; ".join(parts) + ".") if parts else None


def money_chart(ledger, highlight: str | None = None, *, labels: Mapping[str, str] | None = None,
                title: str | None = None, alt: str | None = None, name: str = CHART_NAME) -> None:
    """Show every money figure on the page on one log-scale bar chart.

    `highlight` is an article id drawn in the accent colour (others grey); `labels` maps
    article ids to English labels (default: the Chinese headline). The title defaults
    to `default_title`, the alt text to `alt_text`; the data is `money_on_page`.
    """
    fig, _ax = draw(ledger, highlight, labels)
    charts.show(fig, name=name, title=title or default_title(ledger, highlight),
                alt=alt or alt_text(ledger, labels), data=money_on_page(ledger),
                source_note=note(ledger))


# --------------------------------------------------------------------------- scenarios

def ratio_scenarios(numerator: Quantity, denominator: Quantity, multipliers) -> pandas.DataFrame:
    """What a ratio of two figures would be if each were some multiple of its stated value.

    For a ratio the figures do not bound (a floor over a floor), this shows the spread
    a reader should have in mind. Every multiplier must fit each figure's wording: at
    least 1 for a floor, at most 1 for a ceiling, exactly 1 for an exact figure (an
    "about" figure takes any). Returns one row per pair: numerator_multiplier,
    denominator_multiplier, numerator, denominator, ratio.
    """
    import pandas as pd

    multipliers = [float(m) for m in multipliers]
    for q in (numerator, denominator):
        _check_multipliers(q, multipliers)
    rows = [{"numerator_multiplier": a, "denominator_multiplier": b,
             "numerator": numerator.value * a, "denominator": denominator.value * b,
             "ratio": (numerator.value * a) / (denominator.value * b)}
            for a in multipliers for b in multipliers]
    return pd.DataFrame(rows)


def _check_multipliers(q: Quantity, multipliers: list[float]) -> None:
    """Refuse scenarios the figure's own wording rules out."""
    floor_only = q.low is not None and q.high is None
    ceiling_only = q.high is not None and q.low is None
    exact = q.low is not None and q.high is not None and q.low == q.high
    bad = [m for m in multipliers
           if m <= 0 or (floor_only and m < 1) or (ceiling_only and m > 1) or (exact and m != 1)]
    if bad:
        raise CompareError(f"multipliers {bad} contradict {q.label or q.zh()} ({q.qualifier}): "
                           "a floor allows only multipliers >= 1, a ceiling <= 1, an exact figure 1")


SIGNIFICANT = 3   # scenario cells are illustrations: three significant figures is all they merit


def scenario_table(grid: pandas.DataFrame, row_name: str, row_fmt, col_fmt, cell_fmt) -> pandas.DataFrame:
    """`ratio_scenarios` as a reader's grid: numerators down, denominators across.

    Every cell is rounded to three significant figures before `cell_fmt`, so the grid
    reads evenly (688,000 beside 367,000, not 687,500); labels come from `row_fmt` and
    `col_fmt`. All cells are strings, ready for ``story.table``.
    """
    wide = grid.pivot(index="numerator", columns="denominator", values="ratio")
    cells = wide.map(lambda v: cell_fmt(round_significant(v, SIGNIFICANT)))
    cells = cells.rename(index=row_fmt, columns=col_fmt).reset_index(names=row_name)
    cells.columns.name = None
    return cells


def round_significant(x: float, digits: int) -> int | float:
    """`x` to `digits` significant figures, halves rounded up (687500 → 688000); an int when whole."""
    from decimal import ROUND_HALF_UP, Decimal

    d = Decimal(repr(float(x)))
    if d == 0:
        return 0
    rounded = float(d.quantize(Decimal(1).scaleb(d.adjusted() + 1 - digits), rounding=ROUND_HALF_UP))
    return int(rounded) if rounded.is_integer() else rounded
