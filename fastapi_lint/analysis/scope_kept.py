"""What a placing takes from the last one's (``Scopes``) after an edit of some function bodies,
as the call graph does (``inheritance.py``): the edges out of each function and what each
module's calls hand to a runner, where what they read did not change.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.guards import runs_once
from fastapi_lint.analysis.inheritance import Changes, callers_through, reaching, with_outer
from fastapi_lint.analysis.looked_up import looked_up_names
from fastapi_lint.analysis.offload_params import MAX_HOPS
from fastapi_lint.analysis.project import Located
from fastapi_lint.analysis.scope_edges import RUNNER_NAMES, CallEdges, Edge
from fastapi_lint.analysis.scope_places import Scopes


@dataclass(frozen=True)
class Kept:
    """What a placing takes as found (``CallEdges.known_edges``, ``CallEdges.known_handed_roots``)."""

    edges: dict[str, list[Edge]] = field(default_factory=dict)
    handed: dict[tuple[str, bool], tuple[str, ...]] = field(default_factory=dict)


def kept(previous: Scopes, changes: Changes, stale: Collection[str], bodies: frozenset[str],
         before: CallEdges, after: CallEdges) -> Kept:
    """What of ``previous`` (a placing's) holds for ``after``'s project, which inherits from
    ``before``'s (``Project.inherit``) after ``changes``. ``stale``: the functions whose calls the
    call graph did not keep; ``bodies``: the changed bodies their callers' calls read otherwise
    (``inheritance.bodies_read``).

    The edges: ``kept_edges``. What a module's calls hand to a runner (``asyncio.run(main())``)
    reads its own calls, name resolution, and the bodies of the functions they call, as a
    function's edges do: the shares of the modules that did not change are kept when each
    changed body answers as before (``_read_alike``)."""
    if not previous.edges or "remote" in changes.call_names:
        return Kept()
    outer = with_outer(after.project, changes.functions)
    alike = _read_alike(outer, bodies, before, after)
    handed = ({key: roots for key, roots in previous.handed.items() if key[0] not in changes.modules}
              if alike else {})
    return Kept(kept_edges(previous.edges, changes, stale, None if alike else outer, before, after), handed)


def _read_alike(outer: frozenset[str], bodies: frozenset[str], before: CallEdges, after: CallEdges) -> bool:
    """Whether what another function's edges read of each changed body (``outer``: with the
    functions they are nested in) is what it was: whether it runs its first argument on a loop of
    its own, starts a process with it or hands it to a worker thread (``bodies``), makes only
    loops of its own (its class's)."""
    project = after.project
    classes = {located.function.class_path for path in outer if (located := project.function(path)) is not None
               and located.function.class_path is not None}
    return not bodies and all(before._runs_first_argument(path) == after._runs_first_argument(path) for path in outer) and all(
        before._makes_loops_only(klass) == after._makes_loops_only(klass) for klass in classes)


def kept_edges(previous: Mapping[str, Sequence[object]], changes: Changes, stale: Collection[str],
               read_otherwise: frozenset[str] | None, before: CallEdges, after: CallEdges) -> dict[str, list[Edge]]:
    """The edges of ``previous`` (a placing's, ``Scopes.edges``) that hold for ``after``'s project,
    which inherits from ``before``'s (``Project.inherit``) after ``changes``. ``stale``: the
    functions whose calls the call graph did not keep; ``read_otherwise``: the changed functions
    (with those they are nested in) when other functions' edges read their bodies otherwise
    (``_read_alike``), else None.

    Besides a function's calls, its edges read its callees' bodies: whether one runs its first
    argument on a loop of its own (a runner, or a runner's runner), starts a process with it,
    makes only loops of its own (the class whose loop ``run_coroutine_threadsafe`` is handed), as
    the call graph reads them, and as every method named like a call on a value of no known type
    does. When each changed body answers those as before, none of it reaches another function's
    edges; else those of the functions that may read one are not kept (a runner's runners
    through the calls written with a runner's name, the ones ``_runs_first_argument`` follows).
    Nor those of a function that calls, or looks up (``getattr(module, name)``), a name a module or
    a class now defines or no longer does (``Changes.defined``): a method's may be what a call on a
    value of no known type, or on ``self`` in a base class, runs. And, behind a
    lazy-initialisation guard, who else calls the function and makes its objects: a guarded
    function's edges are kept when each call behind its guards runs once, or not, as before
    (``guards_answer_as_before``); none are when a changed function calls ``remote`` (which
    makes a class a Ray actor, whose methods run elsewhere)."""
    project = after.project
    names: set[str] = set()
    if read_otherwise is not None:
        calls = before.graph._calls
        stale = {*stale, *reaching(calls, read_otherwise, MAX_HOPS), *callers_through(calls, read_otherwise, RUNNER_NAMES)}
        names = {path.rpartition(".")[2] for path in changes.functions} | {"run_coroutine_threadsafe"}
    defined = {path.rpartition(".")[2] for path in changes.defined}
    found: dict[str, list[Edge]] = {}
    for path, edges in previous.items():
        located = project.function(path)
        if (path in stale or located is None or located.module.path in changes.modules
                or (names and any(site.text.rpartition(".")[2] in names for site in located.function.calls))
                or (defined and any(site.text.rpartition(".")[2] in defined or (
                    site.text == "getattr" and not defined.isdisjoint(looked_up_names(project, site))) for site in located.function.calls))):
            continue
        kept_here = [edge for edge in edges if isinstance(edge, Edge)]
        if located.function.guards and not guards_answer_as_before(after.graph, located, kept_here):
            continue
        found[path] = kept_here
    return found


def guards_answer_as_before(graph: CallGraph, located: Located, edges: list[Edge]) -> bool:
    """Whether each call behind one of the function's guards runs once (or not) as its edges say
    it did: whether a guard holds reads other functions (who fills its place, who calls the
    function, who makes its objects), which a change elsewhere may move."""
    function = located.function
    ranges = [(guard.first, guard.last) for guard in function.guards]
    once_at: dict[int, bool] = {}
    for site in function.calls:
        line = site.span.line
        if any(first <= line <= last for first, last in ranges):
            once = runs_once(graph, located, site)
            if once_at.setdefault(line, once) != once:
                return False  # two calls on one line that answer otherwise: not told apart by the edges
    return all((edge.kind == "once") == once_at[edge.line] for edge in edges
               if edge.kind in ("run", "once") and edge.line in once_at)


