"""Pages → pieces: read a page strictly, split it into articles, repair layout damage.

Contract (other modules rely on it; keep it true):

* ``read_text(path) -> str``: the page's *text*: strict UTF-8, a leading BOM removed,
  CRLF/CR turned into LF. All offsets anywhere in the desk are indexes into this string.
  For a file with no BOM and LF line ends, that is the raw file's characters one for one.
  Refused with a ``PageDecodeError`` naming the file and the offset: a file over
  ``MAX_PAGE_BYTES`` (2 MB), NUL bytes (binary), invalid UTF-8, control characters other
  than TAB/LF/VT/FF/CR, bidirectional controls. Everything else (zero-width characters,
  combining marks, emoji, Traditional characters) is kept as it is.
* ``load_page(slug=None) -> Page``: a page from ``data/raw`` by manifest slug, checksum verified.
* ``read_page(path) -> Page``: any UTF-8 file (no manifest, no checksum).
* ``Page.articles``: the pieces, in page order.
* A ``Passage`` is repaired text plus, for every character, its offset in ``Page.text``;
  ``passage.raw_span(i, j)`` maps a slice of the repaired text back to ``(start, end)``.

How a page is read (the rules are about shapes, never about this page's sentences):

* A *block* is one non-blank line. The number of blank lines before it is its *gap*;
  a gap of two or more (a *big gap*) is where the layout jumped: a new column, a photo box.
* A *headline* is a block of one to three short lines (引题, 主题, 副题; heading-shaped, the
  first may hold one comma or colon) that some signal marks as the top of a piece: the block
  under it opens the article (a dateline: 本报讯…, 新华社…电, 据新华社…电, 中新社…电, 中国甘肃网…讯,
  金山网讯; a byline line: □融媒体记者 …, 川观新闻记者 …; a kicker label: 核心提示), it is the top of
  the page, or the block above it closed the previous piece (a byline or credit standing alone:
  ``(记者…通讯员…)``, ``新华社记者 … 摄``, ``孙忠靖摄``; a byline line right above the headline; a
  paragraph ending in a credit: ``…本报记者 肖金雄 摄``, ``…(澎湃新闻记者 邵冰燕)``; a photo item).
  Failing all of these, a heading-shaped line between a finished paragraph and running text,
  outside a feature (a piece with a kicker, a byline inside it, or subheads), is taken for a
  headline *from the layout alone* and its piece is flagged (``Article.layout_only``: "split by
  layout only: check"). The datelines, byline role words, credit words and kicker labels are
  data (``data/vocab/layout.csv``, read by ``helpers.page.layout``).
* A block that follows a closing byline or credit starts a new piece even without a headline
  (an untitled photo item or brief).
* A *paragraph* that does not end in sentence-final punctuation (``。！？…；：`` and the like,
  closing quotes allowed after) or in a byline or credit was broken by the layout: it is joined
  with the next prose block, never across a headline, a dateline or a byline. A caption-shaped
  block sitting between the two halves (after a big gap, or with no punctuation at all) is
  lifted out as a caption of the same article. Limitation: on a page with no big gaps, a
  punctuated one-sentence caption between the halves cannot be told from the continuation
  and is joined as text.
* A *caption* is a short single-sentence block. Standing after a big gap it is a caption of
  the article it sits in; a caption printed just before a headline belongs to that headline's
  article (so a heading-shaped line over a headline, under running text, is a caption, not a
  引题: a two-line headline is recognised at the top of the page or after a closing byline).
  A caption that ends with a photo credit ``(… 摄)`` adds the credited names to the article's
  photographers.
* A *photo item* is a block longer than a caption that ends with a photo credit: it stands
  alone as a piece of kind ``photo`` with no headline (none is invented).
* Inside an article, a heading-shaped block is a subhead; ``核心提示`` opens the kicker, which
  runs until the byline line.
* Bylines are parsed by role words (记者, 通讯员, 摄; Traditional 記者, 通訊員, 攝 too; a
  dateline may read 本报讯 or 本報訊); the raw byline is always kept (several are joined
  with a space), and any part that could not be read is listed in ``Article.byline_unparsed``.
* Nothing is dropped: ``Article.parts`` labels every printed character of the page (headline,
  label, kicker, dateline, byline, subhead, paragraph, caption), each exactly once.
* An empty (or blank) file has zero pieces; that is not an error, so that a page can be
  checked before it is filled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from helpers.page import layout
from helpers.page.bylines import Credits, parse_byline
from helpers.page.model import Article, Part, Passage
from helpers.page.shapes import (
    HEADLINE_LINES,
    PHOTO_CREDIT_RE,
    _kickers,
    _dateline,
    _is_final,
    _is_byline_line,
    _is_credit_line,
    _is_structural_text,
    _is_opener,
    _is_heading_shaped,
    _is_headline_shaped,
    _is_caption_shaped,
    _is_photo_item,
)


# ---------------------------------------------------------------------------------------
# Splitting


@dataclass(frozen=True)
class _Block:
    text: str
    start: int
    gap: int                     # blank lines before it (0 for the first block)

    @property
    def passage(self) -> Passage:
        return Passage.at(self.text, self.start)


def _join(pieces: list[Passage]) -> Passage:
    """The passages as one, built once (joining pairwise would copy the offsets each time: O(n²))."""
    if len(pieces) == 1:
        return pieces[0]
    return Passage("".join(p.text for p in pieces), tuple(o for p in pieces for o in p.offsets))


def _blocks(text: str) -> list[_Block]:
    """Non-blank lines, stripped, with their offsets and the blank lines before them."""
    blocks: list[_Block] = []
    pos, blanks = 0, 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            blocks.append(_Block(stripped, pos + lead, blanks if blocks else 0))
            blanks = 0
        else:
            blanks += 1
        pos += len(line) + 1
    return blocks


@dataclass
class _Draft:
    """A piece being assembled."""

    kind: str = "article"
    headline: Passage | None = None
    headline_more: list[Passage] = field(default_factory=list)   # further lines of a 引题/主题/副题 block
    label: Passage | None = None             # the 核心提示 line itself
    kicker: list[Passage] = field(default_factory=list)
    byline_line: Passage | None = None
    subheads: list[Passage] = field(default_factory=list)
    paragraphs: list[Passage] = field(default_factory=list)
    captions: list[Passage] = field(default_factory=list)
    layout_only: bool = False                # its start was read from the layout alone


class _Splitter:
    """Walks the blocks once, deciding each block's role from its shape and neighbours.

    Before the walk, ``_plan`` decides in one pass which blocks are headlines (a block of one to
    ``HEADLINE_LINES`` short lines) and on what basis:

    * ``top``: the first block of the page;
    * ``opener``: a dateline paragraph, a byline line or a kicker label follows;
    * ``after close``: the block above closes a piece: a byline or credit line standing alone
      (``(记者…)``, ``新华社记者 … 摄``), a paragraph ending in a byline or credit
      (``…(澎湃新闻记者 邵冰燕)``, ``…本报记者 肖金雄 摄``), a photo item;
    * ``layout``: nothing but the shape says so: a heading-shaped block between a finished
      paragraph and running text, in a piece that is not a feature (a feature, with a kicker
      label or a byline inside it, or subheads already, has subheads instead). Such a piece is
      flagged (``Article.layout_only``): its start is a guess to check.

    A block that follows a closing byline starts a new piece even without a headline (a photo
    item, an untitled brief).
    """

    def __init__(self, text: str):
        self.blocks = _blocks(text)
        self.n = len(self.blocks)
        self.heads: dict[int, tuple[int, str]] = {}     # first line → (last line, basis)
        self.head_lines: set[int] = set()
        self.fresh: set[int] = set()                    # untitled pieces starting after a closer
        self._plan()

    def text(self, i: int) -> str:
        return self.blocks[i].text if 0 <= i < self.n else ""

    def big_gap(self, i: int) -> bool:
        return self.blocks[i].gap >= 2

    # -- the plan ------------------------------------------------------------------------

    def closes(self, i: int, kicker: bool) -> bool:
        """Does block ``i`` end the piece it is in? (``kicker``: the piece has a kicker label, so
        its byline line opens the body under the kicker.)"""
        s = self.text(i)
        if _is_photo_item(s):
            return True
        if _is_byline_line(s):
            bracketed = s.lstrip(layout.vocab().markers).strip()[:1] in "(（"
            if bracketed or _is_credit_line(s):
                return True
            # an unbracketed byline under running text, right above a headline-shaped line
            return not kicker and i + 1 < self.n and _is_headline_shaped(self.text(i + 1))
        return not _is_caption_shaped(s) and layout.credit_tail(s) is not None

    def _group(self, i: int) -> int:
        """The last line of the headline-shaped block starting at ``i``."""
        last = i
        while (last + 1 < self.n and last + 1 - i < HEADLINE_LINES and self.blocks[last + 1].gap <= 1
               and _is_heading_shaped(self.text(last + 1))):
            last += 1
        return last

    def _headline_at(self, i: int, feature: bool, after_close: bool) -> tuple[int, str] | None:
        s = self.text(i)
        if not _is_headline_shaped(s):
            return None
        last = self._group(i)
        nxt = last + 1
        following = self.text(nxt)
        if nxt < self.n and _is_opener(following):
            basis = "opener"
        elif i == 0:
            basis = "top"
        elif after_close:
            basis = "after close"
        elif (not feature and _is_heading_shaped(s) and _is_final(self.text(i - 1)) and nxt < self.n
              and not _is_structural_text(following) and not _is_heading_shaped(following)
              and not _is_photo_item(following)):
            basis = "layout"
        else:
            return None
        if last > i and basis not in ("after close", "top") and (self.big_gap(i) or _is_final(self.text(i - 1))):
            return None          # a caption printed over the headline, under running text
        if basis != "opener" and last == i and nxt < self.n and _is_credit_line(following):
            return None          # a caption over its photo credit
        return last, basis

    def _plan(self) -> None:
        feature, kicker, body, after_close = False, False, False, False
        i = 0
        while i < self.n:
            head = self._headline_at(i, feature, after_close)
            if head is not None:
                last, basis = head
                self.heads[i] = head
                self.head_lines.update(range(i, last + 1))
                feature, kicker, body, after_close = False, False, False, False
                i = last + 1
                continue
            s = self.text(i)
            if after_close and not _is_caption_shaped(s):
                self.fresh.add(i)
                feature, kicker, body = False, False, False
            if s in _kickers():
                feature = kicker = True
            elif _is_byline_line(s):
                feature = feature or body
            elif _is_heading_shaped(s) and i + 1 < self.n and not self.big_gap(i):
                feature = feature or body     # a subhead: the piece is a feature
            else:
                body = True
            after_close = self.closes(i, kicker)
            i += 1

    # -- the walk --------------------------------------------------------------------------

    def is_headline(self, i: int) -> bool:
        return i in self.head_lines

    def is_structural(self, i: int) -> bool:
        """A block that can never continue a broken paragraph."""
        s = self.text(i)
        return self.is_headline(i) or _is_structural_text(s) or _is_photo_item(s) or i in self.fresh

    def is_loose_caption(self, i: int) -> bool:
        """A caption standing between paragraphs or just before a headline."""
        s = self.text(i)
        if not _is_caption_shaped(s) or i + 1 >= self.n or self.is_headline(i):
            return False
        before_headline = i + 1 in self.heads and (self.big_gap(i) or _is_heading_shaped(s))
        return before_headline or (i > 0 and self.big_gap(i))

    def is_inner_caption(self, i: int) -> bool:
        """Between the halves of a broken paragraph: a caption, not the continuation."""
        s = self.text(i)
        return (
            _is_caption_shaped(s)
            and (self.big_gap(i) or _is_heading_shaped(s))
            and i + 1 < self.n
            and not self.is_structural(i + 1)
        )

    def paragraph(self, i: int) -> tuple[Passage, list[Passage], int]:
        """The paragraph starting at block ``i``, joined across layout breaks; the captions
        found inside it; the index of the next block. A paragraph that ends in a byline or
        credit is complete, and no join crosses a headline, a byline or a dateline."""
        pieces, captions, j = [self.blocks[i].passage], [], i + 1
        while (not _is_final(pieces[-1].text) and layout.credit_tail(pieces[-1].text) is None
               and j < self.n and not self.is_structural(j)):
            if self.is_inner_caption(j):
                captions.append(self.blocks[j].passage)
                j += 1
            pieces.append(self.blocks[j].passage)
            j += 1
        return _join(pieces), captions, j

    def drafts(self) -> list[_Draft]:
        drafts: list[_Draft] = []
        cur: _Draft | None = None
        waiting: list[Passage] = []          # captions printed before their headline

        def current() -> _Draft:
            nonlocal cur
            if cur is None or cur.kind == "photo":
                cur = _Draft()
                drafts.append(cur)
            return cur

        i = 0
        while i < self.n:
            b = self.blocks[i]
            if i in self.fresh:
                cur = None
            if i in self.heads:
                last, basis = self.heads[i]
                cur = _Draft(headline=b.passage, captions=waiting, layout_only=basis == "layout",
                             headline_more=[self.blocks[k].passage for k in range(i + 1, last + 1)])
                drafts.append(cur)
                waiting, i = [], last + 1
            elif b.text in _kickers() and current().label is None:
                d, i = cur, i + 1
                d.label = b.passage
                while i < self.n and not self.is_structural(i) and not _is_heading_shaped(self.text(i)):
                    para, caps, i = self.paragraph(i)
                    d.kicker.append(para)
                    d.captions.extend(caps)
            elif _is_byline_line(b.text) and current().byline_line is None:
                cur.byline_line, i = b.passage, i + 1
            elif _is_photo_item(b.text) and not (cur is not None and cur.headline is not None
                                                 and not cur.paragraphs and i - 1 in self.head_lines):
                cur = _Draft(kind="photo", paragraphs=[b.passage])
                drafts.append(cur)
                i += 1
            elif self.is_loose_caption(i):
                (waiting if i + 1 in self.heads else current().captions).append(b.passage)
                i += 1
            elif _is_heading_shaped(b.text) and cur is not None and cur.kind == "article":
                cur.subheads.append(b.passage)
                i += 1
            elif b.text in _kickers() or _is_byline_line(b.text):
                current().paragraphs.append(b.passage)      # a second one: kept, never joined
                i += 1
            else:
                para, caps, i = self.paragraph(i)
                d = current()
                d.paragraphs.append(para)
                d.captions.extend(caps)
        if waiting:
            current().captions.extend(waiting)
        return drafts


def _pull_credits(d: _Draft) -> tuple[Passage | None, list[Passage], list[Passage]]:
    """Dateline, bylines (in page order) and the paragraphs with them cut out. A dateline's
    byline opens the first paragraph; a photo item's credit closes it; a byline or credit
    closing the last paragraph is cut from it; a byline line stands alone. None is dropped: an
    article may show several, all are kept."""
    paragraphs = list(d.paragraphs)
    dateline, bylines = None, []
    if paragraphs:
        first = paragraphs[0]
        m = _dateline(first.text) if d.kind == "article" else None
        if m:
            dateline = first.slice(*m.span(1))
            if m.group(2):
                bylines.append(first.slice(*m.span(2)))
            paragraphs[0] = first.slice(m.end()).strip()
        m = PHOTO_CREDIT_RE.search(first.text) if d.kind == "photo" else None
        if m:
            credit = first.slice(*m.span()).strip()
            bylines.append(credit)
            paragraphs[0] = first.slice(0, m.start()).strip()
    if d.kind == "article" and paragraphs and paragraphs[-1].text:
        last = paragraphs[-1]
        span = layout.credit_tail(last.text)
        if span is not None:
            bylines.append(last.slice(*span).strip())
            paragraphs[-1] = last.slice(0, span[0]).strip()
    if d.byline_line is not None:
        bylines.append(d.byline_line)
    bylines.sort(key=lambda p: p.offsets[0])
    return dateline, bylines, [p for p in paragraphs if p.text]


def _merge(credits: list[Credits]) -> Credits:
    """One Credits from several bylines: names in order, each once."""
    def names(field_name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for c in credits for n in getattr(c, field_name)))

    return Credits(
        reporters=names("reporters"),
        correspondents=names("correspondents"),
        photographers=names("photographers"),
        text_and_photos=any(c.text_and_photos for c in credits),
        unparsed=tuple(u for c in credits for u in c.unparsed),
    )


def _finish(d: _Draft, number: int) -> Article:
    """Pull dateline and byline out of the draft's text and freeze it as an Article."""
    dateline, bylines, paragraphs = _pull_credits(d)
    caption_credits = [m.group(0) for c in d.captions if (m := PHOTO_CREDIT_RE.search(c.text))]
    credits = _merge([parse_byline(b.text) for b in bylines])
    photographers = _merge([credits] + [parse_byline(c) for c in caption_credits]).photographers
    parts = [Part("byline", b) for b in bylines]
    if dateline is not None:
        parts.append(Part("dateline", dateline))
    if d.headline is not None:
        parts.append(Part("headline", d.headline))
        parts += [Part("headline", p) for p in d.headline_more]
    if d.label is not None:
        parts.append(Part("label", d.label))
    parts += [Part("kicker", p) for p in d.kicker]
    parts += [Part("subhead", p) for p in d.subheads]
    parts += [Part("paragraph", p) for p in paragraphs]
    parts += [Part("caption", p) for p in d.captions]
    parts.sort(key=lambda p: p.passage.offsets[0])
    return Article(
        id=f"a{number:02d}",
        kind=d.kind,
        headline=" ".join(p.text for p in [d.headline, *d.headline_more]) if d.headline else "",
        subheads=tuple(p.text for p in d.subheads),
        kicker="\n".join(p.text for p in d.kicker),
        byline=" ".join(b.text for b in bylines),
        reporters=credits.reporters,
        correspondents=credits.correspondents,
        photographers=photographers,
        text_and_photos=credits.text_and_photos,
        dateline=dateline.text if dateline else "",
        paragraphs=tuple(paragraphs),
        captions=tuple(sorted(d.captions, key=lambda p: p.offsets[0])),
        start=min(p.passage.offsets[0] for p in parts),
        end=max(max(p.passage.offsets) + 1 for p in parts),
        parts=tuple(parts),
        byline_unparsed=credits.unparsed,
        layout_only=d.layout_only,
    )


def split(text: str) -> tuple[Article, ...]:
    """The pieces of a page text, in page order, ids a01, a02, …; () for a blank text."""
    return tuple(_finish(d, k) for k, d in enumerate(_Splitter(text).drafts(), start=1))
