"""The lasting places a lazy-init guard tests and fills, named as comparable text.

A place outlives the call that tests it: an attribute chain (``self._client``, spelled with a
method's own first parameter as ``self``), a name not local to the function (a module global),
an item of either (``ENGINES[key]`` is ``ENGINES``), the store a getter returns, tested and
filled through the same call (``if key in get_models(): ...; get_models()[key] = model``,
``get_models()``), an entry a cache object's ``get_x``/``set_x`` pair reads and stores
(``cache:x``; private helpers too: ``_get_cached_rules`` read, ``_cache_rules`` stored, both
``self:cache``), and a parameter's slot, named
``param:properties``, which the caller fills (``guards.py``). ``lazy_init.py`` reads the guard
forms around them.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

# Methods by which a cache (a dict, ``cachetools``' caches, ``aiocache``) takes an entry. Not a
# set's ``add``: a set of keys seen (``if msg.id not in SEEN: SEEN.add(msg.id); send(msg)``)
# skips repeats, it does not keep work done, and its keys may be new on every request.
_STORING_METHODS = frozenset({"set", "setdefault", "update", "put", "__setitem__"})
# Methods that read a cache's entry, or nothing when it has none: a local holding what they
# return stands for the cache.
_READING_METHODS = frozenset({"get"})
# A cache object's own pair for one kind of entry: ``get_model`` reads what ``set_model`` stores;
# ``cache_rules`` stores what a reader named for a cache (``get_cached_rules``) reads.
_PAIRED_READ, _PAIRED_STORE, _CACHING = "get_", "set_", "cache_"
# Other verbs a cache's writer goes by (``update_cache``, ``save_to_cache``): only for a cache, as
# ``update_user`` after ``get_user`` is a record's lookup then its change, not a cache's fill.
_CACHE_UPDATES = ("update_", "put_", "save_", "write_", "store_")
# Methods by which a key-value store's client (Redis, Memcached) stores an entry that expires;
# with ``set`` and ``get``, what a local handle on the store reads and stores (``store_entry``).
_EXPIRING_STORES = frozenset({"setex", "psetex"})
_STORE_READS_AND_WRITES = frozenset({"get", "set"}) | _EXPIRING_STORES
_STORING_OR_EXPIRING = _STORING_METHODS | _EXPIRING_STORES
# How an entry of a key-value store reached through a local handle is named: by its key.
STORE_ENTRY = "entry:"
# How a place rooted at a parameter is named (``param:properties``): filled by the caller, not
# by an earlier call, so such a guard holds only where the callers pass the value (``guards.py``).
PARAMETER = "param:"


class Reader:
    """How one function's names read as places: its locals, its first parameter, its parameters."""

    def __init__(self, is_local: Callable[[str], bool], self_name: str | None, self_spelling: str,
                 parameters: frozenset[str] = frozenset()) -> None:
        self.is_local = is_local
        self.self_name = self_name
        self.self_spelling = self_spelling
        self.parameters = parameters


def place_or_read(node: ast.expr, reader: Reader, aliases: dict[str, str]) -> str | None:
    """``x`` itself, or ``x`` of ``x.get(key)`` / ``x[key]``, or ``o.x`` of ``getattr(o, "x", ...)``."""
    if isinstance(node, ast.NamedExpr):
        node = node.value
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr in _READING_METHODS:
            return store_entry(node, reader, aliases) or lasting_place(node.func.value, reader, aliases)
        if isinstance(node.func, ast.Attribute) and _paired_kind(node.func.attr, _PAIRED_READ):
            return paired_entry(node.func, reader)
        if _paired_kind(called_name(node) or "", _PAIRED_READ):
            return paired_functions(node)
        if called_name(node) == "getattr":
            return named_attribute(node, reader, aliases)
        return None
    if isinstance(node, ast.Subscript):
        return lasting_place(node.value, reader, aliases)
    return lasting_place(node, reader, aliases)


