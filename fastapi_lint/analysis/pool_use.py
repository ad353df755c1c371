"""Whether a request waits on a pool from a worker thread: the names a pool is reached by, and
the code of the request path that runs on a thread of its own.

A pool's size matters to threads: a checkout waits while holding the thread. FastAPI runs a
``def`` route, dependency, exception handler or background task in its threadpool, and a
request's code hands callables to a thread with ``run_in_threadpool``, ``to_thread`` or
``run_in_executor``: that code, and the sync code it calls, is what ``request_threads`` finds.
Code on the event loop takes its checkouts one at a time (and FAS102 reports it blocking the
loop); code run only at startup, by a script or by tests never meets the request threads.

A pool is reached by names (``holders``): the module-level name it is bound to (``engine =
create_engine(...)``), the global a lazy getter fills and the getter itself, a memoized
function returning it, an attribute that keeps it (``self.engine``), an ``app.state`` entry the
lifespan sets, and, again, whatever is made from one of those (``SessionLocal =
sessionmaker(bind=engine)``, ``def get_db(): yield SessionLocal()``, ``self.pg =
get_engine()``). A pool built in a function and used by the functions nested in it (an app
factory's routes) is reached as a local name: phase 1 writes such a use as the constructor's
result (``sqlalchemy.create_engine().connect``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.catalog.offload import is_offload
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, ModuleSummary, Ref, Value
from fastapi_lint.analysis.app_model import FastAPIModel
from fastapi_lint.analysis.project import Located, Project, split_path
from fastapi_lint.analysis.request_path import Paths
from fastapi_lint.analysis.offload_params import runs_off_loop
from fastapi_lint.analysis.returned_values import made, returns_made
from fastapi_lint.analysis.guards import module_in_tests

# Sync roles FastAPI runs in its threadpool: a route, dependency or exception handler while
# the request waits, a background task after the response.
_THREADPOOL_ROLES = frozenset({"route", "dependency", "exception_handler", "background_task"})
# Sessions over a pool: made, they hold no connection until they run SQL.
_SESSIONS = frozenset({"sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session", "sqlmodel.Session"})
# ``SessionLocal()``: a session factory called makes a session (the factory itself is built at
# module level, never in a dependency's body).
_SESSION_FACTORIES = frozenset({"sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker"})
# What a dependency does with its session once the request is done: no connection is checked out
# for it (a commit or a rollback ends the transaction the request's queries opened).
_TEARDOWN = frozenset({"close", "close_all", "rollback", "commit", "expunge_all", "expire_all"})
# How many rounds of "made from a holder" are followed (a session factory of an engine, a
# getter of the factory, a dependency yielding a session of it, an attribute keeping that).
_ROUNDS = 6


@dataclass
class RequestThreads:
    """The request path's code that runs on a worker thread."""

    # sync function path -> the route, dependency, task or offloading function it runs for
    functions: dict[str, str] = field(default_factory=dict)
    # calls a request-path function makes in a lambda handed to a thread: (function, call)
    offloaded: list[tuple[Located, CallSite]] = field(default_factory=list)


def request_threads(model: FastAPIModel, graph: CallGraph, found: Paths) -> RequestThreads:
    """What the request path runs on worker threads (see the module's docstring)."""
    project = graph.project
    result = RequestThreads()
    roots: dict[str, str] = {}
    for path, roles in sorted(model.roles.items()):
        located = project.function(path)
        if located is not None and not located.function.is_async and roles & _THREADPOOL_ROLES:
            if roles == {"dependency"} and graph.witness(path) is None:
                continue  # opens sessions or builds what holds them, runs no query: checks out nothing
            roots.setdefault(path, path)
    for path in sorted(found.request):
        located = project.function(path)
        if located is None:
            continue
        for site in located.function.calls:
            # A lambda's calls run on the thread, and so does what an offload hands over with
            # the callable (``run_in_threadpool(count, engine)``).
            if runs_off_loop(project, site) or (site.func is not None and _offloads(project, site)):
                result.offloaded.append((located, site))
        for site, callee in graph.runs(path):
            if site.func is None or not _offloads(project, site):
                continue
            target = project.function(callee)
            if target is not None and not target.function.is_async:
                roots.setdefault(callee, path)
    for root, by in sorted(roots.items()):
        if root in result.functions:
            continue
        result.functions[root] = by
        pending = [root]
        while pending:
            for site, callee in graph.edges(pending.pop()):
                if site.once or callee in result.functions:
                    continue  # a guarded call runs once, not on each request's thread
                located = project.function(callee)
                if located is None or located.function.is_async:
                    continue
                result.functions[callee] = by
                pending.append(callee)
    return result


