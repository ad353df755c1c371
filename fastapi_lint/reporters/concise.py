"""``path:line:col: CODE message``: one line per finding, for grep and editors. Columns are 1-based."""

from __future__ import annotations

from typing import TextIO

from fastapi_lint.diagnostics import Diagnostic


def report(diagnostics: list[Diagnostic], stream: TextIO, sources: dict[str, list[str]]) -> None:
    from fastapi_lint.reporters.text import clean

    lines = [
        f"{clean(d.path)}:{d.span.line}:{d.span.col + 1}: {d.code} {clean(d.message)}\n"
        for d in diagnostics
    ]
    stream.write("".join(lines))
