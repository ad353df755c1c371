"""Which calls run once per cache entry rather than once per call of their function.

Phase 1 finds the code a function runs only while a lasting place is empty
(``lazy_init.py``, ``FunctionFacts.guards``). Three questions are left to the project:

* A guard may leave the filling to a function it calls::

      def get_client():
          if _client is None:     # the check is here...
              _connect()          # ...and the store one or two calls down
          return _client

  Such a guard holds when a function its lines run, or one that function runs, fills the
  place: two calls down at most (a thread the lines start counts as run), and only where the
  place means the same object in both functions (a method of the same class or a base for
  ``self.x``, a function of the same module otherwise).

* A guard on ``self.x`` runs once per *instance*: once per process only when the instances
  live long. A class is taken to when every construction of it (or of a subclass) outside
  tests is at module level, behind a guard, in a memoized function, in the ``__init__`` of
  a class that lives long itself, or when it keeps its instances (a ``__new__`` behind a
  guard: a singleton). One built in a plain function (``ds = Dataset(d); ds.load()``) is built
  per call, and so is what its guards guard. Constructions in plain functions no request runs
  (nothing a route, a dependency or a middleware calls reaches them: a CLI command, a script)
  do not count when the project has an app: the instance a request uses was built once,
  however often a command line builds another. A coroutine's still count: what runs it may be
  out of sight (a provider registry), and it may run on the app's loop. A class never constructed in
  the project is given the benefit of the doubt.

* A guard with other conditions (``tok is None or tok.expired``) refreshes the entry: once
  per period. That is not per request (``refreshed=True``: what the request path and FAS201
  ask), but a wait that recurs every period still stalls the loop when it comes
  (``refreshed=False``: what the blocking rules ask).

A function reached only through guarded calls runs once too, which the walks over the call
graph that skip guarded calls find without asking here. A per-key cache (``if key not in
CACHE``) counts as once although its key may come from the request: once per key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from fastapi_lint.analysis.facts import CallSite, FunctionFacts, Guard, Ref, RefKind
from fastapi_lint.analysis.extract.deferred import may_mention
from fastapi_lint.analysis.call_arguments import non_empty, passed, passes
from fastapi_lint.analysis.cache_places import PARAMETER
from fastapi_lint.analysis.dependencies import injected
from fastapi_lint.analysis.filled_first import filled_when_built
from fastapi_lint.analysis.memoized import builds_behind_a_guard, is_cached, metaclass_keeps_instances
from fastapi_lint.analysis.returned_values import returns_made
from fastapi_lint.analysis.project import Located, Project, per_project
from fastapi_lint.analysis.test_code import module_in_tests as module_in_tests  # where callers look for it

# How many calls below a guard the store may be.
_DEPTH = 2
_THREAD = "threading.Thread"
_THREAD_START = "threading.Thread.start"
# Loads that take seconds, on the first request as on any other: once is already too many on
# the event loop (the catalog's advice is to load them in the lifespan).
_MODEL_LOADS = (
    "torch.load",
    "joblib.load",
    "transformers.",
    "sentence_transformers.",
    "spacy.load",
    "spacy.language.Language",
    "diffusers.",
    "peft.",
    "tensorflow.keras.models.load_model",
    "keras.models.load_model",
    "onnxruntime.InferenceSession",
    "whisper.load_model",
)


class Reach(Protocol):
    """What the reachability questions read of a call graph (``callgraph.CallGraph``)."""

    project: Project
    request_roots: frozenset[str]
    startup_roots: frozenset[str]

    def runs(self, path: str) -> list[tuple[CallSite, str]]: ...


def runs_once(graph: Reach, located: Located, site: CallSite, refreshed: bool = True) -> bool:
    """Whether ``site`` runs only while a lasting place is empty: once per entry, and with
    ``refreshed``, also once per entry and period."""
    function = located.function
    if not site.once and not guards_may_hold(function):
        return False  # most calls: no guard around them
    key = (function.path, site.span.line, refreshed)  # asked for one call by each of the walks and rules
    memo = _RUNS_ONCE(graph.project)
    found = memo.get(key)
    if found is None:
        found = memo[key] = any(guard.first <= key[1] <= guard.last and _holds(graph, located, guard, refreshed)
                                for guard in function.guards)
    return found


def guards_may_hold(function: FunctionFacts) -> bool:
    """Whether one of the function's guards may hold by what other code does (fills its place,
    calls the function, makes its objects): without one (or a ``site.once`` call), none runs once."""
    return not all(guard.filled and not guard.place.startswith(PARAMETER) for guard in function.guards)


def once_is_too_many(blocking_call: str) -> bool:
    """A model load: guarded or memoized, it still holds the loop for seconds when it runs."""
    return blocking_call.startswith(_MODEL_LOADS)


def _holds(graph: Reach, located: Located, guard: Guard, refreshed: bool) -> bool:
    if guard.refresh and not refreshed:
        return False
    if guard.fallback:
        return _fallback_filled(graph, located, guard)
    if not guard.filled and not _filled_below(graph, located, guard):
        return False
    if guard.place.startswith(PARAMETER):
        return _callers_pass(graph, located, guard.place[len(PARAMETER):])
    if guard.place.startswith("self."):
        class_path = located.function.class_path
        return (class_path is None or long_lived(graph, class_path) or _long_lived_for(graph, class_path, located.function.path)
                or filled_when_built(graph.project, class_path, guard.place))
    return True


# -- a guard on what the caller passes --------------------------------------


def _callers_pass(graph: Reach, located: Located, parameter: str) -> bool:
    """Whether every call of the function outside tests passes ``parameter`` (and not a literal
    ``None``): then ``if properties.get("id") is None: properties["id"] = lookup()`` runs only
    when the value a caller made lacks it, which depends on data the analysis cannot see, and
    the call below is not counted per call. A caller that leaves the default in, or no caller
    at all, makes the guarded code run on every call."""
    memo = _CALLERS_PASS(graph.project)
    key = (located.function.path, parameter)
    found = memo.get(key)
    if found is None:
        calls = callers(graph).get(located.function.path, [])
        found = memo[key] = bool(calls) and all(passes(located.function, site, parameter) for site, _ in calls)
    return found


def _always_given(graph: Reach, located: Located, parameter: str, falsy: bool, depth: int = _DEPTH) -> bool:
    """Whether every call of the function outside tests gives ``parameter`` a value its fallback
    does not replace: not ``None`` or, with ``falsy`` (``config or load()``), never empty
    (``call_arguments.non_empty``). A caller's own parameter handed on (``helper(config)``) is
    given when that caller's callers give it, ``depth`` calls up at most."""
    memo = _ALWAYS_GIVEN(graph.project)
    key = (located.function.path, parameter, falsy)
    found = memo.get(key)
    if found is None:
        memo[key] = False  # a cycle of calls gives nothing
        calls = callers(graph).get(located.function.path, [])
        found = memo[key] = bool(calls) and all(
            _given(graph, located.function, site, caller, parameter, falsy, depth) for site, caller in calls)
    return found


