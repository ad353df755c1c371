"""Which functions run per request, and which run once at startup.

The request path starts at what FastAPI calls for a request (routes,
dependencies, middleware, exception handlers, background tasks) and follows
every way a function runs another: plain and awaited calls, callables handed
to a thread or to ``add_task``. Memoized functions (``lru_cache``/``cache``)
run once, so the walk stops at them. The startup path starts at lifespan and
startup handlers and at memoized functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi_lint.analysis.callgraph import CallGraph, callgraph
from fastapi_lint.analysis.catalog import Catalog
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, Ref
from fastapi_lint.analysis.fastapi_model import REQUEST_ROLES, STARTUP_ROLES, FastAPIModel
from fastapi_lint.analysis.project import Located, Project

CACHE_DECORATORS = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        "async_lru.alru_cache",
        "cachetools.cached",
        "cachetools.func.lru_cache",
        "cachetools.func.ttl_cache",
        "aiocache.cached",
    }
)


@dataclass
class Paths:
    # function path -> the request-path root it was first reached from
    request: dict[str, str] = field(default_factory=dict)
    startup: set[str] = field(default_factory=set)
    cached: set[str] = field(default_factory=set)

    def per_request(self, path: str) -> bool:
        return path in self.request


def is_cached(project: Project, function: FunctionFacts) -> bool:
    """Memoized by ``lru_cache`` and the like, or by a decorator of the project's own that
    calls the function it wraps only while its cache has no entry."""
    if not function.decorators:  # most functions: nothing to look up
        return False
    own = memoizing_decorators(project)
    for decorator in function.decorators:
        ref = decorator.call.func if decorator.call is not None else decorator.ref
        if ref is None:
            continue
        path = project.resolve(ref).path
        if path in CACHE_DECORATORS or path in own:
            return True
    return False


def memoizing_decorators(project: Project) -> frozenset[str]:
    """The project's decorators (and decorator factories) whose wrapper calls the wrapped
    function behind a cache check::

        def cached(fn):
            def wrapper(*args):
                if args not in CACHE:
                    CACHE[args] = fn(*args)
                return CACHE[args]
            return wrapper
    """
    found = project.derived.get("memoizing_decorators")
    if isinstance(found, frozenset):
        return found
    decorators: set[str] = set()
    for located in project.all_functions():
        wrapper = located.function
        outer = project.function(wrapper.parent_path) if wrapper.parent_path else None
        if outer is None:
            continue
        wrapped = {param.name for param in outer.function.params}
        if any(site.once and site.text in wrapped for site in wrapper.calls):
            current: Located | None = outer
            while current is not None:  # a factory (``@cached(ttl=60)``) memoizes too
                decorators.add(current.function.path)
                parent = current.function.parent_path
                current = project.function(parent) if parent else None
    result = frozenset(decorators)
    project.derived["memoizing_decorators"] = result
    return result


def paths(project: Project, model: FastAPIModel, graph: CallGraph) -> Paths:
    cached_result = project.derived.get("paths")
    if cached_result is not None:
        return cached_result  # type: ignore[return-value]
    result = Paths()
    result.cached = {located.function.path for located in project.all_functions() if is_cached(project, located.function)}
    roots = sorted(path for path, roles in model.roles.items() if roles & REQUEST_ROLES)
    for root in roots:
        _walk(graph, root, root, result.request, result.cached)
    startup: dict[str, str] = {}
    for root in sorted({p for p, roles in model.roles.items() if roles & STARTUP_ROLES} | result.cached):
        _walk(graph, root, root, startup, set())
    result.startup = set(startup)
    project.derived["paths"] = result
    return result


def _walk(graph: CallGraph, root: str, start: str, seen: dict[str, str], stop: set[str]) -> None:
    if start in stop or start in seen:
        return
    seen[start] = root
    pending = [start]
    while pending:
        current = pending.pop()
        for _, callee in graph.runs(current):
            if callee not in seen and callee not in stop:
                seen[callee] = root
                pending.append(callee)


@dataclass(frozen=True)
class RequestCall:
    """A call made in a function that runs per request, with the root that runs it."""

    located: Located
    site: CallSite
    ref: Ref
    root: str


def calls_per_request(project: Project, found: Paths) -> list[RequestCall]:
    cached_calls = project.derived.get("calls_per_request")
    if cached_calls is not None:
        return cached_calls  # type: ignore[return-value]
    calls: list[RequestCall] = []
    for path, root in found.request.items():
        located = project.function(path)
        if located is None:
            continue
        for site in located.function.calls:
            # A lazily built client or settings object (``if self._client is None: ...``) is built
            # once, not per request.
            if site.func is not None and not site.once:
                calls.append(RequestCall(located, site, project.resolve(site.func), root))
    calls.sort(key=lambda call: (call.located.module.path, call.site.span.line, call.site.span.col))
    project.derived["calls_per_request"] = calls
    return calls


def where(project: Project, model: FastAPIModel, located: Located, root: str) -> str:
    """``route `read_items``` or ```load_user`, run per request by route `read_items```."""
    own = _role_word(model, located.function.path)
    if own is not None:
        return f"{own} `{located.function.name}`"
    return f"`{located.function.name}`, {_run_by(project, model, root)}"


def _run_by(project: Project, model: FastAPIModel, root: str) -> str:
    """``run per request by route `read_items```: what FastAPI calls that reaches a function."""
    root_function = project.function(root)
    root_name = root_function.function.name if root_function else root.rpartition(".")[2]
    return f"run per request by {_role_word(model, root) or 'function'} `{root_name}`"


def _role_word(model: FastAPIModel, path: str) -> str | None:
    roles = model.role_of(path)
    for role, word in (
        ("route", "route"),
        ("dependency", "dependency"),
        ("middleware", "middleware"),
        ("exception_handler", "exception handler"),
        ("background_task", "background task"),
    ):
        if role in roles:
            return word
    return None


def describe_async(project: Project, model: FastAPIModel, found: Paths, located: Located) -> str:
    """``async route `x```, or ``async function `f`, run per request by route `x``` when reached from one."""
    own = _role_word(model, located.function.path)
    name = located.function.name
    if own is not None:
        return f"async {own} `{name}`"
    root = found.request.get(located.function.path)
    if root is None or root == located.function.path:
        return f"async function `{name}`"
    return f"async function `{name}`, {_run_by(project, model, root)}"


def request_paths(project: Project, model: FastAPIModel, catalog: Catalog) -> Paths:
    """The request and startup paths of a project, computed once per run."""
    return paths(project, model, callgraph(project, catalog))
