"""FAS101: ``time.sleep(x)`` in a coroutine becomes ``await asyncio.sleep(x)`` (safe).

Both wait ``x`` seconds; the second lets the event loop serve other requests
meanwhile. The call must sit where ``await`` is allowed: directly in the body of
the ``async def``, not in a lambda or a generator expression.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi_lint.diagnostics import Applicability, Fix
from fastapi_lint.fixes.base import Outcome, Target
from fastapi_lint.fixes.placing import SLEEP, Facts
from fastapi_lint.fixes.fixer import Fixer

if TYPE_CHECKING:
    from fastapi_lint.fixes.tree import Tree


class AwaitSleep(Fixer):
    kind = "await-asyncio-sleep"
    codes = frozenset({"FAS101"})
    applicability = Applicability.SAFE

    def propose(self, target: Target, facts: Facts) -> Fix | None:
        site, located = target.site, target.located
        if site is None or located is None or target.callee != SLEEP:
            return None
        if not located.function.is_async or site.in_lambda or site.awaited or site.offloaded:
            return None
        if len(site.args) != 1 or site.kwargs or site.has_star_kwargs:
            return None
        return self.fix("Await `asyncio.sleep` instead")

    def edit(self, target: Target, tree: Tree) -> Outcome:
        from fastapi_lint.fixes.tree import await_call

        call = tree.call_at(target.diagnostic.span)
        if call is None:
            return "the call is not where the finding says"
        if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
            return "`time.sleep` is called with unusual arguments"
        return await_call(tree, call, "sleep", self.kind, offload=False)
