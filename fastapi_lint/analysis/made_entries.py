"""A catalog call's cost as one site makes it (``CallGraph`` and FAS101 read it the same way)."""

from __future__ import annotations

from fastapi_lint.analysis.bundled_links import bundled_elsewhere
from fastapi_lint.analysis.catalog.blocking import Entry, Tier, brief, bundled_read, empty_tempfile, is_bundled_read
from fastapi_lint.analysis.facts import CallSite
from fastapi_lint.analysis.project import Located, Project


def as_made(project: Project, located: Located, site: CallSite, entry: Entry) -> Entry:
    """A catalog call's entry as this site makes it: a read of a file shipped with the code (named
    here or through another module), or a sleep of a few milliseconds, costs what a metadata call
    does (FAS108)."""
    line, col = site.span.line, site.span.col
    if is_bundled_read(entry, located.function.bundled, line, col) or (
            entry.tier == Tier.FILE and bundled_elsewhere(project, located, line, col)):
        return bundled_read(entry)
    made = brief(entry, site)
    return made if made is not entry else empty_tempfile(entry, located.function.calls, located.function.returned) or entry
