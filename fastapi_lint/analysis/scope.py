"""Where each function runs: on a served app's event loop, at startup, on a loop of its own, in
tests, or nowhere the analysis can see.

A blocking call stalls a server only when it runs on the loop that serves requests. So before an
event-loop finding is shown, the function it is in is placed (``Where``):

- ``REQUEST``: reached from what an app runs per request (routes, dependencies, middleware,
  exception handlers, background tasks, an admin panel's hooks (``admin_hooks.py``), and what they
  await, call or start as tasks);
- ``APP_TASK``: reached from a task that startup code (the lifespan, a startup handler) starts
  on the app's loop and leaves running (``asyncio.create_task(monitor())``);
- ``STARTUP``: reached only from startup code itself: it runs before any request is served;
- ``ONCE``: reached from the request path only through a lazy-initialisation guard that holds
  (``if not self._initialized: await self.initialize()`` on an object that lives long,
  ``guards.runs_once``): it runs on the app's loop once per process, on first use, as startup
  code does;
- ``PRIVATE_LOOP``: reached only from a loop of its own: ``asyncio.run(main())`` and
  ``loop.run_until_complete(...)`` called from sync code outside the tests, or a helper of the
  project that runs its first argument so (``run_sync(self.pull())``, ``asyncio.run(coro)`` in a
  thread's target) (a script, a command's
  or a daemon's ``main()``, wherever its module is imported), a task-queue job (Celery, Dramatiq,
  RQ, Taskiq), a Temporal activity or workflow (``@activity.defn``, ``@workflow.run``, or handed
  to a worker: ``client.execute_workflow(Flow.run, ...)``, ``workflow.execute_activity(...)``),
  an actor's method (an ``xoscar`` actor runs in its pool, another process: a call through its
  reference is a message),
  a command-line command;
- ``TEST``: in test code (``test_*.py``, ``*_test.py``, ``conftest.py``, a ``tests/``,
  ``test/`` or ``testing/`` folder): it never runs in the server;
- ``UNKNOWN``: none of those, in a module an app imports (directly or not), but what the app
  may run through something the analysis cannot follow: a coroutine that no call of the project
  runs, of an object or a module the app uses (something else does: a framework, a registry, a
  caller to come) - of a module, only one some code names (``named_values.py``) or one beside
  routes their decorators register there (not one whose own route decorator is left in a comment
  above it): elsewhere, one that no code names is dead code; one registered on another framework's server only if the app holds
  that server (``foreign_servers.py``); a function named like a call made on the app's loop that
  resolves to no function (``await self.store.save(...)`` on an object of unknown type; never a
  nested function, nor a module's function for a call on ``self``), unless that name has more than ``MAX_MEANINGS`` unrelated meanings
  (``start``, ``run``: a generic verb says nothing); and what those run in turn, to a fixed point;
- ``OUTSIDE``: none of those (a script, a tool, another program; a library's public functions,
  which the project itself never runs on the app's loop);
- ``LIBRARY``: the project has no app at all (an app in test code does not count): everything
  is linted as it may be served.

Within the request path, ``Scopes.admin_only`` holds what only admin routes reach
(``admin_routes.py``), directly or through the background tasks they add: an operator's rare
request, where what costs only under load (a client built per request, a small file read) is not
worth a finding, though a wait still is. ``Scopes.now_and_then`` holds what only they, login
flows, probes, configuration writes and trials reach, or reach only past a throttle (``if
minutes_passed <= INTERVAL: continue`` before a pull from every provider: once per period): a
client built per request is not worth a finding there either. ``Scopes.switched_off`` holds what
only routes defined under a module-level switch off as the service ships reach (``if
config("LOCAL_DEV", default=False, cast=bool):`` around ``@app.get("/trigger")``): a developer's
route, which does not exist in production.
``Scopes.unserved`` holds what only routes on a router no served app includes reach (a router
in a module the apps' modules never import: ``scope_closure.py``), or only apps the deployment
does not start serve, and those apps' startup handlers.
``Scopes.untaken_off`` holds what requests reach only through calls on lines that no call of
their function runs (``untaken.py``: a branch every caller rules out), or that run only with a
module's name set that nothing a server runs sets (``opt_in.py``: ``if get_remote_client() is not
None:`` where only an SDK's ``serve()`` sets the client).

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

The placing is in parts: ``scope_places.py`` holds the answer (``Where``, ``Scopes``);
``scope_edges.py`` the edges the walks follow and the walk; ``scope_unknown.py`` the ``UNKNOWN``
placement; ``scope_blind.py`` the handlers registered unnamed; ``scope_closure.py`` the modules
the app imports. The last four are the bases of the placer here, which walks from the app's
roots and puts the places together, keeping what each walk reached (``Scopes.walks``). After an
edit, ``scope_cutoff.py`` tells when the last placing holds as it was, ``scope_growth.py`` when it
grows by the calls written, and ``scope_kept.py`` what of it a placing made again may take.
"""

