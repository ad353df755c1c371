"""The command line: ``fastapi-lint [check] PATHS``, ``rules``, ``explain``.

Exit codes: 0 nothing at or above ``--fail-on``, 1 findings, 2 usage, config
or internal error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). Errors are one
line on stderr, never a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import click

from fastapi_lint import __version__
from fastapi_lint.run.cache import CACHE_DIR_NAME
from fastapi_lint.config import SCOPES, Config, ConfigError, expand, parse_selector_option
from fastapi_lint.diagnostics import Applicability, Diagnostic, Severity
from fastapi_lint.paths import display_path, project_scope, real_or_absolute, unplaced_files
from fastapi_lint.reporters import FORMATS
from fastapi_lint.reporters.routes import ROUTE_FORMATS

if TYPE_CHECKING:
    from fastapi_lint.api import LintResult
    from fastapi_lint.analysis.context import Context

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + 2, 128 + 15  # as a shell reports SIGINT and SIGTERM
INTERNAL_ERROR_HINT = "this is a bug in fastapi-lint: please report it (run with --debug for the traceback)"


def _stdout() -> TextIO:
    # sys's streams, looked up at call time: click's test runner swaps them.
    return sys.stdout


def _stderr() -> TextIO:
    return sys.stderr


class DefaultGroup(click.Group):
    """Runs ``check`` when the first argument is not a subcommand (``fastapi-lint src/``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("prog_name", "fastapi-lint")  # not ``__main__.py`` under ``python -m``
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        """The command, stopped by Ctrl-C or SIGTERM with one line and the exit code a shell
        gives a process the signal killed (click would say ``Aborted!`` and exit 1). The run has
        stopped its workers and children on the way here."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            _note("interrupted")
            sys.exit(EXIT_INTERRUPTED)
        except Terminated:
            _note("terminated")
            sys.exit(EXIT_TERMINATED)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread as Ctrl-C raises ``KeyboardInterrupt`` (``entry``), so
    that a run unwinds the same way: workers stopped, no file half-written. Not an ``Exception``:
    nothing reports it as an internal error."""


def _terminate(signum: int, frame: object) -> NoReturn:
    raise Terminated


def entry() -> NoReturn:
    """The console script (and ``python -m fastapi_lint``): ``main``, then leave without tearing
    the heap down. A large project's facts are millions of objects; freeing them one by one at
    interpreter exit took 0.1 s of a 2 s run, for nothing. Tests call ``main``, which returns."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        main()
        code: int = EXIT_OK
    except SystemExit as exit_:
        code = _exit_code(exit_.code)
    except KeyboardInterrupt:  # outside a command (``invoke``): nothing of the run to stop
        code = EXIT_INTERRUPTED
    except Terminated:
        code = EXIT_TERMINATED
    for stopping in (signal.SIGINT, signal.SIGTERM):  # from here on a signal ends the process as it is
        signal.signal(stopping, signal.SIG_DFL)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (``| head``) or stream: nothing more to say
            pass
    os._exit(code)


def _exit_code(code: object) -> int:
    """What ``sys.exit(code)`` would make the exit status."""
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _non_empty_path(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """An empty value (``--cache-dir "$UNSET"``) must not silently mean the working folder."""
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty (an unset variable?)")
    return Path(value) if value is not None else None


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fastapi-lint")
def main() -> None:
    """Find what stalls a FastAPI service under load."""


@main.command()
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
@click.option("--cache-dir", type=click.Path(file_okay=False), callback=_non_empty_path,
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
        _fail("--stdin-filename reads standard input: give the path `-` or no path")
    if Path("-") in paths and not stdin:
        _fail("the path `-` (standard input) cannot be combined with other paths")
    if add_noqa and (fix or diff or stdin):
        _fail("--add-noqa cannot be combined with --fix, --diff or standard input")
    if write_baseline is not None and (fix or diff or add_noqa or stdin):
        _fail("--write-baseline cannot be combined with --fix, --diff, --add-noqa or standard input")
    targets = [stdin_filename or Path("stdin.py")] if stdin else (list(paths) or [Path(".")])
    problems = [] if stdin else [problem for problem in map(_path_problem, targets) if problem]
    if problems:
        for problem in problems[:-1]:
            _error(problem)
        _fail(problems[-1])
    try:
        options = RunOptions(no_cache, cache_dir, jobs, statistics, fix, unsafe_fixes, diff, show_fixes,
                             output_file, add_noqa, stdin, scope, baseline_file, write_baseline, force_exclude,
                             respect_gitignore)
        _check(targets, output_format, select, extend_select, ignore, fail_on, exit_zero, config_file, quiet, debug,
               options)
    except ConfigError as error:
        _fail(str(error))
    except (SystemExit, KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as error:  # never a traceback for the user, unless asked
        if debug:
            raise
        _fail(f"internal error: {type(error).__name__}: {error}; {INTERNAL_ERROR_HINT}")


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
    from fastapi_lint.api import apply_baseline, config_groups, lint_paths, load_config
    from fastapi_lint.discovery import PYTHON_SUFFIXES, is_within

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
        _check_stdin(targets[0], output_format, exit_zero, config, quiet, options, _cache_dir(config, options))
    projects = _projects([(configured(found), paths) for found, paths in config_groups(targets, config_file)], options)

    # Fixes, statistics and SARIF's fixes read the project's facts; a plain check can reuse
    # the last run's findings when nothing changed.
    facts = options.fix or options.diff or options.statistics or options.add_noqa or output_format == "sarif"
    # A run that writes files (and --diff, which shows what --fix would write) never walks
    # into a folder through a link: whatever it rewrites is where the folders given are.
    writes = options.fix or options.diff or options.add_noqa

    def run(project: _Project, fixing: bool = False) -> LintResult:
        with _progress(output_format, quiet) as (on_discovered, on_progress):
            found = lint_paths(project.lint_targets, project.config, debug=debug, cache_dir=project.cache_dir,
                               jobs=options.jobs, on_progress=on_progress, on_discovered=on_discovered, facts=facts,
                               follow_links=not writes)
        if project.wanted is not None:  # the project was linted for context; report on the files given
            found.diagnostics = [d for d in found.diagnostics if real_or_absolute(d.path) in project.wanted]
            found.files = sum(1 for target in project.targets if target.suffix in PYTHON_SUFFIXES
                              and real_or_absolute(str(target)) in project.wanted)
            found.paths = [path for path in found.paths if real_or_absolute(path) in project.wanted]
        elif project.others:  # linted for context too; another configuration reports on them
            theirs = {path for path in found.paths if any(is_within(real_or_absolute(path), other) for other in project.others)}
            found.diagnostics = [d for d in found.diagnostics if d.path not in theirs]
            found.files -= len(theirs)
            found.paths = [path for path in found.paths if path not in theirs]
        if not fixing:
            baselined(found, project)
        return found

    def baselined(found: LintResult, project: _Project) -> None:
        # Fixes see every finding (a safe fix is as welcome in old code, and the fix engine's
        # stability check must see them all); the report, --add-noqa and the exit code do not.
        if project.config.baseline is not None and options.write_baseline is None:
            apply_baseline(found, project.config.baseline)

    results = [run(project, fixing=options.fix or options.diff) for project in projects]
    if options.write_baseline is not None:
        sys.exit(_write_baseline(options.write_baseline, results, projects, quiet))
    if options.add_noqa:
        sys.exit(_add_noqa(_merged(results), quiet))
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
    result = _merged(results)
    if not options.unsafe_fixes:
        # ``[*]`` marks what ``--fix`` would do; unsafe fixes need ``--unsafe-fixes`` to count.
        result.diagnostics = [_without_unsafe_fix(d) for d in result.diagnostics]
    for missing in result.missing:  # vanished since the check above
        _error(f"{missing}: no such file or directory")
    for skipped in result.skipped:
        _note(f"skipping {skipped}: {'cannot read the folder' if os.path.isdir(skipped) else 'not a Python file'}")
    for note in dict.fromkeys(result.notes):
        _note(note)
    if not result.files and not quiet:
        _note("warning: no Python files found under the given paths")
    scopes = {d.path: (found.context, project.config) for project, found in zip(projects, results)
              for d in found.diagnostics}
    _emit(result.diagnostics, output_format, options.output_file, context=result.context, config=projects[0].config,
          unsafe=options.unsafe_fixes, scopes=scopes)
    if not quiet:
        _no_project_note([path for project in projects for path in unplaced_files(project.targets, project.config.root)])
        click.echo(_summary_line(result.files, result.diagnostics, result.seconds), err=True)
        if result.baselined:
            hidden = result.baselined
            click.echo(f"{hidden} finding{'s' if hidden != 1 else ''} in the baseline not shown", err=True)
        if all(project.wanted is None for project in projects):
            _scope_note(result, projects[0].config)
        _unreadable_note(result.diagnostics)
        _fix_summary(result.diagnostics, fixed, options)
    if options.statistics:
        for project, found in zip(projects, results):
            if len(projects) > 1:
                click.echo(f"configuration: {project.config.source or 'none (the defaults)'}", err=True)
            _statistics(found)
    if result.internal_errors or result.missing:
        sys.exit(EXIT_ERROR)
    failing = [d for project, found in zip(projects, results) for d in found.diagnostics
               if d.severity >= project.config.fail_on]
    sys.exit(EXIT_FINDINGS if failing and not exit_zero else EXIT_OK)


def _no_project_note(alone: list[Path]) -> None:
    """Said once: without it, what the other modules of a file's project would tell goes missing
    in silence."""
    if alone:
        more = f" (and {len(alone) - 1} more)" if len(alone) > 1 else ""
        _note(f"{display_path(alone[0])}{more}: no project found (no [tool.fastapi-lint], package, pyproject.toml, "
              "setup.cfg, setup.py or .git above it): linted alone, so findings that need its other modules are "
              "missed; add an empty [tool.fastapi-lint] table to the project's pyproject.toml")


@dataclass(frozen=True)
class _Project:
    """The paths given that share one configuration, linted as a project of their own."""

    config: Config
    targets: list[Path]
    lint_targets: list[Path]  # see project_scope
    wanted: frozenset[str] | None
    cache_dir: Path | None
    # Paths given for other configurations inside this project's folders (real paths): their
    # files are linted here as part of the project, and reported with their own configuration.
    others: tuple[str, ...]


def _projects(groups: list[tuple[Config, list[Path]]], options: RunOptions) -> list[_Project]:
    from fastapi_lint.api import force_excluded
    from fastapi_lint.discovery import is_within

    projects = []
    given = [[real_or_absolute(str(path)) for path in paths] for _, paths in groups]
    for index, (config, targets) in enumerate(groups):
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
        projects.append(_Project(config, targets, lint_targets, wanted, _cache_dir(config, options), others))
    return projects


def _merged(results: list[LintResult]) -> LintResult:
    """The projects' results as one report."""
    if len(results) == 1:
        return results[0]
    from fastapi_lint.api import LintResult

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
        out_of_scope=sum(found.out_of_scope for found in results),
        has_app=any(found.has_app for found in results),
        baselined=sum(found.baselined for found in results),
        notes=[note for found in results for note in found.notes],
    )


