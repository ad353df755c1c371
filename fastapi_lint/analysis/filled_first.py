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

from fastapi_lint.analysis.facts import CallSite, Ref, RefKind
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
        classes = {base for member in family for base in project.mro(member)}
        found = memo[key] = bool(built) and all(_fills_first(project, located, site, classes, place) for located, site in built)
    return found


def _fills_first(project: Project, located: Located, built: CallSite, classes: set[str], place: str) -> bool:
    """Whether the first call after ``built`` that runs or hands on a method of ``classes`` is an
    unconditional call of one that fills ``place`` without a guard on it."""
    after = (built.span.line, built.span.col)
    for site in sorted((site for site in located.function.calls if (site.span.line, site.span.col) > after),
                       key=lambda site: (site.span.line, site.span.col)):
        method = _method_of(project, site.func, classes)
        if method is not None:
            callee = project.function(method)
            fills = callee is not None and place in callee.function.fills and not any(
                guard.place == place for guard in callee.function.guards)
            return fills and not (site.conditional or site.in_loop or site.in_handler)
        if any(_method_of(project, value.ref, classes) for value in (*site.args, *(value for _, value in site.kwargs))):
            return False  # handed on (``add_task(bulk.scrape)``) before the place is filled
    return False


def _method_of(project: Project, ref: Ref | None, classes: set[str]) -> str | None:
    """The method of one of ``classes`` that ``ref`` (a call's callee, a value passed) names, if any."""
    if ref is None:
        return None
    path = project.resolve(ref).path
    return path if path.rpartition(".")[0] in classes else None


_MEMO = per_project[dict[tuple[str, str], bool]](lambda project: {})
