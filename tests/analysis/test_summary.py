"""Phase 1 on its own: names resolved through imports and local bindings, awaits, offloading."""

from __future__ import annotations

import pickle
import sys
import textwrap

import pytest

from fastapi_lint.analysis.facts import CallSite, FunctionFacts, ModuleSummary, RefKind
from fastapi_lint.analysis.extract.parse import parse
from fastapi_lint.analysis.extract.summary import summarize


def summary_of(source: str, module: str = "pkg.sub.mod", is_package: bool = False) -> ModuleSummary:
    parsed = parse(textwrap.dedent(source).encode("utf-8"), "mod.py")
    assert not hasattr(parsed, "code"), parsed
    return summarize(parsed, "mod.py", module, is_package)  # type: ignore[arg-type]


def function(summary: ModuleSummary, name: str) -> FunctionFacts:
    found = [f for f in summary.functions if f.name == name]
    assert len(found) == 1, [f.path for f in summary.functions]
    return found[0]


def calls(summary: ModuleSummary, name: str) -> dict[str, CallSite]:
    """The calls of a function by their text (the last one wins for repeated texts)."""
    return {site.text: site for site in function(summary, name).calls}


def callee(summary: ModuleSummary, name: str, text: str) -> str | None:
    site = calls(summary, name)[text]
    return site.func.path if site.func is not None else None


# -- imports and aliases ---------------------------------------------------


def test_import_aliases() -> None:
    summary = summary_of(
        """
        import time
        import requests as r
        import os.path
        import xml.etree.ElementTree as ET
        from time import sleep as pause
        from subprocess import run

        async def f():
            time.sleep(1)
            r.get("u")
            os.path.exists("p")
            ET.parse("x")
            pause(1)
            run(["ls"])
        """
    )
    assert callee(summary, "f", "time.sleep") == "time.sleep"
    assert callee(summary, "f", "r.get") == "requests.get"
    assert callee(summary, "f", "os.path.exists") == "os.path.exists"
    assert callee(summary, "f", "ET.parse") == "xml.etree.ElementTree.parse"
    assert callee(summary, "f", "pause") == "time.sleep"
    assert callee(summary, "f", "run") == "subprocess.run"


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("from . import helpers", "pkg.sub.helpers.load"),
        ("from .helpers import load as helpers_load", None),
        ("from .. import helpers", "pkg.helpers.load"),
        ("from ..other import helpers", "pkg.other.helpers.load"),
        ("from ...top import helpers", "top.helpers.load"),
    ],
)
def test_relative_imports(statement: str, expected: str | None) -> None:
    summary = summary_of(
        f"""
        {statement}

        def f():
            helpers.load()
        """
    )
    if expected is None:
        assert callee(summary, "f", "helpers.load") is None
    else:
        assert callee(summary, "f", "helpers.load") == expected


def test_relative_import_in_a_package_init() -> None:
    summary = summary_of(
        """
        from . import helpers
        from .db import get_db

        def f():
            helpers.load()
            get_db()
        """,
        module="pkg.sub",
        is_package=True,
    )
    assert callee(summary, "f", "helpers.load") == "pkg.sub.helpers.load"
    assert callee(summary, "f", "get_db") == "pkg.sub.db.get_db"


def test_module_level_names_and_qualified_access() -> None:
    summary = summary_of(
        """
        import httpx

        client = httpx.Client()

        def helper(): ...

        class Service:
            def run(self): ...

        def f():
            helper()
            client.get("u")
            Service().run()
            later()

        def later(): ...
        """
    )
    assert callee(summary, "f", "helper") == "pkg.sub.mod.helper"
    assert callee(summary, "f", "client.get") == "pkg.sub.mod.client.get"
    assert callee(summary, "f", "Service().run") == "pkg.sub.mod.Service().run"
    assert calls(summary, "f")["Service().run"].func.kind is RefKind.MEMBER  # type: ignore[union-attr]
    assert callee(summary, "f", "later") == "pkg.sub.mod.later"  # bound after use: still the module's


def test_local_shadowing_of_an_import() -> None:
    summary = summary_of(
        """
        import time
        from requests import get

        async def param(time):
            time.sleep(1)

        async def local():
            get = lambda url: url
            get("u")

        async def loop_var(items):
            for time in items:
                time.sleep(1)

        async def handler():
            try:
                pass
            except Exception as get:
                get()

        async def untouched():
            time.sleep(1)
            get("u")
        """
    )
    assert callee(summary, "param", "time.sleep") is None
    assert callee(summary, "local", "get") is None
    assert callee(summary, "loop_var", "time.sleep") is None
    assert callee(summary, "handler", "get") is None
    assert callee(summary, "untouched", "time.sleep") == "time.sleep"
    assert callee(summary, "untouched", "get") == "requests.get"


