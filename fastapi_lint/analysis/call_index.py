"""Every call of a linked project, looked up by the name its callee is written with, by what it
resolves to, or by the keywords it passes."""

from __future__ import annotations

import weakref
from collections.abc import Collection, Iterable, Iterator
from typing import Any, Optional, Protocol

from fastapi_lint.analysis.extract.deferred import unread_reader
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, ModuleSummary, Ref, RefKind


class Resolving(Protocol):
    """What the index needs of the project: its summaries, and resolution with its memo."""

    summaries: list[ModuleSummary]
    resolved: dict[RefKind, dict[str, Ref]]

    def resolve(self, ref: Ref | None) -> Ref: ...


_Entry = tuple[int, ModuleSummary, Optional[FunctionFacts], CallSite]
# An entry's number: its module's position in the project, shifted by this, plus its place in the module.
_CALLS_BITS = 24


def _entries(position: int, summary: ModuleSummary) -> Iterator[_Entry]:
    """The entries of the calls of the module at ``position`` of the project's, numbered as the
    summaries order them (its module's position first)."""
    number = position << _CALLS_BITS
    for function, sites in call_groups(summary):
        for site in sites:
            yield number, summary, function, site
            number += 1


class CallIndex:
    """Every call of the project, looked up by the name it is written with, by what it resolves
    to, and by the keywords it passes: read by several rules. Each table is built on its first
    lookup: naming a call is cheap, resolving every callee of a project is not (a process that
    runs only the rules that never ask by path does not pay for it)."""

    def __init__(self, project: Resolving, previous: CallIndex | None = None,
                 unchanged: frozenset[str] = frozenset()) -> None:
        """``previous``: the index of a project this one's inherits the answers of
        (``Project.inherit``), whose modules at the display paths ``unchanged`` are the same:
        its entries of those are kept, and only the other modules' calls are indexed again."""
        # The project holds its index: a plain reference back would make a cycle, which only the
        # collector frees (a long-lived session drops a linked project after every change).
        self._project = weakref.proxy(project)
        self._index: dict[str, dict[str, list[_Entry]]] = {}
        # Calls grouped by how their callee is written, in order of first use: each written
        # callee is named (and resolved) once, not once per call (a project repeats most).
        self._written: dict[Ref, list[_Entry]] = {}
        self._keywords: list[_Entry] = []
        if previous is not None:
            self._inherit(project, previous, unchanged)
            return
        for position, summary in enumerate(project.summaries):
            self._add(position, summary)

    def _add(self, position: int, summary: ModuleSummary) -> None:
        """Index the calls of the module at ``position`` of the project's. An entry's number
        orders the calls as the summaries do (its module's position first)."""
        written, with_keywords = self._written, self._keywords
        for entry in _entries(position, summary):
            site = entry[3]
            func = site.func
            if func is not None:
                group = written.get(func)
                if group is None:
                    written[func] = [entry]
                else:
                    group.append(entry)
            if site.kwargs:
                with_keywords.append(entry)

    def _inherit(self, project: Resolving, previous: CallIndex, unchanged: frozenset[str]) -> None:
        """The entries of ``previous``, but those of the modules not in ``unchanged``, which are
        indexed again. Only the lists of the keys their calls are filed under are rebuilt; the
        others are shared with ``previous`` (which is never changed: a client may still read it)."""
        before = previous._project.summaries
        # a module's entries hold its facts' object, which the model looks calls up by (``id``)
        changed = {position for position, summary in enumerate(project.summaries)
                   if summary.path not in unchanged or summary is not before[position]}
        touched: dict[str, set[Any]] = {"": set(), **{kind: set() for kind in previous._index}}
        for position in changed:  # the keys the old entries were filed under
            for _, sites in call_groups(before[position]):
                for site in sites:
                    for kind, keys in touched.items():
                        keys.update(self._keys_of(kind, site, previous._project))
        self._written = dict(previous._written)
        self._index = {kind: dict(table) for kind, table in previous._index.items()}
        added: list[_Entry] = []
        new_keys: dict[str, dict[Any, list[_Entry]]] = {kind: {} for kind in touched}
        for position in sorted(changed):
            for entry in _entries(position, project.summaries[position]):
                added.append(entry)
                for kind, keys in touched.items():
                    for key in self._keys_of(kind, entry[3], project):
                        keys.add(key)
                        new_keys[kind].setdefault(key, []).append(entry)
        for kind, keys in touched.items():
            table: dict[Any, list[_Entry]] = self._written if not kind else self._index[kind]
            for key in keys:
                group = [entry for entry in table.get(key, ()) if entry[0] >> _CALLS_BITS not in changed]
                group += new_keys[kind].get(key, [])
                if group:
                    table[key] = sorted(group, key=_first)
                else:
                    table.pop(key, None)
        self._keywords = sorted([*(entry for entry in previous._keywords if entry[0] >> _CALLS_BITS not in changed),
                                 *(entry for entry in added if entry[3].kwargs)], key=_first)

    @staticmethod
    def _keys_of(kind: str, site: CallSite, project: Resolving) -> Iterator[Any]:
        """The keys a call is filed under in ``_written`` ("": how its callee is written) or a table."""
        func = site.func
        if kind == "keyword":
            yield from (keyword for keyword, _ in site.kwargs)
        elif func is None:
            return
        elif kind == "":
            yield func
        elif kind == "name":
            yield func.path.rpartition(".")[2]
        elif kind == "path":
            yield (project.resolved[func.kind].get(func.path) or project.resolve(func)).path

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
