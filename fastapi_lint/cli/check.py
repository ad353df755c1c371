"""``fastapi-lint check``: lint the paths given, each configuration's files as a project of its own.

``--fix``, ``--diff``, ``--add-noqa`` and ``--write-baseline`` start from the same run. Standard
input has its own module (``stdin.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from fastapi_lint.cli.options import CheckOptions, color_option, non_empty_path, path_problem
from fastapi_lint.cli.output import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    Failure,
    RunHere,
    echo_error,
    echo_fix_summary,
    echo_no_project_note,
    echo_note,
    echo_scope_note,
    echo_timings,
    echo_unreadable_note,
    emit,
    emit_statistics,
    fail,
    internal_error,
    one_exit,
    progress,
    stdout_stream,
    summary_line,
    visible,
    without_unsafe_fix,
    write_exactly,
)
from fastapi_lint.cli.stdin import check_stdin
from fastapi_lint.config import SCOPES, Config, ConfigError
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.paths import CACHE_DIR_NAME, unplaced_files
from fastapi_lint.reporters import FORMATS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi_lint.api import LintResult, Project, WarmProjects


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
                   "or everywhere: tests, startup and one-time setup, scripts, private loops, admin routes (all).")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read [tool.fastapi-lint] from this pyproject.toml instead of searching.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr.")
@click.option("--no-cache", is_flag=True, help="Parse every file; neither read nor write the cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), callback=non_empty_path,
              help=f"Where to keep the cache (default: {CACHE_DIR_NAME}/ at the project root).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Processes to use (default: one per core; 1: this one only).")
@click.option("--statistics", is_flag=True,
              help="Print the count of findings per rule (code, [*] when fixable, name) instead of the report.")
@click.option("--timings", is_flag=True,
              help="Print on stderr the time per phase, files parsed and from the cache, workers, routes, "
                   "functions and unresolved calls.")
@click.option("--show-settings", is_flag=True,
              help="Print the settings a check of PATHS would use (the pyproject.toml read, every key, the rules "
                   "selected) and exit without linting.")
@click.option("--show-files", is_flag=True,
              help="Print the files a check of PATHS would lint, one per line, and exit without linting.")
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
@click.option("--python", default=None, metavar="PATH",
              help="The project's virtualenv (its folder or bin/python): calls into its installed packages are "
                   "followed to what they wait on; `none` for none (default: VIRTUAL_ENV, else .venv or venv).")
@click.option("--daemon/--no-daemon", default=None,
              help="Hand the check to a background process that keeps the project in memory (started when none "
                   "runs for this folder; it leaves after 30 idle minutes): a run after an edit then costs about "
                   "the edit (pre-commit). Plain checks only; or set FASTAPI_LINT_DAEMON=1. Default: a check goes "
                   "to such a process when one serves this folder, and a run naming files that took a second or "
                   "more leaves one for the next (not in CI); --no-daemon or FASTAPI_LINT_DAEMON=0: never.")
@color_option
@one_exit
def check(**given: Any) -> int:
    """Lint PATHS (default: the current folder).

    When every path is a file (pre-commit passes only the changed ones), the project they
    belong to is analysed, so cross-module rules see the whole picture, and findings are
    reported for the given files only. The project is the folder of the
    [tool.fastapi-lint] configuration when the file is under it, else the top package
    folder above the file (folders with __init__.py), else the nearest folder with a
    pyproject.toml, setup.cfg, setup.py or .git, else the file alone. The cache
    keeps such runs fast.
    """
    return run(CheckOptions(**given))


def run(options: CheckOptions) -> int:
    """The check ``options`` ask for; its exit code. An error is one line (``Failure``), never a
    traceback unless ``--debug`` asks for it."""
    if _warm() is not None and not options.plain:
        raise RunHere  # in the background process: the client runs it
    _say_if_files_named(options)
    usage = options.usage_problem()
    if usage is not None:
        fail(usage)
    problems = [] if options.stdin else [problem for problem in map(path_problem, options.targets) if problem]
    if problems:
        for problem in problems[:-1]:
            echo_error(problem)
        fail(problems[-1])
    try:
        selection = options.selection()
        if options.show_settings or options.show_files:
            from fastapi_lint.cli.show import show

            return show(options, selection)
        if options.stdin:
            from fastapi_lint.api import load_config

            config = options.configure(load_config(options.targets, options.config_file), selection)
            return check_stdin(options.targets[0], config, options, options.cache_folder(config))
        return _check_paths(options, selection)
    except ConfigError as error:
        fail(str(error))
    except (Failure, BrokenPipeError):
        raise
    except Exception as error:  # never a traceback for the user, unless asked
        if options.debug:
            raise
        fail(internal_error(error))


def _check_paths(options: CheckOptions, selection: dict[str, tuple[str, ...] | None]) -> int:
    """Lint the paths given, a project per configuration; fix, or add noqa directives, or write
    the baseline, as asked; the exit code."""
    from fastapi_lint.api import apply_baseline, config_groups, lint_project, merged_results, plan_projects

    groups = [(options.configure(found, selection), paths) for found, paths in config_groups(options.targets,
                                                                                               options.config_file)]
    projects = plan_projects([(config, paths, options.cache_folder(config)) for config, paths in groups])

    warm = _warm()
    linter = lint_project if warm is None else warm.lint_project

    def lint(project: Project, fixing: bool = False) -> LintResult:
        with progress(options.output_format, options.quiet, options.color) as (on_discovered, on_progress):
            found = linter(project, debug=options.debug, jobs=options.jobs, on_progress=on_progress,
                                 on_discovered=on_discovered, facts=options.facts, follow_links=not options.writes)
        if not fixing:
            baselined(found, project)
        return found

    def baselined(found: LintResult, project: Project) -> None:
        # Fixes see every finding (a safe fix is as welcome in old code, and the fix engine's
        # stability check must see them all); the report, --add-noqa and the exit code do not.
        if project.config.baseline is not None and options.write_baseline is None:
            apply_baseline(found, project.config.baseline)

    results = [lint(project, fixing=options.fix or options.diff) for project in projects]
    if options.write_baseline is not None:
        return _write_baseline(options.write_baseline, results, projects, options.quiet)
    if options.add_noqa:
        return _add_noqa(merged_results(results), options.quiet)
    if options.diff:
        return _diff([(found, project.config) for project, found in zip(projects, results)], options)
    fixed: list[Diagnostic] = []
    if options.fix:
        for index, project in enumerate(projects):
            fixed_here = _fix(results[index], project.config, options)
            if fixed_here:
                fixed += fixed_here
                results[index] = lint(project)  # report what the fixes left, as it now stands
            else:
                baselined(results[index], project)
    return _report(projects, results, fixed, options)


def _warm() -> WarmProjects | None:
    """The projects kept by ``check --daemon``'s background process, when this run is one of its
    (``daemon_serve.py`` hands them to the command)."""
    obj = _run_state()
    return obj.get("warm") if obj is not None else None


def _say_if_files_named(options: CheckOptions) -> None:
    """Tell the console script's run (``group.run``) that this is a plain check of files named
    (pre-commit's, an editor's): such a run may leave a background process for the next."""
    obj = _run_state()
    if obj is not None and "warm" not in obj:
        obj["files_named"] = options.plain and bool(options.paths) and all(path.is_file() for path in options.paths)


def _run_state() -> dict[str, Any] | None:
    """What the caller of the command group handed it (``group.run``'s state, the background
    process's kept projects); None when called otherwise (tests)."""
    context = click.get_current_context(silent=True)
    obj = context.find_root().obj if context is not None else None
    return obj if isinstance(obj, dict) else None


def _report(projects: list[Project], results: list[LintResult], fixed: list[Diagnostic], options: CheckOptions) -> int:
    """The report of the projects' findings, then the summary lines on standard error; the exit code."""
    from fastapi_lint.api import merged_results

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
    if not result.files and not options.quiet:
        echo_note("warning: no Python files found under the given paths")
    scopes = {d.path: (found.context, project.config) for project, found in zip(projects, results)
              for d in found.diagnostics}
    if options.statistics:
        emit_statistics(result.diagnostics, options.output_format, options.output_file)
    else:
        emit(result.diagnostics, options.output_format, options.output_file, context=result.context,
             config=projects[0].config, unsafe=options.unsafe_fixes, scopes=scopes, color=options.color)
    if not options.quiet:
        echo_no_project_note([path for project in projects for path in unplaced_files(project.targets, project.config.root)])
        click.echo(summary_line(result.files, result.diagnostics, result.seconds), err=True)
        if result.baselined:
            hidden = result.baselined
            click.echo(f"{hidden} finding{'s' if hidden != 1 else ''} in the baseline not shown", err=True)
        if all(project.wanted is None for project in projects):
            echo_scope_note(result, projects[0].config)
        echo_unreadable_note(result.diagnostics)
        echo_fix_summary(result.diagnostics, fixed, options.fix)
    if options.timings:
        for project, found in zip(projects, results):
            if len(projects) > 1:
                click.echo(f"configuration: {project.config.source or 'none (the defaults)'}", err=True)
            echo_timings(found)
    if result.internal_errors or result.missing:
        return EXIT_ERROR
    failing = [d for project, found in zip(projects, results) for d in found.diagnostics
               if d.severity >= project.config.fail_on]
    return EXIT_FINDINGS if failing and not options.exit_zero else EXIT_OK


def _fix(result: LintResult, config: Config, options: CheckOptions) -> list[Diagnostic]:
    """Apply the fixes (atomically, file by file); the findings fixed."""
    from fastapi_lint.api import fix_files

    results = fix_files(options.wanted_fixes(result.diagnostics), options.unsafe_fixes, result.context, config)
    for path, outcome in sorted(results.items()):
        if outcome.file_problem is not None:
            echo_note(f"{path}: not fixed: {outcome.file_problem}")
    fixed = [d for outcome in results.values() for d in outcome.applied]
    if options.show_fixes:
        for d in sorted(fixed, key=Diagnostic.sort_key):
            title = d.fix.title if d.fix else ""
            click.echo(visible(f"Fixed {d.path}:{d.span.line}:{d.span.col + 1}: {d.code} {title}"), err=True)
    return fixed


def _diff(projects: Sequence[tuple[LintResult, Config]], options: CheckOptions) -> int:
    """``--diff``: print what ``--fix`` would change; exit 1 when there is something to change."""
    from fastapi_lint.api import fix_files

    results = {}
    for result, config in projects:
        results.update(fix_files(options.wanted_fixes(result.diagnostics), options.unsafe_fixes, result.context, config,
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
