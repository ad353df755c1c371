"""The threadpool FastAPI runs sync code in, and what competes for it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.catalog.blocking import Tier
from fastapi_lint.analysis.app_model import FastAPIModel
from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.analysis.project import Located, Project

DEFAULT_THREADS = 40  # anyio's default thread limiter, which Starlette's run_in_threadpool uses
LIMITER = "anyio.to_thread.current_default_thread_limiter"


@dataclass
class ThreadpoolUse:
    sync_routes: list[Located] = field(default_factory=list)
    sync_dependencies: list[Located] = field(default_factory=list)
    blocking_routes: list[Located] = field(default_factory=list)
    blocking_dependencies: list[Located] = field(default_factory=list)
    limiter_configured: bool = False


def threadpool_use(project: Project, model: FastAPIModel, graph: CallGraph) -> ThreadpoolUse:
    use = ThreadpoolUse()
    for route in model.routes:
        handler = route.handler
        if not handler.function.is_async and handler not in use.sync_routes:
            use.sync_routes.append(handler)
            if _holds_a_thread(graph, handler.function.path):
                use.blocking_routes.append(handler)
    for path, roles in sorted(model.roles.items()):
        located = project.function(path)
        if "dependency" in roles and located is not None and not located.function.is_async:
            use.sync_dependencies.append(located)
            if _holds_a_thread(graph, path):
                use.blocking_dependencies.append(located)
    use.limiter_configured = bool(project.calls_to([LIMITER]))
    return use


def _holds_a_thread(graph: CallGraph, path: str) -> bool:
    """Whether the sync function waits long enough to count against the threadpool: metadata
    calls alone (``exists``, ``mkdir``) give the thread back in microseconds."""
    witness = graph.witness(path)
    return witness is not None and witness.tier > Tier.METADATA


def serving_modules(project: Project, model: FastAPIModel, left_out: Collection[str] = ()) -> set[str] | None:
    """Modules the application imports, directly or not, starting from where its routes live
    (but for the routes whose handlers are ``left_out``: a router no app includes).

    A migration script (Alembic's ``env.py``) or a command-line tool builds engines that never
    serve a request. None when the project has no routes to start from (then nothing is ruled out).
    """
    if not model.routes:
        return None
    starts = {route.handler.module.module for route in model.routes if route.handler.function.path not in left_out}
    imports: dict[str, set[str]] = {}
    for summary in project.summaries:
        targets = imports.setdefault(summary.module, set())
        for path in _imported(summary):
            module = _project_module(project, path)
            if module is not None:
                targets.add(module)
    seen: set[str] = set()
    pending = sorted(starts)
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        pending.extend(imports.get(module, ()))
        # A package's __init__ runs when any module below it is imported.
        parent = module.rpartition(".")[0]
        while parent:
            if parent in project.modules:
                pending.append(project.modules[parent].module)
            parent = parent.rpartition(".")[0]
    return seen


def same_imports(before: Project, after: Project, modules: Collection[str]) -> bool:
    """Whether the modules at the display paths ``modules`` bind the same paths in both projects
    (what ``serving_modules`` reads of them)."""
    old = {summary.path: _imported(summary) for summary in before.summaries if summary.path in modules}
    new = {summary.path: _imported(summary) for summary in after.summaries if summary.path in modules}
    return old == new


def _imported(summary: ModuleSummary) -> list[str]:
    """The dotted paths a module's names are bound to (its imports, and names bound to others)."""
    return [binding.value.ref.path for binding in summary.bindings
            if binding.value.kind == "ref" and binding.value.ref is not None]


def _project_module(project: Project, path: str) -> str | None:
    """The project module a dotted import path lives in (``app.db.engine`` -> ``app.db``)."""
    while path:
        if path in project.modules:
            return project.modules[path].module
        path = path.rpartition(".")[0]
    return None
