"""What a call's arguments decide in the function it calls: the lines that call cannot run.

Four kinds, each read from the call alone:

* a branch on a flag (``extract/branches.py``) whose value the call fixes: a constant passed,
  or the parameter left at a constant default (``enqueue(batch)`` with ``background=True``
  never runs the ``else`` of ``if background:``);
* a branch on the type of a parameter (``isinstance(block, Image)``, ``case Image():``) that the
  value passed is known not to have: an object of a class of the project none of whose bases
  is of that type (or outside the project, another class it is not);
* a branch on a flag of the object passed (``if payload.is_binary:``) that the caller's own
  tests settle where the call stands (``if note.is_binary: ...; continue`` before it);
* a default the callee makes (``if lemmas is None: lemmas = lemmatize(q)``: ``lazy_init.py``'s
  guards on a parameter) for a parameter the call passes.

A call with ``*args`` or ``**kwargs`` fixes nothing it may carry.
"""

from __future__ import annotations

from fastapi_lint.analysis.facts import Branch, CallSite, FunctionFacts, Param, Ref, RefKind, Value
from fastapi_lint.analysis.cache_places import PARAMETER
from fastapi_lint.analysis.extract.narrowing import told_strings
from fastapi_lint.analysis.project import Project

LineRange = tuple[int, int]
# Past any line of a function: the end of a range that runs to its last line.
_LAST_LINE = 1 << 30

# Where the bases that may give a class a length come from (``_always_true``).
_SIZED_BASES = ("builtins.", "collections.", "typing.")
_UNSIZED_BASES = frozenset({"builtins.object", "builtins.Exception", "typing.Generic", "typing.Protocol"})
# The builtin types of plain values: a value of one is an object of no other, nor of a class of
# the project's that does not derive from it.
_BUILTIN_VALUES = frozenset(f"builtins.{name}" for name in "str bytes int float bool list dict tuple set frozenset".split())
# A collection's generic alias, as an annotation subscripts it, and the collection's type.
_COLLECTIONS = {
    **{f"builtins.{name}": f"builtins.{name}" for name in ("list", "dict", "set", "frozenset", "tuple")},
    **{f"typing.{alias}": f"builtins.{alias.lower()}" for alias in ("List", "Dict", "Set", "FrozenSet", "Tuple")},
}
# Types none of whose objects is false: identifiers and dates.
_ALWAYS_TRUE = frozenset({
    "uuid.UUID", "datetime.datetime", "datetime.date",
    *(f"pydantic{types}.UUID{version}" for types in ("", ".types") for version in (1, 3, 4, 5)),
})


def dead_lines(project: Project, function: FunctionFacts, site: CallSite) -> frozenset[LineRange]:
    """The line ranges of ``function`` that the call at ``site`` does not run: a generator's
    lines past its first ``yield`` when the site takes its first item only (``next(get_db())``)."""
    after = {(function.first_yield + 1, _LAST_LINE)} if site.first_item and function.first_yield else set()
    if not function.branches and not _makes_defaults(function):
        return frozenset(after)
    dead = after | {(guard.first, guard.last) for guard in function.guards
            if _makes_default(guard.filled, guard.place) and passes(function, site, guard.place[len(PARAMETER):])}
    for branch in function.branches:
        if branch.op == "isinstance":
            value = passed(function, site, branch.name)
            runs = _of_type(project, branch, value) if value is not None else None
        elif branch.op == "member":
            runs = _is_member(project, branch, member_given(function, site, branch.name))
        elif "." in branch.name:
            runs = _flag_told(function, site, branch)
        else:
            given = passed(function, site, branch.name)
            value = argument(function, site, branch.name) or _not_none(branch, given) or _typed(project, branch, given)
            runs = _outcome(branch, value) if value is not None else _for_any_told(function, site, branch)
        if runs is False:
            dead.add((branch.first, branch.last))
    return frozenset(dead)


def _for_any_told(function: FunctionFacts, site: CallSite, branch: Branch) -> bool | None:
    """Whether the branch runs for one of the strings the caller has tested the name it passes
    is one of (``elif name in ("Qwen", "Qwen2"): load(name)``); None when no test told it."""
    value = passed(function, site, branch.name)
    told = told_strings(site.known, value.text) if value is not None and value.kind == "ref" else ()
    return any(_outcome(branch, Value("str", string)) for string in told) if told else None


