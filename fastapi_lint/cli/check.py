"""``fastapi-lint check``: lint the paths given, each configuration's files as a project of its own.

``--fix``, ``--diff``, ``--add-noqa`` and ``--write-baseline`` start from the same run. Standard
input has its own module (``stdin.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from fastapi_lint.cli.options import (
    RunOptions,
    fixes_wanted,
    non_empty_path,
    path_problem,
    usable_cache_dir,
)
from fastapi_lint.cli.output import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    INTERNAL_ERROR_HINT,
    echo_error,
    echo_fix_summary,
    echo_no_project_note,
    echo_note,
    echo_scope_note,
    echo_statistics,
    echo_unreadable_note,
    emit,
    fail,
    progress,
    stdout_stream,
    summary_line,
    visible,
    without_unsafe_fix,
    write_exactly,
)
from fastapi_lint.cli.stdin import check_stdin
from fastapi_lint.config import (
    SCOPES,
    Config,
    ConfigError,
    expand,
    parse_selector_option,
)
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.paths import CACHE_DIR_NAME, unplaced_files
from fastapi_lint.reporters import FORMATS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi_lint.api import LintResult, Project


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "--output-format", "output_format", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("--select", multiple=True, help="Rules to enable (codes, prefixes, names, ALL); replaces the defaults.")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rules to disable.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Lowest severity that makes the exit code 1 (default: info, any finding).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--scope", type=click.Choice(SCOPES), default=None,
              help="Event-loop findings to show: where code may run on a served app's loop (server, the default), "
                   "or everywhere: tests, startup, scripts, private loops, admin routes (all).")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read [tool.fastapi-lint] from this pyproject.toml instead of searching.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr.")
@click.option("--no-cache", is_flag=True, help="Parse every file; neither read nor write the cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), callback=non_empty_path,
              help=f"Where to keep the cache (default: {CACHE_DIR_NAME}/ at the project root).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Processes to use (default: one per core; 1: this one only).")
@click.option("--statistics", is_flag=True, help="Print time per phase, cache use, unresolved calls, findings per rule.")
@click.option("--fix", is_flag=True, help="Apply safe fixes, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="Also offer and apply unsafe fixes (they may change behaviour).")
@click.option("--diff", is_flag=True, help="Print a unified diff of what --fix would change; write nothing.")
@click.option("--show-fixes", is_flag=True, help="With --fix: list what was fixed.")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file (replaced atomically) instead of standard output.")
@click.option("--add-noqa", is_flag=True, help="Add `# noqa: CODE` to every line with a finding; report nothing.")
@click.option("--stdin-filename", type=click.Path(path_type=Path, dir_okay=False),
              help="Lint standard input (path `-`, or no path) as if it were this file.")
@click.option("--baseline", "baseline_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Report only the findings this baseline file does not hold (see --write-baseline).")
@click.option("--write-baseline", type=click.Path(path_type=Path, dir_okay=False),
              help="Record today's findings in this file, to be given to --baseline; report nothing.")
@click.option("--force-exclude/--no-force-exclude", default=None,
              help="Apply exclude and extend-exclude (and .gitignore) to files named on the command line too "
                   "(pre-commit names them).")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None,
              help="Skip what git ignores (.gitignore files, .git/info/exclude) in folder walks (default: on).")
def check(
    paths: tuple[Path, ...],
    output_format: str,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    scope: str | None,
    config_file: Path | None,
    debug: bool,
    quiet: bool,
    no_cache: bool,
    cache_dir: Path | None,
    jobs: int | None,
    statistics: bool,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    show_fixes: bool,
    output_file: Path | None,
    add_noqa: bool,
    stdin_filename: Path | None,
    baseline_file: Path | None,
    write_baseline: Path | None,
    force_exclude: bool | None,
    respect_gitignore: bool | None,
) -> None:
    """Lint PATHS (default: the current folder).

    When every path is a file (pre-commit passes only the changed ones), the project they
    belong to is analysed, so cross-module rules see the whole picture, and findings are
    reported for the given files only. The project is the folder of the
    [tool.fastapi-lint] configuration when the file is under it, else the top package
    folder above the file (folders with __init__.py), else the nearest folder with a
    pyproject.toml, setup.cfg, setup.py or .git, else the file alone. The cache
    keeps such runs fast.
    """
    stdin = paths == (Path("-"),) or (stdin_filename is not None and not paths)
    if stdin_filename is not None and not stdin:
        fail("--stdin-filename reads standard input: give the path `-` or no path")
    if Path("-") in paths and not stdin:
        fail("the path `-` (standard input) cannot be combined with other paths")
    if add_noqa and (fix or diff or stdin):
        fail("--add-noqa cannot be combined with --fix, --diff or standard input")
    if write_baseline is not None and (fix or diff or add_noqa or stdin):
        fail("--write-baseline cannot be combined with --fix, --diff, --add-noqa or standard input")
    targets = [stdin_filename or Path("stdin.py")] if stdin else (list(paths) or [Path(".")])
    problems = [] if stdin else [problem for problem in map(path_problem, targets) if problem]
    if problems:
        for problem in problems[:-1]:
            echo_error(problem)
        fail(problems[-1])
    try:
        options = RunOptions(no_cache, cache_dir, jobs, statistics, fix, unsafe_fixes, diff, show_fixes,
                             output_file, add_noqa, stdin, scope, baseline_file, write_baseline, force_exclude,
                             respect_gitignore)
        _check(targets, output_format, select, extend_select, ignore, fail_on, exit_zero, config_file, quiet, debug,
               options)
    except ConfigError as error:
        fail(str(error))
    except (SystemExit, KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as error:  # never a traceback for the user, unless asked
        if debug:
            raise
        fail(f"internal error: {type(error).__name__}: {error}; {INTERNAL_ERROR_HINT}")


def _check(
    targets: list[Path],
    output_format: str,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    config_file: Path | None,
    quiet: bool,
    debug: bool,
    options: RunOptions,
) -> NoReturn:
    from fastapi_lint.api import apply_baseline, config_groups, lint_project, load_config, merged_results, plan_projects

    overrides = {
        "select": parse_selector_option(select),
        "extend_select": parse_selector_option(extend_select),
        "ignore": parse_selector_option(ignore),
    }
    for key, selectors in overrides.items():
        for selector in selectors or ():
            if not expand(selector):
                raise ConfigError(
                    f"--{key.replace('_', '-')}: unknown rule code or name `{selector}` (see `fastapi-lint rules`)"
                )

    def configured(found: Config) -> Config:
        return found.with_overrides(**overrides, fail_on=Severity.parse(fail_on) if fail_on else None,
                                    scope=options.scope, baseline=options.baseline,
                                    force_exclude=options.force_exclude, respect_gitignore=options.respect_gitignore)

    if options.stdin:
        config = configured(load_config(targets, config_file))
        check_stdin(targets[0], output_format, exit_zero, config, quiet, options, _cache_dir(config, options))
    groups = [(configured(found), paths) for found, paths in config_groups(targets, config_file)]
    projects = plan_projects([(config, paths, _cache_dir(config, options)) for config, paths in groups])

    # Fixes, statistics and SARIF's fixes read the project's facts; a plain check can reuse
    # the last run's findings when nothing changed.
    facts = options.fix or options.diff or options.statistics or options.add_noqa or output_format == "sarif"
    # A run that writes files (and --diff, which shows what --fix would write) never walks
    # into a folder through a link: whatever it rewrites is where the folders given are.
    writes = options.fix or options.diff or options.add_noqa

    def run(project: Project, fixing: bool = False) -> LintResult:
        with progress(output_format, quiet) as (on_discovered, on_progress):
            found = lint_project(project, debug=debug, jobs=options.jobs, on_progress=on_progress,
                                 on_discovered=on_discovered, facts=facts, follow_links=not writes)
        if not fixing:
            baselined(found, project)
        return found

    def baselined(found: LintResult, project: Project) -> None:
        # Fixes see every finding (a safe fix is as welcome in old code, and the fix engine's
        # stability check must see them all); the report, --add-noqa and the exit code do not.
        if project.config.baseline is not None and options.write_baseline is None:
            apply_baseline(found, project.config.baseline)

    results = [run(project, fixing=options.fix or options.diff) for project in projects]
    if options.write_baseline is not None:
        sys.exit(_write_baseline(options.write_baseline, results, projects, quiet))
    if options.add_noqa:
        sys.exit(_add_noqa(merged_results(results), quiet))
    if options.diff:
        sys.exit(_diff([(found, project.config) for project, found in zip(projects, results)], options))
    fixed: list[Diagnostic] = []
    if options.fix:
        for index, project in enumerate(projects):
            fixed_here = _fix(results[index], project.config, options)
            if fixed_here:
                fixed += fixed_here
                results[index] = run(project)  # report what the fixes left, as it now stands
            else:
                baselined(results[index], project)
    result = merged_results(results)
    if not options.unsafe_fixes:
        # ``[*]`` marks what ``--fix`` would do; unsafe fixes need ``--unsafe-fixes`` to count.
        result.diagnostics = [without_unsafe_fix(d) for d in result.diagnostics]
    for missing in result.missing:  # vanished since the check above
        echo_error(f"{missing}: no such file or directory")
    for skipped in result.skipped:
        echo_note(f"skipping {skipped}: {'cannot read the folder' if os.path.isdir(skipped) else 'not a Python file'}")
    for note in dict.fromkeys(result.notes):
        echo_note(note)
    if not result.files and not quiet:
        echo_note("warning: no Python files found under the given paths")
    scopes = {d.path: (found.context, project.config) for project, found in zip(projects, results)
              for d in found.diagnostics}
    emit(result.diagnostics, output_format, options.output_file, context=result.context, config=projects[0].config,
          unsafe=options.unsafe_fixes, scopes=scopes)
    if not quiet:
        echo_no_project_note([path for project in projects for path in unplaced_files(project.targets, project.config.root)])
        click.echo(summary_line(result.files, result.diagnostics, result.seconds), err=True)
        if result.baselined:
            hidden = result.baselined
            click.echo(f"{hidden} finding{'s' if hidden != 1 else ''} in the baseline not shown", err=True)
        if all(project.wanted is None for project in projects):
            echo_scope_note(result, projects[0].config)
        echo_unreadable_note(result.diagnostics)
        echo_fix_summary(result.diagnostics, fixed, options.fix)
    if options.statistics:
        for project, found in zip(projects, results):
            if len(projects) > 1:
                click.echo(f"configuration: {project.config.source or 'none (the defaults)'}", err=True)
            echo_statistics(found)
    if result.internal_errors or result.missing:
        sys.exit(EXIT_ERROR)
    failing = [d for project, found in zip(projects, results) for d in found.diagnostics
               if d.severity >= project.config.fail_on]
    sys.exit(EXIT_FINDINGS if failing and not exit_zero else EXIT_OK)


def _cache_dir(config: Config, options: RunOptions) -> Path | None:
    return None if options.no_cache else usable_cache_dir(options.cache_dir, config)


def _fix(result: LintResult, config: Config, options: RunOptions) -> list[Diagnostic]:
    """Apply the fixes (atomically, file by file); the findings fixed."""
    from fastapi_lint.api import fix_files

    results = fix_files(fixes_wanted(result, options), options.unsafe_fixes, result.context, config)
    for path, outcome in sorted(results.items()):
        if outcome.file_problem is not None:
            echo_note(f"{path}: not fixed: {outcome.file_problem}")
    fixed = [d for outcome in results.values() for d in outcome.applied]
    if options.show_fixes:
        for d in sorted(fixed, key=Diagnostic.sort_key):
            title = d.fix.title if d.fix else ""
            click.echo(visible(f"Fixed {d.path}:{d.span.line}:{d.span.col + 1}: {d.code} {title}"), err=True)
    return fixed


def _diff(projects: Sequence[tuple[LintResult, Config]], options: RunOptions) -> int:
    """``--diff``: print what ``--fix`` would change; exit 1 when there is something to change."""
    from fastapi_lint.api import fix_files

    results = {}
    for result, config in projects:
        results.update(fix_files(fixes_wanted(result, options), options.unsafe_fixes, result.context, config,
                                 write=False))
    stream = stdout_stream()
    changed = 0
    for path in sorted(results):
        text = results[path].diff(path)
        if text:
            write_exactly(stream, text)
            changed += 1
    count = sum(len(r.applied) for r in results.values())
    click.echo(f"Would fix {count} finding{'s' if count != 1 else ''} in {changed} file{'s' if changed != 1 else ''}", err=True)
    return EXIT_FINDINGS if changed else EXIT_OK


def _write_baseline(path: Path, results: list[LintResult], projects: list[Project], quiet: bool) -> int:
    """Record today's findings (``api.write_baseline``); the exit code."""
    from fastapi_lint.api import write_baseline
    from fastapi_lint.config import selected_codes

    for missing in (missing for found in results for missing in found.missing):
        echo_error(f"{missing}: no such file or directory")
    selected = {code for project in projects for code in selected_codes(project.config)}
    count = write_baseline(path, results, selected)  # a BaselineError is a ConfigError: one line, exit 2
    if not quiet or count:
        click.echo(f"Wrote {count} finding{'s' if count != 1 else ''} to the baseline {visible(str(path))}", err=True)
    failed = any(found.internal_errors or found.missing for found in results)
    return EXIT_ERROR if failed else EXIT_OK


def _add_noqa(result: LintResult, quiet: bool) -> int:
    """Add ``# noqa: CODE`` for every finding (``api.add_noqa``); the exit code (2 when a file could not be changed)."""
    from fastapi_lint.api import add_noqa

    done = add_noqa(result)
    for kind, message in done.problems:
        (echo_error if kind == "error" else echo_note)(message)
    if not quiet or done.added:
        click.echo(f"Added {done.added} noqa directive{'s' if done.added != 1 else ''} "
                   f"in {done.files} file{'s' if done.files != 1 else ''}", err=True)
    return EXIT_ERROR if done.failed or result.internal_errors else EXIT_OK
