"""The command line: ``fastapi-lint [check] PATHS``, ``rules``, ``explain``, ``routes``, ``clean``,
``server``, ``daemon``.

Exit codes: 0 nothing at or above ``--fail-on``, 1 findings, 2 usage, config
or internal error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). Errors are one
line on stderr, never a traceback (``--debug`` shows it).

This module holds the group and the entry point. The commands live in ``check.py`` (with
``stdin.py`` for standard input), ``commands.py`` and ``daemon_serve.py`` (``check --daemon``'s
background process; ``daemon.py`` its client, which the entry point asks first); what they are given, checked, in
``options.py``; what they write in ``output.py``, with the exit codes, the error and note lines,
and ``one_exit``, each command's one way out. The commands never import this module (the layer
test forbids import cycles), so what they share lives there.
"""

from __future__ import annotations

import functools
import importlib
import sys

from fastapi_lint.cli.leaving import EXIT_INTERRUPTED, leave

TYPE_CHECKING = False  # ``typing`` for the checker alone: a run the background process answers never imports it
if TYPE_CHECKING:
    from typing import Any, NoReturn

    from fastapi_lint.cli.group import DefaultGroup as DefaultGroup, Terminated as Terminated, main as main


def entry() -> NoReturn:
    """The console script (and ``python -m fastapi_lint``). A check asks the background process
    first (``daemon.py``: with ``--daemon``, or when one serves this folder), before click and the
    linter are imported: that is most of what such a run costs here. A check run here may leave
    one behind (``daemon.keep_project``)."""
    daemon = importlib.import_module("fastapi_lint.cli.daemon")  # not ``from . import``: that asks ``__getattr__``
    argv = sys.argv[1:]
    choice = daemon.choice(argv)
    if choice != "off":
        try:
            answered = daemon.ask(argv, start=choice == "on")
        except KeyboardInterrupt:  # the background process finds the client gone, and goes on serving
            print("fastapi-lint: interrupted", file=sys.stderr)
            leave(EXIT_INTERRUPTED)
        if answered is not None:
            leave(answered)
    keep_project = functools.partial(daemon.keep_project, argv) if choice == "auto" else None
    importlib.import_module("fastapi_lint.cli.group").run(keep_project)
    raise AssertionError("run() leaves the process")


def __getattr__(name: str) -> Any:
    """The group and what the tests read of it (``main``, ``_exit_code``, ...), imported when first
    asked for: the console script's ``--daemon`` run never asks."""
    if name.startswith("__"):
        raise AttributeError(name)
    group = importlib.import_module("fastapi_lint.cli.group")
    try:
        return getattr(group, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
