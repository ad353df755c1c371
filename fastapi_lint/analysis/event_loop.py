"""Calls that block inside ``async def`` bodies: the facts behind FAS101, FAS103 and FAS104.

Not counted: a call behind a cache guard, which runs once per entry (``guards.py``), and
the acquisition of a lock made just before, which cannot wait (``uncontended.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi_lint.analysis.callgraph import callgraph
from fastapi_lint.analysis.catalog import Catalog
from fastapi_lint.analysis.catalog.blocking import Entry
from fastapi_lint.analysis.facts import CallSite, Ref, RefKind
from fastapi_lint.analysis.fastapi_model import FastAPIModel
from fastapi_lint.analysis.guards import once_is_too_many, runs_once
from fastapi_lint.analysis.project import Located, Project


@dataclass(frozen=True)
class BlockingCall:
    located: Located
    site: CallSite
    ref: Ref
    entry: Entry

    @property
    def on_resource(self) -> bool:
        """A method of a sync client/session/cursor object (FAS103) rather than a plain call."""
        return self.entry.resource and self.ref.kind is RefKind.MEMBER


def blocking_calls(project: Project, catalog: Catalog) -> list[BlockingCall]:
    """Catalog calls made directly on the event loop: in an async body, not awaited, not offloaded."""
    cached = project.derived.get("blocking_calls")
    if cached is not None:
        return cached  # type: ignore[return-value]
    graph = callgraph(project, catalog)
    found: list[BlockingCall] = []
    for located in project.all_functions():
        if not located.function.is_async:
            continue
        for site in located.function.calls:
            if site.awaited or site.offloaded or site.func is None or site.uncontended:
                continue
            ref = project.resolve(site.func)
            entry = catalog.match(ref.path)
            # Behind a cache guard (``if _config is None: _config = json.load(...)``): once per
            # entry, not on every call (a model load aside: once already holds the loop).
            if entry is not None and not once_is_too_many(ref.path) and runs_once(graph, located, site, refreshed=False):
                continue
            if entry is not None:
                found.append(BlockingCall(located, site, ref, entry))
    project.derived["blocking_calls"] = found
    return found


def advice(located: Located, model: FastAPIModel, instead: str) -> str:
    """The fix advice. A route that awaits nothing is better as a plain ``def``:
    FastAPI then runs it in its threadpool."""
    roles = model.role_of(located.function.path)
    # Routes only: a dependency made sync under an async route costs a threadpool hop (FAS106).
    if not located.function.awaits and "route" in roles:
        return f"Make `{located.function.name}` a plain `def` (it awaits nothing), or use {instead}"
    return f"Use {instead}"
