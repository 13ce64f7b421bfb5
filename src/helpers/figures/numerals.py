"""Numeral cores: Arabic, full-width and Chinese numerals with magnitudes → numbers.

A *numeral core* is the number part of a figure, without its unit or qualifier:
``16.5亿``, ``１６．５``, ``3,000``, ``二千三百二十八点四九亿``, ``百分之十一``, ``5万``.
``parse_number`` turns one into an ``int`` (when the value is whole) or a ``float``;
the arithmetic is done in ``Decimal`` so ``16.5亿`` is exactly ``1650000000`` and no
float noise leaks out.

Conventions:

* Magnitudes multiply what comes before them: ``16.5亿`` = 16.5 × 10⁸, ``1.2万亿`` = 1.2 × 10¹²,
  ``3千万`` = 3 × 10⁷.
* A Chinese decimal applies before a trailing 万/亿: ``二千三百二十八点四九亿`` = 2328.49 × 10⁸.
* Colloquial abbreviations are read as speakers mean them: ``一万五`` = 15000,
  ``三千五`` = 3500 (a bare final digit after a magnitude counts in the next lower place).
* Digit-by-digit Chinese (``二〇二四``) is read as digits (2024), as in years.
* ``百分之十一`` and ``11%`` parse to 11: the number of percent; the ``%`` is the unit.
* ``两`` is 2, ``〇``/``零`` are 0.
* Traditional numeral characters read as their Simplified forms: ``萬`` ``億`` ``兩`` ``點``
  (``16.5億`` = 1650000000).
* Invisible characters are read across: ``1\u200b000`` = 1000, ``3\u200e000`` = 3000. They are
  every format character (Unicode category Cf: zero-width space, joiners, word joiner, BOM,
  soft hyphen, LRM/RLM/ALM, invisible operators, tags …) and the variation selectors (VS1–VS16).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

DIGIT = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
         "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
BIG_UNIT = {"万": 10**4, "亿": 10**8}
MAGNITUDE = {**SMALL_UNIT, **BIG_UNIT}

CN_DIGITS = "零〇○一二两三四五六七八九"
CN_CHARS = CN_DIGITS + "十百千万亿"

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，％", "0123456789.,%")
_NORMAL = {**_FULLWIDTH, **str.maketrans("萬億兩點", "万亿两点")}  # + Traditional numerals
# Characters that print as nothing: a number written across one is still one number.
INVISIBLE = "".join(
    [chr(c) for c in (*range(0x10000), *range(0xE0000, 0xE0080)) if unicodedata.category(chr(c)) == "Cf"]
    + [chr(c) for c in range(0xFE00, 0xFE10)])
_DROP_INVISIBLE = str.maketrans("", "", INVISIBLE)
_ARABIC_RE = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
_PERCENT_PREFIX = "百分之"


class NumberError(ValueError):
    """A string is not a numeral core this module can read; the message quotes it."""


def narrow(s: str) -> str:
    """Full-width digits, point, comma and percent sign → ASCII (same length, so offsets hold)."""
    return s.translate(_FULLWIDTH)


def normalize(s: str) -> str:
    """``narrow`` plus Traditional numeral characters → Simplified (same length, offsets hold)."""
    return s.translate(_NORMAL)


def parse_number(s: str) -> int | float:
    """The value of a numeral core (see the module docstring); ``NumberError`` if unreadable."""
    return to_native(parse_decimal(s))


def to_native(d: Decimal) -> int | float:
    """``int`` for whole values, else the nearest ``float`` of the exact decimal."""
    if d == d.to_integral_value():
        return int(d)
    return float(d)


def parse_decimal(s: str) -> Decimal:
    """Like ``parse_number`` but returns the exact ``Decimal``."""
    raw = s
    s = normalize(s.translate(_DROP_INVISIBLE).strip())
    if s.startswith(_PERCENT_PREFIX):
        s = s[len(_PERCENT_PREFIX):]
    if s.endswith("%"):
        s = s[:-1]
    if not s:
        raise NumberError(f"not a number: {raw!r}")
    try:
        if s[0].isascii() and s[0].isdigit():
            return _parse_mixed(s, raw)
        return _parse_chinese(s, raw)
    except (InvalidOperation, KeyError, IndexError):
        raise NumberError(f"not a number: {raw!r}") from None


def _parse_mixed(s: str, raw: str) -> Decimal:
    """Arabic digits, optionally followed by magnitude characters (``16.5亿``, ``3千万``)."""
    m = _ARABIC_RE.match(s)
    if not m:
        raise NumberError(f"not a number: {raw!r}")
    number = Decimal(m.group(1).replace(",", "") + ("." + m.group(2) if m.group(2) else ""))
    rest = s[m.end():]
    for ch in rest:
        if ch not in MAGNITUDE:
            raise NumberError(f"not a number: {raw!r} (unexpected {ch!r})")
        number *= MAGNITUDE[ch]
    return number


def _parse_chinese(s: str, raw: str) -> Decimal:
    """Chinese numerals with 点 decimals and trailing magnitudes."""
    if "点" in s:
        whole, _, frac_tail = s.partition("点")
        i = 0
        while i < len(frac_tail) and frac_tail[i] in DIGIT:
            i += 1
        frac, tail = frac_tail[:i], frac_tail[i:]
        if not frac or any(ch not in BIG_UNIT for ch in tail):
            raise NumberError(f"not a number: {raw!r}")
        value = Decimal(_parse_integer(whole, raw) if whole else 0)
        value += Decimal("0." + "".join(str(DIGIT[c]) for c in frac))
        for ch in tail:
            value *= BIG_UNIT[ch]
        return value
    return Decimal(_parse_integer(s, raw))


def _parse_integer(s: str, raw: str) -> int:
    """A whole Chinese numeral: positional (一百二十, 两万) or digit-by-digit (二〇二四)."""
    if any(ch not in DIGIT and ch not in MAGNITUDE for ch in s):
        raise NumberError(f"not a number: {raw!r}")
    if all(ch in DIGIT for ch in s):
        if len(s) > 1 and "两" in s:
            raise NumberError(f"not a number: {raw!r} (两 in digit-by-digit numeral)")
        return int(Decimal("".join(str(DIGIT[c]) for c in s)))  # no int(str) digit limit
    total = 0          # finished 亿/万 sections
    section = 0        # current section below 万
    digit = None       # pending digit
    last_unit = None   # the place of the last unit, for the abbreviation rule
    for ch in s:
        if ch in DIGIT:
            if DIGIT[ch] == 0:      # 零 ends an abbreviation: 一百零五 = 105
                digit, last_unit = None, None
                continue
            if digit is not None:
                raise NumberError(f"not a number: {raw!r} (two digits in a row)")
            digit = DIGIT[ch]
        elif ch in SMALL_UNIT:
            section += (1 if digit is None else digit) * SMALL_UNIT[ch]
            digit, last_unit = None, SMALL_UNIT[ch]
        else:
            place = BIG_UNIT[ch]
            section += _tail(digit, last_unit)
            if section == 0 and total == 0:
                section = 1
            total = (total + section) * place if ch == "亿" else total + section * place
            section, digit, last_unit = 0, None, place
    return total + section + _tail(digit, last_unit)


def _tail(digit: int | None, last_unit: int | None) -> int:
    """A final bare digit: ``一万五`` → 5 × 1000, ``三千五`` → 5 × 100, ``二十五`` → 5."""
    if digit is None:
        return 0
    if last_unit and last_unit >= 100:
        return digit * (last_unit // 10)
    return digit


# ---------------------------------------------------------------- formatting

_CN = "零一二三四五六七八九"


def to_chinese(n: int | float | Decimal | str) -> str:
    """A non-negative number in standard Chinese numerals: 120 → 一百二十, 11 → 十一,
    105 → 一百零五, 1.5 → 一点五, 232849000000 → 二千三百二十八亿四千九百万."""
    d = Decimal(str(n))
    if d < 0 or not d.is_finite():
        raise NumberError(f"to_chinese needs a finite non-negative number, got {n!r}")
    whole = int(d)
    text = _int_to_chinese(whole)
    frac = format(d - whole, "f").rstrip("0").rstrip(".")
    if frac.startswith("0."):
        text += "点" + "".join(_CN[int(c)] for c in frac[2:])
    return text


def _int_to_chinese(n: int) -> str:
    """Whole numbers; 一十 at the front is written 十 (十一, 十万)."""
    if n == 0:
        return "零"
    text = _big_to_chinese(n)
    return text[1:] if text.startswith("一十") else text


def _big_to_chinese(n: int) -> str:
    for place, name in ((10**8, "亿"), (10**4, "万")):
        if n >= place:
            high, low = divmod(n, place)
            text = _big_to_chinese(high) + name
            if low:
                text += ("零" if low < place // 10 else "") + _big_to_chinese(low)
            return text
    return _section(n)


def _section(n: int) -> str:
    """0 < n < 10000 without leading zero: 1005 → 一千零五, 120 → 一百二十."""
    out, zero = [], False
    for place, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, place)
        if digit:
            if zero:
                out.append("零")
            out.append(_CN[digit] + name)
            zero = False
        elif out:
            zero = True
    return "".join(out)


def to_mixed(n: int | float | Decimal, digits: int = 4) -> str:
    """Arabic mantissa with 万/亿 as Chinese papers print it: 1650000000 → 16.5亿,
    150000 → 15万, 1634 → 1634 (at most ``digits`` decimals, trailing zeros dropped)."""
    d = Decimal(str(n))
    for place, name in ((Decimal(10**8), "亿"), (Decimal(10**4), "万")):
        if abs(d) >= place:
            return plain(d / place, digits) + name
    return plain(d, digits)


def plain(d: int | float | Decimal, digits: int = 4) -> str:
    """A number without exponent or float noise, rounded to ``digits`` decimals."""
    q = Decimal(str(d)).quantize(Decimal(1).scaleb(-digits)) if digits else Decimal(str(d)).quantize(Decimal(1))
    text = format(q, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def to_fullwidth(s: str) -> str:
    """ASCII digits, point and percent → full-width (the inverse of ``normalize``)."""
    return s.translate(str.maketrans("0123456789.%", "０１２３４５６７８９．％"))
