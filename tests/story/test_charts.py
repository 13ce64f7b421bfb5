"""helpers.story.charts: house style, CJK font, deterministic SVG outputs with desk metadata."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings

import matplotlib
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from helpers.story import charts, outputs

DATA = pd.DataFrame({"item": ["投资总额", "就业岗位"], "value": [1_650_000_000, 3000]})


@pytest.fixture(scope="module", autouse=True)
def shell():
    return InteractiveShell.instance()


def shown(fn, *args, **kwargs):
    """Run `fn` and return the display outputs it produced."""
    with capture_output() as cap:
        fn(*args, **kwargs)
    return cap.outputs


def chinese_chart():
    fig, ax = charts.figure()
    ax.bar(["张坂镇", "东园镇"], [3, 5])
    ax.set_ylabel("站点 (stations)")
    return fig


def show_one(fig=None, **over):
    kwargs = dict(name="park-jobs", title="Jobs promised", alt="Two bars.", data=DATA)
    kwargs.update(over)
    return shown(charts.show, fig if fig is not None else chinese_chart(), **kwargs)


# --------------------------------------------------------------------------- setup / style

def test_setup_registers_noto_and_house_style():
    name = charts.setup()
    assert name == "Noto Sans SC"
    assert charts.setup() == name  # idempotent
    rc = matplotlib.rcParams
    assert rc["font.family"][0] == name
    assert rc["svg.fonttype"] == "path"
    assert rc["svg.hashsalt"] == charts.HASH_SALT
    assert rc["axes.unicode_minus"] is False
    assert not rc["axes.spines.top"] and not rc["axes.spines.right"]
    registered = {f.name for f in matplotlib.font_manager.fontManager.ttflist}
    assert name in registered


def test_figure_returns_styled_axes():
    fig, ax = charts.figure(width=4, height=3)
    assert tuple(fig.get_size_inches()) == (4, 3)
    assert not ax.spines["top"].get_visible()
    assert fig.get_layout_engine() is not None


# --------------------------------------------------------------------------- show: the contract

def test_show_emits_svg_with_desk_metadata():
    outs = show_one()
    assert len(outs) == 1
    out = outs[0]
    assert set(out.data) == {"image/svg+xml"}
    assert out.data["image/svg+xml"].lstrip().startswith("<?xml")
    assert "<svg" in out.data["image/svg+xml"]
    assert out.metadata == {"desk": {
        "kind": "chart", "name": "park-jobs", "alt": "Two bars.", "title": "Jobs promised",
        "csv": "item,value\n投资总额,1650000000\n就业岗位,3000\n",
    }}


def test_show_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    show_one()
    assert list(tmp_path.iterdir()) == []


def test_show_closes_a_pyplot_figure():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    num = fig.number
    show_one(fig)
    assert not plt.fignum_exists(num)


def test_show_registers_chart_for_data_links():
    outputs.reset_outputs()
    show_one(name="jobs-chart", title="Jobs chart")
    assert outputs.registered_outputs() == {"jobs-chart": ("chart", "Jobs chart")}
    outputs.reset_outputs()


@pytest.mark.parametrize("bad", ["Park", "park jobs", "park_jobs", "../x", "", "-x", "x--y"])
def test_show_refuses_unsafe_names(bad):
    with pytest.raises(ValueError, match="file-safe"):
        show_one(name=bad)


@pytest.mark.parametrize("field", ["title", "alt"])
def test_show_refuses_empty_title_or_alt(field):
    with pytest.raises(ValueError, match=field):
        show_one(**{field: "  "})


def test_show_refuses_a_single_number():
    with pytest.raises(ValueError, match="single number is not a chart"):
        show_one(data=DATA.head(1))


def test_show_refuses_empty_or_non_frame_data():
    with pytest.raises(ValueError, match="empty"):
        show_one(data=DATA.head(0))
    with pytest.raises(TypeError, match="DataFrame"):
        show_one(data=[1, 2])


def test_source_note_is_drawn_under_the_plot():
    fig = chinese_chart()
    outs = show_one(fig, source_note="Source: 泉州台商投资区报")
    notes = [t for t in fig.texts if t.get_text() == "Source: 泉州台商投资区报"]
    assert len(notes) == 1
    assert fig.get_layout_engine().get()["rect"][1] > 0  # room kept below the axes
    assert outs[0].data["image/svg+xml"] != show_one()[0].data["image/svg+xml"]


# --------------------------------------------------------------------------- determinism

def test_same_figure_renders_to_identical_bytes():
    fig = chinese_chart()
    a = charts.to_svg(fig)
    b = charts.to_svg(fig)
    assert a.encode() == b.encode()


def test_independent_identical_figures_render_identically_with_no_date():
    first = show_one()[0].data["image/svg+xml"]
    second = show_one()[0].data["image/svg+xml"]
    assert first == second
    assert "<dc:date>" not in first
    assert not re.search(r"20\d\d-\d\d-\d\d", first)


def test_ids_are_fixed_and_salted_per_chart_name():
    fig = chinese_chart()
    ids_a = re.findall(r'id="([^"]+)"', charts.to_svg(fig, salt="desk-a"))
    assert ids_a == re.findall(r'id="([^"]+)"', charts.to_svg(fig, salt="desk-a"))
    ids_b = re.findall(r'id="([^"]+)"', charts.to_svg(fig, salt="desk-b"))
    assert ids_a != ids_b  # hashed ids (clip paths, markers) differ between charts


def test_svg_is_the_same_in_a_fresh_process():
    code = (
        "import pandas as pd, sys\n"
        "from helpers.story import charts\n"
        "fig, ax = charts.figure()\n"
        "ax.bar(['张坂镇', '东园镇'], [3, 5])\n"
        "sys.stdout.write(charts.to_svg(fig))\n"
    )
    fig, ax = charts.figure()
    ax.bar(["张坂镇", "东园镇"], [3, 5])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONHASHSEED="123"))
    assert out.stdout == charts.to_svg(fig)


# --------------------------------------------------------------------------- glyphs

def test_chinese_labels_render_as_noto_paths_without_warning():
    fig, ax = charts.figure()
    ax.set_title("张坂镇")
    ax.axis("off")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = show_one(fig)[0].data["image/svg+xml"]
    glyphs = re.findall(r'<path id="([^"]+)"', svg)
    assert glyphs and all(g.startswith("NotoSansSC-") for g in glyphs)
    assert "<text" not in svg  # drawn as paths: the reader needs no font


@pytest.mark.parametrize("char", ["\ue000", "\U00013000"])  # private use; Egyptian hieroglyph
def test_a_glyph_the_fonts_lack_raises(char):
    fig, ax = charts.figure()
    ax.set_xlabel(f"站点{char}")
    with pytest.raises(charts.MissingGlyphError, match="park-jobs.*missing from font"):
        show_one(fig)


def test_missing_glyph_raises_every_time_not_only_the_first():
    for _ in range(2):
        fig, ax = charts.figure()
        ax.set_title("\ue000")
        with pytest.raises(charts.MissingGlyphError):
            charts.to_svg(fig)


def test_other_warnings_are_passed_on_not_swallowed():
    with pytest.warns(RuntimeWarning, match="unrelated"):
        with charts._glyphs_checked("test"):
            warnings.warn("unrelated", RuntimeWarning)


# --------------------------------------------------------------------------- helpers

@pytest.mark.parametrize("value, text", [
    (0, "0"), (57, "57"), (3000, "3,000"), (10_000, "10,000"), (1e6, "1 million"),
    (1.65e9, "1.65 billion"), (2.5e7, "25 million"), (0.05, "0.05"), (1.5, "1.5"),
])
def test_readable_number(value, text):
    assert charts.readable_number(value) == text


def test_log_scale_tick_labels_spell_out_millions_and_billions():
    """Ticks read "1 million", "10 billion": never "1m" (metres?) or "10bn"."""
    fig, ax = charts.figure()
    ax.barh(["a", "b"], [3000, 1.65e9])
    charts.log_scale(ax, "x")
    fig.canvas.draw()
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "10,000" in labels and "1 million" in labels
    assert not [t for t in labels if t.endswith(("m", "bn", "k"))], labels
    assert len(labels) <= 6  # a phone-width axis has room for a few
    with pytest.raises(ValueError):
        charts.log_scale(ax, "z")


def test_log_scale_ticks_reach_billions_in_words():
    fig, ax = charts.figure()
    ax.barh(["a", "b"], [1e5, 2e10])
    charts.log_scale(ax, "x")
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "10 billion" in labels, labels


def test_bar_h_first_row_on_top_highlight_in_accent():
    data = pd.DataFrame({"town": ["张坂镇", "东园镇", "百崎乡"], "n": [5, 3, 1]})
    fig, ax = charts.bar_h(data, "town", "n", highlight="东园镇", fmt=lambda v: f"{v:.0f} st.")
    bars = ax.patches
    tops = sorted(bars, key=lambda b: b.get_y())  # y grows downwards after invert
    assert ax.yaxis_inverted()
    assert [b.get_width() for b in bars] == [5, 3, 1]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["张坂镇", "东园镇", "百崎乡"]
    colours = [matplotlib.colors.to_hex(b.get_facecolor()) for b in bars]
    assert colours[1] == charts.ACCENT and colours[0] != charts.ACCENT and colours[2] != charts.ACCENT
    assert [t.get_text() for t in ax.texts] == ["5 st.", "3 st.", "1 st."]
    assert tops[0].get_width() == 5
    show_one(fig, data=data)  # renders cleanly


def test_bar_h_checks_columns_and_highlight():
    with pytest.raises(KeyError, match="nope"):
        charts.bar_h(DATA, "item", "nope")
    with pytest.raises(ValueError, match="highlight"):
        charts.bar_h(DATA, "item", "value", highlight="missing")


def test_import_is_light():
    code = ("import sys, helpers.story.charts, helpers.story, helpers.story.glosses\n"
            "print(any(m == 'matplotlib' or m.startswith('matplotlib.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- page text as labels

def test_dollar_signs_are_text_not_maths():
    charts.setup()
    assert matplotlib.rcParams["text.parse_math"] is False
    fig, ax = charts.figure()
    ax.set_title(r"$\foo$ and $x^2$ cost $5")   # mathtext would raise on \foo
    svg = charts.to_svg(fig)
    fig2, ax2 = charts.figure()
    ax2.set_title("x2 cost 5")
    # drawn as plain characters: more glyph paths than the same title without $, \ and ^
    assert svg.count("<use ") > charts.to_svg(fig2).count("<use ")


def test_drawable_replaces_or_drops_what_the_fonts_lack():
    assert charts.drawable("春运 🚄 开始") == "春运 开始"
    assert charts.drawable("春运🚄", missing="□") == "春运□"
    assert charts.drawable("张坂镇 $5 ~") == "张坂镇 $5 ~"      # drawable text is unchanged
    with pytest.raises(ValueError, match="placeholder"):
        charts.drawable("x", missing="🚄")


def test_drawable_label_renders_where_the_raw_one_raises():
    headline = "灯会开幕 🏮 市民赏灯"
    fig, ax = charts.figure()
    ax.bar([headline, "b"], [1, 2])
    with pytest.raises(charts.MissingGlyphError):
        charts.to_svg(fig)
    fig, ax = charts.figure()
    ax.bar([charts.drawable(headline), "b"], [1, 2])
    assert "<svg" in charts.to_svg(fig)


def test_short_label_cuts_page_text_and_drops_undrawable_characters():
    from helpers.story import charts

    assert charts.short_label("园区👍开门红", limit=10) == "园区开门红"
    long = "台商区打造科技创新生态圈智慧港"
    assert charts.short_label(long, limit=4) == long[:4] + "…"
    assert charts.short_label(long) == long[: charts.LABEL_CHARS] + "…"


# --------------------------------------------------------------------------- reader access

def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_series_colour_has_3_to_1_contrast_in_light_and_dark():
    for colour in (charts.ACCENT, *charts.GREYS):
        assert contrast(colour, charts.BACKGROUND) >= 3, colour
        dark = charts.DARK[colour]
        assert contrast(dark, charts.DARK_BACKGROUND) >= 3, (colour, dark)
    for text in (charts.INK, charts.MUTED):  # text keeps 4.5:1 in both schemes
        assert contrast(text, charts.BACKGROUND) >= 4.5
        assert contrast(charts.DARK[text], charts.DARK_BACKGROUND) >= 4.5
    assert contrast("#b3b3b3", charts.BACKGROUND) < 3  # the old grey, which this guards against


def _sizes(svg: str) -> list[float]:
    return [float(v) * 100 for v in re.findall(r'translate\([^)]*\) scale\(([\d.]+) -[\d.]+\)', svg)]


def test_show_brings_every_text_into_the_readable_range():
    fig, ax = charts.figure()
    ax.bar(["a", "b"], [1, 2], color=charts.GREYS[2], label="tiny legend")
    ax.legend(fontsize=7)
    ax.annotate("huge", (0, 1), fontsize=30)
    ax.tick_params(labelsize=6)
    svg = show_one(fig)[0].data["image/svg+xml"]
    lo, hi = charts.text_range_pt(charts.WIDTH)
    sizes = _sizes(svg)
    assert sizes and min(sizes) >= lo - 0.01 and max(sizes) <= hi + 0.01, (lo, hi, sorted(set(sizes)))
    # as shown: >= 12 px in a 375 px phone's column, <= 16.5 px at the desktop width
    assert lo * charts.PHONE_COLUMN_PX / (charts.WIDTH * 72) >= 12 - 1e-9
    assert hi * charts.DESKTOP_PX / (charts.WIDTH * 72) <= 16.5 + 1e-9


@pytest.mark.parametrize("shape", ["log-y-minor-labels", "twin-axes", "offset-text"])
def test_texts_made_only_when_drawn_are_in_range_too(shape):
    """Ticks, minor tick labels and offset texts that exist only once the chart is drawn."""
    from matplotlib.ticker import LogFormatter

    fig, ax = charts.figure()
    if shape == "log-y-minor-labels":
        ax.plot([1, 2, 3], [3, 300, 30000])
        ax.set_yscale("log")
        ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False))
        ax.tick_params(which="both", labelsize=5)
    elif shape == "twin-axes":
        ax.bar(["a", "b"], [1, 2])
        other = ax.twinx()
        other.plot([0, 1], [10, 20])
        other.tick_params(labelsize=5)
        other.set_ylabel("right", fontsize=40)
    else:
        ax.plot([0, 1, 2], [1e9, 2e9, 3e9])
        ax.ticklabel_format(style="sci", axis="y", scilimits=(0, 0))
        ax.yaxis.get_offset_text().set_fontsize(4)
    svg = show_one(fig)[0].data["image/svg+xml"]
    lo, hi = charts.text_range_pt(charts.WIDTH)
    sizes = _sizes(svg)
    assert sizes and min(sizes) >= lo - 0.01 and max(sizes) <= hi + 0.01, (shape, lo, hi, sorted(set(sizes)))


def test_chart_svg_follows_dark_mode():
    svg = show_one()[0].data["image/svg+xml"]
    style = re.search(r"<style>(@media \(prefers-color-scheme: dark\)\{.*?\})</style>", svg)
    assert style, "no dark-mode style sheet in the chart"
    assert f'[style*="fill: {charts.ACCENT}"]{{fill:{charts.DARK[charts.ACCENT]}!important}}' in style.group(1)
    # every colour the chart draws has a dark counterpart
    drawn = set(re.findall(r"(?:fill|stroke): (#[0-9a-f]{6})", svg.split("</style>", 1)[1]))
    assert drawn and drawn <= set(charts.DARK), drawn - set(charts.DARK)
