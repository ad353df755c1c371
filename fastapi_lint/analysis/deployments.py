"""The modules a project's deployment files start: which of its apps are served.

A service often keeps apps it does not deploy beside the one it does: a feature's stand-alone
``main.py`` for development, an older server next to its replacement, an example. When the files
that start the service (a ``Dockerfile``'s ``CMD``, a compose file's ``command``, a ``Procfile``,
a start script) name the module it runs (``uvicorn app.main:app``, ``gunicorn svc.api:create_app()``,
``python -m app.server``, ``fastapi run app/main.py``), an app defined in a module below that
module's folder that neither it nor anything it imports loads is not served
(``scope_closure.undeployed_routes``). The repository's README counts too, for the servers'
targets it names (``uvicorn app.main:app`` in its "how to run"), not the files and modules its
prose names in passing: a backup copy of the monolith (``app/main_old.py``) beside the app it
starts is not served. Nothing changes when no deployment file names a module of the project.

The files looked at, for every folder holding a module and each folder above it up to the
repository's root (the folder holding ``.git``; without one, the highest folder holding a
module): ``Dockerfile``/``Containerfile`` (and ``*.dockerfile``), compose files, ``Procfile``,
shell scripts, ``Makefile``, ``fly.toml``, ``supervisord*.conf``, and every YAML file of a child
folder named like a deployment's (``docker``, ``deploy``, ``k8s``, ``helm``, ...). Each is read
as a source file is (a regular file only, at most ``MAX_BYTES``), never executed; their digest
keys the carry-over of a cached run, like the dependency pins'.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from fastapi_lint.paths import is_within, repository_root
from fastapi_lint.source import decode_text, digest_files, read_source

MAX_BYTES = 512 * 1024
# At most this many files are read, nearest folders first: a deployment is described in a few.
MAX_FILES = 200
_FILE_NAMES = re.compile(
    r"((Dockerfile|Containerfile)([.-].*)?|.*\.(dockerfile|containerfile)|(docker-)?compose.*\.ya?ml|Procfile.*"
    r"|.*\.sh|Makefile|justfile|fly\.toml|supervisord.*\.conf|app\.ya?ml|render\.ya?ml|railway\.(toml|json))\Z",
    re.I,
)
_FOLDERS = frozenset({"docker", ".docker", "deploy", "deployment", "deployments", "infra", "k8s", "kubernetes",
                      "helm", "ops", "scripts", "bin", ".devcontainer", "compose", "charts"})
_YAML = re.compile(r".*\.ya?ml\Z", re.I)
_README = re.compile(r"README(\.(md|rst|txt|markdown))?\Z", re.I)
# ``app.main:app``, ``api:create_app()``: an ASGI server's target (uvicorn, gunicorn, hypercorn,
# granian, daphne); ``localhost:8000`` or ``python:3.12`` never name an attribute.
_TARGET = re.compile(r"(?<![\w./:-])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*)(?:\(\))?(?![\w.:/])")
_MODULE_RUN = re.compile(r"(?<![\w-])-m\s+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")
_SCRIPT = re.compile(r"(?<![\w.])((?:[\w.-]+/)*[\w.-]+\.py)(?![\w])")


class Deployments:
    """The deployment files governing a project's modules, and the modules they name."""

    def __init__(self, paths: dict[str, Path]) -> None:
        """``paths``: each module's file, by displayed path."""
        self._paths = paths
        self._files: list[Path] | None = None
        self._named: tuple[frozenset[tuple[str, str]], frozenset[str], frozenset[str]] | None = None
        self._beside: frozenset[tuple[str, str | None]] = frozenset()

    @classmethod
    def none(cls) -> Deployments:
        return cls({})

    def files(self) -> list[Path]:
        """The deployment files found, nearest folders first (at most ``MAX_FILES``)."""
        if self._files is None:
            self._files = _found(self._paths)
        return self._files

    def named(self) -> tuple[frozenset[tuple[str, str]], frozenset[str], frozenset[str]]:
        """What the deployment files start: servers' targets (``("app.main", "app")``), modules
        run with ``-m`` (``app.server``) and scripts (``app/main.py``); not the targets and
        modules that name a file beside the deployment file (``beside``)."""
        if self._named is None:
            settled = time.time_ns() - _SETTLED
            stamps = tuple(map(_stamp, self.files()))
            last = _LAST_NAMED.get(os.getcwd())
            if last is not None and last[:3] == (self._files, stamps, self._paths):
                self._named, self._beside = last[3], last[4]
                return self._named
            targets: set[tuple[str, str]] = set()
            modules: set[str] = set()
            scripts: set[str] = set()
            beside: set[tuple[str, str | None]] = set()
            files = {os.path.abspath(file): shown for shown, file in self._paths.items()}
            for file in self.files():
                try:
                    text = decode_text(read_source(file, MAX_BYTES))
                except OSError:
                    continue
                folder = os.path.dirname(os.path.abspath(file))
                for match in _TARGET.finditer(text):
                    shown = _module_file(files, folder, match.group(1))
                    if shown is None:
                        targets.add((match.group(1), match.group(2)))
                    else:
                        beside.add((shown, match.group(2)))
                if _README.match(file.name):
                    continue  # prose names files and modules in passing; a server's target is a command
                for match in _MODULE_RUN.finditer(text):
                    shown = _module_file(files, folder, match.group(1))
                    if shown is None:
                        modules.add(match.group(1))
                    else:
                        beside.add((shown, None))
                scripts.update(match.group(1).lstrip("./") for match in _SCRIPT.finditer(text))
            self._named = frozenset(targets), frozenset(modules), frozenset(script for script in scripts if script)
            self._beside = frozenset(beside)
            _remember(_LAST_NAMED, (self._files, stamps, self._paths, self._named, self._beside), stamps, settled)
        return self._named

    def same_as(self, other: Deployments) -> bool:
        """Whether these files name what ``other``'s named when it read them, for the same modules:
        what a placing read of them (``scope_cutoff.py``)."""
        return self._paths == other._paths and self.named() == other.named() and self.beside() == other.beside()

    def beside(self) -> frozenset[tuple[str, str | None]]:
        """The modules (by displayed path) that a deployment file starts by a dotted name of a
        file beside it (``uvicorn app.main:app`` in ``svc/Dockerfile``: ``svc/app/main.py``),
        each with the attribute it serves (None: run with ``-m``). In a tree of several
        services, each started by its own, that names the module whatever the project calls it."""
        self.named()
        return self._beside


