"""Turning the tree of the rewritten text into the one the newest Python gives for the source.

The walk is bottom up and iterative (a long chain of ``+`` must not exhaust Python's recursion):
each node whose position a note names is replaced, once its children are mended. A note left
over means the rewritten text did not read as planned: the file is not read.
"""

from __future__ import annotations

import ast

from fastapi_lint.analysis.extract.downgrade.nodes import make, span_of, starred
from fastapi_lint.analysis.extract.downgrade.patterns import MatchBuilder
from fastapi_lint.analysis.extract.downgrade.rewrite import Rewrite, Unsupported
from fastapi_lint.analysis.extract.downgrade.strings import mend_string


class Mend:
    def __init__(self, rewrite: Rewrite) -> None:
        self.rewrite = rewrite
        self.fixes = rewrite.fixes

    def module(self, tree: ast.Module) -> ast.Module:
        if self.fixes.left():
            self._walk(tree)
            if self.fixes.left():
                raise Unsupported("a rewritten construct was not found again")
        return tree

    def _walk(self, tree: ast.AST) -> None:
        # (node, whether its children are done); each child is replaced in its parent's field
        # once mended, so a parent sees its mended children.
        pending: list[tuple[ast.AST, bool]] = [(tree, False)]
        while pending:
            node, done = pending.pop()
            if not done:
                pending.append((node, True))
                pending.extend((child, False) for child in ast.iter_child_nodes(node))
                continue
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for index, item in enumerate(value):
                        if isinstance(item, ast.AST):
                            value[index] = self._mended(item)
                elif isinstance(value, ast.AST):
                    setattr(node, name, self._mended(value))

    def _mended(self, node: ast.AST) -> ast.AST:
        handler = getattr(self, f"_{type(node).__name__}", None)
        return handler(node) if handler is not None else node

    # each kind of node a note may concern

    def _Tuple(self, node: ast.Tuple) -> ast.AST:
        fix = self.fixes.strings.pop(span_of(node), None)
        return node if fix is None else mend_string(fix, list(node.elts), span_of(node))

    def _With(self, node: ast.With) -> ast.AST:
        fix = self.fixes.matches.pop((node.lineno, node.col_offset), None)
        return node if fix is None else MatchBuilder(self.rewrite, fix).build(node)

    def _Try(self, node: ast.Try) -> ast.AST:
        if (node.lineno, node.col_offset) not in self.fixes.try_stars:
            return node
        self.fixes.try_stars.discard((node.lineno, node.col_offset))
        return make("TryStar", span_of(node), body=node.body, handlers=node.handlers,  # type: ignore[no-any-return]
                    orelse=node.orelse, finalbody=node.finalbody)

    def _Assign(self, node: ast.Assign) -> ast.AST:
        fix = self.fixes.aliases.pop((node.lineno, node.col_offset), None)
        if fix is None:
            return node
        name, name_span, params = fix
        target = make("Name", name_span, id=name, ctx=ast.Store())
        return make("TypeAlias", span_of(node), name=target, type_params=params, value=node.value)  # type: ignore[no-any-return]

    def _defined(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> ast.AST:
        params = self.fixes.type_params.pop((node.lineno, node.name), None)
        if params is not None:
            node.type_params = params  # type: ignore[union-attr,unused-ignore]
        return node

    _FunctionDef = _AsyncFunctionDef = _ClassDef = _defined

    def _arg(self, node: ast.arg) -> ast.AST:
        star = self.fixes.star_annotations.pop((node.lineno, node.col_offset), None)
        if star is not None and node.annotation is not None:
            node.annotation = starred(star, node.annotation)
        return node

    def _Subscript(self, node: ast.Subscript) -> ast.AST:
        stars = self.fixes.star_subscripts.pop((node.end_lineno, node.end_col_offset), None)  # type: ignore[arg-type]
        if stars is None:
            return node
        elements = node.slice
        if not isinstance(elements, ast.Tuple):  # ``tuple[*Ts]``: a tuple of one
            if len(stars) != 1 or stars[0][0] != 0:
                raise Unsupported("a starred subscript of an unexpected shape")
            star = starred(stars[0][1], elements)
            node.slice = make("Tuple", span_of(star), elts=[star], ctx=ast.Load())
            return node
        for index, where in stars:
            elements.elts[index] = starred(where, elements.elts[index])
            if index == 0:  # the tuple starts at its first star
                elements.lineno, elements.col_offset = where
        return node

    def _ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        span = self.fixes.except_tuples.pop((node.lineno, node.col_offset), None)
        if span is not None and isinstance(node.type, ast.Tuple):  # its span without the parentheses
            node.type.lineno, node.type.col_offset, node.type.end_lineno, node.type.end_col_offset = span
        return node
