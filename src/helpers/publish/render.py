"""Executed notebook → one self-contained reader page (and the CSV files beside it).

What reaches the page (ARCHITECTURE.md, "Report outputs"):

* markdown cells (journalist text, trusted), rendered with nbconvert's markdown renderer;
* ``text/html`` outputs (reader blocks from ``helpers.story``, which escapes page text);
* outputs with ``metadata["desk"]["kind"] == "chart"`` as a ``<figure>`` with the SVG as a
  data-URI image, its alt text, title and a link to the CSV behind it;
  ``kind == "table"`` likewise, with the table in a horizontally scrolling box.

Never: code, prompts, streams, warnings, ``text/plain`` reprs, a DataFrame left as a cell's
value. An error output, a chart without its metadata, a script, or any reference to an
external resource is a `RenderError` naming the cell. The page embeds its CSS and a
font subset, so it works offline and makes no request at all.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from helpers.publish.markup import link_figure_ids, mark_chinese, zh_runs
from helpers.story import outputs

TEMPLATES = Path(__file__).resolve().parent / "templates"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
IMAGE_MIMES = ("image/svg+xml", "image/png", "image/jpeg", "image/gif")
PANDAS_REPR = re.compile(r'<table[^>]*\bclass="dataframe|<table id="T_[0-9a-f]+"')
STYLER_ID = re.compile(r'<table id="T_([0-9a-f]+)"')
SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
SVG_VIEWBOX = re.compile(r'<svg\b[^>]*\bviewBox="\s*[-\d.]+[ ,]+[-\d.]+[ ,]+([\d.]+)[ ,]+([\d.]+)\s*"')


class RenderError(Exception):
    """A notebook output that must not, or cannot, reach a reader page."""


@dataclass
class Report:
    """A rendered report: the page, the files beside it, and what the index shows."""

    html: str
    files: dict[str, bytes] = field(default_factory=dict)  # path relative to the reports dir
    headline: str = ""
    dek: str = ""
    key_figure: str = ""


@dataclass
class _Context:
    """State gathered while walking one notebook's cells."""

    data_dir: str  # e.g. "data/01-park-jobs"
    files: dict[str, bytes] = field(default_factory=dict)
    links: list[dict] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    first_heading: str = ""
    heading_ids: dict[str, int] = field(default_factory=dict)
    styler_count: int = 0


# ---------------------------------------------------------------- page assembly

def render_report(nb, *, stem: str, extra_links=(), cache_dir=None, font_base=None,
                  source_page: str | None = None) -> Report:
    """Render an executed notebook as the reader page `stem`.html.

    `extra_links` are ``{"href", "label"}`` items for the page's footer (e.g. the ledger);
    `font_base` a ``fonts.Base`` to cut the page's font from (faster, same bytes);
    `source_page` the slug of the page whose source view the report's figure ids link to.
    """
    ctx = _Context(data_dir=outputs.data_dir(stem))
    blocks: list[str] = []
    for number, cell in numbered_cells(nb):
        try:
            produced = [b for b in _cell_blocks(cell, ctx) if b]
            for block in produced:
                check_self_contained(block)
            blocks.extend(produced)
        except RenderError as e:
            raise RenderError(f"cell {number} ({first_line(cell)}): {e}") from None
    # Headline metadata is plain text (the template escapes it); a markdown heading is HTML.
    meta = {k: _collapse(v) for k, v in ctx.meta.items()}
    headline = meta.get("headline") or ctx.first_heading or stem
    body = "\n".join(b for b in blocks if b)
    if source_page:
        body = link_figure_ids(body, source_page)
    page = render_page(
        "report.html",
        title=headline,
        description=meta.get("dek", ""),
        body=body,
        files=_unlinked(ctx.links + list(extra_links), body),
        cache_dir=cache_dir,
        font_base=font_base,
    )
    return Report(
        html=page, files=ctx.files, headline=headline,
        dek=meta.get("dek", ""), key_figure=meta.get("key_figure", ""),
    )


def _unlinked(links: list[dict], body: str) -> list[dict]:
    """Footer links minus those the report already shows (e.g. a story's own Data section)."""
    shown = {html.unescape(h) for h in re.findall(r'<a\b[^>]*?\bhref=["\']([^"\']*)', body)}
    return [link for link in links if link["href"] not in shown]


SITE_NAME = "Desk reports"
DESCRIPTION_MAX = 160
# A plain mark in the accent colour, inline (a favicon must not be fetched).
FAVICON = ("data:image/svg+xml," + "%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
           "%3Crect width='16' height='16' rx='3' fill='%230b6e99'/%3E"
           "%3Cpath d='M4 4h4.5a4 4 0 0 1 0 8H4z' fill='%23fff'/%3E%3C/svg%3E")