def in_ranges(line: int, ranges: frozenset[LineRange]) -> bool:
    return any(first <= line <= last for first, last in ranges)


def passes(function: FunctionFacts, site: CallSite, parameter: str) -> bool:
    """Whether ``site`` passes ``parameter`` something other than a literal ``None`` (or may, by
    ``**options``)."""
    value = dict(site.kwargs).get(parameter)
    if value is None and site.has_star_kwargs:
        return True  # ``**options``: may hold it
    if value is None:
        value = _positional(function, site, parameter)
    return value is not None and not value.is_none


def non_empty(project: Project, function: FunctionFacts, site: CallSite, parameter: str) -> bool:
    """Whether ``site`` passes ``parameter`` a value that is never empty, so that ``parameter or
    make()`` never makes: a true constant, or an object of a class of the project (by the
    parameter's annotation, or else by what is passed) that defines no ``__bool__`` or
    ``__len__``. A string, a number or a collection may well be empty."""
    value = passed(function, site, parameter)
    if value is None:
        return False
    if _constant(value):
        return _truthy(value)
    param = next((param for param in function.params if param.name == parameter), None)
    if param is not None and param.annotation is not None:
        types = _annotated_types(param.annotation)
    else:
        ref = project.resolve_value(value)
        types = [ref.path] if ref.kind is RefKind.INSTANCE else []
    return bool(types) and all(_always_true(project, path) for path in types)


def _annotated_types(annotation: Value) -> list[str]:
    """The types an annotation names, through ``Optional``/``Union``/``|`` and without ``None``;
    an empty list for anything else."""
    if annotation.kind == "ref" and annotation.ref is not None:
        return [annotation.ref.path]
    if annotation.kind == "subscript" and annotation.ref is not None and annotation.ref.path in ("typing.Optional", "typing.Union"):
        # ``None`` is what the fallback replaces: the other members say what is passed
        found = [_annotated_types(item) for item in annotation.items
                 if not item.is_none]
        if found and all(found):
            return [path for paths in found for path in paths]
    return []


def _always_true(project: Project, class_path: str) -> bool:
    if class_path not in project.classes:
        return False
    for cls in project.mro(class_path):
        if cls not in project.classes:
            if cls.startswith(_SIZED_BASES) and cls not in _UNSIZED_BASES:
                return False  # a ``dict``, a ``UserList``, a ``Mapping``: empty when it holds nothing
        elif any(project.function(f"{cls}.{method}") is not None for method in ("__bool__", "__len__")):
            return False
    return True


def passed(function: FunctionFacts, site: CallSite, parameter: str) -> Value | None:
    """What ``site`` passes for ``parameter`` (by name or position), or None."""
    value = dict(site.kwargs).get(parameter)
    if value is None and not site.has_star_args:
        value = _positional(function, site, parameter)
    return value


def positional_parameters(function: FunctionFacts) -> list[str]:
    """The parameters a call's positional arguments fill, in order: a method's ``self`` or ``cls``
    is bound by the call on the instance or class."""
    names = [param.name for param in function.params]
    if function.class_path is not None and names and names[0] in ("self", "cls"):
        return names[1:]
    return names


def _positional(function: FunctionFacts, site: CallSite, parameter: str) -> Value | None:
    """The argument ``site`` writes in ``parameter``'s position, if it writes that many. A method
    called through its class (``Agent.__init__(self, tools)``) is handed its ``self`` too; one
    called on a module's instance (``llm_class.init_model("ChatGPT")``) is not."""
    names = positional_parameters(function)
    if (site.func is not None and site.func.kind is RefKind.SYMBOL and site.func.path.endswith(f".{function.name}")
            and function.params and function.params[0].name == "self" and _through_a_class(site, function)):
        names = [param.name for param in function.params]
    index = names.index(parameter) if parameter in names else len(site.args)
    return site.args[index] if index < len(site.args) else None


# Decorators that leave a function's signature as written (any other may wrap it in one that
# takes anything).
_SIGNATURE_KEEPING = frozenset({"builtins.staticmethod", "builtins.classmethod", "staticmethod", "classmethod",
                                "abc.abstractmethod", "typing.override", "typing_extensions.override"})


