"""FAS101/102/103: a route that awaits nothing and blocks loses its ``async`` (unsafe).

FastAPI runs a plain ``def`` route or dependency in its threadpool, where blocking
is allowed: "don't mix". The function must await nothing (no ``await``, ``async
for`` or ``async with`` in its own body) and must not be called by the project's own
code, which would expect a coroutine (``await read_items()``); the facts of the
linted project answer that (``Facts.is_called``, over every call site of every
module), and no decorator but FastAPI's own may expect a coroutine
(``Facts.wrapped``: a wrapper that awaits the function, or keeps it for code that
will). Still unsafe: code outside the linted files (tests, other services) may
await it, and the function now takes a threadpool token per request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi_lint.diagnostics import Applicability, Fix
from fastapi_lint.fixes.base import Edit, Outcome, Target
from fastapi_lint.fixes.placing import ASYNC_ONLY_ROLES, THREADPOOL_ROLES, Facts
from fastapi_lint.fixes.fixer import Fixer

if TYPE_CHECKING:
    import libcst as cst

    from fastapi_lint.fixes.tree import Tree


class DropAsync(Fixer):
    kind = "drop-async"
    codes = frozenset({"FAS101", "FAS102", "FAS103"})
    applicability = Applicability.UNSAFE

    def propose(self, target: Target, facts: Facts) -> Fix | None:
        located = target.located
        if located is None or target.site is None:
            return None
        function = located.function
        if not function.is_async or function.awaits:
            return None
        roles = facts.roles(located)
        # Routes only: a dependency made sync under an async route trades this finding for
        # FAS106 (a threadpool hop per request), whose advice is the opposite edit.
        if "route" not in roles or not roles & THREADPOOL_ROLES or roles & ASYNC_ONLY_ROLES:
            return None
        if facts.sleeps(located) or facts.is_called(located) or facts.wrapped(located) is not None:
            return None  # offloading the blocking call (``to_thread``) keeps the coroutine they expect
        return self.fix(f"Make `{function.name}` a plain `def` (it awaits nothing)")

    def edit(self, target: Target, tree: Tree) -> Outcome:
        from fastapi_lint.fixes.tree import uses_async_syntax

        located = target.located
        assert located is not None
        node = tree.function_at(located.function.span)
        if node is None or node.asynchronous is None:
            return "the function is not where the facts say"
        if uses_async_syntax(node):
            return "the function uses `await`, `async for` or `async with`"

        def change(updated: cst.CSTNode) -> cst.CSTNode:
            return updated.with_changes(asynchronous=None)

        return Edit((self.kind, id(node)), node, change)
