"""When a placing grows from the last one: an edit that writes a call of one of the project's own
functions (``stop_profiler()`` in a helper a route runs, imported in the body or already named
there) moves that function, and what it runs, into every walk its caller is in; nothing else
moves while what the rest of the placing reads stays as it was.

The walks (``scope.py``) are closed over the edges they follow: an edge added out of a function a
walk reached adds what its target reaches, and nothing else (``Scopes.walks`` keeps what each walk
reached, ``told_apart`` the places made of them). That holds while no other answer the walks and
the placing read moves with the edit. Those read the project beyond the edges in a few ways, each
kept here by a condition on what the edit brings in (the target and what it runs, the ``reach``):
which functions requests run and who calls them (a guard's once, a branch every caller rules out, a
constant handed down: ``guards.py``, ``untaken.py``, ``opt_in.py``), the classes built where (a
long-lived instance), the places a function fills, the roots and the background tasks scheduled,
the modules imported in the served functions and by name (the closure, the routers and apps left
out). So the reach must be plain module-level functions of the project, outside the tests, that no
request ran before (``guards.run_by_requests``) nor the request walk reached (but the ``known``
ones below); none a root, a route's setup or a task's scheduler; none building a class of the
project, importing in its body a module of the project the closure lacks, or any by name; every
edge out of them a plain call (a walk collects no new root); the module names they fill read as
before (no switch tests one where requests ran, or it is filled while serving as it was:
``opt_in.filled_while_serving``), and none guarded in a caller written or its callers (a guard
whose place a function two calls down fills holds).

A function of the reach that requests ran already, and the request walk reached, taking no argument
but its object (``get_settings()``, ``self.pool.drain()``: ``known``), perhaps a route or a
dependency FastAPI calls too (not a task, a nested function nor startup code: ``_SERVED_ALIKE``),
is taken as it is and its calls are not followed: what requests run does not change (what it runs
they ran), and what reads its callers reads what they pass, which it takes none of (or whether
FastAPI calls it), while its calls and what they pass are the same. What may still move is read
again: whether what it runs runs once behind a guard, as the last placing's edges say (a guard on
an object's field reads what the object's maker runs, now more: ``guards.long_lived``); and the
places what its calls fill, two calls down from a guard of a caller written. The walks that reach
it anew take what it runs; the roots they hand on (a task, a loop of its own) grow the walks those
roots start (``Placer.grow``); and a request path whose root comes before the known function's
root's reaches it first now: the paths are walked again (``request_path.grown_paths``).

Each call written runs the one function, as a plain call (not behind a guard: that edge runs once),
from a caller that makes no loop of its own; each module imported in a body is in the app's closure
already, imported by another module too, and in what the deployment loads if the edited module is.
A call written in place of another alike but for its name (``scope_cutoff.renamed_alike``) is no
change. A call taken away may strand what only it reached: that placing is made again
(``scope_kept.py``); so is one of a blind app, or of a project without one.

Then the walks that reached the caller take the reach (as far as each walk's own kinds of edges and
skips go), the places are told apart again, and ``UNKNOWN``, which asks what no walk placed, is
found again. Every other edge is the last placing's but those of the changed modules and of the
reach, found again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from fastapi_lint.analysis.app_model import REQUEST_ROLES, FastAPIModel
from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.facts import CallSite
from fastapi_lint.analysis.guards import callers, run_by_requests, run_from
from fastapi_lint.analysis.opt_in import filled_while_serving, switched_names
from fastapi_lint.analysis.inheritance import Apart, Changes
from fastapi_lint.analysis.project import Located, Project
from fastapi_lint.analysis.scope import Placer
from fastapi_lint.analysis.scope_edges import Edge
from fastapi_lint.analysis.scope_kept import guards_answer_as_before
from fastapi_lint.analysis.scope_cutoff import RUNS_CODE, module_level, reads_nothing, renamed_alike, runs_one
from fastapi_lint.analysis.scope_places import Scopes


# The roles of a function requests ran that a call written leaves as they were: not a task's nor
# a nested function's, which are request roots of their own only while no other root runs them
# (``Placer._user_roots``), nor startup's.
_SERVED_ALIKE = REQUEST_ROLES - {"background_task", "nested"}


@dataclass(frozen=True)
class Growth:
    """What a placing grew by: the calls written ((caller, line, callee)), the functions their
    callees reach, and the modules whose answers are found again (the changed ones, and those of
    the reach: its functions' guards now have another caller)."""

    added: tuple[tuple[str, int, str], ...]
    reach: frozenset[str]
    modules: frozenset[str]
    in_handlers: bool = False  # whether one of the calls written is in an ``except`` handler
    known: frozenset[str] = frozenset()  # the functions of the reach requests ran already


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
    found = _reach(placer, [callee for _, _, callee in added], previous, before[1])
    if found is None:
        return None
    reach, known = found
    if not _guards_unfilled(placer, [caller for caller, _, _ in added], reach, known) or not _known_alike(placer, previous, known, changes):
        return None
    # what held of the last placing's edges: all but those of the changed modules and of the reach
    placer.known_edges({path: edges for path, edges in previous.edges.items()  # type: ignore[misc]
                        if path not in stale and path not in reach and (located := project.function(path)) is not None
                        and located.module.path not in changes.modules})
    placer.known_handed_roots({key: roots for key, roots in previous.handed.items() if key[0] not in changes.modules})
    grew = placer.grow(previous, added)
    modules = {located.module.path for path in reach if (located := project.function(path)) is not None}
    return grew, Growth(tuple(added), frozenset(reach), frozenset(modules | changes.modules), in_handlers, frozenset(known))


def _called(site: CallSite, project: Project, graph: CallGraph, before: Project) -> str | None:
    """The module-level function of the project (and of the last) that the call runs, and only it."""
    path = runs_one(site, project, graph)
    return path if path is not None and before.function(path) is not None else None


def _plain_call(placer: Placer, caller: str, line: int, callee: str) -> bool:
    """Whether the caller's edges on ``line`` to ``callee`` are plain calls (not once, behind a
    guard; not a task or another loop's), and the caller makes no loop of its own."""
    kinds = {edge.kind for edge in placer.edges(caller) if edge.target == callee and edge.line == line}
    return kinds == {"run"} and not placer.makes_its_own_loop(caller)


def _reach(placer: Placer, starts: Iterable[str], previous: Scopes, before: CallGraph) -> tuple[set[str], set[str]] | None:
    """What the callees written run (their edges, found afresh, and their calls), when each is a
    function nothing it reads moves for (the module's documentation), with the functions of it
    requests ran already (``known``: their calls are not followed); else None. A module's name
    one of them fills (``global _profiler``) is filled while serving as it was (``opt_in.py``)."""
    requested = run_by_requests(before)
    if requested is None:
        return None
    project, model = placer.project, placer.model
    scheduling = {path for schedulers in model.scheduled_by.values() for path in schedulers}
    setups = {route.handler.function.parent_path for route in model.routes}
    reach: set[str] = set()
    known: set[str] = set()
    pending = list(starts)
    while pending:
        path = pending.pop()
        if path in reach:
            continue
        reach.add(path)
        located = project.function(path)
        if located is None or path in scheduling or path in setups:
            return None
        if (path in requested and path in previous.walks["request"] and _takes_nothing(located)
                and model.role_of(path) <= _SERVED_ALIKE):
            known.add(path)  # requests ran it, and what it runs, as they did
            continue
        if (path in model.roles or not module_level(located) or path in requested or path in previous.request
                or located.module.path in previous.tests or _builds_or_imports(placer, located, previous.closure - previous.loaded_by_name)
                or not all(_fill_read_alike(placer, before, located, place, previous.request) for place in located.function.fills)):
            return None
        edges = placer.edges(path)
        if any(edge.kind != "run" for edge in edges):
            return None
        pending += (edge.target for edge in edges)
        pending += (callee for _, callee in placer.graph.runs(path))
    return reach, known


def _takes_nothing(located: Located) -> bool:
    """Whether the function takes no argument (but its object): what reads its callers reads what
    they pass (a branch they rule out, a constant or an object handed down, a guard on a
    parameter: ``untaken.py``, ``guards.py``), so another caller moves nothing of it. Not a
    constructor: its callers make the objects whose fields are kept (``kept_fields.py``)."""
    function = located.function
    if function.name in ("__init__", "__new__"):
        return False
    return not function.params or (function.class_path is not None and len(function.params) == 1
                                   and function.params[0].name in ("self", "cls"))


def _known_alike(placer: Placer, previous: Scopes, known: Collection[str], changes: Changes) -> bool:
    """Whether what the functions requests ran already (``known``) run, followed as far as it
    goes, runs as the last placing's edges say: a guard on an object's field reads who makes the
    object and what the maker runs (``guards.long_lived``), which now includes what they run. The
    edges of the changed modules (whose lines moved) by their targets and kinds; the others' by
    each guarded call (``scope_kept.guards_answer_as_before``)."""
    if not known:
        return True
    project, graph = placer.project, placer.graph
    for path in run_from(graph, known):
        located = project.function(path)
        last = previous.edges.get(path)
        if located is None or last is None:
            if path in known:
                return False
            continue  # no walk took it
        edges = [edge for edge in last if isinstance(edge, Edge)]
        if path in known or located.module.path in changes.modules:
            if Counter((edge.target, edge.kind) for edge in edges) != Counter(
                    (edge.target, edge.kind) for edge in placer.edges(path)):
                return False
        elif located.function.guards and not guards_answer_as_before(graph, located, edges):
            return False
    return True


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


def _guards_unfilled(placer: Placer, callers_written: Iterable[str], reach: set[str], known: set[str]) -> bool:
    """Whether no guard of a caller written, nor of a function calling one, guards a place that
    the reach or what its known functions call fills: a guard holds when what its lines run fills
    its place, two calls down (``guards._filled_below``), which the calls written may now do."""
    project = placer.project
    filling = reach | {callee for path in known for _, callee in placer.graph.runs(path)}
    filled = {place for path in filling if (located := project.function(path)) is not None for place in located.function.fills}
    if not filled:
        return True
    found = callers(placer.graph)
    holders = {*callers_written, *(caller for path in callers_written for _, caller in found.get(path, ()))}
    return not any(guard.place in filled for path in holders if (located := project.function(path)) is not None
                   for guard in located.function.guards)


def _builds_or_imports(placer: Placer, located: Located, closure: set[str]) -> bool:
    """Whether the function builds an object of a class of the project, imports in its body a
    module of the project the app's closure does not hold as an import (``closure``), or one by
    name (``importlib``)."""
    project, path = placer.project, located.function.path
    if any(site.func is not None and project.resolve(site.func).path in project.classes for site in located.function.calls):
        return True
    if any(where == path and name in project.modules and name not in closure for where, name in located.module.imports):
        return True
    return placer.imports_by_name(located)


def _imports_kept(imported: Iterable[str], previous: Scopes, before: Project, changes: Changes, own: set[str]) -> bool:
    """Whether each module of the project written or taken away in a body (``Apart.imports``) is
    one the app's closure holds as an import (not only as a module named at run time, whose
    imports the closure did not follow: ``Scopes.loaded_by_name``), another module (not a test's)
    imports too, and the deployment's modules load if they load an edited one; and each name
    imported from one, unless a function, imported by another module too (which modules, and
    routers, no module imports: ``scope_closure.py``)."""
    if any(name.partition(".")[0] in RUNS_CODE for name in imported):
        return False  # (as ``scope_cutoff.placing_holds``: a library that runs code)
    names = [name for name in imported if name.partition(".")[0] in own]
    if not names:
        return True
    edited = {summary.module for summary in before.summaries if summary.path in changes.modules}
    loads = previous.deployed_loads
    for name in names:
        if name in before.modules and (name not in previous.closure or name in previous.loaded_by_name
                                       or (edited & loads and name not in loads)):
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
