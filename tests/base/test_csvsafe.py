"""CSV hygiene for every file a reader can download."""

import pandas as pd

from helpers import csvsafe


def test_floats_in_mixed_columns_lose_their_noise_too():
    df = pd.DataFrame({"value": pd.Series([1650000000, 52.63157894736842, None], dtype=object), "n": [1, 2, 3]})
    assert csvsafe.csv_text(df) == "value,n\n1650000000,1\n52.63157895,2\n,3\n"


def test_formula_text_is_defused_but_numbers_and_dates_are_not():
    df = pd.DataFrame({"cell": ["=HYPERLINK(\"x\")", "@SUM(1)", "-3.5", "2024-01-26", "XXXX-01-28", "超16.5亿元"]})
    lines = csvsafe.csv_text(df).splitlines()[1:]
    assert lines == ["\"'=HYPERLINK(\"\"x\"\")\"", "'@SUM(1)", "-3.5", "2024-01-26", "XXXX-01-28", "超16.5亿元"]
