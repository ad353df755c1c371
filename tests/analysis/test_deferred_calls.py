"""Calls into installed packages are followed only when a function's waits are asked
(analysis/deferred_calls.py): what reaches what never needs them."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.catalog import Catalog
from fastapi_lint.analysis.catalog.blocking import Entry, Tier
from fastapi_lint.analysis.extract import summarize_file
from fastapi_lint.analysis.facts import CallSite, ModuleSummary
from fastapi_lint.analysis.project import Project

_CODE = """\
import time

import vendorsdk


def helper():
    return 1


def uses_sdk(url):
    vendorsdk.warm()
    helper()
    time.sleep(0.5)
    return vendorsdk.fetch(url)
"""


class _Recorded:
    """An environment whose ``vendorsdk.fetch`` waits on a peer; it records what it is asked."""

    own_modules = frozenset({"m"})

    def __init__(self) -> None:
        self.asked: list[str] = []

    def entry(self, path: str, covered: Callable[[str], bool]) -> Entry | None:
        if path.partition(".")[0] in self.own_modules:
            return None  # as ``InstalledLibraries``: the project's own paths are never read there
        self.asked.append(path)
        return Entry(path, "waits on a peer inside `vendorsdk`", "its async API", "io") if path == "vendorsdk.fetch" else None

    def at(self, path: str, site: CallSite, entry: Entry) -> Entry | None:
        return entry

    def keep_answers(self) -> None:
        return None


def _graph(tmp_path: Path) -> tuple[CallGraph, _Recorded]:
    (tmp_path / "m.py").write_text(textwrap.dedent(_CODE), encoding="utf-8")
    summary = summarize_file(tmp_path / "m.py", display="m.py")
    assert isinstance(summary, ModuleSummary), summary
    catalog = Catalog()
    catalog.installed = environment = _Recorded()
    return CallGraph(Project([summary]), catalog), environment


def test_what_a_function_reaches_asks_no_installed_package(tmp_path: Path) -> None:
    graph, environment = _graph(tmp_path)
    assert [callee for _, callee in graph.runs("m.uses_sdk")] == ["m.helper"]
    assert [callee for _, callee in graph.edges("m.uses_sdk")] == ["m.helper"]
    assert environment.asked == []


def test_its_waits_follow_them_in_the_order_written(tmp_path: Path) -> None:
    graph, environment = _graph(tmp_path)
    graph.runs("m.uses_sdk")
    assert [path for _, path, _ in graph.direct("m.uses_sdk")] == ["time.sleep", "vendorsdk.fetch"]
    assert environment.asked == ["vendorsdk.warm", "vendorsdk.fetch"]
    assert graph.unknown_calls("m.uses_sdk") == 1  # vendorsdk.warm: no wait known there
    witness = graph.witness("m.uses_sdk")
    assert witness is not None and witness.entry.tier is Tier.WAIT
    graph.direct("m.uses_sdk")
    assert environment.asked == ["vendorsdk.warm", "vendorsdk.fetch"]  # once
