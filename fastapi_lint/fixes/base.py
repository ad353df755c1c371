"""What every fixer shares: the target a finding points at, and the edit a fixer returns (the
base class, which reads the facts and the tree, is ``fixer.Fixer``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from fastapi_lint.diagnostics import Diagnostic

if TYPE_CHECKING:
    import libcst as cst

    from fastapi_lint.analysis.facts import CallSite
    from fastapi_lint.analysis.project import Located


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
