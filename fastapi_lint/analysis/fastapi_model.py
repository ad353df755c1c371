"""The FastAPI model of a project: apps, routers, routes, dependencies and the roles functions play.

Built once per run from the linked summaries. A function's *roles* say how
FastAPI runs it: ``route``, ``dependency``, ``middleware``, ``exception_handler``
and ``background_task`` run per request; ``lifespan`` and ``startup`` run once.

The model is built in parts: ``app_model.py`` holds its values, ``app_tree.py`` the apps and
routers and where they serve each route, ``dependencies.py`` what FastAPI runs before a route;
this module finds the routes and the other roles and puts the parts together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from fastapi_lint.analysis.admin_hooks import HOOK_NAMES, admin_hooks
from fastapi_lint.analysis.app_model import BASE_HTTP_MIDDLEWARE, FastAPIModel, Mount, Route
from fastapi_lint.analysis.app_tree import CONSTRUCTOR_NAMES, AppTree
from fastapi_lint.analysis.facts import CallSite, ModuleSummary, Ref, RefKind, Value
from fastapi_lint.analysis.handler_values import handler_functions
from fastapi_lint.analysis.process_starters import starts_process_with_parameter
from fastapi_lint.analysis.project import Located, Project

HTTP_METHODS = frozenset({"get", "post", "put", "delete", "patch", "options", "head", "trace"})
ROUTE_DECORATORS = HTTP_METHODS | {"api_route", "websocket", "route", "websocket_route"}
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
_AUTHENTICATION_MIDDLEWARE = frozenset({"starlette.middleware.authentication.AuthenticationMiddleware"})
# The last name of every call ``_registration_call`` acts on (besides ``*BackgroundTask``).
_REGISTRATION_NAMES = frozenset(
    {"add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route", "add_event_handler",
     "add_exception_handler", "add_middleware", "add_task", "include_router", "mount", "Middleware", *_ROUTE_CLASSES}
)


def build(project: Project) -> FastAPIModel:
    return _Builder(project).build()


class _Builder(AppTree):
    """One pass over the project's decorators and the calls that may register something: the
    routes and the roles functions play, on the apps and routers ``AppTree`` keys."""

    def build(self) -> FastAPIModel:
        project = self.project
        # The calls that may register or build something, by the name they are written with
        # (a project has ~100 calls per route); per module, in order.
        candidates: dict[int, list[CallSite]] = defaultdict(list)
        for owner, function, site in project.calls_named_if(may_register):
            candidates[id(owner)].append(site)
            self._site_function[id(site)] = function
        for summary in project.summaries:
            self._module = summary.module
            uses_fastapi = imports_fastapi(summary)
            for function in summary.functions:
                if function.decorators:  # most functions have none
                    located = Located(function, summary)
                    for decorator in function.decorators:
                        if decorator.call is not None:
                            self._decorator(located, decorator.call, uses_fastapi)
                if function.class_path and function.name in ("dispatch", "__call__"):
                    if project.is_subclass(function.class_path, BASE_HTTP_MIDDLEWARE):
                        self._http_middleware.append(function)
            starts: dict[tuple[int, int], list[CallSite]] | None = None
            for site in candidates.get(id(summary), ()):
                if site.func is None:  # never: the name index holds calls with a callee
                    continue
                name = site.func.path.rpartition(".")[2]
                if name in _REGISTRATION_NAMES or name.endswith("BackgroundTask"):
                    self._registration_call(site)
                if name in CONSTRUCTOR_NAMES or name[:1].isupper():
                    self._app_construction(site)
                if name.endswith("()"):
                    if starts is None:
                        starts = defaultdict(list)
                        for other in Project.module_and_function_calls(summary):
                            starts[(other.span.line, other.span.col)].append(other)
                    self._decorator_applied(site, starts, uses_fastapi)
            for binding in summary.bindings:
                self._app_binding(summary, binding)
        self._http_middleware_roles()
        for hook in admin_hooks(project):  # an admin panel's login and save hooks: ``admin_hooks.py``
            self.model.roles[hook].add("admin_hook")
        self._router_class_dependencies()
        self._parameter_receivers()
        self.model.included = set(self._includes)
        self._computed_includes()
        self.model.routes = [self._mounted(route) for route in self.model.routes]
        self._nested_request_functions()
        return self.model

    def _mounted(self, route: Route) -> Route:
        """The route with each place it is served, and its dependencies marked for each."""
        path = route.handler.function.path
        own = [*self._literal_items(route.site.kwarg("dependencies")), *self._view_dependencies(route.handler)]
        mounts: list[Mount] = []
        for prefix, app, above, top in self._mounts(route.owner):
            extra = [*own, *above]
            if app is None:
                # No app is known to serve it (a router included in a loop, say): any app may.
                extra.extend(self._every_app_dependencies())
            mounts.append(Mount(prefix, app, tuple(self._dependencies_of(path, extra)), top))
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
            # a class-based view's own ``@get("/health")``, defined beside FastAPI's routing code
            # (``routes/cbv.py``) and used in a module that imports nothing of FastAPI's
            maker = self.project.function(func.path) if func.kind is RefKind.SYMBOL and not uses_fastapi else None
            uses_fastapi = uses_fastapi or (maker is not None and not other_owner and imports_fastapi(maker.module))
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
        for wrapper in self._wrappers(located, site):
            self.model.roles[wrapper].add("wrapper")
            self.model.wrapped.setdefault(wrapper, located.function.path)

    def _wrappers(self, located: Located, site: CallSite) -> list[str]:
        """The async functions that the decorators below the route's return in the function's
        place (``@require_token``'s ``async def wrapper(*args, **kwargs)``): what FastAPI calls."""
        decorators = located.function.decorators
        below = [value for value in decorators
                 if value.kind == "call" and value.call is not None and value.call.span == site.span]
        if not below:
            return []
        found: list[str] = []
        for value in decorators[decorators.index(below[0]) + 1:]:
            ref = value.ref if value.kind == "ref" else None
            decorator = self.project.function(self.project.resolve(ref).path) if ref is not None else None
            if decorator is None:
                continue
            for returned in decorator.function.returned:
                if returned.kind != "ref" or returned.ref is None:
                    continue
                inner = self.project.function(self.project.resolve(returned.ref).path)
                if (inner is not None and inner.function.is_async
                        and inner.function.parent_path == decorator.function.path):
                    found.append(inner.function.path)
        return found

    def _other_framework(self, type_path: str) -> bool:
        """A receiver type known not to register FastAPI routes: a class of the project that is
        no app or router, or a type from another web or CLI framework. Other external types
        (``fastapi_utils``' ``InferringRouter``) stay undecided."""
        if "()" in type_path:
            return False
        if type_path in self.project.classes:
            return True
        return type_path.partition(".")[0] in _OTHER_FRAMEWORKS

    # -- calls that register things ----------------------------------------

    def _registration_call(self, site: CallSite) -> None:
        if site.func is None:
            return
        method = site.func.path.rpartition(".")[2]
        if method in ("add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route"):
            endpoint = site.args[1] if len(site.args) > 1 else site.kwarg("endpoint")
            handlers = handler_functions(self.project, endpoint)
            if handlers and self._on_app_or_router(site):
                first = site.args[0] if site.args else site.kwarg("path")
                kind = "websocket" if "websocket" in method else "api_route"
                owner = self._owner_key(site, self._function_path(site))
                for located in handlers:
                    self._add_route(located, site, kind, self._text(first), owner)
        elif (method == "add_event_handler" and (handler := site.argument("func", 1)) is not None
              and self._on_app_or_router(site)):
            self._add_role(handler, "startup")
        elif method == "add_exception_handler" and (handler := site.argument("handler", 1)) is not None:
            self._add_role(handler, "exception_handler")
        elif method == "add_middleware" and (middleware := site.argument("middleware_class", 0)) is not None:
            self._add_middleware_class(middleware, site)
        elif method == "add_task" and site.args and not self._starts_process(self.project.resolve(site.func).path):
            self._add_task(site, site.args[0])  # not a process manager's ``add_task``
        elif method == "include_router" and (router := site.argument("router", 0)) is not None:
            prefix = site.kwarg("prefix")
            if prefix is not None and router.kind == prefix.kind == "either" and len(router.items) == len(prefix.items):
                for one, its_prefix in zip(router.items, prefix.items):  # ``for router, prefix in routers:``
                    self._include(site, one, self._text(its_prefix), mounted=False)
            else:
                self._include(site, router, self._text(prefix), mounted=False)
        elif (method == "mount" and (mounted := site.argument("app", 1)) is not None
              and self._text(site.argument("path", 0)).startswith("/")):
            self._include(site, mounted, self._text(site.argument("path", 0)), mounted=True)
        elif site.func.path.endswith("BackgroundTask") and site.args:
            self._add_task(site, site.args[0])
        elif method in _ROUTE_CLASSES or method == "Middleware":
            self._route_object(site, method)

    def _starts_process(self, path: str) -> bool:
        self.model.reads.bodies.add(path)
        return starts_process_with_parameter(self.project, path)

    def _add_task(self, site: CallSite, task: Value) -> None:
        self._add_role(task, "background_task")
        scheduler = self._function_path(site) or ""
        for path in self._callables(task):
            self.model.scheduled_by[path].add(scheduler)

    def _route_object(self, site: CallSite, name: str) -> None:
        """``Route("/", endpoint)``, ``APIRoute``, ``WebSocketRoute`` and ``Middleware(Cls)`` objects,
        as listed in ``Starlette(routes=[...], middleware=[...])`` or ``APIRouter(routes=[...])``."""
        resolved = self.project.resolve(site.func).path
        if name == "Middleware":
            if resolved in _MIDDLEWARE_CLASSES and site.args:
                self._add_middleware_class(site.args[0], site)
            return
        if resolved not in _ROUTE_CLASS_PATHS:
            return
        endpoint = site.args[1] if len(site.args) > 1 else site.kwarg("endpoint")
        first = site.args[0] if site.args else site.kwarg("path")
        for located in handler_functions(self.project, endpoint):
            self._add_route(located, site, "websocket" if "WebSocket" in name else "api_route", self._text(first), None)

    def _on_app_or_router(self, site: CallSite) -> bool:
        func = self.project.resolve(site.func)
        owner = func.path.rpartition(".")[0]
        return func.kind is RefKind.MEMBER and self._is_app_or_router(owner)

    def _function_of(self, value: Value | None) -> Located | None:
        if value is None:
            return None
        resolved = self.project.resolve_value(value)
        return self.project.function(resolved.path) if resolved.kind is not RefKind.INSTANCE else None

    def _http_middleware_roles(self) -> None:
        """A ``BaseHTTPMiddleware`` subclass's ``dispatch`` runs per request where an app adds it;
        one that no call adds (``add_middleware(Cls)``, ``Middleware(Cls)``) serves no request (a
        cache middleware a framework ships unused), unless some call adds a class the analysis
        cannot name (``for cls in MIDDLEWARE: app.add_middleware(cls)``) or none is seen adding any."""
        every = self._middleware_unnamed or not self._middleware_added
        for function in self._http_middleware:
            assert function.class_path is not None
            if every or function.class_path in self._middleware_added:
                self.model.roles[function.path].add("middleware")

    def _add_middleware_class(self, value: Value, site: CallSite) -> None:
        resolved = self.project.resolve_value(value)
        self._middleware_added.add(resolved.path)
        if resolved.path in _AUTHENTICATION_MIDDLEWARE:  # its backend's ``authenticate`` runs per request
            backend = self.project.resolve_value(site.argument("backend", 1))
            authenticate = self.project.resolve(Ref(f"{backend.path}.authenticate")) if backend.path in self.project.classes else None
            if authenticate is not None and authenticate.path in self.project.functions:
                self.model.roles[authenticate.path].add("middleware")
        if value.kind != "ref" or (resolved.path not in self.project.classes
                                   and resolved.path.partition(".")[0] in self._project_packages):
            self._middleware_unnamed = True  # a parameter, a loop's item, a name bound at run time
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


# Methods the model finds by their name on a class, not through name resolution: a middleware's
# ``dispatch``, an admin panel's hooks (``admin_hooks.py``).
METHODS_BY_NAME = frozenset({"dispatch", *HOOK_NAMES})


def may_register(name: str) -> bool:
    """Whether a call written with this last name can register, build or decorate something."""
    return (
        name in _REGISTRATION_NAMES
        or name.endswith("BackgroundTask")
        or name in CONSTRUCTOR_NAMES
        or name[:1].isupper()
        or name.endswith("()")
    )


def imports_fastapi(summary: ModuleSummary) -> bool:
    """Whether the module imports FastAPI or Starlette: then a decorator like a route's, on a
    receiver of no known type, registers one."""
    return any(
        binding.value.ref is not None and binding.value.ref.path.split(".")[0] in ("fastapi", "starlette")
        for binding in summary.bindings
    )
