"""What the app may run through calls the analysis cannot follow: the ``UNKNOWN`` placement
(``Where.UNKNOWN`` in ``scope.py``'s documentation).

The other places are reached by walks from roots the FastAPI model knows. This one starts from
what no walk reached, by questions of its own: is a function called at all, may a callee that
resolves to nothing be the project's, does the app use this class or module, which registries,
tables and foreign servers hand a function on. Their helpers serve only this placement, so they
live with it; the walks are ``scope_edges.py``'s.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from fastapi_lint.analysis.facts import FunctionFacts, ModuleSummary, Value
from fastapi_lint.analysis.handler_values import handler_functions
from fastapi_lint.analysis.foreign_servers import held, named_paths, registrations, strings
from fastapi_lint.analysis.made_classes import MadeClasses
from fastapi_lint.analysis.named_values import NamedValues, named_values
from fastapi_lint.analysis.looked_up import IMPORTERS
from fastapi_lint.analysis.scope_edges import CallEdges
from fastapi_lint.analysis.project import Located, Project, per_project, unchanged_modules
from fastapi_lint.analysis.project_memos import function_share, share
from fastapi_lint.analysis.scope_places import Scopes


# A call written with a name that this many unrelated functions have could be any of them.
MAX_MEANINGS = 6
# What a callee resolves to when the value it is called on has no useful type.
_UNTYPED = ("?", "typing.Any.", "typing.Protocol.", "typing_extensions.Protocol.", "builtins.object.", "object.")
# Methods of the builtin containers and strings: a call of one on a value of no known type is theirs.
_BUILTIN_METHODS = frozenset(
    "append extend insert remove pop popitem clear copy update setdefault get items keys values add discard "
    "index count sort reverse split rsplit join strip lstrip rstrip replace format encode decode lower upper "
    "startswith endswith find splitlines".split()
)
# Return a value of any type: a member of what they return may be the project's.
_ANY_MAKERS = IMPORTERS | {"builtins.getattr", "getattr", "builtins.type", "type"}
# Bases whose code calls no method a subclass adds: a class with only these is the project's own.
_PLAIN_BASES = frozenset({"builtins", "abc", "typing", "typing_extensions", "enum", "object", "?"})
# The places of a placing ``UNKNOWN`` is found from (``_unknown``, ``_built_only_elsewhere``).
_READ = ("request", "app_task", "startup", "once", "private_loop", "elsewhere")


@dataclass(frozen=True)
class _Registered:
    registered: dict[str, str]  # function -> the other framework's server it is registered on
    held: set[str]  # those of them the app may run


class UnknownPlacement(CallEdges):
    """The functions the app's code may run through what the analysis cannot follow."""

    _made_classes: MadeClasses | None = None  # worked out on first use

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
        # modules of the app's route handlers, registered there by their decorators: a coroutine
        # beside them that nothing calls may be a handler about to be wired, or one a fix of the
        # routes' file I/O still covers. Handlers another module imports by name and registers
        # (``from api import get_parks`` then ``app.add_api_route("/parks", get_parks)``) leave
        # no such doubt: one it does not import is not served
        routed = {route.handler.module.module for route in self.model.routes
                  if route.site.span.line in route.handler.function.decorator_lines} & own
        # what the app's code names, per request and at startup: both questions below read them
        per_request = self._named_by(result.request | result.app_task)
        at_startup = self._named_by(result.startup | result.once)
        foreign = self._held_registrations(result, own, per_request, at_startup)
        built_elsewhere = self._built_only_elsewhere(result, named)
        registered, tabled = self._in_tables(result, per_request | at_startup)
        made = cache(lambda klass: self._made(klass, result))  # asked of each method of a class
        for located in project.all_functions():
            function = located.function
            if function.path in placed or located.module.module not in result.closure:
                continue
            if function.class_path is not None and function.class_path in built_elsewhere:
                continue  # its objects live only on a loop of their own (a daemon's server)
            # A nested function's name means it in its parent only; a method's, where its class may be made.
            if not function.parent_path and (function.class_path is None or made(function.class_path)):
                by_name.setdefault(function.name, []).append(function.path)
            # A public coroutine that no call of the project runs, of an object or a module the app
            # uses: something the analysis does not see (a framework, a library calling an override,
            # a registry, a caller to come) does. A private one nobody calls is dead code; so is a
            # module's function that no code names (imports, hands on, registers: a dependency no
            # route declares any more, a helper left behind), unless it sits beside the app's routes
            # or code hands its module on (``getattr(module, name)``) or loads it by name. Beside
            # routes, it may be a handler about to be wired, whose blocking calls the routes' owners
            # fix with theirs (letta's upload helpers, realworld-dev); not one whose route decorator
            # is left in a comment above it: taken out.
            module = located.module.module
            if function.path in foreign.registered:  # another server's entry point (``foreign_servers.py``)
                if function.path in foreign.held:
                    roots.append(function.path)
                continue
            if (function.path in tabled and not self._called(function, result.tests)) or (
                    function.path in registered and not self._called(function)):
                # in a table the app reads (a test's call runs it in no server) or a registry, private or not
                roots.append(function.path)
                continue
            if (function.is_async and not function.parent_path and not _private(function.name)
                    and (function.class_path or module) in used and not self._called(function)
                    and (self._called_unseen(function) if function.class_path
                         else (module in routed and not function.route_commented_out) or function.path in named.named
                         or self._registered(function)
                         or module in named.handed or module in result.loaded_by_name)):
                roots.append(function.path)
        unknown: set[str] = set()
        names: set[str] = set()
        on_self: set[str] = set()  # names called only on ``self``/``cls``: a method's, never a module function's
        scan = sorted(result.request | result.app_task)
        while True:
            for path in scan:
                anywhere, of_objects = self._unresolved_names(path)
                names |= anywhere
                on_self |= of_objects
            roots += [path for name in names for path in self._unambiguous(by_name.pop(name, []))]
            for name in on_self - names:
                methods = [path for path in by_name.get(name, []) if self._is_method(path)]
                if methods:
                    by_name[name] = [path for path in by_name[name] if path not in methods]
                    roots += self._unambiguous(methods)
            found = self._walk(roots, {"run", "spawn"}, {}) - placed - unknown
            if not found:
                result.unknown_reads = {"per_request": per_request, "at_startup": at_startup, "used": used,
                                        "names": names | on_self, "anywhere": names,
                                        "servers": set(foreign.registered.values())}
                return unknown
            unknown |= found
            scan, roots = sorted(found), []

    def _grown_unknown(self, result: Scopes, before: Scopes) -> set[str] | None:
        """``UNKNOWN`` for ``result``, a placing grown from ``before`` (``scope_growth.py``), from the
        last placing's: what no walk placed, less what the walks now place, when the functions
        placed elsewhere now (in the places read here: ``_READ``) ask nothing new of it (``Scopes.unknown_reads``): none
        newly run on the app's loop makes a call that resolves to no function by a name not
        asked of already, none newly placed is named like such a call, none newly run uses a
        module the app did not, what they name is a table's no more than it was, nor a foreign
        server. None: found again."""
        reads = result.unknown_reads
        if not reads:
            return None
        tables = {key for summary in self.project.summaries if summary.module in result.closure
                  for key, _ in share(_table_shares(self.project), summary.path, lambda: self._tabled_in(summary))[1]}
        read = reads["per_request"] | reads["at_startup"]
        on_the_loop = before.request | before.app_task
        run = on_the_loop | before.startup | before.once
        placed = run | before.private_loop
        moved = {path for place in _READ for path in getattr(result, place) ^ getattr(before, place)}
        for path in moved:
            located = self.project.function(path)
            if (located is None or (path not in on_the_loop and not self._asked_already(path, reads))
                    or (path not in placed and located.function.name in reads["names"])
                    or (path not in run and not self._uses(located) <= reads["used"])):
                return None
            named = self._named_by([path])
            if not (named & tables) <= read or named & reads["servers"]:
                return None
        return result.unknown - result.request - result.app_task - result.startup - result.once - result.private_loop

    def _asked_already(self, path: str, reads: dict[str, set[str]]) -> bool:
        """Whether the names of the function's calls that resolve to nothing were asked already,
        as they are written (``Scopes.unknown_reads``: "anywhere", and on ``self`` or anywhere)."""
        anywhere, on_self = self._unresolved_names(path)
        return anywhere <= reads["anywhere"] and on_self <= reads["names"]

    def _made(self, class_path: str, result: Scopes) -> bool:
        """Whether the served code may have an instance of the class to call a method of the name
        on (``made_classes.py``)."""
        if self._made_classes is None:
            self._made_classes = MadeClasses(self.project, result.tests)
        return self._made_classes.may_be_made(class_path, result.loaded_by_name)

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

    def _unresolved_names(self, path: str) -> tuple[frozenset[str], frozenset[str]]:
        """The last names of the calls of a function that resolve to no function and may be the
        project's own: an unknown callee, or a member of something of the project's or of a value
        typed ``Any``/a protocol; never a library's (``dict.get``, ``client.get``). Those written
        on ``self`` or ``cls`` (``self._run(...)``: a method, of a subclass or a mixin) apart.
        Each function's answer is kept with its module's (it reads name resolution alone)."""
        located = self.project.function(path)
        if located is None:
            return frozenset(), frozenset()
        return function_share(_unresolved_shares(self.project), located.module.path, located.function.path,
                              lambda: self._find_unresolved_names(located.function))

    def _find_unresolved_names(self, function: FunctionFacts) -> tuple[frozenset[str], frozenset[str]]:
        project, graph = self.project, self.graph
        names: set[str] = set()
        on_self: set[str] = set()
        for site in function.calls:
            receiver, _, name = site.text.rpartition(".")
            if receiver not in ("self", "cls") and name in _BUILTIN_METHODS:
                continue  # ``items.remove(x)``: a list's, far likelier than a project method of that name
            found = on_self if receiver in ("self", "cls") else names
            if site.func is None:
                found.add(name)
                continue
            resolved = project.resolve(site.func)
            # ``importlib.import_module(name).Provider().search`` is a member of a value of no known
            # type (a known type's members are folded into it: ``httpx.AsyncClient.get``).
            if not graph.targets(resolved) and self._may_be_own(resolved.path):
                found.add(name)
        return frozenset(names), frozenset(on_self)

    def _is_method(self, path: str) -> bool:
        located = self.project.function(path)
        return located is not None and located.function.class_path is not None

    def _own_roots(self) -> set[str]:
        if self._roots is None:
            self._roots = {name.partition(".")[0] for name in self.project.modules}
        return self._roots

    def _registered(self, function: FunctionFacts) -> bool:
        """Whether a decorator of the function keeps it for a dispatcher to run
        (``@event_bus.on("comment.created")``, whose ``on`` returns a function that appends what it
        is given to a list of handlers; ``@registry.register``): registered, as a route is."""
        # the decorator itself, or the function a decorator factory returns (``handler_values``)
        for keeper in (found.function for decorator in function.decorators
                       for found in handler_functions(self.project, decorator)):
            given = next((param.name for param in keeper.params if param.name not in ("self", "cls")), None)
            if given is not None and any(
                    call.text.rpartition(".")[2] in _KEEPERS
                    and any(argument.kind == "ref" and argument.text == given for argument in call.args)
                    for call in keeper.calls):
                return True
        return False

    def _called(self, function: FunctionFacts, tests: Container[str] = ()) -> bool:
        """Whether a call of the project may run the function: one that resolves to it, or to no
        function at all; not one that resolves to another (``super().handle(...)`` in an override
        runs the base's, which a library may call the override in place of). A background task is
        run by the functions that schedule it (``add_task(self.retry, ...)``): where the walks
        placed none of them, nothing runs it. Calls in the modules ``tests`` names do not count."""
        schedulers = self.model.scheduled_by.get(function.path)
        if schedulers and "" not in schedulers:
            return True
        return self._called_as(function.path, any_receiver=False, tests=tests)

    def _called_as(self, path: str, any_receiver: bool, tests: Container[str] = ()) -> bool:
        """Whether a call named like ``path`` resolves to it, or to no function and may be it: when
        its receiver may be the project's, or with ``any_receiver``, whatever its receiver is."""
        project, graph = self.project, self.graph
        for summary, _, site in project.calls_named([path.rpartition(".")[2]]):
            if summary.path in tests:
                continue
            if site.func is None:
                return True
            resolved = project.resolve(site.func)
            targets = graph.targets(resolved)
            if path in targets or (not targets and (any_receiver or self._may_be_own(resolved.path))):
                return True
        return False

    def _called_unseen(self, method: FunctionFacts) -> bool:
        """Whether something the analysis cannot see may call an uncalled public method of a class
        the app uses: a library, through the class's base of its own (``dispatch`` of a
        middleware, ``run`` of a library's worker); a call on a value typed as a base of the
        project's that defines it and that code calls (an override); the language, through a dunder (``__call__``,
        ``__aenter__``). Not every public method of a library class the server holds: a library's
        API serves its other users (``AsyncWebCrawler.aseed_urls`` that the server never calls);
        nor one of a service class beside the app's routes and dependencies that no code calls,
        even by name on a value of unknown type (those are found by name below): dead code."""
        assert method.class_path is not None
        if method.name.startswith("__"):
            return True
        project = self.project
        return any(self._called_through(f"{base}.{method.name}")
                   or (base not in project.classes and base.partition(".")[0] not in _PLAIN_BASES)
                   for base in project.mro(method.class_path)[1:])

    def _called_through(self, base_method: str) -> bool:
        """Whether a base's method that an override replaces may be called: a call on a value typed
        as the base runs the override, and so may one on a value of a type the analysis does not
        know (a proxy, ``context.emitter.send_element(...)``); not only calls that name another class's."""
        return base_method in self.project.functions and self._called_as(base_method, any_receiver=True)

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

    def _named_by(self, paths: Iterable[str]) -> set[str]:
        """What the functions at ``paths`` name (``foreign_servers.named_paths``), each one's share
        kept with its module's (an editor's next check keeps those of the modules not edited)."""
        shares = _named_shares(self.project)
        found: set[str] = set()
        for path in paths:
            located = self.project.function(path)
            if located is None:
                continue
            named = function_share(shares, located.module.path, located.function.path,
                                   lambda: frozenset(named_paths([located.function])))
            found |= named
        return found

    def _named_at_top(self, summaries: Iterable[ModuleSummary]) -> set[str]:
        """What the module-level code of ``summaries`` names (``foreign_servers.named_paths``),
        each one's share kept with its module's, under the module's own name."""
        shares = _named_shares(self.project)
        found: set[str] = set()
        for summary in summaries:
            named = function_share(shares, summary.path, summary.module, lambda: frozenset(named_paths((), [summary])))
            found |= named
        return found

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
        whole = at_startup | self._named_at_top([project.modules[name] for name in own if name in project.modules])
        names = strings(project, result.tests) if set(found.registered.values()) & per_request else set()
        return _Registered(found.registered, set(held(found.registered, whole, per_request, names)))

    def _in_tables(self, result: Scopes, read: set[str]) -> tuple[set[str], set[str]]:
        """The functions a registry of the project's holds (``Factory.register("x", _create_x)`` at
        module level) or a module-level table that code the app runs reads (``TOOLS = [search,
        fetch]``): what looks them up may run them, on the app's loop. ``read``: what the app's code
        names (``named_paths``): those registered, and those in such tables."""
        registered_in: set[str] = set()
        tabled: set[str] = set()
        shares = _table_shares(self.project)
        for summary in self.project.summaries:
            if summary.path in result.tests or summary.module not in result.closure:
                continue
            registered, tables = share(shares, summary.path, lambda: self._tabled_in(summary))
            registered_in |= registered
            for key, table in tables:
                if key in read:
                    tabled |= table
        return registered_in, tabled

    def _tabled_in(self, summary: ModuleSummary) -> tuple[frozenset[str], tuple[tuple[str, frozenset[str]], ...]]:
        """What a module's top level hands to a function of the project (a registry's
        ``register``), and each of its names bound to a value that holds functions (a table):
        kept with the module (name resolution alone)."""
        project = self.project
        registered = {target for site in summary.module_calls
                      if site.func is not None and self.graph.targets(project.resolve(site.func))
                      for value in (*site.args, *(value for _, value in site.kwargs))
                      if (target := self._function_named(value)) is not None}
        tables = []
        for binding in summary.bindings:
            table = frozenset(target for value in _items(binding.value) if (target := self._function_named(value)) is not None)
            if table:
                tables.append((f"{summary.module}.{binding.name}", table))
        return frozenset(registered), tuple(tables)

    def _built_only_elsewhere(self, result: Scopes, named: NamedValues) -> set[str]:
        """The classes (with no subclass) that only code on a loop of its own builds, which no
        code hands on: their methods cannot run on the app's loop, whatever a call's name says."""
        project = self.project
        # those built in code run elsewhere (a few functions: not every class's calls are looked up)
        built = {klass for located in project.all_functions() if located.function.path in result.elsewhere
                 for site in located.function.calls if site.func is not None
                 and (klass := project.resolve(site.func).path) in project.classes
                 and site.func.path.rpartition(".")[2] == klass.rpartition(".")[2]}
        if not built:
            return set()
        sites: dict[str, list[str | None]] = {}
        for klass in sorted(built):
            if klass in named.handed or any(klass in project.mro(other)[1:] for other in project.family(klass)):
                continue  # a subclass's (``family`` holds those that implement it as a protocol too)
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
        shares = _used_shares(project)
        for path in result.request | result.app_task | result.startup | result.once:
            located = project.function(path)
            if located is None:
                continue
            uses = function_share(shares, located.module.path, located.function.path, lambda: self._uses(located))
            used |= uses
            if self.model.roles.get(path):
                own = located.module
                used.add(own.module)
                used.update(klass.path for klass in own.classes)
                used.update(imported for where, imported in own.imports if where == own.module)
        return used

    def _uses(self, located: Located) -> frozenset[str]:
        """The class or module of a function the app runs, and the classes it builds (an object
        whose class may define nothing the project calls: a transport handed to httpx, whose
        overrides the library runs). Kept with its module's share (it reads name resolution alone)."""
        project = self.project
        found = {located.function.class_path or located.module.module}
        found.update(built for site in located.function.calls
                     if site.func is not None and (built := project.resolve(site.func).path) in project.classes)
        return frozenset(found)


