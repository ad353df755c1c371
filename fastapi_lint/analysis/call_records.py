"""What the call graph records of one function's calls, and of a callee as written
(``callgraph.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from fastapi_lint.analysis.catalog.blocking import Entry
from fastapi_lint.analysis.facts import CallSite, Ref


@dataclass
class Calls:
    """What one function's calls reach (see ``CallGraph``)."""

    edges: list[tuple[CallSite, str]]
    direct: list[tuple[CallSite, str, Entry]]
    runs: list[tuple[CallSite, str]]
    unknown: int
    unresolved: int


NO_CALLS = Calls([], [], [], 0, 0)


class Callee(NamedTuple):
    """What a callee, as written, is: the same for every call written that way (``CallGraph._callee``)."""

    ref: Ref  # what it resolves to
    targets: list[str]  # the project functions it may run
    offload: bool  # hands a callable to a thread or a task (``to_thread``, ``add_task``)
    entry: Entry | None  # its catalog entry, when it blocks
    harmless: bool  # a builtin or the like: not an unknown effect
    # what else it may be, when it is a name bound several ways (``Project.resolve_all``)
    others: tuple[Callee, ...] = ()
