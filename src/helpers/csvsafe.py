"""CSV as the desk writes it: no float noise, nothing a spreadsheet would run.

Every CSV a reader can download (chart and table data, the ledger, the articles) goes
through `csv_text`, so the rules live in one place.
"""

from __future__ import annotations

import re
from typing import Any

# The CSVs beside the reports (reports/data/) start with a UTF-8 byte-order mark: Excel on
# Windows reads a CSV without one in the system's legacy code page and garbles the Chinese.
# Python reads them with encoding="utf-8-sig"; data/processed/ stays plain UTF-8.
READER_ENCODING = "utf-8-sig"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (``= + - @`` first, not a number)
    gets a leading apostrophe (OWASP "CSV injection"); anything else is returned as is."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value.strip()):
        return "'" + value
    if isinstance(value, float) and value == value:  # a float in a mixed (object) column
        return csv_number(value)
    return value


def csv_number(x: float) -> str:
    """A float with at most 10 significant digits: no noise (52.63157894736842 →
    52.63157895), whole numbers without ``.0``, never an exponent for large values."""
    text = f"{x:.10g}"
    return f"{x:.0f}" if "e+" in text else text


def csv_text(df: Any) -> str:
    """The CSV every file the desk writes uses: no index, LF line ends, floats via
    `csv_number`, text cells made formula-safe by `csv_cell`."""
    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object or str(safe[col].dtype) in ("string", "str"):
            safe[col] = safe[col].map(csv_cell)
    return safe.to_csv(index=False, lineterminator="\n", float_format=csv_number)
