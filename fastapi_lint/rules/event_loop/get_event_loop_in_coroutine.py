from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.offload_params import runs_off_loop
from fastapi_lint.analysis.request_path import describe_async
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule

_GET_EVENT_LOOP = "asyncio.get_event_loop"


class GetEventLoopInCoroutine(Rule):
    """`asyncio.get_event_loop()` in a coroutine, where `get_running_loop()` says what is meant.

    ## What it does
    Reports `asyncio.get_event_loop()` called in an `async def` body (not in
    a callable handed to a thread). Off by default: it is a matter of style.

    ## Why is this bad?
    It is not a defect: inside a coroutine `get_event_loop()` returns the
    running loop. But the same call outside a coroutine consults the event-loop
    policy and, before Python 3.14, may create a loop, so a reader has to know
    which case applies; Python's documentation prefers `get_running_loop()` in
    coroutines and callbacks. Often the loop is only wanted for
    `run_in_executor`, which `asyncio.to_thread` says more simply.

    ## Known problems
    None known.

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
    Replacing `get_event_loop()` by `get_running_loop()` inside a coroutine is
    safe: a loop is always running there, and both return it.
    """

    code = "FAS109"
    name = "get-event-loop-in-coroutine"
    on_the_loop = True
    severity = Severity.INFO
    default_enabled = False
    fixable = True

    def check(self, context: Context) -> Iterator[Diagnostic]:
        model, project = context.model, context.project
        calls = project.function_calls_to([_GET_EVENT_LOOP])
        if not calls:
            return
        found = context.request_paths
        for located, site in calls:
            if not located.function.is_async or runs_off_loop(project, site):
                continue
            yield self.report(
                located,
                site.span,
                f"`{site.text}()` in {describe_async(project, model, found, located)}: "
                f"use `asyncio.get_running_loop()`, which returns the same loop and says so",
                help="Use `asyncio.get_running_loop()`, or `asyncio.to_thread(...)` for blocking work",
            )
