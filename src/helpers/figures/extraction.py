"""Finding figures in plain text: ``extract(text)`` scans for numeral cores and reads each one
with its unit, qualifier, sign and date parts (``helpers.figures.spans``).
"""

from __future__ import annotations

import bisect
import re
from decimal import Decimal

from helpers.figures import lists, numerals, runs
from helpers.figures.model import Figure
from helpers.figures.numerals import MAGNITUDE
from helpers.figures.spans import (
    _CLAUSE_MARK,
    _classify,
    _finish,
    _is_code,
    _keep,
    _match_unit,
    _Parse,
    _read_left,
    _read_right,
    _PREFIX_LAST,
    _SIGN_LAST,
    _read_sign,
    _sign_at,
)
from helpers.figures.tails import _capital_word, _read_negative_growth
from helpers.figures.vocabulary import (
    RANGE_SEPARATORS,
    _WIDE_AT,
    ACTUAL,
    FORMERLY,
    PLAN,
    PLAN_NOUN_BEFORE,
    WIDE_OPENS_SENTENCE,
    _WILL_AT,
    CLAUSE_END,
    CONTINUATION,
    CORE_RE,
    KILO_UNITS,
    MAX_CN_NUMERAL,
    MAX_NAME_QUOTE,
    QUOTES,
    SENTENCE_END,
    TRADITIONAL,
    UNITS,
)

# ------------------------------------------------------------------ extraction


def extract(text: str) -> list[Figure]:
    """Every figure in ``text``; offsets index ``text`` and ``text[start:end] == surface``."""
    ctx = _Context(text)
    norm = ctx.norm
    found: list[Figure] = []
    pos = 0
    while True:
        first = _CORE_FIRST.search(norm, pos)   # a fast scan for a character a figure can start with
        if not first:
            break
        m = CORE_RE.match(norm, first.start())
        if not m:
            pos = first.end()
            continue
        fig, next_pos = _figure_at(ctx, m, f"f{len(found) + 1:02d}")
        if fig is not None:
            found.append(fig)
        pos = max(next_pos, m.start() + 1)
    return lists.distribute(text, found)     # 分别约为30万元、45万元: both about


