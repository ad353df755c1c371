"""How many cores a run may use, whether it may fork (cheap and safe on Linux), work in a forked child,
and the signals that stop a run and its children."""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

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


# Ctrl-C and termination: the run's own process takes them and stops its children.
_STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})
# Children whose answer has not been taken (see ``stopping_children``).
_unanswered: set[Forked[Any]] = set()


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back in this thread for the block; they arrive after it.

    A process forked or a thread started in the block starts with them blocked: a worker
    sets its own handling first (``as_worker``) rather than run this process's handler on
    its copy of this process's stack, and a helper thread never takes them from the main
    thread, whose handler stops the run. A clean-up in the block runs to its end.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows: no signal masks
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def as_worker() -> None:
    """In a child doing part of a run's work: Ctrl-C is for the run (a terminal sends it to the
    whole process group; the run stops its children), SIGTERM ends the child at once, without a
    traceback. Then take signals again (``signals_held`` blocked them)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


@contextlib.contextmanager
def stopping_children() -> Iterator[None]:
    """When the block ends, however it ends (Ctrl-C, SIGTERM, an error), stop every child forked
    in it whose answer was not taken: nobody will read it, and it must not outlive its run."""
    before = set(_unanswered)
    try:
        yield
    finally:
        for child in _unanswered - before:
            child.cancel()


class Forked(Generic[T]):
    """Work running in a forked child (``in_child``)."""

    def __init__(self, pid: int, read_end: int) -> None:
        self.pid = pid
        self._answer = os.fdopen(read_end, "rb")
        self._reaped = False
        _unanswered.add(self)

    def wait(self) -> T | None:
        """The child's answer; None when it failed (the caller then does the work itself)."""
        try:
            data = self._answer.read()
            _, status = os.waitpid(self.pid, 0)
        except BaseException:  # Ctrl-C while waiting: the child goes too
            self.cancel()
            raise
        self._reaped = True
        self._forget()
        if status != 0 or not data:
            return None
        answer: T = pickle.loads(data)  # our own child's answer, never a file's
        return answer

    def ready(self) -> bool:
        """Whether the answer has come (or the child has died): ``wait`` will not block long."""
        return bool(select.select([self._answer], [], [], 0)[0])

    def cancel(self) -> None:
        """Stop the child: its answer is no longer needed."""
        with signals_held():
            if not self._reaped:
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(self.pid, 0)
                self._reaped = True
            self._forget()

    def _forget(self) -> None:
        self._answer.close()
        _unanswered.discard(self)


def in_child(work: Callable[[], T]) -> Forked[T]:
    """Start ``work`` in a forked child, which answers pickled through a pipe.

    The child shares what this process holds without copying it. Fork early, while this
    process holds little: pages both touch afterwards are copied, which on a large heap
    costs more than the work saved. The child must write nothing another run could read
    half-made: it may be cancelled at any moment.
    """
    read_end, write_end = os.pipe()
    with signals_held():
        pid = os.fork()
        if pid == 0:  # the child: answer through the pipe, then leave without running exit handlers
            status = 1
            try:
                as_worker()
                os.close(read_end)
                with os.fdopen(write_end, "wb") as stream:
                    pickle.dump(work(), stream, protocol=pickle.HIGHEST_PROTOCOL)
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        return Forked(pid, read_end)
