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


def test_the_readme_names_each_family_and_its_folder() -> None:
    """The README lists the families, not the rules (``fastapi-lint rules`` does): adding a rule to
    a family touches the rule's module, its fixtures and the changelog, nothing else."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| FAS") and "xx |" in line]
    assert [row.split(" | ")[0] for row in rows] == [f"| FAS{digit}xx" for digit in sorted({r.code[3] for r in RULES})]
    for row in rows:
        folder = FAMILY[row[5]]
        assert f"[`{folder}`](fastapi_lint/rules/{folder}/)" in row, row
    assert not re.search(r"^\| FAS\d{3} ", readme, re.M), "the README lists rules one by one: `fastapi-lint rules` does"


def test_every_format_has_a_reporter_and_the_readme_names_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `--format FORMAT` |"))
    for name in FORMATS:
        assert callable(get(name))
        assert re.search(rf"`{name}`", row), f"the README's --format row does not describe `{name}`"
