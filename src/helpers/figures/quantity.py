"""Bounds-aware quantities: ledger figures carried through arithmetic into reader prose.

A ``Quantity`` keeps a face value plus the bounds its wording implies (``low``/``high``;
``None`` = unbounded on that side), a qualifier, whether it is a projection, and its
*working*: how it was computed, from which figure ids.

Arithmetic is interval arithmetic on the bounds, for non-negative quantities (counts,
money, areas — what a news page states):

* ``a + b``: [a.low + b.low, a.high + b.high];  ``a - b``: [a.low - b.high, a.high - b.low]
* ``a * b``: [a.low·b.low, a.high·b.high];      ``a / b``: [a.low / b.high, a.high / b.low]
* a side is unbounded when any input needed for it is.

So floor × exact → floor, floor ÷ exact → floor, floor ÷ floor → no bound at all: the result
is a face value only (qualifier ``unbounded``; ``en()`` says "face value"). A result is
``projected`` when any input is. Qualifiers of a result: exact (low == high), range,
more_than / at_least (only a floor; more_than if a ``more_than`` input fed it), nearly /
at_most (only a ceiling), about, about_at_least, about_at_most, unbounded.

Approximate inputs (``about``) keep the direction of the others. The same interval rules
run with an ``about`` figure standing at its face value (an ``about_at_least`` as a floor
at its value, an ``about_at_most`` as a ceiling); the result is then approximate, and
keeps whichever sides are still bounded:

* both sides → ``about`` (about × exact, about ÷ about);
* only a floor → ``about_at_least``, "at least about" (about × floor, floor ÷ about,
  about ÷ ceiling, about + floor);
* only a ceiling → ``about_at_most``, "at most about" (about ÷ floor, ceiling ÷ about);
* neither → ``unbounded`` (about × floor ÷ floor): a face value only.

Approximate results store no hard bounds (``low`` = ``high`` = None): the qualifier says
which way they lean.

Numbers are computed with ``Decimal`` and formatted by ``fmt_number``: whole values in
full with thousands separators, others to 3 significant figures — never float noise.
Rounding never overstates a bound: a floor (more than, at least, at least about, a
range's low end) is rounded down, a ceiling (nearly, at most, at most about, a range's
high end) up; exact, about and face values round half up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext

from helpers import vocab
from helpers.figures import numerals
from helpers.figures.formatting import QuantityError, _zh_number, fmt_number, fmt_yuan

QUALIFIER_EN = {"exact": "", "more_than": "more than", "at_least": "at least", "nearly": "nearly",
                "about": "about", "at_most": "at most", "range": "", "unbounded": "face value",
                "about_at_least": "at least about", "about_at_most": "at most about"}
FACE_VALUE = " (face value)"
# What a qualifier makes of a figure as a bound, for explanations ("floor ÷ exact = floor").
BOUND_EN = {"exact": "exact", "more_than": "floor", "at_least": "floor", "nearly": "ceiling",
            "at_most": "ceiling", "about": "approximate", "range": "range", "unbounded": "not bounded",
            "about_at_least": "approximate floor", "about_at_most": "approximate ceiling"}
QUALIFIER_ZH = {"more_than": "超{}", "at_least": "{}以上", "nearly": "近{}", "about": "约{}",
                "at_most": "不超过{}", "about_at_least": "约{}以上", "about_at_most": "约不超过{}",
                "unbounded": "{}(面值)"}
# Approximate qualifiers: the figure is "about" its value, leaning as the name says.
APPROXIMATE = ("about", "about_at_least", "about_at_most")
# Which way a qualifier's number is rounded for print, so a bound is never overstated.
FLOORS = ("more_than", "at_least", "about_at_least")
CEILINGS = ("nearly", "at_most", "about_at_most")
# unit → (singular, plural) in English (data/vocab/units.csv); measure words like 个 depend on
# the noun: pass unit_en.
UNIT_EN = {"": ("", "")} | {r["unit"]: (r["english_singular"], r["english_plural"])
                            for r in vocab.table("units") if r["english_singular"]}




def _dec(x) -> Decimal | None:
    return None if x is None else Decimal(str(x))


def _nan_to_none(x):
    if x is None:
        return None
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


@dataclass(frozen=True)
class Quantity:
    """A value with bounds, unit, qualifier, projection flag, label, working and sources."""

    value: int | float
    low: int | float | None = None
    high: int | float | None = None
    unit: str = ""
    qualifier: str = "exact"
    projected: bool = False
    label: str = ""
    working: tuple[str, ...] = field(default=())
    sources: tuple[str, ...] = field(default=())
    origin: str = "derived"   # "figure", "number" or "derived": how ``ref`` names it
    names: tuple[tuple[str, str, str], ...] = field(default=())  # (unit, singular, plural) in English

    # ----------------------------------------------------------- construction

    @classmethod
    def exact(cls, value, unit: str = "", label: str = "") -> Quantity:
        """A plain number known exactly (bounds = value)."""
        return cls(value, value, value, unit, "exact", False, label or fmt_number(value), origin="number")

    @classmethod
    def from_figure(cls, fig) -> Quantity:
        """From a ledger ``Figure`` (or a DataFrame row with the same fields).

        A range's value is its midpoint, used only for arithmetic; ``en()`` prints the range."""
        get = (lambda k: fig[k]) if hasattr(fig, "keys") else (lambda k: getattr(fig, k))
        value, low, high = (_nan_to_none(get(k)) for k in ("value", "low", "high"))
        qualifier = get("qualifier")
        if value is None:
            if low is None or high is None:
                raise QuantityError(f"figure {get('id')} ({get('surface')!r}) has no value and no range")
            value = numerals.to_native((Decimal(str(low)) + Decimal(str(high))) / 2)
        fid = get("id")
        q = cls(_whole(value), _whole(low), _whole(high), get("unit"), qualifier, bool(get("projected")),
                get("surface"), (), (fid,) if fid else (), "figure")
        return replace(q, working=(f"{q.ref()} = {get('surface')} in “{get('sentence')}”",))

    def called(self, singular: str, plural: str) -> Quantity:
        """This quantity with English words for its unit (3000个 → "job"/"jobs").

        A measure word's English depends on the noun, so a notebook names it once; the
        words then serve ``en()`` and travel through arithmetic into every result's
        working ("550,000 yuan per job")."""
        if not self.unit or "/" in self.unit:
            raise QuantityError(f"called: name a plain unit, not {self.unit!r} ({self.label})")
        names = tuple(n for n in self.names if n[0] != self.unit) + ((self.unit, singular, plural),)
        return replace(self, names=names)

    # ----------------------------------------------------------- arithmetic

    def __add__(self, other):
        return _combine(self, other, "+")

    def __radd__(self, other):
        return _combine(_lift(other), self, "+")

    def __sub__(self, other):
        return _combine(self, other, "-")

    def __rsub__(self, other):
        return _combine(_lift(other), self, "-")

    def __mul__(self, other):
        return _combine(self, other, "×")

    def __rmul__(self, other):
        return _combine(_lift(other), self, "×")

    def __truediv__(self, other):
        return _combine(self, other, "÷")

    def __rtruediv__(self, other):
        return _combine(_lift(other), self, "÷")

    # ----------------------------------------------------------- description

    @property
    def step(self) -> str:
        """The last line of the working: how this number was made from its inputs."""
        if not self.working:
            raise QuantityError(f"{self.label or self.value!r} has no working")
        return self.working[-1]

    def qualifier_en(self) -> str:
        """"at least", "more than", "about", "nearly", "at most", "face value" or ""."""
        return QUALIFIER_EN[self.qualifier]

    def ref(self) -> str:
        """How the working names this quantity: ``16.5亿元 (a01-f02, more than)``."""
        if self.origin == "figure":
            qual = QUALIFIER_EN[self.qualifier] or self.qualifier
            return f"{self.zh(qualifier=False)} ({', '.join(self.sources) or 'no id'}, {qual})"
        if self.origin == "number":
            return self.label
        return f"({self.label})"

    def en(self, unit_en: str | tuple[str, str] | None = None, digits: int = 3, *,
           per: str | None = None) -> str:
        """Reader English: "at least 550,000 yuan", "about 217,000 yuan", "1.64 people per household",
        "10 to 15 servings", "550,000 yuan (face value)".

        A rate (unit ``a/b``) reads "… per <b>"; `per` names the denominator in English
        (``per="building"`` for 元/栋), and then `unit_en` names only the numerator. Money
        rates read as money: "more than 28.9 million yuan per building"."""
        if per is not None or (unit_en is None and self.unit.startswith("元/")):
            return self._rate_en(unit_en, per, digits)
        if self.qualifier == "range":
            return (f"{self._num(self.low, digits, 'down')} to "
                    f"{self._with_unit(self.high, unit_en, digits, 'up')}")
        text = self._with_unit(self.value, unit_en, digits, self.rounding)
        if self.qualifier == "unbounded":
            return text + FACE_VALUE
        qual = QUALIFIER_EN[self.qualifier]
        return f"{qual} {text}" if qual else text

    def _rate_en(self, unit_en, per: str | None, digits: int) -> str:
        """`en` of a rate: the numerator's words, then "per <denominator>"."""
        num, _, den = self.unit.partition("/")
        per = per if per is not None else _unit_words(den, None, 1, self.names)
        text = replace(self, unit=num).en(unit_en, digits)
        if self.qualifier == "unbounded":
            return f"{text.removesuffix(FACE_VALUE)} per {per}{FACE_VALUE}"
        return f"{text} per {per}"

    def zh(self, qualifier: bool = True, digits: int = 3) -> str:
        """Chinese as papers print it: "55万元", "16.5亿元", with 超/以上/约/近/不超过 when qualified."""
        if self.qualifier == "range":
            return f"{_zh_number(self.low, digits, 'down')}—{_zh_number(self.high, digits, 'up')}{self.unit}"
        text = _zh_number(self.value, digits, self.rounding) + self.unit
        pattern = QUALIFIER_ZH.get(self.qualifier) if qualifier else None
        return pattern.format(text) if pattern else text

    @property
    def rounding(self) -> str:
        """How the value is rounded for print: "down" for a floor, "up" for a ceiling, else "half_up"."""
        return "down" if self.qualifier in FLOORS else "up" if self.qualifier in CEILINGS else "half_up"

    def _num(self, x, digits: int, rounding: str) -> str:
        if self.unit == "元":
            return fmt_yuan(x, digits, rounding).removesuffix(" yuan")
        return fmt_number(x, digits, rounding)

    def _with_unit(self, x, unit_en, digits: int, rounding: str) -> str:
        if self.unit == "元" and unit_en is None:
            return fmt_yuan(x, digits, rounding)
        words = _unit_words(self.unit, unit_en, x, self.names)
        number = fmt_number(x, digits, rounding)
        if not words:
            return number
        return f"{number}{words}" if words == "%" else f"{number} {words}"

    def __str__(self) -> str:
        return self.zh()

    def __format__(self, spec: str) -> str:
        """``f"{q:en}"`` → reader English (`en`), ``f"{q:zh}"`` → the paper's Chinese (`zh`);
        an empty spec is ``str`` (Chinese)."""
        if spec in ("", "zh"):
            return self.zh()
        if spec == "en":
            return self.en()
        raise QuantityError(f"format spec {spec!r}: use 'en' or 'zh' ({self.label or self.value!r})")

    def _repr_markdown_(self) -> str:
        """Reader prose where a notebook shows the quantity, e.g. a MyST ``{eval}`q``` in a
        markdown cell: "at least 550,000 yuan", never a repr."""
        return self.en()


