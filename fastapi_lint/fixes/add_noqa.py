"""``--add-noqa``: a ``# noqa: CODE`` comment for each finding, written with the grammar the
analysis reads (``analysis/extract/noqa.py``)."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Sequence

from fastapi_lint.analysis.extract.noqa import NOQA, NOQA_CODE
from fastapi_lint.diagnostics import Diagnostic


def add_noqa_comments(text: str, diagnostics: Sequence[Diagnostic]) -> tuple[str, int, list[Diagnostic]]:
    """``text`` with ``# noqa: CODE`` for each finding: the new text, codes added, findings missed.

    The comment goes on the finding's first line, merged into a ``# noqa: X`` already there
    (never a code twice); when that line ends inside a string or with a backslash, on one of
    the finding's other ``noqa_lines`` (its ``def`` line, a decorator) if any can take it.
    Lines and their endings are otherwise kept byte for byte.
    """
    lines = _split_keep_ends(text)
    comments, blocked = _comment_facts(text, len(lines))
    wanted: dict[int, list[str]] = {}
    missed: list[Diagnostic] = []
    for d in sorted(diagnostics, key=Diagnostic.sort_key):
        for number in (d.span.line, *d.noqa_lines):
            if 1 <= number <= len(lines) and number not in blocked:
                codes = wanted.setdefault(number, [])
                if d.code not in codes:
                    codes.append(d.code)
                break
        else:
            missed.append(d)
    added = 0
    for number, codes in sorted(wanted.items()):
        content, ending = lines[number - 1]
        comment = comments.get(number)
        match = NOQA.search(content, comment) if comment is not None else None
        if match is not None and not match.group("codes"):
            continue  # a bare ``# noqa`` already silences everything on the line
        if match is not None:
            present = {code.upper() for code in NOQA_CODE.findall(match.group("codes"))}
            new = [code for code in codes if code.upper() not in present]
            if not new:
                continue
            at = match.end("codes")
            content = f"{content[:at]}, {', '.join(new)}{content[at:]}"
        else:
            new = codes
            stripped = content.rstrip(" \t")
            content = f"{stripped}  # noqa: {', '.join(new)}" if stripped else f"# noqa: {', '.join(new)}"
        lines[number - 1] = (content, ending)
        added += len(new)
    return "".join(content + ending for content, ending in lines), added, missed


def _split_keep_ends(text: str) -> list[tuple[str, str]]:
    """Lines and their endings, split where Python splits them (CRLF, CR, LF)."""
    parts = re.split(r"(\r\n|\r|\n)", text)
    pairs = [(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
    if parts[-1] or not pairs:
        pairs.append((parts[-1], ""))
    return pairs


def _comment_facts(text: str, count: int) -> tuple[dict[int, int], set[int]]:
    """Per line: where its comment starts (column); and the lines that cannot take one
    (the line ends inside a string, an f-string, or with a backslash continuation)."""
    comments: dict[int, int] = {}
    blocked: set[int] = set()
    fstring_starts: list[int] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
            kind = token.type
            if kind == tokenize.COMMENT:
                comments[token.start[0]] = token.start[1]
            elif kind in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                continue
            name = tokenize.tok_name.get(kind, "")
            if name == "FSTRING_START":
                fstring_starts.append(token.start[0])
            elif name == "FSTRING_END" and fstring_starts:
                blocked.update(range(fstring_starts.pop(), token.start[0]))
            elif token.end[0] > token.start[0]:
                blocked.update(range(token.start[0], token.end[0]))
    except (tokenize.TokenError, SyntaxError):
        return comments, set(range(1, count + 1))  # cannot tell where strings are: touch nothing
    for number, (content, _) in enumerate(_split_keep_ends(text), 1):
        if number not in comments and content.rstrip(" \t").endswith("\\"):
            blocked.add(number)
    return comments, blocked
