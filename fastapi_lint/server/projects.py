"""The projects an editor has files open in, each a ``ProjectSession``, and the findings of its
open files. No protocol here: ``app.py`` calls these methods from one worker thread, one at a
time, so a session is never used by two threads at once.

A file belongs to the project the CLI would lint it with (``paths.project_root``: the
configuration's folder when the file is under it, else its top package folder, else the nearest
folder with a pyproject.toml, setup.cfg, setup.py or .git); a file in none of these is a project
of its own, checked alone, as the flake8 plugin does. Projects are keyed by that folder and by
the ``pyproject.toml`` that configures them, so two configurations in one workspace (a monorepo)
are two projects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.config import Config, ConfigError, find_pyproject, load
from fastapi_lint.paths import display_path, project_root, real_or_absolute
from fastapi_lint.api.collection import keep_out_of_collection

if TYPE_CHECKING:
    from fastapi_lint.api import Checked, ProjectSession, RouteRow
    from fastapi_lint.diagnostics import Diagnostic


@dataclass
class Project:
    root: Path
    config: Config
    config_file: Path | None
    session: ProjectSession
    problem: str | None = None  # the configuration could not be read: the defaults are used, and this says why
    checked: Checked | None = None  # the last check asked for
    generation: int = -1  # the session's generation ``checked`` was computed at
    routes: tuple[Checked, dict[tuple[str, int], list[RouteRow]]] | None = None  # the route map of a check, by place (hover)

    def check(self, reported: frozenset[str] | None = None) -> Checked:
        """The session's check, of the files ``reported`` names (the open ones: the rules that find
        what they report file by file look nowhere else, ``Context.reporting_on``) or of all. The
        session answers again with its last check while nothing changed and it holds those files."""
        self.checked = self.session.check(self.config, reported)
        self.generation = self.session.generation
        return self.checked

    def shown(self, path: Path) -> str:
        """``path`` as the session names it (its display path; a linked file under the name it was found by)."""
        shown = display_path(path)
        files = self.session.files()
        if shown in files:
            return shown
        real = real_or_absolute(path)
        return next((name for name, found in files.items() if real_or_absolute(found) == real), shown)


@dataclass(frozen=True)
class Findings:
    """An open file's findings, with what is needed to show them."""

    path: Path
    shown: str
    diagnostics: tuple[Diagnostic, ...]
    text: str  # the text they are of (the editor's)
    files: dict[str, Path] = field(hash=False, compare=False)  # the project's files by display path (a chain's hops)


@dataclass
class _Open:
    path: Path
    key: tuple[str, str]  # its project's
    text: str  # the editor's
    parsed: bytes | None = None  # the last of its texts that parsed: what the project is linked with meanwhile
    broken: Diagnostic | None = None  # why ``text`` does not parse, while it does not
    excluded: bool = False  # ``force-exclude`` leaves it out, as the command line would: nothing is shown


