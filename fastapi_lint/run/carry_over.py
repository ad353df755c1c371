"""Findings carried over from the last cached run, when no file changed a fact since.

Every cached run leaves its findings in the cache (``cache.LastRun``), each with
whether a ``# noqa`` silenced it, and the key of every file it read. A later
plain check (no fixes, no statistics: nothing that needs the facts) first
compares the keys:

- nothing changed: the last findings, as they were; or every file is again as one of the few
  runs before saw it (an edit undone, pre-commit's stash popped): that run's findings;
- a few files changed, none of them a fact (a comment, a blank line, a docstring,
  a re-wrapped call, a ``# noqa``: see ``relocation.py``): only those files
  are parsed, their findings and the chains through them move to the new
  positions, and their ``# noqa`` comments are read again;
- anything else (a fact changed, a file came or went, the configuration, a dependency
  pin or lock (``analysis/pins.py``) or the linter changed): nothing is carried over
  and both phases run.

A large edited file (a generated schema) takes longer to parse than every other
file's facts take to read back: it is parsed in a worker while this process reads
those facts, which the full run needs if the attempt fails (``_parse_changed``).

The answer is the one a full run would give, never an approximation: the
project phase is a function of the facts, and the facts are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi_lint.analysis.extract.noqa import is_suppressed
from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.run.relocation import Relocation, relocation
from fastapi_lint.run.cache import Cache, LastRun, Stamps, code_fingerprint
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.run import processes
from fastapi_lint.run.extract import Outcome, cached_outcome, summarize_in_worker, summarize_keyed

# More changed files than this go to the pool of the full run, which parses them in parallel.
MAX_CHANGED = 48
# Edited files of this many bytes in all (~6,000 lines, 0.1 s to parse) are worth a worker.
PARSE_IN_WORKER_BYTES = 256_000


@dataclass
class Attempt:
    # The run's findings (silenced ones left out, in report order); None: run both phases.
    diagnostics: list[Diagnostic] | None = None
    # What the files parsed while trying gave (also cached), by displayed path: phase 1 of
    # the full run takes them from here.
    parsed: dict[str, Outcome] = field(default_factory=dict)
    # Unchanged files' cached outcomes, read while a worker parsed: phase 1 takes them too.
    read: dict[str, Outcome] = field(default_factory=dict)
    # With ``diagnostics``: how many findings the scope left out (by display path), whether the project has an app.
    out_of_scope: dict[str, int] = field(default_factory=dict)
    has_app: bool = True


@dataclass
class _Moved:
    relocation: Relocation
    summary: ModuleSummary


def carry_over(
    cache: Cache,
    files: list[tuple[Path, str]],
    keys: list[str | None],
    config: str,
    stamps: Stamps,
    jobs: int | None = 1,
    on_small_edit: Callable[[], None] | None = None,
    comments_are_facts: bool = False,
) -> Attempt:
    """The findings of the last run, brought up to date, when no fact changed since.

    ``jobs``: as for phase 1 (None: one per core); above 1, a large edit is parsed in a worker.
    ``on_small_edit``: called when a few small files changed, before they are parsed here (the
    caller may start, in parallel, what a full run would need if nothing can be carried over).
    ``comments_are_facts``: a rule reads the ``# noqa`` comments themselves (FAS901): only a run
    in which no file changed is carried over.
    """
    attempt = Attempt()
    last = cache.last_run()
    current = _keys_by_path(files, keys)
    if last is not None and last.keys != current:
        # The files as an earlier run saw them (an edit undone, a stash popped): its findings as they were.
        last = next((run for run in cache.earlier_runs() if run.keys == current), last)
    if (
        last is None
        or last.code != code_fingerprint()
        or last.config != config
        or len(current) != len(files)  # an unreadable file: let the full run report it
        or current.keys() != last.keys.keys()
    ):
        return attempt
    changed = [(path, display) for path, display in files if current[display] != last.keys[display]]
    if len(changed) > MAX_CHANGED or (changed and comments_are_facts):
        return attempt
    in_worker = processes.can_fork(jobs) and _size(changed) >= PARSE_IN_WORKER_BYTES
    if on_small_edit is not None and changed and not in_worker:
        on_small_edit()
    unchanged = [display for _, display in files if current[display] == last.keys[display]] if in_worker else []
    before, attempt.parsed, attempt.read = _parse_changed(cache, changed, current, last.keys, unchanged, in_worker)
    if len(attempt.parsed) < len(changed):  # a file changed again while it was read: run in full
        return attempt
    moved: dict[str, _Moved] = {}
    for _, display in changed:
        old, after = before[display], attempt.parsed[display]
        if not isinstance(old, ModuleSummary) or not isinstance(after, ModuleSummary):
            return attempt
        found = relocation(old, after)
        if found is None:
            return attempt
        moved[display] = _Moved(found, after)
    findings = _moved_findings(last, moved)
    if findings is None:
        return attempt
    cache.put_last_run(LastRun(last.code, config, current, tuple(findings), stamps, last.out_of_scope, last.has_app))
    attempt.diagnostics = [diagnostic for diagnostic, silenced in findings if not silenced]
    attempt.out_of_scope, attempt.has_app = last.out_of_scope, last.has_app
    return attempt


def _parse_changed(
    cache: Cache,
    changed: list[tuple[Path, str]],
    keys: dict[str, str],
    last_keys: dict[str, str],
    unchanged: list[str],
    in_worker: bool,
) -> tuple[dict[str, Outcome | None], dict[str, Outcome], dict[str, Outcome]]:
    """Each changed file's facts as the last run read them and as they are now (parsed, and
    cached in place of the old ones); with ``in_worker``, also the ``unchanged`` files' cached
    facts, read here while a worker parses: what phase 1 needs if nothing can be carried over.

    The worker is forked before this process holds many facts, so starting it is cheap.
    """
    before: dict[str, Outcome | None] = {}
    parsed: dict[str, Outcome] = {}
    read: dict[str, Outcome] = {}
    if not in_worker:
        for path, display in changed:
            before[display] = cache.get(display, last_keys[display])  # before the new entry replaces it
            key, outcome = summarize_keyed(path, display)
            _keep(cache, display, keys[display], key, outcome, parsed)
        return before, parsed, read
    jobs = [(path, display, cache.secret) for path, display in changed]
    worker = processes.in_child(lambda: [summarize_in_worker(job) for job in jobs])
    # The worker hands its entries back to be written here, so the old ones are still there.
    before = {display: cache.get(display, last_keys[display]) for _, display in changed}
    reading = _reads(cache, keys, unchanged, read)
    while not worker.ready() and next(reading, None) is not None:
        pass
    results = worker.wait()
    for (path, display), (key, result) in zip(
        changed, results or [summarize_keyed(path, display) for path, display in changed]
    ):
        _keep(cache, display, keys[display], key, result, parsed)
    return before, parsed, read


def _keep(cache: Cache, display: str, expected: str, key: str | None, result: Outcome | bytes,
          into: dict[str, Outcome]) -> None:
    """Cache what was parsed under the key of what was parsed; hand it on only when that is the
    content the attempt compared (the file did not change again in between)."""
    outcome = cached_outcome(cache, display, key, result)
    if key == expected:
        into[display] = outcome


def _reads(cache: Cache, keys: dict[str, str], displays: list[str], into: dict[str, Outcome]) -> Iterator[str]:
    """Read the cached outcomes of ``displays`` one at a time, into ``into``."""
    for display in displays:
        outcome = cache.get(display, keys[display])
        if outcome is not None:
            into[display] = outcome
        yield display


def _size(files: list[tuple[Path, str]]) -> int:
    total = 0
    for path, _ in files:
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def _moved_findings(last: LastRun, moved: dict[str, _Moved]) -> list[tuple[Diagnostic, bool]] | None:
    return moved_findings(last.findings, {path: (change.relocation, change.summary) for path, change in moved.items()})


def moved_findings(
    last: Iterable[tuple[Diagnostic, bool]], moved: dict[str, tuple[Relocation, ModuleSummary]]
) -> list[tuple[Diagnostic, bool]] | None:
    """The findings ``last`` (each with whether a ``# noqa`` silenced it) after edits that changed
    no fact: ``moved`` gives, for each edited module (by displayed path), where its facts moved
    and its summary now. Each finding's positions in those modules are moved, in its chain too,
    and its ``# noqa`` read again in its own module; None when a position cannot be moved."""
    if not moved:
        return list(last)
    findings: list[tuple[Diagnostic, bool]] = []
    for diagnostic, silenced in last:
        if diagnostic.path in moved or diagnostic.chain:
            for path, (change, _) in moved.items():
                relocated = change.diagnostic(diagnostic, path)
                if relocated is None:
                    return None
                diagnostic = relocated
            own = moved.get(diagnostic.path)
            if own is not None:  # its noqa comments may have changed
                silenced = is_suppressed(diagnostic, own[1])
        findings.append((diagnostic, silenced))
    # Positions moved in order within each file, so the report order holds; a stable sort keeps ties.
    findings.sort(key=lambda found: found[0].sort_key())
    return findings


def remember(cache: Cache, files: list[tuple[Path, str]], keys: list[str | None], config: str,
             stamps: Stamps, findings: list[tuple[Diagnostic, bool]], out_of_scope: dict[str, int] | None = None,
             has_app: bool = True) -> None:
    """Keep a full run's findings for the next run to carry over."""
    current = _keys_by_path(files, keys)
    if len(current) == len(files):
        last = LastRun(code_fingerprint(), config, current, tuple(findings), stamps, out_of_scope or {}, has_app)
        cache.put_last_run(last)


def _keys_by_path(files: list[tuple[Path, str]], keys: list[str | None]) -> dict[str, str]:
    """Each readable file's cache key, by the path it is reported under."""
    return {display: key for (_, display), key in zip(files, keys) if key is not None}

