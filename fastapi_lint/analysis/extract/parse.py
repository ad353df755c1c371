"""Bytes to a syntax tree, or a FAS900 diagnostic saying why not.

Phase 1 reads facts with the standard library's ``ast``: it parses about ten
times faster than libcst and gives every node its position for free, where
libcst's ``PositionProvider`` alone costs twice its parse (see bench/).
libcst is kept for what needs a lossless tree: rewriting code under ``--fix``.
"""

from __future__ import annotations

import ast
import hashlib
import sys
import re
import warnings
from dataclasses import dataclass

from fastapi_lint.diagnostics import INTERNAL_ERROR_HINT, Diagnostic, Severity, Span
from fastapi_lint.source import decode, split_lines

PARSE_ERROR_CODE = "FAS900"
# What a file kept in Git LFS holds in a checkout that did not fetch it: a pointer, not the file.
GIT_LFS_POINTER = "version https://git-lfs.github.com/spec/"
LFS_POINTER_MESSAGE = "a Git LFS pointer, not Python source: the file's content was never fetched"
PARSE_ERROR_NAME = "parse-error"
# A code generator's template (cookiecutter, copier, an SDK generator) named ``.py``: its Jinja
# tags (``{% if %}``, ``{{ name }}``) are not Python. Told by the line the parser stops at.
TEMPLATE_MESSAGE = "a Jinja template, not Python source"
_JINJA_TAG = re.compile(r"\{%-?\s+(?:if|elif|else|endif|for|endfor|set|endset|raw|endraw|macro|include|import|from|block|with)\b"
                        r"|\{\{-?\s*[\w.]+\s*(?:\|[^}]*)?-?\}\}|\{#.*#\}")

_BYTE_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=]")

@dataclass(frozen=True)
class Parsed:
    source: str
    lines: list[str]
    tree: ast.Module


def text_digest(source: str) -> str:
    """A short hash of the text: which text a module's facts describe (``ModuleSummary.text_digest``)."""
    return hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def parse(data: bytes, path: str) -> Parsed | Diagnostic:
    try:
        source = decode(data)
    except (SyntaxError, LookupError) as error:  # unknown or malformed coding cookie
        message = error.msg if isinstance(error, SyntaxError) and error.msg else str(error)
        return parse_error(path, _cookie_line(data), 0, f"cannot read the file's encoding: {message}")
    except UnicodeDecodeError as error:
        breaks = list(_BYTE_LINE_BREAK.finditer(data, 0, error.start))
        line = len(breaks) + 1
        line_start = breaks[-1].end() if breaks else 0
        col = len(data[line_start : error.start].decode(error.encoding, errors="replace").lstrip("\ufeff"))
        return parse_error(path, line, col, f"bytes not valid in {error.encoding}: {error.reason} (byte {data[error.start]:#04x})")
    if source.startswith(GIT_LFS_POINTER):
        return parse_error(path, 1, 0, LFS_POINTER_MESSAGE, help="Fetch it with `git lfs pull`, or leave it out with `exclude`")
    if "\0" in source:
        index = source.index("\0")
        lines = split_lines(source[:index])
        return parse_error(path, len(lines), len(lines[-1]), "the file contains a NUL byte")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences are not our business
            tree = ast.parse(source, filename=path, type_comments=False)
    except SyntaxError as error:  # IndentationError and TabError too
        line = error.lineno or 1
        col = max((error.offset or 1) - 1, 0)
        # Syntax newer than this interpreter's grammar: read as the newest Python reads it.
        from fastapi_lint.analysis.extract.downgrade import read_newer
        from fastapi_lint.analysis.extract.downgrade.features import NEWEST_GRAMMAR, shown

        try:
            newer = read_newer(source)
        except Exception as bug:  # a bug in the rewrite must not cost the other files
            return parse_error(path, line, col, f"internal error while reading syntax newer than {_running()} "
                                                f"({type(bug).__name__}: {bug}); {INTERNAL_ERROR_HINT}")
        if isinstance(newer, ast.Module):
            return Parsed(source, split_lines(source), newer)
        if newer is not None:
            return parse_error(path, line, col, newer.message, help=newer.help)
        message = error.msg or "invalid syntax"
        lines = split_lines(source)
        if 0 < line <= len(lines) and _JINJA_TAG.search(lines[line - 1]):
            return parse_error(path, line, col, f"{TEMPLATE_MESSAGE}: the parser stops at a template tag ({message})",
                               help="A generator renders it; lint the code it generates, or leave it out with `exclude`")
        return parse_error(path, line, col, f"syntax error: {message}",
                           help=f"Parsed with {_running()}'s grammar, then with Python {shown(NEWEST_GRAMMAR)}'s (libcst's): "
                                "if the project targets a newer Python, run fastapi-lint with it")
    except (RecursionError, MemoryError):
        return parse_error(path, 1, 0, "the file is nested too deeply to parse")
    except ValueError as error:  # pragma: no cover - NUL bytes are caught above
        return parse_error(path, 1, 0, f"cannot parse: {error}")
    return Parsed(source, split_lines(source), tree)


def _running() -> str:
    return f"Python {sys.version_info.major}.{sys.version_info.minor}"


def _cookie_line(data: bytes) -> int:
    for number, line in enumerate(data.splitlines()[:2], 1):
        if _CODING.match(line):
            return number
    return 1


def parse_error(path: str, line: int, col: int, message: str, help: str | None = None) -> Diagnostic:
    return Diagnostic(
        code=PARSE_ERROR_CODE,
        name=PARSE_ERROR_NAME,
        severity=Severity.ERROR,
        message=message,
        path=path,
        span=Span(line, col, line, col),
        help=help,
    )
