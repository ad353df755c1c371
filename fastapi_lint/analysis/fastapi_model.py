"""The FastAPI model of a project: apps, routers, routes, dependencies and the roles functions play.

Built once per run from the linked summaries. A function's *roles* say how
FastAPI runs it: ``route``, ``dependency``, ``middleware``, ``exception_handler``
and ``background_task`` run per request; ``lifespan`` and ``startup`` run once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from fastapi_lint.analysis.facts import Binding, CallSite, ModuleSummary, Ref, RefKind, Value
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
     "add_exception_handler", "add_middleware", "add_task", "include_router", "Middleware", *_ROUTE_CLASSES}
)


@dataclass(frozen=True)
class Route:
    handler: Located
    methods: tuple[str, ...]
    path: str
    websocket: bool
    site: CallSite  # the decorator or ``add_api_route`` call
    owner: str | None  # the app or router binding it is registered on, when known


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


class _Builder:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.model = FastAPIModel()
        self._owner_dependencies: dict[str, list[Value]] = defaultdict(list)
        self._app_dependencies: list[Value] = []
        # router binding -> the bindings of the routers (or apps) that include it
        self._parents: dict[str, list[str]] = defaultdict(list)
        # router subclass -> the dependencies its ``__init__`` passes on
        self._class_dependencies: dict[str, list[Value]] = defaultdict(list)
        self._created_by: dict[Ref | None, str | None] = {}  # callee -> what calling it constructs (_created)

    def build(self) -> FastAPIModel:
        project = self.project
        # The calls that may register or build something, by the name they are written with
        # (a project has ~100 calls per route); per module, in order.
        candidates: dict[int, list[CallSite]] = defaultdict(list)
        for owner, _, site in project.calls_named_if(_may_register):
            candidates[id(owner)].append(site)
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
        for route in self.model.routes:
            extra = [*self._decorator_dependencies(route.site), *self._view_dependencies(route.handler)]
            self._dependencies_of(route.handler.function.path, extra)
        self._nested_request_functions()
        return self.model

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
            looks_like_route = uses_fastapi and first is not None and first.kind == "str" and first.text.startswith("/")
            if known_owner or looks_like_route:
                self._add_route(located, site, method, first.text if first is not None and first.kind == "str" else "")

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

    def _add_route(self, located: Located, site: CallSite, method: str, route_path: str) -> None:
        websocket = "websocket" in method
        if method in HTTP_METHODS:
            methods: tuple[str, ...] = (method.upper(),)
        elif websocket:
            methods = ("WS",)
        else:
            listed = site.kwarg("methods")
            methods = tuple(item.text.upper() for item in listed.items if item.kind == "str") if listed else ("GET",)
        owner = site.func.path.rpartition(".")[0] if site.func is not None and site.func.kind is RefKind.SYMBOL else None
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
                self._add_route(located, site, kind, first.text if first is not None and first.kind == "str" else "")
        elif method == "add_event_handler" and len(site.args) > 1 and self._on_app_or_router(site):
            self._add_role(site.args[1], "startup")
        elif method == "add_exception_handler" and len(site.args) > 1:
            self._add_role(site.args[1], "exception_handler")
        elif method == "add_middleware" and site.args:
            self._add_middleware_class(site.args[0])
        elif method == "add_task" and site.args:
            self._add_role(site.args[0], "background_task")
        elif method == "include_router" and site.args:
            router = site.args[0]
            listed = self._literal(site.kwarg("dependencies"))
            if router.ref is not None:
                child = self.project.binding_key(router.ref)
                if listed is not None:
                    self._owner_dependencies[child].extend(listed.items)
                # ``parent.include_router(child)``: the parent's dependencies run for the child's routes.
                self._parents[child].append(self.project.binding_key(Ref(site.func.path.rpartition(".")[0])))
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
            route_path = first.text if first is not None and first.kind == "str" else ""
            self._add_route(located, site, "websocket" if "WebSocket" in name else "api_route", route_path)

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
        lifespan = site.kwarg("lifespan")
        if lifespan is not None:
            self._add_role(lifespan, "lifespan")
        for handler in (self._literal(site.kwarg("on_startup")), self._literal(site.kwarg("on_shutdown"))):
            if handler is not None:
                for item in handler.items:
                    self._add_role(item, "startup")
        handlers = self._literal(site.kwarg("exception_handlers"))
        if handlers is not None and handlers.kind == "dict":
            for handler in handlers.items[1::2]:
                self._add_role(handler, "exception_handler")
        listed = self._literal(site.kwarg("dependencies"))
        if listed is not None and (created in APP_TYPES or self.project.is_subclass(created, APP_TYPES)):
            self._app_dependencies.extend(listed.items)

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
        """``APIRouter(dependencies=[...])`` bound to a name: routes registered on that name get them."""
        call = binding.value.call
        if call is None or self._created(call) is None:
            return
        listed = self._literal(call.kwarg("dependencies"))
        if listed is not None:
            self._owner_dependencies[f"{summary.module}.{binding.name}"].extend(listed.items)

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

    def _decorator_dependencies(self, site: CallSite) -> Iterator[Value]:
        listed = self._literal(site.kwarg("dependencies"))
        if listed is not None:
            yield from listed.items
        if site.func is not None:
            pending = [self.project.binding_key(Ref(site.func.path.rpartition(".")[0]))]
            seen: set[str] = set()
            while pending:
                owner = pending.pop()
                if owner in seen:
                    continue
                seen.add(owner)
                yield from self._owner_dependencies.get(owner, [])
                pending.extend(self._parents.get(owner, []))
                created = self.project.resolve(Ref(owner))
                if created.kind is RefKind.INSTANCE:
                    for klass in self.project.mro(created.path):
                        yield from self._class_dependencies.get(klass, [])
        yield from self._app_dependencies

    def _dependencies_of(self, path: str, extra: Iterable[Value], depth: int = 0) -> None:
        """Mark every dependency of ``path`` (parameters, ``dependencies=[...]``), recursively."""
        located = self.project.function(path)
        if located is None or depth > 30:
            return
        # (value, the parameter's annotation: what a bare ``Depends()`` instantiates)
        values: list[tuple[Value, Value | None]] = [(value, None) for value in extra]
        for param in located.function.params:
            values.extend((v, param.annotation) for v in (param.default, param.annotation) if v is not None)
        for value, annotation in values:
            for target in self._depends_targets(value, annotation):
                if "dependency" in self.model.roles[target] and path in self.model.dependents[target]:
                    continue
                self.model.roles[target].add("dependency")
                self.model.dependents[target].add(path)
                self._dependencies_of(target, (), depth + 1)

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


