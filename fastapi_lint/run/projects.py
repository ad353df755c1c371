"""The paths given on the command line as projects: which files each configuration lints, and
which of them it reports on.

Paths under one configuration are linted as one project (``api.config_groups``). Files named
alone are linted with the rest of their project, for the cross-module rules, and only their own
findings reported (``paths.project_scope``); a folder given for another configuration inside a
project's folders is linted with that project and reported with its own configuration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi_lint.config import Config
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.discovery import PYTHON_SUFFIXES, GitIgnores
from fastapi_lint.paths import is_within
from fastapi_lint.discovery import force_excluded as excluded_by_config
from fastapi_lint.paths import project_scope, real_or_absolute, real_paths
from fastapi_lint.run.pipeline import LintResult


@dataclass(frozen=True)
class Project:
    """The paths given that share one configuration, linted as a project of their own."""

    config: Config
    targets: list[Path]
    lint_targets: list[Path]  # see project_scope
    wanted: frozenset[str] | None
    cache_dir: Path | None
    # Paths given for other configurations inside this project's folders (real paths): their
    # files are linted here as part of the project, and reported with their own configuration.
    others: tuple[str, ...]


def plan_projects(groups: Sequence[tuple[Config, list[Path], Path | None]]) -> list[Project]:
    """The projects of ``groups``: each configuration, its paths and its cache folder."""
    projects = []
    given = [[real_or_absolute(str(path)) for path in paths] for _, paths, _ in groups]
    for index, (config, targets, cache_dir) in enumerate(groups):
        folders = [real for real, path in zip(given[index], targets) if os.path.isdir(path)]
        others = tuple(
            real for other, reals in enumerate(given) if other != index for real in reals
            if any(is_within(real, folder) for folder in folders)
            # One folder given under two names, each with its configuration: the first one's.
            and not (real in given[index] and other > index)
        )
        kept = targets
        if config.force_exclude:  # pre-commit's changed files that the project excludes: not linted
            dropped = set(force_excluded(targets, config))
            kept = [target for target in targets if target not in dropped]
        lint_targets, wanted = project_scope(kept, config.root) if kept else ([], frozenset())
        projects.append(Project(config, targets, lint_targets, wanted, cache_dir, others))
    return projects


def force_excluded(paths: Sequence[Path], config: Config) -> list[Path]:
    """The paths, named explicitly, that ``force-exclude`` leaves out (none without it): the CLI
    does not lint a project for a changed file that the project excludes."""
    if not config.force_exclude:
        return []
    ignores = GitIgnores() if config.respect_gitignore else None
    return [path for path in paths if excluded_by_config(path, config, _is_dir(path), ignores=ignores)]


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def report_on_own(found: LintResult, project: Project, known: Mapping[str, str] | None = None) -> None:
    """Leave in ``found`` only what ``project`` reports on: the files given, when the project
    was linted for their context, and never the files of another configuration's paths.
    ``known``: the real path of files by display path, where the caller has them already (a
    kept project's: resolving every path again would cost a run that changed nothing its most)."""
    if project.wanted is not None:  # the project was linted for context; report on the files given
        wanted = project.wanted

        def reals(paths: list[str]) -> list[str]:
            if known is None:
                return real_paths(paths)
            return [known.get(path) or real_or_absolute(path) for path in paths]

        found.diagnostics = [d for d, real in zip(found.diagnostics, reals([d.path for d in found.diagnostics]))
                             if real in wanted]
        found.files = sum(1 for target in project.targets if target.suffix in PYTHON_SUFFIXES
                          and real_or_absolute(str(target)) in wanted)
        found.paths = [path for path, real in zip(found.paths, reals(found.paths)) if real in wanted]
        # what the scope left out of the files given: what ``--scope all`` would show of them
        given = set(found.paths)
        found.left_out = {path: count for path, count in found.left_out.items() if path in given}
    elif project.others:  # linted for context too; another configuration reports on them
        theirs = {path for path in found.paths if any(is_within(real_or_absolute(path), other) for other in project.others)}
        found.diagnostics = [d for d in found.diagnostics if d.path not in theirs]
        found.files -= len(theirs)
        found.paths = [path for path in found.paths if path not in theirs]
        found.left_out = {path: count for path, count in found.left_out.items() if path not in theirs}


def merged_results(results: list[LintResult]) -> LintResult:
    """The projects' results as one report."""
    if len(results) == 1:
        return results[0]
    return LintResult(
        diagnostics=sorted((d for found in results for d in found.diagnostics), key=Diagnostic.sort_key),
        files=sum(found.files for found in results),
        seconds=sum(found.seconds for found in results),
        missing=[path for found in results for path in found.missing],
        skipped=[path for found in results for path in found.skipped],
        internal_errors=[error for found in results for error in found.internal_errors],
        parsed=sum(found.parsed for found in results),
        cached=sum(found.cached for found in results),
        workers=max(found.workers for found in results),
        lines=sum(found.lines for found in results),
        paths=[path for found in results for path in found.paths],
        left_out={path: count for found in results for path, count in found.left_out.items()},
        has_app=any(found.has_app for found in results),
        baselined=sum(found.baselined for found in results),
        notes=[note for found in results for note in found.notes],
    )
