"""Copies of other projects kept inside the linted tree, which discovery skips as it skips an
environment committed to the repository.

A folder below the one linted whose ``pyproject.toml`` names a distribution (``[project] name``,
Poetry's ``[tool.poetry] name``) that the enclosing project declares as a dependency it
installs, not one it takes from that folder (no path, workspace, Git or URL source in
``[tool.uv.sources]`` or Poetry's table, not a member of its uv workspace) nor one of its own
family (named after it: ``prefect-aws`` beside ``prefect``, ``freqtrade-client`` beside
``freqtrade``, published from the same repository), is a copy of that dependency: the framework's
repository checked in as a search corpus (``docs/fastapi/``, tutorials and internals), a library
vendored whole. The service runs the installed release, not the copy; linting the copy reports
another project's code and links the service's ``import fastapi`` to it. The enclosing project
is the nearest folder above with dependency declarations (``pyproject.toml``,
``requirements*.txt``, ``setup.py``, ``setup.cfg``, ``Pipfile``), up to the folder linted. Each file is read as a source file is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from fastapi_lint.analysis.pins import (declaration_files, normalize, poetry_dependency_tables, pyproject_ranges,
                                        read_declarations, read_pyproject)

_PYPROJECT = "pyproject.toml"
# What a Poetry dependency's table names when it comes from somewhere other than an index.
_NOT_FROM_AN_INDEX = frozenset({"path", "git", "url", "develop"})


class VendoredCopies:
    """The answers for one walk from ``root``: each folder's declared dependencies, read once."""

    def __init__(self, root: str) -> None:
        self._root = os.path.abspath(root)
        self._declared: dict[str, _Declared | None] = {}  # folder -> what it declares (None: no dependencies)

    def is_copy(self, folder: str, filenames: list[str]) -> bool:
        """Whether ``folder`` (below the root, holding ``filenames``) is a copy of a dependency."""
        if _PYPROJECT not in filenames:
            return False
        name = _distribution(read_pyproject(Path(folder, _PYPROJECT)))
        if name is None:
            return False
        folder = os.path.abspath(folder)
        enclosing = self._nearest_above(folder)
        if enclosing is None:
            return False
        where, declared = enclosing
        return (name in declared.installed and not (declared.name and name.startswith(declared.name + "-"))
                and not any(PurePath(os.path.relpath(folder, where)).match(member) for member in declared.members))

    def _nearest_above(self, folder: str) -> tuple[str, _Declared] | None:
        here = folder
        while here != self._root and os.path.dirname(here) != here:
            here = os.path.dirname(here)
            if here not in self._declared:
                self._declared[here] = _declarations(Path(here))
            declared = self._declared[here]
            if declared is not None:
                return here, declared
        return None


@dataclass(frozen=True)
class _Declared:
    """What a folder's project declares: its name, the dependencies it installs from an index,
    its uv workspace's members (patterns relative to the folder)."""

    name: str | None
    installed: frozenset[str]
    members: tuple[str, ...]


def _declarations(folder: Path) -> _Declared | None:
    """What ``folder`` declares (None: no dependencies, as ``pins.declaration_files`` tells),
    but the dependencies it takes from a path, a workspace, Git or a URL."""
    files = declaration_files(str(folder))
    if not files:
        return None
    data: dict[str, Any] = {}
    declared: set[str] = set()
    for file in files:
        if file.name == _PYPROJECT:
            data = read_pyproject(file)
            declared.update(pyproject_ranges(data))
        else:
            declared.update(read_declarations(file, folder))
    members = _table(_table(_table(data, "tool"), "uv"), "workspace").get("members")
    return _Declared(_distribution(data), frozenset(declared - _sourced(data)),
                     tuple(member for member in members if isinstance(member, str)) if isinstance(members, list) else ())


def _sourced(data: dict[str, Any]) -> set[str]:
    """The dependencies a ``pyproject.toml`` takes from somewhere other than an index."""
    found = {normalize(name) for name in _table(_table(_table(data, "tool"), "uv"), "sources")}
    for table in poetry_dependency_tables(data):
        found.update(normalize(name) for name, constraint in table.items()
                     if isinstance(constraint, dict) and _NOT_FROM_AN_INDEX & set(constraint))
    return found


def _table(data: object, key: str) -> dict[str, Any]:
    """``data[key]`` when both are tables, else an empty one."""
    found = data.get(key) if isinstance(data, dict) else None
    return found if isinstance(found, dict) else {}


def _distribution(data: dict[str, Any]) -> str | None:
    """The distribution a ``pyproject.toml`` builds, normalized."""
    for table in (_table(data, "project"), _table(_table(data, "tool"), "poetry")):
        name = table.get("name")
        if isinstance(name, str) and name.strip():
            return normalize(name)
    return None
