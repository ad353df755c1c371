"""Which functions run per request, and which run once at startup.

The request path starts at what FastAPI calls for a request (routes,
dependencies, middleware, exception handlers, background tasks) and follows
every way a function runs another: plain and awaited calls, callables handed
to a thread or to ``add_task``. Memoized functions (``lru_cache``/``cache``)
run once, so the walk stops at them. The startup path starts at lifespan and
startup handlers and at memoized functions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.facts import CallSite, Ref
from fastapi_lint.analysis.call_arguments import LineRange, dead_lines, in_ranges
from fastapi_lint.analysis.guards import callers, runs_once
from fastapi_lint.analysis.app_model import REQUEST_ROLES, STARTUP_ROLES, FastAPIModel
# Memoization lives in its own module (the call graph reads it too); these names stay here as well.
from fastapi_lint.analysis.memoized import CACHE_DECORATORS as CACHE_DECORATORS
from fastapi_lint.analysis.memoized import is_cached as is_cached
from fastapi_lint.analysis.memoized import memoizing_decorators as memoizing_decorators
from fastapi_lint.analysis.project import Located, Project
from fastapi_lint.analysis.untaken import unpassed, with_kept_constants


@dataclass
class Paths:
    graph: CallGraph = field(repr=False, compare=False)
    # function path -> the request-path root it was first reached from
    request: dict[str, str] = field(default_factory=dict)
    startup: set[str] = field(default_factory=set)
    cached: set[str] = field(default_factory=set)
    # the request roots in the order a message prefers them (a user's route before an operator's)
    order: dict[str, int] = field(default_factory=dict)
    # a branching function -> the root of each caller, with the lines that caller's call does not run
    entries: dict[str, list[tuple[str, frozenset[LineRange]]]] = field(default_factory=dict, repr=False)
    roles: Mapping[str, set[str]] = field(default_factory=dict, repr=False, compare=False)  # the model's
    # a request root -> where its walk starts (a route's wrapper, when the route has one)
    starts: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def per_request(self, path: str) -> bool:
        return path in self.request

    def carried(self, graph: CallGraph, roles: Mapping[str, set[str]]) -> Paths:
        """These paths for another project's graph and model whose walks reach what these did
        (``root_for``'s memo afresh: it reads the lines of the changed functions, which moved)."""
        return Paths(graph=graph, request=dict(self.request), startup=set(self.startup), cached=set(self.cached),
                     order=dict(self.order), roles=roles, starts=dict(self.starts))


def paths(project: Project, model: FastAPIModel, graph: CallGraph, admin: frozenset[str],
          tests: frozenset[str] | set[str] = frozenset()) -> Paths:
    """The request and startup paths of a project (``Context.request_paths`` computes them once per run).

    A route a test adds to the app (``@client.app.get("/store")`` in an integration test) serves
    no production request: the roots in ``tests`` (module paths) count only in a project whose
    every route is a test's."""
    result = Paths(graph=graph, roles=model.roles)
    result.cached = {located.function.path for located in project.all_functions() if is_cached(project, located.function)}
    # ``admin``: the operators' roots (``Context.rare_roots``): a message names a user's route first
    roots = sorted((path for path, roles in model.roles.items() if roles & REQUEST_ROLES),
                   key=lambda path: (path in admin, path))
    served = [root for root in roots if (located := project.function(root)) is None or located.module.path not in tests]
    roots = served or roots
    result.order = {root: index for index, root in enumerate(roots)}
    result.starts = {root: model.wrapped.get(root, root) for root in roots}  # a route's wrapper runs by the route
    for root, start in result.starts.items():
        _walk(graph, start, root, result.request, result.cached)
    startup: dict[str, str] = {}
    for root in sorted({p for p, roles in model.roles.items() if roles & STARTUP_ROLES} | result.cached):
        _walk(graph, root, root, startup, set())
    result.startup = set(startup)
    return result


def grown_paths(previous: Paths, graph: CallGraph, roles: Mapping[str, set[str]],
                added: Iterable[tuple[str, int, str]], known: Collection[str] = ()) -> Paths | None:
    """``previous`` (a context's ``request_paths``) for a project whose placing grew by the plain
    calls ``added`` ((caller, line, callee): ``scope_growth.py``, whose callees' reach no request ran
    but its ``known`` functions, and whose guards answer as before): what each walk reached, and
    what it now reaches through a caller it reached, in the walks' order (a function is the first
    root's that reaches it). None when a known function was the root's of a walk after a
    caller's: what it runs may now be an earlier root's."""
    first = min((previous.order.get(previous.request[caller], -1) for caller, _, _ in added if caller in previous.request),
                default=None)
    if first is not None and any(previous.order.get(previous.request.get(path, ""), -1) > first for path in known):
        return None
    found = previous.carried(graph, roles)
    for start in found.starts.values():
        for caller, _, callee in added:
            if found.request.get(caller) == start:
                _walk(graph, start, callee, found.request, found.cached)
    started = dict.fromkeys(found.startup, "")
    for caller, _, callee in added:
        if caller in started:
            _walk(graph, "", callee, started, set())
    found.startup = set(started)
    return found


def grown_recovering(before: Paths, recovered: frozenset[str], found: Paths, added: Iterable[tuple[str, int, str]]) -> frozenset[str]:
    """``recovered`` (``before``'s ``recovering``) for the paths grown from it (``grown_paths``) by
    the calls ``added``, none in an ``except`` handler: what every request reaches, and what it now
    reaches through a caller it reached, are not only recovering."""
    reached = dict.fromkeys(before.request.keys() - recovered, "")
    for caller, _, callee in added:
        if caller in reached:
            _walk(found.graph, "", callee, reached, found.cached, recovery=False)
    return frozenset(found.request.keys() - reached.keys())


def recovering(found: Paths) -> frozenset[str]:
    """The functions of the request path that requests reach only through calls in ``except``
    handlers: they run when something failed (a session rebuilt when its token expired), not on
    every request."""
    reached: dict[str, str] = {}
    for root, start in found.starts.items():
        _walk(found.graph, start, root, reached, found.cached, recovery=False)
    return frozenset(found.request.keys() - reached.keys())


def _walk(graph: CallGraph, root: str, start: str, seen: dict[str, str], stop: set[str], recovery: bool = True) -> None:
    """Everything ``start`` runs, except behind a cache guard (``if _client is None: ...``):
    that runs once per entry, not per call. Without ``recovery``, not what only ``except``
    handlers call either."""
    if start in stop or start in seen:
        return
    seen[start] = root
    pending = [start]
    while pending:
        current = pending.pop()
        located = graph.project.function(current)
        guarded = located if located is not None and located.function.guards else None  # else no call runs once
        for site, callee in graph.runs(current):
            if (site.in_handler and not recovery) or (guarded is not None and runs_once(graph, guarded, site)):
                continue
            if callee not in seen and callee not in stop:
                seen[callee] = root
                pending.append(callee)


class RequestCall:
    """A call made in a function that runs per request, with the root that runs it. A plain
    class with slots, not a dataclass: a large project makes tens of thousands per check."""

    __slots__ = ("located", "site", "ref", "first", "_project", "_paths")

    def __init__(self, located: Located, site: CallSite, ref: Ref, first: str, project: Project, found: Paths) -> None:
        self.located = located
        self.site = site
        self.ref = ref
        self.first = first  # the first root that reaches the function
        # what ``root`` asks: read only for the calls a rule reports (few of the project's)
        self._project = project
        self._paths = found

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RequestCall) and (self.located, self.site, self.ref, self.first) == (
            other.located, other.site, other.ref, other.first)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RequestCall(located={self.located!r}, site={self.site!r}, ref={self.ref!r}, first={self.first!r})"

    @property
    def root(self) -> str:
        """The root a message names for this call (``root_for``)."""
        return root_for(self._project, self._paths, self.located, self.site.span.line) or self.first


