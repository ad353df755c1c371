"""Calls in a lambda handed to a project helper that runs its parameter on a worker thread.

A service often wraps the offload once and passes its blocking work as a lambda::

    async def run_sync(op):
        return await asyncio.to_thread(op)

    rows = await run_sync(lambda: db.table("jobs").select("*").execute())

The lambda's calls run where ``run_sync`` runs ``op``: on a worker thread, as if the lambda had
been handed to ``asyncio.to_thread`` itself. A helper counts when it hands the parameter to an
offload call (or on to another such helper) and never calls it itself; a retry loop around the
offload is still one. Phase 1 records, for each call in a lambda, the callee the lambda is passed
to and as which argument (``CallSite.lambda_host``).
"""

from __future__ import annotations

from fastapi_lint.analysis.call_arguments import positional_parameters
from fastapi_lint.analysis.catalog.offload import is_offload
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, Ref, RefKind
from fastapi_lint.analysis.project import Project, per_project

# How many helpers a parameter is followed through (``run_sync`` handing it to ``retry``).
MAX_HOPS = 3


def runs_off_loop(project: Project, site: CallSite) -> bool:
    """Whether ``site`` runs on a worker thread: in a lambda handed to an offload call, directly
    or through a project helper that offloads its parameter."""
    if site.offloaded:
        return True
    host = site.lambda_host
    if host is None:
        return False
    answers = _answers(project)
    found = answers.get(host)
    if found is None:
        found = answers[host] = _offloads(project, host[0], host[1], MAX_HOPS)
    return found


@per_project
def _answers(project: Project) -> dict[tuple[Ref, str], bool]:
    return {}


def _offloads(project: Project, func: Ref, key: str, hops: int) -> bool:
    """Whether every function ``func`` may name hands its argument ``key`` (a position or a
    keyword) to a worker thread."""
    refs = project.resolve_all(func)
    functions = [project.function(ref.path) for ref in refs if ref.kind is not RefKind.INSTANCE]
    if hops == 0 or not functions or any(located is None for located in functions):
        return False
    return all(offloads_parameter(project, located.function, key, hops) for located in functions if located)


def offloads_parameter(project: Project, function: FunctionFacts, key: str, hops: int) -> bool:
    """Whether ``function`` hands its parameter ``key`` (a position or a name) to a worker thread,
    followed ``hops`` helpers deep."""
    if key.isdigit():
        names = positional_parameters(function)
        if int(key) >= len(names):
            return False
        key = names[int(key)]
    handed = False
    for site in function.calls:
        if site.text == key:
            if not site.offloaded:
                return False  # ``op()``: it runs the parameter itself, where it stands
            handed = True  # ``run_in_executor(None, lambda: op())``
            continue
        passed = [str(n) for n, value in enumerate(site.args) if value.text == key and value.ref is None]
        passed += [name for name, value in site.kwargs if value.text == key and value.ref is None]
        if not passed:
            continue
        attr = site.text.rpartition(".")[2]
        if is_offload(site.func.path if site.func else None, attr) and any(n in ("0", "1") for n in passed):
            handed = True
        elif site.func is not None and all(_offloads(project, site.func, n, hops - 1) for n in passed):
            handed = True
        else:
            return False  # handed to code that may run it on the loop
    return handed
