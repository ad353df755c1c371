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
            if not isinstance(statement, _SCOPES):
                pending.extend(inner_blocks(statement))


def inner_blocks(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    """Every statement list directly inside a statement (bodies, handlers, match cases)."""
    for name in _BODIES:
        inner = getattr(statement, name, None)
        if inner and isinstance(inner[0], ast.stmt):
            yield inner
    for holder in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
        yield holder.body


def bound_once(statements: list[ast.stmt]) -> set[str]:
    """The names ``statements`` (and everything nested in them) bind in one place only, and
    that no ``global`` or ``nonlocal`` declares: a value bound there is the only one they hold."""
    stores: dict[str, int] = {}
    declared: set[str] = set()
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                stores[node.id] = stores.get(node.id, 0) + 1
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                declared.update(node.names)
    return {name for name, count in stores.items() if count == 1 and name not in declared}


def last_line(statement: ast.stmt) -> int:
    return statement.end_lineno or statement.lineno
