"""Reading one figure's span outward from its numeral core: unit to the right, qualifiers and
signs either side, dates and ranges, then its kind and tense.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from helpers.figures import numerals, runs
from helpers.figures.model import Figure
from helpers.figures.numerals import CN_CHARS, CN_DIGITS, DIGIT, MAGNITUDE
from helpers.figures.tails import SHARES, _more_after_unit, _read_money, _read_share
from helpers.figures.vocabulary import (
    _CODE_NEIGHBOURS,
    CLOCK_HOUR_RE,
    OVER,
    OVER_BLOCKERS,
    CLOCK_POINT_AFTER,
    CLOCK_POINT_BEFORE,
    ORDINAL_NAME_RE,
    WITHIN,
    _PREFIX_RE,
    AREA,
    CN_UNSAFE_UNITS,
    CORE_RE,
    COUNT,
    DATE_PARTS,
    DURATION,
    MONEY,
    ORDINAL_IDIOMS,
    ORDINAL_UNITS,
    PERCENT,
    PREFIX_BLOCKERS,
    PREFIX_QUALIFIERS,
    RANGE_SEPARATORS,
    SUFFIX_QUALIFIERS,
    TIME_UNITS,
    TRADITIONAL,
    UNITS,
    WINDOW_AFTER,
    WINDOW_BEFORE,
)

if TYPE_CHECKING:
    from helpers.figures.extraction import _Context


@dataclass(slots=True)
class _Parse:
    """A figure under construction (offsets into the text)."""

    start: int
    end: int
    value: Decimal | None
    unit: str = ""
    qualifier: str = "exact"
    low: Decimal | None = None
    high: Decimal | None = None
    kind: str = ""
    date: str = ""
    ordinal: bool = False
    unit_at: int = -1     # where the unit is written (-1: implied, as % by 百分之)
    signed: bool = False  # a minus sign, 负 or 零下 was read
    share: str = ""       # 成, 折 or 番 read after the numeral
    capital_word: bool = False  # only 伍/陆, next to a word they make (队伍, 陆家)

    def set_unit(self, unit: str, at: int) -> None:
        self.unit, self.unit_at = unit, at



_UNIT_RE = re.compile("|".join(re.escape(u) for u in UNITS))
# Units in Latin letters (mm): only as a whole word, so 5G stays a code.
_ASCII_UNIT_RE = re.compile("(?:" + "|".join(re.escape(u) for u in UNITS if u.isascii()) + ")(?![A-Za-z])")
_CN_UNIT_RE = re.compile("|".join(re.escape(u) for u in UNITS if u not in CN_UNSAFE_UNITS))


def _by_first(units) -> dict[str, tuple[str, ...]]:
    """Units by their first character, longest first (one dict lookup instead of a long regex)."""
    out: dict[str, list[str]] = {}
    for u in units:
        out.setdefault(u[0], []).append(u)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}


_UNITS_BY_FIRST = _by_first(UNITS)
_CN_UNITS_BY_FIRST = _by_first([u for u in UNITS if u not in CN_UNSAFE_UNITS])


def _match_unit(norm: str, i: int, is_cn: bool) -> str:
    """The longest unit starting at ``i`` ('' if none); some units are words after Chinese numerals."""
    for u in (_CN_UNITS_BY_FIRST if is_cn else _UNITS_BY_FIRST).get(norm[i:i + 1], ()):
        if norm.startswith(u, i):
            return u
    return ""


def _read_right(norm: str, p: _Parse, is_cn: bool, r: runs.Reading) -> None:
    """Extend over 多/余, a share (成 折 番), the unit, money tails (元整, 角, 分), a date
    continuation, a range, and 以上/左右…"""
    i = p.end
    if not p.unit and i < len(norm) and norm[i] in SHARES and _read_share(norm, p, r):
        i = p.end
    if norm.startswith(("多", "余"), i) and not p.unit and p.value is not None:
        mag = _MORE_MAGNITUDE_RE.match(norm, i + 1)
        if mag:                                   # 30多万元, 三百余万元: the magnitude follows 多/余
            for ch in mag.group():
                p.value *= MAGNITUDE[ch]
            p.qualifier, i = "more_than", mag.end()
        elif _match_unit(norm, i + 1, is_cn) or not norm.startswith(("多功能", "多元", "多样", "多种", "余热"), i):
            p.qualifier, i = "more_than", i + 1
    if not p.unit:
        p.set_unit(_match_unit(norm, i, is_cn), i)
        i += len(p.unit)
        if p.value is not None and (p.unit == "元" or (r.capital and i < len(norm) and norm[i] in "圆角分")):
            i = _read_money(norm, p, i, r)
    p.end = i
    if p.unit in ("年", "月") and p.value is not None:
        _read_date(norm, p)
        i = p.end
    if p.date and p.unit in ("日", "号") and _read_day_range(norm, p):
        i = p.end
    if not p.unit and not is_cn:
        _shared_date_unit(norm, p)
    if not p.date and i < len(norm) and norm[i] in _RANGE_FIRST and _read_range(norm, p, is_cn):
        i = p.end
    for word, qual in (SUFFIX_QUALIFIERS.items() if norm[i:i + 1] in _SUFFIX_FIRST else ()):
        if norm.startswith(word, i) and p.qualifier == "exact":
            p.qualifier, i = qual, i + len(word)
            break
    else:
        if p.qualifier == "exact" and _more_after_unit(norm, p, i):
            p.qualifier, i = "more_than", i + 1     # 3年多, 两倍多, 60%多
        elif (p.unit in TIME_UNITS or p.unit in DURATION) and p.kind != "date" and norm.startswith(WITHIN, i) \
                and p.qualifier == "exact":
            p.qualifier, i = "at_most", i + len(WITHIN)     # 在1小时内: within the hour
    p.end = i


_DAY_RANGE = re.compile(r"(?:—|–|-|－|~|～|〜|至|到)(\d{1,2})(日|号)")
_LIST_DAY = re.compile(r"、(\d{1,2})(日|号)")


def _read_day_range(norm: str, p: _Parse) -> bool:
    """7月16日-24日, 3月5日至8日: a span of days in one month, one range figure."""
    m = _DAY_RANGE.match(norm, p.end)
    if not m or m.group(2) != p.unit or not p.value < int(m.group(1)) <= 31:
        return False
    high = int(m.group(1))
    p.low, p.high, p.value, p.qualifier = p.value, Decimal(high), None, "range"
    p.date = f"{p.date}/{p.date[:-2]}{high:02d}"
    p.end = m.end()
    return True


def _shared_date_unit(norm: str, p: _Parse) -> None:
    """19、20日: a list of days that prints the unit once; each number is a day (the unit is
    implied, the surface stays the number)."""
    m = _LIST_DAY.match(norm, p.end)
    if m and p.value == int(p.value) and 1 <= p.value < int(m.group(1)) <= 31:
        p.set_unit(m.group(2), -1)


_MORE_MAGNITUDE_RE = re.compile(rf"[十百千]?[万亿]+(?![\d{runs.NOT_KILO}]|千(?![瓦米克]))")  # 30多万 (3余万五: no)
_DATE_NEXT = re.compile(r"(\d{1,2}|[一二三四五六七八九十廿卅]{1,3})(月|日|号)")


def _read_date(norm: str, p: _Parse) -> None:
    """2021年4月, 1月26日, 2024年1月28日, 10月中旬: one date figure, finest unit kept."""
    year = month = day = None
    if p.unit == "年":
        if not _is_year(norm[p.start:p.end - 1], p.value):
            return
        year = int(p.value)
    elif p.unit == "月":
        if not (1 <= p.value <= 12 and p.value == int(p.value)):
            return
        month = int(p.value)
    i = p.end
    while True:
        m = _DATE_NEXT.match(norm, i)
        if not m:
            break
        try:
            n = numerals.to_native(runs.read(m.group(1)).value)
        except (numerals.NumberError, TypeError):
            break
        if m.group(2) == "月" and year is not None and month is None and 1 <= n <= 12:
            month = n
            p.set_unit("月", m.start(2))
        elif m.group(2) in "日号" and month is not None and day is None and 1 <= n <= 31:
            day = n
            p.set_unit(m.group(2), m.start(2))
        else:
            break
        p.value, i = Decimal(n), m.end()
    if p.unit == "月" or p.unit == "年":
        for part in DATE_PARTS:
            if norm.startswith(part, i) and not norm.startswith(part + "步", i):
                i += len(part)
                break
    p.end = i
    p.date = _iso(year, month, day)
    p.kind = "date"


def _is_year(core: str, value: Decimal) -> bool:
    core = core.lstrip("第")
    if core and all(c in DIGIT for c in core) and len(core) == 4:
        return True
    return core.isdigit() and len(core) == 4 and 1900 <= value <= 2100


def _iso(year: int | None, month: int | None, day: int | None) -> str:
    if year is not None:
        return f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if month and day else "")
    return f"XXXX-{month:02d}" + (f"-{day:02d}" if day else "")


def _read_range(norm: str, p: _Parse, is_cn: bool) -> bool:
    """10—15份, 3至5年, 4℃~12℃, 16~18日, 3—5万元: the second end and its unit."""
    i = p.end
    if i >= len(norm) or norm[i] not in _RANGE_FIRST or p.qualifier != "exact":
        return False
    sep = next((s for s in RANGE_SEPARATORS if norm.startswith(s, i)), None)
    if sep is None:
        return False
    at = i + len(sep)
    sign = _sign_at(norm, at, end=False)
    m = CORE_RE.match(norm, at + len(sign))
    if not m or m.group().startswith("百分之") or (sign and m.group()[0] in CN_CHARS and sign in "-－−"):
        return False
    second = m.group()
    second_cn = second[0] in CN_CHARS
    if second_cn != is_cn or (not second_cn and _is_code(norm, m.start(), m.end(), second)):
        return False
    try:
        high = runs.read(second).value
    except numerals.NumberError:
        return False
    if high is None:
        return False
    high = high * (-1 if sign else 1)
    j = m.end()
    unit2 = _match_unit(norm, j, second_cn)
    if p.unit and unit2 and unit2 != p.unit:
        return False
    if p.unit and not unit2 and sep in ("至", "到"):
        return False
    low = p.value
    mag = second[len(second.rstrip("十百千万亿")):]
    first = norm[p.start:p.end - len(p.unit)]
    if mag and not first.endswith(tuple("十百千万亿")) and low * MAGNITUDE[mag[-1]] <= high:
        low = low * Decimal(high / runs.read(second.rstrip("十百千万亿") or "一").value)
    if not low < high:
        return False
    if not p.unit:
        p.set_unit(unit2, j)
    p.low, p.high, p.value, p.qualifier = low, high, None, "range"
    p.end = j + len(unit2)
    if p.unit == "日" and 1 <= high <= 31:
        p.kind = "date"
    if p.unit == "年" and _is_year(first, low) and _is_year(second, high):
        p.kind, p.date = "date", f"{int(low):04d}/{int(high):04d}"
    return True


SIGNS = ("零下", "-", "－", "−", "负")
# Units after which 近 means "the last …" (近3年来, 近五年, 近30天), not "nearly".
_SIGN_LAST = {sign[-1] for sign in SIGNS}
_SIGN_FIRST = {sign[0] for sign in SIGNS}
_RANGE_FIRST = {sep[0] for sep in RANGE_SEPARATORS}
_SUFFIX_FIRST = {word[0] for word in SUFFIX_QUALIFIERS}


RECENT_UNITS = {"年", "个月", "月", "天", "日", "周", "星期", "个工作日", "工作日"}


def _sign_at(norm: str, i: int, end: bool) -> str:
    """The minus sign (-5℃, 零下5℃, 负3%) ending (``end``) or starting at ``norm[i]``; '' if none.
    A hyphen after a digit or a Latin letter is a separator or a code, not a sign."""
    if end and (i == 0 or norm[i - 1] not in _SIGN_LAST):
        return ""
    if not end and (i >= len(norm) or norm[i] not in _SIGN_FIRST):
        return ""
    for sign in SIGNS:
        k = i - len(sign) if end else i
        if k < 0 or not norm.startswith(sign, k):
            continue
        if end and sign in "-－−" and k and (norm[k - 1].isdigit() or (norm[k - 1].isascii() and norm[k - 1].isalpha())
                                     or norm[k - 1] in "-－−~～〜—–"):
            return ""
        return sign
    return ""


def _read_sign(norm: str, p: _Parse, is_cn: bool, sign: str | None = None) -> None:
    """A minus sign before the numeral (-5℃, 零下5℃, 负3.5%) makes it negative (kept in the surface)."""
    if sign is None:
        sign = _sign_at(norm, p.start, end=True)
    if sign and not (is_cn and sign in "-－−"):
        p.start -= len(sign)
        p.signed = True
        if p.value is not None:
            p.value = -p.value
        if p.low is not None:
            p.low, p.high = -p.high, -p.low


_PREFIX_LAST = {word[-1] for word in PREFIX_QUALIFIERS} | {"第", OVER}   # 过百名 too


def _read_left(norm: str, p: _Parse) -> None:
    """第 (ordinal) and prefix qualifiers 超 近 约 不少于 … (kept in the surface)."""
    s = p.start
    if not s or norm[s - 1] not in _PREFIX_LAST:
        return
    if norm[s - 1] == "第":
        p.start, p.ordinal = s - 1, True
        return
    m = _PREFIX_RE.search(norm, max(0, s - 3), s)
    if not m:
        if (s and norm[s - 1] == OVER and norm[s:s + 1] in MAGNITUDE and p.qualifier == "exact"
                and not (s > 1 and norm[s - 2] in OVER_BLOCKERS)):
            p.qualifier, p.start = "more_than", s - 1        # 过百名: over a hundred
        return
    word, k = m.group(), m.start()
    if k and norm[k - 1] in PREFIX_BLOCKERS.get(word, ()):
        return
    if word == "近" and p.unit in RECENT_UNITS and p.kind != "date":
        if p.unit == "日":
            p.kind = "duration"          # 近5日: the last five days, not the 5th
        return                           # 近3年: the last three years, exact
    if p.qualifier == "exact" or (PREFIX_QUALIFIERS[word] == "about" and p.qualifier == "more_than"):
        p.qualifier = PREFIX_QUALIFIERS[word]    # 大约1.2万多人次: about, the softer reading
    p.start = k


PLAN_NAME = re.compile("十[一二三四五]五")   # 十四五: a five-year plan, not 14–15


def _keep(norm: str, p: _Parse, core: str, is_cn: bool, r: runs.Reading) -> bool:
    """The rules that tell a figure from a word, a name or a code (module docstring)."""
    if norm.startswith(ORDINAL_IDIOMS, p.start) or (p.ordinal and ORDINAL_NAME_RE.match(norm, p.start)):
        return False
    if not is_cn and not p.unit and not p.ordinal and _is_clock(norm, p):
        return False
    if p.capital_word and p.unit != "元":
        return False  # 队伍, 大陆, 陆家: 伍 and 陆 are words or names here
    if not is_cn:
        if not core[0].isdigit():
            return bool(p.unit) or p.ordinal
        digits = core.rstrip("十百千万亿").replace(",", "").replace(".", "")
        return bool(p.unit) or p.ordinal or len(digits) < 7
    if PLAN_NAME.fullmatch(core):
        return False
    if core == "一" and not p.ordinal and not (p.kind == "date" and p.unit == "月") and not p.signed \
            and p.share != "番" and p.unit != "倍":
        return False
    if r.bare_magnitude and not core.startswith(("十", "拾")) and not r.percent and p.qualifier != "more_than" \
            and not _more_than_prefix(norm, p):
        return False  # 千家万户, 百年: words; 千余名, 逾千人, 近千名, 十万元 are figures
    if not p.unit and not p.ordinal:
        return False
    nxt = norm[p.end:p.end + 1]
    if nxt and nxt in CN_DIGITS and p.unit == "个":
        return False  # 五个一百: numeral-measure-numeral is a name
    return True


def _more_than_prefix(norm: str, p: _Parse) -> bool:
    """逾百人, 超千万元, 近千名, 过百名: a bare magnitude after 逾/超/近/过 reads as one of it."""
    return (p.qualifier == "more_than" and norm[p.start] in "逾超过") or (p.qualifier == "nearly" and norm[p.start] in "近将接")


def _is_clock(norm: str, p: _Parse) -> bool:
    """14时30分许, 上午9时许, 17时, 上午10点到12点, 7点多: the hour (a number before 时, or before 点
    with a time of day or a clock word around it) and the minutes after it are not figures."""
    i = p.end
    if CLOCK_HOUR_RE.match(norm, i) and norm[i] == "时":
        return True
    if norm.startswith("点", i) and (CLOCK_POINT_AFTER.match(norm, i)
                                     or norm[max(0, p.start - 2):p.start].endswith(CLOCK_POINT_BEFORE)):
        return True
    return norm.startswith("分", i) and p.start >= 2 and norm[p.start - 1] in "时点" and norm[p.start - 2].isdigit()


_SET_MONEY, _SET_AREA, _SET_PERCENT, _SET_DURATION, _SET_COUNT, _SET_ORDINAL_UNITS = (
    frozenset(units) for units in (MONEY, AREA, PERCENT, DURATION, COUNT, ORDINAL_UNITS))


def _classify(p: _Parse, core: str, is_cn: bool) -> None:
    """Kind from the unit and the wording; bounds from the qualifier."""
    if p.ordinal or p.unit in _SET_ORDINAL_UNITS:
        p.kind = "ordinal"
    elif p.kind:
        pass
    elif p.unit in _SET_MONEY:
        p.kind = "amount"
    elif p.unit in _SET_AREA:
        p.kind = "area"
    elif p.unit in _SET_PERCENT:
        p.kind = "percent"
    elif p.unit in ("月", "日", "号") and p.value is not None and p.value == int(p.value):
        p.kind = "date"
        p.date = f"XXXX-{int(p.value):02d}" if p.unit == "月" else f"XXXX-XX-{int(p.value):02d}"
    elif p.unit in _SET_DURATION or p.unit == "年":
        p.kind = "duration"
    elif p.unit in _SET_COUNT:
        p.kind = "count"
    else:
        p.kind = "other"
    if p.qualifier != "range" and not (p.qualifier == "about" and p.low is not None):
        v = p.value
        p.low = v if p.qualifier in _LOW_IS_VALUE else None
        p.high = v if p.qualifier in _HIGH_IS_VALUE else None


_LOW_IS_VALUE = {"exact", "more_than", "at_least"}
_HIGH_IS_VALUE = {"exact", "nearly", "at_most"}


def _finish(ctx: _Context, p: _Parse, fid: str) -> Figure:
    """The figure in ``text`` offsets, with its sentence, clause window and projection."""
    text = ctx.text
    start, end = ctx.raw_span(p.start, p.end)
    sentence, lo, hi = ctx.sentence(start)
    marks = ctx.marks                   # offsets of _CLAUSE_MARK characters in text
    k = bisect.bisect_left(marks, start)
    b0 = max(lo, start - WINDOW_BEFORE, marks[k - 1] + 1 if k else 0)
    k = bisect.bisect_left(marks, end, k)
    a1 = min(hi, end + WINDOW_AFTER, marks[k] if k < len(marks) else hi)
    before, after = text[b0:start], text[end:a1]
    unit = p.unit if p.unit_at < 0 else ctx.written(p.unit_at, p.unit_at + len(p.unit), p.unit)
    value = _native(p.value)
    low = value if p.low is p.value else _native(p.low)
    high = value if p.high is p.value else (low if p.high is p.low else _native(p.high))
    # Positional, in field order (article, start, end, surface, value, low, high, unit, qualifier,
    # kind, projected, sentence, id, page, noun, date, part, before, after): 100,000 figures a run.
    return Figure("", start, end, text[start:end], value, low, high, unit, p.qualifier, p.kind,
                  ctx.projected(p.start), sentence, fid, "", "" if p.kind == "date" else _noun(before, after),
                  p.date, "", before, after)


def _native(d: Decimal | None) -> int | float | None:
    return None if d is None else numerals.to_native(d)


_CLAUSE_MARK = re.compile(r"[，,、；;：:。！？!?]")
_NOUN_STOP = re.compile(r"[（）()“”\"\s\d的在和与及等将]|作为|用于|成立于")
_VERB = re.compile(r"共投入|投入|提供|建设|达到|就有|共有|发放|送出|派出|吸引|开展|服务|组织|慰问|公布|下辖|有|共|达")


@functools.lru_cache(maxsize=8192)
def _noun(before: str, after: str) -> str:
    """A lookup hint, not a fact: up to 4 characters after the figure, else before it."""
    head = _split_written(_NOUN_STOP, after, maxsplit=1)[0][:4]
    if head:
        return head
    segment = ([x for x in _split_written(_NOUN_STOP, before) if x] or [""])[-1]
    pieces = [x for x in _split_written(_VERB, segment) if x]
    return pieces[-1][-4:] if pieces else ""


def _split_written(pattern: re.Pattern, raw: str, maxsplit: int = 0) -> list[str]:
    """``pattern.split(raw)`` matching the Simplified form (將 as 将) but cutting ``raw`` as written."""
    pieces, last = [], 0
    for n, m in enumerate(pattern.finditer(raw.translate(TRADITIONAL))):
        if maxsplit and n == maxsplit:
            break
        pieces.append(raw[last:m.start()])
        last = m.end()
    return pieces + [raw[last:]]


def _with_id(f: Figure, fid: str) -> Figure:
    return replace(f, id=fid)

_LEADING_DIGITS = re.compile(r"[\d,]+")


def _is_code(norm: str, s: int, e: int, core: str) -> bool:
    """Digits that are part of a code, a time, a version or a phone number."""
    before = norm[s - 1] if s else ""
    after = norm[e] if e < len(norm) else ""
    if after.isascii() and after.isalpha() and _ASCII_UNIT_RE.match(norm, e) and not (before.isascii() and before.isalpha()):
        return False     # 33.8mm: a unit written in Latin letters
    if (before.isascii() or after.isascii()) and (
            (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha())
            or before in _CODE_NEIGHBOURS or (after in _CODE_NEIGHBOURS and norm[e + 1:e + 2].isdigit())):
        return True
    if core[0] != "0":
        return False
    digits = _LEADING_DIGITS.match(core).group().replace(",", "")
    return len(digits) > 1 and digits.startswith("0")
