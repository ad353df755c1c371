"""The commands beside ``check``: ``rules``, ``explain``, ``routes``, ``server`` and ``clean``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from fastapi_lint.cli.options import color_option, non_empty_path, path_problem, usable_cache_dir
from fastapi_lint.cli.output import (
    EXIT_OK,
    Failure,
    columns,
    echo_note,
    fail,
    internal_error,
    markdown_to_text,
    one_exit,
    is_terminal,
    stdout_for_report,
    stdout_stream,
    use_color,
    visible,
)
from fastapi_lint.config import ConfigError
from fastapi_lint.reporters.routes import ROUTE_FORMATS


@click.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@color_option
@one_exit
def rules(output_format: str, color: str) -> int:
    """List every rule: code, name, severity, default on/off, fixable."""
    from fastapi_lint.api import all_rules

    rows = [
        {
            "code": rule.code,
            "name": rule.name,
            "severity": rule.severity.label,
            "default": rule.default_enabled,
            "fixable": rule.fixable,
            "summary": rule.summary(),
        }
        for rule in all_rules()
    ]
    if output_format == "json":
        import json

        click.echo(json.dumps(rows, indent=2))
        return EXIT_OK
    header = ("Code", "Name", "Severity", "Default", "Fix", "Summary")
    table = [
        (str(r["code"]), str(r["name"]), str(r["severity"]), "on" if r["default"] else "off",
         "yes" if r["fixable"] else "no", str(r["summary"]))
        for r in rows
    ]
    bold = use_color(stdout_stream(), color)
    click.echo(columns(header, table, bold_header=bold), color=bold)
    return EXIT_OK


@click.command()
@click.argument("rule", required=False)
@click.option("--all", "every", is_flag=True, help="Every rule, in code order.")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown"]), default="text", show_default=True,
              help="text: for reading here (rendered on a terminal); markdown: the source of the rule's page.")
@click.option("--output-dir", type=click.Path(file_okay=False), callback=non_empty_path,
              help="With --all --format markdown: write one page per rule (FAS101.md) and an index (README.md) "
                   "into this folder, replacing stale pages, instead of printing.")
@color_option
@one_exit
def explain(rule: str | None, every: bool, output_format: str, output_dir: Path | None, color: str) -> int:
    """Show a rule's documentation, by code (FAS101) or name (blocking-call-in-async).

    The same text is the rule's docstring; `fastapi-lint explain --all --format markdown
    --output-dir DIR` writes it as one Markdown page per rule, for a documentation site.
    """
    from fastapi_lint.api import all_rules, find_rule, rule_markdown, similar_rule_names

    if every == (rule is not None):
        fail("give a rule (a code or a name) or --all, not both" if every else "give a rule (a code or a name) or --all")
    if output_dir is not None:
        if not every or output_format != "markdown":
            fail("--output-dir writes every rule's page: give --all --format markdown")
        return _write_rule_pages(output_dir)
    if rule is not None:
        found = find_rule(rule)
        if found is None:
            close = similar_rule_names(rule)
            hint = f" (did you mean {', '.join(f'`{c}`' for c in close)}?)" if close else " (see `fastapi-lint rules`)"
            fail(f"unknown rule `{rule}`{hint}")
        markdown = rule_markdown(found)
    else:
        markdown = "\n".join(rule_markdown(found) for found in all_rules())
    if output_format == "markdown":
        click.echo(markdown, nl=False)
        return EXIT_OK
    if use_color(stdout_stream(), color):
        try:
            from rich.console import Console
            from rich.markdown import Markdown

            Console(file=stdout_stream(), highlight=False, force_terminal=True).print(Markdown(markdown))
            return EXIT_OK
        except Exception:  # rich missing or failing: the plain text is as good
            pass
    click.echo(markdown_to_text(markdown), nl=False)
    return EXIT_OK


def _write_rule_pages(folder: Path) -> int:
    """The rules' pages written into ``folder`` (made if missing); a page of ours that names no
    rule any more is removed, any other file left alone."""
    from fastapi_lint.api import is_generated_rule_page, rule_pages, write_report

    pages = rule_pages()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        changed = 0
        for name, text in pages.items():
            path = folder / name
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                write_report(path, text)
                changed += 1
        stale = [path for path in sorted(folder.glob("FAS*.md"))
                 if path.name not in pages and is_generated_rule_page(path.read_text(encoding="utf-8", errors="replace"))]
        for path in stale:
            path.unlink()
    except OSError as error:
        fail(f"{folder}: cannot write the rule pages: {error.strerror or error}")
    click.echo(f"{len(pages)} pages in {visible(str(folder))}: {changed} written, {len(stale)} removed", err=True)
    return EXIT_OK


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(list(ROUTE_FORMATS)), default="text", show_default=True,
              help="text: a table; json: the rows; mermaid: a flowchart for Markdown; html: one self-contained page.")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the route map to this file (replaced atomically) instead of standard output.")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read [tool.fastapi-lint] from this pyproject.toml instead of searching.")
@color_option
@one_exit
def routes(paths: tuple[Path, ...], output_format: str, output_file: Path | None, config_file: Path | None,
           color: str) -> int:
    """Draw the route map: every route, how it runs, its dependencies and findings, worst first."""
    import io

    from fastapi_lint.api import lint_paths, load_config, route_map_data, route_rows, unnamed_handlers, write_report
    from fastapi_lint.reporters import routes as route_formats
    from fastapi_lint.reporters.route_table import as_json, as_table

    targets = list(paths) or [Path(".")]
    problems = [problem for problem in map(path_problem, targets) if problem]
    if problems:
        fail(problems[0])
    buffer = io.StringIO() if output_file is not None else None
    try:
        config = load_config(targets, config_file)
        result = lint_paths(targets, config, cache_dir=usable_cache_dir(None, config), jobs=None)
        rows = route_rows(result)
        unnamed = unnamed_handlers(result)
        out = buffer if buffer is not None else stdout_for_report()
        if output_format == "json":
            as_json(route_map_data(rows), out)
        elif output_format == "text":  # a file is neither coloured nor folded to a width
            as_table(rows, out, color=buffer is None and use_color(out, color), terminal=buffer is None and is_terminal(out))
        else:
            route_formats.get(output_format)(rows, out)
    except ConfigError as error:
        fail(str(error))
    except (Failure, BrokenPipeError):
        raise
    except Exception as error:
        fail(internal_error(error))
    if buffer is not None and output_file is not None:
        try:
            write_report(output_file, buffer.getvalue())
        except OSError as error:
            fail(f"{output_file}: cannot write the route map: {error.strerror or error}")
    if output_format != "json" or output_file is not None:
        click.echo(f"{len(rows)} routes", err=True)
    if unnamed:
        echo_note(f"{unnamed}: a route is registered with a handler the analysis cannot name, so the app may serve "
                  "any async function of the project: the map lacks that route, and `check` reports async code no "
                  "route reaches as warnings")
    return EXIT_OK


@click.command()
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the only way; accepted as editors pass it).")
@one_exit
def server(stdio: bool) -> int:
    """Run the language server for editors (LSP over standard input and output)."""
    from fastapi_lint.server import serve

    serve()
    return EXIT_OK


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--cache-dir", type=click.Path(file_okay=False), callback=non_empty_path,
              help="The cache folder to remove.")
@one_exit
def clean(paths: tuple[Path, ...], cache_dir: Path | None) -> int:
    """Remove the cache of the project PATHS belong to (default: the current folder's)."""
    from fastapi_lint.api import default_cache_dir, load_config, remove_cache

    try:
        folder = Path(os.path.realpath(cache_dir)) if cache_dir else default_cache_dir(load_config(list(paths) or [Path(".")]))
    except ConfigError as error:
        fail(str(error))
    if not os.path.lexists(folder):
        click.echo(f"No cache at {visible(str(folder))}", err=True)
        return EXIT_OK
    try:
        reason = remove_cache(folder)
    except OSError as error:
        fail(f"{folder}: cannot remove the cache: {error.strerror or error}")
    if reason is not None:
        fail(f"{folder} is not a fastapi-lint cache ({reason}): left alone")
    click.echo(f"Removed {visible(str(folder))}", err=True)
    return EXIT_OK
