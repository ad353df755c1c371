"""The versions of libraries a project is pinned to, for rules whose claim depends on a version.

A rule that says "deprecated since FastAPI 0.131" is wrong on a project that runs 0.115. The
version is project-level data, not a fact of any one file: phase 1 (per file, cached by the
file's bytes) never reads it; phase 2 asks for it lazily (``Pins.below``), and a run's
carry-over is keyed on the dependency files' contents (``fingerprint``), so that editing a
pin re-runs the rules.

For a module, its declarations are those of the nearest folder above it (up to the
repository's root, the folder holding ``.git``) that declares dependencies: ``pyproject.toml``
(PEP 621 ``[project] dependencies`` and ``optional-dependencies``, PEP 735
``[dependency-groups]``, Poetry's ``[tool.poetry.dependencies]`` and its groups) and
``requirements*.txt`` or ``requirements/*.txt`` (following ``-r``/``-c`` within the
repository), and the older ways: ``setup.py``, ``setup.cfg``, ``Pipfile``. Its lock is the
nearest ``uv.lock``, ``poetry.lock`` or ``Pipfile.lock`` at or above the module.

How a version is decided, for "is the project below version V?":

1. a lock that lists the package: the locked version (the lowest, if it lists several);
2. else an exact pin (``==0.115.2``, Poetry's ``0.115.2``): that version;
3. else a range with a lower bound (``>=0.100``, ``~=0.100.1``, ``^0.100``): its lower bound,
   the oldest release the project says it supports;
4. else a range with only an upper bound: below V when every allowed version is;
5. else (no declaration, no version, a URL): unknown, and the rule says what it always said.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from fastapi_lint.analysis.older_declarations import (
    pipfile_constraints,
    pipfile_lock_versions,
    setup_cfg_requirements,
    setup_py_requirements,
)
from fastapi_lint.source import decode_text, digest_files, read_source

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LOCK_FILES = ("uv.lock", "poetry.lock", "Pipfile.lock")
_OLDER_DECLARATIONS = ("setup.py", "setup.cfg", "Pipfile")
# The most read of a lock file: a large project's ``uv.lock`` runs to a few MiB. Every dependency
# file is read as a source file is (``source.read_source``): a regular file only, never a FIFO
# or a device named ``requirements.txt`` that would stall the run.
MAX_LOCK_BYTES = 64 * 1024 * 1024
# How every name a folder scan looks at begins (most names in a folder are modules: skipped).
_CANDIDATES = ("pyproject.toml", "requirements", ".git", *LOCK_FILES, *_OLDER_DECLARATIONS)
_REQUIREMENTS = re.compile(r"requirements.*\.txt\Z")
_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)\Z", re.S)
_SPECIFIER = re.compile(r"\s*(===|==|!=|~=|<=|>=|<|>|\^|~)?\s*([0-9][0-9A-Za-z.*+!-]*)\s*\Z")
_LOCKED = re.compile(r'^\[\[package\]\]\r?\nname = "([^"]+)"\r?\nversion = "([^"]+)"', re.M)
_INCLUDE = re.compile(r"\s*(?:-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)")
# Enough of PEP 440 to order releases: the release numbers, and whether it is a pre-release.
_RELEASE = re.compile(r"(?:\d+!)?(\d+(?:\.\d+)*)(?:\.?(a|alpha|b|beta|c|rc|pre|preview|dev)\.?\d*)?", re.I)

Version = tuple[tuple[int, ...], int]  # release numbers (no trailing zeros), 0 for a pre-release else 1


def version(text: str) -> Version | None:
    """``"0.131.0"`` -> ``((0, 131), 1)``; a pre-release sorts below its release."""
    match = _RELEASE.match(text.strip())
    if match is None:
        return None
    numbers = [int(part) for part in match.group(1).split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers), 0 if match.group(2) else 1


def normalize(name: str) -> str:
    """PEP 503: ``Starlette``, ``fast_api`` -> ``starlette``, ``fast-api``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Range:
    """What a project's declarations allow for one package."""

    exact: Version | None = None
    lower: Version | None = None
    upper: Version | None = None  # exclusive unless ``upper_inclusive``
    upper_inclusive: bool = False

    def below(self, limit: Version) -> bool | None:
        """Whether the project's version is below ``limit`` (None: unknown)."""
        if self.exact is not None:
            return self.exact < limit
        if self.lower is not None:
            return self.lower < limit
        if self.upper is not None and (self.upper < limit or (self.upper == limit and not self.upper_inclusive)):
            return True  # every version allowed is below
        return None

    def both(self, other: Range) -> Range:
        """Two declarations at once: each must hold."""
        exact = min((v for v in (self.exact, other.exact) if v is not None), default=None)
        lower = max((v for v in (self.lower, other.lower) if v is not None), default=None)
        uppers = [(v, inc) for v, inc in ((self.upper, self.upper_inclusive), (other.upper, other.upper_inclusive)) if v]
        upper, inclusive = min(uppers, key=lambda item: (item[0], item[1])) if uppers else (None, False)
        return Range(exact, lower, upper, inclusive)

    def either(self, other: Range) -> Range:
        """Alternatives (Poetry's ``||`` or a list of constraints): the bounds both keep."""
        if self.exact is not None and self.exact == other.exact:
            return self
        lowers = [self.exact or self.lower, other.exact or other.lower]
        uppers = [(self.exact, True) if self.exact else (self.upper, self.upper_inclusive),
                  (other.exact, True) if other.exact else (other.upper, other.upper_inclusive)]
        lower = min(v for v in lowers if v is not None) if None not in lowers else None
        if any(v is None for v, _ in uppers):
            return Range(lower=lower)
        upper, inclusive = max(uppers, key=lambda item: (item[0], item[1]))
        return Range(lower=lower, upper=upper, upper_inclusive=inclusive)


