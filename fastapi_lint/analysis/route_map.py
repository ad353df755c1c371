"""The route map: every route of every app with how FastAPI runs it and what stalls it.

For each route, once per place an app serves it: its methods and full path
(prefixes joined through ``include_router``, ``APIRouter(prefix=...)`` and
``mount``), its handler, whether it is async, its dependency tree
with each dependency's kind, whether a request needs the threadpool, and the
findings on its request path (the handler, its dependencies and everything
they run), each with the function it is in and its chain: what the table, the JSON, the
Mermaid chart and the HTML page of ``fastapi-lint routes`` all draw.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.app_model import FastAPIModel, Mount, Route
from fastapi_lint.analysis.names import written_path
from fastapi_lint.analysis.project import Project
from fastapi_lint.diagnostics import Diagnostic, Severity


@dataclass(frozen=True)
class DependencyNode:
    name: str  # module:function
    is_async: bool
    children: tuple[DependencyNode, ...] = ()
    # Listed with its own dependencies higher up in the same route's tree (see ``_dependency_tree``).
    listed_above: bool = False


@dataclass(frozen=True)
class ChainStep:
    """A hop of a finding's chain, with a 1-based column as in ``check --format json``."""

    path: str
    line: int
    column: int
    text: str
    function: str | None = None  # module:function the hop is in, when it is a function of the project


@dataclass(frozen=True)
class RouteFinding:
    """A finding on a route's request path, and where on that path it is."""

    code: str
    name: str
    severity: str  # "error", "warning", "info"
    message: str
    path: str
    line: int
    column: int  # 1-based
    function: str  # module:function the finding sits in: the handler, a dependency, or what they run
    chain: tuple[ChainStep, ...] = ()


@dataclass(frozen=True)
class RouteRow:
    methods: tuple[str, ...]
    path: str
    handler: str  # module:function
    is_async: bool
    dependencies: tuple[DependencyNode, ...]
    threadpool: bool  # a request takes a threadpool thread (sync handler or sync dependency)
    findings: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    warnings: int = 0
    app: str | None = None  # the app that serves the route at this path, when known
    router: str | None = None  # the app or router the route is registered on, when known
    diagnostics: tuple[RouteFinding, ...] = ()

    def sort_key(self) -> tuple[int, int, int, str, str]:
        return (-self.errors, -self.warnings, -sum(self.findings.values()), self.path, ",".join(self.methods))


def build_rows(project: Project, model: FastAPIModel, graph: CallGraph, diagnostics: list[Diagnostic]) -> list[RouteRow]:
    rows = [row for _, found in rows_by_route(project, model, graph, diagnostics) for row in found]
    rows.sort(key=RouteRow.sort_key)
    return rows


def rows_by_route(
    project: Project, model: FastAPIModel, graph: CallGraph, diagnostics: list[Diagnostic]
) -> list[tuple[Route, list[RouteRow]]]:
    """Each route of the model with its rows (one per place an app serves it), in the model's
    order: what an editor needs to find a route's rows from where its handler is written."""
    forward: dict[str, set[str]] = {}
    for dependency, dependents in model.dependents.items():
        for dependent in dependents:
            forward.setdefault(dependent, set()).add(dependency)
    where, spots = _locate_findings(project, diagnostics)
    found_rows: list[tuple[Route, list[RouteRow]]] = []
    for route in model.routes:
        rows: list[RouteRow] = []
        handler = route.handler.function
        for mount in route.mounts or (Mount("", None, tuple(sorted(forward.get(handler.path, ())))),):
            # The dependencies FastAPI runs for the route as this app serves it; theirs are their own.
            tree = _dependency_tree(project, forward, handler.path, mount.dependencies)
            reach = _reachable(graph, forward, handler.path, mount.dependencies)
            placed = [
                (d, function)
                for function in sorted(reach)
                for d, needs in where.get(function, [])
                if needs is None or needs in reach
            ]
            found = [d for d, _ in placed]
            counts = Counter(d.code for d in found)
            rows.append(
                RouteRow(
                    methods=route.methods,
                    path=(mount.prefix + route.path) or "/",
                    handler=_display(project, handler.path),
                    is_async=handler.is_async,
                    dependencies=tree,
                    threadpool=not handler.is_async or _any_sync(tree),
                    findings=dict(sorted(counts.items())),
                    errors=sum(1 for d in found if d.severity is Severity.ERROR),
                    warnings=sum(1 for d in found if d.severity is Severity.WARNING),
                    app=_binding(project, mount.app),
                    router=_binding(project, route.owner),
                    diagnostics=tuple(_finding(project, spots, d, function) for d, function in sorted(placed, key=_placed_order)),
                )
            )
        found_rows.append((route, rows))
    return found_rows


