from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.event_loop import advice
from fastapi_lint.analysis.request_path import describe_async
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule

_LOADED_AT_STARTUP = ("a model loaded in the lifespan (kept on `app.state`), or the lazy load run with "
                      "`await asyncio.to_thread(...)`")


class CpuBoundInAsync(Rule):
    """A known CPU-heavy call in an `async def`.

    ## What it does
    Finds password hashing (passlib, bcrypt, argon2, `hashlib.pbkdf2_hmac`,
    `hashlib.scrypt`), image processing (PIL), data-frame parsing
    (`pandas.read_*`) and model loading or inference made directly in an async
    route, dependency, middleware, exception handler or background task.

    ## Why is this bad?
    A bcrypt hash takes 100-300 ms by design. For that time the event loop runs
    nothing else: at ten logins a second, every request on the worker waits.

    In request-path code the finding is an error; in other async functions
    (a service method whose route the linter cannot see, a worker) a warning.
    The lifespan and startup handlers, where loading a model belongs, are not
    reported. A model loaded lazily behind a cache guard (`if self._model is
    None:` on an object that lives as long as the process) loads once, but that
    once holds the loop for the whole load, so every request the worker takes
    meanwhile waits: a warning that says so, not a per-request error.

    ## Known problems
    Only calls in the catalog are known to be heavy; a slow loop of your own is
    a missed alarm. Heavy work in a sync helper called from an async function
    is FAS102's.

    ## Example
    ```python
    import bcrypt
    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/login")
    async def login(password: str, hashed: bytes):
        return {"ok": bcrypt.checkpw(password.encode(), hashed)}
    ```

    ## Use instead
    ```python
    import bcrypt
    from fastapi import FastAPI
    from fastapi.concurrency import run_in_threadpool

    app = FastAPI()


    @app.post("/login")
    async def login(password: str, hashed: bytes):
        return {"ok": await run_in_threadpool(bcrypt.checkpw, password.encode(), hashed)}
    ```

    ## Fix safety
    No automatic fix: moving work to a thread changes what runs concurrently.
    """

    code = "FAS104"
    name = "cpu-bound-in-async"
    on_the_loop = True
    severity = Severity.ERROR

    def check(self, context: Context) -> Iterator[Diagnostic]:
        found = context.request_paths
        for call in context.blocking_calls:
            located = call.located
            if call.entry.kind != "cpu":
                continue
            request = found.per_request(located.function.path)
            if not request and located.function.path in found.startup:
                continue  # the lifespan is where heavy loading belongs: no request waits on it
            where = describe_async(context.project, context.model, found, located, call.site.span.line)
            if call.first_only:
                yield self.report(
                    located,
                    call.site.span,
                    f"`{call.ref.path}` holds the event loop in {where}, the first time it runs (a lazy load, once "
                    f"per process): it {call.entry.why}, and every request on the worker waits until it is done",
                    help=f"Use {_LOADED_AT_STARTUP}",
                    severity=Severity.WARNING,
                )
                continue
            yield self.report(
                located,
                call.site.span,
                f"`{call.ref.path}` holds the event loop in {where}: it {call.entry.why}",
                help=advice(located, context.model, call.entry.instead),
                severity=Severity.ERROR if request else Severity.WARNING,
            )
