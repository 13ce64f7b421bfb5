"""What a build remembers between runs (``reports/.build.json``): which jobs are current, the
index entries, pruning, and the leftovers of killed builds.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Callable

from helpers.files import write_atomic
from helpers.publish.journal import clean_temp  # noqa: F401  (also state.clean_temp)
from helpers.publish.plan import FORMAT, STATE_NAME, Job, Layout, _digest


def is_current(job: Job, state: dict, out: Path) -> bool:
    """True when the recorded report was built from exactly these inputs and every file it
    wrote is still there with the bytes it wrote (a hand-edited or deleted file rebuilds)."""
    rec = state["reports"].get(job.report)
    if not rec or rec.get("key") != job.key:
        return False
    return _unchanged(rec.get("sha256"), lambda rel: out / rel)


def _data_current(state: dict, key: str, lay: Layout) -> bool:
    rec = state.get("data") or {}
    if rec.get("key") != key:
        return False
    if not _unchanged(rec.get("sha256"), lambda rel: _data_target(lay, rel)):
        return False
    from helpers.publish import figdb  # the database is a build output too: a deleted one is rebuilt

    return figdb.is_current(lay.processed / figdb.FILE_NAME, rec.get("pages") or {})


def _unchanged(hashes: dict | None, where: Callable[[str], Path]) -> bool:
    """True when every recorded file exists with its recorded sha256."""
    if not isinstance(hashes, dict):
        return False
    for rel, digest in hashes.items():
        try:
            if _sha256(where(rel).read_bytes()) != digest:
                return False
        except OSError:
            return False
    return True


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _data_target(lay: Layout, rel: str) -> Path:
    """Where a data-step file lives: ``processed/<name>`` in the processed dir, else in out."""
    if rel.startswith("processed/"):
        return lay.processed / rel[len("processed/"):]
    return lay.out / rel



# ---------------------------------------------------------------- state, index, pruning

def load_state(out: Path) -> dict:
    path = out / STATE_NAME
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        state = {}
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        state = {}
    state.setdefault("format", FORMAT)
    state.setdefault("reports", {})
    return state


def _state_bytes(state: dict) -> bytes:
    return (json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def save_state(out: Path, state: dict) -> None:
    write_atomic(out / STATE_NAME, _state_bytes(state))


def stage_state(out: Path, state: dict, staging: Path) -> list[tuple[Path, Path]]:
    """Stage the state file when it changes; the move that publishes it (or none)."""
    data = _state_bytes(state)
    try:
        if (out / STATE_NAME).read_bytes() == data:
            return []
    except OSError:
        pass
    write_atomic(staging / STATE_NAME, data)
    return [(staging / STATE_NAME, out / STATE_NAME)]


def prune(state: dict, planned: set[str], out: Path, log) -> list[Path]:
    """Drop reports whose notebook or page no longer exists from `state`; their files (to
    remove when publishing)."""
    gone: list[Path] = []
    for report in sorted(set(state["reports"]) - planned):
        rec = state["reports"].pop(report)
        gone += [out / rel for rel in sorted(rec.get("sha256") or {report: ""})]
        log(f"removing {report} (its notebook or page is gone)")
    return gone


def index_entries(state: dict, pages: dict[str, dict] | None = None) -> list[dict]:
    """Catalogue items: the stories in notebook order, then the per-page reports, newest
    edition first (manifest order among equals).

    `pages` maps a manifest slug to its reader description (`page_info`, in manifest order);
    a per-page report shows its page's, never the internal slug. Each item carries, for the
    index's filters, ``kind`` (story/page), the edition dates of its pages (``date_from``,
    ``date_to``, ISO, "" when unknown) and their papers."""
    pages = pages or {}
    order = {slug: i for i, slug in enumerate(pages)}
    first = next(iter(pages), "")
    stories, per_page = [], []
    for report, rec in state["reports"].items():
        slug = rec.get("page")
        about = [slug] if slug else [p for p in (rec.get("pages") or [first]) if p in pages]
        infos = [pages[p] for p in about if p in pages]
        starts = [i["date_from"] for i in infos if i.get("date_from")]
        ends = [i["date_to"] for i in infos if i.get("date_to")]
        item = {
            "href": report,
            "headline": rec.get("headline") or report,
            "dek": rec.get("dek", ""),
            "key_figure": rec.get("key_figure", ""),
            "page": (pages.get(slug or "") or {}).get("title", ""),
            "kind": "page" if slug else "story",
            "date_from": min(starts) if starts and len(starts) == len(infos) else "",
            "date_to": max(ends) if ends and len(ends) == len(infos) else "",
            "papers": sorted({i["paper"] for i in infos if i.get("paper")}),
        }
        if slug:
            per_page.append(((order.get(slug, len(order)), report), item))
        else:
            stories.append(((rec.get("notebook", ""), report), item))
    per_page.sort(key=lambda x: x[0])
    per_page.sort(key=lambda x: x[1]["date_to"], reverse=True)  # stable: manifest order among equals
    return [item for _, item in sorted(stories, key=lambda x: x[0])] + [item for _, item in per_page]


def _date(iso: str) -> str:
    """'2024-01-28' → '28 January 2024' (left as given when it is not an ISO date)."""
    from helpers.figures.formatting import QuantityError, fmt_day_month

    m = re.fullmatch(r"(\d{4})-\d{2}-\d{2}", str(iso))
    try:
        return f"{fmt_day_month(iso)} {m.group(1)}" if m else str(iso)
    except QuantityError:
        return str(iso)


def page_info(entry) -> dict:
    """What a reader is told about a manifest page: paper, date (or date range), description."""
    paper = entry.paper.split(";")[0].strip()
    if entry.edition_date:
        when = _date(entry.edition_date)
    elif entry.edition_date_range:
        when = f"between {_date(entry.edition_date_range[0])} and {_date(entry.edition_date_range[1])}"
    else:
        when = "date not known"
    lo = entry.edition_date or (entry.edition_date_range or ("",))[0] or ""
    hi = entry.edition_date or (entry.edition_date_range or ("", ""))[-1] or ""
    return {"title": f"{paper}, {when}", "description": entry.page_description, "paper": paper,
            "date_from": str(lo), "date_to": str(hi)}


def write_index(state: dict, lay: Layout, pages, common: str, force: bool, log, font_base=None,
                staging: Path | None = None, page_keys: dict | None = None,
                figures: dict | None = None) -> tuple[list[tuple[Path, Path]], list[Path]]:
    """Render index.html, and the source view of each page whose inputs changed (its page,
    the reports linking to it, the templates and package), when anything they show changed
    (or a file is not the one this build wrote): into `staging` (returning the moves that
    publish them and the removals of source views no longer listed), or in place without
    `staging`. Adding a page renders the index and that page's source view, not every page's.
    `figures`: slug → ledger table for pages the data step just read (saves reading them again)."""
    from helpers.publish.plan import page_digests
    from helpers.story.outputs import SOURCE_VIEW

    info = {e.slug: page_info(e) for e in pages}
    entries = index_entries(state, info)
    sources = [{**info[e.slug], "href": SOURCE_VIEW.format(page=e.slug)} for e in pages]
    reports = {r: (rec.get("sha256") or {}).get(r, "") for r, rec in sorted(state["reports"].items())}
    page_keys = page_keys or page_digests(pages)
    key = _digest(FORMAT, common, json.dumps([entries, sources, reports, page_keys], ensure_ascii=False, sort_keys=True))
    rec = state.get("index") or {}
    old_sha = rec.get("sha256") if isinstance(rec.get("sha256"), dict) else {}
    if rec.get("key") == key and _unchanged(old_sha, lambda rel: lay.out / rel) and not force:
        return [], []
    from helpers.publish.index import render_index
    from helpers.publish.writing import source_links, source_view

    files: dict[str, bytes] = {}
    index_key = _digest(FORMAT, common, json.dumps([entries, sources], ensure_ascii=False, sort_keys=True))
    sha = {}
    if force or rec.get("index_key") != index_key or not _unchanged({"index.html": old_sha.get("index.html")},
                                                                    lambda rel: lay.out / rel):
        files["index.html"] = render_index(entries, pages=sources, cache_dir=lay.cache,
                                           font_base=font_base).encode("utf-8")
    else:
        sha["index.html"] = old_sha["index.html"]
    wanted, linked, links = source_links(state, lay, pages, staging=staging, cache=_read_links(lay))
    old_views = rec.get("views") if isinstance(rec.get("views"), dict) else {}
    views, todo = {}, []
    for e in pages:
        rel = SOURCE_VIEW.format(page=e.slug)
        views[e.slug] = _digest(FORMAT, common, page_keys[e.slug], json.dumps(
            [info[e.slug], wanted[e.slug], sorted(linked[e.slug])], ensure_ascii=False, sort_keys=True))
        if not force and old_views.get(e.slug) == views[e.slug] and _unchanged({rel: old_sha.get(rel)},
                                                                               lambda r: lay.out / r):
            sha[rel] = old_sha[rel]
        else:
            todo.append((rel, e))

    def view(item):
        rel, e = item
        return rel, source_view(e, lay, info[e.slug], wanted[e.slug], linked[e.slug], font_base,
                                figures=(figures or {}).get(e.slug))

    # Threads: a view's font compression (Brotli) runs outside the GIL, so a cold build's
    # hundreds of views use every core. Results are taken in page order.
    if len(todo) > 1:
        import importlib
        import os
        from concurrent.futures import ThreadPoolExecutor

        # First imports from two threads at once can deadlock (see execute.import_for_threads).
        for name in VIEW_IMPORTS:
            importlib.import_module(name)

        with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1, 4),
                                thread_name_prefix="desk-view") as pool:
            files.update(pool.map(view, todo))
    else:
        files.update(map(view, todo))
    sha.update({rel: _sha256(d) for rel, d in files.items()})
    gone = [lay.out / old for old in sorted(set(old_sha) - set(sha))]
    state["index"] = {"key": key, "index_key": index_key, "views": views, "sha256": dict(sorted(sha.items()))}
    _write_links(lay, links)
    shown = f"{'index.html and ' if 'index.html' in files else ''}{len(files) - ('index.html' in files)} source view(s)"
    if staging is None:
        for rel, data in files.items():
            write_atomic(lay.out / rel, data)
        for old in gone:
            old.unlink(missing_ok=True)  # the source view of a page no longer listed
        log(f"wrote {shown}")
        return [], []
    for rel, data in files.items():
        write_atomic(staging / rel, data)
    log(f"staged {shown}")
    return [(staging / rel, lay.out / rel) for rel in sorted(files)], gone


VIEW_IMPORTS = ("importlib.metadata", "importlib.resources", "pandas", "pandas.core.methods.to_dict", "jinja2",
                "markupsafe", "fontTools.subset", "fontTools.subset.cff", "brotli", "pylopdf_fonts_zh_cn",
                "helpers.figures.ledger", "helpers.publish.fonts", "helpers.publish.woff2", "helpers.publish.render",
                "helpers.publish.sourceview")
"""What rendering a source view imports, imported before the view threads start."""

LINKS_CACHE = "source-links.json"  # in the cache dir: what each report links to, by its sha256


def _read_links(lay: Layout) -> dict:
    try:
        got = json.loads((lay.cache / LINKS_CACHE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return got if isinstance(got, dict) else {}


def _write_links(lay: Layout, links: dict) -> None:
    """Cache what each report links to (a speed-up only: a failure to write it is ignored)."""
    from helpers.files import StorageError, write_cache

    try:
        write_cache(lay.cache / LINKS_CACHE, json.dumps(links, ensure_ascii=False, sort_keys=True).encode("utf-8"),
                    lay.cache)
    except (StorageError, OSError):
        pass
