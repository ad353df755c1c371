"""Phase 2: link module summaries into a project and resolve paths across modules.

Phase 1 names things by where they were imported from (``app.deps.SessionLocal``);
here those paths are followed through re-exports, module-level instances,
``self.`` attributes, base classes and return types, so that
``db.execute`` on a ``db`` injected by ``Depends(get_db)`` becomes
``sqlalchemy.orm.Session.execute``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Generic, Optional, TypeVar
from dataclasses import dataclass
from pathlib import PurePath

from fastapi_lint.analysis.catalog.factories import ATTRIBUTE_TYPES, ITEM_TYPES, RETURNS, TYPE_ALIASES
from fastapi_lint.analysis.catalog.runnables import is_runnable_call, returns as runnable_returns
from fastapi_lint.analysis.names import MAX_ALTERNATIVES, TYPE_WRAPPERS, UNTYPED, call_result
from fastapi_lint.analysis.facts import (
    Binding,
    CallSite,
    ClassFacts,
    FunctionFacts,
    ModuleSummary,
    Ref,
    RefKind,
    Value,
)

_UNKNOWN = Ref("?", RefKind.MEMBER)
_PROPERTIES = frozenset({"builtins.property", "functools.cached_property", "property"})
_MAX_DEPTH = 40
# How many ``from x import *`` a name is followed through.
_STAR_HOPS = 8


@dataclass(frozen=True)
class Located:
    """A function with the module it lives in, the unit most rules report on."""

    function: FunctionFacts
    module: ModuleSummary


def split_path(path: str) -> list[str]:
    """``a.b().c`` -> ``["a", "b()", "c"]``: dots inside a call marker never occur."""
    return path.split(".")


class Project:
    def __init__(self, summaries: list[ModuleSummary], aliases: Mapping[str, tuple[str, ...]] | None = None) -> None:
        """``aliases``: more names of each module (by displayed path), from its import roots
        (``roots.py``)."""
        self.summaries = summaries
        self._aliases = aliases or {}
        self.modules: dict[str, ModuleSummary] = {}
        self.functions: dict[str, Located] = {}
        self.classes: dict[str, tuple[ClassFacts, ModuleSummary]] = {}
        self.bindings: dict[str, tuple[Binding, ModuleSummary]] = {}
        self.attributes: dict[str, Ref] = {}
        # every value an attribute is assigned (``self.db = db`` here, ``= SessionLocal()`` there)
        self._attribute_values: dict[str, list[Ref]] = {}
        self.conflicting: set[str] = set()
        # module-level name -> each thing it is bound to, when bound several ways (see ``resolve_all``)
        self._choices: dict[str, list[Ref]] = {}
        # module-level dict -> what its values are bound to (``BACKENDS = {"s3": S3Store, ...}``):
        # ``BACKENDS[name]`` and ``BACKENDS.get(name)`` may be any of them (see ``_walk_all``)
        self._items: dict[str, list[Ref]] = {}
        # module-level name -> what functions store into it (``global _client; _client = ...``)
        self._stores: dict[str, list[Ref]] = {}
        self._all: list[Located] = []
        for summary in summaries:
            self._add(summary)
        # kind -> path -> what ``resolve`` gave: the hottest lookup of the project phase, so no
        # tuple keys; loops over every call read it before calling ``resolve``.
        self.resolved: dict[RefKind, dict[str, Ref]] = {kind: {} for kind in RefKind}
        self._returns_memo: dict[str, Ref] = {}
        self._in_progress: set[object] = set()
        self._subclasses: dict[str, list[str]] | None = None
        self._mro_memo: dict[str, tuple[str, ...]] = {}
        self._calls: CallIndex | None = None
        self._getter_memo: dict[tuple[str, RefKind], str | None] = {}
        self._choice_names = frozenset(key.rpartition(".")[2] for key in [*self._choices, *self._items])
        self._all_memo: dict[tuple[str, RefKind], tuple[Ref, ...]] = {}
        # classes defining ``__getitem__``: what ``container[key]`` may run (``item_getter``)
        self._item_classes = frozenset(
            located.function.class_path for located in self._all
            if located.function.class_path and located.function.name == "__getitem__"
        )
        # names of the methods with a decorator: the only ones that can be property getters
        self._decorated_methods = {
            located.function.name for located in self._all if located.function.class_path and located.function.decorators
        }

    def _add(self, summary: ModuleSummary) -> None:
        names = {summary.module, *_path_module_names(summary.path, summary.is_package), *self._aliases.get(summary.path, ())}
        for name in names:
            self.modules.setdefault(name, summary)
        prefixes = [n for n in names if n != summary.module]
        for function in summary.functions:
            located = Located(function, summary)
            self._all.append(located)
            self.functions[function.path] = located
            for prefix in prefixes:
                self.functions.setdefault(_rebase(function.path, summary.module, prefix), located)
        for klass in summary.classes:
            self.classes[klass.path] = (klass, summary)
            for attribute in klass.attributes:
                key = f"{klass.path}.{attribute.name}"
                self.attributes.setdefault(key, attribute.value)
                self._attribute_values.setdefault(key, []).append(attribute.value)
        touched: set[str] = set()  # the dicts of this module
        for name, value in summary.module_stores:
            if name.endswith("[]"):
                touched.add(f"{summary.module}.{name[:-2]}")
                stored = self._items.setdefault(f"{summary.module}.{name[:-2]}", [])
            else:
                stored = self._stores.setdefault(f"{summary.module}.{name}", [])
            if value not in stored:
                stored.append(value)
        shapes: dict[str, set[tuple[str, str]]] = {}
        bound: dict[str, list[Ref]] = {}
        poisoned: set[str] = set()
        for binding in summary.bindings:
            key = f"{summary.module}.{binding.name}"
            shape = _shape(binding.value)
            if shape is None:
                continue  # ``client = None`` until the lifespan sets it says nothing
            shapes.setdefault(key, set()).add(shape)
            self.bindings.setdefault(key, (binding, summary))
            ref = _bound_ref(binding.value)
            if ref is not None and ref not in bound.setdefault(key, []):
                bound[key].append(ref)
            if binding.value.kind == "dict":
                values = _dict_values(binding.value)
                if values is None:
                    touched.add(key)
                    poisoned.add(key)  # a table of other things (or too many): no item is known
                else:
                    touched.add(key)
                    stored = self._items.setdefault(key, [])
                    stored.extend(value for value in values if value not in stored)
        for key in touched:
            if (key in poisoned or not self._items.get(key) or len(self._items[key]) > MAX_ALTERNATIVES
                    or not _is_dict(self.bindings.get(key))):
                self._items.pop(key, None)
        for key, found in shapes.items():
            # A module name bound to different things (``Redis`` from ``redis`` or from
            # ``redis.asyncio``, by a try/except import) has no single meaning...
            if len(found) > 1:
                self.conflicting.add(key)
            # ...but each is a thing it may be; a def of the name is one more.
            choices = ([Ref(key)] if key in self.functions or key in self.classes else []) + bound.get(key, [])
            if 1 < len(choices) <= MAX_ALTERNATIVES:
                self._choices[key] = choices

    # -- iteration ---------------------------------------------------------

    def all_functions(self) -> Iterator[Located]:
        return iter(self._all)  # made once, in _add: a dozen rules walk every function

    def function(self, path: str) -> Located | None:
        return self.functions.get(path)

    def calls_to(self, paths: Iterable[str]) -> list[tuple[ModuleSummary, CallSite]]:
        """Every call (module level or in a function body) that resolves to one of ``paths``,
        in the order of the summaries. Several rules look for a few constructors among all of
        a project's calls: resolving each call once, into this index, spares each the scan."""
        found = self._call_index().lookup("path", paths)
        return [(summary, site) for summary, _, site in found]

    def function_calls_to(self, paths: Iterable[str]) -> list[tuple[Located, CallSite]]:
        """The calls in function bodies that resolve to one of ``paths``, with their function,
        in the order of ``all_functions``: a rule after a few callees need not resolve every call."""
        found = self._call_index().lookup("path", paths)
        return [(Located(function, summary), site) for summary, function, site in found if function is not None]

    def calls_named(self, names: Iterable[str]) -> list[tuple[ModuleSummary, FunctionFacts | None, CallSite]]:
        """Calls whose callee is written with one of ``names`` last (``app.add_event_handler``),
        with the function they are in (None at module level)."""
        return self._call_index().lookup("name", names)

    def calls_named_if(self, wanted: Callable[[str], bool]) -> list[tuple[ModuleSummary, FunctionFacts | None, CallSite]]:
        """Calls whose written last name passes ``wanted``, in the order of the summaries."""
        index = self._call_index()
        return index.lookup("name", [name for name in index.keys("name") if wanted(name)])

    def calls_with_keyword(self, keywords: Iterable[str]) -> list[tuple[ModuleSummary, FunctionFacts | None, CallSite]]:
        """Calls passing one of ``keywords`` by name (``response_class=...``)."""
        return self._call_index().lookup("keyword", keywords)

    def _call_index(self) -> CallIndex:
        if self._calls is None:
            self._calls = CallIndex(self)
        return self._calls

    @staticmethod
    def module_and_function_calls(summary: ModuleSummary) -> Iterator[CallSite]:
        return (site for _, site in Project.owned_calls(summary))

    @staticmethod
    def owned_calls(summary: ModuleSummary) -> Iterator[tuple[FunctionFacts | None, CallSite]]:
        """Every call of a module with the function it is in (None at module level)."""
        for function, sites in _call_groups(summary):
            for site in sites:
                yield function, site

    # -- resolution --------------------------------------------------------

    def resolve(self, ref: Ref | None) -> Ref:
        """Follow a phase-1 reference to what it denotes in the project (or outside it)."""
        if ref is None:
            return _UNKNOWN
        memo = self.resolved[ref.kind]
        cached = memo.get(ref.path)
        if cached is not None:
            return cached
        key = (ref.path, ref.kind)
        if key in self._in_progress or len(self._in_progress) > _MAX_DEPTH:
            return _UNKNOWN
        self._in_progress.add(key)
        try:
            found = self._walk(ref.path)
            if ref.kind is RefKind.INSTANCE and found.kind is RefKind.SYMBOL:
                found = Ref(found.path, RefKind.INSTANCE)  # an annotation names the type
            elif ref.kind is RefKind.MEMBER and found.kind is RefKind.SYMBOL:
                found = Ref(found.path, RefKind.MEMBER)
        finally:
            self._in_progress.discard(key)
        memo[ref.path] = found
        return found

    def callees(self, site: CallSite) -> tuple[Ref, ...]:
        """Every callee a call may run: ``resolve_all`` of its callee and of each alternative
        phase 1 found (a local name bound on several branches), at most ``MAX_ALTERNATIVES``."""
        if site.func is None:
            return ()
        found = list(self.resolve_all(site.func))
        for other in site.alternatives:
            found.extend(ref for ref in self.resolve_all(other) if ref not in found)
        return tuple(found[:MAX_ALTERNATIVES])

    def resolve_all(self, ref: Ref) -> tuple[Ref, ...]:
        """What ``ref`` may resolve to: ``resolve``'s answer, or, where the path goes through a
        module-level name bound several ways (``if x: from a import f`` / ``else: from b
        import f``, a def and a fallback import), one answer per way, at most
        ``MAX_ALTERNATIVES``. ``resolve`` alone answers such a name with itself (unknown)."""
        if not self._choice_names or self._choice_names.isdisjoint(_names_in(ref.path)):
            return (self.resolve(ref),)
        key = (ref.path, ref.kind)
        found = self._all_memo.get(key)
        if found is None:
            found = self._all_memo[key] = self._walk_all(ref)
        return found

    def _walk_all(self, ref: Ref) -> tuple[Ref, ...]:
        """``_walk`` over every choice of a name bound several ways."""
        segments = split_path(ref.path)
        start, consumed = self._module_prefix(ref.path, segments)
        currents = [start]
        picked: list[Ref] = []  # the items of a dict the last segment picked: things, not types
        for segment in segments[consumed:]:
            is_call = segment.endswith("()")
            name = segment[:-2] if is_call else segment
            following: list[Ref] = []
            picked = []
            for current in currents:
                items = self._items.get(current.path) if is_call and name in _PICKS and current.kind is RefKind.SYMBOL else None
                if items:
                    for item in items:
                        option = self.resolve(item)
                        if option is not _UNKNOWN and option not in following:
                            following.append(option)
                            picked.append(option)
                    continue
                if is_call and name == "__call__" and current.kind is RefKind.SYMBOL:
                    option = self._called(current)  # ``BACKENDS[name]()``: the class picked, called
                    if option is not _UNKNOWN and option not in following:
                        following.append(option)
                    continue
                member = self._member(current, name)
                choices = self._choices.get(member.path) if member.kind is RefKind.SYMBOL else None
                for option in [self.resolve(choice) for choice in choices] if choices else [member]:
                    if is_call:
                        option = self._called(option)
                    if option is not _UNKNOWN and option not in following:
                        following.append(option)
            currents = following[:MAX_ALTERNATIVES]
            if not currents:
                return (_UNKNOWN,)
        if ref.kind is RefKind.SYMBOL:
            return tuple(currents)
        return tuple(
            Ref(found.path, ref.kind) if found.kind is RefKind.SYMBOL and found not in picked else found
            for found in currents
        )

    def resolve_value(self, value: Value | None) -> Ref:
        if value is None:
            return _UNKNOWN
        if value.kind == "call" and value.call is not None:
            func = self.resolve(value.call.func)
            return self._called(func)
        if value.ref is not None:
            found = self.resolve(value.ref)
            if value.kind == "subscript" and found.kind is RefKind.SYMBOL and len(self._items.get(found.path, ())) == 1:
                return self.resolve(self._items[found.path][0])  # ``return _clients[key]``: what a memo holds
            return found
        return _UNKNOWN

    def _walk(self, path: str) -> Ref:
        segments = split_path(path)
        current, consumed = self._module_prefix(path, segments)
        for segment in segments[consumed:]:
            is_call = segment.endswith("()")
            name = segment[:-2] if is_call else segment
            if is_call and name in _PICKS and current.kind is RefKind.SYMBOL and len(self._items.get(current.path, ())) == 1:
                # One kind of item (``_clients[key] = Client()``, a memo): that (several: ``_walk_all``).
                current = self.resolve(self._items[current.path][0])
                if current is _UNKNOWN:
                    return _UNKNOWN
                continue
            current = self._member(current, name)
            if is_call:
                current = self._called(current)
            if current is _UNKNOWN:
                return _UNKNOWN
        return current

    def _module_prefix(self, path: str, segments: list[str]) -> tuple[Ref, int]:
        """The longest leading run of ``path``'s segments naming a project module, and its length."""
        candidate, end = path, len(segments)
        while end:
            if "()" not in candidate and candidate in self.modules:
                return Ref(self.modules[candidate].module), end
            candidate, end = candidate[: candidate.rfind(".")], end - 1
        first = segments[0]
        if first.endswith("()"):
            return self._called(Ref(first[:-2])), 1
        return Ref(first), 1

    def _member(self, owner: Ref, name: str) -> Ref:
        if owner is _UNKNOWN:
            return _UNKNOWN
        path = f"{owner.path}.{name}"
        if owner.kind is RefKind.SYMBOL:
            if owner.path in self.modules:
                return self._module_member(self.modules[owner.path], name)
            if owner.path in self.classes:
                return self._class_member(owner.path, name, instance=False)
            typed = ATTRIBUTE_TYPES.get(path)  # ``fastapi_sqlalchemy.db.session``: a ``Session``
            return Ref(typed, RefKind.INSTANCE) if typed is not None else Ref(TYPE_ALIASES.get(path, path))
        if owner.kind is RefKind.INSTANCE:
            if owner.path in self.classes:
                return self._class_member(owner.path, name, instance=True)
            typed = ATTRIBUTE_TYPES.get(path)  # ``path.parent``: a ``Path``
            return Ref(typed, RefKind.INSTANCE) if typed is not None else Ref(path, RefKind.MEMBER)
        return Ref(path, RefKind.MEMBER)

    def _module_member(self, module: ModuleSummary, name: str, depth: int = 0) -> Ref:
        path = f"{module.module}.{name}"
        if path in self.functions or path in self.classes or path in self.modules:
            return Ref(self.modules[path].module if path in self.modules else path)
        found = self.bindings.get(path)
        if found is None and module.star_imports and depth < _STAR_HOPS:
            # ``from .base_controllers import *``: the first starred module that has the name.
            for starred in module.star_imports:
                source = self.modules.get(starred)
                if source is not None and source is not module and self._defines(source, name):
                    return self._module_member(source, name, depth + 1)
            if depth == 0 and path not in self._stores:
                # Defined by no module of the project: from the one library module starred, if one.
                external = self._external_star(module)
                if external is not None:
                    return self.resolve(Ref(f"{external}.{name}"))
        if found is None and path in self._stores:
            # Bound to None, filled by a function (``global _client``): what that stores.
            stored = {self.resolve(ref) for ref in self._stores[path]}
            return stored.pop() if len(stored) == 1 and _UNKNOWN not in stored else Ref(path)
        if found is None or path in self.conflicting:
            return Ref(path)
        value = found[0].value
        if value.kind == "ref" and value.ref is not None:
            return self.resolve(value.ref)
        if value.kind == "call" and value.call is not None:
            return self._called(self.resolve(value.call.func))
        if value.kind == "subscript":
            return self._type_alias(value) or self._item(value) or Ref(path)
        return Ref(path)

    def _item(self, value: Value) -> Ref | None:
        """``users = client["app"]["users"]``: an item of an instance (never of a type: ``list[int]``)."""
        container = self.resolve(value.ref)
        if container.kind is RefKind.SYMBOL:
            return None
        return self._called(self._member(container, "__getitem__"))

    def _external_star(self, module: ModuleSummary) -> str | None:
        """The one module outside the project that ``module`` star-imports, directly or through
        its project modules' star imports (``from time import *``); None when none, or several
        (which of them defines a name is not known)."""
        external: set[str] = set()
        level, seen = [module], {module.module}
        for _ in range(_STAR_HOPS + 1):
            for current in level:
                external.update(starred for starred in current.star_imports if starred not in self.modules)
            level = self._star_sources(level, seen)
        return external.pop() if len(external) == 1 else None

    def _defines(self, module: ModuleSummary, name: str) -> bool:
        """Whether ``module`` defines ``name`` or takes it from a module it star-imports, within
        ``_STAR_HOPS`` star imports. Breadth first, each module once: modules star-importing
        modules that share theirs (a diamond) made a walk of every path exponential in the depth."""
        level, seen = [module], {module.module}
        for _ in range(_STAR_HOPS + 1):
            if any(self._defines_here(current, name) for current in level):
                return True
            level = self._star_sources(level, seen)
        return False

    def _defines_here(self, module: ModuleSummary, name: str) -> bool:
        path = f"{module.module}.{name}"
        return path in self.functions or path in self.classes or path in self.modules or path in self.bindings

    def _star_sources(self, modules: list[ModuleSummary], seen: set[str]) -> list[ModuleSummary]:
        """The project modules ``modules`` star-import, but those in ``seen`` (which gets the others)."""
        found: list[ModuleSummary] = []
        for module in modules:
            for starred in module.star_imports:
                source = self.modules.get(starred)
                if source is not None and source.module not in seen:
                    seen.add(source.module)
                    found.append(source)
        return found

    def _type_alias(self, value: Value) -> Ref | None:
        """``Annotated[Session, Depends(get_db)]`` or ``Optional[Session]`` bound to a name."""
        wrapper = self.resolve(value.ref)
        if wrapper.path not in TYPE_WRAPPERS or not value.items:
            return None
        first = value.items[0]
        if first.kind == "ref" and first.ref is not None:
            found = self.resolve(first.ref)
            if found is not _UNKNOWN and found.path not in UNTYPED:
                return found
        for item in value.items[1:]:  # an unresolvable type: use what the dependency returns
            call = item.call
            if call is not None and call.args and self.resolve(call.func).path.rpartition(".")[2] in ("Depends", "Security"):
                returned = self._called(self.resolve_value(call.args[0]))
                if returned is not _UNKNOWN:
                    return returned
        return None

    def _class_member(self, class_path: str, name: str, instance: bool) -> Ref:
        for klass in self.mro(class_path):
            member = f"{klass}.{name}"
            # Reading a property gives what its getter returns. Phase-1 paths through ``self`` name the
            # class (``Store.client``), so this holds for class-looking paths too: reading a property
            # off the class object itself is rare.
            if member in self.functions and self.is_property(self.functions[member].function):
                returned = self._returns(member)
                return returned if returned is not _UNKNOWN else Ref(member, RefKind.MEMBER)
            if member in self.functions or member in self.classes:
                return Ref(member, RefKind.MEMBER if instance else RefKind.SYMBOL)
            values = self._attribute_values.get(member)
            if values:
                found = {self.resolve(value) for value in values}
                if len(found) == 1 and _UNKNOWN not in found:
                    return found.pop()
                # Assigned different things in different places: no single type.
                return Ref(member, RefKind.MEMBER if instance else RefKind.SYMBOL)
            if klass not in self.classes:  # an external base: its members are its own
                typed = ATTRIBUTE_TYPES.get(member)  # ``Order.objects``: a Django ``Manager``
                if typed is not None:
                    return Ref(typed, RefKind.INSTANCE)
                if klass != class_path and is_runnable_call(member):
                    # A project subclass of a LangChain base (a retriever, a model): ``invoke`` runs
                    # the project's own ``_get_relevant_documents``/``_generate``, not a known client.
                    break
                return Ref(f"{klass}.{name}", RefKind.MEMBER if instance else RefKind.SYMBOL)
        return Ref(f"{class_path}.{name}", RefKind.MEMBER if instance else RefKind.SYMBOL)

    def mro(self, class_path: str) -> tuple[str, ...]:
        """The class and its bases, depth first; external bases end a branch."""
        found = self._mro_memo.get(class_path)
        if found is None:
            found = self._mro_memo[class_path] = tuple(self._mro(class_path))
        return found

    def _mro(self, class_path: str) -> list[str]:
        order: list[str] = []
        pending = [class_path]
        while pending and len(order) < _MAX_DEPTH:
            current = pending.pop(0)
            if current in order:
                continue
            order.append(current)
            entry = self.classes.get(current)
            if entry is not None:
                for base in entry[0].bases:
                    resolved = self.resolve(base)
                    if resolved is not _UNKNOWN:
                        pending.append(resolved.path)
        return order

    def binding_key(self, ref: Ref) -> str:
        """The module-level name a reference ends at, following imports (``from .items import router``)."""
        path = ref.path
        for _ in range(10):
            module, _, name = path.rpartition(".")
            summary = self.modules.get(module)
            if summary is None:
                return path
            key = f"{summary.module}.{name}"
            found = self.bindings.get(key)
            if found is None or found[0].value.kind != "ref" or found[0].value.ref is None:
                return key
            path = found[0].value.ref.path
        return path

    def overrides(self, class_path: str, name: str) -> list[str]:
        """The methods named ``name`` that subclasses of ``class_path`` define (virtual dispatch)."""
        if self._subclasses is None:
            self._subclasses = {}
            for klass in self.classes:
                for base in self.mro(klass)[1:]:
                    self._subclasses.setdefault(base, []).append(klass)
        return sorted(
            f"{sub}.{name}" for sub in self._subclasses.get(class_path, ()) if f"{sub}.{name}" in self.functions
        )

    def property_getter(self, ref: Ref) -> str | None:
        """The ``@property`` getter that reading ``ref`` (``Type.attr`` through an instance) runs."""
        if ref.path.rpartition(".")[2] not in self._decorated_methods:
            return None  # most attribute reads: no getter of that name anywhere, nothing to resolve
        key = (ref.path, ref.kind)
        if key not in self._getter_memo:
            self._getter_memo[key] = self._property_getter(ref)
        return self._getter_memo[key]

    def item_getter(self, ref: Ref) -> str | None:
        """The project's ``__getitem__`` that ``container[key]`` runs (``ref``: ``container.__getitem__``
        as phase 1 names it), when the container is an instance of a project class; never a class
        subscripted as a type (``Repo[Model]``)."""
        if not self._item_classes:
            return None  # most projects define no __getitem__
        owner_path = ref.path[: -len(".__getitem__")]
        owner = self.resolve(Ref(owner_path, RefKind.INSTANCE if ref.kind is RefKind.MEMBER else ref.kind))
        if owner.kind is not RefKind.INSTANCE or owner.path not in self.classes:
            return None
        for klass in self.mro(owner.path):
            if klass in self._item_classes:
                return f"{klass}.__getitem__"
        return None

    def _property_getter(self, ref: Ref) -> str | None:
        owner_path, _, name = ref.path.rpartition(".")
        if not owner_path:
            return None
        owner = self.resolve(Ref(owner_path, RefKind.INSTANCE if ref.kind is RefKind.MEMBER else ref.kind))
        if owner.kind is not RefKind.INSTANCE or owner.path not in self.classes:
            return None
        for klass in self.mro(owner.path):
            member = f"{klass}.{name}"
            if member in self.functions:
                return member if self.is_property(self.functions[member].function) else None
        return None

    def is_property(self, function: FunctionFacts) -> bool:
        """A ``@property`` (or ``cached_property``) getter: reading the attribute runs it."""
        for decorator in function.decorators:
            if decorator.ref is not None and self.resolve(decorator.ref).path in _PROPERTIES:
                return True
        return False

    def is_subclass(self, class_path: str, bases: frozenset[str]) -> bool:
        return any(path in bases for path in self.mro(class_path)[1:])

    def _called(self, func: Ref) -> Ref:
        """What calling ``func`` gives: an instance of a class, or a return type."""
        if func is _UNKNOWN:
            return _UNKNOWN
        if func.kind is RefKind.INSTANCE:
            if func.path in self.classes:
                return self._returns(f"{func.path}.__call__")
            known = RETURNS.get(f"{func.path}.__call__")
            return Ref(known, RefKind.INSTANCE) if known else Ref(f"{func.path}.__call__()", RefKind.INSTANCE)
        if func.path in self.classes:
            return Ref(func.path, RefKind.INSTANCE)
        if func.path in self.functions:
            return self._returns(func.path)
        known = RETURNS.get(func.path) or runnable_returns(func.path)
        if known is not None:
            return Ref(known, RefKind.INSTANCE)
        owner, _, last = func.path.rpartition(".")
        if last == "__getitem__" and owner in ITEM_TYPES:
            return Ref(ITEM_TYPES[owner], RefKind.INSTANCE)  # ``client["app"]``: a Mongo database
        if func.kind is RefKind.SYMBOL and last[:1].isupper():
            return Ref(func.path, RefKind.INSTANCE)  # an external class, by naming convention
        return Ref(f"{func.path}()", RefKind.INSTANCE)

    def _returns(self, function_path: str) -> Ref:
        cached = self._returns_memo.get(function_path)
        if cached is not None:
            return cached
        if function_path in self._in_progress:
            return _UNKNOWN
        self._in_progress.add(function_path)
        try:
            found = self._infer_returns(function_path)
        finally:
            self._in_progress.discard(function_path)
        self._returns_memo[function_path] = found
        return found

    def _infer_returns(self, function_path: str) -> Ref:
        located = self.functions.get(function_path)
        if located is None:
            return _UNKNOWN
        function = located.function
        if function.returns is not None and not function.is_generator:
            annotated = self.resolve_value(function.returns)
            if annotated is not _UNKNOWN and function.returns.kind == "ref":
                return Ref(annotated.path, RefKind.INSTANCE)
        kinds = {self.resolve_value(value) for value in function.returned}
        kinds.discard(_UNKNOWN)
        instances = {ref for ref in kinds if ref.kind is RefKind.INSTANCE}
        if len(instances) == 1:
            return instances.pop()
        return _UNKNOWN