def _given(graph: Reach, function: FunctionFacts, site: CallSite, caller_path: str, parameter: str,
           falsy: bool, depth: int) -> bool:
    value = passed(function, site, parameter)
    if value is None:
        return False
    caller = graph.project.function(caller_path)
    handed = next((param for param in caller.function.params if param.name == value.text), None) if caller else None
    if value.kind == "ref" and caller is not None and handed is not None:  # a parameter of the caller's, handed on
        if injected(graph.project, handed):
            return True  # a dependency's value, which FastAPI always passes (``TokenService(auth_settings)``)
        return depth > 0 and _always_given(graph, caller, value.text, falsy, depth - 1)
    if falsy:
        return non_empty(graph.project, function, site, parameter)
    return not value.is_none


def _fallback_filled(graph: Reach, located: Located, guard: Guard) -> bool:
    """Whether the place a fallback reads is filled: a parameter every call passes, a field the
    constructor copies from a parameter every construction passes, or a place the project
    fills elsewhere."""
    if guard.place.startswith(PARAMETER):
        return _always_given(graph, located, guard.place[len(PARAMETER):], guard.falsy)
    copied = copied_field(graph.project, located, guard.place)
    if copied is not None and _always_given(graph, copied[0], copied[1], guard.falsy):
        return True
    return _filled_elsewhere(graph.project, guard.place)


