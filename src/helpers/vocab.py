"""Zone and language knowledge kept as data: ``data/vocab/*.csv``, one table a file.

A desk covering another county, or a paper with other conventions, edits these files, not the
package. Each file's columns are documented in ``data/vocab/README.md``; ``table(name)``
checks them and names the file and line of any bad row.
"""

from __future__ import annotations

import csv
import functools

from helpers import paths
from helpers.errors import DeskError

COLUMNS = {
    "units": ("unit", "kind", "after_chinese_numeral", "time_unit", "english_singular",
              "english_plural"),
    "townships": ("township", "english", "forms"),
    "site_kinds": ("suffix", "kind"),
    "facility_types": ("head_noun", "type"),
    "township_suffixes": ("suffix",),
    "layout": ("value", "kind", "role", "note"),
}
"""The columns each vocabulary file must have, in order."""

YES_NO = ("yes", "no")


@functools.lru_cache(maxsize=None)
def table(name: str) -> tuple[dict[str, str], ...]:
    """The rows of ``data/vocab/<name>.csv`` as dicts, in file order; a ``DeskError`` naming the
    file and line for a missing file, wrong header, empty required cell or repeated key."""
    if name not in COLUMNS:
        raise KeyError(f"no vocabulary {name!r}; known: {', '.join(COLUMNS)}")
    path = paths.VOCAB / f"{name}.csv"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise DeskError(f"cannot read the vocabulary file ({e.strerror or e})", path=path) from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if tuple(header or ()) != COLUMNS[name]:
        raise DeskError(f"header must be {','.join(COLUMNS[name])}, not {','.join(header or [])!r}", path=path, line=1)
    rows, keys = [], {}
    for line, cells in enumerate(reader, start=2):
        if not cells:
            continue
        if len(cells) != len(header):
            raise DeskError(f"{len(cells)} cells, expected {len(header)}", path=path, line=line)
        row = dict(zip(header, (c.strip() for c in cells)))
        key = row[header[0]]
        if not key:
            raise DeskError(f"the {header[0]} cell is empty", path=path, line=line)
        if key in keys:
            raise DeskError(f"{key!r} is listed twice (also line {keys[key]})", path=path, line=line)
        for col in ("after_chinese_numeral", "time_unit"):
            if col in row and row[col] not in YES_NO:
                raise DeskError(f"{col} must be yes or no, not {row[col]!r}", path=path, line=line)
        keys[key] = line
        rows.append(row)
    return tuple(rows)


def column(name: str, key: str, value: str) -> dict[str, str]:
    """``{row[key]: row[value]}`` for every row of the vocabulary ``name``."""
    return {row[key]: row[value] for row in table(name)}
