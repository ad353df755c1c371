"""The route map: every route of every app with how FastAPI runs it and what stalls it.

For each route: its methods and full path (router prefixes joined through
``include_router``), its handler, whether it is async, its dependency tree
with each dependency's kind, whether a request needs the threadpool, and the
findings on its request path (the handler, its dependencies and everything
they run).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.facts import Ref, Value
from fastapi_lint.analysis.fastapi_model import FastAPIModel, Route
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

    def sort_key(self) -> tuple[int, int, int, str, str]:
        return (-self.errors, -self.warnings, -sum(self.findings.values()), self.path, ",".join(self.methods))


def build_rows(project: Project, model: FastAPIModel, graph: CallGraph, diagnostics: list[Diagnostic]) -> list[RouteRow]:
    prefixes = _Prefixes(project)
    forward: dict[str, set[str]] = {}
    for dependency, dependents in model.dependents.items():
        for dependent in dependents:
            forward.setdefault(dependent, set()).add(dependency)
    where = _locate_findings(project, diagnostics)
    rows: list[RouteRow] = []
    for route in model.routes:
        handler = route.handler.function
        tree = _dependency_tree(project, forward, handler.path)
        reach = _reachable(graph, forward, handler.path)
        found = [d for function in reach for d in where.get(function, [])]
        counts = Counter(d.code for d in found)
        rows.append(
            RouteRow(
                methods=route.methods,
                path=prefixes.full_path(route),
                handler=_display(project, handler.path),
                is_async=handler.is_async,
                dependencies=tree,
                threadpool=not handler.is_async or _any_sync(tree),
                findings=dict(sorted(counts.items())),
                errors=sum(1 for d in found if d.severity is Severity.ERROR),
                warnings=sum(1 for d in found if d.severity is Severity.WARNING),
            )
        )
    rows.sort(key=RouteRow.sort_key)
    return rows


def _display(project: Project, path: str) -> str:
    located = project.function(path)
    if located is None:
        return path
    module = located.module.module
    return f"{module}:{path[len(module) + 1:]}" if path.startswith(module + ".") else path


def _dependency_tree(project: Project, forward: dict[str, set[str]], handler: str) -> tuple[DependencyNode, ...]:
    """The handler's dependencies, depth first in name order. A dependency is listed with its
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

    return tuple(node(dependency) for dependency in sorted(forward.get(handler, ())))


def _any_sync(nodes: tuple[DependencyNode, ...]) -> bool:
    return any(not node.is_async or _any_sync(node.children) for node in nodes)


def _reachable(graph: CallGraph, forward: dict[str, set[str]], start: str) -> set[str]:
    seen = {start}
    pending = [start]
    while pending:
        current = pending.pop()
        following = [callee for _, callee in graph.runs(current)] + sorted(forward.get(current, ()))
        for callee in following:
            if callee not in seen:
                seen.add(callee)
                pending.append(callee)
    return seen


def _locate_findings(project: Project, diagnostics: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    """Diagnostics by the function they sit in: at one of its calls or on its ``def`` line."""
    spots: dict[tuple[str, int, int], str] = {}
    for located in project.all_functions():
        path = located.module.path
        spots[(path, located.function.span.line, located.function.span.col)] = located.function.path
        for site in located.function.calls:
            spots.setdefault((path, site.span.line, site.span.col), located.function.path)
    found: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        function = spots.get((diagnostic.path, diagnostic.span.line, diagnostic.span.col))
        if function is not None:
            found.setdefault(function, []).append(diagnostic)
    return found


class _Prefixes:
    """Router prefixes: ``APIRouter(prefix=...)`` and ``include_router(router, prefix=...)``, joined upward."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.own: dict[str, str] = {}  # router binding -> its own prefix
        self.included: dict[str, list[tuple[str, str]]] = {}  # router -> [(parent binding, prefix)]
        for summary in project.summaries:
            for binding in summary.bindings:
                call = binding.value.call
                if call is not None and call.func is not None and call.func.path.endswith("APIRouter"):
                    self.own[f"{summary.module}.{binding.name}"] = _literal(call.kwarg("prefix"))
            for site in Project.module_and_function_calls(summary):
                if site.func is None or not site.func.path.endswith(".include_router") or not site.args:
                    continue
                router = site.args[0].ref
                if router is None:
                    continue
                parent = self.project.binding_key(Ref(site.func.path.rpartition(".")[0]))
                self.included.setdefault(self.project.binding_key(router), []).append((parent, _literal(site.kwarg("prefix"))))

    def full_path(self, route: Route) -> str:
        if route.owner is None:
            return route.path
        router = self.project.binding_key(Ref(route.owner))
        prefix = ""
        seen: set[str] = set()
        while router not in seen:
            seen.add(router)
            prefix = self.own.get(router, "") + prefix
            parents = self.included.get(router)
            if not parents:
                break
            parent, included_prefix = parents[0]
            prefix = included_prefix + prefix
            router = parent
        return (prefix + route.path) or "/"


def _literal(value: Value | None) -> str:
    return value.text if value is not None and value.kind == "str" else ""
