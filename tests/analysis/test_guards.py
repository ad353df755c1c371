"""Cache guards: which calls run once per entry (phase 1's ``once`` and ``pending_guards``,
phase 2's confirmation one or two calls down), and acquisitions of fresh locks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fastapi_lint.analysis.facts import CallSite
from fastapi_lint.api import lint_paths
from fastapi_lint.config import Config
from tests.analysis.test_summary import function, summary_of


def once(source: str, name: str) -> dict[str, bool]:
    """Each call of function ``name`` by its text: whether phase 1 marks it ``once``."""
    return {site.text: site.once for site in function(summary_of(source), name).calls}


def site(source: str, name: str, text: str) -> CallSite:
    return next(s for s in function(summary_of(source), name).calls if s.text == text)


@pytest.mark.parametrize(
    "body",
    [
        # a local read from the place stands for it; a staleness check beside the missing-check
        """
        c = getattr(self, "_client", None)
        if c is None or c.is_closed:
            c = build()
            self._client = c
        return c
        """,
        """
        if not hasattr(self, "_client"):
            self._client = build()
        return self._client
        """,
        # an extra condition on the early return: a freshness check or a bypass flag
        """
        if "k" in CACHE and not refresh:
            return CACHE["k"]
        CACHE["k"] = build()
        return CACHE["k"]
        """,
        # the filling code in the `else` of a present-check
        """
        if key in self._store:
            self._uses[key] += 1
        else:
            self._store[key] = build()
        return self._store[key]
        """,
        # a cache's own `set`, awaited, after a local read with `get`
        """
        c = CACHE.get(key)
        if c is None:
            c = build()
            CACHE.set(key, c)
        return c
        """,
        """
        if (c := CACHE.get(key)) is None:
            c = CACHE[key] = build()
        return c
        """,
        """
        if getattr(self, "_client", None) is None:
            setattr(self, "_client", build())
        return self._client
        """,
    ],
)
def test_guard_forms_run_once(body: str) -> None:
    source = "CACHE = {}\n\nclass Holder:\n    def client(self, key=None, refresh=False):\n" + textwrap.indent(
        textwrap.dedent(body), "        "
    )
    assert once(source, "client")["build"] is True


@pytest.mark.parametrize(
    "body",
    [
        # a guard on a local: rebuilt on every call
        """
        c = None
        if c is None:
            c = build()
        return c
        """,
        # checks one place, stores into another
        """
        if key not in CACHE:
            OTHER[key] = build()
        return OTHER[key]
        """,
        # the local was read from the place, but the guarded code fills only the local
        """
        c = self._client
        if c is None:
            c = build()
        return c
        """,
        # a local read from the place, then bound to something else before the check
        """
        c = self._client
        c = other()
        if c is None:
            self._client = build()
        return c
        """,
    ],
)
def test_what_is_not_a_guard(body: str) -> None:
    source = "CACHE = {}\nOTHER = {}\n\nclass Holder:\n    def client(self, key=None):\n" + textwrap.indent(
        textwrap.dedent(body), "        "
    )
    assert once(source, "client")["build"] is False


def test_a_guard_that_leaves_the_store_to_a_callee_is_pending_on_its_place() -> None:
    summary = summary_of(
        """
        _client = None

        def get_client():
            if _client is None:
                _connect()
            return _client

        def _connect():
            global _client
            _client = make()

        class Service:
            def session(this):
                if not this._session:
                    this._open()
                return this._session

            def _open(self):
                self._session = make()
        """
    )
    assert [(g.first, g.place, g.filled) for g in function(summary, "get_client").guards] == [(6, "_client", False)]
    assert function(summary, "_connect").fills == ("_client",)
    # a method's own first parameter is spelled `self` whatever its name
    assert [(g.first, g.place, g.filled) for g in function(summary, "session").guards] == [(16, "self._session", False)]
    assert function(summary, "_open").fills == ("self._session",)
    assert function(summary, "get_client").calls[0].once is False


def test_a_fresh_lock_acquire_is_uncontended() -> None:
    source = """
    import threading

    SHARED = threading.Lock()

    def take(registry):
        lock = threading.Lock()
        lock.acquire()
        registry["a"] = lock

    def published(registry):
        lock = threading.RLock()
        registry["a"] = lock
        lock.acquire()

    def no_permit():
        gate = threading.Semaphore(0)
        gate.acquire()

    def shared():
        SHARED.acquire()
    """
    assert site(source, "take", "lock.acquire").uncontended is True
    assert site(source, "published", "lock.acquire").uncontended is False
    assert site(source, "no_permit", "gate.acquire").uncontended is False
    assert site(source, "shared", "SHARED.acquire").uncontended is False


def _fas201_lines(tmp_path: Path, source: str) -> list[int]:
    (tmp_path / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    result = lint_paths([tmp_path], Config(select=("FAS201",)))
    return sorted(d.span.line for d in result.diagnostics)


def test_a_pending_guard_counts_only_when_a_callee_two_calls_down_fills_its_place(tmp_path: Path) -> None:
    lines = _fas201_lines(
        tmp_path,
        """
        import httpx
        from fastapi import FastAPI

        app = FastAPI()
        _client = None
        _other = None


        def _store():
            global _client
            _client = httpx.AsyncClient()


        def _connect():
            _store()


        def get_client():
            if _client is None:
                _connect()
            return _client


        def _store_elsewhere():
            global _other
            _other = httpx.AsyncClient()


        def get_wrong():
            if _client is None:
                _store_elsewhere()
            return _client


        @app.get("/")
        async def root():
            await get_client().get("https://example.com")
            await get_wrong().get("https://example.com")
            return {}
        """,
    )
    assert lines == [27]
