"""The figure ledger: every figure on a page, with unit, qualifier, bounds and provenance.

A *figure* is a number with what it counts or measures, as written: ``超16.5亿元``,
``3000个以上``, ``15万平方米``, ``5万多人次``, ``近900副``, ``10—15份``, ``2024年``,
``1月26日``, ``第一个``, ``首届``. ``extract(text)`` finds them in any plain text;
``page_figures(page)`` runs it over every repaired passage of every article and maps the
offsets back to the page text; ``load(slug)`` wraps that in a ``Ledger`` whose lookups
return exactly one figure or fail loudly with the candidates.

Columns (``Figure`` attributes, in DataFrame order):

* ``value`` in base units (``16.5亿元`` → 1650000000, unit ``元``). Empty (NaN) for ranges:
  a midpoint is not in the source; use ``low``/``high``.
* ``low``/``high``: the bounds the wording implies. exact → both = value; more_than /
  at_least → low = value; nearly / at_most → high = value; about → both empty (the paper
  gives no width, and we do not invent one); range → the two ends.
* ``qualifier``: exact, more_than (超 超过 超出 突破 逾 多 余 高于; 30多万元 = more than 300000 元), at_least (以上 不少于 不低于 至少),
  nearly (近 将近 接近), about (约 大约 左右; also 七八个-style pairs), at_most (以下 以内
  不足 不超过 不到 低于 少于 最多), range (10—15份, 3至5年, 4℃~12℃, 16~18日).
  达 高达 多达 共 共计 累计 各 are exact (they state the figure).
  Vague counts (数十人, 几十个, 十几个, 二十几人, 上千人) are kept as ``about`` with no value and
  no bounds: the paper gives no number and we invent none (``Quantity.from_figure`` refuses
  them loudly). 近 before a period unit (近3年来, 近五年, 近30天) means "the last N …": an exact
  duration, not "nearly".
* Signs: a leading - － − 零下 负 makes the value (or a range end) negative: -5℃, 零下5℃,
  同比增长-3.5%, -3℃~5℃. A hyphen after a digit or Latin letter is a separator or a code.
* ``kind``: amount (money), count, area, percent, date, duration, ordinal, other.
* ``projected``: the sentence states it as future: 将 (in the figure's clause, or in an
  earlier clause of the sentence whose 将 carries into comma-joined verb phrases: 将投入约500万元,
  新建停车位300个以上; see ``CONTINUATION``; never past a ；), or 预计 计划 拟
  力争 有望 争取 届时 待…后 anywhere before it in the sentence.
* extras: ``noun`` (a hint: the words right after the figure, else right before), ``date``
  (ISO 8601 form of a date figure, with EDTF's X for what the page leaves out: 2024, 2021-04,
  XXXX-01-26, XXXX-XX-16; chosen over ISO's "--01-26" because a cell starting with "-" is a
  formula to a spreadsheet), ``part`` (headline, kicker,
  subhead, paragraph, caption), ``before``/``after`` (the figure's clause around it, at most
  15 characters before and 8 after, cut at 、，；：。: the window ``near`` looks in), ``straddles_join`` and ``repaired_surface``.

Reading (each tested): Traditional characters read like Simplified ones (逾16.5億元 → 1650000000
元, more_than; 3000個 → unit 個 as written); invisible characters (zero-width space, joiners,
word joiner, BOM, soft hyphen, LRM/RLM/ALM, variation selectors: ``numbers.INVISIBLE``) are read
across (1\u200b000人 → 1000, the surface keeps them); so are spaces inside a figure: thousands
separators in the shape d{1,3}( ddd)+ (3 000人, thin and narrow no-break spaces too) and one
space, NBSP or U+3000 between Arabic digits and a magnitude or unit (16.5 亿元). ISO dates
(2024-01-26, 2024/01/26, 2024.01.26) are one date figure (value = the day, unit 日 implied).

Decisions on what is *not* a figure (each tested):

* Numbers in a short quotation (≤ 12 characters: “五个一百”, “2531”工作法, “十四五”) are names.
* A numeral-measure-numeral run (五个一百) is a name even unquoted.
* Bare Chinese 一 is the indefinite article or part of a word (打造一个…生态圈, 一起, 一批,
  统一, 逐一, 一线, 新一年); only 第一 (ordinal) keeps it. Arabic 1 (1个应急避灾示范点) counts.
* A Chinese numeral needs a unit after it (四川, 三明, 百崎, 五星级 are words); bare
  magnitudes (千家万户, 百年) are not figures.
* 逢五、逢十 are a lunar schedule rule, not quantities (see ``helpers.lunar``).
* Codes: digits touching ASCII letters or ``: / . _ @ #`` (5G, G356, 8:30), numbers with a
  leading zero (0595), and seven or more digits without a unit.
* Idioms with ordinals: 第三方, 第一时间, 第一线, 第一书记.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import asdict, dataclass, fields, replace
from decimal import Decimal

from helpers import numbers
from helpers.numbers import CN_CHARS, CN_DIGITS, DIGIT, MAGNITUDE

QUALIFIERS = ("exact", "more_than", "at_least", "nearly", "about", "at_most", "range")
KINDS = ("amount", "count", "area", "percent", "date", "duration", "ordinal", "other")

# ------------------------------------------------------------------ vocabulary

MONEY = ("元", "美元", "港元", "欧元", "日元", "元/平方米", "元/吨", "元/人", "元/月", "元/年",
         "元/天", "元/亩", "元/斤", "元/公斤")
AREA = ("平方米", "平方公里", "平方千米", "平米", "亩", "公顷")
PERCENT = ("%", "‰", "个百分点", "百分点")
DURATION = ("天", "个月", "小时", "分钟", "秒钟", "秒", "周", "星期", "个工作日", "工作日")
DATE = ("年", "月", "日", "号")
ORDINAL_UNITS = ("楼", "层", "年级", "周年")
OTHER = ("℃", "°C", "度", "米", "厘米", "毫米", "公里", "千米", "吨", "千克", "公斤", "克", "斤",
         "升", "毫升", "立方米", "千瓦", "千瓦时", "兆瓦", "瓦", "周岁", "岁", "倍", "公里/小时",
         "千米/小时", "分贝", "帧", "兆", "G")
COUNT = ("人次", "人", "户", "个", "名", "位", "部", "辆", "床", "套", "条", "副", "份", "家",
         "场", "批次", "批", "栋", "幢", "座", "项", "次", "台", "架", "艘", "只", "头", "件",
         "张", "本", "册", "篇", "幅", "种", "类", "所", "间", "棵", "株", "支", "队", "枚",
         "块", "盏", "瓶", "箱", "袋", "包", "盒", "根", "把", "双", "对", "组", "处", "期",
         "届", "轮", "款", "类", "单", "宗", "起", "例", "区", "镇", "村", "乡", "口", "餐",
         "桌", "顿", "趟", "班", "列", "车次", "架次", "航班", "课时", "节", "门", "道", "首",
         "篇次", "场次", "余次", "票", "笔", "亩次", "所", "片", "级", "星")
UNITS = tuple(sorted(set(MONEY + AREA + PERCENT + DURATION + DATE + ORDINAL_UNITS + OTHER + COUNT)
                     - {"G"}, key=len, reverse=True))
# Units a Chinese numeral cannot take: with it they are words (四周 "all around", 一起, 五星级).
CN_UNSAFE_UNITS = {"周", "号", "起", "区", "镇", "村", "乡", "口", "道", "门", "节", "首", "级",
                   "星", "片", "度", "兆", "单", "对", "类", "种", "处", "包", "把", "班", "列",
                   "票", "笔", "餐", "顿", "区"}
TIME_UNITS = {"年", "天", "个月", "小时", "分钟", "周", "星期"}

PREFIX_QUALIFIERS = {
    "超过": "more_than", "超": "more_than", "逾": "more_than", "多于": "more_than",
    "高于": "more_than", "大于": "more_than", "突破": "more_than", "超出": "more_than",
    "不少于": "at_least", "不低于": "at_least", "不小于": "at_least", "至少": "at_least",
    "最少": "at_least",
    "近": "nearly", "将近": "nearly", "接近": "nearly",
    "约": "about", "大约": "about", "约为": "about", "大概": "about",
    "不足": "at_most", "不超过": "at_most", "不到": "at_most", "低于": "at_most",
    "少于": "at_most", "最多": "at_most", "不高于": "at_most", "小于": "at_most",
}
_PREFIX_RE = re.compile("(?:" + "|".join(sorted(PREFIX_QUALIFIERS, key=len, reverse=True)) + ")$")
# The character before a one-character prefix that makes it part of a word instead.
PREFIX_BLOCKERS = {"近": set("最附靠临就贴亲"), "约": set("预签节公条合邀相履制特婉"),
                   "超": set("赶高"), "逾": set()}
SUFFIX_QUALIFIERS = {"以上": "at_least", "以下": "at_most", "以内": "at_most", "左右": "about"}
RANGE_SEPARATORS = ("——", "—", "–", "-", "－", "~", "～", "〜", "至", "到")
ORDINAL_IDIOMS = ("第三方", "第一时间", "第一线", "第一书记")
FIRST_UNITS = set("届次批个家位座台条场期轮款")
DATE_PARTS = ("上旬", "中旬", "下旬", "初", "底", "末")

# Traditional characters of the vocabulary in this module → Simplified, one for one, so the
# Traditional forms (逾16.5億元, 3000個, 將超過, 預計) are read like the Simplified ones. Only the
# working copy of the text is mapped: surfaces, sentences and units stay as written.
_TRADITIONAL_PAIRS = ("個个 棟栋 戶户 輛辆 條条 場场 項项 臺台 隻只 頭头 張张 冊册 種种 類类 間间 隊队 "
                      "塊块 盞盏 雙双 對对 組组 處处 屆届 輪轮 單单 區区 鎮镇 鄉乡 頓顿 車车 課课 時时 "
                      "節节 門门 筆笔 級级 畝亩 頃顷 鐘钟 週周 號号 樓楼 層层 釐厘 噸吨 歲岁 貝贝 幀帧 "
                      "餘余 過过 於于 將将 約约 為为 內内 預预 計计 劃划 擬拟 爭争 後后 軍军 領领 來来 "
                      "優优 簽签 臨临 貼贴 親亲 趕赶 樣样 熱热 線线 書书 記记")
TRADITIONAL = str.maketrans(dict(pair for pair in _TRADITIONAL_PAIRS.split()))

FUTURE_WIDE = re.compile(r"预计|计划|(?<!模)拟|力争|有望|争取|届时|(?<![接招期对等款优亟看善虐])待[^，,。；;]{1,24}?后")
FUTURE_WILL = re.compile(r"(?<!即)将(?![近军领士来])|即将")
# The same markers, precomputed once per text (see ``_Context.projected``): every start of a
# wide marker (overlapping ones too) with its end, and every 将 that is a future 将 whatever follows.
_WIDE_AT = re.compile(rf"(?=({FUTURE_WIDE.pattern}))")
_WILL_AT = re.compile(r"(?<=即)将|将(?![近军领士来])")
SENTENCE_END = re.compile(r"[。！？!?\n]")
CLAUSE_END = re.compile(r"[，,；;：:]")
# A 将 carries on into the comma-joined verb phrases after its clause (景区将投入资金约500万元,
# 新建停车位300个以上: both projected): into a clause that opens with one of these verbs or
# connectives (no subject of its own), up to a ；or the end of the sentence.
CONTINUATION = re.compile(r"\s*(?:新建|新增|建设|建成|改造|改建|扩建|修建|提升|增加|投入|打造|完善|实现|带动|提供|"
                          r"达到|推出|举办|开展|引进|吸引|惠及|覆盖|形成|创造|铺设|安装|设置|配备|完成|培训|培育|"
                          r"种植|安置|解决|容纳|接待|辐射|可|再|并|同时|还)")

MAX_CN_NUMERAL = 32  # 二千三百二十八点四九亿 is 11; a longer run is not one number (and stays linear)
_ARABIC = r"\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?"
FIRST_UNITS_RE = "".join(sorted(FIRST_UNITS))
CORE_RE = re.compile(rf"(?:百分之)?(?:(?:{_ARABIC})[十百千万亿]*"
                     rf"|[{CN_CHARS}]{{1,{MAX_CN_NUMERAL}}}(?:点[{CN_DIGITS}]+)?[万亿]*)"
                     rf"|首(?=[{FIRST_UNITS_RE}])")
_CODE_NEIGHBOURS = set(":/._@#")
QUOTES = {"“": "”", "\"": "\"", "「": "」", "『": "』", "‘": "’"}
MAX_NAME_QUOTE = 12
WINDOW_BEFORE, WINDOW_AFTER = 15, 8


class LedgerError(ValueError):
    """The ledger could not be built faithfully (names the page, article and offsets)."""


class FigureLookupError(LookupError):
    """A lookup matched none or several figures; the message lists the candidates."""


@dataclass(frozen=True)
class Figure:
    """One figure as written, with provenance (see the module docstring for the columns)."""

    article: str
    start: int
    end: int
    surface: str
    value: int | float | None
    low: int | float | None
    high: int | float | None
    unit: str
    qualifier: str
    kind: str
    projected: bool
    sentence: str
    id: str = ""
    page: str = ""
    noun: str = ""
    date: str = ""
    part: str = ""
    before: str = ""
    after: str = ""
    straddles_join: bool = False
    repaired_surface: str = ""

    def describe(self) -> str:
        """One line naming the figure for error messages and workings."""
        snippet = self.sentence if len(self.sentence) <= 40 else self.sentence[:40] + "…"
        return (f"{self.surface!r} ({self.id or 'no id'}, article {self.article or '-'}, "
                f"offsets {self.start}:{self.end}, {self.qualifier}, {self.kind}) in “{snippet}”")


COLUMNS = tuple(f.name for f in fields(Figure))

# ------------------------------------------------------------------ extraction


def extract(text: str) -> list[Figure]:
    """Every figure in ``text``; offsets index ``text`` and ``text[start:end] == surface``."""
    ctx = _Context(text)
    norm = ctx.norm
    found: list[Figure] = []
    pos = 0
    while True:
        m = CORE_RE.search(norm, pos)
        if not m:
            break
        fig, next_pos = _figure_at(ctx, m, f"f{len(found) + 1:02d}")
        if fig is not None:
            found.append(fig)
        pos = max(next_pos, m.start() + 1)
    return found


class _Context:
    """Text-wide facts computed once, so each figure costs O(log n) whatever the sentence length.

    Figures are found in ``norm``: the text with invisible characters dropped (so 1\u200b000
    reads as 1000) and full-width, Traditional numeral and vocabulary characters mapped;
    ``at[i]`` is the offset in ``text`` of ``norm[i]``."""

    def __init__(self, text: str):
        self.text = text
        self.norm, self.at = _normalize(text)
        norm = self.norm
        self.sentence_ends = [m.start() for m in SENTENCE_END.finditer(norm)]
        self.raw_sentence_ends = [m.start() for m in SENTENCE_END.finditer(text)]
        self.clause_ends = [m.start() for m in CLAUSE_END.finditer(norm)]
        self.quotes = _name_quotes(norm)
        wide = [(m.start(), m.end(1)) for m in _WIDE_AT.finditer(norm)]
        self.wide_starts, self.wide_ends = [w[0] for w in wide], [w[1] for w in wide]
        self.will = [m.start() for m in _WILL_AT.finditer(norm)]
        self.inherits = self._carried_will()
        self._sentences: dict[int, tuple[str, int, int]] = {}

    def raw_span(self, i: int, j: int) -> tuple[int, int]:
        """The ``text`` offsets of ``norm[i:j]`` (j > i), invisible characters inside kept."""
        return self.at[i], self.at[j - 1] + 1

    def written(self, i: int, j: int) -> str:
        """``norm[i:j]`` as written in ``text``, less invisible characters, full-width narrowed."""
        return numbers.narrow("".join(self.text[self.at[k]] for k in range(i, j)))

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
        w = bisect.bisect_left(self.wide_starts, s0)
        while w < len(self.wide_starts) and self.wide_starts[w] < i:
            if self.wide_ends[w] <= i:
                return True
            w += 1  # ends past i: only markers starting within the last 26 characters get here
        c = bisect.bisect_left(self.clause_ends, i) - 1
        clause = self.clause_ends[c] + 1 if c >= 0 and self.clause_ends[c] >= s0 else s0
        w = bisect.bisect_left(self.will, clause)
        if w < len(self.will) and self.will[w] < i:
            return True
        if i > clause and self.norm[i - 1] == "将":  # 将 right before the figure: 将近 is its prefix
            return True
        return clause > s0 and self.inherits[c + 1]

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
        k = bisect.bisect_right(self.quotes, (i, float("inf"))) - 1
        return k >= 0 and self.quotes[k][0] <= i < self.quotes[k][1]


_INVISIBLE_RE = re.compile("[" + re.escape(numbers.INVISIBLE) + "]")
_DIGIT_SPACE = " \u2009\u202f"                        # regular, thin, narrow no-break space
_UNIT_SPACE = " \u00a0\u3000"                          # regular, no-break, ideographic space
# Spaces read across (dropped from the working copy; the surface keeps them): a thousands
# separator in the shape d{1,3}( ddd)+ (3 000人), and one space between Arabic digits and a
# magnitude or unit (16.5 亿元, 3 %).
_THOUSANDS_RE = re.compile(rf"(?<![\d.,])(?<!\d[{_DIGIT_SPACE}])\d{{1,3}}(?:[{_DIGIT_SPACE}]\d{{3}})+"
                           rf"(?![{_DIGIT_SPACE}]?\d)")
_UNIT_SPACE_RE = re.compile(rf"(?<=\d)[{_UNIT_SPACE}](?=[十百千万亿]|{'|'.join(re.escape(u) for u in UNITS)})")


def _normalize(text: str) -> tuple[str, range | list[int]]:
    """The working copy of ``text`` and the ``text`` offset of each of its characters (plus one
    past the end): invisible characters and the spaces inside a figure (``_THOUSANDS_RE``,
    ``_UNIT_SPACE_RE``) dropped, full-width and Traditional characters mapped."""
    norm = numbers.normalize(text).translate(TRADITIONAL)
    at: range | list[int] = range(len(norm))
    for drop in (_invisible, _spaces):
        gone = drop(norm)
        if gone:
            keep = [i for i in range(len(norm)) if i not in gone]
            norm, at = "".join(norm[i] for i in keep), [at[i] for i in keep]
    return norm, (range(len(text) + 1) if isinstance(at, range) else at + [len(text)])


def _invisible(norm: str) -> set[int]:
    return {m.start() for m in _INVISIBLE_RE.finditer(norm)}


def _spaces(norm: str) -> set[int]:
    """Positions of the spaces inside figures: thousands separators and digit–unit spaces."""
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


@dataclass
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

    def set_unit(self, unit: str, at: int) -> None:
        self.unit, self.unit_at = unit, at


def _figure_at(ctx: _Context, m: re.Match, fid: str) -> tuple[Figure | None, int]:
    """The figure whose numeral core is ``m`` (or None), and where to search next."""
    norm = ctx.norm
    core, s, e = m.group(), m.start(), m.end()
    if ctx.in_name_quote(s):
        return None, _skip_quote(ctx, s)
    if core == "首":
        return _first(ctx, s, fid), s + 2
    iso = _ISO_DATE_RE.match(norm, s)
    if iso and _iso_date(iso) and not (s and norm[s - 1] in _ISO_BEFORE):
        return _iso_figure(ctx, iso, fid), iso.end()
    is_cn = core.removeprefix("百分之")[:1] in CN_CHARS
    if not is_cn and _is_code(norm, s, e, core):
        return None, e
    if is_cn:
        split = _split_cn(core)
        if split is None:
            return None, e
        e = s + split
        core = norm[s:e]
        vague = _vague(ctx, s, e, fid)
        if vague is not None:
            return vague
    p = _read_core(norm, core, s, e, is_cn)
    if p is None:
        return None, e
    _read_sign(norm, p, is_cn)
    _read_right(norm, p, is_cn)
    _read_left(norm, p)
    if not _keep(norm, p, core, is_cn):
        return None, max(p.end, e)
    _classify(p, core, is_cn)
    return _finish(ctx, p, fid), p.end


_ISO_DATE_RE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d|[-/.]\d)")
_ISO_BEFORE = set("0123456789-/.")


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


VAGUE_BEFORE = "数几上"    # 数十人, 几十个, 上千人, 上万元
VAGUE_AFTER = "几"         # 十几个, 二十几人


def _vague(ctx: _Context, s: int, e: int, fid: str) -> tuple[Figure | None, int] | None:
    """数十人, 几十个, 十几个, 上千人: a vague count. Recorded (nothing is lost) with qualifier
    ``about`` and no value or bounds: the paper gives no number, and we invent none.
    None when the numeral at ``norm[s:e]`` is not vague."""
    norm = ctx.norm
    core = norm[s:e]
    before = s > 0 and norm[s - 1] in VAGUE_BEFORE and all(c in MAGNITUDE for c in core)
    after = norm[e:e + 1] == VAGUE_AFTER and core[-1] in MAGNITUDE
    if not (before or after):
        return None
    start, end = s - before, e + after
    mag = re.match(r"[万亿]*", norm[end:]).group() if after else ""
    end += len(mag)
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


def _is_code(norm: str, s: int, e: int, core: str) -> bool:
    """Digits that are part of a code, a time, a version or a phone number."""
    before = norm[s - 1] if s else ""
    after = norm[e] if e < len(norm) else ""
    if (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha()):
        return True
    if before in _CODE_NEIGHBOURS or (after in _CODE_NEIGHBOURS and norm[e + 1:e + 2].isdigit()):
        return True
    digits = re.match(r"[\d,]+", core).group().replace(",", "")
    return len(digits) > 1 and digits.startswith("0")


def _split_cn(core: str) -> int | None:
    """Length of the usable Chinese numeral at the start of ``core`` (None: a word, not a number).

    A run like 五个一百 reaches here as 五 (个 stops the regex); a run like 一百二十三四 is cut
    where it stops being one numeral. At most ``MAX_CN_NUMERAL`` characters are one numeral,
    which keeps a hostile run of numeral characters linear instead of O(n²) parses."""
    if core.startswith("百分之"):
        return len(core)
    for n in range(min(len(core), MAX_CN_NUMERAL), 0, -1):
        try:
            numbers.parse_decimal(core[:n])
            return n
        except numbers.NumberError:
            continue
    return None


def _read_core(norm: str, core: str, s: int, e: int, is_cn: bool) -> _Parse | None:
    try:
        value = numbers.parse_decimal(core)
    except numbers.NumberError:
        return None
    p = _Parse(s, e, value)
    if core.startswith("百分之"):
        p.unit = "%"
    return p


_UNIT_RE = re.compile("|".join(re.escape(u) for u in UNITS))
_CN_UNIT_RE = re.compile("|".join(re.escape(u) for u in UNITS if u not in CN_UNSAFE_UNITS))


def _match_unit(norm: str, i: int, is_cn: bool) -> str:
    """The longest unit starting at ``i`` ('' if none); some units are words after Chinese numerals."""
    m = (_CN_UNIT_RE if is_cn else _UNIT_RE).match(norm, i)
    return m.group() if m else ""


def _read_right(norm: str, p: _Parse, is_cn: bool) -> None:
    """Extend over 多/余, the unit, a date continuation, a range, and 以上/左右…"""
    i = p.end
    if norm.startswith(("多", "余"), i) and not p.unit:
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
    p.end = i
    if p.unit in ("年", "月"):
        _read_date(norm, p)
        i = p.end
    if not p.date and _read_range(norm, p, is_cn):
        i = p.end
    for word, qual in SUFFIX_QUALIFIERS.items():
        if norm.startswith(word, i) and p.qualifier == "exact":
            p.qualifier, i = qual, i + len(word)
            break
    else:
        if p.unit in TIME_UNITS and norm.startswith(("多", "余"), i) and p.qualifier == "exact":
            p.qualifier, i = "more_than", i + 1
    p.end = i


_MORE_MAGNITUDE_RE = re.compile(r"[十百千]?[万亿]+")  # 30多万, 十多万, 100多亿 (not 30多千米)
_DATE_NEXT = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,3})(月|日|号)")


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
            n = numbers.parse_number(m.group(1))
        except numbers.NumberError:
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
    sep = next((s for s in RANGE_SEPARATORS if norm.startswith(s, i)), None)
    if sep is None or p.qualifier != "exact":
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
        high = numbers.parse_decimal(second) * (-1 if sign else 1)
    except numbers.NumberError:
        return False
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
        low = low * Decimal(high / numbers.parse_decimal(second.rstrip("十百千万亿") or "1"))
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
RECENT_UNITS = {"年", "个月", "月", "天", "日", "周", "星期", "个工作日", "工作日"}


def _sign_at(norm: str, i: int, end: bool) -> str:
    """The minus sign (-5℃, 零下5℃, 负3%) ending (``end``) or starting at ``norm[i]``; '' if none.
    A hyphen after a digit or a Latin letter is a separator or a code, not a sign."""
    for sign in SIGNS:
        k = i - len(sign) if end else i
        if k < 0 or not norm.startswith(sign, k):
            continue
        if end and sign in "-－−" and k and (norm[k - 1].isdigit() or (norm[k - 1].isascii() and norm[k - 1].isalpha())
                                     or norm[k - 1] in "-－−~～〜—–"):
            return ""
        return sign
    return ""


def _read_sign(norm: str, p: _Parse, is_cn: bool) -> None:
    """A minus sign before the numeral (-5℃, 零下5℃, 负3.5%) makes it negative (kept in the surface)."""
    sign = _sign_at(norm, p.start, end=True)
    if sign and not (is_cn and sign in "-－−"):
        p.start -= len(sign)
        p.value = -p.value


def _read_left(norm: str, p: _Parse) -> None:
    """第 (ordinal) and prefix qualifiers 超 近 约 不少于 … (kept in the surface)."""
    s = p.start
    if s and norm[s - 1] == "第":
        p.start, p.ordinal = s - 1, True
        return
    m = _PREFIX_RE.search(norm, max(0, s - 3), s)
    if not m:
        return
    word, k = m.group(), m.start()
    if k and norm[k - 1] in PREFIX_BLOCKERS.get(word, ()):
        return
    if word == "近" and p.unit in RECENT_UNITS and p.kind != "date":
        if p.unit == "日":
            p.kind = "duration"          # 近5日: the last five days, not the 5th
        return                           # 近3年: the last three years, exact
    if p.qualifier == "exact":
        p.qualifier = PREFIX_QUALIFIERS[word]
    p.start = k


def _keep(norm: str, p: _Parse, core: str, is_cn: bool) -> bool:
    """The rules that tell a figure from a word, a name or a code (module docstring)."""
    if norm.startswith(ORDINAL_IDIOMS, p.start):
        return False
    if not is_cn:
        digits = core.rstrip("十百千万亿").replace(",", "").replace(".", "")
        return bool(p.unit) or p.ordinal or len(digits) < 7
    bare = core.replace("百分之", "")
    if bare == "一" and not p.ordinal and not (p.kind == "date" and p.unit == "月"):
        return False
    if len(bare) > 2 and all(c in DIGIT for c in bare) and not p.date:
        return False  # digit-by-digit numerals are years only
    if len(bare) == 2 and all(c in DIGIT for c in bare) and not DIGIT[bare[0]] < DIGIT[bare[1]]:
        return False  # 七八个 is a pair; 五四 is a name
    if not any(c in DIGIT for c in bare) and bare != "十" and not _more_than_prefix(norm, p):
        return False
    if not p.unit and not p.ordinal:
        return False
    nxt = norm[p.end:p.end + 1]
    if nxt and nxt in CN_DIGITS and p.unit == "个":
        return False  # 五个一百: numeral-measure-numeral is a name
    return True


def _more_than_prefix(norm: str, p: _Parse) -> bool:
    """逾百人, 超千万元: a bare magnitude after 逾/超 reads as one of it."""
    return p.qualifier == "more_than" and norm[p.start] in "逾超"


def _classify(p: _Parse, core: str, is_cn: bool) -> None:
    """Kind from the unit and the wording; bounds from the qualifier."""
    if is_cn and p.qualifier == "exact" and p.unit and not p.ordinal:
        bare = core.replace("百分之", "")
        if len(bare) == 2 and all(c in DIGIT for c in bare) and DIGIT[bare[0]] < DIGIT[bare[1]]:
            p.low, p.high, p.value = Decimal(DIGIT[bare[0]]), Decimal(DIGIT[bare[1]]), None
            p.qualifier = "about"  # 七八个: seven or eight
    if p.ordinal or p.unit in ORDINAL_UNITS:
        p.kind = "ordinal"
    elif p.kind:
        pass
    elif p.unit in MONEY:
        p.kind = "amount"
    elif p.unit in AREA:
        p.kind = "area"
    elif p.unit in PERCENT:
        p.kind = "percent"
    elif p.unit in ("月", "日", "号") and p.value is not None and p.value == int(p.value):
        p.kind = "date"
        p.date = f"XXXX-{int(p.value):02d}" if p.unit == "月" else f"XXXX-XX-{int(p.value):02d}"
    elif p.unit in DURATION or p.unit == "年":
        p.kind = "duration"
    elif p.unit in COUNT:
        p.kind = "count"
    else:
        p.kind = "other"
    if p.qualifier != "range" and not (p.qualifier == "about" and p.low is not None):
        v = p.value
        p.low = v if p.qualifier in ("exact", "more_than", "at_least") else None
        p.high = v if p.qualifier in ("exact", "nearly", "at_most") else None


def _finish(ctx: _Context, p: _Parse, fid: str) -> Figure:
    """The figure in ``text`` offsets, with its sentence, clause window and projection."""
    text = ctx.text
    start, end = ctx.raw_span(p.start, p.end)
    sentence, lo, hi = ctx.sentence(start)
    before = _CLAUSE_MARK.split(text[max(lo, start - WINDOW_BEFORE):start])[-1]
    after = _CLAUSE_MARK.split(text[end:min(hi, end + WINDOW_AFTER)], maxsplit=1)[0]
    unit = p.unit if p.unit_at < 0 else ctx.written(p.unit_at, p.unit_at + len(p.unit))
    return Figure(
        article="", start=start, end=end, surface=text[start:end],
        value=_native(p.value), low=_native(p.low), high=_native(p.high), unit=unit,
        qualifier=p.qualifier, kind=p.kind, projected=ctx.projected(p.start),
        sentence=sentence, noun="" if p.kind == "date" else _noun(before, after), date=p.date,
        before=before, after=after, id=fid,
    )


def _native(d: Decimal | None) -> int | float | None:
    return None if d is None else numbers.to_native(d)


_CLAUSE_MARK = re.compile(r"[，,、；;：:。！？!?]")
_NOUN_STOP = re.compile(r"[（）()“”\"\s\d的在和与及等将]|作为|用于|成立于")
_VERB = re.compile(r"共投入|投入|提供|建设|达到|就有|共有|发放|送出|派出|吸引|开展|服务|组织|慰问|公布|下辖|有|共|达")


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


# ------------------------------------------------------------------ pages

FIGURE_ROLES = ("headline", "kicker", "subhead", "paragraph", "caption")


def page_figures(page) -> "pandas.DataFrame":
    """One row per figure of a ``source.Page``, offsets into ``page.text`` (columns: ``COLUMNS``)."""
    return figure_frame(figures_of_page(page))


NUMBER_COLUMNS = ("value", "low", "high")


def figure_frame(figures) -> "pandas.DataFrame":
    """Figures as a DataFrame (columns: ``COLUMNS``). ``value``/``low``/``high`` are object
    columns holding ``int`` for whole numbers, ``float`` otherwise and ``None`` when empty,
    so CSV and JSON print 1650000000 and 16.5 (never 1650000000.0) and an empty cell as ''."""
    import pandas as pd

    rows = [asdict(f) for f in figures]
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).astype(
        {"start": "int64", "end": "int64", "projected": "bool", "straddles_join": "bool"})
    for column in NUMBER_COLUMNS:
        frame[column] = pd.Series([r[column] for r in rows], index=frame.index, dtype=object)
    return frame


def figures_of_page(page) -> list[Figure]:
    """The page's figures as ``Figure`` objects, ids ``<article>-fNN`` numbered in page order."""
    out: list[Figure] = []
    for article in page.articles:
        seen: set[tuple[int, int]] = set()
        found = []
        for role, passage in _passages(article, page.text):
            for f in extract(passage.text):
                mapped = _map_to_page(page, article, role, passage, f)
                if (mapped.start, mapped.end) not in seen:
                    seen.add((mapped.start, mapped.end))
                    found.append(mapped)
        found.sort(key=lambda f: f.start)
        out += [_with_id(f, f"{article.id}-f{i:02d}") for i, f in enumerate(found, 1)]
    return out


