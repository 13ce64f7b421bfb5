"""Shapes of blocks: what one line of a page looks like (a headline, a caption, a paragraph that
ends a sentence, a dateline, a byline line, a photo credit). ``helpers.page.splitting`` decides
from these shapes and the block's neighbours what role each block plays."""

from __future__ import annotations

import re

from helpers.page import layout


FINAL = "。！？!?…；;：:."           # a paragraph ending in one of these is complete
CLOSERS = "”’」』)）】》〉\"'"          # may follow the final mark
SENTENCE_END = "。！？!?"              # a caption holds at most one of these, at its end
IN_SENTENCE = ",，。；;：:"             # a heading holds none of these
HEADING_MAX = 40
CAPTION_MAX = 60
HEADLINE_LINES = 3                     # 引题, 主题, 副题
# The words and patterns a page prints around its pieces (datelines, byline role words, credit
# words, kicker labels, byline markers) are data: ``data/vocab/layout.csv``, read by
# ``helpers.page.layout``. What stays here is shape: lengths and punctuation.
PHOTO_CREDIT_RE = re.compile(r"[(（]([^()（）]*?)\s*[/／]?\s*(?:[摄攝]影[报報]道|[摄攝])\s*[)）]\s*$")


def _kickers() -> tuple[str, ...]:
    return layout.vocab().kickers


def _dateline(s: str) -> re.Match | None:
    """A dateline opening the block: group 1 the dateline, group 2 its byline (or None)."""
    return layout.vocab().dateline.match(s)


def _is_final(s: str) -> bool:
    """Does the block end a sentence (closing quotes/brackets allowed after the mark)?"""
    s = s.rstrip().rstrip(CLOSERS)
    return bool(s) and s[-1] in FINAL


def _is_byline_line(s: str) -> bool:
    return layout.is_byline(s)


def _is_credit_line(s: str) -> bool:
    """A byline line that is a photo credit (``新华社记者 颜麟蕴 摄``, ``孙忠靖摄``, ``(… 摄影报道)``):
    it closes what stands above it, it never opens a piece."""
    return _is_byline_line(s) and layout.is_photo_credit(s)


def _is_structural_text(s: str) -> bool:
    return s in _kickers() or bool(_dateline(s)) or _is_byline_line(s)


def _is_opener(s: str) -> bool:
    """A block that opens a piece right under its headline: a dateline paragraph, a byline line
    (not a photo credit, which closes) or a kicker label."""
    return s in _kickers() or bool(_dateline(s)) or (_is_byline_line(s) and not _is_credit_line(s))


def _is_heading_shaped(s: str) -> bool:
    """Short, no in-sentence punctuation, not a dateline/byline/kicker label."""
    body = s.rstrip("！？!?")
    return (
        0 < len(s) <= HEADING_MAX
        and not any(c in body for c in IN_SENTENCE + "！？!?")
        and not _is_structural_text(s)
    )


def _is_headline_shaped(s: str) -> bool:
    """Looser than heading-shaped, for a line that other signals already mark as a headline
    (a dateline under it, the top of the page, a byline above it): one comma or colon inside
    is allowed (``手术扎堆，“浙二”昨61台``, ``李强：…``), but it may not end a sentence."""
    core = s.rstrip().rstrip(CLOSERS)
    return (
        0 < len(s) <= HEADING_MAX
        and sum(c in IN_SENTENCE for c in core) <= 1
        and core[-1:] not in tuple("。；;：:，,、…")
        and not _is_structural_text(s)
    )


def _is_caption_shaped(s: str) -> bool:
    """Short, one sentence at most, not ending mid-sentence, not a dateline/byline."""
    core = s.rstrip().rstrip(CLOSERS)
    return (
        0 < len(s) <= CAPTION_MAX
        and not any(c in SENTENCE_END for c in core[:-1])
        and core[-1:] not in tuple(",，、；;：:")
        and not _is_structural_text(s)
    )


def _is_photo_item(s: str) -> bool:
    """A stand-alone photo story: longer than a caption and ending in a photo credit."""
    return bool(PHOTO_CREDIT_RE.search(s)) and not _is_caption_shaped(s)
