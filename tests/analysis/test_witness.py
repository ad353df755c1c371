"""The witness of a sync function: the shortest chain to the costliest call it reaches, the same
whatever the run asked about before (findings must be a function of the facts)."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.catalog import Catalog
from fastapi_lint.analysis.catalog.blocking import Tier
from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.analysis.project import Project
from fastapi_lint.analysis.extract import summarize_file

# ``a`` and ``b`` call each other, and ``b`` reaches ``d``'s network call through ``c`` (which
# reads a file) and back into the cycle; ``e`` and ``f`` form a cycle that only lists a folder;
# ``p`` reaches two equally short network calls, each through a function that calls ``p`` back.
_CYCLES = """\
import os
import time
from pathlib import Path

import requests


def a(n):
    Path("/srv/flag").exists()
    if n:
        b(n - 1)


def b(n):
    c(n)
    a(n)


def c(n):
    open("/srv/data").close()
    if n:
        d(n)


def d(n):
    if n:
        b(n - 1)
    requests.get("https://peer.example", timeout=1)


def e():
    os.listdir("/srv")
    f()


def f():
    e()


def p(n):
    q(n)
    r(n)


def q(n):
    if n:
        p(n - 1)
    requests.get("https://one.example", timeout=1)


def r(n):
    if n:
        p(n - 1)
    time.sleep(1)
"""

_EXPECTED = {
    "m.a": (Tier.WAIT, ["m.b", "m.c", "m.d", "requests.get"]),
    "m.b": (Tier.WAIT, ["m.c", "m.d", "requests.get"]),
    "m.c": (Tier.WAIT, ["m.d", "requests.get"]),
    "m.d": (Tier.WAIT, ["requests.get"]),
    "m.e": (Tier.METADATA, ["os.listdir"]),
    "m.f": (Tier.METADATA, ["m.e", "os.listdir"]),
    "m.p": (Tier.WAIT, ["m.q", "requests.get"]),  # the first of two equally short chains
    "m.q": (Tier.WAIT, ["requests.get"]),
    "m.r": (Tier.WAIT, ["time.sleep"]),
}


def _project(tmp_path: Path) -> Project:
    (tmp_path / "m.py").write_text(textwrap.dedent(_CYCLES), encoding="utf-8")
    summary = summarize_file(tmp_path / "m.py", display="m.py")
    assert isinstance(summary, ModuleSummary), summary
    return Project([summary])


def _answers(project: Project, order: tuple[str, ...]) -> dict[str, tuple[Tier, list[str]] | None]:
    graph = CallGraph(project, Catalog())
    found: dict[str, tuple[Tier, list[str]] | None] = {}
    for path in order:
        witness = graph.witness(path)
        found[path] = None if witness is None else (witness.tier, [step.callee for step in witness.steps])
    return found


def test_the_costliest_call_wins_over_a_shorter_cheaper_one(tmp_path: Path) -> None:
    assert _answers(_project(tmp_path), tuple(_EXPECTED)) == _EXPECTED


def test_witnesses_do_not_depend_on_what_was_asked_first(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for start in itertools.permutations(["m.a", "m.b", "m.c", "m.d"]):
        assert _answers(project, (*start, *_EXPECTED)) == _EXPECTED, start
    for start in itertools.permutations(["m.p", "m.q", "m.r", "m.e", "m.f"]):
        assert _answers(project, (*start, *_EXPECTED)) == _EXPECTED, start
