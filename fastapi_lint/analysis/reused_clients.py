"""Clients one operation builds and shares among its requests.

::

    async with httpx.AsyncClient() as client:        # one client for the whole upload
        session = await initiate(client, request)
        for chunk in chunks(path):
            await client.put(session, content=chunk)

A client built on every call and used for one request is the per-request mistake; a client
the same block uses for several requests in turn is what a client is for, within one operation:
its handshake and pool serve each of the operation's requests (an upload's chunks, the pages of
a listing). The construction is flagged (``CallSite.reused``) when the ordinary run of the
block makes two requests or more with the client it binds, counted thus:

- a method called on it is one (``client.get(...)``, ``llm.chat.completions.create(...)``),
  unless it sets the client up, closes it or makes another client from it (``close``,
  ``headers.update``, ``mount``, ``session.client("s3")``);
- handing it to a call is one (``fetch(client, url)``), or, when the callee is a function of
  the same module (or one defined in the same function) that names it as a parameter, as many
  as that function makes with the parameter, followed a few calls deep;
- in an ``async def``, only what is awaited where it is made (or entered by ``async with``)
  counts: coroutines handed to ``gather`` or to tasks run side by side, each on a connection of
  its own, and share no handshake;
- one inside a loop (``for``, ``while``, a comprehension) counts as two: it runs for each item;
  but not in a loop that may leave early (``return``, ``break``): a retry, a redirect or a
  search stops at its first success; unless the body steps a counter its calls read (``page +=
  1``): pages are read to the last, which the early exit finds;
- what only one branch makes (``if``, a conditional expression, the right of ``and``/``or``) is
  no ordinary request (a retry after a token refresh), nor is what an exception handler makes:
  a branch counts what both branches make;
- a function defined in the block counts what it makes with the client (a callback the
  operation calls, such as an upload's chunk sender).

The name is bound by ``with C(...) as name`` or ``async with`` (the uses in the statement's
later items and its body) or by ``name = C(...)`` (the uses in the statements after it, in its
block). What the block yields, returns or stores is not a use: a dependency that yields a new
client to its route builds one per request however often the route uses it.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterator, Mapping
from typing import NamedTuple, Union

from fastapi_lint.analysis.blocks import statement_blocks
from fastapi_lint.analysis.catalog.clients import CLIENTS

Def = Union[ast.FunctionDef, ast.AsyncFunctionDef]

# The names constructors are written with (``httpx.AsyncClient``, ``create_engine``): any other
# call is no construction the rules ask about, and is not looked at.
CONSTRUCTOR_NAMES = frozenset(path.rpartition(".")[2] for path in CLIENTS)

# What is called on a client to set it up, close it or make another client, not to make a request.
_NOT_REQUESTS = frozenset({
    "close", "aclose", "dispose", "terminate", "stop", "start", "flush",
    "__enter__", "__exit__", "__aenter__", "__aexit__",
    "headers", "cookies", "auth", "params", "proxies", "hooks", "adapters", "mount", "trust_env",
    "verify", "cert", "timeout", "base_url",
    "client", "resource", "get_credentials",
})
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_DEPTH = 3  # helpers followed below the block


class Module:
    """What a module offers the look: its functions by name, and the lines where a call is written
    with a constructor's name (``AsyncClient(``). A function spanning none of those lines builds
    nothing, and most functions are passed over at that."""

    def __init__(self, tree: ast.Module, lines: list[int]) -> None:
        self.functions: dict[str, Def] = {
            node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.lines = lines

    def may_build(self, function: Def) -> bool:
        at = bisect.bisect_left(self.lines, function.lineno)
        return at < len(self.lines) and self.lines[at] <= (function.end_lineno or function.lineno)


def module(tree: ast.Module, source: str) -> Module | None:
    """The module's look, or None when its text calls no constructor."""
    starts = sorted(_calls_written(source))
    if not starts:
        return None
    line, lines, position = 1, [], 0
    for start in starts:
        line += source.count("\n", position, start)
        position = start
        lines.append(line)
    return Module(tree, lines)


def _calls_written(source: str) -> Iterator[int]:
    """Where a name of ``CONSTRUCTOR_NAMES`` is written as called, ``AsyncClient(`` (found with
    ``str.find``: a pattern of all the names costs more than the rest of the look)."""
    for name in CONSTRUCTOR_NAMES:
        written = name + "("
        at = source.find(written)
        while at >= 0:
            if at == 0 or not (source[at - 1].isalnum() or source[at - 1] == "_"):
                yield at
            at = source.find(written, at + len(written))


