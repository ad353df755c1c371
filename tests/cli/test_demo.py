"""The bundled example app: its findings are exactly its ``# expect:`` comments, and the CLI
reports them in every format with the documented exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from fastapi_lint.api import lint_paths
from fastapi_lint.config import Config
from fastapi_lint.rules import registry
from tests.fixture_harness import FIXTURES, ROOT, Expected, Fixture, compare

DEMO = FIXTURES / "apps" / "demo"
DEMO_ARG = DEMO.relative_to(ROOT).as_posix()


class DemoApp(Fixture):
    """The demo may mark findings of a catalog rule still being written (``# expect: FAS106``
    before FAS106 exists): those marks count once the rule is registered."""

    def expectations(self) -> list[Expected]:
        known = set(registry())
        return [e for e in super().expectations() if e.code in known]


APP = DemoApp(code="apps", target=DEMO)
JSON_KEYS = {"code", "name", "severity", "message", "path", "line", "column", "end_line", "end_column", "fix", "chain"}


@pytest.fixture(autouse=True)
def _from_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # reported paths are relative to the working folder


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fastapi_lint", *args, "--no-cache"],  # the tests write nothing
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def test_demo_findings_match_its_expect_comments() -> None:
    result = lint_paths([DEMO], Config())
    assert result.files > 5 and not result.missing and not result.internal_errors
    problems = compare(APP, result.diagnostics)
    assert not problems, "\n".join(problems)


def test_demo_shows_the_event_loop_mistakes() -> None:
    expected = {e.code for e in APP.expectations()}
    assert {"FAS101", "FAS102", "FAS103", "FAS104", "FAS105"} <= expected


def test_cli_text_output() -> None:
    run = _cli(DEMO_ARG)
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    headers = [i for i, line in enumerate(lines) if re.match(r"FAS\d{3} ", line)]
    assert len(headers) == len(lint_paths([DEMO], Config()).diagnostics)
    sleep = re.compile(r"FAS101 (\[\*\] )?`time\.sleep` blocks the event loop in async route `reserve_item`")
    assert any(sleep.match(lines[i]) for i in headers)
    for start, end in zip(headers, [*headers[1:], len(lines)]):
        block = lines[start:end]
        assert re.match(r"\s*--> fixtures/apps/demo/demo/\S+\.py:\d+:\d+$", block[1]), block
        assert any(line.startswith("help: ") for line in block), block
        assert any(re.match(r"\s*\|\s*\^+$", line) for line in block), block
    if "FAS102" in registry():  # a finding through a helper shows each hop with its own frame
        hop = r"^\s*= via self\.client\.get\n\s*--> fixtures/apps/demo/demo/services/geo\.py:\d+:\d+$"
        assert re.search(hop, run.stdout, re.M)
    assert re.search(r"^Checked \d+ files", run.stderr, re.M)  # the summary goes to stderr


def test_cli_json_output() -> None:
    run = _cli(DEMO_ARG, "--format", "json")
    assert run.returncode == 1, run.stderr
    findings = json.loads(run.stdout)
    assert findings and all(JSON_KEYS <= set(f) for f in findings)
    for f in findings:
        assert f["path"].startswith("fixtures/apps/demo/demo/") and f["severity"] in ("error", "warning")
        assert f["line"] <= f["end_line"] and f["column"] >= 1
        assert isinstance(f["chain"], list)
        if f["code"] == "FAS102":
            assert f["chain"] and all({"path", "line", "column", "text"} <= set(hop) for hop in f["chain"])
    assert {(f["path"], f["line"], f["code"]) for f in findings} == {
        (e.path, e.line, e.code) for e in APP.expectations()
    }


def test_cli_concise_output() -> None:
    run = _cli(DEMO_ARG, "--format", "concise", "--fail-on", "error")  # the request-path findings are errors
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == len(APP.expectations())
    for line in lines:
        assert re.match(r"fixtures/apps/demo/demo/\S+\.py:\d+:\d+: FAS\d{3} \S", line), line


def test_cli_exit_codes() -> None:
    assert _cli(DEMO_ARG, "--exit-zero", "-q").returncode == 0
    only = _cli(DEMO_ARG, "--select", "loop-misuse", "--format", "concise", "-q")
    assert only.returncode == 1 and [line.split()[1] for line in only.stdout.splitlines()] == ["FAS105"]
    assert _cli(DEMO_ARG, "--select", "FAS999", "-q").returncode == 2
