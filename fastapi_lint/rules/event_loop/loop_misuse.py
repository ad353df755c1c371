from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.facts import CallSite
from fastapi_lint.analysis.guards import module_in_tests
from fastapi_lint.analysis.loop_threads import LoopThreads, loop_caller
from fastapi_lint.analysis.offload_params import runs_off_loop
from fastapi_lint.analysis.project import Located
from fastapi_lint.analysis.request_path import Paths, describe_async, where
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule

_RUN = "asyncio.run"
_NEW_EVENT_LOOP = "asyncio.new_event_loop"
_RUN_UNTIL_COMPLETE = frozenset(
    {"asyncio.AbstractEventLoop.run_until_complete", "asyncio.BaseEventLoop.run_until_complete"}
)
# Each needs the thread's loop to be idle: where a loop is running they raise RuntimeError.
_RUNS_A_LOOP = frozenset({_RUN, *_RUN_UNTIL_COMPLETE})
# Each builds a loop: per request in a threadpool route, a loop built and torn down each time.
_BUILDS_A_LOOP = frozenset({_RUN, _NEW_EVENT_LOOP})
# Patches asyncio so that a running loop can be run again, nested: then neither raises.
_NESTS_LOOPS = "nest_asyncio.apply"


class LoopMisuse(Rule):
    """A second event loop run where a loop is already running, or built on every request.

    ## What it does
    Reports `asyncio.run`, `loop.run_until_complete` and `asyncio.new_event_loop`
    in code that runs on the server's event loop: async request-path functions
    (routes, dependencies, middleware, handlers, background tasks) and the sync
    functions they call without offloading. With `--scope all`, also reports
    `asyncio.run` and `asyncio.new_event_loop` in a `def` route, dependency or
    exception handler (and the sync helpers it calls), which FastAPI runs in its
    threadpool while the request waits.

    ## Why is this bad?
    `asyncio.run` and `run_until_complete` raise `RuntimeError` in a thread
    whose loop is running: on the loop, the request fails every time. In a
    threadpool route they work, but build and tear down an event loop on every
    request, and async clients made on the server's loop cannot be used on it:
    a cost of well under a millisecond, and a common bridge from sync code to an
    async library, so not reported by default.

    ## Known problems
    `run_until_complete` is recognised on loops whose type is known (from
    `asyncio.new_event_loop()` or an annotation). Not reported: an object that
    owns a loop and drives it from sync code in the threadpool (one loop, not
    one per request); a sync background task that gives its thread a loop (it
    runs after the response); a loop built in a callable handed to
    `asyncio.to_thread` or `run_in_executor`; a loop built only while a
    lazy-initialisation guard's place is empty; `asyncio.run` and
    `run_until_complete` where `nest_asyncio.apply()` is called first (in the
    function, or at the top of a module of the same top package, not a test),
    which makes them run the loop again, nested, rather than raise; nor where
    the function has tested that the loop is not running
    (`if loop.is_running(): ... else: loop.run_until_complete(...)`). `asyncio.get_event_loop()` in a
    coroutine returns the running loop: FAS109 (off by default) asks for
    `get_running_loop()` there.

    ## Example
    ```python
    import asyncio

    from fastapi import FastAPI

    app = FastAPI()


    async def fetch() -> int:
        return 1


    def fetch_now() -> int:
        return asyncio.run(fetch())


    @app.get("/count")
    async def count():
        return fetch_now()
    ```

    ## Use instead
    ```python
    import asyncio

    from fastapi import FastAPI

    app = FastAPI()


    async def fetch() -> int:
        return 1


    @app.get("/count")
    async def count():
        return await fetch()
    ```

    ## Fix safety
    No automatic fix: the caller has to become `async` and `await` the coroutine.
    """

    code = "FAS105"
    name = "loop-misuse"
    on_the_loop = True
    severity = Severity.ERROR

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project = context.project
        calls = [(located, site) for located, site in project.function_calls_to([*_RUNS_A_LOOP, *_BUILDS_A_LOOP])
                 if context.reports_on(located.module.path)]  # (each reported where it is made)
        if not calls:
            return
        found = context.request_paths
        threads = context.loop_threads
        nesting = _nesting(context)
        for located, site in calls:
            if runs_off_loop(project, site):
                continue  # in a lambda handed to a worker thread, which has no loop of its own
            if (nesting & {located.function.path, _import_root(located.module.module)} or _no_loop_runs(site)) and (
                    project.resolve(site.func).path in _RUNS_A_LOOP):
                continue
            finding = self._finding(context, found, threads, located, site)
            if finding is not None:
                yield finding

    def _finding(
        self, context: Context, found: Paths, threads: LoopThreads, located: Located, site: CallSite
    ) -> Diagnostic | None:
        project, model = context.project, context.model
        function = located.function
        callee = project.resolve(site.func).path
        if callee in _BUILDS_A_LOOP and site.once:
            return None  # a loop built on first use and kept (``if self._loop is None:``): not one per request
        if function.is_async and found.per_request(function.path):
            place = describe_async(project, model, found, located)
        elif function.path in threads.on_loop:
            root = project.function(loop_caller(found, threads, located, site.span.line) or threads.on_loop[function.path])
            caller = describe_async(project, model, found, root) if root is not None else "async code"
            place = f"`{function.name}`, which {caller} calls on the event loop"
        elif function.path in threads.request_thread and callee in _BUILDS_A_LOOP:
            return replace(self.report(
                located,
                site.span,
                f"`{site.text}` builds a new event loop on every request in "
                f"{where(project, model, located, threads.request_thread[function.path])}",
                help="Make the handler `async def` and `await` the coroutine directly",
            ), wider=True)
        else:
            return None
        if callee in _RUNS_A_LOOP:
            return self.report(
                located,
                site.span,
                f"`{site.text}` in {place} raises `RuntimeError`: the event loop is already running there",
                help="`await` the coroutine instead",
            )
        return self.report(
            located,
            site.span,
            f"`{site.text}` builds a second event loop on every request in {place}, where one is running",
            help="Use the running loop (`asyncio.get_running_loop()`) or `await` the coroutine directly",
        )


def _nesting(context: Context) -> set[str]:
    """Where ``nest_asyncio.apply()`` holds: the functions that call it, and the import roots
    (top packages) of the modules, not tests, that call it at their top. It patches asyncio for
    the whole process, and a process runs one package's server (a repository may hold several)."""
    project = context.project
    found: set[str] = set()
    for summary, function, site in project.calls_named(["apply"]):
        if site.func is None or project.resolve(site.func).path != _NESTS_LOOPS:
            continue
        if function is not None:
            found.add(function.path)
        elif not module_in_tests(summary):
            found.add(_import_root(summary.module))
    return found


def _no_loop_runs(site: CallSite) -> bool:
    """``else: loop.run_until_complete(...)`` after ``if loop.is_running():``: the caller tested
    that no loop runs where the call stands."""
    return any(text.endswith(".is_running()") and not truth for text, truth in site.known)


def _import_root(module: str) -> str:
    return module.partition(".")[0] + "."
