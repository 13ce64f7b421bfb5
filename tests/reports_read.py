"""Read a committed reader page, reports/<stem>.html, back into what a reader gets.

The story tests assert on the report as committed instead of executing the notebook
again: tests/test_reports_current.py proves reports/ is byte-identical to a fresh build,
and ``pytest --nbmake notebooks`` runs every notebook. The page's structure is the one
helpers.publish.render and helpers.story write (see src/helpers/publish/templates/report.html):

* ``<main class="report">`` holds one top-level element per block, in page order;
* story blocks carry ``desk-*`` classes (headline, findings, answer, table, quotes,
  methodology, limitations, questions, data); markdown cells are plain ``h2``/``p``/…;
* a chart is ``<figure class="chart" id="chart-NAME">`` with a figcaption (title), an
  ``<img alt>`` and a link to ``data/<stem>/NAME.csv``; a named table is
  ``<div class="table-block" id="table-NAME">`` with its CSV link likewise.

Only the standard library is used (html.parser, csv), so the reader is independent of
the code that wrote the page.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})
# Tags that do not break a line for a reader: their text runs on with its neighbours
# (a <mark>ed figure stays inside its sentence).
INLINE = frozenset({"a", "abbr", "b", "cite", "code", "em", "i", "mark", "q", "s", "small", "span",
                    "strong", "sub", "sup", "time", "u"})
BLOCK_KINDS = {  # class on a top-level element of <main> -> block kind
    "desk-headline": "headline", "desk-findings": "findings", "desk-answer": "answer",
    "desk-table-block": "table", "table-block": "table", "desk-quotes": "quotes",
    "desk-methodology": "methodology", "desk-limitations": "limitations",
    "desk-questions": "questions", "desk-data": "data", "chart": "chart",
}
# Text that must never reach a reader: what a stray stream, error or repr looks like.
LEAKS = {
    "traceback": re.compile(r"Traceback \(most recent call last\)"),
    "exception": re.compile(r"\b[A-Z]\w*(?:Error|Exception): "),
    "object repr": re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>"),
    "matplotlib repr": re.compile(r"<(?:Figure size|matplotlib\.)|\b(?:Text|Axes)\(\d"),
    "pandas repr": re.compile(r"\bdtype: \w+|\bName: \w+, dtype\b|\[\d+ rows x \d+ columns\]"),
    "warning": re.compile(r"\b\w*Warning: "),
}
# What a journalist's markdown cell renders to; any other top-level element is no reader block.
MARKDOWN_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "dl", "blockquote", "hr"})
LEAK_MARKUP = {
    "pandas DataFrame table": re.compile(r'<table[^>]*class="dataframe'),
    "preformatted output": re.compile(r"<pre\b"),
}


# ---------------------------------------------------------------- a minimal element tree

@dataclass
class Node:
    """One HTML element: tag, attributes, children (Nodes and strings)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def iter(self, tag: str | None = None, cls: str | None = None):
        """This node and its descendants, depth first, filtered by tag and/or class."""
        if (tag is None or self.tag == tag) and (cls is None or cls in self.classes):
            yield self
        for child in self.elements():
            yield from child.iter(tag, cls)

    def find(self, tag: str | None = None, cls: str | None = None) -> Node | None:
        return next(self.iter(tag, cls), None)

    def text(self) -> str:
        """Reader text: entities decoded, inline tags joined, block tags spaced, whitespace
        collapsed; an image reads as its alt text, as a screen reader gives it."""
        return " ".join(self._raw_text().split())

    def _raw_text(self) -> str:
        if self.tag == "img":
            return f" {self.attrs.get('alt', '')} "
        if self.tag in ("style", "script"):
            return " "
        inner = "".join(c if isinstance(c, str) else c._raw_text() for c in self.children)
        return inner if self.tag in INLINE else f" {inner} "