def copied_field(project: Project, located: Located, place: str) -> tuple[Located, str] | None:
    """The constructor and its parameter that ``self.<field>`` is a copy of (``self._config =
    config`` in ``__init__``), when no other method of the class or its bases sets the field."""
    class_path = located.function.class_path
    owner, _, field = place.partition(".")
    if class_path is None or owner != "self" or "." in field:
        return None
    found: tuple[Located, str] | None = None
    for cls in project.mro(class_path):
        for method in project.class_methods(cls):
            if not may_mention(method.function, field):  # a library's method whose body is unread and never names it
                continue
            copies = dict(method.function.field_copies)
            if field in copies and found is None:
                found = method, copies[field]
            elif any(name == field for name, _ in method.function.field_stores):
                return None
    return found


def _filled_elsewhere(project: Project, place: str) -> bool:
    """Whether code outside tests keeps a computed value in ``place``: ``state.key_hash`` where an
    object is built with ``key_hash=hash_key(k)`` (as a dataclass is), ``_cache`` where a function
    fills that global. An attribute set from a parameter (``self.html = html``) proves nothing:
    what is passed there is often empty."""
    if "." not in place:
        memo = _FILLED_ELSEWHERE(project)
        if not memo:
            memo.update((filled, True) for located in project.all_functions() if not _in_tests(located)
                        for filled in located.function.fills if "." not in filled)
            memo[""] = True  # built
        return memo.get(place, False)
    name = place.rpartition(".")[2]
    return any(
        value.kind == "call"
        for summary, _, site in project.calls_with_keyword([name])
        if not module_in_tests(summary)
        for keyword, value in site.kwargs if keyword == name
    )


def callers(graph: Reach) -> dict[str, list[tuple[CallSite, str]]]:
    """Every function's call sites in the project outside tests, with the function each is in, by
    the function they run."""
    found = _CALLERS(graph.project)
    if not found:
        project = graph.project
        for caller in project.all_functions():
            if _in_tests(caller):
                continue
            for site, callee in graph.runs(caller.function.path):
                found.setdefault(callee, []).append((site, caller.function.path))
        found.setdefault("", [])  # built, even for a project without calls
    return found


_CALLERS_PASS = per_project[dict[tuple[str, str], bool]](lambda project: {})
_ALWAYS_GIVEN = per_project[dict[tuple[str, str, bool], bool]](lambda project: {})
_CALLERS = per_project[dict[str, list[tuple[CallSite, str]]]](lambda project: {})
_FILLED_ELSEWHERE = per_project[dict[str, bool]](lambda project: {})

# What ``_filled_below`` and ``long_lived`` found, per project.
_FILLED_BELOW = per_project[dict[tuple[str, int, int], bool]](lambda project: {})
_LONG_LIVED = per_project[dict[str, bool]](lambda project: {})
_LONG_LIVED_FOR = per_project[dict[tuple[str, str], bool]](lambda project: {})
_RUN_BY_REQUESTS = per_project[list[frozenset[str]]](lambda project: [])
_RUNS_ONCE = per_project[dict[tuple[str, int, bool], bool]](lambda project: {})


# -- a guard whose store is one or two calls down --------------------------


def _filled_below(graph: Reach, located: Located, guard: Guard) -> bool:
    memo = _FILLED_BELOW(graph.project)
    key = (located.function.path, guard.first, guard.last)
    found = memo.get(key)
    if found is None:
        runs = [(site, callee) for site, callee in graph.runs(located.function.path)
                if guard.first <= site.span.line <= guard.last]
        callees = {callee for _, callee in runs}
        callees.update(_started_threads(graph.project, located, guard))
        found = memo[key] = any(
            _fills(graph, located, callee, guard.place, _DEPTH, set()) for callee in sorted(callees)
        ) or any(_fills_on_receiver(graph, site, callee, guard.place) for site, callee in runs)
    return found


def _fills_on_receiver(graph: Reach, site: CallSite, callee: str, place: str) -> bool:
    """``if sid not in storage._users: await storage.create_user(sid)``: a method called on the
    object whose store the guard tests fills it as ``self._users``."""
    receiver = site.text.rpartition(".")[0]
    located = graph.project.function(callee)
    if not receiver or not place.startswith(f"{receiver}.") or located is None or located.function.class_path is None:
        return False
    return _fills(graph, located, callee, f"self{place[len(receiver):]}", _DEPTH, set())


