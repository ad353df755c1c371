"""What phase 1 knows of a class's attributes: ``self.x = <value>`` in its methods, and which
of the values assigned to one name decide its type (``summary.py`` reads the class body)."""

from __future__ import annotations

import ast

from fastapi_lint.analysis.extract.local_bindings import bind_locals, parameter_ref
from fastapi_lint.analysis.extract.syntax import caller_parameters, top_level, walked
from fastapi_lint.analysis.facts import Attribute, Ref, RefKind
from fastapi_lint.analysis.names import Redefinition, Resolver, Scope

_UNKNOWN_VALUE = Ref("?", RefKind.MEMBER)  # what the project phase calls an unknown


def self_attributes(
    method: ast.FunctionDef | ast.AsyncFunctionDef,
    class_path: str,
    method_path: str,
    resolver: Resolver,
    package: str,
    walrus: tuple[int, ...],
    redefined: dict[int, Redefinition],
) -> list[Attribute]:
    """``self.x = <value>`` in a method, with the value resolved in the method's scope."""
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in method.decorator_list)
    if not method.args.args or static:
        return []
    self_name = method.args.args[0].arg
    stores = [(statement, target) for statement in top_level(method.body) if isinstance(statement, (ast.Assign, ast.AnnAssign))
              for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target])
              if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == self_name]
    if not stores:  # most methods store none: their locals need no binding
        return []
    args = [*method.args.posonlyargs, *method.args.args, *method.args.kwonlyargs]
    positional = [*method.args.posonlyargs, *method.args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(method.args.defaults)) + list(method.args.defaults)
    defaults += list(method.args.kw_defaults)
    scope = Scope()
    for arg, default in zip(args, defaults):
        scope.names[arg.arg] = parameter_ref(arg, default, resolver)
    scope.names[self_name] = Ref(class_path, RefKind.INSTANCE)  # ``self.db = self.client["app"]``
    bind_locals(method.body, scope, package, method_path, walrus, redefined)
    found: list[Attribute] = []
    resolver.scopes.append(scope)
    try:
        for statement, target in stores:
            annotated = resolver.annotation_type(statement.annotation) if isinstance(statement, ast.AnnAssign) else None
            if annotated is not None:
                found.append(Attribute(target.attr, Ref(annotated, RefKind.INSTANCE), annotated=True))
            elif statement.value is not None:
                found += (Attribute(target.attr, ref) for ref in _held(statement.value, resolver))
    finally:
        resolver.scopes.pop()
    return found


def _held(value: ast.expr, resolver: Resolver) -> list[Ref]:
    """What an attribute assigned ``value`` may hold: each operand of ``given or Default()``,
    which agree when the parameter is annotated with the class built in its place; something
    unknown (an unannotated ``client``) still tells that the attribute may hold another type."""
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
        return [ref for operand in value.values for ref in _held(operand, resolver)]
    ref = resolver.resolve(value)
    if ref is None and not isinstance(value, ast.Constant):
        return [_UNKNOWN_VALUE]
    return [ref] if ref is not None else []


def agreeing(attributes: list[Attribute]) -> tuple[Attribute, ...]:
    """An annotation (``client: httpx.Client``) decides an attribute's type; otherwise every
    distinct value assigned is kept, and the project phase, which can resolve them, keeps the
    type only when they all agree (``self.db = db`` with ``db: Session``, and
    ``self.db = SessionLocal()``, agree; a sync client here and an async one there do not)."""
    by_name: dict[str, list[Attribute]] = {}
    for attribute in attributes:
        by_name.setdefault(attribute.name, []).append(attribute)
    kept: list[Attribute] = []
    for name, found in by_name.items():
        annotated = [a for a in found if a.annotated]
        if annotated:
            kept.append(annotated[0])
        else:
            kept.extend({a.value: a for a in found}.values())
    return tuple(kept)


def parameter_copies(body: list[ast.stmt], parameters: frozenset[str], self_name: str | None) -> dict[str, str]:
    """The fields a method's own statements copy from one of ``parameters`` (``self.script = script``,
    ``self._config = config``), by field, where nothing else in the body sets the field."""
    if self_name is None:
        return {}
    copies: dict[str, str] = {}
    stores: dict[str, int] = {}
    for statement in body:
        for node in walked(statement):
            if (isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del))
                    and isinstance(node.value, ast.Name) and node.value.id == self_name):
                stores[node.attr] = stores.get(node.attr, 0) + 1
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
            continue
        target = statement.targets[0]
        if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == self_name
                and isinstance(statement.value, ast.Name) and statement.value.id in parameters):
            copies[target.attr] = statement.value.id
    return {field: parameter for field, parameter in copies.items() if stores.get(field) == 1}


def constructor_copies(node: ast.FunctionDef | ast.AsyncFunctionDef, class_path: str | None,
                       self_name: str | None) -> tuple[tuple[str, str], ...]:
    """A constructor's fields copied from its parameters (``self._config = config``)."""
    if class_path is None or node.name != "__init__":
        return ()
    return tuple(sorted(parameter_copies(node.body, caller_parameters(node.args, self_name), self_name).items()))


def module_store(resolver: Resolver, module: str, target: ast.expr, value: ast.expr) -> tuple[str, Ref] | None:
    """A function's store into a module-level name: ``global _client`` then ``_client =
    Client()`` (a lazy singleton), or ``_clients[key] = Client()`` (a memo), as (the name, or
    ``name[]`` for its items, and what is stored). What it stores tells what the name, or its
    items, are when the module binds only ``None`` or ``{}`` (``ModuleSummary.module_stores``)."""
    scope = resolver.scopes[-1]
    if isinstance(target, ast.Name) and target.id in scope.module_names:
        name = target.id
    elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        container = resolver.lookup(target.value.id)
        if container is None or container.path != f"{module}.{target.value.id}":
            return None
        name = f"{target.value.id}[]"
    else:
        return None
    ref = resolver.resolve(value)
    return (name, ref) if ref is not None else None