# ------------------------------------------------------------------ explaining and relabelling


def bound_en(q: Quantity) -> str:
    """What `q` is as a bound: "floor", "ceiling", "exact", "approximate", "range", "not bounded"."""
    return BOUND_EN[q.qualifier]


def bound_rule(a: Quantity, b: Quantity, op: str = "÷") -> str:
    """Why a result carries its qualifier, from the operands': "floor ÷ exact = floor"."""
    if op not in ("+", "-", "×", "÷"):
        raise QuantityError(f"bound_rule: unknown operator {op!r}; use + - × ÷")
    result = _combine(a, b, op)
    return f"{bound_en(a)} {op} {bound_en(b)} = {bound_en(result)}"


def bound_kind(q: Quantity) -> str:
    """A figure's kind for a table: "floor (more than), projected", "printed without a qualifier".

    An exact figure is only exact as far as the page goes: it carries no 超/约/近, but may
    still be a rounded number, so the words say what was printed, not that it is precise."""
    qual = q.qualifier_en()
    words = f"{bound_en(q)} ({qual})" if qual and q.qualifier != "unbounded" else (
        bound_en(q) if q.qualifier != "exact" else "printed without a qualifier")
    return words + (", projected" if q.projected else "")


def counted_as(q: Quantity, unit: str, why: str) -> Quantity:
    """`q` relabelled to `unit` so unlike measure words can be added (床, 套, 条 → items;
    部 and 辆 → vehicles). `why` says why they count alike; it goes into the working."""
    if not why.strip():
        raise QuantityError(f"counted_as: say why {q.label} ({q.unit}) counts as {unit or 'a plain count'}")
    line = f"{q.ref()} counted as {unit or 'plain'} units: {why}"
    return replace(q, unit=unit, origin="derived", label=f"{q.ref()} as {unit or 'items'}",
                   working=q.working + (line,))


