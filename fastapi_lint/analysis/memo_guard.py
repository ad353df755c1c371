"""Code that runs once per cache entry, not once per call: lazy initialisation.

A function that builds a client only when a lasting place for it is still empty,
and then fills that place, builds it once (per key), however often it is called::

    def client(self):
        if self._client is None:           # a missing-check on a lasting place...
            self._client = httpx.Client()  # ...that the guarded code fills
        return self._client

    def engine(key):
        if key in ENGINES:                 # an early return when it is there...
            return ENGINES[key]
        ENGINES[key] = create_engine(URL)  # ...and the rest of the body fills it

The guard's subject must outlive the call: an attribute (``self._client``,
``app.state.http``), a name that is not local to the function (a module global), or
an item of either (``ENGINES[key]``). A local (``if client is None: client = ...``)
is rebuilt on every call, and so is an attribute filled in ``__init__`` without a
check: neither is recognised here.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

LineRange = tuple[int, int]

# Statements whose bodies are searched for guards (not nested functions or classes).
_BLOCKS = (ast.If, ast.With, ast.AsyncWith, ast.Try, ast.For, ast.AsyncFor, ast.While)
_MISS_ERRORS = frozenset({"KeyError", "LookupError", "AttributeError", "IndexError"})


def once_ranges(body: list[ast.stmt], is_local: Callable[[str], bool]) -> list[LineRange]:
    """The line ranges of ``body`` that run only while a lasting cache place is empty."""
    found: list[LineRange] = []
    _search(body, is_local, found)
    return found


def _search(statements: list[ast.stmt], is_local: Callable[[str], bool], found: list[LineRange]) -> None:
    for index, statement in enumerate(statements):
        place = _early_exit_guard(statement, is_local)
        rest = statements[index + 1 :]
        if place is not None and rest and _fills(rest, place):
            found.append((rest[0].lineno, _end_line(rest[-1])))
            return
        if isinstance(statement, ast.If):
            place = _missing_check(statement.test, is_local)
            if place is not None and _fills(statement.body, place):
                found.append((statement.body[0].lineno, _end_line(statement.body[-1])))
                _search(statement.orelse, is_local, found)
                continue
        for block in _blocks_of(statement):
            _search(block, is_local, found)


def _blocks_of(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    if not isinstance(statement, _BLOCKS):
        return
    yield statement.body
    if isinstance(statement, (ast.If, ast.For, ast.AsyncFor, ast.While)):
        yield statement.orelse
    if isinstance(statement, ast.Try):
        yield statement.orelse
        yield statement.finalbody
        for handler in statement.handlers:
            yield handler.body


def _early_exit_guard(statement: ast.stmt, is_local: Callable[[str], bool]) -> str | None:
    """``if <place is there>: return ...`` or ``try: return CACHE[key] except KeyError: ...``."""
    if isinstance(statement, ast.If) and _exits(statement.body) and not statement.orelse:
        return _present_check(statement.test, is_local)
    if isinstance(statement, ast.Try) and len(statement.body) == 1 and isinstance(statement.body[0], ast.Return):
        returned = statement.body[0].value
        catches_miss = any(_names_miss(handler.type) for handler in statement.handlers)
        if catches_miss and isinstance(returned, (ast.Subscript, ast.Attribute)):
            return _place(returned.value if isinstance(returned, ast.Subscript) else returned, is_local)
    return None


def _exits(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], ast.Return)


def _names_miss(caught: ast.expr | None) -> bool:
    if isinstance(caught, ast.Tuple):
        return any(_names_miss(item) for item in caught.elts)
    return isinstance(caught, ast.Name) and caught.id in _MISS_ERRORS


def _present_check(test: ast.expr, is_local: Callable[[str], bool]) -> str | None:
    """The place a test finds filled: ``x is not None``, ``x``, ``key in x``, ``x.get(key)``."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, ast.IsNot) and _is_none(right):
            return _place_or_get(test.left, is_local)
        if isinstance(op, ast.In):
            return _place(right, is_local)
        return None
    return _place_or_get(test, is_local)


def _missing_check(test: ast.expr, is_local: Callable[[str], bool]) -> str | None:
    """The place a test finds empty: ``x is None``, ``not x``, ``key not in x``, ``not x.get(key)``."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _place_or_get(test.operand, is_local)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, ast.Is) and _is_none(right):
            return _place_or_get(test.left, is_local)
        if isinstance(op, ast.NotIn):
            return _place(right, is_local)
    return None


def _place_or_get(node: ast.expr, is_local: Callable[[str], bool]) -> str | None:
    """``x`` itself, or ``x`` of ``x.get(key)`` / ``x[key]``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        return _place(node.func.value, is_local)
    if isinstance(node, ast.Subscript):
        return _place(node.value, is_local)
    return _place(node, is_local)


def _place(node: ast.expr, is_local: Callable[[str], bool]) -> str | None:
    """A lasting place as a comparable key: an attribute chain, or a name not local to the function."""
    if isinstance(node, ast.Name):
        return None if is_local(node.id) else ast.dump(node)
    if isinstance(node, ast.Attribute):
        root = node.value
        while isinstance(root, ast.Attribute):
            root = root.value
        return ast.dump(node) if isinstance(root, ast.Name) else None
    return None


def _fills(statements: list[ast.stmt], place: str) -> bool:
    """Whether ``statements`` assign ``place`` or an item of it (not in nested functions)."""
    pending: list[ast.AST] = list(statements)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        elif isinstance(node, ast.NamedExpr):
            targets = [node.target]
        for target in targets:
            filled = target.value if isinstance(target, ast.Subscript) else target
            if isinstance(filled, (ast.Name, ast.Attribute)) and ast.dump(_as_load(filled)) == place:
                return True
        pending.extend(ast.iter_child_nodes(node))
    return False


def _as_load(node: ast.expr) -> ast.expr:
    """The same name or attribute as it reads (``ast.dump`` tells a store from a load)."""
    if isinstance(node, ast.Name):
        return ast.Name(id=node.id, ctx=ast.Load())
    if isinstance(node, ast.Attribute):
        return ast.Attribute(value=node.value, attr=node.attr, ctx=ast.Load())
    return node


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _end_line(statement: ast.stmt) -> int:
    return statement.end_lineno or statement.lineno
