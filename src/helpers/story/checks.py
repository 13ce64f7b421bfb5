"""A page's own checks: claims the page makes that the page itself can verify.

Every rule is general: it reads the figure ledger and the repaired text of any page, never
one page's sentences. Each check ends in one of three verdicts:

* ``holds``: the page's own material confirms the claim;
* ``fails``: the page's own material contradicts it;
* ``cannot check``: the page does not give what the check would need (the detail says what).

The rules (``RULES``):

* ``span-days``: a day count (共40天) after a date span in the same sentence (从1月26日…
  至3月5日) against the inclusive calendar count. The year is a year figure of the same
  sentence, else the article's only year; with none, the count is checked only when it is
  the same in a leap and a common year.
* ``list-total``: a total (共/共计/合计/总计/总共/一共/累计) whose parts are listed
  (A、B和C) in the same sentence: the parts' sum against the stated total. A list after a
  total and 其中 may be partial, so a smaller sum there cannot be checked. A 共 that
  introduces a list with no total number, or parts in different units, cannot be checked.
* ``count-vs-list``: a count right after an enumeration of named items (义诊、理发、送餐三项)
  against the number of items; a list ending in 等 (etc.) is open and cannot be checked.
* ``township-count``: "N个乡镇" against the townships named in the claim's own sentence
  (``helpers.text.townships``, which knows only the zone's four townships). Townships
  named elsewhere on the page say nothing about this claim, so with none named in the
  sentence the claim cannot be checked.

The same claim repeated in a piece (same rule, printed figure and verdict) is one check, not
several: ``run`` keeps the first and notes how many times the piece states it.
* ``headline-in-body``: every figure of a headline restated in its piece's body: the same
  value, or a body figure in the same unit that falls within the headline's bounds (超10万
  restated as 10.5万 holds).
* ``unread-figure``: a number-like run the ledger could not read whole (qualifier ``unread``,
  no value: 1万6人) is listed as ``cannot check``, so the page's checks show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from helpers.story import calendar as cal

HOLDS, FAILS, CANNOT = "holds", "fails", "cannot check"
VERDICTS = (HOLDS, FAILS, CANNOT)
RULES = ("span-days", "list-total", "count-vs-list", "township-count", "headline-in-body", "unread-figure")

TOTAL_WORDS = ("共计", "合计", "总计", "总共", "一共", "累计", "共")
PARTIAL_WORD = "其中"
CLAUSE_BREAK = re.compile(r"[，,；;。！？!?：:\n]")
LIST_JOIN = re.compile(r"、|以及|和|及|与")  # matched at the start of the text between two parts
ITEM_UNITS = ("项", "类", "种", "个", "大", "方面")
ENUMERATION = re.compile(r"((?:[^、，,；;。！？!?：:和及与\d]{1,12}、)+[^、，,；;。！？!?：:\d]{1,12}?)(等)?$")
TOWNSHIP_NOUN = "乡镇"
MAX_TOTAL_LEAD = 6  # "…网约车90部,合计260部": at most this many characters lead a trailing total
LEAP, COMMON = 2024, 2023  # a leap and a common year, for spans whose year is not printed


@dataclass(frozen=True)
class Check:
    """One claim and its verdict, with where the claim stands on the page."""

    rule: str
    article: str
    claim: str        # the figure as printed, e.g. "40天"
    verdict: str      # one of VERDICTS
    detail: str       # how it was checked, in English, with the numbers
    start: int        # page offsets of the claim's figure
    end: int
    figure: str = ""  # the ledger id of the claim's figure


def run(page, figures) -> list[Check]:
    """Every check of every rule on `page` (a page_model.Page) with its ledger rows (Figures)."""
    found: list[Check] = []
    for article in page.articles:
        rows = sorted((f for f in figures if f.article == article.id), key=lambda f: f.start)
        where = _Positions(article)
        found += _span_days(rows, where)
        found += _list_totals(rows, where)
        found += _counts_vs_lists(rows, where)
        found += _headline_in_body(rows)
    found += _township_counts(figures)
    found += unread(figures)
    return _distinct(sorted(found, key=lambda c: (c.start, RULES.index(c.rule))))


def _distinct(found: list[Check]) -> list[Check]:
    """One check per distinct claim: a piece repeating a claim (same rule, printed figure
    and verdict) does not make it hold more often. The first keeps a note of the repeats."""
    groups: dict[tuple, list[Check]] = {}
    for c in found:
        groups.setdefault((c.rule, c.article, c.claim, c.verdict), []).append(c)
    out = []
    for c in found:
        same = groups[(c.rule, c.article, c.claim, c.verdict)]
        if same[0] is c:
            if len(same) > 1:
                c = replace(c, detail=f"{c.detail} (the piece states this {len(same)} times; checked once)")
            out.append(c)
    return out


def page_checks(slug: str | None = None) -> list[Check]:
    """The checks of a manifest page (the first when `slug` is None)."""
    from helpers.figures import ledger
    from helpers.page import manifest

    page = manifest.load_page(slug)
    return run(page, ledger.load(page.slug).rows)


def frame(checks: list[Check]):
    """The checks as a DataFrame, one row per check, in page order."""
    import pandas as pd

    cols = ["rule", "article", "claim", "verdict", "detail", "start", "end", "figure"]
    return pd.DataFrame([{c: getattr(k, c) for c in cols} for k in checks], columns=cols)


def tally(checks: list[Check]) -> dict[str, int]:
    """How many checks ended in each verdict, in VERDICTS order (zeros kept)."""
    counts = dict.fromkeys(VERDICTS, 0)
    for c in checks:
        counts[c.verdict] += 1
    return counts


# ------------------------------------------------------------------ positions


class _Positions:
    """Where each figure sits in its article's repaired passages (paragraphs and captions)."""

    def __init__(self, article):
        self.at: dict[int, tuple[str, int]] = {}
        for passage in (*article.paragraphs, *article.captions):
            for i, off in enumerate(passage.offsets):
                self.at.setdefault(off, (passage.text, i))

    def locate(self, f) -> tuple[str, int, int] | None:
        """(passage text, start, end) of figure `f` in repaired text, or None (headline)."""
        if f.start not in self.at:
            return None
        text, i = self.at[f.start]
        return text, i, i + len(f.repaired_surface or f.surface)

    def between(self, a, b) -> str | None:
        """The repaired text between figures `a` and `b`, None when not in one passage."""
        pa, pb = self.locate(a), self.locate(b)
        if pa is None or pb is None or pa[0] is not pb[0]:
            return None
        return pa[0][pa[2]:pb[1]]

    def before(self, f) -> str:
        """The repaired text of `f`'s clause before it."""
        p = self.locate(f)
        if p is None:
            return ""
        head = p[0][:p[1]]
        cut = max((m.end() for m in CLAUSE_BREAK.finditer(head)), default=0)
        return head[cut:]


