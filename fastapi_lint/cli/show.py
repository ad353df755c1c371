"""``check --show-settings`` and ``check --show-files``: what a check of the paths would use, and
on which files, printed without linting anything (Ruff's options of the same names).

The settings of each configuration the paths fall under: the ``pyproject.toml`` read (or none),
every key of ``[tool.fastapi-lint]`` with the value the run would use, the command line's
overrides applied, written as TOML (a key left unset as a comment), then the rules selected.
The files: one per line, as the report names them, after ``exclude``, ``.gitignore`` and
``--force-exclude``, sorted; the files of a one-file run's project that are read for context but
not reported on are not listed. Both exit 0.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from fastapi_lint.cli.options import CheckOptions
from fastapi_lint.cli.output import EXIT_OK, columns, echo_note, fail, stdout_for_report, visible
from fastapi_lint.config import KEYS, Config, selected_codes, severity_of
from fastapi_lint.diagnostics import Severity
from fastapi_lint.paths import display_path


def show(options: CheckOptions, selection: dict[str, tuple[str, ...] | None]) -> int:
    """``--show-settings`` or ``--show-files``, as ``options`` ask; the exit code."""
    from fastapi_lint.api import config_groups

    groups = [(options.configure(found, selection), paths)
              for found, paths in config_groups(options.targets, options.config_file)]
    if options.show_files:
        text = _files_text(groups, options)
    elif options.output_format == "json":
        text = json.dumps([_settings_json(config, paths, options) for config, paths in groups], indent=2) + "\n"
    else:
        text = "\n".join(_settings_text(config, paths, options) for config, paths in groups)
    if options.output_file is not None:
        from fastapi_lint.api import write_report

        try:
            write_report(options.output_file, text)
        except OSError as error:
            fail(f"{options.output_file}: cannot write the {'files' if options.show_files else 'settings'}: "
                 f"{error.strerror or error}")
    else:
        out = stdout_for_report()
        out.write(text)
        out.flush()
    return EXIT_OK


def _files_text(groups: Sequence[tuple[Config, list[Path]]], options: CheckOptions) -> str:
    from fastapi_lint.api import files_to_lint, plan_projects

    projects = plan_projects([(config, paths, None) for config, paths in groups])
    shown: dict[str, None] = {}
    for project in projects:
        found = files_to_lint(project, follow_links=not options.writes)
        for skipped in found.skipped:
            echo_note(f"skipping {skipped}: not a Python file, or a folder that cannot be read")
        for note in found.notes:
            echo_note(note)
        for path in found.files:
            shown.setdefault(display_path(path), None)
    files = sorted(shown)
    if options.output_format == "json":
        return json.dumps(files, indent=2) + "\n"
    return "".join(f"{visible(path)}\n" for path in files)


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, but for characters beyond the BMP)."""
    return json.dumps(text, ensure_ascii=False)


def _value(value: object, table: bool) -> str | None:
    """A setting as TOML (None: unset); ``table``: the key's value is a table of entries."""
    if value is None:
        return None
    if isinstance(value, Severity):
        return _toml_string(value.label)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, Path)):
        return _toml_string(str(value))
    if table and isinstance(value, tuple):  # per-file-ignores (pattern, codes), severity (selector, Severity)
        entries = ", ".join(f"{_toml_string(str(key))} = {_value(item, False)}" for key, item in value)
        return "{ " + entries + " }" if entries else "{}"
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_string(str(item)) for item in value) + "]"
    return _toml_string(str(value))


def _settings_text(config: Config, paths: Sequence[Path], options: CheckOptions) -> str:
    lines = [
        f"Resolved settings for: {', '.join(display_path(path) for path in paths)}",
        f"Settings path: {config.source if config.source is not None else 'none (no [tool.fastapi-lint] found: the defaults)'}",
        f"Cache: {_cache(config, options)}",
        "",
        "[tool.fastapi-lint]",
    ]
    for key in KEYS:
        value = _value(getattr(config, key.field), key.schema.get("type") == "object")
        lines.append(f"{key.name} = {value}" if value is not None else f"# {key.name}: not set")
    rules = _rules(config)
    lines += ["", f"# Rules selected ({len(rules)})"]
    if rules:
        lines.append(columns(("Code", "Name", "Severity", "Fix"), rules))
    return "".join(f"{visible(line) if line else ''}\n" for text in lines for line in text.split("\n"))


def _settings_json(config: Config, paths: Sequence[Path], options: CheckOptions) -> dict[str, object]:
    cache = options.cache_folder(config)
    settings: dict[str, object] = {}
    for key in KEYS:
        value = getattr(config, key.field)
        if isinstance(value, Severity):
            value = value.label
        elif isinstance(value, Path):
            value = str(value)
        elif key.name == "severity":
            value = {selector: level.label for selector, level in value}
        elif key.name == "per-file-ignores":
            value = {pattern: list(codes) for pattern, codes in value}
        elif isinstance(value, tuple):
            value = list(value)
        settings[key.name] = value
    return {
        "paths": [display_path(path) for path in paths],
        "settings_path": str(config.source) if config.source is not None else None,
        "cache_dir": None if cache is None else str(cache),
        "settings": settings,
        "rules": [{"code": code, "name": name, "severity": severity, "fixable": fix == "yes"}
                  for code, name, severity, fix in _rules(config)],
    }


def _cache(config: Config, options: CheckOptions) -> str:
    if options.no_cache:
        return "none (--no-cache)"
    folder = options.cache_folder(config)  # says why when the project's folder is not a cache of ours
    return str(folder) if folder is not None else "none"


def _rules(config: Config) -> list[tuple[str, str, str, str]]:
    """The rules the run would check: code, name, severity (``severity`` applied), fixable."""
    from fastapi_lint.api import all_rules

    chosen = selected_codes(config)
    return [(rule.code, rule.name, (severity_of(config, rule.code) or rule.severity).label,
             "yes" if rule.fixable else "no")
            for rule in all_rules() if rule.code in chosen]
