"""Small readings of ``ast`` nodes that phase 1 makes in several places: how a callee is
written, what an assignment binds, which statements a body runs at its own level, what a
``def``'s parameters are. Nothing here resolves a name.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi_lint.analysis.blocks import statement_blocks
from fastapi_lint.analysis.facts import Value
from fastapi_lint.diagnostics import Span


def declares_only(node: ast.FunctionDef | ast.AsyncFunctionDef, decorators: tuple[Value, ...]) -> bool:
    """An interface method: ``@abstractmethod``, or a body of ``...``/``pass``/``raise NotImplementedError``,
    or a default that gives nothing (``return []``, ``return None``): subclasses hold the work. Or
    one that only raises (``raise RuntimeError(VECTOR_DB_DISABLED_ERROR)`` in a disabled
    index): no implementation a deployment that calls it picks."""
    if any(d.ref is not None and d.ref.path.endswith("abstractmethod") for d in decorators):
        return True
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(
        body[0].value.value, str
    ):
        body = body[1:]  # the docstring
    if len(body) != 1:
        return False
    only = body[0]
    if isinstance(only, ast.Pass) or (isinstance(only, ast.Expr) and isinstance(only.value, ast.Constant)
                                      and only.value.value is Ellipsis):
        return True
    if isinstance(only, ast.Return) and (only.value is None or _empty_literal(only.value)):
        return True
    return isinstance(only, ast.Raise) and only.exc is not None


def _empty_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value is None or node.value in ("", b"")
    return isinstance(node, (ast.List, ast.Tuple, ast.Dict, ast.Set)) and not (
        node.keys if isinstance(node, ast.Dict) else node.elts)


def is_type_checking(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` or ``if typing.TYPE_CHECKING:``."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def live_blocks(node: ast.If) -> list[ast.stmt]:
    """The statements of an ``if``'s blocks that may run: not a block its test writes off in the
    source (``if False:``, ``elif model == "x" and False:``, ``if 0:``; the ``else`` of ``if
    True:``), code left in place but never run, but for the names such a block defines (its
    imports, functions and classes: ``if False: from app.models import Item``, an old spelling
    of ``if TYPE_CHECKING:``, gives annotations their types)."""
    truth = fixed_truth(node.test)
    return [*(node.body if truth is not False else _definitions(node.body)),
            *(node.orelse if truth is not True else _definitions(node.orelse))]


def _definitions(block: list[ast.stmt]) -> list[ast.stmt]:
    return [statement for statement in block if isinstance(statement, _DEFINITIONS)]


_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def fixed_truth(test: ast.expr) -> bool | None:
    """Whether a test is true or false whatever runs (literals, ``not``, ``and``, ``or`` of
    them); None when it depends on anything else."""
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = fixed_truth(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        found = [fixed_truth(value) for value in test.values]
        decides, other = (False, True) if isinstance(test.op, ast.And) else (True, False)
        if decides in found:
            return decides
        return other if all(value is other for value in found) else None
    return None


def self_parameter(
    node: ast.FunctionDef | ast.AsyncFunctionDef, class_path: str | None, decorators: tuple[Value, ...]
) -> tuple[str | None, str]:
    """A method's own first parameter and how guards spell it: ``self``, or ``cls`` in a class method."""
    positional = [*node.args.posonlyargs, *node.args.args]
    if class_path is None or not positional:
        return None, "self"
    kinds = {d.ref.path for d in decorators if d.ref is not None}
    if kinds & {"builtins.staticmethod", "staticmethod"}:
        return None, "self"
    if kinds & {"builtins.classmethod", "classmethod"} or node.name == "__new__":
        return positional[0].arg, "cls"
    return positional[0].arg, "self"


def top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements of a module's or a function's body, looking into if/try/with/for blocks but not into defs."""
    found: list[ast.stmt] = []
    pending = list(body)
    while pending:
        node = pending.pop(0)
        found.append(node)
        if isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
            pending.extend(node.body)
            pending.extend(getattr(node, "orelse", []))
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            pending.extend(node.body)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                pending.extend(handler.body)
            pending.extend(node.orelse)  # type: ignore[attr-defined]
            pending.extend(node.finalbody)  # type: ignore[attr-defined]
    return found


def assigned_names(node: ast.stmt) -> list[str]:
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        targets = [node.target]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    names: list[str] = []
    for target in targets:
        names.extend(bound_by(target))
    return names


def bound_by(target: ast.expr) -> list[str]:
    """Names an assignment target binds: ``a``, ``a, *b``; never the ``app`` of ``app.state.x = ...``."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return bound_by(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in bound_by(element)]
    return []