def test_local_import_and_local_binding() -> None:
    summary = summary_of(
        """
        import httpx

        async def f():
            import subprocess as sp
            from os import system
            client = httpx.Client()
            sp.run(["ls"])
            system("ls")
            client.get("u")
        """
    )
    assert callee(summary, "f", "sp.run") == "subprocess.run"
    assert callee(summary, "f", "system") == "os.system"
    site = calls(summary, "f")["client.get"]
    assert site.func is not None and site.func.path == "httpx.Client().get"
    assert site.func.kind is RefKind.MEMBER


def test_global_declaration_reads_the_module_name() -> None:
    summary = summary_of(
        """
        import requests

        session = requests.Session()

        def reset():
            global session
            session = requests.Session()
            session.get("u")
        """
    )
    assert callee(summary, "reset", "session.get") == "pkg.sub.mod.session.get"


def test_a_name_rebound_to_different_things_keeps_each() -> None:
    summary = summary_of(
        """
        import httpx
        import requests

        async def f(flag):
            client = httpx.AsyncClient()
            if flag:
                client = requests.Session()
            client.get("u")

        async def same(flag):
            client = httpx.Client()
            if flag:
                client = httpx.Client()
            client.get("u")

        async def annotated(flag):
            client: httpx.Client = make()
            client = other()
            client.get("u")
        """
    )
    site = calls(summary, "f")["client.get"]
    either = {ref.path for ref in (site.func, *site.alternatives) if ref is not None}
    assert either == {"httpx.AsyncClient().get", "requests.Session().get"}
    assert callee(summary, "same", "client.get") == "httpx.Client().get"
    assert not calls(summary, "same")["client.get"].alternatives
    assert callee(summary, "annotated", "client.get") == "httpx.Client.get"


def test_parameters_typed_by_annotation_and_depends() -> None:
    summary = summary_of(
        """
        from typing import Annotated, Optional
        from fastapi import Depends
        from sqlalchemy.orm import Session
        from .db import get_db

        async def f(a: Session, b: Optional[Session], c: "Session | None", d=Depends(get_db),
                    e: Annotated[Session, Depends(get_db)] = None):
            a.execute(); b.execute(); c.execute(); d.execute(); e.execute()
        """
    )
    assert callee(summary, "f", "a.execute") == "sqlalchemy.orm.Session.execute"
    assert callee(summary, "f", "b.execute") == "sqlalchemy.orm.Session.execute"
    assert callee(summary, "f", "c.execute") == "sqlalchemy.orm.Session.execute"
    assert callee(summary, "f", "d.execute") == "pkg.sub.db.get_db().execute"
    assert callee(summary, "f", "e.execute") == "sqlalchemy.orm.Session.execute"


def test_self_attributes_and_class_attributes() -> None:
    summary = summary_of(
        """
        import httpx
        import redis

        class Geo:
            cache: redis.Redis

            def __init__(self, timeout: float) -> None:
                self.client = httpx.Client(timeout=timeout)

            async def lookup(self):
                self.client.get("u")
                self.cache.get("k")
        """
    )
    klass = next(c for c in summary.classes if c.name == "Geo")
    attributes = {a.name: a.value for a in klass.attributes}
    assert attributes["client"].path == "httpx.Client()"
    assert attributes["cache"].path == "redis.Redis"
    assert callee(summary, "lookup", "self.client.get") == "pkg.sub.mod.Geo.client.get"


# -- awaits and offloading -------------------------------------------------


def test_awaited_calls_and_awaits_flag() -> None:
    summary = summary_of(
        """
        import asyncio

        async def waits():
            await asyncio.sleep(1)
            x = compute()
            return await (asyncio.sleep(2))

        async def iterates(stream):
            async for item in stream:
                pass

        async def enters(factory):
            async with factory():
                pass

        async def comprehends(stream):
            return [x async for x in stream]

        async def never():
            compute()

        def compute(): ...
        """
    )
    sites = function(summary, "waits").calls
    assert [(s.text, s.awaited) for s in sites] == [("asyncio.sleep", True), ("compute", False), ("asyncio.sleep", True)]
    assert function(summary, "waits").awaits
    assert function(summary, "iterates").awaits
    assert function(summary, "enters").awaits
    assert function(summary, "comprehends").awaits
    assert not function(summary, "never").awaits


