"""What every fixer shares: the target a finding points at, the edit a fixer returns, the base class.

A fixer answers two questions, at two costs. ``propose`` reads only the phase-1
facts (cheap, no libcst) and says which fix applies and how safe it is: that is
what ``fix_for`` hands to the engine for ``Diagnostic.fix``. ``edit`` runs only on
files that have something to fix, on the libcst tree, and either returns the
edit or the reason it declines (the code does not have the expected shape).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Union

from fastapi_lint.diagnostics import Applicability, Diagnostic, Fix

if TYPE_CHECKING:
    import libcst as cst

    from fastapi_lint.analysis.facts import CallSite
    from fastapi_lint.analysis.project import Located
    from fastapi_lint.fixes.facts import Facts
    from fastapi_lint.fixes.tree import Tree


@dataclass(frozen=True)
class Target:
    """Where the facts place a finding: its function, and the call it points at when it is one."""

    diagnostic: Diagnostic
    located: Located | None
    site: CallSite | None = None
    callee: str | None = None  # the resolved path of the call's target: ``time.sleep``


@dataclass(frozen=True)
class Import:
    """An import a fix needs: ``import module`` (name None) or ``from module import name``."""

    module: str
    name: str | None = None


@dataclass(frozen=True)
class Edit:
    """A change to one node of the original tree.

    ``change`` receives the node as already rewritten by edits of its children, so
    edits nest (a blocking call in the arguments of another). Edits with the same
    ``key`` are one edit: several findings in one function share its ``drop async``.
    """

    key: tuple[str, int]
    node: cst.CSTNode
    change: Callable[[cst.CSTNode], cst.CSTNode]
    imports: tuple[Import, ...] = ()


Outcome = Union["Edit", str]  # an edit, or why the fixer declines


class Fixer:
    """One kind of fix. Subclasses are listed, in priority order, in ``fixes/registry.py``."""

    kind: ClassVar[str]
    codes: ClassVar[frozenset[str]]
    applicability: ClassVar[Applicability]

    def propose(self, target: Target, facts: Facts) -> Fix | None:
        raise NotImplementedError

    def edit(self, target: Target, tree: Tree) -> Outcome:
        raise NotImplementedError

    def fix(self, title: str) -> Fix:
        return Fix(title, self.applicability)
