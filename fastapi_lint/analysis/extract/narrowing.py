"""What a function's own tests tell about an object's flag where a call stands.

::

    for note in notes:
        if note.is_binary:
            queue_attachment(note)      # here ``note.is_binary`` is true
            continue
        await upsert_note(note)         # here it is false: the test above left the loop's pass

A call made where the caller has tested ``note.is_binary`` passes a ``note`` whose flag is
known; a branch of the callee on that flag of its parameter (``if payload.is_binary:``,
``extract/branches.py``) then runs only if the truth matches (``analysis/call_arguments.py``).

The tests read are a name's attribute (``note.is_binary``), whether the loop it names runs
(``loop.is_running()``: ``loop_misuse``), whether the Celery task it names is done
(``result.ready()``, ``result.successful()``: its ``get()`` then returns at once) or whether it equals a string or one of a list
(``model_name == "ChatGPT"``: the call below passes that string), ``not`` it, and each condition of an
``and`` for the ``if`` body. An ``if`` whose body always leaves (``return``, ``raise``,
``continue``, ``break``) tells the rest of its block the opposite. Lines where the name or its
attribute may be set again are told nothing.
"""

from __future__ import annotations

import ast

from fastapi_lint.analysis.blocks import last_line, statement_blocks


# Methods without arguments that ask an object's state: an event loop's, a Celery result's.
_STATE_QUESTIONS = frozenset({"is_running", "ready", "successful"})
# (first line, last line, the attribute as written, its truth on those lines)
Known = tuple[int, int, str, bool]


def known_truths(body: list[ast.stmt]) -> list[Known]:
    found: list[Known] = []
    for statements in statement_blocks(body):
        for index, statement in enumerate(statements):
            if isinstance(statement, ast.If):
                found.extend(_told_by(statement, statements[index + 1:]))
    return found


def _told_by(statement: ast.If, rest: list[ast.stmt]) -> list[Known]:
    found: list[Known] = []
    conditions = statement.test.values if isinstance(statement.test, ast.BoolOp) and isinstance(
        statement.test.op, ast.And) else [statement.test]
    for condition in conditions:
        tested = _flag(condition)
        if tested is not None and not _sets(statement.body, tested[0]):
            found.append((statement.body[0].lineno, last_line(statement.body[-1]), *tested))
    tested = _flag(statement.test)
    if tested is None:
        return found
    text, truth = tested
    if statement.orelse and not _sets(statement.orelse, text):
        found.append((statement.orelse[0].lineno, last_line(statement.orelse[-1]), text, not truth))
    elif not statement.orelse and rest and _leaves(statement.body) and not _sets(rest, text):
        found.append((rest[0].lineno, last_line(rest[-1]), text, not truth))
    return found


def _flag(test: ast.expr) -> tuple[str, bool] | None:
    """``note.is_binary`` (True) or ``not note.is_binary`` (False); ``loop.is_running()`` too."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _flag(test.operand)
        return (inner[0], not inner[1]) if inner is not None else None
    if isinstance(test, ast.Attribute) and isinstance(test.value, ast.Name):
        return f"{test.value.id}.{test.attr}", True
    if (isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr in _STATE_QUESTIONS
            and isinstance(test.func.value, ast.Name) and not test.args and not test.keywords):
        # ``if loop.is_running():``: the loop's state there; ``if result.ready():``: the task's
        return f"{test.func.value.id}.{test.func.attr}()", True
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq))
            and isinstance(test.left, ast.Name) and isinstance(test.comparators[0], ast.Constant)
            and isinstance(test.comparators[0].value, str)):
        # ``elif model_name == "ChatGPT":``: the name holds that string there (``told_strings``)
        return f"{test.left.id} in {(test.comparators[0].value,)!r}", isinstance(test.ops[0], ast.Eq)
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.In, ast.NotIn))
            and isinstance(test.left, ast.Name) and isinstance(test.comparators[0], (ast.List, ast.Tuple, ast.Set))
            and test.comparators[0].elts and all(isinstance(item, ast.Constant) and isinstance(item.value, str)
                                                 for item in test.comparators[0].elts)):
        strings = tuple(item.value for item in test.comparators[0].elts if isinstance(item, ast.Constant))
        return f"{test.left.id} in {strings!r}", isinstance(test.ops[0], ast.In)  # ``elif name in ["Qwen", "Qwen2"]:``
    return None


def told_strings(known: tuple[tuple[str, bool], ...], name: str) -> tuple[str, ...]:
    """The strings a test told ``name`` is one of where a call stands (``name == "ChatGPT"`` or
    ``name in ("Qwen", "Qwen2")`` true); () when no test told it."""
    prefix = f"{name} in "
    for text, truth in known:
        if truth and text.startswith(prefix):
            strings = ast.literal_eval(text[len(prefix):])
            return strings if isinstance(strings, tuple) and all(isinstance(item, str) for item in strings) else ()
    return ()


def _sets(statements: list[ast.stmt], text: str) -> bool:
    """Whether ``statements`` may bind the name of ``text`` (``note``) or set its attribute."""
    name, _, attribute = text.split(" ", 1)[0].partition(".")
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
                return True
            if (isinstance(node, ast.Attribute) and node.attr == attribute and not isinstance(node.ctx, ast.Load)
                    and isinstance(node.value, ast.Name) and node.value.id == name):
                return True
            if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
                return True
    return False


def _leaves(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))
