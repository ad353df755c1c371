"""Which binding of a local name bound several ways reaches a use: the one just above it.

::

    if provider == "drive":
        sync = DriveSync()
        files = sync.list()        # DriveSync.list only
    elif provider == "notion":
        sync = NotionSync()
        files = await sync.alist() # NotionSync.alist only
    sync.close()                   # after the branches: either (``Scope.others``)

Read in order of the statements: an assignment ``name = Class(...)`` makes that construction what
the name stands for in the rest of its block and the blocks inside it (another assignment makes
the name stand for any of its bindings again). A block that may or may not run
(a branch, a loop's body, a handler) starts from what its statement started from, and after the
statement a name any of its blocks binds is no longer known to stand for one thing. A loop's
body forgets, from its start, the names it binds (the next turn sees the last one).

After an ``if`` or a ``match``, a name every branch that goes on binds (or leaves as it was)
stands for any of those bindings; a branch that leaves (``raise``, ``return``, ``break``,
``continue``) adds none::

    match kind:
        case "get":
            handler = get_endpoint()
        case "post":
            handler = post_endpoint()
        case _:
            raise ValueError(kind)
    app.add_api_route(path, handler)  # get_endpoint() or post_endpoint()
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from fastapi_lint.analysis.extract.syntax import LOOPS, NESTED_SCOPES, own_nodes


# A name -> the values of the assignments that may have bound it last, when all of them are known.
_Bound = dict[str, tuple[ast.expr, ...]]


def reaching_bindings(body: list[ast.stmt], names: Iterable[str]) -> dict[int, tuple[ast.expr, ...]]:
    """``id`` of each use (an ``ast.Name`` read) of one of ``names`` -> the values of the
    assignments that may reach it, where each of those is known."""
    watched = frozenset(names)
    found: dict[int, tuple[ast.expr, ...]] = {}
    if watched:
        _block(body, {}, watched, found)
    return found


def _block(statements: list[ast.stmt], current: _Bound, watched: frozenset[str],
           found: dict[int, tuple[ast.expr, ...]]) -> _Bound:
    """Walk ``statements`` from ``current``; what the names stand for after them."""
    current = dict(current)
    for statement in statements:
        if isinstance(statement, NESTED_SCOPES):
            continue
        if isinstance(statement, ast.Assign):
            _uses(statement.value, current, watched, found)
            _bind(statement.targets, statement.value, current, watched)
        elif isinstance(statement, (ast.If, ast.While)):
            _uses(statement.test, current, watched, found)
            current = _branches(statement, [statement.body, statement.orelse], current, watched, found)
        elif isinstance(statement, (ast.For, ast.AsyncFor)):
            _uses(statement.iter, current, watched, found)
            current = _branches(statement, [statement.body, statement.orelse], current, watched, found)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                _uses(item.context_expr, current, watched, found)
            _forget(statement.items, current)
            current = _block(statement.body, current, watched, found)
        elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            current = _try(statement, current, watched, found)
        elif type(statement).__name__ == "Match":
            _uses(statement.subject, current, watched, found)  # type: ignore[attr-defined]
            current = _branches(statement, [case.body for case in statement.cases], current, watched, found)  # type: ignore[attr-defined]
        else:
            _uses(statement, current, watched, found)
            _forget([statement], current)
    return current


def _branches(statement: ast.stmt, blocks: list[list[ast.stmt]], current: _Bound,
              watched: frozenset[str], found: dict[int, tuple[ast.expr, ...]]) -> _Bound:
    start = dict(current)
    if isinstance(statement, LOOPS):
        _forget([statement], start)
        for block in blocks:
            _block(block, start, watched, found)
        after = dict(current)
        _forget([statement], after)
        return after
    walked = [(block, _block(block, start, watched, found)) for block in blocks]
    ends = [end for block, end in walked if not _leaves(block)]
    if type(statement).__name__ == "Match" and not _exhaustive(statement):
        ends.append(start)  # no case matched: the match ran no block
    merged: _Bound = {}
    for name in set().union(*ends) if ends else ():
        if all(name in end for end in ends):
            merged[name] = tuple({id(value): value for end in ends for value in end[name]}.values())
    return merged


def _leaves(block: list[ast.stmt]) -> bool:
    """A block whose last statement leaves it for somewhere other than the statement after."""
    return bool(block) and isinstance(block[-1], (ast.Raise, ast.Return, ast.Break, ast.Continue))


def _exhaustive(statement: ast.stmt) -> bool:
    """A ``match`` whose last case takes anything (``case _:`` or ``case name:``, unguarded)."""
    cases = getattr(statement, "cases", [])
    last = cases[-1] if cases else None
    return last is not None and last.guard is None and type(last.pattern).__name__ == "MatchAs" and getattr(last.pattern, "pattern", None) is None


def _try(statement: ast.stmt, current: _Bound, watched: frozenset[str],
         found: dict[int, tuple[ast.expr, ...]]) -> _Bound:
    """The ``else`` follows the body; a handler may start anywhere in it, the ``finally`` anywhere."""
    body: list[ast.stmt] = getattr(statement, "body")
    handlers: list[ast.ExceptHandler] = getattr(statement, "handlers")
    done = _block(body, current, watched, found)
    _block(getattr(statement, "orelse"), done, watched, found)
    interrupted = dict(current)
    _forget(body, interrupted)
    for handler in handlers:
        _block(handler.body, interrupted, watched, found)
    _forget([*handlers, *getattr(statement, "orelse")], interrupted)
    _block(getattr(statement, "finalbody"), interrupted, watched, found)
    after = dict(current)
    _forget([statement], after)
    return after


def _bind(targets: list[ast.expr], value: ast.expr, current: _Bound, watched: frozenset[str]) -> None:
    _forget(targets, current)
    if len(targets) == 1 and isinstance(targets[0], ast.Name) and targets[0].id in watched:
        current[targets[0].id] = (value,)


def narrowed_uses(reaching: dict[int, tuple[ast.expr, ...]]) -> dict[int, ast.expr]:
    """The uses one binding reaches, when that binding is a construction: what another call
    returns may be known less well than the name's bindings together (``Scope.narrowed``)."""
    return {use: values[0] for use, values in reaching.items() if len(values) == 1 and _constructs(values[0])}


def _constructs(value: ast.expr) -> bool:
    """``DriveSync()``, ``clients.Notion(token)``: a class named by convention, whose type the
    analysis knows as well as any. What another call returns may be known less well than the
    name's other bindings together, and narrowing to it would lose them."""
    func = value.func if isinstance(value, ast.Call) else None
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name[:1].isupper()


def _forget(nodes: Iterable[ast.AST], current: _Bound) -> None:
    """Every name bound anywhere in ``nodes`` (not in nested functions) stands for nothing known."""
    if not current:
        return
    for node in nodes:
        for sub in own_nodes(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
                current.pop(sub.id, None)
            elif isinstance(sub, (ast.Global, ast.Nonlocal)):
                for name in sub.names:
                    current.pop(name, None)


def _uses(node: ast.AST, current: _Bound, watched: frozenset[str], found: dict[int, tuple[ast.expr, ...]]) -> None:
    if not current:
        return
    for sub in own_nodes(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id in current:
            found[id(sub)] = current[sub.id]