def _cache_dir(config: Config, options: RunOptions) -> Path | None:
    return None if options.no_cache else usable_cache_dir(options.cache_dir, config)


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


def _fixes_wanted(result: LintResult, options: RunOptions) -> list[Diagnostic]:
    return [
        d for d in result.diagnostics
        if d.fix is not None and (options.unsafe_fixes or d.fix.applicability is Applicability.SAFE)
    ]


def _fix(result: LintResult, config: Config, options: RunOptions) -> list[Diagnostic]:
    """Apply the fixes (atomically, file by file); the findings fixed."""
    from fastapi_lint.api import relint
    from fastapi_lint.fixes import fix_files

    results = fix_files(_fixes_wanted(result, options), options.unsafe_fixes, relint=relint, context=result.context,
                        config=config)
    for path, outcome in sorted(results.items()):
        if outcome.file_problem is not None:
            _note(f"{path}: not fixed: {outcome.file_problem}")
    fixed = [d for outcome in results.values() for d in outcome.applied]
    if options.show_fixes:
        for d in sorted(fixed, key=Diagnostic.sort_key):
            title = d.fix.title if d.fix else ""
            click.echo(_shown(f"Fixed {d.path}:{d.span.line}:{d.span.col + 1}: {d.code} {title}"), err=True)
    return fixed


