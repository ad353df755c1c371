from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.facts import CallSite
from fastapi_lint.analysis.request_path import calls_per_request, request_paths, where
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Context, Rule

_REQUESTS = {f"requests.{verb}" for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request")}
_REQUESTS |= {f"requests.Session.{verb}" for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request")}
# call path -> (the keyword that sets the timeout, what happens without it, its position if positional)
_NEEDS_TIMEOUT: dict[str, tuple[str, str, int | None]] = {
    **{path: ("timeout", "waits forever", None) for path in _REQUESTS},
    "urllib.request.urlopen": ("timeout", "waits for the socket default, forever unless set", 2),
    "aiohttp.ClientSession": ("timeout", "waits up to 300 s", None),
    "aiohttp.request": ("timeout", "waits up to 300 s", None),
}
# Clients whose defaults are sane (httpx: 5 s) but where ``timeout=None`` disables them.
_NONE_DISABLES = frozenset({"httpx.Client", "httpx.AsyncClient", "httpx.get", "httpx.post", "httpx.put",
                            "httpx.patch", "httpx.delete", "httpx.request", "httpx.stream"})


class MissingTimeout(Rule):
    """An outbound HTTP call or client on the request path without a timeout.

    ## What it does
    Finds `requests` calls without `timeout=`, `urllib.request.urlopen`
    without a timeout, `aiohttp.ClientSession()` without `timeout=` (300 s by
    default), and `httpx` clients or calls with `timeout=None`, in code that
    runs per request.

    ## Why is this bad?
    An upstream that accepts the connection and never answers holds the
    request, and its thread or task, forever. Under load the stuck requests
    pile up until the threadpool or the memory is exhausted: one slow
    dependency takes the whole service down.

    ## Known problems
    A timeout set on a `requests.Session` through an adapter or a wrapper is
    not seen. A call passing `**kwargs` is taken to set one.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/rates")
    def rates():
        return requests.get("https://rates.example").json()
    ```

    ## Use instead
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/rates")
    def rates():
        return requests.get("https://rates.example", timeout=5).json()
    ```

    ## Fix safety
    No automatic fix: the right timeout depends on the upstream.
    """

    code = "FAS403"
    name = "missing-timeout"
    severity = Severity.WARNING

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project, model = context.project, context.model
        found = request_paths(project, model, context.catalog)
        for call in calls_per_request(project, found):
            problem = _problem(call.ref.path, call.site)
            if problem is None:
                continue
            yield self.report(
                call.located,
                call.site.span,
                f"`{call.site.text}` {problem} in {where(project, model, call.located, call.root)}",
                help="Pass an explicit `timeout=` (a few seconds for most APIs)",
            )


def _problem(path: str, site: CallSite) -> str | None:
    if site.has_star_kwargs:
        return None
    if path in _NEEDS_TIMEOUT:
        keyword, consequence, position = _NEEDS_TIMEOUT[path]
        value = site.kwarg(keyword)
        if value is None and (position is None or len(site.args) <= position):
            return f"has no timeout: it {consequence}"
        if value is not None and value.kind == "const" and value.text == "None":
            return f"sets `timeout=None`: it {consequence}"
        return None
    if path in _NONE_DISABLES:
        value = site.kwarg("timeout")
        if value is not None and value.kind == "const" and value.text == "None":
            return "sets `timeout=None`: it waits forever"
    return None
