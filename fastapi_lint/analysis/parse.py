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
import io
import re
import tokenize
import warnings
from dataclasses import dataclass

from fastapi_lint.diagnostics import Diagnostic, Severity, Span
from fastapi_lint.source import decode, split_lines

PARSE_ERROR_CODE = "FAS900"
PARSE_ERROR_NAME = "parse-error"

_BYTE_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=]")

# ``# noqa``, ``#NOQA``, ``# noqa:FAS101``, ``# noqa: FAS101, FAS103``, ``# noqa: blocking-call-in-async``.
# After the colon only words that look like a code (letters then digits) or a rule name (hyphenated)
# are taken, so ``# noqa: FAS101 because the client is mocked`` names FAS101 alone.
_CODE = r"(?:[A-Za-z]+[0-9]+|[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)"
_NOQA = re.compile(
    rf"#\s*noqa(?:\s*:\s*(?P<codes>{_CODE}(?:(?:\s*,\s*|\s+){_CODE})*))?(?![\w-])",
    re.IGNORECASE,
)
_NOQA_CODE = re.compile(_CODE)
_NOQA_WORD = re.compile("noqa", re.IGNORECASE)


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
    if "\0" in source:
        index = source.index("\0")
        lines = split_lines(source[:index])
        return parse_error(path, len(lines), len(lines[-1]), "the file contains a NUL byte")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences are not our business
            tree = ast.parse(source, filename=path, type_comments=False)
    except SyntaxError as error:  # IndentationError and TabError too
        message = error.msg or "invalid syntax"
        line = error.lineno or 1
        col = max((error.offset or 1) - 1, 0)
        # The running interpreter's grammar decides: newer syntax reads as an error here.
        grammar = f"Python {sys.version_info.major}.{sys.version_info.minor}"
        return parse_error(path, line, col, f"syntax error: {message}",
                           help=f"Parsed with {grammar}'s grammar: run fastapi-lint with the Python your project targets")
    except (RecursionError, MemoryError):
        return parse_error(path, 1, 0, "the file is nested too deeply to parse")
    except ValueError as error:  # pragma: no cover - NUL bytes are caught above
        return parse_error(path, 1, 0, f"cannot parse: {error}")
    return Parsed(source, split_lines(source), tree)


def _cookie_line(data: bytes) -> int:
    for number, line in enumerate(data.splitlines()[:2], 1):
        if _CODING.match(line):
            return number
    return 1


def find_noqa(source: str, lines: list[str] | None = None, tree: ast.AST | None = None) -> dict[int, tuple[str, ...]]:
    """Line -> codes or names of each ``# noqa`` comment (an empty tuple for a bare ``# noqa``).

    Only real comments count: ``"# noqa"`` inside a string does not suppress anything. Proving
    that is needed only for a ``# noqa`` that could silence one of our rules and sits after a
    quote or in a file with multi-line strings, so ``# noqa: E501`` costs nothing. With the
    file's ``tree``, the proof is the string literals' positions (a few times cheaper than the
    tokenizer, which is the fallback without one).
    """
    if not _NOQA_WORD.search(source):
        return {}
    if lines is None:
        lines = split_lines(source)
    multiline_strings = '"""' in source or "'''" in source
    proof: _CommentProof | None = None
    found: dict[int, tuple[str, ...]] = {}
    for number, line in enumerate(lines, 1):
        match = _NOQA.search(line)
        if match is None:
            continue
        codes = _codes(match)
        if codes and not any(_could_be_ours(code) for code in codes):
            found[number] = codes  # silences nothing of ours: no need to prove it is a comment
            continue
        prefix = line[: match.start()]
        continued = number > 1 and lines[number - 2].endswith("\\")
        if multiline_strings or continued or "'" in prefix or '"' in prefix:
            proof = proof or _CommentProof(source, tree)
            match = proof.first_comment_match(number, line)
            if match is None:
                continue
            codes = _codes(match)
        found[number] = codes
    return found


def _codes(match: re.Match[str]) -> tuple[str, ...]:
    return tuple(_NOQA_CODE.findall(match.group("codes"))) if match.group("codes") else ()


class _CommentProof:
    """Which ``# noqa`` of a line is in a comment rather than in a string literal."""

    def __init__(self, source: str, tree: ast.AST | None) -> None:
        self.source = source
        self.spans = _string_spans(tree) if tree is not None else None
        self.comments: dict[int, str] | None = None
        self.tokenized = False

    def first_comment_match(self, number: int, line: str) -> re.Match[str] | None:
        if self.spans is not None:
            for match in _NOQA.finditer(line):
                column = len(line[: match.start()].encode("utf-8"))  # ast columns count UTF-8 bytes
                inside = [(start, end) for start, end in self.spans if start <= (number, column) < end]
                if not inside:
                    return match
                if any(start[0] != end[0] for start, end in inside):
                    # A literal over several lines may be parts concatenated across lines, with
                    # comments between them, which ast does not tell apart: ask the tokenizer.
                    return self._tokenized_match(number, line)
            return None
        return self._tokenized_match(number, line)

    def _tokenized_match(self, number: int, line: str) -> re.Match[str] | None:
        if not self.tokenized:
            self.comments, self.tokenized = _comments(self.source), True
        if self.comments is None:  # without tokens (the tokenizer gave up), trust the raw line
            return _NOQA.search(line)
        comment = self.comments.get(number)
        return _NOQA.search(comment) if comment is not None else None


def _string_spans(tree: ast.AST) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where each string literal (f-strings and implicit concatenations whole) starts and ends."""
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))):
            if node.end_lineno is not None and node.end_col_offset is not None:
                spans.append(((node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)))
    return spans


def _could_be_ours(code: str) -> bool:
    """``FAS101`` or a rule name (``blocking-call-in-async``); not ``E501`` or ``B008``."""
    return code[:3].upper() == "FAS" or "-" in code


def _comments(source: str) -> dict[int, str] | None:
    """Line -> text of the comment on it, or ``None`` when the source cannot be tokenized."""
    comments: dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source, newline=None).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string
    except (tokenize.TokenError, SyntaxError, RecursionError, ValueError):
        return None
    return comments


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
