"""Fuzzing: no input may make the linter raise. Run with ``pytest -m fuzz`` (kept out of the default run).

Two sources: programs generated from Python's grammar by hypothesmith, and
the project's own fixtures mutated byte by byte and line by line. Every
outcome must be findings or a FAS900, never an exception. The number of
examples is bounded by ``FUZZ_EXAMPLES`` (default 200) so CI stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st

from fastapi_lint.api import lint_source  # noqa: E402
from fastapi_lint.config import Config  # noqa: E402
from fastapi_lint.diagnostics import Diagnostic  # noqa: E402
from fastapi_lint.analysis.extract import summarize_file  # noqa: E402
from fastapi_lint.run.check import check_project  # noqa: E402

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
ALL = Config(select=("ALL",))
FIXTURES = sorted(p for p in (Path(__file__).resolve().parents[2] / "fixtures").rglob("*.py"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


def _lint_bytes(data: bytes) -> list[Diagnostic]:
    outcome = summarize_file(Path("fuzzed.py"), "fuzzed.py", data=data)
    if isinstance(outcome, Diagnostic):
        assert outcome.code == "FAS900"
        return [outcome]
    return check_project([outcome], ALL).diagnostics


@FUZZ
@given(st.data())
def test_generated_programs(data: st.DataObject) -> None:
    hypothesmith = pytest.importorskip("hypothesmith")
    source = data.draw(hypothesmith.from_grammar())
    for diagnostic in lint_source(source, "generated.py", ALL):
        assert "internal error" not in diagnostic.message, diagnostic


@FUZZ
@given(st.sampled_from(FIXTURES), st.integers(min_value=0), st.binary(max_size=8))
def test_mutated_fixture_bytes(path: Path, position: int, junk: bytes) -> None:
    original = path.read_bytes()
    cut = position % (len(original) + 1)
    for diagnostic in _lint_bytes(original[:cut] + junk + original[cut:]):
        assert "internal error" not in diagnostic.message, diagnostic


@FUZZ
@given(st.sampled_from(FIXTURES), st.lists(st.integers(min_value=0), min_size=1, max_size=4), st.data())
def test_mutated_fixture_lines(path: Path, picks: list[int], data: st.DataObject) -> None:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    if not lines:
        return
    for pick in picks:
        index = pick % len(lines)
        action = data.draw(st.sampled_from(["drop", "duplicate", "indent", "dedent", "swap"]))
        if action == "drop":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "indent":
            lines[index] = "    " + lines[index]
        elif action == "dedent":
            lines[index] = lines[index].lstrip()
        elif len(lines) > 1:
            other = (index + 1) % len(lines)
            lines[index], lines[other] = lines[other], lines[index]
        if not lines:
            return
    for diagnostic in _lint_bytes("".join(lines).encode("utf-8")):
        assert "internal error" not in diagnostic.message, diagnostic
