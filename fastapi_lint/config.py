"""``[tool.fastapi-lint]`` in ``pyproject.toml``: discovery, validation, and rule selection.

Every error names the file and the key, so a typo never silently disables a rule.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from fastapi_lint.diagnostics import Severity

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
    source: Path | None = None  # the pyproject.toml it came from
    root: Path | None = field(default=None)  # the folder holding that file

    def with_overrides(self, **overrides: object) -> Config:
        given = {key: value for key, value in overrides.items() if value is not None}
        return replace(self, **given)  # type: ignore[arg-type]


_LIST_KEYS = {
    "select": "select",
    "ignore": "ignore",
    "extend-select": "extend_select",
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
    "extend-blocking-calls": "extend_blocking_calls",
    "extend-async-safe": "extend_async_safe",
}


def find_pyproject(paths: Iterable[Path]) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.fastapi-lint]`` table, walking up from the paths."""
    for start in paths:
        folder = start.resolve()
        if not folder.is_dir():
            folder = folder.parent
        for candidate in (folder, *folder.parents):
            pyproject = candidate / "pyproject.toml"
            if pyproject.is_file() and _has_table(pyproject):
                return pyproject
    return None


def _has_table(pyproject: Path) -> bool:
    try:
        data = pyproject.read_bytes()
    except OSError:
        return False
    return b"[tool.fastapi-lint" in data or b'"fastapi-lint"' in data


def load(pyproject: Path | None) -> Config:
    if pyproject is None:
        return Config()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{pyproject}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{pyproject}: invalid TOML: {error}") from None
    table = data.get("tool", {}).get("fastapi-lint", {})
    return parse_table(table, pyproject)


def parse_table(table: object, source: Path) -> Config:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [tool.fastapi-lint] must be a table")
    values: dict[str, object] = {}
    for key, value in table.items():
        where = f"{source}: [tool.fastapi-lint] {key}"
        if key in _LIST_KEYS:
            values[_LIST_KEYS[key]] = _strings(value, where)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: expected a table of pattern = [codes]")
            values["per_file_ignores"] = tuple(
                (pattern, _strings(codes, f"{where}.{pattern}")) for pattern, codes in value.items()
            )
        elif key == "fail-on":
            values["fail_on"] = _severity(value, where)
        else:
            raise ConfigError(f"{where}: unknown key (known: {', '.join(sorted([*_LIST_KEYS, 'per-file-ignores', 'fail-on']))})")
    config = Config(source=source, root=source.parent, **values)  # type: ignore[arg-type]
    validate_selectors(config, str(source))
    return config


def _strings(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: expected a list of strings")
    return tuple(value)


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
    names = by_name()
    if selector in names:
        return {names[selector].code}
    matched = {code for code in codes if code.startswith(upper)} if upper.startswith("FAS") else set()
    return matched


def validate_selectors(config: Config, where: str) -> None:
    for key, selectors in (
        ("select", config.select),
        ("ignore", config.ignore),
        ("extend-select", config.extend_select),
        *((f"per-file-ignores.{pattern}", codes) for pattern, codes in config.per_file_ignores),
    ):
        for selector in selectors:
            if not expand(selector):
                raise ConfigError(f"{where}: {key}: unknown rule code or name `{selector}`")


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
    if not config.per_file_ignores:
        return frozenset()
    import pathspec

    relative = _relative(path, config.root)
    ignored: set[str] = set()
    for pattern, codes in config.per_file_ignores:
        spec = pathspec.PathSpec.from_lines("gitwildmatch", [pattern])
        if spec.match_file(relative):
            for code in codes:
                ignored |= expand(code)
    return frozenset(ignored)


def _relative(path: Path, root: Path | None) -> str:
    absolute = path.resolve()
    if root is not None:
        try:
            return absolute.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def parse_selector_option(values: Sequence[str] | None) -> tuple[str, ...] | None:
    """``--select FAS1,FAS2 --select FAS5`` -> ``("FAS1", "FAS2", "FAS5")``."""
    if not values:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())
