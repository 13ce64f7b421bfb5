"""Date arithmetic: inclusive counts and the holiday split, checked against chinese_calendar."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from helpers.story import calendar as cal

D = dt.date


def test_inclusive_count_counts_both_ends():
    assert cal.inclusive_days(D(2024, 1, 26), D(2024, 1, 26)) == 1
    assert cal.inclusive_days(D(2024, 1, 26), D(2024, 1, 27)) == 2


def test_spring_transport_2024_is_40_days_because_2024_is_a_leap_year():
    first, last = cal.span(2024, (1, 26), (3, 5))
    assert cal.inclusive_days(first, last) == 40
    # The same month/day span in a common year is one day shorter.
    first, last = cal.span(2023, (1, 26), (3, 5))
    assert cal.inclusive_days(first, last) == 39


def test_span_running_into_the_next_year():
    first, last = cal.span(2024, (12, 30), (1, 2))
    assert (first, last) == (D(2024, 12, 30), D(2025, 1, 2))
    assert cal.inclusive_days(first, last) == 4


def test_impossible_dates_and_backward_spans_fail_loudly():
    with pytest.raises(cal.CalendarError, match="2023-2-29"):
        cal.make_date(2023, 2, 29)
    with pytest.raises(cal.CalendarError, match="before it starts"):
        cal.inclusive_days(D(2024, 3, 5), D(2024, 1, 26))


def test_split_agrees_with_chinese_calendar_day_by_day():
    first, last = cal.span(2024, (1, 26), (3, 5))
    table = cal.day_table(first, last)
    assert len(table) == 40
    for row in table.itertuples():
        day = D.fromisoformat(row.date)
        off = chinese_calendar.is_holiday(day)
        assert off != chinese_calendar.is_workday(day)
        weekend = day.isoweekday() in (6, 7)
        if row.kind == cal.HOLIDAY:
            assert off and row.holiday
        elif row.kind == cal.WEEKEND:
            assert off and weekend and not row.holiday
        elif row.kind == cal.MAKEUP:
            assert not off and weekend
        else:
            assert row.kind == cal.WORKDAY and not off and not weekend
    counts = cal.split(first, last)
    assert list(counts) == list(cal.KINDS)
    assert sum(counts.values()) == 40
    assert counts == table["kind"].value_counts().reindex(cal.KINDS, fill_value=0).to_dict()


def test_spring_festival_2024_holiday_and_makeup_days():
    first, last = cal.span(2024, (1, 26), (3, 5))
    festival = cal.holiday_days(first, last, "Spring Festival")
    # The State Council's 2024 arrangement: 10-17 February off; 4 and 18 February worked.
    assert festival == [D(2024, 2, d) for d in range(10, 18)]
    table = cal.day_table(first, last).set_index("date")
    assert table.loc["2024-02-04", "kind"] == cal.MAKEUP
    assert table.loc["2024-02-18", "kind"] == cal.MAKEUP
    assert table.loc["2024-02-18", "holiday"] == "Spring Festival"
    assert table.loc["2024-01-27", "kind"] == cal.WEEKEND
    # Counted by hand from a 2024 wall calendar: ordinary weekends are 27-28 Jan, 3 Feb,
    # 24-25 Feb and 2-3 Mar (4 Feb and 18 Feb are worked; 10, 11 and 17 Feb are holiday).
    assert cal.split(first, last) == {cal.HOLIDAY: 8, cal.MAKEUP: 2, cal.WEEKEND: 7, cal.WORKDAY: 23}


def test_years_outside_the_package_fail_loudly():
    with pytest.raises(cal.CalendarError, match="1990-01-01"):
        cal.classify(D(1990, 1, 1))


def test_month_day_reads_ledger_dates():
    assert cal.month_day("XXXX-01-26") == (1, 26)
    assert cal.month_day("2024-03-05") == (3, 5)
    with pytest.raises(cal.CalendarError, match="2021-04"):
        cal.month_day("2021-04")


def test_days_off_are_not_all_statutory_some_are_in_lieu():
    """10-17 Feb 2024 are days off, but only some are statutory: 15-16 Feb are days in
    lieu of the two worked Sundays, and 10, 11 and 17 Feb are weekend days."""
    first, last = cal.span(2024, (1, 26), (3, 5))
    assert "statutory" not in cal.HOLIDAY
    table = cal.day_table(first, last).set_index("date")
    off = table[table["kind"] == cal.HOLIDAY]
    lieu = [d for d in off.index if off.loc[d, "in_lieu"]]
    assert lieu == ["2024-02-15", "2024-02-16"]
    assert all(chinese_calendar.is_in_lieu(D.fromisoformat(d)) for d in lieu)
    assert [d for d in off.index if off.loc[d, "weekday"] in ("Sat", "Sun")] == ["2024-02-10", "2024-02-11", "2024-02-17"]
    assert not table["in_lieu"][table["kind"] != cal.HOLIDAY].any()
