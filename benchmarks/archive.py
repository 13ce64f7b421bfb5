"""An archive of N pages: does the desk scale with pages?

In a temporary copy of the project (nothing here touches the repository) this adds N generated
pages (``benchmarks/pagegen.py``: the real page with its pieces shuffled, digits, townships and
names changed), commits the copy with git, and prints from one run each:

  cold build        `desk build --force` of every notebook and page, with an empty cache,
  add one page      one more generated page, then `desk build`: how many reports ran, the time,
                    and add-one / cold (goal: ≤ 3 reports, ≤ 10 s, the same at any N),
  no change         `desk build` again,
  desk search       `desk search 投资 --unit 元`, best wall time of 5 (goal ≤ 0.5 s),
  database size     data/processed/desk.sqlite,
  search at scale   the same search on a copy of the database whose pages are repeated up to
                    --search-pages (default 2,000) pages (rows copied under new slugs and dates,
                    FTS rows too), since building 2,000 pages here would take an hour,
  committed growth  what committing the added page adds: the bytes of added lines in the
                    diff (new files whole), and the growth of the packed repository after
                    `git gc` (goal ≤ 100 KB per page).

Goals at N=200 (issue 15): cold ≤ 3 min wall on the 2-core machine. Run it rarely: it is a
few minutes of both cores.

    .venv/bin/python benchmarks/archive.py [--pages N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pagegen  # noqa: E402

BIN = Path(sys.executable).parent


CPU = {}  # the last command's CPU seconds (its own and its children's), by its first two words


def run(cmd: list[str], root: Path, check: bool = True) -> tuple[float, str]:
    """Wall time and stdout of a command run against the copy (DESK_ROOT); its CPU time goes
    to `CPU` (a loaded shared machine inflates wall time, not CPU time)."""
    import resource

    env = dict(os.environ, DESK_ROOT=str(root), PYTHONHASHSEED="0")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[" ".join(Path(c).name for c in cmd[:2])] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if check and proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed, proc.stdout


def git(root: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")
    return subprocess.run(["git", "-C", str(root), *args], env=env, check=True, capture_output=True,
                          text=True).stdout


def built(stdout: str) -> int:
    m = re.search(r"(\d+) report\(s\) built", stdout)
    return int(m.group(1)) if m else -1


def committed_growth(root: Path) -> tuple[int, int, list[str]]:
    """(bytes of added lines in the staged diff, packed growth after gc, changed paths)."""
    git(root, "gc", "--quiet")
    before = packed(root)
    git(root, "add", "-A")
    names = git(root, "diff", "--cached", "--name-only").split()
    diff = subprocess.run(["git", "-C", str(root), "diff", "--cached", "-U0", "--no-color", "--no-ext-diff",
                           "--text"], check=True, capture_output=True).stdout
    added = sum(len(line) - 1 for line in diff.split(b"\n") if line.startswith(b"+") and not line.startswith(b"+++"))
    git(root, "commit", "--quiet", "-m", "add a page")
    git(root, "gc", "--quiet")
    return added, packed(root) - before, names


def replicated_db(src: Path, dst: Path, pages: int) -> int:
    """A copy of the database at `src` with its pages repeated under new slugs (and dates a
    year later each round) until it holds `pages` pages; returns the number of figures."""
    import sqlite3

    shutil.copyfile(src, dst)
    conn = sqlite3.connect(dst)
    with conn:
        base = [r[0] for r in conn.execute("SELECT slug FROM pages ORDER BY position")]
        n, rnd = len(base), 0
        while n < pages:
            rnd += 1
            for slug in base:
                if n >= pages:
                    break
                new = f"{slug}-r{rnd}"
                later = f"+{rnd} years"
                conn.execute("INSERT INTO pages SELECT ?, key, position + ?, file, sha256, paper, date(edition_date, ?), "
                             "date(date_from, ?), date(date_to, ?), coalesce(date(edition_date, ?), date(date_from, ?) "
                             "|| '..' || date(date_to, ?)), description FROM pages WHERE slug = ?",
                             (new, rnd * 10000, *[later] * 6, slug))
                conn.execute("INSERT INTO pieces SELECT ?, piece, headline, byline, reporters, correspondents, "
                             "photographers, paragraphs, captions, start, \"end\" FROM pieces WHERE page = ?", (new, slug))
                for (rowid,) in conn.execute("SELECT rowid FROM figures WHERE page = ?", (slug,)).fetchall():
                    cur = conn.execute("INSERT INTO figures (page, id, piece, start, \"end\", surface, value, low, high, "
                                       "unit, qualifier, kind, projected, sentence, noun, date) SELECT ?, id, piece, "
                                       "start, \"end\", surface, value, low, high, unit, qualifier, kind, projected, "
                                       "sentence, noun, date FROM figures WHERE rowid = ?", (new, rowid))
                    conn.execute("INSERT INTO figures_fts (rowid, headline, sentence) SELECT ?, headline, sentence "
                                 "FROM figures_fts WHERE rowid = ?", (cur.lastrowid, rowid))
                n += 1
    count = conn.execute("SELECT count(*) FROM figures").fetchone()[0]
    conn.execute("VACUUM")
    conn.close()
    return count


def packed(root: Path) -> int:
    out = git(root, "count-objects", "-v")
    kb = {k: int(v) for k, v in (line.split(": ") for line in out.splitlines()) if v.isdigit()}
    return (kb.get("size-pack", 0) + kb.get("size", 0)) * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", "-n", type=int, default=200, help="generated pages (default 200)")
    parser.add_argument("--search-pages", type=int, default=2000, help="pages for the search at scale")
    parser.add_argument("--keep", type=Path, help="build the copy here and keep it (default: a temp dir)")
    args = parser.parse_args()
    tmp = None
    if args.keep:
        root = args.keep.resolve()
        if root.exists():
            shutil.rmtree(root)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="desk-archive-")
        root = Path(tmp.name) / "desk"
    try:
        pagegen.copy_project(root)
        shutil.rmtree(root / "reports", ignore_errors=True)
        t0 = time.perf_counter()
        pagegen.add_pages(root, args.pages)
        generated = time.perf_counter() - t0
        desk = str(BIN / "desk")
        cold, out = run([desk, "build", "--force"], root)
        cold_cpu = CPU["desk build"]
        cold_n = built(out)
        git(root, "init", "--quiet")
        git(root, "add", "-A")
        git(root, "commit", "--quiet", "-m", "archive")
        repo_before = packed(root)
        pagegen.add_pages(root, 1, start=args.pages)
        add, out = run([desk, "build"], root)
        add_cpu = CPU["desk build"]
        add_n = built(out)
        added_lines, pack_growth, changed = committed_growth(root)
        same, out = run([desk, "build"], root)
        same_n = built(out)
        searches, search_cpu = [], []
        for _ in range(5):
            searches.append(run([desk, "search", "投资", "--unit", "元"], root)[0])
            search_cpu.append(CPU["desk search"])
        hits = run([desk, "search", "投资", "--unit", "元", "--limit", "0", "--format", "csv"], root)[1]
        db = root / "data" / "processed" / "desk.sqlite"
        big = root / "big.sqlite"
        big_figures = replicated_db(db, big, args.search_pages)
        big_searches, big_cpu = [], []
        for _ in range(5):
            big_searches.append(run([desk, "search", "投资", "--unit", "元", "--db", str(big)], root)[0])
            big_cpu.append(CPU["desk search"])
        print(f"pages: {args.pages} generated + 1 real (generated in {generated:.1f} s); CPUs: {os.cpu_count()}, "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"cold build:          {cold:7.1f} s wall, {cold_cpu:6.1f} s CPU, {cold_n} reports  (goal <= 180 s at 200 pages)")
        print(f"add one page:        {add:7.1f} s wall, {add_cpu:6.1f} s CPU, {add_n} report(s)  "
              f"add-one/cold = {add / cold:.3f} wall, {add_cpu / cold_cpu:.3f} CPU  (goal <= 3 reports, <= 10 s)")
        print(f"no change:           {same:7.2f} s wall, {same_n} report(s)")
        print(f"desk search 投资 --unit 元: best {min(searches):.3f} s, median {sorted(searches)[2]:.3f} s "
              f"({hits.count(chr(10)) - 1} figures; {min(search_cpu):.3f} s CPU)  (goal <= 0.5 s)")
        print(f"desk search at {args.search_pages} pages (replicated, {big_figures} figures): "
              f"best {min(big_searches):.3f} s, median {sorted(big_searches)[2]:.3f} s, {min(big_cpu):.3f} s CPU  "
              "(goal <= 0.5 s)")
        print(f"database:            {db.stat().st_size / 1e6:7.1f} MB ({db.stat().st_size / (args.pages + 1) / 1e3:.0f} KB a page)")
        print(f"committed growth:    {added_lines / 1e3:7.1f} KB of added lines; packed repo +{pack_growth / 1e3:.1f} KB "
              f"(repo {repo_before / 1e6:.1f} MB packed)  (goal <= 100 KB)")
        print(f"  changed files: {', '.join(changed)}")
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
