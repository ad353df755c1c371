"""The FastAPI model a project takes from the last one's after an edit of some function bodies, as
the call graph and the placing do (``inheritance.py``, ``scope_kept.py``).

Building the model reads every decorator, every call that may register something
(``fastapi_model.may_register``: ``include_router``, ``add_api_route``, a constructor), module
bindings, and what name resolution answers, which such an edit leaves as they were
(``Project.inherit``). Of other calls and bodies it reads only what ``ModelReads`` records: the
callers of an app factory or of a helper handed a router, and a few bodies (a router class's
``__init__``, an ``add_task`` method). So the last model holds when, in the changed functions and
at the top of the changed modules, the calls that may register are the same but for positions
(``Changes.registrations_alike``), no changed call is one the build looked up, and no changed body
is one it read; a function or method written or deleted (``Changes.defined``, whose names no
answer went through) has no decorator, no such call, and is none the model finds by its name (a
middleware's ``dispatch``, an admin panel's hook); and no import of FastAPI or Starlette came or
went (the session checks the last two: ``relocation.registers_nothing``). Its
routes in the changed modules are then pointed at the new facts (the handler, and the decorator
that registers it); with a route registered otherwise there, the model is built again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace

from fastapi_lint.analysis.app_model import FastAPIModel, Route
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, ModuleSummary
from fastapi_lint.analysis.inheritance import Changes, with_outer
from fastapi_lint.analysis.project import Located, Project


def kept_model(previous_project: Project, previous: FastAPIModel, project: Project, changes: Changes) -> FastAPIModel | None:
    """``previous`` (the model of ``previous_project``) as it holds for ``project``, which inherits
    from it after ``changes``; None: build it again."""
    if not changes.registrations_alike:
        return None
    reads = previous.reads
    changed = changes.functions | changes.defined
    if (with_outer(project, changes.functions) | changes.defined) & reads.bodies:
        return None
    before = {summary.path: summary for summary in previous_project.summaries if summary.path in changes.modules}
    after = {summary.path: summary for summary in project.summaries if summary.path in changes.modules}
    if before.keys() != after.keys():
        return None
    for linked, summaries in ((previous_project, before), (project, after)):
        for site in _changed_calls(summaries.values(), changed):
            if site.func is not None and (site.func.path.rpartition(".")[2] in reads.names
                                          or linked.resolve(site.func).path in reads.paths):
                return None
    moved = {id(site) for summary in before.values() for site in _sites(summary)}
    routes: list[Route] = []
    for route in previous.routes:
        found = _pointed(route, before, after, moved)
        if found is None:
            return None
        routes.append(found)
    # Its own tables: a reader's lookup in a ``defaultdict`` adds to it.
    return replace(previous, routes=routes, roles=_copied(previous.roles), dependents=_copied(previous.dependents),
                   scheduled_by=_copied(previous.scheduled_by), wrapped=dict(previous.wrapped),
                   computed_includes=set(previous.computed_includes), included=set(previous.included))


def _copied(table: dict[str, set[str]]) -> defaultdict[str, set[str]]:
    return defaultdict(set, {key: set(values) for key, values in table.items() if values})


def _changed_calls(summaries: Iterable[ModuleSummary], functions: frozenset[str]) -> Iterator[CallSite]:
    """The calls at the top of ``summaries`` and in their ``functions``."""
    for summary in summaries:
        yield from summary.module_calls
        for function in summary.functions:
            if function.path in functions:
                yield from function.calls


def _sites(summary: ModuleSummary) -> Iterator[CallSite]:
    """Every call of a module's facts a route may be registered by."""
    yield from summary.module_calls
    for function in summary.functions:
        yield from function.calls
        for decorator in function.decorators:
            if decorator.call is not None:
                yield decorator.call


def _pointed(route: Route, before: dict[str, ModuleSummary], after: dict[str, ModuleSummary],
             moved: set[int]) -> Route | None:
    """``route`` with its handler and site in a changed module pointed at the new facts; None
    when its site is not the handler's decorator (a call in a changed module)."""
    handler = route.handler
    if handler.module.path not in before:
        return None if id(route.site) in moved else route
    old = handler.function
    new = _function(after[handler.module.path], old.path)
    index = next((index for index, decorator in enumerate(old.decorators) if decorator.call is route.site), None)
    if new is None or (index is None and id(route.site) in moved):
        return None
    site: CallSite | None = route.site if index is None else (
        new.decorators[index].call if index < len(new.decorators) else None)
    if site is None:
        return None
    return replace(route, handler=Located(new, after[handler.module.path]), site=site)


def _function(summary: ModuleSummary, path: str) -> FunctionFacts | None:
    return next((function for function in summary.functions if function.path == path), None)
