"""The figure ledger: every figure on a page, with unit, qualifier, bounds and provenance.

A *figure* is a number with what it counts or measures, as written: ``超16.5亿元``,
``3000个以上``, ``15万平方米``, ``5万多人次``, ``近900副``, ``10—15份``, ``2024年``,
``1月26日``, ``第一个``, ``首届``. ``extract(text)`` finds them in any plain text;
``page_figures(page)`` runs it over every repaired passage of every article and maps the
offsets back to the page text; ``load(slug)`` wraps that in a ``Ledger`` whose lookups
return exactly one figure or fail loudly with the candidates.

Columns (``Figure`` attributes, in DataFrame order):

* ``value`` in base units (``16.5亿元`` → 1650000000, unit ``元``). Empty (NaN) for ranges:
  a midpoint is not in the source; use ``low``/``high``. ``unit`` as printed: 万 and 亿 are
  magnitudes, but a 千 before 瓦/米/克/升 is part of the unit (133.9万千瓦 → 1339000 千瓦, 36.4亿千瓦时
  → 3640000000 千瓦时: power and energy stay apart); compound units stay whole (人公里, 吨公里,
  毫米/小时, 个百分点), and measure words and Latin units are units (29站, 18.26万车, 33.8mm).
* ``low``/``high``: the bounds the wording implies. exact → both = value; more_than /
  at_least → low = value; nearly / at_most → high = value; about → both empty (the paper
  gives no width, and we do not invent one) except for pairs and vague places; range → the two ends.
* ``qualifier``: exact, more_than (超 超过 超出 突破 逾 多 余 高于; 30多万元 = more than 300000 元), at_least (以上 不少于 不低于 至少),
  nearly (近 将近 接近), about (约 大约 左右; also 七八个-style pairs), at_most (以下 以内
  不足 不超过 不到 低于 少于 最多; 内 after a span of time: 在1小时内), range (10—15份, 3至5年,
  4℃~12℃, 16~18日, 7月16日-24日). Two qualifiers: 大约1.2万多人次 is about (the softer one).
  近千名, 逾百人, 过百名: a bare magnitude after 近/逾/超/过 is one of it.
  达 高达 多达 共 共计 累计 各 are exact (they state the figure).
  Vague counts are ``about`` with no value and the bounds of their place (十几个 = 11–19,
  数十人 = 20–90, 十几万 = 110000–190000, ``helpers.figures.runs``); 上千人 has none
  (``Quantity.from_figure`` refuses it loudly). unread: a number-like run the ledger cannot
  read whole (1万6人): no value, no bounds, listed by the page's checks.
  近 before a period unit (近3年来, 近五年, 近30天) means "the last N …": an exact duration,
  not "nearly".
* Signs: a leading - － − 零下 负 makes the value (or a range end) negative: -5℃, 零下5℃,
  同比增长-3.5%, -3℃~5℃. A hyphen after a digit or Latin letter is a separator or a code.
* ``kind``: amount (money), count, area, percent, date, duration, ordinal, other.
* ``projected``: the sentence states it as future: 将 (in the figure's clause, or in an
  earlier clause of the sentence whose 将 carries into comma-joined verb phrases: 将投入约500万元,
  新建停车位300个以上; see ``CONTINUATION``; never past a ；), or 预计 预期目标 预测 拟 力争 有望
  争取 届时 待…后 before it in the sentence (past a ；only when the marker opens the sentence:
  预计1-9月，…；…), or 计划 before it in the sentence, not as a noun (完成/占…计划, 计划…的 N) and
  not into a later clause that states a fact (现有, 完成, 累计, 已, 实际, 目前, 占). A figure right
  after 原来/原有/原 is what was, never projected.
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
* Idioms with ordinals: 第三方, 第一时间, 第一线, 第一书记, 第一产业 (a sector), 第一课; an ordinal in
  an institution's name (市第十八小学, 附属第二医院).
* Clock times: 14时30分许, 上午9时许, 17时, 上午10点到12点, 7点多 (and 8:30, a code).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from helpers.errors import DeskError

QUALIFIERS = ("exact", "more_than", "at_least", "nearly", "about", "at_most", "range", "unread")
KINDS = ("amount", "count", "area", "percent", "date", "duration", "ordinal", "other")


class LedgerError(ValueError):
    """The ledger could not be built faithfully (names the page, article and offsets)."""


class FigureLookupError(DeskError):
    """A lookup matched none or several figures; the message lists the candidates."""


@dataclass(frozen=True, slots=True)
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

SENTENCE_EXCERPT = 300
"""The most characters of its sentence a ledger row written out (CSV, JSON) carries. Rows of
one sentence share it in memory, but each written row would repeat it: a 500 KB sentence of
500 figures would write 250 MB. A longer sentence is cut here, marked with its length; the
row's ``start``/``end`` locate the figure in the page."""


def excerpted(frame):
    """A figure table to write out: each ``sentence`` at most `SENTENCE_EXCERPT` characters
    (a longer one cut and marked). The frame is returned as it is when nothing is cut."""
    cut = frame["sentence"].map(lambda s: isinstance(s, str) and len(s) > SENTENCE_EXCERPT)
    if not cut.any():
        return frame
    frame = frame.copy()
    frame.loc[cut, "sentence"] = frame.loc[cut, "sentence"].map(
        lambda s: f"{s[:SENTENCE_EXCERPT]}… [sentence of {len(s):,} characters, cut]")
    return frame
