"""Bad input never gives a traceback: FAS900 at the right place, and the other files are still linted."""

from __future__ import annotations

import json
import subprocess
import os
import sys
from pathlib import Path

import pytest

from fastapi_lint import cli
from fastapi_lint.analysis.extract import summarize_file
from fastapi_lint.analysis.extract.parse import parse
from fastapi_lint.source import decode
from fastapi_lint.api import lint_paths, lint_source
from fastapi_lint.config import Config
from fastapi_lint.diagnostics import Diagnostic
from tests.helpers import _plain_environment, invoke  # noqa: F401 (_plain_environment: an autouse fixture)
from tests.helpers import cli_runner as _runner

BLOCKING = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
FAS101_ONLY = Config(select=("FAS101", "FAS900"))


def lint_bytes(tmp_path: Path, data: bytes, name: str = "m.py") -> list[tuple[str, int, int, str]]:
    """(code, line, 1-based column, message) of each finding for a file holding ``data``."""
    path = tmp_path / name
    path.write_bytes(data)
    result = lint_paths([path], FAS101_ONLY)
    return [(d.code, d.span.line, d.span.col + 1, d.message) for d in result.diagnostics]


def only(findings: list[tuple[str, int, int, str]]) -> tuple[str, int, int, str]:
    assert len(findings) == 1, findings
    return findings[0]


# -- syntax errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "col", "message"),
    [
        pytest.param(
            "x = (\n", 1, 5, "'(' was never closed",
            marks=pytest.mark.skipif(sys.version_info < (3, 10), reason="3.9's parser words it differently"),
        ),
        ("def f(:\n    pass\n", 1, 7, "invalid syntax"),
        ("x = 1\n  y = 2\n", 2, None, "unexpected indent"),
        ("if x:\npass\n", 2, 1, "expected an indented block"),
        ('s = "héllo" + )\n', 1, 15, "unmatched ')'"),  # columns count characters, not bytes
        ("async def f():\n\tif x:\n        pass\n", 3, None, "inconsistent use of tabs"),
    ],
)
def test_syntax_error_position(tmp_path: Path, source: str, line: int, col: int | None, message: str) -> None:
    code, got_line, got_col, got_message = only(lint_bytes(tmp_path, source.encode()))
    assert (code, got_line) == ("FAS900", line)
    if col is not None:
        assert got_col == col
    assert got_message.startswith("syntax error: ") and message in got_message


def test_syntax_error_does_not_stop_the_other_files(tmp_path: Path) -> None:
    (tmp_path / "a_bad.py").write_text("def broken(:\n")
    (tmp_path / "b_good.py").write_text(BLOCKING)
    result = lint_paths([tmp_path], FAS101_ONLY)
    assert [(Path(d.path).name, d.code) for d in result.diagnostics] == [("a_bad.py", "FAS900"), ("b_good.py", "FAS101")]
    assert result.files == 2


