"""Over 500 lines: held whole while it changes on main; its seams: placing (``place``), call edges, the module closure.
Where each function runs: on a served app's event loop, at startup, on a loop of its own, in
tests, or nowhere the analysis can see.

A blocking call stalls a server only when it runs on the loop that serves requests. So before an
event-loop finding is shown, the function it is in is placed (``Where``):

- ``REQUEST``: reached from what an app runs per request (routes, dependencies, middleware,
  exception handlers, background tasks, and what they await, call or start as tasks);
- ``APP_TASK``: reached from a task that startup code (the lifespan, a startup handler) starts
  on the app's loop and leaves running (``asyncio.create_task(monitor())``);
- ``STARTUP``: reached only from startup code itself: it runs before any request is served;
- ``ONCE``: reached from the request path only through a lazy-initialisation guard that holds
  (``if not self._initialized: await self.initialize()`` on an object that lives long,
  ``guards.runs_once``): it runs on the app's loop once per process, on first use, as startup
  code does;
- ``PRIVATE_LOOP``: reached only from a loop of its own: ``asyncio.run(main())`` and
  ``loop.run_until_complete(...)`` called from sync code outside the tests (a script, a command's
  or a daemon's ``main()``, wherever its module is imported), a task-queue job (Celery, Dramatiq,
  RQ, Taskiq), a command-line command;
- ``TEST``: in test code (``test_*.py``, ``*_test.py``, ``conftest.py``, a ``tests/``,
  ``test/`` or ``testing/`` folder): it never runs in the server;
- ``UNKNOWN``: none of those, in a module an app imports (directly or not), but what the app
  may run through something the analysis cannot follow: a coroutine that no call of the project
  runs, of an object or a module the app uses (something else does: a framework, a registry, a
  caller to come) - of a module the app imports for other names, only one some code names
  (``named_values.py``); one registered on another framework's server only if the app holds
  that server (``foreign_servers.py``); a function named like a call made on the app's loop that
  resolves to no function (``await self.store.save(...)`` on an object of unknown type; never a
  nested function), unless that name has more than ``MAX_MEANINGS`` unrelated meanings
  (``start``, ``run``: a generic verb says nothing); and what those run in turn, to a fixed point;
- ``OUTSIDE``: none of those (a script, a tool, another program; a library's public functions,
  which the project itself never runs on the app's loop);
- ``LIBRARY``: the project has no app at all (an app in test code does not count): everything
  is linted as it may be served.

Within the request path, ``Scopes.admin_only`` holds what only admin routes reach
(``admin_routes.py``), directly or through the background tasks they add: an operator's rare
request, where what costs only under load (a client built per request, a small file read) is not
worth a finding, though a wait still is. ``Scopes.now_and_then`` holds what only they, login
flows, probes, configuration writes and trials reach: a client built per request is not worth a
finding there either.

Which function a call reaches is the call graph's answer (``callgraph.runs``); the walks add
what a call hands to a runner or to a task, a function handed to a callee (called back where the
callee runs; later, as a task, by a callee not of the project), a method read without a call
(``{"fetch": self.fetch}``), and the subclasses' overrides of a method called on ``self``. An app
that registers routes with handlers the analysis cannot name (``getattr(app, method)(path)``,
``add_api_route(path, endpoint)`` over a table) serves what it cannot see: then everything no
walk placed is ``UNKNOWN`` (not for another framework's router, aiohttp's ``add_route(method,
path, handler)``, nor for an app's own routes copied under other paths, ``route.endpoint``). A
module named at run time (``importlib.import_module(name)`` in the served process) may be any
module: then the closure is the whole project. Test code is told by
its path alone, and the apps tests build are not roots.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from fastapi_lint.analysis.admin_routes import admin_roots
from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, ModuleSummary, Value
from fastapi_lint.diagnostics import Span
from fastapi_lint.analysis.guards import runs_once
from fastapi_lint.analysis.foreign_servers import held, named_paths, registrations, strings
from fastapi_lint.analysis.named_values import NamedValues, named_values
from fastapi_lint.analysis.fastapi_model import APP_TYPES, REQUEST_ROLES, ROUTER_TYPES, STARTUP_ROLES, FastAPIModel
from fastapi_lint.analysis.project import Project, per_project
from fastapi_lint.analysis.test_code import is_test_path


# Roles of functions that other request-path code starts or defines, and runs as often as it.
_STARTED = frozenset({"background_task", "nested"})


class Where(enum.Enum):
    REQUEST = "request"
    APP_TASK = "app-task"
    STARTUP = "startup"
    ONCE = "once"
    PRIVATE_LOOP = "private-loop"
    TEST = "test"
    UNKNOWN = "unknown"
    OUTSIDE = "outside"
    LIBRARY = "library"


# What the served app's loop may run: shown by default (the others only with ``--scope all``).
ON_THE_APP_LOOP = frozenset({Where.REQUEST, Where.APP_TASK, Where.UNKNOWN, Where.LIBRARY})

# Run a coroutine to completion on a loop of their own: called from sync code, the loop they make
# is not the one that serves requests (called from a coroutine, they are FAS105's business).
_RUNNERS = frozenset({"asyncio.run", "asyncio.runners.run", "asyncio.Runner.run", "anyio.run", "trio.run",
                      "uvloop.run", "asgiref.sync.async_to_sync"})
_RUNNER_METHODS = frozenset({"run_until_complete"})
# Start a coroutine as a task on the running loop, which goes on without waiting for it.
_SPAWNERS = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
_SPAWNER_METHODS = frozenset({"create_task", "ensure_future", "start_soon"})
# Decorators that hand a function to another program's loop: task queues' workers and
# command-line frameworks. Matched by the decorator's last name (``@celery_app.task``,
# ``@broker.task(...)``, ``@dramatiq.actor``, ``@cli.command()``): no FastAPI or Starlette
# decorator has one of these names.
_WORKER_DECORATORS = frozenset({"task", "shared_task", "actor", "job", "command", "callback"})
# A call written with a name that this many unrelated functions have could be any of them.
MAX_MEANINGS = 6
# What registers routes: an app or a router.
_SERVERS = APP_TYPES | ROUTER_TYPES
# Register a route with its handler as the second argument (or ``endpoint=``).
_REGISTRATIONS = ("add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route")
# The libraries whose apps and routers those registrations are FastAPI's (or Starlette's).
_ROUTING_LIBRARIES = frozenset({"fastapi", "starlette"})
# Values that are never a handler (a path or a method written where FastAPI takes one).
_LITERALS = frozenset({"str", "fstring", "num", "const"})
# What a callee resolves to when the value it is called on has no useful type.
_UNTYPED = ("?", "typing.Any.", "typing.Protocol.", "typing_extensions.Protocol.", "builtins.object.", "object.")
# Import a module whose name is computed at run time.
_IMPORTERS = frozenset({"importlib.import_module", "builtins.__import__", "__import__", "importlib.__import__"})
_IMPORTERS_BY_NAME = frozenset(name.rpartition(".")[2] for name in _IMPORTERS)
# Return a value of any type: a member of what they return may be the project's.
_ANY_MAKERS = _IMPORTERS | {"builtins.getattr", "getattr", "builtins.type", "type"}
# Bases whose code calls no method a subclass adds: a class with only these is the project's own.
_PLAIN_BASES = frozenset({"builtins", "abc", "typing", "typing_extensions", "enum", "object", "?"})
@dataclass
class Scopes:
    """Where each function of a project runs (see the module's documentation)."""

    has_app: bool
    request: set[str] = field(default_factory=set)
    app_task: set[str] = field(default_factory=set)
    startup: set[str] = field(default_factory=set)
    # reached per request only through a lazy-initialisation guard: run once, on first use
    once: set[str] = field(default_factory=set)
    private_loop: set[str] = field(default_factory=set)
    # modules an app imports, directly or not (dotted names)
    closure: set[str] = field(default_factory=set)
    # what the app's code may run through calls the analysis cannot follow (see ``Where.UNKNOWN``)
    unknown: set[str] = field(default_factory=set)
    # an app registers routes whose handlers the analysis cannot name: what it serves is unknown
    blind: bool = False
    # display paths of test files
    tests: set[str] = field(default_factory=set)
    # modules only a run-time import may load (``importlib.import_module(setting)``): a backend or a
    # plugin picked by configuration, which may never be loaded
    loaded_by_name: set[str] = field(default_factory=set)
    # functions on the request path that only admin routes reach (see the module's documentation)
    admin_only: set[str] = field(default_factory=set)
    # ... and what only they, login flows, probes and configuration writes reach
    now_and_then: set[str] = field(default_factory=set)
    # run on a loop of their own by a function outside the tests (``asyncio.run`` in a command's
    # ``main()``): ``PRIVATE_LOOP`` unless the app may run them too (``UNKNOWN``)
    elsewhere: set[str] = field(default_factory=set)

    def where(self, function: FunctionFacts, module: ModuleSummary) -> Where:
        if module.path in self.tests:
            return Where.TEST
        path = function.path
        if path in self.request:
            return Where.REQUEST
        if path in self.app_task:
            return Where.APP_TASK
        if path in self.startup:
            return Where.STARTUP
        if path in self.once:
            return Where.ONCE
        if path in self.private_loop:
            return Where.PRIVATE_LOOP
        if not self.has_app:
            return Where.LIBRARY
        if self.blind or (path in self.unknown and module.module in self.closure):
            return Where.UNKNOWN
        if path in self.elsewhere:
            return Where.PRIVATE_LOOP
        return Where.OUTSIDE


def scopes(project: Project, model: FastAPIModel, graph: CallGraph) -> Scopes:
    """The project's scopes (``Context.scopes`` computes them once per run)."""
    return _Placer(project, model, graph).place()


@dataclass(frozen=True)
class _Registered:
    registered: dict[str, str]  # function -> the other framework's server it is registered on
    held: set[str]  # those of them the app may run


@dataclass(frozen=True)
class _Edge:
    target: str
    kind: str  # "run": called or awaited here; "spawn": started as a task; "private": run on a loop of its own;
    # "once": called only while a lazy-initialisation guard's place is empty


class _Placer:
    def __init__(self, project: Project, model: FastAPIModel, graph: CallGraph) -> None:
        self.project = project
        self.model = model
        self.graph = graph
        self._edges: dict[str, list[_Edge]] = {}
        self._roots: set[str] | None = None

    def place(self) -> Scopes:
        model = self.model
        roles = model.roles
        tests = {summary.path for summary in self.project.summaries if is_test_path(_parts(summary, self.project))}

        def served(path: str) -> bool:  # an app a test builds serves nothing in production
            located = self.project.function(path)
            return located is not None and located.module.path not in tests

        request_roots = sorted(path for path, found in roles.items() if found & REQUEST_ROLES and served(path))
        startup_roots = sorted(path for path, found in roles.items() if found & STARTUP_ROLES and served(path))
        result = Scopes(has_app=bool(request_roots) or any(served(route.handler.function.path) for route in model.routes))
        result.tests = tests
        spawned: set[str] = set()
        private: set[str] = set(self._private_roots())
        first_use: set[str] = set()
        result.request = self._walk(request_roots, {"run", "spawn"}, {"private": private, "once": first_use})
        admin = admin_roots(self.model)
        result.admin_only = result.request - self._walk(self._user_roots(request_roots, admin), {"run", "spawn"}, {})
        rare = admin_roots(self.model, now_and_then=True)
        result.now_and_then = (result.admin_only if rare == admin else
                               result.request - self._walk(self._user_roots(request_roots, rare), {"run", "spawn"}, {}))
        result.startup = self._walk(startup_roots, {"run", "once"}, {"spawn": spawned, "private": private})
        result.app_task = self._walk(sorted(spawned), {"run", "spawn"}, {"private": private, "once": first_use})
        result.once = self._walk(sorted(first_use), {"run", "spawn", "once"}, {"private": private}) - result.request
        result.private_loop = self._walk(sorted(private), {"run", "spawn", "private", "once"}, {})
        result.elsewhere = (self._walk(sorted(self._run_elsewhere_roots(tests)), {"run", "spawn", "private", "once"}, {})
                            - result.request - result.app_task - result.startup - result.once - result.private_loop)
        if result.has_app:
            result.blind = self._unnamed_handlers()
            result.closure = self._closure(request_roots, startup_roots, result)
            result.unknown = self._unknown(result)
        return result

    def _user_roots(self, request_roots: list[str], admin: set[str]) -> list[str]:
        """The request-path roots that are not an operator's: not admin routes, nor a background
        task (or a function nested in request code) that only admin routes start; such a task runs
        for each request of the routes that start it. One no root starts stays a root of its own."""
        started_by_others = [r for r in request_roots if self.model.roles[r] <= _STARTED]
        reached = self._walk([r for r in request_roots if r not in started_by_others], {"run", "spawn"}, {})
        return [r for r in request_roots if r not in admin and not (r in started_by_others and r in reached)]

    def _made_by_factory(self, value: Value) -> bool:
        """``perform_health_check(runner=runner)``: a call of the project's that returns a function
        it defines, which is then the handler (and a request-path root the model knows)."""
        if value.kind != "call" or value.call is None or value.call.func is None:
            return False
        factory = self.graph.target(self.project.resolve(value.call.func))
        located = self.project.function(factory) if factory else None
        if located is None:
            return False
        return any(returned.kind == "ref" and returned.ref is not None
                   and self.project.resolve(returned.ref).path.startswith(f"{factory}.")
                   for returned in located.function.returned)

    def _unnamed_handlers(self) -> bool:
        """Whether routes are registered with handlers the analysis cannot name: the app serves
        what it cannot see (``app.add_api_route(path, endpoint)`` over a table of methods built at
        run time, ``getattr(app, method)(path)(handler)``)."""
        project = self.project
        for _, owner, site in project.calls_named(_REGISTRATIONS):
            if site.func is None or not self._on_an_app(project.resolve(site.func).path):
                continue  # another framework's server (aiohttp's ``router.add_route``): not the app's
            handler = site.kwarg("endpoint") or (site.args[1] if len(site.args) > 1 else None)
            if handler is None or handler.kind in _LITERALS:
                continue  # ``add_route("GET", "/path", handler)``: a path where FastAPI takes a handler
            if self._function_named(handler) is not None or self._made_by_factory(handler):
                continue
            if owner is not None and handler.text in {p.name for p in owner.params}:
                continue  # a wrapper passing its own argument on: its callers name the handler
            if owner is not None and _copies_routes(owner, handler):
                continue  # an app's own routes again, under other paths: handlers already known
            return True
        for _, _, site in project.calls_named(["getattr"]):
            if site.args and site.args[0].kind == "ref" and project.resolve_value(site.args[0]).path in _SERVERS:
                return True
        return False

    def _on_an_app(self, callee: str) -> bool:
        """Whether a registration's callee may be an app's or a router's: FastAPI's or Starlette's,
        the project's own (a subclass), or of a value of no known type."""
        return callee.partition(".")[0] in _ROUTING_LIBRARIES or self._may_be_own(callee)

    def _unknown(self, result: Scopes) -> set[str]:
        """What the app's code may run through what the analysis cannot follow (``Where.UNKNOWN``):
        the functions of the app's modules that no call of the project runs, the functions named
        like a call that resolves to nothing made on the app's loop or in what is found here, and
        what all of those run; to a fixed point."""
        project = self.project
        placed = result.request | result.app_task | result.startup | result.once | result.private_loop
        by_name: dict[str, list[str]] = {}
        used = self._used_by_the_app(result)
        roots: list[str] = []
        named = named_values(project, result.tests)
        own = self._app_modules(result)
        # what the app's code names, per request and at startup: both questions below read them
        per_request = named_paths(self._facts(result.request | result.app_task))
        at_startup = named_paths(self._facts(result.startup | result.once))
        foreign = self._held_registrations(result, own, per_request, at_startup)
        built_elsewhere = self._built_only_elsewhere(result, named)
        tabled = self._in_tables(result, per_request | at_startup)
        for located in project.all_functions():
            function = located.function
            if function.path in placed or located.module.module not in result.closure:
                continue
            if function.class_path is not None and function.class_path in built_elsewhere:
                continue  # its objects live only on a loop of their own (a daemon's server)
            if not function.parent_path:  # a nested function's name means it in its parent only
                by_name.setdefault(function.name, []).append(function.path)
            # A public coroutine that no call of the project runs, of an object or a module the app
            # uses: something the analysis does not see (a framework, a library calling an override,
            # a registry, a caller to come) does. A private one nobody calls is dead code; so is a
            # function of a module the app imports for other names that no code names (imports,
            # hands on, registers), if no code hands the module on (``getattr(module, name)``) or
            # loads it by name.
            module = located.module.module
            if function.path in foreign.registered:  # another server's entry point (``foreign_servers.py``)
                if function.path in foreign.held:
                    roots.append(function.path)
                continue
            if function.path in tabled and not self._called(function):
                roots.append(function.path)  # in a registry or a table the app reads, private or not
                continue
            if (function.is_async and not function.parent_path and not _private(function.name)
                    and (function.class_path or module) in used and not self._called(function)
                    and (self._called_unseen(function, own) if function.class_path
                         else module in own or function.path in named.named
                         or module in named.handed or module in result.loaded_by_name)):
                roots.append(function.path)
        unknown: set[str] = set()
        names: set[str] = set()
        scan = sorted(result.request | result.app_task)
        while True:
            for path in scan:
                names |= self._unresolved_names(path)
            roots += [path for name in names for path in self._unambiguous(by_name.pop(name, []))]
            found = self._walk(roots, {"run", "spawn"}, {}) - placed - unknown
            if not found:
                return unknown
            unknown |= found
            scan, roots = sorted(found), []

    def _unambiguous(self, paths: list[str]) -> list[str]:
        """The functions a name an unknown call is written with may mean, unless it may mean too
        many different things to tell (``start``, ``run``, ``result`` on a large project): the
        overrides of one method count as one meaning."""
        meanings = {self._meaning(path) for path in paths}
        return paths if len(meanings) <= MAX_MEANINGS else []

    def _meaning(self, path: str) -> str:
        """A method's topmost definition in its class's bases; a plain function itself."""
        located = self.project.function(path)
        if located is None or located.function.class_path is None:
            return path
        name = located.function.name
        found = path
        for klass in self.project.mro(located.function.class_path):
            if f"{klass}.{name}" in self.project.functions:
                found = f"{klass}.{name}"
        return found

    def _unresolved_names(self, path: str) -> set[str]:
        """The last names of the calls of a function that resolve to no function and may be the
        project's own: an unknown callee, or a member of something of the project's or of a value
        typed ``Any``/a protocol; never a library's (``dict.get``, ``client.get``)."""
        project, graph = self.project, self.graph
        located = project.function(path)
        if located is None:
            return set()
        names: set[str] = set()
        for site in located.function.calls:
            if site.func is None:
                names.add(site.text.rpartition(".")[2])
                continue
            resolved = project.resolve(site.func)
            # ``importlib.import_module(name).Provider().search`` is a member of a value of no known
            # type (a known type's members are folded into it: ``httpx.AsyncClient.get``).
            if not graph.targets(resolved) and self._may_be_own(resolved.path):
                names.add(site.text.rpartition(".")[2])
        return names

    def _own_roots(self) -> set[str]:
        if self._roots is None:
            self._roots = {name.partition(".")[0] for name in self.project.modules}
        return self._roots

    def _called(self, function: FunctionFacts) -> bool:
        """Whether a call of the project may run the function: one that resolves to it, or to no
        function at all; not one that resolves to another (``super().handle(...)`` in an override
        runs the base's, which a library may call the override in place of)."""
        project, graph = self.project, self.graph
        for _, _, site in project.calls_named([function.name]):
            if site.func is None:
                return True
            resolved = project.resolve(site.func)
            targets = graph.targets(resolved)
            if function.path in targets or (not targets and self._may_be_own(resolved.path)):
                return True
        return False

    def _called_unseen(self, method: FunctionFacts, own: set[str]) -> bool:
        """Whether something the analysis cannot see may call an uncalled public method of a class
        the app uses: a library, through the class's base of its own (``dispatch`` of a
        middleware, ``run`` of a library's worker); a call on a value typed as a base of the
        project's that defines it (an override); the language, through a dunder (``__call__``,
        ``__aenter__``); a caller to come, in the app's own modules. Not every public method of a
        library class the server holds: a library's API serves its other users
        (``AsyncWebCrawler.aseed_urls`` that the server never calls)."""
        assert method.class_path is not None
        if method.name.startswith("__") or self._module_of(method.class_path) in own:
            return True
        project = self.project
        return any(f"{base}.{method.name}" in project.functions  # run through the base's (a call on a base-typed value)
                   or (base not in project.classes and base.partition(".")[0] not in _PLAIN_BASES)
                   for base in project.mro(method.class_path)[1:])

    def _module_of(self, class_path: str) -> str:
        located = self.project.classes.get(class_path)
        return located[1].module if located is not None else ""

    def _may_be_own(self, resolved: str) -> bool:
        """Whether a callee that resolves to no function may still be one of the project's: unknown,
        a member of a value of no known type, or of something of the project's; not a library's
        (``dict.get``, ``self._transport.handle_async_request`` on an ``httpx`` transport)."""
        if resolved.startswith(_UNTYPED) or resolved.partition(".")[0] in self._own_roots():
            return True
        # What a call returns: of no known type only from a function that may return anything
        # (``importlib.import_module(name).Provider().search``, ``getattr(module, name)().run``);
        # a library's (``OpenSSL.crypto.load_certificate(...).digest``) returns the library's.
        made_by = resolved.partition("().")[0]
        return made_by != resolved and made_by in _ANY_MAKERS

    def _facts(self, paths: Iterable[str]) -> list[FunctionFacts]:
        return [located.function for path in paths if (located := self.project.function(path)) is not None]

    def _held_registrations(self, result: Scopes, own: set[str], per_request: set[str],
                            at_startup: set[str]) -> _Registered:
        """The functions registered on another framework's server, and those of them the app may
        run: the server is mounted or started by the app's own modules or its startup code, or
        used by code it runs per request, which names them (``foreign_servers.py``).
        ``per_request``, ``at_startup``: what the app's code names then (``named_paths``)."""
        project = self.project
        found = registrations(project, self._own_roots(), result.tests)
        if not found.registered:
            return _Registered({}, set())
        whole = at_startup | named_paths((), [project.modules[name] for name in own if name in project.modules])
        names = strings(project, result.tests) if set(found.registered.values()) & per_request else set()
        return _Registered(found.registered, set(held(found.registered, whole, per_request, names)))

    def _in_tables(self, result: Scopes, read: set[str]) -> set[str]:
        """The functions a registry of the project's holds (``Factory.register("x", _create_x)`` at
        module level) or a module-level table that code the app runs reads (``TOOLS = [search,
        fetch]``): what looks them up may run them, on the app's loop. ``read``: what the app's code
        names (``named_paths``)."""
        project = self.project
        found: set[str] = set()
        for summary in project.summaries:
            if summary.path in result.tests or summary.module not in result.closure:
                continue
            for site in summary.module_calls:
                if site.func is not None and self.graph.targets(project.resolve(site.func)):
                    found.update(target for value in (*site.args, *(value for _, value in site.kwargs))
                                 if (target := self._function_named(value)) is not None)
            for binding in summary.bindings:
                if f"{summary.module}.{binding.name}" in read:
                    found.update(target for value in _items(binding.value)
                                 if (target := self._function_named(value)) is not None)
        return found

    def _built_only_elsewhere(self, result: Scopes, named: NamedValues) -> set[str]:
        """The classes (with no subclass) that only code on a loop of its own builds, which no
        code hands on: their methods cannot run on the app's loop, whatever a call's name says."""
        project = self.project
        if not result.elsewhere:
            return set()
        subclassed = {base for klass in project.classes for base in project.mro(klass)[1:]}
        sites: dict[str, list[str | None]] = {}
        for klass in project.classes:
            if klass in subclassed or klass in named.handed:
                continue
            for _, owner, site in project.calls_named([klass.rpartition(".")[2]]):
                if site.func is not None and project.resolve(site.func).path == klass:
                    sites.setdefault(klass, []).append(owner.path if owner is not None else None)
        return {klass for klass, owners in sites.items()
                if all(owner is not None and owner in result.elsewhere for owner in owners)}

    def _app_modules(self, result: Scopes) -> set[str]:
        """The modules of the app's routes, dependencies and startup code."""
        project = self.project
        return {located.module.module for path in self.model.roles
                if (located := project.function(path)) is not None and located.module.path not in result.tests}

    def _used_by_the_app(self, result: Scopes) -> set[str]:
        """The classes and modules some of whose code the app runs (per request, in its tasks, at
        startup): the app holds such an object, or calls into such a module; and the app's own
        modules, where its routes, dependencies and startup code are, with their classes and the
        modules they import."""
        project = self.project
        used: set[str] = set()
        for path in result.request | result.app_task | result.startup | result.once:
            located = project.function(path)
            if located is None:
                continue
            used.add(located.function.class_path or located.module.module)
            # An object it builds, whose class may define nothing the project calls: a transport
            # handed to httpx, whose overrides the library runs.
            for site in located.function.calls:
                if site.func is not None and (built := project.resolve(site.func).path) in project.classes:
                    used.add(built)
            if self.model.roles.get(path):
                own = located.module
                used.add(own.module)
                used.update(klass.path for klass in own.classes)
                used.update(imported for where, imported in own.imports if where == own.module)
        return used

    # -- walks ---------------------------------------------------------------

    def _walk(self, roots: Iterable[str], follow: set[str], collect: dict[str, set[str]]) -> set[str]:
        """Every function the roots reach over edges of the kinds in ``follow``; the targets of
        edges of the kinds in ``collect`` are added to those sets (roots of other walks)."""
        seen: set[str] = set()
        pending = [root for root in roots if self.project.function(root) is not None]
        seen.update(pending)
        while pending:
            current = pending.pop()
            for edge in self.edges(current):
                if edge.kind in collect:
                    collect[edge.kind].add(edge.target)
                if edge.kind in follow and edge.target not in seen:
                    seen.add(edge.target)
                    pending.append(edge.target)
        return seen

    def edges(self, path: str) -> list[_Edge]:
        found = self._edges.get(path)
        if found is None:
            found = self._edges[path] = list(self._find_edges(path))
        return found

    def _find_edges(self, path: str) -> Iterator[_Edge]:
        located = self.project.function(path)
        if located is None:
            return
        handed: dict[Span, str] = {}  # the calls a runner or a spawner was handed, by their span
        for site in located.function.calls:
            kind = self._hands_to(site)
            if kind is not None:
                for value in site.args[:1]:
                    if value.kind == "call" and value.call is not None:
                        handed[value.call.span] = kind
            # A function handed to a callee is called back by it (``key=``, ``create_app_func=``, a
            # runner's coroutine function): by the project's own callee, as it runs; by another
            # (a scheduler, a framework's registry), maybe later, as a task on the running loop.
            callbacks = [target for value in (*site.args, *(value for _, value in site.kwargs))
                         if (target := self._function_named(value)) is not None]
            if callbacks:
                own = site.func is not None and bool(self.graph.targets(self.project.resolve(site.func)))
                for target in callbacks:
                    yield _Edge(target, kind or ("run" if own else "spawn"))
        # A method read without a call (``{"fetch": self.fetch}``, ``callback=self.on_done``) is
        # handed on to be called, most often by this very function.
        for read in located.function.reads:
            method = self.graph.target(self.project.resolve(read.ref))
            if method is not None:
                yield _Edge(method, "run")
        for site, target in self.graph.runs(path):
            kind = handed.get(site.span, "run")
            if kind == "run" and runs_once(self.graph, located, site):
                kind = "once"
            yield _Edge(target, kind)
            if site.text.startswith("self."):  # ``self.load()`` in a base class runs a subclass's override
                yield from (_Edge(override, kind) for override in self._overrides(target))

    def _overrides(self, method: str) -> list[str]:
        located = self.project.function(method)
        if located is None or located.function.class_path is None:
            return []
        return self.project.overrides(located.function.class_path, located.function.name)

    def _hands_to(self, site: CallSite) -> str | None:
        """"private" for a call that runs what it is handed on a loop of its own, "spawn" for one
        that starts it as a task on the running loop, else None."""
        if site.func is None:
            return None
        method = site.text.rpartition(".")[2]
        if method in _RUNNER_METHODS:
            return "private"
        if method in _SPAWNER_METHODS:
            return "spawn"
        resolved = self.project.resolve(site.func).path
        if resolved in _RUNNERS:
            return "private"
        if resolved in _SPAWNERS:
            return "spawn"
        return None

    def _function_named(self, value: Value) -> str | None:
        if value.kind != "ref" or value.ref is None:
            return None
        resolved = self.project.resolve(value.ref)
        if resolved.path in self.project.functions:
            return resolved.path
        return self.graph.target(resolved)

    def _private_roots(self) -> Iterator[str]:
        """Functions that run on a loop of their own whoever calls them: task-queue jobs and
        command-line commands, and what module-level code runs with ``asyncio.run``."""
        project = self.project
        for located in project.all_functions():
            function = located.function
            if function.decorators and any(self._hands_to_worker(d) for d in function.decorators):
                yield function.path
        for summary in project.summaries:
            yield from self._handed_to_runners(summary.module_calls)

    def _run_elsewhere_roots(self, tests: set[str]) -> Iterator[str]:
        """What functions outside the tests run with ``asyncio.run`` (a command's ``main()``, a
        daemon's entry point): ``asyncio.run`` cannot be called on a running loop, so the loop it
        makes is never the app's. The app may still run the same coroutine through a call the
        analysis cannot follow: these are ``PRIVATE_LOOP`` only if not ``UNKNOWN``."""
        for summary in self.project.summaries:
            if summary.path not in tests:
                yield from self._handed_to_runners(site for function, site in self.project.owned_calls(summary)
                                                   if function is not None)

    def _handed_to_runners(self, calls: Iterable[CallSite]) -> Iterator[str]:
        project = self.project
        for site in calls:
            if self._hands_to(site) == "private":
                for value in site.args[:1]:
                    if value.kind == "call" and value.call is not None and value.call.func is not None:
                        target = self.graph.target(project.resolve(value.call.func))
                        if target is not None:
                            yield target
                    else:
                        target = self._function_named(value)
                        if target is not None:
                            yield target

    def _hands_to_worker(self, decorator: Value) -> bool:
        ref = decorator.call.func if decorator.kind == "call" and decorator.call is not None else decorator.ref
        if ref is None:
            return False
        name = self.project.resolve(ref).path.rpartition(".")[2] or ref.path.rpartition(".")[2]
        return name in _WORKER_DECORATORS

    # -- the apps' import closure -----------------------------------------------------

    def _closure(self, request_roots: list[str], startup_roots: list[str], result: Scopes) -> set[str]:
        """The modules an app's modules import, at import time or from functions that run in
        the served process (on the request path, at startup, in the app's tasks)."""
        project = self.project
        served = result.request | result.startup | result.once | result.app_task
        seeds = {located.module.module for path in [*request_roots, *startup_roots]
                 if (located := project.function(path)) is not None}
        closure: set[str] = set()
        pending = sorted(seeds)
        prefixes: set[str] = set()  # what modules named at run time start with ("": any)
        while pending:
            name = pending.pop()
            summary = project.modules.get(name)
            if summary is None or summary.module in closure:
                continue
            closure.add(summary.module)
            for named in self._imports_by_name(summary, served):
                if not named or named.endswith("."):
                    prefixes.add(named)  # a template's prefix, or "" (computed): any module under it
                elif named in project.modules:
                    pending.append(named)  # ``import_module("app.plugins.local")``: that module
                # else a library named whole (``import_module("pandasai")``): none of the project's
            for where, imported in summary.imports:
                if where != summary.module and where not in served:
                    continue
                for module in _with_parents(imported):
                    found = project.modules.get(module)
                    if found is not None and found.module not in closure:
                        pending.append(found.module)
            parent = summary.module.rpartition(".")[0]
            if parent:  # importing a module runs its package's __init__ first
                pending.append(parent)
        if prefixes:  # a module named at run time (a plugin, a backend chosen by a setting): any of them
            result.loaded_by_name = {summary.module for summary in project.summaries
                                     if summary.path not in result.tests and summary.module not in closure
                                     and any(summary.module.startswith(prefix) for prefix in prefixes)}
            closure |= result.loaded_by_name
        return closure

    def _imports_by_name(self, summary: ModuleSummary, served: set[str]) -> Iterator[str]:
        """The modules code that runs in the served process imports by name
        (``importlib.import_module(...)``): a name written whole (``"pandasai"``), the prefix of one
        built from a template (``f"app.providers.{kind}"``: ``"app.providers."``), or "" for one
        computed (any module of the project may then be loaded)."""
        project = self.project
        for function, site in project.owned_calls(summary):
            if function is not None and function.path not in served:
                continue
            if site.func is None or site.text.rpartition(".")[2] not in _IMPORTERS_BY_NAME:
                continue
            if project.resolve(site.func).path not in _IMPORTERS or not site.args:
                continue
            named = site.args[0]
            if named.kind == "str":
                yield "" if named.text.startswith(".") else named.text  # relative to a package: any
            elif named.kind == "fstring" and "." in named.text:
                yield named.text[:named.text.rindex(".") + 1]
            elif named.kind != "const":
                yield ""


def _items(value: Value) -> Iterator[Value]:
    """A table's entries, to any depth (``{"a": f, "b": [g, h]}``), or the value itself."""
    pending = [value]
    while pending:
        current = pending.pop()
        yield current
        pending += current.items


def _copies_routes(owner: FunctionFacts, handler: Value) -> bool:
    """``for route in app.router.routes: app.add_api_route(alias, route.endpoint)``: a handler read
    from a route of a function that reads an app's or a router's routes is one they already have."""
    return (handler.text.rpartition(".")[2] == "endpoint"
            and any(read.text.rpartition(".")[2] == "routes" for read in owner.reads))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _with_parents(dotted: str) -> Iterator[str]:
    parts = dotted.split(".")
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])


def _parts(summary: ModuleSummary, project: Project) -> tuple[str, ...]:
    """A file's path below the project's common folder: ``/home/me/test/app/x.py`` linted as a
    whole is ``app/x.py`` here, so a folder named ``test`` above the project does not count."""
    root = _common_folder(project)
    path = PurePath(summary.path)
    try:
        return path.relative_to(root).parts
    except ValueError:
        return path.parts


@per_project
def _common_folder(project: Project) -> PurePath:
    folders = [PurePath(summary.path).parent for summary in project.summaries]
    common = folders[0] if folders else PurePath()
    for folder in folders[1:]:
        while common != common.parent and common not in (folder, *folder.parents):
            common = common.parent
        if common == common.parent and common not in (folder, *folder.parents):
            common = PurePath()
            break
    # A relative display path is already below the working folder; only absolute ones need cutting.
    return common if common.is_absolute() else PurePath()
