"""Imports flow one way: from the facade down to the language, never back, and never in a circle.

The allowed order is written once, here, lowest stage first; docs/design.md draws it. A module
may import its own stage and any stage below it. Imports inside functions count too: a lazy
import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

from .conftest import ROOT

PACKAGE = "smartcity_rules"
# Lowest first. A top-level module is a stage of its own; the last stage is the public surface.
STAGES: tuple[tuple[str, ...], ...] = (
    ("language",),
    ("plan",),  # the semantics module is below the analyses: they round and band as scoring does
    ("analysis",),
    ("backends",),
    ("results",),
    ("data",),
    ("standard",),
    ("distributed",),  # Spark and Dask: partitions scored by the facade's columnar path
    ("publish",),
    ("toolkit",),
    # messages: the command line's words; spark and dask: thin public modules over distributed/
    ("cli", "messages", "document", "testing", "spark", "dask", "__init__", "__main__"),
)


def stage_of(module: str) -> int:
    """The stage index of a dotted module name inside the package."""
    head = module.split(".")[1] if "." in module else "__init__"
    for index, names in enumerate(STAGES):
        if head in names:
            return index
    raise AssertionError(f"{module} belongs to no stage: add it to STAGES in tests/test_layering.py")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def sources() -> dict[str, str]:
    return {module_name(p): p.read_text(encoding="utf-8") for p in sorted((ROOT / PACKAGE).rglob("*.py"))}


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(module: str, text: str, modules: Mapping[str, str]) -> Iterator[str]:
    """Every module of the package that `module` imports, wherever the import statement stands."""
    is_package = module == PACKAGE or f"{module}.__init__" in modules or any(
        m.startswith(module + ".") for m in modules)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, is_package, node)
            # `from . import testing` names a module; `from .x import name` names a name in x.
            targets = [f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target for a in node.names]
        else:
            continue
        yield from (t for t in targets if t.split(".")[0] == PACKAGE and t in modules)


def graph(modules: Mapping[str, str]) -> dict[str, set[str]]:
    return {m: set(imports(m, text, modules)) - {m} for m, text in modules.items()}


def back_imports(edges: Mapping[str, set[str]]) -> list[str]:
    return sorted(f"{a} imports {b}" for a, targets in edges.items() for b in targets
                  if stage_of(b) > stage_of(a))


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """One cycle through each module that lies on one, found by depth-first search."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                found.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_every_module_belongs_to_a_stage() -> None:
    for module in sources():
        stage_of(module)


def test_no_module_imports_a_later_stage() -> None:
    assert back_imports(graph(sources())) == []


def test_imports_have_no_cycle() -> None:
    assert cycles(graph(sources())) == []


def test_a_planted_back_import_is_caught() -> None:
    modules = sources()
    planted = dict(modules)
    planted["smartcity_rules.language.check"] += "\nfrom ..results.evaluation import Evaluation\n"
    assert back_imports(graph(planted)) == [
        "smartcity_rules.language.check imports smartcity_rules.results.evaluation"]


def test_a_planted_lazy_back_import_is_caught() -> None:
    planted = dict(sources())
    planted["smartcity_rules.language.check"] += "\ndef f() -> None:\n    from ..analysis import passes\n"
    assert back_imports(graph(planted)) == ["smartcity_rules.language.check imports smartcity_rules.analysis.passes"]


def test_a_planted_cycle_is_caught() -> None:
    planted = dict(sources())
    planted["smartcity_rules.language.source"] += "\nfrom .check import check\n"
    found = cycles(graph(planted))
    assert any(c[0] == c[-1] and "smartcity_rules.language.source" in c for c in found), found


def test_every_stage_package_says_its_job_in_one_sentence() -> None:
    for path in sorted((ROOT / PACKAGE).glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and doc.count(". ") == 0 and doc.endswith("."), path
