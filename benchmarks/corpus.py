"""The desk on pages from other papers: split accuracy and ledger precision/recall/F1.

Run from anywhere: ``.venv/bin/python benchmarks/corpus.py`` (add ``-v`` to list every miss).

* Corpus: ``tests/corpus/`` (assembled pages of real pieces, adapted; see its README).
* Split: a piece is right when the desk finds one piece with exactly its span and headline;
  accuracy = pieces right / pieces.
* Ledger ("core"): the figures of each gold piece (a figure belongs to the piece its first
  character is in) against the gold figures, matched on value (or the bounds of a figure
  without a value), unit as printed and qualifier; precision, recall, F1 per outlet and in total.
* Beside it: the desk's own page (the hand-read table of ``tests/figures/test_ledger.py``: id, surface,
  value, unit, qualifier all right), and a peer baseline on the same corpus text: cn2an (what a
  newsroom would otherwise reach for) turning Chinese numerals into Arabic, then a number followed
  by one of the desk's own units is a figure (万/亿 scale it; the qualifier is always exact,
  since cn2an reads none). The baseline is given the desk's unit list, so it is a generous one.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import warnings
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.figures import ledger, vocabulary  # noqa: E402
from helpers.page import load_page, read_page  # noqa: E402


def _module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


corpus = _module("desk_corpus", ROOT / "tests" / "corpus" / "corpus.py")


def desk(verbose: bool) -> tuple[dict[str, corpus.Score], corpus.Score]:
    by_outlet: dict[str, corpus.Score] = defaultdict(corpus.Score)
    total = corpus.Score()
    for gp in corpus.load():
        page = read_page(gp.path)
        found = [(a.start, a.end, a.headline) for a in page.articles]
        cores: dict[int, list[tuple]] = defaultdict(list)
        figs: dict[int, list] = defaultdict(list)
        for f in ledger.figures_of_page(page):
            piece = corpus.piece_of(gp, f.start)
            if piece is not None:
                cores[piece.number].append(corpus.core_key(f.value, f.low, f.high, f.unit, f.qualifier))
                figs[piece.number].append(f)
        for piece in gp.pieces:
            s = corpus.score_figures(piece, cores[piece.number])
            s.tense_right, s.tense_checked = corpus.score_projected(piece, figs[piece.number])
            s.pieces = 1
            s.split_right = int(corpus.split_right(piece, found))
            by_outlet[piece.outlet].add(s)
            total.add(s)
            if verbose:
                missed, extra = corpus.mismatches(piece, cores[piece.number])
                tag = "split ok " if s.split_right else "SPLIT BAD"
                print(f"  {gp.name} #{piece.number} {tag} {piece.headline or piece.outlet}")
                for m in missed:
                    print(f"      missed {m}")
                for e in extra:
                    print(f"      extra  {e}")
        if verbose:
            for a in page.articles:
                print(f"    found {a.id} {a.start}:{a.end} {a.headline!r}")
    return by_outlet, total


_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(万亿|万|亿)?")
_SCALE = {"万": 1e4, "亿": 1e8, "万亿": 1e12, None: 1}


def baseline() -> corpus.Score | None:
    try:
        import cn2an
    except ImportError:
        return None
    units = sorted(set(vocabulary.UNITS), key=len, reverse=True)
    unit_re = re.compile("|".join(re.escape(u) for u in units))
    total = corpus.Score()
    for gp in corpus.load():
        for piece in gp.pieces:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                text = cn2an.transform(gp.text[piece.start:piece.end], "cn2an")
            cores = []
            for m in _NUMBER.finditer(text):
                u = unit_re.match(text, m.end())
                if u:
                    value = float(m.group(1)) * _SCALE[m.group(2)]
                    cores.append(corpus.core_key(value, value, value, u.group(), "exact"))
            total.add(corpus.score_figures(piece, cores))
    return total


def seed_page() -> tuple[int, int, int]:
    table = _module("desk_test_ledger_table", ROOT / "tests" / "figures" / "test_ledger.py").PAGE
    page = load_page()
    figs = {f.id: f for f in ledger.figures_of_page(page)}
    right = sum(1 for fid, surface, value, unit, qualifier, *_ in table
                if (f := figs.get(fid)) and (f.surface, f.value, f.unit, f.qualifier) == (surface, value, unit, qualifier))
    return len(page.articles), right, len(table)


def main() -> None:
    verbose = "-v" in sys.argv[1:]
    by_outlet, total = desk(verbose)
    pages = corpus.load()
    print(f"corpus: {len(pages)} assembled pages, {total.pieces} pieces, {len(by_outlet)} sources (outlet as credited), "
          f"{len({p.topic for gp in pages for p in gp.pieces})} topics, "
          f"{sum(len(p.figures) for gp in pages for p in gp.pieces)} gold figures")
    print(f"\n{'outlet':44}{'split':>8}{'P':>7}{'R':>7}{'F1':>7}")
    for outlet in sorted(by_outlet):
        s = by_outlet[outlet]
        print(f"{outlet[:42]:44}{s.split_right:>4}/{s.pieces:<3}{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}")
    print(f"{'TOTAL (desk)':44}{total.split_right:>4}/{total.pieces:<3}{total.precision:>7.3f}"
          f"{total.recall:>7.3f}{total.f1:>7.3f}")
    print(f"{'  projected flag right (figures found as printed)':52}{total.tense_right}/{total.tense_checked}")
    base = baseline()
    if base is None:
        print("peer baseline: cn2an is not installed")
    else:
        print(f"{'peer baseline (cn2an + unit regex)':44}{'—':>8}{base.precision:>7.3f}{base.recall:>7.3f}"
              f"{base.f1:>7.3f}")
    n_pieces, right, n = seed_page()
    print(f"\nthe desk's own page: {n_pieces} pieces, ledger {right}/{n} hand-read figures right")
    print(f"split accuracy {total.split_right / total.pieces:.3f}; ledger core F1 {total.f1:.3f} "
          f"(peer baseline {base.f1:.3f})" if base else "")


if __name__ == "__main__":
    main()