class _TreeBuilder(HTMLParser):
    """HTML text → Node tree (tolerates a missing end tag by closing up to its opener)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(markup: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    return builder.root


# ---------------------------------------------------------------- what a report holds

@dataclass(frozen=True)
class Block:
    """One top-level element of the report's <main>: its kind, heading and reader text."""

    kind: str
    node: Node = field(repr=False)

    @property
    def text(self) -> str:
        return self.node.text()

    @property
    def heading(self) -> str:
        h = next((n for n in self.node.iter() if n.tag in ("h1", "h2", "h3")), None)
        return h.text() if h else ""

    @property
    def items(self) -> list[str]:
        """List items (findings, limitations, questions, quotes) or, for methodology,
        each term with its description ("name how Inputs: …")."""
        if self.kind == "methodology":
            terms = list(self.node.iter("dt"))
            descs = list(self.node.iter("dd"))
            return [f"{t.text()} {d.text()}" for t, d in zip(terms, descs)]
        return [li.text() for li in self.node.iter("li")]


@dataclass(frozen=True)
class Data:
    """A CSV file behind a chart or table, as linked from the page."""

    href: str
    path: Path

    @property
    def text(self) -> str:
        raw = self.path.read_bytes()
        if not raw.startswith(b"\xef\xbb\xbf"):
            raise AssertionError(f"{self.path}: a reader's CSV must start with a UTF-8 BOM (for spreadsheets)")
        return raw.decode("utf-8-sig")

    @property
    def rows(self) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.text)))


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    alt: str
    data: Data


@dataclass(frozen=True)
class Table:
    name: str
    caption: str
    header: list[str]
    cells: list[list[str]]
    data: Data


@dataclass(frozen=True)
class Quote:
    """A quoted source sentence (figures' <mark>s joined in), its gloss and its place."""

    sentence: str
    gloss: str
    place: str


@dataclass
class Report:
    """A committed report: raw HTML, blocks in page order, charts and tables by name."""

    stem: str
    path: Path
    html: str = field(repr=False)
    title: str = field(repr=False)
    main: Node = field(repr=False)
    blocks: list[Block] = field(repr=False)
    charts: dict[str, Chart] = field(repr=False)
    tables: dict[str, Table] = field(repr=False)

    @property
    def text(self) -> str:
        """All reader text of the report body, in page order (chart alt texts included)."""
        return " ".join(b.text for b in self.blocks)

    def of_kind(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.kind == kind]

    def one(self, kind: str) -> Block:
        hits = self.of_kind(kind)
        if len(hits) != 1:
            raise AssertionError(f"{self.path.name}: expected one {kind!r} block, found {len(hits)}")
        return hits[0]

    @property
    def headline(self) -> str:
        return self.one("headline").node.find("h1").text()

    @property
    def dek(self) -> str:
        return self.one("headline").node.find(cls="desk-dek").text()

    @property
    def key_figure(self) -> str:
        return self.one("headline").node.find(cls="desk-key-figure").text()

    @property
    def findings(self) -> list[str]:
        return self.one("findings").items

    @property
    def answers(self) -> list[str]:
        return [b.text for b in self.of_kind("answer")]

    @property
    def quotes(self) -> list[Quote]:
        return [Quote(li.find("blockquote").text(), li.find(cls="desk-gloss").text(),
                      li.find(cls="desk-place").text())
                for li in self.one("quotes").node.iter("li", "desk-quote")]

    def block(self, start: str) -> Block:
        """The one block whose text starts with `start` (a section's heading comes first)."""
        hits = [b for b in self.blocks if b.text.startswith(start)]
        if len(hits) != 1:
            raise AssertionError(f"{self.path.name}: {len(hits)} blocks start with {start!r}; "
                                 f"blocks: {[b.text[:40] for b in self.blocks]}")
        return hits[0]

    def csv(self, name: str) -> list[dict[str, str]]:
        """Rows of the CSV behind chart or table `name`."""
        if name in self.charts:
            return self.charts[name].data.rows
        if name in self.tables:
            return self.tables[name].data.rows
        raise AssertionError(f"{self.path.name}: no chart or table named {name!r}; "
                             f"charts {sorted(self.charts)}, tables {sorted(self.tables)}")


