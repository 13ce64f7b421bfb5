"""Story 01, the Smart Harbour park: investment per job and the park's other unit figures.

The numbers are recomputed here from the ledger's rows (filtered with pandas, not with
the notebook's lookups), and the committed report (reports/<stem>.html and its CSVs, read
by tests/reports_read.py) is checked for them and for their qualifiers: floors say "more than"/"at least", the ratio of two floors is
a face value, ceilings say "at most", projections are written as projections.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
import reports_read

from helpers.figures import ledger
from helpers.page import manifest

STEM = "01-park-investment-per-job"


@pytest.fixture(scope="module")
def rows():
    """The park's four figures, picked from the ledger DataFrame by kind, unit and noun."""
    f = ledger.load().figures
    park = f[f["sentence"].str.contains("智慧港产业园|产业园投资总额")]
    assert park["article"].nunique() == 1
    pick = lambda mask: park[mask].squeeze(axis=0)  # noqa: E731
    return {
        "investment": pick((park["unit"] == "元") & (park["kind"] == "amount")),
        "jobs": pick(park["noun"].str.startswith("就业岗位")),
        "area": pick(park["unit"] == "平方米"),
        "buildings": pick(park["unit"] == "栋"),
    }


def test_the_park_figures_are_what_the_article_says(rows):
    """Investment and jobs are projected floors; area and buildings exact, not projected."""
    inv, jobs = rows["investment"], rows["jobs"]
    assert (inv["qualifier"], jobs["qualifier"]) == ("more_than", "at_least")
    assert inv["projected"] and jobs["projected"]
    assert pd.isna(inv["high"]) and pd.isna(jobs["high"])
    for key in ("area", "buildings"):
        assert rows[key]["qualifier"] == "exact" and not rows[key]["projected"]
    assert "待企业全部入驻投产后" in inv["sentence"]


def test_face_value_per_job_is_the_ledger_quotient(rows):
    from helpers.figures.quantity import Quantity

    inv, jobs = rows["investment"], rows["jobs"]
    per_job = Quantity.from_figure(inv) / Quantity.from_figure(jobs)
    assert per_job.value == inv["value"] / jobs["value"]
    assert per_job.qualifier == "unbounded" and per_job.low is None and per_job.high is None


# --------------------------------------------------------------------------- the report


@pytest.fixture(scope="module")
def text(report):
    """All reader text of the page: blocks in order, a marked figure inside its sentence,
    chart titles and alt texts included."""
    return report.text


def billions(v: float) -> str:
    return f"{v / 1e9:g} billion yuan"


def test_report_shows_no_errors_or_stray_output(report):
    """The build drops streams and fails on errors; what is left must all be reader blocks."""
    assert not reports_read.leaks(report)
    assert report.title == report.headline  # the headline block's metadata titles the page


def test_headline_gives_face_value_per_job_as_such(report, rows):
    per_job = rows["investment"]["value"] / rows["jobs"]["value"]
    assert f"{per_job:,.0f} yuan" in report.headline and "face value" in report.headline
    assert report.key_figure == f"{per_job:,.0f} yuan per job (face value)"


def test_prose_carries_floors_and_projections(text, rows):
    inv, jobs = rows["investment"]["value"], rows["jobs"]["value"]
    assert f"more than {billions(inv)}" in text
    assert f"at least {jobs:,.0f} jobs" in text
    assert "expected to" in text and "projection" in text
    # the ratio of two floors is never presented as a floor or a ceiling
    per_job = f"{inv / jobs:,.0f} yuan"
    for wrong in ("at least", "more than", "at most", "nearly", "about"):
        assert f"{wrong} {per_job}" not in text
    assert f"{per_job} per job (face value)" in text
    assert "do not bound" in text


