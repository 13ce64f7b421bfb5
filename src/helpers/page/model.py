"""What a page is made of: ``Page`` → ``Article`` → ``Part``/``Passage`` (repaired text with
the page offset of every character).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from helpers.errors import DeskError


@dataclass(frozen=True)
class Passage:
    """Repaired text with a raw offset for every character (``len(offsets) == len(text)``)."""

    text: str
    offsets: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.text) != len(self.offsets):
            raise ValueError(f"passage text has {len(self.text)} characters but {len(self.offsets)} offsets")

    def raw_span(self, i: int, j: int) -> tuple[int, int]:
        """Raw ``(start, end)`` of ``self.text[i:j]`` (end is one past the last character)."""
        if not 0 <= i < j <= len(self.text):
            raise IndexError(f"span {i}:{j} outside passage of length {len(self.text)}")
        return self.offsets[i], self.offsets[j - 1] + 1

    @classmethod
    def at(cls, text: str, start: int) -> Passage:
        """A contiguous passage: ``text`` found at ``start`` in the page text."""
        return cls(text, tuple(range(start, start + len(text))))

    def slice(self, i: int, j: int | None = None) -> Passage:
        """The passage ``self.text[i:j]`` with its offsets."""
        return Passage(self.text[i:j], self.offsets[i:j])

    def strip(self) -> Passage:
        """Leading/trailing whitespace removed (offsets kept)."""
        lead = len(self.text) - len(self.text.lstrip())
        return self.slice(lead, lead + len(self.text.strip()))

    def __add__(self, other: Passage) -> Passage:
        return Passage(self.text + other.text, self.offsets + other.offsets)

    @property
    def joins(self) -> tuple[int, ...]:
        """Indexes ``i`` where ``text[i-1]`` and ``text[i]`` were joined across a layout break."""
        return tuple(i for i in range(1, len(self.offsets)) if self.offsets[i] != self.offsets[i - 1] + 1)


@dataclass(frozen=True)
class Part:
    """One labelled passage of a piece; ``role`` is headline, label (the 核心提示 line),
    kicker, dateline, byline, subhead, paragraph or caption. Together the parts of all
    pieces cover every printed character of the page: nothing is dropped."""

    role: str
    passage: Passage


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
    # Added fields (with defaults, so the contract's positional order is unchanged):
    parts: tuple[Part, ...] = ()             # every passage of the piece, in page order
    byline_unparsed: tuple[str, ...] = ()    # byline tokens no rule could read
    layout_only: bool = False                # where it starts was read from the layout alone: check

    @property
    def body(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    def passages(self, *roles: str) -> tuple[Passage, ...]:
        """The piece's passages with the given roles (all when none given), in page order.
        Use this to scan every printed word of a piece, headline and captions included."""
        return tuple(p.passage for p in self.parts if not roles or p.role in roles)


@dataclass(frozen=True)
class Page:
    slug: str
    path: Path
    text: str
    articles: tuple[Article, ...] = field(default=())

    def article(self, id: str) -> Article:
        """The piece with this id; KeyError naming the known ids otherwise."""
        for a in self.articles:
            if a.id == id:
                return a
        raise KeyError(f"{self.path}: no piece {id!r}; pieces are {', '.join(a.id for a in self.articles)}")


class PageDecodeError(DeskError):
    """A page file cannot be read as page text (not UTF-8, binary, too large, or holding
    control characters): names the file, the offset and what to do."""


class PageTooLargeError(PageDecodeError):
    """A page file is larger than ``MAX_PAGE_BYTES``."""


class PageBinaryError(PageDecodeError):
    """A page file holds NUL bytes or control characters: it is not plain text."""
