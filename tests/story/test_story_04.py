"""Story 04 (Spring Festival transport): the report's numbers, recomputed independently
from the ledger rows and chinese_calendar, and the prose it shows (the committed
reports/<stem>.html and its CSVs, read by tests/reports_read.py)."""

from __future__ import annotations

import datetime as dt
import json

import chinese_calendar
import pytest
import reports_read

from helpers import paths
from helpers.figures import ledger

STEM = "04-spring-transport"
NOTEBOOK = paths.NOTEBOOKS / f"{STEM}.ipynb"


@pytest.fixture(scope="module")
def season():
    """First day, last day and stated day count, read straight from the ledger rows."""
    led = ledger.load()
    art = led.article("春运")
    days = led.get(article=art, unit="天")
    same = [f for f in led.rows if f.article == art and f.sentence == days.sentence]
    year = next(int(f.value) for f in same if f.unit == "年")
    first, last = (dt.date(year, *map(int, f.date.removeprefix("XXXX-").split("-"))) for f in same if f.unit == "日")
    return first, last, days


@pytest.fixture(scope="module")
def fleet():
    led = ledger.load()
    art = led.article("春运")
    anchor = led.get(article=art, near="共投入")
    parts = [f for f in led.rows if f.article == art and f.unit == "部" and f.sentence == anchor.sentence]
    reserve = [f for f in led.rows if f.article == art and f.sentence != anchor.sentence and f.unit in ("部", "辆")]
    return parts, reserve


@pytest.fixture(scope="module")
def text(report):
    """All reader text of the page (tags removed, entities decoded, whitespace collapsed)."""
    return report.text


def test_inclusive_day_count_matches_the_article(season):
    first, last, days = season
    assert (last - first).days + 1 == days.value


def test_report_shows_only_reader_blocks(report):
    """The build drops streams and fails on errors; what is left must all be reader blocks."""
    assert not reports_read.leaks(report)


def test_notebook_is_saved_without_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_findings_carry_the_day_count_and_split(season, text):
    first, last, days = season
    n = (last - first).days + 1
    span = [first + dt.timedelta(days=i) for i in range(n)]
    off = [d for d in span if chinese_calendar.is_holiday(d)]
    named = [d for d in off if chinese_calendar.get_holiday_detail(d)[1]]
    makeup = [d for d in span if chinese_calendar.is_workday(d) and d.weekday() >= 5]
    ordinary = [d for d in span if chinese_calendar.is_workday(d) and d.weekday() < 5]
    assert f"{n} days counting both the first and the last day" in text
    assert f"{len(named)} of those days are official days off for the Spring Festival" in text
    assert "statutory holiday" not in text.replace("not all of them statutory holidays", "").replace(
        "not all are statutory holidays", "")
    lieu = [d for d in named if chinese_calendar.is_in_lieu(d)]
    assert lieu and all(f"{d.day} {d:%B}" in text for d in lieu) and "days off in lieu" in text
    assert f"{len(makeup)} weekend days are worked in exchange" in text
    assert f"{len(ordinary)} are ordinary working days" in text
    assert "leap year" in text


def test_fleet_total_shares_and_reserve(fleet, report, text):
    parts, reserve = fleet
    total = sum(int(f.value) for f in parts)
    assert f"{total:,} vehicles in all" in text
    for f in parts:
        assert f"{int(f.value)} " in text and f"({f.value / total * 100:.1f}%)" in text
    assert f"{sum(int(f.value) for f in reserve)} vehicles" in text and "are also held in reserve" in text
    assert "A further" not in text
    assert f"does not say whether they are extra to the {total:,}" in text
    assert f"is deploying {total:,} vehicles for the season" in text and "put into service" not in text.replace(
        "(in all, during the season, put into service)", "")
    assert "on the road" not in text
    assert f"between {total:,} and {total + sum(int(f.value) for f in reserve):,} vehicles" in text
    assert len(report.csv("fleet")) == len(parts)


def test_calendar_strip_chart_has_one_row_a_day(season, report):
    first, last, _ = season
    chart = report.charts["season-days"]
    rows = chart.data.text.splitlines()
    assert rows[0] == "date,weekday,kind,holiday,in_lieu"
    assert "statutory" not in chart.data.text and "statutory" not in chart.alt
    assert len(rows) - 1 == (last - first).days + 1
    assert rows[1].startswith(first.isoformat()) and rows[-1].startswith(last.isoformat())
    assert chart.alt and chart.title


def test_prose_says_what_the_article_does_not_give(text):
    assert "first Spring Festival season" in text
    assert "no passenger forecast" in text and "no number of trains a day" in text