def summary(text: str, limit: int = DESCRIPTION_MAX) -> str:
    """`text` as a share description of at most `limit` characters: whitespace collapsed,
    cut at a word (or, in Chinese, a character) boundary with an ellipsis when too long."""
    text = _collapse(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:—–-") + "…"


def render_page(template: str, *, title: str, description: str, cache_dir=None, font_base=None,
                og_type: str = "article", scripts: tuple[str, ...] = (), font_quality: int | None = None,
                **context) -> str:
    """Fill a page template with the inlined CSS and the font subset for its text, the share
    metadata (description ≤ 160 characters, Open Graph, a summary card, an inline favicon),
    and every run of Chinese marked ``lang="zh-Hans"`` (`mark_chinese`); the only script allowed is
    one of `scripts`, the desk's own. `font_quality`: the font's Brotli quality, when not the
    default (``woff2.QUALITY``)."""
    from helpers.publish import fonts

    env = _jinja()
    css = stylesheet()
    shared = dict(title=title, description=description, summary=summary(description or title),
                  og_type=og_type, site_name=SITE_NAME, favicon=FAVICON, **context)
    # Render once without the font to learn the page's characters, then embed the subset.
    draft = env.get_template(template).render(
        font_face="", font_stack="", latin_stack="", css="", **shared
    )
    # The CSS counts too: its `content: "…"` shows a character.
    face = fonts.font_face_css(html.unescape(draft) + css, cache_dir=cache_dir, base=font_base, quality=font_quality)
    page = mark_chinese(env.get_template(template).render(
        font_face=face, font_stack=fonts.FONT_STACK, latin_stack=fonts.LATIN_STACK, css=css, **shared,
    ))
    check_self_contained(page, scripts)
    return page


def stylesheet() -> str:
    """Every ``templates/*.css`` file, sorted by name, concatenated."""
    return "\n".join(p.read_text(encoding="utf-8").strip() for p in sorted(TEMPLATES.glob("*.css")))


_ENV = None


def _jinja():
    global _ENV
    if _ENV is None:
        import jinja2

        _ENV = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=True,
            keep_trailing_newline=True,
            undefined=jinja2.StrictUndefined,
        )
        _ENV.filters["zh"] = zh_runs
    return _ENV


# ---------------------------------------------------------------- cells

def numbered_cells(nb):
    """(1-based number in the committed notebook, cell), skipping cells the build injected,
    so an error message names the cell as the author sees it."""
    number = 0
    for cell in nb.cells:
        if cell.get("metadata", {}).get("desk_injected"):
            continue
        number += 1
        yield number, cell


def first_line(cell) -> str:
    """The cell's first non-blank line (at most 80 characters): how messages name a cell."""
    for line in _source(cell).splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= 80 else line[:77] + "..."
    return "empty cell"


def _cell_blocks(cell, ctx: _Context) -> list[str]:
    if cell.cell_type == "markdown":
        from helpers.publish import inline

        text, where = _source(cell), first_line(cell)
        if inline.INLINE.search(text):  # MyST {eval}`expr`: the values the build stored
            text = inline.substitute(text, cell.get("metadata", {}).get(inline.METADATA), where)
        return [inline.prose_block(_markdown(text, ctx, cell.get("attachments")), inline.prose_kind(cell), where)]
    if cell.cell_type != "code":
        return []
    return [b for out in cell.get("outputs", []) if (b := _output_block(out, ctx))]


def _source(cell) -> str:
    return text_of(cell.get("source", ""))


