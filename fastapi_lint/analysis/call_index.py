"""Every call of a linked project, looked up by the name its callee is written with, by what it
resolves to, or by the keywords it passes."""

from __future__ import annotations

import weakref
from collections.abc import Collection, Iterable, Iterator
from typing import Optional, Protocol

from fastapi_lint.analysis.extract.deferred import unread_reader
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, ModuleSummary, Ref, RefKind


class Resolving(Protocol):
    """What the index needs of the project: its summaries, and resolution with its memo."""

    summaries: list[ModuleSummary]
    resolved: dict[RefKind, dict[str, Ref]]

    def resolve(self, ref: Ref | None) -> Ref: ...


_Entry = tuple[int, ModuleSummary, Optional[FunctionFacts], CallSite]


class CallIndex:
    """Every call of the project, looked up by the name it is written with, by what it resolves
    to, and by the keywords it passes: read by several rules. Each table is built on its first
    lookup: naming a call is cheap, resolving every callee of a project is not (a process that
    runs only the rules that never ask by path does not pay for it)."""

    def __init__(self, project: Resolving) -> None:
        # The project holds its index: a plain reference back would make a cycle, which only the
        # collector frees (a long-lived session drops a linked project after every change).
        self._project = weakref.proxy(project)
        self._index: dict[str, dict[str, list[_Entry]]] = {}
        # Calls grouped by how their callee is written, in order of first use: each written
        # callee is named (and resolved) once, not once per call (a project repeats most).
        self._written: dict[Ref, list[_Entry]] = {}
        self._keywords: list[_Entry] = []
        written, with_keywords = self._written, self._keywords
        number = 0
        for summary in project.summaries:
            for function, sites in call_groups(summary):
                for site in sites:
                    entry = (number, summary, function, site)
                    number += 1
                    func = site.func
                    if func is not None:
                        group = written.get(func)
                        if group is None:
                            written[func] = [entry]
                        else:
                            group.append(entry)
                    if site.kwargs:
                        with_keywords.append(entry)

    def keys(self, kind: str) -> Iterable[str]:
        return self._table(kind).keys()

    def lookup(self, kind: str, keys: Iterable[str]) -> list[tuple[ModuleSummary, FunctionFacts | None, CallSite]]:
        table = self._table(kind)
        found = sorted({entry[0]: entry for key in set(keys) for entry in table.get(key, ())}.values(), key=_first)
        return [(summary, function, site) for _, summary, function, site in found]

    def _table(self, kind: str) -> dict[str, list[_Entry]]:
        table = self._index.get(kind)
        if table is None:
            table = self._index[kind] = {}
            if kind == "name":
                for func, entries in self._written.items():
                    table.setdefault(func.path.rpartition(".")[2], []).extend(entries)
            elif kind == "path":
                resolve, memo = self._project.resolve, self._project.resolved
                for func, entries in self._written.items():
                    resolved = memo[func.kind].get(func.path) or resolve(func)
                    table.setdefault(resolved.path, []).extend(entries)
            elif kind == "keyword":
                for entry in self._keywords:
                    for keyword, _ in entry[3].kwargs:
                        table.setdefault(keyword, []).append(entry)
            else:
                raise KeyError(kind)
        return table


def call_groups(summary: ModuleSummary) -> Iterator[tuple[FunctionFacts | None, tuple[CallSite, ...]]]:
    """A module's calls, a body at a time, with the function they are in (None at module level)."""
    yield None, summary.module_calls
    for function in summary.functions:
        yield function, function.calls


def _first(entry: _Entry) -> int:
    return entry[0]


def deferred_calls_to(project: Resolving, paths: Collection[str]) -> list[tuple[ModuleSummary, FunctionFacts, CallSite]]:
    """The calls in function bodies that resolve to one of ``paths``, in a project whose bodies
    are read when asked for (an installed package's, ``extract/deferred.py``): only the modules
    whose text names a callee, by its last name or by a name a module binds it to (``from .x
    import Client as C``), are read; indexing every call would read every body."""
    wanted = set(paths)
    last = {path.rpartition(".")[2] for path in wanted}
    names = last | {binding.name for summary in project.summaries for binding in summary.bindings
                    if binding.value.ref is not None and binding.value.ref.path.rpartition(".")[2] in last}
    words = tuple(name.encode() for name in names if name)
    found: list[tuple[ModuleSummary, FunctionFacts, CallSite]] = []
    for summary in project.summaries:
        reader = unread_reader(summary.functions)
        if reader is not None and not reader.mentions(words):
            continue
        for function in summary.functions:
            for site in function.calls:
                if site.func is not None and project.resolve(site.func).path in wanted:
                    found.append((summary, function, site))
    return found
