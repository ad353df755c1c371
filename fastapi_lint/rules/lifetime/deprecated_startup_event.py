from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, RefKind
from fastapi_lint.analysis.app_model import APP_TYPES, ROUTER_TYPES
from fastapi_lint.analysis.project import Located
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule


class DeprecatedStartupEvent(Rule):
    """`@app.on_event("startup")` or `"shutdown"`: deprecated in favour of `lifespan`.

    ## What it does
    Reports `on_event` decorators and `add_event_handler` calls on a FastAPI
    app or router.

    ## Why is this bad?
    FastAPI 0.93.0 added `lifespan` and deprecated startup and shutdown events
    (a `DeprecationWarning` since 0.104.0); Starlette deprecated them in 0.26.0
    and removed them in 1.0.0. Events cannot share state with each other
    except through globals, and a failure between them leaks what startup
    opened. A `lifespan` async context manager opens and closes resources in
    one place, and they can be handed to requests via `app.state`. Events and
    a lifespan do not mix: with a lifespan, events are ignored, and an event
    registered on an app built with `lifespan=` is reported as never running.

    By default only events that never run are shown (the app has a
    `lifespan`); an event that runs, the deprecation alone, is the wider view
    (`--scope all`, or `scope = "all"`): the service works as written, and the
    move is worth making at the next upgrade, not as a finding to act on now.

    ## Known problems
    Quiet when the project runs a FastAPI older than 0.93.0 (for a plain
    Starlette app, a Starlette older than 0.26.0), where there is no
    `lifespan` to move to: the version comes from the project's lock or
    declarations, as for FAS502. With no version found, it reports.

    ## Example
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI

    client = None


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield


    app = FastAPI(lifespan=lifespan)


    @app.on_event("startup")  # never runs: the lifespan replaces the events
    async def startup():
        global client
        client = httpx.AsyncClient()
    ```

    ## Use instead
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with httpx.AsyncClient() as client:
            app.state.client = client
            yield


    app = FastAPI(lifespan=lifespan)
    ```

    ## Fix safety
    An unsafe fix (`--unsafe-fixes`) removes the `on_event` decorators of the
    module's app and adds a `lifespan` that awaits (or calls) the startup
    handlers, yields, then the shutdown handlers, passed as
    `FastAPI(..., lifespan=lifespan)`. Unsafe: a failing startup handler now
    skips the shutdown handlers, and events registered elsewhere are ignored
    once the app has a lifespan. `add_event_handler` calls are left to you.
    """

    code = "FAS203"
    name = "deprecated-startup-event"
    severity = Severity.WARNING
    fixable = True

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project = context.project
        for located in project.all_functions():
            if not context.reports_on(located.module.path):
                continue  # (each reported where it is registered)
            for decorator in located.function.decorators:
                site = decorator.call
                since = self._deprecated_since(context, located.module.path, site, "on_event") if site else None
                if site is not None and since is not None:
                    never_runs = _has_a_lifespan(context, site)
                    yield _shown(self.report(located, site.span, self._message(site, since, never_runs), help=_HELP), never_runs)
        for summary, function, site in project.calls_named(["add_event_handler"]):
            if not context.reports_on(summary.path):
                continue
            since = self._deprecated_since(context, summary.path, site, "add_event_handler")
            if since is None:
                continue
            never_runs = _has_a_lifespan(context, site, function)
            message = self._message(site, since, never_runs)
            if function is not None:
                found = self.report(Located(function, summary), site.span, message, help=_HELP)
            else:
                found = self.report_in(summary, site.span, message, help=_HELP)
            yield _shown(found, never_runs)

    def _deprecated_since(self, context: Context, module_path: str, site: CallSite, method: str) -> str | None:
        """``FastAPI 0.93.0`` for an event registered on an app or router of a project that
        runs that release or a later one (or an unknown one); None otherwise."""
        if site.func is None or site.func.path.rpartition(".")[2] != method:
            return None
        if not site.args or site.args[0].kind != "str" or site.args[0].text not in ("startup", "shutdown"):
            return None
        project = context.project
        resolved = project.resolve(site.func)
        owner = resolved.path.rpartition(".")[0]
        if resolved.kind is not RefKind.MEMBER:
            return None
        if owner in _FASTAPI_TYPES or project.is_subclass(owner, _FASTAPI_TYPES):
            package = "fastapi"
        elif owner in _STARLETTE_TYPES or project.is_subclass(owner, _STARLETTE_TYPES):
            package = "starlette"
        else:
            return None
        name, release = _SINCE[package]
        return None if context.pins.below(package, module_path, release) else f"{name} {release}"

    @staticmethod
    def _message(site: CallSite, since: str, never_runs: bool) -> str:
        call, event = site.text, site.args[0].text
        if never_runs:
            return f"`{call}(\"{event}\")` never runs: the app has a `lifespan`, which replaces its startup and shutdown events"
        if call.endswith("add_event_handler"):  # not deprecated itself: what it registers is
            return f"`{call}(\"{event}\")` registers a {event} event, deprecated since {since}: use a `lifespan` context manager"
        return f"`{call}(\"{event}\")` is deprecated since {since}: use a `lifespan` context manager"


def _shown(found: Diagnostic, never_runs: bool) -> Diagnostic:
    """An event that never runs is a defect; one that runs is a deprecation the service still
    works under, worth moving at the next upgrade, not a finding to act on now: the wider view."""
    return found if never_runs else replace(found, wider=True)


def _has_a_lifespan(context: Context, site: CallSite, function: FunctionFacts | None = None) -> bool:
    """Whether the event goes to a module-level app built with a ``lifespan`` (every binding of its
    name), or to the one app the function registering it builds (an app factory's
    ``FastAPI(lifespan=lifespan)``): Starlette's router then runs that instead of its default
    lifespan, the one that runs the events (FastAPI's "Lifespan Events" page: they "will no
    longer be called")."""
    assert site.func is not None
    module, _, name = site.func.path.rpartition(".")[0].rpartition(".")
    summary = context.project.modules.get(module)
    made = [binding.value.call for binding in summary.bindings if binding.name == name] if summary is not None else []
    if not made and function is not None and "." not in site.text.rpartition(".")[0]:
        made = [call for call in function.calls
                if call.func is not None and context.project.resolve(call.func).path in APP_TYPES]
        made = made if len(made) == 1 else []
    return bool(made) and all(call is not None and (given := call.kwarg("lifespan")) is not None and not given.is_none
                              for call in made)


_STARLETTE_TYPES = frozenset({"starlette.applications.Starlette"})
_FASTAPI_TYPES = (APP_TYPES | ROUTER_TYPES) - _STARLETTE_TYPES
# Where each library deprecated events for ``lifespan`` (FastAPI's release notes and docs of
# 0.93.0, which added ``lifespan``; Starlette's release notes of 0.26.0).
_SINCE = {"fastapi": ("FastAPI", "0.93.0"), "starlette": ("Starlette", "0.26.0")}

_HELP = "Move startup and shutdown code into an `@asynccontextmanager` lifespan passed to `FastAPI(lifespan=...)`"
