"""Python's rule for a function's own names: every name a body binds is local to it, wherever
in the body it is bound. Phase 1 reads the bindings before walking the body, typed where it can
(an import, a def, ``x = Client()``, an annotation, a parameter's type or dependency), so that a
call through a local name resolves.
"""

from __future__ import annotations

import ast
import bisect

from fastapi_lint.analysis.extract.downgrade.nodes import node_class
from fastapi_lint.analysis.extract.syntax import NESTED_SCOPES, assigned_names, bound_by, callee_text
from fastapi_lint.analysis.facts import Ref, RefKind
from fastapi_lint.analysis.names import UNTYPED, Redefinition, Resolver, Scope, import_bindings

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Fields of compound statements (and of except handlers, match cases) that hold statements.
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")
# ``match`` patterns exist from Python 3.10; on 3.9 a file read by ``downgrade`` holds stand-ins.
_PATTERN_BINDERS = tuple(node_class(name) for name in ("MatchAs", "MatchStar", "MatchMapping"))
# Annotations that name no type a call could be resolved through.
_UNTELLING_NAMES = frozenset({"Callable", "Any", "object"})


def bind_locals(
    body: list[ast.stmt],
    scope: Scope,
    package: str,
    owner: str,
    walrus: tuple[int, ...],
    redefined: dict[int, Redefinition],
) -> None:
    """Every name a function body binds is local to it (Python's rule), typed when it can be.
    A name bound several ways (on two branches, or rebound) keeps each (``Scope.others``),
    unless one of them is unknown (a loop target, say): then it is unknown.

    ``walrus``: the lines of the file that hold ``:=``, where assignment expressions can be.
    """
    declared_outer: set[str] = set()
    unknown: set[str] = set()
    nodes = _walk_own(body, walrus)
    items = _list_items(nodes)
    for node in nodes:
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared_outer.update(node.names)
            if isinstance(node, ast.Global):
                scope.module_names.update(node.names)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for local, target in import_bindings(node, package):
                _bind_ref(scope, unknown, local, Ref(target))
        elif isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            again = redefined.get(id(node))
            if again is None or again.alternative:
                _bind_ref(scope, unknown, node.name, Ref(f"{owner}.{again.segment if again else node.name}"))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            _bind_lazy(scope, unknown, node.targets[0].id, node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and _untelling(node.annotation):
            # ``handler: Callable[..., Any]``, then ``handler = authed`` on one branch and
            # ``handler = anonymous`` on the other: the values say which functions it holds.
            if node.value is not None:
                _bind_lazy(scope, unknown, node.target.id, node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            # An annotation names the type outright, whatever the value.
            scope.names.pop(node.target.id, None)
            scope.others.pop(node.target.id, None)
            scope.lazy[node.target.id] = ("annotation", node.annotation)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    _bind_lazy(scope, unknown, item.optional_vars.id, item.context_expr)
                elif item.optional_vars is not None:
                    unknown.update(bound_by(item.optional_vars))
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            _bind_lazy(scope, unknown, node.target.id, node.value)
        elif (isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name)
              and (element := _item_of(node.iter, items)) is not None):
            _bind_lazy(scope, unknown, node.target.id, element)  # ``for future in futures:``
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.For, ast.AsyncFor, ast.AnnAssign)):
            unknown.update(assigned_names(node))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            unknown.add(node.name)
        elif isinstance(node, _PATTERN_BINDERS[:2]) and getattr(node, "name", None):
            unknown.add(getattr(node, "name"))
        elif isinstance(node, _PATTERN_BINDERS[2:]) and getattr(node, "rest", None):
            unknown.add(getattr(node, "rest"))
    for name in unknown:
        scope.forget(name)
    for name in declared_outer:
        scope.names.pop(name, None)
        scope.lazy.pop(name, None)
        scope.others.pop(name, None)


def _list_items(nodes: list[ast.AST]) -> dict[str, ast.expr]:
    """The local lists a body builds and what every item of each is: ``futures = []`` then only
    ``futures.append(pool.submit(...))`` (items alike; a local bound once to the item, as in
    ``futures.append(future)``, stands for its value), or ``futures = [pool.submit(f) for f in fs]``."""
    bound: dict[str, list[ast.expr]] = {}
    stored: set[str] = set()
    appended: dict[str, list[ast.expr]] = {}
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            bound.setdefault(node.targets[0].id, []).append(node.value)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
            stored.update(assigned_names(node) if not isinstance(node, (ast.With, ast.AsyncWith)) else
                          (name for item in node.items if item.optional_vars is not None
                           for name in bound_by(item.optional_vars)))
        elif (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and len(node.value.args) == 1
              and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "append"
              and isinstance(node.value.func.value, ast.Name)):
            appended.setdefault(node.value.func.value.id, []).append(node.value.args[0])
    items: dict[str, ast.expr] = {}
    for name, values in bound.items():
        if len(values) != 1 or name in stored:
            continue
        value = values[0]
        if isinstance(value, ast.ListComp):
            items[name] = value.elt
        elif isinstance(value, ast.List) and not value.elts and appended.get(name):
            found = [_value_of(item, bound) for item in appended[name]]
            if all(_same_kind(found[0], other) for other in found[1:]):
                items[name] = found[0]
    return items


def _value_of(item: ast.expr, bound: dict[str, list[ast.expr]]) -> ast.expr:
    if isinstance(item, ast.Name) and len(bound.get(item.id, ())) == 1:
        return bound[item.id][0]
    return item