def _diff(projects: Sequence[tuple[LintResult, Config]], options: RunOptions) -> int:
    """``--diff``: print what ``--fix`` would change; exit 1 when there is something to change."""
    from fastapi_lint.api import relint
    from fastapi_lint.fixes import fix_files

    results = {}
    for result, config in projects:
        results.update(fix_files(_fixes_wanted(result, options), options.unsafe_fixes, relint=relint,
                                 context=result.context, config=config, write=False))
    stream = _stdout()
    changed = 0
    for path in sorted(results):
        text = results[path].diff(path)
        if text:
            _write_exactly(stream, text)
            changed += 1
    count = sum(len(r.applied) for r in results.values())
    click.echo(f"Would fix {count} finding{'s' if count != 1 else ''} in {changed} file{'s' if changed != 1 else ''}", err=True)
    return EXIT_FINDINGS if changed else EXIT_OK


def _write_exactly(stream: TextIO, text: str) -> None:
    """Text whose file names must survive byte for byte (a diff that ``patch`` applies): a name
    that is not UTF-8 goes out as its own bytes, whatever the terminal's encoding."""
    binary = getattr(stream, "buffer", None)
    if binary is None:
        stream.write(text)
        return
    stream.flush()
    binary.write(text.encode("utf-8", "surrogateescape"))
    binary.flush()


def _without_unsafe_fix(diagnostic: Diagnostic) -> Diagnostic:
    if diagnostic.fix is not None and diagnostic.fix.applicability is not Applicability.SAFE:
        from dataclasses import replace

        return replace(diagnostic, fix=None)
    return diagnostic


