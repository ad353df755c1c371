from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.context import Context
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule

_CACHES = ("functools.lru_cache", "functools.cache")


class TrivialSyncDependency(Rule):
    """A `def` dependency that never blocks, so its threadpool hop buys nothing.

    ## What it does
    Reports a plain `def` function used as a dependency whose body calls
    nothing that can block: only builtins and project functions that are
    known not to block. Off by default: it is advice, not a defect.

    ## Why is this bad?
    FastAPI runs every `def` dependency in its threadpool, on every request,
    even when it only reads a header or builds a dict: a thread hop costs tens
    of microseconds and competes for the 40 default threads. An `async def`
    dependency that does no I/O runs inline on the loop.

    ## Known problems
    A dependency that calls anything the linter cannot see into (a third-party
    function, an unresolved name), itself or through its helpers, is not
    reported: it might block. Cached
    (`lru_cache`) functions are not reported either: caching a coroutine
    function caches the coroutine, not its result.

    ## Example
    ```python
    from fastapi import Depends, FastAPI

    app = FastAPI()


    def pagination(skip: int = 0, limit: int = 100) -> dict:
        return {"skip": skip, "limit": min(limit, 100)}


    @app.get("/items")
    async def items(page: dict = Depends(pagination)):
        return page
    ```

    ## Use instead
    ```python
    from fastapi import Depends, FastAPI

    app = FastAPI()


    async def pagination(skip: int = 0, limit: int = 100) -> dict:
        return {"skip": skip, "limit": min(limit, 100)}


    @app.get("/items")
    async def items(page: dict = Depends(pagination)):
        return page
    ```

    ## Fix safety
    No automatic fix yet; turning the `def` into `async def` is safe when
    nothing else calls the function directly.
    """

    code = "FAS107"
    name = "trivial-sync-dependency"
    severity = Severity.INFO
    default_enabled = False

    def check(self, context: Context) -> Iterator[Diagnostic]:
        graph = context.callgraph
        for path, roles in sorted(context.model.roles.items()):
            if "dependency" not in roles:
                continue
            located = context.project.function(path)
            if located is None or located.function.is_async or located.function.class_path is not None:
                continue
            function = located.function
            if not graph.fully_known(path) or graph.witness(path) is not None:
                continue  # it, or a helper it calls, does something the linter cannot see into
            decorators = {context.project.resolve(d.ref if d.ref else (d.call.func if d.call else None)).path
                          for d in function.decorators}
            if decorators & set(_CACHES):
                continue
            yield self.report(
                located,
                function.span,
                f"sync dependency `{function.name}` does no blocking work, yet FastAPI runs it in the "
                f"threadpool on every request",
                help=f"Make `{function.name}` an `async def`",
                function_level=True,
            )
