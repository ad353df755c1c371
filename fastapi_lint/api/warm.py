"""``lint_project`` for a process that lives between runs (``fastapi-lint check --daemon``'s
background process): each project is kept in a ``ProjectSession``, so a run after an edit costs
about what the edit changes, not the whole project phase again.

A run here reports what ``runs.lint_project`` would, finding for finding: the session looks at
the files on disk again first (stat and a walk: what changed, came or went is read again), and
starts afresh when what the findings depend on besides the Python files changed (the
configuration, the dependency pins, the deployment files, the environment's packages:
``pipeline.run_inputs``). What it cannot serve so (paths of several projects, a file named that
the project's walk does not find) it leaves to ``runs.lint_project``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.paths import real_or_absolute
from fastapi_lint.api.collection import keep_out_of_collection

if TYPE_CHECKING:
    from fastapi_lint.config import Config
    from fastapi_lint.run.pipeline import LintResult
    from fastapi_lint.run.projects import Project
    from fastapi_lint.run.session import ProjectSession

# Projects kept at once: a daemon serves one working folder, and seldom more than one
# configuration in it; each kept project holds its facts and linked answers (hundreds of MB
# for 2,000 files).
KEPT = 2

_Key = tuple['Config', str, 'Path | None']  # configuration, real path of the project folder, cache folder


class WarmProjects:
    """The projects a long-lived process keeps, most recently used first."""

    def __init__(self) -> None:
        self._kept: list[tuple[_Key, ProjectSession, str]] = []  # (key, project, what its last run depended on)

    def lint_project(
        self,
        project: Project,
        debug: bool = False,
        jobs: int | None = 1,
        on_progress: Callable[[int], None] | None = None,
        on_discovered: Callable[[int], None] | None = None,
        facts: bool = True,
        follow_links: bool = True,
    ) -> LintResult:
        """``runs.lint_project``'s answer, from the kept project when it can serve it."""
        warm = self._warm(project, jobs) if follow_links and not project.others else None
        if warm is None:
            from fastapi_lint.api.runs import lint_project

            return lint_project(project, debug=debug, jobs=jobs, on_progress=on_progress,
                                on_discovered=on_discovered, facts=facts, follow_links=follow_links)
        from fastapi_lint.run.projects import report_on_own

        found, reals = warm
        report_on_own(found, project, reals)
        return found

    def _warm(self, project: Project, jobs: int | None) -> tuple[LintResult, dict[str, str]] | None:
        """The kept project's answer for every file, with each file's real path by display path;
        None: it cannot serve ``project``."""
        from fastapi_lint.run.pipeline import LintResult, run_inputs

        root = _one_root(project)
        if root is None:
            return None
        started = time.perf_counter()
        key = (project.config, real_or_absolute(str(root)), project.cache_dir)
        session, known_inputs = self._session(key, root, jobs)
        changed = session.refresh()
        if known_inputs is None:
            keep_out_of_collection()
        files = session.files()
        if not all(session.has(path) for path in project.lint_targets[1:]):
            return None  # a file named that the walk does not find (excluded, but named): linted as named
        inputs = run_inputs(project.config, files)
        if known_inputs is not None and inputs != known_inputs:
            self._kept.pop(0)
            session, _ = self._session(key, root, jobs)
            changed = session.refresh()
            keep_out_of_collection()
            files = session.files()
        self._kept[0] = (key, session, inputs)
        found = session.discovered
        assert found is not None
        reals = session.real_paths()
        wanted = project.wanted
        checked = session.check(reported=None if wanted is None else frozenset(
            display for display, real in reals.items() if real in wanted))
        diagnostics = sorted((d for found_here in checked.by_path.values() for d in found_here), key=lambda d: d.sort_key())
        return LintResult(
            diagnostics=diagnostics,
            files=len(found.files),
            seconds=time.perf_counter() - started,
            missing=found.missing,
            skipped=found.skipped,
            internal_errors=checked.internal_errors,
            context=checked.context if checked.linked else None,
            parsed=len(changed),
            cached=len(files) - len(changed),
            carried_over=checked.carried_over,
            left_out=checked.out_of_scope,
            has_app=checked.has_app,
            paths=list(files),
            notes=found.notes,
        ), reals

    def _session(self, key: _Key, root: Path, jobs: int | None) -> tuple[ProjectSession, str | None]:
        """The kept project of ``key``, made first of the kept, with the inputs its last run saw;
        a new one (and None) if none is kept."""
        from fastapi_lint.run.session import ProjectSession

        for index, (kept_key, session, inputs) in enumerate(self._kept):
            if kept_key == key:
                self._kept.insert(0, self._kept.pop(index))
                return session, inputs
        session = ProjectSession(root, key[0], key[2], jobs)
        self._kept = [(key, session, ""), *self._kept][:KEPT]
        return session, None


def _one_root(project: Project) -> Path | None:
    """The one folder ``project`` walks: a folder given alone, or the project folder of the files
    given (``paths.project_scope``); None for anything else."""
    targets = project.lint_targets
    if not targets or not targets[0].is_dir() or any(path.is_dir() for path in targets[1:]):
        return None
    if len(targets) > 1 and project.wanted is None:
        return None
    return targets[0]
