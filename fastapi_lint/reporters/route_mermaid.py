"""``fastapi-lint routes --format mermaid``: the route map as a Mermaid flowchart.

GitHub and GitLab draw it in a Markdown ```` ```mermaid ```` block. Routes are boxes inside
their router, inside the app that serves them; a dependency is one node however many routes
use it (FastAPI runs it once per request, and sharing is what the picture is for); each
finding hangs off the function of the route's path it sits in (the handler, a dependency or
a helper the route runs), and its chain continues from it, hop by hop, to the blocking call.

Everything shown comes from the linted repository, so no label is trusted: a label is
always a quoted string in which every character that Mermaid, Markdown or HTML could read
(quotes, ``#``, ``<``, ``&``, backquotes, ``%``, anything beyond ASCII) is written as Mermaid's
numeric entity code (``#34;``), and node ids are made here (``r0``, ``d3``), never taken from
a name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TextIO

from fastapi_lint.reporters.route_shape import DependencyLike, FindingLike, RowLike, short_path
from fastapi_lint.reporters.text import clean

# Characters written as they are inside a quoted label; every other one becomes ``#NNN;``.
_PLAIN = re.compile(r"[A-Za-z0-9 .,:;_/()\[\]{}|*+=!?@$^~'-]")

_STYLES = (
    "classDef async fill:#e8f5e9,stroke:#2e7d32,color:#1b5e20",
    "classDef sync fill:#fff3e0,stroke:#ef6c00,color:#e65100",
    "classDef error fill:#ffebee,stroke:#c62828,color:#b71c1c",
    "classDef warning fill:#fffde7,stroke:#f9a825,color:#795548",
    "classDef info fill:#e3f2fd,stroke:#1565c0,color:#0d47a1",
    "classDef hop fill:#fafafa,stroke:#9e9e9e,color:#424242",
)
_EDGE_COLOUR = {"error": "#c62828", "warning": "#f9a825", "info": "#1565c0"}


def label(*lines: str) -> str:
    """A quoted Mermaid label of these lines; safe whatever they hold."""
    return '"' + "<br/>".join(_escape(line) for line in lines) + '"'


def _escape(text: str) -> str:
    # ``clean``: control and bidi characters as visible symbols, lone surrogates as U+FFFD.
    return "".join(char if _PLAIN.fullmatch(char) else f"#{ord(char)};" for char in clean(text))


class _Chart:
    def __init__(self) -> None:
        self.lines: list[str] = ["flowchart LR"]
        self.ids: dict[tuple[str, ...], str] = {}
        self.counters: dict[str, int] = {}
        self.edges: list[str] = []
        self.seen_edges: set[tuple[str, str]] = set()
        self.edge_styles: dict[str, list[int]] = {}

    def node_id(self, prefix: str, key: tuple[str, ...]) -> tuple[str, bool]:
        """The id of the node ``key`` names, and whether it is new."""
        full = (prefix, *key)
        if full in self.ids:
            return self.ids[full], False
        number = self.counters.get(prefix, 0)
        self.counters[prefix] = number + 1
        self.ids[full] = node = f"{prefix}{number}"
        return node, True

    def edge(self, start: str, end: str, arrow: str = "-->", severity: str | None = None) -> None:
        if (start, end) in self.seen_edges:
            return
        self.seen_edges.add((start, end))
        if severity is not None:
            self.edge_styles.setdefault(severity, []).append(len(self.edges))
        self.edges.append(f"  {start} {arrow} {end}")


def report(rows: Sequence[RowLike], stream: TextIO) -> None:
    chart = _Chart()
    nodes: list[str] = []
    routes: list[tuple[RowLike, str]] = []
    groups: dict[str, dict[str, list[RowLike]]] = {}
    for row in rows:
        groups.setdefault(row.app or "", {}).setdefault(row.router or "", []).append(row)
    for app_index, (app, routers) in enumerate(groups.items()):
        chart.lines.append(f"  subgraph a{app_index}[{label('app ' + (app or '(no app found)'))}]")
        for router_index, (router, members) in enumerate(routers.items()):
            inner = router and router != app
            if inner:
                chart.lines.append(f"    subgraph a{app_index}g{router_index}[{label('router ' + router)}]")
            for row in members:
                route, _ = chart.node_id("r", (str(len(routes)),))
                routes.append((row, route))
                kind = "async" if row.is_async else "sync"
                how = f"{kind}, threadpool" if row.threadpool else kind
                text = label(f"{','.join(row.methods)} {row.path}", f"{_function(row.handler)}, {how}")
                chart.lines.append(f"{'      ' if inner else '    '}{route}[{text}]:::{kind}")
            if inner:
                chart.lines.append("    end")
        chart.lines.append("  end")
    for row, route in routes:
        _dependencies(chart, nodes, route, row.dependencies)
    for row, route in routes:
        for finding in row.diagnostics:
            _finding(chart, nodes, row, route, finding)
    chart.lines[1:1] = [f"  {style}" for style in _STYLES]
    chart.lines.extend(nodes)
    chart.lines.extend(chart.edges)
    for severity, indexes in sorted(chart.edge_styles.items()):
        chart.lines.append(f"  linkStyle {','.join(map(str, indexes))} stroke:{_EDGE_COLOUR.get(severity, '#9e9e9e')},stroke-width:2px")
    stream.write("\n".join(chart.lines) + "\n")


def _function(name: str) -> str:
    """``module:function`` without its module: the router box already says where it is."""
    return name.rpartition(":")[2] or name


def _dependencies(chart: _Chart, nodes: list[str], parent: str, dependencies: tuple[DependencyLike, ...]) -> None:
    for dependency in dependencies:
        node = _function_node(chart, nodes, dependency.name, dependency.is_async)
        chart.edge(parent, node)
        _dependencies(chart, nodes, node, dependency.children)


def _function_node(chart: _Chart, nodes: list[str], name: str, is_async: bool | None) -> str:
    node, new = chart.node_id("d", (name,))
    if new:
        kind = "" if is_async is None else (", async" if is_async else ", sync")
        style = "" if is_async is None else (":::async" if is_async else ":::sync")
        nodes.append(f"  {node}([{label(name + kind)}]){style}")
    return node


def _finding(chart: _Chart, nodes: list[str], row: RowLike, route: str, finding: FindingLike) -> None:
    if finding.function == row.handler:
        owner = route
    else:
        # A dependency of the route has its node already; a helper the route runs gets one.
        known = ("d", finding.function) in chart.ids
        owner = _function_node(chart, nodes, finding.function, None)
        if not known:
            chart.edge(route, owner, "-.->")
    node, new = chart.node_id("f", (finding.code, finding.path, str(finding.line), str(finding.column)))
    if new:
        text = label(f"{finding.code} {finding.name}", f"{short_path(finding.path)}:{finding.line}")
        nodes.append(f"  {node}{{{{{text}}}}}:::{_severity_class(finding.severity)}")
    chart.edge(owner, node, "-->", finding.severity)
    previous, where = node, finding.function
    for step in finding.chain:
        if step.function is not None and step.function != where:
            # The chain enters another function: through its node, a dependency's shared one.
            entered = _function_node(chart, nodes, step.function, None)
            chart.edge(previous, entered, "-->", finding.severity)
            previous, where = entered, step.function
        hop, new = chart.node_id("h", (step.path, str(step.line), str(step.column), step.text))
        if new:
            nodes.append(f"  {hop}[{label(step.text, f'{short_path(step.path)}:{step.line}')}]:::hop")
        chart.edge(previous, hop, "-->", finding.severity)
        previous = hop


def _severity_class(severity: str) -> str:
    return severity if severity in _EDGE_COLOUR else "info"
