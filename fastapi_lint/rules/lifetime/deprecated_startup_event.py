from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.facts import CallSite, RefKind
from fastapi_lint.analysis.fastapi_model import APP_TYPES, ROUTER_TYPES
from fastapi_lint.analysis.project import Located
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Context, Rule


class DeprecatedStartupEvent(Rule):
    """`@app.on_event("startup")` or `"shutdown"`: deprecated in favour of `lifespan`.

    ## What it does
    Reports `on_event` decorators and `add_event_handler` calls on a FastAPI
    app or router.

    ## Why is this bad?
    FastAPI deprecated startup and shutdown events: they cannot share state
    with each other except through globals, and a failure between them leaks
    what startup opened. A `lifespan` async context manager opens and closes
    resources in one place, and they can be handed to requests via `app.state`.
    Events and a lifespan do not mix: with a lifespan, events are ignored.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()
    client = None


    @app.on_event("startup")
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
            for decorator in located.function.decorators:
                site = decorator.call
                if site is not None and self._is_event(context, site, "on_event"):
                    yield self._finding(located, site)
        for summary, function, site in project.calls_named(["add_event_handler"]):
            if not self._is_event(context, site, "add_event_handler"):
                continue
            if function is not None:
                yield self._finding(Located(function, summary), site)
            else:
                yield self.report_in(summary, site.span, self._message(site), help=_HELP)

    def _is_event(self, context: Context, site: CallSite, method: str) -> bool:
        if site.func is None or site.func.path.rpartition(".")[2] != method:
            return False
        if not site.args or site.args[0].kind != "str" or site.args[0].text not in ("startup", "shutdown"):
            return False
        resolved = context.project.resolve(site.func)
        owner = resolved.path.rpartition(".")[0]
        apps_and_routers = APP_TYPES | ROUTER_TYPES
        return resolved.kind is RefKind.MEMBER and (
            owner in apps_and_routers or context.project.is_subclass(owner, apps_and_routers)
        )

    def _finding(self, located: Located, site: CallSite) -> Diagnostic:
        return self.report(located, site.span, self._message(site), help=_HELP)

    @staticmethod
    def _message(site: CallSite) -> str:
        return f"`{site.text}(\"{site.args[0].text}\")` is deprecated: use a `lifespan` context manager"


_HELP = "Move startup and shutdown code into an `@asynccontextmanager` lifespan passed to `FastAPI(lifespan=...)`"
