"""Phase 2's first step: the module summaries of a project, linked into tables by name.

Every module (by each name it can be imported by), function, class, module-level binding and
``self.`` attribute of the project, found by its dotted path; and what a name bound several ways,
a module-level dict, or a name a function stores into may hold. Resolution (``project.py``)
walks paths through these tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePath

from fastapi_lint.analysis.names import MAX_ALTERNATIVES, call_result
from fastapi_lint.analysis.facts import Binding, ClassFacts, FunctionFacts, ModuleSummary, Ref, RefKind, Value

# What resolution answers when it cannot tell: compared by identity.
UNKNOWN = Ref("?", RefKind.MEMBER)
# How deep resolution (and a class's bases) is followed before it gives up.
MAX_DEPTH = 40


@dataclass(frozen=True)
class Located:
    """A function with the module it lives in, the unit most rules report on."""

    function: FunctionFacts
    module: ModuleSummary


class LinkedNames:
    """The project's summaries, indexed by dotted path."""

    def __init__(self, summaries: list[ModuleSummary], aliases: Mapping[str, tuple[str, ...]] | None = None,
                 previous: LinkedNames | None = None) -> None:
        """``aliases``: more names of each module (by displayed path), from its import roots
        (``roots.py``). ``previous``: the tables of a project whose modules differ from these
        only in what name resolution does not read (``Project.inherit``), taken over (``_relink``)."""
        self.summaries = summaries
        self._aliases = aliases or {}
        self.modules: dict[str, ModuleSummary] = {}
        self.functions: dict[str, Located] = {}
        self.classes: dict[str, tuple[ClassFacts, ModuleSummary]] = {}
        self.bindings: dict[str, tuple[Binding, ModuleSummary]] = {}
        self.attributes: dict[str, Ref] = {}
        # every value an attribute is assigned (``self.db = db`` here, ``= SessionLocal()`` there)
        self.attribute_values: dict[str, list[Ref]] = {}
        self.conflicting: set[str] = set()
        # module-level name -> each thing it is bound to, when bound several ways (see ``Project.resolve_all``)
        self.choices: dict[str, list[Ref]] = {}
        # module-level dict -> what its values are bound to (``BACKENDS = {"s3": S3Store, ...}``):
        # ``BACKENDS[name]`` and ``BACKENDS.get(name)`` may be any of them (see ``Project.resolve_all``)
        self.dict_items: dict[str, list[Ref]] = {}
        # module-level name -> what functions store into it (``global _client; _client = ...``)
        self.stores: dict[str, list[Ref]] = {}
        self._all: list[Located] = []
        self._methods: dict[str, list[Located]] = {}  # by the path of their class
        self._shadowed: dict[str, bool] = {}  # submodules their package binds its name over (``shadowed``)
        if previous is not None and self._relink(previous):
            return
        loaded, libraries = _loaded(summaries)
        # A module's own name first: another module's alias (from an import root) never takes it.
        for summary in loaded:
            if summary.path not in libraries:
                self.modules.setdefault(summary.module, summary)
        for summary in loaded:
            self._add(summary, summary.path in libraries)

    def _relink(self, previous: LinkedNames) -> bool:
        """Take ``previous``'s tables, each entry of a module whose facts are other objects now
        pointed at the new ones (the same functions, classes and bindings in the same order, as
        ``relocation.same_for_resolution`` vouches): what ``_add`` would give, at a fraction of
        its cost. Where a module defines other functions or classes, or binds other names to
        paths (``relocation.told_apart``), the functions and classes are linked again, and those
        names' bindings and classes' attributes put in or taken out. False (nothing taken) when the
        modules are not the same ones in the same order, differ otherwise (``_told_apart``), or
        another module goes by a library's name (``imports_its_name``)."""
        before = previous.summaries
        if len(before) != len(self.summaries) or self._aliases != previous._aliases:
            return False
        moved: dict[int, ModuleSummary] = {}  # id of an old module's facts -> its new ones
        located: dict[int, Located] = {}  # id of an old function's facts -> the new function, located
        pairs = [(old, new) for old, new in zip(before, self.summaries) if old is not new]
        reshaped = False  # a module defines other functions (``relocation.told_apart``)
        # id of an old module's facts -> the names one of the two binds, and the classes one of them defines
        told: dict[int, tuple[set[str], set[str]]] = {}
        for old, new in pairs:
            found = _told_apart(old, new, previous)
            if found is None:
                return False
            told[id(old)] = found
            moved[id(old)] = new
            if [function.path for function in old.functions] != [function.path for function in new.functions]:
                reshaped = True
                continue
            located.update((id(was), Located(function, new)) for was, function in zip(old.functions, new.functions))
        self.modules = {name: moved.get(id(summary), summary) for name, summary in previous.modules.items()}
        reclassed = any(classes for _, classes in told.values())
        loaded, libraries = _loaded(self.summaries) if reshaped or reclassed else ([], set())
        if reshaped:  # the functions linked again, each unchanged one's located as before
            located.update((id(found.function), found) for found in previous._all if id(found.module) not in moved)
            for summary in loaded:
                self._add_functions(summary, summary.path in libraries, located)
        else:
            self.functions = {path: located.get(id(found.function), found) for path, found in previous.functions.items()}
            self._all = [located.get(id(found.function), found) for found in previous._all]
            self._methods = dict(previous._methods)
            for class_path in {found.function.class_path for found in located.values() if found.function.class_path}:
                self._methods[class_path] = [located.get(id(found.function), found) for found in previous._methods[class_path]]
        self.classes, self.bindings = dict(previous.classes), dict(previous.bindings)
        self.attributes, self.attribute_values = previous.attributes, previous.attribute_values
        if reclassed:  # a class written or taken away: the classes in the order ``_add`` puts them
            self.classes = {klass.path: (klass, summary) for summary in loaded for klass in summary.classes}
        for old, new in pairs:
            names, classes = told[id(old)]
            if classes:  # and its attributes
                self._reclass(old, new, classes, previous)
            elif not reclassed:
                for klass, now in zip(old.classes, new.classes):
                    if self.classes.get(klass.path, (None,))[0] is klass:
                        self.classes[klass.path] = (now, new)
            kept = [binding for binding in new.bindings if binding.name not in names]
            for binding, now_bound in zip((binding for binding in old.bindings if binding.name not in names), kept):
                key = f"{old.module}.{binding.name}"
                if self.bindings.get(key, (None,))[0] is binding:
                    self.bindings[key] = (now_bound, new)
            for binding in old.bindings:  # an import taken away
                if binding.name in names and self.bindings.get(key := f"{old.module}.{binding.name}", (None,))[0] is binding:
                    del self.bindings[key]
            for binding in new.bindings:  # an import written: bound once, to a path (no choices, no conflict)
                if binding.name in names:
                    self.bindings[f"{new.module}.{binding.name}"] = (binding, new)
        # what only values say (the same in both): shared, as nothing changes a table once linked
        self.conflicting, self.choices = previous.conflicting, previous.choices
        self.dict_items, self.stores = previous.dict_items, previous.stores
        return True

    def _reclass(self, old: ModuleSummary, new: ModuleSummary, classes: set[str], previous: LinkedNames) -> None:
        """The attributes of the classes at ``classes``, which only one of ``old`` and ``new``
        defines, taken out of the tables or put in, as ``_add`` puts them (the tables copied first:
        the last project's are shared, never changed)."""
        if self.attributes is previous.attributes:
            self.attributes = dict(previous.attributes)
            self.attribute_values = dict(previous.attribute_values)
        for klass in old.classes:
            if klass.path in classes:
                for attribute in klass.attributes:
                    self.attributes.pop(f"{klass.path}.{attribute.name}", None)
                    self.attribute_values.pop(f"{klass.path}.{attribute.name}", None)
        for klass in new.classes:
            if klass.path in classes:
                for attribute in klass.attributes:
                    key = f"{klass.path}.{attribute.name}"
                    self.attributes.setdefault(key, attribute.value)
                    self.attribute_values[key] = [*self.attribute_values.get(key, []), attribute.value]

    def _add(self, summary: ModuleSummary, library: bool) -> None:
        """``library``: the module's own name is a library's (``imports_its_name``)."""
        for name in self._names(summary, library):
            self.modules.setdefault(name, summary)
        self._add_functions(summary, library, {})
        for klass in summary.classes:
            self.classes[klass.path] = (klass, summary)
            for attribute in klass.attributes:
                key = f"{klass.path}.{attribute.name}"
                self.attributes.setdefault(key, attribute.value)
                self.attribute_values.setdefault(key, []).append(attribute.value)
        touched: set[str] = set()  # the dicts of this module
        for name, value in summary.module_stores:
            if name.endswith("[]"):
                touched.add(f"{summary.module}.{name[:-2]}")
                stored = self.dict_items.setdefault(f"{summary.module}.{name[:-2]}", [])
            else:
                stored = self.stores.setdefault(f"{summary.module}.{name}", [])
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
                    stored = self.dict_items.setdefault(key, [])
                    stored.extend(value for value in values if value not in stored)
        for key in touched:
            if (key in poisoned or not self.dict_items.get(key) or len(self.dict_items[key]) > MAX_ALTERNATIVES
                    or not _is_dict(self.bindings.get(key))):
                self.dict_items.pop(key, None)
        for key, found in shapes.items():
            # A module name bound to different things (``Redis`` from ``redis`` or from
            # ``redis.asyncio``, by a try/except import) has no single meaning...
            if len(found) > 1:
                self.conflicting.add(key)
            # ...but each is a thing it may be; a def of the name is one more.
            choices = ([Ref(key)] if key in self.functions or key in self.classes else []) + bound.get(key, [])
            if 1 < len(choices) <= MAX_ALTERNATIVES:
                self.choices[key] = choices

    def _names(self, summary: ModuleSummary, library: bool) -> set[str]:
        """Every name the module may be imported by."""
        names = {summary.module, *path_module_names(summary.path, summary.is_package), *self._aliases.get(summary.path, ())}
        if library:
            names.discard(summary.module)
        return names

    def _add_functions(self, summary: ModuleSummary, library: bool, located: dict[int, Located]) -> None:
        """The module's functions, by each of their paths; ``located``: those located already, by
        the id of their facts."""
        prefixes = [name for name in self._names(summary, library) if name != summary.module]
        for function in summary.functions:
            found = located.get(id(function)) or Located(function, summary)
            self._all.append(found)
            if not library:
                self.functions[function.path] = found
            if function.class_path is not None:
                self._methods.setdefault(function.class_path, []).append(found)
            for prefix in prefixes:
                self.functions.setdefault(_rebase(function.path, summary.module, prefix), found)

    def shadowed(self, module: str) -> bool:
        """Whether ``pkg.sub`` names, as an attribute of its package, what the package's own code
        binds to ``sub`` after importing the submodule, not the submodule: ``from .sub import *``
        where ``sub.py`` defines ``sub = CRUDUser(...)``, ``from .sub import sub``, a ``def sub``."""
        found = self._shadowed.get(module)
        if found is None:
            found = self._shadowed[module] = self._binds_over(module)
        return found

    def _binds_over(self, module: str) -> bool:
        parent, _, name = module.rpartition(".")
        package = self.modules.get(parent)
        if package is None or not package.is_package or package.module != parent:
            return False
        key = f"{parent}.{name}"
        if key in self.functions or key in self.classes:
            return True
        bound = self.bindings.get(key)
        if bound is not None:
            ref = bound[0].value.ref
            return bound[0].value.kind != "ref" or ref is None or ref.path != module  # ``from . import sub`` binds the module
        return any(f"{source}.{name}" in self.bindings or f"{source}.{name}" in self.functions
                   or f"{source}.{name}" in self.classes for source in package.star_imports)

    # -- lookup ------------------------------------------------------------

    def all_functions(self) -> Iterator[Located]:
        return iter(self._all)  # made once, in _add: a dozen rules walk every function

    def function(self, path: str) -> Located | None:
        return self.functions.get(path)

    def class_methods(self, class_path: str) -> list[Located]:
        """The methods a class defines itself, in the order of the source."""
        return self._methods.get(class_path, [])

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


