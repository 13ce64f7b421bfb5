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
import re
from typing import Any, Callable, Iterable, Mapping, Sequence

from helpers import csvsafe

NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A report's stem: the notebook's, or "<notebook stem>--<page slug>" for a per-page report.
REPORT_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:--[a-z0-9]+(?:-[a-z0-9]+)*)?$")
REPORT_ENV = "DESK_REPORT"   # the build sets it to the stem of the report being built
LEDGER_FILE = "figures-{page}.csv"   # the page ledger the build copies to reports/data/
_IGNORE = "tex2jax_ignore mathjax_ignore"  # tells a maths renderer, if any, to keep $ literal
_EXTRA = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;"})

# Charts and tables with a CSV shown in this kernel, in order: name -> (kind, title).
_outputs: dict[str, tuple[str, str]] = {}


class QuoteError(ValueError):
    """A figure cannot be placed in its sentence on the page."""


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


def register_output(kind: str, name: str, title: str) -> None:
    """Note a chart or table CSV shown in this kernel (charts.show and table call it)."""
    _outputs[name] = (kind, title)


def registered_outputs() -> dict[str, tuple[str, str]]:
    """The chart and table CSVs shown so far in this kernel: name -> (kind, title), in order."""
    return dict(_outputs)


def reset_outputs() -> None:
    """Forget the registered outputs (for tests)."""
    _outputs.clear()


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


