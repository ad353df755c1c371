"""How many cores a run may use, whether it may fork (cheap and safe on Linux), and work in a forked child."""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import sys
from collections.abc import Callable
from typing import Generic, TypeVar

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


class Forked(Generic[T]):
    """Work running in a forked child (``in_child``)."""

    def __init__(self, pid: int, read_end: int) -> None:
        self.pid, self.read_end = pid, read_end

    def wait(self) -> T | None:
        """The child's answer; None when it failed (the caller then does the work itself)."""
        with os.fdopen(self.read_end, "rb") as stream:
            data = stream.read()
        _, status = os.waitpid(self.pid, 0)
        if status != 0 or not data:
            return None
        answer: T = pickle.loads(data)  # our own child's answer, never a file's
        return answer

    def ready(self) -> bool:
        """Whether the answer has come (or the child has died): ``wait`` will not block long."""
        return bool(select.select([self.read_end], [], [], 0)[0])

    def cancel(self) -> None:
        """Stop the child: its answer is no longer needed."""
        os.close(self.read_end)
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def in_child(work: Callable[[], T]) -> Forked[T]:
    """Start ``work`` in a forked child, which answers pickled through a pipe.

    The child shares what this process holds without copying it. Fork early, while this
    process holds little: pages both touch afterwards are copied, which on a large heap
    costs more than the work saved. The child must write nothing another run could read
    half-made: it may be cancelled at any moment.
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
    return Forked(pid, read_end)