def _offloads(project: Project, site: CallSite) -> bool:
    func = site.func
    assert func is not None
    return is_offload(project.resolve(func).path, func.path.rpartition(".")[2])


@dataclass
class Holders:
    """The names one pool is reached by (see the module's docstring)."""

    # module-level names, functions (getters, makers), and ``Class.attribute`` paths
    names: set[str] = field(default_factory=set)
    # ``app.state`` entries: the last name (``app.state.engine`` -> ``engine``)
    state: set[str] = field(default_factory=set)
    # functions that build the pool as a local name their nested functions use
    local_in: set[str] = field(default_factory=set)
    # modules that unpack the pool into names phase 1 does not bind (``SessionLocal, engine =
    # init_database(url)``): a name of theirs bound nowhere else may be one
    unpacked_in: set[str] = field(default_factory=set)

    def short_names(self) -> set[str]:
        return {name.rpartition(".")[2] for name in self.names}


def holders(project: Project, summary: ModuleSummary, site: CallSite, located: Located | None,
            makes: frozenset[str]) -> Holders:
    """The names the pool ``site`` builds is reached by. ``makes``: what builds a pool or an
    object holding one (engines, pools, session factories)."""
    found = Holders()
    if located is None:
        for binding in summary.bindings:
            if _contains_call(binding.value, site):
                found.names.add(f"{summary.module}.{binding.name}")
    else:
        function = located.function
        found.local_in.add(function.path)
        if returns_made(project, function, makes):
            found.names.add(function.path)
        _add_fills(project, located, site, makes, found)
    matcher = _Matcher(project, found, makes)
    for _ in range(_ROUNDS):
        before = (len(found.names), len(found.state), len(found.unpacked_in))
        _grow(project, matcher, makes, found)
        if (len(found.names), len(found.state), len(found.unpacked_in)) == before:
            break
    return found


def _grow(project: Project, matcher: _Matcher, makes: frozenset[str], found: Holders) -> None:
    """One round of "made from a holder": module-level names, stored globals, attributes, and
    functions that return one."""
    matcher.refresh()
    for summary in project.summaries:
        if summary.module not in found.unpacked_in and any(
            matcher.matches(path) for site in summary.module_calls for path in _site_paths(site)
            if not any(_contains_call(binding.value, site) for binding in summary.bindings)
        ):
            found.unpacked_in.add(summary.module)
        for binding in summary.bindings:
            if any(matcher.matches(path) for path in _value_paths(binding.value)):
                found.names.add(f"{summary.module}.{binding.name}")
        for name, ref in summary.module_stores:
            if not name.endswith("[]") and matcher.matches(ref.path):
                found.names.add(f"{summary.module}.{name}")
        for klass in summary.classes:
            for attribute in klass.attributes:
                if matcher.matches(attribute.value.path):
                    found.names.add(f"{klass.path}.{attribute.name}")
        for function in summary.functions:
            if function.path in found.names:
                continue
            if (any(matcher.matches(path) for value in function.returned for path in _value_paths(value))
                    or _hands_a_session_over(function, matcher)):
                found.names.add(function.path)
            if any(place.partition(".")[0] != "self" and ".state." in f".{place}" for place in function.fills):
                lines = {site.span.line for site in function.calls
                         if any(matcher.matches(path) for path in _site_paths(site))}
                if lines:
                    _add_state(function, found, lines)


def _add_fills(project: Project, located: Located, site: CallSite, makes: frozenset[str], found: Holders) -> None:
    """The lasting places the function that builds the pool keeps it in: a global, an attribute
    (``self.engine``), an ``app.state`` entry."""
    function = located.function
    stores = dict(located.module.module_stores)
    for place in function.fills:
        head, _, rest = place.partition(".")
        if head == "self":
            if function.class_path is None or "." in rest:
                continue
            klass = project.classes.get(function.class_path)
            attributes = {a.name: a.value for a in klass[0].attributes} if klass is not None else {}
            value = attributes.get(rest)
            if value is not None and made(project, value, makes):
                found.names.add(f"{function.class_path}.{rest}")
        elif ".state." in f".{place}":
            _add_state(function, found, {site.span.line})
        elif "." not in place:
            value = stores.get(place)
            if value is not None and made(project, value, makes):
                found.names.add(f"{located.module.module}.{place}")


