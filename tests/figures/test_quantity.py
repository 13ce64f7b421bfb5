"""Quantities: bounds through arithmetic, qualifiers, projections, working, formatting."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.figures import ledger
from helpers.figures.formatting import QuantityError, fmt_number, fmt_yuan
from helpers.figures.quantity import Quantity


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
    assert per_job.projected
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


# ------------------------------------------------------------------ rates, bound rules, relabelling

from helpers.figures.formatting import fmt_day_month  # noqa: E402
from helpers.figures.quantity import at_most_one_each, bound_kind, bound_rule, counted_as


def test_money_rate_reads_as_money_per_unit():
    invest, buildings = q(1_650_000_000, "more_than", "元"), q(57, "exact", "栋")
    rate = invest / buildings
    assert rate.unit == "元/栋"
    assert rate.en(per="building") == "more than 28.9 million yuan per building"
    assert (invest / q(3000, "at_least", "个")).en(per="job") == "550,000 yuan per job (face value)"
    assert (q(1_000_000, "exact", "元") / q(2, "exact", "平方米")).en() == "500,000 yuan per square metre"
    assert (q(3000, "at_least", "个") / buildings).en(("job", "jobs"), per="building") == \
        "at least 52.6 jobs per building"


def test_money_rate_of_a_range_keeps_both_ends():
    rng = Quantity(15, 10, 20, "元/份", "range", False, "10—20元", (), ("r",), "figure")
    assert rng.en(per="portion") == "10 to 20 yuan per portion"


def test_bound_rule_derives_from_the_operands():
    floor, exact, about, ceiling = q(10, "more_than"), q(2), q(5, "about"), q(4, "nearly")
    assert bound_rule(floor, exact) == "floor ÷ exact = floor"
    assert bound_rule(floor, floor) == "floor ÷ floor = not bounded"
    assert bound_rule(exact, ceiling) == "exact ÷ ceiling = floor"   # dividing by at most 4 gives at least
    assert bound_rule(floor, about, "×") == "floor × approximate = approximate floor"  # was "approximate"
    assert bound_rule(floor, ceiling, "-") == "floor - ceiling = floor"
    with pytest.raises(QuantityError, match="operator"):
        bound_rule(floor, exact, "/")


def test_bound_kind_names_floor_ceiling_and_projection():
    assert bound_kind(q(10, "more_than", projected=True)) == "floor (more than), projected"
    assert bound_kind(q(10, "at_least")) == "floor (at least)"
    assert bound_kind(q(10, "nearly")) == "ceiling (nearly)"
    assert bound_kind(q(10)) == "printed without a qualifier"
    assert bound_kind(q(10, "about")) == "approximate (about)"


def test_counted_as_lets_unlike_measure_words_add_and_says_why():
    quilts, sets = q(40, "exact", "床", fid="f1"), q(30, "exact", "套", fid="f2")
    with pytest.raises(QuantityError, match="units differ"):
        quilts + sets
    why = "a quilt and a set of clothing are one item each"
    total = counted_as(quilts, "", why) + counted_as(sets, "", why)
    assert (total.value, total.qualifier, total.unit, total.sources) == (70, "exact", "", ("f1", "f2"))
    assert any("40床 (f1, exact) counted as" in w and why in w for w in total.working)
    with pytest.raises(QuantityError, match="say why"):
        counted_as(quilts, "", " ")


def test_at_most_one_each_is_a_ceiling_in_the_recipients_unit():
    items = q(70, "exact")
    reached = at_most_one_each(items, "户")
    assert (reached.value, reached.low, reached.high, reached.qualifier, reached.unit) == (70, None, 70, "at_most", "户")
    assert reached.en() == "at most 70 households"
    share = reached / q(1000, "exact", "户") * 100
    assert share.qualifier == "at_most" and share.en("%") == "at most 7%"
    assert "one item each" in reached.working[-1]
    with pytest.raises(QuantityError, match="no upper bound"):
        at_most_one_each(q(70, "more_than"), "户")


@pytest.mark.parametrize("date, text", [("XXXX-03-05", "5 March"), ("2024-12-31", "31 December"), ("XXXX-1-9", "9 January")])
def test_fmt_day_month(date, text):
    assert fmt_day_month(date) == text


def test_fmt_day_month_refuses_what_is_not_a_day():
    import datetime

    assert fmt_day_month(datetime.date(2024, 2, 29)) == "29 February"
    for bad in ("XXXX-13-01", "2024", "March 5"):
        with pytest.raises(QuantityError, match="fmt_day_month"):
            fmt_day_month(bad)


def test_step_is_the_last_line_of_the_working(book):
    invest = Quantity.from_figure(book.get(article="a01", unit="元"))
    per = invest / 3000
    assert per.step == per.working[-1] and "÷ 3,000" in per.step and "= more than 550,000 yuan" in per.step
    with pytest.raises(QuantityError, match="no working"):
        Quantity.exact(3).step


# ------------------------------------------------------------------ rounding never overstates a bound


def test_floors_round_down_and_ceilings_up():
    assert Quantity(52.66, 52.66, None, "", "at_least").en() == "at least 52.6"
    assert (q(2000, "more_than") / q(3)).en() == "more than 666"
    assert (q(2000, "more_than") / q(3)).zh() == "超666"
    assert Quantity(52.61, None, 52.61, "", "nearly").en() == "nearly 52.7"
    assert Quantity(52.61, None, 52.61, "", "at_most").zh() == "不超过52.7"
    assert Quantity(52.65, None, None, "", "about").en() == "about 52.7"       # half up, not half even
    assert Quantity(52.65, 52.65, 52.65, "", "exact").en() == "52.7"
    assert Quantity(2.5, 1.666, 3.333, "", "range").en() == "1.66 to 3.34"
    assert Quantity(28_947_368.4, 28_947_368.4, None, "元", "more_than").en() == "more than 28.9 million yuan"
    assert Quantity(28_960_000.5, 28_960_000.5, None, "元", "more_than").en() == "more than 28.9 million yuan"


def test_fmt_rounding_directions_and_scale_after_rounding():
    assert fmt_number(666.67, rounding="down") == "666" and fmt_number(666.61, rounding="up") == "667"
    assert fmt_number(2.5) == "2.5" and fmt_number(0.1235) == "0.124"
    assert fmt_yuan(999999.6) == "1 million yuan"
    assert fmt_yuan(999_999_999.6) == "1 billion yuan"
    assert fmt_yuan(999999.6, rounding="down") == "999,000 yuan"
    with pytest.raises(QuantityError, match="rounding"):
        fmt_number(1.5, rounding="nearest")


# ------------------------------------------------------------------ approximate figures keep a direction


def test_about_with_a_floor_or_ceiling_keeps_the_direction():
    about, floor, ceiling, exact = q(130, "about", "元"), q(1650, "more_than", "元"), q(4, "nearly"), q(2)
    assert (floor / about).qualifier == "about_at_least"          # floor ÷ about
    assert (about * q(3, "at_least")).qualifier == "about_at_least"   # about × floor
    assert (about / ceiling).qualifier == "about_at_least"        # about ÷ ceiling
    assert (about + floor).qualifier == "about_at_least"          # about + floor
    assert (about / q(3, "at_least")).qualifier == "about_at_most"   # about ÷ floor
    assert (ceiling / q(2, "about")).qualifier == "about_at_most"     # ceiling ÷ about
    assert (about / exact).qualifier == "about" and (about / about).qualifier == "about"
    assert (floor / about / floor).qualifier == "unbounded"       # (≥ about) ÷ floor: nothing left
    r = floor / about
    assert (r.low, r.high) == (None, None)  # approximate results hold no hard bounds
    assert r.en(("time", "times")) == "at least about 12.6 times"   # 12.69…: rounded down
    assert r.zh() == "约12.6以上"
    assert (about / q(3, "at_least")).en("units") == "at most about 43.4 units"   # 43.33…: rounded up
    assert bound_rule(about, ceiling) == "approximate ÷ ceiling = approximate floor"


def test_scale_of_the_park_against_the_safety_project_keeps_the_floor(book):
    park = Quantity.from_figure(book.get(article="a01", unit="元"))
    safety = Quantity.from_figure(book.get(article="a03", unit="元"))
    times = park / safety
    assert (park.qualifier, safety.qualifier, times.qualifier) == ("more_than", "about", "about_at_least")
    assert times.projected
    assert times.working[-1].endswith("= at least about 1,260 times — projected: built on a figure "
                                      "the article states for the future")


# ------------------------------------------------------------------ the working reads as English


def test_working_reads_as_english_with_named_units(book):
    invest = Quantity.from_figure(book.get(article="a01", unit="元"))
    jobs = Quantity.from_figure(book.get(article="a01", near="岗位")).called("job", "jobs")
    area = Quantity.from_figure(book.get(article="a01", unit="平方米"))
    buildings = Quantity.from_figure(book.get(article="a01", unit="栋"))
    assert jobs.en() == "at least 3,000 jobs"
    assert (invest / jobs).working[-1].startswith(
        "16.5亿元 (a01-f02, more than) ÷ 3000个 (a01-f03, at least) = 550,000 yuan per job (face value)")
    assert "= more than 28.9 million yuan per building" in (invest / buildings).working[-1]
    assert "= at least 52.6 jobs per building" in (jobs / buildings).working[-1]
    assert "= at most 50 square metres per job" in (area / jobs).working[-1]
    for line in [(invest / jobs).step, (invest / buildings).step, (jobs / buildings).step, (area / jobs).step]:
        result = line.split(" = ", 1)[1]
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in result), line


def test_working_falls_back_to_the_unit_as_written_when_unnamed():
    r = q(1_650_000_000, "more_than", "元") / q(3000, "at_least", "个")
    assert "= 550,000 yuan per 个 (face value)" in r.step


def test_called_names_a_plain_unit_and_conflicting_names_drop():
    with pytest.raises(QuantityError, match="plain unit"):
        (q(6, unit="元") / q(2, unit="个")).called("x", "xs")
    a, b = q(3, unit="个").called("job", "jobs"), q(2, unit="个").called("site", "sites")
    with pytest.raises(QuantityError, match="no English"):
        (a + b).en()
    assert (a + q(2, unit="个")).en() == "5 jobs"


def test_zh_marks_a_face_value():
    r = q(1_650_000_000, "more_than", "元") / q(3000, "at_least", "个")
    assert r.zh() == "55万元/个(面值)" and r.zh(qualifier=False) == "55万元/个"