def _fix_summary(remaining: list[Diagnostic], fixed: list[Diagnostic], options: RunOptions) -> None:
    if options.fix:
        click.echo(f"Fixed {len(fixed)} finding{'s' if len(fixed) != 1 else ''} ({len(remaining)} remaining)", err=True)
    fixable = sum(1 for d in remaining if d.fix is not None)
    if fixable and not options.fix:
        click.echo(f"[*] {fixable} fixable with `--fix`", err=True)


def usable_cache_dir(given: Path | None, config: Config) -> Path | None:
    """The cache folder to use: ``--cache-dir`` (resolved: the user chose it, links and all) or
    the project's; None, said once, when the project's is not a cache of ours (a repository
    may ship anything under that name). A ``--cache-dir`` that is not ours is a usage error:
    ``.``, ``src`` or ``~`` would otherwise be filled with entries and tagged as a cache."""
    from fastapi_lint.api import default_cache_dir
    from fastapi_lint.run.cache_folder import problem

    folder = Path(os.path.realpath(given)) if given is not None else default_cache_dir(config)
    reason = problem(folder)
    if reason is None:
        return folder
    if given is not None:
        _fail(f"--cache-dir {given}: cannot keep the cache in {folder}: {reason}; "
              "give a new or empty folder, or one that fastapi-lint made")
    _note(f"warning: not using {folder} as the cache: {reason}; running without a cache "
          "(remove it, or give --cache-dir)")
    return None


# A bar only for runs long enough to wonder about, only on a terminal, never with machine output.
_PROGRESS_MIN_FILES = 300


@contextmanager
def _progress(output_format: str, quiet: bool) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    stderr = _stderr()
    if quiet or output_format not in ("text", "concise") or not stderr.isatty():
        yield (lambda total: None), (lambda done: None)
        return
    from rich.console import Console
    from rich.progress import Progress

    progress = Progress(console=Console(file=stderr), transient=True)
    task = progress.add_task("Linting", total=None, visible=False)

    def discovered(total: int) -> None:
        if total > _PROGRESS_MIN_FILES:
            progress.update(task, total=total, visible=True)
            progress.start()

    def advance(done: int) -> None:
        progress.advance(task, done)

    try:
        yield discovered, advance
    finally:
        progress.stop()


def _statistics(result: LintResult) -> None:
    """``--statistics``: where the time went and what the analysis could not see."""
    from collections import Counter

    lines = [
        f"files: {result.files} ({result.parsed} parsed, {result.cached} from the cache, "
        f"{result.workers} worker{'s' if result.workers != 1 else ''}), {result.lines} lines",
        *(f"time {phase}: {seconds:.3f}s" for phase, seconds in result.timings.items()),
    ]
    context = result.context
    if context is not None:
        graph = context.callgraph
        lines.append(
            f"routes: {len(context.model.routes)}, functions: {len(context.project.functions)}, "
            f"unresolved calls: {graph.unresolved}"
        )
    for code, count in sorted(Counter(d.code for d in result.diagnostics).items()):
        lines.append(f"{code}: {count}")
    for line in lines:
        click.echo(line, err=True)


def _path_problem(path: Path) -> str | None:
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


def _emit(
    diagnostics: list[Diagnostic],
    output_format: str,
    output_file: Path | None = None,
    *,
    context: Context | None = None,
    config: Config | None = None,
    unsafe: bool = False,
    texts: dict[str, str] | None = None,
    stream: TextIO | None = None,
    scopes: dict[str, tuple[Context | None, Config]] | None = None,
) -> None:
    """Write the report to ``output_file`` (atomically), ``stream`` or standard output.

    ``texts``: sources not on disk (standard input), by display path. ``scopes``: each
    file's context and configuration, where they are not ``context`` and ``config``.
    """
    import io

    from fastapi_lint import reporters

    sources: dict[str, list[str]] = {}
    if output_format in ("text", "sarif"):
        sources = _read_sources(diagnostics)
        if texts:
            from fastapi_lint.source import split_lines

            sources.update({path: split_lines(text) for path, text in texts.items()})
    buffer = io.StringIO() if output_file is not None else None
    if buffer is None and stream is None:
        stream = _report_stream()
    out = buffer if buffer is not None else stream
    assert out is not None
    if output_format == "sarif":
        from fastapi_lint.reporters import sarif

        edits = _sarif_edits(diagnostics, context, config, unsafe, texts or {}, scopes or {})
        sarif.report(diagnostics, out, sources, edits)
    else:
        reporters.get(output_format)(diagnostics, out, sources)
    if buffer is not None and output_file is not None:
        try:
            write_report(output_file, buffer.getvalue())
        except OSError as error:
            _fail(f"{output_file}: cannot write the report: {error.strerror or error}")