from __future__ import annotations

import dataclasses
from pathlib import PurePath

from fastapi_lint.analysis.admin_routes import RareRoots, depended_on_only_by
from fastapi_lint.analysis.app_model import REQUEST_ROLES, STARTUP_ROLES, FastAPIModel
from fastapi_lint.analysis.call_arguments import in_ranges
from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.deployments import Deployments
from fastapi_lint.analysis.facts import CallSite, ModuleSummary
from fastapi_lint.analysis.guards import module_in_tests
from fastapi_lint.analysis.made_classes import MadeClasses, reexported
from fastapi_lint.analysis.opt_in import defined_opt_in, set_only_elsewhere
from fastapi_lint.analysis.project import Located, Project, per_project, whole
from fastapi_lint.analysis.scope_blind import BlindRegistrations
from fastapi_lint.analysis.scope_closure import ModuleClosure
from fastapi_lint.analysis.dispatch import test_functions
from fastapi_lint.analysis.scope_edges import Edge
from fastapi_lint.analysis.scope_kept import Kept
from fastapi_lint.analysis.scope_places import Scopes, told_apart
from fastapi_lint.analysis.test_code import in_examples, is_test_path
from fastapi_lint.analysis.untaken import targets_by_site, unpassed, untaken_lines

# Roles of functions that other request-path code starts or defines, and runs as often as it.
_STARTED = frozenset({"background_task", "nested"})
_PER_REQUEST = frozenset({"run", "spawn"})
_OFF_THE_LOOP = frozenset({"run", "spawn", "private", "once"})
# The kinds of edges each walk of the placing follows (``Scopes.walks``: what each reached).
WALKS = {"request": _PER_REQUEST, "admin": _PER_REQUEST, "now_and_then": _PER_REQUEST, "switched": _PER_REQUEST,
         "untaken": _PER_REQUEST, "startup": frozenset({"run", "once"}), "app_task": _PER_REQUEST,
         "once": frozenset({"run", "spawn", "once"}), "private_loop": _OFF_THE_LOOP, "elsewhere": _OFF_THE_LOOP,
         "unserved": _PER_REQUEST}
# The kinds of edges whose targets each walk hands on as roots (``Placer.place``), and the walk
# those roots start.
_HANDS_ON = {"request": ("private", "once"), "startup": ("spawn", "private"), "app_task": ("private", "once"),
             "once": ("private",)}
_ROOTS_OF = {"spawn": "app_task", "private": "private_loop", "once": "once"}


def scopes(project: Project, model: FastAPIModel, graph: CallGraph, rare: RareRoots,
           deployments: Deployments | None = None, kept: Kept | None = None) -> Scopes:
    """The project's scopes (``Context.scopes`` computes them once per run). ``kept``: what an
    earlier placing found that still holds (``scope_kept.py``), which the walks take as found."""
    placer = Placer(project, model, graph)
    if kept is not None:
        placer.known_edges(kept.edges)
        placer.known_handed_roots(kept.handed)
    return placer.place(rare, deployments or Deployments.none())


