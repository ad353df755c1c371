"""The ``# noqa`` form the README documents, read by the real tools of a team's stack.

fastapi-lint, flake8 (with this package's plugin) and Ruff must read ``# noqa: FAS101`` and
``# noqa: F401, FAS101`` the same way: the codes named are silenced and nothing else, so an
unused import on a line with a FAS code is still reported. A rule name after ``noqa:`` is not
such a form (flake8 reads it as a bare ``# noqa``, Ruff warns): the last tests pin that down,
which is why the README shows codes only. Ruff is run when it is installed (the test extras
name it); otherwise those tests are skipped, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_lint.api import lint_paths
from fastapi_lint.config import Config

# Line 1: another tool's finding beside a FAS code (F401 must stay reported); line 2: both
# tools' codes in one comment (F401 silenced for flake8 and Ruff, FAS101 for us).
# Lines 7-8: our findings silenced by codes. Line 9: not silenced.
DOCUMENTED = """\
import os  # noqa: FAS101
import json  # noqa: F401, FAS101
import time


async def handler() -> None:
    time.sleep(1)  # noqa: FAS101
    time.sleep(2)  # noqa: FAS101, FAS103
    time.sleep(3)
"""

NAMED = """\
import sys  # noqa: blocking-call-in-async
"""


def _ruff() -> str:
    found = shutil.which("ruff") or shutil.which("ruff", path=os.path.dirname(sys.executable))
    if found is None:
        pytest.skip("ruff is not installed (pip install ruff): the Ruff half of this check did not run")
    return found


def _flake8(folder: Path, name: str) -> list[tuple[int, str]]:
    done = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "F401,FAS", "--format", "%(row)d %(code)s", name],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    return sorted((int(row), code) for row, code in (line.split() for line in done.stdout.splitlines()))


def _ruff_check(folder: Path, name: str, *config: str) -> tuple[list[tuple[int, str]], str]:
    done = subprocess.run(
        [_ruff(), "check", "--no-cache", "--isolated", "--select", "F401,RUF100", "--output-format", "json",
         *(part for item in config for part in ("--config", item)), name],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    import json

    found = sorted((item["location"]["row"], item["code"]) for item in json.loads(done.stdout))
    return found, done.stderr


@pytest.fixture
def documented(tmp_path: Path) -> Path:
    (tmp_path / "m.py").write_text(DOCUMENTED)
    return tmp_path


def test_fastapi_lint_reads_the_documented_form(documented: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(documented)
    found = lint_paths([Path("m.py")], Config(select=("FAS101",))).diagnostics
    assert [(d.span.line, d.code) for d in found] == [(9, "FAS101")]


def test_flake8_reads_the_documented_form(documented: Path) -> None:
    # Only the codes named are silenced: F401 on line 1 stays, FAS101 on lines 7-8 goes.
    assert _flake8(documented, "m.py") == [(1, "F401"), (9, "FAS101")]


def test_ruff_reads_the_documented_form_without_a_warning(documented: Path) -> None:
    # With the FAS codes declared external (as the README says), Ruff neither warns about them
    # nor calls them unused (RUF100), and F401 beside a FAS code is still reported.
    found, stderr = _ruff_check(documented, "m.py", 'lint.external = ["FAS"]')
    assert found == [(1, "F401")]
    assert "noqa" not in stderr.lower(), stderr


def test_flake8_reads_a_rule_name_as_a_bare_noqa(tmp_path: Path) -> None:
    """Why the README writes codes: with a name, flake8 silences every code on the line."""
    (tmp_path / "m.py").write_text(NAMED)
    assert _flake8(tmp_path, "m.py") == []  # the F401 is lost


def test_ruff_warns_about_a_rule_name(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(NAMED)
    found, stderr = _ruff_check(tmp_path, "m.py", 'lint.external = ["FAS"]')
    assert found == [(1, "F401")]
    assert "Invalid `# noqa` directive" in stderr
