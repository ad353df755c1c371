"""FAS109: ``asyncio.get_event_loop()`` in a coroutine becomes ``asyncio.get_running_loop()`` (safe).

In a coroutine a loop is always running, and ``get_running_loop`` returns it
without ever creating one. The module's spelling is kept: ``aio.get_event_loop()``
becomes ``aio.get_running_loop()``, and ``from asyncio import get_event_loop`` gains
``get_running_loop``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi_lint.diagnostics import Applicability, Fix
from fastapi_lint.fixes.base import Edit, Import, Outcome, Target
from fastapi_lint.fixes.placing import Facts
from fastapi_lint.fixes.fixer import Fixer

if TYPE_CHECKING:
    from fastapi_lint.fixes.tree import Tree

GET_EVENT_LOOP = "asyncio.get_event_loop"


class RunningLoop(Fixer):
    kind = "get-running-loop"
    codes = frozenset({"FAS109"})
    applicability = Applicability.SAFE

    def propose(self, target: Target, facts: Facts) -> Fix | None:
        site, located = target.site, target.located
        if site is None or located is None or target.callee != GET_EVENT_LOOP:
            return None
        # In a lambda the call may run later on a worker thread, where no loop runs.
        if not located.function.is_async or site.in_lambda or site.offloaded or site.args or site.kwargs:
            return None
        return self.fix("Use `asyncio.get_running_loop()` instead")

    def edit(self, target: Target, tree: Tree) -> Outcome:
        import libcst as cst

        call = tree.call_at(target.diagnostic.span)
        if call is None:
            return "the call is not where the finding says"
        if call.args:
            return "`get_event_loop` is called with arguments"
        blocker = tree.await_blocker(call)  # the same places: the coroutine's own body
        if blocker is not None:
            return blocker
        func = call.func
        imports: tuple[Import, ...] = ()
        if isinstance(func, cst.Attribute) and func.attr.value == "get_event_loop":
            new_func: cst.BaseExpression = func.with_changes(attr=cst.Name("get_running_loop"))
        elif isinstance(func, cst.Name) and tree.qualified(func) == GET_EVENT_LOOP:
            local = tree.imported_as("asyncio", "get_running_loop")
            if local is not None and not tree.free(local, "asyncio.get_running_loop"):
                local = None
            if local is None:
                if not tree.free("get_running_loop", "asyncio.get_running_loop"):
                    return "the name `get_running_loop` is taken in this module"
                local, imports = "get_running_loop", (Import("asyncio", "get_running_loop"),)
            new_func = cst.Name(local)
        else:
            return "the call does not name `get_event_loop` directly"

        def change(node: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(node, cst.Call)
            return node.with_changes(func=new_func)

        return Edit((self.kind, id(call)), call, change, imports)
