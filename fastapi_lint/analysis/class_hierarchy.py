"""A project's classes: each one's bases in order, the methods subclasses override, and the
``@property`` getters and ``__getitem__`` methods that reading an attribute or an item runs."""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from typing import Optional, TypeVar

from fastapi_lint.analysis.cycle_cuts import CycleCuts
from fastapi_lint.analysis.facts import FunctionFacts, ModuleSummary, Ref, RefKind
from fastapi_lint.analysis.linking import MAX_DEPTH, UNKNOWN, LinkedNames

_PROPERTIES = frozenset({"builtins.property", "functools.cached_property", "property"})

# Whether a subclass index (a project's, then another's) differs only where no answer went
# (``ClassHierarchy.inherit_classes``, ``inheritance.subclasses_unread``)
SubclassesUnread = Optional[Callable[[dict[str, list[str]], dict[str, list[str]]], bool]]


_V = TypeVar("_V")


def kept_answers(memo: Mapping[str, _V], now: Container[str], before: Container[str]) -> dict[str, _V]:
    """The answers of ``memo`` but those about a def ``before`` had and ``now`` does not (what it
    returns, its bases): about it alone, gone with it (``Project.inherit``)."""
    return {path: found for path, found in memo.items() if path in now or path not in before}


# The bases that make a class a protocol, which classes implement by their methods alone.
_PROTOCOL_BASES = frozenset({"typing.Protocol", "typing_extensions.Protocol"})