def _shape(value: Value) -> tuple[str, str] | None:
    """What a binding's value is, for comparing two bindings of one name; None for ``None``."""
    if value.kind == "const" and value.text == "None":
        return None
    if value.kind == "call" and value.call is not None:
        return ("call", value.call.func.path if value.call.func is not None else value.call.text)
    if value.ref is not None:
        return (value.kind, value.ref.path)
    return (value.kind, value.text)


def _bound_ref(value: Value) -> Ref | None:
    """What a module-level binding makes its name stand for, as phase 1 writes a path."""
    if value.kind == "ref":
        return value.ref
    if value.kind == "call" and value.call is not None and value.call.func is not None:
        return Ref(call_result(value.call.func), RefKind.INSTANCE)
    return None


def _is_dict(found: tuple[Binding, ModuleSummary] | None) -> bool:
    """Whether a module-level name is bound to a plain dict: ``{...}``, ``dict()``, a ``defaultdict``."""
    if found is None:
        return False
    value = found[0].value
    if value.kind == "dict":
        return True
    func = value.call.func if value.kind == "call" and value.call is not None else None
    return func is not None and func.path in _DICT_TYPES


_DICT_TYPES = frozenset({"builtins.dict", "collections.defaultdict", "collections.OrderedDict"})
# How a dict's item is picked: ``d[key]``, ``d.get(key)``.
_PICKS = frozenset({"__getitem__", "get"})


