"""Findings carried over from the last cached run, when no file changed a fact since.

Every cached run leaves its findings in the cache (``cache.LastRun``), each with
whether a ``# noqa`` silenced it, and the key of every file it read. A later
plain check (no fixes, no statistics: nothing that needs the facts) first
compares the keys:

- nothing changed: the last findings, as they were;
- a few files changed, none of them a fact (a comment, a blank line, a docstring,
  a re-wrapped call, a ``# noqa``: see ``analysis/relocation.py``): only those files
  are parsed, their findings and the chains through them move to the new
  positions, and their ``# noqa`` comments are read again;
- anything else (a fact changed, a file came or went, the configuration or the
  linter changed): nothing is carried over and both phases run.

The answer is the one a full run would give, never an approximation: the
project phase is a function of the facts, and the facts are the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.analysis.relocation import Relocation, relocation
from fastapi_lint.cache import Cache, LastRun, code_fingerprint
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.engine import summarize_file, suppressed
from fastapi_lint.runner import Outcome

# More changed files than this go to the pool of the full run, which parses them in parallel.
MAX_CHANGED = 48


@dataclass
class Attempt:
    # The run's findings (silenced ones left out, in report order); None: run both phases.
    diagnostics: list[Diagnostic] | None = None
    # What the files parsed while trying gave (also cached), by displayed path: phase 1 of
    # the full run takes them from here.
    parsed: dict[str, Outcome] = field(default_factory=dict)


@dataclass
class _Moved:
    relocation: Relocation
    summary: ModuleSummary


def carry_over(cache: Cache, files: list[tuple[Path, str]], keys: list[str | None], config: str) -> Attempt:
    """The findings of the last run, brought up to date, when no fact changed since."""
    attempt = Attempt()
    last = cache.last_run()
    current = _keys_by_path(files, keys)
    if (
        last is None
        or last.code != code_fingerprint()
        or last.config != config
        or len(current) != len(files)  # an unreadable file: let the full run report it
        or current.keys() != last.keys.keys()
    ):
        return attempt
    changed = [(path, display) for path, display in files if current[display] != last.keys[display]]
    if len(changed) > MAX_CHANGED:
        return attempt
    moved: dict[str, _Moved] = {}
    for path, display in changed:
        before = cache.get(display, last.keys[display])  # the facts the last run read
        after = summarize_file(path, display)
        cache.put(display, current[display], after)
        attempt.parsed[display] = after
        if not isinstance(before, ModuleSummary) or not isinstance(after, ModuleSummary):
            return attempt
        found = relocation(before, after)
        if found is None:
            return attempt
        moved[display] = _Moved(found, after)
    findings = _moved_findings(last, moved)
    if findings is None:
        return attempt
    cache.put_last_run(LastRun(last.code, config, current, tuple(findings)))
    attempt.diagnostics = [diagnostic for diagnostic, silenced in findings if not silenced]
    return attempt


def _moved_findings(last: LastRun, moved: dict[str, _Moved]) -> list[tuple[Diagnostic, bool]] | None:
    if not moved:
        return list(last.findings)
    findings: list[tuple[Diagnostic, bool]] = []
    for diagnostic, silenced in last.findings:
        if diagnostic.path in moved or diagnostic.chain:
            for path, change in moved.items():
                relocated = change.relocation.diagnostic(diagnostic, path)
                if relocated is None:
                    return None
                diagnostic = relocated
            own = moved.get(diagnostic.path)
            if own is not None:  # its noqa comments may have changed
                silenced = suppressed(diagnostic, own.summary)
        findings.append((diagnostic, silenced))
    # Positions moved in order within each file, so the report order holds; a stable sort keeps ties.
    findings.sort(key=lambda found: found[0].sort_key())
    return findings


def remember(cache: Cache, files: list[tuple[Path, str]], keys: list[str | None], config: str,
             findings: list[tuple[Diagnostic, bool]]) -> None:
    """Keep a full run's findings for the next run to carry over."""
    current = _keys_by_path(files, keys)
    if len(current) == len(files):
        cache.put_last_run(LastRun(code_fingerprint(), config, current, tuple(findings)))


def _keys_by_path(files: list[tuple[Path, str]], keys: list[str | None]) -> dict[str, str]:
    """Each readable file's cache key, by the path it is reported under."""
    return {display: key for (_, display), key in zip(files, keys) if key is not None}

