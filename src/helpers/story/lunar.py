"""Lunar-calendar helpers: which Gregorian dates a 农历 (lunar) schedule falls on.

Chinese services are often scheduled by the lunar calendar ("每月农历逢五、逢十": on
lunar days ending in five or ten). To count how often such a service runs in a
Gregorian year, we convert every day of that year with ``lunar-python`` and keep the
days whose lunar day-of-month is in the schedule.

Conventions (stated so a reader can check them):

* A lunar month has 29 or 30 days. A 29-day month has no 30th, so "逢十" gives it only
  the 10th and 20th; the schedule is not moved to the 29th.
* A leap month (闰月, e.g. 闰二月 in 2023) is a month like any other: it gets its own
  5th, 10th, ... 30th.
* Dates are counted by the Gregorian year they fall in, so a lunar month that straddles
  1 January contributes to both years.

The schedule itself is read from the article's wording (``find_rule``), not typed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from lunar_python import Solar

MAX_LUNAR_DAY = 30

# The Chinese numerals a "逢X" rule can use: 逢一 … 逢九 name a final digit, 逢十 names 0.
DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 0}

_TERM = re.compile(r"逢([一二三四五六七八九十])")
# "农历" then one or more "逢X" joined by 、 , ， 和 与 or nothing.
_RULE = re.compile(r"农历((?:逢[一二三四五六七八九十])(?:[、,，和与]?逢[一二三四五六七八九十])*)")


@dataclass(frozen=True)
class LunarRule:
    """A lunar schedule as printed: the phrase, its offsets in the text given, the days it means."""

    phrase: str                 # e.g. "逢五、逢十"
    days: tuple[int, ...]       # lunar days of the month, e.g. (5, 10, 15, 20, 25, 30)
    start: int                  # text[start:end] == phrase
    end: int


def rule_days(phrase: str) -> tuple[int, ...]:
    """Lunar days meant by a phrase such as "逢五、逢十" (days ending in 5 or in 0).

    Raises ``ValueError`` naming the phrase when it holds no "逢X" term or anything else
    besides the terms and their separators.
    """
    terms = _TERM.findall(phrase)
    leftover = re.sub(r"[、,，和与\s]", "", _TERM.sub("", phrase))
    if not terms or leftover:
        raise ValueError(f"not a lunar 逢X rule: {phrase!r}")
    endings = {DIGITS[t] for t in terms}
    return tuple(d for d in range(1, MAX_LUNAR_DAY + 1) if d % 10 in endings)


def find_rule(text: str) -> LunarRule:
    """The one "农历逢…" schedule in ``text``, with its offsets; fails unless there is exactly one."""
    matches = list(_RULE.finditer(text))
    if len(matches) != 1:
        found = [m.group(0) for m in matches]
        raise ValueError(f"expected exactly one 农历逢… rule in the text, found {len(matches)}: {found}")
    m = matches[0]
    phrase = m.group(1)
    return LunarRule(phrase=phrase, days=rule_days(phrase), start=m.start(1), end=m.end(1))


def lunar_day(date: dt.date) -> tuple[int, int, bool]:
    """(lunar month, lunar day, is-leap-month) of a Gregorian date."""
    lunar = Solar.fromYmd(date.year, date.month, date.day).getLunar()
    month = lunar.getMonth()                    # lunar-python marks a leap month as negative
    return abs(month), lunar.getDay(), month < 0


def lunar_label(date: dt.date) -> str:
    """The lunar date in Chinese, e.g. "闰二月初五" (for tables a reader can check)."""
    lunar = Solar.fromYmd(date.year, date.month, date.day).getLunar()
    return f"{lunar.getMonthInChinese()}月{lunar.getDayInChinese()}"


def days_of_year(year: int) -> list[dt.date]:
    """Every Gregorian date of ``year``, in order."""
    first = dt.date(year, 1, 1)
    count = (dt.date(year + 1, 1, 1) - first).days
    return [first + dt.timedelta(days=i) for i in range(count)]


def meal_days(year: int, lunar_days: Iterable[int] = (5, 10, 15, 20, 25, 30)) -> list[dt.date]:
    """Gregorian dates in ``year`` whose lunar day-of-month is in ``lunar_days``.

    See the module docstring for 29-day months (no 30th) and leap months (counted).
    """
    wanted = set(lunar_days)
    bad = sorted(d for d in wanted if not 1 <= d <= MAX_LUNAR_DAY)
    if bad:
        raise ValueError(f"lunar days must be 1..{MAX_LUNAR_DAY}, got {bad}")
    table = year_table(year)
    return [d for d in days_of_year(year) if table[d][1] in wanted]


def year_table(year: int) -> dict[dt.date, tuple[int, int, bool]]:
    """``lunar_day`` for every date of ``year`` at once, from the lunar months that cover it.

    The same lookup ``lunar-python`` does per date (the first of ``LunarYear.getMonths()``
    holding the date), done once per month instead of once per day: ~100x faster.
    """
    from lunar_python import LunarYear

    table: dict[dt.date, tuple[int, int, bool]] = {}
    for month in LunarYear.fromYear(year).getMonths():
        solar = Solar.fromJulianDay(month.getFirstJulianDay())
        first = dt.date(solar.getYear(), solar.getMonth(), solar.getDay())
        for i in range(month.getDayCount()):
            day = first + dt.timedelta(days=i)
            if day.year == year:
                table.setdefault(day, (abs(month.getMonth()), i + 1, month.getMonth() < 0))
    missing = [d for d in days_of_year(year) if d not in table]
    if missing:
        raise ValueError(f"lunar-python's months for {year} do not cover {missing[0]}")
    return table


def by_month(dates: Iterable[dt.date]) -> dict[int, int]:
    """Count dates per Gregorian month, 1..12 all present (zeros kept); dates must share a year."""
    dates = list(dates)
    years = {d.year for d in dates}
    if len(years) > 1:
        raise ValueError(f"dates span several years: {sorted(years)}")
    counts = dict.fromkeys(range(1, 13), 0)
    for d in dates:
        counts[d.month] += 1
    return counts