def test_unit_figures_carry_the_right_qualifier(text, rows, report):
    inv, jobs = rows["investment"]["value"], rows["jobs"]["value"]
    area, buildings = rows["area"]["value"], rows["buildings"]["value"]
    assert f"more than {inv / area:,.0f} yuan per square metre" in text          # floor ÷ exact
    assert f"at most {area / jobs:,.0f} square metres" in text                  # exact ÷ floor
    assert f"more than {inv / buildings / 1e6:.1f} million yuan per building" in text
    assert f"at least {jobs / buildings:.1f} jobs per building" in text
    assert "floor ÷ exact = floor" in text and "exact ÷ floor = ceiling" in text
    data = pd.read_csv(report.tables["unit-figures"].data.path)
    assert list(data["qualifier"]) == ["more_than", "at_most", "more_than", "at_least"]
    assert data["value"].iloc[0] == pytest.approx(inv / area)
    assert data["value"].iloc[1] == pytest.approx(area / jobs)


def test_scenarios_are_computed_from_the_ledger_and_labelled_illustrative(report, rows):
    inv, jobs = rows["investment"]["value"], rows["jobs"]["value"]
    table = report.tables["investment-per-job-scenarios"]
    grid = pd.read_csv(table.data.path)
    assert grid["numerator"].min() == inv and grid["denominator"].min() == jobs
    assert (grid["numerator_multiplier"] >= 1).all() and (grid["denominator_multiplier"] >= 1).all()
    assert grid["ratio"].tolist() == pytest.approx((grid["numerator"] / grid["denominator"]).tolist())
    assert "Illustrative" in table.caption and "assumption" in table.caption


def test_tenant_table_lists_the_articles_names(text, rows):
    page = manifest.load_page()
    body = next(a for a in page.articles if a.id == rows["investment"]["article"]).body
    listed = body[body.index("包括") + len("包括"):body.index("等多家")].split("、")
    assert len(listed) > 2
    for name in listed:
        assert name in text
    assert f"names {len(listed)} companies" in text
    assert "Tencent Cloud" in text and "CITIC Heavy Industries" in text


def test_money_chart_holds_every_money_figure(report):
    chart = report.charts["money-on-the-page"]
    data = pd.read_csv(chart.data.path)
    f = ledger.load().figures
    money = f[(f["kind"] == "amount") & (f["unit"] == "元")]
    assert sorted(data["id"]) == sorted(money["id"])
    assert "log" in chart.alt and "(projected)" in chart.alt


def test_quotes_show_the_sentences_behind_the_figures(text, rows):
    for key in ("investment", "area"):
        assert rows[key]["sentence"] in text
    assert "What the article says" in text and "Methodology" in text
    assert "Questions the article leaves open" in text


def floor_3(x: float) -> str:
    """x rounded DOWN to 3 significant figures, with separators (1,269.2 → "1,260")."""
    step = 10 ** (math.floor(math.log10(x)) - 2)
    return f"{math.floor(x / step) * step:,.0f}"


def test_money_chart_title_is_english_and_keeps_the_floor(report):
    L = ledger.load()
    park = L.get(article=L.article("智慧港"), unit="元", near="投资总额")
    safety = L.get(article=L.article("公共安全工程"), unit="元", near="总投资")
    title = report.charts["money-on-the-page"].title
    assert f"({park.surface})" in title and f"({safety.surface})" in title  # Chinese only in brackets
    assert f"at least about {floor_3(park.value / safety.value)} times" in title
    assert "about 1.3 million yuan" in title and "more than 1.65 billion yuan" in title


def test_scale_finding_keeps_the_floor_and_the_working_reads_as_english(text):
    assert "at least about" in text and "times the page's next-largest sum" in text
    assert "550,000 yuan per job (face value)" in text           # the working, not 元/个
    assert "more than 28.9 million yuan per building" in text
    for raw in ("元/个", "元/栋", "个/栋", "平方米/个"):
        assert raw not in text, raw
    assert "= about 1,270" not in text


def test_floor_area_kind_and_limitation_agree(text):
    assert "printed without a qualifier" in text and "exact as printed" not in text
    assert "reads like a rounded figure" not in text
    assert "if it is a rounded figure, the per-square-metre" in text


def test_no_operator_is_invented(text):
    assert "the park's operator" not in text
    assert "appears only in the park's name" in text
