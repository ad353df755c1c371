"""``match`` statements (Python 3.10): rewritten into ``with`` statements, mended back into a
``Match``.

``match x:`` -> ``with x:`` and each ``case p if g:`` -> ``with p , g:``: a pattern reads as an
expression once ``p as y`` loses `` as y`` and ``*rest`` its star (``Point(x=0) | [a, *rest]``
is a call, an or and a list). The mend builds the patterns' structure from libcst and takes
their expressions (values, classes, keys, guards) from ``ast``, with their positions.
"""

from __future__ import annotations

import ast
from typing import Any

from fastapi_lint.analysis.extract.downgrade.features import MATCH
from fastapi_lint.analysis.extract.downgrade.nodes import Point, Span, make, span_of, starred
from fastapi_lint.analysis.extract.downgrade.rewrite import MatchFix, Rewrite, Unsupported


def rewrite_match(rewrite: Rewrite, node: Any) -> bool:
    import libcst as cst

    if not rewrite.needs(MATCH):
        return True
    begin = rewrite.start(node)
    rewrite.put_word(begin, "with ")
    subject = node.subject
    stars: dict[int, Point] = {}
    if isinstance(subject, cst.Tuple) and not subject.lpar:  # ``match a, *b:``: the items of a ``with``
        for index, element in enumerate(subject.elements):
            if isinstance(element, cst.StarredElement):
                star = rewrite.start(element)
                stars[index] = rewrite.point_at(star)
                rewrite.blank(star, star + 1)
        last = subject.elements[-1].comma
        if isinstance(last, cst.Comma):
            comma = rewrite.start(last)
            rewrite.blank(comma, comma + 1)
    elif isinstance(subject, cst.NamedExpr) and not subject.lpar:
        raise Unsupported("an unparenthesized `:=` as a match subject", MATCH)
    rewrite.fixes.matches[rewrite.point_at(begin)] = MatchFix(node, rewrite.span(subject, with_parens=True), stars)
    for case in node.cases:
        rewrite.put_word(rewrite.start(case), "with")
        _as_expression(rewrite, case.pattern, top=True)
        if case.guard is not None:
            keyword = rewrite.keyword(rewrite.outer(case.pattern)[1], "if")
            rewrite.put(keyword, ",")
            rewrite.put(keyword + 1, " ")
            if isinstance(case.guard, cst.NamedExpr) and not case.guard.lpar:
                raise Unsupported("an unparenthesized `:=` in a case guard", MATCH)
    return True


def _as_expression(rewrite: Rewrite, pattern: Any, top: bool = False) -> None:
    """Make a pattern an expression: ``p as x`` -> ``p``, ``*rest`` -> `` rest``."""
    import libcst as cst

    if isinstance(pattern, cst.MatchAs) and pattern.pattern is not None and pattern.name is not None:
        rewrite.blank(rewrite.outer(pattern.pattern)[1], rewrite.end(pattern.name))
        _as_expression(rewrite, pattern.pattern)
    elif isinstance(pattern, cst.MatchOr):
        for alternative in pattern.patterns:
            _as_expression(rewrite, alternative.pattern)
    elif isinstance(pattern, (cst.MatchList, cst.MatchTuple)):
        for element in pattern.patterns:
            if isinstance(element, cst.MatchStar):
                star = rewrite.start(element)
                rewrite.blank(star, star + 1)
            else:
                _as_expression(rewrite, element.value)
        if top and _open(pattern) and pattern.patterns:  # ``case a, b,:`` reads as a ``with`` of items
            last = pattern.patterns[-1].comma
            if isinstance(last, cst.Comma):
                comma = rewrite.start(last)
                rewrite.blank(comma, comma + 1)
    elif isinstance(pattern, cst.MatchMapping):
        for item in pattern.elements:
            _as_expression(rewrite, item.pattern)
    elif isinstance(pattern, cst.MatchClass):
        for positional in pattern.patterns:
            _as_expression(rewrite, positional.value)
        for keyword in pattern.kwds:
            _as_expression(rewrite, keyword.pattern)


def _open(pattern: Any) -> bool:
    """A sequence pattern written without brackets or parentheses (``case a, b:``)."""
    return not getattr(pattern, "lpar", None) and getattr(pattern, "lbracket", None) is None


# -- the mend


