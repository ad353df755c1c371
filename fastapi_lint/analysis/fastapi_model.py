"""Over 500 lines: to be split (dependencies apart from routes and apps); held whole while it changes on main.
The FastAPI model of a project: apps, routers, routes, dependencies and the roles functions play.

Built once per run from the linked summaries. A function's *roles* say how
FastAPI runs it: ``route``, ``dependency``, ``middleware``, ``exception_handler``
and ``background_task`` run per request; ``lifespan`` and ``startup`` run once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from fastapi_lint.analysis.facts import Binding, CallSite, FunctionFacts, ModuleSummary, Ref, RefKind, Value
from fastapi_lint.analysis.names import TYPE_WRAPPERS
from fastapi_lint.analysis.project import Located, Project

APP_TYPES = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"})
ROUTER_TYPES = frozenset({"fastapi.APIRouter", "fastapi.routing.APIRouter"})
HTTP_METHODS = frozenset({"get", "post", "put", "delete", "patch", "options", "head", "trace"})
ROUTE_DECORATORS = HTTP_METHODS | {"api_route", "websocket", "route", "websocket_route"}
DEPENDS = frozenset(
    {
        "fastapi.Depends",
        "fastapi.Security",
        "fastapi.params.Depends",
        "fastapi.params.Security",
        "fastapi.param_functions.Depends",
        "fastapi.param_functions.Security",
    }
)
# Packages whose apps and routers have ``get``/``route``/``middleware`` decorators of their own.
_OTHER_FRAMEWORKS = frozenset(
    {
        "flask",
        "quart",
        "sanic",
        "aiohttp",
        "django",
        "litestar",
        "falcon",
        "bottle",
        "tornado",
        "click",
        "typer",
        "celery",
        "socketio",
        "blacksheep",
        "robyn",
    }
)
# Beyond this many ways from a route up to its apps (a router included by routers that are
# included again and again), the rest are left out: the route map lists each way.
_MAX_MOUNTS = 16
# Attributes of an app that are routers themselves: ``@app.router.get("/")``.
_ROUTER_ATTRIBUTES = frozenset({"fastapi.FastAPI.router", "fastapi.applications.FastAPI.router"})
BASE_HTTP_MIDDLEWARE = frozenset(
    {"starlette.middleware.base.BaseHTTPMiddleware", "fastapi.middleware.base.BaseHTTPMiddleware"}
)
# "nested": an async function defined inside request-path code (a streaming generator, say).
REQUEST_ROLES = frozenset({"route", "dependency", "middleware", "exception_handler", "background_task", "nested"})
STARTUP_ROLES = frozenset({"lifespan", "startup"})
_ROUTE_CLASSES = frozenset({"Route", "APIRoute", "WebSocketRoute", "APIWebSocketRoute"})
_ROUTE_CLASS_PATHS = frozenset(
    {
        "starlette.routing.Route",
        "starlette.routing.WebSocketRoute",
        "fastapi.routing.APIRoute",
        "fastapi.routing.APIWebSocketRoute",
    }
)
_MIDDLEWARE_CLASSES = frozenset({"starlette.middleware.Middleware", "fastapi.middleware.Middleware"})
_CONSTRUCTOR_NAMES = frozenset({"FastAPI", "APIRouter", "Starlette"})
# The last name of every call ``_registration_call`` acts on (besides ``*BackgroundTask``).
_REGISTRATION_NAMES = frozenset(
    {"add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route", "add_event_handler",
     "add_exception_handler", "add_middleware", "add_task", "include_router", "mount", "Middleware", *_ROUTE_CLASSES}
)


@dataclass(frozen=True)
class Mount:
    """Where an app serves a route: the prefixes above it joined, and what the app, the
    routers and the ``include_router`` calls on the way add to it."""

    prefix: str  # ``mount``, ``include_router(prefix=...)`` and ``APIRouter(prefix=...)``, outermost first
    app: str | None  # the app's key (see ``_Builder._owner_key``); None when no app is known to serve it
    dependencies: tuple[str, ...] = ()  # every dependency FastAPI runs first for the route mounted here


@dataclass(frozen=True)
class Route:
    handler: Located
    methods: tuple[str, ...]
    path: str
    websocket: bool
    site: CallSite  # the decorator or ``add_api_route`` call
    owner: str | None  # the app or router it is registered on, when known (see ``_Builder._owner_key``)
    # each place an app serves it (a router included in two apps, or twice, has two)
    mounts: tuple[Mount, ...] = ()


@dataclass
class FastAPIModel:
    routes: list[Route] = field(default_factory=list)
    roles: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # dependency path -> the paths of the routes/dependencies that depend on it
    dependents: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def role_of(self, path: str) -> set[str]:
        return self.roles.get(path, set())

    def on_request_path(self, path: str) -> bool:
        return bool(self.role_of(path) & REQUEST_ROLES)


def build(project: Project) -> FastAPIModel:
    return _Builder(project).build()


@dataclass(frozen=True)
class _Include:
    """``parent.include_router(child, prefix=..., dependencies=[...])`` or ``parent.mount(prefix, child)``."""

    parent: str
    prefix: str
    dependencies: tuple[Value, ...]
    # A mounted app is an app of its own: its parent's dependencies do not run for its routes.
    mounted: bool = False


class _Builder:
    """Apps and routers are keyed by the module-level name they are bound to (``pkg.main.app``),
    or, when made or used inside a function (an app factory, a router built by a function), by
    that function and their type (``pkg.main.create_app:fastapi.FastAPI``)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.model = FastAPIModel()
        # app or router key -> the dependencies of its constructor (and of its class)
        self._owner_dependencies: dict[str, list[Value]] = defaultdict(list)
        self._own_prefix: dict[str, str] = {}
        self._apps: set[str] = set()
        # router (or app) key -> where it is included or mounted
        self._includes: dict[str, list[_Include]] = defaultdict(list)
        self._mount_memo: dict[str, list[tuple[str, str | None, tuple[Value, ...]]]] = {}
        # call site -> the function it is in (None at module level), for the calls that register
        self._site_function: dict[int, FunctionFacts | None] = {}
        # router subclass -> the dependencies its ``__init__`` passes on
        self._class_dependencies: dict[str, list[Value]] = defaultdict(list)
        self._created_by: dict[Ref | None, str | None] = {}  # callee -> what calling it constructs (_created)

    def build(self) -> FastAPIModel:
        project = self.project
        # The calls that may register or build something, by the name they are written with
        # (a project has ~100 calls per route); per module, in order.
        candidates: dict[int, list[CallSite]] = defaultdict(list)
        for owner, function, site in project.calls_named_if(_may_register):
            candidates[id(owner)].append(site)
            self._site_function[id(site)] = function
        for summary in project.summaries:
            uses_fastapi = _imports_fastapi(summary)
            for function in summary.functions:
                if function.decorators:  # most functions have none
                    located = Located(function, summary)
                    for decorator in function.decorators:
                        if decorator.call is not None:
                            self._decorator(located, decorator.call, uses_fastapi)
                if function.class_path and function.name in ("dispatch", "__call__"):
                    if project.is_subclass(function.class_path, BASE_HTTP_MIDDLEWARE):
                        self.model.roles[function.path].add("middleware")
            starts: dict[tuple[int, int], list[CallSite]] | None = None
            for site in candidates.get(id(summary), ()):
                if site.func is None:  # never: the name index holds calls with a callee
                    continue
                name = site.func.path.rpartition(".")[2]
                if name in _REGISTRATION_NAMES or name.endswith("BackgroundTask"):
                    self._registration_call(site)
                if name in _CONSTRUCTOR_NAMES or name[:1].isupper():
                    self._app_construction(site)
                if name.endswith("()"):
                    if starts is None:
                        starts = defaultdict(list)
                        for other in Project.module_and_function_calls(summary):
                            starts[(other.span.line, other.span.col)].append(other)
                    self._decorator_applied(site, starts, uses_fastapi)
            for binding in summary.bindings:
                self._app_binding(summary, binding)
        self._router_class_dependencies()
        self._parameter_receivers()
        self.model.routes = [self._mounted(route) for route in self.model.routes]
        self._nested_request_functions()
        return self.model

    def _mounted(self, route: Route) -> Route:
        """The route with each place it is served, and its dependencies marked for each."""
        path = route.handler.function.path
        own = [*self._literal_items(route.site.kwarg("dependencies")), *self._view_dependencies(route.handler)]
        mounts: list[Mount] = []
        for prefix, app, above in self._mounts(route.owner):
            extra = [*own, *above]
            if app is None:
                # No app is known to serve it (a router included in a loop, say): any app may.
                extra.extend(self._every_app_dependencies())
            mounts.append(Mount(prefix, app, tuple(self._dependencies_of(path, extra))))
        if not mounts:  # never: every owner is served somewhere, if only as it is
            mounts.append(Mount("", None, tuple(self._dependencies_of(path, own))))
        return replace(route, mounts=tuple(mounts))

    # -- routes ------------------------------------------------------------

    def _decorator(self, located: Located, site: CallSite, uses_fastapi: bool) -> None:
        func = self.project.resolve(site.func)
        method = site.func.path.rpartition(".")[2] if site.func else ""
        owner_type = func.path.rpartition(".")[0] if func.kind is RefKind.MEMBER else None
        known_owner = owner_type is not None and self._is_app_or_router(owner_type)
        # A receiver of a known type that is not an app or router (a Flask app, an event bus
        # of the project's own) rules the decorator out; the import heuristic is for unknown ones.
        other_owner = owner_type is not None and not known_owner and self._other_framework(owner_type)
        uses_fastapi = uses_fastapi and not other_owner
        path = located.function.path
        if method == "middleware" and (known_owner or uses_fastapi):
            self.model.roles[path].add("middleware")
        elif method == "exception_handler" and (known_owner or uses_fastapi):
            self.model.roles[path].add("exception_handler")
        elif method == "on_event" and (known_owner or uses_fastapi):
            self.model.roles[path].add("startup")
        elif method in ROUTE_DECORATORS:
            first = site.args[0] if site.args else site.kwarg("path")
            looks_like_route = uses_fastapi and self._text(first).startswith("/")
            if known_owner or looks_like_route:
                owner = self._owner_key(site, located.function.parent_path)
                self._add_route(located, site, method, self._text(first), owner)

    def _decorator_applied(
        self, site: CallSite, starts: dict[tuple[int, int], list[CallSite]], uses_fastapi: bool
    ) -> None:
        """A decorator called by hand: ``app.exception_handler(Exc)(handler)``, ``router.get("/")(f)``."""
        if site.func is None or not site.func.path.endswith("()") or len(site.args) != 1:
            return
        method = site.func.path[:-2].rpartition(".")[2]
        if method not in ROUTE_DECORATORS and method not in ("middleware", "exception_handler", "on_event"):
            return
        located = self._function_of(site.args[0])
        if located is None:
            return
        # The decorator's own call starts where this one does and ends before it.
        for inner in starts.get((site.span.line, site.span.col), ()):
            if inner is not site and inner.func is not None and inner.func.path == site.func.path[:-2]:
                self._decorator(located, inner, uses_fastapi)
                return

    def _add_route(self, located: Located, site: CallSite, method: str, route_path: str, owner: str | None) -> None:
        websocket = "websocket" in method
        if method in HTTP_METHODS:
            methods: tuple[str, ...] = (method.upper(),)
        elif websocket:
            methods = ("WS",)
        else:
            listed = site.kwarg("methods")
            methods = tuple(item.text.upper() for item in listed.items if item.kind == "str") if listed else ("GET",)
        self.model.routes.append(Route(located, methods, route_path, websocket, site, owner))
        self.model.roles[located.function.path].add("route")

    def _other_framework(self, type_path: str) -> bool:
        """A receiver type known not to register FastAPI routes: a class of the project that is
        no app or router, or a type from another web or CLI framework. Other external types
        (``fastapi_utils``' ``InferringRouter``) stay undecided."""
        if "()" in type_path:
            return False
        if type_path in self.project.classes:
            return True
        return type_path.partition(".")[0] in _OTHER_FRAMEWORKS

    def _is_app_or_router(self, type_path: str) -> bool:
        known = APP_TYPES | ROUTER_TYPES
        if type_path in _ROUTER_ATTRIBUTES:
            return True
        return type_path in known or (type_path in self.project.classes and self.project.is_subclass(type_path, known))

    # -- calls that register things ----------------------------------------

    def _registration_call(self, site: CallSite) -> None:
        if site.func is None:
            return
        method = site.func.path.rpartition(".")[2]
        if method in ("add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route"):
            endpoint = site.args[1] if len(site.args) > 1 else site.kwarg("endpoint")
            located = self._function_of(endpoint)
            if located is not None and self._on_app_or_router(site):
                first = site.args[0] if site.args else site.kwarg("path")
                kind = "websocket" if "websocket" in method else "api_route"
                owner = self._owner_key(site, self._function_path(site))
                self._add_route(located, site, kind, self._text(first), owner)
        elif method == "add_event_handler" and len(site.args) > 1 and self._on_app_or_router(site):
            self._add_role(site.args[1], "startup")
        elif method == "add_exception_handler" and len(site.args) > 1:
            self._add_role(site.args[1], "exception_handler")
        elif method == "add_middleware" and site.args:
            self._add_middleware_class(site.args[0])
        elif method == "add_task" and site.args:
            self._add_role(site.args[0], "background_task")
        elif method == "include_router" and site.args:
            self._include(site, site.args[0], self._text(site.kwarg("prefix")), mounted=False)
        elif method == "mount" and len(site.args) > 1 and self._text(site.args[0]).startswith("/"):
            self._include(site, site.args[1], self._text(site.args[0]), mounted=True)
        elif site.func.path.endswith("BackgroundTask") and site.args:
            self._add_role(site.args[0], "background_task")
        elif method in _ROUTE_CLASSES or method == "Middleware":
            self._route_object(site, method)

    def _route_object(self, site: CallSite, name: str) -> None:
        """``Route("/", endpoint)``, ``APIRoute``, ``WebSocketRoute`` and ``Middleware(Cls)`` objects,
        as listed in ``Starlette(routes=[...], middleware=[...])`` or ``APIRouter(routes=[...])``."""
        resolved = self.project.resolve(site.func).path
        if name == "Middleware":
            if resolved in _MIDDLEWARE_CLASSES and site.args:
                self._add_middleware_class(site.args[0])
            return
        if resolved not in _ROUTE_CLASS_PATHS:
            return
        endpoint = site.args[1] if len(site.args) > 1 else site.kwarg("endpoint")
        located = self._function_of(endpoint)
        if located is not None:
            first = site.args[0] if site.args else site.kwarg("path")
            route_path = self._text(first)
            self._add_route(located, site, "websocket" if "WebSocket" in name else "api_route", route_path, None)

    def _on_app_or_router(self, site: CallSite) -> bool:
        func = self.project.resolve(site.func)
        owner = func.path.rpartition(".")[0]
        return func.kind is RefKind.MEMBER and self._is_app_or_router(owner)

    def _app_construction(self, site: CallSite) -> None:
        """``FastAPI(lifespan=..., on_startup=[...], dependencies=[...])`` wherever it is called:
        at module level or in an app factory (``def create_app()``)."""
        created = self._created(site)
        if created is None:
            return
        function = self._function_path(site)
        if function is not None:  # made in a function: its key (module-level ones: ``_app_binding``)
            self._owner_made(f"{function}:{created}", created, site)
        lifespan = site.kwarg("lifespan")
        if lifespan is not None:
            self._add_role(lifespan, "lifespan")
            for passed in self._passed_to_factory(function, lifespan):
                self._add_role(passed, "lifespan")
        for handler in (self._literal(site.kwarg("on_startup")), self._literal(site.kwarg("on_shutdown"))):
            if handler is not None:
                for item in handler.items:
                    self._add_role(item, "startup")
        handlers = self._literal(site.kwarg("exception_handlers"))
        if handlers is not None and handlers.kind == "dict":
            for handler in handlers.items[1::2]:
                self._add_role(handler, "exception_handler")

    def _passed_to_factory(self, factory: str | None, value: Value) -> Iterator[Value]:
        """What the callers of an app factory pass for its parameter ``value`` names
        (``def create_app(lifespan): return FastAPI(lifespan=lifespan)`` called with
        ``create_app(lifespan=lifespan)``): by keyword, or by position."""
        if factory is None or value.kind not in ("ref", "other") or not value.text.isidentifier():
            return
        located = self.project.function(factory)
        if located is None:
            return
        names = [param.name for param in located.function.params]
        if value.text not in names:
            return
        index = names.index(value.text) - (1 if located.function.class_path is not None else 0)
        for _, call in self.project.calls_to([factory]):
            passed = call.kwarg(value.text)
            if passed is None and 0 <= index < len(call.args):
                passed = call.args[index]
            if passed is not None:
                yield passed

    def _literal(self, value: Value | None) -> Value | None:
        """A value, or the module-level value a name stands for: ``exception_handlers=HANDLERS``."""
        if value is not None and value.kind == "ref" and value.ref is not None:
            found = self.project.bindings.get(self.project.binding_key(value.ref))
            if found is not None:
                return found[0].value
        return value

    def _created(self, site: CallSite) -> str | None:
        """The app or router type a call constructs, or None: a question about the callee alone,
        asked of every call to a capitalized name (tens of thousands), so answered once per callee."""
        try:
            return self._created_by[site.func]
        except KeyError:
            created = self._created_by[site.func] = self._creates(site)
            return created

    def _creates(self, site: CallSite) -> str | None:
        if site.func is None:
            return None
        if site.func.path.rpartition(".")[2] not in _CONSTRUCTOR_NAMES:
            if not self._project_class(site):
                return None
            func = self.project.resolve(site.func)
            if func.kind is RefKind.SYMBOL:  # a class of the project, called: an instance of it
                return func.path if self._is_app_or_router(func.path) else None
        created = self.project.resolve_value(Value("call", call=site))
        if created.kind is not RefKind.INSTANCE or not self._is_app_or_router(created.path):
            return None
        return created.path

    def _project_class(self, site: CallSite) -> bool:
        """A class of the project (a ``FastAPI`` subclass, say); only capitalized names are
        resolved, which spares resolving every call of the project."""
        if site.func is None or not site.func.path.rpartition(".")[2][:1].isupper():
            return False
        return self.project.resolve(site.func).path in self.project.classes

    def _app_binding(self, summary: ModuleSummary, binding: Binding) -> None:
        """``APIRouter(prefix=..., dependencies=[...])`` bound to a name: routes registered on that name get them."""
        call = binding.value.call
        created = self._created(call) if call is not None else None
        if call is not None and created is not None:
            self._owner_made(f"{summary.module}.{binding.name}", created, call)

    def _text(self, value: Value | None) -> str:
        """A path or prefix as written: a string literal, or the module-level constant it names
        (``@router.get(OAUTH_CALLBACK)`` with ``OAUTH_CALLBACK = "/oauth/callback"`` in a module of
        URLs); "" when it is built at run time."""
        if value is None:
            return ""
        if value.kind == "str":
            return value.text
        if value.kind != "ref" or value.ref is None:
            return ""
        for path in (value.ref.path, self.project.resolve(value.ref).path):
            bound = self.project.bindings.get(path)
            if bound is not None and path not in self.project.conflicting:
                return bound[0].value.text if bound[0].value.kind == "str" else ""
        return ""

    def _owner_made(self, key: str, created: str, call: CallSite) -> None:
        """An app or router made by ``call``, known as ``key`` from now on."""
        self._owner_dependencies[key].extend(self._literal_items(call.kwarg("dependencies")))
        prefix = self._text(call.kwarg("prefix"))
        if prefix:
            self._own_prefix[key] = prefix
        if created in APP_TYPES or self.project.is_subclass(created, APP_TYPES):
            self._apps.add(key)

    # -- where routes are served -------------------------------------------

    def _function_path(self, site: CallSite) -> str | None:
        function = self._site_function.get(id(site))
        return function.path if function is not None else None

    def _owner_key(self, site: CallSite, function: str | None) -> str | None:
        """The app or router a registration call acts on: ``router.get`` on a module-level
        router, or ``app.include_router`` on an app made (or received) in a function."""
        if site.func is None:
            return None
        receiver = site.func.path.rpartition(".")[0]
        if site.func.kind is RefKind.SYMBOL:
            app, _, attribute = receiver.rpartition(".")
            if attribute == "router" and self.project.binding_key(Ref(app)) in self._apps:
                return self.project.binding_key(Ref(app))  # ``@app.router.get("/")``
            return self.project.binding_key(Ref(receiver))
        resolved = self.project.resolve(site.func)
        if function is None or resolved.kind is not RefKind.MEMBER:
            return None
        return f"{function}:{resolved.path.rpartition('.')[0]}"

    def _child_key(self, value: Value) -> str | None:
        """The router (or app) an ``include_router``/``mount`` argument names: a module-level
        name, or what a function of the project builds (``include_router(make_router(db))``)."""
        if value.kind == "ref" and value.ref is not None:
            return self.project.binding_key(value.ref)
        if value.kind == "call" and value.call is not None and value.call.func is not None:
            builder = self.project.resolve(value.call.func)
            made = self.project.resolve_value(value)
            if builder.path in self.project.functions and made.kind is RefKind.INSTANCE and self._is_app_or_router(made.path):
                return f"{builder.path}:{made.path}"
        return None

    def _include(self, site: CallSite, child: Value, prefix: str, mounted: bool) -> None:
        if site.func is None:
            return
        parent = self._owner_key(site, self._function_path(site))
        key = self._child_key(child)
        if parent is None or key is None:
            return
        dependencies = () if mounted else tuple(self._literal_items(site.kwarg("dependencies")))
        self._includes[key].append(_Include(parent, prefix, dependencies, mounted))

    def _parameter_receivers(self) -> None:
        """``def add_routes(app: FastAPI)``: an app or router handed to a function is the one
        each caller passes (``add_routes(app)``)."""
        received = {key for key in (*self._includes, *(r.owner for r in self.model.routes if r.owner))
                    if ":" in key and key not in self._owner_dependencies}
        received |= {include.parent for found in self._includes.values() for include in found
                     if ":" in include.parent and include.parent not in self._owner_dependencies}
        by_function: dict[str, list[str]] = defaultdict(list)
        for key in received:
            by_function[key.partition(":")[0]].append(key)
        for summary, site in self.project.calls_to(by_function):
            callee = self.project.resolve(site.func).path
            for value in (*site.args, *(value for _, value in site.kwargs)):
                made = self.project.resolve_value(value)
                if made.kind is not RefKind.INSTANCE or not self._is_app_or_router(made.path):
                    continue
                passed = self._passed_key(value, summary, site)
                for key in by_function[callee]:
                    if passed is not None and passed != key and key.partition(":")[2] == made.path:
                        self._includes[key].append(_Include(passed, "", ()))

    def _passed_key(self, value: Value, summary: ModuleSummary, site: CallSite) -> str | None:
        if value.kind != "ref" or value.ref is None:
            return None
        if value.ref.kind is RefKind.SYMBOL:
            return self.project.binding_key(value.ref)
        caller = self._caller_of(summary, site)
        made = self.project.resolve(value.ref)
        return f"{caller}:{made.path}" if caller is not None else None

    def _caller_of(self, summary: ModuleSummary, site: CallSite) -> str | None:
        for function in summary.functions:
            if any(call is site for call in function.calls):
                return function.path
        return None

    def _mounts(self, owner: str | None) -> list[tuple[str, str | None, tuple[Value, ...]]]:
        """(prefix, app, dependencies) for each way from ``owner`` up to an app (or to a router
        no app is known to include)."""
        if owner is None:
            return [("", None, ())]
        found = self._mount_memo.get(owner)
        if found is None:
            self._mount_memo[owner] = []  # a cycle of includes ends here
            found = self._mount_memo[owner] = self._find_mounts(owner)
        return found

    def _find_mounts(self, key: str) -> list[tuple[str, str | None, tuple[Value, ...]]]:
        own_prefix = self._own_prefix.get(key, "")
        own = tuple(self._owner_dependencies.get(key, ()))
        created = self.project.resolve(Ref(key)) if ":" not in key else Ref(key.partition(":")[2], RefKind.INSTANCE)
        if created.kind is RefKind.INSTANCE:
            own += tuple(value for klass in self.project.mro(created.path) for value in self._class_dependencies.get(klass, ()))
        found: list[tuple[str, str | None, tuple[Value, ...]]] = []
        for include in self._includes.get(key, ()):
            for prefix, app, above in self._mounts(include.parent):
                inherited = () if include.mounted else above
                found.append((prefix + include.prefix + own_prefix, app, (*own, *include.dependencies, *inherited)))
        if not found:  # served as it is: an app, or a router whose includes are not known
            found.append((own_prefix, key if key in self._apps else None, own))
        return found[:_MAX_MOUNTS]

    def _every_app_dependencies(self) -> list[Value]:
        return [value for key in sorted(self._apps) for value in self._owner_dependencies.get(key, ())]

    # -- dependencies ------------------------------------------------------

    def _router_class_dependencies(self) -> None:
        """``class AdminRouter(APIRouter)`` whose ``__init__`` passes ``dependencies=[...]`` to
        ``super().__init__``: every route on an instance gets them."""
        for class_path in self.project.classes:
            init = self.project.function(f"{class_path}.__init__")
            if init is None or not self._is_app_or_router(class_path):
                continue
            for site in init.function.calls:
                listed = self._literal(site.kwarg("dependencies"))
                if listed is not None and site.text.endswith("__init__") and site.text.startswith("super("):
                    self._class_dependencies[class_path].extend(listed.items)

    def _view_dependencies(self, handler: Located) -> Iterator[Value]:
        """A class-based view's ``user: User = Depends(get_user)``: FastAPI resolves it for every
        endpoint of the class (fastapi-utils' ``cbv`` and its copies)."""
        class_path = handler.function.class_path
        if class_path is None:
            return
        for klass in self.project.mro(class_path):
            entry = self.project.classes.get(klass)
            if entry is None:
                continue
            for declared in entry[0].fields:
                if declared.default is not None and declared.default.kind == "call":
                    yield declared.default
                elif declared.annotation is not None and declared.annotation.kind in ("subscript", "ref"):
                    yield declared.annotation

    def _literal_items(self, value: Value | None) -> tuple[Value, ...]:
        listed = self._literal(value)
        return listed.items if listed is not None else ()

    def _dependencies_of(self, path: str, extra: Iterable[Value], depth: int = 0) -> list[str]:
        """Mark every dependency of ``path`` (parameters, ``dependencies=[...]``), recursively;
        the first level of them, in order."""
        located = self.project.function(path)
        if located is None or depth > 30:
            return []
        first: list[str] = []
        # (value, the parameter's annotation: what a bare ``Depends()`` instantiates)
        values: list[tuple[Value, Value | None]] = [(value, None) for value in extra]
        for param in located.function.params:
            values.extend((v, param.annotation) for v in (param.default, param.annotation) if v is not None)
        for value, annotation in values:
            for target in self._depends_targets(value, annotation):
                if target not in first:
                    first.append(target)
                if "dependency" in self.model.roles[target] and path in self.model.dependents[target]:
                    continue
                self.model.roles[target].add("dependency")
                self.model.dependents[target].add(path)
                self._dependencies_of(target, (), depth + 1)
        return first

    def _depends_targets(self, value: Value, annotation: Value | None, seen: int = 0) -> Iterator[str]:
        """Project functions run by a ``Depends``/``Security`` inside ``value``.

        ``annotation`` is the type a bare ``Depends()`` stands for: the parameter's
        annotation, or the first argument of the ``Annotated[...]`` holding it.
        """
        if seen > 5:
            return
        if value.kind == "call" and value.call is not None and value.call.func is not None:
            func = self.project.resolve(value.call.func)
            if func.path in DEPENDS:
                target = value.call.args[0] if value.call.args else value.call.kwarg("dependency")
                if target is None or (target.kind == "const" and target.text == "None"):
                    target = _unwrap_type(annotation)
                if target is not None:
                    yield from self._callables(target)
            return
        if value.kind == "subscript":
            wrapper = self.project.resolve(value.ref).path
            if wrapper in TYPE_WRAPPERS and wrapper.endswith(".Annotated") and value.items:
                for item in value.items[1:]:
                    yield from self._depends_targets(item, value.items[0], seen + 1)
            else:  # ``Optional[SessionDep]``, ``SessionDep | None``
                for item in value.items:
                    yield from self._depends_targets(item, None, seen + 1)
            return
        if value.kind == "ref" and value.ref is not None:
            # An alias of an ``Annotated[...]`` type defined elsewhere: ``SessionDep``.
            binding = self.project.bindings.get(self.project.binding_key(value.ref))
            if binding is not None and binding[0].value.kind == "subscript":
                yield from self._depends_targets(binding[0].value, None, seen + 1)

    def _callables(self, value: Value) -> Iterator[str]:
        """What FastAPI calls for a dependency: a function, a class's ``__init__``, an instance's ``__call__``."""
        resolved = self.project.resolve_value(value)
        if resolved.kind is not RefKind.INSTANCE and resolved.path in self.project.functions:
            yield resolved.path  # a function, or a method reached through an instance
        elif resolved.path in self.project.classes:
            method = "__call__" if resolved.kind is RefKind.INSTANCE else "__init__"
            for klass in self.project.mro(resolved.path):
                if f"{klass}.{method}" in self.project.functions:
                    yield f"{klass}.{method}"
                    break
            else:
                if resolved.kind is RefKind.SYMBOL:
                    self.model.roles[resolved.path].add("dependency")

    def _function_of(self, value: Value | None) -> Located | None:
        if value is None:
            return None
        resolved = self.project.resolve_value(value)
        return self.project.function(resolved.path) if resolved.kind is not RefKind.INSTANCE else None

    def _add_role(self, value: Value, role: str) -> None:
        for path in self._callables(value):
            self.model.roles[path].add(role)

    def _add_middleware_class(self, value: Value) -> None:
        resolved = self.project.resolve_value(value)
        if resolved.path in self.project.classes:
            for method in ("dispatch", "__call__"):
                path = f"{resolved.path}.{method}"
                if path in self.project.functions:
                    self.model.roles[path].add("middleware")

    def _nested_request_functions(self) -> None:
        """Async functions defined inside request-path code run per request too (stream generators)."""
        # Outer functions first: a generator nested two levels down needs its parent marked.
        for located in sorted(self.project.all_functions(), key=lambda f: f.function.path.count(".")):
            function = located.function
            parent = function.parent_path
            if parent and function.is_async and self.model.on_request_path(parent):
                self.model.roles[function.path].add("nested")


def _unwrap_type(annotation: Value | None) -> Value | None:
    """``Repo`` from ``Repo``, ``Optional[Repo]`` or ``Repo | None``; None when it names no single type."""
    if annotation is None:
        return None
    if annotation.kind == "ref":
        return annotation
    wrapper = annotation.text.rpartition(".")[2]
    if annotation.kind == "subscript" and annotation.items and wrapper in ("Optional", "Annotated"):
        return _unwrap_type(annotation.items[0])
    return None


def _may_register(name: str) -> bool:
    """Whether a call written with this last name can register, build or decorate something."""
    return (
        name in _REGISTRATION_NAMES
        or name.endswith("BackgroundTask")
        or name in _CONSTRUCTOR_NAMES
        or name[:1].isupper()
        or name.endswith("()")
    )


def _imports_fastapi(summary: ModuleSummary) -> bool:
    return any(
        binding.value.ref is not None and binding.value.ref.path.split(".")[0] in ("fastapi", "starlette")
        for binding in summary.bindings
    )


