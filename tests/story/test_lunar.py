"""helpers.lunar: the lunar schedule is read from the text and counted correctly.

The count of meal days is checked against an independent implementation (the
``lunardate`` package, a different lunar table and code base) over every day of the
year, and against one month worked out by hand from well-known dates.
"""

from __future__ import annotations

import datetime as dt

import pytest
from lunardate import LunarDate

from helpers.page import manifest
from helpers.story import lunar

FIVE_AND_TEN = tuple(d for d in range(1, 31) if d % 5 == 0)


def lunardate_day(date: dt.date) -> LunarDate:
    """The lunar date by ``lunardate`` (``from_solar_date``: the non-deprecated ``fromSolarDate``)."""
    return LunarDate.from_solar_date(date.year, date.month, date.day)


# --- the rule phrase -------------------------------------------------------------------

def test_rule_five_and_ten_means_days_ending_in_5_or_0():
    assert lunar.rule_days("逢五、逢十") == FIVE_AND_TEN


@pytest.mark.parametrize(
    "phrase, days",
    [("逢一", (1, 11, 21)), ("逢十", (10, 20, 30)), ("逢三逢八", (3, 8, 13, 18, 23, 28)), ("逢二和逢七", (2, 7, 12, 17, 22, 27))],
)
def test_rule_other_phrases(phrase, days):
    assert lunar.rule_days(phrase) == days


@pytest.mark.parametrize("phrase", ["", "逢", "每月逢五", "逢五、初六", "逢五x"])
def test_rule_rejects_anything_else(phrase):
    with pytest.raises(ValueError, match="not a lunar"):
        lunar.rule_days(phrase)


def test_find_rule_gives_phrase_and_offsets():
    text = "前文。每月农历逢五、逢十，是送餐的日子。"
    rule = lunar.find_rule(text)
    assert rule.phrase == "逢五、逢十"
    assert text[rule.start:rule.end] == rule.phrase
    assert rule.days == FIVE_AND_TEN


@pytest.mark.parametrize("text", ["没有农历规则。", "农历逢五送餐，农历逢十理发。"])
def test_find_rule_needs_exactly_one(text):
    with pytest.raises(ValueError, match="exactly one"):
        lunar.find_rule(text)


def test_find_rule_on_the_page_itself():
    """The schedule is read from the source page, where the 百崎 station's meal days are printed."""
    text = manifest.verify(manifest.entry()).decode("utf-8")
    rule = lunar.find_rule(text)
    assert text[rule.start:rule.end] == "逢五、逢十"
    assert rule.days == FIVE_AND_TEN


# --- the calendar ----------------------------------------------------------------------

@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024])
def test_meal_days_match_lunardate_every_day(year):
    """Every date of the year, converted by lunardate, agrees with meal_days (both ways)."""
    expected = [d for d in lunar.days_of_year(year) if lunardate_day(d).day in FIVE_AND_TEN]
    assert lunar.meal_days(year, FIVE_AND_TEN) == expected


def test_lunar_day_matches_lunardate_including_leap_months():
    for d in lunar.days_of_year(2023):
        ld = lunardate_day(d)
        assert lunar.lunar_day(d) == (ld.month, ld.day, ld.is_leap_month), d


def test_january_2023_by_hand():
    """Worked by hand: 除夕 (lunar 12/30) was 21 Jan 2023 and 春节 (1/1) 22 Jan, so 腊月初一 was
    23 Dec 2022 (30-day month): 初十 = 1 Jan, then every 5 days to 三十 = 21 Jan; 正月初五 = 26 Jan,
    初十 = 31 Jan. Seven meal days."""
    january = [d for d in lunar.meal_days(2023, FIVE_AND_TEN) if d.month == 1]
    assert [d.day for d in january] == [1, 6, 11, 16, 21, 26, 31]
    assert lunar.lunar_label(dt.date(2023, 1, 21)) == "腊月三十"
    assert lunar.lunar_label(dt.date(2023, 2, 5)) == "正月十五"   # 元宵 (Lantern Festival) 2023


def test_29_day_month_has_no_thirtieth():
    """正月 2023 ran 22 Jan – 19 Feb (29 days; 二月初一 was 20 Feb): no meal day after 正月廿五 (15 Feb)
    until 二月初五 (24 Feb); the schedule is not moved to the 29th."""
    feb = [d.day for d in lunar.meal_days(2023, FIVE_AND_TEN) if d.month == 2]
    assert feb == [5, 10, 15, 24]
    assert lunar.lunar_day(dt.date(2023, 2, 19)) == (1, 29, False)


def test_leap_month_counts_as_a_month():
    """2023 has a 闰二月 (22 Mar – 19 Apr); its 初五 (26 Mar) is a meal day."""
    assert lunar.lunar_day(dt.date(2023, 3, 26)) == (2, 5, True)
    assert lunar.lunar_label(dt.date(2023, 3, 26)) == "闰二月初五"
    assert dt.date(2023, 3, 26) in lunar.meal_days(2023, FIVE_AND_TEN)


def test_meal_days_rejects_impossible_lunar_days():
    with pytest.raises(ValueError, match="1..30"):
        lunar.meal_days(2023, (0, 31))


def test_by_month_keeps_all_twelve_months_and_sums_to_total():
    days = lunar.meal_days(2023, FIVE_AND_TEN)
    counts = lunar.by_month(days)
    assert list(counts) == list(range(1, 13))
    assert sum(counts.values()) == len(days)
    assert counts[1] == 7 and counts[2] == 4


def test_by_month_refuses_mixed_years():
    with pytest.raises(ValueError, match="several years"):
        lunar.by_month([dt.date(2022, 12, 31), dt.date(2023, 1, 1)])


def test_days_of_year_handles_leap_years():
    assert len(lunar.days_of_year(2023)) == 365
    assert len(lunar.days_of_year(2024)) == 366


@pytest.mark.parametrize("year", [1950, 2020, 2023, 2024, 2033, 2099])
def test_year_table_is_lunar_day_for_every_date(year):
    """The month-by-month table gives exactly what the per-date lookup gives (2033 has the
    leap eleventh month that straddles the Gregorian new year)."""
    assert lunar.year_table(year) == {d: lunar.lunar_day(d) for d in lunar.days_of_year(year)}
