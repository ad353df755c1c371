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

The tests read: the parameter itself or an attribute of it (``if payload.is_binary:``, named
``payload.is_binary``: what the caller's own tests tell of the object it passes,
``extract/narrowing.py``), ``not`` it, ``is True`` or ``== False`` (its truth), ``is None`` and ``is not None``, ``==`` or
``!=`` a string and ``in`` or ``not in`` a literal list of strings (op ``in``, the strings in
``types``: ``if content_type == "json":``), ``==``, ``!=``, ``is`` or ``is not`` an enumeration's
member (op ``member``, its dotted path in ``types``: ``if kind != ConnectionType.AUTO:``); and its type,
by ``isinstance(value, Image)`` (or a tuple of types) or a ``match value:`` arm ``case Image():``
(op ``isinstance``, the types named by their dotted paths). A parameter the body binds again
(``background = background or ...``) is read only by a test of the body's own block before the
statement that first binds it: after that, its value is no longer the caller's.
"""

from __future__ import annotations

import ast

from collections.abc import Callable

from fastapi_lint.analysis.blocks import bound_once, last_line, statement_blocks
from fastapi_lint.analysis.extract.attributes import parameter_copies
from fastapi_lint.analysis.extract.syntax import walked
from fastapi_lint.analysis.facts import Branch

Resolve = Callable[[ast.expr], "str | None"]
_Test = tuple[str, str, bool, tuple[str, ...]]


def branches(body: list[ast.stmt], parameters: frozenset[str], resolve: Resolve,
             self_name: str | None = None, star_kwargs: str | None = None) -> tuple[Branch, ...]:
    """Every branch of ``body`` (nested blocks too, not nested functions) on one of ``parameters``;
    ``resolve`` names a type written in a test by its dotted path. In a method, an attribute the
    body sets from a parameter and from nothing else (``self.script = script``, ``self.cache_enabled
    = cache``) is that parameter;
    a local the body binds once, to ``kwargs.get("role")`` of its ``**kwargs`` (``star_kwargs``),
    is the keyword ``role``."""
    first = _first_bindings(body)
    rebound = frozenset(first)
    kept = parameters - rebound
    keywords = _keyword_locals(body, star_kwargs) if star_kwargs and star_kwargs not in rebound else {}
    fields = _kept_attributes(body, kept, self_name)
    renamed = {**keywords, **{field: parameter for field, parameter in fields.items() if field not in parameters}}
    found: list[Branch] = []
    _search(body, kept | frozenset(f"{self_name}.{field}" for field in fields) | frozenset(keywords), resolve, found)
    bound_again = parameters & rebound
    if bound_again:  # a test before the body binds a parameter again still reads the caller's value
        for index in range(len(body)):
            _branches_of(body, index, frozenset(name for name in bound_again if first[name] > index), resolve, found)
    return tuple(branch._replace(name=renamed.get(branch.name, branch.name)) for branch in found)


def _keyword_locals(body: list[ast.stmt], star_kwargs: str) -> dict[str, str]:
    """``role = kwargs.get("role")`` (or ``kwargs.get("role", default)``), the only binding of
    ``role`` in the body: the local -> the keyword it reads."""
    found: dict[str, str] = {}
    for statements in statement_blocks(body):
        for statement in statements:
            value = statement.value if isinstance(statement, ast.Assign) and len(statement.targets) == 1 else None
            target = statement.targets[0] if isinstance(statement, ast.Assign) else None
            if (isinstance(target, ast.Name) and isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                    and value.func.attr == "get" and isinstance(value.func.value, ast.Name)
                    and value.func.value.id == star_kwargs and value.args and isinstance(value.args[0], ast.Constant)
                    and isinstance(value.args[0].value, str)):
                found[target.id] = value.args[0].value
    once = bound_once(body) if found else set()
    return {local: keyword for local, keyword in found.items() if local in once}


def _kept_attributes(body: list[ast.stmt], parameters: frozenset[str], self_name: str | None) -> dict[str, str]:
    """The fields the body's own statements copy from a parameter (``self.script = script``,
    ``self.cache_enabled = cache``) and nothing else in the body sets: field -> parameter. A
    test on the field is one on the parameter."""
    copies = parameter_copies(body, parameters, self_name)
    return {field: parameter for field, parameter in copies.items() if field == parameter or field not in parameters}


def _search(body: list[ast.stmt], parameters: frozenset[str], resolve: Resolve, found: list[Branch]) -> None:
    for statements in statement_blocks(body):
        for index, statement in enumerate(statements):
            _branches_of(statements, index, parameters, resolve, found)


def _branches_of(statements: list[ast.stmt], index: int, parameters: frozenset[str], resolve: Resolve,
                 found: list[Branch]) -> None:
    """The branches the statement at ``index`` of a block makes (an early exit: over the rest of it)."""
    statement = statements[index]
    if isinstance(statement, ast.If) and isinstance(statement.test, ast.BoolOp) and isinstance(statement.test.op, ast.And):
        # ``if script and not js:``: the body runs only when each condition holds
        for condition in statement.test.values:
            test = _test(condition, parameters, resolve)
            if test is not None:
                name, op, when, types = test
                found.append(Branch(name, op, when, statement.body[0].lineno, last_line(statement.body[-1]), types))
    elif isinstance(statement, ast.If):
        test = _test(statement.test, parameters, resolve)
        if test is not None:
            name, op, when, types = test
            found.append(Branch(name, op, when, statement.body[0].lineno, last_line(statement.body[-1]), types))
            if statement.orelse:
                found.append(Branch(name, op, not when, statement.orelse[0].lineno,
                                    last_line(statement.orelse[-1]), types))
            elif _exits(statement.body) and index + 1 < len(statements):
                found.append(Branch(name, op, not when, statements[index + 1].lineno, last_line(statements[-1]), types))
    elif type(statement).__name__ == "Match":
        subject = getattr(statement, "subject")
        if isinstance(subject, ast.Name) and subject.id in parameters:
            for case in getattr(statement, "cases"):
                types = _class_pattern(case.pattern, resolve)
                if types and case.guard is None and case.body:
                    found.append(Branch(subject.id, "isinstance", True, case.body[0].lineno, last_line(case.body[-1]), types))


def _class_pattern(pattern: ast.AST, resolve: Resolve) -> tuple[str, ...]:
    """The types a ``case`` arm matches by class (``case Image():``, ``case A() | B():``); () for
    any other pattern."""
    if type(pattern).__name__ == "MatchClass":
        path = resolve(getattr(pattern, "cls"))
        return (path,) if path else ()
    if type(pattern).__name__ == "MatchOr":
        found = [_class_pattern(alternative, resolve) for alternative in getattr(pattern, "patterns")]
        return tuple(path for types in found for path in types) if all(found) else ()
    return ()


def _test(test: ast.expr, parameters: frozenset[str], resolve: Resolve) -> _Test | None:
    """(parameter, ``truth``, ``none``, ``in`` or ``isinstance``, the outcome the body runs on, the
    types or strings tested) of a test on one parameter."""
    if isinstance(test, ast.Name) and test.id in parameters:
        return test.id, "truth", True, ()
    if (isinstance(test, ast.Attribute) and isinstance(test.value, ast.Name)
            and f"{test.value.id}.{test.attr}" in parameters):
        return test.attr, "truth", True, ()  # ``self.script``, set from the parameter ``script``
    if (isinstance(test, ast.Attribute) and isinstance(test.value, ast.Name) and test.value.id in parameters
            and test.value.id not in ("self", "cls")):
        return f"{test.value.id}.{test.attr}", "truth", True, ()  # a flag of the object passed
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _test(test.operand, parameters, resolve)
        return (inner[0], inner[1], not inner[2], inner[3]) if inner is not None else None
    if (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance"
            and len(test.args) == 2 and not test.keywords and isinstance(test.args[0], ast.Name)
            and test.args[0].id in parameters):
        written = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
        types = [resolve(node) for node in written]
        if types and all(types):
            return test.args[0].id, "isinstance", True, tuple(path for path in types if path)
        return None
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.comparators[0], ast.Constant)
            and isinstance(test.comparators[0].value, bool) and isinstance(test.ops[0], (ast.Is, ast.IsNot, ast.Eq, ast.NotEq))):
        # ``if self.publish is True:``: the flag's truth (a truthy value that is not ``True`` aside)
        inner = _test(test.left, parameters, resolve)
        if inner is None or inner[1] != "truth":
            return None
        holds = test.comparators[0].value is isinstance(test.ops[0], (ast.Is, ast.Eq))
        return inner[0], "truth", inner[2] is holds, inner[3]
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name)
            and test.left.id in parameters and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None and isinstance(test.ops[0], (ast.Is, ast.IsNot))):
        return test.left.id, "none", isinstance(test.ops[0], ast.Is), ()
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name)
            and test.left.id in parameters):
        strings = _strings(test.comparators[0], isinstance(test.ops[0], (ast.In, ast.NotIn)))
        if strings is not None and isinstance(test.ops[0], (ast.Eq, ast.NotEq, ast.In, ast.NotIn)):
            return test.left.id, "in", isinstance(test.ops[0], (ast.Eq, ast.In)), strings
        number = test.comparators[0]
        if (type(test.ops[0]) in _ORDERINGS and isinstance(number, ast.Constant)
                and type(number.value) in (int, float)):
            return test.left.id, "cmp", True, (_ORDERINGS[type(test.ops[0])], repr(number.value))
        member = _member(test.comparators[0], parameters, resolve)
        if member is not None and isinstance(test.ops[0], (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
            return test.left.id, "member", isinstance(test.ops[0], (ast.Eq, ast.Is)), (member,)
    return None


def _member(node: ast.expr, parameters: frozenset[str], resolve: Resolve) -> str | None:
    """The dotted path of an enumeration's member a parameter is compared with
    (``ConnectionType.AUTO``): an attribute of a capitalized name that is no parameter."""
    if not (isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Name, ast.Attribute))):
        return None
    root: ast.expr = node.value
    while isinstance(root, ast.Attribute):
        root = root.value
    owner = node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id
    if not isinstance(root, ast.Name) or root.id in parameters or not owner[:1].isupper():
        return None
    return resolve(node)


# ``if parts > 1:``: a number compared with a parameter (``Branch.op`` ``cmp``).
_ORDERINGS: dict[type, str] = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<="}


def _strings(node: ast.expr, collection: bool) -> tuple[str, ...] | None:
    """The strings a parameter is compared with: ``"json"``, or ``("csv", "tsv")`` after ``in``."""
    if collection and not isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return None
    written = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and collection else [node]
    strings = [item.value for item in written if isinstance(item, ast.Constant) and isinstance(item.value, str)]
    return tuple(strings) if written and len(strings) == len(written) else None


def _exits(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise))


def _first_bindings(body: list[ast.stmt]) -> dict[str, int]:
    """Each name the body binds -> the index of the first statement of the body's own block that
    binds it (``for household_id in household_ids:`` after ``if not household_id:``)."""
    first: dict[str, int] = {}
    for index, statement in enumerate(body):
        for name in _rebound([statement]):
            first.setdefault(name, index)
    return first


def _rebound(body: list[ast.stmt]) -> frozenset[str]:
    """The names the body binds (assignments, loops, ``with ... as``, ``:=``, ``del``, ``global``)."""
    names: set[str] = set()
    for statement in body:
        for node in walked(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                names.update(node.names)
    return frozenset(names)