def reused_constructions(function: Def, module: Module) -> set[int]:
    """The ``id`` of every construction call in ``function``'s body whose client the block uses
    for two requests or more."""
    found: set[int] = set()
    if not module.may_build(function):
        return found
    defs: dict[str, Def] | None = None
    is_async = isinstance(function, ast.AsyncFunctionDef)
    for block in statement_blocks(function.body):
        for index, statement in enumerate(block):
            for call, name, scope in _bindings(statement, block[index + 1:]):
                if defs is None:
                    defs = {**module.functions, **_local_defs(function.body)}
                if _Uses(name, defs).count(scope, is_async) >= 2:
                    found.add(id(call))
    return found


def _bindings(statement: ast.stmt, following: list[ast.stmt]) -> Iterator[tuple[ast.Call, str, list[ast.AST]]]:
    """``(construction, name, where the name is used)`` for each client ``statement`` binds."""
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        items = statement.items
        for position, item in enumerate(items):
            if isinstance(item.optional_vars, ast.Name) and isinstance(item.context_expr, ast.Call) \
                    and _constructs(item.context_expr):
                # ``async with`` enters (awaits) each later item: ``session.post(...) as response``
                later: list[ast.AST] = [ast.Await(rest.context_expr) if isinstance(statement, ast.AsyncWith)
                                        else rest.context_expr for rest in items[position + 1:]]
                yield item.context_expr, item.optional_vars.id, [*later, *statement.body]
        return
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target, value = statement.targets[0], statement.value
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target, value = statement.target, statement.value
    else:
        return
    if isinstance(target, ast.Name) and isinstance(value, ast.Call) and _constructs(value):
        yield value, target.id, list(following)


def _constructs(call: ast.Call) -> bool:
    func = call.func
    written = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return written in CONSTRUCTOR_NAMES


class _Uses:
    """How many requests the ordinary run of some code makes with the client named ``name``."""

    def __init__(self, name: str, defs: Mapping[str, Def]) -> None:
        self.name = name
        self.defs = defs
        self.following: set[str] = set()  # helpers being counted, against recursion

    def count(self, nodes: list[ast.AST], is_async: bool) -> int:
        return self._all(nodes, _Place(self.name, is_async, 0))

    def _all(self, nodes: list[ast.AST] | list[ast.stmt] | list[ast.expr], place: _Place) -> int:
        return sum(self._count(node, place) for node in nodes)

    def _count(self, node: ast.AST, place: _Place) -> int:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if place.name in _parameter_names(node.args):
                return 0  # a parameter of the same name hides the client
            inner = place._replace(is_async=isinstance(node, ast.AsyncFunctionDef))
            return self._count(node.body, inner) if isinstance(node, ast.Lambda) else self._all(node.body, inner)
        if isinstance(node, ast.ClassDef):
            return 0
        if isinstance(node, (ast.If, ast.IfExp)):  # a request made only on one branch is no ordinary one
            return self._count(node.test, place) + min(self._branch(node.body, place), self._branch(node.orelse, place))
        if isinstance(node, ast.BoolOp):
            return self._count(node.values[0], place)
        if type(node).__name__ in ("Try", "TryStar"):  # not the handlers
            return self._all([*getattr(node, "body"), *getattr(node, "orelse"), *getattr(node, "finalbody")], place)
        if type(node).__name__ == "Match":  # ``ast.Match`` is Python 3.10's
            return self._count(getattr(node, "subject"), place)
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            # A retry, a redirect or a search stops at the first success; a page after page does not,
            # though it leaves at the last page
            times = 1 if _leaves(node.body) and not _pages(node.body, place.name) else 2
            head = self._count(node.iter, place) if isinstance(node, (ast.For, ast.AsyncFor)) else 0
            test = times * self._count(node.test, place) if isinstance(node, ast.While) else 0
            return head + test + times * self._all(node.body, place) + self._all(node.orelse, place)
        if isinstance(node, _COMPREHENSIONS):
            return 2 * sum(self._count(child, place) for child in ast.iter_child_nodes(node))
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            return self._call(node.value, place, True) + self._children(node.value, place)
        if isinstance(node, ast.AsyncWith):
            return sum(self._call(item.context_expr, place, True) + self._children(item.context_expr, place)
                       if isinstance(item.context_expr, ast.Call) else self._count(item.context_expr, place)
                       for item in node.items) + self._all(node.body, place)
        if isinstance(node, ast.Call):
            return self._call(node, place, False) + self._children(node, place)
        return self._children(node, place)

    def _branch(self, branch: ast.AST | list[ast.stmt], place: _Place) -> int:
        return self._all(branch, place) if isinstance(branch, list) else self._count(branch, place)

    def _children(self, node: ast.AST, place: _Place) -> int:
        return sum(self._count(child, place) for child in ast.iter_child_nodes(node))

    def _call(self, call: ast.Call, place: _Place, awaited: bool) -> int:
        """The requests this one call makes with the client: one on it, or a helper's. In async
        code only what is awaited where it is made counts: a coroutine handed on (to ``gather``, to
        a task) runs beside the others, each on a connection of its own."""
        if place.is_async and not awaited:
            return 0
        chain = _attribute_chain(call.func, place.name)
        if chain:
            return 0 if _NOT_REQUESTS.intersection(chain) else 1
        total = 0
        for position, argument in enumerate(call.args):
            if isinstance(argument, ast.Name) and argument.id == place.name:
                total += self._in_helper(call.func, position, None, place)
        for keyword in call.keywords:
            if isinstance(keyword.value, ast.Name) and keyword.value.id == place.name:
                total += self._in_helper(call.func, None, keyword.arg, place)
        return total

    def _in_helper(self, func: ast.expr, position: int | None, keyword: str | None, place: _Place) -> int:
        """What a helper handed the client makes with it: one request, unless the helper is a
        function of this module whose body can be counted."""
        helper = self.defs.get(func.id) if isinstance(func, ast.Name) else None
        if helper is None or place.depth >= _DEPTH or helper.name in self.following:
            return 1
        parameter = _parameter(helper.args, position, keyword)
        if parameter is None:
            return 1
        self.following.add(helper.name)
        try:
            inner = _Place(parameter, isinstance(helper, ast.AsyncFunctionDef), place.depth + 1)
            return self._all(helper.body, inner)
        finally:
            self.following.discard(helper.name)


