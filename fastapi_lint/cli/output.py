"""What the command line writes: the report, the progress bar, summary lines, statistics, timings,
errors and notes, and the exit codes they lead to."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

import click

from fastapi_lint.cli.leaving import EXIT_INTERRUPTED as EXIT_INTERRUPTED, EXIT_TERMINATED as EXIT_TERMINATED
from fastapi_lint.config import Config
from fastapi_lint.diagnostics import PLEASE_REPORT, Applicability, Diagnostic, Severity
from fastapi_lint.paths import display_path

if TYPE_CHECKING:
    from typing_extensions import ParamSpec  # typing has it from Python 3.10; mypy brings this one

    from fastapi_lint.api import Context, LintResult

    P = ParamSpec("P")

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class RunHere(Exception):
    """Raised in ``check --daemon``'s background process by a run it does not serve (one that
    writes files, reads standard input or the project's facts): the client runs it itself."""


def stdout_stream() -> TextIO:
    # sys's streams, looked up at call time: click's test runner swaps them.
    return sys.stdout


def stderr_stream() -> TextIO:
    return sys.stderr


def echo_error(message: str) -> None:
    click.echo(f"fastapi-lint: error: {visible(message)}", err=True)


def echo_note(message: str) -> None:
    click.echo(f"fastapi-lint: {visible(message)}", err=True)


def visible(message: str) -> str:
    """A message on one line, with what a project put in it (a file name, a symbolic link's
    target, a configuration value) unable to drive the terminal: control characters made visible."""
    from fastapi_lint.reporters.text import clean

    return clean(message)


def internal_error(error: Exception) -> str:
    """The line for an error a command did not expect: a bug of ours (a finding's own is
    ``diagnostics.INTERNAL_ERROR_HINT``)."""
    return f"internal error: {type(error).__name__}: {error}; {PLEASE_REPORT} (run with --debug for the traceback)"


class Failure(Exception):
    """What stops a command: its message is the one line the user sees, its exit code 2
    (``one_exit``). The commands' helpers raise it (``fail``) instead of leaving the process."""


def fail(message: str) -> NoReturn:
    raise Failure(message)


