"""Pages → pieces: read a page strictly, split it into articles, repair layout damage.

Contract (other modules rely on it; keep it true):

* ``read_text(path) -> str``: the page's *text*: strict UTF-8, a leading BOM removed,
  CRLF/CR turned into LF. All offsets anywhere in the desk are indexes into this string.
  For a file with no BOM and LF line ends, that is the raw file's characters one for one.
* ``load_page(slug=None) -> Page``: a page from ``data/raw`` by manifest slug, checksum verified.
* ``read_page(path) -> Page``: any UTF-8 file (no manifest, no checksum).
* ``Page.articles``: the pieces, in page order.
* A ``Passage`` is repaired text plus, for every character, its offset in ``Page.text``;
  ``passage.raw_span(i, j)`` maps a slice of the repaired text back to ``(start, end)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Passage:
    """Repaired text with a raw offset for every character (``len(offsets) == len(text)``)."""

    text: str
    offsets: tuple[int, ...]

    def raw_span(self, i: int, j: int) -> tuple[int, int]:
        """Raw ``(start, end)`` of ``self.text[i:j]`` (end is one past the last character)."""
        if not 0 <= i < j <= len(self.text):
            raise IndexError(f"span {i}:{j} outside passage of length {len(self.text)}")
        return self.offsets[i], self.offsets[j - 1] + 1


@dataclass(frozen=True)
class Article:
    """One piece of a page (an article or a photo item)."""

    id: str                      # stable ASCII slug, unique within the page
    kind: str                    # "article" or "photo"
    headline: str                # "" for an untitled piece
    subheads: tuple[str, ...]
    kicker: str                  # e.g. the 核心提示 text, "" if none
    byline: str                  # the byline exactly as printed ("" if none)
    reporters: tuple[str, ...]
    correspondents: tuple[str, ...]
    photographers: tuple[str, ...]
    text_and_photos: bool        # byline says 文/图
    dateline: str                # e.g. 本报讯, "" if none
    paragraphs: tuple[Passage, ...]
    captions: tuple[Passage, ...]
    start: int                   # span of the piece in Page.text
    end: int

    @property
    def body(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)


@dataclass(frozen=True)
class Page:
    slug: str
    path: Path
    text: str
    articles: tuple[Article, ...] = field(default=())
