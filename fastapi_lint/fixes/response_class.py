"""FAS502: ``response_class=ORJSONResponse`` leaves a route that declares its return type (safe).

With a return annotation or ``response_model``, FastAPI serializes the value with
Pydantic's Rust serializer: the custom class only adds a detour. Routes without
either keep the keyword (the fix would change what they return), and so do apps
and routers (``default_response_class=``). The now unused import is left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi_lint.analysis.catalog.responses import DEPRECATED
from fastapi_lint.analysis.facts import Ref
from fastapi_lint.diagnostics import Applicability, Fix
from fastapi_lint.fixes.base import Edit, Outcome, Target
from fastapi_lint.fixes.placing import Facts
from fastapi_lint.fixes.fixer import Fixer

if TYPE_CHECKING:
    import libcst as cst

    from fastapi_lint.fixes.tree import Tree

OPTION = "response_class"


class DropResponseClass(Fixer):
    kind = "drop-response-class"
    codes = frozenset({"FAS502"})
    applicability = Applicability.SAFE

    def propose(self, target: Target, facts: Facts) -> Fix | None:
        site, located = target.site, target.located
        if site is None or located is None:
            return None
        if not any(d.call is site for d in located.function.decorators):
            return None  # only route decorators name a route whose return type we can see
        value = site.kwarg(OPTION)
        if value is None or value.ref is None or facts.project.resolve(value.ref).path not in DEPRECATED:
            return None
        model = site.kwarg("response_model")
        returns = located.function.returns
        typed = returns is not None and not _is_response(facts, returns.ref)
        if not typed and (model is None or model.is_none):
            return None
        return self.fix(f"Remove `response_class={value.text}`")

    def edit(self, target: Target, tree: Tree) -> Outcome:
        import libcst as cst

        from fastapi_lint.fixes.tree import comments_in

        call = tree.call_at(target.diagnostic.span)
        if call is None or not isinstance(tree.parent(call), cst.Decorator):
            return "the route decorator is not where the finding says"
        index = next((i for i, arg in enumerate(call.args) if arg.keyword is not None and arg.keyword.value == OPTION), None)
        if index is None or tree.qualified(call.args[index].value) not in DEPRECATED:
            return "the decorator's `response_class` is not a deprecated class"
        if comments_in(_without(call, index)) != comments_in(call):
            return "removing the keyword would drop a comment"

        def change(node: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(node, cst.Call)
            return _without(node, index)

        return Edit((self.kind, id(call)), call, change)


def _is_response(facts: Facts, ref: Ref | None) -> bool:
    return isinstance(ref, Ref) and facts.project.resolve(ref).path.endswith("Response")


def _without(call: cst.Call, index: int) -> cst.Call:
    """The call without its argument at ``index``; the commas and line breaks around it follow.

    A comment after the removed argument's comma moves to the argument before it when
    that one has none, so ``response_class=X,  # why`` does not take ``# why`` away.
    """
    import libcst as cst

    args = list(call.args)
    removed = args.pop(index)
    if index > 0:
        before = args[index - 1]
        if index == len(args):  # it was the last: the one before takes its comma (or lack of one)
            if not _comment(before.comma):  # else its comma stays, a valid trailing comma
                args[index - 1] = before.with_changes(comma=removed.comma)
        elif _comment(removed.comma) and not _comment(before.comma) and isinstance(before.comma, cst.Comma):
            args[index - 1] = before.with_changes(
                comma=before.comma.with_changes(whitespace_after=removed.comma.whitespace_after)  # type: ignore[union-attr]
            )
    elif args and _comment(removed.comma):
        # The first argument goes: the line break and comment after it stay after the "(".
        return call.with_changes(args=args, whitespace_before_args=removed.comma.whitespace_after)  # type: ignore[union-attr]
    return call.with_changes(args=args)


def _comment(comma: cst.Comma | cst.MaybeSentinel) -> bool:
    import libcst as cst

    from fastapi_lint.fixes.tree import comments_in

    return isinstance(comma, cst.Comma) and bool(comments_in(comma))
