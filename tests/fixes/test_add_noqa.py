"""``--add-noqa``: silence every current finding with a ``# noqa`` comment, once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fastapi_lint import cli
from fastapi_lint.api import lint_source
from fastapi_lint.fixes.add_noqa import add_noqa_comments
from tests.helpers import cli_runner as _runner

HEAD = """\
import time
from fastapi import FastAPI

app = FastAPI()


@app.get("/slow")
async def slow():
"""


def add(body: str) -> tuple[str, int, int]:
    source = HEAD + body
    new, added, missed = add_noqa_comments(source, lint_source(source, "app.py"))
    return new, added, len(missed)


def test_appends_a_comment() -> None:
    new, added, missed = add("    time.sleep(1)\n    return {}\n")
    assert "    time.sleep(1)  # noqa: FAS101\n" in new
    assert (added, missed) == (1, 0)
    assert lint_source(new, "app.py") == []


def test_merges_with_an_existing_noqa_without_duplicating() -> None:
    new, added, _ = add("    time.sleep(1)  # noqa: E501\n    return {}\n")
    assert "    time.sleep(1)  # noqa: E501, FAS101\n" in new
    assert added == 1
    again, added_again, _ = add_noqa_comments(new, lint_source(new, "app.py"))
    assert (again, added_again) == (new, 0)


def test_keeps_another_comment_and_the_codes_once_per_line() -> None:
    new, added, _ = add("    time.sleep(1); time.sleep(2)  # slow on purpose\n    return {}\n")
    assert "    time.sleep(1); time.sleep(2)  # slow on purpose  # noqa: FAS101\n" in new
    assert added == 1
    assert lint_source(new, "app.py") == []


def test_multi_line_node_gets_the_comment_on_its_first_line() -> None:
    new, added, _ = add("    time.sleep(\n        1,\n    )\n    return {}\n")
    assert "    time.sleep(  # noqa: FAS101\n        1,\n    )\n" in new
    assert added == 1
    assert lint_source(new, "app.py") == []


def test_never_inside_a_string() -> None:
    body = '    time.sleep(len("""\n    """))\n    return {}\n'
    new, added, missed = add(body)
    assert new == HEAD + body, "the first line ends inside a string: nothing to add there"
    assert (added, missed) == (0, 1)
    ast.parse(new)


def test_a_noqa_inside_a_string_is_not_merged_with() -> None:
    new, added, _ = add('    time.sleep(1); x = "# noqa: E501"\n    return {}\n')
    assert new.count("# noqa") == 2
    assert '    time.sleep(1); x = "# noqa: E501"  # noqa: FAS101\n' in new
    assert added == 1


def test_line_endings_are_kept() -> None:
    source = (HEAD + "    time.sleep(1)\n    return {}\n").replace("\n", "\r\n")
    new, added, _ = add_noqa_comments(source, lint_source(source, "app.py"))
    assert "    time.sleep(1)  # noqa: FAS101\r\n" in new
    assert new.count("\r\n") == source.count("\r\n") and "\n" not in new.replace("\r\n", "")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(HEAD + "    time.sleep(1)  # noqa: E501\n    return {}\n")
    (tmp_path / "other.py").write_text(HEAD + "    time.sleep(\n        1)\n    time.sleep(2)\n")
    (tmp_path / "clean.py").write_text("x = 1\n")
    return tmp_path


def test_cli_adds_then_changes_nothing(project: Path) -> None:
    result = _runner().invoke(cli.main, [".", "--add-noqa", "--no-cache"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "Added 3 noqa directives in 2 files" in result.stderr
    assert result.stdout == ""
    first = {p.name: p.read_text() for p in project.glob("*.py")}
    assert "time.sleep(1)  # noqa: E501, FAS101\n" in first["app.py"]
    assert "time.sleep(  # noqa: FAS101\n" in first["other.py"]
    assert first["clean.py"] == "x = 1\n"
    for text in first.values():
        ast.parse(text)
    again = _runner().invoke(cli.main, [".", "--add-noqa", "--no-cache"], catch_exceptions=False)
    assert again.exit_code == 0
    assert "Added 0 noqa directives" in again.stderr
    assert {p.name: p.read_text() for p in project.glob("*.py")} == first
    assert _runner().invoke(cli.main, [".", "-q", "--no-cache"]).exit_code == 0


def test_cli_refuses_add_noqa_with_fix(project: Path) -> None:
    result = _runner().invoke(cli.main, [".", "--add-noqa", "--fix"])
    assert result.exit_code == 2
    assert "--add-noqa cannot be combined" in result.stderr
