"""FAS901 unused-noqa: what counts as used, what is not judged, and the fix's rewriting."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fastapi_lint.analysis.noqa_directives import DirectiveFix, rewrite, without_directive
from fastapi_lint.api import lint_paths, lint_source
from fastapi_lint.config import Config
from fastapi_lint.diagnostics import Applicability, Diagnostic
from fastapi_lint.analysis.context import Context
from fastapi_lint.rules import registry
from tests.helpers import invoke

AUDIT = Config(select=("FAS101", "FAS102", "FAS103", "FAS901"))

HELPER = """\
import time


def load() -> None:
    time.sleep(1)
"""

ROUTE = """\
from fastapi import FastAPI

from app.helper import load

app = FastAPI()


@app.get("/")
async def index() -> None:
    load()  # noqa: FAS102, FAS103
"""


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "helper.py").write_text(HELPER)
    (tmp_path / "app" / "main.py").write_text(ROUTE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("comment", "drop", "expected"),
    [
        ("# noqa: FAS101", ("FAS101",), None),
        ("# noqa:FAS101", ("FAS101",), None),
        ("# noqa: F401, FAS101", ("FAS101",), "# noqa: F401"),
        ("# noqa: FAS101, F401", ("FAS101",), "# noqa: F401"),
        ("# noqa: FAS101 F401", ("FAS101",), "# noqa: F401"),
        ("# noqa: FAS101, FAS103", ("FAS103",), "# noqa: FAS101"),
        ("# noqa: fas103, FAS101", ("FAS103",), "# noqa: FAS101"),
        ("# noqa: FAS101, FAS101", (), "# noqa: FAS101"),
        ("# noqa: FAS101 -- the client is mocked", ("FAS101",), "# the client is mocked"),
        ("# noqa: F401, FAS101 -- mocked", ("FAS101",), "# noqa: F401 -- mocked"),
        ("# type: ignore[attr-defined]  # noqa: FAS101", ("FAS101",), "# type: ignore[attr-defined]"),
        ("# noqa: FAS101  # and another comment", ("FAS101",), "# and another comment"),
        ("# noqa", ("FAS101",), "# noqa"),  # a bare noqa is never ours to judge
        ("# noqa: E501", ("FAS101",), "# noqa: E501"),
    ],
)
def test_rewrite(comment: str, drop: tuple[str, ...], expected: str | None) -> None:
    fix = DirectiveFix("t", Applicability.SAFE, drop=drop)
    assert rewrite(comment, fix.keep) == expected


def test_rewrite_writes_codes_for_names() -> None:
    fix = DirectiveFix("t", Applicability.SAFE, rename=(("blocking-call-in-async", "FAS101"),))
    assert rewrite("# noqa: Blocking-Call-In-Async, F401", fix.keep) == "# noqa: FAS101, F401"
    assert rewrite("# noqa: FAS101, blocking-call-in-async", fix.keep) == "# noqa: FAS101"


def test_a_directive_left_empty_never_becomes_a_bare_noqa() -> None:
    fix = DirectiveFix("t", Applicability.SAFE, drop=("FAS101", "FAS103"))
    for comment in ("# noqa: FAS101, FAS103", "# NOQA:FAS101,FAS103", "# noqa: FAS101 FAS103 reason"):
        new = rewrite(comment, fix.keep)
        assert new is None or "noqa" not in new.lower(), new


def test_without_directive() -> None:
    assert without_directive("# noqa: F401, FAS101 -- mocked") == "# mocked"
    assert without_directive("# type: ignore  # noqa: FAS101") == "# type: ignore"
    assert without_directive("# noqa: FAS101") is None


def test_a_code_used_by_a_cross_module_finding_is_used(package: Path) -> None:
    found = lint_paths([Path("app")], AUDIT).diagnostics
    assert [(d.code, d.path, d.span.line, d.span.col) for d in found] == [("FAS901", "app/main.py", 10, 12)]
    assert "`FAS103` silences nothing" in found[0].message


def test_files_named_alone_are_judged_with_their_project(package: Path) -> None:
    result = invoke("app/main.py", "--select", "FAS101,FAS102,FAS103,FAS901", "--format", "json", "--no-cache")
    assert [(f["code"], f["line"]) for f in json.loads(result.stdout)] == [("FAS901", 10)]


def test_the_fix_keeps_a_code_a_cross_module_finding_needs(package: Path) -> None:
    """The module linted alone would call FAS102 unused: the fix must not be refused as unstable
    nor remove it."""
    result = invoke("app", "--select", "FAS101,FAS102,FAS103,FAS901", "--fix", "--no-cache")
    assert "load()  # noqa: FAS102\n" in (package / "app" / "main.py").read_text()
    assert "Fixed 1 finding (0 remaining)" in result.stderr


def test_a_rule_that_did_not_run_is_not_judged(package: Path) -> None:
    only_audit = lint_paths([Path("app")], Config(select=("FAS901",))).diagnostics
    assert only_audit == []  # FAS102 and FAS103 did not run: neither is judged
    ignored = Config(select=("FAS102", "FAS103", "FAS901"), per_file_ignores=(("app/main.py", ("FAS103",)),))
    assert lint_paths([Path("app")], ignored.with_overrides(root=package)).diagnostics == []


def test_a_rule_that_failed_is_not_judged(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rule = registry()["FAS103"]

    def broken(self: object, context: Context) -> Iterator[Diagnostic]:
        raise RuntimeError("boom")

    monkeypatch.setattr(rule, "check", broken)
    found = lint_paths([Path("app")], AUDIT)
    assert [d.code for d in found.diagnostics if d.code == "FAS901"] == []
    assert found.internal_errors


def test_its_own_code_silences_it_and_is_not_judged() -> None:
    source = "import time\n\n\nasync def f() -> None:\n    x = 1  # noqa: FAS103, FAS901\n"
    assert lint_source(source, "m.py", AUDIT) == []


def test_text_not_on_disk_is_reported_at_column_0() -> None:
    found = lint_source("x = 1  # noqa: FAS110\n", "not_on_disk.py", Config(select=("FAS901",)))
    assert [(d.code, d.span.line, d.span.col) for d in found] == [("FAS901", 1, 0)]


def test_add_noqa_never_writes_fas901(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m.py").write_text("x = 1  # noqa: FAS110\n")
    monkeypatch.chdir(tmp_path)
    invoke("m.py", "--select", "FAS901", "--add-noqa", "--no-cache")
    assert (tmp_path / "m.py").read_text() == "x = 1  # noqa: FAS110\n"


def test_an_edit_of_a_comment_alone_is_judged_again(package: Path) -> None:
    """The carry-over of the last findings treats comments as no fact: with FAS901 on, a run
    after a comment-only edit must judge the new directive (it fails with the carry-over on)."""
    cache = package / "cache"
    args = ["app", "--select", "FAS101,FAS102,FAS103,FAS901", "--format", "json", "--cache-dir", str(cache)]
    first = json.loads(invoke(*args).stdout)
    assert [(f["path"], f["line"]) for f in first] == [("app/main.py", 10)]
    helper = package / "app" / "helper.py"
    helper.write_text(helper.read_text().replace("time.sleep(1)", "time.sleep(1)  # noqa: FAS103"))
    again = json.loads(invoke(*args).stdout)
    assert [(f["path"], f["line"]) for f in again] == [("app/helper.py", 5), ("app/main.py", 10)]


def test_a_run_with_nothing_changed_is_still_carried_over(package: Path) -> None:
    cache = package / "cache"
    first = lint_paths([Path("app")], AUDIT, cache_dir=cache, facts=False)
    again = lint_paths([Path("app")], AUDIT, cache_dir=cache, facts=False)
    assert again.carried_over and again.diagnostics == first.diagnostics


def test_flake8_runs_it_only_when_its_selection_names_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "m.py").write_text("import time\n\n\nasync def f() -> None:\n    time.sleep(1)  # noqa: FAS101, FAS103\n")

    def flake8(select: str) -> list[str]:
        done = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", select, "m.py"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
        return [line.split()[1] for line in done.stdout.splitlines()]

    assert flake8("FAS") == []  # opt-in: the prefix alone does not turn it on
    assert flake8("FAS,FAS901") == ["FAS901"]
