"""The figure database: every page, piece and figure of the archive in one SQLite file.

A build output (``data/processed/desk.sqlite``, git-ignored; ``<out>/.processed/`` for a
build into another dir), kept up to date by ``desk build`` one page at a time and rebuilt
from the raw pages whenever it is missing or from an older format. The committed ledgers
(``reports/data/figures-<slug>.csv``) stay the record; this file is for questions across
pages: ``desk search`` and ``make explore`` (Datasette).

Tables (descriptions for Datasette are in ``datasette/metadata.json``):

* ``pages``   one row per manifest page: slug, key (the build's hash of its manifest entry
  and checksum), paper, edition date (or date range: ``date_from``/``date_to``), description.
* ``pieces``  one row per piece: page, piece id, headline, byline, credits, offsets.
* ``figures`` one row per ledger figure: page, id, piece, offsets, surface, value, bounds,
  unit, qualifier, kind, projected (0/1), sentence (as the ledger has it: a sentence over
  ``model.SENTENCE_EXCERPT`` characters is cut and marked), noun, date.
* ``townships`` which of the zone's townships each figure's sentence names (``figure`` is
  the figure's rowid), by the desk's rule (``helpers.story.text.townships``: segmented tokens,
  full or short forms).
* ``figures_fts`` FTS5 over each figure's piece headline and sentence, **segmented at index
  time** by the desk's jieba (search mode, user dictionary), so 台商区 or 泉州东站 are one
  token; its rowid is the figure's rowid. ``terms`` lists every token indexed, which lets a
  query be segmented by longest match without importing jieba (``query_terms``).

This module imports nothing heavy: ``search`` (what ``desk search`` runs) needs only the
standard library. Indexing (``sync``) imports jieba through ``helpers.story.text``.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from helpers.errors import DeskError

FILE_NAME = "desk.sqlite"
FORMAT = "desk-figdb-3"  # bump when the schema or the segmentation changes: rebuilt in full
MAX_TERM = 12            # longest token tried when segmenting a query

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE pages (
    slug TEXT PRIMARY KEY, key TEXT NOT NULL, position INTEGER NOT NULL, file TEXT NOT NULL,
    sha256 TEXT NOT NULL, paper TEXT NOT NULL, edition_date TEXT, date_from TEXT, date_to TEXT,
    edition TEXT NOT NULL, description TEXT NOT NULL
);
CREATE TABLE pieces (
    page TEXT NOT NULL REFERENCES pages(slug), piece TEXT NOT NULL, headline TEXT, byline TEXT,
    reporters TEXT, correspondents TEXT, photographers TEXT, paragraphs INTEGER, captions INTEGER,
    start INTEGER, "end" INTEGER, PRIMARY KEY (page, piece)
);
CREATE TABLE figures (
    rowid INTEGER PRIMARY KEY, page TEXT NOT NULL REFERENCES pages(slug), id TEXT NOT NULL,
    piece TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, surface TEXT NOT NULL,
    value REAL, low REAL, high REAL, unit TEXT, qualifier TEXT, kind TEXT, projected INTEGER NOT NULL,
    sentence TEXT, noun TEXT, date TEXT
);
CREATE INDEX figures_page ON figures(page, start);
CREATE INDEX figures_unit ON figures(unit);
CREATE INDEX pages_date ON pages(date_to);
CREATE TABLE townships (
    figure INTEGER NOT NULL REFERENCES figures(rowid), page TEXT NOT NULL, township TEXT NOT NULL,
    english TEXT NOT NULL, PRIMARY KEY (figure, township)
) WITHOUT ROWID;
CREATE INDEX townships_name ON townships(township);
CREATE VIRTUAL TABLE figures_fts USING fts5(headline, sentence, tokenize = 'unicode61');
CREATE TABLE terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
"""

PIECE_COLUMNS = ("headline", "byline", "reporters", "correspondents", "photographers", "paragraphs",
                 "captions", "start", "end")
FIGURE_COLUMNS = ("id", "article", "start", "end", "surface", "value", "low", "high", "unit", "qualifier",
                  "kind", "projected", "sentence", "noun", "date")


class SearchError(DeskError):
    """A search that cannot run (no database yet, a bad date): one line for the user."""


# ---------------------------------------------------------------- writing (the build)