def _report_stream() -> TextIO:
    """Standard output for a report: a terminal that cannot show some character gets a ``?``,
    not a crash."""
    stream = _stdout()
    reconfigure = getattr(stream, "reconfigure", None)
    try:
        if reconfigure is not None:
            reconfigure(errors="replace")
    except (ValueError, OSError):
        pass
    return stream


def write_report(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename: a reader sees the old report or the new one.
    A device or a pipe (``-o /dev/null``, ``/dev/stdout``, a FIFO) is written into, never replaced:
    a rename would put a plain file where the device was."""
    import stat

    from fastapi_lint.fixes.files import default_mode, write_atomically

    try:
        kind = os.stat(path).st_mode
    except OSError:
        kind = None
    if kind is not None and not stat.S_ISREG(kind) and not stat.S_ISDIR(kind):
        with open(path, "wb") as stream:
            stream.write(text.encode("utf-8"))
        return
    Path(os.path.realpath(path)).parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text.encode("utf-8"), mode=default_mode())


def _sarif_edits(
    diagnostics: list[Diagnostic],
    context: Context | None,
    config: Config | None,
    unsafe: bool,
    texts: dict[str, str],
    scopes: dict[str, tuple[Context | None, Config]],
) -> dict[Diagnostic, tuple[str, tuple[tuple[int, int, str], ...]]]:
    """The edit each fix would make, planned by the fix engine one finding at a time.

    At most ``MAX_PLANNED_FIXES`` are planned (each costs a libcst parse and a re-lint of
    the file); the others keep their description only.
    """
    from fastapi_lint.reporters.sarif import MAX_PLANNED_FIXES, replacements

    fixable = [d for d in diagnostics if d.fix is not None][:MAX_PLANNED_FIXES]
    if not fixable:
        return {}
    from fastapi_lint.fixes import preview_edit
    from fastapi_lint.source import read

    edits: dict[Diagnostic, tuple[str, tuple[tuple[int, int, str], ...]]] = {}
    for d in fixable:
        text = texts.get(d.path)
        if text is None:
            try:
                text = texts[d.path] = read(Path(d.path)).text
            except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
                continue
        allowed = unsafe or d.fix.applicability is Applicability.SAFE  # type: ignore[union-attr]
        its_context, its_config = scopes.get(d.path, (context, config or Config()))
        new_text = preview_edit(d, text, allowed, context=its_context, config=its_config)
        if new_text is not None:
            edits[d] = (d.path, replacements(text, new_text))
    return edits


# -- standard input ----------------------------------------------------------------------


def _check_stdin(name: Path, output_format: str, exit_zero: bool, config: Config, quiet: bool,
                 options: RunOptions, cache_dir: Path | None) -> NoReturn:
    """Lint standard input as the module ``name``: its module name, its configuration, its project.

    The text is linked with the other files of ``name``'s project (as for files given on
    the command line, see ``project_scope``; those come from the cache as usual) in place
    of what is on disk at ``name``; the text itself is never cached. Only its findings
    are reported. With ``--fix`` the fixed source goes to standard output and the report to standard
    error (as Ruff does); with ``--diff``, the diff to standard output.
    """
    import time

    started = time.perf_counter()
    data = sys.stdin.buffer.read()
    if not options.fix or options.diff:
        _lint_stdin(data, started, name, output_format, exit_zero, config, quiet, options, cache_dir, None)
    # An editor's fix-on-save replaces its buffer with standard output: whatever stops the fix
    # (text that cannot be decoded, an internal error), the buffer gets its own bytes back.
    sent: list[bytes] = []

    def send(output: bytes) -> None:
        sent.append(output)
        sys.stdout.buffer.write(output)
        sys.stdout.buffer.flush()

    try:
        _lint_stdin(data, started, name, output_format, exit_zero, config, quiet, options, cache_dir, send)
    finally:
        if not sent:
            send(data)


def _lint_stdin(data: bytes, started: float, name: Path, output_format: str, exit_zero: bool, config: Config,
                quiet: bool, options: RunOptions, cache_dir: Path | None,
                send: Callable[[bytes], None] | None) -> NoReturn:
    """``_check_stdin`` once the text is read; ``send`` takes the fixed text (``--fix``)."""
    import time

    from fastapi_lint.api import lint_text_in_project, project_of
    from fastapi_lint.config import ignored_for_file, selected_codes
    from fastapi_lint.source import decode, encode_like

    shown = display_path(name)
    try:
        source = decode(data)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        source = None

    others, paths = project_of(name, config, cache_dir, options.jobs)
    paths[shown] = name

    def lint(text_data: bytes) -> tuple[list[Diagnostic], Context | None, list[str]]:
        found = lint_text_in_project(name, text_data, config, display=shown, others=others, paths=paths)
        if found.context is None:  # the text does not parse: its FAS900, if selected for the file
            kept = [d for d in found.diagnostics
                    if d.code in selected_codes(config) and d.code not in ignored_for_file(config, name)]
            return kept, None, []
        diagnostics = found.diagnostics
        if config.baseline is not None and diagnostics:  # keyed by the text given, not the file on disk
            from fastapi_lint.baseline import hide, load

            try:
                texts = {shown: decode(text_data)}
            except (SyntaxError, LookupError, UnicodeDecodeError):
                texts = None
            diagnostics, _ = hide(load(config.baseline), diagnostics, texts)
        return diagnostics, found.context, found.internal_errors

    diagnostics, context, internal = lint(data)
    fixed: list[Diagnostic] = []
    if (options.fix or options.diff) and source is not None:
        from fastapi_lint.api import relint
        from fastapi_lint.fixes import plan_fixes

        wanted = [d for d in diagnostics if d.fix is not None and
                  (options.unsafe_fixes or d.fix.applicability is Applicability.SAFE)]
        planned = plan_fixes(source, shown, wanted, options.unsafe_fixes, relint=relint, context=context, config=config)
        if options.diff:
            _stdout().write(planned.diff(shown))
            count = len(planned.applied)
            click.echo(f"Would fix {count} finding{'s' if count != 1 else ''}", err=True)
            sys.exit(EXIT_FINDINGS if planned.changed else EXIT_OK)
        fixed = planned.applied
        new_source = planned.new_source
        if send is not None:
            send(encode_like(new_source, data) if planned.changed else data)
        if planned.changed:
            source = new_source
            diagnostics, context, internal = lint(encode_like(new_source, data))
    if not options.unsafe_fixes:
        diagnostics = [_without_unsafe_fix(d) for d in diagnostics]
    report_stream = None if not options.fix or options.output_file else _stderr()
    _emit(diagnostics, output_format, options.output_file, context=context, config=config,
          unsafe=options.unsafe_fixes, texts={shown: source} if source is not None else {}, stream=report_stream)
    if not quiet:
        click.echo(_summary_line(1, diagnostics, time.perf_counter() - started), err=True)
        _fix_summary(diagnostics, fixed, options)
    if internal:
        sys.exit(EXIT_ERROR)
    failing = [d for d in diagnostics if d.severity >= config.fail_on]
    sys.exit(EXIT_FINDINGS if failing and not exit_zero else EXIT_OK)


# -- --write-baseline ------------------------------------------------------------------------


def _write_baseline(path: Path, results: list[LintResult], projects: list[_Project], quiet: bool) -> int:
    """Record today's findings (``api.write_baseline``); the exit code."""
    from fastapi_lint.api import write_baseline
    from fastapi_lint.config import selected_codes

    for missing in (missing for found in results for missing in found.missing):
        _error(f"{missing}: no such file or directory")
    selected = {code for project in projects for code in selected_codes(project.config)}
    count = write_baseline(path, results, selected)  # a BaselineError is a ConfigError: one line, exit 2
    if not quiet or count:
        click.echo(f"Wrote {count} finding{'s' if count != 1 else ''} to the baseline {_shown(str(path))}", err=True)
    failed = any(found.internal_errors or found.missing for found in results)
    return EXIT_ERROR if failed else EXIT_OK


