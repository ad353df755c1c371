"""FAS901: a ``# noqa`` directive loses the fastapi-lint codes that silence nothing (safe).

The finding carries what to remove (``DirectiveFix``): which codes silence nothing is
known from the whole run's findings, not from the file's facts. The comment is rewritten
on the libcst tree, so the line's code and its other comments stay as they are; a comment
with nothing left goes with the spaces before it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi_lint.analysis.noqa_directives import NOQA_AUDIT, DirectiveFix, rewrite
from fastapi_lint.diagnostics import Applicability, Fix
from fastapi_lint.fixes.base import Edit, Outcome, Target
from fastapi_lint.fixes.fixer import Fixer
from fastapi_lint.fixes.placing import Facts

if TYPE_CHECKING:
    from fastapi_lint.fixes.tree import Tree


class RemoveUnusedNoqa(Fixer):
    kind = "remove-unused-noqa"
    codes = frozenset({NOQA_AUDIT})
    applicability = Applicability.SAFE

    def propose(self, target: Target, facts: Facts) -> Fix | None:
        fix = target.diagnostic.fix
        return fix if isinstance(fix, DirectiveFix) else None

    def edit(self, target: Target, tree: Tree) -> Outcome:
        import libcst as cst

        fix = target.diagnostic.fix
        if not isinstance(fix, DirectiveFix):
            return "the finding does not say what to remove"
        line = target.diagnostic.span.line
        comment = tree.comment_at(line)
        if comment is None:
            return "no comment on the line"
        new = rewrite(comment.value, fix.keep)
        if new == comment.value:
            return "the directive has nothing to remove"
        if new is not None:
            value = new

            def change(node: cst.CSTNode) -> cst.CSTNode:
                assert isinstance(node, cst.Comment)
                return node.with_changes(value=value)

            return Edit((self.kind, line), comment, change)
        holder = tree.parent(comment)
        if isinstance(holder, cst.TrailingWhitespace):

            def drop_trailing(node: cst.CSTNode) -> cst.CSTNode:
                assert isinstance(node, cst.TrailingWhitespace)
                return node.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)

            return Edit((self.kind, line), holder, drop_trailing)
        if isinstance(holder, cst.EmptyLine):

            def drop_line(node: cst.CSTNode) -> cst.CSTNode:
                assert isinstance(node, cst.EmptyLine)
                return node.with_changes(indent=False, whitespace=cst.SimpleWhitespace(""), comment=None)

            return Edit((self.kind, line), holder, drop_line)
        return "the comment is not where a directive can be removed"
