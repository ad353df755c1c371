"""``fastapi-lint server``: a language server (LSP over standard input and output, by pygls).

- ``projects.py``: the projects of the open files, each a ``ProjectSession``; their findings;
- ``app.py``: the protocol: edits noted and checked on one worker thread, findings published
  for every open file whose findings changed, requests answered;
- ``convert.py``: findings and edits as the protocol writes them;
- ``actions.py``: fixes, ``# noqa`` and fix-all as code actions;
- ``hover.py``: a route's row of the route map.

The server never writes a file: every change is an edit the client applies.
"""

from __future__ import annotations


def serve() -> None:
    from fastapi_lint.server.app import serve as run

    run()
