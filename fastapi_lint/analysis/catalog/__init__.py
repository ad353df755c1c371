"""Data about third-party APIs: what blocks, what offloads, what a factory returns.

Every blocking entry says why and what to use instead, so messages can explain
themselves. ``Catalog`` is the one place that answers "does this path block?",
with the user's ``extend-blocking-calls``/``extend-async-safe`` applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from fastapi_lint.analysis.catalog.blocking import ASYNC_SAFE, ENTRIES, Entry
from fastapi_lint.analysis.catalog.cpu import CPU_ENTRIES
from fastapi_lint.analysis.catalog.factories import ATTRIBUTE_TYPES, ITEM_TYPES
from fastapi_lint.analysis.catalog.iterated import ITERATED_ENTRIES
from fastapi_lint.analysis.catalog.runnables import match as runnable_match
from fastapi_lint.analysis.facts import CallSite


class Followed(Protocol):
    """What answers for the calls no entry knows: the project's installed packages (``installed.py``)."""

    own_modules: frozenset[str]  # top-level names of the project's modules, never followed there
    own_package: str | None  # for an installed package's own calls: that package (its project is it)

    def entry(self, path: str, covered: Callable[[str], bool]) -> Entry | None: ...

    def at(self, path: str, site: CallSite, entry: Entry) -> Entry | None: ...

    def keep_answers(self) -> None: ...

_MAX_ATTRIBUTE_STEPS = 8
_USER_WHY = "is listed in `extend-blocking-calls`"
_USER_INSTEAD = "its async counterpart, or `await run_in_threadpool(...)`"


class Catalog:
    """Patterns are exact dotted paths or ``prefix.*`` (everything below ``prefix``).

    A user's ``extend-blocking-calls`` entry replaces a built-in one with the same
    pattern; ``extend-async-safe`` (and the built-in ``ASYNC_SAFE``) wins over both.
    """

    def __init__(self, extend_blocking: Iterable[str] = (), extend_safe: Iterable[str] = ()) -> None:
        self._exact: dict[str, Entry] = {}
        self._prefixes: dict[str, Entry] = {}
        for entry in [*ENTRIES, *CPU_ENTRIES, *(Entry(p, _USER_WHY, _USER_INSTEAD) for p in extend_blocking)]:
            self._add(entry)
        self._safe_exact: set[str] = set()
        self._safe_prefixes: set[str] = set()
        for pattern in [*ASYNC_SAFE, *extend_safe]:
            if pattern.endswith(".*"):
                self._safe_prefixes.add(pattern[:-2])
            else:
                self._safe_exact.add(pattern)
        # A project calls the same few thousand paths over and over: the entries' answer for each,
        # and, for those they do not know, what following it into an installed package found.
        self._known: dict[str, Entry | None] = {}
        self._followed: dict[str, Entry | None] = {}
        # The project's environment, whose packages a call the entries do not know is followed into.
        self.installed: Followed | None = None
        self._covered: frozenset[str] | None = None  # ``covers``'s

    def covers(self, package: str) -> bool:
        """Whether the catalog has entries (blocking or async-safe) in ``package`` (``redis``,
        ``google.cloud.storage``): a library it was written for, whose calls it does not name are
        taken not to wait."""
        if self._covered is None:
            patterns = [*self._exact, *self._prefixes, *self._safe_exact, *self._safe_prefixes]
            self._covered = frozenset(".".join(parts[:end]) for parts in (pattern.split(".") for pattern in patterns)
                                      for end in range(1, len(parts) + 1))
        return package in self._covered

    def _add(self, entry: Entry) -> None:
        if entry.pattern.endswith(".*"):
            self._prefixes[entry.pattern[:-2]] = entry
        else:
            self._exact[entry.pattern] = entry

    def match(self, path: str, follow: bool = True) -> Entry | None:
        """The entry for a resolved call path, or None when it is not known to block; with
        ``follow`` False, the entries' answer alone (no installed package read).

        A path holding ``()`` went through a call whose result is unknown: it never matches.
        """
        try:
            found = self._known[path]
        except KeyError:
            found = self._known[path] = None if "()" in path else self._folded(path, self._lookup)
        if found is not None or not follow or self.installed is None:
            return found
        try:
            return self._followed[path]
        except KeyError:
            followed = self._followed[path] = (None if "()" in path or self._is_safe(path)
                                               else self.installed.entry(path, self.covers))
            return followed

    def as_called(self, path: str, site: CallSite, entry: Entry) -> Entry | None:
        """``entry`` (``path``'s) as ``site`` calls it: a call into an installed package waits only
        on what its arguments let run there (``installed.py``)."""
        return entry if self.installed is None else self.installed.at(path, site, entry)

    def match_iterated(self, path: str) -> Entry | None:
        """The entry for a call whose result does the I/O when iterated (``iterated.py``), for a
        call site whose result is iterated; None for the others. A chain on the lazy result
        (``users.find().sort(...)``, whose type the path does not carry) is that result still."""
        return self._folded(path.partition("()")[0], ITERATED_ENTRIES.get)

    def match_called(self, path: str, bases: tuple[str, ...], follow: bool = True) -> Entry | None:
        """The entry for calling an object of the type at ``path`` that defines no ``__call__``:
        its type's, else the first of its bases' (``bases``, its MRO) the catalog knows: a
        project's ``torch.nn.Module`` subclass runs the module's forward pass."""
        return next((found for base in (path, *bases) if (found := self.match(base, follow)) is not None), None)

    def _folded(self, path: str, lookup: Callable[[str], Entry | None]) -> Entry | None:
        """``lookup``'s entry for ``path``, or for the path with its typed attributes folded into
        their types (``_through_attribute``), the first found; None from a path declared safe."""
        current: str | None = path
        for _ in range(_MAX_ATTRIBUTE_STEPS):
            if current is None or self._is_safe(current):
                return None
            found = lookup(current)
            if found is not None:
                return found
            current = _through_attribute(current)
        return None

    def _is_safe(self, path: str) -> bool:
        return path in self._safe_exact or any(_under(path, prefix) for prefix in self._safe_prefixes)

    def _lookup(self, path: str) -> Entry | None:
        entry = self._exact.get(path)
        if entry is not None:
            return entry
        prefix = path
        while "." in prefix:
            prefix = prefix.rpartition(".")[0]
            if prefix in self._prefixes:
                return self._prefixes[prefix]
        return runnable_match(path)


def _through_attribute(path: str) -> str | None:
    """The same call with a typed attribute folded into its type, or None.

    ``pathlib.Path.parent.iterdir`` -> ``pathlib.Path.iterdir`` (a property, ``ATTRIBUTE_TYPES``);
    ``pymongo.MongoClient.shop.orders.find_one`` -> ``pymongo.database.Database.orders.find_one``
    (any other attribute of a container type, ``ITEM_TYPES``, followed by more, is an item).
    """
    segments = path.split(".")
    for end in range(1, len(segments) - 1):
        owner = ".".join(segments[:end])
        attribute = f"{owner}.{segments[end]}"
        rest = segments[end + 1 :]
        if attribute in ATTRIBUTE_TYPES:
            return ".".join([ATTRIBUTE_TYPES[attribute], *rest])
        if owner in ITEM_TYPES:
            return ".".join([ITEM_TYPES[owner], *rest])
    return None


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")
