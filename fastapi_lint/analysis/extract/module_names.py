"""A file's dotted module name, from the packages above it (folders with ``__init__.py``).

Read from the file system, not the tree: a run names every file before parsing it (the name is
part of the file's cache key), and files share folders, so each folder is looked at once.
"""

from __future__ import annotations

import functools
from pathlib import Path


def module_name(path: Path) -> tuple[str, bool]:
    """Dotted module name from the package roots above ``path`` (folders with ``__init__.py``)."""
    path = _resolved(path)
    is_package = path.name == "__init__.py"
    parts = [*_package_parts(path.parent), *([] if is_package else [path.stem])]
    if not parts:  # an __init__.py outside any package: name it by its folder
        parts.append(path.parent.name)
    return ".".join(parts), is_package


def _resolved(path: Path) -> Path:
    """``path.resolve()``, resolving each folder once: files share folders, and
    resolving walks every component of the path."""
    if path.is_symlink():
        return path.resolve()
    return _resolved_folder(path.parent) / path.name


@functools.lru_cache(maxsize=4096)
def _resolved_folder(folder: Path) -> Path:
    return folder.resolve()


# Folders without ``__init__.py`` that a package may hold in a row: namespace packages inside a
# regular one (``core/main/api/v3/`` under the package ``core.main``), imported by the full name.
_MAX_NAMESPACE_FOLDERS = 3


@functools.lru_cache(maxsize=4096)
def _package_parts(folder: Path) -> tuple[str, ...]:
    """The package names from the outermost package down to ``folder`` (empty: not a package).
    Folders without ``__init__.py`` count when a package holds them (up to a few in a row): Python
    imports them as namespace packages under it. Cached: a run asks once per file, and files
    share folders."""
    names: list[str] = []
    while folder.parent != folder:
        if (folder / "__init__.py").is_file():
            names.append(folder.name)
            folder = folder.parent
            continue
        namespace = _namespace_run(folder)
        if not namespace:
            break
        names += [part.name for part in namespace]
        folder = namespace[-1].parent
    return tuple(reversed(names))


def _namespace_run(folder: Path) -> list[Path]:
    """``folder`` and the folders above it without ``__init__.py``, when a package holds them
    within a few levels and each is a name Python can import (else none)."""
    run: list[Path] = []
    current = folder
    while len(run) < _MAX_NAMESPACE_FOLDERS and current.parent != current and current.name.isidentifier():
        run.append(current)
        current = current.parent
        if (current / "__init__.py").is_file():
            return run
    return []
