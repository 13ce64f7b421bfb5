"""What a build will do: where it reads and writes (``Layout``), one ``Job`` per report with
the hash of its inputs, which notebooks and pages each job covers, and the result types.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from helpers import paths
from helpers.errors import DeskError

NOTEBOOK_RE = re.compile(r"^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*\.ipynb$")
STATE_NAME = ".build.json"
PROCESSED_NAME = ".processed"
STAGING_PREFIX = ".staging-"
FORMAT = "desk-build-2"  # bump to invalidate every recorded hash
KERNEL = "desk"  # the kernelspec `make setup` installs into .venv (helpers.publish.lab); notebooks ask for it too
FORK_ENV = "DESK_FORK_KERNELS"  # "0" turns the fork server off
CELL_TIMEOUT = 600  # seconds a cell may run; `desk build --cell-timeout` or DESK_CELL_TIMEOUT
CELL_TIMEOUT_ENV = "DESK_CELL_TIMEOUT"
STARTUP_TIMEOUT = 120


class BuildInputError(DeskError):
    """A bad request (unknown notebook, badly named file): the user's to fix, no traceback."""


@dataclass(frozen=True)
class Layout:
    """Where a build reads and writes. Defaults are the project's; tests point at tmp dirs."""

    root: Path
    out: Path
    cache: Path

    @classmethod
    def make(cls, root: Path | None = None, out: Path | None = None, cache: Path | None = None) -> "Layout":
        root = Path(root or paths.ROOT).resolve()
        return cls(root=root, out=Path(out or root / "reports").resolve(), cache=Path(cache or paths.CACHE))

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def manifest(self) -> Path:
        return self.data / "raw" / "manifest.json"

    @property
    def processed(self) -> Path:
        """``data/processed`` for the project's own reports dir; ``<out>/.processed`` for any
        other output dir, so a build into a temp dir never rewrites the repository."""
        if self.out == (self.root / "reports").resolve():
            return self.data / "processed"
        return self.out / PROCESSED_NAME


@dataclass(frozen=True)
class Job:
    """One report to produce: a notebook, optionally for one page, and its input hash."""

    notebook: Path
    report: str          # file name in the out dir, e.g. "01-park-jobs.html"
    page: str | None     # manifest slug for per-page notebooks
    key: str
    pages: tuple[str, ...] = ()  # pages whose ledgers the report links (its page, or metadata)

    @property
    def stem(self) -> str:
        return self.report[: -len(".html")]


@dataclass
class Failure:
    notebook: str
    report: str
    message: str
    cause: BaseException | None = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        plain = not self.report or self.report == Path(self.notebook).stem + ".html"
        what = self.notebook if plain else f"{self.notebook} [{self.report}]"
        return f"{what}: {self.message}"


@dataclass
class BuildResult:
    executed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures



# ---------------------------------------------------------------- planning

def select_notebooks(lay: Layout, names: list[str]) -> list[Path]:
    """All ``NN-slug.ipynb`` notebooks, or the ones named (by path, file name or stem).

    Any other ``*.ipynb`` in ``notebooks/`` (``04-spring-transport-Copy1.ipynb``) stops the build."""
    from helpers.publish import guard

    misnamed = guard.misnamed(lay.notebooks)
    if misnamed:
        raise BuildInputError("\n".join(misnamed))
    available = sorted(p for p in lay.notebooks.glob("*.ipynb") if NOTEBOOK_RE.match(p.name))
    if not names:
        return available
    by_name = {p.name: p for p in available}
    chosen: list[Path] = []
    for name in names:
        base = Path(name).name
        base = base if base.endswith(".ipynb") else base + ".ipynb"
        if base not in by_name:
            if (lay.notebooks / base).is_file():
                raise BuildInputError(f"{lay.notebooks / base}: notebook names must look like NN-slug.ipynb")
            raise BuildInputError(f"{name}: no such notebook in {lay.notebooks}")
        if by_name[base] not in chosen:
            chosen.append(by_name[base])
    return chosen


