"""How the console script leaves: at once, the standard streams flushed (``cli.entry``)."""

from __future__ import annotations

import os
import signal
import sys

TYPE_CHECKING = False  # ``typing`` for the checker alone (``cli.entry``)
if TYPE_CHECKING:
    from typing import NoReturn

EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + 2, 128 + 15  # as a shell reports SIGINT and SIGTERM


def leave(code: int) -> NoReturn:
    """Exit with ``code`` at once, the standard streams flushed (``run``)."""
    for stopping in (signal.SIGINT, signal.SIGTERM):  # from here on a signal ends the process as it is
        signal.signal(stopping, signal.SIG_DFL)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (``| head``) or stream: nothing more to say
            pass
    os._exit(code)
