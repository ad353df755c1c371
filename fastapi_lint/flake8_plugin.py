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
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi_lint import __version__
from fastapi_lint.analysis.noqa_directives import NOQA_AUDIT

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
    audit_noqa: bool = False

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
        chosen = [*_names(getattr(options, "select", None) or ()), *_names(getattr(options, "extend_select", None) or ())]
        cls.audit_noqa = any(code.upper() == NOQA_AUDIT for code in chosen)

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        for d in self.diagnostics():
            yield d.span.line, d.span.col, f"{d.code} {d.message}", type(self)

    def diagnostics(self) -> list[Diagnostic]:
        from fastapi_lint.diagnostics import Diagnostic
        from fastapi_lint.engine import check_project, display_path, summarize_file

        if self.filename in ("-", "stdin", ""):
            path = Path("stdin.py")
        else:
            path = Path(self.filename)
        shown = display_path(path)
        data = self._data(path)
        outcome = summarize_file(path, shown, data=data)
        if isinstance(outcome, Diagnostic):
            return []  # flake8 reports syntax errors itself (E999)
        config = self._config(path)
        project = _project_for(path, config)
        real = _real(path)
        if project is None:
            return list(check_project([outcome], config).diagnostics)
        if project.digests.get(real) == _digest(data):  # as on disk: one check serves every file
            found = project.findings.get(config)
            if found is None:
                found = project.findings[config] = _by_path(
                    check_project(list(project.summaries.values()), config).diagnostics
                )
            return list(found.get(outcome.path, []))
        others = [s for key, s in project.summaries.items() if key != real and s.path != outcome.path]
        return [d for d in check_project([*others, outcome], config).diagnostics if d.path == outcome.path]

    def _data(self, path: Path) -> bytes:
        """The bytes flake8 checks: the file's own when its text is what flake8 read (keeps
        the encoding), else flake8's lines as UTF-8 (standard input, a changed file)."""
        from fastapi_lint.reading import read_source

        text = "".join(self.lines)
        try:
            on_disk = read_source(path)
        except (OSError, ValueError):
            return text.encode("utf-8")
        from fastapi_lint.analysis.parse import decode

        try:
            same = decode(on_disk).replace("\r\n", "\n").replace("\r", "\n") == text.replace("\r\n", "\n")
        except (SyntaxError, LookupError, UnicodeDecodeError):
            same = False
        return on_disk if same else text.encode("utf-8")

    def _config(self, path: Path) -> Config:
        from fastapi_lint.config import Config, ConfigError, find_pyproject, load

        try:
            found = load(find_pyproject([path]))
        except ConfigError:
            found = Config()  # the CLI reports a broken configuration; flake8 keeps going
        # flake8 selects the codes; give it every rule, and neither fail-on nor per-file-ignores.
        return Config(
            select=("ALL",),
            ignore=() if self.audit_noqa else (NOQA_AUDIT,),
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


def _real(path: Path) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return os.path.abspath(path)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _by_path(diagnostics: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    found: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        found.setdefault(d.path, []).append(d)
    return found


def _project_for(path: Path, config: Config) -> _Project | None:
    """The project ``path`` belongs to, summarized once per process; None: check the file alone."""
    from fastapi_lint.cache import CACHE_DIR_NAME, Cache
    from fastapi_lint.cli import project_root

    cache_dir = (config.root or Path.cwd()) / CACHE_DIR_NAME
    cache = Cache(cache_dir) if cache_dir.is_dir() else None
    root = project_root(path, config if cache is not None else _without_root(config))
    if root is None:
        return None
    key = _real(root)
    project = _PROJECTS.get(key)
    if project is None:
        project = _PROJECTS[key] = _summarize(root, config, cache)
    return project


def _without_root(config: Config) -> Config:
    from dataclasses import replace

    return replace(config, root=None)


def _summarize(root: Path, config: Config, cache: Any) -> _Project:
    from fastapi_lint.analysis.facts import ModuleSummary
    from fastapi_lint.discovery import discover
    from fastapi_lint.engine import display_path
    from fastapi_lint.reading import read_source
    from fastapi_lint.runner import no_cycle_collection, summarize_all

    files = discover([root], config).files
    with no_cycle_collection():
        outcomes, _ = summarize_all([(path, display_path(path)) for path in files], cache, jobs=1)
    project = _Project()
    for path, outcome in zip(files, outcomes):
        if isinstance(outcome, ModuleSummary):
            real = _real(path)
            project.summaries[real] = outcome
            try:
                project.digests[real] = _digest(read_source(path))
            except OSError:
                pass
    return project
