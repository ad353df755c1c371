"""The package's layers, read from its import graph: no cycle, no forbidden arrow, no private import.

The graph is built from the source with ``ast``, so it holds every import: at the top of a
module, inside a function (a lazy import), and under ``if TYPE_CHECKING:``. An arrow is
"module A imports module B"; ``from package import name`` points at ``package.name`` when that
is a module, else at ``package``. Importing ``a.b`` is not counted as importing ``a``.

The parts and the arrows allowed between them (``ALLOWED``) are the drawing of
``architecture.md`` §4, in today's module names. Today's exceptions are listed in the
``KNOWN_*`` allowlists below: they may only shrink. An entry that no longer occurs fails the
test too, so that each move that removes one also removes it from the list.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "fastapi_lint"
ROOT = "fastapi_lint"

# Module (or package prefix) -> part. The longest matching prefix wins.
PARTS: dict[str, str] = {
    "fastapi_lint": "core",  # __init__: the version
    "fastapi_lint.diagnostics": "core",
    "fastapi_lint.globs": "core",
    "fastapi_lint.paths": "core",
    "fastapi_lint.source": "core",
    "fastapi_lint.config": "config",
    "fastapi_lint.api": "api",
    "fastapi_lint.baseline": "api",
    "fastapi_lint.discovery": "run",
    "fastapi_lint.run": "run",
    "fastapi_lint.analysis": "analysis",
    "fastapi_lint.rules": "rules",
    "fastapi_lint.fixes": "fixes",
    "fastapi_lint.reporters": "reporters",
    "fastapi_lint.cli": "face",
    "fastapi_lint.__main__": "face",
    "fastapi_lint.server": "face",  # the language server: a face, like the CLI
    "fastapi_lint.flake8_plugin": "flake8",
}

# Part -> the parts it may import. ``config`` is the Api's frozen settings, a value every part
# above the facts reads; it expands rule selectors from the registry.
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset({"core"}),
    "analysis": frozenset({"analysis", "core"}),
    "rules": frozenset({"rules", "analysis", "core"}),
    "fixes": frozenset({"fixes", "analysis", "config", "core"}),
    "reporters": frozenset({"reporters", "core"}),
    "config": frozenset({"config", "rules", "core"}),
    "run": frozenset({"run", "analysis", "rules", "fixes", "config", "core"}),
    "api": frozenset({"api", "config", "run", "fixes", "reporters", "analysis", "rules", "core"}),
    "face": frozenset({"face", "api", "config", "reporters", "core"}),
    "flake8": frozenset({"flake8", "api", "config", "core"}),
}

# Today's exceptions. Each step of the redesign removes entries; a move may rename one (the same
# dependency under a new module name), never add a new dependency.
KNOWN_CYCLES: set[frozenset[str]] = set()

KNOWN_FORBIDDEN: set[tuple[str, str]] = set()

# (importer, imported module, name)
KNOWN_PRIVATE: set[tuple[str, str, str]] = set()


# -- the graph ----------------------------------------------------------------------------


def modules(package: Path = PACKAGE) -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name -> (file, is a package's ``__init__``)."""
    found: dict[str, tuple[Path, bool]] = {}
    for file in sorted(package.rglob("*.py")):
        parts = [ROOT, *file.relative_to(package).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (file, is_package)
    return found


def imports(package: Path = PACKAGE) -> Iterator[tuple[str, str, str | None]]:
    """(importer, imported module, name taken from it or None) for every import of the package's own modules."""
    known = modules(package)
    for name, (file, is_package) in known.items():
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == ROOT or alias.name.startswith(ROOT + "."):
                        yield name, alias.name, None
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    target = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    target = node.module or ""
                if target != ROOT and not target.startswith(ROOT + "."):
                    continue
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    if submodule in known:
                        yield name, submodule, None
                    else:
                        yield name, target, alias.name


def graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    arrows: dict[str, set[str]] = {name: set() for name in modules(package)}
    for importer, imported, _ in imports(package):
        if imported != importer:
            arrows[importer].add(imported)
    return arrows


def part(module: str) -> str:
    best = max((prefix for prefix in PARTS if module == prefix or module.startswith(prefix + ".")), key=len)
    return PARTS[best]


def cycles(arrows: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    counter = 0
    for start in sorted(arrows):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(arrows.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in arrows:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(arrows[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))
    return found


def forbidden(arrows: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {
        (importer, imported)
        for importer, targets in arrows.items()
        for imported in targets
        if part(imported) not in ALLOWED[part(importer)]
    }


def private_imports(package: Path = PACKAGE) -> set[tuple[str, str, str]]:
    return {
        (importer, imported, name)
        for importer, imported, name in imports(package)
        if name is not None and name.startswith("_") and not name.startswith("__") and imported != importer
    }


# -- the tests -----------------------------------------------------------------------------


def _assert_not_stale(known: set[object], found: set[object]) -> None:
    gone = sorted(map(str, known - found))
    assert not gone, f"no longer found, remove from the allowlist: {gone}"


def test_every_module_has_a_part() -> None:
    for name in modules():
        assert part(name) in ALLOWED, name


def test_no_import_cycle() -> None:
    found = set(cycles(graph()))
    new = found - KNOWN_CYCLES
    assert not new, f"import cycles: {[sorted(c) for c in new]}"
    _assert_not_stale(set(KNOWN_CYCLES), set(found))


def test_no_forbidden_arrow() -> None:
    found = forbidden(graph())
    new = found - KNOWN_FORBIDDEN
    assert not new, "forbidden imports: " + ", ".join(
        f"{a} ({part(a)}) -> {b} ({part(b)})" for a, b in sorted(new)
    )
    _assert_not_stale(set(KNOWN_FORBIDDEN), set(found))


def test_no_private_import_across_modules() -> None:
    found = private_imports()
    new = found - KNOWN_PRIVATE
    assert not new, f"private names imported from another module: {sorted(new)}"
    _assert_not_stale(set(KNOWN_PRIVATE), set(found))


def test_the_checks_see_what_they_are_for(tmp_path: Path) -> None:
    """A lazy import, a ``TYPE_CHECKING`` import and a relative one all make arrows; a cycle through them is found."""
    package = tmp_path / ROOT
    (package / "analysis").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "analysis" / "__init__.py").write_text("")
    (package / "analysis" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from fastapi_lint.rules import Rule\n"
    )
    (package / "rules.py").write_text("def f():\n    from .analysis.a import _x\n")
    arrows = graph(package)
    assert arrows[f"{ROOT}.analysis.a"] == {f"{ROOT}.rules"}
    assert arrows[f"{ROOT}.rules"] == {f"{ROOT}.analysis.a"}
    assert cycles(arrows) == [frozenset({f"{ROOT}.analysis.a", f"{ROOT}.rules"})]
    assert forbidden(arrows) == {(f"{ROOT}.analysis.a", f"{ROOT}.rules")}
    assert private_imports(package) == {(f"{ROOT}.rules", f"{ROOT}.analysis.a", "_x")}
