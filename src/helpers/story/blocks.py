"""Report blocks: the parts every story report repeats, as escaped ``text/html`` outputs.

Each function DISPLAYS one block (it returns nothing, so no stray repr follows it)
in the order STORY-STANDARDS.md gives the report:

    headline(title, dek, key_figure)      # carries desk metadata for <title> and the index
    findings([...3-5 sentences...])
    answer(text) / table(df, name=..., caption=...)   # one per section question
    quotes(figures, page)                 # "What the article says"
    methodology([(name, how, inputs), ...])
    limitations([...]); open_questions([...])
    data_links()                          # CSVs of the charts and tables, and the page ledger

Every string is HTML-escaped, and ``{ } $`` become character references too: page text
and prose are untrusted and must reach the reader literally, never as markup,
template syntax or maths. Nothing here emits markdown. Styles: ``templates/blocks.css``.
matplotlib is never imported here.
"""

from __future__ import annotations

import html
import numbers
import os
import re
from typing import Any, Iterable, Mapping, Sequence

from helpers import csvsafe
from helpers.story.outputs import (LEDGER_FILE, NAME_RE, REPORT_ENV, REPORT_RE, SOURCE_VIEW, _outputs, csv_href,
                                   register_output, report_stem)

_IGNORE = "tex2jax_ignore mathjax_ignore"  # tells a maths renderer, if any, to keep $ literal
_EXTRA = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;"})


# --------------------------------------------------------------------------- plumbing

def esc(text: str) -> str:
    """Escape `text` for HTML content or a quoted attribute, with ``{ } $`` neutralised."""
    return html.escape(text, quote=True).translate(_EXTRA)


def _text(block: str, arg: str, value: Any) -> str:
    """`value` as a non-empty string, else a TypeError/ValueError naming block and argument."""
    if not isinstance(value, str):
        raise TypeError(f"story.{block}: {arg} must be a string (format numbers first), got {type(value).__name__}: {value!r}")
    if not value.strip():
        raise ValueError(f"story.{block}: {arg} is empty")
    return value


def _texts(block: str, arg: str, items: Any) -> list[str]:
    if isinstance(items, str) or not isinstance(items, Iterable):
        raise TypeError(f"story.{block}: {arg} must be a list of strings")
    return [_text(block, f"{arg}[{i}]", v) for i, v in enumerate(items)]


def _emit(markup: str, desk: Mapping[str, Any] | None = None) -> None:
    """Display one ``text/html`` output, with ``metadata["desk"]`` when given."""
    from IPython.display import display

    display({"text/html": markup}, metadata={"desk": dict(desk)} if desk else {}, raw=True)


def _section(cls: str, heading: str, body: str) -> str:
    return f'<section class="desk-block {cls} {_IGNORE}">\n<h2>{esc(heading)}</h2>\n{body}\n</section>'


def _list(items: Sequence[str], tag: str = "ul") -> str:
    return f"<{tag}>\n" + "\n".join(f"<li>{i}</li>" for i in items) + f"\n</{tag}>"


# --------------------------------------------------------------------------- top

def headline(title: str, dek: str, key_figure: str) -> None:
    """The report's headline (a finding, not a topic), one-line dek and key figure.

    Its metadata gives the build the page <title> and the index entry.
    """
    title, dek, key_figure = (_text("headline", a, v) for a, v in
                              (("title", title), ("dek", dek), ("key_figure", key_figure)))
    markup = (
        f'<header class="desk-block desk-headline {_IGNORE}">\n<h1>{esc(title)}</h1>\n'
        f'<p class="desk-dek">{esc(dek)}</p>\n'
        f'<p class="desk-key-figure">{esc(key_figure)}</p>\n</header>'
    )
    _emit(markup, {"kind": "headline", "headline": title, "dek": dek, "key_figure": key_figure})


def findings(items: Sequence[str], *, heading: str = "Key findings") -> None:
    """3-5 short sentences, each with its number and its qualifier."""
    items = _texts("findings", "items", items)
    if not 3 <= len(items) <= 5:
        raise ValueError(f"story.findings: a report has 3-5 key findings, got {len(items)}")
    _emit(_section("desk-findings", heading, _list([esc(i) for i in items])))


def answer(text: str) -> None:
    """A short paragraph answering the section's question (the markdown heading above)."""
    _emit(f'<p class="desk-block desk-answer {_IGNORE}">{esc(_text("answer", "text", text))}</p>')


# --------------------------------------------------------------------------- tables

