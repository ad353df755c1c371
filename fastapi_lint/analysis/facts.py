"""Plain, picklable facts about one module: what phase 1 produces and phase 2 reads.

The facts made by the hundred thousand (references, values, calls, parameters, reads,
attributes) are named tuples: a project's cache holds millions of them, and a tuple is
built and unpickled in about half the time of a frozen dataclass. The few per function,
class and module are frozen dataclasses.

Names are *paths*: dotted strings resolved through imports at extraction time
(``r.get`` with ``import requests as r`` is ``requests.get``). A path segment
ending in ``()`` stands for "what calling this returns" (``requests.Session()``),
which the project phase resolves to a type when it can.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import NamedTuple

from fastapi_lint.diagnostics import Span


class RefKind(str, enum.Enum):
    SYMBOL = "symbol"  # the path names the thing itself (a module, function, class)
    INSTANCE = "instance"  # the expression is an instance of the type at path
    MEMBER = "member"  # an attribute reached through an instance: ``Type.attr``


class Ref(NamedTuple):
    path: str
    kind: RefKind = RefKind.SYMBOL

    @property
    def made_by(self) -> str | None:
        """For a name bound to what a call returned (``t = Transport()``, an instance spelled
        ``Transport()``): the callable that made it, as written; else None."""
        if self.kind is RefKind.INSTANCE and self.path.endswith("()"):
            return self.path[:-2]
        return None


def field_names(cls: type) -> tuple[str, ...]:
    """The fields of a fact class, named tuple or dataclass alike."""
    named: tuple[str, ...] | None = getattr(cls, "_fields", None)
    return named if named is not None else tuple(f.name for f in dataclasses.fields(cls))


_SHARED_REFS: dict[tuple[str, RefKind], Ref] = {}


def shared_ref(path: str, kind: RefKind = RefKind.SYMBOL) -> Ref:
    """The one ``Ref`` for a path and kind. Phase 1 names the same things over and over
    (``self.db.execute`` on every line): one object each keeps summaries small, and the
    cache stores each once per file, which is what reading it back costs."""
    key = (path, kind)
    found = _SHARED_REFS.get(key)
    if found is None:
        found = _SHARED_REFS[key] = Ref(path, kind)
    return found


class Value(NamedTuple):
    """A static view of an expression, deep enough for decorators, ``Depends`` and options.

    ``kind`` is one of: ``ref`` (``ref`` set), ``call`` (``call`` set), ``str``,
    ``num``, ``const`` (True/False/None), ``seq`` (list/tuple/set, ``items``),
    ``dict`` (``items`` holds keys and values in turn: ``k1, v1, k2, v2``; ``**x`` has an ``other`` key),
    ``subscript`` (``ref`` is the subscripted name, ``items`` the slice),
    ``lambda``, ``fstring`` (``text`` holds the literal text before its first placeholder),
    ``either`` (one of ``items``: ``a if x else b``, or an argument naming a local bound several
    ways; ``text`` is the local's name), ``other``.
    """

    kind: str
    text: str = ""
    ref: Ref | None = None
    items: tuple[Value, ...] = ()
    call: CallSite | None = None

    @property
    def is_none(self) -> bool:
        """The constant ``None``, as written."""
        return self.kind == "const" and self.text == "None"


class CallSite(NamedTuple):
    func: Ref | None  # None when the callee cannot be named statically
    text: str  # the callee as written, for messages: ``r.get``, ``self.client.get``
    span: Span
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    has_star_kwargs: bool = False
    awaited: bool = False
    # True inside a lambda handed to an offload call (to_thread, run_in_threadpool, ...):
    # the call then runs on a worker thread, not on the event loop.
    offloaded: bool = False
    # True when the call sits in a lambda body: it runs when the lambda does.
    in_lambda: bool = False
    # The callee a lambda holding this call is passed to, and which argument it is (position or
    # keyword): ``await run_sync(lambda: db.execute())`` runs where ``run_sync`` runs its
    # parameter, off the loop when it hands it to ``asyncio.to_thread`` (``offload_params.py``).
    lambda_host: tuple[Ref, str] | None = None
    # True for ``with f() as x`` / ``async with f() as x``: the statement closes the result.
    context_manager: bool = False
    # True when the call runs only while a lasting cache place is empty (lazy initialisation,
    # see ``lazy_init.py``): once per process or key, not once per call of its function.
    once: bool = False
    # True for ``lock.acquire()`` on a lock made just before that nothing else has seen, and
    # ``q.get()`` under ``while not q.empty():`` (see ``uncontended.py``): it cannot wait.
    uncontended: bool = False
    # Other callees, when the one called is bound several ways (``if x: from a import f`` /
    # ``else: from b import f``): the call runs ``func`` or one of these.
    alternatives: tuple[Ref, ...] = ()
    # True when what the call returns is iterated where it is made (``for x in f()``, ``list(f())``,
    # ``rows = f()`` then ``for r in rows``): the body of a generator function runs only there.
    iterated: bool = False
    # ``f(*items)``: the positions from the starred one on are not known.
    has_star_args: bool = False
    # True for a client construction whose client the block that binds it uses for several
    # requests (``reused_clients.py``): one operation's requests share it.
    reused: bool = False
    # True for a ``with`` item whose block awaits in a loop (``while True: rows = await fetch()``,
    # ``async for chunk in stream``), or a call assigned before statements that do: what it opens
    # is read or written in steps between awaits (``syntax.worked_in_steps``).
    stepped: bool = False
    # True for a call whose result a ``for`` takes one item of: its body always ends in ``break``
    # (``for root, dirs, files in os.walk(folder): ...; break``: the top folder's listing only);
    # and for one ``next`` takes one item of (``next(get_db())``).
    first_item: bool = False
    # True for a call in a branch of its body (an ``if`` or ``else`` block, an ``except`` handler):
    # it runs only when its condition holds (``opt_in.py``: a switch turned on at startup).
    conditional: bool = False
    # True for a call in the body of an open-ended loop of its function (``while``, ``async for``
    # over a stream; not a ``for`` over a collection): it runs once per pass, without bound
    # (``per_connection.py``: per message of a websocket, not per connection).
    in_loop: bool = False
    # True for a call in an ``except`` handler: it runs when the ``try``'s body failed (error
    # recovery: a session rebuilt when a token expired is not built per request, FAS201).
    in_handler: bool = False
    # What the caller's own tests tell where the call stands: ``("note.is_binary", False)`` after
    # ``if note.is_binary: ... continue`` (``extract/narrowing.py``).
    known: tuple[tuple[str, bool], ...] = ()
    # True for a call that is a statement of its own (``repo.save(user)``): what it returns is
    # dropped, so a coroutine it makes, not awaited, never runs.
    discarded: bool = False

    def kwarg(self, name: str) -> Value | None:
        for key, value in self.kwargs:
            if key == name:
                return value
        return None

    def argument(self, name: str, position: int) -> Value | None:
        """What the call passes as a library function's parameter, by keyword or at its position
        (``open(path, mode="a")`` or ``open(path, "a")``)."""
        keyword = self.kwarg(name)
        if keyword is not None:
            return keyword
        return self.args[position] if position < len(self.args) else None


class Param(NamedTuple):
    name: str
    annotation: Value | None
    default: Value | None


@dataclass(frozen=True)
class FunctionFacts:
    path: str  # ``app.routes.read_items``, ``app.services.Geo.lookup``
    name: str
    is_async: bool
    span: Span  # the ``def`` keyword to the end of the name
    decorators: tuple[Value, ...]
    decorator_lines: tuple[int, ...]
    params: tuple[Param, ...]
    returns: Value | None
    calls: tuple[CallSite, ...]
    awaits: bool  # awaits, ``async for`` or ``async with`` in its own body
    is_generator: bool
    returned: tuple[Value, ...]  # values of ``return``/``yield`` expressions
    class_path: str | None = None
    parent_path: str | None = None  # enclosing function for nested defs
    # Attributes read through an instance (``self.client``): a ``@property`` runs code on a read.
    reads: tuple[Read, ...] = ()
    # Only declares an interface (``@abstractmethod``, or a body that is ``...``, ``pass`` or
    # ``raise NotImplementedError``): a call to it runs an override.
    abstract: bool = False
    # The lasting places the body fills (``self._client``, a global ``_engine``, ``CACHE``),
    # named as ``lazy_init`` names them: what a guard one call above may be waiting for.
    fills: tuple[str, ...] = ()
    # The code the body runs only while a lasting place is empty (``lazy_init.py``).
    guards: tuple[Guard, ...] = ()
    # Lines past a throttle (``if now - last_pull < INTERVAL: continue``): run once per period.
    throttled: tuple[tuple[int, int], ...] = ()
    # (line, column) of the calls that read a file shipped with the code (``bundled.py``).
    bundled: tuple[tuple[int, int], ...] = ()
    # (line, column) of the calls that read a file whose path mentions a name of another module,
    # and the dotted paths each mentions: bundled where one of them is (``bundled.py``).
    foreign_reads: tuple[tuple[int, int], ...] = ()
    foreign_paths: tuple[tuple[str, ...], ...] = ()
    # The lines of the body that run only when a configuration switch has some value
    # (``extract/switches.py``), and the switch a function without parameters returns.
    gates: tuple[Gate, ...] = ()
    switch: Switch | None = None
    # The lines the body runs only for some values of a parameter (``extract/branches.py``).
    branches: tuple[Branch, ...] = ()
    # The fields of its object the body sets (``self.enabled = True``), each with the truth of the
    # constant stored, or None for anything else (``extract/switches.field_stores``).
    field_stores: tuple[tuple[str, bool | None], ...] = ()
    # A constructor's fields copied from its parameters, as (field, parameter): ``self._config =
    # config`` (``extract/attributes.parameter_copies``).
    field_copies: tuple[tuple[str, str], ...] = ()
    # How ``params`` divide: the positional ones (first), the keyword-only ones (after ``*args``,
    # when there is one), and whether ``*args`` and ``**kwargs`` are there (``call_arguments.fits``);
    # empty when not known.
    signature: tuple[int, int, bool, bool] | tuple[()] = ()
    # A route's decorator is left in a comment right above it (``# @router.post("/")``).
    route_commented_out: bool = False
    # The last line of a generator's first ``yield`` that its body always reaches (not under an
    # ``if`` or a loop): what taking its first item runs ends there (``syntax.first_yield``); 0
    # when there is none.
    first_yield: int = 0


class Switch(NamedTuple):
    """A setting tested by a condition (``extract/switches.py``): ``kind`` ``env`` (``name`` the
    variable), ``call`` (the function's path), ``platform`` (``sys.platform``), ``name`` (a module's
    name or an object's field, its dotted path), ``const`` (a module's name bound to a bool, its
    ``default``), ``unset`` (a module's name bound to None that functions fill: ``global``) or
    ``loop`` (an event loop runs the code), and how it is
    tested: ``op`` (``truth``, ``not``, ``is None``, ``is not None``, ``==``, ``!=``, ``in``,
    ``not in``, ``startswith``, ``not startswith``) against ``operands``; ``default`` is an
    environment variable's written default or Linux's platform value, ``methods`` the string
    methods applied first (``.lower()``)."""

    kind: str
    name: str
    op: str = "truth"
    operands: tuple[str | int | float | bool | None, ...] = ()
    default: str | int | float | bool | None = None
    methods: tuple[str, ...] = ()


class Gate(NamedTuple):
    """Lines ``first``..``last`` of a function body run only when ``switch`` tests ``when``."""

    first: int
    last: int
    switch: Switch
    when: bool


class Branch(NamedTuple):
    """Lines ``first``..``last`` run only when the parameter ``name`` passes a test: ``op``
    ``truth`` (``if flag:``), ``none`` (``if value is None:``), ``in`` (one of the strings in
    ``types``: ``if mode == "json":``), ``isinstance`` (of one of ``types``:
    ``isinstance(value, Image)``, ``case Image():``) or ``cmp`` (ordered against a number,
    ``types`` holding the operator and the number: ``if parts > 1:``), with the outcome ``when``."""

    name: str
    op: str
    when: bool
    first: int
    last: int
    types: tuple[str, ...] = ()


class Guard(NamedTuple):
    """Lines of a function body that run only while a lasting place is empty (``lazy_init.py``)."""

    first: int
    last: int
    place: str  # ``self._client``, ``_engine``, ``cls._instances``: as ``lazy_init`` names places
    # The guarded lines fill the place themselves; if not, the guard holds only when a function
    # they call fills it (``guards.py``).
    filled: bool
    # The check has other conditions (``tok is None or tok.expired``): the place is filled
    # again when they say so, once per entry and period.
    refresh: bool
    # A fallback (``key_hash = state.key_hash or slow_hash(key)``): the lines run when the place
    # is empty, and fill nothing; the guard holds when code elsewhere fills it (``guards.py``).
    fallback: bool = False
    # The fallback runs for any empty value (``a or b``), not only for None (``a if a is not None else b``).
    falsy: bool = False


class Read(NamedTuple):
    ref: Ref
    text: str  # as written: ``self.client``
    span: Span


class Attribute(NamedTuple):
    """``self.name = ...`` in a method, or a class-level annotated attribute."""

    name: str
    value: Ref
    annotated: bool = False  # declared with a type (``client: httpx.Client``), not inferred


# The methods building an object runs, in the order a class's own ``__init__`` hides the others.
CONSTRUCTORS = ("__init__", "__post_init__", "__attrs_post_init__", "model_post_init")


@dataclass(frozen=True)
class ClassFacts:
    path: str
    name: str
    span: Span
    bases: tuple[Ref, ...]
    decorators: tuple[Value, ...]
    attributes: tuple[Attribute, ...]
    # Annotated names of the class body with their defaults: model fields, and the
    # ``user: User = Depends(get_user)`` of a class-based view.
    fields: tuple[Param, ...] = ()
    metaclass: Ref | None = None  # ``class Config(metaclass=Singleton)``


@dataclass(frozen=True)
class Binding:
    """A module-level name: ``app = FastAPI()``, ``Db = Annotated[...]``, ``from x import y``."""

    name: str
    value: Value
    span: Span


@dataclass(frozen=True)
class ModuleSummary:
    path: str  # as given to the linter (relative where possible), used in reports
    module: str  # dotted module name from package roots
    is_package: bool
    bindings: tuple[Binding, ...]
    functions: tuple[FunctionFacts, ...]
    classes: tuple[ClassFacts, ...]
    module_calls: tuple[CallSite, ...]  # calls at module level (``app.include_router(...)``)
    # line -> codes named in the noqa comment on it (an empty tuple for a bare one)
    noqa: dict[int, tuple[str, ...]] = field(default_factory=dict)
    line_count: int = 0
    # modules named by ``from x import *``, in order: where names not bound here may come from
    star_imports: tuple[str, ...] = ()
    # ``parse.text_digest`` of the text the facts were read from: a fix planned on them must be
    # applied to that very text, not to a file saved since ("" when unknown)
    text_digest: str = ""
    # Every module an import statement names: (where, module). ``where`` is this module's name for
    # an import that runs when the module is imported, else the path of the function whose body
    # holds it (it runs when that function does). ``from a import b`` names ``a`` and ``a.b``: the
    # project knows which of them are modules. What an app's import closure is made of.
    imports: tuple[tuple[str, str], ...] = ()
    # What functions store into module-level names: (name, value) for ``global x`` then ``x = ...``,
    # (``name[]``, value) for ``name[key] = ...``. What a lazy singleton or a memo holds.
    module_stores: tuple[tuple[str, Ref], ...] = ()
    # Names (and ``name.attribute``) this module binds to a path of its own files (``bundled.py``).
    bundled_exports: tuple[str, ...] = ()
    # Folders its top-level code puts on ``sys.path``, relative to its own folder (``..``):
    # import roots of the modules below them (``extract/import_paths.py``).
    sys_path_folders: tuple[str, ...] = ()
    # Module-level names (and ``Class.field`` defaults) set from one switch (``extract/switches.py``).
    switches: tuple[tuple[str, Switch], ...] = ()
    # The module-level branches on a switch (``if config("LOCAL_DEV", default=False):`` around a
    # route): what they define exists only when the switch is set (``extract/switches.py``).
    gates: tuple[Gate, ...] = ()
