"""Small helpers shared by the tests."""

from __future__ import annotations

from click.testing import CliRunner


def cli_runner() -> CliRunner:
    """A runner that keeps stderr apart from stdout, on every supported click."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        return CliRunner()
