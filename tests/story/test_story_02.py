"""Story 02 (where did the public-safety project's money go?): numbers recomputed from the ledger.

The expectations here are computed from the ledger's rows, the article's sentence and the
manifest, independently of the notebook and of helpers.quantity's formatting; the committed
report (reports/<stem>.html and its CSVs, read by tests/reports_read.py) must carry them,
qualifiers included.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import pandas as pd
import pytest
import reports_read

from helpers import paths
from helpers.figures import ledger
from helpers.page import manifest

STEM = "02-public-safety-spending"
NOTEBOOK = paths.NOTEBOOKS / f"{STEM}.ipynb"


# ------------------------------------------------------------------ independent recomputation

@pytest.fixture(scope="module")
def rows():
    """The piece's ledger rows as a DataFrame, found by headline."""
    L = ledger.load()
    frame = L.figures
    return frame[frame["article"] == L.article("公共安全工程")]


def three_figures_down(x: float) -> str:
    """x rounded DOWN to 3 significant figures (a floor is never overstated): 1,269.2 → "1,260"."""
    step = 10 ** (math.floor(math.log10(abs(x))) - 2)
    return f"{math.floor(x / step) * step:,.0f}"


def three_figures(x: float) -> str:
    """x rounded to 3 significant figures, with thousands separators (217,000)."""
    digits = 2 - math.floor(math.log10(abs(x)))
    return f"{round(x, digits):,.0f}"


@pytest.fixture(scope="module")
def expected(rows):
    money = rows[rows["unit"] == "元"]
    assert len(money) == 1
    total = money.iloc[0]
    counts = rows[rows["unit"] == "个"]
    sentence = total["sentence"]
    sites = list(dict.fromkeys(re.findall(r"在([^,,。在]+?)建设", sentence)))
    L = ledger.load()
    figures = L.figures
    park = figures[(figures["article"] == L.article("智慧港")) & (figures["unit"] == "元")].iloc[0]
    years = {dt.date.fromisoformat(d).year for d in manifest.entry().edition_date_range}
    assert len(years) == 1
    return {
        "total": total, "n": int(counts["value"].sum()), "n_rows": len(counts), "sites": sites,
        "per_facility": three_figures(total["value"] / counts["value"].sum()),
        "per_site": three_figures(total["value"] / len(sites)),
        "times": three_figures_down(park["value"] / total["value"]),
        "done_year": years.pop() - 1, "park": park,
    }


def test_the_ledger_gives_an_approximate_total_and_six_counts_of_one(expected):
    assert expected["total"]["qualifier"] == "about"
    assert pd.isna(expected["total"]["low"]) and pd.isna(expected["total"]["high"])  # no bounds (NaN or None)
    assert expected["n"] == expected["n_rows"] == 6
    assert len(expected["sites"]) == 5


def test_the_completion_date_is_stated_relative_to_last_year(rows):
    done = rows[(rows["kind"] == "date") & rows["before"].str.contains("去年")]
    assert list(done["surface"]) == ["10月中旬"]
    assert done.iloc[0]["date"] == "XXXX-10"  # the ledger gives no year: the notebook must resolve 去年


def test_the_park_figure_is_a_projected_floor(expected):
    park = expected["park"]
    assert park["qualifier"] == "more_than" and bool(park["projected"])


# ------------------------------------------------------------------ the notebook as committed

