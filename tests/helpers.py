"""Small helpers shared by the tests."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result


def cli_runner() -> CliRunner:
    """A runner that keeps stderr apart from stdout, on every supported click."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        return CliRunner()


def invoke(*args: str) -> Result:
    """``fastapi-lint ARGS`` in process; an exception in the CLI fails the test."""
    from fastapi_lint import cli

    return cli_runner().invoke(cli.main, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Colour decisions must not depend on the CI's own FORCE_COLOR or NO_COLOR
    (autouse in the modules that import it)."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


# One route that blocks the loop: the smallest input with a finding.
ROUTE = """\
import time
from fastapi import FastAPI

app = FastAPI()


@app.get("/slow")
async def slow():
    time.sleep(1)
    return {}
"""


# A two-module package whose route reaches a blocking helper in the other module:
# what only a project-wide analysis finds (``app/deps.py`` and ``app/items.py``).
DEPS = """\
import time


def load_user():
    time.sleep(1)
    return {}
"""

ITEMS = """\
from fastapi import APIRouter

from app.deps import load_user

router = APIRouter()


@router.get("/items")
async def read_items():
    return load_user()
"""