def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _open_for_sync(path: Path) -> sqlite3.Connection:
    """The database at `path`, created (or recreated, when of another format) as needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        try:
            conn = connect(path)
            if conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() == (FORMAT,):
                return conn
            conn.close()
        except sqlite3.DatabaseError:
            pass
        path.unlink()
    conn = connect(path)
    with conn:
        conn.executescript(SCHEMA)
        conn.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT,))
    return conn


def recorded(path: Path) -> dict[str, str]:
    """Page slug → key as the database at `path` holds them ({} when it is missing or stale)."""
    if not Path(path).is_file():
        return {}
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() != (FORMAT,):
                return {}
            return dict(conn.execute("SELECT slug, key FROM pages"))
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return {}


def is_current(path: Path, keys: dict[str, str]) -> bool:
    return recorded(path) == keys


def sync(path: Path, entries, keys: dict[str, str], fresh: dict | None = None, log=lambda msg: None) -> str:
    """Bring the database at `path` to these manifest `entries` (page keys `keys`): rows of a
    page whose key changed, or that is new, are replaced; pages no longer listed are deleted.
    `fresh` maps a slug to its (articles, figures) DataFrames when the caller has them;
    otherwise the page is read again. Each page is one transaction. Returns a summary."""
    fresh = dict(fresh or {})
    conn = _open_for_sync(Path(path))
    try:
        have = dict(conn.execute("SELECT slug, key FROM pages"))
        wanted = {e.slug for e in entries}
        gone = sorted(set(have) - wanted)
        for slug in gone:
            with conn:
                _delete_page(conn, slug)
        changed = 0
        for position, e in enumerate(entries):
            if have.get(e.slug) == keys[e.slug]:
                with conn:  # the order of pages may change without their content
                    conn.execute("UPDATE pages SET position = ? WHERE slug = ?", (position, e.slug))
                continue
            if e.slug not in fresh:
                from helpers.publish.writing import page_tables

                fresh[e.slug] = page_tables(e)
            arts, figs = fresh[e.slug]
            with conn:
                _delete_page(conn, e.slug)
                _insert_page(conn, e, keys[e.slug], position, arts, figs)
            changed += 1
        return f"{changed} page(s) indexed, {len(gone)} removed, {len(entries)} in all"
    finally:
        conn.close()


def _delete_page(conn: sqlite3.Connection, slug: str) -> None:
    conn.execute("DELETE FROM figures_fts WHERE rowid IN (SELECT rowid FROM figures WHERE page = ?)", (slug,))
    conn.execute("DELETE FROM townships WHERE page = ?", (slug,))
    conn.execute("DELETE FROM figures WHERE page = ?", (slug,))
    conn.execute("DELETE FROM pieces WHERE page = ?", (slug,))
    conn.execute("DELETE FROM pages WHERE slug = ?", (slug,))


def edition(entry) -> tuple[str | None, str | None, str | None, str]:
    """(edition_date, date_from, date_to, label) of a manifest entry."""
    if entry.edition_date:
        d = str(entry.edition_date)
        return d, d, d, d
    if entry.edition_date_range:
        lo, hi = (str(x) for x in entry.edition_date_range)
        return None, lo, hi, f"{lo}..{hi}"
    return None, None, None, "date not known"


def _cell(v):
    """A DataFrame cell as SQLite takes it: NaN/NA → NULL, numpy scalars → Python."""
    if v is None:
        return None
    try:
        if v != v:  # NaN
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int) and not -(1 << 63) <= v < (1 << 63):
        return float(v)  # SQLite integers are 64-bit; the value columns are REAL anyway
    return v


def _insert_page(conn, e, key: str, position: int, arts, figs) -> None:
    from helpers.figures import model
    from helpers.story import text

    # Rows carry the sentence as the ledger writes it (a bounded excerpt): indexing a 2 MB
    # sentence once per figure made a one-sentence page of 20,000 figures take minutes.
    figs = model.excerpted(figs)

    date, lo, hi, label = edition(e)
    conn.execute("INSERT INTO pages VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                 (e.slug, key, position, e.path.name, e.sha256, e.paper, date, lo, hi, label, e.page_description))
    headlines: dict[str, str] = {}
    for row in arts.to_dict("records"):
        headlines[str(row.get("id"))] = str(row.get("headline") or "")
        conn.execute("INSERT INTO pieces VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                     (e.slug, row.get("id"), *(_cell(row.get(c)) for c in PIECE_COLUMNS)))
    tok = text.tokenizer()
    seen_terms: set[str] = set()
    segmented: dict[str, str] = {}
    places: dict[str, tuple[str, ...]] = {}

    def seg(s: str) -> str:
        if s not in segmented:
            words = [w.strip() for w in tok.cut_for_search(s)]
            words = [w for w in words if w and not _PUNCT.fullmatch(w)]
            seen_terms.update(w.lower() for w in words)
            segmented[s] = " ".join(words)
        return segmented[s]

    for row in figs.to_dict("records"):
        values = {c: _cell(row.get(c)) for c in FIGURE_COLUMNS}
        values["projected"] = 1 if str(values["projected"]).lower() in ("1", "true") else 0
        cur = conn.execute(
            "INSERT INTO figures (page, id, piece, start, \"end\", surface, value, low, high, unit, qualifier, "
            "kind, projected, sentence, noun, date) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (e.slug, *(values[c] for c in FIGURE_COLUMNS)))
        head = headlines.get(str(values["article"]), "")
        sentence = str(values["sentence"] or "")
        conn.execute("INSERT INTO figures_fts (rowid, headline, sentence) VALUES (?,?,?)",
                     (cur.lastrowid, seg(head), seg(sentence)))
        if sentence not in places:
            places[sentence] = text.townships(sentence)
        conn.executemany("INSERT OR IGNORE INTO townships VALUES (?,?,?,?)",
                         ((cur.lastrowid, e.slug, t, text.TOWNSHIPS[t]) for t in places[sentence]))
    conn.executemany("INSERT OR IGNORE INTO terms VALUES (?)", ((t,) for t in sorted(seen_terms)))


_PUNCT = re.compile(r"[\W_]+")


# ---------------------------------------------------------------- reading (desk search)

def query_terms(conn: sqlite3.Connection, text: str) -> list[str]:
    """The query segmented like the index, without jieba: each run of word characters is cut
    by longest match against the indexed terms (a run no term starts is kept whole, and then
    matches nothing). 台商区投资 → 台商区, 投资."""
    terms: list[str] = []
    for run in _PUNCT.split(text.lower()):
        if not run:
            continue
        if run.isascii():
            terms.append(run)
            continue
        i = 0
        while i < len(run):
            for j in range(min(len(run), i + MAX_TERM), i, -1):
                if conn.execute("SELECT 1 FROM terms WHERE term = ?", (run[i:j],)).fetchone():
                    terms.append(run[i:j])
                    i = j
                    break
            else:
                terms.append(run[i:])
                break
    return terms


def _fts_query(terms: list[str]) -> str:
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
COLUMNS = ("page", "edition", "piece", "headline", "id", "surface", "value", "unit", "qualifier", "kind",
           "projected", "sentence")


def search(path: Path, text: str = "", *, unit: str | None = None, kind: str | None = None,
           projected: bool = False, since: str | None = None, page: str | None = None,
           limit: int | None = 100) -> tuple[list[dict], int]:
    """Figures whose headline or sentence contains every term of `text` (all figures when
    `text` is empty), filtered; newest edition first, then page order. Returns (rows, total
    number of matches). `since`: pages whose edition date (the latest date of a range) is on
    or after that ISO date."""
    path = Path(path)
    if not path.is_file():
        raise SearchError(f"{path}: no figure database yet; run `desk build` (it writes one)")
    if since is not None and not DATE_RE.match(since):
        raise SearchError(f"--since {since!r}: give an ISO date, e.g. 2024-01-31")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone() != (FORMAT,):
            raise SearchError(f"{path}: figure database of an older format; run `desk build`")
        where, args = [], []
        if text.strip():
            terms = query_terms(conn, text)
            if not terms:
                raise SearchError(f"{text!r}: nothing to search for (only punctuation)")
            where.append("f.rowid IN (SELECT rowid FROM figures_fts WHERE figures_fts MATCH ?)")
            args.append(_fts_query(terms))
        for column, value in (("f.unit", unit), ("f.kind", kind), ("f.page", page)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if projected:
            where.append("f.projected = 1")
        if since is not None:
            where.append("p.date_to >= ?")
            args.append(since)
        sql_where = (" WHERE " + " AND ".join(where)) if where else ""
        base = ("FROM figures f JOIN pages p ON p.slug = f.page "
                "LEFT JOIN pieces c ON c.page = f.page AND c.piece = f.piece" + sql_where)
        total = conn.execute(f"SELECT count(*) {base}", args).fetchone()[0]
        sql = (f"SELECT f.page, p.edition, f.piece, c.headline, f.id, f.surface, f.value, f.unit, f.qualifier, "
               f"f.kind, f.projected, f.sentence {base} "
               "ORDER BY p.date_to IS NULL, p.date_to DESC, p.position, f.start")
        if limit:
            sql += f" LIMIT {int(limit)}"
        rows = [dict(zip(COLUMNS, r)) for r in conn.execute(sql, args)]
        for r in rows:
            r["projected"] = bool(r["projected"])
        return rows, total
    except sqlite3.OperationalError as e:
        raise SearchError(f"{path}: {e}") from None
    finally:
        conn.close()


def format_rows(rows: list[dict], fmt: str = "table") -> str:
    """Rows as an aligned text table, CSV (``helpers.csvsafe`` rules) or JSON."""
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([_csv_cell(r[c]) for c in COLUMNS])
        return buf.getvalue()
    shown = ("edition", "page", "piece", "surface", "value", "unit", "qualifier", "projected", "sentence")
    table = [[_plain(r[c], c) for c in shown] for r in rows]
    widths = [max([_width(h)] + [_width(t[i]) for t in table]) for i, h in enumerate(shown)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(shown, widths)).rstrip()]
    lines += ["  ".join(_pad(v, w) for v, w in zip(t, widths)).rstrip() for t in table]
    return "\n".join(lines) + "\n"


def _csv_cell(v):
    if isinstance(v, float):
        return f"{v:.10g}"
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        try:
            float(v)
        except ValueError:
            return "'" + v
    return "" if v is None else v


def _plain(v, column: str) -> str:
    if v is None:
        return ""
    if column == "value" and isinstance(v, float):
        return f"{v:,.10g}"
    if column == "projected":
        return "projected" if v else ""
    if column == "sentence":
        v = str(v)
        return v if len(v) <= 60 else v[:59] + "…"
    return str(v)


def _width(s: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))