def _add_state(function: FunctionFacts, found: Holders, lines: set[int]) -> None:
    """The ``app.state`` entries the function fills on ``lines`` (``app.state.engine =
    create_engine(...)``); every entry it fills when none is on them (the pool reaches the
    entry through a local name)."""
    entries = [place for place in function.fills
               if place.rpartition(".")[0].endswith("state") and place.partition(".")[0] != "self"]
    written = {read.text for read in function.reads if read.span.line in lines}
    for place in [place for place in entries if place in written] or entries:
        found.state.add(place.rpartition(".")[2])




class _Matcher:
    """Whether a path phase 1 wrote reaches one of the holders: ``app.db.engine.connect``,
    ``app.db.get_engine()``, ``app.repo.Repo.pg.connect`` (an attribute, through any object
    whose class has it), ``fastapi.Request.app.state.engine``."""

    def __init__(self, project: Project, found: Holders, makes: frozenset[str]) -> None:
        self.project = project
        self.found = found
        self.makes = makes
        self.short: set[str] = set()
        self.memo: dict[str, bool] = {}

    def refresh(self) -> None:
        self.short = self.found.short_names()
        self.memo.clear()

    def matches(self, path: str) -> bool:
        found = self.memo.get(path)
        if found is None:
            found = self.memo[path] = self._matches(path)
        return found

    def _matches(self, path: str) -> bool:
        segments = split_path(path)
        names = self.found.names
        if self.found.unpacked_in and self._unpacked(segments):
            return True
        for index, segment in enumerate(segments):
            name = segment[:-2] if segment.endswith("()") else segment
            if index and segments[index - 1] == "state" and name in self.found.state:
                return True
            if name not in self.short:
                continue
            prefix = ".".join([*segments[:index], name])
            if prefix in names:
                return True
            if index == 0:
                continue
            if self.project.binding_key(Ref(prefix)) in names:
                return True
            owner = ".".join(segments[:index])
            if owner.endswith("()"):
                owner = owner[:-2]
            if any(f"{klass}.{name}" in names for klass in self._classes(owner)):
                return True
        return False

    def _unpacked(self, segments: list[str]) -> bool:
        """``app.db.SessionLocal`` where ``app.db`` unpacks the pool into names it binds no other way."""
        project = self.project
        for index in range(1, len(segments)):
            module = ".".join(segments[:index])
            if module in self.found.unpacked_in:
                name = segments[index]
                path = f"{module}.{name}"
                return not (name.endswith("()") or path in project.bindings or path in project.functions
                            or path in project.classes or path in project.modules)
        return False

    def _classes(self, owner: str) -> Iterator[str]:
        """The classes (and their bases) an owner path names or holds an instance of."""
        project = self.project
        klass = owner if owner in project.classes else project.resolve(Ref(owner)).path
        if klass in project.classes:
            yield from project.mro(klass)


def uses(project: Project, function: FunctionFacts) -> Iterator[str]:
    """Every path a function's code names: its calls and their arguments, attributes it reads,
    what it returns."""
    for site in function.calls:
        yield from _site_paths(site)
    for read in function.reads:
        yield read.ref.path
    for value in function.returned:
        yield from _value_paths(value)


def _site_paths(site: CallSite) -> Iterator[str]:
    if site.func is not None:
        yield site.func.path
    for value in site.args:
        yield from _value_paths(value)
    for _, value in site.kwargs:
        yield from _value_paths(value)


def _value_paths(value: Value) -> Iterator[str]:
    pending = [value]
    while pending:
        current = pending.pop()
        if current.ref is not None:
            yield current.ref.path
        if current.call is not None:
            yield from _site_paths(current.call)
        pending.extend(current.items)


def _contains_call(value: Value, site: CallSite) -> bool:
    pending = [value]
    while pending:
        current = pending.pop()
        if current.call is not None:
            if current.call.span == site.span:
                return True
            pending.extend(current.call.args)
            pending.extend(v for _, v in current.call.kwargs)
        pending.extend(current.items)
    return False


