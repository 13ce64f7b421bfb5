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
* A *headline* is a heading-shaped block (short, no in-sentence punctuation) whose next
  block opens the article: a dateline (``本报讯…``), a byline line (``□融媒体记者 …``) or a
  kicker label (``核心提示``). The first block of a page, if heading-shaped, is a headline too.
  An article is recognised by that opening; a page with none is one untitled article.
* A *paragraph* that does not end in sentence-final punctuation (``。！？…；：`` and the like,
  closing quotes allowed after) was broken by the layout: it is joined with the next prose
  block. A caption-shaped block sitting between the two halves (after a big gap, or with no
  punctuation at all) is lifted out as a caption of the same article. Limitation: on a page
  with no big gaps, a punctuated one-sentence caption between the halves cannot be told from
  the continuation and is joined as text.
* A *caption* is a short single-sentence block. Standing after a big gap it is a caption of
  the article it sits in; a caption printed just before a headline belongs to that headline's
  article. A caption that ends with a photo credit ``(… 摄)`` adds the credited names to the
  article's photographers.
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

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from helpers import manifest

# ---------------------------------------------------------------------------------------
# Data model


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


class PageDecodeError(ValueError):
    """A page file cannot be read as page text (not UTF-8, binary, too large, or holding
    control characters): names the file, the offset and what to do."""


class PageTooLargeError(PageDecodeError):
    """A page file is larger than ``MAX_PAGE_BYTES``."""


class PageBinaryError(PageDecodeError):
    """A page file holds NUL bytes or control characters: it is not plain text."""


# ---------------------------------------------------------------------------------------
# Reading


MAX_PAGE_BYTES = 2 * 1024 * 1024
"""The largest page file the desk reads. A printed page is 10–30 KB of text; anything near
this limit is not one page (a whole site dump, a log), and refusing it keeps splitting and
the ledger within seconds and tens of MB."""