def _placed_order(placed: tuple[Diagnostic, str]) -> tuple[int, tuple[str, int, int, str]]:
    return (-placed[0].severity, placed[0].sort_key())


def _finding(project: Project, spots: dict[tuple[str, int, int], str], d: Diagnostic, function: str) -> RouteFinding:
    return RouteFinding(
        code=d.code,
        name=d.name,
        severity=d.severity.label,
        message=d.message,
        path=d.path,
        line=d.span.line,
        column=d.span.col + 1,
        function=_display(project, function),
        chain=tuple(
            ChainStep(hop.path, hop.line, hop.col + 1, hop.text, _display_or_none(project, spots.get((hop.path, hop.line, hop.col))))
            for hop in d.chain
        ),
    )


def _binding(project: Project, key: str | None) -> str | None:
    """An app or router as ``module:name`` (``demo.main:app``), like a handler; one made in a
    function keeps its ``function:name`` key."""
    if key is None:
        return None
    if ":" not in key:
        module = key
        while module and module not in project.modules:
            module = module.rpartition(".")[0]
        if module and module != key:
            key = f"{module}:{key[len(module) + 1:]}"
    return written_path(key)


def _display_or_none(project: Project, path: str | None) -> str | None:
    return None if path is None else _display(project, path)


def _display(project: Project, path: str) -> str:
    located = project.function(path)
    if located is None:
        return written_path(path)
    module = located.module.module
    return written_path(f"{module}:{path[len(module) + 1:]}" if path.startswith(module + ".") else path)


def _dependency_tree(
    project: Project, forward: dict[str, set[str]], handler: str, dependencies: tuple[str, ...]
) -> tuple[DependencyNode, ...]:
    """The handler's ``dependencies`` (those of one mount), depth first in name order. A dependency is listed with its
    own dependencies where it first appears; where it appears again it is ``listed_above``,
    without them. FastAPI runs a dependency once per request however many ask for it, and
    listing shared ones in full at every appearance doubles the tree at each level of a
    diamond (two dependencies sharing two sub-dependencies, and so on down)."""
    listed = {handler}

    def node(path: str) -> DependencyNode:
        located = project.function(path)
        is_async = located.function.is_async if located is not None else False
        if path in listed:
            return DependencyNode(_display(project, path), is_async, listed_above=True)
        listed.add(path)
        children = tuple(node(child) for child in sorted(forward.get(path, ())))
        return DependencyNode(_display(project, path), is_async, children)

    return tuple(node(dependency) for dependency in sorted(dependencies))


def _any_sync(nodes: tuple[DependencyNode, ...]) -> bool:
    return any(not node.is_async or _any_sync(node.children) for node in nodes)


def _reachable(graph: CallGraph, forward: dict[str, set[str]], handler: str, dependencies: tuple[str, ...]) -> set[str]:
    """What a request runs: the handler, the dependencies of its mount, and all they run."""
    seen = {handler, *dependencies}
    pending = list(seen)
    while pending:
        current = pending.pop()
        following = [callee for _, callee in graph.runs(current)]
        if current != handler:  # the handler's dependencies are the mount's
            following.extend(sorted(forward.get(current, ())))
        for callee in following:
            if callee not in seen:
                seen.add(callee)
                pending.append(callee)
    return seen


def _locate_findings(
    project: Project, diagnostics: list[Diagnostic]
) -> tuple[dict[str, list[tuple[Diagnostic, str | None]]], dict[tuple[str, int, int], str]]:
    """Diagnostics by the function they sit in (at one of its calls or on its ``def`` line),
    each with the function it needs to be on a route's path too: a finding on a route's ``def``
    line that explains itself by a chain elsewhere (FAS106: a dependency that blocks) counts
    for the mounts of the route that run that dependency. Also the function of each place (a
    ``def`` line or a call), by place: where a chain's hops are."""
    spots: dict[tuple[str, int, int], str] = {}
    definitions: set[tuple[str, int, int]] = set()
    for located in project.all_functions():
        path = located.module.path
        definition = (path, located.function.span.line, located.function.span.col)
        spots[definition] = located.function.path
        definitions.add(definition)
        for site in located.function.calls:
            spots.setdefault((path, site.span.line, site.span.col), located.function.path)
    found: dict[str, list[tuple[Diagnostic, str | None]]] = {}
    for diagnostic in diagnostics:
        spot = (diagnostic.path, diagnostic.span.line, diagnostic.span.col)
        function = spots.get(spot)
        needs = None
        if spot in definitions and diagnostic.chain:
            hop = diagnostic.chain[0]
            needs = spots.get((hop.path, hop.line, hop.col))
        if function is not None:
            found.setdefault(function, []).append((diagnostic, needs))
    return found, spots
