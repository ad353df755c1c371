"""``[tool.fastapi-lint]`` in ``pyproject.toml``: discovery, validation, and rule selection.

Every error names the file and the key, so a typo never silently disables a rule.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from fastapi_lint import REPOSITORY_URL
from fastapi_lint.diagnostics import Severity
from fastapi_lint.globs import PatternError, PatternSet
from fastapi_lint.paths import real_path
from fastapi_lint.source import read_source

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_EXCLUDE = (".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", "build", "dist", ".tox",
                   ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".fastapi_lint_cache", ".eggs")


class ConfigError(Exception):
    """A configuration problem, already worded for the user."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    extend_blocking_calls: tuple[str, ...] = ()
    extend_async_safe: tuple[str, ...] = ()
    fail_on: Severity = Severity.INFO
    # Which event-loop findings to show (``analysis/scope.py``): "server", what may run on a served
    # app's loop; "all", wherever the code runs (tests, startup, scripts, private loops too).
    scope: str = "server"
    # A file of accepted findings (``baseline.py``): only findings it does not hold are reported.
    baseline: Path | None = None
    # Folders the project's packages are imported from (relative to ``root``), beside the ones
    # found by their project files (``analysis/roots.py``): Ruff's and mypy's ``src``.
    src: tuple[str, ...] = ()
    # Files and folders named explicitly (pre-commit's changed files) honour ``exclude`` too.
    force_exclude: bool = False
    # Severities chosen per rule (code, severity), in the order given: a later selector wins.
    severity: tuple[tuple[str, Severity], ...] = ()
    # Folder walks skip what git ignores (``.gitignore`` files, ``.git/info/exclude``).
    respect_gitignore: bool = True
    # The project's environment (``environment.py``): a virtualenv's folder or its interpreter,
    # ``none`` for none; unset: found by itself.
    python: str | None = None
    source: Path | None = None  # the pyproject.toml it came from
    root: Path | None = field(default=None)  # the folder holding that file

    def with_overrides(self, **overrides: object) -> Config:
        given = {key: value for key, value in overrides.items() if value is not None}
        return replace(self, **given)  # type: ignore[arg-type]


