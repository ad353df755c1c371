"""``--statistics`` counts findings per rule as Ruff does; ``--timings`` says where the time went
and what the run saw (files, cache, workers, routes, unresolved calls)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import _plain_environment, invoke  # noqa: F401 (_plain_environment: an autouse fixture)

ROOT = Path(__file__).resolve().parents[2]

APP = """\
import time

import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/slow")
async def slow():
    time.sleep(1)
    time.sleep(2)
    return {}


@app.get("/client")
async def client():
    async with httpx.AsyncClient() as c:
        return (await c.get("http://x")).json()
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    (tmp_path / "app.py").write_text(APP)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_statistics_are_ruffs_lines_in_place_of_the_report(project: Path) -> None:
    result = invoke("app.py", "--statistics", "--no-cache")
    assert result.exit_code == 1  # the findings still fail the run
    assert result.stdout == "2\tFAS101\t[*] blocking-call-in-async\n1\tFAS201\t[ ] per-request-client\n"
    assert "Checked 1 file: 3 errors" in result.stderr  # the summary stays on stderr
    assert "time " not in result.stderr and "parsed" not in result.stderr  # timings only when asked


def test_statistics_fixable_follows_the_fixes_offered(project: Path) -> None:
    """``[*]`` is what ``--fix`` would apply: an unsafe fix counts only with ``--unsafe-fixes``."""
    (project / "app.py").write_text(APP + "\n\n@app.get('/file')\nasync def read():\n    return open('x').read()\n")
    plain = invoke("app.py", "--statistics", "--no-cache", "--format", "json")
    unsafe = invoke("app.py", "--statistics", "--no-cache", "--format", "json", "--unsafe-fixes")
    findings = json.loads(invoke("app.py", "--no-cache", "--format", "json", "--unsafe-fixes").stdout)
    for rows, offered in ((json.loads(plain.stdout), {"safe"}), (json.loads(unsafe.stdout), {"safe", "unsafe"})):
        by_code = {row["code"]: row for row in rows}
        for code, count in Counter(f["code"] for f in findings).items():
            fixable = sum(1 for f in findings if f["code"] == code and f["fix"] and f["fix"]["applicability"] in offered)
            assert by_code[code]["count"] == count
            assert (by_code[code]["fixable"], by_code[code]["fixable_count"]) == (fixable > 0, fixable), code


def test_statistics_on_the_demo_app_agree_with_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "fixtures" / "apps" / "demo")
    findings = json.loads(invoke(".", "--no-cache", "--select", "ALL", "--format", "json").stdout)
    text = invoke(".", "--no-cache", "--select", "ALL", "--statistics", "-q").stdout
    rows = [re.fullmatch(r"( *\d+)\t(FAS\d{3})\t(\[[* ]\]) ([a-z-]+)", line) for line in text.splitlines()]
    assert all(rows), text
    counts = [(int(m.group(1)), m.group(2)) for m in rows if m]
    assert dict((code, n) for n, code in counts) == Counter(f["code"] for f in findings)
    assert counts == sorted(counts, key=lambda row: (-row[0], row[1]))  # most frequent first, then by code
    assert len({len(m.group(1)) for m in rows if m}) == 1  # counts right-aligned to one width
    names = {f["code"]: f["name"] for f in findings}
    assert all(m.group(4) == names[m.group(2)] for m in rows if m)


def test_statistics_without_findings_print_nothing(project: Path) -> None:
    result = invoke("app.py", "--statistics", "--no-cache", "--select", "FAS3")
    assert (result.exit_code, result.stdout) == (0, "")
    assert json.loads(invoke("app.py", "--statistics", "--select", "FAS3", "--format", "json").stdout) == []


def test_statistics_go_to_the_output_file(project: Path) -> None:
    result = invoke("app.py", "--statistics", "--no-cache", "-o", "stats.txt")
    assert result.stdout == ""
    assert (project / "stats.txt").read_text() == "2\tFAS101\t[*] blocking-call-in-async\n1\tFAS201\t[ ] per-request-client\n"


def test_statistics_after_fix_count_what_remains(project: Path) -> None:
    result = invoke("app.py", "--statistics", "--no-cache", "--fix")
    assert result.stdout == "1\tFAS201\t[ ] per-request-client\n"
    assert "asyncio.sleep" in (project / "app.py").read_text()


def test_statistics_of_standard_input(project: Path) -> None:
    from tests.helpers import cli_runner

    result = cli_runner().invoke(__import__("fastapi_lint.cli", fromlist=["main"]).main,
                                 ["-", "--stdin-filename", "app.py", "--statistics"], input=APP)
    assert result.stdout == "2\tFAS101\t[*] blocking-call-in-async\n1\tFAS201\t[ ] per-request-client\n"


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "sarif"], "--statistics prints text (or JSON with --format json), not --format sarif"),
    (["--format", "github"], "not --format github"),
    (["--diff"], "--statistics counts the findings reported: not with --diff"),
    (["--add-noqa"], "not with --diff, --add-noqa or --write-baseline"),
    (["--write-baseline", "b.json"], "not with --diff, --add-noqa or --write-baseline"),
])
def test_statistics_refuse_what_they_cannot_count(project: Path, args: list[str], message: str) -> None:
    result = invoke("app.py", "--statistics", *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (project / "b.json").exists()
    assert (project / "app.py").read_text() == APP


def test_timings_keep_every_run_fact(project: Path) -> None:
    first = invoke("app.py", "--timings", "-q")
    assert first.exit_code == 1 and "FAS101" in first.stdout  # the report is unchanged
    lines = first.stderr.splitlines()
    assert re.fullmatch(r"files: 1 \(1 parsed, 0 from the cache, 1 worker\), 20 lines", lines[0]), lines
    assert any(re.fullmatch(r"time summaries: \d+\.\d{3}s", line) for line in lines), lines
    assert any(re.fullmatch(r"time project: \d+\.\d{3}s", line) for line in lines), lines
    assert lines[-1] == "routes: 2, functions: 2, unresolved calls: 0"
    again = invoke("app.py", "--timings", "-q")
    assert "(0 parsed, 1 from the cache" in again.stderr
    assert "FAS101" not in again.stderr  # counts per rule are --statistics'


def test_timings_refuse_standard_input(project: Path) -> None:
    result = invoke("-", "--stdin-filename", "app.py", "--timings")
    assert result.exit_code == 2 and "--timings measures a run over files" in result.stderr


def test_statistics_and_timings_together(project: Path) -> None:
    result = invoke("app.py", "--statistics", "--timings", "--no-cache", "-q")
    assert result.stdout.startswith("2\tFAS101\t[*] ")
    assert result.stderr.startswith("files: 1 (1 parsed")


def test_statistics_of_a_run_carried_over_from_the_cache(project: Path) -> None:
    """A second run reuses the last one's findings without the project's facts: the counts and
    the fixable marks are the same."""
    first = invoke("app.py", "--statistics", "-q")
    again = invoke("app.py", "--statistics", "-q")
    timed = invoke("app.py", "--statistics", "--timings", "-q")
    assert first.stdout == again.stdout == timed.stdout == (
        "2\tFAS101\t[*] blocking-call-in-async\n1\tFAS201\t[ ] per-request-client\n")
    assert "(0 parsed, 1 from the cache" in timed.stderr
