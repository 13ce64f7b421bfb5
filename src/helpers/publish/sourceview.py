"""The source view of a page (``reports/source-<slug>.html``): its text as printed, every
ledger figure marked with its id, qualifier and tense, and anchors that the reports' figure
ids and quotes link to (see ARCHITECTURE.md, "Source views and figure links")."""

from __future__ import annotations

import html

from helpers.publish.render import RenderError, render_page

QUALIFIER_WORDS = {"exact": "exact", "more_than": "more than (floor)", "at_least": "at least (floor)",
                   "about": "about", "less_than": "less than (ceiling)", "at_most": "at most (ceiling)",
                   "range": "range"}


FONT_QUALITY = 9
"""Brotli quality of a source view's font. A view shows its whole page, so its font is the
largest a build cuts (~900 characters, ~150 KB), one per page of the archive. Quality 9
compresses it in 0.06 s against 0.42 s at the reports' 10, for ~7% more bytes (150 to 161 KB
on the first page): 200 pages build a minute faster (``benchmarks/archive.py``). Reports, read
far more, keep quality 10."""


def render_source(page, figures, *, title: str, intro: str, backrefs=None, anchors=(), files=(),
                  cache_dir=None, font_base=None) -> str:
    """The source view of `page`: its text as printed, piece by piece (each an anchor
    ``piece-<id>``), every ledger figure (`figures`, the page's ledger rows) marked with
    ``id="fig-<id>"`` and followed by its id, qualifier and tense, ``at-<offset>`` anchors at
    `anchors`, and for each anchor the reports that link to it (`backrefs`: anchor -> list of
    ``(href, label)``). Same template, CSS, font and CSP as a report."""
    backrefs = backrefs or {}
    figs = sorted(({k: r[k] for k in ("id", "start", "end", "qualifier", "projected", "kind")}
                   for r in figures), key=lambda f: (f["start"], f["end"]))
    text = page.text
    e = html.escape

    def uses(anchor: str) -> str:
        refs = backrefs.get(anchor) or []
        if not refs:
            return ""
        links = ", ".join(f'<a href="{e(h)}">{e(label)}</a>' for h, label in refs)
        return f"; used in {links}"

    def span(lo: int, hi: int) -> str:
        out, at = [], lo
        marks = sorted({a for a in anchors if lo <= a < hi})
        for f in (f for f in figs if lo <= f["start"] and f["end"] <= hi):
            if f["start"] < at:  # overlaps the previous figure: the ledger never does this
                raise RenderError(f"source view: figure {f['id']} overlaps the figure before it")
            out.append(_with_anchors(text, at, f["start"], marks, backrefs))
            qual = QUALIFIER_WORDS.get(str(f["qualifier"]), str(f["qualifier"]).replace("_", " "))
            tense = "projected (future)" if str(f["projected"]) in ("True", "true", "1") else "stated"
            out.append(f'<mark class="source-fig" id="fig-{e(f["id"])}">'
                       f'{_with_anchors(text, f["start"], f["end"], marks, backrefs)}</mark>'
                       f'<span class="fig-tag" lang="en">[<a href="#fig-{e(f["id"])}">{e(f["id"])}</a>: '
                       f'{e(qual)}, {tense}{uses("fig-" + str(f["id"]))}]</span>')
            at = f["end"]
        out.append(_with_anchors(text, at, hi, marks, backrefs))
        return "".join(out)

    pieces, covered = [], []
    for a in page.articles:
        pieces.append({"id": a.id, "kind": a.kind, "headline": a.headline, "html": span(a.start, a.end)})
        covered.append((a.start, a.end))
    rest_parts, at = [], 0
    for lo, hi in sorted(covered):
        if text[at:lo].strip():
            rest_parts.append(span(at, lo))
        at = max(at, hi)
    if text[at:].strip():
        rest_parts.append(span(at, len(text)))
    return render_page("source.html", title=title, description=intro, intro=intro, pieces=pieces,
                       rest="\n".join(rest_parts), files=list(files), cache_dir=cache_dir,
                       font_base=font_base, og_type="website", font_quality=FONT_QUALITY)


def _with_anchors(text: str, lo: int, hi: int, marks, backrefs=None) -> str:
    """text[lo:hi] escaped, with a ``<span id="at-N">`` before each offset N in `marks` (and,
    for a quoted sentence, the reports quoting it)."""
    out, at = [], lo
    for m in marks:
        if lo <= m < hi:
            out.append(html.escape(text[at:m], quote=False))
            refs = (backrefs or {}).get(f"at-{m}") or []
            links = ", ".join(f'<a href="{html.escape(h)}">{html.escape(label)}</a>' for h, label in refs)
            tag = f'<span class="fig-tag" lang="en">[quoted in {links}]</span>' if links else ""
            out.append(f'<span id="at-{m}" class="source-at">{tag}</span>')
            at = m
    out.append(html.escape(text[at:hi], quote=False))
    return "".join(out)