def fits(project: Project, function: FunctionFacts, site: CallSite) -> bool:
    """Whether the call's arguments bind to the function's parameters. A call that passes more
    positional arguments than the function takes, names a keyword it does not have, or leaves a
    parameter without a default unfilled raises ``TypeError`` before the body runs (a call a
    refactor left behind): it waits on nothing the body does. Taken to fit when it cannot be told:
    a call with ``*args`` or ``**kwargs``, a decorated function (a wrapper may take anything), a
    signature not known."""
    if not function.signature or site.has_star_args or site.has_star_kwargs or site.func is None:
        return True
    if function.name != "__init__" and site.func.path.rpartition(".")[2] != function.name:
        return True  # what the call runs besides (a dataclass's ``__post_init__``, an object's ``__call__``)
    if any(decorator_path(decorator) not in _SIGNATURE_KEEPING for decorator in function.decorators):
        return True
    positional, keyword_only, star_args, star_kwargs = function.signature
    params = function.params
    names = [param.name for param in params[:positional]]
    optional = [param.default is not None for param in params[:positional]]
    if (function.class_path is not None and names and names[0] in ("self", "cls")
            and not (names[0] == "self" and _on_a_class(project, function, site))):
        names, optional = names[1:], optional[1:]  # bound by the call on the instance or class
    if len(site.args) > len(names) and not star_args:
        return False
    start = positional + (1 if star_args else 0)
    keyword = params[start:start + keyword_only]
    given = set(names[:len(site.args)])
    known = {*names, *(param.name for param in keyword)}
    for name, _ in site.kwargs:
        if name not in known and not star_kwargs:
            return False
        given.add(name)
    return all(name in given for name, has_default in zip(names, optional) if not has_default) and all(
        param.name in given for param in keyword if param.default is None)


def _on_a_class(project: Project, function: FunctionFacts, site: CallSite) -> bool:
    """Whether the method is called on its class (``Store.update(store, ...)``: its ``self`` is
    passed) rather than on an instance (``STORE.update(...)``, ``self.update(...)``)."""
    func = site.func
    if func is None or func.kind is not RefKind.SYMBOL or not func.path.endswith(f".{function.name}"):
        return False
    owner = project.resolve(Ref(func.path.rpartition(".")[0]))
    return owner.kind is RefKind.SYMBOL and owner.path in project.classes


def decorator_path(decorator: Value) -> str:
    """The decorator's path, or the path of the call that makes it when it passes nothing
    (``@torch.no_grad()``); empty for a decorator a call with arguments makes."""
    if decorator.ref is not None:
        return decorator.ref.path
    call = decorator.call
    return call.func.path if call is not None and call.func is not None and not call.args else ""


def _through_a_class(site: CallSite, function: FunctionFacts) -> bool:
    """Whether the callee is written through a class (``Agent.__init__``, ``Base.run``): the
    method's own class by name, or a capitalised name."""
    receiver = site.text.rpartition(".")[0].rpartition(".")[2]
    return receiver[:1].isupper() or (function.class_path or "").rpartition(".")[2] == receiver


def _makes_defaults(function: FunctionFacts) -> bool:
    return any(_makes_default(guard.filled, guard.place) for guard in function.guards)


def _makes_default(filled: bool, place: str) -> bool:
    """A guard whose lines fill a parameter: the default the function makes for it."""
    return filled and place.startswith(PARAMETER)


def _flag_told(function: FunctionFacts, site: CallSite, branch: Branch) -> bool | None:
    """Whether a branch on a flag of a parameter (``if payload.is_binary:``) runs for the object
    the call passes, by what the caller's tests tell where the call stands (``CallSite.known``)."""
    parameter, _, attribute = branch.name.partition(".")
    value = passed(function, site, parameter)
    if value is None or value.kind not in ("ref", "other") or not value.text.isidentifier():
        return None  # a name (a loop's variable reads as ``other``), not an expression
    truth = dict(site.known).get(f"{value.text}.{attribute}")
    return None if truth is None else truth == branch.when


