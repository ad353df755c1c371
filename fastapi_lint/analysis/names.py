"""Name resolution over imports and local bindings, without libcst's scope providers.

A scope maps a name to what it denotes. Module names resolve to their own
path (``app.main.app``) and imports to their target, so phase 1 needs no other
file; the project phase then follows module paths across files.
"""

from __future__ import annotations

import ast
import builtins
import re
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

# Annotations that say nothing of the value: ``Annotated[Any, Depends(get_client)]`` is what
# ``get_client`` returns.
UNTYPED = frozenset({"typing.Any", "typing_extensions.Any", "builtins.object"})
# ``typing.cast(T, value)``: the value, as a ``T``.
_CASTS = frozenset({"typing.cast", "typing_extensions.cast"})
# What ``super()`` in a method of ``C`` is written as: ``C.__super__`` (``Project._member``).
SUPER = "__super__"
# ``next(gen())`` / ``await anext(agen())``: the first item a generator gives.
_FIRST_ITEM = frozenset({"builtins.next", "builtins.anext"})


# How many things one name may stand for (bound on several branches, or rebound) before it
# counts as unknown. Two to four is a fallback or a switch (``try: from a import f`` /
# ``except ImportError: from b import f``); more is a table of implementations, where naming
# a few would be a guess. The bound also keeps resolution linear: a use of a name, and so a
# call, expands to at most this many callees, however often the name is rebound.
MAX_ALTERNATIVES = 4


