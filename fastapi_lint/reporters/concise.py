"""``path:line:col: CODE message``: one line per finding, for grep and editors."""

from __future__ import annotations

from typing import TextIO

from fastapi_lint.diagnostics import Diagnostic


def report(diagnostics: list[Diagnostic], stream: TextIO, sources: dict[str, list[str]]) -> None:
    for d in diagnostics:
        stream.write(f"{d.path}:{d.span.line}:{d.span.col + 1}: {d.code} {d.message}\n")