def plan(notebooks: list[Path], pages: list[str], common: str,
         page_keys: dict[str, str] | None = None) -> list[Job]:
    """The jobs for these notebooks: one each, or one per page for per-page notebooks.

    A story (not per-page) notebook is about the first manifest page, or the pages its
    metadata names (``{"desk": {"pages": [...]}}``); its footer links those pages' ledgers.
    A job's key covers the pages it is about (`page_keys`, from `page_digests`), and only
    those: adding, changing or removing another page leaves it current.
    """
    keys = page_keys or {}
    jobs: list[Job] = []
    for nb_path in notebooks:
        raw = nb_path.read_bytes()
        stem = nb_path.stem
        desk = _desk_metadata(raw, nb_path)
        if desk.get("per_page"):
            for i, slug in enumerate(pages):
                report = f"{stem}.html" if i == 0 else f"{stem}--{slug}.html"
                key = _digest(FORMAT, common, raw, slug, report, keys.get(slug, ""))
                jobs.append(Job(nb_path, report, slug, key, (slug,)))
        else:
            about = _story_pages(desk, pages, nb_path)
            key = _digest(FORMAT, common, raw, "", stem, *[f"{p}={keys.get(p, '')}" for p in about])
            jobs.append(Job(nb_path, f"{stem}.html", None, key, about))
    return jobs


def _desk_metadata(raw: bytes, path: Path) -> dict:
    """The notebook's ``metadata.desk`` object ({} when absent)."""
    try:
        doc = json.loads(raw)
    except ValueError as e:
        raise BuildInputError(f"{path}: not a valid notebook (JSON error: {e})") from None
    desk = (doc.get("metadata") or {}).get("desk") or {} if isinstance(doc, dict) else {}
    if not isinstance(desk, dict):
        raise BuildInputError(f"{path}: metadata 'desk' must be an object")
    return desk


def _story_pages(desk: dict, pages: list[str], path: Path) -> tuple[str, ...]:
    named = desk.get("pages")
    if named is None:
        return tuple(pages[:1])
    if not isinstance(named, list) or not all(isinstance(p, str) for p in named):
        raise BuildInputError(f"{path}: metadata desk.pages must be a list of manifest slugs")
    unknown = [p for p in named if p not in pages]
    if unknown:
        raise BuildInputError(f"{path}: metadata desk.pages names {', '.join(unknown)}, not in the "
                              f"manifest (known: {', '.join(pages)})")
    return tuple(named)




# ---------------------------------------------------------------- input hashes

def inputs_digest(lay: Layout) -> str:
    """One hash over everything every notebook's output may depend on besides itself and its
    pages: the helpers package, data/ but the raw pages (``page_digests``) and the processed
    data, and the lock."""
    import helpers

    h = hashlib.sha256(f"{FORMAT}\0python{sys.version_info[0]}.{sys.version_info[1]}\0".encode())
    _hash_tree(h, "helpers", Path(helpers.__file__).resolve().parent)
    _hash_tree(h, "data", lay.data, skip_top={"processed", "raw"})
    lock = lay.root / "requirements.lock"
    h.update(b"lock\0" + (hashlib.sha256(lock.read_bytes()).digest() if lock.is_file() else b"none"))
    return h.hexdigest()


def page_digests(entries) -> dict[str, str]:
    """Manifest slug → a hash of that page's manifest entry (every field) and its checksum
    (verified before planning), in manifest order. A job is about some pages; only theirs
    enter its key, so one page's arrival or change re-runs only the jobs about it."""
    import dataclasses

    keys: dict[str, str] = {}
    for i, e in enumerate(entries):
        fields = {k: v for k, v in dataclasses.asdict(e).items() if k != "path"}
        fields["path"] = e.path.name
        # The first page is the one stories without desk.pages are about, and the one the
        # per-page notebook's plain report (NN-slug.html) shows: being first is an input.
        fields["first"] = i == 0
        keys[e.slug] = _digest(json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str))
    return keys


def _hash_tree(h, label: str, top: Path, skip_top: set[str] = frozenset()) -> None:
    if not top.is_dir():
        h.update(f"{label}\0missing\0".encode())
        return
    files = []
    for dirpath, dirnames, filenames in os.walk(top):
        rel_dir = Path(dirpath).relative_to(top)
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".") and d != "__pycache__" and not (rel_dir == Path(".") and d in skip_top)
        )
        files.extend(rel_dir / f for f in filenames if not f.startswith(".") and not f.endswith(".pyc"))
    for rel in sorted(files, key=lambda p: p.as_posix()):
        h.update(f"{label}/{rel.as_posix()}\0".encode())
        h.update(hashlib.sha256((top / rel).read_bytes()).digest())


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()
