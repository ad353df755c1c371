"""``fastapi_lint/schema.json``: the JSON Schema of ``[tool.fastapi-lint]``, made from the table of keys the
configuration is read with, so the two cannot disagree; and per-rule severities."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from fastapi_lint.api import lint_paths
from fastapi_lint.config import KNOWN_KEYS, ConfigError, json_schema, load, parse_table, tomllib
from fastapi_lint.diagnostics import Severity

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "fastapi_lint" / "schema.json"


def test_the_shipped_schema_is_the_one_the_key_table_makes() -> None:
    assert json.loads(SCHEMA.read_text()) == json_schema(), "regenerate fastapi_lint/schema.json from config.json_schema()"


def test_the_schema_names_every_key() -> None:
    assert sorted(json_schema()["properties"]) == sorted(KNOWN_KEYS)  # type: ignore[arg-type]


def readme_tables() -> list[dict[str, object]]:
    """Every ``[tool.fastapi-lint]`` table of the README's TOML examples."""
    text = (ROOT / "README.md").read_text()
    tables = []
    for block in re.findall(r"```toml\n(.*?)```", text, re.S):
        if "[tool.fastapi-lint" in block:
            tables.append(tomllib.loads(block)["tool"]["fastapi-lint"])
    return tables


def test_the_schema_accepts_every_documented_example() -> None:
    tables = readme_tables()
    assert len(tables) >= 3
    for table in tables:
        jsonschema.validate(table, json_schema())
        parse_table(table, ROOT / "pyproject.toml")  # and the reader takes it


@pytest.mark.parametrize("table", [
    {"selct": ["FAS1"]},  # a misspelt key
    {"select": "FAS1"},  # not a list
    {"scope": "everywhere"},
    {"fail-on": "fatal"},
    {"severity": {"FAS201": "loud"}},
    {"force-exclude": "yes"},
])
def test_the_schema_and_the_reader_both_refuse_a_wrong_table(table: dict[str, object]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(table, json_schema())
    with pytest.raises(ConfigError):
        parse_table(table, Path("pyproject.toml"))


ROUTES = """import time

import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def index() -> None:
    time.sleep(1)
    httpx.Client()
"""


def test_a_severity_per_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(ROUTES)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.fastapi-lint.severity]\nALL = "warning"\n"per-request-client" = "info"\n')
    config = load(tmp_path / "pyproject.toml")
    found = {d.code: d.severity for d in lint_paths([tmp_path / "app.py"], config, cache_dir=None).diagnostics}
    assert found == {"FAS101": Severity.WARNING, "FAS201": Severity.INFO}  # the later entry wins for FAS201


def test_an_unknown_rule_in_severity_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.fastapi-lint.severity]\nFAS999 = "info"\n')
    with pytest.raises(ConfigError, match=r"severity.FAS999: unknown rule code or name `FAS999`"):
        load(tmp_path / "pyproject.toml")
