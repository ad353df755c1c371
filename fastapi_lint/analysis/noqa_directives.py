"""What a ``# noqa`` directive names, and the same comment with some of its codes taken out.

FAS901 (``rules/meta/unused_noqa.py``) says which fastapi-lint codes of a directive silence
nothing; its fix (``fixes/unused_noqa.py``) rewrites the comment with ``rewrite``. Both read
the directive with the grammar phase 1 reads it with (``extract/noqa.NOQA``), so what the rule
judges is what the fix removes. Other tools' codes (``F401``, ``E501``) and words that are
not codes are kept as they are; a directive left with no code goes as a whole, never as a
bare ``# noqa`` (which would silence every rule on the line).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fastapi_lint.analysis.extract.noqa import NOQA, NOQA_CODE
from fastapi_lint.diagnostics import Fix

# The rule that audits directives: it judges every code but its own.
NOQA_AUDIT = "FAS901"

_OUR_CODE = re.compile(r"FAS[0-9]+", re.IGNORECASE)
# What may separate a directive from the reason written after it: ``# noqa: FAS101 -- mocked``.
_REASON_LEAD = " \t-:;,"


def is_our_code(token: str) -> bool:
    return _OUR_CODE.fullmatch(token) is not None


@dataclass(frozen=True)
class DirectiveFix(Fix):
    """FAS901's fix, with what it removes: codes (upper case) and rule names (lower case) to
    drop, and rule names to write as their codes. Carried by the finding, because which codes
    silence nothing is known only from the whole run's findings, not from one file's facts."""

    drop: tuple[str, ...] = ()
    rename: tuple[tuple[str, str], ...] = ()

    def keep(self, token: str) -> str | None:
        """What ``token`` of the directive becomes (None: removed)."""
        if token.upper() in self.drop or token.lower() in self.drop:
            return None
        return dict(self.rename).get(token.lower(), token)


def directive_span(line: str) -> tuple[int, int] | None:
    """Columns of the ``# noqa`` directive of a source line: the last one, since a comment
    follows any string on its line (where the report points; the fix finds the comment itself)."""
    found = list(NOQA.finditer(line))
    return found[-1].span() if found else None


def quoted(line: str) -> bool:
    """Whether the line's first directive is quoted in prose (``# noqa: FAS101`` in a comment that
    documents the syntax): other tools may read it, but it is nobody's suppression to judge."""
    match = NOQA.search(line)
    return match is not None and match.start() > 0 and line[match.start() - 1] == "`"


def rewrite(comment: str, keep: Callable[[str], str | None]) -> str | None:
    """``comment`` (one ``#`` comment) with each code of its directive replaced by ``keep(code)``
    (None: removed), our codes kept once each; None when nothing is left of the comment.

    A directive whose codes all go is removed with its separators: ``# noqa: FAS101 -- mocked``
    becomes ``# mocked``, ``# type: ignore  # noqa: FAS101`` becomes ``# type: ignore``.
    """
    match = NOQA.search(comment)
    if match is None or match.group("codes") is None:
        return comment
    kept: list[str] = []
    ours: set[str] = set()
    for token in NOQA_CODE.findall(match.group("codes")):
        new = keep(token)
        if new is None:
            continue
        if is_our_code(new):
            if new.upper() in ours:
                continue  # a second mention silences nothing more
            ours.add(new.upper())
        kept.append(new)
    if kept:
        start, end = match.span("codes")
        return f"{comment[:start]}{', '.join(kept)}{comment[end:]}"
    before = comment[: match.start()].rstrip()
    after = comment[match.end():].lstrip(_REASON_LEAD)
    if not after:
        return before or None
    if not after.startswith("#"):
        after = f"# {after}"
    return f"{before}  {after}" if before else after


def without_directive(comment: str) -> str | None:
    """The comment with its directive removed whole: what a comment says besides ``noqa``."""
    return rewrite(comment, lambda token: None)
