"""What a websocket route runs once per connection, not once per message.

A websocket handler runs for as long as its connection lasts: a voice call, a chat session. What
it runs before its message loop (a session object built, its clients made in ``__init__``) runs
once per connection, and serves every message of it; what runs in a loop, in the handler or in
anything it runs, runs once per pass::

    @app.websocket("/call")
    async def call(ws: WebSocket):
        session = CallSession(ws)          # once per connection: its clients serve the whole call
        while True:
            text = await ws.receive_text()
            await session.reply(text)      # once per message

A function is run once per connection when only websocket handlers reach it, every way they do
passes no call in an open-ended loop (a ``while``, an ``async for`` over a stream: a ``for`` over
the tasks a connection's configuration lists runs a fixed number of times), and no other root
of the request path (a route, a dependency, a middleware) reaches it.
"""

from __future__ import annotations

from fastapi_lint.analysis.app_model import REQUEST_ROLES, FastAPIModel
from fastapi_lint.analysis.callgraph import CallGraph
from fastapi_lint.analysis.guards import runs_once


def once_per_connection(model: FastAPIModel, graph: CallGraph) -> frozenset[str]:
    """The functions that websocket routes run once per connection."""
    sockets = sorted({route.handler.function.path for route in model.routes if route.websocket})
    if not sockets:
        return frozenset()
    others = sorted(path for path, roles in model.roles.items() if roles & REQUEST_ROLES and path not in sockets)
    once: set[str] = set()
    repeated: set[str] = set()
    _walk(graph, [(root, False) for root in sockets], once, repeated)
    _walk(graph, [(root, True) for root in others], set(), repeated)
    return frozenset(once - repeated)


def _walk(graph: CallGraph, starts: list[tuple[str, bool]], once: set[str], repeated: set[str]) -> None:
    """Everything the starts run, into ``repeated`` when a call in a loop is on the way (or the
    start is repeated itself), else into ``once``; not past a cache guard."""
    pending = list(starts)
    while pending:
        current, looped = pending.pop()
        seen = repeated if looped else once
        if current in seen:
            continue
        seen.add(current)
        located = graph.project.function(current)
        for site, callee in graph.runs(current):
            if located is not None and runs_once(graph, located, site):
                continue
            pending.append((callee, looped or site.in_loop))
