"""What a Chinese newspaper page prints around its pieces, read from ``data/vocab/layout.csv``
(``helpers.vocab.table("layout")``).

The splitter (``helpers.source``) asks this module about single blocks of text; the words and
patterns live in the CSV so that a new paper's conventions are a file edit, not code:

* ``dateline`` rows: regular expressions for the dateline that opens a piece's first paragraph
  (本报讯, 新华社北京12月28日电, 据新华社…电, 中新社福州六月十六日电, 中国甘肃网…讯, 金山网讯 …).
  A bracketed byline may follow (``(记者 赵径)``), or names and 报道 up to a colon
  (``本报讯周浩勇报道:``). No capturing groups in the patterns.
* ``marker`` rows: a character printed before a byline line (□ ■ ◇ ◆, N of "N海都记者 …").
* ``role`` rows: role words (记者, 通讯员, 摄影, 实习生 …) with the field their names go to
  (``reporters``, ``correspondents``, ``photographers``).
* ``credit`` rows: words that close a credit (摄, 摄影报道, 文/图, 河南南阳报道, 供稿 …); ``role``
  says what they mean for the names before them (photographers, text_and_photos, or nothing).
* ``kicker`` rows: label lines that open a kicker (核心提示, 编者按 …).

A *byline* here is a short run of chunks separated by spaces, 、 or /: role words with an outlet
before them and names after them (``融媒体中心记者宋乐义``, ``川观新闻记者``, ``记者李锦文通讯员张立峰``),
names of 2–4 characters, and credit words. It stands on a line of its own (opening a piece:
``□融媒体记者 罗剑生 通讯员 陈美萍 文/图``; or closing it: ``(记者李锦文通讯员张立峰)``,
``新华社记者 颜麟蕴 摄``, ``孙忠靖摄``), or closes the last paragraph of a piece
(``…尽快更换。本报记者 肖金雄 摄``, ``…(澎湃新闻记者 邵冰燕)``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from helpers import paths
from helpers import vocab as vocabulary
from helpers.errors import DeskError

KINDS = ("dateline", "marker", "role", "credit", "kicker")
BYLINE_MAX = 60          # a byline line is short
CREDIT_TAIL_MAX = 30     # a credit closing a paragraph is shorter still
NAME = r"[\u4e00-\u9fff·]{2,4}"
_SEPARATORS = re.compile(r"[\s、]+")
_NO_BYLINE = set("。，,；;！？!?：:“”\"%")


class LayoutVocabError(DeskError):
    """``data/vocab/layout.csv`` holds a row the splitter cannot use (names the file and line)."""


@dataclass(frozen=True)
class Layout:
    dateline: re.Pattern          # group 1: the dateline, group 2: its byline (optional)
    markers: str
    roles: tuple[tuple[str, str], ...]          # (pattern, field)
    credits: tuple[tuple[str, str], ...]        # (pattern, meaning)
    kickers: tuple[str, ...]

    @functools.cached_property
    def role_re(self) -> re.Pattern:
        return re.compile("|".join(f"(?:{p})" for p, _ in self.roles))

    @functools.cached_property
    def credit_re(self) -> re.Pattern:
        return re.compile("|".join(f"(?:{p})" for p, _ in self.credits))

    @functools.cached_property
    def _role_chunk(self) -> re.Pattern:
        role = self.role_re.pattern
        return re.compile(rf"(?:[\u4e00-\u9fff]{{2,8}}?)?(?:{role})(?:{NAME})?(?:(?:{role}){NAME})*")

    @functools.cached_property
    def _credit_chunk(self) -> re.Pattern:
        return re.compile(rf"(?:{NAME})?[/／]?(?:{self.credit_re.pattern})")

    @functools.cached_property
    def photo_credit_re(self) -> re.Pattern:
        words = "|".join(f"(?:{p})" for p, meaning in self.credits if meaning == "photographers")
        return re.compile(rf"(?:{words})\s*$")


def from_rows(rows, path=None) -> Layout:
    """A ``Layout`` from the rows of a layout vocabulary (dicts with value, kind, role, note, in
    file order; ``path`` names the file in errors, a row's line is its position + 2)."""
    path = path or paths.VOCAB / "layout.csv"
    rows = list(rows)
    for line, row in enumerate(rows, start=2):
        kind, value = row.get("kind", ""), row.get("value", "")
        if kind not in KINDS:
            raise LayoutVocabError(f"kind {kind!r} is not one of {', '.join(KINDS)}", path=path, line=line)
        try:
            compiled = re.compile(value)
        except re.error as e:
            raise LayoutVocabError(f"{value!r} is not a regular expression: {e}", path=path, line=line) from None
        if compiled.groups and kind in ("dateline", "role", "credit"):
            raise LayoutVocabError(f"use (?:…), not capturing groups, in {value!r}", path=path, line=line)
        if kind == "role" and row.get("role") not in ("reporters", "correspondents", "photographers"):
            raise LayoutVocabError(f"a role row needs role reporters, correspondents or photographers, "
                                   f"not {row.get('role')!r}", path=path, line=line)

    def of(kind: str) -> list[dict[str, str]]:
        return [r for r in rows if r["kind"] == kind]

    if not of("dateline"):
        raise LayoutVocabError("no dateline rows: the splitter needs at least one", path=path)
    alternatives = "|".join(f"(?:{r['value']})" for r in of("dateline"))
    dateline = re.compile(rf"^({alternatives})\s*"
                          r"([(（](?:[^()（）\n]|[(（][^()（）\n]*[)）])*[)）]"
                          r"|[\u4e00-\u9fff·\s]{2,16}?[报報]道[:：])?\s*")
    return Layout(
        dateline=dateline,
        markers="".join(r["value"] for r in of("marker")),
        roles=tuple((r["value"], r["role"]) for r in of("role")),
        credits=tuple((r["value"], r.get("role") or "") for r in of("credit")),
        kickers=tuple(r["value"] for r in of("kicker")),
    )


@functools.lru_cache(maxsize=1)
def vocab() -> Layout:
    """The desk's layout vocabulary, ``data/vocab/layout.csv``."""
    return from_rows(vocabulary.table("layout"))


vocab()   # read with the other vocabularies when the desk is imported (a bad file stops it at once)


# ---------------------------------------------------------------------------------------
# Shapes


def _byline_body(inner: str, bracketed: bool) -> bool:
    """Is ``inner`` (marker and brackets removed) a byline: chunks of role words with names,
    names, credit words; at least one role word, or names closed by a credit word, or
    (in brackets) two names or more."""
    v = vocab()
    chunks = [c for c in _SEPARATORS.split(inner.strip()) if c]
    if not chunks or len(chunks) > 12:
        return False
    roles = names = credits = 0
    for c in chunks:
        if v._role_chunk.fullmatch(c):
            roles += 1
        elif v._credit_chunk.fullmatch(c):
            credits += 1
        elif re.fullmatch(NAME, c):
            names += 1
        else:
            return False
    return roles > 0 or (credits > 0 and (names > 0 or bool(v._credit_chunk.fullmatch(chunks[0])))) \
        or (bracketed and names >= 2)


def is_byline(s: str) -> bool:
    """A byline line as printed: ``□融媒体记者 罗剑生 通讯员 陈美萍 文/图``, ``川观新闻记者 王若晔``,
    ``(记者李锦文通讯员张立峰)``, ``(陈福忠 武越鹏)``, ``新华社记者 颜麟蕴 摄``, ``孙忠靖摄``."""
    s = s.strip()
    if not s or len(s) > BYLINE_MAX or any(c in _NO_BYLINE for c in s):
        return False
    markers = vocab().markers
    if s[0] in markers and len(s) > 1:
        s = s[1:].strip()
    if s[:1] in "(（" and s[-1:] in ")）":
        inner = s[1:-1]
        return "(" not in inner and "（" not in inner and _byline_body(inner, bracketed=True)
    return not any(c in s for c in "()（）") and _byline_body(s, bracketed=False)


_TAIL_BRACKET = re.compile(r"[(（]([^()（）\n]{2,40})[)）]\s*$")
_SENTENCE_MARK = re.compile(r"[。！？!?”」』]")


def credit_tail(s: str) -> tuple[int, int] | None:
    """The span of a byline or photo credit that closes a paragraph, if any: ``(澎湃新闻记者 邵冰燕)``,
    ``…更换。本报记者 肖金雄 摄``, ``…秩序井然。徐丹霞 李斌 摄影报道``. The paragraph must hold text
    before it."""
    s_stripped = s.rstrip()
    m = _TAIL_BRACKET.search(s_stripped)
    if m and m.start() > 0 and _byline_body(m.group(1), bracketed=True):
        return m.start(), m.end()
    marks = list(_SENTENCE_MARK.finditer(s_stripped))
    if not marks:
        return None
    at = marks[-1].end()
    tail = s_stripped[at:]
    lead = len(tail) - len(tail.lstrip())
    tail = tail.strip()
    if tail and len(tail) <= CREDIT_TAIL_MAX and at > 0 and is_byline(tail):
        return at + lead, len(s_stripped)
    return None


def is_photo_credit(s: str) -> bool:
    """Does a byline end with a photo credit word (摄, 摄影报道)?"""
    return bool(vocab().photo_credit_re.search(s.strip().rstrip(")）").strip()))
