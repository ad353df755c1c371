"""Rewriting the statements and annotations newer than the running Python, other than strings
and ``match``: ``except*``, ``except A, B:``, type parameter lists, ``type`` statements, starred
annotations and subscripts (and noting an unparenthesized ``:=`` where 3.10 first allows it).

Each handler takes the rewrite and a libcst node, rewrites its text, notes what the mend must
restore, and says whether the walk goes on into the node's children.
"""

from __future__ import annotations

import ast
from typing import Any

from fastapi_lint.analysis.extract.downgrade.features import (
    EXCEPT_TUPLE,
    STAR_ANNOTATION,
    STAR_SUBSCRIPT,
    TRY_STAR,
    TYPE_ALIAS,
    TYPE_PARAM_DEFAULTS,
    TYPE_PARAMS,
    WALRUS,
)
from fastapi_lint.analysis.extract.downgrade.nodes import Point, make, starred
from fastapi_lint.analysis.extract.downgrade.rewrite import Rewrite, Unsupported

# -- try, except


def rewrite_try(rewrite: Rewrite, node: Any) -> bool:
    """``except*`` -> ``except`` (the ``try`` becomes a ``TryStar`` again); ``except A, B:`` ->
    ``except(A, B):``."""
    import libcst as cst

    if isinstance(node, cst.TryStar) and rewrite.needs(TRY_STAR):
        rewrite.fixes.try_stars.add(rewrite.point_at(rewrite.start(node)))
        for handler in node.handlers:
            star = rewrite.keyword(rewrite.start(handler) + len("except"), "*")
            rewrite.blank(star, star + 1)
    for handler in node.handlers:
        kind = handler.type
        if isinstance(kind, cst.Tuple) and not kind.lpar and rewrite.needs(EXCEPT_TUPLE):
            _except_tuple(rewrite, handler, kind)
    return True


def _except_tuple(rewrite: Rewrite, handler: Any, kind: Any) -> None:
    """The parentheses take the space before the tuple and the one after it (or share the colon's
    character when the colon follows at once)."""
    first, last = rewrite.start(kind), rewrite.end(kind)
    if rewrite.source[first - 1] not in " \t":
        raise Unsupported("no room for a parenthesis after `except`", EXCEPT_TUPLE)
    rewrite.put(first - 1, "(")
    line_end = rewrite.source.find("\n", last)
    rest = rewrite.source[last : len(rewrite.source) if line_end < 0 else line_end].rstrip("\r")
    if rest[:1] in (" ", "\t"):
        rewrite.put(last, ")")
    elif rest.startswith(":") and rest[1:2] in (" ", "\t"):
        rewrite.put(last, "):")
        rewrite.put(last + 1, "")
    elif rest.startswith(":") and (not rest[1:].strip() or rest[1:].lstrip().startswith("#")):
        rewrite.put(last, "):")  # a colon at the end of its line: the line break is what follows
    else:
        raise Unsupported("no room for a parenthesis before the colon", EXCEPT_TUPLE)
    rewrite.fixes.except_tuples[rewrite.point_at(rewrite.start(handler))] = rewrite.span(kind)


# -- type parameters and aliases


def rewrite_definition(rewrite: Rewrite, node: Any) -> bool:
    """``def f[T](...)`` and ``class C[T]``: the parameter list blanked."""
    params = node.type_parameters
    if params is not None:
        found = _type_params(rewrite, params)
        if found is not None:
            rewrite.fixes.type_params[(rewrite.line_of(rewrite.start(node.name)), node.name.value)] = found
    return True


def rewrite_alias(rewrite: Rewrite, node: Any) -> bool:
    """``type X[T] = Y`` -> ``X = Y``, the name moved to where ``type`` was."""
    if not rewrite.needs(TYPE_ALIAS):
        return True
    params = _type_params(rewrite, node.type_parameters) if node.type_parameters is not None else []
    begin = rewrite.start(node)
    if rewrite.line_of(rewrite.start(node.name)) != rewrite.line_of(begin):
        raise Unsupported("a `type` statement whose name is on another line", TYPE_ALIAS)
    rewrite.blank(begin, rewrite.end(node.name))
    rewrite.put_word(begin, node.name.value)
    rewrite.fixes.aliases[rewrite.point_at(begin)] = (
        node.name.value, rewrite.span(node.name), params or [])
    return True


def _type_params(rewrite: Rewrite, params: Any) -> list[ast.AST] | None:
    """The parameters' nodes, their list blanked; None when the running Python reads them."""
    defaults = any(getattr(param, "default", None) is not None for param in params.params)  # libcst >= 1.5
    newer = rewrite.needs(TYPE_PARAMS)
    if defaults:
        newer = rewrite.needs(TYPE_PARAM_DEFAULTS) or newer
    if not newer:
        return None
    found = [_type_param(rewrite, param) for param in params.params]
    rewrite.blank(rewrite.start(params), rewrite.end(params), joined=True)
    return found


def _type_param(rewrite: Rewrite, param: Any) -> ast.AST:
    import libcst as cst

    inner = param.param
    begin, finish = rewrite.start(inner), rewrite.end(inner)
    fields: dict[str, Any] = {"name": inner.name.value, "default_value": None}
    if isinstance(inner, cst.TypeVar):
        fields["bound"] = rewrite.expression_at(inner.bound) if inner.bound is not None else None
    if getattr(param, "default", None) is not None:
        default = rewrite.expression_at(param.default)
        if param.star:  # ``*Ts = *tuple[int]``
            star = rewrite.start(param.default) - len(param.whitespace_after_star.value) - 1
            default = starred(rewrite.point_at(star), default)
        fields["default_value"] = default
        finish = rewrite.outer(param.default)[1]
    return make(type(inner).__name__, (*rewrite.point_at(begin), *rewrite.point_at(finish)), **fields)  # type: ignore[no-any-return]


# -- stars and walruses


def rewrite_param(rewrite: Rewrite, node: Any) -> bool:
    """``*args: *Ts``: the star blanked."""
    import libcst as cst

    annotation = node.annotation
    if annotation is not None and isinstance(annotation.annotation, cst.StarredElement) and rewrite.needs(STAR_ANNOTATION):
        star = rewrite.start(annotation.annotation)
        rewrite.blank(star, star + 1)
        rewrite.fixes.star_annotations[rewrite.point_at(rewrite.start(node.name))] = rewrite.point_at(star)
    return True


def rewrite_subscript(rewrite: Rewrite, node: Any) -> bool:
    """``tuple[*Ts]``: the stars blanked."""
    import libcst as cst

    stars: list[tuple[int, Point]] = []
    for index, element in enumerate(node.slice):
        inner = element.slice
        if isinstance(inner, cst.Index) and inner.star and rewrite.needs(STAR_SUBSCRIPT):
            star = rewrite.start(inner)
            rewrite.blank(star, star + 1)
            stars.append((index, rewrite.point_at(star)))
        if isinstance(inner, cst.Index) and isinstance(inner.value, cst.NamedExpr) and not inner.value.lpar:
            rewrite.needs(WALRUS)  # not rewritten: named only, should 3.9 meet it
    if stars:
        rewrite.fixes.star_subscripts[rewrite.point_at(rewrite.end(node.rbracket))] = stars
    return True


def note_set_walrus(rewrite: Rewrite, node: Any) -> bool:
    """``{x := 1}``: named only (3.10), not rewritten."""
    import libcst as cst

    values = [element.value for element in getattr(node, "elements", [])] or [getattr(node, "elt", None)]
    if any(isinstance(value, cst.NamedExpr) and not value.lpar for value in values):
        rewrite.needs(WALRUS)
    return True
