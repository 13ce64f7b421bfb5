"""helpers.compare: every money figure on a page, the log-scale chart, ratio scenarios.

Page tests read the real page's ledger and recompute what they check from its rows;
synthetic ledgers (built with ``extraction.extract``) cover ranges, ceilings and empty pages.
"""

from __future__ import annotations

import io
import math
from dataclasses import replace

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from helpers.figures import extraction, ledger
from helpers.figures.quantity import Quantity
from helpers.story import compare


@pytest.fixture(scope="module", autouse=True)
def shell():
    return InteractiveShell.instance()


@pytest.fixture(scope="module")
def page_ledger():
    return ledger.load()


def money_rows(L) -> pd.DataFrame:
    """The ledger's money rows, filtered here independently of helpers.compare."""
    f = L.figures
    return f[(f["kind"] == "amount") & (f["unit"] == "元")]


def synthetic(text: str, article: str = "x1", headline: str = "测试标题") -> ledger.Ledger:
    """A one-piece ledger over `text` (figures get the article id and page offsets as found)."""
    figs = [replace(f, article=article, id=f"{article}-{f.id}") for f in extraction.extract(text)]
    return ledger.Ledger("test-page", figs, {article: headline, "x2": "无钱"})


def shown(fn, *args, **kwargs):
    with capture_output() as cap:
        fn(*args, **kwargs)
    return cap.outputs


# --------------------------------------------------------------------------- money_on_page

def test_money_on_page_holds_every_money_figure_and_nothing_else(page_ledger):
    table = compare.money_on_page(page_ledger)
    expected = money_rows(page_ledger)
    assert sorted(table["id"]) == sorted(expected["id"])
    assert len(table) >= 2
    for col in ("article", "headline", "surface", "value", "qualifier", "projected"):
        assert col in table.columns


def test_money_on_page_carries_values_qualifiers_and_headlines(page_ledger):
    table = compare.money_on_page(page_ledger).set_index("id")
    for _, row in money_rows(page_ledger).iterrows():
        got = table.loc[row["id"]]
        assert got["surface"] == row["surface"]
        assert got["value"] == row["value"] or (pd.isna(got["value"]) and pd.isna(row["value"]))
        assert got["qualifier"] == row["qualifier"]
        assert bool(got["projected"]) == bool(row["projected"])
        assert got["headline"] == page_ledger.headlines[row["article"]]


def test_money_on_page_is_largest_first(page_ledger):
    values = list(compare.money_on_page(page_ledger)["value"])
    assert values == sorted(values, reverse=True)


def test_money_on_page_keeps_a_range_with_its_bounds():
    L = synthetic("项目投资10—15万元,另有奖金2000元。")
    table = compare.money_on_page(L)
    rng = table[table["qualifier"] == "range"].iloc[0]
    assert pd.isna(rng["value"]) and (rng["low"], rng["high"]) == (100000, 150000)
    assert list(table["qualifier"]) == ["range", "exact"]  # the range's high end sorts it first


def test_money_on_page_fails_loudly_with_no_money():
    with pytest.raises(compare.CompareError, match="no money figures"):
        compare.money_on_page(synthetic("共建设有57栋厂房。"))


# --------------------------------------------------------------------------- titles and alt

def test_title_with_highlight_is_the_ratio_to_the_next_largest(page_ledger):
    rows = money_rows(page_ledger).sort_values("value", ascending=False)
    top, second = rows.iloc[0], rows[rows["article"] != rows.iloc[0]["article"]].iloc[0]
    title = compare.default_title(page_ledger, highlight=top["article"])
    ratio = top["value"] / second["value"]
    assert top["surface"] in title and second["surface"] in title
    if (top["qualifier"], second["qualifier"]) == ("more_than", "about"):
        # a floor over an approximate figure: an approximate floor, rounded down (never overstated)
        assert f"is at least about {math.floor(ratio / 10) * 10:,.0f} times the next-largest" in title
    else:
        assert f"{round(ratio, -1):,.0f} times" in title
    if "about" in {top["qualifier"], second["qualifier"]}:
        assert "about" in title
    # English first, the Chinese as printed in brackets
    assert f"({top['surface']})" in title and f"({second['surface']})" in title


def test_title_without_highlight_names_largest_and_smallest(page_ledger):
    rows = money_rows(page_ledger)
    title = compare.default_title(page_ledger)
    smallest = rows.loc[rows["value"].idxmin()]
    assert f"{smallest['value']:,.0f} yuan" in title
    if smallest["qualifier"] == "more_than":
        assert f"more than {smallest['value']:,.0f} yuan" in title


def test_alt_text_names_every_figure_with_qualifier_and_projection(page_ledger):
    alt = compare.alt_text(page_ledger)
    rows = money_rows(page_ledger)
    assert f"the {len(rows)} sums of money" in alt
    for _, row in rows.iterrows():
        assert Quantity.from_figure(row).en() in alt
    projected = rows[rows["projected"]]
    for _, row in projected.iterrows():
        assert f"{Quantity.from_figure(row).en()} (projected)" in alt


def test_labels_replace_headlines(page_ledger):
    article = money_rows(page_ledger)["article"].iloc[0]
    alt = compare.alt_text(page_ledger, labels={article: "The park"})
    assert "The park: " in alt


@pytest.mark.parametrize("bad", ["nope", "x2"])
def test_highlight_must_be_a_piece_with_money(bad):
    L = synthetic("奖金2000元,补贴300元。")
    with pytest.raises(compare.CompareError, match=bad):
        compare.default_title(L, highlight=bad)


