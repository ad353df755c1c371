from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.catalog.clients import CLIENTS
from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, Ref, RefKind, Value
from fastapi_lint.analysis.project import Located
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule

# Calls that take ownership of a resource and close it with the stack.
_EXIT_STACKS = frozenset({"enter_async_context", "enter_context", "push_async_callback", "callback", "push"})


class LifespanResourceNotClosed(Rule):
    """A client or pool built in the lifespan or a startup handler and never closed.

    ## What it does
    Finds clients, pools and engines constructed in a `lifespan` function, an
    `on_event("startup")` handler or the helpers they call, when nothing in
    the startup and shutdown code closes them: no `async with`/`with`, no
    `aclose()`/`close()`/`dispose()` (whichever the resource uses), and no
    `AsyncExitStack` that owns them.

    ## Why is this bad?
    At shutdown (every deploy, every autoscaling step) open connections are
    dropped instead of closed: the database sees aborted sessions, HTTP/2
    streams are reset mid-flight, and tests that start the app repeatedly leak
    sockets and print `ResourceWarning`s.

    Off by default (`extend-select = ["FAS204"]` turns it on for a shutdown
    review): a resource built once at startup costs nothing under load, and
    reviewers of unseen services judged every such finding true but of little
    value. A resource built per request is FAS201's.

    A resource that a helper builds and lets go when it returns (used for one
    check, not stored, returned, yielded or handed to another call) is not
    reported: it is closed when it is garbage collected, and the app does not
    hold it. Nor is an HTTP client that calls an app in the same process
    (`transport=httpx.ASGITransport(app=app)`): it holds no socket. Nor is one
    a method stores on its object (`self._engine = create_engine(url)`) when a
    method of the same class closes it (`self._engine.dispose()`): the object
    that holds it closes it with itself. A factory that returns the resource as
    it builds it (`def make_engine(): return create_async_engine(url)`) hands it
    to its caller: the finding is the caller's call that keeps it
    (`app.state.engine = make_engine()`), not the factory's. One that returns it
    through a local, alone or in a tuple (`client = from_url(url)`, `client.ping()`,
    `return (CONNECTED, client)`), hands it to its caller too, and is not
    reported (nor is the caller's keeping of it: a missed alarm).

    ## Known problems
    Closing is matched by method name anywhere in the startup and shutdown
    code, so a `close()` of another object of the same kind hides a missing
    one: missed alarm rather than false alarm.

    ## Example
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.http = httpx.AsyncClient()
        yield


    app = FastAPI(lifespan=lifespan)
    ```

    ## Use instead
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.http = httpx.AsyncClient()
        yield
        await app.state.http.aclose()


    app = FastAPI(lifespan=lifespan)
    ```

    ## Fix safety
    No automatic fix.
    """

    code = "FAS204"
    name = "lifespan-resource-not-closed"
    severity = Severity.WARNING
    default_enabled = False

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project, model = context.project, context.model
        graph = context.callgraph
        cached = context.request_paths.cached
        handlers = sorted(path for path, roles in model.roles.items() if "startup" in roles)
        lifespans = sorted(path for path, roles in model.roles.items() if "lifespan" in roles)
        # A lifespan closes what it opens itself; startup handlers are closed by shutdown handlers.
        groups = [[root] for root in lifespans] + ([handlers] if handlers else [])
        reported: set[tuple[str, int, int]] = set()
        for group in groups:
            functions = [project.function(path) for path in sorted(_reach(graph, group, cached))]
            located_all = [located for located in functions if located is not None]
            # by the name as written: ``store.close()`` on a name the analysis cannot type (a local of
            # the app factory a nested lifespan closes over) still closes
            called = {site.text.rpartition(".")[2] for f in located_all for site in f.function.calls}
            if called & _EXIT_STACKS:
                continue  # an exit stack owns what this lifespan builds
            for located in located_all:
                for site, built, factory in _constructions(graph, located):
                    resource = CLIENTS.get(built.path)
                    key = (located.module.path, site.span.line, site.span.col)
                    if resource is None or not resource.close or called & set(resource.close) or key in reported:
                        continue
                    if (_in_process(site) or _closed_by_its_class(located, resource.close)
                            or factory is None and located.function.path not in group
                            and (_only_returned(located.function, site) or _handed_back(located.function, site, built.path))):
                        continue  # a factory's: charged where its caller keeps what it returns
                    if located.function.path not in group and not _outlives(located.function, site, factory or built.path):
                        continue
                    reported.add(key)
                    closers = " or ".join(f"`{name}()`" for name in resource.close)
                    name = located.function.name
                    what = (f"builds {resource.what} in `{name}` that is never closed" if factory is None
                            else f"returns {resource.what} that `{name}` keeps and never closes")
                    yield self.report(
                        located,
                        site.span,
                        f"`{site.text}()` {what} (no `async with`, no {closers})",
                        help=f"Use `async with` around the `yield`, or call {closers} after it",
                    )


