"""Reader markup passes over a rendered page: runs of Chinese marked with their language
(`mark_chinese`, `zh_runs`) and ledger figure ids linked to the page's source view
(`link_figure_ids`). Both work on text between tags only; attributes, ``<head>`` and CSS are
left as they are, and both are deterministic."""

from __future__ import annotations

import html
import re

from helpers.story import outputs

CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+"
                     r"(?:[\s\d·.,:%-]*[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+)*")


def zh_runs(text) -> "markupsafe.Markup":
    """Escaped text with each run of Chinese in ``<span lang="zh-Hans">`` (screen readers
    and font selection need the language of the run, as in the reports)."""
    import markupsafe

    text = str(text)
    out, at = [], 0
    for m in CJK_RUN.finditer(text):
        out.append(html.escape(text[at:m.start()], quote=False))
        out.append(f'<span lang="zh-Hans">{html.escape(m.group(), quote=False)}</span>')
        at = m.end()
    out.append(html.escape(text[at:], quote=False))
    return markupsafe.Markup("".join(out))


_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
_TAG_NAME = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")
_LANG_ATTR = re.compile(r"""\slang\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})
_NO_TEXT = frozenset({"head", "title", "style", "script", "textarea", "svg", "math"})


def mark_chinese(markup: str) -> str:
    """`markup` with every run of Chinese that is not already inside an element whose
    ``lang`` is Chinese wrapped in ``<span lang="zh-Hans">``, wherever it stands: prose,
    table cells, captions, glosses, links, a journalist's markdown. Screen readers switch
    voice and browsers pick the Chinese face by it (``:lang(zh)`` in base.css).

    Only text between tags changes; attributes, ``<head>``, ``<style>`` and the like are
    left alone. Deterministic, and idempotent: a marked run is inside a zh element."""
    out: list[str] = []
    stack: list[tuple[str, bool, bool]] = [("#root", False, False)]  # (tag, zh, no text)
    at = 0
    for m in _TAG.finditer(markup):
        out.append(_mark_text(markup[at:m.start()], stack[-1]))
        tag = m.group()
        out.append(tag)
        at = m.end()
        name = _TAG_NAME.match(tag)
        if not name or tag.startswith("<!"):
            continue
        closing, tname = name.group(1) == "/", name.group(2).lower()
        if closing:
            for i in range(len(stack) - 1, 0, -1):
                if stack[i][0] == tname:
                    del stack[i:]
                    break
            continue
        if tname in _VOID or tag.endswith("/>"):
            continue
        lang = _LANG_ATTR.search(tag)
        if lang:
            value = next(g for g in lang.groups() if g is not None).strip().lower()
            zh = value == "zh" or value.startswith("zh-")
        else:
            zh = stack[-1][1]
        stack.append((tname, zh, stack[-1][2] or tname in _NO_TEXT))
    out.append(_mark_text(markup[at:], stack[-1]))
    return "".join(out)


FIGURE_ID = re.compile(r"(?<![\w-])([a-z]\d{2}-f\d{2,})(?![\w-])")


def link_figure_ids(markup: str, page: str) -> str:
    """Every ledger figure id in the text of `markup` (``a01-f03``, as methodology and workings
    name them) linked to its place in the page's source view; the first link to each id
    carries ``id="fig-ref-<id>"`` so the source view can link back to it. Text already inside
    a link, and attributes, are left alone."""
    source_href = outputs.source_href
    out: list[str] = []
    depth = {"a": 0, "no": 0}
    seen: set[str] = set()
    at = 0

    def link(m: re.Match) -> str:
        fid = m.group(1)
        anchor = "" if fid in seen else f' id="fig-ref-{fid}"'
        seen.add(fid)
        return f'<a class="desk-ref"{anchor} href="{html.escape(source_href(page, "fig-" + fid))}">{fid}</a>'

    for m in _TAG.finditer(markup):
        text = markup[at:m.start()]
        out.append(text if depth["a"] or depth["no"] else FIGURE_ID.sub(link, text))
        out.append(m.group())
        at = m.end()
        name = _TAG_NAME.match(m.group())
        if name and not m.group().startswith("<!"):
            tname = name.group(2).lower()
            key = "a" if tname == "a" else "no" if tname in _NO_TEXT else None
            if key and not m.group().endswith("/>"):
                depth[key] = max(0, depth[key] + (-1 if name.group(1) else 1))
    text = markup[at:]
    out.append(text if depth["a"] or depth["no"] else FIGURE_ID.sub(link, text))
    return "".join(out)


def _mark_text(text: str, where: tuple[str, bool, bool]) -> str:
    _tag, zh, no_text = where
    if zh or no_text or not text:
        return text
    return CJK_RUN.sub(lambda m: f'<span lang="zh-Hans">{m.group()}</span>', text)
