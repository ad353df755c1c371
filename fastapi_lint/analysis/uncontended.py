"""Waits that cannot wait: a lock made just before, which nothing else has, and a queue
just found to hold an item.

::

    if key not in _locks:
        lock = threading.Lock()
        lock.acquire()          # a lock nobody else has seen is free: this never waits
        _locks[key] = lock

    while not results.empty():
        item = results.get()    # the queue holds an item: this returns at once

The lock must be bound to a local by the constructor call, and the acquisition must be
the first statement after it (in the same block) that mentions that local: until then
the lock has not been handed to anyone who could hold it. A semaphore counts only when
it starts with at least one permit. The queue's ``get`` must be the first statement of the
``while``/``if`` body on ``not q.empty()`` (or ``q.qsize()``) that mentions ``q``, or the value
of ``q.get() if not q.empty() else None``: with one consumer, producers only add to it in between.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from fastapi_lint.analysis.blocks import statement_blocks

LOCK_TYPES = frozenset(
    {
        "threading.Lock",
        "threading.RLock",
        "threading.Semaphore",
        "threading.BoundedSemaphore",
        "multiprocessing.Lock",
        "multiprocessing.RLock",
        "multiprocessing.Semaphore",
        "multiprocessing.BoundedSemaphore",
    }
)
_SEMAPHORES = frozenset(path for path in LOCK_TYPES if path.endswith("Semaphore"))
_NAMES = frozenset(path.rpartition(".")[2] for path in LOCK_TYPES)


def uncontended_calls(body: list[ast.stmt], resolve: Callable[[ast.expr], str | None]) -> set[int]:
    """The ``id`` of every ``acquire()`` call in ``body`` made on a lock that was just made, and
    of every ``get()`` on a queue just found not empty."""
    found: set[int] = set()
    for block in statement_blocks(body):
        for index, statement in enumerate(block):
            name = _new_lock(statement, resolve)
            if name is not None:
                call = _first_use(block[index + 1 :], name)
                if call is not None:
                    found.add(id(call))
            if isinstance(statement, (ast.While, ast.If)):
                queue = _not_empty(statement.test)
                got = _first_get(statement.body, queue) if queue is not None else None
                if got is not None:
                    found.add(id(got))
            elif isinstance(statement, (ast.Assign, ast.Return, ast.Expr)) and statement.value is not None:
                found.update(id(got) for got in _gets_if_not_empty(statement.value))
    return found


def _gets_if_not_empty(value: ast.expr) -> Iterator[ast.Call]:
    """``q.get() if not q.empty() else None``: the ``get`` of each such expression."""
    for node in ast.walk(value):
        queue = _not_empty(node.test) if isinstance(node, ast.IfExp) else None
        if isinstance(node, ast.IfExp) and queue is not None and isinstance(node.body, ast.Call):
            func = node.body.func
            if isinstance(func, ast.Attribute) and func.attr == "get" and ast.dump(func.value) == queue:
                yield node.body


def _not_empty(test: ast.expr) -> str | None:
    """The queue (as dumped) that ``not q.empty()``, ``q.qsize()`` or ``q.qsize() > 0`` finds holding an item."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Gt):
        right = test.comparators[0]
        test = test.left if isinstance(right, ast.Constant) and right.value == 0 else test
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        asked, method = test.operand, "empty"
    else:
        asked, method = test, "qsize"
    if isinstance(asked, ast.Call) and not asked.args and isinstance(asked.func, ast.Attribute) and asked.func.attr == method:
        return ast.dump(asked.func.value)
    return None


def _first_get(body: list[ast.stmt], queue: str) -> ast.Call | None:
    """The ``q.get()`` of the first statement of ``body`` that mentions ``q``, if it makes one."""
    for statement in body:
        mentions = [node for node in ast.walk(statement) if ast.dump(node) == queue]
        if not mentions:
            continue
        calls = [node for node in ast.walk(statement) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                 and node.func.attr == "get" and ast.dump(node.func.value) == queue]
        return calls[0] if len(calls) == len(mentions) == 1 else None
    return None


def _new_lock(statement: ast.stmt, resolve: Callable[[ast.expr], str | None]) -> str | None:
    """``lock = threading.Lock()``: the local a new lock is bound to."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
        return None
    target, value = statement.targets[0], statement.value
    if not (isinstance(target, ast.Name) and isinstance(value, ast.Call)):
        return None
    written = value.func.attr if isinstance(value.func, ast.Attribute) else getattr(value.func, "id", "")
    if written not in _NAMES:
        return None  # most assignments: resolving their callee is the cost
    kind = resolve(value.func)
    if kind not in LOCK_TYPES:
        return None
    if kind in _SEMAPHORES and not _has_a_permit(value):
        return None
    return target.id


def _has_a_permit(call: ast.Call) -> bool:
    given = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "value"), None)
    if given is None:
        return True  # a semaphore starts with one permit
    return isinstance(given, ast.Constant) and isinstance(given.value, int) and given.value >= 1


def _first_use(following: list[ast.stmt], name: str) -> ast.Call | None:
    """The ``name.acquire(...)`` call of the first statement that mentions ``name``, if it is one."""
    for statement in following:
        mentions = [node for node in ast.walk(statement) if isinstance(node, ast.Name) and node.id == name]
        if not mentions:
            continue
        if isinstance(statement, (ast.Expr, ast.Assign, ast.AnnAssign, ast.Return, ast.If)):
            test = statement.test if isinstance(statement, ast.If) else statement.value
            if isinstance(test, ast.Call) and _acquires(test, name):
                return test
        return None
    return None


def _acquires(call: ast.Call, name: str) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr == "acquire" and isinstance(func.value, ast.Name) and func.value.id == name
