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
from fastapi_lint.analysis.facts import RefKind
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


def settle(calls: Calls, located: Located, project: Project, catalog: Catalog) -> None:
    """Follows ``calls``' deferred calls (``located``'s): one a package answers with a wait goes
    into ``direct`` where it was written, as if never deferred; the others are unknown effects."""
    added = 0
    for place, site, callee in calls.deferred:
        path = callee.ref.path
        entry = followed_entry(callee, project, catalog) or (catalog.match_iterated(path) if site.iterated else None)
        entry = entry and catalog.as_called(path, site, entry)
        if entry is not None and not cannot_wait(site, path):
            calls.direct.insert(place + added, (site, path, as_made(project, located, site, entry)))
            added += 1
        elif not callee.harmless:
            calls.unknown += 1
    calls.deferred = []
