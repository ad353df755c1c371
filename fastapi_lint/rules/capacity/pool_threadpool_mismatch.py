from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.callgraph import callgraph
from fastapi_lint.analysis.capacity import DEFAULT_THREADS, serving_modules, threadpool_use
from fastapi_lint.analysis.facts import CallSite, ModuleSummary, Value
from fastapi_lint.analysis.project import Project
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Context, Rule

_SYNC_ENGINES = frozenset({"sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlmodel.create_engine"})
_SYNC_POOLS = frozenset({"psycopg_pool.ConnectionPool"})
_NO_POOL = ("NullPool", "StaticPool", "SingletonThreadPool", "AssertionPool")


class PoolThreadpoolMismatch(Rule):
    """A sync database pool far smaller or far larger than the threadpool that uses it.

    ## What it does
    Compares the size of a synchronous database pool (`create_engine`'s
    `pool_size` + `max_overflow`, 5 + 10 by default; `psycopg_pool`'s
    `max_size`) with the threads that can use it at once: FastAPI's
    threadpool, 40 by default. Reported when the project has `def` routes or
    dependencies and the pool holds less than half the threads, or more than
    four times as many. The message names both numbers.

    ## Why is this bad?
    With 40 threads and 15 connections, the 16th concurrent request blocks in
    the pool's checkout (30 s by default) while holding a thread: latency
    climbs and then requests fail with `QueuePool limit ... reached`. A pool
    far larger than the threads holds connections the database pays for and
    nothing can use.

    ## Known problems
    Pool sizes computed at run time (from settings) are not known and not
    reported. When the project sets the threadpool's `total_tokens` itself,
    the thread count is not read from the code and the rule stays silent:
    missed alarm. Pools built in modules the application never imports (an
    Alembic `env.py`, a command-line tool) are not reported. One engine shared by several processes multiplies connections
    per process: the rule reasons about one process.

    ## Example
    ```python
    from fastapi import FastAPI
    from sqlalchemy import create_engine, text

    engine = create_engine("postgresql://db/app")
    app = FastAPI()


    @app.get("/ping")
    def ping():
        with engine.connect() as connection:
            return connection.execute(text("select 1")).scalar()
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from sqlalchemy import create_engine, text

    engine = create_engine("postgresql://db/app", pool_size=30, max_overflow=10)
    app = FastAPI()


    @app.get("/ping")
    def ping():
        with engine.connect() as connection:
            return connection.execute(text("select 1")).scalar()
    ```

    ## Fix safety
    No automatic fix: the right size also depends on the database's limits.
    """

    code = "FAS402"
    name = "pool-threadpool-mismatch"
    severity = Severity.WARNING

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project = context.project
        use = threadpool_use(project, context.model, callgraph(project, context.catalog))
        if use.limiter_configured or not (use.sync_routes or use.sync_dependencies):
            return
        threads = DEFAULT_THREADS
        serving = serving_modules(project, context.model)
        for summary, site in _pool_sites(project):
            if serving is not None and summary.module not in serving:
                continue  # a migration script or a tool: its pool never meets the threadpool
            size = _pool_size(project, site)
            if size is None:
                continue
            total, detail = size
            if total * 2 < threads:
                verdict = "requests wait on the pool while holding a thread"
            elif total > threads * 4:
                verdict = "most connections can never be used at once"
            else:
                continue
            yield self.report_in(
                summary,
                site.span,
                f"pool of {total} connections ({detail}) for {threads} threadpool threads: {verdict}",
                help=f"Size the pool near the thread count ({threads}), or set both explicitly",
            )


def _pool_sites(project: Project) -> list[tuple[ModuleSummary, CallSite]]:
    return project.calls_to(_SYNC_ENGINES | _SYNC_POOLS)


def _pool_size(project: Project, site: CallSite) -> tuple[int, str] | None:
    """The pool's capacity and how it was computed, or None when it is not a literal."""
    if site.has_star_kwargs:
        return None
    if project.resolve(site.func).path in _SYNC_POOLS:
        size = _number(site.kwarg("max_size"))
        minimum = _number(site.kwarg("min_size"))
        if size is None and site.kwarg("max_size") is not None:
            return None
        total = size if size is not None else (minimum if minimum is not None else 4)
        return total, f"max_size {total}"
    url = site.args[0] if site.args else site.kwarg("url")
    if url is not None and url.kind == "ref" and url.ref is not None:  # ``sqlite_url = "sqlite:///..."``
        bound = project.bindings.get(project.binding_key(url.ref))
        url = bound[0].value if bound is not None else url
    if url is not None and url.kind == "str" and url.text.startswith("sqlite"):
        return None  # SQLite serialises writers whatever the pool: sizing it says nothing
    poolclass = site.kwarg("poolclass")
    if poolclass is not None and poolclass.text.endswith(_NO_POOL):
        return None
    pool_size, overflow = site.kwarg("pool_size"), site.kwarg("max_overflow")
    size = 5 if pool_size is None else _number(pool_size)
    extra = 10 if overflow is None else _number(overflow)
    if size is None or extra is None:
        return None
    if extra < 0:  # -1: unlimited overflow
        return None
    return size + extra, f"pool_size {size} + max_overflow {extra}"


def _number(value: Value | None) -> int | None:
    if value is None or value.kind != "num":
        return None
    try:
        return int(float(value.text))
    except ValueError:
        return None
