"""The figure database holds what the ledger holds, for any page the desk accepts: rows carry
the ledger's bounded sentence excerpt (not one copy of a huge sentence per figure) and values
beyond SQLite's 64-bit integers are stored as REAL instead of failing the build."""

from __future__ import annotations

import dataclasses
import sqlite3

from helpers.figures import model
from helpers.page import manifest
from helpers.publish import figdb


def entry_for(page):
    """A real manifest entry pointing at another page."""
    return dataclasses.replace(manifest.load()[0], slug="probe", path=page)


def sync_one(tmp_path, text: str) -> sqlite3.Connection:
    page = tmp_path / "probe.txt"
    page.write_text(text, encoding="utf-8")
    e = entry_for(page)
    figdb.sync(tmp_path / "db.sqlite", [e], {"probe": "k1"})
    return sqlite3.connect(tmp_path / "db.sqlite")


def test_a_long_sentence_is_stored_as_the_ledgers_excerpt(tmp_path):
    count = 400  # one sentence far over the excerpt, one figure per clause
    conn = sync_one(tmp_path, "标题\n\n本报讯 " + "园区新增就业岗位12人，" * count + "投资30亿元。\n")
    rows = conn.execute("SELECT surface, sentence FROM figures ORDER BY start").fetchall()
    assert len(rows) == count + 1
    longest = max(len(s) for _, s in rows)
    assert longest < model.SENTENCE_EXCERPT + 60, longest  # the excerpt and its marker, not the sentence
    assert all("cut]" in s for _, s in rows)
    # words in the excerpt are searchable
    found, total = figdb.search(tmp_path / "db.sqlite", "就业岗位")
    assert total == count + 1


def test_a_number_beyond_64_bits_is_stored_as_real(tmp_path):
    digits = "9" * 25
    conn = sync_one(tmp_path, f"标题\n\n本报讯 园区投资{digits}元。\n")
    (value, kind), = conn.execute("SELECT value, typeof(value) FROM figures WHERE surface LIKE '%元'")
    assert kind == "real"
    assert value == float(int(digits))
