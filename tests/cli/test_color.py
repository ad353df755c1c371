"""Colour only where it is asked for, as Ruff decides it: ``--color auto`` (the default) colours a
terminal, never a pipe, and follows ``NO_COLOR`` and ``FORCE_COLOR``; ``--color always`` and
``--color never`` overrule the environment; a report written to a file (``-o``) is never
coloured. The summary and notes on stderr are plain text everywhere.

Through real processes: a pipe is a pipe, and a terminal is a pseudo-terminal (``pty``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROUTE

ANSI = re.compile(r"\x1b\[[0-9;]*m")
pty = pytest.importorskip("pty")

LONG_PATH = "/" + "/".join(f"segment{i}" for i in range(30))  # a route path of 270 characters


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    (tmp_path / "app.py").write_text(ROUTE.replace('"/slow"', f'"{LONG_PATH}"'))
    return tmp_path


def _env(**given: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    env.update({"TERM": "xterm-256color", "COLUMNS": "200", **given})
    return env


def piped(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fastapi_lint", *args], cwd=project, capture_output=True,
                          text=True, env=_env(**env), timeout=120, check=False)


def on_a_terminal(project: Path, *args: str, **env: str) -> str:
    """What the command writes to standard output when that is a terminal (stderr: a pipe)."""
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "fastapi_lint", *args], cwd=project, stdout=follower,
                              stderr=subprocess.PIPE, env=_env(**env), timeout=120, check=False)
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed and everything was read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert done.returncode in (0, 1), done.stderr
    return b"".join(chunks).decode("utf-8", "replace")


# -- check ----------------------------------------------------------------------------------


def test_a_terminal_is_coloured_unless_no_color_or_never(project: Path) -> None:
    assert ANSI.search(on_a_terminal(project, "app.py", "--no-cache"))
    assert not ANSI.search(on_a_terminal(project, "app.py", "--no-cache", NO_COLOR="1"))
    assert not ANSI.search(on_a_terminal(project, "app.py", "--no-cache", "--color", "never"))
    assert not ANSI.search(on_a_terminal(project, "app.py", "--no-cache", TERM="dumb"))


def test_a_pipe_is_plain_unless_asked(project: Path) -> None:
    plain = piped(project, "app.py", "--no-cache")
    assert "FAS101" in plain.stdout and not ANSI.search(plain.stdout)
    forced = piped(project, "app.py", "--no-cache", FORCE_COLOR="1")
    assert ANSI.search(forced.stdout)
    assert ANSI.sub("", forced.stdout) == plain.stdout  # the same report, only styled
    assert ANSI.search(piped(project, "app.py", "--no-cache", "--color", "always").stdout)
    assert ANSI.search(piped(project, "app.py", "--no-cache", "--color", "always", NO_COLOR="1").stdout)  # the flag wins
    assert not ANSI.search(piped(project, "app.py", "--no-cache", "--color", "never", FORCE_COLOR="1").stdout)
    assert not ANSI.search(piped(project, "app.py", "--no-cache", FORCE_COLOR="1", NO_COLOR="1").stdout)


@pytest.mark.parametrize("args", [[], ["--color", "always"]], ids=["FORCE_COLOR", "always"])
def test_a_report_file_is_never_coloured(project: Path, args: list[str]) -> None:
    done = piped(project, "app.py", "--no-cache", "-o", "report.txt", *args, FORCE_COLOR="1")
    report = (project / "report.txt").read_text()
    assert done.returncode == 1 and "FAS101" in report and not ANSI.search(report)
    assert done.stdout == ""


def test_stderr_is_plain_text_even_when_colour_is_forced(project: Path) -> None:
    done = piped(project, "app.py", "--no-cache", "--color", "always", FORCE_COLOR="1")
    assert "Checked 1 file" in done.stderr and not ANSI.search(done.stderr)


def test_machine_formats_are_never_coloured(project: Path) -> None:
    for output_format in ("concise", "json", "sarif", "github", "gitlab", "junit"):
        done = piped(project, "app.py", "--no-cache", "--format", output_format, "--color", "always", FORCE_COLOR="1")
        assert done.stdout and not ANSI.search(done.stdout), output_format


def test_color_takes_only_its_three_values(project: Path) -> None:
    done = piped(project, "app.py", "--color", "sometimes")
    assert done.returncode == 2 and "'sometimes' is not one of 'auto', 'always', 'never'" in done.stderr
    assert "Traceback" not in done.stderr


# -- routes, rules, explain -------------------------------------------------------------------


def test_the_route_table_in_a_pipe_or_file_is_plain_and_unfolded(project: Path) -> None:
    done = piped(project, "routes", ".")
    assert not ANSI.search(done.stdout)
    (row,) = [line for line in done.stdout.splitlines() if line.startswith("GET")]
    assert LONG_PATH in row  # the whole path on its row, not folded at some width
    assert ANSI.search(piped(project, "routes", ".", FORCE_COLOR="1").stdout)
    piped(project, "routes", ".", "-o", "routes.txt", FORCE_COLOR="1")
    table = (project / "routes.txt").read_text()
    assert LONG_PATH in table and not ANSI.search(table)


def test_the_route_table_on_a_terminal_is_coloured(project: Path) -> None:
    assert ANSI.search(on_a_terminal(project, "routes", "."))
    assert not ANSI.search(on_a_terminal(project, "routes", ".", "--color", "never"))


def test_rules_header_is_bold_only_when_colour_is_on(project: Path) -> None:
    assert not ANSI.search(piped(project, "rules").stdout)
    assert piped(project, "rules", "--color", "always").stdout.startswith("\x1b[1mCode")
    assert piped(project, "rules", FORCE_COLOR="1").stdout.startswith("\x1b[1mCode")
    assert ANSI.search(on_a_terminal(project, "rules"))
    assert not ANSI.search(on_a_terminal(project, "rules", NO_COLOR="1"))


def test_explain_renders_markdown_only_when_colour_is_on(project: Path) -> None:
    plain = piped(project, "explain", "FAS101").stdout
    assert plain.startswith("FAS101 (blocking-call-in-async)\n===") and not ANSI.search(plain)
    assert ANSI.search(piped(project, "explain", "FAS101", "--color", "always").stdout)
    assert not ANSI.search(on_a_terminal(project, "explain", "FAS101", "--color", "never"))
