from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.request_path import describe_async, request_paths
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Context, Rule

_GET_EVENT_LOOP = "asyncio.get_event_loop"
# Each starts or drives a second event loop: in a coroutine they raise, and in a
# threadpool route they build a loop per request.
_NEW_LOOP = {
    "asyncio.run": "runs a new event loop to completion",
    "asyncio.new_event_loop": "creates a new event loop",
    "asyncio.AbstractEventLoop.run_until_complete": "drives an event loop to completion",
    "asyncio.BaseEventLoop.run_until_complete": "drives an event loop to completion",
}


class LoopMisuse(Rule):
    """Event-loop misuse: `get_event_loop()` in a coroutine, or a new loop in request code.

    ## What it does
    Reports `asyncio.get_event_loop()` inside an `async def` (deprecated there since
    Python 3.10; it may create a loop instead of returning the running one), and
    `asyncio.run`, `asyncio.new_event_loop` and `loop.run_until_complete` in
    request-path code (routes, dependencies, middleware, handlers, background tasks).

    ## Why is this bad?
    `asyncio.run` inside a coroutine raises `RuntimeError`; in a `def` route it
    builds and tears down an event loop on every request. `get_event_loop()` in a
    coroutine is usually there to call `run_in_executor`, which
    `asyncio.to_thread` or `run_in_threadpool` say more simply.

    ## Known problems
    `run_until_complete` is recognised on loops whose type is known (from
    `asyncio.new_event_loop()` or an annotation).

    ## Example
    ```python
    import asyncio

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/work")
    async def work():
        loop = asyncio.get_event_loop()
        return await loop.run_in_executor(None, sum, [1, 2])
    ```

    ## Use instead
    ```python
    import asyncio

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/work")
    async def work():
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, sum, [1, 2])
    ```

    ## Fix safety
    Replacing `get_event_loop()` by `get_running_loop()` inside a coroutine is safe:
    a loop is always running there.
    """

    code = "FAS105"
    name = "loop-misuse"
    on_the_loop = True
    severity = Severity.ERROR
    fixable = True

    def check(self, context: Context) -> Iterator[Diagnostic]:
        model, project = context.model, context.project
        calls = project.function_calls_to([_GET_EVENT_LOOP, *_NEW_LOOP])
        if not calls:
            return
        found = request_paths(project, model, context.catalog)
        for located, site in calls:
            function = located.function
            request = found.per_request(function.path)
            if site.offloaded or (not function.is_async and not request):
                continue
            path = project.resolve(site.func).path
            where = describe_async(project, model, found, located) if function.is_async else f"`{function.name}`"
            if path == _GET_EVENT_LOOP and function.is_async:
                yield self.report(
                    located,
                    site.span,
                    f"`asyncio.get_event_loop()` in {where}: use `asyncio.get_running_loop()`",
                    help="Use `asyncio.get_running_loop()`, or `asyncio.to_thread(...)` for blocking work",
                    severity=Severity.ERROR if request else Severity.WARNING,
                )
            elif path in _NEW_LOOP and request:
                yield self.report(
                    located,
                    site.span,
                    f"`{site.text}` {_NEW_LOOP[path]} in request code {where}",
                    help="Make the handler `async def` and `await` the coroutine directly",
                )
