"""Chinese text tools: jieba with the desk's user dictionary, keywords, township mentions.

* One dedicated ``jieba.Tokenizer`` (``tokenizer()``), built on first use, never at import:
  importing this module does not import jieba. Its prefix dictionary is cached in
  ``helpers.paths.CACHE`` (``.cache/jieba-<key>.marshal``, gitignored), not in the system temp
  folder, and read in one piece (jieba's own cache read takes ~4x longer); jieba's log is
  silenced.
* ``data/userdict.txt`` adds local places, bodies and projects so each segments whole.
  Format: ``WORD [FREQUENCY] [TAG]`` a line, ``#`` comments; with no frequency, jieba
  suggests one that keeps the word whole.
* ``keywords`` is jieba's TF-IDF (``jieba.analyse.extract_tags``: same IDF table, stop words
  and weights) over the same tokenizer, ordered by weight, then by first appearance, so the
  same text always gives the same list. It is computed here rather than by importing
  ``jieba.analyse``, which imports ``jieba.posseg`` and re-reads the whole dictionary for
  part-of-speech tags the desk never uses (~0.7 s a process).
* ``townships`` finds the zone's four townships by segmented tokens (see its docstring for
  the rule on short forms).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import marshal
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from helpers import paths, vocab
from helpers.errors import DeskError
from helpers.files import write_cache

TOWNSHIPS = MappingProxyType(vocab.column("townships", "township", "english"))
"""The zone's townships with English glosses (``data/vocab/townships.csv``)."""

# Forms that count as a mention of each township (the file's ``forms``, separated by |). Bare
# 洛阳 is deliberately absent: it is also Luoyang, the city in Henan, so only 洛阳镇 counts.
TOWNSHIP_FORMS = MappingProxyType({row["township"]: tuple(row["forms"].split("|"))
                                   for row in vocab.table("townships")})

_ENTRY_RE = re.compile(r"^(\S+)(?:\s+(\d+))?(?:\s+([a-z]+))?$")


class UserDictError(DeskError):
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
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total = _prefix_dict(tok)
    tok.initialized = True
    for e in userdict_entries():
        tok.add_word(e.word, e.freq, e.tag)
    return tok


def _prefix_dict(tok) -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary (word and prefix → frequency, total), as ``gen_pfdict``
    builds it from jieba's default dictionary; cached (see `_cached`)."""
    import jieba

    dict_path = Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME
    return _cached("jieba", dict_path, lambda: tok.gen_pfdict(tok.get_dict_file()))


def _cached(name: str, source: Path, build):
    """``build()`` (a pair), cached in ``paths.CACHE`` as one marshal blob keyed by jieba's
    version and `source` (path, size, mtime); a missing or damaged cache is built again.

    Read back with a single ``read_bytes``: jieba's own ``marshal.load`` on a file object
    reads in small pieces and takes ~0.6 s for the prefix dictionary instead of ~0.15 s.
    """
    import jieba

    st = source.stat()
    key = hashlib.sha256(
        f"{jieba.__version__}\0{source}\0{st.st_size}\0{st.st_mtime_ns}".encode("utf-8")
    ).hexdigest()[:16]
    cache = paths.CACHE / f"{name}-{key}.marshal"
    try:
        value = marshal.loads(cache.read_bytes())
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], dict):
            return value
    except (OSError, EOFError, ValueError, TypeError):
        pass  # missing or damaged: build it again
    value = tuple(build())
    write_cache(cache, marshal.dumps(value), paths.CACHE)
    return value


# jieba.analyse.KeywordExtractor.STOP_WORDS: tokens TF-IDF never counts.
STOP_WORDS = frozenset((
    "the", "of", "is", "and", "to", "in", "that", "we", "for", "an", "are",
    "by", "be", "as", "on", "with", "can", "if", "from", "which", "you", "it",
    "this", "then", "at", "have", "all", "not", "one", "has", "or",
))


@functools.lru_cache(maxsize=None)
def idf_table() -> tuple[dict[str, float], float]:
    """jieba's IDF table (``jieba/analyse/idf.txt``: word → IDF) and its median (the weight
    of unknown words), as ``jieba.analyse.tfidf.IDFLoader`` reads them; cached (`_cached`)."""
    import jieba

    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    return _cached("jieba-idf", path, lambda: _read_idf(path))


def _read_idf(path: Path) -> tuple[dict[str, float], float]:
    """The IDF file parsed line by line; a malformed line names the file and line."""
    table: dict[str, float] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            word, value = line.strip().split(" ")
            table[word] = float(value)
        except ValueError:
            raise ValueError(f"{path}:{lineno}: expected 'WORD IDF', got {line!r}") from None
    return table, sorted(table.values())[len(table) // 2]


def tfidf(text: str) -> dict[str, float]:
    """Every candidate keyword of ``text`` with its TF-IDF weight, exactly as
    ``jieba.analyse.extract_tags(text, topK=None, withWeight=True)`` weighs it: tokens of two
    or more non-space characters, not stop words; count × (IDF / total count)."""
    idf, median = idf_table()
    counts: dict[str, float] = {}
    for w in tokenizer().cut(text):
        if len(w.strip()) < 2 or w.lower() in STOP_WORDS:
            continue
        counts[w] = counts.get(w, 0.0) + 1.0
    total = sum(counts.values())
    return {w: n * (idf.get(w, median) / total) for w, n in counts.items()}


def cut(text: str) -> tuple[str, ...]:
    """Words of ``text`` (jieba's precise mode, as ``keywords`` sees them)."""
    return tuple(tokenizer().cut(text))


def keywords(text: str, k: int = 8) -> tuple[str, ...]:
    """The ``k`` top TF-IDF keywords of ``text``: weight first, then first appearance.
    Tokens with no letter (numbers, punctuation) are skipped."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    scored = tfidf(text).items()
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
