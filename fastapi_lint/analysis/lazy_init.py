"""Code that runs once per cache entry, not once per call: lazy initialisation.

A function that builds a client only when a lasting place for it is still empty,
and then fills that place, builds it once (per key), however often it is called::

    def client(self):
        if self._client is None:           # a missing-check on a lasting place...
            self._client = httpx.Client()  # ...that the guarded code fills
        return self._client

    def engine(key):
        if key in ENGINES:                 # an early return when it is there...
            return ENGINES[key]
        ENGINES[key] = create_engine(URL)  # ...and the rest of the body fills it

The guard's subject must outlive the call: an attribute (``self._client``,
``app.state.http``), a name that is not local to the function (a module global), or
an item of either (``ENGINES[key]``). A parameter's slot (``if properties.get("id") is
None: properties["id"] = lookup()``) is filled by the caller: such a guard (place
``param:properties``) holds only where every caller passes the value (``guards.py``).
A local (``if client is None: client = ...``) is rebuilt on every call, and so is an attribute filled in ``__init__`` without a
check: neither is recognised here. A local read from a lasting place just before
(``c = getattr(self, "_client", None)``, ``c = CACHE.get(key)``, ``c = await
get_cached(key)`` of a module's ``get_``/``set_`` pair) stands for that place, but the guarded
code must still fill the place itself. The early exit may sit in an ``if`` the caller can bypass
(``if use_cache: cached = ...; if cached: return cached``): the rest runs once per entry and
period, and when the bypass is asked for (a route decorator's ``?nocache=true``).

A fallback (``h = state.key_hash or slow_hash(key)``, ``c if c is not None else load()``,
assigned or returned) fills nothing: the fallback's calls run when the place is empty, and the
guard holds when the project fills that place elsewhere (``guards.py``): a value computed once
and kept, the fallback for the rare object made without it. On a parameter (``config =
app_config or get_app_config()``), or a field its constructor copies from one, the place is
filled when every caller passes the value.

The forms recognised: ``is None`` (or ``== None``)/``not x``/``not in``/``not hasattr(o, "x")``/
``not isinstance(x, Config)`` (and a stamp the filling sets, ``CACHE["checked_at"] == 0``, or a
text it loads, ``if page == "":``) with the guarded code in the ``if`` body; the same tests'
opposites with an early ``return`` (the rest of the body is guarded) or with the filling code in
the ``else``; and a test combined with others by ``and``/``or`` (``if c is None or c.is_closed:``,
``if key in CACHE and fresh(key):``, or an ``elif`` that finds a stamp stale): the extra
conditions say when an entry is stale, so the code runs once per entry and period
(``Guard.refresh``), not once per call; so does a nested ``if alias == self._alias: if
self._model is not None: return self._model`` (a one-entry cache). Two extra conditions say no
staleness: a switch, a parameter with a constant default tested alone (``and not ignore_cache``,
``ignore_cache=False``), and a state kept beside the place (``self.state == State.READY``). A place
is filled by an assignment, an item assignment, ``setattr`` or a cache's own ``set``/``setdefault``/
``update``/``put``; a logger's ``handlers`` by its ``addHandler`` (``if logger.handlers: return
logger`` before the handlers are added: configured once).

A guarded block that does not fill its place itself, but calls something, is
*pending* (``if _client is None: _connect()``): whether the callee fills the place
is for the project phase to decide (``guards.py``), so places are named the same way
in every function: the dotted text of the place, with a method's own first
parameter spelled ``self`` (``cls`` in a class method).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from fastapi_lint.analysis.blocks import inner_blocks, last_line
from fastapi_lint.analysis.cache_places import (
    PARAMETER, STORE_ENTRY, Reader, called_name, fallen_back, filled_in, is_none, lasting_place, named_attribute, place_or_read,
    stored_by_call,
)
from fastapi_lint.analysis.clocks import ages, clock_locals, stale_elif, throttles
from fastapi_lint.analysis.facts import Guard

LineRange = tuple[int, int]

# Statements whose bodies are searched for guards (not nested functions or classes).
_BLOCKS = (ast.If, ast.With, ast.AsyncWith, ast.Try, ast.For, ast.AsyncFor, ast.While)
_MISS_ERRORS = frozenset({"KeyError", "LookupError", "AttributeError", "IndexError"})


@dataclass
class Guards:
    """What a function body runs only while a lasting place is empty."""

    found: list[Guard] = field(default_factory=list)
    # Lines past a throttle (``if now - last_pull < INTERVAL: continue``): they run once per
    # period, whatever calls the function (``scope.py``: not a cost per request).
    throttled: list[LineRange] = field(default_factory=list)

    @property
    def once(self) -> list[LineRange]:
        """The ranges whose guarded code fills the place it checks: once per entry (or period)."""
        return [(guard.first, guard.last) for guard in self.found if guard.filled and not guard.place.startswith(PARAMETER)]


class _Search(Reader):
    def __init__(self, is_local: Callable[[str], bool], self_name: str | None, self_spelling: str,
                 switches: frozenset[str] = frozenset(), parameters: frozenset[str] = frozenset()) -> None:
        super().__init__(is_local, self_name, self_spelling, parameters)
        self.switches = switches
        self.body: list[ast.stmt] = []
        self._clocks: frozenset[str] | None = None
        self.found = Guards()

    def clocks(self) -> frozenset[str]:
        """The locals holding a clock's reading (``now = time.time()``), found when first asked:
        only a comparison needs them, and finding them walks the whole body."""
        if self._clocks is None:
            self._clocks = clock_locals(self.body)
        return self._clocks


def guards(
    body: list[ast.stmt], is_local: Callable[[str], bool], self_name: str | None = None, self_spelling: str = "self",
    switches: frozenset[str] = frozenset(), parameters: frozenset[str] = frozenset(),
) -> Guards:
    """The line ranges of ``body`` that run only while a lasting cache place is empty.

    ``self_name``: a method's first parameter, named ``self_spelling`` in the places;
    ``switches``: the parameters with a constant default (``ignore_cache=False``);
    ``parameters``: the others but ``self``, whose slots a guard may test
    (``if properties.get("id") is None: properties["id"] = lookup()``): a place named ``param:...``.
    """
    search = _Search(is_local, self_name, self_spelling, switches, parameters)
    search.body = body
    _search(body, search, {})
    return search.found


def filled_places(
    body: list[ast.stmt], is_local: Callable[[str], bool], self_name: str | None = None, self_spelling: str = "self"
) -> set[str]:
    """Every lasting place ``body`` fills (not in nested functions), named as ``guards`` names them.

    Statements only (assignments, and calls made as statements such as ``CACHE.set(k, v)``):
    every function of a project is asked, and most of a body's nodes are expressions.
    """
    search = _Search(is_local, self_name, self_spelling)
    found: set[str] = set()
    pending: list[ast.stmt] = list(body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and not _clears(statement):
            found |= filled_in([statement], search, {})
        elif isinstance(statement, ast.Expr):
            call = statement.value.value if isinstance(statement.value, ast.Await) else statement.value
            stored = stored_by_call(call, search) if isinstance(call, ast.Call) else None
            if stored is not None:
                found.add(stored)
        for block in inner_blocks(statement):
            pending.extend(block)
    return found


def _clears(statement: ast.Assign | ast.AnnAssign | ast.AugAssign) -> bool:
    """``self.stop_response = False``, ``self._client = None``: a reset, which empties a place
    rather than fills it (a guard on it still finds it empty next time)."""
    value = statement.value
    return (not isinstance(statement, ast.AugAssign) and isinstance(value, ast.Constant)
            and (value.value is None or value.value is False))


def _search(statements: list[ast.stmt], search: _Search, aliases: dict[str, str]) -> None:
    aliases = dict(aliases)  # a block's own bindings do not outlive it
    for index, written in enumerate(statements):
        statement = _nested_and(written)
        rest = statements[index + 1 :]
        test = _early_exit_test(statement)
        if rest and throttles(statement, search.clocks):
            search.found.throttled.append((rest[0].lineno, last_line(rest[-1])))
        if _expiring(statement, rest, search, aliases):
            return
        place = _early_exit_guard(statement, search, aliases)
        if place is not None and rest:
            aged = isinstance(statement, ast.If) and _exits_while_fresh(statement.body, search)
            if _guard(rest, place, _refreshes(test, search) or aged, search, aliases):
                return
        bypassed = _exit_within(statement, search, aliases) if place is None and rest else None
        if bypassed is not None and _guard(rest, bypassed, True, search, aliases):
            return
        if isinstance(statement, ast.If):
            place = _missing_check(statement.test, search, aliases)
            if place is not None:
                if not _guard(statement.body, place, _refreshes(statement.test, search), search, aliases):
                    _search(statement.body, search, aliases)
                stale = stale_elif(statement, search.clocks)  # ``elif now - self._at > TTL:``, ``if missing or stale:``
                if stale is not None and not _guard(stale.body, place, True, search, aliases):
                    _search(stale.body, search, aliases)
                _search(stale.orelse if stale is not None else statement.orelse, search, aliases)
                continue
            place = _present_check(statement.test, search, aliases) if statement.orelse else None
            if place is not None:
                if not _guard(statement.orelse, place, _refreshes(statement.test, search), search, aliases):
                    _search(statement.orelse, search, aliases)
                _search(statement.body, search, aliases)
                continue
        _fallback(statement, search, aliases)
        for block in _blocks_of(statement):
            _search(block, search, aliases)
        _track_alias(statement, search, aliases)
        if isinstance(statement, ast.Try):
            _carry_aliases(statement, search, aliases)


def _expiring(statement: ast.stmt, rest: list[ast.stmt], search: _Search, aliases: dict[str, str]) -> bool:
    """A stamp compared with a clock (``if self._ts + TTL > time.time(): return self._models``, or
    ``if time.time() - self._ts > TTL:`` around a reload): the code that fills the stamp runs once
    per period, a cache's time to live (``Guard.refresh``). The stamp is a lasting place of the
    comparison that the guarded code fills. True when it guards the rest of the block."""
    if not isinstance(statement, ast.If):
        return False
    joined = statement.test.op if isinstance(statement.test, ast.BoolOp) else None
    tests = statement.test.values if isinstance(statement.test, ast.BoolOp) else [statement.test]
    for test in tests:
        stale = ages(test, search.clocks)
        if stale is None or (stale and isinstance(joined, ast.Or)):
            continue  # ``if stale or asked:`` runs whenever asked
        guarded = (statement.body if stale else rest if _exits(statement.body) and not statement.orelse else [])
        filled = filled_in(guarded, search, aliases) if guarded else set()
        stamp = next((place for node in ast.walk(test) if isinstance(node, (ast.Attribute, ast.Name))
                      and (place := lasting_place(node, search, aliases)) in filled), None)
        if stamp is not None:
            search.found.found.append(Guard(guarded[0].lineno, last_line(guarded[-1]), stamp, True, True))
            return guarded is rest
    return False


def _nested_and(statement: ast.stmt) -> ast.stmt:
    """An ``if`` whose whole body is another ``if``, neither with an ``else``: one ``if`` on both
    tests joined by ``and``."""
    if not (isinstance(statement, ast.If) and not statement.orelse and len(statement.body) == 1):
        return statement
    inner = statement.body[0]
    if not (isinstance(inner, ast.If) and not inner.orelse):
        return statement
    joined = ast.If(test=ast.BoolOp(op=ast.And(), values=[statement.test, inner.test]), body=inner.body, orelse=[])
    return ast.copy_location(joined, statement)


def _fallback(statement: ast.stmt, search: _Search, aliases: dict[str, str]) -> None:
    """``h = state.key_hash or slow_hash(key)``, ``c = c if c is not None else load()`` (as an
    assignment or a return): the calls of the fallback run only when the place is empty. On a
    parameter (``config = app_config or get_app_config()``) they run only for a caller that
    leaves it out; ``Guard.falsy`` says an empty value (``""``, ``[]``) falls back too."""
    value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.Return)) else None
    read = fallen_back(value) if value is not None else None
    if read is None:
        return
    kept, made, falsy = read
    place = place_or_read(kept, search, aliases)
    if place is None or not any(isinstance(node, ast.Call) for node in ast.walk(made)):
        return
    search.found.found.append(Guard(statement.lineno, last_line(statement), place, False, False,
                                    fallback=True, falsy=falsy))


def _guard(guarded: list[ast.stmt], place: str, refresh: bool, search: _Search, aliases: dict[str, str]) -> bool:
    """Record ``guarded`` as guarded by ``place``; True when it fills the place itself."""
    filled = place in filled_in(guarded, search, aliases)
    refresh = refresh or place.startswith(STORE_ENTRY)  # a store's entries expire, or are evicted
    search.found.found.append(Guard(guarded[0].lineno, last_line(guarded[-1]), place, filled, refresh))
    return filled


def _exit_within(statement: ast.stmt, search: _Search, aliases: dict[str, str]) -> str | None:
    """``if use_cache: cached = await get_cached(key); if cached and fresh(cached): return cached``:
    an ``if`` whose block reads a place, then exits early on it. Past it the entry is
    missing or stale, or the outer test chose not to look (a bypass the caller asks for): a
    condition on when the entry is taken, as in ``key in CACHE and fresh(key)`` (``Guard.refresh``)."""
    if not isinstance(statement, ast.If) or statement.orelse or len(statement.body) < 2:
        return None
    inner = dict(aliases)
    # what is read first, then the exit (and after it, say, a log line)
    for before, written in zip(statement.body, statement.body[1:]):
        _track_alias(before, search, inner)
        place = _early_exit_guard(_nested_and(written), search, inner)
        if place is not None:
            return place
    return None


def _early_exit_test(statement: ast.stmt) -> ast.expr | None:
    return statement.test if isinstance(statement, ast.If) else None


def _refreshes(test: ast.expr | None, search: _Search) -> bool:
    """A check combined with other conditions (``tok is None or tok.expired``, ``key in CACHE
    and fresh(key)``): the entry is built again when they say it is stale, so the guarded code
    runs once per entry and period, not once per entry. A switch a caller must turn
    (``and not ignore_cache``) is not such a condition."""
    if not isinstance(test, ast.BoolOp):
        return False
    # Checks of more places (``hasattr(self, "am") and hasattr(self, "voc")``) say no staleness:
    # the code runs until every place is filled, once.
    return any(not _keeps_entry(value, search) and not _checks_a_place(value, search) for value in test.values)


def _checks_a_place(test: ast.expr, search: _Search) -> bool:
    """``hasattr(self, "x")``, ``x is None``, ``key in CACHE`` (or their negations) on a lasting
    place; a bare truth test (``tok.expired``) may be a staleness condition, and is not one."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    if isinstance(test, ast.Call):
        return called_name(test) == "hasattr" and named_attribute(test, search, {}) is not None
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, (ast.Is, ast.IsNot)) and is_none(right):
            return place_or_read(test.left, search, {}) is not None
        if isinstance(op, (ast.In, ast.NotIn)):
            return lasting_place(right, search, {}) is not None
    return False