def store_entry(call: ast.Call, reader: Reader, aliases: dict[str, str]) -> str | None:
    """``entry:<key>`` for ``r.get(key)``, ``r.set(key, v)``, ``r.setex(key, ttl, v)`` on a local
    handle on a key-value store (``r = get_redis_client()``): the entry outlives the handle, in the
    store, until it expires. Not a local dict's (a dict has no ``set``): a read only counts where the
    same function stores the same key."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if (not isinstance(receiver, ast.Name) or not reader.is_local(receiver.id) or receiver.id in reader.parameters
            or (receiver.id in aliases and not _got(aliases[receiver.id]))
            or not call.args or isinstance(call.args[0], ast.Starred)
            or not isinstance(call.func, ast.Attribute) or call.func.attr not in _STORE_READS_AND_WRITES):
        return None
    return STORE_ENTRY + ast.dump(call.args[0])


def _got(place: str) -> bool:
    """Whether a local stands for what a pair's getter returned (``r = get_redis()``, ``functions:redis``):
    a handle, whose own entries are the store's."""
    return ":" in place and not place.startswith((PARAMETER, STORE_ENTRY))


def called_name(call: ast.Call) -> str | None:
    return call.func.id if isinstance(call.func, ast.Name) else None


def named_attribute(call: ast.Call, reader: Reader, aliases: dict[str, str]) -> str | None:
    """``o.x`` of ``getattr(o, "x", ...)``, ``hasattr(o, "x")``, ``setattr(o, "x", ...)``."""
    if len(call.args) < 2:
        return None
    owner, name = call.args[0], call.args[1]
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.isidentifier()):
        return None
    owner_place = lasting_place(owner, reader, aliases, owner=True)
    return f"{owner_place}.{name.value}" if owner_place is not None else None


def lasting_place(node: ast.expr, reader: Reader, aliases: dict[str, str], owner: bool = False) -> str | None:
    """A lasting place as a comparable key: an attribute chain, or a name not local to the
    function (``owner``: any name, as the object an attribute is read from)."""
    if isinstance(node, ast.Name):
        if node.id in aliases and not owner:
            return aliases[node.id]
        if node.id in reader.parameters and not owner:
            return PARAMETER + node.id
        if owner:
            return spelled(node.id, reader)
        return None if reader.is_local(node.id) else node.id
    if isinstance(node, ast.Attribute):
        parts = [node.attr]
        root = node.value
        while isinstance(root, ast.Attribute):
            parts.append(root.attr)
            root = root.value
        if not isinstance(root, ast.Name):
            return None
        return ".".join([spelled(root.id, reader), *reversed(parts)])
    if isinstance(node, ast.Call) and not node.args and not node.keywords and not owner:
        # a getter of a lasting store (``get_models()``): filled and tested through the same call
        getter = lasting_place(node.func, reader, aliases)
        return f"{getter}()" if getter is not None else None
    return None


def _paired_kind(name: str, *verbs: str) -> str | None:
    """The kind of entry a pair's reader or writer named so handles (``model`` of ``get_model``),
    when its name starts with one of ``verbs``; "cache" for any cache's (``get_from_cache`` /
    ``set_in_cache``, ``_get_cached_rules`` / ``_cache_rules``: the object's one cache, however
    spelled). None: not such a name, nor a private helper's named for no cache (``_get_value``)."""
    private, name = name.startswith("_"), name.lstrip("_")
    for verb in verbs:
        if name.startswith(verb):
            kind = name[len(verb):]
            if verb == _CACHING or "cache" in kind:
                return "cache"
            return kind if kind and not private else None
    return None


def _stores_kind(name: str) -> str | None:
    """The kind of entry a pair's writer named so fills: ``set_model``, ``cache_rules``; a cache's
    by another verb too (``update_cache``)."""
    found = _paired_kind(name, _PAIRED_STORE, _CACHING)
    return found or ("cache" if _paired_kind(name, *_CACHE_UPDATES) == "cache" else None)


def _entry_kind(name: str) -> str | None:
    return _paired_kind(name, _PAIRED_READ) or _stores_kind(name)


