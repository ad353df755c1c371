from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.fastapi_model import BASE_HTTP_MIDDLEWARE
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Context, Rule


class BaseHTTPMiddlewareUsed(Rule):
    """A `BaseHTTPMiddleware` subclass or an `@app.middleware("http")` function.

    ## What it does
    Reports classes that inherit from Starlette's `BaseHTTPMiddleware`
    (through any depth of inheritance) and functions registered with
    `@app.middleware("http")`, which FastAPI wraps in `BaseHTTPMiddleware`.

    ## Why is this bad?
    `BaseHTTPMiddleware` runs the rest of the app in a separate task and
    pipes the response through memory streams: extra allocations and task
    switches on every request, responses buffered through an extra layer,
    and context variables set downstream are not visible to the middleware.
    A pure ASGI middleware (`async def __call__(self, scope, receive, send)`)
    has none of this.

    ## Known problems
    For a middleware that runs rarely (an admin app), the overhead does not
    matter: ignore the rule there.

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

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project = context.project
        for path, (klass, summary) in sorted(project.classes.items()):
            if klass.path == path and project.is_subclass(path, BASE_HTTP_MIDDLEWARE):
                yield self.report_in(
                    summary,
                    klass.span,
                    f"`{klass.name}` is a `BaseHTTPMiddleware`: an extra task and memory streams on every request",
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
                    f"`@{site.text}(\"http\")` wraps `{located.function.name}` in `BaseHTTPMiddleware`: "
                    f"an extra task and memory streams on every request",
                    help="Write it as a pure ASGI middleware class and register it with `app.add_middleware`",
                )