def find_pyproject(paths: Iterable[Path]) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.fastapi-lint]`` table, walking up from the paths."""
    return next(filter(None, nearest_pyprojects(paths)), None)


def nearest_pyprojects(paths: Iterable[Path]) -> Iterator[Path | None]:
    """For each path, the nearest ``pyproject.toml`` with a ``[tool.fastapi-lint]`` table above it
    (None: none), each ``pyproject.toml`` read once."""
    known: dict[Path, bool] = {}
    for start in paths:
        folder = Path(os.path.abspath(start))  # symlinks kept, and a symlink loop cannot raise
        try:
            is_dir = folder.is_dir()
        except (OSError, RuntimeError, ValueError):
            is_dir = False
        if not is_dir:
            folder = folder.parent
        found = None
        for candidate in (folder, *folder.parents):
            pyproject = candidate / "pyproject.toml"
            if pyproject not in known:
                known[pyproject] = _has_table(pyproject)
            if known[pyproject]:
                found = pyproject
                break
        yield found


def _has_table(pyproject: Path) -> bool:
    """Whether the file has a ``[tool.fastapi-lint]`` table (however it is spelled in TOML).

    A file that mentions fastapi-lint but cannot be read as TOML counts, so that ``load``
    reports the problem instead of the linter silently using its defaults.
    """
    try:
        if not pyproject.is_file():
            return False
        data = read_source(pyproject)
    except (OSError, ValueError):
        return False
    if b"fastapi-lint" not in data:
        return False
    try:
        tool = tomllib.loads(data.decode("utf-8")).get("tool")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    return isinstance(tool, dict) and "fastapi-lint" in tool


def load(pyproject: Path | None) -> Config:
    if pyproject is None:
        return Config()
    try:
        data = tomllib.loads(read_source(pyproject).decode("utf-8"))
    except OSError as error:
        raise ConfigError(f"{pyproject}: cannot read the file: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{pyproject}: cannot read the file: not UTF-8 ({error.reason})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{pyproject}: invalid TOML: {error}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{pyproject}: [tool] must be a table")
    return parse_table(tool.get("fastapi-lint", {}), pyproject)


@dataclass(frozen=True)
class Key:
    """A key of ``[tool.fastapi-lint]``: the ``Config`` field it sets, how its value is read (or
    why it is refused), and what the JSON Schema of the configuration says of it."""

    name: str
    field: str
    help: str
    schema: dict[str, object]
    read: Callable[[object, str, Path], object]


def _list_of_strings(check: Callable[[Sequence[str], str], None] | None = None) -> Callable[[object, str, Path], object]:
    def read(value: object, where: str, source: Path) -> object:
        found = _strings(value, where)
        if check is not None:
            check(found, where)
        return found
    return read


def _boolean(value: object, where: str, source: Path) -> object:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false")
    return value


def _per_file_ignores(value: object, where: str, source: Path) -> object:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table of pattern = [codes]")
    found = tuple((pattern, _strings(codes, f"{where}.{_quote(pattern)}")) for pattern, codes in value.items())
    for pattern, _ in found:
        _check_patterns((pattern,), f"{where}.{_quote(pattern)}")
    return found


def _severities(value: object, where: str, source: Path) -> object:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table of rule = severity (error, warning, info)")
    return tuple((selector, _severity(level, f"{where}.{_quote(selector)}")) for selector, level in value.items())


def _baseline(value: object, where: str, source: Path) -> object:
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise ConfigError(f"{where}: expected the path of a baseline file (relative to this pyproject.toml)")
    return source.parent / value


def no_python(value: str) -> bool:
    """``python = "none"`` (``--python none``): no environment, not even one found by itself."""
    return value.strip().lower() == "none"


def _python(value: object, where: str, source: Path) -> object:
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise ConfigError(f"{where}: expected the path of a virtualenv or its interpreter, or `none`")
    return value if no_python(value) else str(source.parent / Path(value).expanduser())


_STRINGS: dict[str, object] = {"type": "array", "items": {"type": "string"}}
_SEVERITY_NAMES = ["error", "warning", "info"]

KEYS: tuple[Key, ...] = (
    Key("select", "select", "Rules to run, replacing the defaults: codes, prefixes (`FAS1`), names or `ALL`.",
        _STRINGS, _list_of_strings()),
    Key("extend-select", "extend_select", "Rules to run besides the selected ones.", _STRINGS, _list_of_strings()),
    Key("ignore", "ignore", "Rules not to run.", _STRINGS, _list_of_strings()),
    Key("per-file-ignores", "per_file_ignores",
        "Rules not to run on files matching a gitignore-style pattern (relative to this pyproject.toml).",
        {"type": "object", "additionalProperties": _STRINGS}, _per_file_ignores),
    Key("severity", "severity",
        "A severity per rule (codes, prefixes, names or `ALL`; a later entry wins): error, warning or info.",
        {"type": "object", "additionalProperties": {"enum": _SEVERITY_NAMES}}, _severities),
    Key("fail-on", "fail_on", "The least severe finding that makes the run fail (exit code 1).",
        {"enum": _SEVERITY_NAMES}, lambda value, where, source: _severity(value, where)),
    Key("scope", "scope", "Where event-loop findings are shown: `server` (where code may run on a served "
        "app's loop) or `all` (tests, startup, scripts, private loops too).",
        {"enum": ["server", "all"]}, lambda value, where, source: parse_scope(value, where)),
    Key("baseline", "baseline", "A file of accepted findings (relative to this pyproject.toml): only "
        "findings it does not hold are reported.", {"type": "string", "minLength": 1}, _baseline),
    Key("exclude", "exclude", "gitignore-style patterns of files and folders not to lint, replacing the "
        "default skipped folders.", _STRINGS, _list_of_strings(lambda found, where: _check_patterns(found, where))),
    Key("extend-exclude", "extend_exclude", "More patterns of files and folders not to lint.", _STRINGS,
        _list_of_strings(lambda found, where: _check_patterns(found, where))),
    Key("force-exclude", "force_exclude", "Files named on the command line honour the exclusions too.",
        {"type": "boolean"}, _boolean),
    Key("respect-gitignore", "respect_gitignore", "Folder walks skip what git ignores.", {"type": "boolean"},
        _boolean),
    Key("src", "src", "Folders the project's packages are imported from (relative to this pyproject.toml), "
        "beside the ones found.", _STRINGS, _list_of_strings(lambda found, where: _check_folders(found, where))),
    Key("python", "python", "The project's virtualenv (its folder or its interpreter, relative to this "
        "pyproject.toml), whose installed packages calls are followed into; `none` for none. Unset: the active "
        "`VIRTUAL_ENV`, else a `.venv` or `venv` folder here.", {"type": "string", "minLength": 1}, _python),
    Key("extend-blocking-calls", "extend_blocking_calls", "More calls that block: dotted paths of callables "
        "as defined, or a prefix ending in `.*`.", _STRINGS,
        _list_of_strings(lambda found, where: _check_call_names(found, where))),
    Key("extend-async-safe", "extend_async_safe", "Calls that look blocking but are not (dotted paths).",
        _STRINGS, _list_of_strings(lambda found, where: _check_call_names(found, where))),
)
_BY_NAME = {key.name: key for key in KEYS}
KNOWN_KEYS = tuple(sorted(_BY_NAME))
SCOPES = ("server", "all")


def parse_table(table: object, source: Path) -> Config:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [tool.fastapi-lint] must be a table")
    values: dict[str, object] = {}
    for name, value in table.items():
        where = f"{source}: [tool.fastapi-lint] {name}"
        key = _BY_NAME.get(name)
        if key is None:
            raise ConfigError(f"{where}: unknown key (known: {', '.join(KNOWN_KEYS)})")
        values[key.field] = key.read(value, where, source)
    config = Config(source=source, root=source.parent, **values)  # type: ignore[arg-type]
    validate_selectors(config, f"{source}: [tool.fastapi-lint]")
    return config


def json_schema() -> dict[str, object]:
    """The JSON Schema of ``[tool.fastapi-lint]`` (``fastapi_lint/schema.json`` is this, written out)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{REPOSITORY_URL}/blob/main/fastapi_lint/schema.json",
        "title": "[tool.fastapi-lint]",
        "description": "fastapi-lint's settings in pyproject.toml.",
        "type": "object",
        "properties": {key.name: {"description": key.help, **key.schema} for key in KEYS},
        "additionalProperties": False,
    }


