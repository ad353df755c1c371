"""How many cores a run may use, and whether it may fork a worker (cheap and safe on Linux)."""

from __future__ import annotations

import os
import sys


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