def at_most_one_each(items: Quantity, unit: str, who: str = "recipients") -> Quantity:
    """How many `who` `items` can reach at one item each: at most as many as the items, and
    possibly none (a ceiling, qualifier ``at_most``), in `unit` (e.g. 户 households)."""
    if items.high is None:
        raise QuantityError(f"at_most_one_each: {items.label} has no upper bound, so it caps nothing")
    line = f"{who} ≤ items: at most {fmt_number(items.high)} (one item each at best)"
    return replace(items, value=items.high, low=None, qualifier="at_most", unit=unit, origin="derived",
                   label=f"at most {items.ref()}", working=items.working + (line,))


def _whole(x):
    """Floats that are whole (1650000000.0 from a DataFrame) become ints."""
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x


def _lift(x) -> Quantity:
    if isinstance(x, Quantity):
        return x
    if isinstance(x, bool) or not isinstance(x, (int, float, Decimal)):
        raise QuantityError(f"cannot combine a Quantity with {x!r}")
    return Quantity.exact(x)


def _combine(a: Quantity, b, op: str) -> Quantity:
    b = _lift(b)
    unit = _unit(a, b, op)
    value = _apply(op, _dec(a.value), _dec(b.value))
    low, high = _bounds(_as_bounds(a), _as_bounds(b), op)
    qualifier = _qualifier(a, b, low, high)
    if qualifier in APPROXIMATE or qualifier == "unbounded":
        low = high = None
    label = f"{a.ref()} {op} {b.ref()}"
    result = Quantity(numerals.to_native(value), _native(low), _native(high), unit, qualifier,
                      a.projected or b.projected, label, (), _merge(a.sources, b.sources),
                      names=_merge_names(a.names, b.names))
    line = f"{label} = {_working_en(result, op == '÷' and bool(a.unit) and a.unit == b.unit)}"
    if qualifier == "unbounded":
        line += " — the inputs' bounds do not bound this result; the face value is shown as such"
    if result.projected:
        line += " — projected: built on a figure the article states for the future"
    return replace(result, working=_merge(a.working, b.working) + (line,))


