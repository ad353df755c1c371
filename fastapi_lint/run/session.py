"""A project kept in memory between checks: what a long-lived client (the flake8 plugin in an
editor, the language server) asks again and again.

A ``ProjectSession`` holds every file's facts (phase 1) and, per configuration, the project's
findings (phase 2). It learns of changes two ways:

- ``refresh()``: the files on disk are looked at again (stat and a walk); those changed, added
  or deleted are read again;
- ``set_text(path, data)``: a file's text is now ``data`` (an editor's unsaved buffer), whatever
  the disk says, until ``set_text(path, None)`` gives it back to the disk.

``diagnostics(config)`` gives the findings of every file, by display path, computed again only
after a change. Today a change recomputes the whole project phase; the interface is the one an
incremental engine keeps (only what depends on the change is recomputed).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.paths import display_path, real_or_absolute

if TYPE_CHECKING:
    from fastapi_lint.analysis.context import Context
    from fastapi_lint.analysis.facts import ModuleSummary
    from fastapi_lint.config import Config
    from fastapi_lint.diagnostics import Diagnostic


@dataclass
class Checked:
    """The project phase's answer for one configuration."""

    by_path: dict[str, list[Diagnostic]]  # display path -> findings (parse errors included), sorted
    context: Context | None
    internal_errors: list[str] = field(default_factory=list)


@dataclass
class _File:
    path: Path
    shown: str
    outcome: ModuleSummary | Diagnostic | None = None  # the facts, or the FAS900 saying why there are none
    stamp: tuple[int, int] = (-1, -1)  # (mtime_ns, size) when read from disk
    digest: str = ""  # sha256 of the bytes read from disk ("" when unread or unreadable)
    overlaid: bool = False  # outcome comes from set_text, not the disk