def _told_apart(old: ModuleSummary, new: ModuleSummary, previous: LinkedNames) -> tuple[set[str], set[str]] | None:
    """The module-level names one of two facts of a module binds, and the classes one of them
    defines, when ``LinkedNames._relink`` can put them in or take them out of ``previous``'s
    tables: the module loaded and the only one of its name, the other bindings and classes the
    same in the same order, each name bound once to a path, no class or binding added there
    already (another module's), each class taken away the one the tables hold. None: it cannot."""
    if (old.path, old.module, old.is_package) != (new.path, new.module, new.is_package) or imports_its_name(old) != imports_its_name(new):
        return None
    bound = {binding.name for binding in old.bindings}
    names = bound ^ {binding.name for binding in new.bindings}
    defined = {klass.path for klass in old.classes}
    classes = defined ^ {klass.path for klass in new.classes}
    if (names or classes) and (previous.modules.get(old.module) is not old
                               or sum(summary.module == old.module for summary in previous.summaries) != 1):
        return None  # not loaded, or not the only module of its name
    if ([klass.path for klass in old.classes if klass.path not in classes] != [klass.path for klass in new.classes if klass.path not in classes]
            or any(path in previous.classes for path in classes - defined)
            or any(previous.classes.get(klass.path, (None,))[0] is not klass for klass in old.classes if klass.path in classes)):
        return None
    if ([binding.name for binding in old.bindings if binding.name not in names]
            != [binding.name for binding in new.bindings if binding.name not in names]
            or not all(_bound_once_to_a_path(summary, name) for summary in (old, new) for name in names)
            or any(f"{new.module}.{name}" in previous.bindings for name in names - bound)):
        return None
    return names, classes


