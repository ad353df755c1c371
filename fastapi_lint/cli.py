"""The command line: ``fastapi-lint [check] PATHS``, ``rules``, ``explain``.

Exit codes: 0 nothing at or above ``--fail-on``, 1 findings, 2 usage, config
or internal error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from fastapi_lint import __version__
from fastapi_lint.config import Config, ConfigError, parse_selector_option, validate_selectors
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.reporters import FORMATS

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class DefaultGroup(click.Group):
    """Runs ``check`` when the first argument is not a subcommand (``fastapi-lint src/``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        return super().parse_args(ctx, args)


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
) -> None:
    """Lint PATHS (default: the current folder)."""
    from fastapi_lint.api import lint_paths, load_config

    targets = list(paths) or [Path(".")]
    try:
        config = load_config(targets, config_file)
        config = config.with_overrides(
            select=parse_selector_option(select),
            extend_select=parse_selector_option(extend_select),
            ignore=parse_selector_option(ignore),
            fail_on=Severity.parse(fail_on) if fail_on else None,
        )
        validate_selectors(config, "command line")
    except ConfigError as error:
        _fail(str(error))
    result = lint_paths(targets, config, debug=debug)
    for missing in result.missing:
        _fail(f"{missing}: no such file or directory")
    for skipped in result.skipped:
        click.echo(f"fastapi-lint: skipping {skipped}: not a Python file", err=True)
    _emit(result.diagnostics, output_format)
    if not quiet:
        click.echo(_summary_line(result.files, result.diagnostics, result.seconds), err=True)
    if result.internal_errors:
        sys.exit(EXIT_ERROR)
    failing = [d for d in result.diagnostics if d.severity >= config.fail_on]
    sys.exit(EXIT_FINDINGS if failing and not exit_zero else EXIT_OK)


def _emit(diagnostics: list[Diagnostic], output_format: str) -> None:
    from fastapi_lint import reporters

    sources: dict[str, list[str]] = {}
    if output_format == "text":
        sources = _read_sources(diagnostics)
    reporters.get(output_format)(diagnostics, click.get_text_stream("stdout"), sources)


def _read_sources(diagnostics: list[Diagnostic]) -> dict[str, list[str]]:
    from fastapi_lint.analysis.parse import decode, split_lines

    sources: dict[str, list[str]] = {}
    paths = {d.path for d in diagnostics} | {hop.path for d in diagnostics for hop in d.chain}
    for path in paths:
        try:
            sources[path] = split_lines(decode(Path(path).read_bytes()))
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
            continue
    return sources


def _summary_line(files: int, diagnostics: list[Diagnostic], seconds: float) -> str:
    counts = {severity: 0 for severity in Severity}
    for d in diagnostics:
        counts[d.severity] += 1
    found = ", ".join(f"{counts[s]} {s.label}{'s' if counts[s] != 1 else ''}" for s in sorted(Severity, reverse=True))
    noun = "file" if files == 1 else "files"
    return f"Checked {files} {noun}: {found} in {seconds:.2f}s"


def _fail(message: str) -> None:
    click.echo(f"fastapi-lint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


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
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for column in ("Code", "Name", "Severity", "Default", "Fix", "Summary"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["code"]), str(row["name"]), str(row["severity"]),
            "on" if row["default"] else "off", "yes" if row["fixable"] else "", str(row["summary"]),
        )
    Console(soft_wrap=False, width=200).print(table)


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show a rule's documentation, by code (FAS101) or name (blocking-call-in-async)."""
    import inspect

    from fastapi_lint.rules import by_name, registry

    found = registry().get(rule.upper()) or by_name().get(rule)
    if found is None:
        _fail(f"unknown rule `{rule}` (see `fastapi-lint rules`)")
        return
    doc = inspect.cleandoc(found.__doc__ or "")
    default = "on" if found.default_enabled else "off"
    click.echo(f"# {found.code} ({found.name})\n")
    click.echo(f"Severity: {found.severity.label}. Default: {default}. Fix: {'available' if found.fixable else 'none'}.\n")
    click.echo(doc)
