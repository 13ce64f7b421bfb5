"""The "What the article says" block: each source sentence verbatim, its figures marked, its
English gloss and its place in the page."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from helpers.errors import DeskError
from helpers.story.blocks import _emit, _section, _text, esc
from helpers.story.outputs import source_href


class QuoteError(DeskError):
    """A figure cannot be placed in its sentence on the page."""



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
    from helpers.page import manifest

    return manifest.load_page(next(iter(slugs), None))


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
        from helpers.story.glosses import gloss
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
        ids = [str(_field(r, "id", "") or "") for r in sorted(e["figs"], key=lambda r: int(_field(r, "start")))]
        items.append(_quote_item(art_id, e["sentence"], e["offs"], spans, page, articles, gloss,
                                 [i for i in dict.fromkeys(ids) if i]))
    _emit(_section("desk-quotes", heading, '<ol class="desk-quote-list">\n' + "\n".join(items) + "\n</ol>"))


def _quote_item(art_id: str, sentence: str, offs: list[int], spans: list[tuple[int, int]],
                page: Any, articles: Mapping[str, Any], gloss: Callable[..., str],
                ids: Sequence[str] = ()) -> str:
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
        f'<p class="desk-place">Piece: {piece}; {_place_link(slug, art_id, start, end)}.'
        f'{_fig_links(slug, ids, f"quote-{art_id}-{start}")}</p>\n</li>'
    )


def _place_link(slug: str | None, art_id: str, start: int, end: int) -> str:
    """"characters a–b of the page text", linked to that place in the page's source view
    (the link is the anchor ``quote-<article>-<start>-source`` the source view links back to)."""
    words = f"characters {start}–{end} of the page text"
    if not slug:
        return words
    return (f'<a class="desk-ref" id="quote-{esc(art_id)}-{start}-source" '
            f'href="{esc(source_href(slug, f"at-{start}"))}">{words}</a>')


def _fig_links(slug: str | None, ids: Sequence[str], prefix: str) -> str:
    """" Ledger: a01-f02, a01-f03." with each figure id linked to its place in the source view
    (each link an anchor ``<prefix>-<id>`` the source view links back to)."""
    if not slug or not ids:
        return ""
    links = ", ".join(f'<a class="desk-ref" id="{esc(prefix)}-{esc(i)}" href="{esc(source_href(slug, "fig-" + i))}">'
                      f"{esc(i)}</a>" for i in ids)
    return f" Ledger: {links}."


def _headline_gloss(headline: str, slug: str | None, gloss: Callable[..., str]) -> str:
    """ ' (“English”)' when the glosses have the piece's headline, else ''.

    A headline only names the piece here; it is not a quote, so a gloss is optional.
    """
    from helpers.story.glosses import MissingGlossError

    try:
        english = gloss(headline, page=slug)
    except MissingGlossError:
        return ""
    return f' (“{esc(english)}”)'