def used_on_request_threads(project: Project, threads: RequestThreads, found: Holders,
                            makes: frozenset[str]) -> str | None:
    """The path of a function the request threads run that uses the pool, or None."""
    matcher = _Matcher(project, found, makes)
    matcher.refresh()
    local = tuple(f"{name}()" for name in makes)
    for path in threads.functions:
        located = project.function(path)
        if located is None or _only_wraps(project, located.function, matcher):
            continue
        function = located.function
        nested = _within(project, function, found.local_in)
        for used in uses(project, function):
            if matcher.matches(used) or (nested and used.startswith(local)):
                return path
        if any(matcher.matches(used) for used in _dependency_paths(function)):
            return path  # ``session: Session = Depends(get_session)``: its queries run on this thread
    for located, site in threads.offloaded:
        nested = _within(project, located.function, found.local_in)
        if any(matcher.matches(used) or (nested and used.startswith(local)) for used in _site_paths(site)):
            return located.function.path
    return None


def _hands_a_session_over(function: FunctionFacts, matcher: _Matcher) -> bool:
    """``with Session(engine) as session: yield session``: the session it hands back keeps the
    pool, though its type names no pool; so does ``db: Session = SessionLocal()`` then ``yield db``
    (the annotation names the local's type, the factory called is the pool's)."""
    if not any(path.removesuffix("()") in _SESSIONS for value in function.returned for path in _value_paths(value)):
        return False
    return any(site.func is not None and (
        (site.func.path in _SESSIONS and any(matcher.matches(path) for value in (*site.args, *(v for _, v in site.kwargs))
                                             for path in _value_paths(value)))
        or (not site.args and not site.kwargs and matcher.matches(site.func.path)))
        for site in function.calls)


def _dependency_paths(function: FunctionFacts) -> Iterator[str]:
    """What a function's parameters name in their defaults and annotations (``Depends(get_db)``)."""
    for param in function.params:
        for value in (param.default, param.annotation):
            if value is not None:
                yield from _value_paths(value)


def _only_wraps(project: Project, function: FunctionFacts, matcher: _Matcher) -> bool:
    """A dependency that only opens a session on the pool and yields it (``with Session(engine)
    as s: yield s``): opening one checks out no connection; the code that runs its queries does,
    on the loop or on a thread of its own, and is counted there."""
    if not function.is_generator or function.reads:
        return False
    wrapped = False
    for site in function.calls:
        if not any(matcher.matches(used) for used in _site_paths(site)):
            continue
        called = project.resolve(site.func).path if site.func is not None else ""
        if called in _SESSIONS or called in _SESSION_FACTORIES:
            wrapped = True
        elif called.rpartition(".")[0] not in _SESSIONS or called.rpartition(".")[2] not in _TEARDOWN:
            return False
    return wrapped


def _within(project: Project, function: FunctionFacts, parents: Iterable[str]) -> bool:
    """Whether ``function`` is nested (at any depth) in one of ``parents``."""
    wanted = set(parents)
    if not wanted:
        return False
    parent = function.parent_path
    while parent:
        if parent in wanted:
            return True
        located = project.function(parent)
        parent = located.function.parent_path if located is not None else None
    return False


def runs_at_all(project: Project, located: Located, makes: frozenset[str]) -> bool:
    """Whether anything outside tests runs or names the function a pool is built in (a call,
    a callback handed on, a ``Depends``): a getter no code calls builds nothing, though the
    global it would fill is filled by another getter too."""
    path = located.function.path
    found = Holders(names={path})
    if located.function.name == "__init__" and located.function.class_path is not None:
        found.names.add(located.function.class_path)  # built: ``MetadataStore(url)``
    matcher = _Matcher(project, found, makes)
    matcher.refresh()
    for summary in project.summaries:
        if module_in_tests(summary):
            continue
        if any(matcher.matches(used) for site in summary.module_calls for used in _site_paths(site)):
            return True
        if any(matcher.matches(used) for binding in summary.bindings for used in _value_paths(binding.value)
               if binding.value.kind != "ref"):
            return True
        for function in summary.functions:
            if function.path == path:
                continue
            if any(matcher.matches(used) for used in uses(project, function)):
                return True
            if any(param.default is not None and any(matcher.matches(u) for u in _value_paths(param.default))
                   for param in function.params):
                return True
    return False