def _bound_once_to_a_path(summary: ModuleSummary, name: str) -> bool:
    """Whether the module binds ``name`` at most once, and then to a name or a dotted path, with no
    def or class of that name: what ``_add`` makes of it is one entry of ``bindings``, nothing
    else (``relocation.told_apart``'s imports)."""
    bound = [binding for binding in summary.bindings if binding.name == name]
    return (len(bound) <= 1 and all(binding.value.kind == "ref" and binding.value.ref is not None for binding in bound)
            and not any(function.name == name and function.class_path is None and function.parent_path is None
                        for function in summary.functions)
            and not any(klass.name == name for klass in summary.classes))


def _loaded(summaries: list[ModuleSummary]) -> tuple[list[ModuleSummary], set[str]]:
    """The modules Python may import, and (by display path) those that go by a library's name
    (``imports_its_name``)."""
    # ``pkg/x.py`` beside a package ``pkg/x/``: Python imports the package, never the file.
    packages = {str(PurePath(s.path).parent) for s in summaries if s.is_package}
    loaded = [s for s in summaries if s.is_package or str(PurePath(s.path).with_suffix("")) not in packages]
    return loaded, {summary.path for summary in loaded if imports_its_name(summary)}


def _shape(value: Value) -> tuple[str, str] | None:
    """What a binding's value is, for comparing two bindings of one name; None for ``None``."""
    if value.is_none:
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


def imports_its_name(summary: ModuleSummary) -> bool:
    """A file outside any package that imports a module of its own name (``utils/requests.py``
    wrapping ``import requests``): that name is a library's, the one the rest of the project imports
    too (the server's path does not hold the file's folder), so the file goes by its path's name
    only, when it has one (a file of the project below its root)."""
    own = summary.module
    return ("." not in own and not summary.is_package
            and any(module == own or module.startswith(f"{own}.") for _, module in summary.imports)
            and any(name != own for name in path_module_names(summary.path, False)))


def _rebase(path: str, module: str, prefix: str) -> str:
    return prefix + path[len(module) :]


def path_module_names(path: str, is_package: bool) -> list[str]:
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
