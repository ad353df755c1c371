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
from functools import lru_cache
from pathlib import PurePath
from typing import Any

from fastapi_lint.analysis.facts import ModuleSummary, field_names
from fastapi_lint.analysis.linking import path_module_names


# Fields that hold a name as written or a local name, never a dotted path: kept as they are. Only
# dotted paths under the module's name are renamed (a keyword, a kind or a field name never has a dot).
_WRITTEN = frozenset({"name", "text", "place"})

# The renamed summaries of the last two links, by the summary renamed and how: an editor's session
# links the project again after each edit, and renaming a large tree's modules (polar's SDK, 149
# modules) took longer than the rest of the link. Holding the summary keeps its id from being reused.
_Key = tuple[int, str, tuple[tuple[str, frozenset[str]], ...]]
_renamed_now: dict[_Key, tuple[ModuleSummary, ModuleSummary]] = {}
_renamed_before: dict[_Key, tuple[ModuleSummary, ModuleSummary]] = {}


def separate_roots(summaries: list[ModuleSummary], aliases: Mapping[str, tuple[str, ...]]
                   ) -> tuple[list[ModuleSummary], Mapping[str, tuple[str, ...]]]:
    """Services side by side in one tree, each imported from its own folder by the same names
    (``admin-api/config/settings.py`` and ``user-api/config/settings.py``, both ``config.settings``;
    four sample services each with an ``app`` package): one process never loads two of them, and
    each one's ``import config.settings`` means its own. A dotted name that modules below two
    import roots are known by (``roots.py``; a module's own root is the folder above its top
    package) is ambiguous. For each top package such names share, the shallowest of those roots
    (the first found, among equals) keeps its names, which code outside them all imports (a
    package that ``extend_path`` merges with an SDK's); below each other root, the package's
    modules are renamed by the root's path (``user-api.config.settings``), and so are the
    references to them made there, so each service's imports reach its own modules. ``aliases``
    loses the names given up."""
    global _renamed_now, _renamed_before
    _renamed_before, _renamed_now = _renamed_now, {}
    claims: dict[str, dict[tuple[str, ...], int]] = {}  # name -> the roots it is claimed below, with the first claimant
    named: list[list[tuple[str, tuple[str, ...]]]] = []
    for index, summary in enumerate(summaries):
        names = [(name, root) for name in (summary.module, *aliases.get(summary.path, ()))
                 if (root := _root_of(summary, name)) is not None]
        named.append(names)
        for name, root in names:
            claims.setdefault(name, {}).setdefault(root, index)
    # a bare name (``service``, a file outside any package) is its folder's script's: ``distinct_modules``'
    ambiguous = {name for name, roots in claims.items() if len(roots) > 1 and "." in name}
    if not ambiguous:
        return summaries, aliases
    claimants: dict[str, dict[tuple[str, ...], int]] = {}  # top package -> its roots, with their first claimant
    for name in ambiguous:
        found = claimants.setdefault(name.partition(".")[0], {})
        for root, first in claims[name].items():
            found[root] = min(first, found.get(root, first))
    shared: dict[tuple[str, ...], set[str]] = {}  # root -> the top packages renamed below it
    for package, roots in claimants.items():
        kept = min(roots, key=lambda root: (len(root), roots[root]))
        for root in roots:
            if root != kept:
                shared.setdefault(root, set()).add(package)
    renamed_summaries: list[ModuleSummary] = []
    kept_aliases = dict(aliases)
    for summary, names in zip(summaries, named):
        # the roots it is below whose packages are renamed, deepest first: a reference is
        # rewritten by the first whose packages hold it
        rules = sorted({(root, frozenset(shared[root])) for _, root in names if root in shared},
                       key=lambda rule: -len(rule[0]))
        if not rules:
            renamed_summaries.append(summary)
            continue
        own = next((f"{'.'.join(root)}.{name}" for root, packages in rules for name, at in names
                    if at == root and name.partition(".")[0] in packages), summary.module)
        renamed_summaries.append(_renamed(summary, own, tuple((".".join(root), packages) for root, packages in rules)))
        dropped = set().union(*(packages for _, packages in rules))
        kept_aliases[summary.path] = tuple(alias for alias in aliases.get(summary.path, ())
                                           if alias not in ambiguous and alias.partition(".")[0] not in dropped)
    return renamed_summaries, kept_aliases