@dataclass
class Scope:
    """Names bound in one function (or the module); lazy entries are resolved on first use."""

    names: dict[str, Ref | None] = field(default_factory=dict)
    # name -> (how, expression): "value" for ``x = expr``, "annotation" for ``x: T``.
    lazy: dict[str, tuple[str, ast.expr]] = field(default_factory=dict)
    # name -> each thing it may stand for when it is bound several ways that disagree (on two
    # branches, or rebound): a ``Ref``, or an expression resolved on first use; at most
    # ``MAX_ALTERNATIVES``. ``names`` then says None: a use that needs one meaning (an
    # argument, an annotation) finds none, a call runs any of these (``Resolver.alternatives``).
    others: dict[str, list[Ref | ast.expr]] = field(default_factory=dict)
    # Names a ``global`` statement gives to the module: an assignment here rebinds the module's.
    module_names: set[str] = field(default_factory=set)
    # ``id`` of a use of a name in ``others`` -> the one value bound just above it, where one is
    # (``extract/reaching.py``): a branch's own binding, not every branch's.
    narrowed: dict[int, ast.expr] = field(default_factory=dict)
    # ``id`` of a use of a name in ``others`` or ``crowded`` -> every value that may reach it,
    # where each is known (the branches of an ``if`` or ``match`` above it that bind it).
    reaching: dict[int, tuple[ast.expr, ...]] = field(default_factory=dict)
    # Names bound in more ways than ``MAX_ALTERNATIVES``: unknown, but for ``reaching``.
    crowded: set[str] = field(default_factory=set)
    # The class whose method this scope is the body of: what ``super()`` starts after.
    method_of: str | None = None

    def bound(self, name: str) -> bool:
        return name in self.names or name in self.lazy

    def add_other(self, name: str, other: Ref | ast.expr) -> bool:
        """Record another binding of a bound name; False when that makes too many (see
        ``MAX_ALTERNATIVES``): the caller then takes the name as unknown."""
        found = self.others.get(name)
        if found is None:
            found = self.others[name] = []
            first = self.lazy.pop(name, None)
            if first is not None:
                found.append(first[1])
            elif self.names.get(name) is not None:
                found.append(self.names[name])  # type: ignore[arg-type]
            self.names[name] = None
        if not (isinstance(other, Ref) and other in found):
            found.append(other)
        return len(found) <= MAX_ALTERNATIVES

    def forget(self, name: str) -> None:
        """The name stands for something unknown (``for x in ...``, too many bindings)."""
        self.lazy.pop(name, None)
        self.others.pop(name, None)
        self.names[name] = None


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

    def others(self, name: str) -> tuple[Ref, ...]:
        """What ``name`` may stand for when it is bound several ways (see ``Scope.others``)."""
        for scope in reversed(self.scopes):
            if not scope.bound(name):
                continue
            found = scope.others.get(name)
            if not found:
                return ()
            key = (id(scope), f"|{name}")
            if key in self._resolving:
                return ()
            self._resolving.add(key)
            try:
                resolved: list[Ref] = []
                for other in found:
                    ref = other if isinstance(other, Ref) else self.resolve(other)
                    if ref is not None and ref not in resolved:
                        resolved.append(ref)
            finally:
                self._resolving.discard(key)
            scope.others[name] = list(resolved)  # resolved once
            return tuple(resolved)
        return ()

    def reaching(self, node: ast.Name) -> tuple[Ref, ...]:
        """What the bindings that may reach this use of a name bound several ways stand for
        (``Scope.reaching``); empty when any of them is unknown."""
        for scope in reversed(self.scopes):
            if not scope.bound(node.id) and node.id not in scope.crowded:
                continue
            values = scope.reaching.get(id(node), ())
            key = (id(node), "reaching")
            if not values or key in self._resolving:
                return ()
            self._resolving.add(key)
            try:
                refs = [ref for value in values if (ref := self.resolve(value)) is not None]
            finally:
                self._resolving.discard(key)
            return tuple(dict.fromkeys(refs)) if len(refs) == len(values) else ()
        return ()

    def _super(self, node: ast.Call) -> Ref | None:
        """``super()`` in a method of ``C`` (or ``super(C, self)``): the object, seen from the
        class after ``C`` in its order (``SUPER``, which the project phase follows)."""
        named = self.resolve(node.args[0]) if node.args else None
        owner = named.path if named is not None else self.scopes[-1].method_of if len(self.scopes) > 1 else None
        return shared_ref(f"{owner}.{SUPER}", RefKind.INSTANCE) if owner else None

    def _narrowed(self, node: ast.Name) -> Ref | None:
        """What the binding just above this use of a name bound several ways stands for."""
        for scope in reversed(self.scopes):
            if not scope.bound(node.id):
                continue
            value = scope.narrowed.get(id(node))
            key = (id(node), "narrowed")
            if value is None or key in self._resolving:
                return None
            self._resolving.add(key)
            try:
                return self.resolve(value)
            finally:
                self._resolving.discard(key)
        return None

    def alternatives(self, node: ast.expr) -> tuple[Ref, ...]:
        """What an expression may denote through a name bound several ways (``resolve`` then
        gives None): ``f`` bound by ``if x: from a import f`` / ``else: from b import f``,
        ``handler.run`` where ``handler`` is one of two objects. At most ``MAX_ALTERNATIVES``."""
        found: tuple[Ref, ...] = ()
        if isinstance(node, ast.Name):
            narrowed = self._narrowed(node)
            found = (narrowed,) if narrowed is not None else self.others(node.id)
        elif isinstance(node, ast.Attribute):
            found = tuple(
                shared_ref(f"{base.path}.{node.attr}", RefKind.SYMBOL if base.kind is RefKind.SYMBOL else RefKind.MEMBER)
                for base in self.alternatives(node.value)
            )
        elif isinstance(node, ast.Call):
            found = tuple(shared_ref(call_result(func), RefKind.INSTANCE) for func in self.alternatives(node.func))
        elif isinstance(node, ast.Await):
            found = self.alternatives(node.value)
        return found[:MAX_ALTERNATIVES]

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
            if func.path in _CASTS and len(node.args) == 2:
                # ``cast(RunStore, request.app.state.store)``: a value of the type it names
                declared = self.annotation_type(node.args[0])
                return shared_ref(declared, RefKind.INSTANCE) if declared else None
            if func.path == "builtins.super":
                return self._super(node)
            if func.path in _FIRST_ITEM and len(node.args) == 1 and isinstance(node.args[0], ast.Call):
                # ``next(get_db())``: what a generator yields first, as a call of it gives
                return self.resolve(node.args[0])
            return shared_ref(call_result(func), RefKind.INSTANCE)
        if isinstance(node, ast.Await):
            return self.resolve(node.value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            # ``root / "data"``: what the left side's ``__truediv__`` returns (a ``Path`` for a path).
            left = self.resolve(node.left)
            if left is None:
                return None
            return shared_ref(f"{left.path}.__truediv__()", RefKind.INSTANCE)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            # ``prompt | model``: what the left side's ``__or__`` returns (a LangChain runnable sequence),
            # or the right side's ``__ror__`` when the left is a literal (``{"q": ...} | prompt``).
            left = self.resolve(node.left)
            if left is not None:
                return shared_ref(f"{left.path}.__or__()", RefKind.INSTANCE)
            right = self.resolve(node.right)
            if right is not None:
                return shared_ref(f"{right.path}.__ror__()", RefKind.INSTANCE)
            return None
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


# -- definitions that do not hold their name ------------------------------------


@dataclass(frozen=True)
class Redefinition:
    """A ``def`` whose name another ``def`` of the same scope takes over, or may take over."""

    segment: str  # its own path segment: ``get@1`` for the first of several ``def get``
    # Defined on a branch the name's holder does not always follow (``if x: def f`` /
    # ``else: def f``): the name may stand for it. Otherwise a later ``def`` on the same
    # branch replaces it, as Python does, and only a decorator that ran meanwhile (a route
    # registration) still holds it.
    alternative: bool


_Branch = tuple[tuple[int, int], ...]  # (statement id, arm) of every branching statement around a def
_ACCESSORS = frozenset({"setter", "getter", "deleter"})
_REDEFINED_SUFFIX = re.compile(r"@\d+(?=\.|$)")


def redefinitions(tree: ast.Module) -> dict[int, Redefinition]:
    """Every function defined more than once in one scope, by ``id`` of its node, except the
    definition that holds the name: two route handlers ``def get`` in one module, ``@overload``
    stubs, ``if``/``else`` implementations. Each gets a path of its own (``module.get@1``):
    one name, two functions."""
    found: dict[int, Redefinition] = {}
    bodies: list[list[ast.stmt]] = [tree.body]
    while bodies:
        by_name: dict[str, list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, _Branch]]] = {}
        for node, branch in _definitions(bodies.pop()):
            bodies.append(node.body)
            if not isinstance(node, ast.ClassDef):
                by_name.setdefault(node.name, []).append((node, branch))
        for same in by_name.values():
            if len(same) > 1:
                _name_redefinitions(same, found)
    return found


