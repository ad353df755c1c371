"""Data about third-party APIs: what blocks, what offloads, what a factory returns.

Every blocking entry says why and what to use instead, so messages can explain
themselves. ``Catalog`` is the one place that answers "does this path block?",
with the user's ``extend-blocking-calls``/``extend-async-safe`` applied.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi_lint.analysis.catalog.blocking import ASYNC_SAFE, ENTRIES, Entry
from fastapi_lint.analysis.catalog.cpu import CPU_ENTRIES

_USER_WHY = "is listed in `extend-blocking-calls`"
_USER_INSTEAD = "its async counterpart, or `await run_in_threadpool(...)`"


class Catalog:
    def __init__(self, extend_blocking: Iterable[str] = (), extend_safe: Iterable[str] = ()) -> None:
        self._exact: dict[str, Entry] = {}
        self._prefixes: dict[str, Entry] = {}
        for entry in [*ENTRIES, *CPU_ENTRIES, *(Entry(p, _USER_WHY, _USER_INSTEAD) for p in extend_blocking)]:
            self._add(entry)
        self._safe_exact = set(ASYNC_SAFE)
        self._safe_prefixes: set[str] = set()
        for pattern in extend_safe:
            if pattern.endswith(".*"):
                self._safe_prefixes.add(pattern[:-2])
            else:
                self._safe_exact.add(pattern)

    def _add(self, entry: Entry) -> None:
        if entry.pattern.endswith(".*"):
            self._prefixes[entry.pattern[:-2]] = entry
        else:
            self._exact[entry.pattern] = entry

    def match(self, path: str) -> Entry | None:
        """The entry for a resolved call path, or None when it is not known to block."""
        if "()" in path or path in self._safe_exact:
            return None
        if any(_under(path, prefix) for prefix in self._safe_prefixes):
            return None
        entry = self._exact.get(path)
        if entry is not None:
            return entry
        prefix = path
        while "." in prefix:
            prefix = prefix.rpartition(".")[0]
            if prefix in self._prefixes:
                return self._prefixes[prefix]
        return None


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")
