"""Functions that run once per process: what they build lasts for the process.

A database engine built at import, in the lifespan, in an app factory, in a memoized
getter or behind a lazy-initialisation guard is the pool every request shares. One built
in a helper that any caller may run (an Alembic head check, a backup exporter, a
connection to a database a user names) lives as long as that call.
"""

from __future__ import annotations

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.app_model import APP_TYPES, STARTUP_ROLES, FastAPIModel
from fastapi_lint.analysis.guards import run_from, runs_once
from fastapi_lint.analysis.request_path import Paths


def once_per_process(model: FastAPIModel, graph: CallGraph, found: Paths) -> frozenset[str]:
    """Functions that run once: called at module level (directly, or through a lazy-init guard
    anywhere, on ``self.x`` only in a class whose instances live long), lifespan and startup handlers, memoized functions, and app factories (functions
    that build a FastAPI or Starlette app)."""
    project = graph.project
    once: set[str] = set(found.cached)
    once.update(path for path, roles in model.roles.items() if roles & STARTUP_ROLES)
    for summary in project.summaries:
        for site in summary.module_calls:
            if site.func is not None:
                once.update(graph.targets(project.resolve(site.func)))
    once.update(located.function.path for located, _ in project.function_calls_to(APP_TYPES))
    for located in project.all_functions():
        for site in located.function.calls:
            # A guard on ``self.x`` runs once per instance: once per process only when the
            # instances live long (a connector built per use builds its engine per use).
            if site.once and site.func is not None and runs_once(graph, located, site):
                once.update(graph.targets(project.resolve(site.func)))
    return frozenset(once)


def run_while_starting(graph: CallGraph, once: frozenset[str]) -> frozenset[str]:
    """Everything the functions that run once run, to any depth: what a process does while it
    starts (and what a memoized or lazily built object does when first built). A helper here may
    still build something only for its own call: what it hands back or keeps on its object lasts."""
    return run_from(graph, once)
