"""Paths as the user sees them and as the file system knows them, and the project a file belongs to."""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Iterable
from pathlib import Path

# The cache folder a project keeps at its root (``api.default_cache_dir``).
CACHE_DIR_NAME = ".fastapi_lint_cache"


def real_path(path: str | os.PathLike[str]) -> str | None:
    """The path with links resolved, or None when it cannot be (a NUL byte, a link loop)."""
    try:
        return os.path.realpath(path)
    except (OSError, RuntimeError, ValueError):
        return None


def real_or_absolute(path: str | os.PathLike[str]) -> str:
    """``real_path``, or the path made absolute when it cannot be resolved."""
    real = real_path(path)
    return real if real is not None else os.path.abspath(path)


def real_paths(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """``real_or_absolute`` of each of ``paths``, each folder resolved once: a file that is not a
    link is its folder's real path and its name (one ``lstat``, where ``realpath`` takes one per
    part of the path: a project's thousands of files share a few hundred folders)."""
    folders: dict[str, str | None] = {}
    found: list[str] = []
    for path in paths:
        if os.pardir in os.fspath(path):  # ``link/..`` is not what ``abspath`` makes of it: ``realpath`` decides
            found.append(real_or_absolute(path))
            continue
        absolute = os.path.abspath(path)
        folder, name = os.path.split(absolute)
        try:
            linked = stat.S_ISLNK(os.lstat(absolute).st_mode)
        except (OSError, ValueError):
            linked = True  # missing or unreadable: as ``realpath`` says
        if linked or not name:
            found.append(real_or_absolute(path))
            continue
        if folder not in folders:
            folders[folder] = real_path(folder)
        real_folder = folders[folder]
        found.append(os.path.join(real_folder, name) if real_folder is not None else real_or_absolute(path))
    return found


def display_path(path: Path) -> str:
    """Paths relative to the working folder when under it, as Ruff prints them.

    Symlinks are not followed: a linked file is shown under the name it was found by.
    """
    if not path.is_absolute() and ".." not in path.parts:
        return path.as_posix()  # already relative to the working folder, and normalized by Path
    try:
        cwd = os.getcwd()
    except OSError:  # the working folder was deleted
        return path.as_posix()
    absolute = os.path.abspath(path)
    for base in _bases(cwd):
        try:
            relative = os.path.relpath(absolute, base)
        except ValueError:  # another drive
            continue
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
            return Path(relative).as_posix()
    return path.as_posix()


@functools.lru_cache(maxsize=8)
def _bases(cwd: str) -> tuple[str, ...]:
    """The working folder as given and with links resolved (once per run, not per file)."""
    return tuple(dict.fromkeys((cwd, os.path.realpath(cwd))))


# -- a project for the files given ------------------------------------------------------


def project_scope(targets: list[Path], root: Path | None) -> tuple[list[Path], frozenset[str] | None]:
    """What to lint for ``targets``, and the files to report on (None: everything linted).

    Only when every target is a file: each is linted with its project (``project_root``): the
    configuration's folder (``root``) when the file is under it, else its top package folder,
    else the nearest folder with a pyproject.toml, setup.cfg, setup.py or .git; a file outside
    all of these is linted alone.
    """
    if not targets or not all(_is_file(target) for target in targets):
        return targets, None
    roots: dict[str, Path] = {}
    for target in targets:
        found = project_root(target, root)
        if found is not None:
            roots.setdefault(real_or_absolute(str(found)), found)
    if not roots:
        return targets, None
    return [*roots.values(), *targets], frozenset(real_or_absolute(str(target)) for target in targets)


# What marks a project's top folder when it has no ``[tool.fastapi-lint]`` and its modules no
# ``__init__.py`` (a namespace package, a ``src/`` layout, a flat service).
PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def project_root(path: Path, root: Path | None) -> Path | None:
    """The folder of the project ``path`` belongs to: ``root`` (the configuration's folder) when
    the file is under it, else its top package folder, else the nearest folder above it with a
    ``PROJECT_MARKERS`` entry (never the home folder or the file system's root: a stray file
    must not make a run walk either); None for a file in none of these."""
    absolute = Path(os.path.abspath(path))
    if root is not None:
        configured = Path(os.path.abspath(root))
        if configured in absolute.parents:
            return configured
    folder = absolute.parent
    if not (folder / "__init__.py").is_file():
        return _marked_folder(folder)
    while (folder.parent / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


def _marked_folder(folder: Path) -> Path | None:
    try:
        home: str | None = os.path.abspath(os.path.expanduser("~"))
    except (OSError, KeyError, RuntimeError):
        home = None
    for candidate in (folder, *folder.parents):
        if candidate.parent == candidate or str(candidate) == home:
            return None
        if any(os.path.lexists(candidate / marker) for marker in PROJECT_MARKERS):
            return candidate
    return None


def unplaced_files(targets: list[Path], root: Path | None) -> list[Path]:
    """The files of a run that names only files whose project cannot be found
    (``project_root``): each is linted alone, and what a rule needs from the other modules of
    its project is missed."""
    if not targets or not all(_is_file(target) for target in targets):
        return []
    return [target for target in targets if target.suffix == ".py" and project_root(target, root) is None]


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def repository_root(folder: str) -> str | None:
    """The top of the git repository ``folder`` (absolute) is in: the nearest folder at or above
    it that holds ``.git``; None outside one."""
    here = folder
    while True:
        if os.path.lexists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def is_within(real: str, folder: str) -> bool:
    """Whether the path ``real`` is ``folder`` or below it (both spelled alike: real, absolute or
    relative to the same folder)."""
    return real == folder or real.startswith(folder if folder.endswith(os.sep) else folder + os.sep)