def _check(rule: str, f, verdict: str, detail: str) -> Check:
    return Check(rule, f.article, f.surface, verdict, detail, f.start, f.end, f.id)


def _n(v) -> str:
    """A number for prose: whole numbers without a decimal point."""
    return f"{int(v):,}" if float(v) == int(v) else f"{v:,}"


def _compare(actual: int | float, f) -> str:
    """The verdict for a computed `actual` against figure `f`'s stated bounds."""
    if f.qualifier == "exact":
        return HOLDS if actual == f.value else FAILS
    if f.qualifier == "about":
        return HOLDS if actual == f.value else CANNOT
    low, high = _bounds(f)
    return HOLDS if low <= actual <= high else FAILS


def _bounds(f) -> tuple[float, float]:
    low = f.low if f.low is not None and f.low == f.low else float("-inf")
    high = f.high if f.high is not None and f.high == f.high else float("inf")
    return low, high


def _same_sentence(a, b) -> bool:
    return a.sentence == b.sentence


# ------------------------------------------------------------------ span-days


def _month_day(f) -> tuple[int, int] | None:
    if f.kind != "date":
        return None
    try:
        return cal.month_day(f.date)
    except cal.CalendarError:
        return None


def _year(f) -> int | None:
    return int(f.date) if f.kind == "date" and re.fullmatch(r"\d{4}", f.date or "") else None


def _span_days(rows, where) -> list[Check]:
    out = []
    for f in rows:
        if f.kind != "duration" or f.unit != "天":
            continue
        earlier = [g for g in rows if _same_sentence(g, f) and g.start < f.start]
        dates = [g for g in earlier if _month_day(g)]
        if len(dates) < 2:
            continue
        first, last = _month_day(dates[-2]), _month_day(dates[-1])
        years = [y for g in rows if _same_sentence(g, f) and (y := _year(g))]
        article_years = sorted({y for g in rows if (y := _year(g))})
        year = years[0] if years else (article_years[0] if len(article_years) == 1 else None)
        out.append(_span_check(f, dates[-2], dates[-1], first, last, year))
    return out