def test_awaits_in_a_nested_function_belong_to_it() -> None:
    summary = summary_of(
        """
        import asyncio

        async def outer():
            async def inner():
                await asyncio.sleep(1)
            return inner
        """
    )
    assert not function(summary, "outer").awaits
    assert function(summary, "inner").awaits
    assert function(summary, "inner").parent_path == "pkg.sub.mod.outer"


def test_offloaded_lambdas_and_partials() -> None:
    summary = summary_of(
        """
        import asyncio
        import functools
        import time
        from functools import partial

        import anyio
        import requests
        from starlette.concurrency import run_in_threadpool

        async def f(url):
            await asyncio.to_thread(lambda: requests.get(url))
            await run_in_threadpool(lambda: time.sleep(1))
            await anyio.to_thread.run_sync(lambda: open("a"))
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, lambda: input())
            await asyncio.to_thread(lambda: (lambda: print())())
            callback = lambda: requests.delete(url)
        """
    )
    by_text = {s.text: s for s in function(summary, "f").calls}
    for text in ("requests.get", "time.sleep", "open", "input", "print"):
        assert by_text[text].offloaded and by_text[text].in_lambda, text
    # a lambda that is only stored runs wherever it is called: not offloaded
    assert by_text["requests.delete"].in_lambda
    assert not by_text["requests.delete"].offloaded


def test_partial_hands_the_callable_over() -> None:
    summary = summary_of(
        """
        import asyncio
        import functools
        import time
        from functools import partial

        import requests

        async def f(url):
            await asyncio.to_thread(functools.partial(time.sleep, 1))
            await asyncio.to_thread(partial(requests.post, url, data=encode()))

        def encode(): ...
        """
    )
    by_text = {s.text: s for s in function(summary, "f").calls}
    # neither callable is called here: the worker thread calls it
    assert "time.sleep" not in by_text and "requests.post" not in by_text
    # but the partial's other arguments are evaluated now, on the loop
    assert not by_text["encode"].offloaded


def test_argument_evaluated_before_the_offload_is_not_offloaded() -> None:
    summary = summary_of(
        """
        import asyncio
        import requests
        from fastapi.concurrency import run_in_threadpool

        async def f(url):
            await asyncio.to_thread(process, requests.get(url))
            await run_in_threadpool(process, open("a").read())
            await asyncio.to_thread(requests.head, url)

        def process(x): ...
        """
    )
    by_text = {s.text: s for s in function(summary, "f").calls}
    assert not by_text["requests.get"].offloaded
    assert not by_text["open"].offloaded
    assert not by_text["open().read"].offloaded
    assert by_text["asyncio.to_thread"].awaited
    # the callable itself is handed over, not called here
    assert "requests.head" not in by_text


def test_nested_def_keeps_its_own_calls() -> None:
    summary = summary_of(
        """
        import asyncio
        import time

        async def outer():
            def work():
                time.sleep(1)
            await asyncio.to_thread(work)
        """
    )
    assert [s.text for s in function(summary, "work").calls] == ["time.sleep"]
    assert "time.sleep" not in calls(summary, "outer")


# -- positions, robustness, pickling ---------------------------------------


def test_non_ascii_columns_count_characters() -> None:
    summary = summary_of(
        """
        import time

        async def f():
            x = "héllo wörld 🎉"; time.sleep(1)
        """
    )
    site = calls(summary, "f")["time.sleep"]
    line = textwrap.dedent(
        """
        async def f():
            x = "héllo wörld 🎉"; time.sleep(1)
        """
    ).splitlines()[2]
    assert site.span.col == line.index("time.sleep")
    assert site.span.end_col == line.index("time.sleep") + len("time.sleep(1)")


def test_non_ascii_identifiers() -> None:
    summary = summary_of(
        """
        import time

        async def früh():
            time.sleep(1)
        """
    )
    facts = function(summary, "früh")
    assert facts.span.end_col - facts.span.col == len("async def früh")


