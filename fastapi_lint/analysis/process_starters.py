"""Functions that start a process to run what they are handed: another program, with no part in
serving requests.

``Process(target=import_candles, args=(...,)).start()`` runs ``import_candles`` in a child
process; so does a project's own process manager, ``process_manager.add_task(import_candles,
...)``, whose ``add_task`` starts a ``Process`` with the function it is handed, and a job store
whose ``submit_job(job_fn=...)`` hands it to a Dask cluster (``client.submit(job_fn)``). The name
``add_task`` is Starlette's background tasks' too, which run in the server's threadpool: the
project's own function decides (``callgraph``, ``fastapi_model``, ``scope_edges``).
"""

from __future__ import annotations

from fastapi_lint.analysis.call_arguments import positional_parameters
from fastapi_lint.analysis.facts import FunctionFacts
from fastapi_lint.analysis.project import Located, Project, per_project

PROCESS_STARTERS = frozenset({"multiprocessing.Process", "multiprocessing.context.Process",
                              "multiprocessing.context.SpawnProcess", "multiprocessing.context.ForkProcess",
                              "multiprocessing.context.ForkServerProcess"})
# Calls that run the function they are handed first in another process: a Dask worker, a process
# pool's child (``client.submit(run_evaluation, ...)``), a Ray worker (``ray.remote(Servlet)``, an actor
# whose methods run there).
SUBMITS_TO_PROCESSES = frozenset({
    "ray.remote",
    *(f"{client}.{method}" for client in ("dask.distributed.Client", "distributed.Client", "distributed.client.Client")
      for method in ("submit", "map", "run")),
    *(f"concurrent.futures.{pool}.{method}" for pool in ("ProcessPoolExecutor", "process.ProcessPoolExecutor")
      for method in ("submit", "map")),
})


def is_process(project: Project, path: str) -> bool:
    """Whether ``path`` (resolved) builds a process: ``multiprocessing.Process`` or a subclass."""
    return path in PROCESS_STARTERS or (path in project.classes and not PROCESS_STARTERS.isdisjoint(project.mro(path)))


def with_nested(located: Located, path: str) -> list[FunctionFacts]:
    """The function found at ``path`` and the functions defined directly in its body (a thread's
    target, a callback): where it may run what its caller hands it."""
    return [located.function, *(function for function in located.module.functions if function.parent_path == path)]


def starts_process_with_parameter(project: Project, path: str) -> bool:
    """Whether the project function at ``path`` starts a process whose ``target`` is one of its
    parameters, in its body or in a function nested in it."""
    memo = _memo(project)
    found = memo.get(path)
    if found is None:
        found = memo[path] = _starts(project, path)
    return found


def _starts(project: Project, path: str) -> bool:
    located = project.function(path)
    if located is None:
        return False
    params = set(positional_parameters(located.function))
    inside = with_nested(located, path)
    return any(site.func is not None and (
        ((target := site.kwarg("target")) is not None and target.text in params
         and is_process(project, project.resolve(site.func).path))
        or (bool(site.args) and site.args[0].text in params
            and project.resolve(site.func).path in SUBMITS_TO_PROCESSES))
        for function in inside for site in function.calls)


@per_project
def _memo(project: Project) -> dict[str, bool]:
    return {}
