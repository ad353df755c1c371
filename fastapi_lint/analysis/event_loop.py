"""Calls that block inside ``async def`` bodies: the facts behind FAS101, FAS103, FAS104 and FAS108.

Not counted: a call behind a cache guard, which runs once per entry (``guards.py``), and
the acquisition of a lock made just before, which cannot wait (``uncontended.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.inheritance import Changes
from fastapi_lint.analysis.made_entries import as_made
from fastapi_lint.analysis.witness import Witness, context_of, fits
from fastapi_lint.analysis.catalog.at_once import cannot_wait, flushes_nothing
from fastapi_lint.analysis.catalog.blocking import Entry, Tier, reads_an_opened_handle
from fastapi_lint.analysis.facts import CallSite, Ref, RefKind
from fastapi_lint.analysis.app_model import FastAPIModel
from fastapi_lint.analysis.guards import guards_may_hold, once_is_too_many, runs_once
from fastapi_lint.analysis.injected import given_an_async_object
from fastapi_lint.analysis.names import written_path
from fastapi_lint.analysis.offload_params import runs_off_loop
from fastapi_lint.analysis.project import Located, Project
from fastapi_lint.diagnostics import Hop


@dataclass(frozen=True)
class BlockingCall:
    located: Located
    site: CallSite
    ref: Ref
    entry: Entry
    # behind a cache guard, run once per process: a model load, which holds the loop even once
    first_only: bool = False

    @property
    def metadata_only(self) -> bool:
        """A file-system metadata call: FAS108's (off by default), not the default rules'."""
        return self.entry.tier == Tier.METADATA

    @property
    def on_resource(self) -> bool:
        """A method of a sync client/session/cursor object (FAS103) rather than a plain call."""
        return self.entry.resource and self.ref.kind is RefKind.MEMBER


def blocking_calls(project: Project, graph: CallGraph,
                   kept: Mapping[tuple[str, str], tuple[BlockingCall, ...]] | None = None,
                   ) -> dict[tuple[str, str], tuple[BlockingCall, ...]]:
    """Catalog calls made directly on the event loop: in an async body, not awaited, not offloaded
    (``Context.blocking_calls`` finds them once per run), by the async function they are in (its
    module's display path and its path), in the project's order. ``kept``: those of functions
    already known (``kept_blocking_calls``)."""
    found: dict[tuple[str, str], tuple[BlockingCall, ...]] = {}
    for located in project.all_functions():
        if located.function.is_async:
            key = (located.module.path, located.function.path)
            share = kept.get(key) if kept else None
            found[key] = share if share is not None else tuple(_blocking_in(project, graph, located))
    return found


def kept_blocking_calls(previous: Mapping[tuple[str, str], tuple[BlockingCall, ...]], project: Project,
                        changes: Changes, bodies: frozenset[str], guards_alike: bool = False,
                        ) -> dict[tuple[str, str], tuple[BlockingCall, ...]]:
    """What of ``previous`` (a project's ``blocking_calls``) holds for ``project``, which inherits
    its answers (``Project.inherit``) after ``changes``, when the changed bodies read the same to
    their callers (no ``bodies``: whether a callee hands what it is given to a thread is read):
    those of the functions of the modules that did not change, behind no guard that may hold
    (whether one holds reads who else calls the function, makes its objects, fills its place),
    unless ``guards_alike``: each guard answers as before (the placing held: ``scope_cutoff.py``)."""
    if bodies:
        return {}
    kept: dict[tuple[str, str], tuple[BlockingCall, ...]] = {}
    for key, share in previous.items():
        located = project.function(key[1]) if key[0] not in changes.modules else None
        if (located is not None and located.module.path == key[0] and (guards_alike or (
                not guards_may_hold(located.function) and not any(site.once for site in located.function.calls)))):
            kept[key] = share
    return kept


def _blocking_in(project: Project, graph: CallGraph, located: Located) -> Iterator[BlockingCall]:
    catalog = graph.catalog
    for site in located.function.calls:
        if site.awaited or site.func is None or site.uncontended or runs_off_loop(project, site):
            continue
        ref = project.resolve(site.func)
        entry = catalog.match(ref.path)
        if entry is None and site.iterated and (lazy := catalog.match_iterated(ref.path)) is not None:
            entry, ref = lazy, ref._replace(path=lazy.pattern)  # named by the lazy call whose result is iterated
        if entry is None:
            # A name bound several ways blocks when one of its bindings does; the finding names it.
            for other in project.callees(site):
                entry = catalog.match(other.path)
                if entry is not None:
                    ref = other
                    break
        entry = entry and catalog.as_called(ref.path, site, entry)  # a package's wait its arguments let run
        # Behind a cache guard (``if _config is None: _config = json.load(...)``): once per
        # entry, not on every call (a model load aside: once already holds the loop).
        if entry is not None and (cannot_wait(site, ref.path) or reads_an_opened_handle(site, ref.path, project.resolve)
                                  or flushes_nothing(site, ref.path, located.function.calls)):
            continue
        # ``db: Session = Depends(async_db)``: typed by its annotation, given an ``AsyncSession``
        if entry is not None and entry.resource and given_an_async_object(project, located.function, ref):
            continue
        once = entry is not None and runs_once(graph, located, site, refreshed=entry.tier is not Tier.WAIT)
        if once and not once_is_too_many(ref.path):
            continue
        if entry is not None:
            yield BlockingCall(located, site, ref, as_made(project, located, site, entry), first_only=once)


def cost_of(entry: Entry) -> str:
    """What a finding's ``Diagnostic.cost`` says the loop waits on: "wait", "file" or "metadata"."""
    return entry.tier.name.lower()


def waiting(entry: Entry) -> str:
    """The kind of wait, as a message names it (``", waiting on the network"``), or nothing
    for a user's ``extend-blocking-calls`` entry, whose kind is not known."""
    return f", {entry.waits}" if entry.waits else ""


def advice(located: Located, model: FastAPIModel, instead: str) -> str:
    """The fix advice. A route that awaits nothing is better as a plain ``def``:
    FastAPI then runs it in its threadpool."""
    roles = model.role_of(located.function.path)
    # Routes only: a dependency made sync under an async route costs a threadpool hop (FAS106).
    if not located.function.awaits and "route" in roles:
        return f"Make `{located.function.name}` a plain `def` (it awaits nothing), or use {instead}"
    return f"Use {instead}"


def chain_names(graph: CallGraph, caller: Located, site: CallSite, witness: Witness) -> list[str]:
    """The functions a helper chain from ``site`` in ``caller`` passes through, then the blocking
    call it ends at. A call that may run several functions (an interface's implementations, a
    name bound two ways) names the one that blocks, and says how many it may run."""
    project = graph.project
    calls = [(caller, site), *((step.caller, step.site) for step in witness.steps[:-1])]
    names: list[str] = []
    receiver = caller.function.class_path  # the class ``self`` is, while the chain keeps to ``self`` calls
    for step, (at, call) in zip(witness.steps, calls):
        names.append(_short(project, step.caller.function.path) + _one_of(graph, at, call, receiver))
        receiver = context_of(project, call, step.caller.function.path, receiver)
    return [*names, witness.blocking_call]


def _one_of(graph: CallGraph, caller: Located, site: CallSite, receiver: str | None) -> str:
    choices = sum(1 for other, callee in graph.edges(caller.function.path)
                  if other == site and fits(graph.project, site, callee, receiver))
    if choices <= 1:
        return ""
    return f" (or {choices - 1} other{'s' if choices > 2 else ''})"


def _short(project: Project, path: str) -> str:
    """``app.services.geo.lookup`` -> ``geo.lookup``; ``app.services.geo.Geo.fetch`` -> ``Geo.fetch``."""
    located = project.function(path)
    if located is None:
        return written_path(path)
    module = located.module.module
    inside = written_path(path[len(module) + 1 :]) if path.startswith(module + ".") else located.function.name
    if located.function.class_path is not None:
        return inside
    return f"{module.rpartition('.')[2]}.{inside}"


def chain_hops(witness: Witness) -> Iterator[Hop]:
    """Where each call below the reported one is written, down to the blocking call."""
    for step in witness.steps:
        yield Hop(step.caller.module.path, step.site.span.line, step.site.span.col, step.site.text)