def parse_scope(value: object, where: str) -> str:
    if isinstance(value, str) and value in SCOPES:
        return value
    raise ConfigError(f"{where}: expected one of {', '.join(SCOPES)}")

# ``mylib.fetch``, ``mylib.Client.get``, ``mylib.*``
_CALL_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\.\*)?")


def _quote(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        got = type(value).__name__ if not isinstance(value, list) else "a list with a non-string item"
        raise ConfigError(f"{where}: expected a list of strings, got {got}")
    return tuple(value)


def _check_patterns(patterns: Sequence[str], where: str) -> None:
    for pattern in patterns:
        if not pattern.strip():
            raise ConfigError(f"{where}: empty pattern")
        try:
            compile_patterns((pattern,))
        except PatternError as error:
            raise ConfigError(f"{where}: invalid pattern `{pattern}`: {error}") from None


def _normalize_pattern(pattern: str) -> str:
    """``./tests/*`` means ``tests/*``: patterns are relative to the configuration's folder."""
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern


def _check_call_names(names: Sequence[str], where: str) -> None:
    for name in names:
        if not _CALL_NAME.fullmatch(name):
            raise ConfigError(f"{where}: `{name}` is not a dotted name (like `mylib.fetch` or `mylib.*`)")


def _check_folders(folders: Sequence[str], where: str) -> None:
    for folder in folders:
        if not folder.strip() or "\0" in folder:
            raise ConfigError(f"{where}: `{folder}` is not a folder name")


def source_roots(config: Config) -> tuple[Path, ...]:
    """The configured ``src`` folders, relative to the configuration's folder (else the working one)."""
    base = config.root if config.root is not None else Path.cwd()
    return tuple(base / folder for folder in config.src)


def severity_of(config: Config, code: str) -> Severity | None:
    """The severity ``[tool.fastapi-lint.severity]`` gives the rule ``code``, if any (the last entry naming it)."""
    found: Severity | None = None
    for selector, level in config.severity:
        if code in expand(selector):
            found = level
    return found


def _severity(value: object, where: str) -> Severity:
    if isinstance(value, str) and value.upper() in Severity.__members__:
        return Severity.parse(value)
    raise ConfigError(f"{where}: expected one of error, warning, info")


# -- selection -------------------------------------------------------------


def expand(selector: str) -> set[str]:
    """Codes a selector names: ``ALL``, a code, a prefix (``FAS1``) or a rule name."""
    from fastapi_lint.rules import by_name, registry

    codes = registry()
    if selector == "ALL":
        return set(codes)
    upper = selector.upper()
    if upper in codes:
        return {upper}
    names = {name.lower(): rule for name, rule in by_name().items()}
    if selector.lower() in names:
        return {names[selector.lower()].code}
    matched = {code for code in codes if code.startswith(upper)} if upper.startswith("FAS") else set()
    return matched


def validate_selectors(config: Config, where: str) -> None:
    for key, selectors in (
        ("select", config.select),
        ("ignore", config.ignore),
        ("extend-select", config.extend_select),
        *((f"per-file-ignores.{_quote(pattern)}", codes) for pattern, codes in config.per_file_ignores),
        *((f"severity.{_quote(selector)}", (selector,)) for selector, _ in config.severity),
    ):
        for selector in selectors:
            if not expand(selector):
                raise ConfigError(f"{where} {key}: unknown rule code or name `{selector}` (see `fastapi-lint rules`)")


def selected_codes(config: Config) -> frozenset[str]:
    """Ruff's order: ``select`` (or the defaults) plus ``extend-select``, minus ``ignore``."""
    from fastapi_lint.rules import registry

    rules = registry()
    if config.select:
        chosen: set[str] = set()
        for selector in config.select:
            chosen |= expand(selector)
    else:
        chosen = {code for code, rule in rules.items() if rule.default_enabled}
    for selector in config.extend_select:
        chosen |= expand(selector)
    for selector in config.ignore:
        chosen -= expand(selector)
    return frozenset(chosen)


def ignored_for_file(config: Config, path: Path) -> frozenset[str]:
    """Codes ``per-file-ignores`` turns off for ``path`` (globs relative to the config's folder)."""
    if not config.per_file_ignores:
        return frozenset()
    # The working folder is part of the key: relative paths and a root-less config depend on it.
    return _ignored_for_file(config, path, os.getcwd())


@lru_cache(maxsize=4096)
def _ignored_for_file(config: Config, path: Path, cwd: str) -> frozenset[str]:
    candidates = relative_candidates(path, config.root)
    ignored: set[str] = set()
    for pattern, codes in config.per_file_ignores:
        spec = _compiled(pattern)
        if any(spec.match_file(relative) for relative in candidates):
            for code in codes:
                ignored |= expand(code)
    return frozenset(ignored)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> PatternSet:
    return compile_patterns((pattern,))


def compile_patterns(patterns: Sequence[str]) -> PatternSet:
    """gitignore-style globs (``tests/*``, ``**/legacy/*.py``, ``/build``), matched in time linear
    in the path whatever the pattern (see ``globs``). Raises ``PatternError``."""
    return PatternSet([_normalize_pattern(p) for p in patterns])


def relative_candidates(path: Path, root: Path | None) -> list[str]:
    """``path`` relative to ``root`` (the configuration's folder, else the working folder).

    First as given (symlinks kept), then with symlinks resolved; a path outside ``root``
    is matched as given, so patterns without a slash (``test_*.py``) still apply.
    """
    base = root if root is not None else Path.cwd()
    found: list[str] = []
    for absolute, folder in ((os.path.abspath(path), os.path.abspath(base)), (real_path(path), real_path(base))):
        if absolute is None or folder is None:
            continue
        try:
            relative = os.path.relpath(absolute, folder)
        except ValueError:  # another drive
            continue
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
            posix = Path(relative).as_posix()
            if posix not in found:
                found.append(posix)
    return found or [path.as_posix()]


def parse_selector_option(values: Sequence[str] | None) -> tuple[str, ...] | None:
    """``--select FAS1,FAS2 --select FAS5`` -> ``("FAS1", "FAS2", "FAS5")``."""
    if not values:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())