def _span_check(f, a, b, first, last, year) -> Check:
    span = f"{a.surface}…{b.surface}"
    if year is not None:
        start, end = cal.span(year, first, last)
        n = cal.inclusive_days(start, end)
        how = (f"{start.isoformat()} to {end.isoformat()} is {n} days counting both ends "
               f"(year {year} from the ledger); the page says {f.surface}")
        return _check("span-days", f, _compare(n, f), how)
    counts = {cal.inclusive_days(*cal.span(y, first, last)) for y in (LEAP, COMMON)}
    if len(counts) == 1:
        n = counts.pop()
        how = f"{span} is {n} days counting both ends in any year; the page says {f.surface}"
        return _check("span-days", f, _compare(n, f), how)
    return _check("span-days", f, CANNOT,
                  f"{span} spans the end of February and the page gives no year for it")


# ------------------------------------------------------------------ list-total


def _lists(rows, where) -> list[list]:
    """Runs of two or more figures joined by 、/和/及 within one clause."""
    runs, current = [], []
    for f in rows:
        if f.kind in ("date", "ordinal", "duration", "percent") or where.locate(f) is None:
            continue
        gap = where.between(current[-1], f) if current else None
        if current and gap is not None and not CLAUSE_BREAK.search(gap) and LIST_JOIN.match(gap):
            current.append(f)
            continue
        if len(current) >= 2:
            runs.append(current)
        current = [f]
    if len(current) >= 2:
        runs.append(current)
    return runs


def _total_word(text: str) -> str | None:
    return next((w for w in TOTAL_WORDS if w in text), None)


def _list_totals(rows, where) -> list[Check]:
    out = []
    for parts in _lists(rows, where):
        total, partial = _stated_total(parts, rows, where)
        if total is not None:
            out.append(_total_check(total, parts, partial))
        elif _total_word(where.before(parts[0])):
            out.append(_open_list_check(parts, _total_word(where.before(parts[0]))))
    return out


def _stated_total(parts, rows, where):
    """(total figure, whether the list may be partial) for a list, or (None, False)."""
    after = [g for g in rows if g.start > parts[-1].start and _same_sentence(g, parts[-1])]
    if after:
        tail = CLAUSE_BREAK.split(where.between(parts[-1], after[0]) or "")[-1]
        if _total_word(tail) and len(tail) <= MAX_TOTAL_LEAD:
            return after[0], False
    before = [g for g in rows if g.start < parts[0].start and _same_sentence(g, parts[0])]
    if before:
        gap = where.between(before[-1], parts[0]) or ""
        if PARTIAL_WORD in gap and _total_word(where.before(before[-1])):
            return before[-1], True
    return None, False


def _total_check(total, parts, partial: bool) -> Check:
    units = sorted({p.unit for p in parts} | {total.unit})
    listed = " + ".join(p.surface for p in parts)
    if len(units) > 1:
        return _check("list-total", total, CANNOT,
                      f"the parts ({listed}) and the total are in different units ({', '.join(units)})")
    low = sum(_bounds(p)[0] for p in parts)
    high = sum(_bounds(p)[1] for p in parts)
    exact = all(p.qualifier == "exact" for p in parts)
    s = _n(low) if exact else f"{_n(low)} or more" if high == float("inf") else f"{_n(low)}–{_n(high)}"
    how = f"{listed} = {s}; the page states the total as {total.surface}"
    t_low, t_high = _bounds(total)
    if total.qualifier == "about":
        t_low = t_high = total.value
    if low > t_high:
        return _check("list-total", total, FAILS, how + " (the parts exceed it)")
    if partial:
        verdict = HOLDS if exact and low == total.value else CANNOT
        note = "" if verdict == HOLDS else " (其中 may list only some of the parts)"
        return _check("list-total", total, verdict, how + note)
    if high < t_low:
        return _check("list-total", total, FAILS, how + " (the parts fall short of it)")
    if exact and total.qualifier == "exact":
        return _check("list-total", total, HOLDS if low == total.value else FAILS, how)
    return _check("list-total", total, HOLDS, how + " (consistent within the qualifiers)")


