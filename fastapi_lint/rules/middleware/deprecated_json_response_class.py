from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.facts import CallSite, ModuleSummary, Value
from fastapi_lint.analysis.project import Project
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Context, Rule

DEPRECATED = frozenset(
    {
        "fastapi.responses.ORJSONResponse",
        "fastapi.responses.UJSONResponse",
        "fastapi.ORJSONResponse",
        "fastapi.UJSONResponse",
    }
)
_OPTIONS = ("response_class", "default_response_class")


class DeprecatedJsonResponseClass(Rule):
    """`ORJSONResponse` or `UJSONResponse`, deprecated since FastAPI 0.130.

    ## What it does
    Reports `response_class=`/`default_response_class=` set to
    `ORJSONResponse` or `UJSONResponse` on routes, routers and apps, and
    responses built with those classes.

    ## Why is this bad?
    FastAPI now serializes a route's return value with Pydantic's Rust
    serializer when the route declares a return type or `response_model`,
    which is faster than converting to `jsonable_encoder` output and then to
    JSON with orjson. The custom classes also skip response validation.

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
        found: list[tuple[ModuleSummary, CallSite, str]] = [
            (summary, site, site.text) for summary, site in project.calls_to(DEPRECATED)
        ]
        for summary, _, site in project.calls_with_keyword(_OPTIONS):
            option = _deprecated_option(project, site)
            if option is not None:
                found.append((summary, site, option))
        for summary in project.summaries:
            # A decorator's call (``@app.get(..., response_class=...)``) is not among the body's calls.
            for function in summary.functions:
                for call in (decorator.call for decorator in function.decorators):
                    option = _deprecated_option(project, call) if call is not None else None
                    if call is not None and option is not None:
                        found.append((summary, call, option))
        seen: set[tuple[str, int, int]] = set()
        for summary, site, name in found:
            key = (summary.path, site.span.line, site.span.col)
            if key not in seen:
                seen.add(key)
                yield self._finding(summary, site, name)

    def _finding(self, summary: ModuleSummary, site: CallSite, name: str) -> Diagnostic:
        return self.report_in(
            summary,
            site.span,
            f"`{name}` is deprecated since FastAPI 0.130: declare a return type or `response_model` instead",
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