_NUMERIC_CELL = re.compile(r"^[~≈<>≤≥+\-−]?\s?[\d.,]+")


def _cell(value: Any, col: Any, row: int) -> str:
    """A cell as text: strings as given, integers as digits; anything else is refused."""
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    raise TypeError(
        f"story.table: cell (row {row}, column {col!r}) is {type(value).__name__} {value!r}; "
        "format numbers for readers first (e.g. with helpers.quantity) and pass strings"
    )


STACK_COLUMNS = 3  # a table this wide stacks its rows into cards on a narrow screen


def _table_html(df: Any, caption: str | None) -> str:
    """The table: a real ``<caption>``, column headers with ``scope="col"``, the first cell of
    each row a row header (``scope="row"``), and each cell's column name in ``data-label``
    so that a narrow screen can stack a wide table's rows (``blocks.css``) and hide no column.
    The ``.desk-table`` box is the one scroll container, a safety net the layout never needs."""
    cols = [str(c) for c in df.columns]
    rows = [[_cell(v, df.columns[j], i) for j, v in enumerate(r)]
            for i, r in enumerate(df.itertuples(index=False, name=None))]
    numeric = [bool(rows) and all(_NUMERIC_CELL.match(r[j]) or not r[j] for r in rows)
               for j in range(len(cols))]

    def cls(j: int) -> str:
        return ' class="num"' if numeric[j] else ""

    def cell(j: int, v: str) -> str:
        label = f' data-label="{esc(cols[j])}"'
        if j == 0 and len(cols) > 1:
            return f'<th scope="row"{cls(j)}{label}>{esc(v)}</th>'
        return f"<td{cls(j)}{label}>{esc(v)}</td>"

    head = "".join(f'<th scope="col"{cls(j)}>{esc(c)}</th>' for j, c in enumerate(cols))
    body = "\n".join("<tr>" + "".join(cell(j, v) for j, v in enumerate(r)) + "</tr>" for r in rows)
    cap = f'<caption class="desk-caption">{esc(caption)}</caption>\n' if caption else ""
    stack = " desk-table-stack" if len(cols) >= STACK_COLUMNS else ""
    return (f'<div class="desk-block desk-table-block{stack} {_IGNORE}">\n<div class="desk-table">\n'
            f"<table>\n{cap}<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"
            f"</div>\n</div>")


def table(df: Any, *, name: str | None = None, caption: str | None = None, data: Any = None) -> None:
    """An escaped, deterministic HTML table of `df` (index not shown).

    Cells must be strings already formatted for readers (integers pass as digits).
    With `name`, the build writes a CSV ``<name>.csv`` of `data` (default `df`; pass
    the unformatted numbers here) and links it.
    """
    import pandas

    if not isinstance(df, pandas.DataFrame) or df.shape[1] == 0 or len(df) == 0:
        raise ValueError("story.table: df must be a non-empty pandas DataFrame")
    if caption is not None:
        _text("table", "caption", caption)
    markup = _table_html(df, caption)
    if name is None:
        if data is not None:
            raise ValueError("story.table: data= is the CSV behind the table; give the table a name too")
        _emit(markup)
        return
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ValueError(f"story.table: name {name!r} must be file-safe: lower-case letters, digits, single hyphens")
    data = df if data is None else data
    if not isinstance(data, pandas.DataFrame):
        raise TypeError(f"story.table {name!r}: data must be a pandas DataFrame")
    desk = {"kind": "table", "name": name, "csv": csvsafe.csv_text(data)}
    if caption:
        desk["title"] = caption  # the build labels the CSV link with it
    _emit(markup, desk)
    register_output("table", name, caption or name)


# --------------------------------------------------------------------------- end matter

def _method_item(i: int, item: Any) -> str:
    if isinstance(item, Mapping):
        item = (item.get("name"), item.get("how"), item.get("inputs"))
    if not isinstance(item, Sequence) or isinstance(item, str) or len(item) != 3:
        raise TypeError(f"story.methodology: item {i} must be (name, how computed, inputs), got {item!r}")
    name, how, inputs = item
    name, how = _text("methodology", f"items[{i}].name", name), _text("methodology", f"items[{i}].how", how)
    inputs = [inputs] if isinstance(inputs, str) else _texts("methodology", f"items[{i}].inputs", inputs)
    if not inputs:
        raise ValueError(f"story.methodology: {name!r} names no inputs")
    named = "; ".join(esc(_text("methodology", f"items[{i}].inputs", x)) for x in inputs)
    return (f"<dt>{esc(name)}</dt>\n<dd><p>{esc(how)}</p>\n"
            f'<p class="desk-inputs">Inputs: {named}</p></dd>')