def _open_list_check(parts, word: str) -> Check:
    units = sorted({p.unit for p in parts})
    listed = " + ".join(p.surface for p in parts)
    if len(units) > 1:
        detail = f"{word} introduces a list in different units ({listed}) and no total"
    else:
        total = sum(p.value for p in parts if p.value == p.value)
        detail = f"{word} introduces a list ({listed} = {_n(total)}{units[0]}) but the page states no total"
    return _check("list-total", parts[0], CANNOT, detail)


# ------------------------------------------------------------------ count-vs-list


def _counts_vs_lists(rows, where) -> list[Check]:
    out = []
    for f in rows:
        if f.kind != "count" or f.unit not in ITEM_UNITS or f.qualifier != "exact":
            continue
        m = ENUMERATION.search(where.before(f))
        if not m:
            continue
        items = [i for i in LIST_JOIN.split(m.group(1)) if i]
        listed = "、".join(_trim_first(items))
        if m.group(2):
            out.append(_check("count-vs-list", f, CANNOT,
                              f"the list ({listed}) ends in 等 (etc.), so it may be longer than {len(items)}"))
            continue
        out.append(_check("count-vs-list", f, _compare(len(items), f),
                          f"the page lists {len(items)} items ({listed}) and says {f.surface}"))
    return out


def _trim_first(items: list[str]) -> list[str]:
    """The list for display: the first item cut to the length of the longest other item
    (the clause before a list runs into its first item: 开展义诊、理发 → 义诊)."""
    longest = max(len(i) for i in items[1:])
    return [items[0][-longest:], *items[1:]]


# ------------------------------------------------------------------ township-count


def _township_counts(figures) -> list[Check]:
    from helpers.story import text

    out = []
    for f in figures:
        if f.kind != "count" or f.unit != "个" or not f.noun.startswith(TOWNSHIP_NOUN):
            continue
        named = text.townships(f.sentence)
        claim = f"{f.surface}{TOWNSHIP_NOUN}"
        if not named:
            out.append(_check("township-count", f, CANNOT,
                              f"the sentence of {claim} names none of the zone's four townships "
                              f"(the only ones this rule knows), so the page does not say which they are"))
            continue
        how = f"the sentence of {claim} names {len(named)} of the zone's townships ({'、'.join(named)})"
        if f.qualifier == "exact" and len(named) == f.value:
            out.append(_check("township-count", f, HOLDS, how))
        else:
            out.append(_check("township-count", f, CANNOT,
                              how + "; the rule knows only the zone's four townships, and a count can "
                                    "cover places the sentence does not name"))
    return out


# ------------------------------------------------------------------ headline-in-body


def _headline_in_body(rows) -> list[Check]:
    out = []
    body = [f for f in rows if f.part != "headline"]
    for f in (f for f in rows if f.part == "headline"):
        same = [g for g in body if g.value == f.value and (g.unit == f.unit or g.kind == f.kind == "ordinal")]
        if same:
            more = {1: "", 2: " (and once more)"}.get(len(same), f" (and {len(same) - 1} more times)")
            out.append(_check("headline-in-body", f, HOLDS, f"the body restates it as {same[0].surface}{more}"))
            continue
        within = _within_bounds(f, body)
        if within is not None:
            out.append(_check("headline-in-body", f, HOLDS,
                              f"the body gives {within.surface}, within the headline's {f.surface}"))
        else:
            out.append(_check("headline-in-body", f, CANNOT,
                              f"the body does not restate {f.surface}"))
    return out


def _within_bounds(f, body):
    """The first body figure in `f`'s unit that lies within a headline floor or ceiling's
    bounds (超10万 → 10.5万), or None. An exact or "about" headline needs its own value."""
    if f.qualifier in ("exact", "about"):
        return None
    low, high = _bounds(f)
    if low == float("-inf") and high == float("inf"):
        return None
    return next((g for g in body if g.unit == f.unit and g.kind == f.kind and g.value == g.value
                 and low <= g.value <= high), None)


UNREAD_RULE = "unread-figure"


def unread(figures) -> list[Check]:
    """One ``cannot check`` per figure the ledger could not read whole (qualifier ``unread``:
    1万6人, a run of numeral characters that is no one number): a reader must read it by hand."""
    return [Check(UNREAD_RULE, f.article, f.surface, CANNOT,
                  f"the ledger cannot read {f.surface!r} as one number (offsets {f.start}:{f.end}); "
                  "it has no value until someone reads it by hand", f.start, f.end, f.id)
            for f in figures if f.qualifier == "unread"]
