"""What an executed notebook leaves: its reader page and CSVs in the staging folder, its
logged warnings, the font base the pages are cut from, and the processed data.
"""

from __future__ import annotations

import re
from pathlib import Path

from helpers.files import write_atomic
from helpers.publish.plan import Job, Layout
from helpers.publish.state import _sha256
from helpers.story import outputs

# ---------------------------------------------------------------- publishing

def publish(job: Job, nb, lay: Layout, ledgers: dict[str, str], staging: Path, font_base=None) -> dict:
    """Render the executed notebook and write its page and CSVs into `staging`; the record
    carries each file's sha256 (the build moves them into place once all jobs are done)."""
    from helpers.publish import render

    links = [
        {"href": ledgers[p], "label": f"Figure ledger for page {p} (CSV)"} for p in job.pages if p in ledgers
    ] + [{"href": outputs.SOURCE_VIEW.format(page=p), "label": "The page as printed, every figure marked (source view)"}
         for p in job.pages]
    report = render.render_report(nb, stem=job.stem, extra_links=links, cache_dir=lay.cache, font_base=font_base,
                                  source_page=job.pages[0] if job.pages else None)
    files = {**report.files, job.report: report.html.encode("utf-8")}
    for rel, data in sorted(files.items()):
        write_atomic(staging / rel, data)
    return {
        "report": job.report,
        "notebook": job.notebook.name,
        "page": job.page,
        "pages": list(job.pages),
        "key": job.key,
        "headline": report.headline,
        "dek": report.dek,
        "key_figure": report.key_figure,
        "sha256": {rel: _sha256(data) for rel, data in sorted(files.items())},
    }


MAX_LOGGED_LINES = 20  # per cell


def log_streams(job: Job, nb, log) -> None:
    """Log what a notebook wrote to stderr (warnings included), per cell: it never reaches
    the report, but must not vanish either."""
    from helpers.publish.render import first_line, numbered_cells, text_of

    for number, cell in numbered_cells(nb):
        lines = [line for out in cell.get("outputs", [])
                 if out.get("output_type") == "stream" and out.get("name") == "stderr"
                 for line in text_of(out.get("text", "")).splitlines() if line.strip()]
        for line in lines[:MAX_LOGGED_LINES]:
            log(f"{job.report}: cell {number} ({first_line(cell)}): stderr: {line}")
        if len(lines) > MAX_LOGGED_LINES:
            log(f"{job.report}: cell {number}: ... {len(lines) - MAX_LOGGED_LINES} more stderr line(s)")


def font_base(lay: Layout, entries, todo: list[Job], log=lambda msg: None):
    """A ``fonts.Base`` for what the build's pages may show: the pages the jobs are about,
    every page's manifest description (the index shows them), the glosses, the notebooks being
    run and the templates. Only those pages: with an archive, adding one page must not cost
    a base cut from every page's characters. A page showing anything else is cut from the
    full font (same bytes, slower), as is every page when the base cannot be made (logged)."""
    from helpers.publish import fonts, render

    try:
        about = {p for j in todo for p in j.pages}
        parts = [e.path.read_text(encoding="utf-8", errors="replace") for e in entries if e.slug in about]
        parts += [f"{e.paper}\n{e.page_description}" for e in entries]
        parts += [p.read_text(encoding="utf-8", errors="replace")
                  for p in sorted({*(lay.data / "glosses").glob("*.csv"), *(j.notebook for j in todo),
                                   *render.TEMPLATES.glob("*")}) if p.is_file()]
        return fonts.base_for("".join(parts), cache_dir=lay.cache)
    except Exception as e:  # a speed-up only: pages are then cut from the full font
        log(f"no base font ({type(e).__name__}: {e}); each page's font is cut from the full font")
        return None


BOM = b"\xef\xbb\xbf"  # UTF-8 byte-order mark: the readers' CSVs have it, data/processed/ does not

# ---------------------------------------------------------------- processed data

