"""The incremental engine (run/session.py) against fresh full runs, after every edit of a sweep.

A small shop service of a dozen modules (written for this test) is edited at random, seeded: a
blocking call added to or removed from a helper, an import added or removed, a function renamed,
a file deleted, written again or added, the syntax broken and mended, a route decorator changed, comments, blank
lines and ``# noqa`` comments written (the edits that move facts without changing them). After
every edit:

- a ``ProjectSession`` told of it (``set_text`` as an editor does, or ``refresh`` after the disk
  changed) gives, under two configurations, exactly the findings of ``api.lint_paths`` on the files
  as they now are, without a cache;
- the CLI's one-file run on the edited file (``fastapi-lint check FILE``, with its cache: what
  pre-commit runs) reports exactly that file's findings of the full run.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Callable, Collection, Mapping
from typing import Any
from pathlib import Path

import pytest

from fastapi_lint.analysis.admin_routes import RareRoots
from fastapi_lint.analysis.app_model import FastAPIModel
from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.deployments import Deployments
from fastapi_lint.analysis.inheritance import Changes
from fastapi_lint.analysis.project import Located, Project
from fastapi_lint.analysis.scope_kept import Kept
from fastapi_lint.analysis.scope_growth import Growth
from fastapi_lint.analysis.scope_places import Scopes
from fastapi_lint import cli
from fastapi_lint.api import ProjectSession, WarmProjects, lint_paths
from fastapi_lint.config import Config
from fastapi_lint.diagnostics import Diagnostic
from tests.helpers import _plain_environment, cli_runner, invoke  # noqa: F401 (_plain_environment: an autouse fixture)

SHOP: dict[str, str] = {
    "shop/__init__.py": "",
    "shop/main.py": '''\
from fastapi import FastAPI

from shop.routers import items, orders, users
from shop.settings import get_settings

app = FastAPI(title=get_settings().name)
app.include_router(items.router, prefix="/items")
app.include_router(orders.router, prefix="/orders")
app.include_router(users.router)


@app.get("/health")
async def health() -> dict:
    return {"ok": True}
''',
    "shop/settings.py": '''\
import os
from functools import lru_cache


class Settings:
    def __init__(self) -> None:
        self.name = os.environ.get("SHOP_NAME", "shop")
        self.db_url = os.environ.get("DB_URL", "sqlite://")


@lru_cache
def get_settings() -> Settings:
    return Settings()
''',
    "shop/routers/__init__.py": "",
    "shop/routers/items.py": '''\
from fastapi import APIRouter, Depends

from shop.deps import get_db
from shop.services import catalog
from shop.services.pricing import price_of

router = APIRouter()


@router.get("/")
async def list_items(db=Depends(get_db)) -> list:
    return catalog.all_items(db)


@router.get("/{item_id}")
async def read_item(item_id: int) -> dict:
    item = catalog.find(item_id)
    return {"item": item, "price": price_of(item)}


@router.post("/")
def create_item(payload: dict) -> dict:
    return catalog.save(payload)
''',
    "shop/routers/orders.py": '''\
import asyncio

from fastapi import APIRouter

from shop.services import mailer
from shop.services.pricing import total

router = APIRouter()


@router.post("/")
async def place_order(order: dict) -> dict:
    amount = total(order["items"])
    await asyncio.to_thread(mailer.send_receipt, order["email"], amount)
    return {"total": amount}


@router.get("/{order_id}/receipt")
async def receipt(order_id: int) -> dict:
    mailer.render(order_id)
    return {"id": order_id}
''',
    "shop/routers/users.py": '''\
from fastapi import APIRouter

from shop.services.accounts import load_profile, touch

router = APIRouter(prefix="/users")


@router.get("/{name}")
async def profile(name: str) -> dict:
    touch(name)
    return load_profile(name)


@router.get("/{name}/avatar")
def avatar(name: str) -> dict:
    return {"avatar": load_profile(name).get("avatar")}
''',
    "shop/deps.py": '''\
import sqlite3

from shop.settings import get_settings


def get_db():
    connection = sqlite3.connect(get_settings().db_url)
    try:
        yield connection
    finally:
        connection.close()
''',
    "shop/services/__init__.py": "",
    "shop/services/catalog.py": '''\
import json
import time

from shop.services.storage import read_blob


def all_items(db) -> list:
    return [row for row in db.execute("select * from items")]


def find(item_id: int) -> dict:
    return json.loads(read_blob(f"items/{item_id}.json"))


def save(payload: dict) -> dict:
    time.sleep(0.01)
    return payload
''',
    "shop/services/storage.py": '''\
import requests


class BlobStore:
    def read(self, key: str) -> str:
        return requests.get(f"https://blobs.example/{key}", timeout=5).text


def read_blob(key: str) -> str:
    return BlobStore().read(key)


def cached_blob(key: str) -> str:
    return key
''',
    "shop/services/pricing.py": '''\
class PriceBook:
    def price(self, item: dict) -> float:
        return float(item.get("price", 0))


def price_of(item: dict) -> float:
    return PriceBook().price(item)


def total(items: list) -> float:
    return sum(price_of(item) for item in items)
''',
    "shop/services/mailer.py": '''\
import smtplib


def send_receipt(email: str, amount: float) -> None:
    with smtplib.SMTP("localhost") as server:
        server.sendmail("shop@example.com", [email], f"total {amount}")


def render(order_id: int) -> str:
    return f"order {order_id}"
''',
    "shop/services/accounts.py": '''\
import time

from shop.services.storage import cached_blob


def load_profile(name: str) -> dict:
    return {"name": name, "blob": cached_blob(name)}


def touch(name: str) -> None:
    return None


def wait_a_bit() -> None:
    time.sleep(0.5)


def flush_metrics() -> None:
    time.sleep(0.1)


def close_pools() -> None:
    flush_metrics()
''',
}

BLOCKING = ["time.sleep(1)", "requests.get('https://example.com', timeout=3)", "open('/tmp/x').read()",
            "wait_a_bit()", "read_blob('k')"]
IMPORTS = {"time.sleep(1)": "import time", "requests.get('https://example.com', timeout=3)": "import requests",
           "wait_a_bit()": "from shop.services.accounts import wait_a_bit",
           "read_blob('k')": "from shop.services.storage import read_blob"}
NEW_MODULE = '''\
from fastapi import APIRouter

from shop.services.accounts import wait_a_bit
from shop.main import app

extra = APIRouter()


@extra.get("/extra")
async def extra_route() -> dict:
    wait_a_bit()
    return {}


app.include_router(extra)
'''
EVERYTHING = Config(select=("ALL",), scope="all")
CONFIGS = (Config(), EVERYTHING)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _functions(text: str) -> list[tuple[int, str, str]]:
    """(line index, indent of the body, name) of each ``def`` whose body starts on the next line."""
    lines = text.splitlines()
    found = []
    for index, line in enumerate(lines[:-1]):
        match = re.match(r"(\s*)(?:async )?def (\w+)\(.*:\s*$", line)
        body = re.match(r"(\s+)\S", lines[index + 1])
        if match and body:
            found.append((index, body.group(1), match.group(2)))
    return found


# The kinds of edit a sweep makes, each as likely as it is often listed.
KINDS = ["add_blocking", "add_blocking", "remove_blocking", "import", "rename", "syntax", "decorator", "comment", "blank",
         "noqa", "async", "define", "undefine", "call_own"]


def edit(name: str, text: str, rng: random.Random) -> tuple[str, str]:
    """One random edit of a module's text, and what it was."""
    lines = text.splitlines(keepends=True)
    functions = _functions(text)
    kind = rng.choice(KINDS)
    if kind == "define" and rng.random() < 0.3:  # a class written at the end: a model, or a service with a method
        name = rng.choice(["LaterStep", "LaterStep", "PriceBook", "BlobStore"])
        if rng.random() < 0.5:
            return "from pydantic import BaseModel\n" + text + f"\n\nclass {name}(BaseModel):\n    key: str = ''\n", f"define the model {name}"
        call = rng.choice(BLOCKING)
        import_line = f"        {IMPORTS[call]}\n" if call in IMPORTS else ""
        return text + f"\n\nclass {name}:\n    def read(self, key: str) -> str:\n{import_line}        {call}\n        return key\n", f"define the class {name}"
    if kind == "define":  # a helper written at the end, maybe called (a name some module may call already)
        name = rng.choice(["later_step", "later_step", "cleanup", "wait_a_bit"])
        call = rng.choice(BLOCKING)
        written = f"\n\ndef {name}() -> None:\n    {call}\n"
        if call in IMPORTS:
            written = written.replace("\n    ", f"\n    {IMPORTS[call]}\n    ", 1)
        classes = [i for i, line in enumerate(lines) if re.match(r"class \w+.*:\s*$", line)]
        if classes and rng.random() < 0.6:  # a method written first in a class, maybe called on ``self``
            index = rng.choice(classes)
            method = written.strip("\n").replace("() -> None", "(self) -> None").replace("\n", "\n    ")
            lines.insert(index + 1, f"    {method}\n\n")
            callers = [(at, indent) for at, indent, _ in functions if at > index and indent == " " * 8]
            if callers and rng.random() < 0.5:
                at, indent = rng.choice(callers)
                lines.insert(at + 2, f"{indent}self.{name}()\n")
            return "".join(lines), f"define the method {name}"
        if functions and rng.random() < 0.5:
            index, indent, _ = rng.choice(functions)
            lines.insert(index + 1, f"{indent}{name}()\n")
        return "".join(lines) + written, f"define {name}"
    if kind == "undefine":  # a module-level def or class deleted, with its decorators
        tops = [i for i, line in enumerate(lines) if re.match(r"(async )?def |class ", line)]
        if tops:
            start = end = rng.choice(tops)
            while start > 0 and lines[start - 1].startswith("@"):
                start -= 1
            end += 1
            while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#"):
                end += 1
            return "".join(lines[:start] + lines[end:]), f"delete a def at {start + 1}"
    if kind == "add_blocking" and functions:
        index, indent, _ = rng.choice(functions)
        call = rng.choice(BLOCKING)
        lines.insert(index + 1, f"{indent}{call}\n")
        if call in IMPORTS and rng.random() < 0.8:
            lines.insert(0, IMPORTS[call] + "\n")
        return "".join(lines), f"add {call}"
    if kind == "call_own" and functions:  # a call of the project's function, imported in the body under a name of its own
        index, indent, _ = rng.choice(functions)
        alias, called = f"_wait_{rng.randrange(3)}", rng.choice(["wait_a_bit", "flush_metrics", "close_pools"])
        lines.insert(index + 1, f"{indent}from shop.services.accounts import {called} as {alias}\n{indent}{alias}()\n")
        return "".join(lines), f"call {called} as {alias}"
    if kind == "remove_blocking":
        blocking = [i for i, line in enumerate(lines) if re.search(r"time\.sleep|requests\.get|open\(|wait_a_bit\(\)|read_blob\(|_wait_\d\(\)", line)
                    and not line.lstrip().startswith(("def ", "from ", "import "))]
        if blocking:
            index = rng.choice(blocking)
            lines[index] = re.match(r"\s*", lines[index]).group(0) + "pass\n"  # type: ignore[union-attr]
            return "".join(lines), "remove a blocking call"
    if kind == "import":
        imports = [i for i, line in enumerate(lines) if line.startswith(("import ", "from "))]
        if imports and rng.random() < 0.5:
            del lines[rng.choice(imports)]
            return "".join(lines), "remove an import"
        lines.insert(0, rng.choice(["import os\n", "import time\n", "from shop.services import storage\n"]))
        return "".join(lines), "add an import"
    if kind == "rename" and functions:
        _, _, function = rng.choice(functions)
        return re.sub(rf"\b{function}\b(?=\()", function + "_v2", text, count=1), f"rename {function}"
    if kind == "syntax":
        if "def broken(:" in text:
            return text.replace("def broken(:\n", ""), "mend the syntax"
        return text + "def broken(:\n", "break the syntax"
    if kind == "decorator":
        changes = [("@router.get(", "@router.post("), ("@router.post(", "@router.get("), ('@router.get("/")', '@router.get("/all")'),
                   ("@app.get(", "@app.put(")]
        rng.shuffle(changes)
        for old, new in changes:
            if old in text:
                return text.replace(old, new, 1), f"decorator {old} -> {new}"
        return text.replace("\n@router", "\n# @router", 1), "a decorator commented out"
    if kind == "async":
        if "async def" in text and rng.random() < 0.5:
            return text.replace("async def", "def", 1), "async def -> def"
        return text.replace("\ndef ", "\nasync def ", 1), "def -> async def"
    if kind == "noqa":
        candidates = [i for i, line in enumerate(lines) if line.strip() and not line.rstrip().endswith((":", "\\"))
                      and '"""' not in line and "'''" not in line]
        if candidates:
            index = rng.choice(candidates)
            code = rng.choice(["FAS101", "FAS102", "FAS"])
            lines[index] = lines[index].rstrip("\n") + f"  # noqa: {code}\n"
            return "".join(lines), f"noqa {code} line {index + 1}"
    at = rng.randrange(len(lines) + 1)
    if kind == "comment":
        indent = re.match(r"\s*", lines[at]).group(0) if at < len(lines) else ""  # type: ignore[union-attr]
        lines.insert(at, f"{indent}# a comment\n")
        return "".join(lines), f"comment at {at + 1}"
    lines.insert(at, "\n")
    return "".join(lines), f"blank line at {at + 1}"


