"""A check of some files (a one-file run of the background process, the language server's open
files) gives, in those files, what a check of every file gives: each rule's fixtures checked so.

The rules that find what they report file by file skip the files not asked for
(``Context.reporting_on``); a finding reported in one file that another file's code decides
(a route's chain through helpers, a deprecated option a decorator names) must not be lost.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from fastapi_lint.api import ProjectSession
from fastapi_lint.config import Config

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
# How many files of each rule's fixtures are asked for alone (all of them when fewer).
ASKED = 6


def _key(diagnostic: object) -> tuple[object, ...]:
    return (getattr(diagnostic, "code"), getattr(diagnostic, "span"), getattr(diagnostic, "message"))


@pytest.mark.parametrize("rule", sorted(path.name for path in FIXTURES.iterdir() if path.is_dir()))
def test_a_check_of_some_files_gives_their_findings_as_a_check_of_every_file(
        rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / rule)
    config = Config(extend_select=("FAS106", "FAS107", "FAS108", "FAS109"))

    def session() -> ProjectSession:
        made = ProjectSession(FIXTURES / rule, config, cache_dir=None, jobs=1)
        made.refresh()
        return made

    whole = session().check().by_path
    asking = session()  # (a check of every file would answer for any file asked after it)
    shown = sorted(asking.files())
    rng = random.Random(rule)
    # the files with findings first (what a restricted rule could lose), then others
    asked = sorted(path for path in shown if whole.get(path))[:ASKED] + rng.sample(shown, min(2, len(shown)))
    assert asked, f"{rule}: no files"
    for path in asked:
        some = asking.check(reported=frozenset({path})).by_path
        assert sorted(map(_key, some.get(path, []))) == sorted(map(_key, whole.get(path, []))), f"{rule}: {path}"
