from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.event_loop import advice, cost_of, waiting
from fastapi_lint.analysis.request_path import describe_async
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule


class BlockingCallInAsync(Rule):
    """A blocking call made directly in an `async def`.

    ## What it does
    Finds calls from the blocking catalog (`time.sleep`, `requests`, `subprocess`,
    file I/O, sockets and DNS, sync database drivers, ...) written directly in the
    body of an `async def`, resolved through imports and aliases
    (`from time import sleep as pause`, `import requests as r`).

    ## Why is this bad?
    An `async def` runs on the event loop. While a blocking call waits, no other
    request on that worker makes progress: one slow upstream stalls every client.
    A plain `def` route would at least run in FastAPI's threadpool.

    In request-path code (routes, dependencies, middleware, exception handlers,
    background tasks) the finding is an error; in other async functions a warning.

    ## Known problems
    Calls inside a lambda or nested `def` handed to `asyncio.to_thread`,
    `run_in_threadpool`, `anyio.to_thread.run_sync` or `loop.run_in_executor` are
    offloaded and never reported, and so are those in a lambda handed to the
    project's own wrapper of them (`async def run_sync(op): return await
    asyncio.to_thread(op)`) as long as it never calls the parameter itself. Neither are calls behind a cache guard
    (`if _config is None: _config = json.load(...)`: once per process, see
    FAS102) nor the `acquire()` of a lock made on the statement before (no
    one else can hold it yet). A call whose target cannot be named statically
    (a callable passed in as a parameter) is not reported: missed alarm, by design.
    Calls made through a sync helper are FAS102's.

    ## Example
    ```python
    import time

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/slow")
    async def slow():
        time.sleep(1)
        return {"ok": True}
    ```

    ## Use instead
    ```python
    import asyncio

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/slow")
    async def slow():
        await asyncio.sleep(1)
        return {"ok": True}
    ```

    ## Fix safety
    `time.sleep(x)` becomes `await asyncio.sleep(x)` (adding `import asyncio`):
    a safe fix. Other calls have unsafe fixes (`--unsafe-fixes`): a route that
    awaits nothing and that nothing in the project calls becomes a plain
    `def`; otherwise the call becomes
    `await asyncio.to_thread(f, ...)`. Both move code to a worker thread, which
    breaks objects that are not thread-safe, and code outside the linted files
    may still await the function.
    """

    code = "FAS101"
    name = "blocking-call-in-async"
    on_the_loop = True
    severity = Severity.ERROR
    fixable = True

    def check(self, context: Context) -> Iterator[Diagnostic]:
        found = context.request_paths
        for call in context.blocking_calls:
            if call.entry.kind != "io" or call.on_resource or call.metadata_only:
                continue
            located, site = call.located, call.site
            request = found.per_request(located.function.path)
            yield self.report(
                located,
                site.span,
                f"`{call.ref.path}` blocks the event loop in {describe_async(context.project, context.model, found, located, site.span.line)}"
                f"{waiting(call.entry)}: it {call.entry.why}",
                help=advice(located, context.model, call.entry.instead),
                severity=Severity.ERROR if request else Severity.WARNING,
                cost=cost_of(call.entry),
            )
