"""The evaluation corpus: assembled pages from other papers, their expected split and gold figures.

Used by the tests (``tests/test_corpus.py``) and by ``benchmarks/corpus.py``; the conventions are
in ``tests/corpus/README.md``. Nothing here imports the desk's splitter or ledger: callers pass
the pieces (``(start, end, headline)``) and the figures they got, and get the scores back.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"


@dataclass(frozen=True)
class GoldFigure:
    surface: str
    value: float | None
    unit: str
    qualifier: str
    low: float | None
    high: float | None
    projected: bool

    @property
    def core(self) -> tuple:
        return core_key(self.value, self.low, self.high, self.unit, self.qualifier)


@dataclass(frozen=True)
class GoldPiece:
    page: str
    number: int              # 1-based, in page order
    start: int               # span of the piece in the page text (first to last printed character)
    end: int
    headline: str
    outlet: str
    url: str
    topic: str
    figures: tuple[GoldFigure, ...]


@dataclass(frozen=True)
class GoldPage:
    name: str
    path: Path
    text: str
    pieces: tuple[GoldPiece, ...]


def _number(x) -> float | None:
    return None if x is None else round(float(x), 6)


def core_key(value, low, high, unit: str, qualifier: str) -> tuple:
    """What "right" means for the ledger score: value (or the bounds of a figure with no value:
    a range, a vague pair), unit as printed and qualifier."""
    v = _number(value)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ("bounds", _number(low), _number(high), unit, qualifier)
    return ("value", v, unit, qualifier)


def _line_start(text: str, prefix: str, page: str) -> int:
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    hits = []
    for s in starts:
        line = text[s:text.find("\n", s) if "\n" in text[s:] else len(text)]
        lead = len(line) - len(line.lstrip())
        if line.strip().startswith(prefix):
            hits.append(s + lead)
    if len(hits) != 1:
        raise ValueError(f"{page}: the first line {prefix!r} is found {len(hits)} times, not once")
    return hits[0]


def load_page(json_path: Path) -> GoldPage:
    spec = json.loads(json_path.read_text(encoding="utf-8"))
    txt = json_path.with_suffix(".txt")
    text = txt.read_text(encoding="utf-8")
    starts = [_line_start(text, p["first"], json_path.name) for p in spec["pieces"]]
    if starts != sorted(starts):
        raise ValueError(f"{json_path.name}: pieces are not listed in page order")
    pieces = []
    for k, p in enumerate(spec["pieces"]):
        start = starts[k]
        stop = starts[k + 1] if k + 1 < len(starts) else len(text)
        end = start + len(text[start:stop].rstrip())
        figs = tuple(GoldFigure(f["surface"], f["value"], f["unit"], f["qualifier"], f["low"], f["high"],
                                f["projected"]) for f in p["figures"])
        pieces.append(GoldPiece(json_path.stem, k + 1, start, end, p["headline"], p["outlet"], p["url"],
                                p["topic"], figs))
    return GoldPage(json_path.stem, txt, text, tuple(pieces))


def load() -> tuple[GoldPage, ...]:
    return tuple(load_page(p) for p in sorted(PAGES.glob("*.json")))


# ------------------------------------------------------------------ scoring


@dataclass
class Score:
    pieces: int = 0
    split_right: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tense_right: int = 0      # projected flag as in the gold, among figures found with the gold's surface
    tense_checked: int = 0

    def add(self, other: Score) -> None:
        self.pieces += other.pieces
        self.split_right += other.split_right
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.tense_right += other.tense_right
        self.tense_checked += other.tense_checked

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def split_right(piece: GoldPiece, found: list[tuple[int, int, str]]) -> bool:
    """A piece is split right when one piece found has exactly its span and its headline."""
    return (piece.start, piece.end, piece.headline) in set(found)


def piece_of(page: GoldPage, offset: int) -> GoldPiece | None:
    for p in page.pieces:
        if p.start <= offset < p.end:
            return p
    return None


def score_figures(piece: GoldPiece, cores: list[tuple]) -> Score:
    """Multiset match of core keys within one piece."""
    gold = Counter(f.core for f in piece.figures)
    got = Counter(cores)
    tp = sum((gold & got).values())
    return Score(tp=tp, fp=sum(got.values()) - tp, fn=sum(gold.values()) - tp)


def mismatches(piece: GoldPiece, cores: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """(missed gold keys, extra keys) of one piece, for a report."""
    gold = Counter(f.core for f in piece.figures)
    got = Counter(cores)
    return sorted((gold - got).elements(), key=str), sorted((got - gold).elements(), key=str)


def score_projected(piece: GoldPiece, found) -> tuple[int, int]:
    """(right, checked): for each gold figure, the first unused figure found in the piece with the
    same surface; is its ``projected`` flag the gold's?"""
    pool = list(found)
    right = checked = 0
    for g in piece.figures:
        f = next((f for f in pool if f.surface == g.surface), None)
        if f is None:
            continue
        pool.remove(f)
        checked += 1
        right += bool(f.projected) == g.projected
    return right, checked
