from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.catalog.blocking import Tier
from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.app_model import FastAPIModel
from fastapi_lint.diagnostics import Diagnostic, Hop, Severity
from fastapi_lint.rules import Rule


class BlockingSyncDependencyOnAsyncRoute(Rule):
    """An `async def` route whose dependencies include a `def` dependency that blocks.

    ## What it does
    Walks the dependency tree of every `async def` route (parameters with
    `Depends`/`Security`, `Annotated` aliases, `dependencies=[...]` on the
    route, its router and the app, sub-dependencies) and reports the route when
    a plain `def` dependency in it blocks, directly or through helpers, and
    says on what: the costliest wait the dependency reaches (a peer, a process,
    a lock, over a file's contents). A dependency whose only blocking calls
    are file-system metadata calls (`exists`, `stat`, `mkdir`) holds its
    thread for microseconds and is not reported. Off by default: a `def`
    dependency that blocks is where FastAPI wants blocking work, off the
    loop (an app whose database layer is sync has no better place for its
    queries); turn it on (`extend-select = ["FAS106"]`) to find the hops an
    async driver would remove.

    ## Why is this bad?
    FastAPI runs a `def` dependency in its threadpool, 40 threads by default.
    An async route that needs one is capped by that pool all the same: under
    load, requests queue for a thread before the route's async code even
    starts. Making the dependency `async def` with an async driver removes the
    hop and the cap.

    ## Known problems
    Only blocking that the catalog and the call graph can see is counted: a
    dependency calling an unknown SDK is taken not to block. Blocking that
    runs once per process or per key (behind a cache guard, or in a memoized
    function: see FAS102) does not count.

    ## Example
    ```python
    import requests
    from fastapi import Depends, FastAPI

    app = FastAPI()


    def current_user(token: str) -> dict:
        return requests.get("https://auth.example/me", headers={"token": token}, timeout=5).json()


    @app.get("/me")
    async def me(user: dict = Depends(current_user)):
        return user
    ```

    ## Use instead
    ```python
    import httpx
    from fastapi import Depends, FastAPI

    app = FastAPI()


    async def current_user(token: str) -> dict:
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get("https://auth.example/me", headers={"token": token})).json()


    @app.get("/me")
    async def me(user: dict = Depends(current_user)):
        return user
    ```

    ## Fix safety
    No automatic fix: the dependency needs an async driver.
    """

    code = "FAS106"
    name = "blocking-sync-dependency-on-async-route"
    on_the_loop = True
    severity = Severity.WARNING
    default_enabled = False

    def check(self, context: Context) -> Iterator[Diagnostic]:
        graph = context.callgraph
        forward = dependencies_by_dependent(context.model)
        for route in context.model.routes:
            handler = route.handler
            if not handler.function.is_async:
                continue
            for dependency in sorted(closure(forward, handler.function.path)):
                located = context.project.function(dependency)
                if located is None or located.function.is_async:
                    continue
                witness = graph.witness(dependency)
                if witness is None or witness.tier == Tier.METADATA:
                    continue
                chain = " -> ".join([located.function.name, *(s.callee for s in witness.steps)][-4:])
                yield self.report(
                    handler,
                    handler.function.span,
                    f"async route `{handler.function.name}` depends on `{located.function.name}`, a sync "
                    f"dependency that blocks{_while(witness.entry.waits)} ({chain}): every request waits for a "
                    f"threadpool thread",
                    help=f"Make `{located.function.name}` an `async def` and use {witness.entry.instead}",
                    chain=tuple(
                        Hop(s.caller.module.path, s.site.span.line, s.site.span.col, s.site.text) for s in witness.steps
                    ),
                    function_level=True,
                )


def _while(waits: str) -> str:
    return f" {waits}" if waits else ""


def dependencies_by_dependent(model: FastAPIModel) -> dict[str, set[str]]:
    forward: dict[str, set[str]] = {}
    for dependency, dependents in model.dependents.items():
        for dependent in dependents:
            forward.setdefault(dependent, set()).add(dependency)
    return forward


def closure(forward: dict[str, set[str]], start: str) -> set[str]:
    """Every dependency below ``start``, however deep."""
    seen: set[str] = set()
    pending = list(forward.get(start, ()))
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(forward.get(current, ()))
    return seen