# -- --add-noqa ----------------------------------------------------------------------------


def _add_noqa(result: LintResult, quiet: bool) -> int:
    """Add ``# noqa: CODE`` for every finding; the exit code (2 when a file could not be changed)."""
    from collections import defaultdict

    from fastapi_lint.analysis.extract.parse import PARSE_ERROR_CODE
    from fastapi_lint.fixes import CHANGED, add_noqa_comments, changed_since_checked, check_parses
    from fastapi_lint.fixes.files import rewrite
    from fastapi_lint.source import read
    from fastapi_lint.api import NOQA_AUDIT

    by_path: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in result.diagnostics:
        # A file that does not parse cannot take a comment safely; FAS901 is about the comments.
        if d.code not in (PARSE_ERROR_CODE, NOQA_AUDIT):
            by_path[d.path].append(d)
    added = files = 0
    failed = False
    for path in sorted(by_path):
        try:
            source_file = read(Path(path))
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as error:
            _error(f"{path}: cannot read the file: {error}")
            failed = True
            continue
        if result.context is not None and changed_since_checked(result.context, path, source_file.text):
            _error(f"{path}: left unchanged: {CHANGED}")
            failed = True
            continue
        new_text, count, missed = add_noqa_comments(source_file.text, by_path[path])
        for d in missed:
            _note(f"{path}:{d.span.line}: cannot add `# noqa: {d.code}` (the line ends inside a string "
                  "or a line continuation)")
        if not count:
            continue
        problem = check_parses(new_text)
        if problem is not None:
            _error(f"{path}: left unchanged: {problem}")
            failed = True
            continue
        try:
            rewrite(Path(path), source_file.encode(new_text), expected=source_file.data)
        except (OSError, UnicodeEncodeError) as error:
            _error(f"{path}: cannot write the file: {error}")
            failed = True
            continue
        added += count
        files += 1
    if not quiet or added:
        click.echo(f"Added {added} noqa directive{'s' if added != 1 else ''} "
                   f"in {files} file{'s' if files != 1 else ''}", err=True)
    return EXIT_ERROR if failed or result.internal_errors else EXIT_OK