def test_summary_pickles_and_compares_equal() -> None:
    summary = summary_of(
        """
        import asyncio
        from typing import Annotated
        from fastapi import Depends, FastAPI
        from .db import get_db

        app = FastAPI()
        Db = Annotated[object, Depends(get_db)]

        class Service:
            def __init__(self):
                self.x = get_db()

        @app.get("/")
        async def index(db: Db):  # noqa: FAS101
            await asyncio.to_thread(lambda: db.execute())
        """
    )
    again = pickle.loads(pickle.dumps(summary))
    assert again == summary
    assert again.noqa == {15: ("FAS101",)}


def test_deep_nesting_does_not_crash() -> None:
    source = "x = " + "(" * 150 + "1" + ")" * 150 + "\n" + "def f():\n    return " + "[" * 90 + "]" * 90 + "\n"
    parsed = parse(source.encode(), "deep.py")
    if hasattr(parsed, "tree"):
        summarize(parsed, "deep.py", "deep", False)  # type: ignore[arg-type]


def test_walrus_on_any_line_of_a_statement_binds_a_local() -> None:
    # Only statements spanning a line with ``:=`` are searched: the operator may sit lines
    # below where the statement starts, and ``:=`` in a string elsewhere changes nothing.
    summary = summary_of(
        """
        import httpx

        async def later_line():
            results = [
                1,
                (client := httpx.Client()),
            ]
            client.get("u")

        async def in_a_string():
            text = "a := b"
            client = None
            client.get("u")
        """
    )
    assert callee(summary, "later_line", "client.get") == "httpx.Client().get"
    assert callee(summary, "in_a_string", "client.get") is None


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match statements need Python 3.10")
def test_walrus_match_and_nested_blocks_bind_locals() -> None:
    summary = summary_of(
        """
        import httpx
        import time

        async def walrus():
            if (client := httpx.Client()) is not None:
                client.get("u")

        async def matched(command):
            match command:
                case {"sleep": time}:
                    time.sleep(1)

        async def nested(flag):
            while flag:
                try:
                    pass
                finally:
                    with open("x") as time:
                        pass
            time.sleep(1)
        """
    )
    assert callee(summary, "walrus", "client.get") == "httpx.Client().get"
    assert callee(summary, "matched", "time.sleep") is None
    assert callee(summary, "nested", "time.sleep") == "builtins.open().sleep"  # the with-target, not the module


def test_attributes_that_disagree_are_dropped_and_annotations_win() -> None:
    summary = summary_of(
        """
        import httpx
        import redis
        import redis.asyncio

        class Cache:
            pool: redis.Redis

            def __init__(self, url: str, use_async: bool) -> None:
                self.client = redis.Redis.from_url(url)
                self.http = httpx.Client()
                self.pool = make_pool()
                self.timeout = None
                if use_async:
                    self.client = redis.asyncio.Redis.from_url(url)

            def reconnect(self) -> None:
                self.http = httpx.Client()
                self.db = self.client["app"]
                self.timeout = 5.0

            @staticmethod
            def build(other):
                other.ignored = httpx.Client()
        """
    )
    klass = next(c for c in summary.classes if c.name == "Cache")
    attributes = {a.name: a.value.path for a in klass.attributes}
    # both values are kept: the project phase compares them once resolved
    assert sorted(a.value.path for a in klass.attributes if a.name == "client") == [
        "redis.Redis.from_url()",
        "redis.asyncio.Redis.from_url()",
    ]
    assert attributes["http"] == "httpx.Client()"
    assert attributes["pool"] == "redis.Redis"
    assert attributes["db"] == "pkg.sub.mod.Cache.client.__getitem__()"
    assert "ignored" not in attributes
    assert "timeout" not in attributes  # a constant says nothing about a type


def test_a_module_name_imported_from_two_places_is_left_to_the_project() -> None:
    summary = summary_of(
        """
        try:
            import orjson as json
        except ImportError:
            import json
        import time
        import time

        async def f(data):
            json.loads(data)
            time.sleep(1)
        """
    )
    assert callee(summary, "f", "json.loads") == "pkg.sub.mod.json.loads"
    assert callee(summary, "f", "time.sleep") == "time.sleep"  # the same import twice agrees


def test_calls_handed_to_gather_and_tasks_count_as_awaited() -> None:
    summary = summary_of(
        """
        import asyncio

        async def f(client, tg):
            await asyncio.gather(client.get("a"), client.get("b"))
            await asyncio.wait_for(client.fetch("c"), timeout=1)
            await asyncio.wait([client.head("d")])
            tg.create_task(client.post("e"))
            asyncio.create_task(client.put("f"))
            client.delete("g")
        """
    )
    by_text = {s.text: s for s in function(summary, "f").calls}
    for text in ("client.get", "client.fetch", "client.head", "client.post", "client.put"):
        assert by_text[text].awaited, text
    assert not by_text["client.delete"].awaited


