"""Ruff-like output: a header, the location, a code frame with the range underlined, help."""

from __future__ import annotations

import os
from typing import TextIO

from fastapi_lint.diagnostics import Diagnostic, Hop, Severity, Span

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold cyan"}


def report(diagnostics: list[Diagnostic], stream: TextIO, sources: dict[str, list[str]]) -> None:
    from rich.console import Console
    from rich.text import Text

    # Colour only on a terminal; rich itself honours NO_COLOR.
    console = Console(file=stream, highlight=False, soft_wrap=True, no_color="NO_COLOR" in os.environ)
    for d in diagnostics:
        header = Text()
        header.append(d.code, style=_STYLE[d.severity])
        if d.fix is not None:
            header.append(" [*]", style="cyan")
        header.append(f" {d.message}", style="bold")
        console.print(header)
        _frame(console, Text, d.path, d.span, sources.get(d.path))
        for hop in d.chain:
            console.print(Text(f"  = via {hop.text}", style="dim"))
            _frame(console, Text, hop.path, Span(hop.line, hop.col, hop.line, hop.col + len(hop.text)), sources.get(hop.path))
        if d.help:
            help_line = Text()
            help_line.append("help", style="bold cyan")
            help_line.append(f": {d.help}")
            console.print(help_line)
        console.print()


def _frame(console: object, text_type: type, path: str, span: Span, lines: list[str] | None) -> None:
    Text = text_type
    gutter = len(str(span.line + 1))
    location = Text()
    location.append(" " * gutter + "--> ", style="blue")
    location.append(f"{path}:{span.line}:{span.col + 1}")
    console.print(location)  # type: ignore[attr-defined]
    if not lines or span.line > len(lines):
        return
    bar = " " * gutter + " |"
    console.print(Text(bar, style="blue"))  # type: ignore[attr-defined]
    first = max(span.line - 1, 1)
    for number in range(first, span.line + 1):
        row = Text()
        row.append(f"{number:>{gutter}} | ", style="blue")
        row.append(lines[number - 1].expandtabs(4) if "\t" in lines[number - 1] else lines[number - 1])
        console.print(row)  # type: ignore[attr-defined]
    line = lines[span.line - 1]
    end = span.end_col if span.end_line == span.line else len(line)
    marker = Text()
    marker.append(bar + " ", style="blue")
    marker.append(" " * _width(line[: span.col]) + "^" * max(_width(line[span.col : end]), 1), style="bold red")
    console.print(marker)  # type: ignore[attr-defined]
    console.print(Text(bar, style="blue"))  # type: ignore[attr-defined]


def _width(text: str) -> int:
    return len(text.expandtabs(4)) if "\t" in text else len(text)