def _keeps_entry(test: ast.expr, search: _Search) -> bool:
    """A condition that never finds a filled entry stale: a switch (``not ignore_cache``), or a
    state the filling code sets beside the place (``self.state == State.READY``)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    if isinstance(test, ast.Compare) and isinstance(test.ops[0], (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
        state, value = test.left, test.comparators[-1]
        constant = isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) or isinstance(value, ast.Constant)
        own = isinstance(state, ast.Attribute) and lasting_place(state, search, {}) == f"{search.self_spelling}.{state.attr}"
        return constant and not is_none(value) and own
    return isinstance(test, ast.Name) and test.id in search.switches


def _track_alias(statement: ast.stmt, search: _Search, aliases: dict[str, str]) -> None:
    """``c = self._client`` / ``c = getattr(self, "_client", None)`` / ``c = CACHE.get(key)``, or
    each name a cache's read is unpacked to (``rules, is_fresh = self._get_cached_rules(domain)``):
    until ``c`` is bound again, a check on ``c`` is a check on that place."""
    targets: list[ast.expr] = []
    value: ast.expr | None = None
    if isinstance(statement, ast.Assign):
        targets, value = statement.targets, statement.value
    elif isinstance(statement, ast.AnnAssign):
        targets, value = [statement.target], statement.value
    elif isinstance(statement, (ast.AugAssign, ast.For, ast.AsyncFor)):
        targets = [statement.target]
    for target in targets:
        for name in (sub.id for sub in ast.walk(target) if isinstance(sub, ast.Name)):
            aliases.pop(name, None)
    if value is not None and len(targets) == 1:
        read, target = value.value if isinstance(value, ast.Await) else value, targets[0]
        names: list[ast.expr] = [target] if isinstance(target, ast.Name) else []
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(read, ast.Call):
            names = target.elts
        place = _read_place(value, search, aliases) if names else None
        if place is not None:
            aliases.update((name.id, place) for name in names if isinstance(name, ast.Name))


def _carry_aliases(statement: ast.Try, search: _Search, aliases: dict[str, str]) -> None:
    """``try: cached = r.get(key) except RedisError: log(...)``: past the ``try``, ``cached`` still
    holds the read, or what it held before when the read failed (nothing, so the entry is built);
    unless a handler binds it to something else."""
    inner = dict(aliases)
    for written in statement.body:
        _track_alias(written, search, inner)
    handled = [*statement.orelse, *statement.finalbody, *(s for handler in statement.handlers for s in handler.body)]
    rebound = {target.id for block in handled for node in ast.walk(block) if isinstance(node, ast.Assign) and not is_none(node.value)
               for target in node.targets if isinstance(target, ast.Name)}
    for name in (set(aliases) - set(inner)) | rebound:
        aliases.pop(name, None)
    aliases.update((name, place) for name, place in inner.items() if name not in rebound)


def _read_place(value: ast.expr, search: _Search, aliases: dict[str, str]) -> str | None:
    """The lasting place an expression reads: itself, ``x.get(key)``, ``getattr(o, "x", None)``."""
    if isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.Name) and value.id in aliases:
        return None  # a copy of a copy: keep it simple
    return place_or_read(value, search, aliases)


def _blocks_of(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    if not isinstance(statement, _BLOCKS):
        return
    yield statement.body
    if isinstance(statement, (ast.If, ast.For, ast.AsyncFor, ast.While)):
        yield statement.orelse
    if isinstance(statement, ast.Try):
        yield statement.orelse
        yield statement.finalbody
        for handler in statement.handlers:
            yield handler.body


def _early_exit_guard(statement: ast.stmt, search: _Search, aliases: dict[str, str]) -> str | None:
    """``if <place is there>: return ...`` or ``try: return CACHE[key] except KeyError: ...``."""
    # An ``else`` (``elif stale: client.close()``) does not matter: what follows runs only when
    # the body did not return.
    if isinstance(statement, ast.If) and (_exits(statement.body) or _exits_while_fresh(statement.body, search)):
        return _present_check(statement.test, search, aliases)
    if isinstance(statement, ast.Try) and len(statement.body) == 1 and isinstance(statement.body[0], ast.Return):
        returned = statement.body[0].value
        catches_miss = any(_names_miss(handler.type) for handler in statement.handlers)
        if catches_miss and isinstance(returned, (ast.Subscript, ast.Attribute)):
            return lasting_place(returned.value if isinstance(returned, ast.Subscript) else returned, search, aliases)
    return None


def _exits(body: list[ast.stmt]) -> bool:
    """A block that returns; or one that tries to and returns unless an error says the entry is
    stale (``try: client.ping(); return client except ConnectionError: client = None``)."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Try) and not last.finalbody and not last.orelse:
        return _exits(last.body)
    return isinstance(last, ast.Return)


