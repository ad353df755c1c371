"""Which files to lint: walk the given paths, skip the usual folders and ``exclude`` patterns."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fastapi_lint.config import DEFAULT_EXCLUDE, Config


@dataclass(frozen=True)
class Discovered:
    files: list[Path]
    missing: list[Path]  # paths given that do not exist
    skipped: list[Path]  # non-Python files given explicitly


def discover(paths: list[Path], config: Config) -> Discovered:
    spec = _spec(config)
    files: list[Path] = []
    missing: list[Path] = []
    skipped: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        if not given.exists():
            missing.append(given)
            continue
        if given.is_file():
            # A file named explicitly is always linted (as Ruff does), if it is Python.
            if given.suffix in (".py", ".pyi") or given.name.endswith(".py"):
                _add(given, files, seen)
            else:
                skipped.append(given)
            continue
        for path in _walk(given, spec, config):
            _add(path, files, seen)
    return Discovered(files, missing, skipped)


def _add(path: Path, files: list[Path], seen: set[Path]) -> None:
    try:
        key = path.resolve()
    except (OSError, RuntimeError):  # symlink loops
        return
    if key not in seen:
        seen.add(key)
        files.append(path)


def _walk(root: Path, spec: object, config: Config) -> Iterator[Path]:
    excluded = set(DEFAULT_EXCLUDE) if not config.exclude else set()
    visited: set[tuple[int, int]] = set()
    for folder, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            stat = os.stat(folder)
        except OSError:
            dirnames[:] = []
            continue
        identity = (stat.st_dev, stat.st_ino)
        if identity in visited:  # a symlink loop
            dirnames[:] = []
            continue
        visited.add(identity)
        base = Path(folder)
        dirnames[:] = sorted(
            d for d in dirnames if d not in excluded and not d.endswith(".egg-info") and not _matches(spec, base / d, config, True)
        )
        for name in sorted(filenames):
            if name.endswith(".py") and not _matches(spec, base / name, config, False):
                yield base / name


def _spec(config: Config) -> object:
    patterns = [*config.exclude, *config.extend_exclude]
    if not patterns:
        return None
    import pathspec

    return pathspec.PathSpec.from_lines("gitwildmatch", patterns)


def _matches(spec: object, path: Path, config: Config, is_dir: bool) -> bool:
    if spec is None:
        return False
    root = (config.root or Path.cwd()).resolve()
    try:
        relative = path.resolve().relative_to(root).as_posix()
    except (ValueError, OSError, RuntimeError):
        relative = path.as_posix()
    if is_dir:
        relative += "/"
    return bool(spec.match_file(relative))  # type: ignore[attr-defined]
