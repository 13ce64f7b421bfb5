"""The catalogue page (``index.html``): stories first, then page overviews, then the source
pages, with an offline search box and date and paper filters."""

from __future__ import annotations

import base64

from helpers.publish.render import TEMPLATES, render_page

INDEX_TITLE = "Checked stories from one newspaper page: the desk's reports"
INDEX_DESCRIPTION = ("Reader reports on a page of a Chinese local newspaper: every number traced to the page, "
                     "with its qualifier, the data behind each chart and the source sentences quoted.")


def render_index(entries: list[dict], *, pages=(), title: str = INDEX_TITLE, cache_dir=None,
                 font_base=None, description: str = INDEX_DESCRIPTION) -> str:
    """The catalogue page: one item per report (``href, headline, dek, key_figure, page``, and
    for the filter ``kind`` story/page, ``date_from``, ``date_to``, ``papers``), stories first,
    then the page overviews, and below, the source pages (``title, description, href``).

    A search box and date and paper filters work offline: one inline script
    (``templates/index.js``), allowed by the page's CSP through its sha256 and nothing else;
    without script every report is listed."""
    papers = sorted({p for e in entries for p in e.get("papers") or ()})
    shown = [dict(e, papers=[str(papers.index(p)) for p in e.get("papers") or ()]) for e in entries]
    sections = [{"title": title_, "entries": [e for e in shown if (e.get("kind") == "page") == per_page]}
                for title_, per_page in (("Stories", False), ("Page overviews", True))]
    sections = [s for s in sections if s["entries"]]
    script = index_script()
    return render_page("index.html", title=title, description=description, entries=entries,
                       pages=list(pages), sections=sections, papers=papers, script=script,
                       script_hash=script_sha256(script), cache_dir=cache_dir, font_base=font_base,
                       og_type="website", scripts=(script,))


def index_script() -> str:
    """The index's filter script (``templates/index.js``), as the page embeds it."""
    return (TEMPLATES / "index.js").read_text(encoding="utf-8")


def script_sha256(script: str) -> str:
    """The CSP source hash of an inline script: base64 of the sha256 of its UTF-8 text."""
    import hashlib

    return base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