class MatchBuilder:
    """A ``with`` the rewrite made of a ``match``, back into a ``Match``."""

    def __init__(self, rewrite: Rewrite, fix: MatchFix) -> None:
        self.rewrite = rewrite
        self.fix = fix

    def build(self, node: ast.With) -> ast.AST:
        import libcst as cst

        match = self.fix.node
        items = [item.context_expr for item in node.items]
        if isinstance(match.subject, cst.Tuple) and not _whole(items, self.fix.subject_span):
            # ``match a, *b:``, or ``match (a, b):`` read as a parenthesized ``with`` of two items
            elements = [starred(self.fix.stars[index], item) if index in self.fix.stars else item
                        for index, item in enumerate(items)]
            value: ast.expr = make("Tuple", self.fix.subject_span, elts=elements, ctx=ast.Load())
        elif len(items) == 1:
            value = items[0]
        else:
            raise Unsupported("a match subject of an unexpected shape", MATCH)
        cases = [case for case in node.body if isinstance(case, ast.With)]
        if len(node.body) != len(match.cases) or len(cases) != len(node.body):
            raise Unsupported("match cases not found again", MATCH)
        built = [self.case(case, rewritten) for case, rewritten in zip(match.cases, cases)]
        return make("Match", span_of(node), subject=value, cases=built)  # type: ignore[no-any-return]

    def case(self, case: Any, node: ast.With) -> ast.AST:
        import libcst as cst

        expressions = [item.context_expr for item in node.items]
        guard = expressions.pop() if case.guard is not None else None
        pattern = case.pattern
        span = self.rewrite.span(pattern, with_parens=True)
        if isinstance(pattern, (cst.MatchList, cst.MatchTuple)) and not _whole(expressions, span):
            # ``case a, b:``, or ``case (a, b):`` read as a parenthesized ``with`` of two items
            built = self.sequence(pattern, expressions, span)
        elif len(expressions) == 1:
            built = self.pattern(pattern, expressions[0])
        else:
            raise Unsupported("a case pattern of an unexpected shape", MATCH)
        return make("match_case", None, pattern=built, guard=guard, body=node.body)  # type: ignore[no-any-return]

    def pattern(self, pattern: Any, value: ast.expr) -> ast.AST:
        import libcst as cst

        built: ast.AST
        if isinstance(pattern, cst.MatchValue):
            built = make("MatchValue", span_of(value), value=value)
        elif isinstance(pattern, cst.MatchSingleton):
            built = make("MatchSingleton", span_of(value), value=_expect(value, ast.Constant).value)
        elif isinstance(pattern, cst.MatchAs):
            built = self._as(pattern, value)
        elif isinstance(pattern, cst.MatchOr):
            built = self._or(pattern, value)
        elif isinstance(pattern, (cst.MatchList, cst.MatchTuple)):
            sequence = _expect(value, (ast.List, ast.Tuple))
            built = self.sequence(pattern, list(sequence.elts), span_of(sequence))
        elif isinstance(pattern, cst.MatchMapping):
            built = self._mapping(pattern, _expect(value, ast.Dict))
        elif isinstance(pattern, cst.MatchClass):
            built = self._class(pattern, _expect(value, ast.Call))
        else:
            raise Unsupported(f"a pattern of kind {type(pattern).__name__}", MATCH)
        return built

    def _as(self, pattern: Any, value: ast.expr) -> ast.AST:
        name = pattern.name.value if pattern.name is not None else None
        if pattern.pattern is None:  # ``case x:``, ``case _:``
            _expect(value, ast.Name)
            return make("MatchAs", span_of(value), pattern=None, name=name)  # type: ignore[no-any-return]
        return make("MatchAs", self.rewrite.span(pattern), pattern=self.pattern(pattern.pattern, value),  # type: ignore[no-any-return]
                    name=name)

    def _or(self, pattern: Any, value: ast.expr) -> ast.AST:
        operands: list[ast.expr] = []
        for _ in range(len(pattern.patterns) - 1):  # ``a | b | c`` reads as ``(a | b) | c``
            operation = _expect(value, ast.BinOp)
            operands.insert(0, operation.right)
            value = operation.left
        operands.insert(0, value)
        alternatives = [self.pattern(element.pattern, operand) for element, operand in zip(pattern.patterns, operands)]
        return make("MatchOr", self.rewrite.span(pattern), patterns=alternatives)  # type: ignore[no-any-return]

    def _mapping(self, pattern: Any, value: ast.Dict) -> ast.AST:
        keys, values = list(value.keys), list(value.values)
        rest = pattern.rest.value if pattern.rest is not None else None
        if rest is not None:  # ``**rest`` reads as a ``**`` entry: no key
            if not keys or keys[-1] is not None:
                raise Unsupported("a mapping pattern of an unexpected shape", MATCH)
            keys, values = keys[:-1], values[:-1]
        if len(keys) != len(pattern.elements):
            raise Unsupported("a mapping pattern of an unexpected shape", MATCH)
        patterns = [self.pattern(element.pattern, item) for element, item in zip(pattern.elements, values)]
        return make("MatchMapping", span_of(value), keys=keys, patterns=patterns, rest=rest)  # type: ignore[no-any-return]

    def _class(self, pattern: Any, call: ast.Call) -> ast.AST:
        if len(call.args) != len(pattern.patterns) or len(call.keywords) != len(pattern.kwds):
            raise Unsupported("a class pattern of an unexpected shape", MATCH)
        return make("MatchClass", span_of(call), cls=call.func,  # type: ignore[no-any-return]
                    patterns=[self.pattern(element.value, item) for element, item in zip(pattern.patterns, call.args)],
                    kwd_attrs=[keyword.key.value for keyword in pattern.kwds],
                    kwd_patterns=[self.pattern(keyword.pattern, item.value)
                                  for keyword, item in zip(pattern.kwds, call.keywords)])

    def sequence(self, pattern: Any, values: list[ast.expr], span: Span) -> ast.AST:
        import libcst as cst

        if len(values) != len(pattern.patterns):
            raise Unsupported("a sequence pattern of an unexpected shape", MATCH)
        found: list[ast.AST] = []
        for element, value in zip(pattern.patterns, values):
            if isinstance(element, cst.MatchStar):
                _expect(value, ast.Name)
                name = element.name.value if element.name is not None else None
                found.append(make("MatchStar", self.rewrite.span(element), name=name))
            else:
                found.append(self.pattern(element.value, value))
        return make("MatchSequence", span, patterns=found)  # type: ignore[no-any-return]


def _whole(items: list[ast.expr], span: Span) -> bool:
    """Whether a ``with``'s items are one list or tuple written as ``span`` (not its elements)."""
    return len(items) == 1 and isinstance(items[0], (ast.List, ast.Tuple)) and span_of(items[0]) == span


def _expect(value: ast.expr, kind: Any) -> Any:
    if not isinstance(value, kind):
        raise Unsupported("a pattern that did not read back as expected", MATCH)
    return value
