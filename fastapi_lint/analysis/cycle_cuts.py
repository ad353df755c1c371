"""Memoized questions that ask each other, answered the same whatever order they are asked in.

Name resolution asks recursive questions (what a name denotes, what a function returns, a
class's bases) and keeps each answer. A question that comes back to one still being answered
(``make()`` returns ``again()``, which returns ``make()``) is cut short: the inner one gets no
answer. What the questions between the two then find depends on that cut, so keeping it would
make a later answer depend on which question came first. ``CycleCuts`` tells each question
whether it may keep its answer: only when every cut under it came back to itself or to a
question it asked, never to one that was already open before it. An answer kept is then the one
asking it first would give, and a fresh project gives the same answers in any order (which an
editor's session needs, to keep some and recompute others).

Resolution is cut ``MAX_DEPTH`` questions deep too (the questions that only hold others,
``counted=False``, aside); what is found under such a cut depends on how deep the first question
was, so nothing open then keeps its answer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, MutableMapping
from typing import TypeVar

from fastapi_lint.analysis.linking import MAX_DEPTH

_K = TypeVar("_K")
_V = TypeVar("_V")


class CycleCuts:
    def __init__(self) -> None:
        self._depth: dict[Hashable, int] = {}  # the questions open, and how many were open before each
        self._lowest: list[int] = []  # per open question: the shallowest question a cut under it came back to
        self._counted: list[bool] = []  # per open question: whether it counts towards ``MAX_DEPTH``
        self._deep = 0  # how many of the open questions count

    def enter(self, key: Hashable, counted: bool = True) -> bool:
        """Opens ``key``; False (nothing opened) when it is open already or too deep: the asker
        gets no answer, and every question opened after ``key`` will not keep theirs."""
        open_at = self._depth.get(key)
        if open_at is None and not (counted and self._deep > MAX_DEPTH):
            self._depth[key] = len(self._depth)
            self._lowest.append(len(self._depth))
            self._counted.append(counted)
            self._deep += counted
            return True
        self._cut(0 if open_at is None else open_at)
        return False

    def leave(self, key: Hashable) -> bool:
        """Closes ``key`` (the last question opened); whether its answer may be kept."""
        depth = self._depth.pop(key)
        lowest = self._lowest.pop()
        self._deep -= self._counted.pop()
        if lowest < depth:
            self._cut(lowest)  # came back to a question open before this one: so did its asker
            return False
        return True

    def _cut(self, depth: int) -> None:
        if self._lowest and depth < self._lowest[-1]:
            self._lowest[-1] = depth

    def answer(self, key: Hashable, memo: MutableMapping[_K, _V], memo_key: _K, compute: Callable[[], _V],
               cut: _V, counted: bool = True) -> _V:
        """``compute()``'s answer to the question ``key``, kept in ``memo`` when it may be; ``cut``
        when the question is open already (or too deep)."""
        if not self.enter(key, counted):
            return cut
        try:
            found = compute()
        finally:
            keep = self.leave(key)
        if keep:
            memo[memo_key] = found
        return found
