"""The facts a rule reads: the linked project, its FastAPI model, the catalog and the pins,
and what is derived from them once per run, as typed properties computed on first use.

Several rules read the same derived facts (the call graph, the request paths, the blocking
calls): each is built by the first rule that asks, and shared by the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from pathlib import Path
from typing import TypeVar, cast

from fastapi_lint.analysis import fastapi_model
from fastapi_lint.analysis.admin_routes import RareRoots, rare_roots
from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.capacity import ThreadpoolUse, same_imports, serving_modules, threadpool_use
from fastapi_lint.analysis.catalog import Catalog
from fastapi_lint.analysis.event_loop import BlockingCall, blocking_calls, kept_blocking_calls
from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.analysis.app_model import REQUEST_ROLES, STARTUP_ROLES, FastAPIModel
from fastapi_lint.analysis.guards import run_from
from fastapi_lint.analysis.lifetimes import once_by_module, once_per_process, run_while_starting
from fastapi_lint.analysis.loop_threads import LoopThreads, loop_threads
from fastapi_lint.analysis.deployments import Deployments
from fastapi_lint.analysis.pins import Pins
from fastapi_lint.analysis.project import Project
from fastapi_lint.analysis.per_connection import once_per_connection
from fastapi_lint.analysis.request_path import (Paths, RequestCall, calls_per_request, grown_paths, grown_recovering, paths,
                                                recovering)
from fastapi_lint.analysis.model_kept import kept_model
from fastapi_lint.analysis.module_collisions import distinct_modules, separate_roots
from fastapi_lint.analysis.roots import module_aliases
from fastapi_lint.analysis.scope import scopes
from fastapi_lint.analysis.scope_edges import CallEdges
from fastapi_lint.analysis.scope_cutoff import held, held_calls, held_paths, hold_witnesses, placing_holds
from fastapi_lint.analysis.scope_growth import Growth, grown
from fastapi_lint.analysis.scope_kept import kept
from fastapi_lint.analysis.scope_written import stand_apart, unknown_again
from fastapi_lint.analysis.inheritance import Changes, bodies_read, stale_functions, subclasses_unread
from fastapi_lint.analysis.scope_places import Scopes

_V = TypeVar("_V")


@dataclass(frozen=True)
class Context:
    """The facts a rule reads: the linked project, its FastAPI model, the catalog, the
    versions of libraries the project is pinned to (read only if a rule asks), and the modules
    its deployment files start (read when the scope is placed)."""

    project: Project
    model: FastAPIModel
    catalog: Catalog
    pins: Pins = field(default_factory=Pins.none)
    deployments: Deployments = field(default_factory=Deployments.none)
    _views: dict[Callable[[Context], object], object] = field(default_factory=dict, init=False, repr=False, compare=False)

    # the context of the project this one's inherits from, what changed since, and which
    # functions' calls may reach otherwise (``inherit_from``); dropped once the scope is placed
    _inherited: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False)
    # the display paths whose findings a check asks for, while its rules run (``reporting_on``)
    _reported: list[frozenset[str]] = field(default_factory=list, init=False, repr=False, compare=False)
    # ``calls_per_request`` in some files, by those files (``calls_per_request_reported``)
    _calls_in: dict[frozenset[str], list[RequestCall]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def inherit_from(self, previous: Context, changes: Changes, model_kept: bool = False) -> None:
        """The call graph and the scope's edges, when built, take what of ``previous``'s holds
        after ``changes`` (``inheritance.py``): its project is the one this one's inherits from.
        ``model_kept``: the FastAPI model is ``previous``'s (``model_kept.py``), and so is what is
        read from it alone."""
        self._inherited.update(previous=previous, changes=changes, model_kept=model_kept)

    def end_inheritance(self) -> None:
        """What was not built by now is built afresh if asked for: the context before (and its
        project) is no longer held, nor a chain of them in a long-lived session."""
        self._inherited.clear()

    @cached_property
    def callgraph(self) -> CallGraph:
        roles = self.model.roles.items()
        graph = CallGraph(self.project, self.catalog, frozenset(path for path, found in roles if found & REQUEST_ROLES),
                          frozenset(path for path, found in roles if found & STARTUP_ROLES))
        previous, changes = self._inherited.get("previous"), self._inherited.get("changes")
        if isinstance(previous, Context) and isinstance(changes, Changes) and "callgraph" in vars(previous):
            bodies = bodies_read(previous.project, self.project, changes)
            stale = stale_functions(previous.callgraph._calls, bodies)
            graph.inherit(previous.callgraph, changes, stale, bodies)
            self._inherited.update(stale=stale, bodies=bodies, blocking_bodies=bodies)
        return graph

    @cached_property
    def rare_roots(self) -> RareRoots:
        """The roots of admin routes, and of those requested now and then (``admin_routes.py``):
        read from the model alone, so the last context's when the model was kept."""
        previous = self._held_from("model_kept", "rare_roots")
        return previous.rare_roots if previous is not None else rare_roots(self.model)

    @cached_property
    def request_paths(self) -> Paths:
        """What runs per request and at startup: the last context's walks when its placing held
        (``scope_cutoff.py``: they follow the same calls and guards)."""
        tests = self.scopes.tests
        previous = self._held_from("placing_held", "request_paths")
        if previous is not None:
            return held_paths(previous.request_paths, self.callgraph, self.model.roles)
        grown = self._grown_from("request_paths")
        found = grown_paths(grown[0].request_paths, self.callgraph, self.model.roles, grown[1].added, grown[1].known) \
            if grown is not None else None
        if found is not None:
            return found
        if grown is not None:  # a function requests ran is an earlier root's now: walked again
            self._inherited["roots_moved"] = True
        return paths(self.project, self.model, self.callgraph, self.rare_roots.admin, tests)

    @cached_property
    def calls_per_request(self) -> list[RequestCall]:
        found = self.request_paths
        previous, changes = self._held_from("placing_held", "calls_per_request"), self._inherited.get("changes")
        if previous is not None and isinstance(changes, Changes):
            return held_calls(previous.calls_per_request, self.project, found, changes.modules)
        grown = self._grown_from("calls_per_request")
        if grown is not None and not self._inherited.get("roots_moved"):  # (the reach's modules found again)
            return held_calls(grown[0].calls_per_request, self.project, found, grown[1].modules)
        return calls_per_request(self.project, found)

    def calls_per_request_reported(self) -> list[RequestCall]:
        """``calls_per_request`` in the files whose findings are asked for (``reporting_on``), in
        its order: what a rule that reports a call where it is made reads. Found for those files
        alone when the whole list is not built (a one-file check of a long-lived process)."""
        if not self._reported:
            return self.calls_per_request
        paths = self._reported[0]
        if "calls_per_request" in vars(self):
            return [call for call in self.calls_per_request if call.located.module.path in paths]
        found = self._calls_in.get(paths)
        if found is None:
            found = self._calls_in[paths] = calls_per_request(self.project, self.request_paths, paths)
        return found

    @cached_property
    def recovering(self) -> frozenset[str]:
        """The functions requests reach only through ``except`` handlers (``request_path.recovering``)."""
        found = self.request_paths
        previous = self._held_from("placing_held", "recovering")
        if previous is not None:
            return previous.recovering
        grown = self._grown_from("recovering")
        if grown is not None and not grown[1].in_handlers and "request_paths" in vars(grown[0]):
            return grown_recovering(grown[0].request_paths, grown[0].recovering, found, grown[1].added)
        return recovering(found)

    @cached_property
    def once_per_connection(self) -> frozenset[str]:
        """The functions websocket routes run once per connection (``per_connection.py``)."""
        return once_per_connection(self.model, self.callgraph)

    @cached_property
    def blocking_calls(self) -> list[BlockingCall]:
        """Catalog calls made directly on the event loop."""
        return [call for calls in self.blocking_by_function.values() for call in calls]

    @cached_property
    def blocking_by_function(self) -> dict[tuple[str, str], tuple[BlockingCall, ...]]:
        """``blocking_calls`` by the async function they are in (``event_loop.blocking_calls``)."""
        graph = self.callgraph
        bodies = self._inherited.pop("blocking_bodies", None)
        previous, changes = self._inherited.get("previous"), self._inherited.get("changes")
        kept = None
        if (isinstance(previous, Context) and isinstance(changes, Changes) and isinstance(bodies, frozenset)
                and "blocking_by_function" in vars(previous)):
            self.scopes  # placed first: when the placing held, so do the answers of the guards
            held = self._held_from("placing_held", "blocking_by_function") is not None
            growth = self._inherited.get("placing_grown")
            if isinstance(growth, Growth):  # and but in the reach's modules when it grew
                changes, held = replace(changes, modules=growth.modules), True
            kept = kept_blocking_calls(previous.blocking_by_function, self.project, changes, bodies, guards_alike=held)
        return blocking_calls(self.project, graph, kept)

    @cached_property
    def loop_threads(self) -> LoopThreads:
        return loop_threads(self.model, self.callgraph, self.request_paths)

    @cached_property
    def once_per_process(self) -> frozenset[str]:
        found = self.request_paths
        previous = self._held_from("placing_held", "once_per_process")
        if previous is not None:
            return previous.once_per_process
        return once_per_process(self.model, self.callgraph, found, self.once_by_module)

    @cached_property
    def once_by_module(self) -> dict[str, frozenset[str]]:
        """``lifetimes.once_by_module``: the last context's when the placing held, and but for
        the changed modules and the reach's when it grew (their guards answer as they did)."""
        self.scopes  # placed first: held or grown
        previous = self._held_from("placing_held", "once_by_module")
        if previous is not None:
            return previous.once_by_module
        grown = self._grown_from("once_by_module")
        return once_by_module(self.callgraph, *((grown[0].once_by_module, grown[1].modules) if grown is not None else ()))

    @cached_property
    def run_while_starting(self) -> frozenset[str]:
        once = self.once_per_process
        previous = self._held_from("placing_held", "run_while_starting")
        if previous is not None:
            return previous.run_while_starting
        grown = self._grown_from("run_while_starting")
        if grown is not None and grown[0].once_per_process == once:  # (built before its run_while_starting)
            # what runs while starting is what it was, and what the callees written run when a
            # caller of theirs runs then (the calls written are the only ones more)
            last = grown[0].run_while_starting
            starts = [callee for caller, _, callee in grown[1].added if caller in last]
            return last | run_from(self.callgraph, starts) if starts else last
        return run_while_starting(self.callgraph, once)

    @cached_property
    def threadpool_use(self) -> ThreadpoolUse:
        return threadpool_use(self.project, self.model, self.callgraph)

    @cached_property
    def serving_modules(self) -> set[str] | None:
        """``capacity.serving_modules``: read from the model and the modules' imports, so the last
        context's when the model was kept and no changed module imports otherwise."""
        previous, changes = self._held_from("model_kept", "serving_modules"), self._inherited.get("changes")
        if previous is not None and isinstance(changes, Changes) and same_imports(previous.project, self.project, changes.modules):
            return previous.serving_modules
        return serving_modules(self.project, self.model)

    def _held_from(self, what: str, view: str) -> Context | None:
        """The context this one inherits from, when ``what`` held as it was there and it has
        ``view`` (a cached property) built: "model_kept", the FastAPI model (``model_kept.py``), for
        a view read from the model alone; "placing_held", the placing (``scope_cutoff.py``), for a
        view read from the walks' calls and guards alone."""
        previous = self._inherited.get("previous")
        if self._inherited.get(what) and isinstance(previous, Context) and view in vars(previous):
            return previous
        return None

    def _grown_from(self, view: str) -> tuple[Context, Growth] | None:
        """The context this one inherits from, with ``view`` built, and what the placing grew by
        since (``scope_growth.py``), when it grew."""
        previous, growth = self._held_from("placing_grown", view), self._inherited.get("placing_grown")
        return (previous, growth) if previous is not None and isinstance(growth, Growth) else None

    @cached_property
    def served_modules(self) -> set[str] | None:
        """``serving_modules`` without the routes the scope finds no app serving (``Scopes.unserved``)."""
        unserved = self.scopes.unserved
        return serving_modules(self.project, self.model, unserved) if unserved else self.serving_modules

    @cached_property
    def scopes(self) -> Scopes:
        """Where each function may run (``analysis/scope.py``): the last context's answer when the
        edit wrote or took away only calls the placing reads nothing of (``scope_cutoff.py``), and
        functions apart from its walks (``scope_written.py``: ``UNKNOWN`` found again), that
        answer grown when it wrote calls of the project's functions (``scope_growth.py``), else
        placed again, with what still holds of the last placing (``scope_kept.py``)."""
        graph = self.callgraph
        previous, changes = self._inherited.get("previous"), self._inherited.get("changes")
        stale, bodies = self._inherited.pop("stale", None), self._inherited.pop("bodies", None)
        found = None
        if (isinstance(previous, Context) and isinstance(changes, Changes) and isinstance(stale, set)
                and isinstance(bodies, frozenset) and "scopes" in vars(previous)):
            apart = changes.calls_apart
            if (apart is not None and not bodies and self._inherited.get("model_kept")
                    and self.deployments.same_as(previous.deployments)):
                before = (previous.project, previous.callgraph)
                if placing_holds(apart, before, (self.project, graph)) and (not apart.whole or stand_apart(
                        apart.whole, previous.scopes, (previous.project, previous.model, previous.callgraph),
                        (self.project, self.model, graph))):
                    self._inherited["placing_held"] = True
                    hold_witnesses(graph, previous.callgraph, changes.modules)
                    found_held = held(previous.scopes, self.project, changes, stale)
                    # a function written or taken away whole, apart from the walks (``scope_written.py``)
                    return (unknown_again(found_held, apart.whole, previous.project, (self.project, self.model, graph))
                            if apart.whole else found_held)
                grew = None if apart.whole else grown(previous.scopes, apart, before, self.project, self.model, graph,
                                                      changes, stale)
                if grew is not None:  # the edit wrote calls of the project's functions (``scope_growth.py``)
                    self._inherited["placing_grown"] = grew[1]
                    hold_witnesses(graph, previous.callgraph, grew[1].modules)
                    return grew[0]
            found = kept(previous.scopes, changes, stale, bodies, CallEdges(previous.project, previous.model, previous.callgraph),
                         CallEdges(self.project, self.model, graph))
        return scopes(self.project, self.model, graph, self.rare_roots, self.deployments, found)

    @contextmanager
    def reporting_on(self, paths: frozenset[str] | None) -> Iterator[None]:
        """While the rules run: only the findings in ``paths`` (display paths; None: every file)
        are asked for (a one-file run of a long-lived process, ``api/warm.py``). A rule that
        finds what it reports file by file may skip the others' (``reports_on``); the findings
        it gives in ``paths`` are those of a check of every file."""
        self._reported[:] = [] if paths is None else [paths]
        try:
            yield
        finally:
            self._reported.clear()

    def reports_on(self, path: str) -> bool:
        """Whether the findings in the file at display ``path`` are asked for (``reporting_on``)."""
        return not self._reported or path in self._reported[0]

    def release(self) -> None:
        """Drop the views built on these facts (built again if asked for). A view refers back to
        the context, a cycle only the collector would free: a long-lived session drops a context
        after every change, and releases it so that it is freed at once."""
        self._views.clear()
        self._calls_in.clear()

    def view(self, build: Callable[[Context], _V]) -> _V:
        """``build(self)``, built once per context: a view another part keeps on these facts
        (the fixes' placing of findings)."""
        found = self._views.get(build)
        if found is None:
            found = self._views[build] = build(self)
        return cast(_V, found)


