"""The linter lints its own package clean, with every rule selected."""

from __future__ import annotations

from pathlib import Path

from fastapi_lint.api import lint_paths
from fastapi_lint.config import Config

PACKAGE = Path(__file__).resolve().parents[2] / "fastapi_lint"


def test_own_package_is_clean() -> None:
    result = lint_paths([PACKAGE], Config(select=("ALL",)))
    assert result.files > 10
    assert result.diagnostics == []
    assert result.internal_errors == []
