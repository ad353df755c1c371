"""flake8 entry point: ``flake8 --select FAS``.

flake8 hands a plugin one file at a time, but several rules are project-wide (a
dependency defined in another module, a client built in another file, a route
whose helper lives elsewhere). So each file is linked with the other modules of
its project, found and summarized lazily, once per flake8 process, and kept in a
module-level dict:

- when the CLI's cache (``.fastapi_lint_cache`` at the configuration's folder, or
  the working folder) exists, the project is the one the CLI would lint for that
  file: the ``[tool.fastapi-lint]`` folder when the file is under it, else its top
  package folder; the other files' summaries come from that cache (and refresh it);
- otherwise the project is the file's top package (walking up the folders that
  hold an ``__init__.py``), parsed once per process, no cache written;
- a file in no package and outside any configured project is checked alone, and
  what a rule would need from other modules is unknown: not reported (say less
  rather than guess).

The file itself is always read from what flake8 gives (so unsaved or piped text is
checked as given); the project-wide findings are computed once per project and
configuration while the file on disk is what flake8 checks, else for that file.
Only findings in the file flake8 asked about are reported.

flake8 chooses the codes (``--select``, ``--extend-ignore``, ``per-file-ignores``)
and applies its own ``# noqa``; our ``# noqa`` on a decorator or ``def`` line still
silences a finding about the function. Options, on the command line or under
``[flake8]``: ``fastapi-lint-extend-blocking-calls`` and
``fastapi-lint-extend-async-safe`` (comma-separated dotted names), added to those of
``[tool.fastapi-lint]``.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi_lint import __version__
from fastapi_lint.paths import real_or_absolute

if TYPE_CHECKING:
    from fastapi_lint.analysis.facts import ModuleSummary
    from fastapi_lint.config import Config
    from fastapi_lint.diagnostics import Diagnostic


@dataclass
class _Project:
    """The summaries of one project's files, by real path, and the findings already computed."""

    summaries: dict[str, ModuleSummary] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # real path -> sha256 of the bytes summarized
    findings: dict[Config, dict[str, list[Diagnostic]]] = field(default_factory=dict)


# Project root (real path) -> its facts, for the life of the flake8 process.
_PROJECTS: dict[str, _Project] = {}