def paired_entry(method: ast.Attribute, reader: Reader) -> str | None:
    """``cache:model`` for ``cache.get_model(key)`` and ``cache.set_model(key, m)``: a cache
    object's own reader and writer of one kind of entry (``ModelCache.shared().get_model``);
    ``self:cache`` for ``self.get_from_cache(key)`` and ``self.set_in_cache(key, v)``."""
    kind = _entry_kind(method.attr)
    if isinstance(method.value, ast.Name) and method.value.id == reader.self_name:
        receiver: str | None = reader.self_spelling  # the object's own cache: lasts as it does
    else:
        receiver = lasting_place(method.value, reader, {})
    return f"{receiver}:{kind}" if kind and receiver is not None else None


def paired_functions(call: ast.Call) -> str | None:
    """``functions:cache`` for ``get_cached(key)`` and ``set_cached(key, v)``: a module's reader
    and writer of one kind of entry (a project's helpers over Redis or a dict), named as the
    methods of a cache object are (``paired_entry``); not the names of a function's own locals."""
    kind = _entry_kind(called_name(call) or "")
    return f"functions:{kind}" if kind else None


def spelled(name: str, reader: Reader) -> str:
    return reader.self_spelling if name == reader.self_name else name


def filled_in(statements: list[ast.stmt], reader: Reader, aliases: dict[str, str]) -> set[str]:
    """The places ``statements`` assign, or store an item or entry in (not in nested functions)."""
    found: set[str] = set()
    pending: list[ast.AST] = list(statements)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        elif isinstance(node, ast.NamedExpr):
            targets = [node.target]
        elif isinstance(node, ast.Call):
            stored = stored_by_call(node, reader)
            if stored is not None:
                found.add(stored)
        for target in targets:
            for element in target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]:
                filled = element
                while isinstance(filled, ast.Subscript):
                    filled = filled.value
                if isinstance(filled, ast.Name) and aliases.get(filled.id, "").startswith(PARAMETER):
                    # ``client = http_client`` then ``if client is None: client = make()``: the
                    # default the function makes for its parameter, as if it rebound the parameter
                    found.add(aliases[filled.id])
                elif isinstance(filled, (ast.Name, ast.Attribute)) or filled is not element:
                    place = lasting_place(filled, reader, {})
                    if place is not None:
                        found.add(place)
        pending.extend(ast.iter_child_nodes(node))
    return found


def stored_by_call(call: ast.Call, reader: Reader) -> str | None:
    """``setattr(o, "x", v)`` fills ``o.x``; ``CACHE.set(key, v)`` fills ``CACHE``."""
    if called_name(call) == "setattr":
        return named_attribute(call, reader, {})
    if isinstance(call.func, ast.Attribute) and call.func.attr in _STORING_OR_EXPIRING:
        return lasting_place(call.func.value, reader, {}) or store_entry(call, reader, {})
    if isinstance(call.func, ast.Attribute) and _stores_kind(call.func.attr):
        return paired_entry(call.func, reader)
    if _stores_kind(called_name(call) or ""):
        return paired_functions(call)
    if isinstance(call.func, ast.Attribute) and call.func.attr == "addHandler":
        # A logger configured once: ``if logger.handlers: return logger`` guards the setup below,
        # and logging keeps a named logger, with its handlers, for the whole process.
        logger = lasting_place(call.func.value, reader, {}, owner=True)
        return f"{logger}.handlers" if logger is not None else None
    return None


def fallen_back(value: ast.expr) -> tuple[ast.expr, ast.expr, bool] | None:
    """(the value kept, its fallback, whether an empty value falls back) of ``a or b``,
    ``a if a is not None else b``, ``b if a is None else a``, ``a if a else b``, ``b if not a else a``."""
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and len(value.values) == 2:
        return value.values[0], value.values[1], True
    if not isinstance(value, ast.IfExp):
        return None
    test, kept, made, falsy = value.test, value.body, value.orelse, True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, kept, made = test.operand, made, kept
    elif (isinstance(test, ast.Compare) and len(test.ops) == 1 and is_none(test.comparators[0])
            and isinstance(test.ops[0], (ast.Is, ast.IsNot))):
        if isinstance(test.ops[0], ast.Is):
            kept, made = made, kept
        test, falsy = test.left, False
    return (kept, made, falsy) if ast.dump(test) == ast.dump(kept) else None


def is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
