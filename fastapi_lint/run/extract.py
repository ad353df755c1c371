"""Phase 1 over many files: cached results first, then the rest in a process pool.

Small runs (pre-commit, an editor: a handful of files to parse) stay in
process, since starting workers costs more than parsing a few files.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Union

from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.analysis.extract import summarize_file
from fastapi_lint.analysis.extract.module_names import module_name
from fastapi_lint.run.cache import Cache, LastRun, Stamp, Stamps, code_fingerprint, seal, unseal
from fastapi_lint.run import processes
from fastapi_lint.run.processes import default_jobs
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.source import read_source

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

# Below this many files to parse, a pool's start-up (~0.1 s a worker) is not worth it.
POOL_THRESHOLD = 48
# File times this close to the last run's look at the files prove nothing (see file_keys): file
# systems keep times in coarse ticks (a few ms on Linux, 2 s on FAT).
RACY_NS = 2_000_000_000
# Every write sets a file's change time on POSIX systems; Windows reports the creation time there.
TRUSTS_CHANGE_TIMES = os.name == "posix"

Outcome = Union[ModuleSummary, Diagnostic]


@dataclass
class ExtractStats:
    parsed: int = 0
    cached: int = 0
    workers: int = 1
    lines: int = 0
    progress: list[int] = field(default_factory=list)


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Turn off the cyclic garbage collector for a run.

    A run builds millions of small, acyclic fact objects and frees them by reference
    counting; the collector would rescan the growing heap again and again for cycles
    that are not there. Measured on a 1,893-file project: phase 1 and 2 take half the
    time without it, at the same peak memory. Afterwards the survivors (the facts a
    caller keeps, for reports or fixes) are frozen out of later collections, which
    would otherwise rescan them as the caller allocates.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def file_keys(files: list[tuple[Path, str]], last: LastRun | None = None) -> tuple[list[str | None], Stamps]:
    """Each file's cache key (None for a file that cannot be read), and the stamps to keep for
    the next run.

    A file whose stamp is the one ``last`` (the last cached run, of this very code) kept keeps its
    key unread, as git trusts its index: size, modification and change times, inode, module
    name. A change to the file sets its change time, which no tool can set back. A stamp within
    ``RACY_NS`` of the last run's look is not trusted: an edit in the same clock tick as that
    look would leave the times as they were.
    """
    taken_ns = time.time_ns()
    known: dict[str, Stamp] = {}
    known_keys: dict[str, str] = {}
    before_ns = 0
    if last is not None and last.code == code_fingerprint() and TRUSTS_CHANGE_TIMES:  # keys name the code's entries
        known, known_keys, before_ns = last.stamps.by_path, last.keys, last.stamps.taken_ns - RACY_NS
    keys: list[str | None] = []
    stamps: dict[str, Stamp] = {}
    for path, display in files:
        try:
            stat = os.stat(path)
            module, is_package = module_name(path)
        except (OSError, RuntimeError, ValueError):
            keys.append(None)  # unreadable: let phase 1 report it, uncached
            continue
        stamp = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, module, is_package)
        key = None
        if known.get(display) == stamp and stat.st_ctime_ns < before_ns and stat.st_mtime_ns < before_ns:
            key = known_keys.get(display)
        if key is None:
            key = _key(path, display, module, is_package)
        keys.append(key)
        if key is not None:
            stamps[display] = stamp
    return keys, Stamps(stamps, taken_ns)


def summarize_all(
    files: list[tuple[Path, str]],
    cache: Cache | None,
    jobs: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    keys: list[str | None] | None = None,
    known: dict[str, Outcome] | None = None,
) -> tuple[list[Outcome], ExtractStats]:
    """Outcomes in the order of ``files``: a summary, or a FAS900 diagnostic, for each.

    ``known``: outcomes already made (and cached) in this run, by displayed path.
    ``keys``: each file's cache key, as ``file_keys`` took it; a file parsed here gets, in
    place, the key of the bytes that were parsed (see ``summarize_keyed``).
    """
    stats = ExtractStats()
    outcomes: list[Outcome | None] = [None] * len(files)
    pending: list[tuple[int, Path, str, str | None]] = []
    if cache is not None and keys is None:
        keys, _ = file_keys(files)
    known = known or {}
    for index, (path, display) in enumerate(files):
        key = keys[index] if keys is not None else None
        cached = known.get(display)
        if cached is None and cache is not None and key is not None:
            cached = cache.get(display, key)
        if cached is not None:
            outcomes[index] = cached
            stats.cached += 1
            if on_progress:
                on_progress(1)
        else:
            pending.append((index, path, display, key))
    stats.parsed = len(pending)
    workers = min(jobs or default_jobs(), len(pending))
    if workers > 1 and len(pending) >= POOL_THRESHOLD:
        stats.workers = workers
        secret = cache.secret if cache is not None else None
        chunk = max(1, min(32, len(pending) // (workers * 8)))
        jobs_sent = [(p, d, secret if k is not None else None) for _, p, d, k in pending]
        with _worker_pool(workers) as pool:
            with processes.signals_held():  # the workers and the pool's threads start with them blocked
                futures = [pool.submit(summarize_chunk, jobs_sent[at:at + chunk]) for at in range(0, len(jobs_sent), chunk)]
            results = (result for future in futures for result in future.result())
            for (index, _, display, key), (parsed_key, result) in zip(pending, results):
                _rekey(keys, index, parsed_key)
                kept = parsed_key if key is not None else None
                _store(outcomes, index, cached_outcome(cache, display, kept, result), None, display, None, on_progress)
    else:
        for index, path, display, key in pending:
            parsed_key, outcome = summarize_keyed(path, display)
            _rekey(keys, index, parsed_key)
            _store(outcomes, index, outcome, cache, display, parsed_key if key is not None else None, on_progress)
    done = [outcome for outcome in outcomes if outcome is not None]
    stats.lines = sum(o.line_count for o in done if isinstance(o, ModuleSummary))
    return done, stats


@contextlib.contextmanager
def _worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` processes, gone when the block ends.

    When the block fails (Ctrl-C, SIGTERM, a worker's error), the workers are killed and
    reaped at once: they ignore Ctrl-C (``processes.as_worker``), their work is lost anyway, and
    the pool's own shutdown would wait for the work under way.
    """
    from concurrent.futures import ProcessPoolExecutor  # only when a pool is worth it

    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker)
    try:
        yield pool
        pool.shutdown(wait=True)
    except BaseException:
        _kill_workers(pool)
        raise


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Kill and reap a pool's workers, then let the pool go: its thread sees them dead and ends.
    No future is cancelled: that thread fails every pending one, which a cancelled one refuses
    with a traceback (Python 3.11)."""
    with processes.signals_held():
        # The pool's table of its processes: ``ProcessPoolExecutor.kill_workers`` from Python 3.14.
        workers = list((getattr(pool, "_processes", None) or {}).values())
        for process in workers:
            with contextlib.suppress(OSError, ValueError):
                process.kill()
        for process in workers:
            with contextlib.suppress(OSError, ValueError):
                process.join()
        pool.shutdown(wait=False)


def _start_worker() -> None:
    """A pool worker leaves signals to its run (``processes.as_worker``), builds the same acyclic facts
    as a run (no cycle collection: see ``no_cycle_collection``) and ends with its run: one whose
    run was killed would otherwise wait for work forever, holding its own end of the queue's pipe."""
    processes.as_worker()
    gc.disable()
    parent = os.getppid()

    def leave_when_orphaned() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=leave_when_orphaned, name="fastapi-lint: parent watch", daemon=True).start()


