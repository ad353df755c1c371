"""Request-path findings are errors, others warnings; chains are reported in JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fastapi_lint.api import lint_paths
from fastapi_lint.config import Config
from tests.fixture_harness import ROOT


@pytest.fixture(autouse=True)
def _from_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_async_service_awaited_by_a_route_is_request_code() -> None:
    result = lint_paths([ROOT / "fixtures/FAS101/service_layer"], Config(select=("FAS101",)))
    by_line = {(d.path.rsplit("/", 1)[-1], d.span.line): d.severity.label for d in result.diagnostics}
    assert by_line == {("services.py", 11): "error", ("services.py", 12): "error", ("services.py", 17): "warning"}


def test_json_carries_the_chain() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "fixtures/FAS102/chain_across_modules", "--format", "json",
         "--select", "FAS102"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)
    where = next(f for f in findings if "where ->" in f["message"])
    hops = [(hop["path"].rsplit("/", 1)[-1], hop["line"], hop["text"]) for hop in where["chain"]]
    assert hops == [("geo.py", 5, "_call"), ("geo.py", 9, "requests.get")]
    assert all(hop["column"] >= 1 for hop in where["chain"])
