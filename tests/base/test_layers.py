"""The package's layout is its architecture: stages import only the stages before them.

    base (paths, errors, files, csvsafe, vocab) < page < figures < story < publish

Every ``import`` in every module counts, including imports inside functions, so a lazy import
cannot hide an arrow that runs back up the chain. Notebooks import from the story surface only.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from helpers import paths

PACKAGE = paths.ROOT / "src" / "helpers"
STAGES = ("page", "figures", "story", "publish")
MAX_LINES = 500


def _rank(module: str) -> int:
    """0 for the base modules, 1.. for the stages in order."""
    parts = module.split(".")
    if module == "helpers.__main__":  # `python -m helpers`: the command line, at the top
        return len(STAGES)
    return STAGES.index(parts[1]) + 1 if len(parts) > 1 and parts[1] in STAGES else 0


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_helpers(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """(line, module) for every import of a ``helpers`` module anywhere in ``tree``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "helpers"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] != "helpers":
                continue
            if base == "helpers":  # from helpers import story: the names are modules
                found += [(node.lineno, f"helpers.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, base))
    return found


def upward_arrows() -> list[str]:
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for line, target in imported_helpers(ast.parse(path.read_text(encoding="utf-8")), package):
            if _rank(target) > _rank(name):
                bad.append(f"{path.relative_to(paths.ROOT)}:{line}: {name} imports {target}")
    return bad


def test_no_module_imports_a_later_stage():
    assert upward_arrows() == []


def test_the_layer_check_sees_lazy_and_relative_imports():
    """The rule would catch an arrow up the chain inside a function, or a relative one."""
    tree = ast.parse("def f():\n    from helpers.publish import build\nfrom ..story import charts\n")
    found = imported_helpers(tree, "helpers.figures")
    assert sorted(found) == [(2, "helpers.publish"), (3, "helpers.story")]
    assert all(_rank(t) > _rank("helpers.figures.ledger") for _, t in found)


def test_every_module_belongs_to_a_stage_or_the_base():
    top = sorted(p.name for p in PACKAGE.iterdir() if p.suffix == ".py" or (p.is_dir() and p.name[0] not in "._"))
    stages = [p for p in top if not p.endswith(".py")]
    assert sorted(stages) == sorted(STAGES)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_over_the_size_limit(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(paths.ROOT)} has {n} lines; split it at a seam"


def notebook_imports(nb_path: Path) -> list[tuple[int, str]]:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        found += [(i, m) for _, m in imported_helpers(ast.parse(src), "")]
    return found


@pytest.mark.parametrize("nb_path", sorted((paths.ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_import_only_the_story_surface(nb_path):
    bad = [f"cell {i}: {m}" for i, m in notebook_imports(nb_path) if m != "helpers.story"]
    assert bad == [], f"{nb_path.name} imports beyond helpers.story: {bad}"
