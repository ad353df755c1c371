from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.app_model import BASE_HTTP_MIDDLEWARE
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule

# What Starlette's BaseHTTPMiddleware still costs (starlette/middleware/base.py, 1.x).
_COST = "a second task and a memory stream per request, and context variables the app sets do not reach it"


class BaseHTTPMiddlewareUsed(Rule):
    """A `BaseHTTPMiddleware` subclass or an `@app.middleware("http")` function.

    ## What it does
    Reports classes that inherit from Starlette's `BaseHTTPMiddleware`
    (through any depth of inheritance) and functions registered with
    `@app.middleware("http")`, which FastAPI wraps in `BaseHTTPMiddleware`.

    ## Why is this bad?
    In today's Starlette (checked against 1.3), `BaseHTTPMiddleware` runs the
    rest of the app in a second task for every request and passes each
    response message back through an in-memory stream, re-wrapping the
    response; every `receive` of the app also goes through a small task group
    that watches for the response having been sent. That is extra tasks,
    allocations and task switches per request. And because the app runs in
    its own task, context variables it sets (a request id, a tracing span)
    are not visible to this middleware after `call_next`, nor to ASGI
    middleware outside it: Starlette documents this as a known limitation. A
    pure ASGI middleware (`async def __call__(self, scope, receive, send)`)
    runs in the request's own task and has none of this.

    ## Known problems
    Off by default, and information when turned on: the overhead is small
    next to most handlers' work and nothing breaks, so most reviewers would
    not ask for a rewrite (two precision reviews of real services read every
    one of these findings as true but of little value). Turn it on when
    per-request overhead or context variables across middleware matter. Older Starlette releases had real defects here
    that are fixed now and are not what the rule says: background tasks
    cancelled when the client disconnected (fixed in 0.21), errors of
    streaming responses hidden (0.19), exceptions from background tasks lost
    (0.46). The costs it names hold for every Starlette version, so the rule
    does not read the project's pinned version.

    ## Example
    ```python
    import time

    from fastapi import FastAPI, Request

    app = FastAPI()


    @app.middleware("http")
    async def timing(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["x-time"] = str(time.perf_counter() - started)
        return response
    ```

    ## Use instead
    ```python
    import time

    from fastapi import FastAPI


    class Timing:
        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            started = time.perf_counter()
            await self.app(scope, receive, send)
            scope.setdefault("state", {})["elapsed"] = time.perf_counter() - started


    app = FastAPI()
    app.add_middleware(Timing)
    ```

    ## Fix safety
    No automatic fix.
    """

    code = "FAS501"
    name = "base-http-middleware"
    severity = Severity.INFO
    default_enabled = False

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project = context.project
        for path, (klass, summary) in sorted(project.classes.items()):
            if klass.path == path and project.is_subclass(path, BASE_HTTP_MIDDLEWARE):
                yield self.report_in(
                    summary,
                    klass.span,
                    f"`{klass.name}` is a `BaseHTTPMiddleware`: {_COST}",
                    help="Write it as a pure ASGI middleware (`async def __call__(self, scope, receive, send)`)",
                )
        for located in project.all_functions():
            for decorator in located.function.decorators:
                site = decorator.call
                if site is None or site.func is None or site.func.path.rpartition(".")[2] != "middleware":
                    continue
                if "middleware" not in context.model.role_of(located.function.path):
                    continue
                yield self.report(
                    located,
                    site.span,
                    f"`@{site.text}(\"http\")` wraps `{located.function.name}` in `BaseHTTPMiddleware`: {_COST}",
                    help="Write it as a pure ASGI middleware class and register it with `app.add_middleware`",
                )