def test_labels_for_unknown_pieces_fail():
    L = synthetic("奖金2000元,补贴300元。")
    with pytest.raises(compare.CompareError, match="unknown article"):
        compare.alt_text(L, labels={"zz": "who?"})


def test_note_names_only_the_marks_used():
    assert "floor" in compare.note(synthetic("奖金超2000元,补贴300元。"))
    assert compare.note(synthetic("奖金2000元,补贴300元。")) is None
    assert "range" in compare.note(synthetic("奖金10—15万元,补贴300元。"))
    assert "ceiling" in compare.note(synthetic("奖金近2000元,补贴300元。"))


# --------------------------------------------------------------------------- chart

def test_money_chart_shows_an_svg_with_title_alt_and_the_data(page_ledger):
    article = money_rows(page_ledger)["article"].iloc[0]
    outs = shown(compare.money_chart, page_ledger, highlight=article)
    assert len(outs) == 1
    desk = outs[0].metadata["desk"]
    assert desk["kind"] == "chart" and desk["name"] == compare.CHART_NAME
    assert desk["title"] == compare.default_title(page_ledger, article)
    assert desk["alt"] == compare.alt_text(page_ledger)
    data = pd.read_csv(io.StringIO(desk["csv"]))
    assert sorted(data["id"]) == sorted(money_rows(page_ledger)["id"])
    assert "<svg" in outs[0].data["image/svg+xml"]


def test_money_chart_is_on_a_log_scale_with_a_labelled_axis(page_ledger):
    fig, ax = compare.draw(page_ledger)
    assert ax.get_xscale() == "log"
    assert "yuan" in ax.get_xlabel() and "log" in ax.get_xlabel()
    lo, hi = ax.get_xlim()
    values = money_rows(page_ledger)["value"]
    assert lo < values.min() and values.max() < hi


def test_highlight_colours_only_that_piece(page_ledger):
    from matplotlib.colors import to_hex

    from helpers.story import charts

    rows = compare.money_on_page(page_ledger)
    article = rows["article"].iloc[0]
    fig, ax = compare.draw(page_ledger, highlight=article)
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    colours = [to_hex(d.get_color()) for d in dots]
    expected = [charts.ACCENT if a == article else charts.GREYS[0] for a in rows["article"]]
    assert colours == expected


def test_money_chart_draws_a_range_page():
    outs = shown(compare.money_chart, synthetic("项目投资10—15万元,另有奖金2000元。"))
    desk = outs[0].metadata["desk"]
    assert desk["title"] == "Money on the page: the largest sum is 100,000 to 150,000 yuan, the smallest 2,000 yuan"
    assert "100,000 to 150,000 yuan" in desk["alt"]
    assert "range" in compare.note(synthetic("项目投资10—15万元,另有奖金2000元。"))


# --------------------------------------------------------------------------- scenarios

def test_ratio_scenarios_multiply_each_stated_value(page_ledger):
    floor = Quantity(1000, 1000, None, "元", "more_than")
    count = Quantity(40, 40, None, "人", "at_least")
    grid = compare.ratio_scenarios(floor, count, [1, 1.5, 2])
    assert len(grid) == 9
    row = grid[(grid.numerator_multiplier == 2) & (grid.denominator_multiplier == 1.5)].iloc[0]
    assert (row["numerator"], row["denominator"]) == (2000, 60)
    assert row["ratio"] == pytest.approx(2000 / 60)
    assert grid["ratio"].min() == pytest.approx(1000 / 80) and grid["ratio"].max() == pytest.approx(2000 / 40)


def test_ratio_scenarios_refuse_what_the_wording_rules_out():
    floor = Quantity(1000, 1000, None, "元", "more_than")
    ceiling = Quantity(40, None, 40, "人", "nearly")
    exact = Quantity.exact(57, "栋")
    with pytest.raises(compare.CompareError, match="floor"):
        compare.ratio_scenarios(floor, exact, [0.5, 1])
    with pytest.raises(compare.CompareError, match=r"\[1.5\]"):
        compare.ratio_scenarios(Quantity(9, None, None, "元", "about"), ceiling, [1, 1.5])
    with pytest.raises(compare.CompareError):
        compare.ratio_scenarios(floor, exact, [1, 2])
    about = Quantity(10, None, None, "元", "about")
    assert len(compare.ratio_scenarios(about, about, [0.5, 2])) == 4


def test_scenario_table_reads_evenly():
    floor = Quantity(1375000, 1375000, None, "元", "more_than")
    count = Quantity(2, 2, None, "人", "at_least")
    grid = compare.ratio_scenarios(floor, count, [1, 1.25])
    table = compare.scenario_table(grid, "Total", row_fmt=lambda v: f"{v:,.0f}",
                                   col_fmt=lambda v: f"{v:g} people", cell_fmt=lambda v: f"{v:,}")
    assert list(table.columns) == ["Total", "2 people", "2.5 people"]
    assert list(table["Total"]) == ["1,375,000", "1,718,750"]
    # 687,500 → 688,000 (half up); 550,000 stays; 859,375 → 859,000
    assert list(table.iloc[0, 1:]) == ["688,000", "550,000"]
    assert list(table.iloc[1, 1:]) == ["859,000", "688,000"]


@pytest.mark.parametrize("x, digits, out", [
    (687500, 3, 688000), (412500, 3, 413000), (366666.67, 3, 367000), (52.6315, 3, 52.6),
    (0.012345, 3, 0.0123), (0, 3, 0), (1100000, 3, 1100000),
])
def test_round_significant(x, digits, out):
    got = compare.round_significant(x, digits)
    assert got == out and type(got) is type(out)