class ClassHierarchy(LinkedNames):
    """The class questions of ``Project``, which supplies ``resolve`` (a base is a path to resolve)."""

    def __init__(self, summaries: list[ModuleSummary], aliases: Mapping[str, tuple[str, ...]] | None = None,
                 previous: LinkedNames | None = None) -> None:
        super().__init__(summaries, aliases, previous)
        self._subclasses: dict[str, list[str]] | None = None
        self._mro_memo: dict[str, tuple[str, ...]] = {}
        self._getter_memo: dict[tuple[str, RefKind], str | None] = {}
        self._cuts = CycleCuts()  # what the memos above and ``Project``'s may keep
        # classes defining ``__getitem__``: what ``container[key]`` may run (``item_getter``)
        self._item_classes = frozenset(
            located.function.class_path for located in self.all_functions()
            if located.function.class_path and located.function.name == "__getitem__"
        )
        # names of the methods with a decorator: the only ones that can be property getters
        self._decorated_methods = {
            located.function.name for located in self.all_functions()
            if located.function.class_path and located.function.decorators
        }

    def resolve(self, ref: Ref | None) -> Ref:
        """What ``ref`` denotes in the project: ``Project.resolve``."""
        raise NotImplementedError

    def mro(self, class_path: str) -> tuple[str, ...]:
        """The class and its bases, depth first; external bases end a branch."""
        found = self._mro_memo.get(class_path)
        if found is None:  # asked again while its bases are being resolved: the class alone
            found = self._cuts.answer(("mro", class_path), self._mro_memo, class_path,
                                      lambda: tuple(self._mro(class_path)), (class_path,), counted=False)
        return found

    def _mro(self, class_path: str) -> list[str]:
        order: list[str] = []
        pending = [class_path]
        while pending and len(order) < MAX_DEPTH:
            current = pending.pop(0)
            if current in order:
                continue
            order.append(current)
            entry = self.classes.get(current)
            if entry is not None:
                for base in entry[0].bases:
                    resolved = self.resolve(base)
                    if resolved is not UNKNOWN:
                        pending.append(resolved.path)
        return order

    def overrides(self, class_path: str, name: str) -> list[str]:
        """The methods named ``name`` that subclasses of ``class_path`` define (virtual dispatch)."""
        return sorted(
            f"{sub}.{name}" for sub in self._subclass_index().get(class_path, ()) if f"{sub}.{name}" in self.functions
        )

    def family(self, class_path: str) -> list[str]:
        """``class_path`` (when it is the project's) and the project's classes derived from it."""
        return [*([class_path] if class_path in self.classes else []), *self._subclass_index().get(class_path, ())]

    def inherit_classes(self, previous: ClassHierarchy, same_functions: bool, unread: SubclassesUnread = None) -> bool:
        """Take ``previous``'s answers about classes (``Project.inherit``): the bases (but those of a
        class taken away: about it alone, gone with it) and the getters, and its subclass index:
        with the same classes and functions it holds (a function is what makes a class a
        protocol's implementation); else whether the one built here is the same, or differs only
        where no answer went (``unread(previous's, this one's)``)."""
        same_classes = self.classes.keys() == previous.classes.keys()
        self._mro_memo.update(previous._mro_memo if same_classes else kept_answers(previous._mro_memo, self.classes, previous.classes))
        self._getter_memo.update(previous._getter_memo)
        if previous._subclasses is None:
            return True
        if same_functions and same_classes:
            self._subclasses = {base: list(subclasses) for base, subclasses in previous._subclasses.items()}
            return True
        found = self._subclass_index()
        return found == previous._subclasses or (unread is not None and unread(previous._subclasses, found))

    def _subclass_index(self) -> dict[str, list[str]]:
        if self._subclasses is None:
            self._subclasses = {}
            for klass in self.classes:
                for base in self.mro(klass)[1:]:
                    self._subclasses.setdefault(base, []).append(klass)
            for protocol, implementations in self._structural_implementations().items():
                known = self._subclasses.setdefault(protocol, [])
                known.extend(klass for klass in implementations if klass not in known)
        return self._subclasses

    def _structural_implementations(self) -> dict[str, list[str]]:
        """The project's classes that implement a ``Protocol`` of the project without naming it as
        a base: every method the protocol declares (two at least, dunders aside), each defined by
        the class or a base of it and taking the parameters the protocol's takes (a worker's
        ``start(self)`` does not implement ``start(self, *, pool)``). A call on a value typed by
        the protocol runs one of theirs. And those a function declared to return the protocol
        returns (``_returned_as``)."""
        found: dict[str, list[str]] = {}
        methods: dict[str, set[str]] = {}
        for located in self.all_functions():
            if located.function.class_path:
                methods.setdefault(located.function.class_path, set()).add(located.function.name)
        protocols = {path for path, facts in self.classes.items()
                     if any(self.resolve(base).path in _PROTOCOL_BASES for base in facts[0].bases)}
        if not protocols:
            return found
        self._returned_as(protocols, found)
        members = {path: names for path in protocols
                   if len(names := {name for name in methods.get(path, ()) if not name.startswith("__")}) >= 2}
        for klass in self.classes:
            if klass in protocols:
                continue
            defined = {name for cls in self.mro(klass) for name in methods.get(cls, ())}
            for protocol, names in members.items():
                if (names <= defined and all(self._takes_as(klass, protocol, name) for name in names)
                        and klass not in found.get(protocol, ())):
                    found.setdefault(protocol, []).append(klass)
        return found

    def _returned_as(self, protocols: set[str], found: dict[str, list[str]]) -> None:
        """The classes a function annotated to return a protocol returns an instance of (``def
        get_client() -> ClientProtocol: return RealClient(...)``): the code declares them its
        implementations, whether or not they define every method it names."""
        for located in self.all_functions():
            function = located.function
            annotated = function.returns.ref if function.returns is not None else None
            if annotated is None or (protocol := self.resolve(annotated).path) not in protocols:
                continue
            for value in function.returned:
                call = value.call if value.kind == "call" else None
                if call is None or call.func is None:
                    continue
                klass = self.resolve(call.func).path
                if klass in self.classes and klass not in protocols and klass not in found.get(protocol, ()):
                    found.setdefault(protocol, []).append(klass)

    def _takes_as(self, klass: str, protocol: str, name: str) -> bool:
        """Whether ``klass``'s method ``name`` takes every parameter the protocol's names."""
        declared = self.functions.get(f"{protocol}.{name}")
        defined = next((self.functions[f"{cls}.{name}"] for cls in self.mro(klass) if f"{cls}.{name}" in self.functions), None)
        if declared is None or defined is None:
            return True
        taken = {param.name for param in defined.function.params}
        return all(param.name in taken for param in declared.function.params[1:])

    def property_getter(self, ref: Ref) -> str | None:
        """The ``@property`` getter that reading ``ref`` (``Type.attr`` through an instance) runs."""
        if ref.path.rpartition(".")[2] not in self._decorated_methods:
            return None  # most attribute reads: no getter of that name anywhere, nothing to resolve
        key = (ref.path, ref.kind)
        if key in self._getter_memo:
            return self._getter_memo[key]
        return self._cuts.answer(("getter", key), self._getter_memo, key, lambda: self._property_getter(ref), None,
                                 counted=False)

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
