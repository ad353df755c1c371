"""The edges the scope's walks follow out of a function, the walk itself, and the roots of the
loops of their own.

The call graph says which function a call reaches; the scope must also know how the callee
runs: where its caller does ("run"), as a task on the same loop ("spawn"), on a loop of its own
("private"), or once, behind a lazy-initialisation guard ("once"). A function handed to a call,
a method read without a call and the overrides of a method called on ``self`` are edges too.
Every part of the placing walks these edges, so ``CallEdges`` is the base the others build on
(``scope.py`` puts them together).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass

from fastapi_lint.analysis.app_model import FastAPIModel
from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.dispatch import test_functions
from fastapi_lint.analysis.call_arguments import positional_parameters
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, ModuleSummary, Ref, Value
from fastapi_lint.analysis.guards import runs_once
from fastapi_lint.analysis.looked_up import looked_up_names
from fastapi_lint.analysis.names import UNTYPED
from fastapi_lint.analysis.process_starters import (SUBMITS_TO_PROCESSES, is_process, starts_process_with_parameter,
                                                     with_nested)
from fastapi_lint.analysis.project import Project
from fastapi_lint.diagnostics import Span


# Run a coroutine to completion on a loop of their own: called from sync code, the loop they make
# is not the one that serves requests (called from a coroutine, they are FAS105's business).
_RUNNERS = frozenset({"asyncio.run", "asyncio.runners.run", "asyncio.Runner.run", "anyio.run", "trio.run",
                      "uvloop.run", "asgiref.sync.async_to_sync"})
_RUNNER_METHODS = frozenset({"run_until_complete"})
RUNNER_NAMES = frozenset({*_RUNNER_METHODS, *(path.rpartition(".")[2] for path in _RUNNERS)})
# Take the loop the caller runs on, which may be the app's: a loop kept from these is no loop of one's own.
_TAKES_THE_RUNNING_LOOP = frozenset({"asyncio.get_running_loop", "asyncio.get_event_loop", "asyncio.events.get_running_loop"})
# What a call on a value of no known type resolves to.
_NO_TYPE = ("?", *(f"{name}." for name in UNTYPED))
# Hand a workflow or an activity to a Temporal worker, another process that runs it on its loop
# (``await client.execute_workflow(SyncWorkflow.run, ...)``, ``workflow.execute_activity(sync, ...)``).
_WORKER_HANDOFFS = frozenset({"execute_workflow", "start_workflow", "execute_child_workflow", "start_child_workflow",
                              "execute_activity", "start_activity", "execute_local_activity", "start_local_activity",
                              "execute_activity_method", "start_activity_method"})
# Actors of an actor framework: each runs in an actor pool, a process with a loop of its own, and
# a call through an actor's reference (``await supervisor_ref.launch(...)``) is a message to it.
_ACTOR_BASES = frozenset({"xoscar.Actor", "xoscar.StatelessActor", "xoscar.api.Actor", "xoscar.api.StatelessActor"})
# Makes a Ray actor of a class (``@ray.remote``, ``ray.remote(Servlet).options(...).remote()``): its
# methods run in a worker process of the Ray cluster, an async actor's on that process's loop.
_RAY_REMOTE = "ray.remote"
# Builtins that look at what they are handed and call none of it.
_INSPECTORS = frozenset(f"builtins.{name}" for name in
                        "isinstance issubclass hasattr getattr setattr delattr type id repr str print callable vars dir".split())
# Start a coroutine as a task on the running loop, which goes on without waiting for it.
_SPAWNERS = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
_SPAWNER_METHODS = frozenset({"create_task", "ensure_future", "start_soon"})
# Decorators that hand a function to another program's loop: task queues' workers and
# command-line frameworks. Matched by the decorator's last name (``@celery_app.task``,
# ``@broker.task(...)``, ``@dramatiq.actor``, ``@cli.command()``, Temporal's ``@activity.defn``, Ray's
# ``@ray.remote``): no FastAPI or Starlette
# decorator has one of these names.
_WORKER_DECORATORS = frozenset({"task", "shared_task", "actor", "job", "command", "callback", "defn", "remote"})
# A Temporal workflow's entry points, which its worker runs (``@workflow.run``: too common a last name to match).
_WORKFLOW_ENTRIES = frozenset({"temporalio.workflow.run", "temporalio.workflow.signal", "temporalio.workflow.update",
                               "temporalio.workflow.query"})


@dataclass(frozen=True)
class Edge:
    target: str
    kind: str  # "run": called or awaited here; "spawn": started as a task; "private": run on a loop of its own;
    # "once": called only while a lazy-initialisation guard's place is empty; "oneshot": a job a
    # scheduler runs once (``_walk`` reads it as startup's work from startup, else as a task)
    line: int = 0  # the line of the call, for a call the graph follows


class CallEdges:
    """The project, its FastAPI model and call graph, and the edges between its functions, found
    once per function and kept for every walk."""

    def __init__(self, project: Project, model: FastAPIModel, graph: CallGraph) -> None:
        self.project = project
        self.model = model
        self.graph = graph
        self._edges: dict[str, list[Edge]] = {}
        self._runners: dict[str, bool] = {}  # project functions that run their first argument on a loop of their own
        self._own_loops: dict[str, bool] = {}  # sync functions that make the loop they start things on
        self._roots: set[str] | None = None
        self._by_name: dict[str, list[str]] | None = None  # methods by name, for callees of no known type
        self._remote_classes: frozenset[str] | None = None  # Ray actors' classes
        self._module_functions: dict[str, list[str]] | None = None  # module-level functions by name, not tests'
        # what each module's calls hand to a runner (``_handed_roots``), by (display path, in its functions)
        self._handed: dict[tuple[str, bool], tuple[str, ...]] = {}

    def _walk(self, roots: Iterable[str], follow: Set[str], collect: dict[str, set[str]],
              skip: Callable[[str, Edge], bool] | None = None) -> set[str]:
        """Every function the roots reach over edges of the kinds in ``follow`` (but those ``skip``
        names, by the function they leave); the targets of edges of the kinds in ``collect`` are
        added to those sets (roots of other walks)."""
        seen: set[str] = set()
        pending = [root for root in roots if self.project.function(root) is not None]
        seen.update(pending)
        while pending:
            current = pending.pop()
            for edge in self.edges(current):
                if edge.kind == "oneshot":  # a job run once: startup's work from startup, else a task
                    edge = Edge(edge.target, "once" if "once" in follow and "spawn" not in follow else "spawn", edge.line)
                if edge.kind in collect:
                    collect[edge.kind].add(edge.target)
                if edge.kind in follow and edge.target not in seen and not (skip is not None and skip(current, edge)):
                    seen.add(edge.target)
                    pending.append(edge.target)
        return seen

    def known_edges(self, edges: dict[str, list[Edge]]) -> None:
        """Take ``edges`` as the edges out of their functions (found for a project this one's
        inherits from, and still holding: ``scope_kept.kept_edges``)."""
        self._edges.update(edges)

    def found_edges(self) -> Mapping[str, Sequence[object]]:
        """The edges found (or known) so far, by the function they leave."""
        return dict(self._edges)

    def known_handed_roots(self, handed: Mapping[tuple[str, bool], tuple[str, ...]]) -> None:
        """Take ``handed`` as what modules' calls hand to runners (``_handed_roots``; kept from a
        project this one's inherits from: ``scope_kept.py``)."""
        self._handed.update(handed)

    def found_handed_roots(self) -> Mapping[tuple[str, bool], tuple[str, ...]]:
        """``_handed_roots``'s answers so far."""
        return dict(self._handed)

    def edges(self, path: str) -> list[Edge]:
        found = self._edges.get(path)
        if found is None:
            # Code outside the tests never runs a test module's function: a test's own subclass
            # overriding ``tasks``, one of the overrides a base class's ``self.tasks()`` may run.
            tests = test_functions(self.project)
            edges = self._find_edges(path)
            found = self._edges[path] = list(edges) if path in tests else [edge for edge in edges if edge.target not in tests]
        return found

    def _find_edges(self, path: str) -> Iterator[Edge]:
        located = self.project.function(path)
        if located is None:
            return
        handed: dict[Span, str] = {}  # the calls a runner or a spawner was handed, by their span
        elsewhere: set[str] = set()  # the functions handed to run on another loop
        own_loop = self._makes_its_own_loop(path)
        for site in located.function.calls:
            kind = self._hands_to(site)
            if kind == "spawn" and own_loop:
                kind = "private"  # ``self.loop.create_task(...)`` on the loop it made
            if kind is not None:
                for value in site.args[:1]:
                    if value.kind == "call" and value.call is not None:
                        handed[value.call.span] = kind
            if self._hands_a_runner(site):  # ``executor.submit(asyncio.run, coro)``: the coroutine's own loop
                for value in _handed_values(site):
                    if value.kind == "call" and value.call is not None:
                        handed[value.call.span] = "private"
            # A function handed to a callee is called back by it (``key=``, ``create_app_func=``, a
            # runner's coroutine function): by the project's own callee, as it runs; by another
            # (a scheduler, a framework's registry), maybe later, as a task on the running loop.
            callbacks = [target for value in (*site.args, *(value for _, value in site.kwargs))
                         if (target := self._function_named(value)) is not None] if not self._inspects(site) else []
            if callbacks:
                callee = self.project.resolve(site.func) if site.func is not None else None
                own = callee is not None and bool(self.graph.targets(callee))
                if kind is None and callee is not None and self._starts_processes(callee.path, own):
                    kind = "private"  # the project's own process manager: ``add_task(fn)`` starts one
                if kind is None and not own and own_loop:
                    kind = "private"  # ``asyncio.start_server(self.handle)``, run on the loop it made
                for target in callbacks:
                    yield Edge(target, kind or ("run" if own else "oneshot" if _one_shot_job(site) else "spawn"))
                if kind == "private":
                    elsewhere.update(callbacks)
        # A method read without a call (``{"fetch": self.fetch}``, ``callback=self.on_done``) is handed on to be
        # called, most often by this very function; not a call's receiver (``job.delay()``: a worker runs it).
        receivers = {(s.span.line, s.span.col, s.text.rpartition(".")[0]) for s in located.function.calls} if located.function.reads else ()
        for read in located.function.reads:
            if (read.span.line, read.span.col, read.text) in receivers:
                continue
            method = self.graph.target(self.project.resolve(read.ref))
            if method is not None and method not in elsewhere:
                yield Edge(method, "run")
        # A module loaded by name hands on the function a string names (``fn = getattr(module,
        # method)`` with ``method = "get_provider_impl"``, then ``await fn(config)``): any so named.
        for site in located.function.calls:
            yield from (Edge(target, "run") for target in self._looked_up(site))
        # So is a function it returns (``return make_lead_agent``): its caller's to call.
        for value in located.function.returned:
            if value.kind == "ref" and value.ref is not None and (
                    returned := self.project.resolve(value.ref).path) in self.project.functions:
                yield Edge(returned, "run")
        for site, target in self.graph.runs(path):
            kind = handed.get(site.span, "private" if target in elsewhere else "run")
            if self._in_another_actor(located.function.class_path, target):
                kind = "private"
            if kind == "run" and runs_once(self.graph, located, site):
                kind = "once"
            yield Edge(target, kind, site.span.line)
            if site.text.startswith("self."):  # ``self.load()`` in a base class runs a subclass's override
                yield from (Edge(override, kind, site.span.line) for override in self._overrides(target))

    def _makes_its_own_loop(self, path: str) -> bool:
        """Whether ``path`` is a sync function that makes an event loop (``asyncio.new_event_loop()``)
        and never takes the running one: no loop runs while it does, so the tasks it starts and the
        callbacks it hands to a library (a server's handler) run on the loop it made, which serves
        no request: a worker's own health endpoint under gunicorn."""
        found = self._own_loops.get(path)
        if found is None:
            located = self.project.function(path)
            found = False
            if located is not None and not located.function.is_async and any(
                    site.text.endswith("new_event_loop") for site in located.function.calls):
                found = self._only_new_loops([located.function])
            self._own_loops[path] = found
        return found

    def _inspects(self, site: CallSite) -> bool:
        """``isinstance(model, OpenAIModel)``, ``getattr(cls, name)``: a class or a function handed
        over to be looked at, never called (its constructor is no callback)."""
        return site.func is not None and self.project.resolve(site.func).path in _INSPECTORS

    def _starts_processes(self, callee: str, own: bool) -> bool:
        """Whether the callee starts a process with what it is handed: the project's function, or,
        called on a value of no known type (``worker._job_store.submit_job``), every project method
        of that name (``JobStore.submit_job`` hands its ``job_fn`` to a Dask cluster)."""
        if own:
            return starts_process_with_parameter(self.project, callee)
        if not callee.startswith(_NO_TYPE):
            return False  # a library's method (Starlette's ``add_task``) is its own
        if self._by_name is None:
            self._by_name = {}
            for located in self.project.all_functions():
                if located.function.class_path is not None:
                    self._by_name.setdefault(located.function.name, []).append(located.function.path)
        named = self._by_name.get(callee.rpartition(".")[2], [])
        return bool(named) and all(starts_process_with_parameter(self.project, path) for path in named)

    def _looked_up(self, site: CallSite) -> list[str]:
        """The module-level functions ``getattr(module, name)`` may give, ``module`` one loaded by
        name (``importlib.import_module(spec)``) and ``name`` a string or one of a local's."""
        names = looked_up_names(self.project, site)
        if not names:
            return []
        if self._module_functions is None:
            self._module_functions = {}
            tests = test_functions(self.project)
            for located in self.project.all_functions():
                function = located.function
                if function.class_path is None and function.parent_path is None and function.path not in tests:
                    self._module_functions.setdefault(function.name, []).append(function.path)
        return [path for text in names for path in self._module_functions.get(text, [])]

    def _in_another_actor(self, caller_class: str | None, target: str) -> bool:
        """Whether ``target`` is a method of an actor other than the caller's: it runs in the
        actor's pool, on its loop, when the caller's message reaches it."""
        located = self.project.function(target)
        owner = located.function.class_path if located is not None else None
        return owner is not None and owner != caller_class and self._is_actor(owner)

    def _is_actor(self, class_path: str) -> bool:
        return any(base in _ACTOR_BASES for base in self.project.mro(class_path)) or class_path in self._ray_actors()

    def _ray_actors(self) -> frozenset[str]:
        """The classes made Ray actors: decorated ``@ray.remote`` or handed to ``ray.remote(...)``."""
        if self._remote_classes is None:
            project = self.project
            found = {path for path, (klass, _) in project.classes.items()
                     if any(self._decorator_path(decorator) == _RAY_REMOTE for decorator in klass.decorators)}
            for _, site in project.calls_to([_RAY_REMOTE]):
                for value in site.args[:1]:
                    if value.kind == "ref" and value.ref is not None and (
                            path := project.resolve(value.ref).path) in project.classes:
                        found.add(path)
            self._remote_classes = frozenset(found)
        return self._remote_classes

    def _decorator_path(self, decorator: Value) -> str | None:
        ref = _decorator_ref(decorator)
        return self.project.resolve(ref).path if ref is not None else None

    def _overrides(self, method: str) -> list[str]:
        located = self.project.function(method)
        if located is None or located.function.class_path is None:
            return []
        return self.project.overrides(located.function.class_path, located.function.name)

    def _hands_to(self, site: CallSite) -> str | None:
        """"private" for a call that runs what it is handed on a loop of its own, "spawn" for one
        that starts it as a task on the running loop, else None."""
        if site.func is None:
            return None
        method = site.text.rpartition(".")[2]
        if method in _RUNNER_METHODS or method in _WORKER_HANDOFFS:
            return "private"
        if method == "run_coroutine_threadsafe":
            loop = site.argument("loop", 1)
            return "private" if loop is not None and self._new_loop(loop) else "spawn"
        if method in _SPAWNER_METHODS:
            return "spawn"
        resolved = self.project.resolve(site.func).path
        if (resolved in _RUNNERS or resolved in SUBMITS_TO_PROCESSES or is_process(self.project, resolved)
                or self._runs_first_argument(resolved)):
            return "private"
        if resolved in _SPAWNERS:
            return "spawn"
        return None

    def _new_loop(self, value: Value) -> bool:
        """Whether ``value`` is a loop the code made (``loop = asyncio.new_event_loop()``, or a
        ``self._loop`` its class sets so): one that serves no request. A loop captured with
        ``get_running_loop()`` may be the app's."""
        ref = value.ref
        if value.kind != "ref" or ref is None:
            return False
        made = [ref.made_by]
        owner, _, name = ref.path.rpartition(".")
        entry = self.project.classes.get(owner)
        if ref.made_by is None and entry is not None:
            attributes = [attribute for attribute in entry[0].attributes if attribute.name == name]
            if attributes and all(attribute.annotated for attribute in attributes):
                return self._makes_loops_only(owner)  # ``_loop: AbstractEventLoop | None = None`` declared
            made = [attribute.value.made_by for attribute in attributes]
        return bool(made) and all(path is not None and path.rpartition(".")[2] == "new_event_loop" for path in made)

    def _makes_loops_only(self, class_path: str) -> bool:
        """Whether the class's methods make a loop (``asyncio.new_event_loop()``) and never take
        the running one: the loop its declared attribute holds is its own."""
        return self._only_new_loops([located.function for located in self.project.class_methods(class_path)])

    def _only_new_loops(self, functions: list[FunctionFacts]) -> bool:
        """Whether the functions make a loop (``asyncio.new_event_loop()``) and never take the running one."""
        calls = {self.project.resolve(site.func).path for function in functions for site in function.calls
                 if site.func is not None}
        return "asyncio.new_event_loop" in calls and not calls & _TAKES_THE_RUNNING_LOOP

    def _hands_a_runner(self, site: CallSite) -> bool:
        """Whether ``site`` hands ``asyncio.run`` (or another runner) on to be called with the
        coroutine it is also handed: to an executor, a thread, ``run_in_executor``."""
        return any(value.kind == "ref" and value.ref is not None and self.project.resolve(value.ref).path in _RUNNERS
                   for value in _handed_values(site))

    def _runs_first_argument(self, path: str) -> bool:
        """Whether the project function at ``path`` runs its first argument on a loop of its own,
        in its body or a function nested in it (``def run_sync(coro): ... asyncio.run(coro)`` in a
        thread's target): a call of it hands that coroutine to a runner, as ``asyncio.run`` does."""
        found = self._runners.get(path)
        if found is not None:
            return found
        self._runners[path] = False  # a wrapper of itself runs nothing new
        located = self.project.function(path)
        found = False
        if located is not None:
            params = positional_parameters(located.function)
            if params:
                inside = with_nested(located, path)
                # Only a runner's own name can run it (a wrapper of a wrapper is not followed).
                found = any(site.text.rpartition(".")[2] in RUNNER_NAMES and site.args[:1]
                            and site.args[0].text == params[0] and self._hands_to(site) == "private"
                            for function in inside for site in function.calls)
        self._runners[path] = found
        return found

    def _function_named(self, value: Value) -> str | None:
        if value.kind != "ref" or value.ref is None:
            return None
        resolved = self.project.resolve(value.ref)
        if resolved.path in self.project.functions:
            return resolved.path
        return self.graph.target(resolved)

    def _private_roots(self) -> Iterator[str]:
        """Functions that run on a loop of their own whoever calls them: task-queue jobs,
        command-line commands, actors' methods, and what module-level code runs with ``asyncio.run``."""
        project = self.project
        for located in project.all_functions():
            function = located.function
            if function.decorators and any(self._hands_to_worker(d) for d in function.decorators):
                yield function.path
            elif function.class_path is not None and function.is_async and self._is_actor(function.class_path):
                yield function.path  # an actor's method: run by its pool, however it is called
            elif self._makes_its_own_loop(function.path):
                # what it starts on the loop it made runs there, whoever calls it
                yield from (edge.target for edge in self.edges(function.path) if edge.kind == "private")
        for summary in project.summaries:
            yield from self._handed_roots(summary, in_functions=False)

    def _run_elsewhere_roots(self, tests: set[str]) -> Iterator[str]:
        """What functions outside the tests run with ``asyncio.run`` (a command's ``main()``, a
        daemon's entry point): ``asyncio.run`` cannot be called on a running loop, so the loop it
        makes is never the app's. The app may still run the same coroutine through a call the
        analysis cannot follow: these are ``PRIVATE_LOOP`` only if not ``UNKNOWN``."""
        for summary in self.project.summaries:
            if summary.path not in tests:
                yield from self._handed_roots(summary, in_functions=True)

    def _handed_roots(self, summary: ModuleSummary, in_functions: bool) -> tuple[str, ...]:
        """What the calls of a module hand to a runner (``_handed_to_runners``): those in its
        functions' bodies, or those at its top; found once per module."""
        key = (summary.path, in_functions)
        found = self._handed.get(key)
        if found is None:
            sites = ((site for function, site in self.project.owned_calls(summary) if function is not None)
                     if in_functions else summary.module_calls)
            found = self._handed[key] = tuple(self._handed_to_runners(sites))
        return found

    def _handed_to_runners(self, calls: Iterable[CallSite]) -> Iterator[str]:
        project = self.project
        for site in calls:
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
        ref = _decorator_ref(decorator)
        if ref is None:
            return False
        resolved = self.project.resolve(ref).path
        name = resolved.rpartition(".")[2] or ref.path.rpartition(".")[2]
        return name in _WORKER_DECORATORS or resolved in _WORKFLOW_ENTRIES


def _decorator_ref(decorator: Value) -> Ref | None:
    """What a decorator names: ``task`` of ``@task``, ``celery_app.task`` of ``@celery_app.task(...)``."""
    return decorator.call.func if decorator.kind == "call" and decorator.call is not None else decorator.ref


def _handed_values(site: CallSite) -> Iterator[Value]:
    """A call's arguments, with the items of a ``Thread(target=..., args=(...))``'s tuple."""
    for value in (*site.args, *(value for _, value in site.kwargs)):
        yield value
        if value.kind == "seq":
            yield from value.items


def _one_shot_job(site: CallSite) -> bool:
    """``scheduler.add_job(init, DateTrigger())``, ``add_job(init, "date")`` or with no trigger at
    all: a job APScheduler runs once (what startup hands it is startup's work)."""
    if site.text.rpartition(".")[2] != "add_job":
        return False
    trigger = site.kwarg("trigger") or (site.args[1] if len(site.args) > 1 else None)
    if trigger is None:
        return True
    if trigger.kind == "str":
        return trigger.text == "date"
    return trigger.kind == "call" and trigger.call is not None and trigger.call.text.rpartition(".")[2] == "DateTrigger"
