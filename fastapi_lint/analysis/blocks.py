"""How a function body's statements nest: the blocks it runs at each level, and where a
statement ends. Shared by the readings of a body that work block by block (guards, branches,
narrowing, locks). Nothing here resolves a name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_BODIES = ("body", "orelse", "finalbody")


def statement_blocks(body: list[ast.stmt]) -> Iterator[list[ast.stmt]]:
    """Every statement list of a function body, not entering nested functions or classes."""
    pending = [body]
    while pending:
        block = pending.pop()
        yield block
        for statement in block:
            if isinstance(statement, _SCOPES):
                continue
            for name in _BODIES:
                inner = getattr(statement, name, None)
                if inner and isinstance(inner[0], ast.stmt):
                    pending.append(inner)
            for handler in getattr(statement, "handlers", ()):
                pending.append(handler.body)
            for case in getattr(statement, "cases", ()):
                pending.append(case.body)


def last_line(statement: ast.stmt) -> int:
    return statement.end_lineno or statement.lineno