@dataclass(frozen=True)
class Pin:
    """A package's version as a project states it, and where (for messages and tests)."""

    locked: Version | None
    declared: Range | None
    source: str

    def below(self, limit: Version) -> bool | None:
        if self.locked is not None:
            return self.locked < limit
        return self.declared.below(limit) if self.declared is not None else None


# -- reading declarations ----------------------------------------------------------------


def requirement_range(requirement: str) -> tuple[str, Range] | None:
    """A PEP 508 requirement (``fastapi[all]>=0.100,<1 ; python_version>'3.8'``): its package
    and range; a URL requirement has a package and no range."""
    text = requirement.split(";", 1)[0]
    match = _NAME.match(text)
    if match is None:
        return None
    rest = match.group(3).strip()
    if rest.startswith("@"):
        return normalize(match.group(1)), Range()
    return normalize(match.group(1)), specifiers_range(rest.strip("()"))


def specifiers_range(text: str) -> Range:
    """``>=0.100,<1``, ``==0.115.*``, Poetry's ``^0.115``, ``~0.115``, ``0.115.2``, ``a || b``."""
    if "||" in text or "|" in text:
        alternatives = [specifiers_range(part) for part in re.split(r"\|\|?", text)]
        result = alternatives[0]
        for other in alternatives[1:]:
            result = result.either(other)
        return result
    found = Range()
    # ``>= 0.100, < 1`` and Poetry's ``>=0.100 <1``: one specifier per operator.
    for part in re.split(r"[,\s]+", re.sub(r"(===|==|!=|~=|<=|>=|<|>|\^|~)\s+", r"\1", text)):
        if part and part != "*":
            found = found.both(_one_specifier(part))
    return found