def fresh(root: Path, config: Config) -> dict[str, list[Diagnostic]]:
    found: dict[str, list[Diagnostic]] = {}
    for d in lint_paths([root], config, cache_dir=None).diagnostics:
        found.setdefault(d.path, []).append(d)
    return found


def cli_one_file(path: Path, warm: WarmProjects | None = None) -> list[dict[str, object]]:
    """The CLI's one-file run of ``path``; with ``warm``, as ``check --daemon``'s background process
    runs it, from the projects it keeps."""
    args = ["check", str(path), "--format", "json", "--exit-zero"]
    if warm is None:
        result = invoke(*args)
    else:
        result = cli_runner().invoke(cli.main, args, catch_exceptions=False, obj={"warm": warm})
    assert result.exit_code == 0, result.output
    return [{k: v for k, v in d.items() if k != "fix"} for d in json.loads(result.stdout)]


def as_reported(found: list[Diagnostic]) -> list[dict[str, object]]:
    from fastapi_lint.reporters.json import as_dict

    return [{k: v for k, v in as_dict(d).items() if k != "fix"} for d in found]


def linked_tables(project: Project) -> list[object]:
    """A linked project's tables (``LinkedNames``), each fact named by the identity of its object."""
    def located(found: Located) -> tuple[int, int]:
        return id(found.function), id(found.module)

    return [{name: id(summary) for name, summary in project.modules.items()},
            {path: located(found) for path, found in project.functions.items()},
            [located(found) for found in project.all_functions()],
            {path: [located(found) for found in methods] for path, methods in project._methods.items()},
            {path: (id(klass), id(summary)) for path, (klass, summary) in project.classes.items()},
            {key: (id(binding), id(summary)) for key, (binding, summary) in project.bindings.items()},
            project.attributes, project.attribute_values, project.conflicting, project.choices,
            project.dict_items, project.stores]


def model_view(model: FastAPIModel) -> list[object]:
    """A FastAPI model's answers, each fact named by the identity of its object."""
    def located(found: Located) -> tuple[int, int]:
        return id(found.function), id(found.module)

    routes = [(located(route.handler), route.methods, route.path, route.websocket, id(route.site), route.owner, route.mounts)
              for route in model.routes]
    roles = {path: found for path, found in model.roles.items() if found}
    return [routes, roles, {path: found for path, found in model.dependents.items() if found}, model.wrapped,
            model.computed_includes, model.included, {path: found for path, found in model.scheduled_by.items() if found}]


