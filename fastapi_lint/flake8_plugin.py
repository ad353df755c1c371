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
  hold an ``__init__.py``), or else the nearest folder with a pyproject.toml,
  setup.cfg, setup.py or .git (``paths.project_root``), parsed once per process,
  no cache written;
- a file in none of these is checked alone, and
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
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi_lint import __version__
from fastapi_lint.paths import real_or_absolute

if TYPE_CHECKING:
    from fastapi_lint.config import Config
    from fastapi_lint.diagnostics import Diagnostic
    from fastapi_lint.api import ProjectSession


# A long-lived flake8 (an editor's) must see edits to other files: at most this often (seconds),
# the project's files are looked at again, and those changed, added or deleted re-read. A
# command-line run over many files looks once.
_RECHECK = 1.0


# Project root (real path) -> its facts and findings, for the life of the flake8 process.
_PROJECTS: dict[str, ProjectSession] = {}
_LOOKED: dict[str, float] = {}  # project root (real path) -> time.monotonic() of the last look at its files


class Plugin:
    name = "fastapi-lint"
    version = __version__

    extend_blocking_calls: tuple[str, ...] = ()
    extend_async_safe: tuple[str, ...] = ()
    # What flake8's selection asks of fastapi-lint (``fas_selection``); None: nothing, do no work.
    selection: tuple[str, ...] | None = ("FAS",)

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
        select = getattr(options, "select", None)
        cls.selection = fas_selection(None if select is None else _names(select),
                                      _names(getattr(options, "extend_select", None) or ()))

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        if self.selection is None:
            return  # no FAS code selected: flake8 would drop every finding, so find none
        for d in self.diagnostics():
            yield d.span.line, d.span.col, f"{d.code} {d.message}", type(self)

    def diagnostics(self) -> list[Diagnostic]:
        from fastapi_lint.api import lint_text_in_project
        from fastapi_lint.paths import display_path

        if self.filename in ("-", "stdin", ""):
            path = Path("stdin.py")
        else:
            path = Path(self.filename)
        shown = display_path(path)
        data = self._data(path)
        config = self._config(path)
        project = _project_for(path, config)
        from fastapi_lint.diagnostics import Diagnostic

        if project is not None and project.holds(path, data) and not isinstance(project.summary(path), Diagnostic):
            # As on disk (where it parsed): one check serves every file of the project.
            return list(project.diagnostics(config).get(shown, []))
        others = project.others(path) if project is not None else []
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
        # flake8 filters the codes again; neither fail-on nor per-file-ignores apply here.
        selection = self.selection or ()
        named = tuple(code for code in selection if code != "FAS")
        defaults = "FAS" in selection  # the default rules, and those named besides
        return Config(
            select=() if defaults else named,
            extend_select=named if defaults else (),
            ignore=() if NOQA_AUDIT in selection else (NOQA_AUDIT,),
            extend_blocking_calls=(*found.extend_blocking_calls, *self.extend_blocking_calls),
            extend_async_safe=(*found.extend_async_safe, *self.extend_async_safe),
            exclude=found.exclude,
            extend_exclude=found.extend_exclude,
            root=found.root,
            source=found.source,
        )


def fas_selection(select: tuple[str, ...] | None, extend_select: tuple[str, ...]) -> tuple[str, ...] | None:
    """What flake8's ``select``/``extend-select`` ask of fastapi-lint, in its own selectors.

    flake8 matches codes by prefix, so ``select = E,F,W`` (a team's usual configuration) matches
    every FAS code, off-by-default rules included. Here a selector that names no more than the
    plugin (``F``, ``FA``, ``FAS``), or flake8's default selection (which holds ``FAS``), asks for
    fastapi-lint's default rules (``("FAS",)`` stands for them); a longer one (``FAS1``,
    ``FAS108``) for the rules it names, as on fastapi-lint's command line; FAS901 only when
    named. None when no selector can match a FAS code (``--select E501``): no work at all.
    """
    chosen = [code.strip().upper() for code in (*(select if select is not None else ()), *extend_select) if code.strip()]
    defaults = select is None or any("FAS".startswith(code) for code in chosen)
    named = tuple(code for code in chosen if code.startswith("FAS") and code != "FAS")
    if not defaults and not named:
        return None
    return (("FAS",) if defaults else ()) + named


def _names(values: Any) -> tuple[str, ...]:
    if isinstance(values, str):
        values = values.split(",")
    return tuple(value.strip() for value in values or () if value and value.strip())


def _project_for(path: Path, config: Config) -> ProjectSession | None:
    """The project ``path`` belongs to, summarized once per process; None: check the file alone."""
    from fastapi_lint.api import default_cache_dir
    from fastapi_lint.paths import project_root
    from fastapi_lint.api import ProjectSession

    cache_dir = default_cache_dir(config)
    # The CLI's cache, when there is one, or beside a configured project's pyproject.toml (the
    # CLI would make it there too); never in whatever folder flake8 happens to run from.
    cache = cache_dir if cache_dir.is_dir() or config.root is not None else None
    root = project_root(path, config.root if cache is not None else None)
    if root is None:
        return None
    key = real_or_absolute(root)
    project = _PROJECTS.get(key)
    if project is None:
        project = _PROJECTS[key] = ProjectSession(root, config, cache, jobs=1)
    if time.monotonic() - _LOOKED.get(key, -_RECHECK) > _RECHECK:
        project.refresh()
        _LOOKED[key] = time.monotonic()
    return project
