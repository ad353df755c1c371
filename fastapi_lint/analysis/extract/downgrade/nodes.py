"""``ast`` node classes the running Python may lack, and building nodes with positions.

A tree read through the rewrite holds the nodes the newest Python gives: where the running ``ast``
has no such class (``Match`` on 3.9, ``TypeAlias`` before 3.12, ``TemplateStr`` before 3.14), a
stand-in of the same name and fields. Phase 1 walks it as it walks the real one
(``ast.iter_child_nodes`` and ``ast.walk`` read ``_fields``).
"""

from __future__ import annotations

import ast
import functools
from typing import Any

# (line, column in UTF-8 bytes), as ``ast`` counts: where a node starts or ends.
Point = tuple[int, int]
Span = tuple[int, int, int, int]

_POSITIONS = ("lineno", "col_offset", "end_lineno", "end_col_offset")
# name -> (the ``ast`` base class, or None for a node without positions; its fields)
_STAND_INS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "Match": ("stmt", ("subject", "cases")),
    "match_case": (None, ("pattern", "guard", "body")),
    "MatchValue": ("pattern", ("value",)),
    "MatchSingleton": ("pattern", ("value",)),
    "MatchSequence": ("pattern", ("patterns",)),
    "MatchMapping": ("pattern", ("keys", "patterns", "rest")),
    "MatchClass": ("pattern", ("cls", "patterns", "kwd_attrs", "kwd_patterns")),
    "MatchStar": ("pattern", ("name",)),
    "MatchAs": ("pattern", ("pattern", "name")),
    "MatchOr": ("pattern", ("patterns",)),
    "TryStar": ("stmt", ("body", "handlers", "orelse", "finalbody")),
    "TypeAlias": ("stmt", ("name", "type_params", "value")),
    "TypeVar": ("type_param", ("name", "bound", "default_value")),
    "ParamSpec": ("type_param", ("name", "default_value")),
    "TypeVarTuple": ("type_param", ("name", "default_value")),
    "TemplateStr": ("expr", ("values",)),
    "Interpolation": ("expr", ("value", "str", "conversion", "format_spec")),
}


@functools.lru_cache(maxsize=None)
def node_class(name: str) -> type[ast.AST]:
    """``ast.<name>``, or its stand-in where the running Python has none."""
    found = getattr(ast, name, None)
    if isinstance(found, type) and issubclass(found, ast.AST):
        return found
    base_name, fields = _STAND_INS[name]
    base: type[ast.AST] = ast.AST
    attributes: tuple[str, ...] = ()
    if base_name is not None:
        base = getattr(ast, base_name, None) or _base(base_name)
        attributes = _POSITIONS
    return type(name, (base,), {"_fields": fields, "_attributes": attributes, "__module__": __name__})


@functools.lru_cache(maxsize=None)
def _base(name: str) -> type[ast.AST]:
    """An abstract base the running ``ast`` lacks (``pattern`` on 3.9, ``type_param`` before 3.12)."""
    return type(name, (ast.AST,), {"_fields": (), "_attributes": _POSITIONS, "__module__": __name__})


def make(kind: str, span: Span | None, /, **fields: Any) -> Any:
    """A node of class ``kind`` (real or stand-in) with ``fields``, at ``span``."""
    node: Any = node_class(kind)()
    for key, value in fields.items():
        setattr(node, key, value)
    if span is not None:
        node.lineno, node.col_offset, node.end_lineno, node.end_col_offset = span
    return node


def span_of(node: ast.AST) -> Span:
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def starred(star: Point, value: ast.expr) -> ast.expr:
    """``*value``, the star written at ``star``."""
    return make("Starred", (*star, *span_of(value)[2:]), value=value, ctx=ast.Load())  # type: ignore[no-any-return]