class _Context:
    """Text-wide facts computed once, so each figure costs O(log n) whatever the sentence length.

    Figures are found in ``norm``: the text with invisible characters dropped (so 1\u200b000
    reads as 1000) and full-width, Traditional numeral and vocabulary characters mapped;
    ``at[i]`` is the offset in ``text`` of ``norm[i]``."""

    def __init__(self, text: str):
        self.text = text
        self.norm, self.at = _normalize(text)
        self.plain = isinstance(self.at, range)  # nothing dropped: norm offsets are text offsets
        norm = self.norm
        self.sentence_ends = [m.start() for m in SENTENCE_END.finditer(norm)]
        self.raw_sentence_ends = [m.start() for m in SENTENCE_END.finditer(text)]
        self.marks = [m.start() for m in _CLAUSE_MARK.finditer(text)]   # clause windows (_finish)
        self.clause_ends = [m.start() for m in CLAUSE_END.finditer(norm)]
        self.quotes = _name_quotes(norm)
        self.quote_mask = bytearray(len(norm) + 1)   # 1 inside a name quote: one lookup per match
        for a, b in self.quotes:
            self.quote_mask[a:b] = b"\x01" * (b - a)
        wide = [(m.start(), m.end(1)) for m in _WIDE_AT.finditer(norm)]
        self.wide_starts, self.wide_ends = [w[0] for w in wide], [w[1] for w in wide]
        self.will = [m.start() for m in _WILL_AT.finditer(norm)]
        self.plans = [m.start() for m in PLAN.finditer(norm)]
        self.semicolons = [m.start() for m in re.finditer(r"[；;]", norm)]
        self.inherits = self._carried_will()
        self._sentences: dict[int, tuple[str, int, int]] = {}

    def raw_span(self, i: int, j: int) -> tuple[int, int]:
        """The ``text`` offsets of ``norm[i:j]`` (j > i), invisible characters inside kept."""
        return self.at[i], self.at[j - 1] + 1

    def written(self, i: int, j: int, norm: str = "") -> str:
        """``norm[i:j]`` as written in ``text``, less invisible characters, full-width narrowed
        (``norm``: that slice of ``self.norm`` when the caller has it, to skip the mapping)."""
        if self.plain:
            raw = self.text[i:j]
            return raw if raw == norm else numerals.narrow(raw)
        return numerals.narrow("".join(self.text[self.at[k]] for k in range(i, j)))

    def sentence(self, i: int) -> tuple[str, int, int]:
        """The stripped sentence holding ``text[i]`` and its ``text`` bounds (one shared string)."""
        k = bisect.bisect_right(self.raw_sentence_ends, i - 1)
        if k not in self._sentences:
            ends = self.raw_sentence_ends
            s0 = ends[k - 1] + 1 if k else 0
            s1 = ends[k] + 1 if k < len(ends) else len(self.text)
            raw = self.text[s0:s1]
            sentence = raw.strip()
            lo = s0 + len(raw) - len(raw.lstrip())
            self._sentences[k] = (sentence, lo, lo + len(sentence))
        return self._sentences[k]

    def projected(self, i: int) -> bool:
        """Future wording before ``norm[i]``: a wide marker (``FUTURE_WIDE``) anywhere in its
        sentence, or 将 (``FUTURE_WILL``) earlier in its sentence and not before a ；(a 将 governs
        the comma-joined verb phrases after it); a marker must end by ``i``."""
        k = bisect.bisect_right(self.sentence_ends, i - 1)
        s0 = self.sentence_ends[k - 1] + 1 if k else 0
        if self.norm.endswith(FORMERLY, 0, i):
            return False                 # 从原来6个小时: what was
        w = bisect.bisect_left(self.wide_starts, s0)
        while w < len(self.wide_starts) and self.wide_starts[w] < i:
            ws = self.wide_starts[w]
            if self.wide_ends[w] <= i and (ws - s0 <= WIDE_OPENS_SENTENCE or not self._semicolon_between(ws, i)):
                return True
            w += 1  # ends past i: only markers starting within the last 26 characters get here
        c = bisect.bisect_left(self.clause_ends, i) - 1
        clause = self.clause_ends[c] + 1 if c >= 0 and self.clause_ends[c] >= s0 else s0
        w = bisect.bisect_left(self.plans, s0)
        while w < len(self.plans) and self.plans[w] + 2 <= i:
            at = self.plans[w]
            pc = bisect.bisect_left(self.clause_ends, at) - 1
            plan_clause = self.clause_ends[pc] + 1 if pc >= 0 and self.clause_ends[pc] >= s0 else s0
            same_clause = plan_clause == clause
            if (not PLAN_NOUN_BEFORE.search(self.norm, plan_clause, at)
                    and not (same_clause and "的" in self.norm[at:i])
                    and (same_clause or not ACTUAL.search(self.norm, clause, self._clause_end(i)))
                    and (at - s0 <= WIDE_OPENS_SENTENCE or not self._semicolon_between(at, i))):
                return True
            w += 1
        w = bisect.bisect_left(self.will, clause)
        if w < len(self.will) and self.will[w] < i:
            return True
        if i > clause and self.norm[i - 1] == "将":  # 将 right before the figure: 将近 is its prefix
            return True
        return clause > s0 and self.inherits[c + 1]

    def _clause_end(self, i: int) -> int:
        """Where the clause holding ``norm[i]`` ends (its mark, a sentence end, or the text's end)."""
        c = bisect.bisect_left(self.clause_ends, i)
        k = bisect.bisect_left(self.sentence_ends, i)
        ends = [x for x in (self.clause_ends[c] if c < len(self.clause_ends) else None,
                            self.sentence_ends[k] if k < len(self.sentence_ends) else None) if x is not None]
        return min(ends, default=len(self.norm))

    def _semicolon_between(self, a: int, b: int) -> bool:
        k = bisect.bisect_left(self.semicolons, a)
        return k < len(self.semicolons) and self.semicolons[k] < b

    def _carried_will(self) -> list[bool]:
        """For clause k (after ``clause_ends[k-1]``; clause 0 opens the text): does a 将 of an
        earlier clause of its sentence govern it (``CONTINUATION``)? One pass, linear."""
        norm, ends = self.norm, self.clause_ends
        out = [False]
        for k, at in enumerate(ends, start=1):
            prev_start = ends[k - 2] + 1 if k > 1 else 0
            s = bisect.bisect_left(self.sentence_ends, at) - 1
            sentence_start = self.sentence_ends[s] + 1 if s >= 0 else 0
            w = bisect.bisect_left(self.will, max(prev_start, sentence_start))
            prev_will = (w < len(self.will) and self.will[w] < at) or (out[k - 1] and prev_start >= sentence_start)
            out.append(prev_will and norm[at] not in "；;" and bool(CONTINUATION.match(norm, at + 1)))
        return out

    def in_name_quote(self, i: int) -> bool:
        if not self.quotes or not self.quote_mask[i]:
            return False
        k = bisect.bisect_right(self.quotes, (i, float("inf"))) - 1
        return k >= 0 and self.quotes[k][0] <= i < self.quotes[k][1]