def _dict_values(value: Value) -> list[Ref] | None:
    """What a dict literal's values are bound to, when each is a name or a call of one (``{"s3":
    S3Store, "local": LocalStore}``; ``{}`` has none); None when one is something else, or when
    there are more than ``MAX_ALTERNATIVES`` (a table of implementations, where naming a few
    would be a guess)."""
    found: list[Ref] = []
    for item in value.items[1::2]:
        ref = _bound_ref(item)
        if ref is None:
            return None
        if ref not in found:
            found.append(ref)
    return found if len(found) <= MAX_ALTERNATIVES else None


def _names_in(path: str) -> list[str]:
    return [segment[:-2] if segment.endswith("()") else segment for segment in split_path(path)]


def _rebase(path: str, module: str, prefix: str) -> str:
    return prefix + path[len(module) :]


def _path_module_names(path: str, is_package: bool) -> list[str]:
    """Names a module can be imported by when its folders lack ``__init__.py``.

    ``app/services/geo.py`` linted from the project root is ``app.services.geo``
    even in a namespace package, and ``src/`` layouts drop their ``src``.
    """
    pure = PurePath(path)
    if pure.is_absolute() or ".." in pure.parts:
        return []
    parts = list(pure.with_suffix("").parts)
    if is_package:
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return []
    names = [".".join(parts)]
    if parts[0] == "src" and len(parts) > 1:
        names.append(".".join(parts[1:]))
    return names