class Plugin:
    name = "fastapi-lint"
    version = __version__

    extend_blocking_calls: tuple[str, ...] = ()
    extend_async_safe: tuple[str, ...] = ()
    # FAS901 (unused noqa) is opt-in: it runs only when flake8's selection names it, not for ``FAS``.
    chosen: tuple[str, ...] = ()  # the codes flake8 was told to select (--select, --extend-select)

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager: Any) -> None:
        manager.add_option(
            "--fastapi-lint-extend-blocking-calls", default="", parse_from_config=True, comma_separated_list=True,
            help="fastapi-lint: more calls that block (dotted names, `mylib.*`), comma-separated.",
        )
        manager.add_option(
            "--fastapi-lint-extend-async-safe", default="", parse_from_config=True, comma_separated_list=True,
            help="fastapi-lint: calls that look blocking but are not (dotted names), comma-separated.",
        )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        cls.extend_blocking_calls = _names(getattr(options, "fastapi_lint_extend_blocking_calls", ()))
        cls.extend_async_safe = _names(getattr(options, "fastapi_lint_extend_async_safe", ()))
        # Judged when a file is checked, not here: flake8 parses every plugin's options on start,
        # and a run that selects no FAS code must not pay for importing the linter.
        cls.chosen = tuple(code.upper() for code in (*_names(getattr(options, "select", None) or ()),
                                                     *_names(getattr(options, "extend_select", None) or ())))

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        for d in self.diagnostics():
            yield d.span.line, d.span.col, f"{d.code} {d.message}", type(self)

    def diagnostics(self) -> list[Diagnostic]:
        from fastapi_lint.api import check_summaries, lint_text_in_project
        from fastapi_lint.paths import display_path

        if self.filename in ("-", "stdin", ""):
            path = Path("stdin.py")
        else:
            path = Path(self.filename)
        shown = display_path(path)
        data = self._data(path)
        config = self._config(path)
        project = _project_for(path, config)
        real = real_or_absolute(path)
        if project is not None and project.digests.get(real) == _digest(data):
            # As on disk (where it parsed): one check serves every file of the project.
            found = project.findings.get(config)
            if found is None:
                found = project.findings[config] = _by_path(check_summaries(list(project.summaries.values()), config))
            return list(found.get(shown, []))
        others = [s for key, s in project.summaries.items() if key != real and s.path != shown] if project else []
        linted = lint_text_in_project(path, data, config, display=shown, others=others)
        if linted.context is None:
            return []  # the text does not parse: flake8 reports syntax errors itself (E999)
        return linted.diagnostics

    def _data(self, path: Path) -> bytes:
        """The bytes flake8 checks: the file's own when its text is what flake8 read (keeps
        the encoding), else flake8's lines as UTF-8 (standard input, a changed file)."""
        from fastapi_lint.source import read_source

        text = "".join(self.lines)
        try:
            on_disk = read_source(path)
        except (OSError, ValueError):
            return text.encode("utf-8")
        from fastapi_lint.source import decode

        try:
            same = decode(on_disk).replace("\r\n", "\n").replace("\r", "\n") == text.replace("\r\n", "\n")
        except (SyntaxError, LookupError, UnicodeDecodeError):
            same = False
        return on_disk if same else text.encode("utf-8")

    def _config(self, path: Path) -> Config:
        from fastapi_lint.api import NOQA_AUDIT
        from fastapi_lint.config import Config, ConfigError, find_pyproject, load

        try:
            found = load(find_pyproject([path]))
        except ConfigError:
            found = Config()  # the CLI reports a broken configuration; flake8 keeps going
        # flake8 selects the codes; give it every rule, and neither fail-on nor per-file-ignores.
        return Config(
            select=("ALL",),
            ignore=() if NOQA_AUDIT in self.chosen else (NOQA_AUDIT,),
            extend_blocking_calls=(*found.extend_blocking_calls, *self.extend_blocking_calls),
            extend_async_safe=(*found.extend_async_safe, *self.extend_async_safe),
            exclude=found.exclude,
            extend_exclude=found.extend_exclude,
            root=found.root,
            source=found.source,
        )


def _names(values: Any) -> tuple[str, ...]:
    if isinstance(values, str):
        values = values.split(",")
    return tuple(value.strip() for value in values or () if value and value.strip())


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _by_path(diagnostics: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    found: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        found.setdefault(d.path, []).append(d)
    return found


def _project_for(path: Path, config: Config) -> _Project | None:
    """The project ``path`` belongs to, summarized once per process; None: check the file alone."""
    from fastapi_lint.api import default_cache_dir
    from fastapi_lint.paths import project_root

    cache_dir = default_cache_dir(config)
    cache = cache_dir if cache_dir.is_dir() else None
    root = project_root(path, config.root if cache is not None else None)
    if root is None:
        return None
    key = real_or_absolute(root)
    project = _PROJECTS.get(key)
    if project is None:
        project = _PROJECTS[key] = _summarize(root, config, cache)
    return project


def _summarize(root: Path, config: Config, cache_dir: Path | None) -> _Project:
    from fastapi_lint.analysis.facts import ModuleSummary
    from fastapi_lint.api import project_files, summarize_files
    from fastapi_lint.source import read_source

    files = project_files(root, config)
    outcomes = summarize_files(files, cache_dir, jobs=1)
    project = _Project()
    for (path, _), outcome in zip(files, outcomes):
        if isinstance(outcome, ModuleSummary):
            real = real_or_absolute(path)
            project.summaries[real] = outcome
            try:
                project.digests[real] = _digest(read_source(path))
            except OSError:
                pass
    return project
