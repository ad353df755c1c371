from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.event_loop import advice, cost_of, waiting
from fastapi_lint.analysis.request_path import describe_async
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule


class SyncResourceInAsync(Rule):
    """A method of a synchronous client or session called from an `async def`.

    ## What it does
    Finds I/O methods called on an object known to be a synchronous client,
    session, connection or cursor: a SQLAlchemy `Session` injected with
    `Depends(get_db)` (annotated, or followed through `get_db` to its
    `sessionmaker`), a `requests.Session`, an `httpx.Client`, a sync
    `redis.Redis`, a `boto3` client, a sync OpenAI or Anthropic client, a
    `psycopg2` cursor. The receiver's type comes from a local construction, an
    annotation, a dependency's return value, a `self.` attribute set in
    `__init__`, or a module-level instance, across modules. A parameter is
    what its dependency gives: `db: Session = Depends(async_db)` where
    `async_db` yields an `AsyncSession` is that `AsyncSession` (its
    `db.query(...)` is a bug, but no wait on the loop), not reported.

    Only methods that do I/O are reported: `Session.add` only records an object
    and stays quiet; `Session.execute`, `commit` and `query(...).all()` talk to
    the database. A `flush()` on the line after the same session's `commit()`
    has nothing left to send (the commit flushed it) and stays quiet too.

    ## Why is this bad?
    These methods wait on the network while holding the event loop: every
    other request on the worker waits for the database or the remote API.

    ## Known problems
    A receiver whose type cannot be inferred (an unannotated parameter of a
    helper, a value from an unknown factory) is not reported: missed alarm.
    Code handed to SQLAlchemy's `await conn.run_sync(fn)` (a lambda or a
    function) works on a sync facade whose queries go through the async
    driver: not reported.

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy.orm import Session

    from .db import get_db

    app = FastAPI()


    @app.get("/users")
    async def list_users(db: Session = Depends(get_db)):
        return db.execute("select 1").all()
    ```

    ## Use instead
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy.orm import Session

    from .db import get_db

    app = FastAPI()


    @app.get("/users")
    def list_users(db: Session = Depends(get_db)):
        return db.execute("select 1").all()
    ```

    ## Fix safety
    The remedy is an async driver (`AsyncSession`, `redis.asyncio`,
    `httpx.AsyncClient`). An unsafe fix (`--unsafe-fixes`) turns a route that
    awaits nothing into a plain `def`; calls on `self` are never
    moved to a thread, since sessions and clients are rarely thread-safe.
    """

    code = "FAS103"
    name = "sync-resource-in-async"
    on_the_loop = True
    severity = Severity.ERROR
    fixable = True

    def check(self, context: Context) -> Iterator[Diagnostic]:
        found = context.request_paths
        for call in context.blocking_calls:
            if call.entry.kind != "io" or not call.on_resource or call.metadata_only:
                continue
            located, site = call.located, call.site
            request = found.per_request(located.function.path)
            owner, _, method = call.ref.path.rpartition(".")
            yield self.report(
                located,
                site.span,
                f"`{site.text}` calls `{method}` on a synchronous `{owner}` in "
                f"{describe_async(context.project, context.model, found, located, site.span.line)}{waiting(call.entry)}: it {call.entry.why}",
                help=advice(located, context.model, call.entry.instead),
                severity=Severity.ERROR if request else Severity.WARNING,
                cost=cost_of(call.entry),
            )