def _of_type(project: Project, branch: Branch, value: Value) -> bool | None:
    """Whether the branch runs for ``value``, by its type; None when the type is not known."""
    if value.kind == "str":
        found = "builtins.str" in branch.types
    else:
        ref = project.resolve_value(value)
        collection = _collection_declared(project, value)
        if collection is not None:
            ref = Ref(collection, RefKind.INSTANCE)
        if ref.kind is RefKind.INSTANCE and ref.path in _BUILTIN_VALUES and value.kind in ("ref", "call"):
            # a string, a number or a collection (a name's or a call's: a subscript's type is its
            # container's) is none of the project's classes (but one that derives from its type)
            # nor another builtin type; it may be ``None`` where the annotation is optional, so
            # only that is told
            if all((path in project.classes and ref.path not in project.mro(path))
                   or (path in _BUILTIN_VALUES and path != ref.path and (path, ref.path) != ("builtins.int", "builtins.bool"))
                   for path in branch.types):
                return not branch.when
            return None
        if ref.kind is not RefKind.INSTANCE or ref.path not in project.classes:
            return None  # a library's class: its bases are not known
        types = frozenset(branch.types)
        mro = project.mro(ref.path)
        if any(path in types for path in mro):
            found = True
        elif all(base in project.classes or base.startswith("builtins.") for base in mro):
            found = False
        else:
            return None  # a base from a library may be one of them
    return found == branch.when


def argument(function: FunctionFacts, site: CallSite, parameter: str) -> Value | None:
    """The constant ``site`` gives ``parameter``: passed, or left at its default; None when the
    call passes something else, or may (``*args``, ``**kwargs``)."""
    value = dict(site.kwargs).get(parameter)
    if value is None:
        value = _positional(function, site, parameter)
    if value is not None and value.kind == "ref" and value.text.isidentifier():
        told = told_strings(site.known, value.text)  # ``elif name == "ChatGPT": init_model(name)``
        return Value("str", told[0]) if len(told) == 1 else None
    if value is None:  # left at its default, a name of the callee's, which the caller's tests tell nothing of
        value = _default(function, site, parameter)
    return value if value is not None and _constant(value) else None


def constant_given(function: FunctionFacts, site: CallSite, parameter: str) -> Value | None:
    """``argument``'s constant, or else the enumeration's member ``site`` gives ``parameter``
    (``member_given``): what a branch on the parameter may test."""
    return argument(function, site, parameter) or member_given(function, site, parameter)


def forwarded(function: FunctionFacts, inner: CallSite, outer: CallSite, project: Project | None = None) -> CallSite | None:
    """``inner``, a call ``function`` makes, with each parameter of ``function`` it passes on as
    it came (``super().__init__(tools=tools)``) replaced by the constant ``outer`` gives that
    parameter (``RolePlay(tools=None)``), or, given the ``project``, by a field ``outer`` passes
    whose every value is true (``typed_object``); None when it passes on none."""
    names = {param.name for param in function.params}
    changed = False

    def swap(value: Value) -> Value:
        nonlocal changed
        constant = (constant_given(function, outer, value.text)
                    or (typed_object(project, passed(function, outer, value.text)) if project is not None else None)
                    ) if value.kind in ("other", "ref") and value.text in names else None
        changed = changed or constant is not None
        return constant if constant is not None else value

    args = tuple(swap(value) for value in inner.args)
    kwargs = tuple((name, swap(value)) for name, value in inner.kwargs)
    return inner._replace(args=args, kwargs=kwargs) if changed else None


def _typed(project: Project, branch: Branch, value: Value | None) -> Value | None:
    """For a truth or ``is None`` branch, a field passed whose every value is true (``typed_object``)."""
    return typed_object(project, value) if branch.op in ("truth", "none") else None


def typed_object(project: Project, value: Value | None) -> Value | None:
    """``value`` when it reads a field its class declares of a type whose every object is true,
    and not ``None`` (``new_recipe.household_id`` of a model's ``household_id: UUID4``): then ``if
    not household_id:`` where it is passed never runs. None for anything else: a field that may be
    ``None`` (``UUID4 | None``, a default of ``None``), or of a type whose objects may be empty
    (a string, a number, a collection, a class with ``__bool__`` or ``__len__``)."""
    declared = _declared_field(project, value)
    if declared is None:
        return None
    annotation, default = declared.annotation, declared.default
    if annotation is None or annotation.kind != "ref" or annotation.ref is None or (default is not None and default.is_none):
        return None
    path = project.resolve(annotation.ref).path
    return value if path in _ALWAYS_TRUE or _always_true(project, path) else None


