"""Reading a page file strictly: UTF-8 only, bounded size, no binary or control characters.

``read_text(path)`` gives the page's *text*: strict UTF-8, a leading BOM removed, CRLF/CR
turned into LF. All offsets anywhere in the desk are indexes into this string.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from helpers.page.model import Page, PageBinaryError, PageDecodeError, PageTooLargeError
from helpers.page.splitting import split

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


MAX_NUMBER_DIGITS = 30
"""The most digits a number on a page may have (1.2万亿 written out has 13; an ID number 18).
A longer run of digits, group separators or not, is not a figure: the page is refused when it
is read, before the ledger would turn thousands of digits into one integer."""
MAX_CN_NUMERAL = 40
"""The longest run of Chinese numeral characters (零一二…十百千万亿) a page may hold."""
MAX_NUMBERS = 20_000
"""The most numbers (runs of digits or of Chinese numerals) a page may hold. A newspaper page
has a few hundred (the committed one 105); the cap keeps the figure ledger of any accepted
page within ~150 MB, as ``MAX_PAGE_BYTES`` keeps its text small."""

_DIGIT_RUN_RE = re.compile(r"[0-9\uff10-\uff19](?:[,.\uff0e\u00a0\u2009\u202f\u200b-\u200f\u2060\ufeff]?[0-9\uff10-\uff19])*")
_LONG_CN_RE = re.compile(r"[零〇○一二两三四五六七八九十百千万亿萬億兩]{%d,}" % (MAX_CN_NUMERAL + 1))
_DIGIT_RE = re.compile(r"[0-9\uff10-\uff19]")
_CN_RUN_RE = re.compile(r"[零〇○一二两三四五六七八九十百千万亿萬億兩]+")


def _refuse_long_numbers(text: str, name: str | Path) -> None:
    """Refuse a page holding a number too long to be a figure, or more numbers than
    `MAX_NUMBERS` (linear time: one scan each)."""
    found = None
    count = 0
    for m in _DIGIT_RUN_RE.finditer(text):
        count += 1
        if m.end() - m.start() > MAX_NUMBER_DIGITS:
            digits = len(_DIGIT_RE.findall(m.group()))
            if digits > MAX_NUMBER_DIGITS:
                found = (m.start(), f"a number of {digits:,} digits", f"at most {MAX_NUMBER_DIGITS} digits")
                break
    cn = _LONG_CN_RE.search(text)
    if cn and (found is None or cn.start() < found[0]):
        found = (cn.start(), f"a run of {cn.end() - cn.start():,} Chinese numerals",
                 f"at most {MAX_CN_NUMERAL} in a row")
    if found is None:
        count += sum(1 for _ in _CN_RUN_RE.finditer(text))
        if count > MAX_NUMBERS:
            raise PageDecodeError(
                f"{name}: {count:,} numbers, more than the {MAX_NUMBERS:,} a page may hold (a newspaper "
                f"page has a few hundred); a page file holds one page: split the file into pages and "
                f"register each")
        return
    if found:
        i, what, limit = found
        line = text.count("\n", 0, i) + 1
        column = i - (text.rfind("\n", 0, i) + 1) + 1
        raise PageDecodeError(
            f"{name}: {what} at character offset {i} (line {line}, column {column}) is too long to be "
            f"a figure ({limit}); shorten or remove it and register the cleaned copy"
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
    _refuse_long_numbers(text, name)
    return text


def read_text(path: str | Path) -> str:
    """The page text of any file (strict UTF-8, see ``decode``). An oversized file is
    refused from its size alone, before it is read."""
    path = Path(path)
    try:
        _refuse_large(path.stat().st_size, path)
        with open(path, "rb") as fh:
            data = fh.read(MAX_PAGE_BYTES + 1)   # bounded even if the file grows meanwhile
    except OSError as e:
        raise PageDecodeError(f"{path}: cannot read the page file ({e.strerror or e}); check the path") from None
    return decode(data, path)


def read_page(path: str | Path) -> Page:
    """Any UTF-8 page file, split into pieces (no manifest, no checksum); slug = file stem."""
    path = Path(path)
    text = read_text(path)
    return Page(slug=path.stem, path=path, text=text, articles=split(text))
