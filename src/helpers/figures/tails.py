"""Tails of a figure that change its value, unit or qualifier: shares (七成, 八折, 翻两番), money tails
(元整, 角, 分, 圆), 多 after the unit (3年多, 60%多, 两倍多), 负增长, and the words 伍/陆 make (队伍,
陆家). Called by ``helpers.figures.spans``."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from helpers.figures import runs
from helpers.figures.vocabulary import MORE_AFTER_END, MORE_AFTER_UNITS, TIME_UNITS

if TYPE_CHECKING:
    from helpers.figures.spans import _Parse


SHARES = "成折番"
SHARE_BLOCKERS = {"成": set("群员本果功立交为效绩都型品人年长就片批不了"), "折": set("合算旧扣叠腾射线返")}


def _read_share(norm: str, p: _Parse, r: runs.Reading) -> bool:
    """七成 = 70%, 三四成 = about 30–40%; 八折 = 80% of the price paid (八五折, 85折 = 85%,
    7.5折 = 75%); 翻两番 = 4倍 (each 番 doubles). Shares are percent, unit % (implied)."""
    i = p.end
    ch, nxt = norm[i], norm[i + 1:i + 2]
    top = p.value if p.value is not None else p.high
    if nxt and nxt in SHARE_BLOCKERS.get(ch, ()):
        return False
    if ch == "番":
        back = 2 if norm[max(0, p.start - 2):p.start] == "翻了" else 1
        if p.value is None or norm[p.start - back:p.start - back + 1] != "翻" or p.value != int(p.value) \
                or not 1 <= p.value <= 10:
            return False
        p.start -= back
        p.value = Decimal(2) ** int(p.value)
        p.set_unit("倍", -1)
        p.unit_at = -1
        p.kind = "other"
    else:
        if ch == "成" and top <= 10:
            factor = Decimal(10)
        elif ch == "折" and top < 10:
            factor = Decimal(10)
        elif ch == "折" and top < 100 and top == int(top) and (r.digit_by_digit or not any(
                c in runs.PLACE for c in norm[p.start:i])):
            factor = Decimal(1)
        else:
            return False
        p.value = None if p.value is None else p.value * factor
        if p.low is not None:
            p.low, p.high = p.low * factor, p.high * factor
        p.unit, p.unit_at, p.kind = "%", -1, "percent"
    p.share = ch
    p.end = i + 1
    return True


_CN_DIGIT_CHARS = "零一二两三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖"
_JIAO_FEN_RE = re.compile(rf"零?([{_CN_DIGIT_CHARS}\d])角(?:零?([{_CN_DIGIT_CHARS}\d])分)?|零?([{_CN_DIGIT_CHARS}\d])分")


def _digit(ch: str) -> Decimal:
    return Decimal(ch) if ch.isdigit() else runs.read(ch).value


def _read_money(norm: str, p: _Parse, i: int, r: runs.Reading) -> int:
    """After 元/圆: 整/正 (壹拾壹元整), or 角 and 分 (壹拾壹元壹角壹分 = 11.11元, 5元5角 = 5.5元);
    a capital digit before 角/分 alone is a sum under one yuan (伍角 = 0.5元). 圆 is read as 元.
    A lower-case 分 counts only after a 角 (100元一分不少 is no sum). Returns the new end."""
    if not p.unit:
        if norm[i] == "圆":
            p.set_unit("元", -1)
            i += 1
        else:                            # 伍角, 叁角伍分: no 元 at all
            m = _JIAO_FEN_RE.match(norm, p.start)
            if not m or m.end() <= i:
                return i
            p.value = _jiao_fen(m)
            p.set_unit("元", -1)
            return m.end()
    if norm[i:i + 1] in ("整", "正") and i < len(norm):
        return i + 1
    m = _JIAO_FEN_RE.match(norm, i)
    if m and (r.capital or m.group(1)):
        p.value += _jiao_fen(m)
        p.set_unit("元", -1)
        return m.end()
    return i


def _jiao_fen(m: re.Match) -> Decimal:
    jiao, fen = (m.group(1), m.group(2)) if m.group(1) else (None, m.group(3))
    return (_digit(jiao) * Decimal("0.1") if jiao else 0) + (_digit(fen) * Decimal("0.01") if fen else 0)


def _more_after_unit(norm: str, p: _Parse, i: int) -> bool:
    """多 (or 余) at ``norm[i]``, right after the unit, makes the figure more_than: after a unit of
    time (3年多, 两年余), and 多 after a share or a multiple (60%多, 百分之六十多,
    七成多, 1个百分点多, 两倍多) when a mark, 的 or the end of the text follows it (60%多为 is "mostly")."""
    if p.unit in TIME_UNITS:
        return norm.startswith(("多", "余"), i)
    return (p.unit in MORE_AFTER_UNITS and norm.startswith("多", i) and p.value is not None
            and (i + 1 == len(norm) or norm[i + 1] in MORE_AFTER_END))


NEGATIVE_GROWTH = "负增长"


def _read_negative_growth(norm: str, p: _Parse) -> None:
    """负增长百分之二, 负增长2%: a growth of minus 2% (the surface starts at 负增长)."""
    k = p.start - len(NEGATIVE_GROWTH)
    if p.unit == "%" and not p.signed and k >= 0 and norm.startswith(NEGATIVE_GROWTH, k):
        p.start, p.signed = k, True
        if p.value is not None:
            p.value = -p.value
        if p.low is not None:
            p.low, p.high = -p.high, -p.low


# 伍 and 陆 are also words (队伍, 入伍, 大陆, 登陆, 陆续) and surnames (陆家): outside a sum of money
# they are read as numbers only away from these neighbours.
CAPITAL_WORD_BEFORE = set("队入退落行为部军卒什大登着内水海北南")
CAPITAL_WORD_AFTER = set("续地军路上域海家氏某先女老总")


def _capital_word(norm: str, s: int, e: int) -> bool:
    """The run ``norm[s:e]`` of 伍/陆 stands in a word or name (队伍, 陆家)."""
    return (s > 0 and norm[s - 1] in CAPITAL_WORD_BEFORE) or (e < len(norm) and norm[e] in CAPITAL_WORD_AFTER)
