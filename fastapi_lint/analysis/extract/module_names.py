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


@functools.lru_cache(maxsize=4096)
def _package_parts(folder: Path) -> tuple[str, ...]:
    """The package names from the outermost package down to ``folder`` (empty: not a package).
    Cached: a run asks once per file, and files share folders."""
    names: list[str] = []
    while folder.parent != folder and (folder / "__init__.py").is_file():
        names.append(folder.name)
        folder = folder.parent
    return tuple(reversed(names))
