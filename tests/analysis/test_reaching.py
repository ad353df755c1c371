"""Which binding of a local bound several ways reaches each use (analysis/extract/reaching.py)."""
from __future__ import annotations

import ast

from fastapi_lint.analysis.extract.reaching import reaching_bindings


def _reaching(source: str) -> dict[int, str]:
    """Line of each use of ``x`` -> the source of the value that reaches it."""
    body = ast.parse(source).body
    found = reaching_bindings(body, {"x"})
    uses = [node for node in ast.walk(ast.Module(body=body, type_ignores=[]))
            if isinstance(node, ast.Name) and node.id == "x" and isinstance(node.ctx, ast.Load)]
    return {use.lineno: ast.unparse(found[id(use)]) for use in uses if id(use) in found}


def test_a_branch_sees_its_own_binding_and_after_the_branches_none() -> None:
    assert _reaching(
        "if a:\n"
        "    x = A()\n"
        "    x.run()\n"
        "else:\n"
        "    x = B()\n"
        "    x.run()\n"
        "x.run()\n"
    ) == {3: "A()", 6: "B()"}


def test_a_binding_above_a_branch_reaches_into_it_unless_the_branch_rebinds() -> None:
    assert _reaching(
        "x = A()\n"
        "if a:\n"
        "    x.run()\n"
        "    x = B()\n"
        "    x.run()\n"
        "x.run()\n"
    ) == {3: "A()", 5: "B()"}


def test_a_loop_forgets_from_its_start_what_its_body_binds() -> None:
    assert _reaching(
        "x = A()\n"
        "for i in items:\n"
        "    x.run()\n"
        "    x = B()\n"
        "x.run()\n"
    ) == {}


def test_a_handler_may_start_anywhere_in_the_try_and_the_else_after_it() -> None:
    assert _reaching(
        "x = A()\n"
        "try:\n"
        "    x.run()\n"
        "    x = B()\n"
        "    x.run()\n"
        "except E:\n"
        "    x.run()\n"
        "else:\n"
        "    x.run()\n"
    ) == {3: "A()", 5: "B()", 9: "B()"}


def test_only_a_construction_narrows_what_another_call_returns_does_not() -> None:
    assert _reaching(
        "if a:\n"
        "    x = Drive()\n"
        "    x.run()\n"
        "    x = x.refreshed()\n"
        "    x.run()\n"
    ) == {3: "Drive()", 4: "Drive()"}
