"""What of a call graph still holds after an edit of some function bodies (``CallGraph.inherit``).

An editor's session links a project again after every edit; when the edit changed only what some
functions' bodies do (``Project.inherit``: name resolution answers as before), most functions'
calls reach what they reached. What one function's calls reach (``Calls``) is read from:

- its own facts (its call sites, the positions among them): so nothing of a module whose facts
  changed is kept, its call sites being new objects at new positions;
- name resolution and what functions are, take and return: the same after such an edit;
- the bodies of the functions it calls: whether a callee starts a process with what it is handed
  (``process_starters.py``: the callee and the functions nested in it), and whether a helper
  handed a lambda runs it on a worker thread, followed ``offload_params._MAX_HOPS`` calls deep.

So a function's calls are kept when its module did not change and it reaches no changed body
(nor a function one is nested in) within that many calls, by the last graph's edges; and a
callee as written, when it is not a changed function (or one a changed one is nested in).
"""

from __future__ import annotations

from collections.abc import Collection

from fastapi_lint.analysis.call_records import Callee, Calls
from fastapi_lint.analysis.facts import RefKind
from fastapi_lint.analysis.offload_params import MAX_HOPS
from fastapi_lint.analysis.project import Project


def kept_calls(previous: dict[str, Calls], project: Project, changed_modules: Collection[str],
               changed: Collection[str]) -> dict[str, Calls]:
    """The entries of ``previous`` (a graph's calls by function) that hold for the graph of
    ``project``, which inherits from its project: ``changed_modules`` are the display paths of
    the modules whose facts changed, ``changed`` the functions whose facts changed (positions aside)."""
    stale = _reaching(previous, with_outer(project, changed), MAX_HOPS)
    kept: dict[str, Calls] = {}
    for path, calls in previous.items():
        located = project.function(path)
        if path not in stale and located is not None and located.module.path not in changed_modules:
            kept[path] = calls
    return kept


def kept_callees(previous: dict[RefKind, dict[str, Callee]], project: Project,
                 changed: Collection[str]) -> dict[RefKind, dict[str, Callee]]:
    """The callees as written (``CallGraph._callee``) that hold: none that is, or holds, a changed body."""
    read = with_outer(project, changed)
    return {kind: {path: callee for path, callee in known.items()
                   if callee.ref.path not in read and not any(other.ref.path in read for other in callee.others)}
            for kind, known in previous.items()}


def with_outer(project: Project, changed: Collection[str]) -> frozenset[str]:
    """``changed`` and every function one of them is nested in: their bodies are read with theirs."""
    found = set(changed)
    for path in changed:
        located = project.function(path)
        parent = located.function.parent_path if located is not None else None
        while parent is not None and parent not in found:
            found.add(parent)
            outer = project.function(parent)
            parent = outer.function.parent_path if outer is not None else None
    return frozenset(found)


def _reaching(calls: dict[str, Calls], targets: frozenset[str], hops: int) -> set[str]:
    """The functions whose calls reach one of ``targets`` within ``hops`` calls (``runs``, and
    the sync ``edges``, of ``calls``), and the targets themselves."""
    callers: dict[str, set[str]] = {}
    for path, found in calls.items():
        for _, target in (*found.runs, *found.edges):
            callers.setdefault(target, set()).add(path)
    reached = set(targets)
    frontier = set(targets)
    for _ in range(hops):
        frontier = {caller for target in frontier for caller in callers.get(target, ())} - reached
        if not frontier:
            break
        reached |= frontier
    return reached
