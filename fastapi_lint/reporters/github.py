"""GitHub Actions workflow commands (``--format github``): annotations on the pull request.

``::error file=app.py,line=10,col=5,endLine=10,endColumn=18,title=FAS101 blocking-call-in-async::message``

Errors are ``error``, warnings ``warning``, infos ``notice``. Columns are 1-based.
GitHub's escaping: in the message ``%``, ``\\r``, ``\\n``; in property values also
``:`` and ``,`` (which would end the value).
"""

from __future__ import annotations

from typing import TextIO

from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.reporters.surrogates import valid_text

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return valid_text(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def line(d: Diagnostic) -> str:
    properties = [
        ("file", d.path),
        ("line", str(d.span.line)),
        ("col", str(d.span.col + 1)),
        ("endLine", str(d.span.end_line)),
        ("endColumn", str(d.span.end_col + 1)),
        ("title", f"{d.code} {d.name}"),
    ]
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    message = d.message + (f"\nhelp: {d.help}" if d.help else "")
    return f"::{COMMANDS[d.severity]} {props}::{escape_data(message)}\n"


def report(diagnostics: list[Diagnostic], stream: TextIO, sources: dict[str, list[str]]) -> None:
    stream.write("".join(line(d) for d in diagnostics))
