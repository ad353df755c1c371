"""``--format gitlab`` (GitLab code quality) and ``--format junit`` (JUnit XML)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from fastapi_lint.api import lint_paths
from fastapi_lint.config import Config
from fastapi_lint.diagnostics import Diagnostic, Hop, Severity, Span
from fastapi_lint.reporters import FORMATS, get, gitlab
from tests.helpers import invoke

ROUTES = """import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/a")
async def a() -> None:
    time.sleep(1)
    time.sleep(1)


@app.get("/b")
def b() -> None:
    pass
"""


def diagnostic(message: str = "m", path: str = "app.py", severity: Severity = Severity.ERROR,
               line: int = 9, function: str | None = "app.a") -> Diagnostic:
    return Diagnostic("FAS101", "blocking-call-in-async", severity, message, path, Span(line, 4, line, 17),
                      help="use x", chain=(Hop("lib.py", 3, 0, "requests.get"),), function=function)


def write(report: str, diagnostics: list[Diagnostic]) -> str:
    stream = io.StringIO()
    get(report)(diagnostics, stream, {})
    return stream.getvalue()


def test_both_are_formats_of_check() -> None:
    assert {"gitlab", "junit"} <= set(FORMATS)


def test_gitlab_issue_fields() -> None:
    issue = json.loads(write("gitlab", [diagnostic(severity=Severity.WARNING)]))[0]
    assert issue["check_name"] == "FAS101"
    assert issue["description"] == "FAS101 m"
    assert issue["severity"] == "minor"
    assert issue["location"] == {"path": "app.py", "positions": {"begin": {"line": 9, "column": 5},
                                                                  "end": {"line": 9, "column": 18}}}


@pytest.mark.parametrize(("severity", "expected"), [
    (Severity.ERROR, "major"), (Severity.WARNING, "minor"), (Severity.INFO, "info")])
def test_gitlab_severities(severity: Severity, expected: str) -> None:
    assert gitlab.issues([diagnostic(severity=severity)])[0]["severity"] == expected


def test_gitlab_fingerprints_are_unique_and_survive_moved_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(ROUTES)
    first = gitlab.issues(lint_paths([tmp_path / "app.py"], Config(), cache_dir=None).diagnostics)
    fingerprints = [issue["fingerprint"] for issue in first]
    assert len(fingerprints) == 2 and len(set(fingerprints)) == 2  # two identical sleeps, two issues
    (tmp_path / "app.py").write_text("# a comment that moves every line\n\n" + ROUTES)
    moved = gitlab.issues(lint_paths([tmp_path / "app.py"], Config(), cache_dir=None).diagnostics)
    assert [issue["fingerprint"] for issue in moved] == fingerprints
    assert [issue["location"]["positions"]["begin"]["line"] for issue in moved] == [12, 13]  # type: ignore[index]


def test_gitlab_undecodable_file_names_are_valid_utf8() -> None:
    text = write("gitlab", [diagnostic(path="caf\udce9.py")])
    text.encode("utf-8")
    assert json.loads(text)[0]["location"]["path"] == "caf\ufffd.py"


def test_junit_one_suite_per_file_and_a_failed_case_per_finding() -> None:
    root = ElementTree.fromstring(write("junit", [diagnostic(), diagnostic(line=10), diagnostic(path="b.py")]))
    assert root.tag == "testsuites" and root.get("failures") == "3"
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests")) for s in suites] == [("app.py", "2"), ("b.py", "1")]
    failure = suites[0].find("testcase/failure")
    assert failure is not None and failure.get("type") == "FAS101"
    assert failure.get("message") == "line 9, col 5: m"
    assert failure.text is not None and "help: use x" in failure.text and "lib.py:3:1: requests.get" in failure.text


def test_junit_without_findings_is_one_passing_case() -> None:
    root = ElementTree.fromstring(write("junit", []))
    assert root.get("failures") == "0"
    assert [case.get("name") for case in root.iter("testcase")] == ["No findings"]
    assert not list(root.iter("failure"))


def test_junit_is_valid_xml_whatever_the_text() -> None:
    text = write("junit", [diagnostic(message="bell \x07 <tag> & \"q\"", path="caf\udce9.py")])
    root = ElementTree.fromstring(text.encode("utf-8"))
    failure = next(root.iter("failure"))
    assert failure.get("message") == 'line 9, col 5: bell  <tag> & "q"'
    assert next(root.iter("testsuite")).get("name") == "caf\ufffd.py"


def test_the_cli_writes_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(ROUTES)
    done = invoke("check", "--no-cache", "--format", "gitlab", "app.py")
    assert [issue["check_name"] for issue in json.loads(done.stdout)] == ["FAS101", "FAS101"]
    done = invoke("check", "--no-cache", "--output-format", "junit", "app.py")
    assert ElementTree.fromstring(done.stdout).get("failures") == "2"
