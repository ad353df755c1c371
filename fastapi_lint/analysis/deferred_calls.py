"""Calls into installed packages, followed only when a question about waits needs them.

A call the catalog does not know may wait inside an installed package (``installed.py``), but
reading a package costs phase 1 over its modules. What a function reaches (the call graph's
edges, the scope's walk over every function) never depends on those answers: only whether a
function waits does. So ``CallGraph`` keeps such calls aside (``Calls.deferred``) and follows
them when a function's waits are first asked about: a function no request or task runs on the
loop costs nothing to read.
"""

from __future__ import annotations

from fastapi_lint.analysis.call_records import Callee, Calls
from fastapi_lint.analysis.catalog import Catalog
from fastapi_lint.analysis.catalog.at_once import cannot_wait
from fastapi_lint.analysis.catalog.blocking import Entry
from fastapi_lint.analysis.facts import CallSite, RefKind
from fastapi_lint.analysis.made_entries import as_made
from fastapi_lint.analysis.project import Located, Project


def followed_entry(callee: Callee, project: Project, catalog: Catalog) -> Entry | None:
    """``callee``'s entry, with installed packages followed when no entry knows it."""
    if not callee.follows:
        return callee.entry
    ref = callee.ref
    if ref.kind is RefKind.INSTANCE:
        return catalog.match_called(ref.path, project.mro(ref.path))
    return catalog.match(ref.path)


def waited_on(project: Project, catalog: Catalog, located: Located, site: CallSite, path: str,
              entry: Entry | None) -> Entry | None:
    """What ``site`` (a call of ``path`` in ``located``, ``entry`` its catalog entry or None)
    waits on: the entry, or for a result iterated where it is made what iterating it runs, as
    the call's arguments let it (``Catalog.as_called``, ``cannot_wait``) and as what the call
    makes (``as_made``); None when it waits on nothing."""
    entry = entry or (catalog.match_iterated(path) if site.iterated else None)
    entry = entry and catalog.as_called(path, site, entry)
    if entry is None or cannot_wait(site, path):
        return None
    return as_made(project, located, site, entry)


def settle(calls: Calls, located: Located, project: Project, catalog: Catalog) -> None:
    """Follows ``calls``' deferred calls (``located``'s): one a package answers with a wait goes
    into ``direct`` where it was written, as if never deferred; the others are unknown effects."""
    added = 0
    for place, site, callee in calls.deferred:
        path = callee.ref.path
        entry = waited_on(project, catalog, located, site, path, followed_entry(callee, project, catalog))
        if entry is not None:
            calls.direct.insert(place + added, (site, path, entry))
            added += 1
        elif not callee.harmless:
            calls.unknown += 1
    calls.deferred = []
