"""How a long-lived process (the language server, ``check --daemon``'s background process)
collects its cyclic garbage: by itself, when nobody waits.

A project's facts are millions of small objects kept for the process's life; the collector's
automatic runs would scan them again and again in the middle of checks (a third of a check's
time on a 1,900-file project, and the run after a check pays for scanning what that check
left). Such a process turns them off (``collect_by_ourselves``), freezes what a project's first
read kept (``keep_out_of_collection``), and collects after ``QUIET`` seconds without a check,
or after ``MOST_UNCOLLECTED`` checks without such a pause.
"""

from __future__ import annotations

import gc

QUIET = 2.0
MOST_UNCOLLECTED = 4


def collect_by_ourselves() -> None:
    gc.disable()


def collecting_by_ourselves() -> bool:
    return not gc.isenabled()


def keep_out_of_collection() -> None:
    """After a project's first read, in a process that collects by itself: what reading left is
    collected, and the facts kept leave the collector's scans for good."""
    if collecting_by_ourselves():
        gc.collect()
        gc.freeze()