_DIGIT_SPACE = " \u2009\u202f"                        # regular, thin, narrow no-break space
_UNIT_SPACE = " \u00a0\u3000"                          # regular, no-break, ideographic space
# Spaces read across (dropped from the working copy; the surface keeps them): a thousands
# separator in the shape d{1,3}( ddd)+ (3 000人), and one space between Arabic digits and a
# magnitude or unit (16.5 亿元, 3 %).
_THOUSANDS_RE = re.compile(rf"(?<![\d.,])(?<!\d[{_DIGIT_SPACE}])\d{{1,3}}(?:[{_DIGIT_SPACE}]\d{{3}})+"
                           rf"(?![{_DIGIT_SPACE}]?\d)")
_UNIT_SPACE_RE = re.compile(rf"(?<=\d)[{_UNIT_SPACE}](?=[十百千万亿]|{'|'.join(re.escape(u) for u in UNITS)})")


_MAPPED = {**numerals._NORMAL, **TRADITIONAL}   # one pass: full-width, Traditional numerals, vocabulary
_TO_MAP_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_MAPPED)) + "]")


_MAPPED_CHARS = {chr(k): v if isinstance(v, str) else chr(v) for k, v in _MAPPED.items()}


def _map_one(m: re.Match) -> str:
    return _MAPPED_CHARS[m.group()]


def _ranges_class(chars: str) -> str:
    """A regex character class of ``chars`` written as ranges (much faster to scan than a list)."""
    codes = sorted({ord(c) for c in chars})
    parts, i = [], 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        lo, hi = chr(codes[i]), chr(codes[j])
        parts.append(re.escape(lo) if i == j else f"{re.escape(lo)}-{re.escape(hi)}")
        i = j + 1
    return "[" + "".join(parts) + "]"


_INVISIBLE_RE = re.compile(_ranges_class(numerals.INVISIBLE))
# Every character a ``CORE_RE`` match can start with (digits, numerals, capitals, 廿卅卌, 几, 数, 首).
_CORE_FIRST = re.compile(r"[\d" + "".join(sorted(set(
    runs.LOWER_DIGITS + runs.CAPITAL_DIGITS + runs.CAPITAL_SMALL + "廿卅卌几数首" + runs.SMALL + runs.BIG))) + "]")


def _normalize(text: str) -> tuple[str, range | list[int]]:
    """The working copy of ``text`` and the ``text`` offset of each of its characters (plus one
    past the end): invisible characters and the spaces inside a figure (``_THOUSANDS_RE``,
    ``_UNIT_SPACE_RE``) dropped, full-width and Traditional characters mapped."""
    norm = _TO_MAP_RE.sub(_map_one, text) if _TO_MAP_RE.search(text) else text
    at: range | list[int] = range(len(norm))
    for drop in (_invisible, _spaces):
        gone = drop(norm)
        if gone:
            keep = [i for i in range(len(norm)) if i not in gone]
            norm, at = "".join(norm[i] for i in keep), [at[i] for i in keep]
    return norm, (range(len(text) + 1) if isinstance(at, range) else at + [len(text)])


