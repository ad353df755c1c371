"""Small helpers shared by the tests."""

from __future__ import annotations

from click.testing import CliRunner


def cli_runner() -> CliRunner:
    """A runner that keeps stderr apart from stdout, on every supported click."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        return CliRunner()


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
