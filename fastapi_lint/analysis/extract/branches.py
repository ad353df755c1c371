"""Lines a function runs only for some values of one of its parameters: branches on a flag.

::

    def enqueue(self, batch, background=True):
        if background:
            EXECUTOR.submit(self.send, batch)   # runs when ``background`` is true
        else:
            self.send(batch)                    # runs when it is false

    def count(self, text, accurate=False):
        if not accurate:
            return estimate(text)
        return self.remote_count(text)          # the rest of the body: when ``accurate`` is true

A call that leaves ``background`` at its default, or passes a constant, takes one branch only:
the project phase drops the other from what that call runs (``analysis/call_arguments.py``).

The tests read: the parameter itself, ``not`` it, ``is None`` and ``is not None``. A parameter
the body binds again (``background = background or ...``) is not read: its value at a line is
no longer the caller's.
"""

from __future__ import annotations

import ast

from fastapi_lint.analysis.facts import Branch


def branches(body: list[ast.stmt], parameters: frozenset[str]) -> tuple[Branch, ...]:
    """Every branch of ``body`` (nested blocks too, not nested functions) on one of ``parameters``."""
    rebound = _rebound(body)
    found: list[Branch] = []
    _search(body, parameters - rebound, found)
    return tuple(found)


def _search(statements: list[ast.stmt], parameters: frozenset[str], found: list[Branch]) -> None:
    for index, statement in enumerate(statements):
        if isinstance(statement, ast.If):
            test = _test(statement.test, parameters)
            if test is not None:
                name, op, when = test
                found.append(Branch(name, op, when, statement.body[0].lineno, _end(statement.body[-1])))
                if statement.orelse:
                    found.append(Branch(name, op, not when, statement.orelse[0].lineno, _end(statement.orelse[-1])))
                elif _exits(statement.body) and index + 1 < len(statements):
                    rest = statements[index + 1:]
                    found.append(Branch(name, op, not when, rest[0].lineno, _end(rest[-1])))
        for block in _blocks(statement):
            _search(block, parameters, found)


def _test(test: ast.expr, parameters: frozenset[str]) -> tuple[str, str, bool] | None:
    """(parameter, ``truth`` or ``none``, the outcome the body runs on) of a test on one parameter."""
    if isinstance(test, ast.Name) and test.id in parameters:
        return test.id, "truth", True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _test(test.operand, parameters)
        return (inner[0], inner[1], not inner[2]) if inner is not None else None
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name)
            and test.left.id in parameters and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None and isinstance(test.ops[0], (ast.Is, ast.IsNot))):
        return test.left.id, "none", isinstance(test.ops[0], ast.Is)
    return None


def _exits(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise))


def _blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return []
    found = [getattr(statement, name) for name in ("body", "orelse", "finalbody")
             if isinstance(getattr(statement, name, None), list)]
    found.extend(handler.body for handler in getattr(statement, "handlers", ()))
    found.extend(case.body for case in getattr(statement, "cases", ()))
    return [block for block in found if block and isinstance(block[0], ast.stmt)]


def _rebound(body: list[ast.stmt]) -> frozenset[str]:
    """The names the body binds (assignments, loops, ``with ... as``, ``:=``, ``del``, ``global``)."""
    names: set[str] = set()
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                names.update(node.names)
    return frozenset(names)


def _end(statement: ast.stmt) -> int:
    return statement.end_lineno or statement.lineno
