"""The command line: ``fastapi-lint [check] PATHS``, ``rules``, ``explain``.

Exit codes: 0 nothing at or above ``--fail-on``, 1 findings, 2 usage, config
or internal error. Errors are one line on stderr, never a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from fastapi_lint import __version__
from fastapi_lint.cache import CACHE_DIR_NAME
from fastapi_lint.config import Config, ConfigError, expand, parse_selector_option
from fastapi_lint.diagnostics import Applicability, Diagnostic, Severity
from fastapi_lint.reporters import FORMATS

if TYPE_CHECKING:
    from fastapi_lint.api import LintResult

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
INTERNAL_ERROR_HINT = "this is a bug in fastapi-lint: please report it (run with --debug for the traceback)"


class DefaultGroup(click.Group):
    """Runs ``check`` when the first argument is not a subcommand (``fastapi-lint src/``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("prog_name", "fastapi-lint")  # not ``__main__.py`` under ``python -m``
        return super().main(*args, **kwargs)


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
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read [tool.fastapi-lint] from this pyproject.toml instead of searching.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr.")
@click.option("--no-cache", is_flag=True, help="Parse every file; neither read nor write the cache.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False),
              help=f"Where to keep the cache (default: {CACHE_DIR_NAME}/ at the project root).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for parsing (default: one per core; 1: no pool).")
@click.option("--statistics", is_flag=True, help="Print time per phase, cache use, unresolved calls, findings per rule.")
@click.option("--fix", is_flag=True, help="Apply safe fixes, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="Also offer and apply unsafe fixes (they may change behaviour).")
@click.option("--diff", is_flag=True, help="Print a unified diff of what --fix would change; write nothing.")
@click.option("--show-fixes", is_flag=True, help="With --fix: list what was fixed.")
def check(
    paths: tuple[Path, ...],
    output_format: str,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
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
) -> None:
    """Lint PATHS (default: the current folder)."""
    targets = list(paths) or [Path(".")]
    problems = [problem for problem in map(_path_problem, targets) if problem]
    if problems:
        for problem in problems[:-1]:
            _error(problem)
        _fail(problems[-1])
    try:
        options = RunOptions(no_cache, cache_dir, jobs, statistics, fix, unsafe_fixes, diff, show_fixes)
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
    from fastapi_lint.api import lint_paths, load_config

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
    config = load_config(targets, config_file)
    config = config.with_overrides(**overrides, fail_on=Severity.parse(fail_on) if fail_on else None)
    cache_dir = None if options.no_cache else (options.cache_dir or _default_cache_dir(config))

    def run() -> LintResult:
        with _progress(output_format, quiet) as (on_discovered, on_progress):
            return lint_paths(targets, config, debug=debug, cache_dir=cache_dir, jobs=options.jobs,
                              on_progress=on_progress, on_discovered=on_discovered)

    result = run()
    if options.diff:
        sys.exit(_diff(result, config, options))
    fixed: list[Diagnostic] = []
    if options.fix:
        fixed = _fix(result, config, options)
        if fixed:
            result = run()  # report what the fixes left, as it now stands
    if not options.unsafe_fixes:
        # ``[*]`` marks what ``--fix`` would do; unsafe fixes need ``--unsafe-fixes`` to count.
        result.diagnostics = [_without_unsafe_fix(d) for d in result.diagnostics]
    for missing in result.missing:  # vanished since the check above
        _error(f"{missing}: no such file or directory")
    for skipped in result.skipped:
        _note(f"skipping {skipped}: {'cannot read the folder' if os.path.isdir(skipped) else 'not a Python file'}")
    if not result.files and not quiet:
        _note("warning: no Python files found under the given paths")
    _emit(result.diagnostics, output_format)
    if not quiet:
        click.echo(_summary_line(result.files, result.diagnostics, result.seconds), err=True)
        _fix_summary(result.diagnostics, fixed, options)
    if options.statistics:
        _statistics(result)
    if result.internal_errors or result.missing:
        sys.exit(EXIT_ERROR)
    failing = [d for d in result.diagnostics if d.severity >= config.fail_on]
    sys.exit(EXIT_FINDINGS if failing and not exit_zero else EXIT_OK)


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


def _fixes_wanted(result: LintResult, options: RunOptions) -> list[Diagnostic]:
    return [
        d for d in result.diagnostics
        if d.fix is not None and (options.unsafe_fixes or d.fix.applicability is Applicability.SAFE)
    ]


def _fix(result: LintResult, config: Config, options: RunOptions) -> list[Diagnostic]:
    """Apply the fixes (atomically, file by file); the findings fixed."""
    from fastapi_lint.fixes import fix_files

    results = fix_files(_fixes_wanted(result, options), options.unsafe_fixes, context=result.context, config=config)
    fixed = [d for outcome in results.values() for d in outcome.applied]
    if options.show_fixes:
        for d in sorted(fixed, key=Diagnostic.sort_key):
            title = d.fix.title if d.fix else ""
            click.echo(f"Fixed {d.path}:{d.span.line}:{d.span.col + 1}: {d.code} {title}", err=True)
    return fixed


def _diff(result: LintResult, config: Config, options: RunOptions) -> int:
    """``--diff``: print what ``--fix`` would change; exit 1 when there is something to change."""
    from fastapi_lint.fixes import fix_files

    results = fix_files(_fixes_wanted(result, options), options.unsafe_fixes, context=result.context, config=config,
                        write=False)
    stream = click.get_text_stream("stdout")
    changed = 0
    for path in sorted(results):
        text = results[path].diff(path)
        if text:
            stream.write(text)
            changed += 1
    count = sum(len(r.applied) for r in results.values())
    click.echo(f"Would fix {count} finding{'s' if count != 1 else ''} in {changed} file{'s' if changed != 1 else ''}", err=True)
    return EXIT_FINDINGS if changed else EXIT_OK


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


def _default_cache_dir(config: Config) -> Path:
    return (config.root or Path.cwd()) / CACHE_DIR_NAME


# A bar only for runs long enough to wonder about, only on a terminal, never with machine output.
_PROGRESS_MIN_FILES = 300


@contextmanager
def _progress(output_format: str, quiet: bool) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    stderr = click.get_text_stream("stderr")
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

    from fastapi_lint.analysis.callgraph import callgraph

    lines = [
        f"files: {result.files} ({result.parsed} parsed, {result.cached} from the cache, "
        f"{result.workers} worker{'s' if result.workers != 1 else ''}), {result.lines} lines",
        *(f"time {phase}: {seconds:.3f}s" for phase, seconds in result.timings.items()),
    ]
    context = result.context
    if context is not None:
        graph = callgraph(context.project, context.catalog)
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


def _emit(diagnostics: list[Diagnostic], output_format: str) -> None:
    from fastapi_lint import reporters

    sources: dict[str, list[str]] = {}
    if output_format == "text":
        sources = _read_sources(diagnostics)
    stream = click.get_text_stream("stdout")
    try:  # a terminal that cannot show some character gets a ``?``, not a crash
        stream.reconfigure(errors="replace")  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        pass
    reporters.get(output_format)(diagnostics, stream, sources)


def _read_sources(diagnostics: list[Diagnostic]) -> dict[str, list[str]]:
    from fastapi_lint.analysis.parse import decode, split_lines

    sources: dict[str, list[str]] = {}
    paths = {d.path for d in diagnostics} | {hop.path for d in diagnostics for hop in d.chain}
    for path in paths:
        try:
            sources[path] = split_lines(decode(Path(path).read_bytes()))
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


def _error(message: str) -> None:
    click.echo(f"fastapi-lint: error: {message}", err=True)


def _note(message: str) -> None:
    click.echo(f"fastapi-lint: {message}", err=True)


def _fail(message: str) -> NoReturn:
    _error(message)
    sys.exit(EXIT_ERROR)


def _stdout_is_terminal() -> bool:
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return click.get_text_stream("stdout").isatty()
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
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read [tool.fastapi-lint] from this pyproject.toml instead of searching.")
def routes(paths: tuple[Path, ...], output_format: str, config_file: Path | None) -> None:
    """Draw the route map: every route, how it runs, its dependencies and findings, worst first."""
    from fastapi_lint.api import lint_paths, load_config, route_rows
    from fastapi_lint.reporters.route_table import as_json, as_table

    targets = list(paths) or [Path(".")]
    problems = [problem for problem in map(_path_problem, targets) if problem]
    if problems:
        _fail(problems[0])
    try:
        config = load_config(targets, config_file)
        result = lint_paths(targets, config, cache_dir=_default_cache_dir(config), jobs=None)
        rows = route_rows(result)
    except ConfigError as error:
        _fail(str(error))
    except (SystemExit, KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as error:
        _fail(f"internal error: {type(error).__name__}: {error}; {INTERNAL_ERROR_HINT}")
    stream = click.get_text_stream("stdout")
    if output_format == "json":
        as_json(rows, stream)
    else:
        as_table(rows, stream)
        click.echo(f"{len(rows)} routes", err=True)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), help="The cache folder to remove.")
def clean(paths: tuple[Path, ...], cache_dir: Path | None) -> None:
    """Remove the cache of the project PATHS belong to (default: the current folder's)."""
    from fastapi_lint.api import load_config
    from fastapi_lint.cache import clean as remove

    try:
        folder = cache_dir or _default_cache_dir(load_config(list(paths) or [Path(".")]))
    except ConfigError as error:
        _fail(str(error))
    if remove(folder):
        click.echo(f"Removed {folder}", err=True)
    elif folder.exists():
        _fail(f"{folder} is not a fastapi-lint cache (no CACHEDIR.TAG of ours): left alone")
    else:
        click.echo(f"No cache at {folder}", err=True)
