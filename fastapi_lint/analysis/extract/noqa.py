"""``# noqa``: the grammar of the comment, where a file has one, and whether it silences a finding.

Read in phase 1 (``find_noqa``, into ``ModuleSummary.noqa``), matched in phase 2
(``is_suppressed``), written by ``--add-noqa`` (``fixes/add_noqa.py``) with the same grammar.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.source import split_lines

# ``# noqa``, ``#NOQA``, ``# noqa:FAS101``, ``# noqa: FAS101, FAS103``, ``# noqa: blocking-call-in-async``.
# After the colon only words that look like a code (letters then digits) or a rule name (hyphenated)
# are taken, so ``# noqa: FAS101 because the client is mocked`` names FAS101 alone.
_CODE = r"(?:[A-Za-z]+[0-9]+|[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)"
NOQA = re.compile(
    rf"#\s*noqa(?:\s*:\s*(?P<codes>{_CODE}(?:(?:\s*,\s*|\s+){_CODE})*))?(?![\w-])",
    re.IGNORECASE,
)
NOQA_CODE = re.compile(_CODE)
_NOQA_WORD = re.compile("noqa", re.IGNORECASE)


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
        match = NOQA.search(line)
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
    return tuple(NOQA_CODE.findall(match.group("codes"))) if match.group("codes") else ()


class _CommentProof:
    """Which ``# noqa`` of a line is in a comment rather than in a string literal."""

    def __init__(self, source: str, tree: ast.AST | None) -> None:
        self.source = source
        self.spans = _string_spans(tree) if tree is not None else None
        self.comments: dict[int, str] | None = None
        self.tokenized = False

    def first_comment_match(self, number: int, line: str) -> re.Match[str] | None:
        if self.spans is not None:
            for match in NOQA.finditer(line):
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
            return NOQA.search(line)
        comment = self.comments.get(number)
        return NOQA.search(comment) if comment is not None else None


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


def is_suppressed(diagnostic: Diagnostic, summary: ModuleSummary) -> bool:
    """Whether a ``# noqa`` on the finding's line (or one of its ``noqa_lines``) silences it."""
    for line in (diagnostic.span.line, *diagnostic.noqa_lines):
        codes = summary.noqa.get(line)
        if codes is None:
            continue
        if not codes:
            return True
        wanted = {diagnostic.code.upper(), diagnostic.name.lower()}
        if any(code.upper() in wanted or code.lower() in wanted for code in codes):
            return True
    return False
