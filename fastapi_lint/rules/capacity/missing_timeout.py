from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.facts import CallSite
from fastapi_lint.analysis.project import Located, Project
from fastapi_lint.analysis.request_path import where
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule

_REQUESTS = {f"requests.{verb}" for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request")}
_REQUESTS |= {f"requests.Session.{verb}" for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request")}
# call path -> (the keyword that sets the timeout, what happens without it, its position if positional)
_NEEDS_TIMEOUT: dict[str, tuple[str, str, int | None]] = {
    **{path: ("timeout", "waits forever", None) for path in _REQUESTS},
    "urllib.request.urlopen": ("timeout", "waits for the socket default, forever unless set", 2),
}
# Sessions whose requests take a ``timeout=`` of their own, which overrides the session's default.
_SESSIONS = frozenset({"aiohttp.ClientSession"})
_SESSION_REQUESTS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "ws_connect"})
# Clients with a bound by default (httpx: 5 s; aiohttp: 300 s in all, a bound a reviewer may
# find long but not a wait forever) where ``timeout=None`` disables it.
_NONE_DISABLES = frozenset({"httpx.Client", "httpx.AsyncClient", "httpx.get", "httpx.post", "httpx.put",
                            "httpx.patch", "httpx.delete", "httpx.request", "httpx.stream",
                            "aiohttp.ClientSession", "aiohttp.request"})


class MissingTimeout(Rule):
    """An outbound HTTP call or client on the request path without a timeout.

    ## What it does
    Finds `requests` calls without `timeout=`, `urllib.request.urlopen`
    without a timeout, and `httpx` and `aiohttp` clients or calls with
    `timeout=None`, in code that runs per request. Without `timeout=`,
    `httpx` waits 5 s and `aiohttp` 300 s in all: bounds, not reported.

    ## Why is this bad?
    An upstream that accepts the connection and never answers holds the
    request, and its thread or task, forever. Under load the stuck requests
    pile up until the threadpool or the memory is exhausted: one slow
    dependency takes the whole service down.

    ## Known problems
    A timeout set on a `requests.Session` through an adapter or a wrapper is
    not seen. A call passing `**kwargs` is taken to set one. An
    `aiohttp.ClientSession(timeout=None)` is not reported when every request
    the function makes on it passes `timeout=` (each then has its own bound);
    when the session is handed to other code, its requests are not seen and
    the session is reported. aiohttp's default of 300 s is not reported,
    though a user-facing route may want less.

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
        for call in context.calls_per_request_reported():
            problem = _problem(call.ref.path, call.site)
            if problem is None:
                continue
            if call.ref.path in _SESSIONS and _every_request_has_a_timeout(project, call.located, call.ref.path):
                continue
            yield self.report(
                call.located,
                call.site.span,
                f"`{call.site.text}` {problem} in {where(project, model, call.located, call.root)}",
                help="Pass an explicit `timeout=` (a few seconds for most APIs)",
            )


def _every_request_has_a_timeout(project: Project, located: Located, session: str) -> bool:
    """Whether the requests the function makes on such a session all pass their own ``timeout=``
    (``session.get(url, timeout=5)``), which then bounds each of them: the session's default is never
    what they wait for. Requests made elsewhere (the session handed on) are not seen: then no."""
    requests = [
        site for site in located.function.calls
        if site.func is not None and project.resolve(site.func).path.rpartition(".")[0] == session
        and site.text.rpartition(".")[2] in _SESSION_REQUESTS
    ]
    return bool(requests) and all(_sets_timeout(site) for site in requests)


def _sets_timeout(site: CallSite) -> bool:
    value = site.kwarg("timeout")
    return site.has_star_kwargs or (value is not None and not value.is_none)


def _problem(path: str, site: CallSite) -> str | None:
    if site.has_star_kwargs:
        return None
    if path in _NEEDS_TIMEOUT:
        keyword, consequence, position = _NEEDS_TIMEOUT[path]
        value = site.kwarg(keyword)
        if value is None and (position is None or len(site.args) <= position):
            return f"has no timeout: it {consequence}"
        if value is not None and value.is_none:
            return f"sets `timeout=None`: it {consequence}"
        return None
    if path in _NONE_DISABLES:
        value = site.kwarg("timeout")
        if value is not None and value.is_none:
            return "sets `timeout=None`: it waits forever"
    return None
