"""The raw-data manifest: which page files exist, what they are, and their checksums.

`data/raw/` is immutable. Every file in it (but the manifest) must be listed in
`data/raw/manifest.json` with its sha256; reading a page through this module
verifies the checksum first, so a changed or swapped file fails loudly.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from helpers import paths
from helpers.errors import DeskError
from helpers.page.model import Page
from helpers.page.reading import decode
from helpers.page.splitting import split

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
REQUIRED = ("slug", "path", "sha256", "paper", "page_description", "how_obtained")


class ManifestError(DeskError):
    """The manifest or a raw file disagrees with itself: always names the file."""


class ChecksumError(ManifestError):
    """A raw file's bytes are not the ones the manifest recorded."""


@dataclass(frozen=True)
class PageEntry:
    """One page as the manifest describes it."""

    slug: str
    path: Path
    sha256: str
    paper: str
    page_description: str
    how_obtained: str
    edition_date: str | None = None
    edition_date_range: tuple[str, str] | None = None
    edition_date_basis: str = ""
    notes: str = ""
    extra: dict = field(default_factory=dict, compare=False, repr=False)



def load(manifest_path: Path | None = None) -> list[PageEntry]:
    """Read and check the manifest: fields present, slugs unique and well formed,
    every listed file present, no unlisted file in the raw folder."""
    mpath = Path(manifest_path or paths.MANIFEST)
    raw_dir = mpath.parent
    try:
        doc = json.loads(mpath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{mpath}: manifest not found") from None
    except json.JSONDecodeError as e:
        raise ManifestError(f"{mpath}: not valid JSON (line {e.lineno}, column {e.colno}): {e.msg}") from None
    pages = doc.get("pages") if isinstance(doc, dict) else None
    if not isinstance(pages, list):
        raise ManifestError(f"{mpath}: expected an object with a list 'pages'")
    entries: list[PageEntry] = []
    seen_slugs: dict[str, int] = {}
    seen_paths: set[str] = set()
    for i, item in enumerate(pages):
        where = f"{mpath}: pages[{i}]"
        if not isinstance(item, dict):
            raise ManifestError(f"{where}: expected an object")
        missing = [k for k in REQUIRED if not item.get(k)]
        if missing:
            raise ManifestError(f"{where}: missing field(s) {', '.join(missing)}")
        slug = item["slug"]
        if not SLUG_RE.match(slug):
            raise ManifestError(f"{where}: slug {slug!r} must be lower-case letters, digits and hyphens")
        if slug in seen_slugs:
            raise ManifestError(f"{where}: duplicate slug {slug!r} (also pages[{seen_slugs[slug]}])")
        seen_slugs[slug] = i
        rel = item["path"]
        if "/" in rel or "\\" in rel or rel.startswith("."):
            raise ManifestError(f"{where}: path {rel!r} must be a plain file name inside {raw_dir}")
        if rel in seen_paths:
            raise ManifestError(f"{where}: file {rel!r} is listed twice")
        seen_paths.add(rel)
        fpath = raw_dir / rel
        if not fpath.is_file():
            raise ManifestError(f"{fpath}: listed in the manifest (slug {slug!r}) but missing")
        known = {f.name for f in PageEntry.__dataclass_fields__.values()}
        rng = item.get("edition_date_range")
        entries.append(
            PageEntry(
                slug=slug,
                path=fpath,
                sha256=item["sha256"].lower(),
                paper=item["paper"],
                page_description=item["page_description"],
                how_obtained=item["how_obtained"],
                edition_date=item.get("edition_date"),
                edition_date_range=tuple(rng) if rng else None,
                edition_date_basis=item.get("edition_date_basis", ""),
                notes=item.get("notes", ""),
                extra={k: v for k, v in item.items() if k not in known},
            )
        )
    unlisted = sorted(
        p.name for p in raw_dir.iterdir()
        if p.is_file() and p.name != mpath.name and not p.name.startswith(".") and p.name not in seen_paths
    )
    if unlisted:
        raise ManifestError(
            f"{raw_dir / unlisted[0]}: file in {raw_dir} is not listed in {mpath.name}"
            + (f" (and {len(unlisted) - 1} more)" if len(unlisted) > 1 else "")
            + "; add an entry with its sha256"
        )
    return entries


def entry(slug: str | None = None, manifest_path: Path | None = None) -> PageEntry:
    """The manifest entry for `slug`, or the first page when `slug` is None."""
    entries = load(manifest_path)
    if not entries:
        raise ManifestError(f"{manifest_path or paths.MANIFEST}: no pages listed")
    if slug is None:
        return entries[0]
    for e in entries:
        if e.slug == slug:
            return e
    raise ManifestError(f"no page {slug!r} in the manifest; known: {', '.join(e.slug for e in entries)}")


def verify(e: PageEntry) -> bytes:
    """Return the raw bytes of a page after checking them against the manifest."""
    data = e.path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != e.sha256:
        raise ChecksumError(
            f"{e.path}: checksum mismatch: manifest says sha256 {e.sha256}, file has {actual}. "
            "Raw files are never edited; restore the file or, for a new page, add a new entry."
        )
    return data


def verify_all(manifest_path: Path | None = None) -> list[PageEntry]:
    """Check the whole raw folder: manifest well formed, every checksum right, and every
    page readable as page text (``helpers.page.reading.decode``: UTF-8, no NUL, no control or
    bidi characters, not too large), so a bad page stops a build before anything runs."""
    entries = load(manifest_path)
    for e in entries:
        decode(verify(e), e.path)
    return entries


def find(path: Path, manifest_path: Path | None = None) -> PageEntry | None:
    """The manifest entry for the file at `path` when it lies in the raw folder, else None.

    A file in the raw folder that the manifest does not list is a `ManifestError`."""
    mpath = Path(manifest_path or paths.MANIFEST)
    target = Path(path).resolve()
    if target.parent != mpath.parent.resolve():
        return None
    for e in load(mpath):
        if e.path.resolve() == target:
            return e
    raise ManifestError(f"{path}: in {mpath.parent} but not listed in {mpath.name}")


@functools.lru_cache(maxsize=None)
def load_page(slug: str | None = None) -> Page:
    """A manifest page (the first when ``slug`` is None), checksum verified, split into pieces.
    Cached per process: notebooks call it freely."""
    e = entry(slug)
    text = decode(verify(e), e.path)
    return Page(slug=e.slug, path=e.path, text=text, articles=split(text))
