"""Which binding of a local bound several ways reaches each use (analysis/extract/reaching.py)."""
from __future__ import annotations

import ast
import sys

import pytest

from fastapi_lint.analysis.extract.reaching import reaching_bindings


def _reaching(source: str) -> dict[int, str]:
    """Line of each use of ``x`` -> the sources of the values that may reach it."""
    body = ast.parse(source).body
    found = reaching_bindings(body, {"x"})
    uses = [node for node in ast.walk(ast.Module(body=body, type_ignores=[]))
            if isinstance(node, ast.Name) and node.id == "x" and isinstance(node.ctx, ast.Load)]
    return {use.lineno: " | ".join(ast.unparse(value) for value in found[id(use)]) for use in uses if id(use) in found}


def test_a_branch_sees_its_own_binding_and_after_the_branches_either() -> None:
    assert _reaching(
        "if a:\n"
        "    x = A()\n"
        "    x.run()\n"
        "else:\n"
        "    x = B()\n"
        "    x.run()\n"
        "x.run()\n"
    ) == {3: "A()", 6: "B()", 7: "A() | B()"}


def test_a_binding_above_a_branch_reaches_into_it_unless_the_branch_rebinds() -> None:
    assert _reaching(
        "x = A()\n"
        "if a:\n"
        "    x.run()\n"
        "    x = B()\n"
        "    x.run()\n"
        "x.run()\n"
    ) == {3: "A()", 5: "B()", 6: "B() | A()"}


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


def test_any_binding_reaches_not_only_a_construction() -> None:
    # Which of them narrow a call's callee (a construction) is the resolver's choice.
    assert _reaching(
        "if a:\n"
        "    x = Drive()\n"
        "    x.run()\n"
        "    x = x.refreshed()\n"
        "    x.run()\n"
    ) == {3: "Drive()", 4: "Drive()", 5: "x.refreshed()"}


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match statements need Python 3.10")
def test_a_branch_that_leaves_adds_nothing_after_the_statement() -> None:
    assert _reaching(
        "match kind:\n"
        "    case 'get':\n"
        "        x = get_handler()\n"
        "    case 'post':\n"
        "        x = post_handler()\n"
        "    case _:\n"
        "        raise ValueError(kind)\n"
        "register(x)\n"
    ) == {8: "get_handler() | post_handler()"}


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match statements need Python 3.10")
def test_a_match_without_a_catch_all_may_run_no_case() -> None:
    assert _reaching(
        "x = default()\n"
        "match kind:\n"
        "    case 'get':\n"
        "        x = get_handler()\n"
        "register(x)\n"
    ) == {5: "get_handler() | default()"}


def test_a_name_one_branch_leaves_unbound_is_unknown_after() -> None:
    assert _reaching(
        "if a:\n"
        "    x = A()\n"
        "elif b:\n"
        "    return\n"
        "else:\n"
        "    log()\n"
        "x.run()\n"
    ) == {}
