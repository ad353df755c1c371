"""Facts of a linked project computed once and kept while it lives (``per_project``), and what
of them a project that inherits another's answers keeps (``Project.inherit``)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

# A linked project (``project.Project``, which imports this module): what the facts are kept by.
Project = Any
_T = TypeVar("_T")


class per_project(Generic[_T]):
    """A fact of a linked project computed once and kept while the project lives, for analysis
    code that holds the project alone (the facts rules read are ``Context``'s properties).

    Decorates ``build(project)``. What it returns must not refer to the project, which would
    then never be freed (a long-lived flake8 or editor process links many).

    ``carry(found, unchanged)``: what of ``found``, kept for a project, still holds for one that
    inherits from it (``Project.inherit``), whose modules at the display paths ``unchanged``
    are the same and whose other modules changed only in what name resolution does not read.
    Without it, the fact is built again for that project. ``whole`` and ``unchanged_modules``
    are the two usual answers.
    """

    _carried: ClassVar[list[per_project[Any]]] = []

    def __init__(self, build: Callable[[Project], _T], carry: Callable[[_T, frozenset[str]], _T] | None = None) -> None:
        self._build = build
        self._found: weakref.WeakKeyDictionary[Project, _T] = weakref.WeakKeyDictionary()
        self._carry = carry
        self.__doc__ = build.__doc__
        if carry is not None:
            per_project._carried.append(self)

    @staticmethod
    def inherited(carry: Callable[[_T, frozenset[str]], _T]) -> Callable[[Callable[[Project], _T]], per_project[_T]]:
        """``@per_project.inherited(carry)``: ``per_project`` with ``carry``."""
        return lambda build: per_project(build, carry)

    @classmethod
    def carry_all(cls, previous: Project, project: Project, unchanged: frozenset[str], same_functions: bool) -> None:
        """``same_functions``: the two projects have functions at the same paths (else what
        ``whole`` carries is built again)."""
        for fact in cls._carried:
            found = fact._found.get(previous)
            if found is not None and fact._carry is not None and (same_functions or fact._carry is not whole):
                fact._found[project] = fact._carry(found, unchanged)

    def __call__(self, project: Project) -> _T:
        try:
            return self._found[project]
        except KeyError:
            found = self._found[project] = self._build(project)
            return found


def whole(found: _T, unchanged: frozenset[str]) -> _T:
    """``per_project``'s carry for a fact of what the project's functions are (their paths, the
    modules they are in), not of what their bodies do: all of it holds, while the same functions
    are defined."""
    return found


_V = TypeVar("_V")


def unchanged_modules(found: dict[str, _V], unchanged: frozenset[str]) -> dict[str, _V]:
    """``per_project``'s carry for shares kept per module (by display path), each read from its
    own module's facts and name resolution alone: those of the modules that did not change."""
    return {path: share for path, share in found.items() if path in unchanged}


def share(shares: dict[str, _V], key: str, build: Callable[[], _V]) -> _V:
    """The share at ``key`` (a module's display path) of a fact kept by module (``unchanged_modules``):
    the one kept, else ``build()``'s, kept."""
    found = shares.get(key)
    if found is None:
        found = shares[key] = build()
    return found


def function_share(shares: dict[str, dict[str, _V]], module: str, key: str, build: Callable[[], _V]) -> _V:
    """``share`` of a fact kept per function (``key``: its path, or the module's name for its top
    level), by the display path of its ``module``."""
    return share(shares.setdefault(module, {}), key, build)