def _working_en(result: Quantity, same_unit_ratio: bool) -> str:
    """A result in the working's English: "more than 28.9 million yuan per building",
    "at least about 1,260 times" (a ratio of like units). A unit with no English known
    (a measure word nobody named with ``called``) is shown as written: "per 个"."""
    if same_unit_ratio:
        return result.en(unit_en=("time", "times"))
    try:
        return result.en()
    except QuantityError:
        num, sep, den = result.unit.partition("/")
        if sep and num == "元":
            return result.en(per=den)
        return result.en(unit_en=(result.unit, result.unit))


def _merge_names(x, y) -> tuple[tuple[str, str, str], ...]:
    """English unit words from both operands; a unit named two ways keeps no words."""
    merged: dict[str, tuple[str, str, str] | None] = {}
    for n in x + y:
        merged[n[0]] = n if merged.get(n[0], n) == n else None
    return tuple(n for n in merged.values() if n is not None)


def _as_bounds(q: Quantity) -> Quantity:
    """`q` with the bounds interval arithmetic uses: an approximate figure stands at its
    value (about: both sides, or its own range; about_at_least: a floor; about_at_most: a ceiling)."""
    if q.qualifier == "about":
        return replace(q, low=q.value if q.low is None else q.low, high=q.value if q.high is None else q.high)
    if q.qualifier == "about_at_least":
        return replace(q, low=q.value, high=None)
    if q.qualifier == "about_at_most":
        return replace(q, low=None, high=q.value)
    return q


