"""Calls that run a callable on a worker thread: code handed to them may block."""

from __future__ import annotations

OFFLOAD_FUNCTIONS = frozenset(
    {
        "asyncio.to_thread",
        "starlette.concurrency.run_in_threadpool",
        "fastapi.concurrency.run_in_threadpool",
        "anyio.to_thread.run_sync",
        "asyncer.asyncify",
        "asgiref.sync.sync_to_async",
    }
)

# Matched by attribute name whatever the receiver: ``loop.run_in_executor(None, f)``,
# ``background_tasks.add_task(f)`` (a sync task runs in the threadpool),
# ``executor.submit(f)``, and SQLAlchemy's ``await conn.run_sync(f)`` (an ``AsyncConnection``'s or
# ``AsyncSession``'s: ``f`` gets a sync facade whose queries go through the async driver, so they
# wait without holding the loop), and ``future.add_done_callback(f)``: ``f`` runs once the
# future is done, on the thread that finished it (an asyncio future's later, from its loop), not
# in the caller, and a wait on the done future in it returns at once. A false match only
# silences, never reports.
OFFLOAD_METHODS = frozenset({"run_in_executor", "add_task", "submit", "run_sync", "add_done_callback"})


def is_offload(path: str | None, attr: str | None) -> bool:
    return (path is not None and path in OFFLOAD_FUNCTIONS) or (attr is not None and attr in OFFLOAD_METHODS)
