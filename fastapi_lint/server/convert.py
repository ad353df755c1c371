"""Findings as the protocol shows them: ranges in the client's units, severities, the chain's
hops as related information.

A ``Span`` counts characters (code points) on 1-based lines; LSP counts 0-based lines and, by
default, UTF-16 code units. An open file's lines are at hand and columns are converted with
the position encoding the client and pygls agreed on; a hop in a file the editor has not opened
keeps its character column (the same for any line without characters outside the BMP).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from fastapi_lint.diagnostics import Diagnostic, Severity

SOURCE = "fastapi-lint"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}

# (0-based line, character column) -> the column in the client's units
Columns = Callable[[int, int], int]


def columns_of(lines: Sequence[str], units: Callable[[str], int]) -> Columns:
    """Columns of a text whose lines are ``lines``, counted by ``units`` (the codec's)."""

    def column(line: int, character: int) -> int:
        if 0 <= line < len(lines):
            return int(units(lines[line][:character]))
        return character

    return column


def same_columns(line: int, character: int) -> int:
    return character


def uri_for(shown: str, files: dict[str, Path]) -> str:
    """The URI of a file the project names ``shown`` (a display path: relative to the working folder)."""
    path = files.get(shown)
    absolute = os.path.abspath(path if path is not None else shown)
    return from_fs_path(absolute) or "file://" + absolute


def to_lsp(d: Diagnostic, column: Columns, files: dict[str, Path], related: bool = True) -> types.Diagnostic:
    start_line, end_line = max(d.span.line - 1, 0), max(d.span.end_line - 1, 0)
    message = d.message if not d.help else f"{d.message}\n{d.help}"
    hops = [_related(hop.path, hop.line, hop.col, hop.text, column if hop.path == d.path else same_columns, files)
            for hop in d.chain] if related else []
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(line=start_line, character=column(start_line, max(d.span.col, 0))),
            end=types.Position(line=end_line, character=column(end_line, max(d.span.end_col, 0))),
        ),
        message=message,
        severity=_SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning),
        code=d.code,
        code_description=_rule_page(d.code),
        source=SOURCE,
        related_information=hops or None,
        data={"code": d.code, "line": d.span.line, "col": d.span.col},
    )


def _rule_page(code: str) -> types.CodeDescription | None:
    """The rule's documentation (``api.rule_url``, as SARIF's ``helpUri``): editors show the code as its link."""
    from fastapi_lint.api import find_rule, rule_url

    rule = find_rule(code)
    return types.CodeDescription(href=rule_url(rule)) if rule is not None else None


def _related(shown: str, line: int, col: int, text: str, column: Columns, files: dict[str, Path]) -> types.DiagnosticRelatedInformation:
    at = types.Position(line=max(line - 1, 0), character=column(max(line - 1, 0), max(col, 0)))
    return types.DiagnosticRelatedInformation(
        location=types.Location(uri=uri_for(shown, files), range=types.Range(start=at, end=at)),
        message=text,
    )


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def lines_of(text: str) -> list[str]:
    """The text's lines with their endings, split where LSP splits them (CRLF, CR, LF)."""
    return _LINE.findall(text)


def text_edit(old: str, new: str, units: Callable[[str], int]) -> types.TextEdit:
    """One edit that turns ``old`` into ``new``: the whole lines between their common first and
    last lines, replaced. Whole lines, so the columns are 0 but at the end of a last line without
    a line break (counted with ``units``, the client's)."""
    before, after = lines_of(old), lines_of(new)
    head = 0
    while head < min(len(before), len(after)) and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < min(len(before), len(after)) - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    stop = len(before) - tail
    if stop == len(before) and before and not before[-1].endswith(("\n", "\r")):
        end = types.Position(line=len(before) - 1, character=int(units(before[-1])))
    else:
        end = types.Position(line=stop, character=0)
    return types.TextEdit(
        range=types.Range(start=types.Position(line=head, character=0), end=end),
        new_text="".join(after[head:len(after) - tail]),
    )