def verify_inheritance(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Every answer a linked project or its call graph inherits (``Project.inherit``,
    ``CallGraph.inherit``) checked against the one a project linked afresh gives, as it is
    inherited (a rule that fails is only an internal error: what is wrong is listed instead).
    Returns the projects and graphs that inherited, and the answers that were wrong."""
    from fastapi_lint.analysis import context as context_module
    from fastapi_lint.analysis.facts import Ref
    from fastapi_lint.analysis.call_index import CallIndex
    from fastapi_lint.analysis.event_loop import BlockingCall, _blocking_in, blocking_calls
    from fastapi_lint.analysis.dispatch import test_functions
    from fastapi_lint.analysis.admin_routes import rare_roots
    from fastapi_lint.analysis.capacity import serving_modules
    from fastapi_lint.analysis.fastapi_model import build as build_model
    from fastapi_lint.analysis.model_kept import kept_model as keep_model
    from fastapi_lint.analysis.scope import Placer, scopes as place_scopes
    from fastapi_lint.analysis.lifetimes import once_per_process, run_while_starting
    from fastapi_lint.analysis.request_path import Paths, calls_per_request, paths, recovering

    found: dict[str, list[str]] = {"projects": [], "graphs": [], "edges": [], "handed": [], "blocking": [], "index": [],
                                   "defined": [], "hierarchies": [], "models": [], "views": [], "held": [], "paths": [], "calls": [], "witnesses": [], "blocking edges": [],
                                   "grown": [], "whole": [], "wrong": []}
    inherit_answers, inherit_calls = Project.inherit, CallGraph.inherit

    def expect(same: bool, what: str) -> None:
        if not same:
            found["wrong"].append(what)

    def checked_project(self: Project, previous: Project, unchanged: frozenset[str], *unread: Any) -> bool:
        held = inherit_answers(self, previous, unchanged, *unread)
        found["projects" if held else "hierarchies"].append(",".join(sorted(unchanged)))
        fresh = Project(self.summaries, self._aliases)
        expect(linked_tables(fresh) == linked_tables(self), "linked tables")
        expect(test_functions(fresh) == test_functions(self), "test functions")
        expect(fresh._subclass_index() == self._subclass_index(), "subclasses")
        for kind, answers in self.resolved.items():  # what it took (or asked since, to compare indexes)
            for path, answer in list(answers.items()):
                expect(fresh.resolve(Ref(path, kind)) == answer, f"resolve {path}")
        for path, answer in list(self._returns_memo.items()):
            expect(fresh._returns(path) == answer, f"returns {path}")
        for (path, kind), answers in list(self._all_memo.items()):
            expect(fresh.resolve_all(Ref(path, kind)) == answers, f"resolve_all {path}")
        for path, mro in list(self._mro_memo.items()):
            expect(fresh.mro(path) == mro, f"mro {path}")
        for (path, kind), getter in list(self._getter_memo.items()):
            expect(fresh.property_getter(Ref(path, kind)) == getter, f"getter {path}")
        if self._calls is not None:  # the call index, as lookups read it (each sorts what it finds)
            found["index"].append(",".join(sorted(unchanged)))
            index = CallIndex(fresh)

            def filed(table: Mapping[Any, list[Any]]) -> dict[Any, list[tuple[int, ...]]]:
                return {key: sorted((number, id(summary), id(function), id(site)) for number, summary, function, site in entries)
                        for key, entries in table.items()}

            expect(filed(index._written) == filed(self._calls._written)
                   and filed({"": index._keywords}) == filed({"": self._calls._keywords}), "call index")
            for kind, table in self._calls._index.items():
                expect(filed(index._table(kind)) == filed(table), f"call index by {kind}")
        return held

    def checked_graph(self: CallGraph, previous: CallGraph, changes: Changes, stale: Collection[str],
                      bodies: frozenset[str]) -> None:
        inherit_calls(self, previous, changes, stale, bodies)
        found["graphs"].append(",".join(sorted(changes.functions)))
        found["defined"].extend(sorted(changes.defined))
        fresh = CallGraph(self.project, self.catalog)
        for path in list(self._calls):  # as rules read them: calls into installed packages followed
            expect(fresh._settled(path) == self._settled(path), f"calls of {path}")
        for kind, callees in self._callees.items():
            for path, callee in callees.items():
                expect(fresh._callee(Ref(path, kind)) == callee, f"callee {path}")
        for (path, kind), targets in self._targets.items():
            expect(fresh.targets(Ref(path, kind)) == targets, f"targets of {path}")

    def checked_scopes(project: Project, model: FastAPIModel, graph: CallGraph, rare: RareRoots,
                       deployments: Deployments | None = None, kept: Kept | None = None) -> Scopes:
        if kept is not None and kept.edges:
            found["edges"].append(str(len(kept.edges)))
            fresh = Placer(project, model, graph)
            for path, edges in kept.edges.items():
                expect(fresh.edges(path) == edges, f"edges of {path}")
        if kept is not None and kept.handed:
            found["handed"].append(str(len(kept.handed)))
            fresh = Placer(project, model, graph)
            modules = {summary.path: summary for summary in project.summaries}
            for (shown, in_functions), roots in kept.handed.items():
                expect(fresh._handed_roots(modules[shown], in_functions) == roots, f"handed roots of {shown}")
        return place_scopes(project, model, graph, rare, deployments, kept)

    def checked_blocking(project: Project, graph: CallGraph, kept: dict[tuple[str, str], tuple[BlockingCall, ...]] | None = None,
                         ) -> dict[tuple[str, str], tuple[BlockingCall, ...]]:
        if kept:
            found["blocking"].append(str(len(kept)))
            for (shown, path), calls in kept.items():
                located = project.function(path)
                expect(located is not None and tuple(_blocking_in(project, graph, located)) == calls, f"blocking calls of {path}")
        return blocking_calls(project, graph, kept)

    def checked_model(previous_project: Project, previous: FastAPIModel, project: Project, changes: Changes) -> FastAPIModel | None:
        model = keep_model(previous_project, previous, project, changes)
        if model is not None:
            found["models"].append(",".join(sorted(changes.functions)))
            expect(model_view(model) == model_view(build_model(project)), "FastAPI model")
        return model

    def checked_view(name: str, fresh: Callable[[Any], object]) -> None:
        """A view of the model the context may keep from the last one's, checked against one computed afresh."""
        view = context_module.Context.__dict__[name]
        keeping = view.func

        def checked(context: Any) -> object:
            answer = keeping(context)
            previous = context._inherited.get("previous")
            if previous is not None and (answer is vars(previous).get(name) or (  # kept, or grown
                    context._inherited.get("placing_grown") and name in vars(previous))):
                found["views"].append(name)
                expect(answer == fresh(context), name)
            return answer

        monkeypatch.setattr(view, "func", checked)

    def checked_witnesses(graph: CallGraph, previous: CallGraph, changed: Collection[str]) -> None:
        """The witnesses a graph takes from the last one's (``scope_cutoff.hold_witnesses``), each
        checked against a graph's built afresh."""
        before = dict(graph._witness)
        hold_witnesses(graph, previous, changed)
        fresh = CallGraph(graph.project, graph.catalog, graph.request_roots, graph.startup_roots)
        for path, witness in graph._witness.items():
            if path not in before:
                found["witnesses"].append(path)
                expect(fresh.witness(path) == witness, f"held witness of {path}")
        for path, edges in graph._blocking.items():
            located = graph.project.function(path)
            found["blocking edges"].append(path)
            expect(located is not None and fresh.blocking_edges(located) == edges, f"held blocking calls through helpers of {path}")

    def checked_held(previous: Scopes, project: Project, changes: Changes, stale: Collection[str]) -> Scopes:
        """A placing held as it was (``scope_cutoff.py``), checked against one placed afresh: its sets, and its edges."""
        answer = held(previous, project, changes, stale)
        found["held"].append(",".join(sorted(changes.functions)))
        if changes.calls_apart is not None and changes.calls_apart.whole:
            found["whole"].extend(changes.calls_apart.whole)
        held_here.append(answer)
        return answer

    def checked_grown(previous: Scopes, *args: Any) -> tuple[Scopes, Growth] | None:
        """A placing grown from the last (``scope_growth.py``), checked as a held one is."""
        answer = grown(previous, *args)
        if answer is not None:
            found["grown"].append(",".join(sorted(args[-2].functions)))
            held_here.append(answer[0])
        return answer

    def checked_placing(context: Any) -> Scopes:
        answer: Scopes = placing(context)
        if held_here and answer is held_here.pop():
            fresh = place_scopes(context.project, context.model, context.callgraph, context.rare_roots, context.deployments)
            # (what ``UNKNOWN`` read, kept from the placing it was found in: the tables the app's
            # code names, and the rest of what it reads, as a fresh one's)
            kept_aside = ("edges", "handed", "unknown_reads")
            expect({name: value for name, value in vars(fresh).items() if name not in kept_aside}
                   == {name: value for name, value in vars(answer).items() if name not in kept_aside}, "held placing")
            placer = Placer(context.project, context.model, context.callgraph)
            tables = {key for summary in context.project.summaries for key, _ in placer._tabled_in(summary)[1]}
            for key, value in answer.unknown_reads.items():
                apart = value ^ fresh.unknown_reads[key]
                expect(not (apart if key in ("used", "names", "anywhere", "servers") else apart & tables), f"the held placing's reads: {key}")
            expect(fresh.walks == answer.walks and fresh.deployed_loads == answer.deployed_loads, "held placing's walks")
            placer = Placer(context.project, context.model, context.callgraph)
            for path, edges in answer.edges.items():
                expect(placer.edges(path) == edges, f"held edges of {path}")
        return answer

    def fresh_paths(context: Any) -> Paths:
        return paths(context.project, context.model, context.callgraph, context.rare_roots.admin, context.scopes.tests)

    def checked_paths(context: Any) -> Paths:
        answer: Paths = walked(context)
        if context._inherited.get("placing_held") or context._inherited.get("placing_grown"):
            found["paths"].append("held")
            fresh = fresh_paths(context)
            expect((answer.request, answer.startup, answer.cached, answer.order, answer.starts)
                   == (fresh.request, fresh.startup, fresh.cached, fresh.order, fresh.starts), "held request paths")
        if context._inherited.get("placing_grown"):
            # asked of every grown context, whether a rule reads them or not: both are checked views
            context.__dict__["request_paths"] = answer
            context.run_while_starting
        return answer

    def checked_calls(context: Any) -> list[Any]:
        answer: list[Any] = listed(context)
        if context._inherited.get("placing_held") or context._inherited.get("placing_grown"):
            found["calls"].append("held")
            expect(answer == calls_per_request(context.project, context.request_paths)
                   and all(call._project is context.project and call._paths is context.request_paths for call in answer),
                   "held calls per request")
        return answer

    listed = context_module.Context.__dict__["calls_per_request"].func
    monkeypatch.setattr(context_module.Context.__dict__["calls_per_request"], "func", checked_calls)
    walked = context_module.Context.__dict__["request_paths"].func
    monkeypatch.setattr(context_module.Context.__dict__["request_paths"], "func", checked_paths)
    checked_view("recovering", lambda context: recovering(fresh_paths(context)))
    checked_view("once_per_process", lambda context: once_per_process(context.model, context.callgraph, fresh_paths(context)))
    checked_view("run_while_starting", lambda context: run_while_starting(
        context.callgraph, once_per_process(context.model, context.callgraph, fresh_paths(context))))
    held, held_here, hold_witnesses = context_module.held, list[Scopes](), context_module.hold_witnesses
    grown = context_module.grown
    monkeypatch.setattr(context_module, "grown", checked_grown)
    monkeypatch.setattr(context_module, "hold_witnesses", checked_witnesses)
    placing = context_module.Context.__dict__["scopes"].func
    monkeypatch.setattr(context_module, "held", checked_held)
    monkeypatch.setattr(context_module.Context.__dict__["scopes"], "func", checked_placing)
    checked_view("rare_roots", lambda context: rare_roots(context.model))
    checked_view("serving_modules", lambda context: serving_modules(context.project, context.model))
    monkeypatch.setattr(context_module, "kept_model", checked_model)
    monkeypatch.setattr(context_module, "blocking_calls", checked_blocking)
    monkeypatch.setattr(Project, "inherit", checked_project)
    monkeypatch.setattr(CallGraph, "inherit", checked_graph)
    monkeypatch.setattr(context_module, "scopes", checked_scopes)
    return found


def sweep(tmp_path: Path, seed: int, edits: int, cli_every: int) -> dict[str, int]:
    """``edits`` random edits; the session checked after each, the CLI after every ``cli_every``-th.
    Returns how many edits changed the findings, and after how many the session carried its
    findings over (the default configuration's: no fact changed)."""
    rng = random.Random(seed)
    asked = random.Random(seed + 1)  # which checks of some files are asked (the edits stay those of ``rng``)
    write(tmp_path, SHOP)
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    root = tmp_path / "shop"
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    texts = dict(SHOP)
    counts = {"changed findings": 0, "carried over": 0, "edits": 0}
    previous: dict[str, list[Diagnostic]] | None = None
    buffers: set[str] = set()  # files the session holds an editor's text of
    warm = WarmProjects()  # check --daemon's process, kept across the sweep
    for step in range(edits):
        name = rng.choice(sorted(texts))
        path = tmp_path / name
        roll = rng.random()
        if roll < 0.06 and name != "shop/main.py":  # a file deleted (a branch switch, a move)
            del texts[name]
            path.unlink()
            what = "delete"
            if rng.random() < 0.5 or name in buffers:
                session.set_text(path, None)  # its buffer closed (an overlay outlives the file on disk)
                buffers.discard(name)
            else:
                session.refresh()
        elif roll < 0.12 and set(SHOP) - set(texts):  # a deleted file written again (a branch switched back)
            name = rng.choice(sorted(set(SHOP) - set(texts)))
            path, what = tmp_path / name, "restore"
            texts[name] = SHOP[name]
            path.write_text(SHOP[name])
            session.refresh()
        elif roll < 0.16 and "shop/extra.py" not in texts:  # a file added
            name, what = "shop/extra.py", "add a file"
            path = tmp_path / name
            texts[name] = NEW_MODULE
            path.write_text(NEW_MODULE)
            session.refresh()
        else:
            texts[name], what = edit(name, texts[name], rng)
            path.write_text(texts[name])
            if rng.random() < 0.7:
                session.set_text(path, texts[name].encode())  # an editor's buffer (here the same as the disk)
                buffers.add(name)
            elif name in buffers and rng.random() < 0.5:
                session.set_text(path, None)  # the buffer closed: the disk's text again
                buffers.discard(name)
            else:
                if name in buffers:  # the buffer stays in force over the disk until it is closed
                    session.set_text(path, None)
                    buffers.discard(name)
                session.refresh()
        counts["edits"] += 1
        if texts and asked.random() < 0.5:  # a one-file run's check in a long-lived process (``api/warm.py``)
            some = frozenset(shown for shown in (name, asked.choice(sorted(texts))) if shown in texts)
            got_some = session.check(CONFIGS[0], reported=some).by_path
            expected_some = fresh(root, CONFIGS[0])
            assert {shown: got_some.get(shown) or None for shown in some} == {shown: expected_some.get(shown) for shown in some}, (
                f"step {step} ({what} in {name}): the session's check of {sorted(some)} differs from a full run")
        for config in CONFIGS:
            expected = fresh(root, config)
            got = {shown: found for shown, found in session.diagnostics(config).items() if found}
            assert got == expected, f"step {step} ({what} in {name}), config {config.select}: the session differs from a full run"
            if config == CONFIGS[0]:
                counts["changed findings"] += expected != previous
                counts["carried over"] += session.check(config).carried_over
                previous = expected
        if cli_every and step % cli_every == 0 and path.exists():
            shown = str(path.relative_to(tmp_path))
            expected_here = as_reported(fresh(root, Config()).get(shown, []))
            assert cli_one_file(path) == expected_here, (
                f"step {step} ({what} in {name}): the CLI's one-file run differs from a full run")
            assert cli_one_file(path, warm) == expected_here, (
                f"step {step} ({what} in {name}): the CLI's one-file run with --daemon differs from a full run")
    return counts


def test_an_edit_sweep_matches_full_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    inherited = verify_inheritance(monkeypatch)
    counts = sweep(tmp_path, seed=16, edits=45, cli_every=3)
    assert counts["changed findings"] >= 5  # the sweep changed what is found, not just positions
    assert 5 <= counts["carried over"] < counts["edits"]  # both ways through the session were taken
    assert min(len(inherited["projects"]), len(inherited["graphs"]), len(inherited["edges"]),
               len(inherited["handed"]), len(inherited["blocking"]), len(inherited["index"])) >= 5  # answers inherited
    assert inherited["defined"]  # across a function written or deleted too
    assert len(inherited["models"]) >= 5 and {"rare_roots", "serving_modules"} <= set(inherited["views"])
    assert inherited["held"] and inherited["paths"] and inherited["calls"] and inherited["witnesses"], "no placing held"
    assert inherited["grown"], "no placing grown"
    assert inherited["blocking edges"]
    assert not inherited["wrong"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_a_long_edit_sweep_matches_full_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    monkeypatch.chdir(tmp_path)
    inherited = verify_inheritance(monkeypatch)
    sweep(tmp_path, seed=seed, edits=150, cli_every=2)
    assert not inherited["wrong"]


def sweeps_of(kinds: list[str], seeds: int, edits: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """``seeds`` sweeps of ``edits`` edits of the ``kinds`` given, each in a folder of its own,
    every inherited answer checked (``verify_inheritance``, whose record is returned)."""
    monkeypatch.setattr(sys.modules[__name__], "KINDS", kinds)
    inherited = verify_inheritance(monkeypatch)
    for seed in range(seeds):
        folder = tmp_path / str(seed)
        folder.mkdir()
        monkeypatch.chdir(folder)
        sweep(folder, seed=seed, edits=edits, cli_every=0)
    return inherited


@pytest.mark.slow
def test_sweeps_of_calls_written_and_taken_away_match_full_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mostly calls of the project's functions written (under names of their own, imported in
    the body) and blocking calls taken away: the placings grown and held equal placings made afresh."""
    kinds = ["call_own"] * 4 + ["remove_blocking"] * 2 + ["comment", "add_blocking"]
    inherited = sweeps_of(kinds, 6, 60, tmp_path, monkeypatch)
    assert len(inherited["grown"]) >= 3 and not inherited["wrong"]


def test_sweeps_of_functions_written_and_taken_away_match_full_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mostly functions and classes written and taken away whole: the placings held but for
    ``UNKNOWN`` (``scope_written.py``) equal placings made afresh."""
    inherited = sweeps_of(["define"] * 4 + ["undefine"] * 2 + ["add_blocking", "comment"], 3, 30, tmp_path, monkeypatch)
    assert len(inherited["whole"]) >= 3 and not inherited["wrong"]


def test_the_fixture_has_findings_the_edits_act_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, SHOP)
    (tmp_path / "pyproject.toml").write_text('[tool.fastapi-lint]\nextend-select = ["FAS106"]\n')
    codes = {(shown, d.code) for shown, found in fresh(tmp_path / "shop", Config(extend_select=("FAS106",))).items()
             for d in found}
    assert ("shop/routers/items.py", "FAS102") in codes  # read_item -> catalog.find -> storage.read_blob
    assert ("shop/routers/items.py", "FAS106") in codes  # list_items depends on the sync get_db


def edit_a_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str,
                  caller: str, folder: str = "") -> dict[str, list[str]]:
    """A session of a two-module app (``app/threads.py`` as ``before``, ``app/main.py`` as
    ``caller``, in ``folder``) after the helper module's text becomes ``after`` (saved, and the
    editor's buffer): its findings a full run's, and not those before the edit. Returns what was
    inherited (``verify_inheritance``)."""
    files = {"app/__init__.py": "", "app/threads.py": before, "app/main.py": caller}
    return edit_a_module(tmp_path, monkeypatch, files, "threads.py", after, folder=folder)[0]


