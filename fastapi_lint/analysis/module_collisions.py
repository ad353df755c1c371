"""Modules that phase 1 gives one name: ``app/models/cart.py`` and ``app/schemas/cart.py`` in a
tree without ``__init__.py``.

Phase 1 names a file by the packages above it (``extract/module_names.py``); outside any package,
by its stem alone, as a script's folder imports its siblings. A service laid out as namespace
packages (no ``__init__.py`` anywhere, run as ``uvicorn app.main:app``) then has several modules
named ``cart``, ``controller`` or ``repository``, whose classes and functions would share one
path: the last one read would stand for all, and every import of the others would reach it (a
route's chain through a copy nothing imports; the SQLAlchemy ``Cart`` in place of the schema's).
Each such module is named here by the name it is imported by (an import root's, ``roots.py``, or
its path's), which is its own, before the modules are linked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from fastapi_lint.analysis.facts import ModuleSummary, field_names
from fastapi_lint.analysis.linking import path_module_names

T = TypeVar("T")

# Fields that hold a name as written or a local name, never a dotted path: kept as they are. Only
# dotted paths under the module's name are renamed (a keyword, a kind or a field name never has a dot).
_WRITTEN = frozenset({"name", "text", "place"})


def distinct_modules(summaries: list[ModuleSummary], aliases: Mapping[str, tuple[str, ...]]) -> list[ModuleSummary]:
    """``summaries``, each module that shares its top-level name with another renamed to one of its
    other names (``aliases`` from import roots, then its path's and their tails) that no module
    has: one the project imports if there is one, else the first; the others as they are."""
    by_name: dict[str, list[ModuleSummary]] = {}
    for summary in summaries:
        by_name.setdefault(summary.module, []).append(summary)
    shared = {name for name, found in by_name.items() if len(found) > 1 and "." not in name}
    if not shared:
        return summaries
    taken = set(by_name)
    imported = {module for summary in summaries for _, module in summary.imports}
    renamed: dict[str, str] = {}
    for summary in summaries:
        if summary.module not in shared or summary.is_package:
            continue
        names = [*aliases.get(summary.path, ()), *_tails(path_module_names(summary.path, False))]
        # The name the project imports it by (``app.carts.service``, linted from above ``app/``);
        # else the first it may be imported by.
        for name in [*(name for name in names if name in imported), *names]:
            if name not in taken:
                taken.add(name)
                renamed[summary.path] = name
                break
    return [_renamed(summary, renamed[summary.path]) if summary.path in renamed else summary
            for summary in summaries]


def _tails(names: list[str]) -> list[str]:
    """Each dotted name, then the shorter names it ends with (of two parts or more): the module's
    name from each folder above it, the outermost first."""
    tails: list[str] = []
    for name in names:
        parts = name.split(".")
        tails += (".".join(parts[start:]) for start in range(len(parts) - 1))
    return tails


def _renamed(summary: ModuleSummary, name: str) -> ModuleSummary:
    old = summary.module
    prefix = f"{old}."

    def rename(value: T, field: str = "") -> T:
        if isinstance(value, str):
            if field in _WRITTEN:
                return value
            if value == old and field == "path":  # a reference to the module itself
                return name  # type: ignore[return-value]
            return f"{name}.{value[len(prefix):]}" if value.startswith(prefix) else value  # type: ignore[return-value]
        if isinstance(value, tuple):
            if hasattr(value, "_fields"):  # a fact: a named tuple
                changed = {f: rename(getattr(value, f), f) for f in value._fields}
                return value._replace(**changed)  # type: ignore[attr-defined, no-any-return]
            return tuple(rename(item, field) for item in value)  # type: ignore[return-value]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes: dict[str, Any] = {f: rename(getattr(value, f), f) for f in field_names(type(value))}
            return dataclasses.replace(value, **changes)
        return value

    # Where an import runs is this module or one of its functions; what it imports is another module.
    imports = tuple((name if where == old else rename(where), module) for where, module in summary.imports)
    moved = rename(dataclasses.replace(summary, imports=()))
    return dataclasses.replace(moved, path=summary.path, module=name, imports=imports)
