"""Functions that run once per process: what they build lasts for the process.

A database engine built at import, in the lifespan, in an app factory, in a memoized
getter or behind a lazy-initialisation guard is the pool every request shares. One built
in a helper that any caller may run (an Alembic head check, a backup exporter, a
connection to a database a user names) lives as long as that call.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.app_model import APP_TYPES, STARTUP_ROLES, FastAPIModel
from fastapi_lint.analysis.facts import Ref
from fastapi_lint.analysis.guards import run_from, runs_once
from fastapi_lint.analysis.request_path import Paths


def once_per_process(model: FastAPIModel, graph: CallGraph, found: Paths,
                     shares: Mapping[str, frozenset[str]] | None = None) -> frozenset[str]:
    """Functions that run once: called at module level (directly, or through a lazy-init guard
    anywhere, on ``self.x`` only in a class whose instances live long), lifespan and startup
    handlers, memoized functions, and app factories (functions that build a FastAPI or Starlette
    app). ``shares``: ``once_by_module``'s, if found already."""
    once: set[str] = set(found.cached)
    once.update(path for path, roles in model.roles.items() if roles & STARTUP_ROLES)
    for share in (once_by_module(graph) if shares is None else shares).values():
        once |= share
    return frozenset(once)


def once_by_module(graph: CallGraph, held: Mapping[str, frozenset[str]] | None = None,
                   changed: Collection[str] = ()) -> dict[str, frozenset[str]]:
    """What each module's code runs once, by its display path (none kept for a module that runs
    nothing so): what its module-level calls run, its functions that build an app, and what its
    calls behind a lazy-init guard that holds run. ``held``: a last project's, kept but for the
    ``changed`` modules, when the placing held or grew (``scope_cutoff.py``, ``scope_growth.py``:
    the other modules' guards answer as they did, their calls run what they did)."""
    project = graph.project
    found: dict[str, set[str]] = {}

    def afresh(module: str) -> bool:
        return held is None or module in changed

    def add(module: str, ref: Ref) -> None:
        targets = graph.targets(project.resolve(ref))
        if targets:
            found.setdefault(module, set()).update(targets)

    for summary in project.summaries:
        if afresh(summary.path):
            for site in summary.module_calls:
                if site.func is not None:
                    add(summary.path, site.func)
    for located, _ in project.function_calls_to(APP_TYPES):
        if afresh(located.module.path):
            found.setdefault(located.module.path, set()).add(located.function.path)
    for located in project.all_functions():
        if not afresh(located.module.path):
            continue
        for site in located.function.calls:
            # A guard on ``self.x`` runs once per instance: once per process only when the
            # instances live long (a connector built per use builds its engine per use).
            if site.once and site.func is not None and runs_once(graph, located, site):
                add(located.module.path, site.func)
    kept = {path: share for path, share in held.items() if path not in changed} if held is not None else {}
    return {**kept, **{path: frozenset(share) for path, share in found.items()}}


def run_while_starting(graph: CallGraph, once: frozenset[str]) -> frozenset[str]:
    """Everything the functions that run once run, to any depth: what a process does while it
    starts (and what a memoized or lazily built object does when first built). A helper here may
    still build something only for its own call: what it hands back or keeps on its object lasts."""
    return run_from(graph, once)
