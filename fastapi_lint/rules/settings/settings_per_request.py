from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.facts import CallSite, RefKind, Value
from fastapi_lint.analysis.request_path import where
from fastapi_lint.analysis.settings import (builds_as_fallback, edited_while_running, is_settings_getter,
                                            settings_classes, settings_made)
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule


class SettingsPerRequest(Rule):
    """A `BaseSettings` class instantiated on the request path, or used as `Depends(Settings)`.

    ## What it does
    Finds settings classes (subclasses of `pydantic_settings.BaseSettings`,
    through any depth of inheritance and across modules) built in code that
    runs per request, including `Depends(Settings)` with the class itself.
    Construction inside a settings getter is FAS302's finding, not this one.
    A getter that returns a context's or a global's settings and builds new
    ones only when there are none (`if ctx is not None: return ctx.settings`,
    then `return Settings()`) is reported by neither: how often that fallback
    runs depends on what is set at run time.

    ## Why is this bad?
    Building settings reads every environment variable, parses the `.env`
    file from disk and validates every field, on every request: file I/O on
    the event loop and milliseconds of CPU for values that do not change.

    ## Known problems
    A class counts as settings only when its bases lead, through the
    project's own modules, to `BaseSettings`: a settings class that an
    installed package defines and the project builds per request is missed
    (a missed alarm rather than a false one). Settings the service edits while
    it runs (a method of their class writes the `.env` file with
    `dotenv.set_key` or sets `os.environ`) are built again on purpose: not
    reported.

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from pydantic_settings import BaseSettings

    app = FastAPI()


    class Settings(BaseSettings):
        api_key: str = ""


    @app.get("/info")
    async def info(settings: Settings = Depends(Settings)):
        return {"key_set": bool(settings.api_key)}
    ```

    ## Use instead
    ```python
    from functools import lru_cache

    from fastapi import Depends, FastAPI
    from pydantic_settings import BaseSettings

    app = FastAPI()


    class Settings(BaseSettings):
        api_key: str = ""


    @lru_cache
    def get_settings() -> Settings:
        return Settings()


    @app.get("/info")
    async def info(settings: Settings = Depends(get_settings)):
        return {"key_set": bool(settings.api_key)}
    ```

    ## Fix safety
    No automatic fix; FAS302's fix caches a getter.
    """

    code = "FAS301"
    name = "settings-per-request"
    severity = Severity.ERROR
    per_request = True

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project, model = context.project, context.model
        made = settings_classes(project)
        for call in context.calls_per_request_reported():
            settings = settings_made(call.ref, made)
            if settings is None or call.site.awaited or edited_while_running(project, settings):
                continue  # settings the service edits while it runs are read again on purpose
            if is_settings_getter(project, call.located) or builds_as_fallback(project, call.located):
                continue
            yield self.report(
                call.located,
                call.site.span,
                f"`{call.site.text}()` builds settings on every request in "
                f"{where(project, model, call.located, call.root)}",
                help="Build settings once: an `@lru_cache` getter used as the dependency, or a module-level instance",
            )
        classes = frozenset(path for path in settings_classes(project) if not edited_while_running(project, path))
        for located in project.all_functions():
            if not context.reports_on(located.module.path) or not model.on_request_path(located.function.path):
                continue
            for param in located.function.params:
                for value in (param.default, param.annotation):
                    site = _depends_on_class(context, value, classes)
                    if site is not None:
                        yield self.report(
                            located,
                            site.span,
                            f"`Depends({site.args[0].text})` builds settings on every request in "
                            f"{where(project, model, located, located.function.path)}",
                            help="Depend on an `@lru_cache` getter instead of the settings class",
                        )


def _depends_on_class(context: Context, value: Value | None, classes: frozenset[str]) -> CallSite | None:
    """The ``Depends(SettingsClass)`` call inside a parameter's default or annotation."""
    if value is None:
        return None
    if value.kind == "subscript":
        for item in value.items:
            found = _depends_on_class(context, item, classes)
            if found is not None:
                return found
        return None
    call = value.call
    if call is None or call.func is None or not call.args:
        return None
    if context.project.resolve(call.func).path.rpartition(".")[2] not in ("Depends", "Security"):
        return None
    target = context.project.resolve_value(call.args[0])
    return call if target.path in classes and target.kind is RefKind.SYMBOL else None