def names_of(target: ast.expr) -> list[str]:
    return [sub.id for sub in ast.walk(target) if isinstance(sub, ast.Name)]


def literal_start(node: ast.JoinedStr) -> str:
    """The text an f-string starts with, before its first placeholder: ``sqlite:///``."""
    start = ""
    for part in node.values:
        if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
            break
        start += part.value
    return start


def callee_text(node: ast.expr) -> str:
    """A short rendering of a callee for messages, without ``ast.unparse``'s cost."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{callee_text(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{callee_text(node.func)}()"
    if isinstance(node, ast.Subscript):
        return f"{callee_text(node.value)}[...]"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        right = node.right
        shown = repr(right.value) if isinstance(right, ast.Constant) and isinstance(right.value, str) else callee_text(right)
        return f"({callee_text(node.left)} / {shown})"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return f"({callee_text(node.left)} | {callee_text(node.right)})"
    return "(...)"


def switch_parameters(arguments: ast.arguments) -> frozenset[str]:
    """The parameters with a constant default (``ignore_cache: bool = False``): a caller's switch."""
    positional = [*arguments.posonlyargs, *arguments.args]
    pairs = [*zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults),
             *zip(arguments.kwonlyargs, arguments.kw_defaults)]
    return frozenset(arg.arg for arg, default in pairs
                     if isinstance(default, ast.Constant) and (default.value is None or isinstance(default.value, bool)))


def caller_parameters(arguments: ast.arguments, self_name: str | None) -> frozenset[str]:
    """Every parameter but a method's own first one: the slots a caller fills."""
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    return frozenset(arg.arg for arg in every if arg.arg != self_name)


LOOPS = (ast.For, ast.AsyncFor, ast.While)
# What opens a scope of its own: its body is not its parent's.
NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


# ``walked``'s lists while a file is summarised (``walking``), by node: the node is held too, so
# its id stays its own. None outside: nothing is kept.
_WALKED: dict[int, tuple[ast.AST, list[ast.AST]]] | None = None


@contextmanager
def walking() -> Iterator[None]:
    """While one file is summarised: several facts are read from each function's statements in
    passes of their own (loops' items, bound constants, rebound names, copied parameters, clock
    readings), each over every node; ``walked`` lists a statement's nodes once for all of them."""
    global _WALKED
    outer, _WALKED = _WALKED, {}
    try:
        yield
    finally:
        _WALKED = outer


def walked(node: ast.AST) -> list[ast.AST]:
    """``ast.walk(node)``'s nodes, in its order; listed once per node while ``walking``."""
    if _WALKED is None:
        return _breadth_first(node)
    found = _WALKED.get(id(node))
    if found is None:
        found = _WALKED[id(node)] = (node, _breadth_first(node))
    return found[1]


def _breadth_first(node: ast.AST) -> list[ast.AST]:
    """``list(ast.walk(node))``, the same nodes in the same order, without its generators (a
    third of phase 1's walking)."""
    found = [node]
    at = 0
    while at < len(found):
        current = found[at]
        at += 1
        for name in current._fields:
            value = getattr(current, name, None)
            if isinstance(value, list):
                found.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                found.append(value)
    return found