def one_exit(command: Callable[P, int]) -> Callable[P, NoReturn]:
    """The command's one way out: the exit code it returns, or for a ``Failure`` its line on
    standard error and ``EXIT_ERROR``."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> NoReturn:
        try:
            code = command(*args, **kwargs)
        except Failure as failure:
            echo_error(str(failure))
            code = EXIT_ERROR
        sys.exit(code)

    return run


# ``--color``, as Ruff has it.
COLOR_CHOICES = ("auto", "always", "never")


def use_color(stream: TextIO, choice: str = "auto") -> bool:
    """Whether to colour what goes to ``stream`` (Ruff's ``--color``): ``always`` and ``never``
    decide; ``auto`` follows the environment (never with ``NO_COLOR``, always with ``FORCE_COLOR``)
    and else colours a terminal only, never a pipe. A report written to a file (``-o``) is never
    coloured, whatever is asked: the caller does not ask."""
    if choice != "auto":
        return choice == "always"
    from fastapi_lint.reporters.text import use_color as wanted_by_environment

    return wanted_by_environment(stream)


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def emit(
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
    color: str = "auto",
) -> None:
    """Write the report to ``output_file`` (atomically), ``stream`` or standard output.

    ``texts``: sources not on disk (standard input), by display path. ``scopes``: each
    file's context and configuration, where they are not ``context`` and ``config``.
    ``color``: ``--color``; a file is never coloured.
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
        stream = stdout_for_report()
    out = buffer if buffer is not None else stream
    assert out is not None
    if output_format == "sarif":
        from fastapi_lint.api import sarif_edits, sarif_rules
        from fastapi_lint.reporters import sarif

        edits = sarif_edits(diagnostics, context, config, unsafe, texts or {}, scopes or {})
        sarif.report(diagnostics, out, sources, edits, sarif_rules())
    elif output_format == "text":
        from fastapi_lint.reporters import text

        text.report(diagnostics, out, sources, color=buffer is None and use_color(out, color))
    else:
        reporters.get(output_format)(diagnostics, out, sources)
    if buffer is not None and output_file is not None:
        from fastapi_lint.api import write_report

        try:
            write_report(output_file, buffer.getvalue())
        except OSError as error:
            fail(f"{output_file}: cannot write the report: {error.strerror or error}")


def stdout_for_report() -> TextIO:
    """Standard output for a report: a terminal that cannot show some character gets a ``?``,
    not a crash."""
    stream = stdout_stream()
    reconfigure = getattr(stream, "reconfigure", None)
    try:
        if reconfigure is not None:
            reconfigure(errors="replace")
    except (ValueError, OSError):
        pass
    return stream


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


def write_exactly(stream: TextIO, text: str) -> None:
    """Text whose file names must survive byte for byte (a diff that ``patch`` applies): a name
    that is not UTF-8 goes out as its own bytes, whatever the terminal's encoding."""
    binary = getattr(stream, "buffer", None)
    if binary is None:
        stream.write(text)
        return
    stream.flush()
    binary.write(text.encode("utf-8", "surrogateescape"))
    binary.flush()


def without_unsafe_fix(diagnostic: Diagnostic) -> Diagnostic:
    if diagnostic.fix is not None and diagnostic.fix.applicability is not Applicability.SAFE:
        from dataclasses import replace

        return replace(diagnostic, fix=None)
    return diagnostic


# A bar only for runs long enough to wonder about, only on a terminal, never with machine output.
_PROGRESS_MIN_FILES = 300


@contextmanager
def progress(output_format: str, quiet: bool,
             color: str = "auto") -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    stderr = stderr_stream()
    if quiet or output_format not in ("text", "concise") or not is_terminal(stderr):
        yield (lambda total: None), (lambda done: None)
        return
    from rich.console import Console
    from rich.progress import Progress

    coloured = use_color(stderr, color)
    progress = Progress(console=Console(file=stderr, color_system="auto" if coloured else None), transient=True)
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


def summary_line(files: int, diagnostics: list[Diagnostic], seconds: float) -> str:
    counts = {severity: 0 for severity in Severity}
    for d in diagnostics:
        counts[d.severity] += 1
    found = ", ".join(f"{counts[s]} {s.label}{'s' if counts[s] != 1 else ''}" for s in sorted(Severity, reverse=True))
    noun = "file" if files == 1 else "files"
    return f"Checked {files} {noun}: {found} in {seconds:.2f}s"


def echo_no_project_note(alone: list[Path]) -> None:
    """Said once: without it, what the other modules of a file's project would tell goes missing
    in silence."""
    if alone:
        more = f" (and {len(alone) - 1} more)" if len(alone) > 1 else ""
        echo_note(f"{display_path(alone[0])}{more}: no project found (no [tool.fastapi-lint], package, pyproject.toml, "
              "setup.cfg, setup.py or .git above it): linted alone, so findings that need its other modules are "
              "missed; add an empty [tool.fastapi-lint] table to the project's pyproject.toml")


def echo_scope_note(result: LintResult, config: Config) -> None:
    """What the scope left out, as Ruff says how many fixes are hidden; or that there is no app."""
    if config.scope == "all":
        return
    if not result.has_app and result.files:
        click.echo("No FastAPI app found: every async function is checked as if an app served it", err=True)
    elif result.out_of_scope:
        count = result.out_of_scope
        click.echo(f"{count} finding{'s' if count != 1 else ''} outside the default scope "
                   "(tests, startup and one-time setup, scripts, private loops, small costs on admin routes, clients one operation reuses "
                   "or error recovery builds, unset switches, pools no request thread uses, deprecations that still work) not shown; "
                   "`--scope all` shows "
                   f"{'them' if count != 1 else 'it'}", err=True)


def echo_unreadable_note(diagnostics: list[Diagnostic]) -> None:
    """Once, the files whose syntax this Python cannot read, and the Python to use instead."""
    from fastapi_lint.api import unreadable_note

    note = unreadable_note(diagnostics)
    if note is not None:
        click.echo(visible(note), err=True)


def echo_fix_summary(remaining: list[Diagnostic], fixed: list[Diagnostic], fixing: bool) -> None:
    if fixing:
        click.echo(f"Fixed {len(fixed)} finding{'s' if len(fixed) != 1 else ''} ({len(remaining)} remaining)", err=True)
    fixable = sum(1 for d in remaining if d.fix is not None)
    if fixable and not fixing:
        click.echo(f"[*] {fixable} fixable with `--fix`", err=True)


def statistics_rows(diagnostics: Sequence[Diagnostic]) -> list[dict[str, object]]:
    """``--statistics``, as Ruff counts: per rule its code, name, count, whether any of its findings
    has a fix ``--fix`` would apply (``fixable``) and how many do; most frequent first, then by code."""
    from fastapi_lint.api import find_rule

    counts: dict[str, list[int]] = {}
    for d in diagnostics:
        tally = counts.setdefault(d.code, [0, 0])
        tally[0] += 1
        tally[1] += d.fix is not None
    rows: list[dict[str, object]] = []
    for code, (count, fixable) in sorted(counts.items(), key=lambda item: (-item[1][0], item[0])):
        rule = find_rule(code)
        rows.append({"code": code, "name": rule.name if rule is not None else code, "count": count,
                     "fixable": fixable > 0, "fixable_count": fixable})
    return rows


def statistics_text(rows: Sequence[dict[str, object]]) -> str:
    """Ruff's lines: the count (right-aligned), the code, ``[*]`` or ``[ ]`` and the name, tab-separated."""
    if not rows:
        return ""
    count_width = max(len(str(row["count"])) for row in rows)
    code_width = max(len(str(row["code"])) for row in rows)
    return "".join(f"{str(row['count']).rjust(count_width)}\t{str(row['code']).ljust(code_width)}\t"
                   f"{'[*]' if row['fixable'] else '[ ]'} {row['name']}\n" for row in rows)


def emit_statistics(diagnostics: Sequence[Diagnostic], output_format: str, output_file: Path | None = None,
                    stream: TextIO | None = None) -> None:
    """``--statistics``: the count per rule in place of the report, where the report would go;
    JSON with ``--format json`` (``usage_problem`` refuses the other machine formats)."""
    rows = statistics_rows(diagnostics)
    if output_format == "json":
        import json

        text = json.dumps(rows, indent=2) + "\n"
    else:
        text = statistics_text(rows)
    if output_file is not None:
        from fastapi_lint.api import write_report

        try:
            write_report(output_file, text)
        except OSError as error:
            fail(f"{output_file}: cannot write the statistics: {error.strerror or error}")
        return
    out = stream if stream is not None else stdout_for_report()
    out.write(text)
    out.flush()


def echo_timings(result: LintResult) -> None:
    """``--timings``: where the time went (per phase), the cache's and the workers' share, and
    what the analysis could not see (unresolved calls)."""
    from fastapi_lint.api import project_counts

    lines = [
        f"files: {result.files} ({result.parsed} parsed, {result.cached} from the cache, "
        f"{result.workers} worker{'s' if result.workers != 1 else ''}), {result.lines} lines",
        *(f"time {phase}: {seconds:.3f}s" for phase, seconds in result.timings.items()),
    ]
    counts = project_counts(result)
    if counts is not None:
        lines.append(
            f"routes: {counts.routes}, functions: {counts.functions}, unresolved calls: {counts.unresolved_calls}"
        )
    for line in lines:
        click.echo(line, err=True)


def columns(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], bold_header: bool = False) -> str:
    """Plain aligned columns: no box drawing, nothing cut, no trailing spaces (the last column is free)."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths)), row[-1]]).rstrip()

    first = line(header)
    return "\n".join([click.style(first, bold=True) if bold_header else first, *map(line, rows)])


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
