"""Whether an app registers routes with handlers the analysis cannot name (``Scopes.blind``).

Such an app serves what the analysis cannot see, so everything no walk placed is ``UNKNOWN``
then. One question for the whole project, held apart because most of it is the registrations
that do not count: another framework's router, a path where FastAPI takes a handler, a wrapper
passing its own parameter on, a handler a factory of the project makes, a library's handler, an
app's own routes copied under other paths.
"""

from __future__ import annotations

from fastapi_lint.analysis.app_model import APP_TYPES, ROUTER_TYPES
from fastapi_lint.analysis.facts import FunctionFacts, Value
from fastapi_lint.analysis.handler_values import handler_functions
from fastapi_lint.analysis.scope_unknown import UnknownPlacement


# What registers routes: an app or a router.
_SERVERS = APP_TYPES | ROUTER_TYPES
# Register a route with its handler as the second argument (or ``endpoint=``).
_REGISTRATIONS = ("add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route")
# The libraries whose apps and routers those registrations are FastAPI's (or Starlette's).
_ROUTING_LIBRARIES = frozenset({"fastapi", "starlette"})
# The members of an app or a router that register a route (``getattr(app, method)(path)(handler)``).
_REGISTERING_MEMBERS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route",
                                  "route", "websocket", "websocket_route", *_REGISTRATIONS})
# Values that are never a handler (a path or a method written where FastAPI takes one).
_LITERALS = frozenset({"str", "fstring", "num", "const"})


class BlindRegistrations(UnknownPlacement):
    """The registrations of routes whose handlers the analysis cannot name."""

    def _unnamed_handlers(self, tests: set[str]) -> str:
        """Where routes are registered with handlers the analysis cannot name (``path:line``,
        the first such registration; "" for none): the app serves
        what it cannot see (``app.add_api_route(path, endpoint)`` over a table of methods built at
        run time, ``getattr(app, method)(path)(handler)``; not ``getattr(app, "state")``, which reads
        an attribute). Not in ``tests`` (module paths): a
        test's app (a fake peer in a conftest.py) serves nothing in production."""
        project = self.project
        for summary, owner, site in project.calls_named(_REGISTRATIONS):
            if summary.path in tests:
                continue
            if site.func is None or not self._on_an_app(project.resolve(site.func).path):
                continue  # another framework's server (aiohttp's ``router.add_route``): not the app's
            handler = site.argument("endpoint", 1)
            if handler is None or handler.kind in _LITERALS:
                continue  # ``add_route("GET", "/path", handler)``: a path where FastAPI takes a handler
            if self._function_named(handler) is not None or handler_functions(project, handler):
                continue
            if handler.kind == "ref" and not self._may_be_own(project.resolve_value(handler).path):
                continue  # a library's handler (``aioprometheus``'s ``metrics``): no code of the project
            if owner is not None and handler.text in {p.name for p in owner.params}:
                continue  # a wrapper passing its own argument on: its callers name the handler
            if owner is not None and _copies_routes(owner, handler):
                continue  # an app's own routes again, under other paths: handlers already known
            return f"{summary.path}:{site.span.line}"
        for summary, _, site in project.calls_named(["getattr"]):
            if summary.path not in tests and site.args and site.args[0].kind == "ref" and project.resolve_value(site.args[0]).path in _SERVERS:
                if len(site.args) > 1 and site.args[1].kind == "str" and site.args[1].text not in _REGISTERING_MEMBERS:
                    continue  # ``getattr(app, "state", None)``: an attribute read, no route registered
                return f"{summary.path}:{site.span.line}"
        return ""

    def _on_an_app(self, callee: str) -> bool:
        """Whether a registration's callee may be an app's or a router's: FastAPI's or Starlette's,
        the project's own (a subclass), or of a value of no known type; not a method of a class of
        the project that is no app (``self.add_route(prefix, backend)`` of a storage router)."""
        located = self.project.function(callee)
        if located is not None and located.function.class_path is not None:
            return any(base in _SERVERS for base in self.project.mro(located.function.class_path))
        return callee.partition(".")[0] in _ROUTING_LIBRARIES or self._may_be_own(callee)


def _copies_routes(owner: FunctionFacts, handler: Value) -> bool:
    """``for route in app.router.routes: app.add_api_route(alias, route.endpoint)``: a handler read
    from a route of a function that reads an app's or a router's routes is one they already have."""
    return (handler.text.rpartition(".")[2] == "endpoint"
            and any(read.text.rpartition(".")[2] == "routes" for read in owner.reads))
