"""Which files to lint: walk the given paths, skip the usual folders, ``exclude`` patterns,
virtual environments and installed packages (whatever their folders are called), copies of the
project's dependencies (``run/vendored.py``), and what git
ignores (``.gitignore`` files, read as git reads them, and ``.git/info/exclude``).

The linter never runs git: the ignore files are read here, as untrusted input. Each is read
once per run, at most ``GITIGNORE_MAX_BYTES`` of it, never through a symbolic link (git does
not follow one either); its patterns are matched in time linear in the path (``globs``).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi_lint.config import DEFAULT_EXCLUDE, Config, compile_patterns, relative_candidates
from fastapi_lint.globs import PatternSet
from fastapi_lint.paths import display_path, is_within, real_path, repository_root
from fastapi_lint.run.vendored import VendoredCopies
from fastapi_lint.source import describe_size, read_source

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class Discovered:
    files: list[Path]
    missing: list[Path]  # paths given that do not exist (or are broken symlinks)
    skipped: list[Path]  # non-Python files given explicitly, and folders that cannot be read
    # Paths given explicitly that ``force-exclude`` left out (excluded or ignored by git).
    excluded: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # ignore files not read, and why: said once each


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
    ignores = GitIgnores() if config.respect_gitignore else None
    files: list[Path] = []
    missing: list[Path] = []
    skipped: list[Path] = []
    excluded: list[Path] = []
    seen: set[Any] = set()
    for given in paths:
        try:
            mode = given.stat().st_mode
        except (OSError, RuntimeError, ValueError):  # missing, a broken symlink or a symlink loop
            missing.append(given)
            continue
        is_dir = stat.S_ISDIR(mode)
        if config.force_exclude and (is_dir or given.suffix in PYTHON_SUFFIXES) \
                and force_excluded(given, config, is_dir, spec, ignores):
            excluded.append(given)
        elif is_dir:
            for path in _walk(given, spec, config, skipped, bounds, ignores):
                _add(path, files, seen)
        elif stat.S_ISREG(mode) and given.suffix in PYTHON_SUFFIXES:
            # A file named explicitly is linted (as Ruff does), even when excluded or ignored by
            # git, unless ``force-exclude`` (pre-commit names every changed file).
            _add(given, files, seen)
        else:  # a text file, a FIFO, a device: never read
            skipped.append(given)
    return Discovered(files, missing, skipped, excluded, ignores.notes if ignores is not None else [])


def force_excluded(path: Path, config: Config, is_dir: bool = False, spec: PatternSet | None = None,
                   ignores: GitIgnores | None = None) -> bool:
    """Whether ``force-exclude`` leaves out ``path``, named explicitly: the project's ``exclude``
    and ``extend-exclude`` (or the folders skipped by default) match it or a folder above it, or
    (with ``respect-gitignore``) git ignores it."""
    if spec is None:
        spec = _spec(config)
    if _matches(spec, path, config, is_dir):
        return True
    if not config.exclude:
        relative = relative_candidates(path, config.root)[0]
        folders = PurePosixPath(relative).parts if is_dir else PurePosixPath(relative).parts[:-1]
        if any(part in DEFAULT_EXCLUDE or part.endswith(".egg-info") for part in folders):
            return True
    if config.respect_gitignore:
        return (ignores if ignores is not None else GitIgnores()).ignored(path, is_dir)
    return False


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
    root: Path, spec: PatternSet | None, config: Config, unreadable: list[Path], bounds: _Bounds,
    ignores: GitIgnores | None,
) -> Iterator[Path]:
    excluded = set(DEFAULT_EXCLUDE) if not config.exclude else set()
    visited: set[tuple[int, int]] = set()
    copies = VendoredCopies(str(root))
    if _matches(spec, root, config, True):
        # A folder named on the command line is linted even when the configuration excludes
        # it (as a file named there is): its subfolders still honour the default skips.
        spec = None
    # What git ignores, folder by folder: each folder's rules, handed down to its subfolders.
    inherited: dict[str, _Rules] = {}
    if ignores is not None:
        start = ignores.rules_at(str(root))
        if start is not None:
            inherited[str(root)] = start

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
        if folder != str(root) and (_installed_packages(folder, dirnames, filenames) or copies.is_copy(folder, filenames)):
            dirnames[:] = []  # an environment committed to the repository, a dependency's copy: other people's code
            continue
        rules = inherited.pop(folder, None)
        if ignores is not None:
            rules = ignores.enter(rules, folder, ".git" in dirnames or ".git" in filenames, ".gitignore" in filenames)
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in excluded and not d.endswith(".egg-info") and not _matches(spec, base / d, config, True)
            and _may_enter(base / d, bounds) and (rules is None or not rules.ignores(d, True))
        )
        if rules is not None:
            for d in dirnames:
                inherited[os.path.join(folder, d)] = rules.child(d)
        for name in sorted(filenames):
            if not name.endswith(".py") or rules is not None and rules.ignores(name, False):
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


def _installed_packages(folder: str, dirnames: list[str], filenames: list[str]) -> bool:
    """A virtual environment (its ``pyvenv.cfg``; a conda environment's ``conda-meta``) or the
    folder installed packages live in, whatever it is called (``test_env/``, ``site-packages``):
    never the project's own code, and linting it would link the project to a copy of pandas."""
    return ("pyvenv.cfg" in filenames or "conda-meta" in dirnames
            or os.path.basename(folder) in ("site-packages", "dist-packages", "__pypackages__"))


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


def _spec(config: Config) -> PatternSet | None:
    patterns = [*config.exclude, *config.extend_exclude]
    return compile_patterns(patterns) if patterns else None


def _matches(spec: PatternSet | None, path: Path, config: Config, is_dir: bool) -> bool:
    if spec is None:
        return False
    suffix = "/" if is_dir else ""
    return any(spec.match_file(relative + suffix) for relative in relative_candidates(path, config.root))


# -- what git ignores -------------------------------------------------------------------------

# Git reads ignore files of up to 100 MB; real ones are a few kB (GitHub's largest template,
# for Visual Studio, is 7 kB). Past this, a file is no list of patterns worth matching every
# path against: it is not read, and the run says so.
GITIGNORE_MAX_BYTES = 1024 * 1024
GITIGNORE_MAX_PATTERNS = 10_000


@dataclass(frozen=True)
class _Rules:
    """The ignore rules in force in one folder of a repository: its ``.gitignore`` files from the
    folder up to the repository's top (the deepest decides first, as in git), then
    ``.git/info/exclude``. ``folder`` is the folder's path from the repository's top."""

    folder: str
    sets: tuple[tuple[str, PatternSet], ...]  # (the ignore file's folder from the top, its patterns)

    def ignores(self, name: str, is_dir: bool) -> bool:
        """Whether git ignores ``name`` in this folder."""
        path = f"{self.folder}/{name}" if self.folder else name
        for base, patterns in self.sets:
            relative = path[len(base) + 1:] if base else path
            decided = patterns.decide(relative + "/" if is_dir else relative)
            if decided is not None:
                return decided
        return False

    def child(self, name: str) -> _Rules:
        """The rules a subfolder inherits (before its own ``.gitignore``)."""
        return _Rules(f"{self.folder}/{name}" if self.folder else name, self.sets)

    def with_file(self, own: PatternSet | None) -> _Rules:
        return self if own is None else _Rules(self.folder, ((self.folder, own), *self.sets))


class GitIgnores:
    """The ignore files of one run, each read once; ``notes`` says which could not be read."""

    def __init__(self) -> None:
        self._read: dict[str, PatternSet | None] = {}
        self.notes: list[str] = []

    def rules_at(self, folder: str) -> _Rules | None:
        """The rules a walk starting at ``folder`` inherits from the folders above it (its own
        ``.gitignore`` is read when the walk enters it); None outside a git repository. A
        folder named on the command line that those rules ignore is linted (as a file named
        there is): only the ignore files from it down apply in it."""
        absolute = os.path.abspath(folder)
        top = repository_root(absolute)
        if top is None:
            return None
        parts = _parts(absolute, top)
        rules = self._descend(top, parts, own_last=False)
        return rules if rules is not None else _Rules("/".join(parts), ())

    def enter(self, rules: _Rules | None, folder: str, has_git: bool, has_gitignore: bool) -> _Rules | None:
        """The rules in ``folder``, given those it inherits: a repository of its own (a
        submodule, or a repository in a folder git does not manage) starts afresh; its own
        ``.gitignore`` decides first."""
        if has_git and (rules is None or rules.folder):
            rules = _Rules("", self._top_sets(folder))
        if rules is None or not has_gitignore:
            return rules
        return rules.with_file(self._file(os.path.join(folder, ".gitignore")))

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether git ignores ``path`` or a folder above it."""
        folder, name = os.path.split(os.path.abspath(path))
        top = repository_root(folder)
        if top is None:
            return False
        rules = self._descend(top, _parts(folder, top), own_last=True)
        return rules is None or rules.ignores(name, is_dir)

    def _descend(self, top: str, parts: tuple[str, ...], own_last: bool) -> _Rules | None:
        """The rules in the folder ``parts`` below ``top``, with its own ``.gitignore`` when
        ``own_last``; None when git ignores a folder on the way."""
        rules = _Rules("", self._top_sets(top))
        here = top
        for index in range(len(parts) + 1):
            if index:
                part = parts[index - 1]
                if rules.ignores(part, True):
                    return None
                rules = rules.child(part)
                here = os.path.join(here, part)
            if index < len(parts) or own_last:
                rules = rules.with_file(self._file(os.path.join(here, ".gitignore")))
        return rules

    def _top_sets(self, top: str) -> tuple[tuple[str, PatternSet], ...]:
        """``.git/info/exclude`` of the repository at ``top``, read only when ``.git`` is a
        folder there (a ``.git`` file points elsewhere: not followed)."""
        git = os.path.join(top, ".git")
        info = os.path.join(git, "info")
        if os.path.islink(git) or not os.path.isdir(git) or os.path.islink(info):
            return ()
        exclude = self._file(os.path.join(info, "exclude"))
        return (("", exclude),) if exclude is not None else ()

    def _file(self, path: str) -> PatternSet | None:
        if path not in self._read:
            self._read[path] = self._load(path)
        return self._read[path]

    def _load(self, path: str) -> PatternSet | None:
        try:
            if os.path.islink(path):
                return self._not_read(path, "a symbolic link (git does not follow one either)")
            data = read_source(path, GITIGNORE_MAX_BYTES)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        except OSError as error:
            if error.errno == errno.EFBIG:
                return self._not_read(path, f"larger than {describe_size(GITIGNORE_MAX_BYTES)}")
            return self._not_read(path, error.strerror or str(error))
        if b"\0" in data:
            return self._not_read(path, "not a text file (it holds NUL bytes)")
        if data.startswith(b"\xef\xbb\xbf"):  # a byte order mark, which git skips too
            data = data[3:]
        lines = data.decode("utf-8", "surrogateescape").split("\n")
        if sum(1 for line in lines if line.strip() and not line.startswith("#")) > GITIGNORE_MAX_PATTERNS:
            return self._not_read(path, f"more than {GITIGNORE_MAX_PATTERNS:,} patterns")
        return PatternSet(lines, gitignore=True)

    def _not_read(self, path: str, why: str) -> PatternSet | None:
        self.notes.append(f"{display_path(Path(path))}: not read: {why}; what it ignores is linted")
        return None


def _parts(folder: str, top: str) -> tuple[str, ...]:
    relative = os.path.relpath(folder, top)
    return () if relative == os.curdir else Path(relative).parts
