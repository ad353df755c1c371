"""``--fix``, ``--unsafe-fixes``, ``--diff`` and ``--show-fixes`` through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_lint.cli import main
from tests.helpers import cli_runner as _runner

SOURCE = '''import asyncio
import time

import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/a")
async def a():
    time.sleep(1)  # wait
    loop = asyncio.get_event_loop()
    return {"ok": loop is not None}


@app.get("/b")
async def b():
    await asyncio.sleep(0)
    return requests.get("https://x", timeout=5).json()
'''


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "app.py"
    path.write_text(SOURCE, encoding="utf-8")
    return path


def invoke(*args: str):  # type: ignore[no-untyped-def]
    # FAS109 (off by default) brings the safe get_running_loop fix.
    return _runner().invoke(main, ["app.py", "--no-cache", "--format", "concise", "--extend-select", "FAS109", *args])


def test_diff_writes_nothing_and_exits_1(app: Path) -> None:
    result = invoke("--diff")
    assert result.exit_code == 1
    assert "-    time.sleep(1)  # wait\n" in result.stdout and "+    await asyncio.sleep(1)  # wait\n" in result.stdout
    assert "+    loop = asyncio.get_running_loop()\n" in result.stdout
    assert "to_thread" not in result.stdout  # unsafe: not without --unsafe-fixes
    assert app.read_text() == SOURCE


def test_fix_applies_safe_fixes_and_reports_the_rest(app: Path) -> None:
    result = invoke("--fix", "--show-fixes")
    assert result.exit_code == 1  # requests.get remains
    fixed = app.read_text()
    assert "    await asyncio.sleep(1)  # wait\n" in fixed and "get_running_loop()" in fixed
    assert "requests.get(" in fixed and "to_thread" not in fixed
    assert result.stdout.count("FAS101") == 1
    assert "Fixed app.py:12:5: FAS101 Await `asyncio.sleep` instead" in result.stderr
    assert "Fixed 2 findings (1 remaining)" in result.stderr
    assert invoke("--fix").exit_code == 1 and app.read_text() == fixed  # idempotent


def test_unsafe_fixes_clear_the_file(app: Path) -> None:
    result = invoke("--fix", "--unsafe-fixes")
    assert result.exit_code == 0, result.stdout
    assert "await asyncio.to_thread(requests.get" in app.read_text()
    assert "Fixed 3 findings (0 remaining)" in result.stderr


def test_fixable_hint_counts_safe_fixes_only(app: Path) -> None:
    result = _runner().invoke(main, ["app.py", "--no-cache", "--extend-select", "FAS109"])
    assert "[*] 2 fixable with `--fix`" in result.stderr
    assert result.stdout.count("[*]") == 2
    unsafe = _runner().invoke(main, ["app.py", "--no-cache", "--extend-select", "FAS109", "--unsafe-fixes"])
    assert unsafe.stdout.count("[*]") == 3


def test_nothing_is_written_without_fix(app: Path) -> None:
    for args in ([], ["--format", "json"], ["--statistics"], ["--timings"]):
        _runner().invoke(main, ["app.py", "--no-cache", *args])
    assert app.read_text() == SOURCE
