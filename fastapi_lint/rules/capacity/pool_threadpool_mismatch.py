from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from fastapi_lint.analysis.capacity import DEFAULT_THREADS
from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, ModuleSummary, Ref, Value
from fastapi_lint.analysis.guards import runs_once
from fastapi_lint.analysis.pool_use import RequestThreads, holders, request_threads, runs_at_all, used_on_request_threads
from fastapi_lint.analysis.project import Located, Project
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule

# FastAPI's first release on AnyIO, whose thread limiter gives the 40 threads; before it, asyncio's
# default executor ran sync code on min(32, CPUs + 4) threads.
_ANYIO_RELEASE = "0.69.0"
_EXECUTOR_THREADS = 32
_SYNC_ENGINES = frozenset({"sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlmodel.create_engine"})
_SYNC_POOLS = frozenset({"psycopg_pool.ConnectionPool"})
_POOLS = _SYNC_ENGINES | _SYNC_POOLS
_NO_POOL = ("NullPool", "StaticPool", "SingletonThreadPool", "AssertionPool")
# Session factories keep the engine they are bound to: returning one returns the pool.
_SESSION_FACTORIES = frozenset({"sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.scoped_session"})
# What the project phase types their results as (analysis/catalog/factories.py).
_MAKES = _POOLS | _SESSION_FACTORIES | frozenset({"sqlalchemy.orm.Session", "sqlmodel.Session"})
_POOL_TYPES = frozenset(
    {"sqlalchemy.engine.Engine", "psycopg_pool.ConnectionPool", "sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.scoped_session"}
)


