"""Quantities: bounds through arithmetic, qualifiers, projections, working, formatting."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import ledger
from helpers.quantity import Quantity, QuantityError, fmt_number, fmt_yuan


@pytest.fixture(scope="module")
def book():
    return ledger.load()


def q(value, qualifier="exact", unit="", projected=False, fid="x"):
    low = value if qualifier in ("exact", "more_than", "at_least") else None
    high = value if qualifier in ("exact", "nearly", "at_most") else None
    return Quantity(value, low, high, unit, qualifier, projected, f"{value}{unit}", (), (fid,), "figure")


def test_floor_div_floor_is_unbounded_face_value(book):
    invest = Quantity.from_figure(book.get(article="a01", unit="元"))
    jobs = Quantity.from_figure(book.get(article="a01", near="岗位"))
    per_job = invest / jobs
    assert (per_job.value, per_job.low, per_job.high, per_job.qualifier) == (550000, None, None, "unbounded")
    assert per_job.projected and per_job.is_projection
    assert per_job.en("yuan per job") == "550,000 yuan per job (face value)"
    assert per_job.qualifier_en() == "face value"
    assert per_job.sources == ("a01-f02", "a01-f03")
    assert "16.5亿元 (a01-f02, more than) ÷ 3000个 (a01-f03, at least)" in per_job.working[-1]
    assert "do not bound" in per_job.working[-1]


def test_floor_div_exact_is_floor(book):
    invest = Quantity.from_figure(book.get(article="a01", unit="元"))
    r = invest / 3000
    assert (r.value, r.low, r.high, r.qualifier) == (550000, 550000, None, "more_than")
    assert r.en() == "more than 550,000 yuan" and r.zh() == "超55万元"
    s = q(100, "at_least") / q(4)
    assert (s.qualifier, s.low, s.high) == ("at_least", 25, None)
    assert s.en("units") == "at least 25 units"


def test_floor_times_exact_is_floor():
    r = q(5, "at_least", "人") * 2
    assert (r.value, r.low, r.high, r.qualifier, r.unit) == (10, 10, None, "at_least", "人")
    assert (2 * q(5, "at_least", "人")).low == 10


def test_about_wins():
    r = q(130, "about", "元") / q(6)
    assert (r.qualifier, r.low, r.high) == ("about", None, None)
    assert (q(1) + q(2, "about")).qualifier == "about"


def test_ceiling_and_sums():
    assert (q(900, "nearly") + q(10)).qualifier == "nearly"
    assert (q(900, "nearly") + q(10)).high == 910
    assert (q(100, "at_most") * 3).qualifier == "at_most"
    assert (q(10, "more_than") + q(900, "nearly")).qualifier == "unbounded"
    d = q(10) - q(3, "at_least")
    assert (d.low, d.high, d.qualifier) == (None, 7, "at_most")


def test_exact_ratio_and_household_size(book):
    people = Quantity.from_figure(book.get(article="a07", unit="人"))
    homes = Quantity.from_figure(book.get(article="a07", unit="户"))
    r = people / homes
    assert r.qualifier == "exact" and r.unit == "人/户"
    assert r.en() == "1.64 people per household"
    assert not r.projected


def test_range_figure(book):
    servings = Quantity.from_figure(book.get(qualifier="range"))
    assert (servings.value, servings.low, servings.high) == (12.5, 10, 15)
    assert servings.en(("serving", "servings")) == "10 to 15 servings"
    assert servings.zh() == "10—15份"
    doubled = servings * 2
    assert (doubled.low, doubled.high, doubled.qualifier) == (20, 30, "range")


def test_from_dataframe_row(book):
    row = book.figures.set_index("id").loc["a03-f03"].to_dict() | {"id": "a03-f03"}
    cost = Quantity.from_figure(row)
    assert cost.value == 1300000 and isinstance(cost.value, int) and cost.qualifier == "about"
    assert (cost / 6).en() == "about 217,000 yuan"
    assert (cost / 6).zh() == "约21.7万元"


def test_projection_propagates():
    assert (q(1, projected=True) + q(2)).projected
    assert (q(2) / q(1, projected=True)).projected
    assert not (q(2) / q(1)).projected


def test_units_must_agree_for_sums():
    with pytest.raises(QuantityError, match="units differ"):
        q(1, unit="人") + q(1, unit="户")


def test_unknown_unit_needs_english():
    with pytest.raises(QuantityError, match="unit_en"):
        q(3000, unit="个").en()
    assert q(3000, "at_least", "个").en(("job", "jobs")) == "at least 3,000 jobs"


def test_money_formatting():
    assert fmt_yuan(1650000000) == "1.65 billion yuan"
    assert fmt_yuan(550000) == "550,000 yuan"
    assert fmt_yuan(1300000) == "1.3 million yuan"
    assert Quantity.exact(1650000000, "元").zh() == "16.5亿元"
    assert Quantity.exact(550000, "元").zh() == "55万元"


@pytest.mark.parametrize("x, text", [(0.1 + 0.2, "0.3"), (1634, "1,634"), (1634 / 994, "1.64"),
                                     (216666.6666, "217,000"), (550000.0, "550,000"), (2.5, "2.5"),
                                     (-1234.5, "-1,230"), (0.000123456, "0.000123")])
def test_fmt_number(x, text):
    assert fmt_number(x) == text


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(lambda v: v == 0 or abs(v) >= 1e-6))
def test_fmt_number_never_shows_noise(x):
    text = fmt_number(x)
    assert "e" not in text.lower()
    shown = Decimal(text.replace(",", ""))
    assert abs(shown - Decimal(x)) <= abs(Decimal(x)) * Decimal("0.005")
    if x != int(x):  # non-whole values keep 3 significant figures at most
        assert len(str(shown.normalize().as_tuple().digits and
                       "".join(map(str, shown.normalize().as_tuple().digits)))) <= 3


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_exact_interval_contains_value(a, b):
    r = Quantity.exact(a) / Quantity.exact(b)
    assert r.qualifier == "exact" and r.low == r.high == r.value


def test_working_names_every_step(book):
    buses = book.all(article="a02", unit="部")
    total = Quantity.from_figure(buses[0])
    for f in buses[1:]:
        total = total + Quantity.from_figure(f)
    assert total.en(("vehicle", "vehicles")) == "263 vehicles"
    assert total.sources == tuple(f.id for f in buses)
    assert any("117部 (a02-f08, exact)" in line for line in total.working)
    assert total.working[-1].endswith("= 263 部")