def _exits_while_fresh(body: list[ast.stmt], search: _Search) -> bool:
    """A block that returns the entry while a clock says it is fresh (``if now < expires: return
    config``, else it drops it): past it, the entry is missing or stale, a time-to-live cache."""
    last = body[-1] if body else None
    if not isinstance(last, ast.If):
        return False
    stale = ages(last.test, search.clocks)
    return stale is not None and _exits(last.orelse if stale else last.body)


def _names_miss(caught: ast.expr | None) -> bool:
    if isinstance(caught, ast.Tuple):
        return any(_names_miss(item) for item in caught.elts)
    return isinstance(caught, ast.Name) and caught.id in _MISS_ERRORS


def _present_check(test: ast.expr, search: _Search, aliases: dict[str, str]) -> str | None:
    """The place a test finds filled: ``x is not None``, ``x``, ``key in x``, ``x.get(key)``,
    ``hasattr(o, "x")``, ``isinstance(x, Config)``; in an ``and``/``or`` with conditions of freshness or bypass."""
    if isinstance(test, ast.BoolOp):
        return _first(_present_check(value, search, aliases) for value in test.values)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, (ast.IsNot, ast.NotEq)) and is_none(right):
            return place_or_read(test.left, search, aliases)
        if isinstance(op, ast.In):
            return lasting_place(right, search, aliases)
        if isinstance(op, (ast.Gt, ast.NotEq)) and _is_empty(right):
            return place_or_read(test.left, search, aliases)  # a stamp set (a text loaded) when filled
        return None
    if isinstance(test, ast.Call) and called_name(test) == "hasattr":
        return named_attribute(test, search, aliases)
    tested = _instance_tested(test)
    if tested is not None:
        return _instance_place(tested, search, aliases)
    return place_or_read(test, search, aliases)


