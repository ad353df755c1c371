"""Guards on ``self`` whose place every builder of the object fills before handing it on.

A guard on ``self.x`` runs once per instance (``guards.py``), so on an object built per request
it runs per request. Unless every function that builds such an object fills the place itself
first, by calling the method that does on the object it just built, before any other use of it::

    bulk = BulkScraper(repos)
    report_id = bulk.get_report_id()         # fills self.report
    background_tasks.add_task(bulk.scrape)   # scrape's ``if self.report is None:`` never holds

Then the guarded lines never run on what those functions build. The call that fills must be
unconditional (not in a branch, a loop's body or an ``except`` handler) and come before every
other call that runs or hands on a method of the object's class.
"""

from __future__ import annotations

from fastapi_lint.analysis.facts import CallSite, RefKind, Value
from fastapi_lint.analysis.project import Located, Project, per_project
from fastapi_lint.analysis.test_code import module_in_tests


def filled_when_built(project: Project, class_path: str, place: str) -> bool:
    """Whether every construction of ``class_path`` (or of a class derived from it) in a function
    is followed there by an unconditional call of a method that fills ``place`` (``self.report``)
    without a guard of its own on it, before any other use of the object's methods; False when it
    is built nowhere, or anywhere else. (A method guarded on the place, called first, runs its
    guarded lines then: ``table = Table(uri); table.load()``.)"""
    memo = _MEMO(project)
    key = (class_path, place)
    found = memo.get(key)
    if found is None:
        family = project.family(class_path)
        built = [(located, site) for located, site in project.function_calls_to(family)  # a test's aside
                 if site.func is not None and project.resolve(site.func).kind is RefKind.SYMBOL and not module_in_tests(located.module)]
        found = memo[key] = bool(built) and all(_fills_first(project, located, site, family, place) for located, site in built)
    return found


def _fills_first(project: Project, located: Located, built: CallSite, family: list[str], place: str) -> bool:
    classes = {base for member in family for base in project.mro(member)}
    later = sorted((site for site in located.function.calls if site.span.line > built.span.line or (
        site.span.line == built.span.line and site.span.col > built.span.col)), key=lambda site: (site.span.line, site.span.col))
    for site in later:
        method = _method_of(project, site, classes)
        if method is not None:
            callee = project.function(method)
            fills = callee is not None and place in callee.function.fills and not any(
                guard.place == place for guard in callee.function.guards)
            return fills and not (site.conditional or site.in_loop or site.in_handler)
        if any(_method_of_value(project, value, classes) for value in (*site.args, *(value for _, value in site.kwargs))):
            return False  # handed on (``add_task(bulk.scrape)``) before the place is filled
    return False


def _method_of(project: Project, site: CallSite, classes: set[str]) -> str | None:
    """The method of one of ``classes`` that ``site`` calls, if it calls one."""
    if site.func is None:
        return None
    path = project.resolve(site.func).path
    return path if path.rpartition(".")[0] in classes else None


def _method_of_value(project: Project, value: Value, classes: set[str]) -> bool:
    return value.ref is not None and project.resolve(value.ref).path.rpartition(".")[0] in classes


_MEMO = per_project[dict[tuple[str, str], bool]](lambda project: {})
