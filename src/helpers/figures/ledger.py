"""A page's figure ledger: ``page_figures(page)`` runs the extraction over every repaired passage
and maps offsets back to the page text; ``load(slug)`` wraps that in a ``Ledger`` whose
lookups return exactly one figure or fail loudly with the candidates.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import TYPE_CHECKING

from helpers.figures.extraction import extract
from helpers.figures.model import COLUMNS, KINDS, QUALIFIERS, Figure, FigureLookupError, LedgerError
from helpers.figures.spans import _with_id

if TYPE_CHECKING:
    import pandas

# ------------------------------------------------------------------ pages

FIGURE_ROLES = ("headline", "kicker", "subhead", "paragraph", "caption")


def page_figures(page) -> "pandas.DataFrame":
    """One row per figure of a ``source.Page``, offsets into ``page.text`` (columns: ``COLUMNS``)."""
    return figure_frame(figures_of_page(page))


NUMBER_COLUMNS = ("value", "low", "high")


def figure_frame(figures) -> "pandas.DataFrame":
    """Figures as a DataFrame (columns: ``COLUMNS``). ``value``/``low``/``high`` are object
    columns holding ``int`` for whole numbers, ``float`` otherwise and ``None`` when empty,
    so CSV and JSON print 1650000000 and 16.5 (never 1650000000.0) and an empty cell as ''."""
    import pandas as pd

    # Column by column, never a dict per row: a page of 100,000 figures stays small.
    figures = figures if isinstance(figures, list) else list(figures)
    frame = pd.DataFrame({c: pd.Series([getattr(f, c) for f in figures], dtype=object) for c in COLUMNS},
                         columns=list(COLUMNS))
    kinds = {"start": "int64", "end": "int64", "projected": "bool", "straddles_join": "bool"}
    return frame.astype({c: kinds.get(c, object) for c in COLUMNS if c not in NUMBER_COLUMNS})


def figures_of_page(page) -> list[Figure]:
    """The page's figures as ``Figure`` objects, ids ``<article>-fNN`` numbered in page order."""
    out: list[Figure] = []
    for article in page.articles:
        seen: set[tuple[int, int]] = set()
        found = []
        for role, passage in _passages(article, page.text):
            for f in extract(passage.text):
                mapped = _map_to_page(page, article, role, passage, f)
                if (mapped.start, mapped.end) not in seen:
                    seen.add((mapped.start, mapped.end))
                    found.append(mapped)
        found.sort(key=lambda f: f.start)
        out += [_with_id(f, f"{article.id}-f{i:02d}") for i, f in enumerate(found, 1)]
    return out


def _passages(article, text: str):
    """(role, Passage) for every printed passage that can hold figures.

    Uses ``Article.parts`` when the source provides it; otherwise the documented fields
    (headline located in the piece's span, paragraphs, captions)."""
    parts = getattr(article, "parts", ())
    if parts:
        return [(p.role, p.passage) for p in parts if p.role in FIGURE_ROLES]
    from helpers.page.model import Passage

    found = []
    if article.headline:
        at = text.find(article.headline, article.start, article.end)
        if at == -1:
            raise LedgerError(f"article {article.id}: headline {article.headline!r} not found in its span "
                              f"{article.start}:{article.end} of the page text")
        found.append(("headline", Passage(article.headline, tuple(range(at, at + len(article.headline))))))
    found += [("paragraph", p) for p in article.paragraphs] + [("caption", p) for p in article.captions]
    return found


def _map_to_page(page, article, role: str, passage, f: Figure) -> Figure:
    """Move a figure found in a repaired passage onto page offsets.

    A figure whose characters straddle a repaired join keeps the raw characters as its
    surface (so ``text[start:end] == surface`` holds) and the repaired form in
    ``repaired_surface``, flagged by ``straddles_join``."""
    start, end = passage.raw_span(f.start, f.end)
    raw = page.text[start:end]
    straddles = raw != f.surface
    if straddles and "".join(page.text[passage.offsets[k]] for k in range(f.start, f.end)) != f.surface:
        raise LedgerError(f"page {page.slug}, article {article.id}: figure {f.surface!r} at passage "
                          f"{f.start}:{f.end} does not map onto the page text (raw {raw!r})")
    return replace(f, article=article.id, start=start, end=end, surface=raw, page=page.slug, part=role,
                   straddles_join=straddles, repaired_surface=f.surface if straddles else "")


