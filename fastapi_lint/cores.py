"""How many cores a run may use, whether it may fork (cheap and safe on Linux), and work in a forked child."""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def can_fork(jobs: int | None) -> bool:
    """Whether work may go to a forked child: more than one job allowed, and Linux."""
    if (jobs or default_jobs()) < 2 or not sys.platform.startswith("linux"):
        return False
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def in_child(work: Callable[[], T]) -> Callable[[], T | None]:
    """Start ``work`` in a forked child; the function returned waits for its answer (None when
    the child failed: the caller then does the work itself).

    The child shares what this process holds without copying it; its answer comes back
    pickled through a pipe. Fork early, while this process holds little: pages both touch
    afterwards are copied, which on a large heap costs more than the work saved.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, then leave without running exit handlers
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as stream:
                pickle.dump(work(), stream, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)

    def wait() -> T | None:
        with os.fdopen(read_end, "rb") as stream:
            data = stream.read()
        _, status = os.waitpid(pid, 0)
        if status != 0 or not data:
            return None
        answer: T = pickle.loads(data)  # our own child's answer, never a file's
        return answer

    return wait