def _items(value: Value) -> Iterator[Value]:
    """A table's entries, to any depth (``{"a": f, "b": [g, h]}``), or the value itself."""
    pending = [value]
    while pending:
        current = pending.pop()
        yield current
        pending += current.items


# What a registry's decorator does with the function it is given: keeps it for a dispatcher.
_KEEPERS = frozenset({"append", "add", "insert", "extend", "appendleft", "register", "subscribe", "setdefault"})


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@per_project.inherited(unchanged_modules)
def _table_shares(project: Project) -> dict[str, tuple[frozenset[str], tuple[tuple[str, frozenset[str]], ...]]]:
    """What each module's top level registers and tabulates (``UnknownPlacement._tabled_in``), by its display path."""
    return {}


@per_project.inherited(unchanged_modules)
def _used_shares(project: Project) -> dict[str, dict[str, frozenset[str]]]:
    """What each function the app runs uses (``UnknownPlacement._uses``), by its module's display path."""
    return {}


@per_project.inherited(unchanged_modules)
def _unresolved_shares(project: Project) -> dict[str, dict[str, tuple[frozenset[str], frozenset[str]]]]:
    """What each function's calls name that resolves to nothing (``_unresolved_names``), by its module's display path."""
    return {}


@per_project.inherited(unchanged_modules)
def _named_shares(project: Project) -> dict[str, dict[str, frozenset[str]]]:
    """What each function names (``foreign_servers.named_paths``), and under the module's name
    what its top level names, by its module's display path."""
    return {}
