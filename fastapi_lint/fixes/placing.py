"""Phase-1 facts seen from a finding: which function and call it points at, who calls whom.

Findings carry a path and a span; the summaries carry the same spans, so a
finding is placed by lookup, without parsing anything again.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.analysis.extract.parse import text_digest
from fastapi_lint.analysis.facts import CONSTRUCTORS, CallSite, ModuleSummary, Value
from fastapi_lint.analysis.project import Located
from fastapi_lint.diagnostics import Diagnostic, Span
from fastapi_lint.fixes.base import Target
from fastapi_lint.source import encode_as_file

if TYPE_CHECKING:
    from fastapi_lint.config import Config
    from fastapi_lint.analysis.context import Context

SLEEP = "time.sleep"
# Roles whose functions FastAPI runs either way: a plain ``def`` goes to its threadpool.
THREADPOOL_ROLES = frozenset({"route", "dependency"})
# Roles that must stay coroutines (an ``@app.middleware("http")`` function is awaited).
ASYNC_ONLY_ROLES = frozenset({"middleware"})


# Methods a call of a class or of its object runs (``CallGraph.target``): a call written with
# another name runs them.
_RUN_BY_CLASSES = frozenset({"__call__", *CONSTRUCTORS})


class _Index:
    """Spans of one module's functions and calls."""

    def __init__(self, summary: ModuleSummary) -> None:
        self.calls: dict[Span, tuple[Located | None, CallSite]] = {}
        self.functions: dict[tuple[int, int], Located] = {}
        for function in summary.functions:
            located = Located(function, summary)
            self.functions[(function.span.line, function.span.col)] = located
            for site in function.calls:
                self.calls.setdefault(site.span, (located, site))
            for decorator in function.decorators:
                if decorator.call is not None:
                    self.calls.setdefault(decorator.call.span, (located, decorator.call))
        for site in summary.module_calls:
            self.calls.setdefault(site.span, (None, site))


class Facts:
    def __init__(self, context: Context, only: ModuleSummary | None = None) -> None:
        self.context = context
        self.project = context.project
        self.model = context.model
        # One file linted on its own (``plan_fixes`` without a context): every finding is in it,
        # whatever spelling of its path the caller used.
        self._only = only
        self._by_path = {summary.path: summary for summary in self.project.summaries}
        self._indexes: dict[str, _Index] = {}
        self._callers: set[str] | None = None
        self._registrations: dict[str, set[Span]] | None = None

    @classmethod
    def of(cls, context: Context) -> Facts:
        """The facts of a linted project, built once per run."""
        return context.view(cls)

    # -- placing a finding ---------------------------------------------------

    def target(self, diagnostic: Diagnostic) -> Target:
        summary = self._only or self._by_path.get(diagnostic.path)
        if summary is None:
            return Target(diagnostic, None)
        index = self._index(summary)
        found = index.calls.get(diagnostic.span)
        if found is not None:
            located, site = found
            callee = self.project.resolve(site.func).path if site.func is not None else None
            return Target(diagnostic, located, site, callee)
        located = index.functions.get((diagnostic.span.line, diagnostic.span.col))
        return Target(diagnostic, located)

    def _index(self, summary: ModuleSummary) -> _Index:
        index = self._indexes.get(summary.path)
        if index is None:
            index = self._indexes[summary.path] = _Index(summary)
        return index

    def changed_since(self, path: str, source: str) -> bool:
        """``source`` is not the text the facts of the module at ``path`` were read from (a file
        saved since it was checked): every span would point into another text."""
        summary = self._by_path.get(path)
        if summary is None or not summary.text_digest:
            return False  # no facts of it: no fixer places a finding there anyway
        return summary.text_digest != text_digest(source)

    # -- questions the fixers ask ------------------------------------------------

    def roles(self, located: Located) -> set[str]:
        return self.model.role_of(located.function.path)

    def sleeps(self, located: Located) -> bool:
        """The function calls ``time.sleep`` where ``await asyncio.sleep`` can replace it.

        Such a function gains an ``await`` from the safe fix, so dropping its ``async``
        is no longer an option for its other findings.
        """
        for site in located.function.calls:
            if site.awaited or site.offloaded or site.in_lambda or site.func is None:
                continue
            if self.project.resolve(site.func).path == SLEEP:
                return True
        return False

    def is_called(self, located: Located) -> bool:
        """Some code of the project calls the function directly (``await f()``, ``create_task(f())``).

        Those callers expect a coroutine; FastAPI, which calls routes and dependencies
        through ``Depends`` and the decorators, does not count: it handles both kinds.
        """
        path = located.function.path
        if path.rpartition(".")[2] not in _RUN_BY_CLASSES and not self.project.deferred_bodies:
            # Only a call resolving to the function itself runs it (``CallGraph.target``): the
            # index finds those without resolving every call of the project (after every edit).
            graph = self.context.callgraph
            return any(graph.target(self.project.resolve(site.func)) == path
                       for _, site in self.project.calls_to([path]) if site.func is not None)
        if self._callers is None:
            graph = self.context.callgraph
            callers: set[str] = set()
            sites = [site for summary in self.project.summaries for site in summary.module_calls]
            sites += [site for other in self.project.all_functions() for site in other.function.calls]
            for site in sites:
                if site.func is None:
                    continue
                target = graph.target(self.project.resolve(site.func))
                if target is not None:
                    callers.add(target)
            self._callers = callers
        return path in self._callers


    def wrapped(self, located: Located) -> str | None:
        """A decorator of the function that may expect a coroutine, as written; None when every one
        is known not to: FastAPI's own registration of the route, or a function of the project
        that hands its argument back untouched (``def mark(f): return f``).

        Any other may call the function and await what it returns (``return await f(*a, **k)``
        in its wrapper, as caching and rate-limiting decorators do), or keep it for code that
        will: after the function loses its ``async``, every call of it would raise ``TypeError``.
        """
        if self._registrations is None:
            registrations: dict[str, set[Span]] = defaultdict(set)
            for route in self.model.routes:
                registrations[route.handler.function.path].add(route.site.span)
            self._registrations = registrations
        own = self._registrations.get(located.function.path, set())
        for decorator in located.function.decorators:
            if decorator.call is not None and decorator.call.span in own:
                continue
            if decorator.kind == "ref" and self._hands_back(decorator):
                continue
            return decorator.call.text if decorator.call is not None else decorator.text
        return None

    def _hands_back(self, decorator: Value) -> bool:
        """The decorator is a plain function of the project that calls nothing and returns its argument."""
        found = self.project.function(self.project.resolve(decorator.ref).path)
        if found is None:
            return False
        function = found.function
        if function.is_async or function.is_generator or function.calls or function.decorators or not function.params:
            return False
        argument = function.params[0].name
        returned = function.returned
        return bool(returned) and all(value.kind == "other" and value.text == argument for value in returned)


def local_facts(source: str, path: str, config: Config) -> Facts | None:
    """Facts of one module given as text (None when it does not parse)."""
    from fastapi_lint.analysis import fastapi_model
    from fastapi_lint.analysis.catalog import Catalog
    from fastapi_lint.analysis.project import Project
    from fastapi_lint.analysis.context import Context
    from fastapi_lint.analysis.extract import summarize_file

    outcome = summarize_file(Path(path), path, data=encode_as_file(source))
    if isinstance(outcome, Diagnostic):
        return None
    project = Project([outcome])
    context = Context(project, fastapi_model.build(project), Catalog(config.extend_blocking_calls, config.extend_async_safe))
    return Facts(context, only=outcome)
