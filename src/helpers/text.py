"""Chinese text tools: jieba with the desk's user dictionary, keywords, township mentions.

* One dedicated ``jieba.Tokenizer`` (``tokenizer()``), built on first use, never at import:
  importing this module does not import jieba. Its cache file lives in ``helpers.paths.CACHE``
  (``.cache/jieba.cache``, gitignored), not in the system temp folder, and jieba's log is
  silenced.
* ``data/userdict.txt`` adds local places, bodies and projects so each segments whole.
  Format: ``WORD [FREQUENCY] [TAG]`` a line, ``#`` comments; with no frequency, jieba
  suggests one that keeps the word whole.
* ``keywords`` runs jieba's TF-IDF over the same tokenizer, ordered by weight, then by
  first appearance, so the same text always gives the same list.
* ``townships`` finds the zone's four townships by segmented tokens (see its docstring for
  the rule on short forms).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from helpers import paths

TOWNSHIPS = MappingProxyType({
    "洛阳镇": "Luoyang town",
    "东园镇": "Dongyuan town",
    "张坂镇": "Zhangban town",
    "百崎回族乡": "Baiqi Hui ethnic township",
})
"""The four townships of the Quanzhou Taiwanese Investment Zone, with English glosses."""

# Forms that count as a mention of each township. Bare 洛阳 is deliberately absent: it is
# also Luoyang, the city in Henan, so only the full 洛阳镇 counts for Luoyang town.
TOWNSHIP_FORMS = MappingProxyType({
    "洛阳镇": ("洛阳镇",),
    "东园镇": ("东园镇", "东园"),
    "张坂镇": ("张坂镇", "张坂"),
    "百崎回族乡": ("百崎回族乡", "百崎乡", "百崎"),
})

_ENTRY_RE = re.compile(r"^(\S+)(?:\s+(\d+))?(?:\s+([a-z]+))?$")


class UserDictError(ValueError):
    """The user dictionary is malformed: names the file and line."""


@dataclass(frozen=True)
class DictEntry:
    word: str
    freq: int | None
    tag: str | None


def userdict_entries(path: str | Path | None = None) -> tuple[DictEntry, ...]:
    """The entries of the user dictionary (``data/userdict.txt`` by default), checked:
    UTF-8 without BOM, LF line ends, one well-formed entry a line, no duplicates."""
    path = Path(path or paths.USER_DICT)
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        raise UserDictError(f"{path}: starts with a BOM; save it as UTF-8 without BOM")
    if b"\r" in data:
        line = data[: data.index(b"\r")].count(b"\n") + 1
        raise UserDictError(f"{path}:{line}: CR line end; save it with LF line ends")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserDictError(f"{path}: not UTF-8 at byte offset {e.start}") from None
    entries: list[DictEntry] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _ENTRY_RE.match(line)
        if not m:
            raise UserDictError(f"{path}:{lineno}: expected 'WORD [FREQUENCY] [TAG]', got {line!r}")
        word, freq, tag = m.groups()
        if word in seen:
            raise UserDictError(f"{path}:{lineno}: {word!r} already listed on line {seen[word]}")
        seen[word] = lineno
        entries.append(DictEntry(word, int(freq) if freq else None, tag))
    return tuple(entries)


@functools.lru_cache(maxsize=None)
def tokenizer():
    """The desk's jieba tokenizer: default dictionary + user dictionary, cache in ``.cache/``."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    paths.CACHE.mkdir(parents=True, exist_ok=True)
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(paths.CACHE)
    tok.cache_file = "jieba.cache"
    tok.initialize()
    for e in userdict_entries():
        tok.add_word(e.word, e.freq, e.tag)
    return tok


@functools.lru_cache(maxsize=None)
def _tfidf():
    """jieba's TF-IDF extractor wired to the desk's tokenizer."""
    import jieba.analyse
    import jieba.posseg

    extractor = jieba.analyse.TFIDF()
    extractor.tokenizer = tokenizer()
    extractor.postokenizer = jieba.posseg.POSTokenizer(tokenizer())
    return extractor


def cut(text: str) -> tuple[str, ...]:
    """Words of ``text`` (jieba's precise mode, as ``keywords`` sees them)."""
    return tuple(tokenizer().cut(text))


def keywords(text: str, k: int = 8) -> tuple[str, ...]:
    """The ``k`` top TF-IDF keywords of ``text``: weight first, then first appearance.
    Tokens with no letter (numbers, punctuation) are skipped."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    scored = _tfidf().extract_tags(text, topK=None, withWeight=True)
    first = {w: i for i, w in reversed(list(enumerate(cut(text))))}
    ranked = sorted(
        ((w, s) for w, s in scored if any(ch.isalpha() for ch in w)),
        key=lambda ws: (-round(ws[1], 12), first.get(ws[0], len(text)), ws[0]),
    )
    return tuple(w for w, _ in ranked[:k])


def townships(text: str) -> tuple[str, ...]:
    """Which of the zone's four townships ``text`` mentions, in ``TOWNSHIPS`` order.

    The rule: a segmented token counts when it starts with one of ``TOWNSHIP_FORMS`` — the
    full name or a short form (百崎乡/百崎, 张坂, 东园), so 张坂中学 and 东园社区 count for their
    townships while 广东园林 (segmented 广东/园林) does not. Bare 洛阳 never counts (it is also
    the city in Henan); only 洛阳镇 does.
    """
    tokens = cut(text)
    return tuple(
        name for name, forms in TOWNSHIP_FORMS.items()
        if any(tok.startswith(form) for tok in tokens for form in forms)
    )
