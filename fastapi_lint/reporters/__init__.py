"""Output formats. Each reporter writes findings to a stream; ``text`` imports rich lazily."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from fastapi_lint.diagnostics import Diagnostic

Reporter = Callable[[list[Diagnostic], TextIO, dict[str, list[str]]], None]

FORMATS = ("text", "concise", "json", "sarif", "github")


def get(name: str) -> Reporter:
    if name == "text":
        from fastapi_lint.reporters.text import report
    elif name == "concise":
        from fastapi_lint.reporters.concise import report
    elif name == "json":
        from fastapi_lint.reporters.json import report
    elif name == "sarif":
        from fastapi_lint.reporters.sarif import report
    elif name == "github":
        from fastapi_lint.reporters.github import report
    else:  # pragma: no cover - click restricts the choices
        raise ValueError(name)
    return report
