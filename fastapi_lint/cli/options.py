"""What the command line gives, checked and turned into values: paths, the cache folder, and
``CheckOptions``, every option of ``check`` in one value."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from fastapi_lint.cli.output import COLOR_CHOICES, echo_note, fail
from fastapi_lint.config import Config, ConfigError, expand, no_python, parse_selector_option
from fastapi_lint.diagnostics import Applicability, Diagnostic, Severity


def non_empty_path(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """An empty value (``--cache-dir "$UNSET"``) must not silently mean the working folder."""
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty (an unset variable?)")
    return Path(value) if value is not None else None


def color_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--color auto|always|never``, as Ruff spells it (``output.use_color``)."""
    return click.option("--color", type=click.Choice(COLOR_CHOICES), default="auto", show_default=True,
                        help="Colour the output: auto (on a terminal, as NO_COLOR and FORCE_COLOR say), "
                             "always or never. A report written to a file (-o) is never coloured.")(command)


def path_problem(path: Path) -> str | None:
    """Why a path given on the command line cannot be linted, or ``None``."""
    try:
        os.stat(path)
        return None
    except FileNotFoundError:
        if os.path.islink(path):
            return f"{path}: broken symbolic link (it points to `{os.readlink(path)}`, which does not exist)"
        return f"{path}: no such file or directory"
    except OSError as error:
        if error.errno == 40 or "symbolic links" in str(error.strerror):  # ELOOP
            return f"{path}: symbolic link loop"
        return f"{path}: {error.strerror or error}"
    except ValueError as error:  # embedded NUL byte
        return f"{path!r}: invalid path: {error}"


def usable_cache_dir(given: Path | None, config: Config) -> Path | None:
    """The cache folder to use: ``--cache-dir`` (resolved: the user chose it, links and all) or
    the project's; None, said once, when the project's is not a cache of ours (a repository
    may ship anything under that name). A ``--cache-dir`` that is not ours is a usage error:
    ``.``, ``src`` or ``~`` would otherwise be filled with entries and tagged as a cache."""
    from fastapi_lint.api import cache_folder_problem, default_cache_dir

    folder = Path(os.path.realpath(given)) if given is not None else default_cache_dir(config)
    reason = cache_folder_problem(folder)
    if reason is None:
        return folder
    if given is not None:
        fail(f"--cache-dir {given}: cannot keep the cache in {folder}: {reason}; "
              "give a new or empty folder, or one that fastapi-lint made")
    echo_note(f"warning: not using {folder} as the cache: {reason}; running without a cache "
          "(remove it, or give --cache-dir)")
    return None


# What ``--statistics`` can be written as: Ruff's lines (text, concise) or JSON.
STATISTICS_FORMATS = ("text", "concise", "json")