def edit_a_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], edited: str, after: str,
                  config: Config = Config(), folder: str = "") -> tuple[dict[str, list[str]], dict[str, list[Diagnostic]]]:
    """A session of the app ``files`` (under ``app/``, in ``folder``) under ``config``, after the module ``edited``
    there becomes ``after`` (saved, and the editor's buffer): its findings a full run's, and not
    those before the edit. Returns what was inherited (``verify_inheritance``), and the findings."""
    monkeypatch.chdir(tmp_path)
    inherited = verify_inheritance(monkeypatch)
    write(tmp_path / folder, files)
    root = tmp_path / folder / "app"
    session = ProjectSession(root, config, jobs=1)
    session.refresh()
    first = fresh(root, config)
    assert session.diagnostics() == first
    (root / edited).write_text(after)
    session.set_text(root / edited, after.encode())
    found = {shown: found for shown, found in session.diagnostics().items() if found}
    assert found == fresh(root, config) != first
    return inherited, found


OFFLOADS = '''\
from starlette.concurrency import run_in_threadpool


async def run_sync(fn):
    await run_in_threadpool(fn)
'''
RUNS_HERE = '''\
from starlette.concurrency import run_in_threadpool


async def run_sync(fn):
    fn()
'''
CALLER = '''\
import time

from fastapi import FastAPI

from app.threads import run_sync

app = FastAPI()


@app.get("/")
async def index() -> dict:
    await run_sync(lambda: time.sleep(1))
    return {}
'''


