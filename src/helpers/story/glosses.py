"""English glosses of source sentences: hand-made data in ``data/glosses/*.csv``.

A report never shows a Chinese quote without its English gloss, and a gloss is a
journalist's translation, not code, so glosses live as data: one CSV per story
notebook (``data/glosses/01-park-investment-per-job.csv``), UTF-8 with LF line ends and
the columns ``page, article, sentence, gloss`` (more columns, e.g. ``note``, are allowed).

Loading checks every file and fails loudly, naming file and line:

* the required columns are there and no cell of them is empty or padded with spaces;
* a sentence is listed once per file, and never with two different glosses anywhere;
* each sentence occurs verbatim in the named article of the named page's repaired
  text (``helpers.source.load_page``), so a gloss cannot drift from its quote.

``gloss(sentence, page=None)`` looks one up and raises `MissingGlossError` (a ``DeskError``)
naming the sentence when there is none.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from helpers import paths
from helpers.errors import DeskError

DIRECTORY = paths.GLOSSES
COLUMNS = ("page", "article", "sentence", "gloss")

# page slug -> {article id -> that article's repaired text}
PageTexts = Mapping[str, Mapping[str, str]] | Callable[[str], Mapping[str, str]]


class GlossFileError(DeskError):
    """A glosses file is malformed or disagrees with the page: names file and line."""


class MissingGlossError(DeskError):
    """No gloss for a sentence: add a row to a file in ``data/glosses/``."""


@dataclass(frozen=True)
class Entry:
    """One row of a glosses file, with where it came from."""

    page: str
    article: str
    sentence: str
    gloss: str
    file: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


class Glosses:
    """All glosses, checked; look-ups by sentence (and page)."""

    def __init__(self, entries: Iterable[Entry] = ()):
        self.entries: tuple[Entry, ...] = tuple(entries)
        self._by_sentence: dict[str, list[Entry]] = {}
        for e in self.entries:
            self._by_sentence.setdefault(e.sentence, []).append(e)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, sentence: str, page: str | None = None) -> Entry | None:
        """The entry for `sentence` (on `page`, if given), or None."""
        hits = [e for e in self._by_sentence.get(sentence, ()) if page is None or e.page == page]
        return hits[0] if hits else None

    def get(self, sentence: str, page: str | None = None) -> str:
        """The English gloss of `sentence`; MissingGlossError if there is none."""
        hit = self.find(sentence, page)
        if hit is None:
            on = f" on page {page!r}" if page else ""
            raise MissingGlossError(
                f"no English gloss for the sentence {sentence!r}{on}. A report never shows a "
                f"Chinese quote without one: add a row (page, article, sentence, gloss) to the "
                f"story's file in {DIRECTORY}/ (e.g. 01-slug.csv)."
            )
        return hit.gloss


# --------------------------------------------------------------------------- reading

def _decode(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        raise GlossFileError(f"{path}: starts with a byte-order mark; save as UTF-8 without BOM")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise GlossFileError(f"{path}:{line}: not valid UTF-8 ({e.reason})") from None
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        raise GlossFileError(f"{path}:{line}: CR line end; the desk's files use LF only")
    return text


def read_file(path: Path | str) -> list[Entry]:
    """Parse and check one glosses file on its own (columns, cells, duplicates)."""
    path = Path(path)
    reader = csv.reader(io.StringIO(_decode(path), newline=""))
    header = next(reader, None)
    if header is None:
        raise GlossFileError(f"{path}: empty file; expected the header {','.join(COLUMNS)}")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise GlossFileError(f"{path}:1: missing column(s) {', '.join(missing)}; header is {header}")
    if len(set(header)) != len(header):
        raise GlossFileError(f"{path}:1: a column is named twice in {header}")
    idx = {c: header.index(c) for c in COLUMNS}
    entries: list[Entry] = []
    seen: dict[tuple[str, str], int] = {}
    for row in reader:
        line = reader.line_num
        if not row:
            continue
        if len(row) != len(header):
            raise GlossFileError(f"{path}:{line}: {len(row)} cells, header has {len(header)}")
        cells = {c: row[i] for c, i in idx.items()}
        for c, v in cells.items():
            if not v.strip():
                raise GlossFileError(f"{path}:{line}: empty {c}")
            if v != v.strip():
                raise GlossFileError(f"{path}:{line}: {c} has leading or trailing whitespace: {v!r}")
        if "\n" in cells["sentence"]:
            raise GlossFileError(f"{path}:{line}: a sentence must be on one line: {cells['sentence']!r}")
        key = (cells["page"], cells["sentence"])
        if key in seen:
            raise GlossFileError(
                f"{path}:{line}: sentence {cells['sentence']!r} is listed twice (also line {seen[key]})"
            )
        seen[key] = line
        entries.append(Entry(file=path, line=line, **cells))
    return entries


def article_texts(page: Any) -> dict[str, str]:
    """A `helpers.source.Page`'s pieces as {article id: repaired text}.

    The text joins the headline, subheads, kicker, paragraphs and captions with
    newlines, so a sentence from any of them is found verbatim (and a sentence,
    having no newline, cannot straddle two of them).
    """
    out: dict[str, str] = {}
    for a in page.articles:
        if hasattr(a, "passages"):  # every printed passage, in page order
            parts = [p.text for p in a.passages()]
        else:
            parts = [a.headline, *a.subheads, a.kicker]
            parts += [p.text for p in (*a.paragraphs, *a.captions)]
        out[a.id] = "\n".join(p for p in parts if p)
    return out


def _page_from_source(slug: str) -> Mapping[str, str]:
    from helpers.page.manifest import load_page

    return article_texts(load_page(slug))


def _check_against_pages(entries: list[Entry], texts: PageTexts | None) -> None:
    lookup: Callable[[str], Mapping[str, str]]
    if texts is None:
        lookup = _page_from_source
    elif callable(texts):
        lookup = texts
    else:
        def lookup(slug: str) -> Mapping[str, str]:
            if slug not in texts:
                raise KeyError(slug)
            return texts[slug]
    pages: dict[str, Mapping[str, str]] = {}
    for e in entries:
        if e.page not in pages:
            try:
                pages[e.page] = lookup(e.page)
            except GlossFileError:
                raise
            except Exception as exc:  # unknown slug, manifest or checksum trouble
                raise GlossFileError(f"{e.where}: cannot read page {e.page!r}: {exc}") from exc
        articles = pages[e.page]
        if e.article not in articles:
            raise GlossFileError(
                f"{e.where}: page {e.page!r} has no article {e.article!r}; "
                f"articles are {', '.join(sorted(articles))}"
            )
        if e.sentence not in articles[e.article]:
            raise GlossFileError(
                f"{e.where}: sentence {e.sentence!r} does not occur verbatim in article "
                f"{e.article!r} of page {e.page!r} (repaired text); copy it from the page"
            )


def _check_conflicts(entries: list[Entry]) -> list[Entry]:
    """Drop exact repeats across files; a sentence with two different glosses is an error."""
    first: dict[tuple[str, str], Entry] = {}
    kept: list[Entry] = []
    for e in entries:
        key = (e.page, e.sentence)
        prev = first.get(key)
        if prev is None:
            first[key] = e
            kept.append(e)
        elif prev.gloss != e.gloss:
            raise GlossFileError(
                f"{e.where}: sentence {e.sentence!r} has a different gloss at {prev.where}; "
                f"one sentence, one gloss: {prev.gloss!r} vs {e.gloss!r}"
            )
    return kept


def load(directory: Path | str | None = None, *, texts: PageTexts | None = None) -> Glosses:
    """Read and check every ``*.csv`` in `directory` (default ``data/glosses``).

    `texts` supplies each page's repaired text per article (a mapping, or a callable
    taking a page slug); by default pages come from ``helpers.source.load_page``.
    """
    directory = Path(directory or DIRECTORY)
    files = sorted(directory.glob("*.csv")) if directory.is_dir() else []
    entries = [e for f in files for e in read_file(f)]
    entries = _check_conflicts(entries)
    _check_against_pages(entries, texts)
    return Glosses(entries)


_cache: dict[tuple, Glosses] = {}


def default() -> Glosses:
    """The project's glosses, reloaded when a file in ``data/glosses`` changes."""
    files = sorted(DIRECTORY.glob("*.csv")) if DIRECTORY.is_dir() else []
    key = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    if key not in _cache:
        _cache.clear()
        _cache[key] = load(DIRECTORY)
    return _cache[key]


def gloss(sentence: str, page: str | None = None) -> str:
    """The English gloss of a source sentence (on `page`, a manifest slug, if given)."""
    return default().get(sentence, page)