def write_data(lay: Layout, entries, key: str, log, staging: Path, state: dict | None = None,
               figures: dict | None = None, read: dict | None = None) -> dict:
    """Each page's ledger (``data/figures-<slug>.csv`` in out) and pieces
    (``processed/articles-<slug>.csv``), the combined ``processed/{articles,figures}.csv``,
    and the figure database (``helpers.publish.figdb``, in the processed dir).

    Per page: a page whose key (``plan.page_digests``) and files are as the last build
    recorded is not read again; only new or changed pages are split and extracted, and only
    their rows of the database are replaced. Staged files go into `staging` as
    ``processed/…`` and ``data/…``; the record lists every file's sha256 and each page's key.
    `figures`, when given, receives slug → ledger table of each page read (the source views
    use them); `read` holds slug → (page, ledger table) of pages read already (the build's
    guard reads the pages of the notebooks it checks)."""
    from helpers.figures import model
    from helpers.publish import figdb
    from helpers.publish.plan import page_digests
    from helpers.publish.state import _data_target, _unchanged

    keys = page_digests(entries)
    old = (state or {}).get("data") or {}
    old_pages = old.get("pages") if isinstance(old.get("pages"), dict) else {}
    old_sha = old.get("sha256") if isinstance(old.get("sha256"), dict) else {}
    ledgers, sha, staged, fresh = {}, {}, set(), {}
    for e in entries:
        href, arts_rel = outputs.ledger_href(e.slug), f"processed/articles-{e.slug}.csv"
        ledgers[e.slug] = href
        mine = {href: old_sha.get(href), arts_rel: old_sha.get(arts_rel)}
        if old_pages.get(e.slug) == keys[e.slug] and _unchanged(mine, lambda rel: _data_target(lay, rel)):
            sha.update(mine)
            continue
        arts, figs = fresh[e.slug] = page_tables(e, (read or {}).get(e.slug))
        if figures is not None:
            figures[e.slug] = figs
        for rel, df in ((href, figs), (arts_rel, arts)):
            if rel == href:  # rows written out carry a bounded excerpt of their sentence
                df = model.excerpted(df)
            data = _csv_bytes(df, bom=rel == href)  # the readers' copy in reports/data/ has a BOM
            write_atomic(staging / rel, data)
            sha[rel] = _sha256(data)
            staged.add(rel)
    # The combined tables, from the per-page files (staged now, or already in place).
    for name, rel_of in (("articles", "processed/articles-{}.csv".format), ("figures", outputs.ledger_href)):
        parts = [(staging / rel if rel in staged else _data_target(lay, rel)).read_bytes().removeprefix(BOM)
                 for rel in (rel_of(e.slug) for e in entries)]
        if parts:
            data = _concat_csv(parts)
            write_atomic(staging / f"processed/{name}.csv", data)
            sha[f"processed/{name}.csv"] = _sha256(data)
    db = figdb.sync(lay.processed / figdb.FILE_NAME, entries, keys, fresh)
    log(f"staged data of {len(fresh)} page(s), {len(entries) - len(fresh)} unchanged; database: {db}")
    return {"key": key, "ledgers": ledgers, "pages": keys, "sha256": dict(sorted(sha.items()))}


def page_tables(entry, known: tuple | None = None):
    """(articles, figures) DataFrames of one manifest page (checksum verified already);
    `known`: its (page, figures) when read already (`read_page_figures`)."""
    from helpers.page import tables

    page, figures = known or read_page_figures(entry)
    arts = tables.articles_table(page)
    if "page" not in arts.columns:
        arts.insert(0, "page", entry.slug)
    return arts, figures


def read_page_figures(entry) -> tuple:
    """(page, ledger figures table) of a manifest page: split, repaired and extracted once."""
    from helpers.figures import ledger

    page = _read_page(entry)
    return page, ledger.page_figures(page)


def _concat_csv(parts: list[bytes]) -> bytes:
    """CSV files under one header row (the first part's). A part with another header is
    skipped when it has no rows (an empty table), else a ValueError naming both headers."""
    header, rows = None, []
    for part in parts:
        head, _, body = part.partition(b"\n")
        if header is None:
            header = head
        elif head != header:
            if not body.strip():
                continue
            raise ValueError(f"per-page tables disagree on their columns: {head[:200]!r} vs {header[:200]!r}")
        rows.append(body)
    return header + b"\n" + b"".join(rows) if header is not None else b""


def _read_page(entry):
    """The page for a manifest entry, carrying the manifest slug (``read_page`` names a page
    after its file). Checksums were verified before the build started, so not again here."""
    import dataclasses

    from helpers.page import reading

    page = reading.read_page(entry.path)
    return page if page.slug == entry.slug else dataclasses.replace(page, slug=entry.slug)


def _csv_bytes(df, *, bom: bool = False) -> bytes:
    """CSV without float noise or spreadsheet formulas (``helpers.csvsafe.csv_text``); with
    `bom` (the readers' copies in reports/data/) a UTF-8 byte-order mark, so a spreadsheet
    opens the Chinese right (``csvsafe.READER_ENCODING``)."""
    from helpers import csvsafe

    return csvsafe.csv_text(df).encode(csvsafe.READER_ENCODING if bom else "utf-8")


# ---------------------------------------------------------------- source views

SOURCE_LINK = re.compile(r'<a class="desk-ref" id="([^"]+)" href="source-([a-z0-9-]+)\.html#([^"]+)"')
ANY_SOURCE_LINK = re.compile(r'href="source-([a-z0-9-]+)\.html#([^"]+)"')


