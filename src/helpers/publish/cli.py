"""The `desk` command: build reports, inspect a page's articles and figures, check raw data.

    desk build [--force] [--out DIR] [--jobs N] [--wait] [--cell-timeout S] [NOTEBOOK...]
    desk articles PATH                         articles table of a page file (CSV)
    desk figures PATH [--format csv|json]      figure ledger of a page file
    desk check                                 manifest and checksums of data/raw
    desk search TEXT [--unit U] [--kind K] [--projected] [--since DATE] [--page SLUG]
                [--format table|csv|json] [--limit N]  figures across every page (the build's database)

Expected problems (bad manifest, unreadable page, unknown notebook, a failed lookup) print
one line on stderr and exit 2; a notebook that fails to build exits 1. Imports are lazy so
`desk build` with nothing to do stays well under a second.

Every command first tidies what a killed build left (``helpers.publish.journal.tidy``): it
completes that build's half-done publish of ``reports/``, and removes its staging and temp
files, fork-server dir, kernel sockets and kernels.
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys
from pathlib import Path

from helpers.errors import DeskError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="desk", description="The data desk's notebooks → reports toolkit.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="execute notebooks and write reader reports")
    b.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="only these (default: all)")
    b.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    b.add_argument("--out", type=Path, help="output directory (default: reports/)")
    b.add_argument("--jobs", "-j", type=_positive, help="kernels run at once (default: CPU count)")
    b.add_argument("--wait", action="store_true",
                   help="if another build is running here, wait for it instead of stopping")
    b.add_argument("--cell-timeout", type=_seconds, metavar="SECONDS",
                   help="stop a notebook whose cell runs longer (default: $DESK_CELL_TIMEOUT or 600)")

    a = sub.add_parser("articles", help="print a page file's articles table as CSV")
    a.add_argument("path", type=Path)

    f = sub.add_parser("figures", help="print a page file's figure ledger")
    f.add_argument("path", type=Path)
    f.add_argument("--format", choices=("csv", "json"), default="csv")

    sub.add_parser("check", help="verify the manifest and the raw files' checksums")

    s = sub.add_parser("search", help="figures across every page whose headline or sentence has TEXT")
    s.add_argument("text", metavar="TEXT", help="words to find (all of them); '' for every figure")
    s.add_argument("--unit", help="only figures in this unit (元, 人, 个, 平方米 …)")
    s.add_argument("--kind", help="only this kind (amount, count, area, percent, date, duration, ordinal, other)")
    s.add_argument("--projected", action="store_true", help="only projections (将, 预计, 计划 …)")
    s.add_argument("--since", metavar="DATE", help="only pages dated on or after DATE (YYYY-MM-DD)")
    s.add_argument("--page", metavar="SLUG", help="only this manifest page")
    s.add_argument("--format", choices=("table", "csv", "json"), default="table")
    s.add_argument("--limit", type=int, default=100, help="at most N rows (0: all; default 100)")
    s.add_argument("--db", type=Path, help="the database (default: the build's, data/processed/desk.sqlite)")
    return p


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def _seconds(text: str) -> float:
    try:
        n = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not n > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return n


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)  # run `finally` blocks (temp files) on kill
    try:
        _tidy()
        return _COMMANDS[args.command](args)
    except DeskError as e:
        print(f"desk {args.command}: {e.one_line()}", file=sys.stderr)
        return 2
    except OSError as e:
        if e.errno not in (errno.ENOSPC, errno.EDQUOT) or e.filename is not None:
            raise
        from helpers.files import explain

        # what we print went to a full disk (`desk figures page.txt > file`)
        print(f"desk {args.command}: {explain(e, 'the output')}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `desk figures page.txt | head`
        sys.stderr.close()
        return 0


def _tidy() -> None:
    """Complete or clean up after a build that was killed (see ``helpers.publish.journal``)."""
    from helpers import paths
    from helpers.publish import journal

    journal.tidy(paths.REPORTS, log=lambda msg: print(f"desk: {msg}", file=sys.stderr))


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def _build(args) -> int:
    from helpers.publish import build

    result = build.build(args.notebooks, force=args.force, out=args.out, jobs=args.jobs, log=_say,
                         wait=args.wait, cell_timeout=args.cell_timeout)
    n = len(result.executed)
    _say(f"{n} report(s) built, {len(result.skipped)} up to date ({result.seconds:.2f} s)")
    if result.failures:
        for failure in result.failures:
            print(f"desk build: FAILED {failure}", file=sys.stderr)
        print(f"desk build: {len(result.failures)} failure(s); previous reports left in place",
              file=sys.stderr)
        return 1
    return 0


def _say(msg: str) -> None:
    print(msg, flush=True)


def _page(path: Path):
    """The page at `path`. A file in data/raw/ is read through the manifest: checksum
    verified and labelled with its manifest slug; any other file by its stem."""
    from helpers.page import manifest, reading

    entry = manifest.find(path)
    if entry is None:
        return reading.read_page(path)
    return manifest.load_page(entry.slug)


def _articles(args) -> int:
    from helpers import csvsafe
    from helpers.page import tables

    sys.stdout.write(csvsafe.csv_text(tables.articles_table(_page(args.path))))
    return 0


def _figures(args) -> int:
    from helpers import csvsafe
    from helpers.figures import ledger, model

    table = model.excerpted(ledger.page_figures(_page(args.path)))
    if args.format == "json":
        sys.stdout.write(table.to_json(orient="records", force_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(csvsafe.csv_text(table))
    return 0


def _check(args) -> int:
    from helpers.page import manifest

    entries = manifest.verify_all()
    print(f"ok: {len(entries)} page(s) in {manifest.paths.MANIFEST}, checksums match, pages readable")
    return 0


def _search(args) -> int:
    """Imports only the standard library and helpers.publish.figdb: answers in well under a second."""
    from helpers import paths
    from helpers.publish import figdb

    db = args.db or paths.PROCESSED / figdb.FILE_NAME
    rows, total = figdb.search(db, args.text, unit=args.unit, kind=args.kind, projected=args.projected,
                               since=args.since, page=args.page, limit=args.limit or None)
    sys.stdout.write(figdb.format_rows(rows, args.format))
    if args.format == "table":
        more = f" (showing {len(rows)}; --limit 0 shows all)" if total > len(rows) else ""
        print(f"{total} figure(s){more}", file=sys.stderr)
    return 0


_COMMANDS = {"build": _build, "articles": _articles, "figures": _figures, "check": _check, "search": _search}
