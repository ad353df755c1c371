from __future__ import annotations

from collections.abc import Iterator, Sequence

from fastapi_lint.analysis.capacity import DEFAULT_THREADS
from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.facts import RefKind
from fastapi_lint.analysis.app_model import APP_TYPES
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule


class ThreadpoolLimitDefault(Rule):
    """Sync routes or dependencies that block share the default 40 threads.

    ## What it does
    Reports an application (at its `FastAPI()` call) whose `def` routes and
    `def` dependencies do blocking I/O, when the project never sets
    `anyio.to_thread.current_default_thread_limiter().total_tokens`. The
    message counts how many sync routes and dependencies share the pool.

    ## Why is this bad?
    FastAPI runs every `def` route and dependency in anyio's threadpool,
    limited to 40 threads per process. With blocking I/O in them, the 41st
    concurrent request waits for a thread, however idle the CPU: throughput
    is capped at 40 divided by the I/O latency.

    Off by default: turn it on (`extend-select = ["FAS401"]`) for a capacity review.

    ## Known problems
    Whether 40 is too few depends on the latency of the I/O and the load: the
    rule only says the limit is implicit. A limiter set in code the linter
    does not see (a plugin) is not noticed.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/proxy")
    def proxy():
        return requests.get("https://example.com", timeout=5).json()
    ```

    ## Use instead
    ```python
    from contextlib import asynccontextmanager

    import anyio.to_thread
    import requests
    from fastapi import FastAPI


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        anyio.to_thread.current_default_thread_limiter().total_tokens = 100
        yield


    app = FastAPI(lifespan=lifespan)


    @app.get("/proxy")
    def proxy():
        return requests.get("https://example.com", timeout=5).json()
    ```

    ## Fix safety
    No automatic fix: the right number depends on your load and your pools.
    """

    code = "FAS401"
    name = "threadpool-limit-default"
    severity = Severity.WARNING
    # Off by default: a `def` route is what FAS101 recommends for blocking code, and
    # most apps run fine on 40 threads. Turn it on for a capacity review.
    default_enabled = False

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project = context.project
        use = context.threadpool_use
        if use.limiter_configured or not (use.blocking_routes or use.blocking_dependencies):
            return
        # The limiter is per process, not per app: one finding, at the first app the project builds.
        for summary in sorted(project.summaries, key=lambda module: module.path):
            for binding in summary.bindings:
                call = binding.value.call
                if call is None:
                    continue
                created = project.resolve_value(binding.value)
                if created.kind is not RefKind.INSTANCE or created.path not in APP_TYPES:
                    continue
                yield self.report_in(
                    summary,
                    call.span,
                    f"{_count(use.sync_routes, 'sync route')} and {_count(use.sync_dependencies, 'sync dependency')} "
                    f"share the default {DEFAULT_THREADS} threadpool threads; "
                    f"{_count(use.blocking_routes, 'route')} and {_count(use.blocking_dependencies, 'dependency')} "
                    f"of them block on I/O",
                    help="Size the pool for your I/O: set `anyio.to_thread.current_default_thread_limiter()"
                         ".total_tokens` in the lifespan (and size database pools to match)",
                )
                return


def _count(items: Sequence[object], noun: str) -> str:
    if len(items) == 1:
        return f"1 {noun}"
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{len(items)} {plural}"
