"""The formats of ``fastapi-lint routes``: each writes the route map's rows to a stream."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO

from fastapi_lint.reporters.route_shape import RowLike

ROUTE_FORMATS = ("text", "json", "mermaid", "html")


def get(name: str) -> Callable[[Sequence[RowLike], TextIO], None]:
    if name == "mermaid":
        from fastapi_lint.reporters.route_mermaid import report
    elif name == "html":
        from fastapi_lint.reporters.route_html import report
    else:  # pragma: no cover - click restricts the choices; text and json take the rows' own type
        raise ValueError(name)
    return report