_ANY_SPACE = re.compile(f"[{_DIGIT_SPACE}{_UNIT_SPACE}]")


def _invisible(norm: str) -> set[int]:
    return {m.start() for m in _INVISIBLE_RE.finditer(norm)}


def _spaces(norm: str) -> set[int]:
    """Positions of the spaces inside figures: thousands separators and digit–unit spaces."""
    if not _ANY_SPACE.search(norm):
        return set()
    gone = {m.start() + k for m in _THOUSANDS_RE.finditer(norm)
            for k, ch in enumerate(m.group()) if not ch.isdigit()}
    return gone | {m.start() for m in _UNIT_SPACE_RE.finditer(norm)}


def _name_quotes(norm: str) -> list[tuple[int, int]]:
    """Spans of short quotations (names like “五个一百”), sorted by start."""
    spans = []
    for m in re.finditer("|".join(re.escape(q) for q in QUOTES), norm):
        close = QUOTES[m.group()]
        end = norm.find(close, m.end(), m.end() + MAX_NAME_QUOTE + 1)  # bounded: no O(n²) on ““““
        if end != -1 and "\n" not in norm[m.end():end]:
            spans.append((m.end(), end))
    return sorted(spans)




def _figure_at(ctx: _Context, m: re.Match, fid: str) -> tuple[Figure | None, int]:
    """The figure whose numeral core is ``m`` (or None), and where to search next."""
    norm = ctx.norm
    core, s, e = m.group(), m.start(), m.end()
    if len(core) > 1 and core.endswith("千") and norm.startswith(KILO_UNITS, e - 1):
        core, e = core[:-1], e - 1          # 133.9万千瓦, 六十四亿千瓦小时: 千 is part of the unit
    if ctx.in_name_quote(s):
        return None, _skip_quote(ctx, s)
    if core == "首":
        return _first(ctx, s, fid), s + 2
    if norm[s + 4:s + 5] in _ISO_SEPARATORS and core[:4].isdigit() and s + 4 < len(norm):
        iso = _ISO_DATE_RE.match(norm, s)
        if iso and _iso_date(iso) and not (s and norm[s - 1] in _ISO_BEFORE):
            return _iso_figure(ctx, iso, fid), iso.end()
    if core.isdigit():
        is_cn = False
    else:
        s, e = runs.trim(norm, s, e)
        core = norm[s:e]
        is_cn = not _HAS_DIGIT.search(core)
    if not is_cn and core[0].isdigit() and _is_code(norm, s, e, core):
        return None, e
    if is_cn:
        if (e >= len(norm) or norm[e] not in _CN_NEXT) and not (s and norm[s - 1] in "第翻") \
                and runs.FRACTION not in core:
            return None, e      # 四川, 一起, 统一: no unit can follow, so no figure (as _keep decides)
        vague = _vague(ctx, s, e, fid)
        if vague is not None:
            return vague
    try:
        if e - s > MAX_CN_NUMERAL:
            raise numerals.NumberError(f"a run of {e - s} numeral characters is not one number")
        r = runs.read(core)
    except numerals.NumberError:
        return _unread(ctx, s, e, is_cn, fid)
    p = _Parse(s, e, r.value, qualifier=r.qualifier, capital_word=r.ambiguous_capital and _capital_word(norm, s, e))
    if r.value is None:
        p.low, p.high = r.low, r.high
    if r.percent:
        p.unit = "%"
    sign = _sign_at(norm, s, end=True) if s and norm[s - 1] in _SIGN_LAST else ""
    if sign:
        _read_sign(norm, p, is_cn, sign)
    _read_right(norm, p, is_cn and sign not in ("零下", "负"), r)
    if p.unit == "%":
        _read_negative_growth(norm, p)
    if p.start and norm[p.start - 1] in _PREFIX_LAST:
        _read_left(norm, p)
    if not _keep(norm, p, core, is_cn, r):
        return None, max(p.end, e)
    _classify(p, core, is_cn)
    return _finish(ctx, p, fid), p.end