def leaks(report: Report) -> list[str]:
    """What in the page looks like notebook plumbing rather than reader text: tracebacks,
    exception or warning lines, reprs of objects, figures or DataFrames, and anything in
    <main> that is neither a story block nor rendered markdown. Empty when clean."""
    found = [f"{what}: {m.group()!r}" for what, rx in LEAKS.items() for m in rx.finditer(report.text)]
    found += [f"{what}: {m.group()!r}" for what, rx in LEAK_MARKUP.items() for m in rx.finditer(report.html)]
    found += [f"not a reader block: <{b.node.tag} class={b.node.attrs.get('class', '')!r}> {b.text[:60]!r}"
              for b in report.of_kind("other")]
    found += [f"bare text in <main>: {t.strip()[:60]!r}" for t in report.main.children
              if isinstance(t, str) and t.strip()]
    return found


# ---------------------------------------------------------------- loading

def _kind(node: Node) -> str:
    for cls, kind in BLOCK_KINDS.items():
        if cls in node.classes:
            return kind
    return "markdown" if node.tag in MARKDOWN_TAGS else "other"


def _data(node: Node, reports: Path, where: str) -> Data:
    """The CSV linked from a chart or table block, which must exist inside reports/."""
    links = [a.attrs.get("href", "") for a in node.iter("a") if a.attrs.get("href", "").endswith(".csv")]
    if len(links) != 1:
        raise AssertionError(f"{where}: expected one CSV link, found {links}")
    path = (reports / links[0]).resolve()
    if reports.resolve() not in path.parents or not path.is_file():
        raise AssertionError(f"{where}: CSV link {links[0]!r} does not name a file in {reports}")
    return Data(links[0], path)


def _chart(node: Node, reports: Path, where: str) -> Chart:
    name = node.attrs.get("id", "").removeprefix("chart-")
    img = node.find("img")
    if not name or img is None:
        raise AssertionError(f"{where}: a chart figure without id or image")
    title = node.find("figcaption")
    return Chart(name, title.text() if title else "", img.attrs.get("alt", ""), _data(node, reports, where))


def _table(node: Node, reports: Path, where: str) -> Table:
    caption = node.find(cls="desk-caption")
    table = node.find("table")
    header = [th.text() for th in table.find("thead").iter("th")] if table and table.find("thead") else []
    body = table.find("tbody") if table else None
    cells = ([[c.text() for c in tr.elements() if c.tag in ("th", "td")] for tr in body.iter("tr")]
             if body else [])
    name = node.attrs.get("id", "").removeprefix("table-")
    return Table(name, caption.text() if caption else "", header, cells, _data(node, reports, where))


def load(stem: str, reports: Path | None = None) -> Report:
    """Parse ``<reports>/<stem>.html`` (default: the desk's reports/) into a `Report`."""
    if reports is None:
        from helpers import paths

        reports = paths.REPORTS
    path = Path(reports) / f"{stem}.html"
    if not path.is_file():
        raise FileNotFoundError(f"no report {path}; run `make reports`")
    markup = path.read_text(encoding="utf-8")
    root = parse(markup)
    main = root.find("main", "report")
    if main is None:
        raise AssertionError(f"{path}: no <main class=\"report\">")
    blocks = [Block(_kind(n), n) for n in main.elements()]
    charts, tables = {}, {}
    for b in blocks:
        where = f"{path.name} <{b.node.tag} id={b.node.attrs.get('id', '')!r}>"
        if b.kind == "chart":
            chart = _chart(b.node, Path(reports), where)
            charts[chart.name] = chart
        elif "table-block" in b.node.classes:  # a named table: the build links its CSV
            table = _table(b.node, Path(reports), where)
            tables[table.name] = table
    title = root.find("title")
    return Report(stem, path, markup, title.text() if title else "", main, blocks, charts, tables)
