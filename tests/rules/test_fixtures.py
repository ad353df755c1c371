"""Every fixture produces exactly the findings its comments expect, and every rule has both kinds."""

from __future__ import annotations

import os

import pytest

from fastapi_lint.rules import registry
from tests.fixture_harness import ROOT, all_fixtures, compare

FIXTURES = all_fixtures()


@pytest.fixture(autouse=True)
def _from_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # reported paths are relative to the working folder


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.id for f in FIXTURES])
def test_fixture(fixture) -> None:  # type: ignore[no-untyped-def]
    problems = compare(fixture, fixture.run())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", sorted(registry()))
def test_every_rule_has_positive_and_negative_fixtures(code: str) -> None:
    mine = [f for f in FIXTURES if f.code == code]
    positive = [f for f in mine if any(e.code == code for e in f.expectations())]
    # A fixture in the rule's folder that expects nothing of the rule shows it staying quiet.
    negative = [f for f in mine if not any(e.code == code for e in f.expectations())]
    assert positive, f"{code} has no fixture where it fires"
    assert negative, f"{code} has no fixture where it stays quiet"


def test_fixture_folders_name_real_rules() -> None:
    folders = {p.name for p in (ROOT / "fixtures").glob("FAS*")}
    assert folders <= set(registry()), folders - set(registry())
    assert os.path.isdir(ROOT / "fixtures")