@lru_cache(maxsize=1 << 16)  # a long-lived process links the same files after every edit
def _folder_parts(path: str) -> tuple[str, ...]:
    return tuple(part for part in PurePath(path).parts[:-1] if part not in (".", ".."))


def _root_of(summary: ModuleSummary, name: str) -> tuple[str, ...] | None:
    """The folder (its path's parts) that ``summary`` is imported from as ``name``: its file's
    folder less one folder per package the name goes through; None when the path has fewer."""
    parts = _folder_parts(summary.path)
    depth = name.count(".") + (1 if summary.is_package else 0)
    if depth > len(parts):
        return None
    return tuple(parts[:len(parts) - depth])


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


def _renamed(summary: ModuleSummary, name: str,
             roots: tuple[tuple[str, frozenset[str]], ...] = ()) -> ModuleSummary:
    """``summary`` as the module ``name``; with ``roots``, its references to each root's top
    packages are to those below that root (the first that has them), renamed as
    ``separate_roots`` renames them: by the root's path. The same object as the last link's
    when that renamed the same summary the same way."""
    key = (id(summary), name, roots)
    found = _renamed_now.get(key) or _renamed_before.get(key)
    if found is None or found[0] is not summary:
        found = (summary, _renaming(summary, name, roots))
    _renamed_now[key] = found
    return found[1]


def _renaming(summary: ModuleSummary, name: str, roots: tuple[tuple[str, frozenset[str]], ...]) -> ModuleSummary:
    old = summary.module
    prefix = f"{old}."
    strings: dict[tuple[str, bool], str] = {}  # the facts repeat their paths: each is renamed once

    def renamed_string(value: str, as_path: bool) -> str:
        if value == old and as_path:  # a reference to the module itself
            return name
        if value.startswith(prefix):
            return f"{name}.{value[len(prefix):]}"
        head, dot, _ = value.partition(".")
        if dot or as_path:  # a dotted path, or a reference to a package itself
            for root, packages in roots:
                if head in packages:
                    return f"{root}.{value}"
        return value

    def rename(value: Any, field: str = "") -> Any:
        cls = type(value)
        if cls is str or isinstance(value, str):
            if field in _WRITTEN:
                return value
            key = (value, field == "path")
            found = strings.get(key)
            if found is None:
                found = strings[key] = renamed_string(*key)
            return found
        if cls is tuple:
            items = tuple(rename(item, field) for item in value)
            return value if all(a is b for a, b in zip(items, value)) else items
        fields = _fields_of(cls)
        if fields is None:
            return value
        changes: dict[str, Any] = {}
        for f in fields:
            before = getattr(value, f)
            after = rename(before, f)
            if after is not before:
                changes[f] = after
        if not changes:
            return value
        if isinstance(value, tuple):  # a fact: a named tuple
            return value._replace(**changes)  # type: ignore[attr-defined]
        return dataclasses.replace(value, **changes)

    # Where an import runs is this module or one of its functions; what it imports is another module.
    imports = tuple((name if where == old else rename(where), rename(module, "path") if roots else module)
                    for where, module in summary.imports)
    moved: ModuleSummary = rename(dataclasses.replace(summary, imports=()))
    return dataclasses.replace(moved, path=summary.path, module=name, imports=imports)


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _fields_of(cls: type) -> tuple[str, ...] | None:
    """The fields of a fact class (a named tuple or a dataclass); None for any other type."""
    try:
        return _FIELDS[cls]
    except KeyError:
        fact = (issubclass(cls, tuple) and hasattr(cls, "_fields")) or (dataclasses.is_dataclass(cls) and not issubclass(cls, type))
        found = _FIELDS[cls] = field_names(cls) if fact else None
        return found
