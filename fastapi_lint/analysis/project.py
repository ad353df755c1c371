"""Phase 2: link module summaries into a project and resolve paths across modules.

Phase 1 names things by where they were imported from (``app.deps.SessionLocal``);
here those paths are followed through re-exports, module-level instances,
``self.`` attributes, base classes and return types, so that
``db.execute`` on a ``db`` injected by ``Depends(get_db)`` becomes
``sqlalchemy.orm.Session.execute``.

A ``Project`` is built in layers: the summaries linked into tables by name
(``linking.LinkedNames``), the class hierarchy (``class_hierarchy.ClassHierarchy``), and
here the resolution of paths, with the project's calls indexed (``call_index.CallIndex``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property

from fastapi_lint.analysis.call_index import CallIndex, call_groups, deferred_calls_to
from fastapi_lint.analysis.catalog.factories import ATTRIBUTE_TYPES, ITEM_TYPES, RETURNS, SELF_RETURNING
from fastapi_lint.analysis.catalog.type_aliases import TYPE_ALIASES
from fastapi_lint.analysis.catalog.runnables import is_runnable_call, returns as runnable_returns
from fastapi_lint.analysis.class_hierarchy import ClassHierarchy, SubclassesUnread, kept_answers
from fastapi_lint.analysis.extract.deferred import DeferredFunctionFacts
from fastapi_lint.analysis.linking import UNKNOWN, Located as Located  # what rules report on
from fastapi_lint.analysis.names import MAX_ALTERNATIVES, SUPER, TYPE_WRAPPERS, UNTYPED
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, ModuleSummary, Ref, RefKind, Value
from fastapi_lint.analysis.project_memos import per_project as per_project, unchanged_modules as unchanged_modules, whole as whole

# How many ``from x import *`` a name is followed through.
_STAR_HOPS = 8
# How a dict's item is picked: ``d[key]``, ``d.get(key)``.
_PICKS = frozenset({"__getitem__", "get"})
# Calls that wrap a function into one used as it is (``with contextmanager(get_db)() as db``
# gets what ``get_db`` yields, as if it were decorated).
_FUNCTION_WRAPPERS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})
# External bases that define no method a project's code calls on its objects.
_BARE_BASES = frozenset({"abc.ABC", "object", "builtins.object", "typing.Generic", "typing_extensions.Generic"})


def split_path(path: str) -> list[str]:
    """``a.b().c`` -> ``["a", "b()", "c"]``: dots inside a call marker never occur."""
    return path.split(".")


class Project(ClassHierarchy):
    def __init__(self, summaries: list[ModuleSummary], aliases: Mapping[str, tuple[str, ...]] | None = None,
                 previous: Project | None = None) -> None:
        """``aliases``: more names of each module (by displayed path), from its import roots
        (``roots.py``). ``previous``: a project whose answers this one will inherit (``inherit``)."""
        super().__init__(summaries, aliases, previous)
        # kind -> path -> what ``resolve`` gave: the hottest lookup of the project phase, so no
        # tuple keys; loops over every call read it before calling ``resolve``.
        self.resolved: dict[RefKind, dict[str, Ref]] = {kind: {} for kind in RefKind}
        self._returns_memo: dict[str, Ref] = {}
        self._calls: CallIndex | None = None
        self._choice_names = frozenset(key.rpartition(".")[2] for key in [*self.choices, *self.dict_items])
        self._all_memo: dict[tuple[str, RefKind], tuple[Ref, ...]] = {}

    # -- calls -----------------------------------------------------------

    def calls_to(self, paths: Iterable[str]) -> list[tuple[ModuleSummary, CallSite]]:
        """Every call (module level or in a function body) that resolves to one of ``paths``,
        in the order of the summaries. Several rules look for a few constructors among all of
        a project's calls: resolving each call once, into this index, spares each the scan."""
        found = self._call_index().lookup("path", paths)
        return [(summary, site) for summary, _, site in found]

    def function_calls_to(self, paths: Iterable[str]) -> list[tuple[Located, CallSite]]:
        """The calls in function bodies that resolve to one of ``paths``, with their function,
        in the order of ``all_functions``: a rule after a few callees need not resolve every call."""
        if self.deferred_bodies:
            return [(Located(function, summary), site) for summary, function, site in deferred_calls_to(self, list(paths))]
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

    @cached_property
    def deferred_bodies(self) -> bool:
        """Whether its functions' bodies are read when asked for (an installed package's)."""
        return any(type(function) is DeferredFunctionFacts for summary in self.summaries for function in summary.functions)

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
        for function, sites in call_groups(summary):
            for site in sites:
                yield function, site

    # -- resolution --------------------------------------------------------

    def resolve(self, ref: Ref | None) -> Ref:
        """Follow a phase-1 reference to what it denotes in the project (or outside it)."""
        if ref is None:
            return UNKNOWN
        memo = self.resolved[ref.kind]
        cached = memo.get(ref.path)
        if cached is not None:
            return cached
        return self._cuts.answer((ref.path, ref.kind), memo, ref.path, lambda: self._walk_as(ref), UNKNOWN)

    def inherit(self, previous: Project, unchanged: frozenset[str], subclasses_unread: SubclassesUnread = None) -> bool:
        """Take ``previous``'s answers where they hold here: the caller vouches that no answer there read
        what tells the facts apart (``RESOLUTION_READS``: bodies; ``inheritance.names_unread``: defs,
        imports), the same modules in the same order. Each answer kept is then the one asking here gives
        (``cycle_cuts.py``), and so are ``per_project``'s shares of the modules in ``unchanged``, unless a
        def changed the subclass index where ``subclasses_unread`` says an answer went: then False, and
        what reads it (the call graph's targets, the placing) is not inherited."""
        for kind, answers in previous.resolved.items():
            self.resolved[kind].update(answers)
        same_functions = self.functions.keys() == previous.functions.keys()
        self._returns_memo.update(previous._returns_memo if same_functions
                                  else kept_answers(previous._returns_memo, self.functions, previous.functions))
        self._all_memo.update(previous._all_memo)
        if previous._calls is not None:
            self._calls = CallIndex(self, previous._calls, unchanged)
        if not self.inherit_classes(previous, same_functions, subclasses_unread):
            return False
        per_project.carry_all(previous, self, unchanged, same_functions)
        return True

    def paths_asked(self) -> Iterator[str]:
        """Every path resolution has been asked about or answered so far (a class's bases
        included): what a reader of modules on demand (``installed.py``) reads next."""
        for memo in self.resolved.values():
            for path, found in memo.items():
                yield path
                yield found.path
        for (path, _), options in self._all_memo.items():
            yield path
            yield from (option.path for option in options)
        for found in self._returns_memo.values():
            yield found.path

    def _walk_as(self, ref: Ref) -> Ref:
        found = self._walk(ref.path)
        if ref.kind is RefKind.INSTANCE and found.kind is RefKind.SYMBOL:
            return Ref(found.path, RefKind.INSTANCE)  # an annotation names the type
        if ref.kind is RefKind.MEMBER and found.kind is RefKind.SYMBOL:
            return Ref(found.path, RefKind.MEMBER)
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
            found = self._cuts.answer(("all", key), self._all_memo, key, lambda: self._walk_all(ref), (UNKNOWN,),
                                      counted=False)
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
                items = self.dict_items.get(current.path) if is_call and name in _PICKS and current.kind is RefKind.SYMBOL else None
                if items:
                    for item in items:
                        option = self.resolve(item)
                        if option is not UNKNOWN and option not in following:
                            following.append(option)
                            picked.append(option)
                    continue
                if is_call and name == "__call__" and current.kind is RefKind.SYMBOL:
                    option = self._called(current)  # ``BACKENDS[name]()``: the class picked, called
                    if option is not UNKNOWN and option not in following:
                        following.append(option)
                    continue
                member = self._member(current, name)
                choices = self.choices.get(member.path) if member.kind is RefKind.SYMBOL else None
                for option in [self.resolve(choice) for choice in choices] if choices else [member]:
                    if is_call:
                        option = self._called(option)
                    if option is not UNKNOWN and option not in following:
                        following.append(option)
            currents = following[:MAX_ALTERNATIVES]
            if not currents:
                return (UNKNOWN,)
        if ref.kind is RefKind.SYMBOL:
            return tuple(currents)
        return tuple(
            Ref(found.path, ref.kind) if found.kind is RefKind.SYMBOL and found not in picked else found
            for found in currents
        )

    def resolve_value(self, value: Value | None) -> Ref:
        if value is None:
            return UNKNOWN
        if value.kind == "call" and value.call is not None:
            func = self.resolve(value.call.func)
            if func.path in _FUNCTION_WRAPPERS and value.call.args:
                return self.resolve_value(value.call.args[0])  # ``get_db_manager = contextmanager(get_db)``
            loaded = value.call.args[0] if func.path == "importlib.import_module" and value.call.args else None
            if loaded is not None and loaded.kind == "str" and loaded.text and not loaded.text.startswith("."):
                return self.resolve(Ref(loaded.text))  # ``bcrypt = importlib.import_module("bcrypt")``: the module
            return self._called(func)
        if value.ref is not None:
            found = self.resolve(value.ref)
            if value.kind == "subscript" and found.kind is RefKind.SYMBOL and len(self.dict_items.get(found.path, ())) == 1:
                return self.resolve(self.dict_items[found.path][0])  # ``return _clients[key]``: what a memo holds
            return found
        return UNKNOWN

    def _walk(self, path: str) -> Ref:
        segments = split_path(path)
        current, consumed = self._module_prefix(path, segments)
        for segment in segments[consumed:]:
            is_call = segment.endswith("()")
            name = segment[:-2] if is_call else segment
            if is_call and name in _PICKS and current.kind is RefKind.SYMBOL and len(self.dict_items.get(current.path, ())) == 1:
                # One kind of item (``_clients[key] = Client()``, a memo): that (several: ``_walk_all``).
                current = self.resolve(self.dict_items[current.path][0])
                if current is UNKNOWN:
                    return UNKNOWN
                continue
            current = self._member(current, name)
            if is_call:
                current = self._called(current)
            if current is UNKNOWN:
                return UNKNOWN
        return current

    def _module_prefix(self, path: str, segments: list[str]) -> tuple[Ref, int]:
        """The longest leading run of ``path``'s segments naming a project module, and its length."""
        candidate, end = path, len(segments)
        while end:
            if "()" not in candidate and candidate in self.modules and not (
                    end < len(segments) and self.shadowed(candidate)
                    and not self._defines(self.modules[candidate], segments[end].removesuffix("()"))):
                return Ref(self.modules[candidate].module), end  # not ``crud.user.update``: ``crud`` binds ``user`` over it
            candidate, end = candidate[: candidate.rfind(".")], end - 1
        first = segments[0]
        if first.endswith("()"):
            return self._called(Ref(first[:-2])), 1
        return Ref(first), 1

    def _member(self, owner: Ref, name: str) -> Ref:
        if owner is UNKNOWN:
            return UNKNOWN
        if name == SUPER and owner.path in self.classes:
            # ``super()``: an object of the first base with members, its class's own skipped
            after = [klass for klass in self.mro(owner.path)[1:] if klass not in _BARE_BASES]
            return Ref(after[0], RefKind.INSTANCE) if after else UNKNOWN
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
        if path in self.functions or path in self.classes or (path in self.modules and not self.shadowed(path)):
            return Ref(self.modules[path].module if path in self.modules else path)
        found = self.bindings.get(path)
        if found is None and module.star_imports and depth < _STAR_HOPS:
            # ``from .base_controllers import *``: the first starred module that has the name.
            for starred in module.star_imports:
                source = self.modules.get(starred)
                if source is not None and source is not module and self._defines(source, name):
                    return self._module_member(source, name, depth + 1)
            if depth == 0 and path not in self.stores:
                # Defined by no module of the project: from the one library module starred, if one.
                external = self._external_star(module)
                if external is not None:
                    return self.resolve(Ref(f"{external}.{name}"))
        if (found is None or _says_no_type(found[0].value)) and path in self.stores:
            # Bound to None (or declared ``Any``), filled by a function (``global _client``): what that stores.
            stored = {self.resolve(ref) for ref in self.stores[path]}
            return stored.pop() if len(stored) == 1 and UNKNOWN not in stored else Ref(path)
        if found is None or path in self.conflicting:
            return Ref(path)
        value = found[0].value
        if value.kind == "ref" and value.ref is not None:
            return self.resolve(value.ref)
        if value.kind == "call" and value.call is not None:
            return self.resolve_value(value)
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
            if found is not UNKNOWN and found.path not in UNTYPED:
                return found
        for item in value.items[1:]:  # an unresolvable type: use what the dependency returns
            call = item.call
            if call is not None and call.args and self.resolve(call.func).path.rpartition(".")[2] in ("Depends", "Security"):
                returned = self._called(self.resolve_value(call.args[0]))
                if returned is not UNKNOWN:
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
                return returned if returned is not UNKNOWN else Ref(member, RefKind.MEMBER)
            if member in self.functions or member in self.classes:
                return Ref(member, RefKind.MEMBER if instance else RefKind.SYMBOL)
            values = self.attribute_values.get(member)
            if values:
                found = {self.resolve(value) for value in values}
                if len(found) == 1 and UNKNOWN not in found:
                    return found.pop()
                # Assigned different things in different places: no single type.
                return Ref(member, RefKind.MEMBER if instance else RefKind.SYMBOL)
            if klass not in self.classes:  # an external base: its members are its own
                if klass in _BARE_BASES:
                    continue  # ``ABC`` and ``object`` define none a project calls: a subclass's then
                typed = ATTRIBUTE_TYPES.get(member)  # ``Order.objects``: a Django ``Manager``
                if typed is not None:
                    return Ref(typed, RefKind.INSTANCE)
                if klass != class_path and is_runnable_call(member):
                    # A project subclass of a LangChain base (a retriever, a model): ``invoke`` runs
                    # the project's own ``_get_relevant_documents``/``_generate``, not a known client.
                    break
                return Ref(f"{klass}.{name}", RefKind.MEMBER if instance else RefKind.SYMBOL)
        return Ref(f"{class_path}.{name}", RefKind.MEMBER if instance else RefKind.SYMBOL)

    def _called(self, func: Ref) -> Ref:
        """What calling ``func`` gives: an instance of a class, or a return type."""
        if func is UNKNOWN:
            return UNKNOWN
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
        if owner in SELF_RETURNING:
            return Ref(owner, RefKind.INSTANCE)  # ``service.files()``: another resource
        if last == "__getitem__" and owner in ITEM_TYPES:
            return Ref(ITEM_TYPES[owner], RefKind.INSTANCE)  # ``client["app"]``: a Mongo database
        if func.kind is RefKind.SYMBOL and last[:1].isupper():
            return Ref(func.path, RefKind.INSTANCE)  # an external class, by naming convention
        return Ref(f"{func.path}()", RefKind.INSTANCE)

    def _returns(self, function_path: str) -> Ref:
        cached = self._returns_memo.get(function_path)
        if cached is not None:
            return cached
        return self._cuts.answer(function_path, self._returns_memo, function_path,
                                 lambda: self._infer_returns(function_path), UNKNOWN)

    def _infer_returns(self, function_path: str) -> Ref:
        located = self.functions.get(function_path)
        if located is None:
            return UNKNOWN
        function = located.function
        if function.returns is not None and not function.is_generator:
            annotated = self.resolve_value(function.returns)
            if annotated is not UNKNOWN and function.returns.kind == "ref":
                return Ref(annotated.path, RefKind.INSTANCE)
        kinds = {self.resolve_value(value) for value in function.returned}
        kinds.discard(UNKNOWN)
        instances = {ref for ref in kinds if ref.kind is RefKind.INSTANCE}
        if len(instances) == 1:
            return instances.pop()
        return UNKNOWN


def _names_in(path: str) -> list[str]:
    return [segment[:-2] if segment.endswith("()") else segment for segment in split_path(path)]


# The fields of a module's facts that name resolution does not read: the calls made at its top
# level, what it imports where (phase 1 lists a function's own ``from x import y`` there too).
RESOLUTION_IGNORES = frozenset({"module_calls", "imports"})
# The fields of a function's facts that name resolution reads (``linking.py``, ``class_hierarchy.py``
# and ``Project``): what it is, takes and returns. The rest (its calls, guards, branches, what it
# reads and stores) may change without changing an answer (``Project.inherit``).
RESOLUTION_READS = frozenset({"path", "name", "is_async", "decorators", "params", "returns", "returned",
                              "is_generator", "class_path", "parent_path", "abstract", "signature"})


# What an annotation names when it tells nothing of the value: ``MODEL: Optional[Any] = None``.
_NO_TYPE = frozenset({"typing.Any", "typing_extensions.Any", "builtins.object"})


def _says_no_type(value: Value) -> bool:
    """Whether a module-level binding's value is only an annotation of no type: what a function
    stores in the name says more."""
    return value.kind == "ref" and value.ref is not None and value.ref.kind is RefKind.INSTANCE and value.ref.path in _NO_TYPE
