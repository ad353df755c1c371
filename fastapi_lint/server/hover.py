"""Hover on a route's decorator or ``def`` line: its row of the route map (``fastapi-lint
routes``), in Markdown: methods and path, how FastAPI runs it (async on the event loop, or sync
in the threadpool), its dependency tree, and the findings on its request path."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi_lint.api import DependencyNode, RouteRow
    from fastapi_lint.server.projects import Projects

def hover(projects: Projects, path: Path, line: int) -> str | None:
    """The Markdown for line ``line`` (1-based) of the open file ``path``; None: no route there."""
    from fastapi_lint.api import routes_by_line

    located = projects.of(path)
    if located is None or projects.text_of(path) is None:  # not open, or half edited: no route map of this text
        return None
    project, shown = located
    checked = project.check()
    if project.routes is None or project.routes[0] is not checked:  # built once per check, not per hover
        project.routes = (checked, routes_by_line(checked))
    rows = project.routes[1].get((shown, line))
    if not rows:
        return None
    return "\n\n---\n\n".join(markdown(row) for row in rows)


def markdown(row: RouteRow) -> str:
    runs = "async: runs on the event loop" if row.is_async else "sync: runs in the threadpool"
    out = [f"**{' '.join(row.methods) or 'ANY'}** `{row.path}`: `{row.handler}` ({runs})"]
    served = []
    if row.app:
        served.append(f"served by `{row.app}`")
    if row.router and row.router != row.app:
        served.append(f"registered on `{row.router}`")
    served.append("a request takes a threadpool thread" if row.threadpool else "a request takes no threadpool thread")
    out.append("; ".join(served).capitalize() + ".")
    if row.dependencies:
        out.append("Dependencies:\n\n" + "\n".join(_tree(row.dependencies, 0)))
    else:
        out.append("No dependencies.")
    if row.diagnostics:
        counts = []
        if row.errors:
            counts.append(f"{row.errors} error{'s' if row.errors != 1 else ''}")
        if row.warnings:
            counts.append(f"{row.warnings} warning{'s' if row.warnings != 1 else ''}")
        heading = f"Findings on its request path ({', '.join(counts)}):" if counts else "Findings on its request path:"
        items = [
            f"- {f.severity} {f.code} in `{f.function}` ({f.path}:{f.line}): {f.message}"
            for f in row.diagnostics
        ]
        out.append(heading + "\n\n" + "\n".join(items))
    else:
        out.append("No findings on its request path.")
    return "\n\n".join(out)


def _tree(nodes: tuple[DependencyNode, ...], depth: int) -> list[str]:
    lines = []
    for node in nodes:
        kind = "async" if node.is_async else "sync"
        above = ", listed above" if node.listed_above else ""
        lines.append(f"{'  ' * depth}- `{node.name}` ({kind}{above})")
        lines.extend(_tree(node.children, depth + 1))
    return lines

