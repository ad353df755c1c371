"""Apps and routers: what builds them, what each adds to the routes registered on it (a prefix,
dependencies), how they include and mount one another, and so each place an app serves a
route (``Mount``).

Apart from the routes (``fastapi_model.py`` finds them, on these apps and routers) and from the
dependencies (``dependencies.py``): the questions here are about the tree above a route, asked
once per app or router, not per route.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from fastapi_lint.analysis.app_model import APP_TYPES, ROUTER_TYPES, FastAPIModel
from fastapi_lint.analysis.call_arguments import passed
from fastapi_lint.analysis.dependencies import Dependencies
from fastapi_lint.analysis.guards import module_in_tests
from fastapi_lint.analysis.facts import Binding, CallSite, FunctionFacts, ModuleSummary, Ref, RefKind, Value
from fastapi_lint.analysis.project import Project


# Beyond this many ways from a route up to its apps (a router included by routers that are
# included again and again), the rest are left out: the route map lists each way.
_MAX_MOUNTS = 16
# Attributes of an app that are routers themselves: ``@app.router.get("/")``.
_ROUTER_ATTRIBUTES = frozenset({"fastapi.FastAPI.router", "fastapi.applications.FastAPI.router"})
# The names apps and routers are made by: a call written with one may build one.
CONSTRUCTOR_NAMES = frozenset({"FastAPI", "APIRouter", "Starlette"})


@dataclass(frozen=True)
class _Include:
    """``parent.include_router(child, prefix=..., dependencies=[...])`` or ``parent.mount(prefix, child)``."""

    parent: str
    prefix: str
    dependencies: tuple[Value, ...]
    # A mounted app is an app of its own: its parent's dependencies do not run for its routes.
    mounted: bool = False


class AppTree(Dependencies):
    """The apps and routers of a project, for the model's builder, which inherits it.

    Apps and routers are keyed by the module-level name they are bound to (``pkg.main.app``),
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
        self._mount_memo: dict[str, list[tuple[str, str | None, tuple[Value, ...], str | None]]] = {}
        # call site -> the function it is in (None at module level), for the calls that register
        self._site_function: dict[int, FunctionFacts | None] = {}
        self._handing_on: set[str] = set()  # the helpers ``_handed_on`` is following
        # router subclass -> the dependencies its ``__init__`` passes on
        self._class_dependencies: dict[str, list[Value]] = defaultdict(list)
        self._created_by: dict[Ref | None, str | None] = {}  # callee -> what calling it constructs (_created)
        self._module = ""  # the module whose calls are being read
        # ``BaseHTTPMiddleware`` subclasses' ``dispatch``, and the classes calls add as middleware
        self._http_middleware: list[FunctionFacts] = []
        self._middleware_added: set[str] = set()
        self._middleware_unnamed = False  # some call adds a middleware the analysis cannot name
        # (module, key or None, value) of each child included or mounted: ``_computed_includes``
        self._children: list[tuple[str, str | None, Value]] = []

    @cached_property
    def _project_packages(self) -> set[str]:
        """The first segments of the project's module names."""
        return {module.partition(".")[0] for module in self.project.modules}

    def _is_app_or_router(self, type_path: str) -> bool:
        known = APP_TYPES | ROUTER_TYPES
        if type_path in _ROUTER_ATTRIBUTES:
            return True
        return type_path in known or (type_path in self.project.classes and self.project.is_subclass(type_path, known))

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
        self.model.reads.paths.add(factory)
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
        if site.func.path.rpartition(".")[2] not in CONSTRUCTOR_NAMES:
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
        """``parent.include_router(child)``; a child that is one of several (a loop over the
        service's routers: ``for router in routers: app.include_router(router)``) includes each."""
        if site.func is None:
            return
        function = self._site_function.get(id(site))
        if child.kind in ("other", "ref") and function is not None and child.text in _parameters(function):
            self._handed_on(site, function, child.text, prefix, mounted)
            return
        self._include_child(site, child, prefix, mounted)

    def _include_child(self, site: CallSite, child: Value, prefix: str, mounted: bool) -> None:
        parent = self._owner_key(site, self._function_path(site))
        if parent is None:
            return
        dependencies = () if mounted else tuple(self._literal_items(site.kwarg("dependencies")))
        for item in child.items if child.kind == "either" else (child,):
            key = self._child_key(item)
            if key is not None:
                self._includes[key].append(_Include(parent, prefix, dependencies, mounted))
            self._children.append((self._module, key, item))

    def _made_here(self, key: str) -> bool:
        """Whether ``key`` is a module-level name bound to an instance of a class of the project
        (``router = CRUDRouter(Teacher, ...)``, a wrapper holding its own ``APIRouter``): a value
        the project makes, not one a module imported by name provides."""
        found = self.project.bindings.get(key)
        if not found:
            return False
        value = found[0].value
        if value.kind != "call" or value.call is None or value.call.func is None:
            return False
        made = self.project.resolve(value.call.func).path
        return made.removesuffix(".__getitem__()") in self.project.classes  # ``CRUDRouter[Student, ...](...)`` too

    def _computed_includes(self) -> None:
        """The modules that include or mount a child the analysis cannot name: not an app or a
        router the project makes (``app.include_router(plugin.router)`` on a module imported by
        name, a router a loop gets from a loader), nor a library's app (``StaticFiles(...)``)."""
        for module, key, item in self._children:
            if key is not None:
                unnamed = key not in self._owner_dependencies and key not in self._apps and not self._made_here(key)
            elif item.kind == "call" and item.call is not None and item.call.func is not None:
                unnamed = self.project.resolve(item.call.func).path in self.project.functions
            else:
                unnamed = True
            if unnamed:
                self.model.computed_includes.add(module)

    def _handed_on(self, site: CallSite, function: FunctionFacts, parameter: str, prefix: str, mounted: bool) -> None:
        """``def include_router_safe(router, prefix): app.include_router(router, prefix=prefix)``:
        each call of the helper includes the router it passes, under the prefix it passes."""
        if function.path in self._handing_on:
            return  # a helper that calls itself, or two that call each other
        self._handing_on.add(function.path)
        try:
            self._include_handed(site, function, parameter, prefix, mounted)
        finally:
            self._handing_on.discard(function.path)

    def _include_handed(self, site: CallSite, function: FunctionFacts, parameter: str, prefix: str, mounted: bool) -> None:
        written = site.kwarg("prefix")
        prefix_parameter = written.text if written is not None and written.text in _parameters(function) else None
        self.model.reads.names.add(function.name)
        for summary, caller, call in self.project.calls_named([function.name]):
            if call.func is None or module_in_tests(summary) or self.project.resolve(call.func).path != function.path:
                continue  # (a test's own app that it hands the service's router to serves nothing)
            child = passed(function, call, parameter)
            if prefix_parameter is not None:
                given = passed(function, call, prefix_parameter)
                prefix = self._text(given) if given is not None else ""
            if child is None:
                continue
            if caller is not None and child.text in _parameters(caller):  # handed on again, from its callers
                self._handed_on(site, caller, child.text, prefix, mounted)
            elif child.kind != "other":
                self._include_child(site, child, prefix, mounted)
            else:
                self.model.computed_includes.add(summary.module)

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
        self.model.reads.paths.update(by_function)
        for summary, site in self.project.calls_to(by_function):
            if module_in_tests(summary):
                continue  # a test's own app serves nothing
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

    def _mounts(self, owner: str | None) -> list[tuple[str, str | None, tuple[Value, ...], str | None]]:
        """(prefix, app, dependencies, top) for each way from ``owner`` up to an app (or to a
        router no app is known to include); ``top``: the app or router the way ends at."""
        if owner is None:
            return [("", None, (), None)]
        found = self._mount_memo.get(owner)
        if found is None:
            self._mount_memo[owner] = []  # a cycle of includes ends here
            found = self._mount_memo[owner] = self._find_mounts(owner)
        return found

    def _find_mounts(self, key: str) -> list[tuple[str, str | None, tuple[Value, ...], str | None]]:
        own_prefix = self._own_prefix.get(key, "")
        own = tuple(self._owner_dependencies.get(key, ()))
        created = self.project.resolve(Ref(key)) if ":" not in key else Ref(key.partition(":")[2], RefKind.INSTANCE)
        if created.kind is RefKind.INSTANCE:
            own += tuple(value for klass in self.project.mro(created.path) for value in self._class_dependencies.get(klass, ()))
        found: list[tuple[str, str | None, tuple[Value, ...], str | None]] = []
        for include in self._includes.get(key, ()):
            for prefix, app, above, top in self._mounts(include.parent):
                inherited = () if include.mounted else above
                found.append((prefix + include.prefix + own_prefix, app, (*own, *include.dependencies, *inherited), top))
        if not found:  # served as it is: an app, or a router whose includes are not known
            found.append((own_prefix, key if key in self._apps else None, own, key))
        return found[:_MAX_MOUNTS]

    def _every_app_dependencies(self) -> list[Value]:
        return [value for key in sorted(self._apps) for value in self._owner_dependencies.get(key, ())]

    def _router_class_dependencies(self) -> None:
        """``class AdminRouter(APIRouter)`` whose ``__init__`` passes ``dependencies=[...]`` to
        ``super().__init__``: every route on an instance gets them."""
        for class_path in self.project.classes:
            init = self.project.function(f"{class_path}.__init__")
            if init is None or not self._is_app_or_router(class_path):
                continue
            self.model.reads.bodies.add(init.function.path)
            for site in init.function.calls:
                listed = self._literal(site.kwarg("dependencies"))
                if listed is not None and site.text.endswith("__init__") and site.text.startswith("super("):
                    self._class_dependencies[class_path].extend(listed.items)

    def _literal_items(self, value: Value | None) -> tuple[Value, ...]:
        listed = self._literal(value)
        return listed.items if listed is not None else ()

    def _add_role(self, value: Value, role: str) -> None:
        for path in self._callables(value):
            self.model.roles[path].add(role)


def _parameters(function: FunctionFacts) -> set[str]:
    return {param.name for param in function.params}
