"""What the command line gives, checked and turned into values: paths, the cache folder, the
options of a run."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fastapi_lint.cli.output import echo_note, fail
from fastapi_lint.config import Config
from fastapi_lint.diagnostics import Applicability, Diagnostic

if TYPE_CHECKING:
    from fastapi_lint.api import LintResult


def non_empty_path(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """An empty value (``--cache-dir "$UNSET"``) must not silently mean the working folder."""
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty (an unset variable?)")
    return Path(value) if value is not None else None


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


@dataclass(frozen=True)
class RunOptions:
    no_cache: bool = False
    cache_dir: Path | None = None
    jobs: int | None = None
    statistics: bool = False
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    show_fixes: bool = False
    output_file: Path | None = None
    add_noqa: bool = False
    stdin: bool = False
    scope: str | None = None
    baseline: Path | None = None
    write_baseline: Path | None = None
    force_exclude: bool | None = None
    respect_gitignore: bool | None = None


def fixes_wanted(result: LintResult, options: RunOptions) -> list[Diagnostic]:
    return [
        d for d in result.diagnostics
        if d.fix is not None and (options.unsafe_fixes or d.fix.applicability is Applicability.SAFE)
    ]