# Characters a page may not hold: C0/C1 controls other than TAB LF VT FF CR (pdftotext's
# form feed is allowed), DEL, and the bidirectional embedding/override/isolate controls,
# which change the order a quote is *shown* in without changing its characters.
_FORBIDDEN_RE = re.compile(r"[\x01-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _refuse_large(size: int, name: str | Path) -> None:
    if size > MAX_PAGE_BYTES:
        raise PageTooLargeError(
            f"{name}: {size:,} bytes is over the page limit of {MAX_PAGE_BYTES:,} bytes "
            f"({MAX_PAGE_BYTES // (1024 * 1024)} MB); a page file holds one newspaper page: "
            f"split the file into pages and register each"
        )


def _refuse_binary(data: bytes, name: str | Path) -> None:
    """NUL bytes mean a binary file (or UTF-16 text, which the UTF-16 hint covers)."""
    at = data.find(b"\x00")
    if at >= 0 and data[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        line = data.count(b"\n", 0, at) + 1
        raise PageBinaryError(
            f"{name}: looks binary: NUL byte at byte offset {at} (line {line}); "
            f"a page must be a UTF-8 text file (if it is UTF-16 text, convert it: "
            f"`iconv -f UTF-16 -t UTF-8 {Path(str(name)).name} > page.utf8.txt`)"
        )


def _refuse_controls(text: str, name: str | Path) -> None:
    m = _FORBIDDEN_RE.search(text)
    if m:
        i, ch = m.start(), m.group()
        line = text.count("\n", 0, i) + 1
        column = i - (text.rfind("\n", 0, i) + 1) + 1
        what = "bidirectional control" if ch >= "\u202a" else "control character"
        raise PageBinaryError(
            f"{name}: {what} U+{ord(ch):04X} ({unicodedata.name(ch, 'unnamed')}) at character offset {i} "
            f"(line {line}, column {column}); a page is plain text: remove such characters and "
            f"register the cleaned copy"
        )


def decode(data: bytes, name: str | Path = "<bytes>") -> str:
    """Strict UTF-8 → text: a leading BOM dropped, CRLF and CR turned into LF.

    Refused (``PageDecodeError`` naming the file and the offset): more than
    ``MAX_PAGE_BYTES``, NUL bytes (binary), invalid UTF-8, control characters other than
    TAB/LF/VT/FF/CR, and bidirectional controls."""
    _refuse_large(len(data), name)
    _refuse_binary(data, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        source = "UTF-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "GB18030"
        raise PageDecodeError(
            f"{name}: not UTF-8: byte 0x{data[e.start]:02x} at byte offset {e.start} (line {line}) "
            f"is invalid ({e.reason}). Convert the file to UTF-8 first, e.g. "
            f"`iconv -f {source} -t UTF-8 {Path(str(name)).name} > page.utf8.txt` "
            f"(use the encoding the file really has), and register the converted copy."
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _refuse_controls(text, name)
    return text


def read_text(path: str | Path) -> str:
    """The page text of any file (strict UTF-8, see ``decode``). An oversized file is
    refused from its size alone, before it is read."""
    path = Path(path)
    _refuse_large(path.stat().st_size, path)
    with open(path, "rb") as fh:
        data = fh.read(MAX_PAGE_BYTES + 1)   # bounded even if the file grows meanwhile
    return decode(data, path)


def read_page(path: str | Path) -> Page:
    """Any UTF-8 page file, split into pieces (no manifest, no checksum); slug = file stem."""
    path = Path(path)
    text = read_text(path)
    return Page(slug=path.stem, path=path, text=text, articles=split(text))


@functools.lru_cache(maxsize=None)
def load_page(slug: str | None = None) -> Page:
    """A manifest page (the first when ``slug`` is None), checksum verified, split into pieces.
    Cached per process: notebooks call it freely."""
    e = manifest.entry(slug)
    text = decode(manifest.verify(e), e.path)
    return Page(slug=e.slug, path=e.path, text=text, articles=split(text))


# ---------------------------------------------------------------------------------------
# Shapes of blocks

FINAL = "。！？!?…；;：:."           # a paragraph ending in one of these is complete
CLOSERS = "”’」』)）】》〉\"'"          # may follow the final mark
SENTENCE_END = "。！？!?"              # a caption holds at most one of these, at its end
IN_SENTENCE = ",，。；;：:"             # a heading holds none of these
HEADING_MAX = 40
CAPTION_MAX = 60
KICKER_LABELS = ("核心提示", "内容提要", "编者按", "导读")

# Role words and datelines are matched in Simplified and Traditional forms (本报讯/本報訊).
DATELINE_RE = re.compile(r"^(本[报報][^\s(（)）讯訊]{0,12}[讯訊])\s*"
                         r"([(（](?:[^()（）\n]|[(（][^()（）\n]*[)）])*[)）])?\s*")
BYLINE_LINE_RE = re.compile(
    r"^[□■◇◆]?\s*(?:(?:融媒[体體]|全媒[体體]|本[报報]|特[约約]|[见見][习習]|[实實][习習]|[摄攝]影)?[记記]者"
    r"|(?:特[约約])?通[讯訊][员員]|[实實][习習]生|[摄攝]影)"
)
PHOTO_CREDIT_RE = re.compile(r"[(（]([^()（）]*?)\s*[/／]?\s*[摄攝]\s*[)）]\s*$")


def _is_final(s: str) -> bool:
    """Does the block end a sentence (closing quotes/brackets allowed after the mark)?"""
    s = s.rstrip().rstrip(CLOSERS)
    return bool(s) and s[-1] in FINAL


def _is_byline_line(s: str) -> bool:
    return bool(BYLINE_LINE_RE.match(s)) and len(s) <= CAPTION_MAX and not any(c in s for c in "。，,")


def _is_structural_text(s: str) -> bool:
    return s in KICKER_LABELS or bool(DATELINE_RE.match(s)) or _is_byline_line(s)


def _is_heading_shaped(s: str) -> bool:
    """Short, no in-sentence punctuation, not a dateline/byline/kicker label."""
    body = s.rstrip("！？!?")
    return (
        0 < len(s) <= HEADING_MAX
        and not any(c in body for c in IN_SENTENCE + "！？!?")
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


# ---------------------------------------------------------------------------------------
# Bylines


@dataclass(frozen=True)
class Credits:
    reporters: tuple[str, ...] = ()
    correspondents: tuple[str, ...] = ()
    photographers: tuple[str, ...] = ()
    text_and_photos: bool = False
    unparsed: tuple[str, ...] = ()


_ROLES = {
    "reporters": r"(?:融媒[体體]|全媒[体體]|本[报報]|特[约約]|[见見][习習])?[记記]者",
    "correspondents": r"(?:特[约約])?通[讯訊][员員]",
    "photographers": r"[摄攝]影[记記]者|[摄攝]影",
}
_ROLE_RE = "|".join(f"(?:{r})" for r in (_ROLES["photographers"], _ROLES["reporters"], _ROLES["correspondents"]))
_TOKEN_RE = re.compile(
    rf"(?P<role>{_ROLE_RE})|(?P<name>(?:(?!{_ROLE_RE})[\u4e00-\u9fff·])+)|(?P<sep>[\s、,，/／]+)"
    r"|(?P<other>[^\s、,，/／\u4e00-\u9fff·]+|.)"
)
_TEXT_AND_PHOTOS_RE = re.compile(r"文\s*[/／]\s*[图圖]|[图圖]\s*[/／]\s*文")
_SUFFIX_PHOTO_RE = re.compile(r"[/／]?\s*[摄攝]\s*$")
_NOT_NAMES = {"实习生", "报道", "供稿", "整理", "编辑", "综合", "摄", "文", "图",
              "實習生", "報道", "編輯", "綜合", "攝", "圖"}


def _role_of(word: str) -> str:
    for role, pattern in _ROLES.items():
        if re.fullmatch(pattern, word):
            return role
    raise AssertionError(word)  # unreachable: word matched _ROLE_RE


def parse_byline(raw: str) -> Credits:
    """Names by role from a byline as printed, e.g. ``(融媒体记者黄枫 张文璟 通讯员刘荣生 文/图)``,
    ``□融媒体记者 罗剑生 通讯员 陈美萍 文/图`` or ``(罗剑生 黄翠阳 摄)``. Names are 2–4 Han
    characters after a role word (or before a closing 摄); anything else is ``unparsed``."""
    inner = raw.strip().lstrip("□■◇◆").strip()
    if inner[:1] in "(（" and inner[-1:] in ")）":
        inner = inner[1:-1]
    text_and_photos = bool(_TEXT_AND_PHOTOS_RE.search(inner))
    inner = _TEXT_AND_PHOTOS_RE.sub(" ", inner)
    suffix_photo = bool(_SUFFIX_PHOTO_RE.search(inner)) and not inner.rstrip().endswith(("摄影", "攝影"))
    if suffix_photo:
        inner = _SUFFIX_PHOTO_RE.sub("", inner)
    found: dict[str, list[str]] = {k: [] for k in _ROLES}
    role: str | None = None
    unroled: list[str] = []
    unparsed: list[str] = []
    for m in _TOKEN_RE.finditer(inner):
        kind, word = m.lastgroup, m.group()
        if kind == "role":
            role = _role_of(word)
        elif kind == "name" and 2 <= len(word) <= 4 and word not in _NOT_NAMES:
            (found[role] if role else unroled).append(word)
        elif kind != "sep":
            unparsed.append(word)
    if suffix_photo:
        found["photographers"].extend(unroled)
    else:
        unparsed.extend(unroled)
    return Credits(
        reporters=tuple(found["reporters"]),
        correspondents=tuple(found["correspondents"]),
        photographers=tuple(found["photographers"]),
        text_and_photos=text_and_photos,
        unparsed=tuple(unparsed),
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
    label: Passage | None = None             # the 核心提示 line itself
    kicker: list[Passage] = field(default_factory=list)
    byline_line: Passage | None = None
    subheads: list[Passage] = field(default_factory=list)
    paragraphs: list[Passage] = field(default_factory=list)
    captions: list[Passage] = field(default_factory=list)


class _Splitter:
    """Walks the blocks once, deciding each block's role from its shape and neighbours."""

    def __init__(self, text: str):
        self.blocks = _blocks(text)
        self.n = len(self.blocks)

    def text(self, i: int) -> str:
        return self.blocks[i].text if 0 <= i < self.n else ""

    def big_gap(self, i: int) -> bool:
        return self.blocks[i].gap >= 2

    def is_headline(self, i: int) -> bool:
        if not _is_heading_shaped(self.text(i)):
            return False
        if i == 0:
            return True
        return i + 1 < self.n and _is_structural_text(self.text(i + 1))

    def is_structural(self, i: int) -> bool:
        """A block that can never continue a broken paragraph."""
        s = self.text(i)
        return self.is_headline(i) or _is_structural_text(s) or _is_photo_item(s)

    def is_loose_caption(self, i: int) -> bool:
        """A caption standing between paragraphs or just before a headline."""
        s = self.text(i)
        if not _is_caption_shaped(s) or i + 1 >= self.n or self.is_headline(i):
            return False
        before_headline = self.is_headline(i + 1) and (self.big_gap(i) or _is_heading_shaped(s))
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
        found inside it; the index of the next block."""
        pieces, captions, j = [self.blocks[i].passage], [], i + 1
        while not _is_final(pieces[-1].text) and j < self.n and not self.is_structural(j):
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
            if self.is_headline(i):
                cur = _Draft(headline=b.passage, captions=waiting)
                drafts.append(cur)
                waiting, i = [], i + 1
            elif b.text in KICKER_LABELS and current().label is None:
                d, i = cur, i + 1
                d.label = b.passage
                while i < self.n and not self.is_structural(i) and not _is_heading_shaped(self.text(i)):
                    para, caps, i = self.paragraph(i)
                    d.kicker.append(para)
                    d.captions.extend(caps)
            elif _is_byline_line(b.text) and current().byline_line is None:
                cur.byline_line, i = b.passage, i + 1
            elif _is_photo_item(b.text):
                cur = _Draft(kind="photo", paragraphs=[b.passage])
                drafts.append(cur)
                i += 1
            elif self.is_loose_caption(i):
                (waiting if self.is_headline(i + 1) else current().captions).append(b.passage)
                i += 1
            elif _is_heading_shaped(b.text) and cur is not None and cur.kind == "article":
                cur.subheads.append(b.passage)
                i += 1
            elif b.text in KICKER_LABELS or _is_byline_line(b.text):
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
    byline opens the first paragraph; a photo item's credit closes it; a byline line stands
    alone. None is dropped: an article may show several, all are kept."""
    paragraphs = list(d.paragraphs)
    dateline, bylines = None, []
    if paragraphs:
        first = paragraphs[0]
        m = DATELINE_RE.match(first.text) if d.kind == "article" else None
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
        headline=d.headline.text if d.headline else "",
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
    )


def split(text: str) -> tuple[Article, ...]:
    """The pieces of a page text, in page order, ids a01, a02, …; () for a blank text."""
    return tuple(_finish(d, k) for k, d in enumerate(_Splitter(text).drafts(), start=1))


# ---------------------------------------------------------------------------------------
# Tables


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
