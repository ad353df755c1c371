"""``--stdin-filename NAME`` with the path ``-``: lint standard input as if it were NAME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_lint import cli
from tests.helpers import DEPS, ITEMS, ROUTE
from tests.helpers import cli_runner as _runner

def invoke(source: str, *args: str):  # type: ignore[no-untyped-def]
    return _runner().invoke(cli.main, list(args), input=source.encode("utf-8"), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_stdin_is_reported_under_the_given_name(project: Path) -> None:
    result = invoke(ROUTE, "-", "--stdin-filename", "app/main.py", "--format", "concise", "-q")
    assert result.exit_code == 1
    assert result.stdout.startswith("app/main.py:9:5: FAS101 ")
    assert not (project / ".fastapi_lint_cache").exists(), "standard input is never cached"


def test_no_path_with_stdin_filename_reads_stdin(project: Path) -> None:
    result = invoke(ROUTE, "--stdin-filename", "x.py", "--format", "json", "-q")
    assert result.exit_code == 1
    assert [f["path"] for f in json.loads(result.stdout)] == ["x.py"]


def test_the_configuration_is_found_from_the_name(project: Path) -> None:
    service = project / "service"
    service.mkdir()
    (service / "pyproject.toml").write_text('[tool.fastapi-lint]\nper-file-ignores = { "legacy/*" = ["FAS101"] }\n')
    ignored = invoke(ROUTE, "-", "--stdin-filename", "service/legacy/old.py", "--format", "concise", "-q")
    assert ignored.exit_code == 0 and ignored.stdout == ""
    reported = invoke(ROUTE, "-", "--stdin-filename", "service/new.py", "--format", "concise", "-q")
    assert reported.exit_code == 1 and "FAS101" in reported.stdout


def test_fix_prints_the_fixed_source(project: Path) -> None:
    result = invoke(ROUTE, "-", "--stdin-filename", "app.py", "--fix")
    assert result.exit_code == 0
    assert result.stdout.startswith("import asyncio\n")
    assert "    await asyncio.sleep(1)\n" in result.stdout
    assert "Fixed 1 finding (0 remaining)" in result.stderr
    assert not (project / "app.py").exists(), "nothing is written"


def test_fix_with_nothing_to_fix_echoes_the_source(project: Path) -> None:
    source = "x = 1\n"
    result = invoke(source, "-", "--stdin-filename", "app.py", "--fix", "-q")
    assert result.exit_code == 0
    assert result.stdout == source


def test_diff_from_stdin(project: Path) -> None:
    result = invoke(ROUTE, "-", "--stdin-filename", "app.py", "--diff")
    assert result.exit_code == 1
    assert "+    await asyncio.sleep(1)\n" in result.stdout and result.stdout.startswith("--- app.py")


def test_syntax_error_on_stdin(project: Path) -> None:
    result = invoke("def broken(:\n", "-", "--stdin-filename", "bad.py", "--format", "concise", "-q")
    assert result.exit_code == 1
    assert result.stdout.startswith("bad.py:1:") and "FAS900" in result.stdout


def test_dash_cannot_be_mixed_with_paths(project: Path) -> None:
    (project / "a.py").write_text("x = 1\n")
    result = invoke("", "-", "a.py")
    assert result.exit_code == 2
    assert "standard input" in result.stderr
    result = invoke("", "a.py", "--stdin-filename", "x.py")
    assert result.exit_code == 2


def test_stdin_through_a_real_process(project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    done = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "-", "--stdin-filename", "pkg/app.py", "--format", "github"],
        input=ROUTE, capture_output=True, text=True, cwd=project, env=env, timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("::error file=pkg/app.py,line=9,col=5,")


def test_stdin_is_linked_with_its_package_in_place_of_the_file(project: Path) -> None:
    """Cross-module rules see the rest of the package; the text on disk is not what is linted."""
    app = project / "app"
    (app / "routers").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "routers" / "__init__.py").write_text("")
    (app / "deps.py").write_text(DEPS)
    (app / "routers" / "items.py").write_text("")  # not saved yet: the editor has the text
    result = invoke(ITEMS, "-", "--stdin-filename", "app/routers/items.py", "--format", "concise", "-q")
    assert result.exit_code == 1
    assert result.stdout.startswith("app/routers/items.py:10:12: FAS102 ")
    assert "read_items -> " in result.stdout
    # The text from standard input never reaches the cache: the file on disk is still empty.
    on_disk = _runner().invoke(cli.main, ["app", "--format", "concise", "-q"], catch_exceptions=False)
    assert (on_disk.exit_code, on_disk.stdout) == (0, "")


# A latin-1 file: its coding cookie, and a character before the blocking call that is one byte in
# latin-1 and two in UTF-8.
LATIN1 = "# -*- coding: latin-1 -*-\nimport time\n\n\nasync def f():\n    x = '\xe9'; time.sleep(1)  # caf\xe9\n"


def test_stdin_is_read_and_fixed_in_its_own_encoding(project: Path) -> None:
    """The bytes given are linted as they are (their cookie decides), and ``--fix`` gives the
    text back in the encoding it came in, not UTF-8."""
    data = LATIN1.encode("latin-1")
    found = _runner().invoke(cli.main, ["-", "--stdin-filename", "latin.py", "--select", "FAS101", "--format", "json"],
                             input=data, catch_exceptions=False)
    assert [f["column"] for f in json.loads(found.stdout)] == [LATIN1.splitlines()[5].index("time.sleep") + 1]
    fixed = _runner().invoke(cli.main, ["-", "--stdin-filename", "latin.py", "--select", "FAS101", "--fix"],
                             input=data, catch_exceptions=False)
    assert fixed.exit_code == 0, fixed.stderr
    assert fixed.stdout_bytes.endswith("    x = '\xe9'; await asyncio.sleep(1)  # caf\xe9\n".encode("latin-1"))
    assert "Fixed 1 finding (0 remaining)" in fixed.stderr
