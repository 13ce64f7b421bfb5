"""Story 03 (how far relief reaches): the report's numbers, recomputed independently from
the ledger rows, the page text and the ``lunardate`` package, and the prose it shows
(the committed reports/<stem>.html and its CSVs, read by tests/reports_read.py).

The expected values are computed here from the ledger's DataFrame (not through the
notebook's lookups or helpers.quantity), the meal schedule from the page text with a
regex of its own, and the lunar calendar with ``lunardate`` instead of ``lunar-python``.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import reports_read
from lunardate import LunarDate

from helpers.figures import ledger
from helpers.page import manifest

STEM = "03-relief-reach"
CN_ENDINGS = {"五": 5, "十": 0}


# ---------------------------------------------------------------- ledger rows, read directly

@pytest.fixture(scope="module")
def rows():
    """The two pieces' ledger rows, keyed by a short name, picked by unit and sentence."""
    led = ledger.load()
    df = led.figures
    relief = df[df.article == led.article("寒日送关爱")]
    stations = df[df.article == led.article("暖心家园")]

    def one(frame, unit, word):
        hit = frame[(frame.unit == unit) & frame.sentence.str.contains(word, regex=False)]
        assert len(hit) == 1, (unit, word, hit.surface.tolist())
        return hit.iloc[0]

    return {
        "trips": one(relief, "人次", "派出工作人员"),
        "households": one(relief, "户", "走访慰问"),
        "people": one(relief, "人", "走访慰问"),
        "quilts": one(relief, "床", "棉被"),
        "clothing": one(relief, "套", "棉衣"),
        "blankets": one(relief, "条", "毛毯"),
        "activities": one(stations, "场", "社区活动"),
        "served": one(stations, "人次", "社区活动"),
        "stations": one(stations, "个", "社区活动"),
        "year": one(stations, "年", "社区活动"),
        "portions": one(stations, "份", "爱心餐"),
        "birthday": one(stations, "日", "生日会"),
    }


@pytest.fixture(scope="module")
def meal_days(rows):
    """Meal days of the ledger year by lunardate, from the rule as the page prints it."""
    text = manifest.verify(manifest.entry()).decode("utf-8")
    phrase = re.search(r"农历((?:逢[五十]、?)+)", text).group(1)
    endings = {CN_ENDINGS[c] for c in re.findall(r"逢([五十])", phrase)}
    year = int(rows["year"].value)
    first = dt.date(year, 1, 1)
    days = [first + dt.timedelta(i) for i in range((dt.date(year + 1, 1, 1) - first).days)]
    return [d for d in days if LunarDate.from_solar_date(d.year, d.month, d.day).day % 10 in endings]


def test_the_figures_carry_the_qualifiers_the_story_relies_on(rows):
    assert rows["served"].qualifier == "more_than"      # 5万多人次: a floor
    assert rows["portions"].qualifier == "range"        # 10—15份
    for name in ("trips", "households", "people", "quilts", "clothing", "blankets", "activities", "stations"):
        assert rows[name].qualifier == "exact", name


def test_items_are_fewer_than_households(rows):
    items = rows["quilts"].value + rows["clothing"].value + rows["blankets"].value
    assert items < rows["households"].value  # so the ceiling on the share is below 100%


def test_meal_days_cover_every_month(meal_days):
    assert {d.month for d in meal_days} == set(range(1, 13))


# ---------------------------------------------------------------- the committed report

def test_report_shows_only_reader_blocks(report):
    """The build drops streams and fails on errors; what is left must all be reader blocks."""
    assert not reports_read.leaks(report)


def test_relief_ratios(report, rows):
    text = report.text
    hh, people, trips = rows["households"].value, rows["people"].value, rows["trips"].value
    assert f"{people / hh:.2f} people per household" in text
    assert f"{hh / trips:.2f} households" in text
    assert f"{people / trips:.2f} people" in text


def test_item_share_is_a_ceiling_with_the_caveat(report, rows):
    items = int(rows["quilts"].value + rows["clothing"].value + rows["blankets"].value)
    share = items / rows["households"].value * 100
    findings = report.block("Key findings").text
    assert f"{items} items" in findings
    assert f"under {int(share) + 1}%" in findings and f"at most {share:.2f}" not in findings
    assert f"fewer than one in {int(rows['households'].value // items)}" in findings
    assert "named group" in findings
    answer = next(b for b in report.answers if "Even if every item" in b)
    assert f"at most {items} households" in answer and "分散供养特困老人" in answer


def test_station_figures_keep_their_floor_and_assumption(report, rows):
    served, acts, n = rows["served"].value, rows["activities"].value, rows["stations"].value
    text = report.text
    assert f"more than {served:,.0f} person-times" in text
    assert f"more than {int(served // acts)} person-times per activity" in text
    answer = next(b for b in report.answers if "spread evenly" in b and "township stations" in b)
    assert "assumption" in answer
    assert f"more than {served / n:,.0f} person-times" in answer
    assert f"about {round(acts / n)} activities" in answer and f"{acts / n:.1f}" not in answer


def test_meal_days_and_yearly_range(report, rows, meal_days):
    n = len(meal_days)
    lo, hi = int(rows["portions"].low), int(rows["portions"].high)
    year = int(rows["year"].value)
    findings = report.block("Key findings").text
    assert f"{n} days in {year}" in findings
    assert f"{lo * n:,} to {hi * n:,} meals" in findings
    answer = next(b for b in report.answers if "逢五、逢十" in b and "Western calendar" in b)
    assert "assuming" in answer and "29-day lunar month has no 30th" in answer


def test_meal_day_chart_matches_lunardate_month_by_month(report, meal_days):
    table = report.csv("baiqi-meal-days")
    assert len(table) == 12
    for month, row in enumerate(table, start=1):
        expected = [d for d in meal_days if d.month == month]
        assert int(row["meal days"]) == len(expected), row
        assert [int(x.split()[0]) for x in row["dates (lunar date)"].split("; ")] == [d.day for d in expected]


def test_reach_chart_compares_households_with_households(report, rows):
    """No chart mixes units on one axis: the reach chart is households visited against the
    most households the items could reach (one each). The old trips/people/items funnel is gone."""
    assert "relief-funnel" not in report.charts and "relief-funnel" not in report.tables
    table = report.csv("relief-reach")
    items = rows["quilts"].value + rows["clothing"].value + rows["blankets"].value
    assert [float(r["count"]) for r in table] == [rows["households"].value, items]
    assert "narrow" not in report.text


def test_methodology_shows_figures_as_printed(report, rows):
    method = report.block("Methodology").text
    assert f"{rows['served'].surface} ({rows['served'].id})" in method


def test_birthday_gatherings_counted_from_the_calendar(report, rows):
    year, day = int(rows["year"].value), int(rows["birthday"].value)
    first = dt.date(year, 1, 1)
    gatherings = sum(1 for i in range(366) if (d := first + dt.timedelta(i)).year == year and d.day == day)
    answer = next(b for b in report.answers if "birthday gathering" in b)
    assert f"{gatherings} gatherings in {year} if none was skipped" in answer


def test_end_matter_names_what_is_missing(report):
    limits = report.block("Limitations").text
    for word in ("截至目前", "低保", "特困", "cost", "township"):
        assert word in limits, word
    questions = report.block("Questions the article leaves open").text
    assert "Ask:" in questions
    quotes = report.block("What the article says").text
    assert "So far" in quotes  # the relief sentence is quoted with its gloss