def test_lambda_parameters_and_comprehension_targets_hide_outer_names() -> None:
    summary = summary_of(
        """
        import requests

        session = requests.Session()

        async def f(sessions, pairs):
            [session.close() for session in sessions]
            {k: session.get(k) for k, session in pairs}
            list(map(lambda session: session.get("u"), sessions))
            any(s.get("u") async for s in sessions)
            session.get("u")
        """
    )
    texts = [(s.text, s.func.path if s.func else None) for s in function(summary, "f").calls]
    assert ("session.close", None) in texts
    assert ("session.get", None) in texts
    assert ("session.get", "pkg.sub.mod.session.get") in texts  # the last line, outside
    assert ("s.get", None) in texts
    assert function(summary, "f").awaits
    assert len([t for t in texts if t[0] == "session.get" and t[1] is None]) == 2


def test_star_imports_leave_free_names_to_the_project() -> None:
    summary = summary_of(
        """
        from .helpers import *
        from ..base import *

        async def f():
            load()
            len([])
            __name__.upper()
        """
    )
    assert summary.star_imports == ("pkg.sub.helpers", "pkg.base")
    assert callee(summary, "f", "load") == "pkg.sub.mod.load"
    assert callee(summary, "f", "len") == "builtins.len"
    assert callee(summary, "f", "__name__.upper") is None


def test_functions_defined_twice_in_a_scope_have_paths_of_their_own() -> None:
    summary = summary_of(
        """
        from typing import overload

        @app.get("/a")
        async def get(): ...

        @app.get("/b")
        async def get(): ...

        class Store:
            @property
            def client(self): ...

            @client.setter
            def client(self, value): ...

        def handler():
            if FAST:
                def encode(x): ...
            else:
                def encode(x): ...
            encode(1)
        """
    )
    paths = [f.path for f in summary.functions]
    # The later def holds the name, as in Python; the earlier one is still a function (a route).
    assert "pkg.sub.mod.get@1" in paths and "pkg.sub.mod.get" in paths
    # A property's getter keeps the name; the setter is part of it.
    assert "pkg.sub.mod.Store.client" in paths and "pkg.sub.mod.Store.client@2" in paths
    assert {f.name for f in summary.functions if f.path.startswith("pkg.sub.mod.Store.client")} == {"client"}
    # Defs on two branches are alternatives: the call may run either.
    site = calls(summary, "handler")["encode"]
    assert {ref.path for ref in (site.func, *site.alternatives) if ref is not None} == {
        "pkg.sub.mod.handler.encode@1",
        "pkg.sub.mod.handler.encode",
    }


def test_a_name_imported_on_several_branches_keeps_each_up_to_a_bound() -> None:
    summary = summary_of(
        """
        def few(kind):
            if kind == "a":
                from a import run
            elif kind == "b":
                from b import run
            else:
                run = print
            run()

        def many(kind):
            if kind == 1:
                from a import run
            elif kind == 2:
                from b import run
            elif kind == 3:
                from c import run
            elif kind == 4:
                from d import run
            else:
                from e import run
            run()
        """
    )
    site = calls(summary, "few")["run"]
    assert {ref.path for ref in (site.func, *site.alternatives) if ref is not None} == {"a.run", "b.run", "builtins.print"}
    # Five implementations is a table, not a fallback: unknown, as before.
    assert callee(summary, "many", "run") is None and not calls(summary, "many")["run"].alternatives


def test_a_block_written_off_keeps_its_names_and_runs_nothing() -> None:
    """``if False:`` (an old spelling of ``if TYPE_CHECKING:``) and ``elif ... and False:``: the
    names the block imports or defines stay bound, as before; the calls in it never run."""
    summary = summary_of("""
        import time

        if False:
            from pkg.models import Item
            time.sleep(1)

        def handler(item: Item, ready: bool):
            if ready:
                item.save()
            elif ready and False:
                time.sleep(2)
    """)
    assert ("pkg.sub.mod", "pkg.models") in summary.imports
    assert "Item" in [binding.name for binding in summary.bindings]
    assert not [site for site in summary.module_calls if site.text == "time.sleep"]
    assert list(calls(summary, "handler")) == ["item.save"]