def _module_file(files: dict[str, str], folder: str, dotted: str) -> str | None:
    """The displayed path of the module ``dotted`` names below ``folder``, if it is one of ``files``."""
    base = os.path.join(folder, *dotted.split("."))
    return files.get(base + ".py") or files.get(os.path.join(base, "__init__.py"))


def fingerprint(deployments: Deployments) -> str:
    """A digest of the deployment files' paths and contents (``pipeline.run_inputs``)."""
    return digest_files(deployments.files(), MAX_BYTES)


# A long-lived process (``check --daemon``, the language server) links the project again after
# every edit, and a deployment file seldom comes or goes: what the last search found for the same
# modules is found again while each folder it looked in (for files, and for ``.git`` above) keeps
# its stamp (a file written, deleted or renamed in it moves it); and what the files named, while
# each file keeps its own. By working folder (relative paths are read from it). Not when a stamp
# was less than ``_SETTLED`` old when taken: a change within the file system's clock tick after
# it would leave the stamp as it was (as git's index treats a file "racily clean").
_SETTLED = 2_000_000_000  # ns
_T = TypeVar("_T")
_LAST_FOUND: dict[str, tuple[dict[str, Path], dict[str, tuple[int, int, int]], list[Path]]] = {}
_LAST_NAMED: dict[str, tuple[list[Path] | None, tuple[tuple[int, int, int], ...], dict[str, Path],
                             tuple[frozenset[tuple[str, str]], frozenset[str], frozenset[str]],
                             frozenset[tuple[str, str | None]]]] = {}