class PoolThreadpoolMismatch(Rule):
    """A sync database pool far smaller or far larger than the threadpool that uses it.

    ## What it does
    Compares the size of a synchronous database pool (`create_engine`'s
    `pool_size` + `max_overflow`, 5 + 10 by default; `psycopg_pool`'s
    `max_size`) with the threads that can use it at once: FastAPI's
    threadpool, 40 by default. Reported when the project has `def` routes or
    dependencies, the pool holds less than half the threads or more than four
    times as many, and code a request runs on a worker thread uses the pool:
    a `def` route, dependency or exception handler, a sync background task, or
    a callable a request hands to `run_in_threadpool`, `to_thread` or
    `run_in_executor` (and the sync code those call). A `def` dependency that
    only opens a session and yields it checks out no connection: the `def`
    routes that take it count, `async def` ones do not; nor does one that runs
    no blocking call at all (`return TaskApp()`, whose constructor opens a
    session): its object's queries run where the route runs them. The
    message names both numbers.

    ## Why is this bad?
    With 40 threads and 15 connections, the 16th concurrent request blocks in
    the pool's checkout (30 s by default) while holding a thread: latency
    climbs and then requests fail with `QueuePool limit ... reached`. A pool
    far larger than the threads holds connections the database pays for and
    nothing can use.

    ## Known problems
    Only the pools requests share are compared: those built at module level,
    in the lifespan or a startup handler, in an app factory, in a memoized
    getter, behind a lazy-initialisation guard, or by code those run that
    hands the engine (or a session factory bound to it) back or keeps it on
    its object. A guard on `self.x` builds once per object: an engine a
    connector or an inspector builds for itself, when such objects are built
    per use, is not shared. An engine a helper builds for one call (a
    migration check, a backup export, a test of a database the user names) is
    not reported here (FAS201 reports one built per request), nor one a getter
    builds on every call that both startup and requests call: each request
    gets a pool of its own.

    A shared pool is reported by default only when request threads are seen
    using it: through the name it is bound to, a getter or memoized function
    returning it, a session factory or dependency made from it, an attribute
    or `app.state` entry keeping it. A pool used only by `async def` code
    (its checkouts are taken one at a time on the event loop; FAS102 reports
    the blocking), only at startup, only by tests, or by nothing is shown
    with `--scope all` only. A use the analysis cannot follow (an engine
    reached through a dependency-injection container or a registry) leaves
    the pool out of the default view too: missed alarm. Nor is a pool on SQLite, its URL written in the call
    or in module-level names (`url = f"sqlite:///{name}"`), or recognised by
    `connect_args={"check_same_thread": False}`: sizing it to the threads buys
    nothing. Pool sizes computed at run time (from settings) are not known and
    not reported. When the project sets the threadpool's `total_tokens`
    itself, the thread count is not read from the code and the rule stays
    silent: missed alarm. A project pinned to FastAPI before 0.69 (the
    project's lock or declarations, as for FAS502) ran sync code on asyncio's
    default executor, min(32, CPUs + 4) threads: the count depends on the
    machine, so the finding (against 32) is shown with `--scope all` only.
    Pools built in modules the application never
    imports (an Alembic `env.py`, a command-line tool) are not reported. An
    engine stored in a module global from a startup helper through `global`
    is not recognised as shared: missed alarm. One engine shared by several
    processes multiplies connections per process: the rule reasons about one
    process.

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
        use = context.threadpool_use
        if use.limiter_configured or not (use.sync_routes or use.sync_dependencies):
            return
        serving = context.serving_modules
        on_threads: RequestThreads | None = None
        for summary, site, located in _pool_sites(project):
            if serving is not None and summary.module not in serving:
                continue  # a migration script or a tool: its pool never meets the threadpool
            # Before AnyIO, sync code ran on asyncio's default executor: as many threads as the machine allows.
            executor = context.pins.below("fastapi", summary.path, _ANYIO_RELEASE)
            threads = _EXECUTOR_THREADS if executor else DEFAULT_THREADS
            if located is not None and not _lasts(context, located, site):
                continue  # a helper's own engine (a migration check, an export): not the shared pool
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
            if on_threads is None:
                on_threads = context.view(_request_threads)
            reached = holders(project, summary, site, located, _MAKES)
            user = used_on_request_threads(project, on_threads, reached, _MAKES)
            if (user is not None and located is not None and located.function.path not in context.once_per_process
                    and not runs_at_all(project, located, _MAKES)):
                user = None  # built by a getter nothing calls: whatever the requests use, not this
            counted = (f"up to {threads} threadpool threads (min(32, CPUs + 4): FastAPI before {_ANYIO_RELEASE})"
                       if executor else f"{threads} threadpool threads")
            found = self.report_in(
                summary,
                site.span,
                f"pool of {total} connections ({detail}) for {counted}: {verdict}",
                help=f"Size the pool near the thread count ({threads}), or set both explicitly",
            )
            # Only async code, startup, tests or nothing is seen using it: no thread waits on it. Nor
            # when only routes no app serves import it (an archived router's own engine), nor when the
            # thread count is the machine's.
            served = context.served_modules
            unserved = served is not None and summary.module not in served
            yield found if user is not None and not unserved and not executor else replace(found, wider=True)


def _request_threads(context: Context) -> RequestThreads:
    return request_threads(context.model, context.callgraph, context.request_paths)


def _pool_sites(project: Project) -> list[tuple[ModuleSummary, CallSite, Located | None]]:
    """Every pool built, with the function it is built in (None at module level)."""
    in_functions = {(located.module.path, site.span): located for located, site in project.function_calls_to(_POOLS)}
    return [(summary, site, in_functions.get((summary.path, site.span))) for summary, site in project.calls_to(_POOLS)]


def _lasts(context: Context, located: Located, site: CallSite) -> bool:
    """Whether a pool built in a function lives as long as the process: built behind a
    lazy-init guard, in a function that runs once, or handed back (returned, kept on the
    object) by a function that runs while the process starts, and not again per request (a
    getter that startup and every request call builds a pool per call: none is shared)."""
    if site.once and runs_once(context.callgraph, located, site):
        return True  # a guard on ``self.x`` only when the instances live long
    function = located.function
    if function.path in context.once_per_process:
        return True
    if function.path not in context.run_while_starting or function.path in context.scopes.request:
        return False
    return _returns_pool(context.project, function) or _keeps_pool(context.project, function)


def _keeps_pool(project: Project, function: FunctionFacts) -> bool:
    """A method of a class that keeps a pool on its instances (``self.engine = create_engine(...)``)."""
    found = project.classes.get(function.class_path) if function.class_path else None
    if found is None:
        return False
    klass, _ = found
    return any(_holds_pool(project, attribute.value) for attribute in klass.attributes)


def _holds_pool(project: Project, ref: Ref) -> bool:
    """A value made by a pool or session-factory constructor (``create_engine()``), or typed as one."""
    made_by = ref.path
    if made_by.endswith("()") and made_by[:-2] in _POOLS | _SESSION_FACTORIES:
        return True
    return project.resolve(ref).path in _POOL_TYPES


def _returns_pool(project: Project, function: FunctionFacts) -> bool:
    """``return create_engine(...)``, ``return engine``, ``return SessionLocal, engine``,
    ``return sessionmaker(bind=engine)``."""
    pending = list(function.returned)
    while pending:
        value = pending.pop()
        pending.extend(value.items)
        if value.kind == "call" and value.call is not None and value.call.func is not None:
            if project.resolve(value.call.func).path in _POOLS | _SESSION_FACTORIES:
                return True
        if value.kind == "ref" and value.ref is not None and _holds_pool(project, value.ref):
            return True
    return False


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
    if _is_sqlite(project, site):
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


def _is_sqlite(project: Project, site: CallSite) -> bool:
    """``create_engine("sqlite://")``, or through module-level names: ``sqlite_url =
    f"sqlite:///{name}"``; or SQLite's own ``connect_args={"check_same_thread": False}``."""
    url = _bound(project, site.args[0] if site.args else site.kwarg("url"))
    if url is not None and url.kind in ("str", "fstring") and url.text.startswith("sqlite"):
        return True
    options = _bound(project, site.kwarg("connect_args"))
    keys = options.items[::2] if options is not None and options.kind == "dict" else ()
    return any(key.kind == "str" and key.text == "check_same_thread" for key in keys)


def _bound(project: Project, value: Value | None) -> Value | None:
    """What a module-level name holds, followed through a few names (``url = SQLITE_URL``)."""
    for _ in range(3):
        if value is None or value.kind != "ref" or value.ref is None:
            return value
        bound = project.bindings.get(project.binding_key(value.ref))
        if bound is None:
            return value
        value = bound[0].value
    return value


def _number(value: Value | None) -> int | None:
    if value is None or value.kind != "num":
        return None
    try:
        return int(float(value.text))
    except ValueError:
        return None
