"""Numeral runs: every way a Chinese page writes the number part of a figure → value and bounds.

``helpers.numbers`` reads one numeral core in the forms the first pages used; this module reads a
whole *numeral run* (``RUN_RE``): the longest stretch of numeral characters that can belong to one
number, so the ledger either reads a run whole or lists it as unread, never giving part of it a
value. The unit, qualifier words (超, 余, 以上 …), shares (成, 折), signs and money tails (元整,
角, 分) stay the ledger's; this module reads only the characters of the run itself.

Forms read (each tested in ``tests/figures/test_runs.py``):

* Positional Chinese (一百二十, 十万, 两万五千), with the colloquial tail (一万五 = 15000,
  一百二 = 120, 一百二十万三 = 1203000) and 零 placeholders (一千零一, 十万零一千).
* Arabic with magnitudes (16.5亿, 3千万, 1.2万亿) and *mixed writing*: a magnitude followed by
  the lower places in Arabic or Chinese (1万600 = 10600, 100万三千 = 1003000, 1百01 = 101,
  200亿零四千230 = 20000004230). A single Arabic digit after a magnitude (1万6: 16000 or 10006?)
  is ambiguous and not read.
* Financial capitals (壹贰叁肆伍陆柒捌玖拾佰仟, 貳參陸 too) exactly like the lower-case forms.
  A run of them never mixes with lower-case numerals (队伍三千人 is 伍 + 三千).
* 廿 卅 卌 = 20, 30, 40 (廿五 = 25).
* Digit by digit (二〇二四 = 2024, 一七二零点一 = 1720.1), also before 万/亿 (一二一亿 = 12100000000).
  Two digits are digit by digit (一一 = 11) unless they are an approximate pair.
* Approximate pairs: two neighbouring digits in one place (七八, 两三, 四五十, 二三十万, 十七八,
  一千五六百), also 一两, 三两 and 三五. Qualifier ``about``, no value, bounds = the number read
  with the smaller and with the larger digit (两三千 → 2000–3000, 二三十万 → 200000–300000).
* Vague places: 几 stands for 1–9 after a magnitude (十几 = 11–19, 二十几万 = 210000–290000) and
  for 2–9 before one (几十 = 20–90); 数 before a magnitude is 2–9 of it (数十万 = 200000–900000).
  Qualifier ``about`` with those bounds.
* Fractions ``X分之Y`` as percent: 百分之十五 = 15, 三分之一 = 33.33…, 四分之三 = 75,
  千分之五 = 0.5 (``Reading.percent`` is True).
* 点 decimals (二千三百二十八点四九亿 = 232849000000, 一百点123 = 100.123).

Anything else in a run raises ``NumberError``; the ledger then lists the run as unread.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from decimal import Decimal

from helpers.figures.numerals import NumberError

LOWER_DIGITS = "零〇○一二两三四五六七八九"
CAPITAL_DIGITS = "壹贰貳叁參肆伍陆陸柒捌玖"
ANCIENT = {"廿": "二十", "卅": "三十", "卌": "四十"}
SMALL = "十百千"
BIG = "万亿"
CAPITAL_SMALL = "拾佰仟"
# Capitals that are also everyday characters (队伍, 大陆): a run of only these needs 元/圆.
AMBIGUOUS_CAPITALS = set("伍陆陸")
# Numeral characters but 千 (which may open 千瓦, 千米, 千克 after a number).
NOT_KILO = LOWER_DIGITS + CAPITAL_DIGITS + CAPITAL_SMALL + "十百万亿廿卅卌"
_TO_LOWER = str.maketrans("壹贰貳叁參肆伍陆陸柒捌玖拾佰仟〇○", "一二二三三四五六六七八九十百千零零")

DIGIT = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
PLACE = {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}
# Approximate pairs besides neighbouring digits: (smaller, larger) as written.
PAIRS = {("三", "两"), ("三", "五")}

_AR = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_LOW_MAG = f"[{SMALL}{BIG}]"
_CAP_MAG = f"[{CAPITAL_SMALL}{BIG}]"
_JI = rf"(?:几(?={_LOW_MAG})|(?<=[{SMALL}{BIG}])几)"
_AR_RE = re.compile(_AR)
_LOW_GROUP = rf"(?:[零〇]*{_AR}|(?:[{LOWER_DIGITS}廿卅卌]|{_JI})+)"
_POINT_LOW = rf"(?:点(?:[{LOWER_DIGITS}]+|\d+))"
# A lower-case run: groups joined by magnitudes (a group after the first follows a magnitude),
# an optional 点 part, more magnitudes. 数 opens a run only before a magnitude.
# 数 after these is part of a word (人数, 次数, 总数, 无数 …), not "several".
NOT_VAGUE_SHU = "人次户件总个岁分指基倍多少无半参系读票字位步函算"
LOW_RUN = (rf"(?:(?<![{NOT_VAGUE_SHU}])数(?=[十百千万]))?(?:{_LOW_GROUP}|{_LOW_MAG}+{_LOW_GROUP}?)"
           rf"(?:{_LOW_MAG}+{_LOW_GROUP}?)*(?:(?<![点\d]){_POINT_LOW}{_LOW_MAG}*)?")
# A capital group holds a capital digit (零 alone is lower-case), or is 零 before 点 and a capital.
_CAP_GROUP = rf"(?:[零〇]*[{CAPITAL_DIGITS}][{CAPITAL_DIGITS}零〇]*|[零〇]+(?=点[{CAPITAL_DIGITS}]))"
CAP_RUN = rf"(?:{_CAP_GROUP}|{_CAP_MAG}+(?:{_CAP_GROUP})?)(?:{_CAP_MAG}+(?:{_CAP_GROUP})?)*(?:点[{CAPITAL_DIGITS}零〇]+{_CAP_MAG}*)?"
_RUN = rf"(?:{CAP_RUN}|{LOW_RUN})"
# A run, or a fraction X分之Y (百分之十五, 三分之一).
RUN_RE = re.compile(rf"{_RUN}(?:分之{_RUN})?")
FRACTION = "分之"


class Reading(NamedTuple):
    """What a numeral run says: ``value`` (None when only bounds are known), ``low``/``high``
    (equal to value when exact), ``qualifier`` ``exact`` or ``about``, ``percent`` for X分之Y,
    ``capital`` when written in financial capitals, ``ambiguous_capital`` when only in 伍/陆."""

    value: Decimal | None
    low: Decimal
    high: Decimal
    qualifier: str = "exact"
    percent: bool = False
    capital: bool = False
    ambiguous_capital: bool = False
    digit_by_digit: bool = False
    bare_magnitude: bool = False


_PLAIN = re.compile(r"[1-9]\d{0,15}")


_CACHE: dict[str, Reading | NumberError] = {}
_CACHE_SIZE = 50_000


def read(run: str) -> Reading:
    """The reading of a whole numeral run (``RUN_RE``), or ``NumberError``. Readings are
    immutable and cached (a page repeats its numbers; 2024, 10, 一 …)."""
    r = _CACHE.get(run)
    if r is None:
        try:
            if _PLAIN.fullmatch(run):               # most runs: plain Arabic digits
                value = Decimal(run)
                r = Reading(value, value, value)
            else:
                r = _read_uncached(run)
        except NumberError as error:
            r = error
        if len(_CACHE) < _CACHE_SIZE:
            _CACHE[run] = r
    if isinstance(r, NumberError):
        raise NumberError(*r.args)
    return r


def _read_uncached(run: str) -> Reading:
    if FRACTION in run and not run.startswith(("分之",)):
        den, _, num = run.partition(FRACTION)
        d, n = read(den), read(num)
        if d.value is None or d.value == 0 or d.percent or n.percent:
            raise NumberError(f"not a fraction: {run!r}")
        lo, hi = n.low * 100 / d.value, n.high * 100 / d.value
        value = None if n.value is None else n.value * 100 / d.value
        return Reading(value, lo, hi, n.qualifier, percent=True, capital=n.capital)
    capital = any(c in CAPITAL_DIGITS or c in CAPITAL_SMALL for c in run)
    ambiguous = capital and all(c in AMBIGUOUS_CAPITALS or c in "零〇万亿" for c in run)
    s = run.translate(_TO_LOWER)
    for old, new in ANCIENT.items():
        s = s.replace(old, new)
    if not s:
        raise NumberError("empty numeral")
    bare = all(c in PLACE for c in s)
    vague = _vague_bounds(s)
    if vague is not None:
        return Reading(None, vague[0], vague[1], "about", capital=capital)
    pair = _pair(s)
    if pair is not None:
        lo, hi = (_exact(x, run) for x in pair)
        if not lo < hi:
            raise NumberError(f"not an approximate pair: {run!r}")
        return Reading(None, lo, hi, "about", capital=capital)
    value, by_digit = _exact_kind(s, run)
    return Reading(value, value, value, capital=capital, ambiguous_capital=ambiguous,
                   digit_by_digit=by_digit, bare_magnitude=bare)


def _vague_bounds(s: str) -> tuple[Decimal, Decimal] | None:
    """数十万, 几十, 十几万, 二十几: the bounds, or None when the run has no 数/几."""
    if "数" not in s and "几" not in s:
        return None
    if s.count("数") + s.count("几") > 1:
        raise NumberError(f"more than one vague place: {s!r}")
    k = s.find("数") if "数" in s else s.find("几")
    after_place = k > 0 and s[k - 1] in PLACE
    lo_digit, hi_digit = ("一", "九") if after_place else ("二", "九")
    if s[k] == "数" and after_place:
        raise NumberError(f"数 after a magnitude: {s!r}")
    lo = _exact(s[:k] + lo_digit + s[k + 1:], s)
    hi = _exact(s[:k] + hi_digit + s[k + 1:], s)
    return lo, hi


def _pair(s: str) -> tuple[str, str] | None:
    """The run with the smaller and with the larger digit when two digits share one place
    (七八, 两三千, 十七八, 一千五六百; 三两 and 三五 only in front); else None."""
    for m in _DIGIT_GROUP.finditer(s):
        g = m.group()
        if len(g) != 2:
            continue
        a, b = g
        if (DIGIT[a] > 0 and DIGIT[b] == DIGIT[a] + 1) or ((a, b) in PAIRS and m.start() == 0):
            lo, hi = (a, b) if DIGIT[a] < DIGIT[b] else (b, a)
            return s[:m.start()] + lo + s[m.end():], s[:m.start()] + hi + s[m.end():]
    return None


_DIGIT_GROUP = re.compile("[一二两三四五六七八九]+")


def _exact(s: str, run: str) -> Decimal:
    return _exact_kind(s, run)[0]


def _exact_kind(s: str, run: str) -> tuple[Decimal, bool]:
    """An exact value; True when it was read digit by digit."""
    whole, point, frac = s.partition("点")
    mags = ""
    if point:
        i = 0
        while i < len(frac) and (frac[i] in DIGIT or frac[i].isdigit()):
            i += 1
        frac, mags = frac[:i], frac[i:]
        if not frac or any(c not in BIG for c in mags):
            raise NumberError(f"not a number: {run!r}")
        if not whole:
            raise NumberError(f"not a number: {run!r} (nothing before 点)")
        if "两" in frac:
            raise NumberError(f"not a number: {run!r} (两 after 点)")
        if any(c in BIG for c in whole):
            raise NumberError(f"not a number: {run!r} (点 after 万/亿)")
    by_digit = False
    stripped = whole.rstrip(BIG)
    tail_mags = whole[len(stripped):]
    if stripped and all(c in DIGIT for c in stripped) and (len(stripped) > 1 or stripped == "零"):
        if "两" in stripped:
            raise NumberError(f"not a number: {run!r} (两 in digit-by-digit numeral)")
        value = Decimal("".join(str(DIGIT[c]) for c in stripped))
        by_digit = len(stripped) > 1
        mags = tail_mags + mags
    else:
        value = _positional(whole, run)
    if point:
        digits = "".join(str(DIGIT[c]) if c in DIGIT else c for c in frac)
        value += Decimal("0." + digits)
    for c in mags:
        value *= PLACE[c]
    return value, by_digit


def _tokens(s: str, run: str) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c.isdigit():
            m = _AR_RE.match(s, i)
            text = m.group().replace(",", "")
            out.append(("ar", text))
            i = m.end()
        elif c in DIGIT:
            out.append(("zero", None) if c == "零" else ("cn", DIGIT[c]))
            i += 1
        elif c in PLACE:
            out.append(("mag", PLACE[c]))
            i += 1
        else:
            raise NumberError(f"not a number: {run!r} (unexpected {c!r})")
    return out


def _positional(s: str, run: str) -> Decimal:
    """Positional numerals, Arabic groups allowed anywhere a digit or a lower place can stand."""
    bad = NumberError(f"not a number: {run!r}")
    total = Decimal(0)      # finished 万/亿 blocks
    section = Decimal(0)    # current block below 万
    pending: tuple[str, Decimal, int] | None = None   # (kind, value, written length)
    last_small = None       # the last 十/百/千 of this block (they must fall)
    last_place = None       # the place of the last magnitude, for the colloquial tail
    zero = False            # a 零 since the last magnitude (or a leading 0 in Arabic)
    prev_big = False
    decimal_seen = False
    tokens = _tokens(s, run)
    if not tokens:
        raise bad
    for kind, val in tokens:
        if kind in ("cn", "ar"):
            if pending is not None or decimal_seen:
                raise bad                               # two numbers in a row; 10.1万零100
            if kind == "ar":
                text = val
                number = Decimal(text)
                if "." in text:
                    if last_place is not None:
                        raise bad                       # a decimal after a magnitude
                    decimal_seen = True
                if last_place is not None and len(text) > 1 and text.startswith("0"):
                    zero = True
                pending = ("ar", number, len(text))
            else:
                pending = ("cn", Decimal(val), 1)
            prev_big = False
        elif kind == "zero":
            if pending is not None or decimal_seen:
                raise bad
            zero, last_place = True, None
            prev_big = False
        else:
            place = val
            if place < 10**4:
                if last_small is not None and place >= last_small:
                    raise bad
                if pending is None:
                    digit = Decimal(1)
                else:
                    digit = pending[1]
                    if pending[0] == "ar" and not (digit < 10 and (digit == int(digit) or not (section or total))):
                        raise bad                       # 15百: not how a number is written
                section += digit * place
                pending, last_small, last_place, zero = None, place, place, False
                prev_big = False
            else:
                section += _tail(pending, last_place, zero, bad)
                if prev_big:
                    if section:
                        raise bad
                    total *= place                      # 万亿: magnitudes multiply
                elif place == 10**8:
                    if total >= 10**8 and not section:
                        raise bad
                    if total >= 10**8:
                        raise bad
                    if section == 0 and total == 0:
                        section = Decimal(1)
                    total = (total + section) * place
                else:
                    if total % (10**8) != 0:
                        raise bad                       # a second 万 in one block
                    if section == 0 and total == 0:
                        section = Decimal(1)
                    if section >= 10**4:
                        raise bad
                    total += section * place
                section, pending, last_small, last_place, zero = Decimal(0), None, None, place, False
                prev_big = True
    section += _tail(pending, last_place, zero, bad)
    return total + section


def _tail(pending, last_place, zero, bad) -> Decimal:
    """The number after the last magnitude: 二十五 → 5; 一万五 → 5000 (colloquial: one digit
    counts in the next lower place); 1万600 → 600 (Arabic is literal); 1万6 → ambiguous."""
    if pending is None:
        return Decimal(0)
    kind, value, length = pending
    if last_place is None or zero:
        if last_place is not None and value >= last_place:
            raise bad
        return value
    if value >= last_place:
        raise bad
    if kind == "ar":
        if length == 1 and last_place > 10:
            raise bad                                   # 1万6: 16000 or 10006?
        return value
    if last_place >= 100:
        return value * (last_place // 10)
    return value


_TRAILING_CN_DIGITS = re.compile(f"[{LOWER_DIGITS}]+$")


def trim(text: str, s: int, e: int) -> tuple[int, int]:
    """The run ``text[s:e]`` (a ``RUN_RE`` match) less what cannot belong to it: after Arabic
    digits and a magnitude, Chinese digits with no magnitude after them start a word
    (补贴30万一次性发放 is 30万 + 一次性), not the colloquial tail they are in 三万五."""
    run = text[s:e]
    if FRACTION not in run and any(c.isdigit() for c in run):
        m = _TRAILING_CN_DIGITS.search(run)
        if m and m.start() > 0 and run[m.start() - 1] in PLACE:
            return s, s + m.start()
    return s, e


def runs(text: str) -> list[tuple[int, int]]:
    """Every numeral run of ``text`` (already normalized like the ledger's working copy), trimmed."""
    out, pos = [], 0
    while True:
        m = RUN_RE.search(text, pos)
        if not m:
            return out
        s, e = trim(text, m.start(), m.end())
        out.append((s, e))
        pos = e