@pytest.mark.parametrize("before, after", [(OFFLOADS, RUNS_HERE), (RUNS_HERE, OFFLOADS)])
def test_an_edit_of_a_helpers_body_reaches_what_its_callers_calls_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """Whether a lambda handed to a helper runs on a worker thread is read from the helper's body:
    an edit of it alone changes what the route's calls do, in a module that did not change."""
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, CALLER)
    assert inherited["graphs"] == ["app.threads.run_sync"] and not inherited["wrong"]


RUNNER = '''\
import asyncio


def run_sync(coro):
    asyncio.run(coro)
'''
NOT_A_RUNNER = RUNNER.replace("    asyncio.run(coro)\n", "    print(coro)\n")
SYNC_ROUTE = '''\
import time

from fastapi import FastAPI

from app.threads import run_sync

app = FastAPI()


async def job() -> None:
    time.sleep(1)


@app.get("/")
def index() -> dict:
    run_sync(job())
    return {}
'''


@pytest.mark.parametrize("before, after", [(RUNNER, NOT_A_RUNNER), (NOT_A_RUNNER, RUNNER)])
def test_an_edit_of_a_runners_body_reaches_where_its_callers_coroutines_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """Whether a helper runs its first argument on a loop of its own is read from its body: an
    edit of it alone moves the coroutine a route hands it between a private loop and the app's."""
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, SYNC_ROUTE)
    assert inherited["edges"] and not inherited["wrong"]


KEEPS_THE_STORE = '''\
from app import main


async def warm():
    print("warm")
'''
BUILDS_A_STORE = KEEPS_THE_STORE.replace('print("warm")', "await main.Store().token()")
GUARDED_ROUTE = '''\
import requests
from fastapi import FastAPI

from app.threads import warm

app = FastAPI()


class Store:
    def __init__(self):
        self._token = None

    async def token(self):
        if self._token is None:
            self._token = requests.get("https://auth", timeout=5).text
        return self._token


store = Store()


@app.get("/")
async def index():
    await warm()
    return await store.token()
'''


@pytest.mark.parametrize("before, after", [(KEEPS_THE_STORE, BUILDS_A_STORE), (BUILDS_A_STORE, KEEPS_THE_STORE)])
def test_an_edit_elsewhere_reaches_whether_a_guarded_call_blocks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """A call behind a lazy-initialisation guard runs once on an object that lives long, and on
    every request when a helper also builds one per request and runs it: an edit of the helper
    alone reaches the blocking calls of the module it did not change."""
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, GUARDED_ROUTE)
    assert inherited["projects"] and not inherited["wrong"]


PLAIN_HELPER = '''\
def helper():
    return 1
'''
IMPORTING_HELPER = '''\
import time


def helper():
    time.sleep(1)
    return 1
'''
HELPER_ROUTE = '''\
from fastapi import FastAPI

from app.threads import helper

app = FastAPI()


@app.get("/")
async def index():
    return helper()
'''
# A route that reaches into the helper module's namespace for ``time`` (which its import binds there)
THROUGH_THE_MODULE = '''\
from fastapi import FastAPI

from app import threads

app = FastAPI()


@app.get("/")
async def index():
    threads.time.sleep(1)
    return threads.helper()
'''


OS_HELPER = "import os\n\n\n" + PLAIN_HELPER  # an import another takes the place of
TIME_HELPER = "import time\n\n\n" + PLAIN_HELPER
SLEEPING_HELPER = TIME_HELPER.replace("    return 1\n", "    time.sleep(1)\n    return 1\n")
FETCHING_HELPER = PLAIN_HELPER.replace("    return 1\n", "    import requests\n    requests.get('https://example.com', timeout=3)\n"
                                                          "    return 1\n")
TWO_HELPERS = PLAIN_HELPER + "\n\ndef wait_a_bit():\n    import time\n    time.sleep(1)\n"


@pytest.mark.parametrize("before, after", [(TIME_HELPER, SLEEPING_HELPER), (SLEEPING_HELPER, TIME_HELPER),
                                           (PLAIN_HELPER, FETCHING_HELPER)])
def test_a_librarys_wait_written_or_taken_away_keeps_the_placing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """A call into a library that waits, passing literals (with its import in the body or not),
    changes what the helper blocks on and nothing of where functions run: the route's FAS102
    comes or goes, and the placing is the last one's (``scope_cutoff.py``; checked against one
    placed afresh)."""
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, HELPER_ROUTE)
    assert inherited["held"] and not inherited["wrong"]


def test_a_call_of_the_projects_own_is_not_taken_as_inert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``wait_a_bit()`` passes no argument but runs a function of the project, which the route
    now reaches: the walks reach it (the placing grows), not the last placing held."""
    after = TWO_HELPERS.replace("    return 1\n", "    wait_a_bit()\n    return 1\n", 1)
    inherited = edit_a_helper(tmp_path, monkeypatch, TWO_HELPERS, after, HELPER_ROUTE)
    assert inherited["grown"] and not inherited["held"] and not inherited["wrong"]


# A function only the lifespan's shutdown runs, which waits and fills a module's name; and the app.
STOPPING_TOOLS = '''\
import time

_stopped = None


def stop_profiler():
    global _stopped
    time.sleep(1)
    _stopped = True
'''
STOPS_AT_SHUTDOWN = '''\
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.threads import helper
from app.tools import stop_profiler


@asynccontextmanager
async def lifespan(app):
    yield
    stop_profiler()


app = FastAPI(lifespan=lifespan)


@app.get("/")
async def index():
    return helper()
'''


def calling_the_tool(alias: str) -> str:
    """The plain helper, calling the tool under ``alias``, imported in its body (an editor's quick edit)."""
    return f"def helper():\n    from app.tools import stop_profiler as {alias}\n    {alias}()\n    return 1\n"


@pytest.mark.parametrize("tools, main", [
    (STOPPING_TOOLS, STOPS_AT_SHUTDOWN),
    # and clients built per request, before the edit and in what it brings in (FAS201 asks what
    # requests reach only when recovering)
    (STOPPING_TOOLS.replace("import time\n", "import time\n\nimport httpx\n").replace(
        "    time.sleep(1)\n", "    time.sleep(1)\n    client = httpx.Client()\n    client.close()\n"),
     STOPS_AT_SHUTDOWN.replace("from fastapi import FastAPI\n", "import httpx\nfrom fastapi import FastAPI\n")
     + "\n\n@app.get(\"/ping\")\nasync def ping():\n    async with httpx.AsyncClient() as client:\n        await client.get(\"https://example.com\", timeout=3)\n"),
])
def test_a_call_of_a_function_only_startup_ran_grows_the_placing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 tools: str, main: str) -> None:
    """The helper a route runs now calls a function only the lifespan ran: that function, and
    what it runs, join every walk the helper is in, and the route's FAS102 comes (and the
    client it builds is one per request); the placing, the request paths, the calls per request
    and what requests reach only when recovering are the last ones grown (``scope_growth.py``),
    checked against ones made afresh."""
    files = {"app/__init__.py": "", "app/threads.py": PLAIN_HELPER, "app/tools.py": tools, "app/main.py": main}
    inherited, found = edit_a_module(tmp_path, monkeypatch, files, "threads.py", calling_the_tool("_stop_1"))
    assert inherited["grown"] and not inherited["held"] and not inherited["wrong"]
    assert "FAS102" in [d.code for d in found["app/main.py"]]
    assert "httpx" not in tools or "recovering" in inherited["views"]


