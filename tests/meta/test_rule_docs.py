"""A rule's docstring is its documentation, and its examples are tests.

The *Example* block must make the rule fire and the *Use instead* block must
keep it quiet, so the documentation can never drift from the behaviour.
"""

from __future__ import annotations

import inspect
import re

import pytest

from fastapi_lint.api import lint_source
from fastapi_lint.config import Config
from fastapi_lint.rules import Rule, by_name, registry

SECTIONS = ["What it does", "Why is this bad?", "Known problems", "Example", "Use instead", "Fix safety"]
RULES = sorted(registry().values(), key=lambda rule: rule.code)


def _section(rule: type[Rule], title: str) -> str:
    doc = inspect.cleandoc(rule.__doc__ or "")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", doc, re.S | re.M)
    return match.group(1) if match else ""


def _code_block(rule: type[Rule], title: str) -> str:
    match = re.search(r"```python\n(.*?)```", _section(rule, title), re.S)
    assert match, f"{rule.code}: no python block under '{title}'"
    return match.group(1)


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_docstring_has_the_sections_in_order(rule: type[Rule]) -> None:
    doc = inspect.cleandoc(rule.__doc__ or "")
    found = re.findall(r"^## (.+)$", doc, re.M)
    assert [s for s in found if s in SECTIONS] == [s for s in SECTIONS if s in found]
    for required in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert required in found, f"{rule.code} lacks '{required}'"
    assert rule.summary(), f"{rule.code} has no one-line summary"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_example_fires_and_use_instead_is_quiet(rule: type[Rule]) -> None:
    """By default, and with ``--scope all``; a rule whose findings are all the wider view (its
    documentation says so: "The wider view") fires with ``--scope all`` only."""
    wider_only = "The wider view" in (rule.__doc__ or "")
    for scope in ("server", "all"):
        config = Config(select=(rule.code,), scope=scope)
        bad = lint_source(_code_block(rule, "Example"), "example.py", config)
        good = lint_source(_code_block(rule, "Use instead"), "example.py", config)
        fires = bool([d.code for d in bad if d.code == rule.code])
        assert fires != (wider_only and scope == "server"), f"{rule.code}: its Example fires {fires} ({scope})"
        assert not [d for d in good if d.code == rule.code], f"{rule.code}: its 'Use instead' fires: {good}"


def test_codes_and_names_are_unique_and_well_formed() -> None:
    assert len(by_name()) == len(registry())
    for code, rule in registry().items():
        assert re.fullmatch(r"FAS\d{3}", code)
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", rule.name)


def test_changelog_mentions_every_code() -> None:
    from pathlib import Path

    changelog = (Path(__file__).resolve().parents[2] / "CHANGELOG.md").read_text(encoding="utf-8")
    for code in registry():
        assert code in changelog, f"{code} is missing from CHANGELOG.md"
