"""The base class of every fixer.

A fixer answers two questions, at two costs. ``propose`` reads only the phase-1
facts (cheap, no libcst) and says which fix applies and how safe it is: that is
what ``fix_for`` hands to the engine for ``Diagnostic.fix``. ``edit`` runs only on
files that have something to fix, on the libcst tree, and either returns the
edit or the reason it declines (the code does not have the expected shape).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from fastapi_lint.diagnostics import Applicability, Fix

if TYPE_CHECKING:
    from fastapi_lint.fixes.base import Outcome, Target
    from fastapi_lint.fixes.placing import Facts
    from fastapi_lint.fixes.tree import Tree


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
