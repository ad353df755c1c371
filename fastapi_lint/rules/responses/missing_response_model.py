from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.app_model import Route
from fastapi_lint.analysis.project import Project
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule

# Routes whose response is not JSON, or is built by hand, have no model to declare.
_NON_JSON = ("HTMLResponse", "PlainTextResponse", "StreamingResponse", "FileResponse", "RedirectResponse",
             "Response", "EventSourceResponse")


class MissingResponseModel(Rule):
    """A JSON route with neither a return annotation nor `response_model`.

    ## What it does
    Reports HTTP routes that declare no return type and no `response_model`,
    unless they return a `Response` they build themselves or use a non-JSON
    `response_class`. Off by default: it is advice about speed and API
    documentation, and noisy on older codebases.

    ## Why is this bad?
    Without a declared type FastAPI serializes the return value with
    `jsonable_encoder`, a pure-Python walk over the whole value, then
    `json.dumps`. With one, Pydantic validates and serializes it in Rust,
    several times faster on large responses, and the OpenAPI schema documents
    the response.

    ## Known problems
    A route that returns a response built by a helper function is still
    reported: annotate it `-> Response`. Generator routes (streams) and
    projects whose app or router sets a non-JSON `default_response_class` are
    not reported.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items")
    async def items():
        return [{"name": "x"}]
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.get("/items")
    async def items() -> list[Item]:
        return [Item(name="x")]
    ```

    ## Fix safety
    No automatic fix: the type must be written by you.
    """

    code = "FAS503"
    name = "missing-response-model"
    severity = Severity.INFO
    default_enabled = False

    def check(self, context: Context) -> Iterator[Diagnostic]:
        if _non_json_default(context.project):
            return  # an app or router answers with HTML (or another class) by default: say nothing
        for route in context.model.routes:
            handler = route.handler.function
            if route.websocket or handler.returns is not None or handler.is_generator:
                continue  # a generator route streams (JSON Lines, server-sent events)
            if _declares_response(context.project, route):
                continue
            yield self.report(
                route.handler,
                handler.span,
                f"route `{handler.name}` declares no return type or `response_model`: FastAPI falls back to "
                f"`jsonable_encoder`, the slow path",
                help=f"Annotate `{handler.name}`'s return type with a Pydantic model (or set `response_model=`)",
                function_level=True,
            )


def _declares_response(project: Project, route: Route) -> bool:
    site = route.site
    if site.kwarg("response_model") is not None:
        return True
    response_class = site.kwarg("response_class")
    if response_class is not None and response_class.ref is not None:
        if _is_non_json(project, project.resolve(response_class.ref).path):
            return True
    returned = [v for v in route.handler.function.returned if not v.is_none]
    if not returned:
        return True  # no body (``return None``, 204-style): nothing goes through jsonable_encoder
    for value in returned:
        if value.call is None or value.call.func is None:
            continue
        func = project.resolve(value.call.func)
        if func.path.rpartition(".")[2].endswith(_NON_JSON):
            return True
        helper = project.function(func.path)
        if helper is not None and helper.function.returns is not None:  # a helper typed ``-> Response``
            if project.resolve_value(helper.function.returns).path.rpartition(".")[2].endswith(_NON_JSON):
                return True
    return False


def _is_non_json(project: Project, class_path: str) -> bool:
    """A response class that is not JSON, itself or through a base class of the project's."""
    return any(path.rpartition(".")[2] in _NON_JSON for path in project.mro(class_path))


def _non_json_default(project: Project) -> bool:
    for _, _, site in project.calls_with_keyword(["default_response_class"]):
        value = site.kwarg("default_response_class")
        if value is not None and value.ref is not None and _is_non_json(project, project.resolve(value.ref).path):
            return True
    return False