class _Place(NamedTuple):
    name: str  # what the client is called here
    is_async: bool  # in an ``async def``: a request counts where it is awaited
    depth: int  # helpers followed to get here


def _leaves(body: list[ast.stmt]) -> bool:
    """Whether a loop's body may leave it early (``return``, ``break``), not counting nested loops
    and functions."""
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Return, ast.Break)):
            return True
        if isinstance(node, (*_SCOPES, ast.For, ast.AsyncFor, ast.While)):
            continue
        pending.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, ast.expr))
    return False


def _pages(body: list[ast.stmt], client: str) -> bool:
    """Whether a loop's body steps a counter it requests with: ``page += 1`` (``offset +=
    size``) where a call of the body on the client (or handing it on) also reads ``page``. A
    search's candidate is the loop's own target, which the body does not step; a retry's
    attempt feeds the back-off, not the request; a redirect's next URL is assigned, not stepped."""
    stepped: set[str] = set()
    read: set[str] = set()
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            stepped.add(node.target.id)
        elif isinstance(node, ast.Call) and _with_client(node, client):
            read.update(name.id for argument in [*node.args, *(keyword.value for keyword in node.keywords)]
                        for name in ast.walk(argument) if isinstance(name, ast.Name))
        pending.extend(ast.iter_child_nodes(node))
    return bool(stepped & read)


def _with_client(call: ast.Call, client: str) -> bool:
    """``client.get(...)`` (any attribute chain of it), or a call handed the client."""
    return bool(_attribute_chain(call.func, client)) or any(
        isinstance(argument, ast.Name) and argument.id == client for argument in call.args)


def _attribute_chain(func: ast.expr, name: str) -> tuple[str, ...]:
    """``("chat", "completions", "create")`` for ``name.chat.completions.create``; empty when
    ``func`` is not an attribute of ``name``."""
    attributes: list[str] = []
    while isinstance(func, ast.Attribute):
        attributes.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name) and func.id == name and attributes:
        return tuple(reversed(attributes))
    return ()


def _parameter_names(arguments: ast.arguments) -> set[str]:
    names = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    names.update(a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None)
    return names


def _parameter(arguments: ast.arguments, position: int | None, keyword: str | None) -> str | None:
    """The parameter an argument binds: by position, or by keyword."""
    positional = [a.arg for a in [*arguments.posonlyargs, *arguments.args]]
    if position is not None:
        return positional[position] if position < len(positional) else None
    named = {*positional[len(arguments.posonlyargs):], *(a.arg for a in arguments.kwonlyargs)}
    return keyword if keyword in named else None


def _local_defs(body: list[ast.stmt]) -> dict[str, Def]:
    """The functions defined in a function's body, by name (not those of its nested functions)."""
    return {statement.name: statement for block in statement_blocks(body) for statement in block
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))}
