from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.request_path import where
from fastapi_lint.analysis.settings import builds_edited_settings, is_settings_getter
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule


class UncachedSettingsGetter(Rule):
    """A settings getter used per request without `functools.lru_cache`.

    ## What it does
    Finds functions that build and return a settings object (a
    `BaseSettings` subclass) and run per request (as a dependency, or called
    from request code) without `@functools.lru_cache` or `@functools.cache`.

    ## Why is this bad?
    FastAPI calls a dependency on every request: an uncached `get_settings`
    re-reads the environment and the `.env` file and re-validates every field
    each time. FastAPI's own documentation caches it with `@lru_cache`.

    ## Known problems
    A getter that returns a context's or a global's settings and builds new
    ones only as a fallback (`if ctx is not None: return ctx.settings`, then
    `return Settings()`) is not reported: whether the fallback runs per
    request depends on what is set at run time. A getter that caches by
    hand (`if _settings is None: _settings = Settings()`) builds once and is
    not reported either; nor one whose settings the service edits while it
    runs (a method of the settings class writes the `.env` file with
    `dotenv.set_key` or sets `os.environ`): re-reading them is how an edit
    takes effect.

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from pydantic_settings import BaseSettings

    app = FastAPI()


    class Settings(BaseSettings):
        debug: bool = False


    def get_settings() -> Settings:
        return Settings()


    @app.get("/debug")
    async def debug(settings: Settings = Depends(get_settings)):
        return {"debug": settings.debug}
    ```

    ## Use instead
    ```python
    from functools import lru_cache

    from fastapi import Depends, FastAPI
    from pydantic_settings import BaseSettings

    app = FastAPI()


    class Settings(BaseSettings):
        debug: bool = False


    @lru_cache
    def get_settings() -> Settings:
        return Settings()


    @app.get("/debug")
    async def debug(settings: Settings = Depends(get_settings)):
        return {"debug": settings.debug}
    ```

    ## Fix safety
    Adding `@lru_cache` is safe when the settings do not change while the
    process runs, which is what settings are for; tests that change the
    environment then call `get_settings.cache_clear()`.
    """

    code = "FAS302"
    name = "uncached-settings-getter"
    severity = Severity.ERROR
    fixable = True

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project, model = context.project, context.model
        found = context.request_paths
        for path, root in found.request.items():
            located = project.function(path)
            if (located is None or not context.reports_on(located.module.path) or not is_settings_getter(project, located)
                    or builds_edited_settings(project, located)):
                continue
            yield self.report(
                located,
                located.function.span,
                f"settings getter `{located.function.name}` builds settings on every request "
                f"({where(project, model, located, root)}) without `@lru_cache`",
                help=f"Decorate `{located.function.name}` with `@functools.lru_cache`",
                function_level=True,
            )