def _started_threads(project: Project, located: Located, guard: Guard) -> set[str]:
    """What the threads a guarded block starts run: ``self.thread.start()``, with
    ``self.thread = threading.Thread(target=self._run)`` in a function of the same module,
    runs ``_run``. A block that starts a thread and waits until it has filled the place
    (an event loop, a connection) is a guard like any other."""
    starts = [
        site
        for site in located.function.calls
        if guard.first <= site.span.line <= guard.last and site.func is not None and site.text.endswith(".start")
    ]
    if not any(site.func is not None and project.resolve(site.func).path == _THREAD_START for site in starts):
        return set()
    targets: set[str] = set()
    for function in located.module.functions:
        for site in function.calls:
            target = site.kwarg("target")
            if target is None or target.ref is None or site.func is None:
                continue
            if project.resolve(site.func).path == _THREAD:
                path = project.resolve(target.ref).path
                if path in project.functions:
                    targets.add(path)
    return targets


def _fills(graph: Reach, guard: Located, path: str, place: str, depth: int, seen: set[str]) -> bool:
    """Whether the function at ``path``, or one it runs within ``depth`` calls, fills ``place``
    as ``guard`` means it."""
    if path in seen:
        return False
    seen.add(path)
    callee = graph.project.function(path)
    if callee is None:
        return False
    if place in callee.function.fills and _same_place(graph.project, guard, callee, place):
        return True
    if depth <= 1:
        return False
    return any(_fills(graph, guard, below, place, depth - 1, seen) for _, below in graph.runs(path))


def _same_place(project: Project, guard: Located, callee: Located, place: str) -> bool:
    """``self.x`` is the same attribute in methods of one class (or of a class and a base);
    any other place, in functions of one module, or an attribute of one object that one module
    imports from the other (``from .connection import db_manager``, then ``if db_manager.db is
    None: await connection.connect()``, which sets ``db_manager.db``). A bare name imported is
    the value it had when imported, not the other module's name: it is never filled there."""
    head, dot, _ = place.partition(".")
    if head in ("self", "cls"):
        mine, theirs = guard.function.class_path, callee.function.class_path
        if mine is None or theirs is None:
            return False
        return mine == theirs or theirs in project.mro(mine) or mine in project.mro(theirs)
    if guard.module.module == callee.module.module:
        return True
    if not dot:
        return False
    shared = project.resolve(Ref(f"{guard.module.module}.{head}")).path
    return shared == project.resolve(Ref(f"{callee.module.module}.{head}")).path


# -- how long a class's instances live -------------------------------------


def long_lived(graph: Reach, class_path: str) -> bool:
    """Whether the instances of ``class_path`` live long: see the module's docstring."""
    memo = _LONG_LIVED(graph.project)
    found = memo.get(class_path)
    if found is None:
        memo[class_path] = False  # a cycle of constructions proves nothing
        found = memo[class_path] = _long_lived(graph, class_path)
    return found


def _long_lived_for(graph: Reach, class_path: str, method: str) -> bool:
    """Whether the instances of ``class_path`` that may run ``method`` live long: an instance of
    a subclass that a request builds and never runs it on (a connection handler built from a kept
    engine, whose ``run`` reaches no model loading) does not make ``method``'s guard run per request."""
    memo = _LONG_LIVED_FOR(graph.project)
    key = (class_path, method)
    found = memo.get(key)
    if found is None:
        memo[key] = False
        found = memo[key] = _long_lived(graph, class_path, method)
    return found


def _long_lived(graph: Reach, class_path: str, method: str | None = None) -> bool:
    project = graph.project
    family = project.family(class_path)
    if any(_keeps_instances(project, klass) for klass in project.mro(class_path)):
        return True
    requests = run_by_requests(graph)
    for located, site in project.function_calls_to(family):
        path = located.function.path
        if site.func is None or project.resolve(site.func).kind is not RefKind.SYMBOL:
            continue  # calling an instance (``__call__``) builds nothing
        if _in_tests(located):
            continue  # a test builds what it tests; the server's instances are built elsewhere
        if requests is not None and path not in requests and (
                not located.function.is_async or _run_by_scripts(graph, path, requests)):
            continue  # a command line's or a script's instance (a coroutine may have callers unseen)
        if not _built_to_last(graph, located, site, family) and (
                method is None or _hands_on(project, located.function, family) or method in run_from(graph, [path])):
            return False
    return True