def test_syntax_error_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.py").write_text("x = 1\ndef broken(:\n    pass\n")
    (tmp_path / "good.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    result = invoke(".", "--format", "concise", "--select", "FAS900")
    assert result.exit_code == 1
    assert result.stdout == "bad.py:2:12: FAS900 syntax error: invalid syntax\n"
    assert "Checked 2 files: 1 error" in result.stderr


def test_syntax_error_text_frame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.py").write_text("x = 1\nasync def broken(:\n    pass\n")
    out = invoke("bad.py", "-q").stdout
    assert out.startswith("FAS900 syntax error: invalid syntax\n --> bad.py:2:18\n")
    assert "2 | async def broken(:\n  |                  ^\n" in out


def test_parse_error_can_be_ignored(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("def broken(:\n")
    assert lint_paths([tmp_path], Config(ignore=("parse-error",))).diagnostics == []


# -- encodings and odd bytes -------------------------------------------------------------------------


def test_undecodable_bytes(tmp_path: Path) -> None:
    code, line, col, message = only(lint_bytes(tmp_path, b'import time\nx = 1\ns = "ab\xff"\n'))
    assert (code, line, col) == ("FAS900", 3, 8)
    assert message == "bytes not valid in utf-8: invalid start byte (byte 0xff)"
    # in the first two lines too, where Python's own error is about the coding cookie
    code, line, col, message = only(lint_bytes(tmp_path, b'\xe9 = 1\n'))
    assert (code, line, col) == ("FAS900", 1, 1) and message.startswith("bytes not valid in utf-8")


def test_latin1_coding_cookie(tmp_path: Path) -> None:
    data = '# -*- coding: latin-1 -*-\nimport time\n\n\nasync def f():\n    s = "é"; time.sleep(1)\n'.encode("latin-1")
    assert data.count(b"\xe9") == 1
    code, line, col, _ = only(lint_bytes(tmp_path, data))
    assert (code, line, col) == ("FAS101", 6, 14)


def test_bad_coding_cookies(tmp_path: Path) -> None:
    code, line, _, message = only(lint_bytes(tmp_path, b"#!/usr/bin/env python\n# coding: klingon\nx = 1\n"))
    assert (code, line) == ("FAS900", 2) and message.startswith("cannot read the file's encoding: ")
    code, line, _, message = only(lint_bytes(tmp_path, b"\xef\xbb\xbf# coding: latin-1\nx = 1\n"))
    assert (code, line) == ("FAS900", 1)  # a BOM and a different cookie contradict each other


def test_bom_and_line_endings(tmp_path: Path) -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    for data in (
        b"\xef\xbb\xbf" + source.encode(),
        source.replace("\n", "\r\n").encode(),
        b"\xef\xbb\xbf" + source.replace("\n", "\r\n").encode(),
        source.replace("\n", "\r").encode(),  # old Mac line ends
    ):
        assert only(lint_bytes(tmp_path, data))[:3] == ("FAS101", 5, 5), data


def test_crlf_text_frame_has_no_carriage_returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("m.py").write_bytes(BLOCKING.replace("\n", "\r\n").encode())
    out = invoke("m.py", "-q", "--select", "FAS101").stdout
    assert "\r" not in out and "5 |     time.sleep(1)\n  |     ^^^^^^^^^^^^^\n" in out


def test_nul_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, line, col, message = only(lint_bytes(tmp_path, b"x = 1\ny = 2\x00\n"))
    assert (code, line, col, message) == ("FAS900", 2, 6, "the file contains a NUL byte")
    monkeypatch.chdir(tmp_path)
    out = invoke("m.py", "-q").stdout
    assert "\x00" not in out and "2 | y = 2\u2400\n" in out  # shown as a control picture


def test_form_feed_and_other_odd_whitespace(tmp_path: Path) -> None:
    data = "import time\n\x0c\n\nasync def f():\n    x = 1\x0c\n    time.sleep(1)\n".encode()
    assert only(lint_bytes(tmp_path, data))[:3] == ("FAS101", 6, 5)


@pytest.mark.parametrize("data", [b"", b"\n", b"   \n\n", b"\xef\xbb\xbf", b"# just a comment", b"\r\n\r\n"])
def test_empty_files(tmp_path: Path, data: bytes) -> None:
    assert lint_bytes(tmp_path, data) == []


def test_decode_matches_python() -> None:
    assert decode(b"\xef\xbb\xbfx = 1\n") == "x = 1\n"
    assert decode("# coding: latin-1\nx = 'é'\n".encode("latin-1")) == "# coding: latin-1\nx = 'é'\n"
    with pytest.raises(UnicodeDecodeError):
        decode(b"x = '\xff'\n")


# -- deep nesting: built in memory ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n",
        "x = " + "[" * 1000 + "]" * 1000 + "\n",
        "".join("    " * i + "if x:\n" for i in range(1000)) + "    " * 1000 + "pass\n",
        "import time\nasync def f():\n    x = " + " + ".join(["time.sleep(1)"] * 3000) + "\n",
        "x = " + "lambda: " * 2000 + "1\n",
        "x = a" + ".b" * 5000 + "\n",
        "x = f" + "()" * 5000 + "\n",
        "x = " + "not " * 5000 + "a\n",
        "x = " + "-" * 5000 + "1\n",
        "x = " + "1 if a else " * 2000 + "1\n",
        "".join("    " * i + f"def f{i}():\n" for i in range(99)) + "    " * 99 + "pass\n",
        "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
        "".join("    " * i + "if x:\n" for i in range(5000)) + "    " * 5000 + "pass\n",
    ],
    ids=["parens", "brackets", "blocks", "binop", "lambda", "attributes", "calls", "not", "unary", "ifexp", "defs",
         "parens-5000", "blocks-5000"],
)
def test_deep_nesting_never_raises(source: str) -> None:
    found = lint_source(source, "deep.py")
    assert all(isinstance(d, Diagnostic) for d in found)
    for d in found:
        if d.code == "FAS900":
            assert d.span.line >= 1 and d.span.col >= 0


def test_deep_nesting_through_the_cli_is_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("deep.py").write_text("x = " + "(" * 1000 + "1" + ")" * 1000 + "\n")
    Path("ok.py").write_text(BLOCKING)
    result = invoke(".", "--format", "json", "-q", "--select", "FAS101,FAS900")
    assert result.exit_code == 1
    assert sorted((f["path"], f["code"]) for f in json.loads(result.stdout)) == [("deep.py", "FAS900"), ("ok.py", "FAS101")]


def test_internal_error_in_phase_1_costs_one_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fastapi_lint.analysis.extract

    def explode(*args: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(fastapi_lint.analysis.extract, "summarize", explode)
    (tmp_path / "m.py").write_text("x = 1\n")
    outcome = summarize_file(tmp_path / "m.py", "m.py")
    assert isinstance(outcome, Diagnostic) and outcome.code == "FAS900"
    assert "internal error while analysing the file (ValueError: boom)" in outcome.message


def test_parse_returns_a_diagnostic_never_raises() -> None:
    for data in (b"\x00", b"\xff\xfe\x00", b"#coding:utf-16\n", b"\xef\xbb\xbf\xef\xbb\xbf", b"\\\n", b"'''"):
        outcome = parse(data, "x.py")
        assert isinstance(outcome, Diagnostic) or outcome.tree is not None


# -- the file system -----------------------------------------------------------------------------------

symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="needs symlinks")


@symlinks
def test_symlink_loops_in_a_tree(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(BLOCKING)
    os.symlink("..", tmp_path / "pkg" / "up")  # a folder loop
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "again")
    os.symlink("self.py", tmp_path / "self.py")  # a file loop
    os.symlink("b.py", tmp_path / "a.py")
    os.symlink("a.py", tmp_path / "b.py")
    result = lint_paths([tmp_path], FAS101_ONLY)
    assert [(Path(d.path).name, d.code) for d in result.diagnostics] == [("m.py", "FAS101")]
    assert result.files == 1


@symlinks
def test_broken_symlink_in_a_tree_is_skipped(tmp_path: Path) -> None:
    os.symlink(tmp_path / "nowhere.py", tmp_path / "broken.py")
    (tmp_path / "m.py").write_text(BLOCKING)
    result = lint_paths([tmp_path], FAS101_ONLY)
    assert result.files == 1 and [d.code for d in result.diagnostics] == ["FAS101"]


@symlinks
def test_symlinked_file_is_shown_by_its_own_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "target.py").write_text(BLOCKING)
    os.symlink(tmp_path / "real" / "target.py", tmp_path / "link.py")
    monkeypatch.chdir(tmp_path)
    result = invoke("link.py", "--format", "concise", "-q", "--select", "FAS101")
    assert result.stdout.startswith("link.py:5:5: FAS101 ")


@symlinks
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: os.symlink("missing.py", p), "broken.py: broken symbolic link (it points to `missing.py`, which does not exist)"),
        (lambda p: os.symlink(p.name, p), "broken.py: symbolic link loop"),
    ],
    ids=["broken", "loop"],
)
def test_bad_symlink_given_explicitly_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make, message: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    make(tmp_path / "broken.py")
    Path("ok.py").write_text("x = 1\n")
    result = _runner().invoke(cli.main, ["ok.py", "broken.py"])
    assert result.exit_code == 2
    assert result.stderr == f"fastapi-lint: error: {message}\n"
    assert result.stdout == ""


