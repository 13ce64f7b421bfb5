"""A page's pieces and its layout repairs as tables, for overviews and methodology notes.
"""

from __future__ import annotations

from helpers.page.model import Page


def articles_table(page: Page):
    """One row per piece: id, headline, reporters, correspondents, photographers (names
    joined with 、), paragraphs and captions (counts), start, end; then the raw ``byline``
    and ``text_and_photos`` (the byline says 文/图)."""
    import pandas as pd

    rows = [
        {
            "id": a.id,
            "headline": a.headline,
            "reporters": "、".join(a.reporters),
            "correspondents": "、".join(a.correspondents),
            "photographers": "、".join(a.photographers),
            "paragraphs": len(a.paragraphs),
            "captions": len(a.captions),
            "start": a.start,
            "end": a.end,
            "byline": a.byline,
            "text_and_photos": a.text_and_photos,
        }
        for a in page.articles
    ]
    columns = ["id", "headline", "reporters", "correspondents", "photographers", "paragraphs", "captions", "start",
               "end", "byline", "text_and_photos"]
    return pd.DataFrame(rows, columns=columns)


def repairs(page: Page) -> tuple[tuple[str, str, int, str], ...]:
    """What the layout repair did, for a methodology note: ``(article id, "join" | "caption",
    raw offset, text)``. A join shows the characters either side as ``前|后``; a caption shows
    the caption lifted out of the running text."""
    out: list[tuple[str, str, int, str]] = []
    for a in page.articles:
        for p in a.passages("kicker", "paragraph"):
            for i in p.joins:
                out.append((a.id, "join", p.offsets[i], f"{p.text[max(0, i - 4):i]}|{p.text[i:i + 4]}"))
        out += [(a.id, "caption", c.offsets[0], c.text) for c in a.captions]
    return tuple(sorted(out, key=lambda r: r[2]))