def project_context(
    summaries: list[ModuleSummary],
    catalog: Catalog,
    paths: dict[str, Path] | None = None,
    src: tuple[Path, ...] = (),
    aliases: Mapping[str, tuple[str, ...]] | None = None,
    inherit: tuple[Context, frozenset[str], Changes] | None = None,
) -> Context:
    """The linked project and its FastAPI model: what every rule reads.

    ``catalog``: the blocking calls, with the configuration's additions. ``paths``: each
    module's file (by displayed path), where its project's pins are looked for; without it,
    the displayed path itself (relative to the working folder). ``src``: the configured import
    roots (``analysis/roots.py``). ``aliases``: what ``module_aliases`` gives for these
    summaries, files and roots, when the caller kept it from an earlier link (else computed).
    ``inherit``: the context of a project linked before, whose answers hold for this one
    (``Project.inherit``), the display paths of the modules whose facts are the same objects in
    both, and what changed in the others: the call graph and the placing inherit too
    (``Context.inherit_from``), unless the classes' hierarchy changed.
    """
    given = paths or {}
    files = {summary.path: given.get(summary.path) or Path(summary.path) for summary in summaries}  # no Path made per module
    if aliases is None:
        aliases = module_aliases(summaries, files, src)
    summaries, aliases = separate_roots(summaries, aliases)
    linked = distinct_modules(summaries, aliases)
    # Imports choose between modules of one name (``module_collisions.py``): the same choice, or no answer holds.
    if inherit is not None and [(s.path, s.module) for s in linked] != [(s.path, s.module) for s in inherit[0].project.summaries]:
        inherit = None
    project = Project(linked, aliases, inherit[0].project if inherit is not None else None)
    if inherit is not None and not project.inherit(inherit[0].project, inherit[1], partial(
            subclasses_unread, inherit[0].project, vars(inherit[0]).get("callgraph"), project)):
        inherit = None
    if catalog.installed is not None:  # the project's own packages are read from the project, never its environment
        catalog.installed.own_modules = frozenset(name.partition(".")[0] for name in project.modules)
    model = kept_model(inherit[0].project, inherit[0].model, project, inherit[2]) if inherit is not None else None
    context = Context(project, model or fastapi_model.build(project), catalog, Pins(files), Deployments(files))
    if inherit is not None:
        context.inherit_from(inherit[0], inherit[2], model_kept=model is not None)
    return context
