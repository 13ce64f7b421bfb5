"""Enumerations in the page text: the names a piece lists after 包括 ("including") up to 等.

Papers name a few of many with ``包括A、B、C等多家…`` ("including A, B, C and several
more"). `enumerations` finds every such list in a piece's paragraphs, with the items
split on 、 and the page-text offsets of the list, so a story can count the names,
quote the sentence (`Enumeration.record` feeds ``story.quotes``) and say the list is open.

An enumeration is open by construction (等, "and others"): its item count is a floor
on the members, never the total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpers.errors import DeskError

# 包括 <items> 等 [<what follows 等, e.g. 多家>]; items stop at a clause or sentence break.
ENUM_RE = re.compile(r"包括(?P<items>[^。！？；，,]+?)等(?P<tail>多家|多个|多项|多名|多种)?")
ITEM_SEP = "、"
SENTENCE_END = "。！？"


class ListError(DeskError):
    """A piece has no enumeration, or several, where exactly one was asked for."""


@dataclass(frozen=True)
class Enumeration:
    """One 包括…等 list: its items, where it is on the page, and the sentence holding it."""

    items: tuple[str, ...]
    tail: str            # what follows 等 ("多家", or "" when nothing does)
    article: str
    page: str
    start: int           # page-text offsets of the items (after 包括, before 等)
    end: int
    surface: str         # the page text between start and end
    sentence: str        # the whole sentence, as in the repaired paragraph

    def record(self) -> dict[str, object]:
        """The list as a quotable record (the fields ``story.quotes`` reads)."""
        return {"article": self.article, "page": self.page, "start": self.start, "end": self.end,
                "surface": self.surface, "sentence": self.sentence}


def _sentence(text: str, i: int, j: int) -> str:
    """The sentence of `text` holding text[i:j], with its closing punctuation."""
    begin = max(text.rfind(p, 0, i) for p in SENTENCE_END) + 1
    ends = [k for k in (text.find(p, j) for p in SENTENCE_END) if k >= 0]
    return text[begin:(min(ends) + 1 if ends else len(text))]


def enumerations(page, article_id: str) -> list[Enumeration]:
    """Every 包括…等 list in the paragraphs of piece `article_id` of `page`, in page order."""
    article = page.article(article_id)
    found = []
    for passage in article.paragraphs:
        for m in ENUM_RE.finditer(passage.text):
            start, end = passage.raw_span(*m.span("items"))
            found.append(Enumeration(
                items=tuple(x.strip() for x in m.group("items").split(ITEM_SEP)),
                tail=m.group("tail") or "", article=article_id, page=page.slug, start=start, end=end,
                surface=page.text[start:end], sentence=_sentence(passage.text, *m.span())))
    return found


def enumeration(page, article_id: str, tail: str | None = None) -> Enumeration:
    """The one 包括…等 list of piece `article_id` (with `tail` after 等, e.g. "多家", if given)."""
    found = [e for e in enumerations(page, article_id) if tail is None or e.tail == tail]
    if len(found) != 1:
        want = f"包括…等{tail or ''}"
        raise ListError(f"page {page.slug!r}, piece {article_id!r}: expected one {want} list, found "
                        f"{len(found)}" + (f": {[e.surface for e in found]}" if found else ""))
    return found[0]
