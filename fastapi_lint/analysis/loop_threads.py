"""Which request-path code runs on the server's event loop, and which in a thread a request waits for.

An async function always runs on a loop: whatever starts a second loop there (``asyncio.run``,
``run_until_complete``) raises. So does sync code the coroutine calls directly, which runs on
the same thread. A ``def`` route, dependency or exception handler runs in FastAPI's threadpool
while its request waits: no loop runs in that thread, so a loop it builds works, but one is
built per request. A sync background task also runs in the threadpool, after the response has
gone: a loop of its own there is how it runs async code, not a cost a request pays. Callables
handed to ``to_thread``/``run_in_executor`` run in a worker thread of their own, as they did.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.app_model import FastAPIModel
from fastapi_lint.analysis.call_arguments import dead_lines, in_ranges
from fastapi_lint.analysis.guards import callers
from fastapi_lint.analysis.project import Located
from fastapi_lint.analysis.request_path import Paths
from fastapi_lint.analysis.untaken import with_kept_constants

# Sync roles whose function FastAPI runs in its threadpool while the request waits for it.
_WAITED_FOR = frozenset({"route", "dependency", "exception_handler"})


@dataclass
class LoopThreads:
    # sync function path -> the async request-path function that calls it on the loop's thread
    on_loop: dict[str, str] = field(default_factory=dict)
    # sync function path -> the sync route, dependency or handler that runs it in the threadpool
    request_thread: dict[str, str] = field(default_factory=dict)


def loop_threads(model: FastAPIModel, graph: CallGraph, found: Paths) -> LoopThreads:
    """Where each sync function of the request path runs (see the module's docstring)."""
    result = LoopThreads()
    project = graph.project
    for path in sorted(found.request):
        located = project.function(path)
        if located is not None and located.function.is_async:
            _sync_callees(graph, path, result.on_loop, per_call=False)
    for path, roles in sorted(model.roles.items()):
        located = project.function(path)
        if located is not None and not located.function.is_async and roles & _WAITED_FOR:
            result.request_thread.setdefault(path, path)
            _sync_callees(graph, path, result.request_thread, per_call=True)
    return result


def _sync_callees(graph: CallGraph, root: str, seen: dict[str, str], per_call: bool) -> None:
    """The sync functions ``root`` calls directly, to any depth, on its own thread: neither
    awaited (an async callee is on a loop in its own right) nor handed to a thread or a task.
    ``per_call``: leave out calls made only while a lazy-init guard's place is empty (once)."""
    pending = [root]
    while pending:
        current = pending.pop()
        for site, callee in graph.edges(current):
            if callee in seen or (per_call and site.once):
                continue
            located = graph.project.function(callee)
            if located is None or located.function.is_async:
                continue
            seen[callee] = root
            pending.append(callee)


def loop_caller(found: Paths, threads: LoopThreads, located: Located, line: int) -> str | None:
    """The async function a message names for ``line`` of a sync function it runs on the loop:
    ``on_loop``'s, unless no call of the function that it leads to runs the line (a branch the
    call's arguments rule out, as ``request_path.root_for`` tells); then, of the async functions
    behind the calls that do run it, the first in the message order."""
    path = located.function.path
    named = threads.on_loop.get(path)
    if named is None or not located.function.branches:
        return named
    project = found.graph.project
    running: list[str] = []
    for site, caller in callers(found.graph).get(path, []):
        calling = project.function(caller)
        root = caller if calling is not None and calling.function.is_async else threads.on_loop.get(caller)
        if root is not None and not in_ranges(
                line, dead_lines(project, located.function, with_kept_constants(found.graph, found.roles, site, caller))):
            running.append(root)
    if not running or named in running:
        return named
    return min(running, key=lambda root: (found.order.get(root, len(found.order)), root))