def _table_html(df: Any, caption: str | None) -> str:
    cols = [str(c) for c in df.columns]
    rows = [[_cell(v, df.columns[j], i) for j, v in enumerate(r)]
            for i, r in enumerate(df.itertuples(index=False, name=None))]
    numeric = [bool(rows) and all(_NUMERIC_CELL.match(r[j]) or not r[j] for r in rows)
               for j in range(len(cols))]

    def cls(j: int) -> str:
        return ' class="num"' if numeric[j] else ""

    head = "".join(f'<th scope="col"{cls(j)}>{esc(c)}</th>' for j, c in enumerate(cols))
    body = "\n".join("<tr>" + "".join(f"<td{cls(j)}>{esc(v)}</td>" for j, v in enumerate(r)) + "</tr>"
                     for r in rows)
    # The caption sits outside the sideways-scrolling box, so a phone never clips it.
    cap = f'<p class="desk-caption">{esc(caption)}</p>\n' if caption else ""
    label = f' aria-label="{esc(caption)}"' if caption else ""
    return (f'<div class="desk-block desk-table-block {_IGNORE}">\n{cap}<div class="desk-table">\n'
            f"<table{label}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"
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


# --------------------------------------------------------------------------- quotes

def _field(obj: Any, key: str, default: Any = ...) -> Any:
    """Attribute or mapping key `key` of a figure or ledger row."""
    if isinstance(obj, Mapping):
        if key in obj:
            return obj[key]
    elif hasattr(obj, key):
        return getattr(obj, key)
    if default is ...:
        raise QuoteError(f"story.quotes: figure {obj!r} has no {key!r}")
    return default


def _as_records(figures: Any) -> list[Any]:
    import pandas

    if isinstance(figures, pandas.DataFrame):
        return figures.to_dict("records")
    if isinstance(figures, pandas.Series):  # one ledger row
        return [figures.to_dict()]
    if isinstance(figures, Mapping) or hasattr(figures, "sentence"):
        return [figures]
    return list(figures)


def _resolve_page(page: Any, records: list[Any]) -> Any:
    """A Page object: `page` itself, or loaded by slug (given, or the figures' own)."""
    if page is not None and not isinstance(page, str):
        return page
    slugs = {_field(r, "page", None) for r in records} - {None}
    if isinstance(page, str):
        slugs = {page}
    if len(slugs) > 1:
        raise QuoteError(f"story.quotes: figures come from several pages {sorted(slugs)}; one call per page")
    from helpers import source

    return source.load_page(next(iter(slugs), None))


def _candidates(page: Any, article: Any, sentence: str) -> list[list[int]]:
    """Every occurrence of `sentence`: the page offset of each of its characters.

    Looked for in the article's repaired passages first (headline and captions too,
    so a repaired sentence maps back to raw offsets), then in the raw page text.
    """
    found: list[list[int]] = []
    if article is not None:
        passages = article.passages() if hasattr(article, "passages") else (*article.paragraphs, *article.captions)
        for p in passages:
            i = p.text.find(sentence)
            while i >= 0:
                found.append(list(p.offsets[i:i + len(sentence)]))
                i = p.text.find(sentence, i + 1)
    if not found:
        i = page.text.find(sentence)
        while i >= 0:
            found.append(list(range(i, i + len(sentence))))
            i = page.text.find(sentence, i + 1)
    return found


def _place(rec: Any, page: Any, articles: Mapping[str, Any]) -> tuple[str, list[int]]:
    """(sentence, per-character page offsets) of the sentence holding figure `rec`."""
    art_id, sentence = str(_field(rec, "article")), _field(rec, "sentence")
    start, end = int(_field(rec, "start")), int(_field(rec, "end"))
    if not isinstance(sentence, str) or not sentence:
        raise QuoteError(f"story.quotes: figure at {art_id}:{start}-{end} has no sentence")
    if articles and art_id not in articles:
        raise QuoteError(f"story.quotes: page {page.slug!r} has no article {art_id!r}")
    s_start = _field(rec, "sentence_start", None)
    if s_start is not None and s_start != s_start:  # NaN in a ledger DataFrame
        s_start = None
    fits = [o for o in _candidates(page, articles.get(art_id), sentence) if o[0] <= start and end <= o[-1] + 1]
    if s_start is not None:
        fits = [o for o in fits if o[0] == int(s_start)] or fits
    if not fits:
        raise QuoteError(
            f"story.quotes: figure {_field(rec, 'surface', '?')!r} at offsets {start}-{end} "
            f"(article {art_id!r}) is not inside its sentence {sentence!r} on page {page.slug!r}"
        )
    return sentence, fits[0]


def _marked(sentence: str, offs: list[int], spans: list[tuple[int, int]]) -> str:
    """The sentence, escaped, with each figure in its own <mark> (adjacent ones too)."""
    owner = [next((n for n, (a, b) in enumerate(spans) if a <= o < b), -1) for o in offs]
    out, k = [], 0
    while k < len(sentence):
        j = k
        while j < len(sentence) and owner[j] == owner[k]:
            j += 1
        chunk = esc(sentence[k:j])
        out.append(f"<mark>{chunk}</mark>" if owner[k] >= 0 else chunk)
        k = j
    return "".join(out)


def _check_marks(sentence: str, offs: list[int], rec: Any) -> None:
    """The marked characters of a figure must spell its surface (whitespace aside)."""
    surface = _field(rec, "surface", None)
    if surface is None:
        return
    a, b = int(_field(rec, "start")), int(_field(rec, "end"))
    got = "".join(ch for ch, o in zip(sentence, offs) if a <= o < b)
    if "".join(got.split()) != "".join(str(surface).split()):
        raise QuoteError(f"story.quotes: figure {surface!r} at {a}-{b} reads {got!r} in its sentence")


def quotes(figures: Any, page: Any = None, *, gloss: Callable[..., str] | None = None,
           heading: str = "What the article says") -> None:
    """The source sentences behind `figures`, verbatim, with gloss and place.

    `figures` are ledger figures or rows (a DataFrame, or objects/mappings with
    ``article, start, end, surface, sentence``; ``sentence_start`` is used when
    present). One entry per sentence, in page order: the Chinese sentence with the
    figures marked, its English gloss (``helpers.glosses``; a missing gloss is an
    error), and its piece and page-text offsets. `page` is a Page or a slug
    (default: the figures' ``page`` column, else the first manifest page).
    """
    records = _as_records(figures)
    if not records:
        raise ValueError("story.quotes: no figures given")
    page = _resolve_page(page, records)
    if gloss is None:
        from helpers.glosses import gloss
    articles = {a.id: a for a in getattr(page, "articles", ())}
    by_place: dict[tuple[str, int], dict[str, Any]] = {}
    for rec in records:
        sentence, offs = _place(rec, page, articles)
        key = (str(_field(rec, "article")), offs[0])
        entry = by_place.setdefault(key, {"sentence": sentence, "offs": offs, "figs": []})
        entry["figs"].append(rec)
    items = []
    for (art_id, _), e in sorted(by_place.items(), key=lambda kv: kv[0][1]):
        spans = [(int(_field(r, "start")), int(_field(r, "end"))) for r in e["figs"]]
        for r in e["figs"]:
            _check_marks(e["sentence"], e["offs"], r)
        items.append(_quote_item(art_id, e["sentence"], e["offs"], spans, page, articles, gloss))
    _emit(_section("desk-quotes", heading, '<ol class="desk-quote-list">\n' + "\n".join(items) + "\n</ol>"))


def _quote_item(art_id: str, sentence: str, offs: list[int], spans: list[tuple[int, int]],
                page: Any, articles: Mapping[str, Any], gloss: Callable[..., str]) -> str:
    slug = getattr(page, "slug", None)
    english = _text("quotes", f"gloss of {sentence!r}", gloss(sentence, page=slug))
    start, end = offs[0], offs[-1] + 1
    piece = f"<code>{esc(art_id)}</code>"
    art = articles.get(art_id)
    if art is not None and art.headline == sentence:
        piece = f"{piece}, its headline"
    elif art is not None and art.headline:
        piece = f'<span lang="zh-Hans">{esc(art.headline)}</span>{_headline_gloss(art.headline, slug, gloss)} ({piece})'
    return (
        f'<li class="desk-quote" id="quote-{esc(art_id)}-{start}">\n'
        f'<blockquote lang="zh-Hans">{_marked(sentence, offs, spans)}</blockquote>\n'
        f'<p class="desk-gloss">{esc(english)}</p>\n'
        f'<p class="desk-place">Piece: {piece}; characters {start}–{end} of the page text.</p>\n</li>'
    )


def _headline_gloss(headline: str, slug: str | None, gloss: Callable[..., str]) -> str:
    """ ' (“English”)' when the glosses have the piece's headline, else ''.

    A headline only names the piece here; it is not a quote, so a gloss is optional.
    """
    try:
        english = gloss(headline, page=slug)
    except KeyError:
        return ""
    return f' (“{esc(english)}”)'


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


def _notebook_of_kernel() -> str | None:
    """The stem of the notebook this kernel runs, when no build says so.

    JupyterLab and VS Code put the notebook's path in ``__session__`` /
    ``__vsc_ipynb_file__``; otherwise (nbclient, nbmake: cwd is the notebook's folder)
    the notebook in the cwd whose code cells hold the inputs this kernel has run.
    """
    import json
    from pathlib import Path

    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        return None
    shell = get_ipython()
    if shell is None:
        return None
    for key in ("__session__", "__vsc_ipynb_file__"):
        path = str(shell.user_ns.get(key) or "")
        if path.endswith(".ipynb"):
            return Path(path).stem
    ran = {s.strip() for s in shell.user_ns.get("In", []) if s.strip()}
    if not ran:
        return None
    scores = {}
    for nb in sorted(Path.cwd().glob("*.ipynb")):
        try:
            cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        code = {"".join(c["source"]).strip() if isinstance(c["source"], list) else c["source"].strip()
                for c in cells if c.get("cell_type") == "code"}
        scores[nb.stem] = len(ran & code)
    best = max(scores.values(), default=0)
    winners = [stem for stem, n in scores.items() if n == best]
    return winners[0] if best and len(winners) == 1 else None


def report_stem() -> str:
    """The stem of the report being built: ``$DESK_REPORT`` (set by the build, e.g.
    ``00-page-overview--<slug>``), else the stem of the notebook this kernel runs."""
    import os

    stem = os.environ.get(REPORT_ENV) or _notebook_of_kernel()
    if not stem:
        raise ValueError(f"story.data_links: which report is this? Set {REPORT_ENV} to its stem "
                         "(the build does), or pass notebook= explicitly")
    return stem


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
        href = f"data/{notebook}/{name}.csv"
        links.append(f'<a href="{esc(href)}">{esc(_text("data_links", "label", label))}</a> ({esc(name)}.csv)')
    if ledger_file is None:
        if page is None and "--" in notebook:
            page = notebook.split("--", 1)[1]  # a per-page report names its page
        if page is None:
            from helpers import manifest

            page = manifest.entry().slug
        ledger_file = LEDGER_FILE.format(page=page)
    if "/" in ledger_file or "\\" in ledger_file or ledger_file.startswith(".") or not ledger_file.endswith(".csv"):
        raise ValueError(f"story.data_links: ledger_file {ledger_file!r} must be a plain .csv file name")
    links.append(f'<a href="{esc("data/" + ledger_file)}">Figure ledger of the page</a> '
                 f"(every figure on the page with its value, unit, qualifier, bounds and place; {esc(ledger_file)})")
    _emit(_section("desk-data", heading, _list(links)))