def _declared_field(project: Project, value: Value | None) -> Param | None:
    """The field of a class of the project that ``value`` reads (``new_recipe.household_id``),
    as the class (or a base) declares it, if it reads one."""
    if value is None or value.kind != "ref" or value.ref is None or value.ref.kind is not RefKind.MEMBER:
        return None
    owner_path, _, name = value.ref.path.rpartition(".")
    owner = project.resolve(Ref(owner_path, RefKind.MEMBER))
    if owner.kind is not RefKind.INSTANCE or owner.path not in project.classes:
        return None
    for cls in project.mro(owner.path):
        declared = next((field for field in project.classes[cls][0].fields if field.name == name),
                        None) if cls in project.classes else None
        if declared is not None:
            return declared
    return None


def _collection_declared(project: Project, value: Value) -> str | None:
    """The builtin collection a field ``value`` reads is declared as (``data_items: list[DataItem]
    = field(default_factory=list)``): its type, whatever its default's call gives."""
    declared = _declared_field(project, value)
    annotation = declared.annotation if declared is not None else None
    if annotation is None or annotation.kind != "subscript" or annotation.ref is None:
        return None
    origin = project.resolve(annotation.ref).path
    return _COLLECTIONS.get(origin)


def _not_none(branch: Branch, value: Value | None) -> Value | None:
    """For an ``is None`` branch, a literal passed (``role=[-999]``, ``{}``, an f-string): never ``None``."""
    return value if branch.op == "none" and value is not None and value.kind in ("seq", "dict", "fstring", "lambda") else None


def _constant(value: Value) -> bool:
    return value.kind in ("const", "num", "str")


def _default(function: FunctionFacts, site: CallSite, parameter: str) -> Value | None:
    """The default of ``parameter``, where ``site`` leaves it (and may not pass it by ``*args``)."""
    if site.has_star_args or site.has_star_kwargs:
        return None
    return next((param.default for param in function.params if param.name == parameter), None)


def member_given(function: FunctionFacts, site: CallSite, parameter: str) -> Value | None:
    """What ``site`` gives ``parameter`` when it is an enumeration's member
    (``ConnectionType.AUTO``, passed or left as the default), which a branch on it may test."""
    value = passed(function, site, parameter) or _default(function, site, parameter)
    if value is None or value.kind != "ref" or value.ref is None:
        return None
    owner = value.text.rpartition(".")[0].rpartition(".")[2]
    return value if owner[:1].isupper() else None


def _is_member(project: Project, branch: Branch, value: Value | None) -> bool | None:
    """Whether the branch runs for ``value``, an enumeration's member: the one tested, or
    another member of the same class; None for anything else."""
    if value is None or value.kind != "ref" or value.ref is None:
        return None
    tested = branch.types[0]
    # As written (``DatabaseConnectionType.AUTO``), and through the module that imports it; an
    # enumeration's member itself resolves to an instance of its class.
    members = {value.ref.path, project.resolve(Ref(value.ref.path)).path}
    if tested in members:
        return branch.when
    if any(member.rpartition(".")[0] == tested.rpartition(".")[0] for member in members):
        return not branch.when
    return None


def _outcome(branch: Branch, value: Value) -> bool | None:
    """Whether the branch runs for ``value``."""
    if branch.op == "none":
        return value.is_none == branch.when
    if branch.op == "in":
        return (value.kind == "str" and value.text in branch.types) == branch.when
    if branch.op == "cmp":
        compared = _compared(value, *branch.types)
        return None if compared is None else compared == branch.when
    return _truthy(value) == branch.when


def _compared(value: Value, operator: str, number: str) -> bool | None:
    """``value > number`` and the like, for a number passed; None for anything else."""
    if value.kind != "num":
        return None
    try:
        left, right = float(value.text), float(number)
    except ValueError:
        return None
    return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[operator]


def _truthy(value: Value) -> bool:
    if value.kind == "const":
        return value.text == "True"
    if value.kind == "num":
        try:
            return float(value.text) != 0
        except ValueError:
            return True
    return value.text != ""
