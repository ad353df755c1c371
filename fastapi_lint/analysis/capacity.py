"""The threadpool FastAPI runs sync code in, and what competes for it."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.fastapi_model import FastAPIModel
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
    cached = project.derived.get("threadpool_use")
    if cached is not None:
        return cached  # type: ignore[return-value]
    use = ThreadpoolUse()
    for route in model.routes:
        handler = route.handler
        if not handler.function.is_async and handler not in use.sync_routes:
            use.sync_routes.append(handler)
            if graph.witness(handler.function.path) is not None:
                use.blocking_routes.append(handler)
    for path, roles in sorted(model.roles.items()):
        located = project.function(path)
        if "dependency" in roles and located is not None and not located.function.is_async:
            use.sync_dependencies.append(located)
            if graph.witness(path) is not None:
                use.blocking_dependencies.append(located)
    use.limiter_configured = any(
        site.func is not None and project.resolve(site.func).path == LIMITER
        for summary in project.summaries
        for site in [*summary.module_calls, *(s for f in summary.functions for s in f.calls)]
    )
    project.derived["threadpool_use"] = use
    return use