def test_missing_paths_are_all_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = _runner().invoke(cli.main, ["nope.py", "gone/"])
    assert result.exit_code == 2
    assert result.stderr == (
        "fastapi-lint: error: nope.py: no such file or directory\n"
        "fastapi-lint: error: gone: no such file or directory\n"
    )


needs_permissions = pytest.mark.skipif(
    sys.platform == "win32" or (hasattr(os, "geteuid") and os.geteuid() == 0),
    reason="root reads files whatever their mode",
)


@needs_permissions
def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    locked = tmp_path / "locked.py"
    locked.write_text(BLOCKING)
    Path("ok.py").write_text(BLOCKING)
    locked.chmod(0)
    try:
        result = invoke(".", "--format", "concise", "-q", "--select", "FAS101,FAS900")
    finally:
        locked.chmod(0o644)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "locked.py:1:1: FAS900 cannot read the file: Permission denied"
    assert result.stdout.splitlines()[1].startswith("ok.py:5:5: FAS101")


def test_unreadable_file_reported_by_phase_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same as above, where chmod cannot block reads (root): the read itself fails."""

    def deny(path: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("fastapi_lint.analysis.extract.read_source", deny)
    outcome = summarize_file(tmp_path / "locked.py", "locked.py")
    assert isinstance(outcome, Diagnostic)
    assert (outcome.code, outcome.message) == ("FAS900", "cannot read the file: Permission denied")


def test_non_python_files_given_explicitly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("README.md").write_text("# hi\n")
    Path("script").write_text("import time\n")
    result = invoke("README.md", "script")
    assert result.exit_code == 0
    assert "fastapi-lint: skipping README.md: not a Python file\n" in result.stderr
    assert "fastapi-lint: skipping script: not a Python file\n" in result.stderr
    assert "Checked 0 files" in result.stderr
    assert "fastapi-lint: warning: no Python files found under the given paths\n" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    os.mkfifo("pipe.py")
    Path("ok.py").write_text("x = 1\n")
    assert lint_paths([tmp_path], Config()).files == 1  # would hang if it were opened
    result = invoke("pipe.py")
    assert result.exit_code == 0 and "skipping pipe.py: not a Python file" in result.stderr


def test_folder_named_like_a_python_file(tmp_path: Path) -> None:
    (tmp_path / "weird.py").mkdir()
    (tmp_path / "weird.py" / "inner.py").write_text(BLOCKING)
    result = lint_paths([tmp_path], FAS101_ONLY)
    assert [Path(d.path).name for d in result.diagnostics] == ["inner.py"]


def test_undecodable_file_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.py"), "wb") as file:
            file.write(BLOCKING.encode())
    except (OSError, ValueError):
        pytest.skip("the file system wants UTF-8 names")
    monkeypatch.chdir(tmp_path)
    for output in ("text", "concise"):
        result = invoke(".", "--format", output, "-q", "--select", "FAS101")
        assert result.exit_code == 1
        assert "caf\ufffd.py:5:5" in result.stdout
    (finding,) = json.loads(invoke(".", "--format", "json", "-q", "--select", "FAS101").stdout)
    assert os.fsencode(finding["path"]) == b"caf\xe9.py"  # JSON keeps the real name


def test_undecodable_bytes_position_with_any_line_ending(tmp_path: Path) -> None:
    for ending in (b"\n", b"\r\n", b"\r"):
        data = ending.join([b"x = 1", b"y = 2", b'z = "a\xff"', b""])
        assert only(lint_bytes(tmp_path, data))[:3] == ("FAS900", 3, 7), ending


def test_unreadable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "m.py").write_text(BLOCKING)
    (tmp_path / "ok.py").write_text("x = 1\n")
    real_scandir = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if os.path.basename(os.fspath(path)) == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)  # as chmod 000 would, even for root
    monkeypatch.chdir(tmp_path)
    result = invoke(".", "--select", "FAS101")
    assert result.exit_code == 0
    assert "fastapi-lint: skipping locked: cannot read the folder\n" in result.stderr
    assert "Checked 1 file:" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("name", ["pyproject.toml", "requirements.txt", "uv.lock", "poetry.lock"])
def test_a_fifo_dependency_file_does_not_stall_the_run(tmp_path: Path, name: str) -> None:
    """The versions the project pins are read from its dependency files: as source files are, a
    regular file only (a FIFO's read waits for a writer for ever)."""
    if name != "pyproject.toml":
        (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = ["fastapi>=0.110"]\n')
    os.mkfifo(tmp_path / name)
    (tmp_path / "main.py").write_text(
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.on_event(\"startup\")\nasync def start() -> None:\n    pass\n"
    )
    done = subprocess.run([sys.executable, "-m", "fastapi_lint", "check", ".", "--no-cache", "--scope", "all"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert "main.py" in done.stdout and "FAS203" in done.stdout, done.stderr
