"""A chain of calls that proves a sync function blocks (``CallGraph.witness``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from fastapi_lint.analysis.catalog.blocking import Entry, Tier
from fastapi_lint.analysis.facts import CallSite
from fastapi_lint.analysis.project import Located, Project


@dataclass(frozen=True)
class Step:
    """One call in a chain: ``site`` in ``caller`` reaches ``callee`` (a project function or a catalog call)."""

    caller: Located
    site: CallSite
    callee: str  # a project function path, or the catalog path at the end of the chain


@dataclass(frozen=True)
class Witness:
    """Why a sync function blocks: the chain of calls down to a catalog entry."""

    steps: tuple[Step, ...]
    entry: Entry
    # A step sits in a branch that runs only when a setting is away from its default
    # (``opt_in.py``): shown with ``--scope all``, and outranked by any chain that is not.
    opt_in: bool = False

    @property
    def blocking_call(self) -> str:
        return self.steps[-1].callee

    @property
    def tier(self) -> Tier:
        return self.entry.tier

    @property
    def recovering(self) -> bool:
        """A step sits in an ``except`` handler: the chain runs when something failed (a rollback
        after a clash), weaker evidence than one every call runs."""
        return any(step.site.in_handler for step in self.steps)

    def outranks(self, other: Witness | None) -> bool:
        """Costlier, or as costly and outside error handling, or as those and shorter: the chain a
        finding should name."""
        return other is None or (not self.opt_in, self.entry.tier, not self.recovering, -len(self.steps)) > (
            not other.opt_in, other.entry.tier, not other.recovering, -len(other.steps))


def fits(project: Project, site: CallSite, callee: str, receiver: str | None) -> bool:
    """Whether ``self`` of a method of ``receiver`` can be an instance of the class whose method
    ``callee`` is, as ``site`` (``self.run()``) calls it: not when that is a sibling class's."""
    if receiver is None or not _on_self(site):
        return True
    owner = _owner(project, callee)
    return owner is None or owner in project.mro(receiver) or receiver in project.mro(owner)


def context_of(project: Project, site: CallSite, callee: str, receiver: str | None) -> str | None:
    """``receiver`` when ``site`` (``self.setup()`` in a method of it) runs a base class's
    method: there ``self`` is still an instance of ``receiver``; else None."""
    if receiver is None or not _on_self(site):
        return None
    owner = _owner(project, callee)
    return receiver if owner is not None and owner != receiver and owner in project.mro(receiver) else None


def _on_self(site: CallSite) -> bool:
    """``self.run()``: a method of the object itself (not ``self.config.get()``, another's)."""
    return site.text.startswith("self.") and site.text.count(".") == 1


def _owner(project: Project, callee: str) -> str | None:
    located = project.function(callee)
    return located.function.class_path if located is not None else None


class Followed(Protocol):
    """What ``fully_known`` reads of a call graph (``callgraph.CallGraph``)."""

    def unknown_calls(self, path: str) -> int: ...

    def direct(self, path: str) -> Sequence[object]: ...

    def edges(self, path: str) -> Sequence[tuple[CallSite, str]]: ...


def fully_known(graph: Followed, path: str) -> bool:
    """Whether everything ``path`` runs, to any depth, is known and does not block: no catalog
    call, no call the analysis could not resolve."""
    seen: set[str] = set()
    pending = [path]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        if graph.unknown_calls(current) or graph.direct(current):
            return False
        pending.extend(callee for _, callee in graph.edges(current))
    return True
