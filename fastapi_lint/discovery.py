"""Which files to lint: walk the given paths, skip the usual folders and ``exclude`` patterns."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi_lint.config import DEFAULT_EXCLUDE, Config, compile_patterns, relative_candidates
from fastapi_lint.globs import PatternSet
from fastapi_lint.paths import real_path

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class Discovered:
    files: list[Path]
    missing: list[Path]  # paths given that do not exist (or are broken symlinks)
    skipped: list[Path]  # non-Python files given explicitly, and folders that cannot be read


@dataclass(frozen=True)
class _Bounds:
    """Where a walk may go: the folders given (links resolved), and whether a link to a
    folder may be followed at all."""

    roots: tuple[str, ...]
    folder_links: bool

    def admit(self, link: Path) -> bool:
        """Whether the link resolves inside one of the roots."""
        real = _real_case(link)
        return real is not None and any(is_within(real, root) for root in self.roots)


def discover(paths: list[Path], config: Config, follow_links: bool = True) -> Discovered:
    """The files to lint under ``paths``, each once.

    A walk stays inside the folders given: a symbolic link met on the way, to a folder or to
    a file, is followed only when it resolves inside one of them (``app/vendor -> ../../other``
    or ``-> /`` is not; neither is ``peer.py -> ~/.ssh/id_rsa``). ``follow_links=False`` (for
    runs that write files) follows no link to a folder at all. What is named in ``paths`` is
    the user's choice, taken as given, links included.
    """
    spec = _spec(config)
    roots = (_real_case(given) for given in paths if _is_dir(given))
    bounds = _Bounds(tuple(root for root in roots if root is not None), follow_links)
    files: list[Path] = []
    missing: list[Path] = []
    skipped: list[Path] = []
    seen: set[Any] = set()
    for given in paths:
        try:
            mode = given.stat().st_mode
        except (OSError, RuntimeError, ValueError):  # missing, a broken symlink or a symlink loop
            missing.append(given)
            continue
        if stat.S_ISDIR(mode):
            for path in _walk(given, spec, config, skipped, bounds):
                _add(path, files, seen)
        elif stat.S_ISREG(mode) and given.suffix in PYTHON_SUFFIXES:
            # A file named explicitly is always linted (as Ruff does), even when excluded.
            _add(given, files, seen)
        else:  # a text file, a FIFO, a device: never read
            skipped.append(given)
    return Discovered(files, missing, skipped)


def _add(path: Path, files: list[Path], seen: set[Any]) -> None:
    """Each file once, even when reached through two names (``a.py`` and a symlink to it)."""
    try:
        info = os.stat(path)
        key: Any = (info.st_dev, info.st_ino)
    except (OSError, ValueError):
        key = os.path.abspath(path)
    if key not in seen:
        seen.add(key)
        files.append(path)


def _walk(
    root: Path, spec: PatternSet | None, config: Config, unreadable: list[Path], bounds: _Bounds
) -> Iterator[Path]:
    excluded = set(DEFAULT_EXCLUDE) if not config.exclude else set()
    visited: set[tuple[int, int]] = set()
    if _matches(spec, root, config, True):
        # A folder named on the command line is linted even when the configuration excludes
        # it (as a file named there is): its subfolders still honour the default skips.
        spec = None

    def failed(error: OSError) -> None:  # a folder that cannot be listed: said, not silently dropped
        if error.filename is not None:
            unreadable.append(Path(error.filename))

    for folder, dirnames, filenames in os.walk(root, onerror=failed, followlinks=True):
        try:
            info = os.stat(folder)
        except OSError:
            dirnames[:] = []
            continue
        identity = (info.st_dev, info.st_ino)
        if identity in visited:  # a symlink loop, or a folder linked twice
            dirnames[:] = []
            continue
        visited.add(identity)
        base = Path(folder)
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in excluded and not d.endswith(".egg-info") and not _matches(spec, base / d, config, True)
            and _may_enter(base / d, bounds)
        )
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = base / name
            try:
                info = os.lstat(path)
                if stat.S_ISLNK(info.st_mode):
                    if not bounds.admit(path):  # a link out of the project: not ours to read
                        continue
                    info = os.stat(path)
                if not stat.S_ISREG(info.st_mode):  # a FIFO named x.py
                    continue
            except OSError:  # a broken symlink or a symlink loop: nothing to read
                continue
            if not _matches(spec, path, config, False):
                yield path


def _may_enter(folder: Path, bounds: _Bounds) -> bool:
    if not os.path.islink(folder):
        return True  # inside its parent, which the walk already entered
    return bounds.folder_links and bounds.admit(folder)


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _real_case(path: Path) -> str | None:
    real = real_path(path)
    return os.path.normcase(real) if real is not None else None


def is_within(real: str, folder: str) -> bool:
    """Whether the real path ``real`` is ``folder`` or below it (``folder`` a real path too)."""
    return real == folder or real.startswith(folder if folder.endswith(os.sep) else folder + os.sep)


def _spec(config: Config) -> PatternSet | None:
    patterns = [*config.exclude, *config.extend_exclude]
    return compile_patterns(patterns) if patterns else None


def _matches(spec: PatternSet | None, path: Path, config: Config, is_dir: bool) -> bool:
    if spec is None:
        return False
    suffix = "/" if is_dir else ""
    return any(spec.match_file(relative + suffix) for relative in relative_candidates(path, config.root))
