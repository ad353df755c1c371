"""FAS101/102/103: ``f(*args, **kwargs)`` becomes ``await asyncio.to_thread(f, *args, **kwargs)`` (unsafe).

The call then runs on a worker thread and the event loop stays free. Unsafe
because the callee now runs on another thread: objects that are not thread-safe,
context variables and thread-local state behave differently. Only plain calls are
rewritten, whose callee is a name or a chain of attributes (``requests.get``,
``db.commit``); method calls on ``self``/``cls`` and calls on the result of
another call (``db.query(X).all()``) are left to a person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi_lint.diagnostics import Applicability, Fix
from fastapi_lint.fixes.base import Outcome, Target
from fastapi_lint.fixes.placing import Facts
from fastapi_lint.fixes.fixer import Fixer

if TYPE_CHECKING:
    from fastapi_lint.fixes.tree import Tree

_RECEIVERS = frozenset({"self", "cls"})


class ToThread(Fixer):
    kind = "to-thread"
    codes = frozenset({"FAS101", "FAS102", "FAS103"})
    applicability = Applicability.UNSAFE

    def propose(self, target: Target, facts: Facts) -> Fix | None:
        site, located = target.site, target.located
        if site is None or located is None or not located.function.is_async:
            return None
        if site.in_lambda or site.awaited or site.offloaded or not plain(site.text):
            return None
        return self.fix(f"Run `{site.text}` in a thread with `await asyncio.to_thread(...)`")

    def edit(self, target: Target, tree: Tree) -> Outcome:
        from fastapi_lint.fixes.tree import await_call, dotted

        call = tree.call_at(target.diagnostic.span)
        if call is None:
            return "the call is not where the finding says"
        if not plain(dotted(call.func)) or call.func.lpar:
            return "the callee is not a plain name or attribute chain"
        return await_call(tree, call, "to_thread", self.kind, offload=True)


def plain(text: str) -> bool:
    """A name or attribute chain not rooted at ``self``/``cls``: ``requests.get``, ``db.commit``."""
    parts = text.split(".")
    return bool(text) and all(part.isidentifier() for part in parts) and parts[0] not in _RECEIVERS
