"""When a placing grows from the last one: an edit that writes a call of one of the project's own
functions (``stop_profiler()`` in a helper a route runs, imported in the body or already named
there) moves that function, and what it runs, into every walk its caller is in; nothing else
moves while what the rest of the placing reads stays as it was.

The walks (``scope.py``) are closed over the edges they follow: an edge added out of a function a
walk reached adds what its target reaches, and nothing else (``Scopes.walks`` keeps what each
walk reached, ``told_apart`` the places made of them). That holds while no other answer the walks
and the placing read moves with the edit. Those read the project beyond the edges in a few ways,
each kept here by a condition on what the edit brings in (the target and what it runs, the
``reach``): which functions requests run and who calls them (a guard's once, a branch every
caller rules out, a constant handed down: ``guards.py``, ``untaken.py``, ``opt_in.py``), the
classes built where (a long-lived instance), the places a function fills, the roots and the
background tasks scheduled, the modules imported in the served functions and by name (the
closure, the routers and apps left out). So the reach must be plain module-level functions of
the project, outside the tests, that no request ran before (``guards.run_by_requests``) nor the
request walk reached; none a root, a route's setup or a task's scheduler; none building a class of
the project, importing in its body a module of the project the closure lacks, or any by name;
every edge out of them a plain call (a walk collects no new root); the module names they fill
read as before (no switch tests one where requests ran, or it is filled while serving as it
was: ``opt_in.filled_while_serving``), and none guarded in a caller written or its callers (a
guard whose place a function two calls down fills holds). Each call written runs the one
function, as a plain call (not behind a guard: that edge runs once), from a caller that makes no
loop of its own; each module imported in a body is in the app's closure already, imported by
another module too, and in what the deployment loads if the edited module is. A call written in
place of another alike but for its name (``scope_cutoff.renamed_alike``) is no change. A call
taken away may strand what only it reached: that placing is made again (``scope_kept.py``); so
is one of a blind app, or of a project without one.

Then the walks that reached the caller take the reach (as far as each walk's own kinds of edges and
skips go), the places are told apart again, and ``UNKNOWN``, which asks what no walk placed,
is found again. Every other edge is the last placing's but those of the changed modules and of
the reach, found again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from fastapi_lint.analysis.app_model import FastAPIModel
from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.facts import CallSite
from fastapi_lint.analysis.guards import callers, run_by_requests
from fastapi_lint.analysis.opt_in import filled_while_serving, switched_names
from fastapi_lint.analysis.inheritance import Apart, Changes
from fastapi_lint.analysis.project import Located, Project
from fastapi_lint.analysis.scope import Placer
from fastapi_lint.analysis.scope_cutoff import RUNS_CODE, module_level, reads_nothing, renamed_alike, runs_one
from fastapi_lint.analysis.scope_places import Scopes


@dataclass(frozen=True)
class Growth:
    """What a placing grew by: the calls written ((caller, line, callee)), the functions their
    callees reach, and the modules whose answers are found again (the changed ones, and those of
    the reach: its functions' guards now have another caller)."""

    added: tuple[tuple[str, int, str], ...]
    reach: frozenset[str]
    modules: frozenset[str]
    in_handlers: bool = False  # whether one of the calls written is in an ``except`` handler


def grown(previous: Scopes, apart: Apart, before: tuple[Project, CallGraph], project: Project, model: FastAPIModel,
          graph: CallGraph, changes: Changes, stale: Collection[str]) -> tuple[Scopes, Growth] | None:
    """``previous`` (the placing of ``before``'s project) grown by the calls ``apart`` wrote
    (``Changes.calls_apart``), for ``project``, whose FastAPI model and deployment files are the
    last's, with what it grew by; None when the edit reaches further (the module's documentation)."""
    if not previous.has_app or previous.blind_at or "request" not in previous.walks:
        return None
    own = {name.partition(".")[0] for name in project.modules}
    written = {id(site) for _, site in apart.added}
    if not all(reads_nothing(site, *pair, own) for site in apart.calls if id(site) not in written
               for pair in (before, (project, graph))):
        return None  # a call of the project's taken away
    added: list[tuple[str, int, str]] = []  # (caller, line, callee)
    in_handlers = False
    for caller, site in apart.added:
        if not all(reads_nothing(site, *pair, own) for pair in (before, (project, graph))):
            callee = _called(site, project, graph, before[0])
            if callee is None:
                return None
            added.append((caller, site.span.line, callee))
            in_handlers = in_handlers or site.in_handler
    if (not added or not _imports_kept(apart.imports, previous, before[0], changes, own)
            or not all(renamed_alike(caller, was, now, before, (project, graph), own) for caller, was, now in apart.renamed)):
        return None
    placer = Placer(project, model, graph)
    if not all(_plain_call(placer, caller, line, callee) for caller, line, callee in added):
        return None
    reach = _reach(placer, [callee for _, _, callee in added], previous, before[1])
    if reach is None or not _guards_unfilled(placer, [caller for caller, _, _ in added], reach):
        return None
    # what held of the last placing's edges: all but those of the changed modules and of the reach
    placer.known_edges({path: edges for path, edges in previous.edges.items()  # type: ignore[misc]
                        if path not in stale and path not in reach and (located := project.function(path)) is not None
                        and located.module.path not in changes.modules})
    placer.known_handed_roots({key: roots for key, roots in previous.handed.items() if key[0] not in changes.modules})
    modules = {located.module.path for path in reach if (located := project.function(path)) is not None}
    return placer.grow(previous, added, reach), Growth(tuple(added), frozenset(reach), frozenset(modules | changes.modules),
                                                       in_handlers)


def _called(site: CallSite, project: Project, graph: CallGraph, before: Project) -> str | None:
    """The module-level function of the project (and of the last) that the call runs, and only it."""
    path = runs_one(site, project, graph)
    return path if path is not None and before.function(path) is not None else None


def _plain_call(placer: Placer, caller: str, line: int, callee: str) -> bool:
    """Whether the caller's edges on ``line`` to ``callee`` are plain calls (not once, behind a
    guard; not a task or another loop's), and the caller makes no loop of its own."""
    kinds = {edge.kind for edge in placer.edges(caller) if edge.target == callee and edge.line == line}
    return kinds == {"run"} and not placer.makes_its_own_loop(caller)


def _reach(placer: Placer, starts: Iterable[str], previous: Scopes, before: CallGraph) -> set[str] | None:
    """What the callees written run (their edges, found afresh, and their calls), when each is a
    function nothing it reads moves for (the module's documentation); else None. A module's name
    one of them fills (``global _profiler``) is filled while serving as it was (``opt_in.py``)."""
    requested = run_by_requests(before)
    if requested is None:
        return None
    project, model = placer.project, placer.model
    scheduling = {path for schedulers in model.scheduled_by.values() for path in schedulers}
    setups = {route.handler.function.parent_path for route in model.routes}
    reach: set[str] = set()
    pending = list(starts)
    while pending:
        path = pending.pop()
        if path in reach:
            continue
        reach.add(path)
        located = project.function(path)
        if (located is None or not module_level(located) or path in requested or path in previous.request
                or located.module.path in previous.tests or path in model.roles or path in scheduling
                or path in setups or _builds_or_imports(placer, located, previous.closure)
                or not all(_fill_read_alike(placer, before, located, place, previous.request) for place in located.function.fills)):
            return None
        edges = placer.edges(path)
        if any(edge.kind != "run" for edge in edges):
            return None
        pending += (edge.target for edge in edges)
        pending += (callee for _, callee in placer.graph.runs(path))
    return reach


def _fill_read_alike(placer: Placer, before: CallGraph, located: Located, place: str, request: set[str]) -> bool:
    """Whether the placing reads the module name ``place`` that the function fills as it did:
    it is filled while serving as it was (``opt_in.filled_while_serving``: requests now run the
    function), or only gates of functions no request ran test it (the walk that skips lines
    nothing a server runs sets never took their lines)."""
    if "." in place:
        return False
    testers = switched_names(placer.project).get(f"{located.module.module}.{place}", set())
    if not testers or ("" not in testers and testers.isdisjoint(request)):
        return True
    return filled_while_serving(before, located.module, place) == filled_while_serving(placer.graph, located.module, place)


def _guards_unfilled(placer: Placer, callers_written: Iterable[str], reach: set[str]) -> bool:
    """Whether no guard of a caller written, nor of a function calling one, guards a place that
    the reach fills: a guard holds when what its lines run fills its place, two calls down
    (``guards._filled_below``), which the calls written may now do."""
    project = placer.project
    filled = {place for path in reach if (located := project.function(path)) is not None for place in located.function.fills}
    if not filled:
        return True
    found = callers(placer.graph)
    holders = {*callers_written, *(caller for path in callers_written for _, caller in found.get(path, ()))}
    return not any(guard.place in filled for path in holders if (located := project.function(path)) is not None
                   for guard in located.function.guards)


def _builds_or_imports(placer: Placer, located: Located, closure: set[str]) -> bool:
    """Whether the function builds an object of a class of the project, imports in its body a
    module of the project the app's closure does not hold, or one by name (``importlib``)."""
    project, path = placer.project, located.function.path
    if any(site.func is not None and project.resolve(site.func).path in project.classes for site in located.function.calls):
        return True
    if any(where == path and name in project.modules and name not in closure for where, name in located.module.imports):
        return True
    return placer.imports_by_name(located)


def _imports_kept(imported: Iterable[str], previous: Scopes, before: Project, changes: Changes, own: set[str]) -> bool:
    """Whether each module of the project written or taken away in a body (``Apart.imports``) is
    one the app's closure holds, another module (not a test's) imports too, and the deployment's
    modules load if they load an edited one; and each name imported from one, unless a function,
    imported by another module too (which modules, and routers, no module imports: ``scope_closure.py``)."""
    if any(name.partition(".")[0] in RUNS_CODE for name in imported):
        return False  # (as ``scope_cutoff.placing_holds``: a library that runs code)
    names = [name for name in imported if name.partition(".")[0] in own]
    if not names:
        return True
    edited = {summary.module for summary in before.summaries if summary.path in changes.modules}
    loads = previous.deployed_loads
    for name in names:
        if name in before.modules and (name not in previous.closure or (edited & loads and name not in loads)):
            return False
    unseen = {name for name in names if name not in before.functions}  # (a function is no module, nor a router)
    if not unseen:
        return True
    for summary in before.summaries:
        if summary.path not in previous.tests and summary.path not in changes.modules:
            unseen.difference_update(module for _, module in summary.imports)
            if not unseen:
                return True
    return False