_Entry = tuple[int, ModuleSummary, Optional[FunctionFacts], CallSite]


class CallIndex:
    """Every call of the project, looked up by the name it is written with, by what it resolves
    to, and by the keywords it passes: read by several rules. Each table is built on its first
    lookup: naming a call is cheap, resolving every callee of a project is not (a process that
    runs only the rules that never ask by path does not pay for it)."""

    def __init__(self, project: Project) -> None:
        # The project holds its index: a plain reference back would make a cycle, which only the
        # collector frees (a long-lived session drops a linked project after every change).
        self._project = weakref.proxy(project)
        self._index: dict[str, dict[str, list[_Entry]]] = {}
        # Calls grouped by how their callee is written, in order of first use: each written
        # callee is named (and resolved) once, not once per call (a project repeats most).
        self._written: dict[Ref, list[_Entry]] = {}
        self._keywords: list[_Entry] = []
        written, with_keywords = self._written, self._keywords
        number = 0
        for summary in project.summaries:
            for function, sites in _call_groups(summary):
                for site in sites:
                    entry = (number, summary, function, site)
                    number += 1
                    func = site.func
                    if func is not None:
                        group = written.get(func)
                        if group is None:
                            written[func] = [entry]
                        else:
                            group.append(entry)
                    if site.kwargs:
                        with_keywords.append(entry)

    def keys(self, kind: str) -> Iterable[str]:
        return self._table(kind).keys()

    def lookup(self, kind: str, keys: Iterable[str]) -> list[tuple[ModuleSummary, FunctionFacts | None, CallSite]]:
        table = self._table(kind)
        found = sorted({entry[0]: entry for key in set(keys) for entry in table.get(key, ())}.values(), key=_first)
        return [(summary, function, site) for _, summary, function, site in found]

    def _table(self, kind: str) -> dict[str, list[_Entry]]:
        table = self._index.get(kind)
        if table is None:
            table = self._index[kind] = {}
            if kind == "name":
                for func, entries in self._written.items():
                    table.setdefault(func.path.rpartition(".")[2], []).extend(entries)
            elif kind == "path":
                resolve, memo = self._project.resolve, self._project.resolved
                for func, entries in self._written.items():
                    resolved = memo[func.kind].get(func.path) or resolve(func)
                    table.setdefault(resolved.path, []).extend(entries)
            elif kind == "keyword":
                for entry in self._keywords:
                    for keyword, _ in entry[3].kwargs:
                        table.setdefault(keyword, []).append(entry)
            else:
                raise KeyError(kind)
        return table


def _call_groups(summary: ModuleSummary) -> Iterator[tuple[FunctionFacts | None, tuple[CallSite, ...]]]:
    """A module's calls, a body at a time, with the function they are in (None at module level)."""
    yield None, summary.module_calls
    for function in summary.functions:
        yield function, function.calls


def _first(entry: _Entry) -> int:
    return entry[0]


_T = TypeVar("_T")


class per_project(Generic[_T]):
    """A fact of a linked project computed once and kept while the project lives, for analysis
    code that holds the project alone (the facts rules read are ``Context``'s properties).

    Decorates ``build(project)``. What it returns must not refer to the project, which would
    then never be freed (a long-lived flake8 or editor process links many).
    """

    def __init__(self, build: Callable[[Project], _T]) -> None:
        self._build = build
        self._found: weakref.WeakKeyDictionary[Project, _T] = weakref.WeakKeyDictionary()
        self.__doc__ = build.__doc__

    def __call__(self, project: Project) -> _T:
        try:
            return self._found[project]
        except KeyError:
            found = self._found[project] = self._build(project)
            return found