class Placer(BlindRegistrations, ModuleClosure):
    """The walks from the app's roots, and the places they give."""

    def __init__(self, project: Project, model: FastAPIModel, graph: CallGraph) -> None:
        super().__init__(project, model, graph)
        self._unpicked_memo: dict[str, frozenset[tuple[int, str]]] = {}
        self._made_in: tuple[MadeClasses, MadeClasses] | None = None  # outside tests; outside tests and examples

    def _scheduled_walk(self, roots: list[str], collect: dict[str, set[str]]) -> set[str]:
        """The request walk, with a background task as a root only once what schedules it is
        reached (or schedules it at a module's top): a task that only a class the app never
        builds hands to ``add_task`` (its own retry, built by the tests) runs for no request."""
        scheduled_by = self.model.scheduled_by
        waiting = {root for root in roots if self.model.roles.get(root) == {"background_task"}
                   and "" not in scheduled_by.get(root, {""})}
        if not waiting:
            return self._walk(roots, WALKS["request"], collect)
        reached = self._walk([root for root in roots if root not in waiting], WALKS["request"], collect)
        while True:
            admitted = {task for task in waiting if scheduled_by[task] & reached}
            if not admitted:
                return reached
            waiting -= admitted
            reached |= self._walk(sorted(admitted), WALKS["request"], collect)

    def place(self, rare: RareRoots, deployments: Deployments) -> Scopes:
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
        walks = result.walks
        handed = {"spawn": spawned, "private": private, "once": first_use}  # the roots the walks hand on (``_HANDS_ON``)
        walks["request"] = self._scheduled_walk(request_roots, _handed_by("request", handed))
        request_roots = [root for root in request_roots if root in walks["request"] or self.project.function(root) is None]
        admin = rare.admin
        walks["admin"] = self._walk(self._user_roots(request_roots, admin), WALKS["admin"], {})
        throttles = any(located.function.throttled for located in self.project.all_functions())
        if rare.now_and_then != admin or throttles:  # (else what only admin routes reach)
            walks["now_and_then"] = self._walk(self._user_roots(request_roots, rare.now_and_then), WALKS["now_and_then"],
                                               {}, skip=self._throttled_call if throttles else None)
        switched = frozenset(root for root in request_roots if self._defined_opt_in(root))
        if switched:
            walks["switched"] = self._walk(self._user_roots(request_roots, switched), WALKS["switched"], {})
        walks["untaken"] = self._walk(request_roots, WALKS["untaken"], {}, skip=self._untaken_call)
        walks["startup"] = self._walk(startup_roots, WALKS["startup"], _handed_by("startup", handed))
        walks["app_task"] = self._walk(sorted(spawned), WALKS["app_task"], _handed_by("app_task", handed))
        walks["once"] = self._walk(sorted(first_use), WALKS["once"], _handed_by("once", handed))
        walks["private_loop"] = self._walk(sorted(private), WALKS["private_loop"], {})
        walks["elsewhere"] = self._walk(sorted(self._run_elsewhere_roots(tests)), WALKS["elsewhere"], {})
        told_apart(result)
        if result.has_app:
            result.blind_at = self._unnamed_handlers(tests)
            result.closure = self._closure(request_roots, startup_roots, result)
            undeployed = self._undeployed_apps(tests, deployments)
            result.deployed_loads = self.deployed_loads
            unincluded = (self._unincluded_routes(tests, result.closure) | self._routes_only_of(undeployed)
                          | self._uncalled_setups(tests))
            if unincluded:
                walks["unserved"] = self._walk(self._user_roots(request_roots, unincluded), WALKS["unserved"], {})
            if undeployed:  # and the startup handlers of those apps
                walks["undeployed_starts"] = {root for root in startup_roots
                                              if (located := self.project.function(root)) and located.module.module in undeployed}
            told_apart(result)
            result.unknown = self._unknown(result)
            if result.blind_at:
                run_by = self._run_by()
                result.elsewhere |= self._named_only_off_the_loop(result, run_by)
                off = result.startup | result.once | result.private_loop | result.elsewhere
                result.private_loop = result.private_loop - _shared(result.private_loop, off, run_by)  # (its walk's kept)
        result.edges, result.handed = self.found_edges(), self.found_handed_roots()
        return result

    def grow(self, result: Scopes, added: list[tuple[str, int, str]]) -> Scopes:
        """``result``, a placing of the project this one's inherits from, grown by the calls
        ``added`` ((caller, line, callee): plain calls, whose callees run what requests did not, or
        what they ran as they did: ``scope_growth.py``): each walk that reached a caller reaches
        what its callee does too, as far as its kinds of edges and its skips go; the places are
        told apart again and ``UNKNOWN`` grown (``_grown_unknown``) or found again. A root a grown
        walk hands on (a task started, a loop of its own) grows the walk it starts."""
        walks = dict(result.walks)
        skips = {"now_and_then": self._throttled_call, "untaken": self._untaken_call}
        handed: dict[str, set[str]] = {kind: set() for kind in _ROOTS_OF}
        for name, reached in result.walks.items():
            follow, skip = WALKS.get(name), skips.get(name)
            if follow is None:
                continue  # not a walk ("undeployed_starts")
            starts = [callee for caller, line, callee in added
                      if caller in reached and not (skip is not None and skip(caller, Edge(callee, "run", line)))]
            if starts:
                walks[name] = reached | self._walk(starts, follow, _handed_by(name, handed), skip)
        self._hand_on(walks, handed)
        grown = dataclasses.replace(result, walks=walks)
        told_apart(grown)
        unknown = self._grown_unknown(grown, result)
        grown.unknown = self._unknown(grown) if unknown is None else unknown
        grown.edges, grown.handed = self.found_edges(), self.found_handed_roots()
        return grown

    def _hand_on(self, walks: dict[str, set[str]], handed: dict[str, set[str]]) -> None:
        """Grow the walks that the roots ``handed`` (by kind of edge: ``_HANDS_ON``) start, with
        what those roots reach, and so on with the roots those walks hand on in turn."""
        tried: dict[str, set[str]] = {name: set() for name in _ROOTS_OF.values()}
        while True:
            starts = {kind: roots - walks[_ROOTS_OF[kind]] - tried[_ROOTS_OF[kind]] for kind, roots in handed.items()}
            kind = next((kind for kind, roots in starts.items() if roots), None)
            if kind is None:
                return
            name = _ROOTS_OF[kind]
            tried[name] |= starts[kind]
            walks[name] = walks[name] | self._walk(sorted(starts[kind]), WALKS[name], _handed_by(name, handed))

    def makes_its_own_loop(self, path: str) -> bool:
        return self._makes_its_own_loop(path)

    def imports_by_name(self, located: Located) -> bool:
        """Whether the function imports a module by a name (``importlib.import_module(name)``)."""
        return any(where == located.function.path for where, _ in self._imports(located.module).by_name)

    def _run_by(self) -> dict[str, set[str]]:
        """Who calls each function on the loop it runs on (a call or an await, a task it starts;
        not a call handed to a loop of its own, nor a callback it hands on, which a callee of the
        project may keep for a loop of its own), outside tests."""
        tests = test_functions(self.project)
        found: dict[str, set[str]] = {}
        for located in self.project.all_functions():
            if located.function.path not in tests:
                for edge in self.edges(located.function.path):
                    if edge.line and edge.kind != "private":
                        found.setdefault(edge.target, set()).add(located.function.path)
        return found

    def _named_only_off_the_loop(self, result: Scopes, run_by: dict[str, set[str]]) -> set[str]:
        """In a blind app, the functions no walk placed that are named like calls of no known callee
        made only in code off the app's loop (``await impl.initialize()`` in a stack that startup
        builds on a loop of its own), and what they run: a provider's lifecycle, not what the
        unseen handlers serve. A name such a call shares with one in code that may run on the
        app's loop (placed there, or placed nowhere: the unseen handlers may be it) is left alone."""
        off = result.startup | result.once | result.private_loop | result.elsewhere
        named_off: set[str] = set()
        for path in off:
            anywhere, on_self = self._unresolved_names(path)
            named_off |= anywhere | on_self
        if not named_off:
            return set()
        for located in self.project.all_functions():
            if located.function.path not in off and located.module.path not in result.tests:
                anywhere, on_self = self._unresolved_names(located.function.path)
                named_off -= anywhere | on_self
        if not named_off:
            return set()
        placed = off | result.request | result.app_task | result.unknown
        roots = [located.function.path for located in self.project.all_functions()
                 if located.function.name in named_off and located.function.path not in placed
                 and located.module.path not in result.tests]
        found = self._walk(roots, {"run", "spawn", "private", "once"}, {}) - placed
        # but what code that may run on the app's loop calls too (``await index.initialize()`` in
        # a method the unseen handlers may serve)
        return found - _shared(found, off | found, run_by)

    def _untaken_call(self, caller: str, edge: Edge) -> bool:
        """Whether the call of the edge sits on lines no call of ``caller`` runs (``untaken.py``),
        or that run only with a module's name set that nothing a server runs sets (``opt_in.py``)."""
        located = self.project.function(caller)
        return bool(edge.line) and located is not None and (in_ranges(
            edge.line, untaken_lines(self.graph, self.model.roles, located))
            or set_only_elsewhere(self.graph, located, edge.line) or (edge.line, edge.target) in self._unpicked(caller))

    def _unpicked(self, caller: str) -> frozenset[tuple[int, str]]:
        """The (line, implementation) pairs of ``caller``'s calls through an interface that run an
        implementation no server is set up with: of a class only examples make (a tutorial's
        ``LettaSource``, made in a library user's process), or that no code makes and only a
        package's ``__init__`` imports (an agent whose construction is written off, ``elif
        False:``), where code outside the tests and the examples makes another (the archive
        source a route builds). A class no code names (a registry's, loaded by name) may be any
        deployment's pick: it stays."""
        found = self._unpicked_memo.get(caller)
        if found is None and _one_target_each(self.graph.runs(caller)):
            found = self._unpicked_memo[caller] = frozenset()  # no call to pick an implementation for
        if found is None:
            unpicked: set[tuple[int, str]] = set()
            picked: set[tuple[int, str]] = set()
            located = self.project.function(caller)
            # the implementations no caller a request runs hands down (``untaken.unpassed``)
            passed_over = unpassed(self.graph, self.model.roles, located) if located is not None else frozenset()
            for site, targets in targets_by_site(self.graph, caller):
                shown = [target for target in targets if len(targets) > 1 and self._made_where(target) in ("examples", "re-exported")]
                if shown and not any(self._made_where(target) == "service" for target in targets):
                    shown = []
                shown += [target for target in targets if (site.span.line, target) in passed_over and target not in shown]
                unpicked.update((site.span.line, target) for target in shown)
                picked.update((site.span.line, target) for target in targets if target not in shown)
            found = self._unpicked_memo[caller] = frozenset(unpicked - picked)
        return found

    def _made_where(self, method: str) -> str:
        """Where the class of ``method`` is made: "service" (by code outside tests and examples),
        "examples" (only there, and in tests), "re-exported" (nowhere, and a package's ``__init__``
        imports it), or "" (not a method, or no code names its class)."""
        located = self.project.function(method)
        if located is None or located.function.class_path is None:
            return ""
        if self._made_in is None:
            tests = {summary.path for summary in self.project.summaries if module_in_tests(summary)}
            examples = {summary.path for summary in self.project.summaries if in_examples(summary.path)}
            self._made_in = (MadeClasses(self.project, tests), MadeClasses(self.project, tests | examples))
        class_path = located.function.class_path
        if self._made_in[1].may_be_made(class_path):
            return "service"
        if self._made_in[0].may_be_made(class_path):
            return "examples"
        return "re-exported" if reexported(self.project, class_path, self._made_in[0].tests) else ""

    def _throttled_call(self, caller: str, edge: Edge) -> bool:
        """Whether the call of the edge sits past a throttle of ``caller`` (``if minutes_passed <=
        INTERVAL: continue``): it runs once per period, not per request."""
        located = self.project.function(caller)
        return bool(edge.line) and located is not None and in_ranges(edge.line, frozenset(located.function.throttled))

    def _defined_opt_in(self, root: str) -> bool:
        located = self.project.function(root)
        return located is not None and defined_opt_in(self.graph, located)

    def _user_roots(self, request_roots: list[str], admin: frozenset[str]) -> list[str]:
        """The request-path roots that are not an operator's: not admin routes, nor a background
        task (or a function nested in request code) that only admin routes start; such a task runs
        for each request of the routes that start it. One no root starts stays a root of its own."""
        admin = admin | depended_on_only_by(self.model, admin)
        started_by_others = [r for r in request_roots if self.model.role_of(r) <= _STARTED]
        reached = self._walk([r for r in request_roots if r not in started_by_others], {"run", "spawn"}, {})
        return [r for r in request_roots if r not in admin and not (r in started_by_others and r in reached)]