def methodology(items: Sequence[Any], *, heading: str = "Methodology") -> None:
    """How each derived number was computed: items of (name, how computed, inputs).

    `inputs` is a string or a list of strings (the ledger figures or other numbers
    used); an item may also be a mapping with keys name, how, inputs.
    """
    items = list(items)
    if not items:
        raise ValueError("story.methodology: no items; every derived number needs its working")
    body = "<dl>\n" + "\n".join(_method_item(i, it) for i, it in enumerate(items)) + "\n</dl>"
    _emit(_section("desk-methodology", heading, body))


def limitations(items: Sequence[str], *, heading: str = "Limitations") -> None:
    """What the numbers cannot tell (floors, projections, missing denominators)."""
    items = _texts("limitations", "items", items)
    if not items:
        raise ValueError("story.limitations: no items")
    _emit(_section("desk-limitations", heading, _list([esc(i) for i in items])))


def open_questions(items: Sequence[Any], *, heading: str = "Questions the article leaves open") -> None:
    """What a reporter should ask next: strings, or (question, of whom) pairs."""
    items = list(items)
    if not items:
        raise ValueError("story.open_questions: no items")
    out = []
    for i, it in enumerate(items):
        if isinstance(it, str):
            out.append(esc(_text("open_questions", f"items[{i}]", it)))
        elif isinstance(it, Sequence) and len(it) == 2:
            q = _text("open_questions", f"items[{i}].question", it[0])
            who = _text("open_questions", f"items[{i}].whom", it[1])
            out.append(f'{esc(q)} <span class="desk-ask">Ask: {esc(who)}</span>')
        else:
            raise TypeError(f"story.open_questions: item {i} must be a string or (question, whom), got {it!r}")
    _emit(_section("desk-questions", heading, _list(out)))


def data_links(notebook: str | None = None, *, page: str | None = None,
               items: Iterable[tuple[str, str]] | None = None,
               ledger_file: str | None = None, heading: str = "Data") -> None:
    """Links to the CSV behind each chart and table, and to the page's figure ledger.

    `notebook` is the report's stem (``01-park-investment-per-job``, or
    ``00-page-overview--<slug>`` for a per-page report); None means the report being
    built (`report_stem`). The build writes its CSVs to ``reports/data/<stem>/<name>.csv``,
    linked here relative to the report. `items` are (name, label) pairs; by default every
    chart and named table shown so far in this kernel. The ledger is
    ``reports/data/<ledger_file>``, default ``figures-<page>.csv`` (`page` defaults to the
    slug of a per-page report's stem, else the first manifest page).
    """
    # In a build the links are relative to the report; in JupyterLab (no build) to the notebook
    # in notebooks/, so they open the committed files in reports/data/.
    base = "" if os.environ.get(REPORT_ENV) else "../reports/"
    if notebook is None:
        notebook = report_stem()
    if not isinstance(notebook, str) or not REPORT_RE.match(notebook):
        raise ValueError(f"story.data_links: {notebook!r} must be a report's file-safe stem "
                         "(<notebook> or <notebook>--<page slug>)")
    if items is None:
        items = [(name, title) for name, (_kind, title) in _outputs.items()]
    links = []
    for name, label in items:
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise ValueError(f"story.data_links: {name!r} is not a file-safe output name")
        href = base + csv_href(notebook, name)
        links.append(f'<a href="{esc(href)}">{esc(_text("data_links", "label", label))}</a> ({esc(name)}.csv)')
    if ledger_file is None:
        if page is None and "--" in notebook:
            page = notebook.split("--", 1)[1]  # a per-page report names its page
        if page is None:
            from helpers.page import manifest

            page = manifest.entry().slug
        ledger_file = LEDGER_FILE.format(page=page)
    if "/" in ledger_file or "\\" in ledger_file or ledger_file.startswith(".") or not ledger_file.endswith(".csv"):
        raise ValueError(f"story.data_links: ledger_file {ledger_file!r} must be a plain .csv file name")
    links.append(f'<a href="{esc(base + "data/" + ledger_file)}">Figure ledger of the page</a> '
                 f"(every figure on the page with its value, unit, qualifier, bounds and place; {esc(ledger_file)})")
    if page is not None:
        links.append(f'<a href="{esc(base + SOURCE_VIEW.format(page=page))}">The page as printed</a> '
                     "(its text with every ledger figure marked: id, qualifier, tense)")
    _emit(_section("desk-data", heading, _list(links)))
