"""FAS302: an uncached settings getter gets ``@lru_cache`` (safe).

Settings do not change while the process runs, so building them once is what
the getter meant. The decorator follows the module's imports: a name already
imported from ``functools`` (``lru_cache``), else ``@functools.lru_cache`` when the
module imports ``functools``, else ``from functools import lru_cache`` (joined to
an existing ``from functools import ...``). Getters that take parameters are left
alone: the cache would keep one settings object per argument, or fail on
unhashable ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi_lint.diagnostics import Applicability, Fix
from fastapi_lint.fixes.base import Edit, Import, Outcome, Target
from fastapi_lint.fixes.placing import Facts
from fastapi_lint.fixes.fixer import Fixer

if TYPE_CHECKING:
    import libcst as cst

    from fastapi_lint.fixes.tree import Tree

CACHES = frozenset({"functools.lru_cache", "functools.cache"})


class LruCache(Fixer):
    kind = "add-lru-cache"
    codes = frozenset({"FAS302"})
    applicability = Applicability.SAFE

    def propose(self, target: Target, facts: Facts) -> Fix | None:
        located = target.located
        if located is None or target.site is not None:
            return None
        function = located.function
        # A cached coroutine object can be awaited once only; a method would be cached per instance.
        if function.is_async or function.params or function.class_path is not None:
            return None
        return self.fix(f"Decorate `{function.name}` with `@lru_cache`")

    def edit(self, target: Target, tree: Tree) -> Outcome:
        import libcst as cst

        node = tree.function_at(target.diagnostic.span)
        if node is None:
            return "the function is not where the finding says"
        if node.asynchronous is not None or _has_parameters(node):
            return "the getter is async or takes parameters"
        for decorator in node.decorators:
            expression = decorator.decorator
            if isinstance(expression, cst.Call):
                expression = expression.func
            if tree.qualified(expression) in CACHES:
                return "the function is already cached"
        spelled = _spelling(tree)
        if isinstance(spelled, str):
            return spelled
        expression, imports = spelled

        def change(updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.FunctionDef)
            return updated.with_changes(decorators=[*updated.decorators, cst.Decorator(decorator=expression)])

        return Edit((self.kind, id(node)), node, change, imports)


def _has_parameters(node: cst.FunctionDef) -> bool:
    import libcst as cst

    params = node.params
    return bool(params.params or params.posonly_params or params.kwonly_params) or isinstance(
        params.star_arg, cst.Param
    ) or params.star_kwarg is not None


def _spelling(tree: Tree) -> tuple[cst.BaseExpression, tuple[Import, ...]] | str:
    import libcst as cst

    local = tree.imported_as("functools", "lru_cache")
    if local is not None and tree.free(local, "functools.lru_cache"):
        return cst.Name(local), ()
    alias = tree.module_alias("functools")
    if alias is not None and tree.free(alias, "functools"):
        return cst.Attribute(value=cst.Name(alias), attr=cst.Name("lru_cache")), ()
    if not tree.free("lru_cache", "functools.lru_cache"):
        return "the name `lru_cache` is taken in this module"
    return cst.Name("lru_cache"), (Import("functools", "lru_cache"),)