def _found(paths: dict[str, Path]) -> list[Path]:
    """``_find``'s answer, the last one's when nothing it looked at moved."""
    cwd = os.getcwd()
    last = _LAST_FOUND.get(cwd)
    if last is not None and last[0] == paths and all(_stamp(folder) == stamp for folder, stamp in last[1].items()):
        return list(last[2])
    looked: dict[str, tuple[int, int, int]] = {}
    settled = time.time_ns() - _SETTLED
    found = _find(paths, looked)
    _remember(_LAST_FOUND, (dict(paths), looked, found), looked.values(), settled)
    return list(found)


def _remember(memo: dict[str, _T], entry: _T, stamps: Iterable[tuple[int, int, int]], settled: int) -> None:
    """``entry`` kept for the working folder when every stamp it was found by is older than
    ``settled`` (a time, in ns), else what was kept there forgotten."""
    if all(stamp[0] < settled for stamp in stamps):
        memo[os.getcwd()] = entry
    else:
        memo.pop(os.getcwd(), None)


def _stamp(path: str | Path) -> tuple[int, int, int]:
    """A file's or a folder's modification time, size and inode (not following a link)."""
    try:
        found = os.stat(path, follow_symlinks=False)
    except OSError:
        return (-1, -1, -1)
    return (found.st_mtime_ns, found.st_size, found.st_ino)


def _find(paths: dict[str, Path], looked: dict[str, tuple[int, int, int]]) -> list[Path]:
    """The deployment files, with the stamp of each folder looked in (taken before looking) in ``looked``."""
    module_folders = {os.path.dirname(os.path.abspath(path)) for path in paths.values()}
    if not module_folders:
        return []
    above = os.path.commonpath(sorted(module_folders))
    while True:  # where ``.git`` is looked for
        looked[above] = _stamp(above)
        if os.path.dirname(above) == above:
            break
        above = os.path.dirname(above)
    top = _top(module_folders)
    folders: dict[str, int] = {}  # folder -> how far above a module's folder it is
    for folder in module_folders:
        depth = 0
        while True:
            if folders.get(folder, depth + 1) > depth:
                folders[folder] = depth
            parent = os.path.dirname(folder)
            if folder == top or parent == folder or not is_within(parent, top):
                break
            folder, depth = parent, depth + 1
    found: list[Path] = []
    for folder in sorted(folders, key=lambda f: (folders[f], f)):
        found.extend(_scan(folder, looked))
        if len(found) >= MAX_FILES:
            break
    # the repository's README too: how to run the service (``uvicorn app.main:app``)
    found.extend(Path(entry.path) for entry, is_folder in _entries(top, looked) if not is_folder and _README.match(entry.name))
    return found[:MAX_FILES]


def _top(module_folders: set[str]) -> str:
    """The repository's root above the modules (the nearest folder holding ``.git`` above
    their common folder), else their common folder."""
    common = os.path.commonpath(sorted(module_folders))
    return repository_root(common) or common


def _scan(folder: str, looked: dict[str, tuple[int, int, int]]) -> list[Path]:
    found: list[Path] = []
    for entry, is_folder in _entries(folder, looked):
        if is_folder and entry.name.lower() in _FOLDERS:
            found.extend(Path(inner.path) for inner, inner_is_folder in _entries(entry.path, looked)
                         if not inner_is_folder and (_FILE_NAMES.match(inner.name) or _YAML.match(inner.name)))
        elif not is_folder and _FILE_NAMES.match(entry.name):
            found.append(Path(entry.path))
    return found


def _entries(folder: str, looked: dict[str, tuple[int, int, int]]) -> list[tuple[os.DirEntry[str], bool]]:
    """A folder's entries, sorted, each with whether it is a folder (a link is neither followed
    nor read: a repository is untrusted input); its stamp in ``looked``."""
    looked[folder] = _stamp(folder)
    try:
        with os.scandir(folder) as scanned:
            entries = sorted(scanned, key=lambda entry: entry.name)
    except OSError:
        return []
    found: list[tuple[os.DirEntry[str], bool]] = []
    for entry in entries:
        try:
            if entry.is_symlink():
                continue
            found.append((entry, entry.is_dir(follow_symlinks=False)))
        except OSError:
            continue
    return found
