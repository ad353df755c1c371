"""``fastapi-lint check -`` (or ``--stdin-filename``): lint standard input as a file of its project."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fastapi_lint.cli.options import CheckOptions
from fastapi_lint.cli.output import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    echo_fix_summary,
    emit,
    emit_statistics,
    stderr_stream,
    stdout_stream,
    summary_line,
    without_unsafe_fix,
)
from fastapi_lint.config import Config
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.paths import display_path

if TYPE_CHECKING:
    from fastapi_lint.api import Context


def check_stdin(name: Path, config: Config, options: CheckOptions, cache_dir: Path | None) -> int:
    """Lint standard input as the module ``name``: its module name, its configuration, its project.

    The text is linked with the other files of ``name``'s project (as for files given on
    the command line, see ``project_scope``; those come from the cache as usual) in place
    of what is on disk at ``name``; the text itself is never cached. Only its findings
    are reported. With ``--fix`` the fixed source goes to standard output and the report to standard
    error (as Ruff does); with ``--diff``, the diff to standard output. The exit code.
    """
    import time

    started = time.perf_counter()
    data = sys.stdin.buffer.read()
    if not options.fix or options.diff:
        return _lint_stdin(data, started, name, config, options, cache_dir, None)
    # An editor's fix-on-save replaces its buffer with standard output: whatever stops the fix
    # (text that cannot be decoded, an internal error), the buffer gets its own bytes back.
    sent: list[bytes] = []

    def send(output: bytes) -> None:
        sent.append(output)
        sys.stdout.buffer.write(output)
        sys.stdout.buffer.flush()

    try:
        return _lint_stdin(data, started, name, config, options, cache_dir, send)
    finally:
        if not sent:
            send(data)


def _lint_stdin(data: bytes, started: float, name: Path, config: Config, options: CheckOptions,
                cache_dir: Path | None, send: Callable[[bytes], None] | None) -> int:
    """``check_stdin`` once the text is read; ``send`` takes the fixed text (``--fix``)."""
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
        from fastapi_lint.api import fix_text

        planned = fix_text(source, shown, options.wanted_fixes(diagnostics), options.unsafe_fixes, context, config)
        if options.diff:
            stdout_stream().write(planned.diff(shown))
            count = len(planned.applied)
            click.echo(f"Would fix {count} finding{'s' if count != 1 else ''}", err=True)
            return EXIT_FINDINGS if planned.changed else EXIT_OK
        fixed = planned.applied
        new_source = planned.new_source
        if send is not None:
            send(encode_like(new_source, data) if planned.changed else data)
        if planned.changed:
            source = new_source
            diagnostics, context, internal = lint(encode_like(new_source, data))
    if not options.unsafe_fixes:
        diagnostics = [without_unsafe_fix(d) for d in diagnostics]
    report_stream = None if not options.fix or options.output_file else stderr_stream()
    if options.statistics:
        emit_statistics(diagnostics, options.output_format, options.output_file, stream=report_stream)
    else:
        emit(diagnostics, options.output_format, options.output_file, context=context, config=config,
             unsafe=options.unsafe_fixes, texts={shown: source} if source is not None else {}, stream=report_stream,
             color=options.color)
    if not options.quiet:
        click.echo(summary_line(1, diagnostics, time.perf_counter() - started), err=True)
        echo_fix_summary(diagnostics, fixed, options.fix)
    if internal:
        return EXIT_ERROR
    failing = [d for d in diagnostics if d.severity >= config.fail_on]
    return EXIT_FINDINGS if failing and not options.exit_zero else EXIT_OK
