"""No module of the package over 500 lines unless it says why at its top.

A long module most often holds several ideas, and a reader must find the seams before they can
change one. A module that is long for a reason (a data table, one algorithm that reads best
whole) says so in the first lines of its docstring, in a line starting ``Over 500 lines:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "fastapi_lint"
LIMIT = 500
REASON = "Over 500 lines:"
FIRST_LINES = 3  # of the module docstring, where the reason must be


def lines_and_reason(file: Path) -> tuple[int, bool]:
    text = file.read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(text, str(file))) or ""
    return len(text.splitlines()), any(line.startswith(REASON) for line in docstring.splitlines()[:FIRST_LINES])


def test_no_module_over_the_limit_without_a_reason() -> None:
    found = {file.relative_to(PACKAGE).as_posix(): lines_and_reason(file) for file in sorted(PACKAGE.rglob("*.py"))}
    unexplained = [f"{name} ({lines} lines)" for name, (lines, reason) in found.items() if lines > LIMIT and not reason]
    assert not unexplained, f"split along its seams, or say why at the top ('{REASON} ...'): {unexplained}"
    stale = [f"{name} ({lines} lines)" for name, (lines, reason) in found.items() if lines <= LIMIT and reason]
    assert not stale, f"no longer over {LIMIT} lines, remove the '{REASON}' line: {stale}"


def test_the_reason_is_read_from_the_top_of_the_docstring(tmp_path: Path) -> None:
    long = "\n".join(["x = 1"] * LIMIT)
    (tmp_path / "told.py").write_text(f'"""A table.\n\n{REASON} one list of data."""\n{long}\n', encoding="utf-8")
    (tmp_path / "buried.py").write_text(f'"""A table.\n\nMore.\n\n{REASON} too late."""\n{long}\n', encoding="utf-8")
    assert lines_and_reason(tmp_path / "told.py") == (LIMIT + 3, True)
    assert lines_and_reason(tmp_path / "buried.py") == (LIMIT + 5, False)
