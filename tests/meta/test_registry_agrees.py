"""The sources of truth agree: what the registry says about the rules is what the fixers, the
folders, the README and the reporters say. Each of these was once kept by hand in two places."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from fastapi_lint.fixes import fixable_codes
from fastapi_lint.reporters import FORMATS, get
from fastapi_lint.rules import Rule, registry

ROOT = Path(__file__).resolve().parents[2]
RULES = sorted(registry().values(), key=lambda rule: rule.code)

# The folder of ``fastapi_lint/rules/`` each hundred of codes lives in.
FAMILY = {"1": "event_loop", "2": "lifetime", "3": "settings", "4": "capacity", "5": "responses", "9": "meta"}


def test_a_rule_is_fixable_exactly_when_a_fixer_handles_its_code() -> None:
    assert {rule.code for rule in RULES if rule.fixable} == set(fixable_codes())


def test_every_fixer_code_is_a_rule() -> None:
    assert set(fixable_codes()) <= set(registry())


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_a_rule_lives_in_the_folder_of_its_family(rule: type[Rule]) -> None:
    package = rule.__module__.split(".")
    assert package[:2] == ["fastapi_lint", "rules"] and len(package) == 4, rule.__module__
    assert package[2] == FAMILY[rule.code[3]], f"{rule.code} is in rules/{package[2]}/"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_a_rule_says_its_known_problems(rule: type[Rule]) -> None:
    assert "\n## Known problems\n" in inspect.cleandoc(rule.__doc__ or ""), f"{rule.code} has no 'Known problems'"


def _readme_table() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("| code | name | severity | default | fix | what it flags |")
    return [line for line in text[start:].splitlines()[2:] if line.startswith("| FAS")] or ["(no rows)"]


def test_the_readme_rule_table_is_the_registry() -> None:
    expected = [
        f"| {rule.code} | `{rule.name}` | {rule.severity.name.lower()} | {'on' if rule.default_enabled else 'off'} "
        f"| {'yes' if rule.fixable else ''} | {rule.summary()} |"
        for rule in RULES
    ]
    assert _readme_table() == expected


def test_every_format_has_a_reporter_and_the_readme_names_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `--format FORMAT` |"))
    for name in FORMATS:
        assert callable(get(name))
        assert re.search(rf"`{name}`", row), f"the README's --format row does not describe `{name}`"