@dataclass(frozen=True)
class CheckOptions:
    """The options of ``check``, as click gives them (the fields are its parameters' names)."""

    paths: tuple[Path, ...] = ()
    output_format: str = "text"
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str | None = None
    exit_zero: bool = False
    scope: str | None = None
    config_file: Path | None = None
    debug: bool = False
    quiet: bool = False
    no_cache: bool = False
    cache_dir: Path | None = None
    jobs: int | None = None
    statistics: bool = False
    timings: bool = False
    show_settings: bool = False
    show_files: bool = False
    color: str = "auto"
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    show_fixes: bool = False
    output_file: Path | None = None
    add_noqa: bool = False
    stdin_filename: Path | None = None
    baseline_file: Path | None = None
    write_baseline: Path | None = None
    force_exclude: bool | None = None
    respect_gitignore: bool | None = None
    python: str | None = None
    daemon: bool | None = None

    @property
    def stdin(self) -> bool:
        """Standard input is linted: the path ``-``, or ``--stdin-filename`` and no path."""
        return self.paths == (Path("-"),) or (self.stdin_filename is not None and not self.paths)

    @property
    def targets(self) -> list[Path]:
        """What is linted: the paths given (default: the current folder), or the name standard input is linted as."""
        if self.stdin:
            return [self.stdin_filename or Path("stdin.py")]
        return list(self.paths) or [Path(".")]

    @property
    def facts(self) -> bool:
        """Fixes, ``--timings`` (routes, unresolved calls) and SARIF's fixes read the project's
        facts; a plain check can reuse the last run's findings when nothing changed."""
        return self.fix or self.diff or self.timings or self.add_noqa or self.output_format == "sarif"

    @property
    def plain(self) -> bool:
        """A check that only reports findings: what ``--daemon``'s background process serves (a
        run that writes files reads the project's facts too)."""
        return not (self.stdin or self.facts or self.show_settings or self.show_files or self.write_baseline is not None)

    @property
    def writes(self) -> bool:
        """A run that writes files (and --diff, which shows what --fix would write) never walks
        into a folder through a link: whatever it rewrites is where the folders given are."""
        return self.fix or self.diff or self.add_noqa

    def usage_problem(self) -> str | None:
        """Options that cannot go together, or None."""
        if self.stdin_filename is not None and not self.stdin:
            return "--stdin-filename reads standard input: give the path `-` or no path"
        if Path("-") in self.paths and not self.stdin:
            return "the path `-` (standard input) cannot be combined with other paths"
        shown = self._show_problem()
        if shown is not None:
            return shown
        if self.add_noqa and (self.fix or self.diff or self.stdin):
            return "--add-noqa cannot be combined with --fix, --diff or standard input"
        if self.write_baseline is not None and (self.fix or self.diff or self.add_noqa or self.stdin):
            return "--write-baseline cannot be combined with --fix, --diff, --add-noqa or standard input"
        if self.statistics and (self.diff or self.add_noqa or self.write_baseline is not None):
            return "--statistics counts the findings reported: not with --diff, --add-noqa or --write-baseline"
        if self.statistics and self.output_format not in STATISTICS_FORMATS:
            return (f"--statistics prints text (or JSON with --format json), not --format {self.output_format}; "
                    "leave one out")
        if self.timings and self.stdin:
            return "--timings measures a run over files: not with standard input"
        return None

    def _show_problem(self) -> str | None:
        """``--show-settings`` and ``--show-files`` print and exit: nothing else of a run goes with them."""
        shown = [name for name, given in (("--show-settings", self.show_settings), ("--show-files", self.show_files))
                 if given]
        if not shown:
            return None
        if len(shown) > 1:
            return "--show-settings and --show-files: give one of them"
        others = [name for name, given in (
            ("--statistics", self.statistics), ("--timings", self.timings), ("--fix", self.fix), ("--diff", self.diff),
            ("--add-noqa", self.add_noqa), ("--write-baseline", self.write_baseline is not None),
        ) if given]
        if others:
            return f"{shown[0]} prints and exits without linting: not with {', '.join(others)}"
        if self.output_format not in ("text", "json"):
            return f"{shown[0]} prints text (or JSON with --format json), not --format {self.output_format}"
        if self.show_files and self.stdin:
            return "--show-files lists files on disk: not with standard input"
        return None

    def selection(self) -> dict[str, tuple[str, ...] | None]:
        """``--select``, ``--extend-select`` and ``--ignore``, checked before any configuration is
        read: ``ConfigError`` for a selector that names no rule."""
        selection = {
            "select": parse_selector_option(self.select),
            "extend_select": parse_selector_option(self.extend_select),
            "ignore": parse_selector_option(self.ignore),
        }
        for key, selectors in selection.items():
            for selector in selectors or ():
                if not expand(selector):
                    raise ConfigError(
                        f"--{key.replace('_', '-')}: unknown rule code or name `{selector}` (see `fastapi-lint rules`)"
                    )
        return selection

    def configure(self, found: Config, selection: dict[str, tuple[str, ...] | None]) -> Config:
        """``found`` with what the command line overrides: the ``selection``, --fail-on, --scope,
        --baseline, --force-exclude, --respect-gitignore and --python (``ConfigError`` for an
        environment with no installed packages)."""
        python = self.python
        if python is not None and not no_python(python):
            python = str(Path(python).expanduser().absolute())
        config = found.with_overrides(**selection, fail_on=Severity.parse(self.fail_on) if self.fail_on else None,
                                      scope=self.scope, baseline=self.baseline_file, force_exclude=self.force_exclude,
                                      respect_gitignore=self.respect_gitignore, python=python)
        from fastapi_lint.api import environment_problem

        problem = environment_problem(config)
        if problem is not None:
            raise ConfigError(problem)
        return config

    def cache_folder(self, config: Config) -> Path | None:
        """The cache folder of the project of ``config``: none with ``--no-cache``."""
        return None if self.no_cache else usable_cache_dir(self.cache_dir, config)

    def wanted_fixes(self, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
        """The findings whose fixes are to be applied: the safe ones, and with ``--unsafe-fixes`` all."""
        return [
            d for d in diagnostics
            if d.fix is not None and (self.unsafe_fixes or d.fix.applicability is Applicability.SAFE)
        ]