def _one_specifier(text: str) -> Range:
    match = _SPECIFIER.match(text)
    if match is None:
        return Range()
    operator, written = match.group(1) or "==", match.group(2)
    parsed = version(written.rstrip(".*"))
    if parsed is None:
        return Range()
    if operator in ("==", "===") and not written.endswith("*"):
        return Range(exact=parsed)
    if operator in ("==", ">=", ">", "~=", "^", "~"):  # ``==0.115.*`` allows 0.115.0 and up
        return Range(lower=parsed)
    if operator in ("<", "<="):
        return Range(upper=parsed, upper_inclusive=operator == "<=")
    return Range()  # != excludes one release: no bound


def pyproject_ranges(data: dict[str, Any]) -> dict[str, Range]:
    """Every dependency a ``pyproject.toml`` declares, PEP 621 and Poetry alike."""
    project = data.get("project")
    requirements: list[object] = []
    if isinstance(project, dict):
        requirements.extend(_listed(project.get("dependencies")))
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for listed in optional.values():
                requirements.extend(_listed(listed))
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        for listed in groups.values():
            requirements.extend(_listed(listed))
    return _constrained(_requirements_of([item for item in requirements if isinstance(item, str)]), poetry_dependency_tables(data))


def poetry_dependency_tables(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Poetry's dependency tables of a ``pyproject.toml``: the main one, the old dev one, each group's."""
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if not isinstance(poetry, dict):
        return []
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    groups = poetry.get("group")
    if isinstance(groups, dict):
        tables.extend(group.get("dependencies") for group in groups.values() if isinstance(group, dict))
    return [table for table in tables if isinstance(table, dict)]


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _poetry_range(constraint: object) -> Range:
    if isinstance(constraint, str):
        return specifiers_range(constraint)
    if isinstance(constraint, dict):
        written = constraint.get("version")
        return specifiers_range(written) if isinstance(written, str) else Range()
    if isinstance(constraint, list) and constraint:
        ranges = [_poetry_range(item) for item in constraint]
        result = ranges[0]
        for other in ranges[1:]:
            result = result.either(other)
        return result
    return Range()


def _add(found: dict[str, Range], name: str, declared: Range) -> None:
    found[name] = found[name].both(declared) if name in found else declared


def requirements_ranges(path: Path, boundary: Path, seen: set[Path] | None = None) -> dict[str, Range]:
    """A requirements file's declarations, with the files it includes (``-r``, ``-c``) that lie
    within ``boundary``."""
    seen = set() if seen is None else seen
    found: dict[str, Range] = {}
    for included, line in _requirement_lines(path, boundary, seen):
        if included is not None:
            for name, declared in requirements_ranges(included, boundary, seen).items():
                _add(found, name, declared)
        elif line:
            parsed = requirement_range(line)
            if parsed is not None:
                _add(found, *parsed)
    return found


def _requirement_lines(path: Path, boundary: Path, seen: set[Path]) -> list[tuple[Path | None, str]]:
    """Each requirement of a file, or a file it includes (already read files are skipped)."""
    real = Path(os.path.realpath(path))
    if real in seen:
        return []
    seen.add(real)
    try:
        text = decode_text(read_source(real))
    except OSError:
        return []
    found: list[tuple[Path | None, str]] = []
    for line in text.replace("\\\n", " ").splitlines():
        line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
        include = _INCLUDE.match(line)
        if include is not None:
            target = Path(os.path.realpath(real.parent / include.group(1)))
            if _within(target, boundary):
                found.append((target, ""))
        elif line and not line.startswith("-"):
            found.append((None, line.split(" --", 1)[0]))
    return found


def _within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(os.path.realpath(folder))
    except ValueError:
        return False
    return True


def locked_versions(text: str, pipfile: bool = False) -> dict[str, list[Version]]:
    """``uv.lock``/``poetry.lock`` (or a ``Pipfile.lock``'s JSON): each package's locked versions (a fork may lock several).

    Read with a pattern, not a TOML parser: both formats start a package with its name and
    version, and a large lock (1 MB) parses in a third of a second but scans in milliseconds.
    """
    found: dict[str, list[Version]] = {}
    for name, written in pipfile_lock_versions(text) if pipfile else _LOCKED.findall(text):
        parsed = version(written)
        if parsed is not None:
            found.setdefault(normalize(name), []).append(parsed)
    return found


# -- where a module's declarations and lock are ------------------------------------------


@dataclass
class _Folder:
    """What one folder holds of a project's dependency files."""

    declarations: list[Path] = field(default_factory=list)
    lock: Path | None = None
    boundary: bool = False  # a repository's root: the walk up stops here


def _scan(where: str) -> _Folder:
    found = _Folder()
    try:
        names = sorted(os.listdir(where))
    except OSError:
        return found
    folder = Path(where)
    for name in names:
        if not name.startswith(_CANDIDATES):
            continue
        if name == "pyproject.toml" and _declares(folder / name):
            found.declarations.append(folder / name)
        elif _REQUIREMENTS.match(name) or name in _OLDER_DECLARATIONS:
            found.declarations.append(folder / name)
        elif name == "requirements" and (folder / name).is_dir():
            try:
                found.declarations.extend(sorted(p for p in (folder / name).glob("*.txt") if p.is_file()))
            except OSError:
                pass
        elif name in LOCK_FILES and found.lock is None:
            found.lock = folder / name
        elif name == ".git":
            found.boundary = True
    return found


def _declares(pyproject: Path) -> bool:
    """Whether a ``pyproject.toml`` declares dependencies (not only a tool's configuration)."""
    try:
        data = read_source(pyproject)
    except OSError:
        return False
    return any(key in data for key in (b"dependencies", b"[tool.poetry"))


# A folder's declaration files, its lock, and the repository root above it.
_Governing = tuple[tuple[Path, ...], Optional[Path], Path]


class Pins:
    """The project's pins, read when a rule first asks (most runs never ask)."""

    def __init__(self, paths: dict[str, Path] | None = None) -> None:
        # displayed module path -> its file on disk
        self._paths = paths if paths is not None else {}
        self._folders: dict[str, _Folder] = {}
        self._governed: dict[str, _Governing] = {}
        self._ranges: dict[Path, dict[str, Range]] = {}
        self._locks: dict[Path, dict[str, list[Version]]] = {}

    @classmethod
    def none(cls) -> Pins:
        """No files to read: every version unknown (a snippet linted from memory)."""
        return cls({})

    def below(self, package: str, module_path: str, limit: str) -> bool:
        """Whether the project the module belongs to is known to run ``package`` below ``limit``."""
        pin = self.pin(package, module_path)
        wanted = version(limit)
        return pin is not None and wanted is not None and pin.below(wanted) is True

    def pin(self, package: str, module_path: str) -> Pin | None:
        folder = self._folder_of(module_path)
        if folder is None:
            return None
        declarations, lock, boundary = self._governing(folder)
        name = normalize(package)
        locked = self._locked(lock).get(name) if lock is not None else None
        declared: Range | None = None
        for file in declarations:
            found = self._declared(file, boundary).get(name)
            if found is not None:
                declared = found if declared is None else declared.both(found)
        if locked:
            return Pin(min(locked), declared, str(lock))
        if declared is not None:
            return Pin(None, declared, ", ".join(str(f) for f in declarations))
        return None

    def files(self) -> list[Path]:
        """Every dependency file that could decide a version for these modules (sorted)."""
        # Strings, not Paths: a large project has thousands of modules in a few hundred folders.
        folders = {os.path.abspath(folder or ".") for folder in {os.path.dirname(path) for path in self._paths.values()}}
        governing = {self._governing(folder) for folder in folders}
        found: set[Path] = set()
        for declarations, lock, boundary in governing:
            found.update(declarations)
            if lock is not None:
                found.add(lock)
        requirements = {(file, boundary) for declarations, _, boundary in governing for file in declarations}
        for file, boundary in requirements:
            if file.name != "pyproject.toml":
                seen: set[Path] = set()
                self._includes(file, boundary, seen)
                found.update(seen)
        return sorted(found)

    def _includes(self, file: Path, boundary: Path, seen: set[Path]) -> None:
        for included, _ in _requirement_lines(file, boundary, seen):
            if included is not None:
                self._includes(included, boundary, seen)

    def _folder_of(self, module_path: str) -> str | None:
        path = self._paths.get(module_path)
        return os.path.dirname(os.path.abspath(path)) if path is not None else None

    def _governing(self, folder: str) -> _Governing:
        """The declarations and the lock that govern modules in ``folder`` (the nearest at or
        above it), and the repository root, worked out once per folder from its parent's."""
        found = self._governed.get(folder)
        if found is None:
            scanned = self._scanned(folder)
            parent = os.path.dirname(folder)
            if scanned.boundary or parent == folder:
                found = (tuple(scanned.declarations), scanned.lock, Path(folder))
            else:
                declarations, lock, boundary = self._governing(parent)
                found = (tuple(scanned.declarations) or declarations, scanned.lock or lock, boundary)
            self._governed[folder] = found
        return found

    def _scanned(self, folder: str) -> _Folder:
        found = self._folders.get(folder)
        if found is None:
            found = self._folders[folder] = _scan(folder)
        return found

    def _declared(self, file: Path, boundary: Path) -> dict[str, Range]:
        found = self._ranges.get(file)
        if found is None:
            found = self._ranges[file] = read_declarations(file, boundary)
        return found

    def _locked(self, lock: Path) -> dict[str, list[Version]]:
        found = self._locks.get(lock)
        if found is None:
            try:
                text = decode_text(read_source(lock, MAX_LOCK_BYTES))
            except OSError:
                text = ""
            found = self._locks[lock] = locked_versions(text, pipfile=lock.name == "Pipfile.lock")
        return found


def declaration_files(folder: str) -> list[Path]:
    """The files in ``folder`` that declare dependencies: a ``pyproject.toml`` that does,
    ``requirements*.txt``, ``requirements/*.txt``, ``setup.py``, ``setup.cfg``, ``Pipfile``."""
    return _scan(folder).declarations


def read_declarations(file: Path, boundary: Path) -> dict[str, Range]:
    """What a declaration file (``declaration_files``) declares; its includes read within ``boundary``."""
    if file.name in ("pyproject.toml", "Pipfile"):
        data = read_pyproject(file)
        return pyproject_ranges(data) if file.name == "pyproject.toml" else _constrained({}, [pipfile_constraints(data)])
    if file.name in ("setup.py", "setup.cfg"):
        return _requirements_of((setup_py_requirements if file.name == "setup.py" else setup_cfg_requirements)(file))
    return requirements_ranges(file, boundary)


def _requirements_of(requirements: list[str]) -> dict[str, Range]:
    found: dict[str, Range] = {}
    for parsed in filter(None, map(requirement_range, requirements)):
        _add(found, *parsed)
    return found


def _constrained(found: dict[str, Range], tables: list[dict[str, Any]]) -> dict[str, Range]:
    """``found`` with the packages of Poetry-shaped tables (name -> ``"^0.100"`` or ``{version = ...}``)."""
    for table in tables:
        for name, constraint in table.items():
            _add(found, normalize(name), _poetry_range(constraint))
    return found


def read_pyproject(file: Path) -> dict[str, Any]:
    """A ``pyproject.toml``'s tables; empty when it cannot be read or is not TOML."""
    try:
        return tomllib.loads(read_source(file).decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def fingerprint(pins: Pins) -> str:
    """A digest of the dependency files' paths and contents: what the carry-over of a cached
    run (``carry_over.py``) compares, so that a changed pin or lock re-runs the rules."""
    return digest_files(pins.files(), MAX_LOCK_BYTES)