def _markdown(text: str, ctx: _Context, attachments=None) -> str:
    """Markdown (trusted journalist text) to HTML with nbconvert's renderer; ids on headings."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(escape=False, exclude_anchor_links=True, attachments=attachments or {})
    out = MarkdownWithMath(renderer=renderer).render(text)
    return re.sub(r"<h([1-6])>(.*?)</h\1>", lambda m: _heading(m, ctx), out, flags=re.S)


def _heading(m: re.Match, ctx: _Context) -> str:
    level, inner = m.group(1), m.group(2)
    text = _plain(inner)
    if level == "1" and not ctx.first_heading:
        ctx.first_heading = text
    slug = re.sub(r"[^\w]+", "-", text.lower()).strip("-") or "section"
    n = ctx.heading_ids.get(slug, 0)
    ctx.heading_ids[slug] = n + 1
    hid = slug if n == 0 else f"{slug}-{n + 1}"
    return f'<h{level} id="{html.escape(hid)}">{inner}</h{level}>'


def _collapse(text) -> str:
    """Plain text with runs of whitespace (newlines included) made single spaces."""
    return " ".join(str(text).split())


def _plain(fragment: str) -> str:
    """Text content of an HTML fragment, whitespace collapsed."""
    text = html.unescape(re.sub(r"<[^>]+>", "", str(fragment)))
    return " ".join(text.split())


# ---------------------------------------------------------------- outputs

def _output_block(out, ctx: _Context) -> str | None:
    """The HTML one output contributes to the page, or None when it must not appear."""
    kind = out.get("output_type")
    if kind == "error":
        raise RenderError(f"error output {out.get('ename', '')}: {out.get('evalue', '')}")
    if kind not in ("display_data", "execute_result"):
        return None  # streams: prints, warnings, logging
    data = out.get("data", {})
    desk = (out.get("metadata") or {}).get("desk") or {}
    if not isinstance(desk, dict):
        raise RenderError("metadata['desk'] must be an object")
    what = desk.get("kind")
    if what == "chart":
        return _chart(data, desk, ctx)
    if what == "table":
        return _table(data, desk, ctx)
    if what == "headline":
        ctx.meta.update({k: str(desk.get(k) or "") for k in ("headline", "dek", "key_figure")})
    if "text/html" in data:
        markup = text_of(data["text/html"])
        if not desk and PANDAS_REPR.search(markup):
            return None  # a DataFrame left as a cell's value: a stray repr
        return _html_block(markup, ctx)
    if "text/markdown" in data:
        return _markdown(text_of(data["text/markdown"]), ctx)
    if any(m in data for m in IMAGE_MIMES):
        raise RenderError(
            "an image output without metadata['desk'] kind 'chart' (alt text, title and CSV "
            "are required); show charts with helpers.story.charts"
        )
    return None


def text_of(value) -> str:
    """A notebook string field as text (nbformat may store it as a list of lines)."""
    return "".join(value) if isinstance(value, list) else str(value)


def _html_block(markup: str, ctx: _Context) -> str:
    if re.search(r"<script\b", markup, re.I):
        raise RenderError("scripts are not allowed in a report (it must work offline, without code)")
    return _stable_styler_ids(markup, ctx)


def _stable_styler_ids(markup: str, ctx: _Context) -> str:
    """pandas Styler ids carry a random uuid; number them instead so rebuilds are identical."""
    for uuid in dict.fromkeys(STYLER_ID.findall(markup)):
        ctx.styler_count += 1
        markup = markup.replace(f"T_{uuid}", f"T_desk{ctx.styler_count}")
    return markup


def _require(desk: dict, keys: tuple[str, ...], what: str) -> None:
    missing = [k for k in keys if not str(desk.get(k) or "").strip()]
    if missing:
        raise RenderError(f"{what} output is missing metadata['desk'] field(s): {', '.join(missing)}")
    if not NAME_RE.match(str(desk["name"])):
        raise RenderError(
            f"{what} name {desk['name']!r} must be a file-safe name (letters, digits, . _ -)"
        )


def _add_csv(desk: dict, ctx: _Context, what: str) -> str:
    """Queue the output's CSV as a file beside the report; return its link."""
    href = f"{ctx.data_dir}/{desk['name']}.csv"
    if href in ctx.files:
        raise RenderError(f"two outputs are named {desk['name']!r}; chart and table names must be unique")
    from helpers import csvsafe

    ctx.files[href] = str(desk["csv"]).encode(csvsafe.READER_ENCODING)
    label = _collapse(desk.get("title") or desk["name"])
    ctx.links.append({"href": href, "label": f"{label} ({what}, CSV)"})
    return href


def _chart(data: dict, desk: dict, ctx: _Context) -> str:
    _require(desk, ("name", "alt", "title", "csv"), "chart")
    src, size = _image_source(data)
    href = _add_csv(desk, ctx, "chart")
    e = html.escape
    anchor = f"chart-{desk['name']}"
    return (
        f'<figure class="chart" id="{e(anchor)}">\n'
        f'<figcaption class="chart-title">{e(str(desk["title"]))}</figcaption>\n'
        f'<img src="{src}" alt="{e(str(desk["alt"]))}"{size}>\n'
        f'<p class="chart-data"><a href="{e(href)}">Data behind the chart “{e(_collapse(desk["title"]))}” (CSV)</a></p>\n'
        f"</figure>"
    )


def _image_source(data: dict) -> tuple[str, str]:
    """A data URI for the chart image (SVG preferred) and its width/height attributes."""
    if "image/svg+xml" in data:
        svg = SVG_METADATA.sub("", text_of(data["image/svg+xml"]))  # drop dates/creator
        m = SVG_VIEWBOX.search(svg)
        size = f' width="{round(float(m.group(1)))}" height="{round(float(m.group(2)))}"' if m else ""
        encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}", size
    for mime in IMAGE_MIMES[1:]:
        if mime in data:
            encoded = re.sub(r"\s+", "", text_of(data[mime]))
            return f"data:{mime};base64,{encoded}", ""
    raise RenderError("chart output has no image (image/svg+xml or image/png)")