class ProjectSession:
    """The files of the project under ``root`` (``discovery``'s choice for ``config``), their
    facts through the cache at ``cache_dir`` (if any), and the findings already computed."""

    def __init__(self, root: Path, config: Config, cache_dir: Path | None = None, jobs: int | None = None) -> None:
        self.root = root
        self.config = config
        self.cache_dir = cache_dir
        self.jobs = jobs  # processes to read many files with (None: as many as the machine has)
        self._files: dict[str, _File] = {}  # real path -> file
        self._checked: dict[Config, Checked] = {}
        self.generation = 0  # counts the changes seen; a client can tell whether to re-ask

    def files(self) -> dict[str, Path]:
        """The project's files by display path."""
        return {f.shown: f.path for f in self._files.values()}

    def summary(self, path: Path) -> ModuleSummary | Diagnostic | None:
        """The facts of ``path`` as the session has them (overlay first), or its FAS900; None: not in the project."""
        found = self._files.get(real_or_absolute(path))
        return found.outcome if found is not None else None

    def others(self, path: Path) -> list[ModuleSummary]:
        """The facts of every file but ``path``: what a text linted as ``path`` is linked with."""
        from fastapi_lint.analysis.facts import ModuleSummary

        real, shown = real_or_absolute(path), display_path(path)
        return [f.outcome for key, f in self._files.items()
                if key != real and f.shown != shown and isinstance(f.outcome, ModuleSummary)]

    def holds(self, path: Path, data: bytes) -> bool:
        """Whether the session's facts of ``path`` are those of ``data`` as read from disk."""
        found = self._files.get(real_or_absolute(path))
        return found is not None and not found.overlaid and bool(found.digest) and found.digest == _digest(data)

    def refresh(self) -> set[str]:
        """Look at the files on disk again; read those changed, added or deleted since. Returns
        the display paths whose facts changed (a file with an overlay keeps it)."""
        from fastapi_lint.discovery import discover

        present = {real_or_absolute(path): (path, display_path(path)) for path in discover([self.root], self.config).files}
        changed: list[str] = []
        for real in set(self._files) - set(present):
            if self._files[real].overlaid:
                continue  # an editor's buffer of a file not (or no longer) on disk
            gone = self._files.pop(real)
            changed.append(gone.shown)
        stale: list[str] = []
        for real, (path, shown) in present.items():
            known = self._files.get(real)
            if known is None:
                self._files[real] = _File(path, shown)
            elif known.overlaid or known.stamp == _stamp(path):
                continue
            stale.append(real)
        changed.extend(self._read(stale))
        if changed:
            self._changed()
        return set(changed)

    def _read(self, reals: list[str]) -> list[str]:
        """Summarize the files ``reals`` from disk; the display paths whose facts changed."""
        from fastapi_lint.run.cache import Cache
        from fastapi_lint.run.extract import no_cycle_collection, summarize_all

        if not reals:
            return []
        changed = []
        stamps = [_stamp(self._files[real].path) for real in reals]
        cache = Cache(self.cache_dir) if self.cache_dir is not None else None
        with no_cycle_collection():
            outcomes, _ = summarize_all([(self._files[r].path, self._files[r].shown) for r in reals], cache, self.jobs)
        for real, stamp, outcome in zip(reals, stamps, outcomes):
            known = self._files[real]
            known.stamp, known.digest = stamp, _digest_of(known.path)
            if known.outcome != outcome:
                changed.append(known.shown)
            known.outcome = outcome
        return changed

    def set_text(self, path: Path, data: bytes | None) -> bool:
        """``path``'s text is now ``data`` (None: what is on disk again). Returns whether its facts
        changed. A file the project did not have is added (an editor's new, unsaved file)."""
        from fastapi_lint.analysis.extract import summarize_file

        real = real_or_absolute(path)
        known = self._files.get(real)
        if known is None:
            known = self._files[real] = _File(path, display_path(path))
        if data is None:
            known.overlaid = False
            if not path.is_file():
                del self._files[real]
                self._changed()
                return True
            changed = bool(self._read([real]))
            if changed:
                self._changed()
            return changed
        outcome = summarize_file(path, known.shown, data=data)
        known.overlaid = True
        if known.outcome == outcome:
            return False
        known.outcome = outcome
        self._changed()
        return True

    def check(self, config: Config | None = None) -> Checked:
        """The project's findings under ``config`` (the session's by default), by display path."""
        from fastapi_lint.analysis.facts import ModuleSummary
        from fastapi_lint.diagnostics import Diagnostic
        from fastapi_lint.run.check import check_project
        from fastapi_lint.run.pipeline import selected_parse_errors

        config = config or self.config
        found = self._checked.get(config)
        if found is not None:
            return found
        summaries = [f.outcome for f in self._files.values() if isinstance(f.outcome, ModuleSummary)]
        errors = [f.outcome for f in self._files.values() if isinstance(f.outcome, Diagnostic)]
        shown = self.files()
        phase2 = check_project(summaries, config, shown)
        by_path: dict[str, list[Diagnostic]] = {}
        for d in [*selected_parse_errors(errors, config, shown), *phase2.diagnostics]:
            by_path.setdefault(d.path, []).append(d)
        for found_here in by_path.values():
            found_here.sort(key=Diagnostic.sort_key)
        found = self._checked[config] = Checked(by_path, phase2.context, phase2.internal_errors)
        return found

    def diagnostics(self, config: Config | None = None) -> dict[str, list[Diagnostic]]:
        """Every file's findings by display path (files with none are left out)."""
        return self.check(config).by_path

    def _changed(self) -> None:
        self._checked.clear()
        self.generation += 1


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _digest_of(path: Path) -> str:
    from fastapi_lint.source import read_source

    try:
        return _digest(read_source(path))
    except (OSError, ValueError):
        return ""


def _stamp(path: Path) -> tuple[int, int]:
    try:
        found = path.stat()
    except OSError:
        return (-1, -1)
    return (found.st_mtime_ns, found.st_size)