def _unread(ctx: _Context, s: int, e: int, is_cn: bool, fid: str) -> tuple[Figure | None, int]:
    """A number-like run the reader cannot read whole (一百二十三四五, 1万6, 15百): listed with its
    unit and no value (qualifier ``unread``), so the page's checks show it; never given a value
    for part of itself. A Chinese run with no unit after it is a word, not a figure."""
    norm = ctx.norm
    i = e + (norm.startswith(("多", "余"), e))
    unit = _match_unit(norm, i, is_cn)
    if not unit and is_cn:
        return None, e
    p = _Parse(s, i + len(unit) if unit else e, None, qualifier="unread")
    if unit:
        p.set_unit(unit, i)
    _classify(p, norm[s:e], is_cn)
    return _finish(ctx, p, fid), p.end


_ISO_DATE_RE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d|[-/.]\d)")
_ISO_BEFORE = set("0123456789-/.")


_ISO_SEPARATORS = set("-/.")
# What may follow a Chinese numeral run that is a figure: a unit, 多/余, a share, a money tail, a
# range separator (a superset: anything else is never a figure, whatever precedes it).
_CN_NEXT = {u[0] for u in UNITS} | set("多余成折番圆角分") | {sep[0] for sep in RANGE_SEPARATORS}
_HAS_DIGIT = re.compile(r"\d")


def _iso_date(m: re.Match) -> str:
    """``2024-01-26`` → ``2024-01-26`` if it is a calendar day of 1900–2100, else ''."""
    year, month, day = int(m.group(1)), int(m.group(3)), int(m.group(4))
    if 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


def _iso_figure(ctx: _Context, m: re.Match, fid: str) -> Figure:
    """2024-01-26, 2024/01/26, 2024.01.26: one date figure (value = the day, unit 日 implied,
    like 2024年1月26日)."""
    p = _Parse(m.start(), m.end(), Decimal(int(m.group(4))), unit="日", kind="date", date=_iso_date(m))
    _classify(p, m.group(), False)
    return _finish(ctx, p, fid)


VAGUE_BEFORE = "上"        # 上千人, 上万元 (数十, 几十, 十几 have bounds: ``runs``)
def _vague(ctx: _Context, s: int, e: int, fid: str) -> tuple[Figure | None, int] | None:
    """上千人, 上万元: a vague count. Recorded (nothing is lost) with qualifier ``about`` and
    no value or bounds: the paper gives no number, and we invent none. (数十人, 几十个, 十几个
    are read with bounds by ``runs``.) None when the numeral at ``norm[s:e]`` is not vague."""
    norm = ctx.norm
    core = norm[s:e]
    if not (s > 0 and norm[s - 1] in VAGUE_BEFORE and all(c in MAGNITUDE for c in core)):
        return None
    start, end = s - 1, e
    unit = _match_unit(norm, end, True)
    if not unit:
        return None, end
    p = _Parse(start, end + len(unit), None, qualifier="about")
    p.set_unit(unit, end)
    _classify(p, core, True)
    return _finish(ctx, p, fid), p.end


def _first(ctx: _Context, s: int, fid: str) -> Figure:
    """首届, 首次, 首个…: the ordinal one."""
    p = _Parse(s, s + 2, Decimal(1), kind="ordinal", ordinal=True)
    p.set_unit(ctx.norm[s + 1], s + 1)
    _classify(p, "首", True)
    return _finish(ctx, p, fid)


def _skip_quote(ctx: _Context, s: int) -> int:
    k = bisect.bisect_right(ctx.quotes, (s, float("inf"))) - 1
    return ctx.quotes[k][1]


