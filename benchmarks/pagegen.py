"""Made-up pages for archive benchmarks and tests: the real page, changed so no two are alike.

Each generated page is the seed page (the first manifest page) with its pieces in another
order (one that still splits into the same pieces), its Arabic digits changed (dates and times kept, so calendar checks stay sensible),
the zone's townships swapped among themselves, and every reporter, correspondent and
photographer renamed. The result still reads as a page of the same shape, so the splitter,
the ledger and the page overview run on it as on a real one; its numbers are nonsense and
it is never committed (the benchmark and the tests write it into a temporary copy).

    add_pages(root, n, start=0, seed=0) -> list of new slugs (files + manifest entries)
    copy_project(dst)                   -> a copy of the project to add pages to
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SURNAMES = "陈林黄张李王吴刘蔡杨郑许谢洪郭邱曾廖赖徐周叶苏庄"
GIVEN = "志明文华美玲建国婉芳晓云立新海燕丽清荣生秀英雅静晨阳伟强德辉"
PAPERS = (
    "Newspaper of the Quanzhou Taiwanese Investment Zone (泉州台商投资区) — generated test page",
    "Quanzhou Evening News (泉州晚报) — generated test page",
)
# Digits right before these stay: 1月28日 remains a real date, 9时 a real hour.
KEEP_BEFORE = re.compile(r"\d+(?=[年月日号时点:：])")


def _name(rng: random.Random, length: int) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(max(1, length - 1)))


def generate(seed_text: str, index: int, seed: int = 0) -> str:
    """Page number `index` made from `seed_text` (deterministic for the same index and seed)."""
    from helpers.page import splitting as source
    from helpers.story import text

    rng = random.Random(f"{seed}-{index}")
    arts = list(source.split(seed_text))
    if not arts:
        return seed_text
    pieces = [seed_text[a.start:a.end] for a in arts]
    seps = [seed_text[arts[i].end:arts[i + 1].start] for i in range(len(arts) - 1)]
    # Shuffle until the page splits into the seed's pieces (a piece that opens with a photo
    # caption may read otherwise in some places, as on a real page).
    heads = sorted(a.headline for a in arts)
    for _ in range(50):
        rng.shuffle(pieces)
        body = seed_text[:arts[0].start] + "".join(p + (seps[i] if i < len(seps) else "")
                                                  for i, p in enumerate(pieces)) + seed_text[arts[-1].end:]
        if sorted(a.headline for a in source.split(body)) == heads:
            break
    else:
        body = seed_text
    # Names: every credited person becomes someone else (same length, so the layout holds).
    people = sorted({n for a in arts for n in (*a.reporters, *a.correspondents, *a.photographers) if n},
                    key=len, reverse=True)
    names = {n: _name(rng, len(n)) for n in people}
    # Townships: a permutation of the zone's townships, applied to full and short forms.
    towns = list(text.TOWNSHIP_FORMS)
    swapped = towns[:]
    rng.shuffle(swapped)
    forms = {}
    for old, new in zip(towns, swapped):
        for i, form in enumerate(text.TOWNSHIP_FORMS[old]):
            new_forms = text.TOWNSHIP_FORMS[new]
            forms[form] = new_forms[min(i, len(new_forms) - 1)]
    table = {**names, **forms}
    if table:
        pattern = re.compile("|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)))
        body = pattern.sub(lambda m: table[m.group(0)], body)
    # Digits: each run of Arabic digits gets other digits of the same length (no leading 0).
    keep = {m.start() for m in KEEP_BEFORE.finditer(body)}

    def digits(m: re.Match) -> str:
        if m.start() in keep:
            return m.group(0)
        run = m.group(0)
        first = str(rng.randint(1, 9)) if len(run) > 1 else str(rng.randint(0, 9))
        return first + "".join(str(rng.randint(0, 9)) for _ in run[1:])

    return re.sub(r"\d+", digits, body)


def add_pages(root: Path, n: int, start: int = 0, seed: int = 0) -> list[str]:
    """Write `n` generated pages into `root`/data/raw and list them in its manifest (after the
    pages already there); returns their slugs. Page i has edition date 2024-01-01 + i days."""
    raw = Path(root) / "data" / "raw"
    mpath = raw / "manifest.json"
    doc = json.loads(mpath.read_text(encoding="utf-8"))
    first = doc["pages"][0]
    seed_text = (raw / first["path"]).read_bytes().decode("utf-8")
    slugs = []
    for i in range(start, start + n):
        slug = f"gen-{i:04d}"
        name = f"gen_{i:04d}.txt"
        data = generate(seed_text, i, seed).encode("utf-8")
        (raw / name).write_bytes(data)
        doc["pages"].append({
            "slug": slug, "path": name, "sha256": hashlib.sha256(data).hexdigest(),
            "paper": PAPERS[i % len(PAPERS)],
            "edition_date": (date(2024, 1, 1) + timedelta(days=i)).isoformat(),
            "page_description": f"Generated test page {i}: the seed page with its pieces shuffled, digits, "
                                "townships and names changed.",
            "how_obtained": "Generated by benchmarks/pagegen.py; not a real page.",
        })
        slugs.append(slug)
    mpath.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return slugs


def remove_page(root: Path, slug: str) -> None:
    """Take a page out of `root`'s manifest and raw folder (what a desk does to withdraw it)."""
    raw = Path(root) / "data" / "raw"
    mpath = raw / "manifest.json"
    doc = json.loads(mpath.read_text(encoding="utf-8"))
    entry = next(p for p in doc["pages"] if p["slug"] == slug)
    doc["pages"].remove(entry)
    (raw / entry["path"]).unlink()
    mpath.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


COPIED = ("src", "data", "notebooks", "reports", "pyproject.toml", "requirements.lock", ".gitignore",
          "Makefile", "README.md", "ARCHITECTURE.md")


def copy_project(dst: Path, notebooks: list[str] | None = None) -> Path:
    """Copy what a build needs into `dst` (optionally only some notebooks); returns `dst`."""
    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dst / name, ignore=shutil.ignore_patterns("__pycache__", ".staging-*"))
        elif src.exists():
            shutil.copy2(src, dst / name)
    if notebooks is not None:
        for nb in (dst / "notebooks").glob("*.ipynb"):
            if nb.name not in notebooks:
                nb.unlink()
    return dst