def written_path(path: str) -> str:
    """A function's path as the source spells it, for messages: ``mod.get`` for ``mod.get@1``
    (the finding's position tells the two apart)."""
    return _REDEFINED_SUFFIX.sub("", path) if "@" in path else path


def _name_redefinitions(
    same: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, _Branch]], found: dict[int, Redefinition]
) -> None:
    same.sort(key=lambda item: (item[0].lineno, item[0].col_offset))
    # ``@x.setter def x``: part of the property the first ``def x`` made, never its holder.
    holders = [index for index, (node, _) in enumerate(same) if not _is_accessor(node)]
    holder = holders[-1] if holders else len(same) - 1
    for index, (node, branch) in enumerate(same):
        if index == holder:
            continue
        # Replaced when a later holder runs whenever this def did: it sits on this def's
        # branch or around it (its branches are a prefix of this def's).
        later_branches = [same[later][1] for later in holders if later > index]
        replaced = _is_accessor(node) or any(branch[: len(later)] == later for later in later_branches)
        found[id(node)] = Redefinition(f"{node.name}@{index + 1}", alternative=not replaced)


def _is_accessor(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(d, ast.Attribute) and d.attr in _ACCESSORS and isinstance(d.value, ast.Name) and d.value.id == node.name
        for d in node.decorator_list
    )


def _definitions(body: list[ast.stmt]) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, _Branch]]:
    """The defs and classes of one scope's body, with the branches around each (not inside them)."""
    pending: list[tuple[list[ast.stmt], _Branch]] = [(body, ())]
    while pending:
        statements, branch = pending.pop()
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield node, branch
                continue
            arms: list[list[ast.stmt]] = []
            if isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While)):
                arms = [node.body, node.orelse]
            elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
                # ``else`` runs after the whole ``try`` body: the same branch as it.
                arms = [[*node.body, *node.orelse], *(handler.body for handler in node.handlers)]  # type: ignore[attr-defined]
                pending.append((node.finalbody, branch))  # type: ignore[attr-defined]
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                pending.append((node.body, branch))
            elif type(node).__name__ == "Match":
                arms = [case.body for case in node.cases]  # type: ignore[attr-defined]
            for arm, statements_of_arm in enumerate(arms):
                pending.append((statements_of_arm, (*branch, (id(node), arm))))
