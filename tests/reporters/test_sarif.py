"""``--format sarif``: valid against the official SARIF 2.1.0 schema, and useful to code scanning.

The schema is vendored in ``tests/data/sarif-schema-2.1.0.json`` (OASIS errata01, from
github.com/oasis-tcs/sarif-spec, ``sarif-2.1/schema/``), so the tests need no network.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fastapi_lint import cli
from fastapi_lint.api import sarif_rules
from fastapi_lint.diagnostics import Diagnostic, Severity, Span
from fastapi_lint.reporters import sarif
from fastapi_lint.rules import registry
from tests.helpers import cli_runner as _runner

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

ROUTE = """\
import time
from fastapi import FastAPI

from helpers import load_user

app = FastAPI()


@app.get("/slow")
async def slow():
    time.sleep(1)
    return load_user()
"""

HELPERS = """\
import time


def load_user():
    time.sleep(1)
    return {}
"""


def validate(log: dict[str, Any]) -> None:
    validator_class = jsonschema.validators.validator_for(SCHEMA)
    validator_class.check_schema(SCHEMA)
    validator_class(SCHEMA).validate(log)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(ROUTE)
    (tmp_path / "helpers.py").write_text(HELPERS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_sarif(*args: str) -> dict[str, Any]:
    result = _runner().invoke(cli.main, [*args, "--format", "sarif", "-q", "--no-cache"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_the_vendored_schema_is_the_official_one() -> None:
    assert SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]


def test_a_run_with_chains_and_fixes_validates(project: Path) -> None:
    log = run_sarif(".")
    validate(log)
    results = log["runs"][0]["results"]
    codes = {r["ruleId"] for r in results}
    assert {"FAS101", "FAS102"} <= codes
    chained = next(r for r in results if r["ruleId"] == "FAS102")
    steps = chained["codeFlows"][0]["threadFlows"][0]["locations"]
    assert steps, "each hop of the chain is a location"
    assert any(s["location"]["physicalLocation"]["artifactLocation"]["uri"] == "helpers.py" for s in steps)
    fixed = next(
        r for r in results
        if r["ruleId"] == "FAS101" and r["locations"][0]["physicalLocation"]["region"]["startLine"] == 11
    )
    assert fixed["fixes"][0]["description"]["text"].startswith("Await `asyncio.sleep`")
    assert fixed["fixes"][0]["artifactChanges"][0]["artifactLocation"] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}


def test_a_clean_run_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ok.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    log = run_sarif(".")
    validate(log)
    assert log["runs"][0]["results"] == []


def test_driver_lists_every_rule_with_its_documentation() -> None:
    log = sarif.build([], {}, rules=sarif_rules())
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "fastapi-lint"
    assert driver["version"] and driver["informationUri"].startswith("https://")
    rules = registry()
    assert [r["id"] for r in driver["rules"]] == list(rules)
    levels = {"error": Severity.ERROR, "warning": Severity.WARNING, "note": Severity.INFO}
    for entry, rule in zip(driver["rules"], rules.values()):
        assert entry["shortDescription"]["text"] == rule.summary()
        assert entry["help"]["markdown"].startswith(rule.summary())
        assert "## What it does" in entry["fullDescription"]["markdown"] or rule.code == "FAS900"
        assert levels[entry["defaultConfiguration"]["level"]] is rule.severity


def test_results_point_at_their_rule_with_1_based_regions(project: Path) -> None:
    log = run_sarif("app.py", "--select", "FAS101")
    run = log["runs"][0]
    first = run["results"][0]
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == first["ruleId"] == "FAS101"
    assert first["level"] == "error"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 11, "startColumn": 5, "endLine": 11, "endColumn": 18}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")


def test_fingerprints_survive_edits_above_the_finding(project: Path) -> None:
    before = {r["partialFingerprints"]["fastapiLint/v1"] for r in run_sarif("app.py")["runs"][0]["results"]}
    (project / "app.py").write_text("# a comment\n\n" + ROUTE)
    after = run_sarif("app.py")["runs"][0]["results"]
    assert {r["partialFingerprints"]["fastapiLint/v1"] for r in after} == before
    assert len(before) == len(after)


def test_identical_lines_get_distinct_fingerprints() -> None:
    d = Diagnostic("FAS101", "blocking-call-in-async", Severity.ERROR, "m", "a.py", Span(1, 0, 1, 4))
    e = Diagnostic("FAS101", "blocking-call-in-async", Severity.ERROR, "m", "a.py", Span(2, 0, 2, 4))
    results = sarif.build([d, e], {"a.py": ["f()", "f()"]})["runs"][0]["results"]
    prints = [r["partialFingerprints"]["fastapiLint/v1"] for r in results]
    assert len(set(prints)) == 2


def test_fix_replacements_applied_give_the_fixed_code(project: Path) -> None:
    log = run_sarif("app.py", "--select", "FAS101")
    (result,) = log["runs"][0]["results"]
    change = result["fixes"][0]["artifactChanges"][0]
    text = (project / "app.py").read_text()
    for replacement in sorted(change["replacements"], key=lambda r: -r["deletedRegion"]["charOffset"]):
        region = replacement["deletedRegion"]
        start = region["charOffset"]
        text = text[:start] + replacement["insertedContent"]["text"] + text[start + region["charLength"]:]
    compile(text, "app.py", "exec")
    assert "await asyncio.sleep(1)" in text and "import asyncio" in text


def test_replacements_are_whole_lines_by_offset() -> None:
    old = "a\r\nb\r\nc"
    new = "a\r\nB\r\nc"
    assert sarif.replacements(old, new) == ((3, 3, "B\r\n"),)


def test_output_file_is_written_instead_of_stdout(project: Path) -> None:
    result = _runner().invoke(cli.main, ["app.py", "--format", "sarif", "-o", "reports/out.sarif", "-q"],
                              catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stdout == ""
    log = json.loads((project / "reports" / "out.sarif").read_text(encoding="utf-8"))
    validate(log)
    assert not [p for p in (project / "reports").iterdir() if p.name != "out.sarif"], "no temporary file left"


def test_output_file_replaces_an_old_report(project: Path) -> None:
    (project / "out.txt").write_text("old report\n" * 1000)
    result = _runner().invoke(cli.main, ["app.py", "--format", "concise", "--output-file", "out.txt", "-q"])
    assert result.exit_code == 1
    text = (project / "out.txt").read_text()
    assert "old report" not in text and text.startswith("app.py:11:5: FAS101")