def _read_sources(diagnostics: list[Diagnostic]) -> dict[str, list[str]]:
    from fastapi_lint.source import decode, read_source, split_lines

    sources: dict[str, list[str]] = {}
    paths = {d.path for d in diagnostics} | {hop.path for d in diagnostics for hop in d.chain}
    for path in paths:
        try:
            sources[path] = split_lines(decode(read_source(Path(path))))
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError, ValueError):
            continue
    return sources


def _summary_line(files: int, diagnostics: list[Diagnostic], seconds: float) -> str:
    counts = {severity: 0 for severity in Severity}
    for d in diagnostics:
        counts[d.severity] += 1
    found = ", ".join(f"{counts[s]} {s.label}{'s' if counts[s] != 1 else ''}" for s in sorted(Severity, reverse=True))
    noun = "file" if files == 1 else "files"
    return f"Checked {files} {noun}: {found} in {seconds:.2f}s"


def _scope_note(result: LintResult, config: Config) -> None:
    """What the scope left out, as Ruff says how many fixes are hidden; or that there is no app."""
    if config.scope == "all":
        return
    if not result.has_app and result.files:
        click.echo("No FastAPI app found: every async function is checked as if an app served it", err=True)
    elif result.out_of_scope:
        count = result.out_of_scope
        click.echo(f"{count} finding{'s' if count != 1 else ''} outside the default scope "
                   "(tests, startup, scripts, private loops, small costs on admin routes) not shown; `--scope all` shows "
                   f"{'them' if count != 1 else 'it'}", err=True)


def _unreadable_note(diagnostics: list[Diagnostic]) -> None:
    """Once, the files whose syntax this Python cannot read, and the Python to use instead."""
    from fastapi_lint.api import unreadable_note

    note = unreadable_note(diagnostics)
    if note is not None:
        click.echo(_shown(note), err=True)


def _error(message: str) -> None:
    click.echo(f"fastapi-lint: error: {_shown(message)}", err=True)


def _note(message: str) -> None:
    click.echo(f"fastapi-lint: {_shown(message)}", err=True)


def _shown(message: str) -> str:
    """A message on one line, with what a project put in it (a file name, a symbolic link's
    target, a configuration value) unable to drive the terminal: control characters made visible."""
    from fastapi_lint.reporters.text import clean

    return clean(message)


def _fail(message: str) -> NoReturn:
    _error(message)
    sys.exit(EXIT_ERROR)


def _stdout_is_terminal() -> bool:
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return _stdout().isatty()
    except (AttributeError, ValueError, OSError):
        return False


# -- rules --------------------------------------------------------------------


@main.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
def rules(output_format: str) -> None:
    """List every rule: code, name, severity, default on/off, fixable."""
    from fastapi_lint.rules import registry

    rows = [
        {
            "code": rule.code,
            "name": rule.name,
            "severity": rule.severity.label,
            "default": rule.default_enabled,
            "fixable": rule.fixable,
            "summary": rule.summary(),
        }
        for rule in registry().values()
    ]
    if output_format == "json":
        import json

        click.echo(json.dumps(rows, indent=2))
        return
    header = ("Code", "Name", "Severity", "Default", "Fix", "Summary")
    table = [
        (str(r["code"]), str(r["name"]), str(r["severity"]), "on" if r["default"] else "off",
         "yes" if r["fixable"] else "no", str(r["summary"]))
        for r in rows
    ]
    click.echo(_columns(header, table, bold_header=_stdout_is_terminal() and not os.environ.get("NO_COLOR")))