def own_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """``node`` and what it holds, without the bodies of nested functions, classes and lambdas."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, NESTED_SCOPES):
                pending.append(child)


def worked_in_steps(body: list[ast.stmt]) -> set[int]:
    """The calls (by ``id``) that open what the code after them works on in steps, awaiting in a
    loop (``while True: rows = await cursor.fetch(1000)``, ``async for chunk in stream:``): a
    ``with`` item whose block does, or a call assigned to a name before statements of its block
    that do (``CallSite.stepped``)."""
    found: set[int] = set()
    for block in statement_blocks(body):
        for index, statement in enumerate(block):
            if isinstance(statement, ast.With) and _awaits_in_a_loop(statement.body):
                found.update(id(item.context_expr) for item in statement.items if isinstance(item.context_expr, ast.Call))
            elif (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)
                  and _awaits_in_a_loop(block[index + 1:])):
                found.add(id(statement.value))
    return found


def takes_one_item(loop: ast.For) -> bool:
    """Whether a ``for`` takes only the first item of what it iterates: its body ends in a
    ``break`` it always reaches (no ``continue`` anywhere in it, to keep the rule simple)."""
    return bool(loop.body) and isinstance(loop.body[-1], ast.Break) and not any(
        isinstance(node, ast.Continue) for statement in loop.body for node in own_nodes(statement))


def _awaits_in_a_loop(statements: list[ast.stmt]) -> bool:
    """Whether statements await in a loop of their own: they work in steps, giving the loop back
    between them."""
    return any(
        isinstance(node, ast.AsyncFor) or (isinstance(node, LOOPS) and any(
            isinstance(inner, (ast.Await, ast.AsyncWith)) for inner in own_nodes(node)))
        for statement in statements if not isinstance(statement, NESTED_SCOPES)
        for node in own_nodes(statement)
    )


def bound_constants(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
) -> tuple[dict[str, ast.Constant], dict[str, tuple[str, ...]]]:
    """The locals, not parameters nor declared ``global``/``nonlocal``, that a function binds only
    to literals: those bound in one statement (``premium = False``: the literal is what any read
    of them gives), and those bound in several, each to a string (``if remote: method =
    "get_adapter_impl"`` / ``else: method = "get_provider_impl"``: one of those strings)."""
    parameters = {arg.arg for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
    constants: dict[str, list[ast.Constant]] = {}
    stores: dict[str, int] = {}
    declared: set[str] = set()
    for statement in node.body:
        for inner in walked(statement):
            if (isinstance(inner, ast.Assign) and len(inner.targets) == 1 and isinstance(inner.targets[0], ast.Name)
                    and isinstance(inner.value, ast.Constant)):
                constants.setdefault(inner.targets[0].id, []).append(inner.value)
            elif isinstance(inner, ast.Name) and not isinstance(inner.ctx, ast.Load):
                stores[inner.id] = stores.get(inner.id, 0) + 1
            elif isinstance(inner, (ast.Global, ast.Nonlocal)):
                declared.update(inner.names)
    literals: dict[str, ast.Constant] = {}
    strings: dict[str, tuple[str, ...]] = {}
    for name, values in constants.items():
        if stores.get(name) != len(values) or name in parameters or name in declared:
            continue  # bound some other way too
        if len(values) == 1:
            literals[name] = values[0]
        elif all(isinstance(value.value, str) for value in values):
            strings[name] = tuple(dict.fromkeys(str(value.value) for value in values))
    return literals, strings


# How many items a loop's target is followed through (a service's list of its routers).
MAX_LOOP_ITEMS = 64


def loop_items(body: list[ast.stmt]) -> dict[str, tuple[ast.expr, ...]]:
    """What each pass of a loop of ``body`` binds its target to, when every pass is written out:
    ``for router in (auth.router, users.router):``, or a local list the body builds in literals
    and ``append``/``extend`` calls only (``routers = []``, ``routers.append((auth.router, "/auth"))``,
    then ``for router, prefix in routers:``). A target bound elsewhere too is left out."""
    lists: dict[str, list[ast.expr]] = {}
    stores: dict[str, int] = {}
    spoilt: set[str] = set()
    loops: list[ast.For | ast.AsyncFor] = []
    for statement in body:
        for inner in walked(statement):
            if isinstance(inner, ast.Name) and not isinstance(inner.ctx, ast.Load):
                stores[inner.id] = stores.get(inner.id, 0) + 1
            if isinstance(inner, (ast.For, ast.AsyncFor)):
                loops.append(inner)
            elif (isinstance(inner, ast.Assign) and len(inner.targets) == 1 and isinstance(inner.targets[0], ast.Name)
                  and isinstance(inner.value, (ast.List, ast.Tuple))):
                lists.setdefault(inner.targets[0].id, []).extend(inner.value.elts)
            elif (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
                  and isinstance(inner.func.value, ast.Name) and inner.func.attr in ("append", "extend")):
                added = _added(inner)
                if added is None:
                    spoilt.add(inner.func.value.id)
                else:
                    lists.setdefault(inner.func.value.id, []).extend(added)
    found: dict[str, list[ast.expr]] = {}
    bound_by_loops: dict[str, int] = {}
    for loop in loops:
        items = _passes(loop.iter, lists, spoilt, stores)
        if items is None:
            continue
        for position, target in _targets(loop.target, items):
            bound_by_loops[target] = bound_by_loops.get(target, 0) + 1
            found.setdefault(target, []).extend(
                item if position is None else item.elts[position] for item in items)  # type: ignore[attr-defined]
    return {name: tuple(items) for name, items in found.items() if stores.get(name) == bound_by_loops[name]}


def _added(call: ast.Call) -> list[ast.expr] | None:
    """What ``x.append(item)`` or ``x.extend([a, b])`` adds, when written out."""
    if len(call.args) != 1 or call.keywords:
        return None
    added = call.args[0]
    if not isinstance(call.func, ast.Attribute) or call.func.attr == "append":
        return [added]
    return list(added.elts) if isinstance(added, (ast.List, ast.Tuple)) else None


def _passes(iterated: ast.expr, lists: dict[str, list[ast.expr]], spoilt: set[str],
            stores: dict[str, int]) -> list[ast.expr] | None:
    """The items a loop over ``iterated`` takes, when each is written out."""
    if isinstance(iterated, (ast.List, ast.Tuple, ast.Set)):
        items: list[ast.expr] | None = list(iterated.elts)
    elif isinstance(iterated, ast.Name) and iterated.id not in spoilt and stores.get(iterated.id) == 1:
        items = lists.get(iterated.id)
    else:
        items = None
    if not items or len(items) > MAX_LOOP_ITEMS or any(isinstance(item, ast.Starred) for item in items):
        return None
    return items


def _targets(target: ast.expr, items: list[ast.expr]) -> list[tuple[int | None, str]]:
    """The names a loop's target binds, each with its position in a tuple item (None: the item)."""
    if isinstance(target, ast.Name):
        return [(None, target.id)]
    if (isinstance(target, ast.Tuple) and all(isinstance(name, ast.Name) for name in target.elts)
            and all(isinstance(item, ast.Tuple) and len(item.elts) == len(target.elts) for item in items)):
        return [(position, name.id) for position, name in enumerate(target.elts) if isinstance(name, ast.Name)]
    return []


