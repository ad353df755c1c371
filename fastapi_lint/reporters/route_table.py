"""``fastapi-lint routes``: the route map as a table (rich) or JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from fastapi_lint.reporters.route_shape import DependencyLike, RowLike

if TYPE_CHECKING:
    from rich.text import Text


def as_json(rows: Sequence[Mapping[str, Any]], stream: TextIO) -> None:
    """The rows as the Api gives them as data (``api.route_map_data``), one JSON object each."""
    json.dump(rows, stream, indent=2)
    stream.write("\n")


def as_table(rows: Sequence[RowLike], stream: TextIO, color: bool = False, terminal: bool = False) -> None:
    """The route map as aligned columns; red and yellow rows with ``color``. On a ``terminal``
    long cells fold to fit its width (at least 160 columns); elsewhere (a pipe, a file) nothing
    folds: each line is as long as its cells, so that ``grep`` and ``less -S`` see whole words."""
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("Method", "Path", "Handler", "Kind", "Threadpool", "Dependencies", "Findings"):
        table.add_column(column, overflow="fold")
    for row in rows:
        findings = ", ".join(f"{code}×{count}" if count > 1 else code for code, count in row.findings.items())
        table.add_row(
            _cell(",".join(row.methods)),
            _cell(row.path),
            _cell(row.handler),
            _cell("async" if row.is_async else "sync"),
            _cell("yes" if row.threadpool else "no"),
            _cell(*_tree_lines(row.dependencies)),
            _cell(findings or "-"),
            style="red" if row.errors else ("yellow" if row.warnings else None),
        )
    width = max(160, Console(file=stream, force_terminal=True).width) if terminal else _UNFOLDED
    console = Console(file=stream, highlight=False, width=width, force_terminal=color,
                      color_system="standard" if color else None)
    console.print(table)


# Wider than any line a route map has: rich sizes the table to its cells, and folds nothing.
_UNFOLDED = 1_000_000


def _cell(*lines: str) -> Text:
    """Lines of a cell as the project wrote them, safe on a terminal: control characters made
    visible (a route path is any string a repository likes: ``\\x1b]...``), and never read as
    rich markup (``[link=...]`` would become a hyperlink)."""
    from rich.text import Text

    from fastapi_lint.reporters.text import clean

    return Text("\n".join(clean(line) for line in lines) or "-")


def _tree_lines(nodes: tuple[DependencyLike, ...], depth: int = 0) -> list[str]:
    lines: list[str] = []
    for node in nodes:
        kind = "async" if node.is_async else "sync"
        lines.append(f"{'  ' * depth}{node.name} ({kind}{', listed above' if node.listed_above else ''})")
        lines.extend(_tree_lines(node.children, depth + 1))
    return lines
