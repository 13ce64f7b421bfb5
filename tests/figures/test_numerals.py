"""Numeral cores: table of forms, formatting round trips (hypothesis), errors."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.figures.numerals import NumberError, narrow, normalize, parse_number, to_chinese, to_fullwidth, to_mixed

FORMS = [
    ("16.5亿", 1650000000), ("二千三百二十八点四九亿", 232849000000), ("百分之十一", 11),
    ("１６．５", 16.5), ("１６．５亿", 1650000000), ("3,000", 3000), ("1,234,567.5", 1234567.5),
    ("三千", 3000), ("两", 2), ("一百二十", 120), ("一百十一点七", 111.7), ("十一", 11),
    ("十", 10), ("一百零五", 105), ("一万五", 15000), ("三千五", 3500), ("两万", 20000),
    ("一亿二千万", 120000000), ("一万亿", 10**12), ("1.2万亿", 1_200_000_000_000),
    ("3千万", 30_000_000), ("15万", 150000), ("5万", 50000), ("二〇二四", 2024),
    ("零点五", 0.5), ("20%", 20), ("１５％", 15), ("0.25", 0.25),
    # Traditional numeral characters
    ("16.5億", 1650000000), ("15萬", 150000), ("兩萬", 20000), ("二千三百二十八點四九億", 232849000000),
    # invisible characters are read across
    ("1\u200b000", 1000), ("3,\u200c000", 3000), ("16.5\u2060亿", 1650000000), ("\ufeff一万\u200d五", 15000),
    ("1\u00ad2", 12),
]


@pytest.mark.parametrize("core, expected", FORMS)
def test_parse_forms(core, expected):
    value = parse_number(core)
    assert value == expected
    assert type(value) is type(expected)  # whole values come back as int, never 1650000000.0


@pytest.mark.parametrize("bad", ["", "abc", "五G", "十点", "一二两", "三五七亿万x"])
def test_unreadable_cores_raise_naming_the_input(bad):
    with pytest.raises(NumberError) as err:
        parse_number(bad)
    assert repr(bad) in str(err.value)


def test_long_digit_by_digit_numeral_has_no_digit_limit():
    assert parse_number("一" * 5000) == (10**5000 - 1) // 9  # int(str) would refuse 5000 digits


def test_normalize_keeps_length_and_narrow_keeps_traditional():
    raw = "１６．５億兩萬點"
    assert normalize(raw) == "16.5亿两万点" and len(normalize(raw)) == len(raw)
    assert narrow(raw) == "16.5億兩萬點"


def test_no_float_noise_in_magnitudes():
    assert parse_number("二千三百二十八点四九亿") == 232_849_000_000
    assert parse_number("0.1万") == 1000


@pytest.mark.parametrize("n, text", [(0, "零"), (10, "十"), (11, "十一"), (105, "一百零五"),
                                     (120, "一百二十"), (1005, "一千零五"), (100000, "十万"),
                                     (10010, "一万零一十"), (1.5, "一点五"),
                                     (232849000000, "二千三百二十八亿四千九百万")])
def test_to_chinese_standard_forms(n, text):
    assert to_chinese(n) == text


def test_to_mixed_and_fullwidth():
    assert to_mixed(1650000000) == "16.5亿"
    assert to_mixed(150000) == "15万"
    assert to_mixed(1634) == "1634"
    assert normalize(to_fullwidth("16.5%")) == "16.5%"


@given(st.integers(min_value=0, max_value=10**15))
def test_chinese_round_trip_integers(n):
    assert parse_number(to_chinese(n)) == n


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_chinese_round_trip_decimals(whole, cents):
    d = Decimal(whole) + Decimal(cents) / 100
    assert Decimal(str(parse_number(to_chinese(d)))) == d


@given(st.integers(min_value=0, max_value=10**15))
@settings(max_examples=200)
def test_arabic_forms_round_trip(n):
    assert parse_number(f"{n:,}") == n
    assert parse_number(to_fullwidth(str(n))) == n
    assert parse_number(to_mixed(n, digits=8)) == n


@given(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False))
def test_decimal_arabic_round_trip(d):
    assert Decimal(str(parse_number(format(d, "f")))) == d


@pytest.mark.parametrize("mark", ["\u200e", "\u200f", "\u061c", "\ufe0f", "\u2060", "\u2063"])
def test_bidi_marks_and_variation_selectors_are_read_across(mark):
    assert parse_number(f"3{mark}000") == 3000
