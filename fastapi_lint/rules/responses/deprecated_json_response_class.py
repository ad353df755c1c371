from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from fastapi_lint.analysis.catalog.responses import DEPRECATED, DEPRECATED_IN
from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.facts import CallSite, ModuleSummary, Value
from fastapi_lint.analysis.project import Project
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule

_OPTIONS = ("response_class", "default_response_class")


class DeprecatedJsonResponseClass(Rule):
    """`ORJSONResponse` or `UJSONResponse`, deprecated since FastAPI 0.131.0.

    ## What it does
    Reports `response_class=`/`default_response_class=` set to
    `ORJSONResponse` or `UJSONResponse` on routes, routers and apps, and
    responses built with those classes. A route that both declares the class
    and returns one is reported once, at its `response_class=`.

    ## Why is this bad?
    Since FastAPI 0.130.0 a route's return value is serialized to JSON by
    Pydantic's Rust serializer when the route declares a return type or
    `response_model`, which is faster than `jsonable_encoder` followed by
    orjson; FastAPI 0.131.0 deprecated both classes for that reason. A
    response built by hand (`return ORJSONResponse(...)`) also skips the
    response model's validation and filtering.

    ## Known problems
    The wider view (`--scope all`, or `scope = "all"`), as the deprecation
    of a startup event that runs (FAS203): the classes still work and only
    warn, so moving off them is a clean-up for the next upgrade, not a stall
    (three readers of real services in four read every finding of it as
    true but of little value). Quiet when the project runs a FastAPI older than 0.131.0, as its lock
    (`uv.lock`, `poetry.lock`) or else its declarations (`pyproject.toml`,
    `requirements*.txt`) say: an exact pin is the version; a range counts
    as its lower bound, the oldest release the project supports. With no
    version found, it reports as for a current FastAPI.

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.responses import ORJSONResponse

    app = FastAPI(default_response_class=ORJSONResponse)
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.get("/item")
    async def item() -> Item:
        return Item(name="x")
    ```

    ## Fix safety
    On a route that declares a return type or `response_model`, removing
    `response_class=...` is a safe fix. Elsewhere (apps, routers, responses
    built by hand) the fix needs a type only you can write.
    """

    code = "FAS502"
    name = "deprecated-json-response-class"
    severity = Severity.INFO
    fixable = True

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project = context.project
        found: list[tuple[ModuleSummary, CallSite, str]] = []
        declared: set[str] = set()  # functions whose route decorator names a deprecated class
        for summary in project.summaries:
            if not context.reports_on(summary.path):
                continue  # (each reported where it is written, with what that module declares)
            # A decorator's call (``@app.get(..., response_class=...)``) is not among the body's calls.
            for function in summary.functions:
                for call in (decorator.call for decorator in function.decorators):
                    option = _deprecated_option(project, call) if call is not None else None
                    if call is not None and option is not None:
                        found.append((summary, call, option))
                        declared.add(function.path)
        for summary, _, site in project.calls_with_keyword(_OPTIONS):
            option = _deprecated_option(project, site)
            if option is not None:
                found.append((summary, site, option))
        # ``return ORJSONResponse(...)`` in a route already reported at its ``response_class=``.
        said = {(located.module.path, site.span) for located, site in project.function_calls_to(DEPRECATED)
                if located.function.path in declared}
        found.extend((summary, site, site.text) for summary, site in project.calls_to(DEPRECATED)
                     if (summary.path, site.span) not in said)
        seen: set[tuple[str, int, int]] = set()
        for summary, site, name in sorted(found, key=lambda item: (item[0].path, item[1].span.line, item[1].span.col)):
            key = (summary.path, site.span.line, site.span.col)
            if key in seen or not context.reports_on(summary.path) or context.pins.below(
                    "fastapi", summary.path, DEPRECATED_IN):
                continue
            seen.add(key)
            yield replace(self._finding(summary, site, name), wider=True)

    def _finding(self, summary: ModuleSummary, site: CallSite, name: str) -> Diagnostic:
        return self.report_in(
            summary,
            site.span,
            f"`{name}` is deprecated since FastAPI {DEPRECATED_IN}: declare a return type or `response_model` instead",
            help="Remove the custom response class and annotate the route's return type",
        )


def _deprecated_option(project: Project, site: CallSite) -> str | None:
    """The deprecated class a call passes as a response class, if any (constructions are indexed)."""
    for option, value in site.kwargs:
        if option in _OPTIONS and _names_deprecated(project, value):
            return value.text or option
    return None


def _names_deprecated(project: Project, value: Value) -> bool:
    return value.ref is not None and project.resolve(value.ref).path in DEPRECATED
