"""A JSON array of findings, with 1-based columns like the other formats."""

from __future__ import annotations

import json
from typing import TextIO

from fastapi_lint.diagnostics import Diagnostic


def as_dict(d: Diagnostic) -> dict[str, object]:
    return {
        "code": d.code,
        "name": d.name,
        "severity": d.severity.label,
        "message": d.message,
        "path": d.path,
        "line": d.span.line,
        "column": d.span.col + 1,
        "end_line": d.span.end_line,
        "end_column": d.span.end_col + 1,
        "help": d.help,
        "fix": None if d.fix is None else {"title": d.fix.title, "applicability": d.fix.applicability.value},
        "chain": [{"path": h.path, "line": h.line, "column": h.col + 1, "text": h.text} for h in d.chain],
    }


def report(diagnostics: list[Diagnostic], stream: TextIO, sources: dict[str, list[str]]) -> None:
    # One string, one write: ``json.dump`` writes each token to the stream on its own.
    stream.write(json.dumps([as_dict(d) for d in diagnostics], indent=2) + "\n")
