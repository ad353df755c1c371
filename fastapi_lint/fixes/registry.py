"""Every fixer, in the one place they are registered, in priority order.

For a finding, the first fixer that proposes a fix owns it: the safe
``await asyncio.sleep`` comes before the unsafe rewrites, and dropping ``async``
(FastAPI then runs the function in its threadpool) before ``asyncio.to_thread``.
"""

from __future__ import annotations

from fastapi_lint.fixes.await_sleep import AwaitSleep
from fastapi_lint.fixes.drop_async import DropAsync
from fastapi_lint.fixes.fixer import Fixer
from fastapi_lint.fixes.lifespan import StartupToLifespan
from fastapi_lint.fixes.lru_cache import LruCache
from fastapi_lint.fixes.response_class import DropResponseClass
from fastapi_lint.fixes.running_loop import RunningLoop
from fastapi_lint.fixes.to_thread import ToThread
from fastapi_lint.fixes.unused_noqa import RemoveUnusedNoqa

FIXERS: tuple[Fixer, ...] = (
    AwaitSleep(),
    RunningLoop(),
    LruCache(),
    DropResponseClass(),
    DropAsync(),
    ToThread(),
    StartupToLifespan(),
    RemoveUnusedNoqa(),
)
