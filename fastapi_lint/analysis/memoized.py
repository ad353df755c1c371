"""Memoized functions: decorated with a cache, so a call runs the body once per key.

``functools.lru_cache``/``cache``, ``cachetools`` (``cached``, ``cachedmethod`` and the
``cachetools.func`` decorators, TTL caches included), ``asyncache``, ``async_lru.alru_cache``,
``aiocache``, ``functools.cached_property`` (once per object) and decorators of the project's
own that call the wrapped function only on a cache miss, or are named after ``lru_cache``. A TTL cache runs the body again once an entry expires: once per key and
period, not once per call, which is what the rules that read this ask.

A class whose metaclass keeps its instances memoizes its construction: ``Config()`` runs
``__init__`` once (``metaclass_keeps_instances``).
"""

from __future__ import annotations

from fastapi_lint.analysis.facts import FunctionFacts, Value
from fastapi_lint.analysis.project import Located, Project, per_project

CACHE_DECORATORS = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        # once per instance: its objects are the long-lived ones that hold state (a service,
        # a mounted app); one built per request recomputes it, which is that object's cost
        "functools.cached_property",
        "async_lru.alru_cache",
        "cachetools.cached",
        "cachetools.cachedmethod",
        "cachetools.func.fifo_cache",
        "cachetools.func.lfu_cache",
        "cachetools.func.lru_cache",
        "cachetools.func.mru_cache",
        "cachetools.func.rr_cache",
        "cachetools.func.ttl_cache",
        "asyncache.cached",
        "asyncache.cachedmethod",
        "aiocache.cached",
        "aiocache.cached_stampede",
        "aiocache.multi_cached",
        "aiocache.decorators.cached",
        "aiocache.decorators.cached_stampede",
        "aiocache.decorators.multi_cached",
    }
)

_EXPIRING = frozenset({"cachetools.func.ttl_cache"})
_TTL_CACHES = frozenset({"cachetools.TTLCache", "cachetools.TLRUCache"})


def is_cached(project: Project, function: FunctionFacts) -> bool:
    """Memoized by ``lru_cache`` and the like, or by a decorator of the project's own that
    calls the function it wraps only while its cache has no entry; or the ``__init__`` of a
    class whose metaclass keeps its instances."""
    if function.name == "__init__" and function.class_path is not None:
        return metaclass_keeps_instances(project, function.class_path)
    if not function.decorators:  # most functions: nothing to look up
        return False
    own = memoizing_decorators(project)
    for decorator in function.decorators:
        ref = decorator.call.func if decorator.call is not None else decorator.ref
        if ref is None:
            continue
        path = project.resolve(ref).path
        if path in CACHE_DECORATORS or path in own or _named_an_lru_cache(project, path):
            return True
    return False


def _named_an_lru_cache(project: Project, path: str) -> bool:
    """A decorator of the project's own named after ``functools.lru_cache`` (``closing_lru_cache``,
    ``async_lru_cache``): a cache by its name, however it keeps its entries (cognee's is a class
    of a thousand lines, with leases and closing, that ``memoizing_decorators`` cannot read)."""
    return path.rpartition(".")[2].endswith("lru_cache") and (
        project.function(path) is not None or path in project.classes)


def metaclass_keeps_instances(project: Project, class_path: str) -> bool:
    """Whether constructing ``class_path`` hands out a kept instance: its metaclass (its own or a
    base's) has a ``__call__`` that builds behind a guard (``if cls not in cls._instances:``), so
    ``__init__`` runs once per class. A ``__new__`` singleton does not: Python runs ``__init__``
    on each construction."""
    for klass in project.mro(class_path):
        entry = project.classes.get(klass)
        if entry is None or entry[0].metaclass is None:
            continue
        return builds_behind_a_guard(project, f"{project.resolve(entry[0].metaclass).path}.__call__")
    return False


def builds_behind_a_guard(project: Project, path: str) -> bool:
    """Whether the function at ``path`` builds only while the place it fills is empty
    (``if cls not in cls._instances: cls._instances[cls] = ...``): it hands out kept instances."""
    located = project.function(path)
    return located is not None and any(guard.filled for guard in located.function.guards)


def expires(project: Project, function: FunctionFacts) -> bool:
    """Whether a memoized function's entries expire (``ttl_cache``, ``ttl=...``, a ``TTLCache``):
    its body then runs again every period, not once per key."""
    for decorator in function.decorators:
        call = decorator.call
        if call is None:
            continue
        if call.func is not None and project.resolve(call.func).path in _EXPIRING:
            return True
        values = [*call.args, *(value for _, value in call.kwargs)]
        if call.kwarg("ttl") is not None or any(_is_expiring_cache(project, value) for value in values):
            return True
    return False


def _is_expiring_cache(project: Project, value: Value) -> bool:
    return value.call is not None and value.call.func is not None and project.resolve(value.call.func).path in _TTL_CACHES


@per_project
def memoizing_decorators(project: Project) -> frozenset[str]:
    """The project's decorators (and decorator factories) whose wrapper calls the wrapped
    function behind a cache check::

        def cached(fn):
            def wrapper(*args):
                if args not in CACHE:
                    CACHE[args] = fn(*args)
                return CACHE[args]
            return wrapper
    """
    decorators: set[str] = set()
    for located in project.all_functions():
        wrapper = located.function
        if wrapper.class_path is not None and f"{wrapper.class_path}.__call__" in project.functions and any(
                site.once and site.text in {param.name for param in wrapper.params} for site in wrapper.calls):
            # a class whose instances decorate (``@locked_cached(ttl=300)``), with a method that
            # calls the function it is handed only on a cache miss (``self.decorator(f, *args)``)
            decorators.add(wrapper.class_path)
        outer = project.function(wrapper.parent_path) if wrapper.parent_path else None
        if outer is None:
            continue
        wrapped = {param.name for param in outer.function.params}
        if any(site.once and site.text in wrapped for site in wrapper.calls):
            current: Located | None = outer
            while current is not None:  # a factory (``@cached(ttl=60)``) memoizes too
                decorators.add(current.function.path)
                parent = current.function.parent_path
                current = project.function(parent) if parent else None
    return frozenset(decorators)