# ------------------------------------------------------------------ lookups


@functools.lru_cache(maxsize=None)
def _load(slug: str) -> "Ledger":
    from helpers.page.manifest import load_page

    page = load_page(slug)
    return Ledger(page.slug, figures_of_page(page), {a.id: a.headline for a in page.articles})


def load(page: str | None = None) -> "Ledger":
    """The ledger of a manifest page (the first page when ``page`` is None); cached per process."""
    if page is None:
        from helpers.page.manifest import entry

        page = entry(None).slug
    return _load(page)


class Ledger:
    """A page's figures with lookups that return exactly one figure or fail with the candidates."""

    def __init__(self, page: str, figures: list[Figure], headlines: dict[str, str]):
        self.page = page
        self.rows: tuple[Figure, ...] = tuple(figures)
        self.headlines = dict(headlines)
        self._frame = None

    @property
    def figures(self) -> "pandas.DataFrame":
        """The ledger as a DataFrame (a copy: callers cannot change the ledger)."""
        if self._frame is None:
            self._frame = figure_frame(self.rows)
        return self._frame.copy()

    def article(self, headline_contains: str) -> str:
        """The id of the one article whose headline contains the words."""
        hits = [a for a, h in self.headlines.items() if headline_contains in h]
        if len(hits) == 1:
            return hits[0]
        listing = "\n".join(f"  {a}: {h or '(no headline)'}" for a, h in self.headlines.items())
        what = "no article" if not hits else f"{len(hits)} articles"
        raise FigureLookupError(f"{what} on page {self.page} with a headline containing "
                                f"{headline_contains!r}; headlines:\n{listing}")

    def all(self, article: str | None = None, unit: str | None = None, near: str | None = None,
            kind: str | None = None, surface: str | None = None, qualifier: str | None = None,
            projected: bool | None = None) -> list[Figure]:
        """Every figure matching all the given conditions, in page order.

        ``near``: the word appears in the figure's clause close to it: in ``before`` (up to
        ``WINDOW_BEFORE`` = 15 characters back to the previous 、，；：。), in the surface, or in
        ``after`` (up to ``WINDOW_AFTER`` = 8 characters up to the next such mark)."""
        if article is not None and article not in self.headlines:
            raise FigureLookupError(f"page {self.page} has no article {article!r}; "
                                    f"articles: {', '.join(self.headlines)}")
        _check_choice("kind", kind, KINDS)
        _check_choice("qualifier", qualifier, QUALIFIERS)
        return [f for f in self.rows
                if (article is None or f.article == article)
                and (unit is None or f.unit == unit)
                and (kind is None or f.kind == kind)
                and (surface is None or f.surface == surface)
                and (qualifier is None or f.qualifier == qualifier)
                and (projected is None or f.projected == projected)
                and (near is None or near in f.before + f.surface + f.after)]

    def get(self, article: str | None = None, unit: str | None = None, near: str | None = None,
            kind: str | None = None, surface: str | None = None, qualifier: str | None = None,
            projected: bool | None = None) -> Figure:
        """Exactly one figure, else ``FigureLookupError`` listing the query and the candidates."""
        query = {k: v for k, v in dict(article=article, unit=unit, near=near, kind=kind, surface=surface,
                                       qualifier=qualifier, projected=projected).items() if v is not None}
        hits = self.all(**query)
        if len(hits) == 1:
            return hits[0]
        shown = ", ".join(f"{k}={v!r}" for k, v in query.items())
        if hits:
            head, cands = f"several found ({len(hits)})", hits
        else:
            head = "none found"
            cands = [f for f in self.rows if article is None or f.article == article]
        listing = "\n".join("  - " + f.describe() for f in cands[:25])
        more = f"\n  … and {len(cands) - 25} more" if len(cands) > 25 else ""
        label = "matches" if hits else ("figures in that article" if article else "figures on the page")
        raise FigureLookupError(f"{head} on page {self.page} for get({shown}); {label}:\n{listing}{more}")


def _check_choice(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise FigureLookupError(f"{name}={value!r} is not one of {', '.join(allowed)}")