def _handed_by(walk: str, handed: dict[str, set[str]]) -> dict[str, set[str]]:
    """The sets of ``handed`` (roots by kind of edge) that ``walk`` adds the roots it hands on to."""
    return {kind: handed[kind] for kind in _HANDS_ON.get(walk, ())}


def _one_target_each(runs: list[tuple[CallSite, str]]) -> bool:
    """Whether each call of ``runs`` (``CallGraph.runs``) runs one function: none is an interface's."""
    return len({id(site) for site, _ in runs}) == len(runs)


def _shared(found: set[str], off: set[str], run_by: dict[str, set[str]]) -> set[str]:
    """Of ``found`` (functions walks off the app's loop reached; ``off``: every such function),
    those that code placed nowhere calls too (``run_by``: who calls each, ``Placer._run_by``),
    and what they run: in a blind app, that code may be what the unseen handlers serve (a walk on
    the app's loop placed the rest already)."""
    shared: set[str] = set()
    while True:
        more = {path for path in found - shared
                if any(caller not in off or caller in shared for caller in run_by.get(path, ()))}
        if not more:
            return shared
        shared |= more


def _parts(summary: ModuleSummary, project: Project) -> tuple[str, ...]:
    """A file's path below the project's common folder: ``/home/me/test/app/x.py`` linted as a
    whole is ``app/x.py`` here, so a folder named ``test`` above the project does not count."""
    root = _common_folder(project)
    path = PurePath(summary.path)
    try:
        return path.relative_to(root).parts
    except ValueError:
        return path.parts


@per_project.inherited(whole)
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