def _passages(article, text: str):
    """(role, Passage) for every printed passage that can hold figures.

    Uses ``Article.parts`` when the source provides it; otherwise the documented fields
    (headline located in the piece's span, paragraphs, captions)."""
    parts = getattr(article, "parts", ())
    if parts:
        return [(p.role, p.passage) for p in parts if p.role in FIGURE_ROLES]
    from helpers.source import Passage

    found = []
    if article.headline:
        at = text.find(article.headline, article.start, article.end)
        if at == -1:
            raise LedgerError(f"article {article.id}: headline {article.headline!r} not found in its span "
                              f"{article.start}:{article.end} of the page text")
        found.append(("headline", Passage(article.headline, tuple(range(at, at + len(article.headline))))))
    found += [("paragraph", p) for p in article.paragraphs] + [("caption", p) for p in article.captions]
    return found


def _map_to_page(page, article, role: str, passage, f: Figure) -> Figure:
    """Move a figure found in a repaired passage onto page offsets.

    A figure whose characters straddle a repaired join keeps the raw characters as its
    surface (so ``text[start:end] == surface`` holds) and the repaired form in
    ``repaired_surface``, flagged by ``straddles_join``."""
    start, end = passage.raw_span(f.start, f.end)
    raw = page.text[start:end]
    straddles = raw != f.surface
    if straddles and "".join(page.text[passage.offsets[k]] for k in range(f.start, f.end)) != f.surface:
        raise LedgerError(f"page {page.slug}, article {article.id}: figure {f.surface!r} at passage "
                          f"{f.start}:{f.end} does not map onto the page text (raw {raw!r})")
    return replace(f, article=article.id, start=start, end=end, surface=raw, page=page.slug, part=role,
                   straddles_join=straddles, repaired_surface=f.surface if straddles else "")