def _item_of(iterated: ast.expr, items: dict[str, ast.expr]) -> ast.expr | None:
    """What each pass of ``for x in <iterated>`` gets: an item of a list ``_list_items`` knows,
    directly or through ``as_completed(futures)``, which yields the same futures."""
    if isinstance(iterated, ast.Call) and callee_text(iterated.func).rpartition(".")[2] == "as_completed" and iterated.args:
        iterated = iterated.args[0]
    return items.get(iterated.id) if isinstance(iterated, ast.Name) else None


def _untelling(annotation: ast.expr) -> bool:
    """Whether an annotation says no more than "some function" or "anything": ``Callable[...]``,
    ``Optional[Callable]``, ``Any``, ``object``."""
    if isinstance(annotation, ast.Subscript):
        head = callee_text(annotation.value).rpartition(".")[2]
        return head == "Callable" or (head == "Optional" and _untelling(annotation.slice))
    return callee_text(annotation).rpartition(".")[2] in _UNTELLING_NAMES


def _same_kind(first: ast.expr, second: ast.expr) -> bool:
    """Whether two values bound to one name are the same kind of thing: calls of the same
    callee (``httpx.Client()`` and ``httpx.Client(timeout=3)``) or the same name."""
    if isinstance(first, ast.Call) and isinstance(second, ast.Call):
        first, second = first.func, second.func
    if isinstance(first, (ast.Name, ast.Attribute)) and isinstance(second, (ast.Name, ast.Attribute)):
        return callee_text(first) == callee_text(second)
    return type(first) is type(second) and ast.dump(first) == ast.dump(second)


def _bind_lazy(scope: Scope, unknown: set[str], name: str, value: ast.expr) -> None:
    if isinstance(value, ast.IfExp):  # ``run = stream_pro if pro else stream_qa``: either
        for branch in (value.body, value.orelse):
            _bind_lazy(scope, unknown, name, branch)
        return
    if not scope.bound(name):
        scope.lazy[name] = ("value", value)
        return
    # Bound more than once: one thing when the bindings agree, else each is kept.
    previous = scope.lazy.get(name)
    if previous is not None and (previous[0] == "annotation" or _same_kind(previous[1], value)):
        return
    if not scope.add_other(name, value):
        unknown.add(name)
        scope.crowded.add(name)


def _bind_ref(scope: Scope, unknown: set[str], name: str, ref: Ref) -> None:
    """Bind an import or a def; a name bound before keeps both."""
    if not scope.bound(name):
        scope.names[name] = ref
    elif scope.names.get(name) != ref and not scope.add_other(name, ref):
        unknown.add(name)
        scope.crowded.add(name)


def _walk_own(body: list[ast.stmt], walrus: tuple[int, ...]) -> list[ast.AST]:
    """The statements of a function body that can bind names, not descending into nested
    scopes (defs, classes), plus except handlers and match patterns, and the assignment
    expressions (``:=``) of the statements that span one of the ``walrus`` lines.

    Walking statement bodies only, rather than every node, keeps phase 1 about as cheap
    as the parse: most nodes of a body are expressions that bind nothing.
    """
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        found.append(node)
        if isinstance(node, NESTED_SCOPES):
            continue
        if walrus and isinstance(node, ast.stmt) and _spans_one_of(walrus, node.lineno, node.end_lineno or node.lineno):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    found.extend(sub for sub in ast.walk(child) if isinstance(sub, ast.NamedExpr))
        for name in _BODIES:
            children = getattr(node, name, None)
            if children:
                pending.extend(children)
        if type(node).__name__ == "match_case":  # Python 3.10+
            found.extend(sub for sub in ast.walk(node.pattern) if isinstance(sub, _PATTERN_BINDERS))  # type: ignore[attr-defined]
    return found


def _spans_one_of(lines: tuple[int, ...], first: int, last: int) -> bool:
    """Whether one of the sorted ``lines`` falls in ``first..last``."""
    index = bisect.bisect_left(lines, first)
    return index < len(lines) and lines[index] <= last


def parameter_ref(arg: ast.arg, default: ast.expr | None, resolver: Resolver) -> Ref | None:
    """What a parameter is known to be: its annotated type, or what its dependency returns."""
    annotated = resolver.annotation_type(arg.annotation)
    if annotated is not None and annotated not in UNTYPED and not _names_a_module(annotated):
        return Ref(annotated, RefKind.INSTANCE)
    # ``x = Depends(get_x)`` without a usable annotation (none, ``Any``, or a module written for
    # its class: ``db: session = Depends(get_db)`` after ``from sqlalchemy.orm import session``):
    # x is what get_x returns, which is what FastAPI passes.
    target = _depends_target(arg.annotation, resolver) or _depends_target(default, resolver)
    if target is not None:
        return Ref(f"{target}()", RefKind.INSTANCE)
    return Ref(annotated, RefKind.INSTANCE) if annotated is not None else None


def _names_a_module(annotated: str) -> bool:
    """A lower-case name imported from a package (``sqlalchemy.orm.session``): by convention a
    module, not a class (the builtins' lower-case classes aside)."""
    owner, _, name = annotated.rpartition(".")
    return bool(owner) and owner != "builtins" and name[:1].islower()


def _depends_target(node: ast.expr | None, resolver: Resolver) -> str | None:
    """``get_x`` from ``Depends(get_x)`` or ``Annotated[T, Depends(get_x)]``."""
    if node is None:
        return None
    if isinstance(node, ast.Subscript):
        inner = node.slice
        for element in inner.elts if isinstance(inner, ast.Tuple) else [inner]:
            found = _depends_target(element, resolver)
            if found is not None:
                return found
        return None
    if isinstance(node, ast.Call) and node.args:
        func = resolver.resolve(node.func)
        if func is not None and func.path.rpartition(".")[2] in ("Depends", "Security"):
            target = resolver.resolve(node.args[0])
            if target is not None and target.kind is RefKind.SYMBOL:
                return target.path
    return None