def _table(data: dict, desk: dict, ctx: _Context) -> str:
    _require(desk, ("name", "csv"), "table")
    e = html.escape
    title = str(desk.get("title") or desk["name"])
    if "text/html" in data:
        inner = _html_block(text_of(data["text/html"]), ctx)
        if 'class="desk-table"' not in inner:  # a notebook's own table: give it the house box
            if "<caption" not in inner and desk.get("title"):
                inner = re.sub(r"(<table\b[^>]*>)", lambda m: f'{m.group(1)}<caption class="desk-caption">'
                               f"{e(_collapse(title))}</caption>", inner, count=1)
            inner = f'<div class="desk-table-block"><div class="desk-table">{inner}</div></div>'
    else:
        inner = _csv_table(str(desk["csv"]), desk.get("title"))
    href = _add_csv(desk, ctx, "table")
    # No extra scrolling box: the table's own ``.desk-table`` is the one scroll container.
    return (
        f'<div class="table-block" id="table-{e(str(desk["name"]))}">\n{inner}\n'
        f'<p class="table-data"><a href="{e(href)}">Data behind the table “{e(_collapse(title))}” (CSV)</a></p>\n'
        f"</div>"
    )


def _csv_table(text: str, caption=None) -> str:
    """An escaped HTML table from CSV text (first row is the header, first column the row
    headers), in the same box as ``helpers.story`` tables."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise RenderError("table CSV is empty")
    e = html.escape
    cap = f'<caption class="desk-caption">{e(str(caption))}</caption>' if caption else ""
    head = "".join(f'<th scope="col">{e(c)}</th>' for c in rows[0])

    def cell(j, c, width):
        label = f' data-label="{e(rows[0][j])}"' if j < len(rows[0]) else ""
        if j == 0 and width > 1:
            return f'<th scope="row"{label}>{e(c)}</th>'
        return f"<td{label}>{e(c)}</td>"

    body = "".join("<tr>" + "".join(cell(j, c, len(r)) for j, c in enumerate(r)) + "</tr>" for r in rows[1:])
    return (f'<div class="desk-table-block"><div class="desk-table"><table>{cap}<thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></div></div>")


# ---------------------------------------------------------------- self-containment

RESOURCE_ATTRS = {"src", "srcset", "poster", "data", "background", "action", "formaction", "manifest"}


URL_ATTRS = frozenset({"href", "src", "xlink:href", "action", "formaction", "poster", "data",
                       "background", "cite", "srcset"})


def _active_scheme(url: str) -> bool:
    """True for URLs a browser would run as code (javascript:, vbscript:, data:text/html).

    Browsers ignore ASCII whitespace and control characters inside a scheme and its case,
    so ``" Java\tScript:"`` counts too.
    """
    squeezed = re.sub(r"[\x00-\x20\x7f]", "", url).lower()
    return squeezed.startswith(("javascript:", "vbscript:", "data:text/html"))


class _ResourceScan(HTMLParser):
    """Collects every reference that would make the browser fetch something."""

    def __init__(self, scripts: tuple[str, ...] = ()) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_style = False
        self._scripts = scripts
        self._script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            if attrs or not self._scripts:
                self.problems.append("<script> element")
            else:  # the desk's own inline script, checked against `scripts` at its end tag
                self._script = []
        if tag == "style":
            self._in_style = True
        for name, value in attrs:
            value = (value or "").strip()
            if name in URL_ATTRS and _active_scheme(value):
                self.problems.append(f'<{tag} {name}="{value[:80]}"> runs code')
            elif name in RESOURCE_ATTRS and value and not value.startswith("data:"):
                self.problems.append(f'<{tag} {name}="{value[:80]}">')
            elif name in ("href", "xlink:href") and tag not in ("a", "area"):
                if value and not value.startswith(("data:", "#")):
                    self.problems.append(f'<{tag} {name}="{value[:80]}">')
            elif name == "style":
                self._css(value, tag)
            elif name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
        if tag == "script" and self._script is not None:
            if "".join(self._script) not in self._scripts:
                self.problems.append("<script> element")
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
        if self._in_style:
            self._css(data, "style")

    def _css(self, css: str, where: str) -> None:
        if re.search(r"@import\b", css, re.I):
            self.problems.append(f"@import in <{where}>")
        for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", css, re.I):
            if not url.strip().startswith("data:"):
                self.problems.append(f"url({url[:80]}) in <{where}>")


def check_self_contained(page: str, scripts: tuple[str, ...] = ()) -> None:
    """Raise `RenderError` if the page would load anything beyond itself, or run any script
    but these exact inline `scripts` (the desk's own; the CSP names their hashes)."""
    scan = _ResourceScan(scripts)
    scan.feed(page)
    scan.close()
    if scan.problems:
        raise RenderError(
            "the page would load an external resource or run code: " + "; ".join(scan.problems[:5])
        )