def _missing_check(test: ast.expr, search: _Search, aliases: dict[str, str]) -> str | None:
    """The place a test finds empty: ``x is None``, ``not x``, ``key not in x``, ``not x.get(key)``,
    ``not hasattr(o, "x")``, ``not isinstance(x, Config)``; in an ``and``/``or`` with conditions of staleness
    (``c is None or c.is_closed``)."""
    if isinstance(test, ast.BoolOp):
        return _first(_missing_check(value, search, aliases) for value in test.values)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        operand = test.operand
        if isinstance(operand, ast.Call) and called_name(operand) == "hasattr":
            return named_attribute(operand, search, aliases)
        tested = _instance_tested(operand)
        if tested is not None:
            return _instance_place(tested, search, aliases)
        return place_or_read(operand, search, aliases)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, (ast.Is, ast.Eq)) and is_none(right):
            return place_or_read(test.left, search, aliases)
        if isinstance(op, ast.NotIn):
            return lasting_place(right, search, aliases)
        if isinstance(op, (ast.Eq, ast.LtE)) and _is_empty(right):
            return place_or_read(test.left, search, aliases)
    return None


def _instance_tested(test: ast.expr) -> ast.expr | None:
    """``x`` of ``isinstance(x, Config)``: a test no ``None`` passes."""
    if isinstance(test, ast.Call) and called_name(test) == "isinstance" and len(test.args) == 2:
        return test.args[0]
    return None


def _instance_place(tested: ast.expr, search: _Search, aliases: dict[str, str]) -> str | None:
    """The place ``isinstance(x, Config)`` checks: a lasting one; on a parameter the test is a
    dispatch on the type a caller passed (``if isinstance(data, list): return [...]``), and an
    item stored into it later fills no cache."""
    place = lasting_place(tested, search, aliases)
    return None if place is None or place.startswith(PARAMETER) else place


def _first(places: Iterator[str | None]) -> str | None:
    return next((place for place in places if place is not None), None)


def _is_empty(node: ast.expr) -> bool:
    """``0`` (a stamp not set yet) or ``""`` (a text not loaded yet: ``if page == "":``)."""
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value in (0, 0.0, "", b"")
