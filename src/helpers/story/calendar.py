"""Date arithmetic for claims like "从1月26日开始至3月5日结束,共40天".

Two jobs, kept apart:

* ``inclusive_days(start, end)``: how many calendar days a span covers when both the
  first and the last day count (the way Chinese notices count 共N天).
* ``day_table(start, end)`` / ``split(start, end)``: what kind of day each one is under
  the State Council's holiday arrangement, as published in the ``chinese_calendar``
  package: an official day off of a named holiday, a make-up working day (a weekend day
  worked in exchange, 调休上班), an ordinary weekend day, or an ordinary working day.

An "official day off" is not the same as a statutory holiday day: the State Council's
arrangement builds a run of days off from the statutory days, weekends and days in lieu
(paid for by the make-up working days). chinese_calendar marks the days in lieu
(``is_in_lieu``, the ``in_lieu`` column of ``day_table``) but not which days are statutory,
so this module never calls a day statutory.

The module is named for what it does; inside the package it never shadows the standard
library's ``calendar`` (imports are absolute).
"""

from __future__ import annotations

import datetime as dt
import re

import chinese_calendar

from helpers.errors import DeskError

HOLIDAY = "official day off"
MAKEUP = "make-up working day"
WEEKEND = "weekend"
WORKDAY = "ordinary working day"
KINDS = (HOLIDAY, MAKEUP, WEEKEND, WORKDAY)
"""The day kinds, in the order charts and tables show them."""

SATURDAY = dt.date(2024, 1, 6).weekday()  # a known Saturday, so no magic number


class CalendarError(DeskError):
    """A span or a date the arithmetic cannot handle; the message names it."""


def make_date(year: int, month: int, day: int) -> dt.date:
    """A date from its parts, with an error that names the impossible date."""
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError as e:
        raise CalendarError(f"no such date: {year}-{month}-{day} ({e})") from None


def month_day(iso: str) -> tuple[int, int]:
    """(month, day) of a ledger date (its ``date`` column): "XXXX-01-26" or "2024-01-26"."""
    m = re.fullmatch(r"(?:\d{4}|XXXX)-(\d{2})-(\d{2})", iso or "")
    if not m:
        raise CalendarError(f"ledger date {iso!r} has no month and day (expected XXXX-MM-DD or YYYY-MM-DD)")
    return int(m.group(1)), int(m.group(2))


def span(year: int, start: tuple[int, int], end: tuple[int, int]) -> tuple[dt.date, dt.date]:
    """The dates of a span written as month/day pairs in `year`.

    A span whose end month/day comes before its start (12月20日…1月5日) runs into the
    next year, which is how such notices are read.
    """
    first = make_date(year, *start)
    last = make_date(year, *end)
    if last < first:
        last = make_date(int(year) + 1, *end)
    return first, last


def inclusive_days(start: dt.date, end: dt.date) -> int:
    """Days from `start` to `end`, counting both ends: (end - start) + 1."""
    if end < start:
        raise CalendarError(f"span ends ({end}) before it starts ({start})")
    return (end - start).days + 1


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every date from `start` to `end`, both included."""
    return [start + dt.timedelta(days=i) for i in range(inclusive_days(start, end))]


def holiday_name(day: dt.date) -> str | None:
    """The holiday a day belongs to in the official arrangement (days off and the
    make-up working days that pay for them), or None."""
    _, name = _detail(day)
    return name


def classify(day: dt.date) -> str:
    """One of KINDS for `day`, from chinese_calendar's is_holiday/is_workday."""
    off, name = _detail(day)
    weekend = day.weekday() >= SATURDAY
    if off:
        return HOLIDAY if name else WEEKEND
    return MAKEUP if weekend else WORKDAY


def day_table(start: dt.date, end: dt.date) -> "pandas.DataFrame":
    """One row per day of the span: date, weekday, kind, holiday (name or ""), in_lieu
    (True for a day off in lieu of a worked weekend day)."""
    import pandas as pd  # here, not at module level: checks imports this module

    rows = [
        {
            "date": d.isoformat(),
            "weekday": d.strftime("%a"),
            "kind": classify(d),
            "holiday": holiday_name(d) or "",
            "in_lieu": in_lieu(d),
        }
        for d in days(start, end)
    ]
    return pd.DataFrame(rows, columns=["date", "weekday", "kind", "holiday", "in_lieu"])


def split(start: dt.date, end: dt.date) -> dict[str, int]:
    """How many days of the span fall in each kind, in KINDS order (zeros kept)."""
    counts = dict.fromkeys(KINDS, 0)
    for d in days(start, end):
        counts[classify(d)] += 1
    return counts


def holiday_days(start: dt.date, end: dt.date, name: str) -> list[dt.date]:
    """The official days off of holiday `name` (e.g. "Spring Festival") inside the span."""
    return [d for d in days(start, end) if classify(d) == HOLIDAY and holiday_name(d) == name]


def in_lieu(day: dt.date) -> bool:
    """True for a day off given in lieu of a weekend day worked (chinese_calendar.is_in_lieu)."""
    _detail(day)  # fails loudly outside the package's years
    return bool(chinese_calendar.is_in_lieu(day))


def _detail(day: dt.date) -> tuple[bool, str | None]:
    try:
        return chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        raise CalendarError(
            f"{day}: outside the years chinese_calendar knows; the holiday split cannot be made"
        ) from None
