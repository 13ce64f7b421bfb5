"""Numbers for readers: thousands separators, significant figures, yuan in words, days as
"5 March", and the mixed Chinese form (16.5亿). Rounding never overstates a bound."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from helpers.errors import DeskError
from helpers.figures import numerals

ROUNDING = {"half_up": ROUND_HALF_UP, "down": ROUND_FLOOR, "up": ROUND_CEILING}


class QuantityError(DeskError):
    """A quantity that cannot be computed or written for readers (a vague figure, None, infinity,
    a date that is not a day)."""


def _rounded(x, digits: int, rounding: str) -> Decimal:
    """``x`` as a Decimal: whole values as they are, others to ``digits`` significant figures,
    rounded "half_up", "down" (toward minus infinity: for floors) or "up" (for ceilings)."""
    if x is None:
        raise QuantityError("no number to format (None)")
    if rounding not in ROUNDING:
        raise QuantityError(f"unknown rounding {rounding!r}; use one of {', '.join(ROUNDING)}")
    d = Decimal(str(x))
    if not d.is_finite():
        raise QuantityError(f"cannot format {x!r}")
    if d != d.to_integral_value():
        d = d.quantize(Decimal(1).scaleb(d.adjusted() + 1 - digits), rounding=ROUNDING[rounding])
    return d


def fmt_number(x, digits: int = 3, rounding: str = "half_up") -> str:
    """Reader formatting: whole values in full with separators (1,634; 550,000), others to
    ``digits`` significant figures (1.64; 217,000; 0.3). Never float noise or exponents.
    ``rounding``: "half_up", "down" (a floor: never overstate it) or "up" (a ceiling)."""
    d = _rounded(x, digits, rounding)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    text = format(d, "f").rstrip("0").rstrip(".")
    sign, body = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, frac = body.partition(".")
    return f"{sign}{int(whole):,}" + (f".{frac}" if frac else "")


def fmt_yuan(x, digits: int = 3, rounding: str = "half_up") -> str:
    """Money for English readers: 1.65 billion yuan, 1.3 million yuan, 550,000 yuan.

    The scale word is chosen after rounding, so 999,999.6 reads "1 million yuan"."""
    d = _rounded(x, digits, rounding)
    for scale, word in ((Decimal(10**9), "billion"), (Decimal(10**6), "million")):
        if abs(d) >= scale:
            return f"{fmt_number(d / scale, digits, rounding)} {word} yuan"
    return f"{fmt_number(d, digits, rounding)} yuan"


def fmt_day_month(date) -> str:
    """A day for English readers, "5 March", from a ledger date ("XXXX-03-05", "2024-03-05") or a date."""
    import calendar
    import datetime

    if isinstance(date, datetime.date):
        month, day = date.month, date.day
    else:
        parts = str(date).removeprefix("XXXX-").split("-")
        if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
            raise QuantityError(f"fmt_day_month: {date!r} is not a day (XXXX-MM-DD or YYYY-MM-DD)")
        month, day = (int(p) for p in parts[-2:])
    if not 1 <= month <= 12:
        raise QuantityError(f"fmt_day_month: {date!r} has no month {month}")
    return f"{day} {calendar.month_name[month]}"


def _zh_number(x, digits: int, rounding: str = "half_up") -> str:
    """16.5亿, 55万, 1634; a non-whole value rounded to ``digits`` significant figures first."""
    d = Decimal(str(x))
    if d != d.to_integral_value():
        d = Decimal(fmt_number(d, digits, rounding).replace(",", ""))
    return numerals.to_mixed(d, digits=8)
