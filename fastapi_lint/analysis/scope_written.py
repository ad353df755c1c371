"""When a placing holds but for ``UNKNOWN``: a module-level function written whole (a helper typed
in, a stash that brings one) or taken away whole, that nothing calls and that runs nothing of
the project, moves no walk.

The walks (``scope.py``) go from the app's roots along the edges out of what they reached. Such a
function is no root: no decorator registers it (a route, a task, a command), the FastAPI model
and the deployment files are the last placing's, and no module-level call runs it (the rest of
its module is the same: ``Changes.calls_apart``). No edge reaches it: no answer of name
resolution went through its name (``inheritance.names_unread``), and no function a walk reached
calls or looks up (``getattr(module, name)``) a name it is written with. And what the walks read
of the project beside their edges, it gives nothing to: it has no edge of its own (no call of a
function or a class of the project, no function handed on), imports no module of the project in its body, calls
no library that runs other code (a loop, a thread, a module by name) and no ``getattr``, and
fills no lasting place, guards, throttles or gates nothing (who calls whom, who fills what, which
lines run once or now and then: ``guards.py``, ``untaken.py``, ``opt_in.py``).

So every walk reaches what it reached; what may move is ``UNKNOWN``, which asks what no walk
placed: the function may be a coroutine some unseen caller runs, or named like a call that
resolves to nothing, and its name one meaning more of such a call's. That is found again
(``unknown_again``), unless no such question reads the function (``_unknown_alike``: a sync or
private function no unresolved call is named like, that names nothing of the project). Not in
an app whose handlers the analysis cannot name (``Scopes.blind_at``): there what no walk placed
reads the rest of the project's calls too.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi_lint.analysis.app_model import FastAPIModel
from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.looked_up import IMPORTERS, looked_up_names
from fastapi_lint.analysis.named_values import argument_refs, refs
from fastapi_lint.analysis.project import Located, Project
from fastapi_lint.analysis.scope import Placer
from fastapi_lint.analysis.scope_cutoff import library_call, module_level
from fastapi_lint.analysis.scope_edges import Edge
from fastapi_lint.analysis.scope_places import Scopes

# Calls that return or set what a name means at run time: a written function's may reach anything.
_BY_NAME = IMPORTERS | {"builtins.getattr", "getattr", "builtins.setattr", "setattr", "builtins.globals", "globals",
                        "builtins.eval", "eval", "builtins.exec", "exec"}


def stand_apart(whole: Iterable[str], previous: Scopes, before: tuple[Project, FastAPIModel, CallGraph],
                after: tuple[Project, FastAPIModel, CallGraph]) -> bool:
    """Whether each function of ``whole`` (``Apart.whole``: written in ``after``'s project, or
    taken away from ``before``'s) stands apart from the walks of ``previous``, the placing of
    ``before``'s project (the module's documentation)."""
    if previous.blind_at or not previous.has_app:
        return False
    for path in whole:
        for project, model, graph in (after, before):
            located = project.function(path)
            if located is not None and not _apart(located, project, model, graph):
                return False
        name = path.rpartition(".")[2]
        if not _unnamed(name, previous, before[0]) or not _unnamed(name, previous, after[0]):
            return False
    return True


def unknown_again(held: Scopes, whole: Iterable[str], before: Project,
                  after: tuple[Project, FastAPIModel, CallGraph]) -> Scopes:
    """``held`` (a placing held as it was, ``scope_cutoff.held``, of ``before``'s project) with
    ``UNKNOWN`` found again for ``after``'s, where it may move with the functions ``whole``: the
    walks reach what they reached, and their edges are known (``stand_apart``)."""
    project, model, graph = after
    if all(_unknown_alike(located, held, found) for path in whole for found in (before, project)
           if (located := found.function(path)) is not None):
        return held
    placer = Placer(project, model, graph)
    placer.known_edges({path: [edge for edge in edges if isinstance(edge, Edge)] for path, edges in held.edges.items()})
    placer.known_handed_roots(dict(held.handed))
    held.unknown = placer._unknown(held)
    held.edges, held.handed = placer.found_edges(), placer.found_handed_roots()
    return held


def _apart(located: Located, project: Project, model: FastAPIModel, graph: CallGraph) -> bool:
    """Whether the function gives the walks nothing to read: the module's documentation."""
    function = located.function
    path = function.path
    own = {name.partition(".")[0] for name in project.modules}
    if (not module_level(located) or function.name.startswith("__") or function.decorators or function.fills
            or function.guards or function.throttled or function.gates or function.switch is not None or path in model.roles
            or any(where == path and name.partition(".")[0] in own for where, name in located.module.imports)
            or any(other.parent_path == path for other in located.module.functions)):
        return False
    if not all(site.text not in _BY_NAME and library_call(site, project, graph, own, _BY_NAME) is not None
               for site in function.calls):
        return False
    return not graph.runs(path) and not Placer(project, model, graph).edges(path)


def _unknown_alike(located: Located, held: Scopes, project: Project) -> bool:
    """Whether ``UNKNOWN`` is the same with the function and without it, in ``project`` (which has
    it): it is not ``UNKNOWN``, nor one a name asks (``Scopes.unknown_reads``: no call that
    resolves to nothing is written with its name); no root of it, being sync or private (a
    coroutine a caller to come may run is public; a table, a registry or another server that
    holds it names it, which no answer did: ``inheritance.names_unread``); what it names is no
    function or class of the project's (``named_values``), and no call of it is written with the
    name of one (a function a call named like it may run is called: ``_called``)."""
    function = located.function
    asked = held.unknown_reads.get("names")
    if (asked is None or function.name in asked or function.path in held.unknown
            or (function.is_async and not function.name.startswith("_"))):
        return False
    own = {name.partition(".")[0] for name in project.modules}
    named = [*(found for param in function.params for found in refs(param.default)),
             *(found for returned in function.returned for found in refs(returned)),
             *(read.ref for read in function.reads), *(found for site in function.calls for found in argument_refs(site))]
    if any(ref.path.partition(".")[0] in own or project.resolve(ref).path.partition(".")[0] in own for ref in named):
        return False
    written = {site.text.rpartition(".")[2] for site in function.calls}
    return not any(path.rpartition(".")[2] in written for path in project.functions)


def _unnamed(name: str, previous: Scopes, project: Project) -> bool:
    """Whether no function whose edges ``previous``'s walks followed (``Scopes.edges``) calls, or
    looks up on a module, a name ``name`` ends, in ``project``."""
    edges = previous.edges
    return not any(function is not None and function.path in edges
                   and (site.text.rpartition(".")[2] == name or name in looked_up_names(project, site))
                   for _, function, site in project.calls_named([name, "getattr"]))
