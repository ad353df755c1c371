"""Tests of how old something is: a clock's reading compared with a stamp.

A cache's entry whose stamp a clock finds fresh is kept (``lazy_init.py``: a time to live), and
code past ``if minutes_passed <= INTERVAL: continue`` runs once per period (a throttle). What
reads a clock: ``time.time()`` and its kin, and the locals a function binds to a reading or works
out from one (``minutes_passed = (now - last).total_seconds() / 60``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from fastapi_lint.analysis.extract.syntax import walked

# Calls that read a clock: a stamp compared with one says how old a cache's entry is.
_CLOCKS = ("time.time", "time.monotonic", "time.perf_counter", "datetime.now", "datetime.utcnow", "loop.time")


def ages(test: ast.expr, clock_names: Callable[[], frozenset[str]]) -> bool | None:
    """Whether a comparison with a clock finds an entry stale (``now - ts > TTL``, ``ts + TTL < now``)
    or fresh (``ts + TTL > now``); None for any other test. ``clock_names`` gives the locals that
    hold a reading (``clock_locals``), asked only for a test that compares: most functions have none."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Gt, ast.GtE, ast.Lt, ast.LtE))):
        return None
    clocks = clock_names()
    on_left = any(_reads_clock(node, clocks) for node in ast.walk(test.left))
    on_right = any(_reads_clock(node, clocks) for node in ast.walk(test.comparators[0]))
    if on_left == on_right:
        return None
    return on_left == isinstance(test.ops[0], (ast.Gt, ast.GtE))


def throttles(statement: ast.stmt, clock_names: Callable[[], frozenset[str]]) -> bool:
    """``if minutes_passed <= INTERVAL: continue`` (or ``return``), ``minutes_passed`` read from a
    clock: what follows runs only once the interval has passed since the last time; also an ``if``
    that ends so (``if provider.last_pull is not None: ...; if fresh: continue``: the first time
    runs, then once per period)."""
    if not isinstance(statement, ast.If) or statement.orelse or not statement.body:
        return False
    last = statement.body[-1]
    if isinstance(last, (ast.Continue, ast.Return)):
        return ages(statement.test, clock_names) is False
    return throttles(last, clock_names)


def stale_elif(statement: ast.If, clock_names: Callable[[], frozenset[str]]) -> ast.If | None:
    """The ``elif`` of ``if missing: ... elif now - self._at > TTL: ...``, when it finds an entry
    stale: the same code again once per period, as ``if missing or stale:`` runs it."""
    elif_ = statement.orelse[0] if len(statement.orelse) == 1 and isinstance(statement.orelse[0], ast.If) else None
    return elif_ if elif_ is not None and ages(elif_.test, clock_names) else None


def _reads_clock(node: ast.AST, clocks: frozenset[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in clocks
    return isinstance(node, ast.Call) and _dotted(node.func).endswith(_CLOCKS)


def clock_locals(body: list[ast.stmt]) -> frozenset[str]:
    """``now = time.time()``, ``now = int(time.time())``: the locals a function binds to a clock's
    reading; and those it works out from one (``minutes = (now - last).total_seconds() / 60``)."""
    assignments = [node for statement in body for node in walked(statement) if isinstance(node, ast.Assign)]
    found = {target.id for node in assignments if isinstance(node.value, ast.Call) and _a_reading(node.value)
             for target in node.targets if isinstance(target, ast.Name)}
    for node in assignments:  # in the order written: a local worked out from one worked out before
        if any(isinstance(sub, ast.Name) and sub.id in found for sub in ast.walk(node.value)):
            found.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return frozenset(found)


def _a_reading(call: ast.Call) -> bool:
    if _dotted(call.func).endswith(_CLOCKS):
        return True
    return (isinstance(call.func, ast.Name) and call.func.id in ("int", "float", "round") and len(call.args) == 1
            and isinstance(call.args[0], ast.Call) and _a_reading(call.args[0]))


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""