class Projects:
    def __init__(self, cache: bool = True) -> None:
        self.cache = cache  # read and refresh the CLI's cache, where a project has one
        self.projects: dict[tuple[str, str], Project] = {}
        self.open: dict[str, _Open] = {}  # real path -> the open file
        self.problems: list[str] = []  # to tell the user once (a broken configuration)

    # -- which project --------------------------------------------------------------------

    def _locate(self, path: Path) -> tuple[tuple[str, str], Path, Config, Path | None, str | None]:
        config_file = find_pyproject([path])
        problem = None
        try:
            config = load(config_file)
        except ConfigError as error:
            config, problem = Config(), f"{error}; fastapi-lint uses its defaults until it is fixed"
        root = project_root(path, config.root) or path  # a stray file: a project of its own
        return (real_or_absolute(root), real_or_absolute(config_file) if config_file else ""), root, config, config_file, problem

    def project_for(self, path: Path) -> tuple[tuple[str, str], Project]:
        key, root, config, config_file, problem = self._locate(path)
        project = self.projects.get(key)
        if project is None or project.config != config:
            project = self.projects[key] = self._new(root, config, config_file, problem)
            self._overlay(key, project)
        elif not any(known.key == key for known in self.open.values()):
            project.session.refresh()  # kept while none of its files was open, and not looked after meanwhile
        return key, project

    def _new(self, root: Path, config: Config, config_file: Path | None, problem: str | None) -> Project:
        from fastapi_lint.api import ProjectSession, default_cache_dir

        cache_dir = default_cache_dir(config) if self.cache else None
        # The CLI's cache when the project has one; the server never makes one of its own.
        usable = cache_dir if cache_dir is not None and cache_dir.is_dir() else None
        session = ProjectSession(root, config, usable, jobs=1)
        session.refresh()
        keep_out_of_collection()
        if problem is not None:
            self.problems.append(problem)
        return Project(root, config, config_file, session, problem)

    def _overlay(self, key: tuple[str, str], project: Project) -> None:
        """Give a new session the editor's texts of the open files that belong to it."""
        for known in self.open.values():
            if known.key == key and not known.excluded:
                _give(project, known)

    # -- what changed ----------------------------------------------------------------------

    def set_text(self, path: Path, text: str | None) -> None:
        """An open file's text is now ``text``; None: the file was closed (the disk's again)."""
        real = real_or_absolute(path)
        if text is None:
            known = self.open.pop(real, None)
            if known is not None and known.key in self.projects and not known.excluded:
                self.projects[known.key].session.set_text(path, None)
            return
        known = self.open.get(real)
        if known is not None and known.key in self.projects:
            known.text = text
            project = self.projects[known.key]
        else:
            from fastapi_lint.api import force_excluded

            key, project = self.project_for(path)
            known = self.open[real] = _Open(path, key, text, excluded=bool(force_excluded([path], project.config)))
        if not known.excluded:
            _give(project, known)

    def refresh(self) -> None:
        """Look at the disk again: a configuration changed (then ``reload``), and the files
        changed, added or deleted in every project with an open file (one whose files were all
        closed is kept in memory, and looked at again when one is opened)."""
        if self._configurations_changed():
            self.reload()
        keys = {known.key for known in self.open.values()}
        for key, project in self.projects.items():
            if key in keys:
                project.session.refresh()

    def _configurations_changed(self) -> bool:
        """Whether an open file's project would be another now, or configured otherwise (a
        client that watches no file tells nothing of an edited ``pyproject.toml``)."""
        for known in self.open.values():
            key, _, config, _, _ = self._locate(known.path)
            project = self.projects.get(key)
            if key != known.key or project is None or project.config != config:
                return True
        return False

    def reload(self) -> None:
        """A configuration may have changed: each open file's project is found again, and a
        project whose configuration or folder changed starts over (given its open files'
        texts); a project no open file belongs to any more is let go."""
        from fastapi_lint.api import force_excluded

        old, self.projects = self.projects, {}
        fresh = []
        for known in self.open.values():
            key, root, config, config_file, problem = self._locate(known.path)
            known.key = key
            known.excluded = bool(force_excluded([known.path], config))
            if key in self.projects:
                continue
            kept = old.get(key)
            if kept is not None and kept.config == config and kept.root == root:
                self.projects[key] = kept  # unchanged: its facts are kept
            else:
                self.projects[key] = self._new(root, config, config_file, problem)
                fresh.append(key)
        for key in fresh:
            self._overlay(key, self.projects[key])

    # -- what to show ----------------------------------------------------------------------

    def findings(self) -> dict[str, Findings]:
        """Every open file's findings, by real path."""
        found: dict[str, Findings] = {}
        checked: dict[tuple[str, str], Checked] = {}
        for real, known in self.open.items():
            project = self.projects.get(known.key)
            if project is None:
                continue
            if known.key not in checked:
                checked[known.key] = project.check(self.open_in(project))
            shown = project.shown(known.path)
            if known.excluded:
                diagnostics: tuple[Diagnostic, ...] = ()
            elif known.broken is not None:  # the findings are of its last text that parsed: only say why this one does not
                from fastapi_lint.api import shown_parse_errors

                files = project.session.files()
                diagnostics = tuple(shown_parse_errors([known.broken], project.config, files))
            else:
                diagnostics = tuple(checked[known.key].by_path.get(shown, ()))
            found[real] = Findings(known.path, shown, diagnostics, known.text, project.session.files())
        return found

    def checks(self) -> dict[tuple[str, str], tuple[int, int]]:
        """Which check each project's findings come from (the project, and its session's
        generation then): what changes when a project is checked again."""
        return {key: (id(project), project.generation) for key, project in self.projects.items()}

    def text_of(self, path: Path) -> str | None:
        """The text the findings of the open file ``path`` are of; None: not open, or its text
        does not parse (its findings are of an earlier text)."""
        known = self.open.get(real_or_absolute(path))
        return known.text if known is not None and known.broken is None else None

    def open_in(self, project: Project) -> frozenset[str]:
        """The display paths of the open files of ``project``: those whose findings are shown."""
        return frozenset(project.shown(known.path) for known in self.open.values() if self.projects.get(known.key) is project)

    def of(self, path: Path) -> tuple[Project, str] | None:
        """The project of the open file ``path``, and the file's display path in it."""
        known = self.open.get(real_or_absolute(path))
        if known is None or known.key not in self.projects:
            return None
        project = self.projects[known.key]
        return project, project.shown(path)


def _give(project: Project, known: _Open) -> None:
    """The session gets the editor's text of ``known``; a text that does not parse (an edit half
    made) is shown as such, but the project stays linked with the file's last text that parsed,
    so that the findings of the other open files do not come and go as one types."""
    from fastapi_lint.diagnostics import Diagnostic
    from fastapi_lint.source import encode_as_file

    data = encode_as_file(known.text)
    project.session.set_text(known.path, data)
    outcome = project.session.summary(known.path)
    if isinstance(outcome, Diagnostic) and known.parsed is not None:
        known.broken = outcome
        project.session.set_text(known.path, known.parsed)
    else:
        known.parsed, known.broken = data, None
