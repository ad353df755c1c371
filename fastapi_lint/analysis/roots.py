"""Import roots: the folders a project's modules are imported from, as mypy and Ruff's ``src`` find them.

Phase 1 names a module by the packages above it (folders with ``__init__.py``). A package whose
import root is a subfolder of the linted tree with a project file of its own (``core/pyproject.toml``
beside ``core/cat/``, imported as ``cat...``; a service folder's ``requirements.txt``), a ``src/`` layout, or a namespace package (no
``__init__.py``) is imported by a name that chain does not give. Each such root gives the modules
below it one more name, which the project phase resolves imports by. Reading the tree for
project files is cheap: one look per folder.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePath

from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.analysis.test_code import is_test_path

# Files that make a folder a project's root, and so the root its packages are imported from; a
# service's own ``requirements.txt`` (``backend/``, run as ``cd backend && uvicorn score:app``) too.
_PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "requirements.txt")


def module_aliases(
    summaries: Iterable[ModuleSummary], files: Mapping[str, Path], src: Sequence[Path] = ()
) -> dict[str, tuple[str, ...]]:
    """For each module (by displayed path), the names its import roots give it beyond its own.

    Roots are the configured ``src`` folders, the folders a module of the project puts on
    ``sys.path`` (``extract/import_paths.py``), and the folders inside the linted tree (at or below
    the folder common to every file) that hold a project file or are named ``src``."""
    located = {summary.path: (summary, _absolute(files.get(summary.path, Path(summary.path)))) for summary in summaries}
    folders = [file.parent for _, file in located.values() if file is not None]
    if not folders:
        return {}
    try:
        top = Path(os.path.commonpath([str(folder) for folder in folders]))
    except ValueError:  # files on different drives
        return {}
    configured = frozenset(found for found in (_absolute(folder) for folder in src) if found is not None)
    configured |= _sys_path_folders(located.values())
    configured |= _script_folders(located.values())
    aliases: dict[str, tuple[str, ...]] = {}
    for display, (summary, file) in located.items():
        if file is None:
            continue
        names: list[str] = []
        for root in _roots_above(file.parent, top, configured):
            name = _dotted(file.relative_to(root), summary.is_package)
            if name and name != summary.module and name not in names:
                names.append(name)
        if names:
            aliases[display] = tuple(names)
    return aliases


def _sys_path_folders(located: Iterable[tuple[ModuleSummary, Path | None]]) -> frozenset[Path]:
    """The folders the project's modules add to ``sys.path``; not its tests': a test puts the
    package under test there (``tests/`` adding ``../mypkg``), which is not how the app runs."""
    return frozenset(
        Path(os.path.normpath(file.parent / folder))
        for summary, file in located
        if file is not None and not is_test_path(PurePath(summary.path).parts)
        for folder in summary.sys_path_folders
    )


def _script_folders(located: Iterable[tuple[ModuleSummary, Path | None]]) -> frozenset[Path]:
    """The folders of modules outside any package that import a folder beside them as a namespace
    package (``main.py`` doing ``from routes.auth import router`` beside ``routes/auth.py``, run as
    ``cd backend && uvicorn main:app``): the script's folder, which Python puts on ``sys.path``."""
    found: set[Path] = set()
    for summary, file in located:
        if file is None or summary.is_package or "." in summary.module or file.parent in found:
            continue
        if any("." in module and os.path.isdir(file.parent / module.partition(".")[0]) for _, module in summary.imports):
            found.add(file.parent)
    return frozenset(found)


def _roots_above(folder: Path, top: Path, configured: frozenset[Path]) -> list[Path]:
    """The import roots among ``folder`` and its parents, nearest first: a configured one
    anywhere, a found one at or below ``top``."""
    found: list[Path] = []
    current = folder
    while True:
        inside = current == top or top in current.parents
        if current in configured or (inside and _is_root(current)):
            found.append(current)
        if current.parent == current:
            return found
        current = current.parent


@functools.lru_cache(maxsize=4096)
def _is_root(folder: Path) -> bool:
    if folder.name == "src":
        return True
    return any(os.path.isfile(folder / name) for name in _PROJECT_FILES)


def _dotted(relative: PurePath, is_package: bool) -> str | None:
    parts = list(relative.with_suffix("").parts)
    if is_package:
        parts = parts[:-1]
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)


def _absolute(path: Path) -> Path | None:
    try:
        return Path(os.path.abspath(path))
    except (OSError, ValueError):
        return None
