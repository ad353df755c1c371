from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.request_path import where
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule

_READS = {
    "os.getenv": "reads the environment",
    "os.environ.get": "reads the environment",
    "os.getenvb": "reads the environment",
    "dotenv.load_dotenv": "reads and parses the `.env` file",
    "dotenv.dotenv_values": "reads and parses the `.env` file",
    "dotenv.main.load_dotenv": "reads and parses the `.env` file",
    "decouple.config": "reads the environment and the settings file",
}


class EnvironmentReadPerRequest(Rule):
    """The environment or a `.env` file read on the request path.

    ## What it does
    Finds `os.getenv`, `os.environ.get`, `load_dotenv` and `dotenv_values`
    in code that runs per request (routes, dependencies and the helpers they
    call); memoized functions and startup code are not on that path. Off by
    default: it is configuration hygiene, not a stall (`os.getenv` is a
    dictionary lookup). Turn it on with `extend-select = ["FAS303"]`.

    ## Why is this bad?
    Configuration does not change between requests. Reading it per request
    scatters configuration through the code, hides missing variables until a
    request needs them, and `load_dotenv` re-reads a file from disk each time.

    ## Known problems
    `os.environ["X"]` (a subscript, not a call) is not seen: missed alarm.

    ## Example
    ```python
    import os

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/region")
    async def region():
        return {"region": os.getenv("REGION", "eu")}
    ```

    ## Use instead
    ```python
    import os

    from fastapi import FastAPI

    app = FastAPI()
    REGION = os.getenv("REGION", "eu")


    @app.get("/region")
    async def region():
        return {"region": REGION}
    ```

    ## Fix safety
    No automatic fix.
    """

    code = "FAS303"
    name = "environment-read-per-request"
    severity = Severity.WARNING
    per_request = True
    default_enabled = False

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project, model = context.project, context.model
        for call in context.calls_per_request_reported():
            what = _READS.get(call.ref.path)
            if what is None:
                continue
            yield self.report(
                call.located,
                call.site.span,
                f"`{call.site.text}` {what} on every request in {where(project, model, call.located, call.root)}",
                help="Read configuration once, into a cached settings object or a module-level constant",
            )