def _merge(x: tuple[str, ...], y: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x + y))


def _apply(op: str, x: Decimal | None, y: Decimal | None) -> Decimal | None:
    if x is None or y is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 28
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "×":
            return x * y
        if y == 0:
            raise QuantityError("division by zero")
        return x / y


def _bounds(a: Quantity, b: Quantity, op: str) -> tuple[Decimal | None, Decimal | None]:
    for q in (a, b):
        for bound in (q.low, q.high):
            if bound is not None and bound < 0 and op in "×÷":
                raise QuantityError(f"bounds arithmetic assumes non-negative quantities: {q.label} has {bound}")
    al, ah, bl, bh = _dec(a.low), _dec(a.high), _dec(b.low), _dec(b.high)
    if op == "+":
        return _apply("+", al, bl), _apply("+", ah, bh)
    if op == "-":
        return _apply("-", al, bh), _apply("-", ah, bl)
    if op == "×":
        return _apply("×", al, bl), _apply("×", ah, bh)
    low = _apply("÷", al, bh) if bh else None
    high = _apply("÷", ah, bl) if bl else None
    return low, high


def _qualifier(a: Quantity, b: Quantity, low, high) -> str:
    quals = {a.qualifier, b.qualifier}
    if quals & set(APPROXIMATE):
        if low is None and high is None:
            return "unbounded"
        return "about" if low is not None and high is not None else (
            "about_at_least" if low is not None else "about_at_most")
    if low is not None and high is not None:
        return "exact" if low == high else "range"
    if low is not None:
        return "more_than" if "more_than" in quals else "at_least"
    if high is not None:
        return "nearly" if "nearly" in quals else "at_most"
    return "unbounded"


def _native(d: Decimal | None):
    return None if d is None else numerals.to_native(d)


def _unit(a: Quantity, b: Quantity, op: str) -> str:
    if op in "+-":
        if a.unit != b.unit and a.unit and b.unit:
            raise QuantityError(f"cannot {op} {a.label} ({a.unit}) and {b.label} ({b.unit}): units differ")
        return a.unit or b.unit
    if op == "×":
        if not a.unit or not b.unit:
            return a.unit or b.unit
        if a.unit.endswith("/" + b.unit):
            return a.unit[: -len(b.unit) - 1]
        return f"{a.unit}·{b.unit}"
    if a.unit == b.unit:
        return ""
    if not b.unit:
        return a.unit
    return f"{a.unit or '1'}/{b.unit}"


def _unit_words(unit: str, unit_en, x, names=()) -> str:
    """English unit words for ``x`` of ``unit`` (plural unless x == 1); `names` are a
    quantity's own (unit, singular, plural) words, tried before the common units."""
    if unit_en is not None:
        if isinstance(unit_en, str):
            return unit_en
        return unit_en[0] if x == 1 else unit_en[1]
    if "/" in unit:
        num, den = unit.split("/", 1)
        n, d = _unit_words(num, None, x, names), _unit_words(den, None, 1, names)
        return f"{n} per {d}".strip()
    known = {n[0]: n[1:] for n in names}
    if unit not in known and unit not in UNIT_EN:
        raise QuantityError(f"no English for the unit {unit!r}: pass unit_en=('singular', 'plural') "
                            f"or name it with .called() (a measure word's English depends on the "
                            f"noun: 3000个 岗位 → 'jobs')")
    singular, plural = known.get(unit) or UNIT_EN[unit]
    return singular if x == 1 else plural