def test_a_call_written_in_place_of_one_alike_holds_the_placing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same function called under another name, from the same place in the body (an edit
    undone, then made again with a name of its own): the walks follow the same edges."""
    files = {"app/__init__.py": "", "app/threads.py": calling_the_tool("_stop_1"), "app/tools.py": STOPPING_TOOLS,
             "app/main.py": STOPS_AT_SHUTDOWN}
    inherited = verify_inheritance(monkeypatch)
    monkeypatch.chdir(tmp_path)
    write(tmp_path, files)
    root = tmp_path / "app"
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    session.diagnostics()
    for alias in ("_stop_2", "_stop_3"):
        text = calling_the_tool(alias)
        (root / "threads.py").write_text(text)
        session.set_text(root / "threads.py", text.encode())
        assert {shown: found for shown, found in session.diagnostics().items() if found} == fresh(root, Config())
    assert len(inherited["held"]) == 2 and not inherited["wrong"]


@pytest.mark.parametrize("tools", [
    STOPPING_TOOLS.replace("    _stopped = True\n", "    _stopped = Profiler()\n") + "\n\nclass Profiler:\n    pass\n",
    STOPPING_TOOLS.replace("    time.sleep(1)\n", "    time.sleep(1)\n    index()\n").replace(
        "import time\n", "import time\n\nfrom app.main import index\n"),
])
def test_a_call_that_reaches_what_else_reads_is_placed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tools: str) -> None:
    """The function now called builds an object of the project's (who builds a class where
    decides whether its guards run once), or runs what requests ran already (whose callers now
    include it): the placing is made again."""
    files = {"app/__init__.py": "", "app/threads.py": PLAIN_HELPER, "app/tools.py": tools, "app/main.py": STOPS_AT_SHUTDOWN}
    inherited, _ = edit_a_module(tmp_path, monkeypatch, files, "threads.py", calling_the_tool("_stop_1"))
    assert not inherited["grown"] and not inherited["held"] and not inherited["wrong"]


# A function requests run whose wait every caller rules out (``now=True``, handed down): a branch
# no request takes.
STOPPING_LATER = '''\
import time


def flush():
    time.sleep(1)


def flush_unless(now):
    if not now:
        flush()


def stop(now=True):
    flush_unless(now)
'''
STOPS_NOW = '''\
from fastapi import FastAPI

from app.threads import helper
from app.tools import stop

app = FastAPI()


@app.get("/")
async def index():
    return helper()


@app.get("/stop")
async def stop_now():
    stop(now=True)
'''


def test_a_call_of_what_requests_ran_already_is_placed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``stop(False)`` written in the helper: requests ran ``stop`` already, always with
    ``now=True``, so the wait below it was on a branch no request took; the call written takes it.
    What the walks read of ``stop`` and below (who calls it, and with what) moves with the call:
    the placing is made again, not grown."""
    files = {"app/__init__.py": "", "app/threads.py": PLAIN_HELPER, "app/tools.py": STOPPING_LATER, "app/main.py": STOPS_NOW}
    after = "def helper():\n    from app.tools import stop as _stop\n    _stop(False)\n    return 1\n"
    inherited, found = edit_a_module(tmp_path, monkeypatch, files, "threads.py", after)
    assert not inherited["grown"] and not inherited["wrong"]
    assert "FAS102" in [d.code for d in found["app/main.py"]]


# A route loads a plugin by name: the plugins' modules are in the closure as modules named at run
# time (``Scopes.loaded_by_name``), not as imports; a command line imports one.
LOADS_PLUGINS = {
    "app/__init__.py": "", "app/threads.py": PLAIN_HELPER, "app/plugins/__init__.py": "",
    "app/plugins/slow.py": "import time\n\n\ndef wait():\n    time.sleep(1)\n",
    "app/cli.py": "from app.plugins.slow import wait\n\n\ndef main():\n    wait()\n",
    "app/main.py": '''\
import importlib

from fastapi import FastAPI

from app.threads import helper

app = FastAPI()


@app.get("/")
async def index():
    return helper()


@app.get("/plugins/{name}")
def plugin(name: str):
    return importlib.import_module(f"app.plugins.{name}").__name__
'''}


def test_a_call_imported_from_a_module_named_at_run_time_is_placed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper imports, in its body, a plugin's module that the app loads only by a name
    computed at run time: the module is now imported, and what it imports joins the closure
    (``scope_closure.py``): the placing is made again, not grown."""
    after = "def helper():\n    from app.plugins.slow import wait as _wait\n    _wait()\n    return 1\n"
    inherited, found = edit_a_module(tmp_path, monkeypatch, LOADS_PLUGINS, "threads.py", after)
    assert not inherited["grown"] and not inherited["wrong"]
    assert "FAS102" in [d.code for d in found["app/main.py"]]


# A sync route runs ``stop_profiler`` already (in the threadpool); its name puts it before the
# async route in the roots' order (``abort``) or after it (``stop``).
STOPS_ON_REQUEST = STOPS_AT_SHUTDOWN + '''

@app.get("/stop")
def {name}():
    stop_profiler()
'''
# Requests run ``Pool.drain`` (a method taking nothing but its object), which starts a thread;
# ``close_pool``, which the helper now calls, runs it too, and the lifespan runs the helper.
DRAINING_TOOLS = '''\
import threading
import time


class Pool:
    def drain(self):
        time.sleep(1)
        threading.Thread(target=self._report).start()

    def _report(self):
        time.sleep(1)


POOL = Pool()


def close_pool():
    POOL.drain()
'''
DRAINS_ON_REQUEST = '''\
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.threads import helper
from app.tools import POOL


@asynccontextmanager
async def lifespan(app):
    helper()
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/")
async def index():
    return helper()


@app.get("/drain")
def drain():
    POOL.drain()
'''


DEPENDS_ON_IT = '''\
from fastapi import Depends, FastAPI

from app.threads import helper
from app.tools import get_db

app = FastAPI()


@app.get("/")
async def index():
    return helper()


@app.get("/items")
def items(db=Depends(get_db)):
    return db
'''


@pytest.mark.parametrize("tools, main, callee", [
    (STOPPING_TOOLS, STOPS_ON_REQUEST.format(name="abort"), "stop_profiler"),
    # what the function runs was another root's first (the request paths are walked again)
    (STOPPING_TOOLS, STOPS_ON_REQUEST.format(name="stop"), "stop_profiler"),
    # a function new to requests that runs one requests ran, which starts a thread: the startup
    # walk, which reaches it now, hands that thread on
    (DRAINING_TOOLS, DRAINS_ON_REQUEST, "close_pool"),
    # a dependency a sync route declares, called from the helper too
    ("import time\n\n\ndef get_db():\n    time.sleep(1)\n    return 1\n", DEPENDS_ON_IT, "get_db"),
])
def test_a_call_of_what_requests_ran_already_taking_nothing_grows_the_placing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tools: str, main: str, callee: str) -> None:
    """The helper now calls a function requests ran already (or one that runs such a function),
    taking no argument: who calls it moves nothing of what the walks read of it, so the placing,
    the paths and the calls per request grow (``scope_growth.py``), checked against fresh ones,
    and the async route's FAS102 comes."""
    files = {"app/__init__.py": "", "app/threads.py": PLAIN_HELPER, "app/tools.py": tools, "app/main.py": main}
    after = calling_the_tool("_stop_1").replace("stop_profiler", callee)
    inherited, found = edit_a_module(tmp_path, monkeypatch, files, "threads.py", after)
    assert inherited["grown"] and not inherited["held"] and not inherited["wrong"]
    assert inherited["paths"] and inherited["calls"]
    assert "FAS102" in [d.code for d in found["app/main.py"] if d.function == "app.main.index"]


@pytest.mark.parametrize("before, after", [(PLAIN_HELPER, IMPORTING_HELPER), (IMPORTING_HELPER, PLAIN_HELPER),
                                           (OS_HELPER, IMPORTING_HELPER)])
def test_an_import_added_above_a_call_keeps_the_last_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """``import time`` added with the ``time.sleep`` it serves (or both taken away) binds a name
    no answer went through: the project inherits the last one's answers, and they hold."""
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, HELPER_ROUTE)
    assert inherited["projects"] and not inherited["wrong"]


@pytest.mark.parametrize("before, after", [(PLAIN_HELPER, IMPORTING_HELPER), (IMPORTING_HELPER, PLAIN_HELPER)])
def test_an_import_another_module_reads_through_links_afresh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """When another module reads the name the import binds (``threads.time.sleep``), what that
    read resolves to changes with the import: nothing is inherited."""
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, THROUGH_THE_MODULE)
    assert not inherited["projects"]


WITH_A_SPARE = '''\
import time


def helper():
    time.sleep(1)
    return 1


def spare():
    return 2
'''
WITH_A_STEP = '''\
import time


def helper():
    step()
    return 1


def step():
    time.sleep(1)
'''
CALLS_A_STEP_TO_COME = '''\
from fastapi import FastAPI

from app import threads

app = FastAPI()


@app.get("/")
async def index():
    threads.step()
    return threads.helper()
'''


