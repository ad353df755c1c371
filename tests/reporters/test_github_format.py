"""``--format github``: workflow commands GitHub Actions turns into annotations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fastapi_lint import cli
from fastapi_lint.diagnostics import Diagnostic, Severity, Span
from fastapi_lint.reporters import github
from tests.helpers import ROUTE
from tests.helpers import cli_runner as _runner


COMMAND = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")


def diagnostic(severity: Severity = Severity.ERROR, message: str = "m", path: str = "app.py",
               help: str | None = None) -> Diagnostic:
    return Diagnostic("FAS101", "blocking-call-in-async", severity, message, path, Span(9, 4, 10, 17), help=help)


def test_one_command_per_finding_with_1_based_positions() -> None:
    line = github.line(diagnostic())
    assert line == (
        "::error file=app.py,line=9,col=5,endLine=10,endColumn=18,title=FAS101 blocking-call-in-async::m\n"
    )


@pytest.mark.parametrize(("severity", "command"), [
    (Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "notice"),
])
def test_levels_follow_the_severity(severity: Severity, command: str) -> None:
    assert github.line(diagnostic(severity)).startswith(f"::{command} ")


def test_message_escaping() -> None:
    line = github.line(diagnostic(message="100% done\r\nnext: a, b", help="use x"))
    message = COMMAND.match(line.rstrip("\n")).group("message")  # type: ignore[union-attr]
    assert message == "100%25 done%0D%0Anext: a, b%0Ahelp: use x"
    assert "\n" not in line.rstrip("\n") and "\r" not in line


def test_property_escaping() -> None:
    line = github.line(diagnostic(path="we:ird,dir/100%.py"))
    props = COMMAND.match(line.rstrip("\n")).group("props")  # type: ignore[union-attr]
    assert "file=we%3Aird%2Cdir/100%25.py," in props
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert github.escape_data("a:b,c%\r") == "a:b,c%25%0D"


def test_cli_github_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app.py").write_text(ROUTE)
    monkeypatch.chdir(tmp_path)
    result = _runner().invoke(cli.main, ["app.py", "--format", "github", "-q", "--select", "FAS101"],
                              catch_exceptions=False)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "::error file=app.py,line=9,col=5,endLine=9,endColumn=18,title=FAS101 blocking-call-in-async::"
        "`time.sleep` blocks the event loop"
    )
    assert "%0Ahelp: " in lines[0]