def _columns(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], bold_header: bool = False) -> str:
    """Plain aligned columns: no box drawing, nothing cut, no trailing spaces (the last column is free)."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths)), row[-1]]).rstrip()

    first = line(header)
    return "\n".join([click.style(first, bold=True) if bold_header else first, *map(line, rows)])


# -- explain ------------------------------------------------------------------


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show a rule's documentation, by code (FAS101) or name (blocking-call-in-async)."""
    import inspect

    from fastapi_lint.rules import by_name, registry

    names = {name.lower(): found for name, found in by_name().items()}
    found = registry().get(rule.strip().upper()) or names.get(rule.strip().lower())
    if found is None:
        import difflib

        close = difflib.get_close_matches(rule.lower(), [*names, *(c.lower() for c in registry())], n=3)
        hint = f" (did you mean {', '.join(f'`{c}`' for c in close)}?)" if close else " (see `fastapi-lint rules`)"
        _fail(f"unknown rule `{rule}`{hint}")
    doc = inspect.cleandoc(found.__doc__ or "")
    default = "on" if found.default_enabled else "off"
    facts = f"Severity: {found.severity.label}. Default: {default}. Fix: {'available' if found.fixable else 'none'}."
    markdown = f"# {found.code} ({found.name})\n\n{facts}\n\n{doc}\n"
    if _stdout_is_terminal() and not os.environ.get("NO_COLOR"):
        try:
            from rich.console import Console
            from rich.markdown import Markdown

            Console(highlight=False).print(Markdown(markdown))
            return
        except Exception:  # rich missing or failing: the plain text is as good
            pass
    click.echo(markdown_to_text(markdown), nl=False)


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def markdown_to_text(markdown: str) -> str:
    """Rule docs as plain text: underlined headings, code blocks indented, nothing else changed."""
    out: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            out.append(f"    {line}".rstrip())
            continue
        heading = _HEADING.match(line)
        if heading:
            title = heading.group(2)
            if out and out[-1]:
                out.append("")
            out.extend([title, ("=" if len(heading.group(1)) == 1 else "-") * len(title)])
            continue
        out.append(line.rstrip())
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(list(ROUTE_FORMATS)), default="text", show_default=True,
              help="text: a table; json: the rows; mermaid: a flowchart for Markdown; html: one self-contained page.")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the route map to this file (replaced atomically) instead of standard output.")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read [tool.fastapi-lint] from this pyproject.toml instead of searching.")
def routes(paths: tuple[Path, ...], output_format: str, output_file: Path | None, config_file: Path | None) -> None:
    """Draw the route map: every route, how it runs, its dependencies and findings, worst first."""
    import io

    from fastapi_lint.api import lint_paths, load_config, route_rows
    from fastapi_lint.reporters import routes as route_formats
    from fastapi_lint.reporters.route_table import as_json, as_table

    targets = list(paths) or [Path(".")]
    problems = [problem for problem in map(_path_problem, targets) if problem]
    if problems:
        _fail(problems[0])
    buffer = io.StringIO() if output_file is not None else None
    try:
        config = load_config(targets, config_file)
        result = lint_paths(targets, config, cache_dir=usable_cache_dir(None, config), jobs=None)
        rows = route_rows(result)
        out = buffer if buffer is not None else _report_stream()
        if output_format in ("text", "json"):
            (as_json if output_format == "json" else as_table)(rows, out)
        else:
            route_formats.get(output_format)(rows, out)
    except ConfigError as error:
        _fail(str(error))
    except (SystemExit, KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as error:
        _fail(f"internal error: {type(error).__name__}: {error}; {INTERNAL_ERROR_HINT}")
    if buffer is not None and output_file is not None:
        try:
            write_report(output_file, buffer.getvalue())
        except OSError as error:
            _fail(f"{output_file}: cannot write the route map: {error.strerror or error}")
    if output_format != "json" or output_file is not None:
        click.echo(f"{len(rows)} routes", err=True)


@main.command()
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the only way; accepted as editors pass it).")
def server(stdio: bool) -> None:
    """Run the language server for editors (LSP over standard input and output)."""
    from fastapi_lint.server import serve

    serve()


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--cache-dir", type=click.Path(file_okay=False), callback=_non_empty_path,
              help="The cache folder to remove.")
def clean(paths: tuple[Path, ...], cache_dir: Path | None) -> None:
    """Remove the cache of the project PATHS belong to (default: the current folder's)."""
    from fastapi_lint.api import default_cache_dir, load_config
    from fastapi_lint.run.cache import NotACache, clean as remove

    try:
        folder = Path(os.path.realpath(cache_dir)) if cache_dir else default_cache_dir(load_config(list(paths) or [Path(".")]))
    except ConfigError as error:
        _fail(str(error))
    if not os.path.lexists(folder):
        click.echo(f"No cache at {_shown(str(folder))}", err=True)
        return
    try:
        remove(folder)
    except NotACache as reason:
        _fail(f"{folder} is not a fastapi-lint cache ({reason}): left alone")
    except OSError as error:
        _fail(f"{folder}: cannot remove the cache: {error.strerror or error}")
    click.echo(f"Removed {_shown(str(folder))}", err=True)
