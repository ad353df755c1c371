"""Lint files and folders: a project's configuration, its files, the run, and what a face
reads off the result (the counts ``--statistics`` prints, the route map, the baseline)."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from fastapi_lint.config import Config, find_pyproject, load, nearest_pyprojects
from fastapi_lint.discovery import Discovered, discover
from fastapi_lint.paths import real_or_absolute
from fastapi_lint.run.pipeline import LintResult
from fastapi_lint.run.projects import Project, report_on_own

if TYPE_CHECKING:
    from fastapi_lint.analysis.route_map import RouteRow


def load_config(paths: Sequence[Path], config_file: Path | None = None) -> Config:
    return load(config_file if config_file is not None else find_pyproject(paths))


def config_groups(paths: Sequence[Path], config_file: Path | None = None) -> list[tuple[Config, list[Path]]]:
    """The paths grouped by the configuration each belongs to (``config_file`` applies to all),
    in an order that does not depend on the paths': by the configuration files' real paths,
    the paths under no configuration last. Each group is a project of its own."""
    if config_file is not None:
        return [(load(config_file), list(paths))]
    groups: dict[str, tuple[Path | None, list[Path]]] = {}
    for path, source in zip(paths, nearest_pyprojects(paths)):
        key = os.path.realpath(source) if source is not None else ""
        groups.setdefault(key, (source, []))[1].append(path)
    in_order = sorted(groups.items(), key=lambda item: (not item[0], item[0]))
    return [(load(source), members) for _, (source, members) in in_order]


def environment_problem(config: Config) -> str | None:
    """Why the configured environment (``--python``, ``python = ...``) cannot be read, or None."""
    from fastapi_lint.run.environment import NoEnvironment, site_folders

    try:
        site_folders(config)
    except NoEnvironment as error:
        return str(error)
    return None


def lint_paths(
    paths: Sequence[Path],
    config: Config | None = None,
    debug: bool = False,
    cache_dir: Path | None = None,
    jobs: int | None = 1,
    on_progress: Callable[[int], None] | None = None,
    on_discovered: Callable[[int], None] | None = None,
    facts: bool = True,
    follow_links: bool = True,
) -> LintResult:
    """Lint files and folders as one project.

    ``cache_dir``: where phase-1 results are kept between runs (None: no cache).
    ``jobs``: worker processes for phase 1 (None: one per core; 1: in process).
    ``facts``: whether the caller needs ``LintResult.context`` (fixes, the route map,
    statistics). Without it, a run whose files changed no fact since the last cached
    run (none, or only comments, blank lines, line breaks) carries that run's findings
    over without reading the other files' facts (``carry_over.py``).
    ``follow_links``: whether folder walks follow links to folders inside the folders given
    (never outside them); a run that writes files follows none (``discovery.discover``).
    """
    from fastapi_lint.run.extract import no_cycle_collection
    from fastapi_lint.run.pipeline import lint
    from fastapi_lint.run.processes import stopping_children

    with no_cycle_collection(), stopping_children():
        return lint(paths, config, debug, cache_dir, jobs, on_progress, on_discovered, facts, follow_links)


def lint_project(
    project: Project,
    debug: bool = False,
    jobs: int | None = 1,
    on_progress: Callable[[int], None] | None = None,
    on_discovered: Callable[[int], None] | None = None,
    facts: bool = True,
    follow_links: bool = True,
) -> LintResult:
    """``lint_paths`` for one of ``plan_projects``' projects, with only the findings and files it reports on."""
    found = lint_paths(project.lint_targets, project.config, debug=debug, cache_dir=project.cache_dir, jobs=jobs,
                       on_progress=on_progress, on_discovered=on_discovered, facts=facts, follow_links=follow_links)
    report_on_own(found, project)
    return found


def files_to_lint(project: Project, follow_links: bool = True) -> Discovered:
    """The files a check of ``project`` reports on (``--show-files``), found as the check finds
    them (exclusions, ``.gitignore``, ``force-exclude``), none of them read: the files named when
    only files are (their project's others are read for context, not reported on), else what
    the walks find but the files another configuration's paths hold."""
    found = discover(list(project.targets), project.config, follow_links)
    if not project.others:
        return found
    from dataclasses import replace

    from fastapi_lint.paths import is_within

    mine = [path for path in found.files
            if not any(is_within(real_or_absolute(str(path)), other) for other in project.others)]
    return replace(found, files=mine)


class ProjectCounts(NamedTuple):
    """What ``--statistics`` says about a linted project's facts."""

    routes: int
    functions: int
    unresolved_calls: int


def project_counts(result: LintResult) -> ProjectCounts | None:
    """The routes, functions and unresolved calls of a run that kept its facts (None otherwise)."""
    context = result.context
    if context is None:
        return None
    return ProjectCounts(len(context.model.routes), len(context.project.functions), context.callgraph.unresolved)


def route_rows(result: LintResult) -> list[RouteRow]:
    """The route map of a linted project, with each route's findings (``fastapi-lint routes``)."""
    from fastapi_lint.analysis.route_map import build_rows

    context = result.context
    if context is None:
        return []
    graph = context.callgraph
    return build_rows(context.project, context.model, graph, result.diagnostics)


def unnamed_handlers(result: LintResult) -> str:
    """Where a served app registers a route whose handler the analysis cannot name (``path:line``;
    "" for none): the app may serve any async function, so those no route reaches are warnings."""
    context = result.context
    return context.scopes.blind_at if context is not None else ""


def route_map_data(rows: Sequence[RouteRow]) -> list[dict[str, Any]]:
    """The route map as data: each row's fields, its dependencies and findings as nested objects
    (what ``routes --format json`` writes)."""
    from dataclasses import asdict

    return [asdict(row) for row in rows]


def apply_baseline(result: LintResult, baseline_file: Path) -> None:
    """Leave out of ``result`` the findings ``baseline_file`` holds (``baseline.py``), counting
    them in ``result.baselined``. Raises ``baseline.BaselineError`` (a ``ConfigError``) for a file
    that cannot be read or is not a baseline."""
    from fastapi_lint.baseline import hide, load

    result.diagnostics, hidden = hide(load(baseline_file), result.diagnostics)
    result.baselined += hidden


def write_baseline(baseline_file: Path, results: Sequence[LintResult], selected: Collection[str]) -> int:
    """Record the findings of ``results`` in ``baseline_file``; the number of findings recorded.

    The entries of files the results did not report on, and of rules not in ``selected``, are
    kept from the file's last version; a file there that is not a baseline is never overwritten.
    Raises ``baseline.BaselineError``.
    """
    from fastapi_lint import baseline

    if any(result.internal_errors for result in results):
        raise baseline.BaselineError(f"{baseline_file}: not written: a rule failed, its findings are unknown")
    folder = Path(os.path.dirname(os.path.abspath(baseline_file)))
    previous = None
    if os.path.isfile(baseline_file) and not os.path.islink(baseline_file):
        try:
            previous = baseline.load(baseline_file)
        except baseline.BaselineError as error:
            raise baseline.BaselineError(f"{baseline_file}: exists and is not a fastapi-lint baseline, "
                                         f"not overwritten ({error})") from None
    recorded = baseline.record([d for result in results for d in result.diagnostics], folder, previous,
                               [path for result in results for path in result.paths], selected)
    baseline.write(baseline_file, recorded)
    return len(recorded)
