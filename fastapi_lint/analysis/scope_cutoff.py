"""When a placing holds as it was: the editor's commonest edit, a call into a library that waits
written in a function's body (``time.sleep(1)``, ``requests.get("https://...")``) or taken away,
changes what the function blocks on, and nothing of where any function runs.

The walks (``scope.py``) follow the edges between the project's functions and read, besides,
the names a body calls, the values its calls hand on, the classes they make, where its lines
sit against its guards and branches, the modules it loads by name. A call that runs no
function of the project, passes literals alone and is one the blocking catalog knows (a
library's wait, not a runner, a thread or a process, an import by name) gives none of them
anything to read: when such calls are all that tells the changed modules apart, positions moved
in order aside (``Changes.calls_apart``, which the session finds), and the FastAPI model and the
deployment files are the last placing's, that placing's sets are the answer. Its edges hold too,
but for the changed modules' (their lines moved), which the next placing finds again. So do the
other walks over the same calls and guards: the request and startup paths (``held_paths``),
the calls made per request (``held_calls``), what requests reach only when recovering, what
runs once per process and what that runs (``Context``'s views), the blocking calls of guarded
functions, and which functions block through calls the edit cannot reach (``hold_witnesses``).
A call written in place of one alike but for the name it calls by (``_blocker_2()`` for
``_blocker_1()``, an edit undone and made again) that runs what that one ran, from the same side
of each of its function's branches, gates, throttles and guards, tells nothing apart either
(``renamed_alike``). An edit that writes calls of the project's own functions may still grow the
placing (``scope_growth.py``).
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Collection, Mapping

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, Ref
from fastapi_lint.analysis.inheritance import Apart, Changes
from fastapi_lint.analysis.looked_up import IMPORTERS
from fastapi_lint.analysis.project import Located, Project
from fastapi_lint.analysis.request_path import Paths, RequestCall, calls_per_request
from fastapi_lint.analysis.scope_places import Scopes

# Libraries whose calls start or run other code (loops, threads, processes, servers, tasks of a
# queue, modules by name): a call into them is never taken as one that changes no placing.
RUNS_CODE = frozenset({"asyncio", "anyio", "trio", "uvloop", "threading", "multiprocessing", "concurrent", "subprocess",
                        "importlib", "runpy", "uvicorn", "gunicorn", "hypercorn", "ray", "celery", "dramatiq", "rq",
                        "temporalio", "asgiref", "starlette", "fastapi"})


def placing_holds(apart: Apart, before: tuple[Project, CallGraph], after: tuple[Project, CallGraph]) -> bool:
    """Whether each call of ``apart`` (``Changes.calls_apart``) is, in both projects, one the
    placing reads nothing of (the module's documentation), and each module imported a library's."""
    own = {name.partition(".")[0] for name in after[0].modules}
    if any(module.partition(".")[0] in own or module.partition(".")[0] in RUNS_CODE for module in apart.imports):
        return False
    return all(reads_nothing(site, project, graph, own) for site in apart.calls for project, graph in (before, after)) and all(
        renamed_alike(caller, was, now, before, after, own) for caller, was, now in apart.renamed)


def renamed_alike(caller: str, was: CallSite, now: CallSite, before: tuple[Project, CallGraph],
                  after: tuple[Project, CallGraph], own: set[str]) -> bool:
    """Whether a call written in place of another alike but for its name (``Apart.renamed``)
    runs what that one ran: a library's wait the catalog knows, or the same module-level function
    of the project, and only it, from the same side of each of its function's branches, gates,
    throttles and guards (what the walks read of where a call sits)."""
    if reads_nothing(was, *before, own) and reads_nothing(now, *after, own):
        return True
    ran = {runs_one(site, *pair) for site, pair in ((was, before), (now, after))}
    old, new = before[0].function(caller), after[0].function(caller)
    if len(ran) != 1 or None in ran or old is None or new is None:
        return False
    return _sides(old.function, was.span.line) == _sides(new.function, now.span.line)


def _sides(function: FunctionFacts, line: int) -> list[bool]:
    """Whether ``line`` is inside each range of the function's lines the walks tell apart."""
    ranges = [*((branch.first, branch.last) for branch in function.branches), *((gate.first, gate.last) for gate in function.gates),
              *function.throttled, *((guard.first, guard.last) for guard in function.guards)]
    return [first <= line <= last for first, last in ranges]


def module_level(located: Located) -> bool:
    """Whether the function is a module's own: not a method, nor nested in another function."""
    return located.function.class_path is None and located.function.parent_path is None


def runs_one(site: CallSite, project: Project, graph: CallGraph) -> str | None:
    """The module-level function of the project the call runs, when it runs that one only."""
    if site.func is None:
        return None
    resolved = project.resolve(site.func)
    located = project.function(resolved.path)
    if (located is None or located.function.path != resolved.path or not module_level(located)
            or graph.targets(resolved) != [resolved.path]):
        return None
    return resolved.path


def reads_nothing(site: CallSite, project: Project, graph: CallGraph, own: set[str]) -> bool:
    """Whether the call, in ``project``, is a library's wait the catalog knows, which runs no
    function of the project (``own``: its top-level names) and no other code."""
    resolved = library_call(site, project, graph, own)
    return resolved is not None and graph.catalog.match(resolved.path, follow=False) is not None


def library_call(site: CallSite, project: Project, graph: CallGraph, own: set[str],
                 by_name: Collection[str] = IMPORTERS) -> Ref | None:
    """What the call resolves to in ``project``, when it runs no function or class of the project
    (``own``: its top-level names), no library that runs other code (``RUNS_CODE``) and none of
    ``by_name`` (what finds code by a name at run time); else None."""
    if site.func is None or site.func.path.partition(".")[0] in own:
        return None
    resolved = project.resolve(site.func)
    path = resolved.path
    if (path.partition(".")[0] in own or path.partition(".")[0] in RUNS_CODE or path in by_name
            or path in project.functions or path in project.classes or graph.targets(resolved)):
        return None
    return resolved


def held(previous: Scopes, project: Project, changes: Changes, stale: Collection[str]) -> Scopes:
    """``previous``'s answer for ``project`` (``placing_holds``): its sets, and its edges and what
    modules hand to runners but those of the changed modules (and of ``stale``)."""
    sets = {name: set(value) for name, value in vars(previous).items() if isinstance(value, set)}
    edges = {path: found for path, found in previous.edges.items()
             if path not in stale and (located := project.function(path)) is not None
             and located.module.path not in changes.modules}
    handed = {key: roots for key, roots in previous.handed.items() if key[0] not in changes.modules}
    return dataclasses.replace(previous, **sets, edges=edges, handed=handed)  # type: ignore[arg-type]


def held_paths(previous: Paths, graph: CallGraph, roles: Mapping[str, set[str]]) -> Paths:
    """``previous`` (a context's ``request_paths``) for a project whose placing held: the walks
    follow the same calls and guards, so they reach what they reached (``Paths.carried``)."""
    return previous.carried(graph, roles)


def held_calls(previous: list[RequestCall], project: Project, found: Paths, changed: Collection[str]) -> list[RequestCall]:
    """``previous`` (a context's ``calls_per_request``) for a project whose placing and request
    paths held (``held_paths``): the calls of the modules not in ``changed`` are the same calls of
    the same functions, run by the same roots, resolved alike; those of the changed modules are
    found again. In the same order (by module first: the two parts share no module). Each call's
    function is the new project's (the same object, where its module was linked as it was)."""
    kept = [RequestCall(here, call.site, call.ref, call.first, project, found) for call in previous
            if call.located.module.path not in changed and (here := project.function(call.located.function.path)) is not None]
    return list(heapq.merge(kept, calls_per_request(project, found, changed), key=lambda call: call.located.module.path))


def hold_witnesses(graph: CallGraph, previous: CallGraph, changed: Collection[str]) -> None:
    """Give ``graph``, whose project's placing held, the witnesses ``previous`` found that still
    hold (``CallGraph.witness``): those of the functions whose calls, followed as far as they go,
    reach no function of a ``changed`` module. A witness reads the chain's functions alone, the
    calls they make, their lines and guards, and of the implementations an interface's call may
    run whether they reach anything unknown (``CallGraph.fully_known``), all along those calls;
    what else it reads (whether a line is opt-in, runs once) is the placing's, which held. So
    are the blocking calls through helpers (``CallGraph.blocking_edges``) of the functions of the
    modules not changed whose every callee's witness is held."""
    found = previous._witness
    callers: dict[str, list[str]] = {}
    seen = set(found)
    pending = list(seen)
    while pending:
        path = pending.pop()
        for _, callee in previous.edges(path):
            callers.setdefault(callee, []).append(path)
            if callee not in seen:
                seen.add(callee)
                pending.append(callee)
    project = previous.project
    tainted = {path for path in seen if (located := project.function(path)) is None or located.module.path in changed}
    pending = list(tainted)
    while pending:
        for caller in callers.get(pending.pop(), ()):
            if caller not in tainted:
                tainted.add(caller)
                pending.append(caller)
    for path, witness in found.items():
        if path not in tainted:
            graph._witness.setdefault(path, witness)
    # And the blocking calls through helpers of the functions whose every callee is such a one
    # (an async function has no witness: its callees are asked here).
    for path, edges in previous._blocking.items():
        located = project.function(path)
        if (located is not None and located.module.path not in changed
                and all(callee in seen and callee not in tainted for _, callee in previous.edges(path))):
            graph._blocking.setdefault(path, edges)