@pytest.mark.parametrize("before, after", [(PLAIN_HELPER, WITH_A_STEP), (WITH_A_SPARE, PLAIN_HELPER)])
def test_a_function_written_or_deleted_keeps_the_last_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """A helper written with the call it serves (or a def no one calls deleted, with the helper's
    blocking call) defines a name no answer went through: the project inherits the last one's
    answers, the functions linked again, and they hold."""
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, HELPER_ROUTE)
    assert inherited["projects"] and inherited["defined"] and not inherited["wrong"]


def test_a_function_deleted_in_a_src_layout_keeps_the_last_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its module goes by two names there (``src.app.threads``, ``app.threads``): the def deleted
    is the one the other name finds too."""
    inherited = edit_a_helper(tmp_path, monkeypatch, WITH_A_SPARE, PLAIN_HELPER, HELPER_ROUTE, folder="src")
    assert inherited["projects"] and inherited["defined"] and not inherited["wrong"]


@pytest.mark.parametrize("before, after", [(PLAIN_HELPER, WITH_A_STEP), (WITH_A_STEP, PLAIN_HELPER)])
def test_a_function_another_module_calls_links_afresh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """A def written that another module calls already (``threads.step()`` before ``step``
    exists), or deleted while it still does: what that call resolves to changes with it, so
    nothing is inherited."""
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, CALLS_A_STEP_TO_COME)
    assert not inherited["projects"]


A_PROTOCOL = '''\
import time
from typing import Protocol


class Store(Protocol):
    def load(self) -> str: ...

    def save(self, data: str) -> None: ...


class DiskStore:
    def load(self) -> str:
        time.sleep(1)
        return ""
'''
ITS_FACTORY = A_PROTOCOL + '''

def make_store() -> Store:
    return DiskStore()
'''
THROUGH_THE_PROTOCOL = '''\
from fastapi import Depends, FastAPI

from app.threads import Store

app = FastAPI()


def get_store() -> Store:
    raise NotImplementedError


@app.get("/")
async def index(store: Store = Depends(get_store)):
    return store.load()
'''


@pytest.mark.parametrize("before, after", [(A_PROTOCOL, ITS_FACTORY), (ITS_FACTORY, A_PROTOCOL)])
def test_a_function_that_makes_a_protocols_implementation_relinks_the_calls(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """A factory declared to return a protocol makes the class it returns an implementation (a
    call on the protocol runs its methods): written or deleted, no name read, the answers of name
    resolution hold but not the subclass index, so the call graph and the placing link afresh."""
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, THROUGH_THE_PROTOCOL)
    assert inherited["hierarchies"] and not inherited["graphs"] and not inherited["wrong"]


A_SERVICE = '''\
import time


class Service:
    def fetch(self):
        return 1
'''
ITS_STEP = '''\
import time


class Service:
    def fetch(self):
        self.step()
        return 1

    def step(self):
        time.sleep(1)
'''
WITH_A_SPARE_METHOD = '''\
import time


class Service:
    def fetch(self):
        time.sleep(1)
        return 1

    def spare(self):
        return 2
'''
SERVICE_ROUTE = '''\
from fastapi import FastAPI

from app.threads import Service

app = FastAPI()


@app.get("/")
async def index():
    return Service().fetch()
'''
# a subclass in another module calls a method its base does not define yet
SUBCLASS_ROUTE = '''\
from fastapi import FastAPI

from app.threads import Service

app = FastAPI()


class Local(Service):
    pass


@app.get("/")
async def index():
    Local().step()
    return Local().fetch()
'''


@pytest.mark.parametrize("before, after", [(A_SERVICE, ITS_STEP), (WITH_A_SPARE_METHOD, A_SERVICE)])
def test_a_method_written_or_deleted_keeps_the_last_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """A method written with the call on ``self`` it serves (or one no code calls deleted): no
    answer went through its name on its class's family, so the project inherits, and the answers
    hold."""
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, SERVICE_ROUTE)
    assert inherited["projects"] and inherited["defined"] and not inherited["wrong"]


@pytest.mark.parametrize("before, after", [(A_SERVICE, ITS_STEP), (ITS_STEP, A_SERVICE)])
def test_a_method_a_subclass_elsewhere_calls_links_afresh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """A method written on a base class (or deleted) that a subclass in another module calls
    already (``Local().step()``): what the call resolves to changes, so nothing is inherited."""
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, SUBCLASS_ROUTE)
    assert not inherited["projects"]


WITH_A_MODEL = PLAIN_HELPER + '''

class Receipt:
    total: float = 0.0
'''
AN_ABSTRACT_STORE = '''\
from abc import ABC, abstractmethod


class Store(ABC):
    @abstractmethod
    def load(self) -> str: ...
'''
ITS_DISK_STORE = AN_ABSTRACT_STORE + '''

class DiskStore(Store):
    def load(self) -> str:
        import time
        time.sleep(1)
        return ""
'''
ON_THE_BASE = THROUGH_THE_PROTOCOL  # a route calling ``store.load()`` on a value typed ``Store``
USES_A_MODEL_TO_COME = HELPER_ROUTE.replace("from app.threads import helper", "from app.threads import Receipt, helper").replace(
    "    return helper()", "    return helper(), Receipt().total")


@pytest.mark.parametrize("before, after", [(IMPORTING_HELPER, WITH_A_MODEL), (WITH_A_MODEL, IMPORTING_HELPER)])
def test_a_class_written_or_deleted_keeps_the_last_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """A class written (a model beside the helper) or deleted, with the helper's edit: no answer
    went through its name, and its bases' subclasses changed where none went either."""
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, HELPER_ROUTE)
    assert inherited["projects"] and inherited["graphs"] and not inherited["wrong"]


@pytest.mark.parametrize("before, after", [(PLAIN_HELPER, WITH_A_MODEL.replace("time.sleep(1)\n", ""))])
def test_a_class_another_module_uses_links_afresh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """A class written that a route imports already (``Receipt`` before it exists): nothing is inherited."""
    monkeypatch.chdir(tmp_path)
    inherited = verify_inheritance(monkeypatch)
    write(tmp_path, {"app/__init__.py": "", "app/threads.py": before, "app/main.py": USES_A_MODEL_TO_COME})
    root = tmp_path / "app"
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    session.diagnostics()
    (root / "threads.py").write_text(after)
    session.set_text(root / "threads.py", after.encode())
    assert {shown: found for shown, found in session.diagnostics().items() if found} == fresh(root, Config())
    assert not inherited["projects"] and not inherited["hierarchies"]


def test_a_subclass_written_under_a_base_a_route_calls_relinks_the_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A subclass written that overrides the method a route calls on the base: names resolve as
    before, but what the call runs changes, so the call graph links afresh."""
    inherited = edit_a_helper(tmp_path, monkeypatch, AN_ABSTRACT_STORE, ITS_DISK_STORE, ON_THE_BASE)
    assert inherited["hierarchies"] and not inherited["graphs"] and not inherited["wrong"]


def test_a_subclass_deleted_whose_method_a_route_runs_links_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deleted, the route's call ran its method (an answer through its name): nothing is inherited."""
    inherited = edit_a_helper(tmp_path, monkeypatch, ITS_DISK_STORE, AN_ABSTRACT_STORE, ON_THE_BASE)
    assert not inherited["projects"] and not inherited["hierarchies"]


ROUTES_BEFORE = '''\
import time

from fastapi import APIRouter, FastAPI

app = FastAPI()
router = APIRouter()


def attach(child):
    app.include_router(child)


def setup():
    return app


@router.get("/slow")
async def slow() -> dict:
    time.sleep(1)
    return {}


@app.get("/fast")
async def fast() -> dict:
    return {}


async def late() -> dict:
    time.sleep(1)
    return {}
'''
# the route's body gains a blocking call, and the routes below move
ROUTES_SLOWER = ROUTES_BEFORE.replace("    return app\n", "    # a longer body\n    return app\n").replace(
    "async def fast() -> dict:\n", "async def fast() -> dict:\n    time.sleep(1)\n")
ROUTES_ATTACHED = ROUTES_BEFORE.replace("    return app\n", "    attach(router)\n    return app\n")
ROUTES_REGISTERED = ROUTES_BEFORE.replace("    return app\n", "    app.add_api_route('/late', late)\n    return app\n")
ROUTES_CALLER = '''\
from app.threads import setup

setup()
'''


def test_an_edit_of_a_routes_body_keeps_the_fastapi_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The route's body gains a blocking call and moves: the model's routes are pointed at the new facts."""
    inherited = edit_a_helper(tmp_path, monkeypatch, ROUTES_BEFORE, ROUTES_SLOWER, ROUTES_CALLER)
    assert inherited["models"] and not inherited["wrong"]


@pytest.mark.parametrize("after", [ROUTES_ATTACHED, ROUTES_REGISTERED])
def test_an_edit_that_registers_a_route_builds_the_model_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after: str) -> None:
    """A call of a helper whose callers the model read (``attach``, which includes the router it is
    handed), or a call that registers a route (``add_api_route``), written into a body: the router
    is served now, or the route exists."""
    inherited = edit_a_helper(tmp_path, monkeypatch, ROUTES_BEFORE, after, ROUTES_CALLER)
    assert not inherited["models"] and not inherited["wrong"]


GUARDED_BEFORE = '''\
import time

from fastapi import APIRouter, Depends, FastAPI


async def wait():
    time.sleep(1)


DEPENDENCIES = [Depends(wait)]


class Guarded(APIRouter):
    def __init__(self):
        super().__init__()


app = FastAPI()
router = Guarded()


@router.get("/x")
async def x() -> dict:
    return {}


app.include_router(router)
'''
GUARDED_AFTER = GUARDED_BEFORE.replace("super().__init__()", "super().__init__(dependencies=DEPENDENCIES)")


def test_an_edit_of_a_body_the_model_read_builds_it_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A router class's ``__init__`` now hands its routes dependencies: the model read that body."""
    inherited = edit_a_helper(tmp_path, monkeypatch, GUARDED_BEFORE, GUARDED_AFTER, "")
    assert inherited["graphs"] and not inherited["models"] and not inherited["wrong"]