# A route's decorator left in a comment (``# @router.post("/upload")  # Deprecated``).
_COMMENTED_ROUTE = re.compile(r"#\s*@\s*[\w.]+\.(get|post|put|patch|delete|head|options|trace|api_route|route|websocket)\s*\(")


def route_commented_out(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> bool:
    """Whether the comments right above the function (its decorators, or its ``def``) hold a
    route's decorator: the author took the route out, and nothing registers the function."""
    at = min([decorator.lineno for decorator in node.decorator_list] + [node.lineno]) - 2
    while 0 <= at < len(lines) and lines[at].lstrip().startswith("#"):
        if _COMMENTED_ROUTE.match(lines[at].lstrip()):
            return True
        at -= 1
    return False

def arguments(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[list[ast.arg], list[ast.arg], list[ast.expr | None]]:
    """A def's positional parameters, and all of its parameters in order with their defaults."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    all_args = [*positional, *([args.vararg] if args.vararg else []), *args.kwonlyargs, *([args.kwarg] if args.kwarg else [])]
    all_defaults = [*defaults, *([None] if args.vararg else []), *args.kw_defaults, *([None] if args.kwarg else [])]
    return positional, all_args, all_defaults


def def_span(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str], def_col: int) -> Span:
    """From ``def`` (or ``async``) to the end of the function's name, on the ``def`` line."""
    line = node.lineno
    text = lines[line - 1] if line <= len(lines) else ""
    found = text.find(node.name, def_col)
    end = found + len(node.name) if found >= 0 else def_col
    return Span(line, def_col, line, end)


def first_yield(body: list[ast.stmt]) -> int:
    """The last line of the first ``yield`` statement a generator's body always reaches: at its
    top level, or in a ``try`` or ``with`` block there (``try: yield db`` / ``finally: db.close()``);
    0 when a branch or a loop may pass before one."""
    for statement in body:
        if isinstance(statement, (ast.Expr, ast.Assign, ast.AnnAssign)) and isinstance(statement.value, ast.Yield):
            return statement.end_lineno or statement.lineno
        if isinstance(statement, (ast.With, ast.AsyncWith, ast.Try)):
            found = first_yield(statement.body)
            if found:
                return found
        if any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in own_nodes(statement)):
            return 0  # one under a branch or in a loop: the first item may come from anywhere after
    return 0
