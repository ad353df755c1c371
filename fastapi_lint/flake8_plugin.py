"""flake8 entry point: ``flake8 --select FAS``.

flake8 hands a plugin one file at a time, so this runs both phases on that
file alone: what a rule needs from other modules (a dependency defined
elsewhere, a client built in another file) is unknown here, and the
finding is not reported (say less rather than guess). flake8 applies its own
``# noqa``, ``--extend-ignore`` and ``per-file-ignores``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi_lint import __version__


class Plugin:
    name = "fastapi-lint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        from fastapi_lint.config import Config
        from fastapi_lint.engine import check_project, summarize_file
        from fastapi_lint.diagnostics import Diagnostic

        data = "".join(self.lines).encode("utf-8")
        outcome = summarize_file(Path(self.filename), self.filename, data=data)
        if isinstance(outcome, Diagnostic):
            return  # flake8 reports syntax errors itself (E999)
        # flake8 chooses codes with --select/--ignore; give it every rule.
        for d in check_project([outcome], Config(select=("ALL",))).diagnostics:
            yield d.span.line, d.span.col, f"{d.code} {d.message}", type(self)