ROUTES_WITH_A_HELPER = ROUTES_BEFORE + '''

def spare_helper() -> int:
    return 1
'''
ROUTES_WITH_A_ROUTE = ROUTES_BEFORE + '''

@app.get("/later")
async def later() -> dict:
    time.sleep(1)
    return {}
'''


@pytest.mark.parametrize("before, after, kept", [(ROUTES_BEFORE, ROUTES_WITH_A_HELPER, True),
                                                 (ROUTES_WITH_A_HELPER, ROUTES_BEFORE, True),
                                                 (ROUTES_BEFORE, ROUTES_WITH_A_ROUTE, False)])
def test_a_function_written_or_deleted_keeps_the_model_unless_it_registers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str, kept: bool) -> None:
    """A helper written or deleted beside the routes (the route's body edited too) keeps the
    model; a route written builds it again."""
    after = after.replace("async def fast() -> dict:\n", "async def fast() -> dict:\n    time.sleep(1)\n")
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, ROUTES_CALLER)
    assert inherited["defined"] and bool(inherited["models"]) is kept and not inherited["wrong"]


POOL = '''\
from sqlalchemy import create_engine

engine = create_engine("postgresql://db/app", pool_size=2)
'''
SYNC_POOL_ROUTE = '''\
from fastapi import FastAPI

from app import threads

app = FastAPI()


@app.get("/")
def index() -> int:
    return threads.helper()
'''
PLAIN_THREADS = "def helper() -> int:\n    return 1\n"
IMPORTING_THE_POOL = "from app import db\n\n\ndef helper() -> int:\n    return 1\n"


def test_an_import_of_a_pools_module_reaches_what_the_app_serves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The model is kept, but a module the routes' modules import now imports the pool's: the
    pool serves requests now (``serving_modules``), and its size is reported."""
    files = {"app/__init__.py": "", "app/db.py": POOL, "app/threads.py": PLAIN_THREADS, "app/main.py": SYNC_POOL_ROUTE}
    inherited, after = edit_a_module(tmp_path, monkeypatch, files, "threads.py", IMPORTING_THE_POOL, Config(scope="all"))
    assert "app/db.py" in after and inherited["models"] and "serving_modules" not in inherited["views"]
    assert not inherited["wrong"]


POOL_AND_CLIENT_ROUTES = '''\
from fastapi import FastAPI

from app import threads

app = FastAPI()


@app.get("/rows")
def rows() -> int:
    return threads.count()


@app.get("/fetch")
async def fetch() -> int:
    return threads.fetch()
'''
POOL_MADE_AT_START = '''\
from sqlalchemy import create_engine


def make_engine():
    return create_engine("postgresql://db/app", pool_size=2)


def setup():
    return make_engine()


engine = setup()
'''
USES_THE_POOL = '''\
import httpx

from app.db import engine


def count() -> int:
    with engine.connect() as connection:
        return connection.execute("select 1").scalar()


def fetch() -> int:
    try:
        return httpx.Client().get("https://example.com").status_code
    except httpx.HTTPError:
        return httpx.Client().get("https://example.org").status_code
'''


def test_the_views_of_a_held_placing_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the placing held (``scope_cutoff.py``), what requests reach only when recovering (a
    client built in an ``except`` handler), what runs once per process and what that runs (the
    pool's users) are the last context's too: each checked against one computed afresh."""
    files = {"app/__init__.py": "", "app/db.py": POOL_MADE_AT_START, "app/threads.py": USES_THE_POOL,
             "app/main.py": POOL_AND_CLIENT_ROUTES}
    after = USES_THE_POOL.replace("    try:\n", "    import time\n    time.sleep(1)\n    try:\n")
    inherited, _ = edit_a_module(tmp_path, monkeypatch, files, "threads.py", after, Config(scope="all"))
    assert inherited["held"] and inherited["paths"] and not inherited["wrong"]
    assert {"recovering", "once_per_process", "run_while_starting"} <= set(inherited["views"])


UNKNOWN_ROUTER = '''\
import time

import somelib

router = somelib.Router()


@router.get("/x")
async def x() -> dict:
    time.sleep(1)
    return {}
'''
UNKNOWN_ROUTER_CALLER = '''\
from fastapi import FastAPI

from app import threads

app = FastAPI()
app.include_router(threads.router)
'''


@pytest.mark.parametrize("before, after", [
    (UNKNOWN_ROUTER, "from fastapi import Depends  # noqa: F401\n" + UNKNOWN_ROUTER),
    ("from fastapi import Depends  # noqa: F401\n" + UNKNOWN_ROUTER, UNKNOWN_ROUTER)])
def test_an_import_of_fastapi_written_or_deleted_builds_the_model_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """A decorator on a router of no known type is a route in a module that imports FastAPI: an
    import of it written (or deleted) beside the route makes it one (or not), whatever resolution says."""
    inherited = edit_a_helper(tmp_path, monkeypatch, before, after, UNKNOWN_ROUTER_CALLER)
    assert not inherited["models"] and not inherited["wrong"]


ADMIN = '''\
import time

from fastapi import FastAPI
from sqladmin import Admin, ModelView
from sqlalchemy import create_engine

app = FastAPI()
admin = Admin(app, create_engine("sqlite://"))


class UserAdmin(ModelView):
    name = "User"
'''
ADMIN_WITH_A_HOOK = ADMIN + '''
    async def on_model_change(self, data, model, is_created, request):
        time.sleep(1)
'''


@pytest.mark.parametrize("before, after", [(ADMIN, ADMIN_WITH_A_HOOK), (ADMIN_WITH_A_HOOK, ADMIN)])
def test_an_admin_hook_written_or_deleted_builds_the_model_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """A model view's ``on_model_change`` runs for the panel's saves: the model finds hooks by their
    name on the class, which name resolution never asked of."""
    files = {"app/__init__.py": "", "app/main.py": before}
    inherited, _ = edit_a_module(tmp_path, monkeypatch, files, "main.py", after, Config(scope="all"))
    assert inherited["defined"] and not inherited["models"] and not inherited["wrong"]


AGENTS_BASE = '''\
class Agent:
    async def act(self, task: str) -> str:
        raise NotImplementedError
'''
AGENT_CLAUDE = '''\
from app.agents.base import Agent


class ClaudeAgent(Agent):
    async def act(self, task: str) -> str:
        return task
'''
AGENT_LOCAL = '''\
from app.agents.base import Agent


class LocalAgent(Agent):
    async def act(self, task: str) -> str:
        with open("/srv/weights.txt") as handle:
            return handle.read() + task
'''
REEXPORTS_THE_LOCAL_AGENT = '''\
from app.agents.base import Agent
from app.agents.claude import ClaudeAgent
from app.agents.local import LocalAgent


def build_agent() -> Agent:
    return ClaudeAgent()
'''
BUILDS_THE_CLAUDE_AGENT = '''\
from app.agents.base import Agent
from app.agents.claude import ClaudeAgent


def build_agent() -> Agent:
    return ClaudeAgent()
'''
ACTS = '''\
from fastapi import FastAPI

from app.agents import build_agent

app = FastAPI()


@app.post("/act")
async def act(task: str) -> str:
    return await build_agent().act(task)
'''


@pytest.mark.parametrize("before, after", [(REEXPORTS_THE_LOCAL_AGENT, BUILDS_THE_CLAUDE_AGENT),
                                           (BUILDS_THE_CLAUDE_AGENT, REEXPORTS_THE_LOCAL_AGENT)])
def test_an_implementation_reexported_or_no_longer_matches_a_full_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str) -> None:
    """A package's ``__init__`` that re-exports an implementation no code makes leaves it out of
    what the route's call on the base runs; one named by no code may be loaded by name and runs
    (``Placer._unpicked``): the import written or taken away changes the route's findings."""
    files = {"app/__init__.py": "", "app/agents/__init__.py": before, "app/agents/base.py": AGENTS_BASE,
             "app/agents/claude.py": AGENT_CLAUDE, "app/agents/local.py": AGENT_LOCAL, "app/main.py": ACTS}
    inherited, found = edit_a_module(tmp_path, monkeypatch, files, "agents/__init__.py", after)
    assert not inherited["wrong"]
    assert bool(found) == (after == BUILDS_THE_CLAUDE_AGENT)