def source_links(state: dict, lay: Layout, pages, staging: Path | None = None,
                 cache: dict | None = None) -> tuple[dict, dict, dict]:
    """What the reports link to in the source views: (`wanted`: slug → anchor → [(report#ref,
    label)] for back-links, `linked`: slug → {(report, anchor)} to check, the per-report cache
    to record). A report is read only when its bytes differ from those `cache` (the last
    build's record: report → {"sha256", "refs", "links"}) saw, so a build does not read every
    report of the archive. A report this build made is read from `staging`."""
    from helpers.publish.plan import BuildInputError

    cache = cache if isinstance(cache, dict) else {}
    wanted: dict[str, dict[str, list[tuple[str, str]]]] = {e.slug: {} for e in pages}
    linked: dict[str, set[tuple[str, str]]] = {e.slug: set() for e in pages}
    seen = {}
    for report, rec in sorted(state["reports"].items(), key=lambda kv: (kv[1].get("notebook", ""), kv[0])):
        sha = (rec.get("sha256") or {}).get(report)
        got = cache.get(report)
        if not (isinstance(got, dict) and got.get("sha256") == sha and sha):
            path = staging / report if staging is not None and (staging / report).is_file() else lay.out / report
            if not path.is_file():
                continue
            markup = path.read_text(encoding="utf-8")
            got = {"sha256": sha, "links": sorted({(slug, html_unescape(a)) for slug, a in ANY_SOURCE_LINK.findall(markup)}),
                   "refs": [[ref_id, slug, html_unescape(a)] for ref_id, slug, a in SOURCE_LINK.findall(markup)]}
        seen[report] = {"sha256": got["sha256"], "links": [list(x) for x in got["links"]], "refs": got["refs"]}
        label = _short(rec.get("headline") or report)
        for slug, anchor in got["links"]:
            if slug not in wanted:
                raise BuildInputError(f"{report}: links to the source view of page {slug!r}, which the manifest does not list")
            linked[slug].add((report, anchor))
        for ref_id, slug, anchor in got["refs"]:
            refs = wanted[slug].setdefault(anchor, [])
            if not any(h.startswith(report + "#") for h, _ in refs):
                refs.append((f"{report}#{ref_id}", label))
    return wanted, linked, seen


def source_view(e, lay: Layout, info: dict, wanted: dict, linked: set, font_base=None, figures=None) -> bytes:
    """``source-<slug>.html`` of manifest page `e`: its text as printed with every ledger figure
    marked (``sourceview.render_source``), an anchor at each place a report links to (`linked`:
    {(report, anchor)}), and links back to those reports (`wanted`: anchor → [(href, label)]).
    A report linking to an anchor the page does not have (a figure id not in its ledger) stops
    the build with the report and the id named. `figures`: the page's ledger table when the
    caller has it (else the page is read and its figures found again)."""
    from helpers.figures import ledger
    from helpers.publish import render, sourceview
    from helpers.publish.plan import BuildInputError

    page = _read_page(e)
    figures = (figures if figures is not None else ledger.page_figures(page)).to_dict("records")
    ids = {f"fig-{f['id']}" for f in figures}
    anchors = set()
    for report, anchor in sorted(linked):
        if anchor.startswith("at-") and anchor[3:].isdigit() and int(anchor[3:]) < len(page.text):
            anchors.add(int(anchor[3:]))
        elif anchor not in ids and not anchor.startswith("piece-"):
            raise BuildInputError(f"{report}: links to {anchor!r}, which page {e.slug!r} does not have "
                                  "(a figure id not in its ledger?)")
    title = f"The page as printed: {info['title']}"
    intro = render.summary(f"The text of {info['title']} as printed, with each of its "
                           f"{len(figures)} ledger figures marked: id, qualifier and tense.")
    doc = sourceview.render_source(
        page, figures, title=title, intro=intro, backrefs=wanted, anchors=sorted(anchors),
        files=[{"href": f"data/figures-{e.slug}.csv", "label": f"Figure ledger for page {e.slug} (CSV)"}],
        cache_dir=lay.cache, font_base=font_base)
    return doc.encode("utf-8")


def prefetch_view_fonts(lay: Layout, entries, figures: dict, font_base, log=lambda msg: None,
                        stop=None) -> None:
    """Cut the font of each page's source view (`figures`: slug → ledger table, the pages the
    data step read) into the font cache while the notebooks run. The view itself is rendered
    with the index, once every report is known (its back-links); its characters are almost
    always these (the back-links' labels are English), so the font is then a cache hit and the
    end of a cold archive build is not one long serial run of font cuts. A speed-up only:
    any failure is logged and the view is cut at the end as before. `stop` (an Event) set:
    the build is being interrupted; stop at the next page."""
    from helpers.publish.state import page_info

    by_slug = {e.slug: e for e in entries}
    for slug, table in figures.items():
        if stop is not None and stop.is_set():
            return
        try:
            source_view(by_slug[slug], lay, page_info(by_slug[slug]), {}, set(), font_base, figures=table)
        except Exception as e:
            log(f"source view of {slug}: font not prepared early ({type(e).__name__}: {e})")
            return


def _short(headline: str, limit: int = 60) -> str:
    """A report's name in a back-link: its headline up to the first colon, at most `limit` characters."""
    head = headline.split(":")[0].strip() or headline
    return head if len(head) <= limit else head[: limit - 1].rstrip() + "…"


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)