def _hands_on(project: Project, builder: FunctionFacts, family: list[str]) -> bool:
    """Whether a function that builds an instance may hand it on, for others to run methods on:
    it returns one (``return Adapter(...)``, ``return adapter``), or it is a constructor (which
    keeps what it builds on the object)."""
    return builder.name == "__init__" or returns_made(project, builder, family)


def _run_by_scripts(graph: Reach, coroutine: str, requests: frozenset[str]) -> bool:
    """Whether the coroutine's callers (tests aside) are all plain functions no request runs, as a
    script's ``main()`` that hands it to ``asyncio.run``: it has callers, and none is a request's
    nor another coroutine that an unseen caller may await; or it has none, and a module's own
    code runs it so (``if __name__ == "__main__": asyncio.run(main())``)."""
    sites = callers(graph).get(coroutine, [])
    if not sites:
        return coroutine in _script_entries(graph.project)
    for _, caller in sites:
        located = graph.project.function(caller)
        if located is None or located.function.is_async or caller in requests:
            return False
    return bool(sites)


# What starts a loop of its own and runs a coroutine on it to the end.
_LOOP_RUNNERS = frozenset({"asyncio.run", "asyncio.runners.run", "anyio.run", "trio.run", "uvloop.run"})


@per_project
def _script_entries(project: Project) -> frozenset[str]:
    """The coroutines a module's own code (not a function's, not a test's) runs on a loop of its
    own: ``asyncio.run(main())``, ``anyio.run(main)``, a script's entry point."""
    found: set[str] = set()
    for summary in project.summaries:
        if module_in_tests(summary):
            continue
        for site in summary.module_calls:
            if site.func is None or not site.args or project.resolve(site.func).path not in _LOOP_RUNNERS:
                continue
            handed = site.args[0]
            ref = handed.call.func if handed.kind == "call" and handed.call is not None else handed.ref
            if ref is not None and (located := project.function(project.resolve(ref).path)) is not None:
                found.add(located.function.path)
    return frozenset(found)


def run_by_requests(graph: Reach) -> frozenset[str] | None:
    """Every function a request may run (ignoring guards), or None for a project without an app."""
    if not graph.request_roots:
        return None
    memo = _RUN_BY_REQUESTS(graph.project)
    if not memo:
        memo.append(run_from(graph, graph.request_roots))
    return memo[0]


def run_from(graph: Reach, starts: Iterable[str]) -> frozenset[str]:
    """``starts`` and every function they may run, to any depth (``CallGraph.runs``)."""
    seen = set(starts)
    pending = list(seen)
    while pending:
        for _, callee in graph.runs(pending.pop()):
            if callee not in seen:
                seen.add(callee)
                pending.append(callee)
    return frozenset(seen)


def _in_tests(located: Located) -> bool:
    return module_in_tests(located.module)


def _keeps_instances(project: Project, class_path: str) -> bool:
    """A ``__new__`` or a metaclass that hands out kept instances (``if key not in cls._instances: ...``)."""
    return builds_behind_a_guard(project, f"{class_path}.__new__") or metaclass_keeps_instances(project, class_path)


def _built_to_last(graph: Reach, located: Located, site: CallSite, family: list[str]) -> bool:
    function: FunctionFacts = located.function
    if is_cached(graph.project, function) or runs_once(graph, located, site):
        return True
    owner = function.class_path
    if function.name == "__init__" and owner is not None and owner not in family:
        return long_lived(graph, owner)
    return _kept_by_a_setter(graph.project, function, site)


def _kept_by_a_setter(project: Project, function: FunctionFacts, site: CallSite) -> bool:
    """``client = CloudClient(url)`` then ``set_remote_client(client)``: handed to a function of the
    project that stores what it is handed in a module-level name (``global _client; _client =
    client``), the object is kept for the process, as one built at module level is."""
    if site.func is None:
        return False
    made = {f"{site.func.path}()", f"{project.resolve(site.func).path}()"}
    for other in function.calls:
        handed = (*other.args, *(value for _, value in other.kwargs))
        if other.func is None or not any(value.kind == "ref" and value.ref is not None and value.ref.path in made
                                         for value in handed):
            continue
        setter = project.function(project.resolve(other.func).path)
        if (setter is not None and setter.function.class_path is None and setter.function.params
                and any("." not in place and not place.startswith(PARAMETER) for place in setter.function.fills)):
            return True
    return False