def calls_per_request(project: Project, found: Paths, modules: Collection[str] | None = None) -> list[RequestCall]:
    """The calls of the functions that run per request (``Context.calls_per_request``, once per
    run); with ``modules``, of those functions in these modules (display paths) only."""
    calls: list[RequestCall] = []
    for path, root in found.request.items():
        located = project.function(path)
        if located is None or (modules is not None and located.module.path not in modules):
            continue
        guarded = bool(located.function.guards)  # without a guard, no call runs once (``runs_once``)
        for site in located.function.calls:
            # A lazily built client or settings object (``if self._client is None: ...``) is built
            # once, not per request.
            if site.func is not None and not (guarded and runs_once(found.graph, located, site)):
                calls.append(RequestCall(located, site, project.resolve(site.func), root, project, found))
    calls.sort(key=lambda call: (call.located.module.path, call.site.span.line, call.site.span.col))
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
        ("admin_hook", "admin panel hook"),
    ):
        if role in roles:
            return word
    return None


def root_for(project: Project, found: Paths, located: Located, line: int | None) -> str | None:
    """The root a message names for the call at ``line`` of a function that runs per request: the
    first that reaches the function, unless each call through which it enters leaves the line
    unrun (``submit(node_type="entry")`` never runs the exit node's branch: ``dead_lines``); then
    the first root of a caller whose call runs it."""
    root = found.request.get(located.function.path)
    function = located.function
    if root is None or line is None or not (function.branches or function.guards or function.class_path):
        return root
    entries = found.entries.get(function.path)
    if entries is None:
        entries = found.entries[function.path] = [
            (by, dead_lines(project, function, with_kept_constants(found.graph, found.roles, site, caller)))
            for site, caller in callers(found.graph).get(function.path, [])
            if (by := found.request.get(caller)) is not None and not _passed_over(found, site, caller, function.path)]
    running = [by for by, dead in entries if not in_ranges(line, dead)]
    if not running or root in running:
        return root
    return min(running, key=lambda by: (found.order.get(by, len(found.order)), by))


def _passed_over(found: Paths, site: CallSite, caller: str, method: str) -> bool:
    """Whether ``site`` of ``caller`` never runs ``method``: its receiver, a parameter, is always
    an object of another class (``untaken.unpassed``)."""
    located = found.graph.project.function(caller)
    return located is not None and (site.span.line, method) in unpassed(found.graph, found.roles, located)


def describe_async(project: Project, model: FastAPIModel, found: Paths, located: Located, line: int | None = None) -> str:
    """``async route `x```, or ``async function `f`, run per request by route `x``` when reached
    from one (one whose call runs ``line``, when given: ``root_for``)."""
    own = _role_word(model, located.function.path)
    name = located.function.name
    if own is not None:
        return f"async {own} `{name}`"
    root = root_for(project, found, located, line)
    if root is None or root == located.function.path:
        return f"async function `{name}`"
    return f"async function `{name}`, {_run_by(project, model, root)}"

