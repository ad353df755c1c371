"""Name resolution over imports and local bindings, without libcst's scope providers.

A scope maps a name to what it denotes. Module names resolve to their own
path (``app.main.app``) and imports to their target, so phase 1 needs no other
file; the project phase then follows module paths across files.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from dataclasses import dataclass, field

from fastapi_lint.analysis.facts import Ref, RefKind, shared_ref

# Every builtin name resolves to ``builtins.<name>`` unless shadowed: ``open`` is a
# catalog call, and knowing ``len`` is a builtin tells the call graph it is harmless.
BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_") or name == "__import__")

# Every other builtin name: never from a starred module.
_OTHER_BUILTINS = frozenset(dir(builtins))

# Wrappers whose first argument is the real type: ``Optional[Session]``, ``Annotated[Session, ...]``.
TYPE_WRAPPERS = frozenset(
    {
        "typing.Optional",
        "typing.Annotated",
        "typing_extensions.Annotated",
        "typing.Union",
        "typing.Final",
        "typing.ClassVar",
    }
)


@dataclass
class Scope:
    """Names bound in one function (or the module); lazy entries are resolved on first use."""

    names: dict[str, Ref | None] = field(default_factory=dict)
    # name -> (how, expression): "value" for ``x = expr``, "annotation" for ``x: T``.
    lazy: dict[str, tuple[str, ast.expr]] = field(default_factory=dict)


def module_package(module: str, is_package: bool) -> str:
    if is_package:
        return module
    return module.rpartition(".")[0]


def import_target(node: ast.ImportFrom, package: str) -> str:
    """The module an ``from ... import`` reads from, with relative levels applied."""
    base = node.module or ""
    if not node.level:
        return base
    parts = package.split(".") if package else []
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)] if node.level - 1 <= len(parts) else []
    prefix = ".".join(parts)
    if base:
        return f"{prefix}.{base}" if prefix else base
    return prefix


def import_bindings(node: ast.Import | ast.ImportFrom, package: str) -> Iterator[tuple[str, str]]:
    """(local name, target path) for every name an import statement binds."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:
                first = alias.name.partition(".")[0]
                yield first, first
        return
    source = import_target(node, package)
    for alias in node.names:
        if alias.name == "*":
            continue
        target = f"{source}.{alias.name}" if source else alias.name
        yield alias.asname or alias.name, target


def imported_modules(node: ast.Import | ast.ImportFrom, package: str) -> Iterator[str]:
    """The dotted names an import statement may load: ``import a.b`` loads ``a.b`` (and ``a``,
    which the project adds); ``from a import b`` loads ``a`` and, when it is a module, ``a.b``."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    source = import_target(node, package)
    if source:
        yield source
    for alias in node.names:
        if alias.name != "*":
            yield f"{source}.{alias.name}" if source else alias.name


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` as text, or None when the expression is not a plain dotted name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


class Resolver:
    """Resolves expressions against a stack of scopes (innermost last)."""

    def __init__(self, module_scope: Scope) -> None:
        self.scopes: list[Scope] = [module_scope]
        self._resolving: set[tuple[int, str]] = set()
        # Set when the module has a ``from x import *``: free names then resolve to the
        # module's own path, which the project phase follows into the starred modules.
        self.star_module: str | None = None

    def lookup(self, name: str) -> Ref | None:
        for scope in reversed(self.scopes):
            if name in scope.names:
                return scope.names[name]
            if name in scope.lazy:
                key = (id(scope), name)
                if key in self._resolving:
                    return None
                self._resolving.add(key)
                how, expression = scope.lazy.pop(name)
                try:
                    if how == "annotation":
                        annotated = self.annotation_type(expression)
                        ref = shared_ref(annotated, RefKind.INSTANCE) if annotated is not None else None
                    else:
                        ref = self.resolve(expression)
                finally:
                    self._resolving.discard(key)
                scope.names[name] = ref
                return ref
        if name in BUILTINS:
            return shared_ref(f"builtins.{name}")
        if self.star_module is not None and name not in _OTHER_BUILTINS:
            return shared_ref(f"{self.star_module}.{name}")
        return None

    def resolve(self, node: ast.expr) -> Ref | None:
        """What an expression denotes: a symbol, an instance of a type, or a member of one."""
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if base is None:
                return None
            kind = RefKind.SYMBOL if base.kind is RefKind.SYMBOL else RefKind.MEMBER
            return shared_ref(f"{base.path}.{node.attr}", kind)
        if isinstance(node, ast.Call):
            func = self.resolve(node.func)
            if func is None:
                return None
            return shared_ref(call_result(func), RefKind.INSTANCE)
        if isinstance(node, ast.Await):
            return self.resolve(node.value)
        if isinstance(node, ast.Subscript):
            # An item of a container: ``client["db"]["users"]``; the project phase and the
            # catalog know the item types of some (a Mongo client's databases, say).
            base = self.resolve(node.value)
            if base is None:
                return None
            return shared_ref(f"{base.path}.__getitem__()", RefKind.INSTANCE)
        return None

    def annotation_type(self, node: ast.expr | None) -> str | None:
        """The type an annotation names, unwrapping Optional/Annotated/``X | None``."""
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            for side in (node.left, node.right):
                if not (isinstance(side, ast.Constant) and side.value is None):
                    return self.annotation_type(side)
            return None
        if isinstance(node, ast.Subscript):
            outer = self.resolve(node.value)
            if outer is not None and outer.path in TYPE_WRAPPERS:
                inner = node.slice
                if isinstance(inner, ast.Tuple) and inner.elts:
                    inner = inner.elts[0]
                return self.annotation_type(inner)
            return None
        ref = self.resolve(node)
        if ref is None or ref.kind is not RefKind.SYMBOL:
            return None
        return ref.path


def call_result(func: Ref) -> str:
    """The type path of what calling ``func`` returns, resolved later by the project phase."""
    if func.kind is RefKind.INSTANCE:
        return f"{func.path}.__call__()"
    return f"{func.path}()"