def _constructions(graph: CallGraph, located: Located) -> Iterator[tuple[CallSite, Ref, str | None]]:
    """The calls of ``located`` that build a resource: a constructor's (with its path), or a
    factory's of the project that returns one as it builds it (``return AsyncElasticsearch(url)``;
    with the factory's path): what that call returns is the caller's to close."""
    project = graph.project
    for site in located.function.calls:
        if site.func is not None and not site.context_manager:
            ref = project.resolve(site.func)
            if ref.kind is RefKind.SYMBOL and ref.path in CLIENTS:
                yield site, ref, None
    for site, callee in graph.runs(located.function.path):
        factory = project.function(callee)
        if site.context_manager or factory is None:
            continue
        for returned in _returned_calls(factory.function):
            if returned.func is not None:
                ref = project.resolve(returned.func)
                if ref.kind is RefKind.SYMBOL and ref.path in CLIENTS and _only_returned(factory.function, returned):
                    yield site, ref, callee
                    break


def _only_returned(function: FunctionFacts, site: CallSite) -> bool:
    """Whether ``function`` returns what ``site`` builds as it builds it, and keeps nothing."""
    return not function.fills and not function.is_generator and any(
        returned.span == site.span for returned in _returned_calls(function))


def _returned_calls(function: FunctionFacts) -> Iterator[CallSite]:
    """The calls ``function`` returns as it makes them, and those whose result it returns inside
    another's (``return Queue(connection=Redis.from_url(url))``: the queue holds the client)."""
    for value in function.returned:
        if value.kind == "call" and value.call is not None:
            yield value.call
            for argument in (*value.call.args, *(given for _, given in value.call.kwargs)):
                if argument.kind == "call" and argument.call is not None:
                    yield argument.call


def _in_process(site: CallSite) -> bool:
    """``httpx.AsyncClient(transport=httpx.ASGITransport(app=app))``: a client that calls an app in
    the same process holds no socket to leak."""
    transport = site.kwarg("transport")
    call = transport.call if transport is not None and transport.kind == "call" else None
    return call is not None and call.text.rpartition(".")[2] in ("ASGITransport", "WSGITransport")


def _closed_by_its_class(located: Located, closers: tuple[str, ...]) -> bool:
    """``self._engine = create_engine(...)`` in a method, and ``self._engine.dispose()`` in a
    method of the same class: the object that holds the resource closes it with itself."""
    function = located.function
    if function.class_path is None:
        return False
    closing = {f"{place}.{name}" for place in function.fills if place.startswith("self.") for name in closers}
    return any(site.text in closing for other in located.module.functions
               if other.class_path == function.class_path for site in other.calls)


def _outlives(function: FunctionFacts, site: CallSite, resolved: str) -> bool:
    """Whether what ``site`` builds may outlive ``function``: stored in a lasting place, returned,
    yielded or handed to another call (``SessionLocal.configure(bind=engine)``)."""
    if function.is_generator or function.fills:
        return True
    holds = _holder(function, site, resolved)
    if any(holds(value) or value.kind == "call" for value in function.returned):
        return True
    return any(holds(value) for other in function.calls if other.span != site.span
               for value in (*other.args, *(value for _, value in other.kwargs)))


def _handed_back(function: FunctionFacts, site: CallSite, resolved: str) -> bool:
    """Whether ``function`` returns what ``site`` builds through a local, alone or in a tuple
    (``client = from_url(url)``, ``client.ping()``, ``return (CONNECTED, client)``), and keeps
    nothing: a factory's, whose caller keeps it."""
    if function.is_generator or function.fills:
        return False
    holds = _holder(function, site, resolved)
    return any(holds(value) for value in function.returned)


def _holder(function: FunctionFacts, site: CallSite, resolved: str) -> Callable[[Value], bool]:
    """Whether a value may be what ``site`` builds."""
    built = {f"{site.func.path}()" if site.func else "", f"{resolved}()"}
    params = {param.name for param in function.params}

    def holds(value: Value) -> bool:
        if value.kind == "ref":
            return value.ref is not None and value.ref.path in built
        if value.kind == "call":
            return value.call is not None and value.call.span == site.span
        if value.kind == "other":
            # a name the analysis could not type may be the resource, unless it is a parameter
            return bool(value.text) and value.text.partition(".")[0] not in params
        return any(holds(item) for item in value.items)

    return holds


def _reach(graph: CallGraph, roots: list[str], stop: set[str]) -> set[str]:
    """The roots and every function they run, not entering memoized ones."""
    seen = set(roots)
    pending = list(roots)
    while pending:
        for _, callee in graph.runs(pending.pop()):
            if callee not in seen and callee not in stop:
                seen.add(callee)
                pending.append(callee)
    return seen