# ------------------------------------------------------------------ lookups


@functools.lru_cache(maxsize=None)
def _load(slug: str) -> "Ledger":
    from helpers import source

    page = source.load_page(slug)
    return Ledger(page.slug, figures_of_page(page), {a.id: a.headline for a in page.articles})


def load(page: str | None = None) -> "Ledger":
    """The ledger of a manifest page (the first page when ``page`` is None); cached per process."""
    if page is None:
        from helpers import manifest

        page = manifest.entry(None).slug
    return _load(page)


class Ledger:
    """A page's figures with lookups that return exactly one figure or fail with the candidates."""

    def __init__(self, page: str, figures: list[Figure], headlines: dict[str, str]):
        self.page = page
        self.rows: tuple[Figure, ...] = tuple(figures)
        self.headlines = dict(headlines)
        self._frame = None

    @property
    def figures(self) -> "pandas.DataFrame":
        """The ledger as a DataFrame (a copy: callers cannot change the ledger)."""
        if self._frame is None:
            self._frame = figure_frame(self.rows)
        return self._frame.copy()

    def article(self, headline_contains: str) -> str:
        """The id of the one article whose headline contains the words."""
        hits = [a for a, h in self.headlines.items() if headline_contains in h]
        if len(hits) == 1:
            return hits[0]
        listing = "\n".join(f"  {a}: {h or '(no headline)'}" for a, h in self.headlines.items())
        what = "no article" if not hits else f"{len(hits)} articles"
        raise FigureLookupError(f"{what} on page {self.page} with a headline containing "
                                f"{headline_contains!r}; headlines:\n{listing}")

    def all(self, article: str | None = None, unit: str | None = None, near: str | None = None,
            kind: str | None = None, surface: str | None = None, qualifier: str | None = None,
            projected: bool | None = None) -> list[Figure]:
        """Every figure matching all the given conditions, in page order.

        ``near``: the word appears in the figure's clause close to it: in ``before`` (up to
        ``WINDOW_BEFORE`` = 15 characters back to the previous 、，；：。), in the surface, or in
        ``after`` (up to ``WINDOW_AFTER`` = 8 characters up to the next such mark)."""
        if article is not None and article not in self.headlines:
            raise FigureLookupError(f"page {self.page} has no article {article!r}; "
                                    f"articles: {', '.join(self.headlines)}")
        _check_choice("kind", kind, KINDS)
        _check_choice("qualifier", qualifier, QUALIFIERS)
        return [f for f in self.rows
                if (article is None or f.article == article)
                and (unit is None or f.unit == unit)
                and (kind is None or f.kind == kind)
                and (surface is None or f.surface == surface)
                and (qualifier is None or f.qualifier == qualifier)
                and (projected is None or f.projected == projected)
                and (near is None or near in f.before + f.surface + f.after)]

    def get(self, article: str | None = None, unit: str | None = None, near: str | None = None,
            kind: str | None = None, surface: str | None = None, qualifier: str | None = None,
            projected: bool | None = None) -> Figure:
        """Exactly one figure, else ``FigureLookupError`` listing the query and the candidates."""
        query = {k: v for k, v in dict(article=article, unit=unit, near=near, kind=kind, surface=surface,
                                       qualifier=qualifier, projected=projected).items() if v is not None}
        hits = self.all(**query)
        if len(hits) == 1:
            return hits[0]
        shown = ", ".join(f"{k}={v!r}" for k, v in query.items())
        if hits:
            head, cands = f"several found ({len(hits)})", hits
        else:
            head = "none found"
            cands = [f for f in self.rows if article is None or f.article == article]
        listing = "\n".join("  - " + f.describe() for f in cands[:25])
        more = f"\n  … and {len(cands) - 25} more" if len(cands) > 25 else ""
        label = "matches" if hits else ("figures in that article" if article else "figures on the page")
        raise FigureLookupError(f"{head} on page {self.page} for get({shown}); {label}:\n{listing}{more}")


def _check_choice(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise FigureLookupError(f"{name}={value!r} is not one of {', '.join(allowed)}")