def summarize_in_worker(job: tuple[Path, str, bytes | None]) -> tuple[str | None, Outcome | bytes]:
    """In a worker: the key of what was parsed, and the outcome, or when it is to be cached (a
    secret given), its sealed cache entry.

    Sending the entry costs the worker the one pickling the pool would do anyway, and
    spares the parent pickling every outcome again to write the cache.
    """
    path, display, secret = job
    key, outcome = summarize_keyed(path, display)
    if key is not None and secret is not None:
        return key, seal(secret, (key, outcome))
    return key, outcome


def summarize_keyed(path: Path, display: str) -> tuple[str | None, Outcome]:
    """Phase 1 for one file, and the cache key of the very bytes it parsed (None: unreadable).

    The key is never taken from an earlier read: a file saved between that read and the parse,
    then put back, would find the edit's facts filed under its own content's key.
    """
    try:
        data = read_source(path)
        module, is_package = module_name(path)
    except (OSError, RuntimeError, ValueError):
        return None, summarize_file(path, display)  # which says why it cannot be read
    return Cache.key(data, display, module, is_package), summarize_file(path, display, data=data)


def _rekey(keys: list[str | None] | None, index: int, parsed_key: str | None) -> None:
    if keys is not None and keys[index] is not None:
        keys[index] = parsed_key


def summarize_chunk(jobs: list[tuple[Path, str, bytes | None]]) -> list[tuple[str | None, Outcome | bytes]]:
    """In a worker: ``summarize_in_worker`` for a few files at once (one message each way)."""
    return [summarize_in_worker(job) for job in jobs]


def cached_outcome(cache: Cache | None, display: str, key: str | None, result: Outcome | bytes) -> Outcome:
    """What ``summarize_in_worker`` sent back, its cache entry written: the worker's sealed entry
    as it is (then read like any other entry), or else the outcome, sealed here when it has a key."""
    if isinstance(result, bytes):
        assert cache is not None and cache.secret is not None  # a worker seals only then
        cache.put_sealed(display, result)
        outcome: Outcome = unseal(cache.secret, result)[1]
        return outcome
    if cache is not None and key is not None:
        cache.put(display, key, result)
    return result


def _store(
    outcomes: list[Outcome | None],
    index: int,
    outcome: Outcome,
    cache: Cache | None,
    display: str,
    key: str | None,
    on_progress: Callable[[int], None] | None,
) -> None:
    outcomes[index] = outcome
    if cache is not None and key is not None:
        cache.put(display, key, outcome)
    if on_progress:
        on_progress(1)


def _key(path: Path, display: str, module: str, is_package: bool) -> str | None:
    """The cache key: content, path and module name (which depends on the package folders)."""
    try:
        data = read_source(path)
    except OSError:
        return None  # unreadable, or not to be read: let phase 1 report it, uncached
    return Cache.key(data, display, module, is_package)
