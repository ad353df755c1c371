"""Where each function runs: on a served app's event loop, at startup, on a loop of its own, in
tests, or nowhere the analysis can see.

A blocking call stalls a server only when it runs on the loop that serves requests. So before an
event-loop finding is shown, the function it is in is placed (``Where``):

- ``REQUEST``: reached from what an app runs per request (routes, dependencies, middleware,
  exception handlers, background tasks, and what they await, call or start as tasks);
- ``APP_TASK``: reached from a task that startup code (the lifespan, a startup handler) starts
  on the app's loop and leaves running (``asyncio.create_task(monitor())``);
- ``STARTUP``: reached only from startup code itself: it runs before any request is served;
- ``PRIVATE_LOOP``: reached only from a loop of its own: ``asyncio.run(main())`` and
  ``loop.run_until_complete(...)`` called from sync code, a task-queue job (Celery, Dramatiq, RQ,
  Taskiq), a command-line command;
- ``TEST``: in test code (``test_*.py``, ``*_test.py``, ``conftest.py``, a ``tests/``,
  ``test/`` or ``testing/`` folder): it never runs in the server;
- ``UNKNOWN``: none of those, in a module an app imports (directly or not): something the
  analysis cannot follow may run it on the app's loop;
- ``OUTSIDE``: none of those, in a module no app imports (a script, a tool, another program);
- ``LIBRARY``: the project has no app at all: everything is linted as it may be served.

Which function a call reaches is the call graph's answer (``callgraph.runs``); the walks add
what a call hands to a runner or to a task. Test code is told by its path alone: a helper that
only tests call but that lives in the package is ``UNKNOWN`` (or ``OUTSIDE``), not a test.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, ModuleSummary, Value
from fastapi_lint.diagnostics import Span
from fastapi_lint.analysis.fastapi_model import REQUEST_ROLES, STARTUP_ROLES, FastAPIModel
from fastapi_lint.analysis.project import Project


class Where(enum.Enum):
    REQUEST = "request"
    APP_TASK = "app-task"
    STARTUP = "startup"
    PRIVATE_LOOP = "private-loop"
    TEST = "test"
    UNKNOWN = "unknown"
    OUTSIDE = "outside"
    LIBRARY = "library"


# What the served app's loop may run: shown by default (the others only with ``--scope all``).
ON_THE_APP_LOOP = frozenset({Where.REQUEST, Where.APP_TASK, Where.UNKNOWN, Where.LIBRARY})

# Run a coroutine to completion on a loop of their own: called from sync code, the loop they make
# is not the one that serves requests (called from a coroutine, they are FAS105's business).
_RUNNERS = frozenset({"asyncio.run", "asyncio.runners.run", "asyncio.Runner.run", "anyio.run", "trio.run",
                      "uvloop.run", "asgiref.sync.async_to_sync"})
_RUNNER_METHODS = frozenset({"run_until_complete"})
# Start a coroutine as a task on the running loop, which goes on without waiting for it.
_SPAWNERS = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
_SPAWNER_METHODS = frozenset({"create_task", "ensure_future", "start_soon"})
# Decorators that hand a function to another program's loop: task queues' workers and
# command-line frameworks. Matched by the decorator's last name (``@celery_app.task``,
# ``@broker.task(...)``, ``@dramatiq.actor``, ``@cli.command()``): no FastAPI or Starlette
# decorator has one of these names.
_WORKER_DECORATORS = frozenset({"task", "shared_task", "actor", "job", "command", "callback"})
# Folders whose code only tests run; and the file names of test modules.
TEST_FOLDERS = frozenset({"tests", "test", "testing", "integration_tests"})


def is_test_path(parts: tuple[str, ...]) -> bool:
    """Whether a file, by its path's parts below the project's root, is test code."""
    if not parts:
        return False
    name = parts[-1]
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return True
    return any(folder in TEST_FOLDERS or folder.endswith("_tests") for folder in parts[:-1])


@dataclass
class Scopes:
    """Where each function of a project runs (see the module's documentation)."""

    has_app: bool
    request: set[str] = field(default_factory=set)
    app_task: set[str] = field(default_factory=set)
    startup: set[str] = field(default_factory=set)
    private_loop: set[str] = field(default_factory=set)
    # modules an app imports, directly or not (dotted names)
    closure: set[str] = field(default_factory=set)
    # display paths of test files
    tests: set[str] = field(default_factory=set)

    def where(self, function: FunctionFacts, module: ModuleSummary) -> Where:
        if module.path in self.tests:
            return Where.TEST
        path = function.path
        if path in self.request:
            return Where.REQUEST
        if path in self.app_task:
            return Where.APP_TASK
        if path in self.startup:
            return Where.STARTUP
        if path in self.private_loop:
            return Where.PRIVATE_LOOP
        if not self.has_app:
            return Where.LIBRARY
        return Where.UNKNOWN if module.module in self.closure else Where.OUTSIDE


def scopes(project: Project, model: FastAPIModel, graph: CallGraph) -> Scopes:
    """The project's scopes, computed once per run."""
    found = project.derived.get("scopes")
    if isinstance(found, Scopes):
        return found
    found = _Placer(project, model, graph).place()
    project.derived["scopes"] = found
    return found


@dataclass(frozen=True)
class _Edge:
    target: str
    kind: str  # "run": called or awaited here; "spawn": started as a task; "private": run on a loop of its own


class _Placer:
    def __init__(self, project: Project, model: FastAPIModel, graph: CallGraph) -> None:
        self.project = project
        self.model = model
        self.graph = graph
        self._edges: dict[str, list[_Edge]] = {}

    def place(self) -> Scopes:
        model = self.model
        roles = model.roles
        request_roots = sorted(path for path, found in roles.items() if found & REQUEST_ROLES)
        startup_roots = sorted(path for path, found in roles.items() if found & STARTUP_ROLES)
        result = Scopes(has_app=bool(model.routes or request_roots))
        result.tests = {summary.path for summary in self.project.summaries if is_test_path(_parts(summary, self.project))}
        spawned: set[str] = set()
        private: set[str] = set(self._private_roots())
        result.request = self._walk(request_roots, {"run", "spawn"}, {"private": private})
        result.startup = self._walk(startup_roots, {"run"}, {"spawn": spawned, "private": private})
        result.app_task = self._walk(sorted(spawned), {"run", "spawn"}, {"private": private})
        result.private_loop = self._walk(sorted(private), {"run", "spawn", "private"}, {})
        if result.has_app:
            result.closure = self._closure(request_roots, startup_roots, result)
        return result

    # -- walks ---------------------------------------------------------------

    def _walk(self, roots: Iterable[str], follow: set[str], collect: dict[str, set[str]]) -> set[str]:
        """Every function the roots reach over edges of the kinds in ``follow``; the targets of
        edges of the kinds in ``collect`` are added to those sets (roots of other walks)."""
        seen: set[str] = set()
        pending = [root for root in roots if self.project.function(root) is not None]
        seen.update(pending)
        while pending:
            current = pending.pop()
            for edge in self.edges(current):
                if edge.kind in collect:
                    collect[edge.kind].add(edge.target)
                if edge.kind in follow and edge.target not in seen:
                    seen.add(edge.target)
                    pending.append(edge.target)
        return seen

    def edges(self, path: str) -> list[_Edge]:
        found = self._edges.get(path)
        if found is None:
            found = self._edges[path] = list(self._find_edges(path))
        return found

    def _find_edges(self, path: str) -> Iterator[_Edge]:
        located = self.project.function(path)
        if located is None:
            return
        handed: dict[Span, str] = {}  # the calls a runner or a spawner was handed, by their span
        for site in located.function.calls:
            kind = self._hands_to(site)
            if kind is None:
                continue
            for value in site.args[:1]:
                if value.kind == "call" and value.call is not None:
                    handed[value.call.span] = kind
                else:
                    target = self._function_named(value)
                    if target is not None:
                        yield _Edge(target, kind)
        for site, target in self.graph.runs(path):
            yield _Edge(target, handed.get(site.span, "run"))

    def _hands_to(self, site: CallSite) -> str | None:
        """"private" for a call that runs what it is handed on a loop of its own, "spawn" for one
        that starts it as a task on the running loop, else None."""
        if site.func is None:
            return None
        method = site.text.rpartition(".")[2]
        if method in _RUNNER_METHODS:
            return "private"
        if method in _SPAWNER_METHODS:
            return "spawn"
        resolved = self.project.resolve(site.func).path
        if resolved in _RUNNERS:
            return "private"
        if resolved in _SPAWNERS:
            return "spawn"
        return None

    def _function_named(self, value: Value) -> str | None:
        if value.kind != "ref" or value.ref is None:
            return None
        resolved = self.project.resolve(value.ref)
        if resolved.path in self.project.functions:
            return resolved.path
        return self.graph.target(resolved)

    def _private_roots(self) -> Iterator[str]:
        """Functions that run on a loop of their own whoever calls them: task-queue jobs and
        command-line commands, and what module-level code runs with ``asyncio.run``."""
        project = self.project
        for located in project.all_functions():
            function = located.function
            if function.decorators and any(self._hands_to_worker(d) for d in function.decorators):
                yield function.path
        for summary in project.summaries:
            for site in summary.module_calls:
                if self._hands_to(site) == "private":
                    for value in site.args[:1]:
                        if value.kind == "call" and value.call is not None and value.call.func is not None:
                            target = self.graph.target(project.resolve(value.call.func))
                            if target is not None:
                                yield target
                        else:
                            target = self._function_named(value)
                            if target is not None:
                                yield target

    def _hands_to_worker(self, decorator: Value) -> bool:
        ref = decorator.call.func if decorator.kind == "call" and decorator.call is not None else decorator.ref
        if ref is None:
            return False
        name = self.project.resolve(ref).path.rpartition(".")[2] or ref.path.rpartition(".")[2]
        return name in _WORKER_DECORATORS

    # -- the apps' import closure -----------------------------------------------------

    def _closure(self, request_roots: list[str], startup_roots: list[str], result: Scopes) -> set[str]:
        """The modules an app's modules import, at import time or from functions that run in
        the served process (on the request path, at startup, in the app's tasks)."""
        project = self.project
        served = result.request | result.startup | result.app_task
        seeds = {located.module.module for path in [*request_roots, *startup_roots]
                 if (located := project.function(path)) is not None}
        closure: set[str] = set()
        pending = sorted(seeds)
        while pending:
            name = pending.pop()
            summary = project.modules.get(name)
            if summary is None or summary.module in closure:
                continue
            closure.add(summary.module)
            for where, imported in summary.imports:
                if where != summary.module and where not in served:
                    continue
                for module in _with_parents(imported):
                    found = project.modules.get(module)
                    if found is not None and found.module not in closure:
                        pending.append(found.module)
            parent = summary.module.rpartition(".")[0]
            if parent:  # importing a module runs its package's __init__ first
                pending.append(parent)
        return closure


def _with_parents(dotted: str) -> Iterator[str]:
    parts = dotted.split(".")
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])


def _parts(summary: ModuleSummary, project: Project) -> tuple[str, ...]:
    """A file's path below the project's common folder: ``/home/me/test/app/x.py`` linted as a
    whole is ``app/x.py`` here, so a folder named ``test`` above the project does not count."""
    root = _common_folder(project)
    path = PurePath(summary.path)
    try:
        return path.relative_to(root).parts
    except ValueError:
        return path.parts


def _common_folder(project: Project) -> PurePath:
    found = project.derived.get("common_folder")
    if isinstance(found, PurePath):
        return found
    folders = [PurePath(summary.path).parent for summary in project.summaries]
    common = folders[0] if folders else PurePath()
    for folder in folders[1:]:
        while common != common.parent and common not in (folder, *folder.parents):
            common = common.parent
        if common == common.parent and common not in (folder, *folder.parents):
            common = PurePath()
            break
    # A relative display path is already below the working folder; only absolute ones need cutting.
    result = common if common.is_absolute() else PurePath()
    project.derived["common_folder"] = result
    return result