def test_notebook_is_committed_without_outputs():
    from test_notebooks_clean import committed_text  # the staged copy: a run notebook is stripped there

    nb = json.loads(committed_text(NOTEBOOK))
    assert nb["metadata"]["kernelspec"]["name"] == "desk"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_notebook_types_no_site_or_facility_name_in_code():
    """The table comes from the sentence: the facility names are never typed into the code."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    for name in ("应急避灾示范点", "航空应急救援直升机起降点", "公共安全数字体验馆", "张坂镇群力村委会"):
        assert name not in code


# ------------------------------------------------------------------ the committed report

@pytest.fixture(scope="module")
def prose(report):
    """All reader text of the page (tags removed, entities decoded, whitespace collapsed)."""
    return report.text


def test_report_shows_only_reader_blocks(report):
    """The build drops streams and fails on errors; what is left must all be reader blocks."""
    assert not reports_read.leaks(report)


def test_total_always_carries_about(prose, expected):
    assert "about 1.3 million yuan" in prose and "约130万元" in prose
    for m in re.finditer(r"1\.3 million yuan", prose):
        assert prose[max(0, m.start() - 6):m.start()] == "about ", prose[m.start() - 40:m.end()]


def test_averages_are_about_and_match_the_ledger(prose, expected):
    assert f"about {expected['per_facility']} yuan per facility" in prose
    assert f"about {expected['per_site']} yuan" in prose
    assert "约21.7万元" in prose
    assert "average" in prose


def test_facility_table_is_the_sentence(report, expected):
    table = report.csv("facilities")
    assert len(table) == expected["n"]
    assert list(dict.fromkeys(r["site"] for r in table)) == expected["sites"]
    sentence = expected["total"]["sentence"]
    assert all(r["facility"] in sentence for r in table)
    basis = {r["site"]: r["township_basis"] for r in table}
    assert basis == {"张坂镇群力村委会": "stated", "玉埕中学": "not stated", "张坂镇政府": "stated",
                     "张坂中学": "named after", "张坂下官溪公园": "named after"}
    township = {r["site"]: (r["township"], r["place_name"]) for r in table}
    assert township["张坂中学"] == township["张坂下官溪公园"] == ("", "张坂")   # never guessed from the name
    assert township["玉埕中学"] == ("", "") and township["张坂镇政府"] == ("张坂镇", "张坂")
    for r in table:   # the type matches the gloss of the name: "model … point" is a "model point"
        assert r["type"].split()[-1] in r["facility_en"] and (r["type"] != "model point" or "model" in r["facility_en"])
    kinds = {r["site"]: r["site_kind"] for r in table}
    assert sorted(set(kinds.values())) == ["government office", "park", "school", "village committee"]


def test_township_wording(prose):
    assert "not stated (site named after 张坂, Zhangban)" in prose
    assert "张坂镇 (Zhangban town)" in prose
    assert "2 of the 5 sites are schools" in prose


def test_township_chart_counts_every_facility(report, expected):
    data = report.csv("facilities-by-township")
    assert sum(int(r["facilities"]) for r in data) == expected["n"]
    assert sum(1 for r in data if int(r["facilities"]) > 0) > 1
    assert {"洛阳镇", "东园镇", "张坂镇", "百崎回族乡"} <= {r["township"] for r in data}


def test_timeline_resolves_last_year_and_marks_the_plan(prose, expected):
    assert f"mid-October {expected['done_year']}" in prose
    assert "planned" in prose and "projection" in prose


def test_scale_is_an_approximate_floor_and_the_park_is_expected(prose, expected):
    # was: "about 1,270 times" — a floor over an "about" figure keeps its floor (and rounds down)
    assert f"at least about {expected['times']} times" in prose
    assert not re.search(r"(?<!least )about 1,2[67]0 times", prose)
    assert "expected to" in prose and "more than 1.65 billion yuan" in prose


def test_no_float_noise_or_missing_values(prose):
    assert not re.search(r"\d\.\d{4,}", prose)
    assert "nan" not in prose.split() and "None" not in prose


def test_township_chart_labels_and_named_after_row(report):
    data = report.csv("facilities-by-township")
    for r in data:
        assert ("(stated)" in r["label"]) == (r["basis"] == "stated" and int(r["facilities"]) > 0), r
    [named] = [r for r in data if r["basis"] == "named after"]
    assert (named["township"], named["place_name"]) == ("", "张坂")


def test_the_investment_group_is_not_identified(prose):
    assert "China Merchants" not in prose
    assert "招商集团 (an investment-promotion group; the article does not identify it further)" in prose
    assert "Who is 招商集团" in prose


def test_glosses_keep_about_and_the_programme_name(prose):
    assert "about 1.3 million yuan (约130万元)" in prose
    assert "Five 100s" in prose and "Five Hundreds" not in prose
    assert "Zhangban Xiaguanxi park" in prose and "park in Zhangban" not in prose


def test_trial_operation_sentence_is_quoted(prose, rows):
    article = rows.iloc[0]["article"]
    from helpers.page import manifest
    page = manifest.load_page()
    [sentence] = [s + "。" for p in page.article(article).paragraphs for s in p.text.split("。") if "试运行" in s]
    assert re.sub(r"\s+", "", sentence) in re.sub(r"\s+", "", prose)
