"""Bytes to a syntax tree, or a FAS900 diagnostic saying why not.

Phase 1 reads facts with the standard library's ``ast``: it parses about ten
times faster than libcst and gives every node its position for free, where
libcst's ``PositionProvider`` alone costs twice its parse (see bench/).
libcst is kept for what needs a lossless tree: rewriting code under ``--fix``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from dataclasses import dataclass

from fastapi_lint.diagnostics import Diagnostic, Severity, Span

PARSE_ERROR_CODE = "FAS900"
PARSE_ERROR_NAME = "parse-error"

# ``ast`` counts these, and only these, as line breaks (``str.splitlines`` also splits on \f, \x1c...).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Parsed:
    source: str
    lines: list[str]
    tree: ast.Module


def split_lines(source: str) -> list[str]:
    return _LINE_BREAK.split(source)


def decode(data: bytes) -> str:
    """Decode as Python does: BOM, then a coding cookie, then UTF-8."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def parse(data: bytes, path: str) -> Parsed | Diagnostic:
    try:
        source = decode(data)
    except (SyntaxError, LookupError) as error:  # unknown or malformed coding cookie
        return parse_error(path, 1, 0, f"cannot read the file's encoding: {error}")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return parse_error(path, line, 0, f"bytes not valid in {error.encoding}: {error.reason}")
    if "\0" in source:
        line = source[: source.index("\0")].count("\n") + 1
        return parse_error(path, line, 0, "the file contains a NUL byte")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences are not our business
            tree = ast.parse(source, filename=path, type_comments=False)
    except SyntaxError as error:
        message = error.msg or "invalid syntax"
        return parse_error(path, error.lineno or 1, max((error.offset or 1) - 1, 0), f"syntax error: {message}")
    except (RecursionError, MemoryError):
        return parse_error(path, 1, 0, "the file is nested too deeply to parse")
    except ValueError as error:
        return parse_error(path, 1, 0, f"cannot parse: {error}")
    return Parsed(source, split_lines(source), tree)


def parse_error(path: str, line: int, col: int, message: str) -> Diagnostic:
    return Diagnostic(
        code=PARSE_ERROR_CODE,
        name=PARSE_ERROR_NAME,
        severity=Severity.ERROR,
        message=message,
        path=path,
        span=Span(line, col, line, col),
    )
