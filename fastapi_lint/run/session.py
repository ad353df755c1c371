"""A project kept in memory between checks: what a long-lived client (the flake8 plugin in an
editor, the language server) asks again and again.

A ``ProjectSession`` holds every file's facts (phase 1) and, per configuration, the project's
findings (phase 2). It learns of changes two ways:

- ``refresh()``: the files on disk are looked at again (stat and a walk); those changed, added
  or deleted are read again;
- ``set_text(path, data)``: a file's text is now ``data`` (an editor's unsaved buffer), whatever
  the disk says, until ``set_text(path, None)`` gives it back to the disk.

``diagnostics(config)`` gives the findings of every file, by display path, computed again only
after a change, and then only as far as the change reaches (``check``):

- an edit that changed no fact (a comment, a blank line, a docstring, a re-wrapped call, a
  ``# noqa``: ``relocation.py``), and a file that does not parse before nor after: the last
  findings, with the edited files' positions moved (``carry_over.moved_findings``), as the CLI
  carries a cached run over. The linked project is built only if a client asks for it
  (``Checked.context``). The last few checks are remembered (``HISTORY``), so an edit undone
  is carried over from the check before it;
- any other change: the project phase again, on the facts kept in memory, with what it links
  reused where its inputs did not change (the modules' import-root names, ``roots.py``). When
  the changed files changed only what some functions' bodies do (``_inheritance``: the edit the
  session sees most), with perhaps an import at their top, or a function, method or class
  written or deleted, whose name no answer went through, the new project takes the answers of
  the last linked one it differs least from (``LINKED``) where they still hold: its
  name tables and resolutions (``Project.inherit``), call index, call graph (``inheritance.py``),
  the placing's edges and what each module hands to runners (``scope_kept.py``), or the whole
  placing when the edit wrote or took away only calls into libraries that wait
  (``scope_cutoff.py``), each module's
  shares of the placing (``per_project``), and the blocking calls of the functions the change
  cannot reach (``event_loop.kept_blocking_calls``).

Every answer is the one a fresh full run of the same texts gives (``tests/run/test_incremental.py``
sweeps random edits to check it). Two limits: the session learns of Python files only, so a
dependency pin or lock changed on disk (``analysis/pins.py``) counts from the next project phase
on; and a change of a fact runs every rule over the whole project again (about 0.7 s on polar's
2,000 files, where the first check takes several seconds: ``bench/incremental.py``), unless a
check asks for some files' findings alone (``check(reported=...)``, a one-file run's in the
daemon): the rules that find them file by file then skip the others (``Context.reporting_on``). Name
resolution's answers are those of the facts alone, whatever order they are asked in
(``analysis/cycle_cuts.py``), so parts of a linked project may be kept across a change.
"""

from __future__ import annotations

import gc
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.paths import display_path, real_or_absolute, real_paths
from fastapi_lint.run.checked import Checked as Checked, Run as _Run

if TYPE_CHECKING:
    from fastapi_lint.analysis.context import Context
    from fastapi_lint.analysis.served_files import ServedFiles
    from fastapi_lint.analysis.facts import ModuleSummary
    from fastapi_lint.analysis.inheritance import Changes
    from fastapi_lint.config import Config
    from fastapi_lint.diagnostics import Diagnostic
    from fastapi_lint.discovery import Discovered
    from fastapi_lint.run.relocation import Relocation, ToldApart


@dataclass
class _Inheritance:
    """What a check may take from the last one's linked project (``ProjectSession._inheritance``)."""

    linked: Context  # the last check's
    unchanged: frozenset[str]  # display paths of the modules whose facts are the same objects
    changes: Changes  # what changed in the others


# How many checks of each configuration the session remembers: an edit undone (or a branch, or
# pre-commit's stash, switched back) finds its findings among them without the project phase.
HISTORY = 4
# How many linked projects of each configuration it keeps: an edit made after a change undone (a
# stash popped, carried over from the history) differs from the last link in the undone file
# too, and from the one before only in the edit.
LINKED = 2


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
        # the last answer, the generation it is of and the files whose findings it holds (None: all)
        self._latest: dict[Config, tuple[int, Checked, frozenset[str] | None]] = {}
        # Answers replaced by carried-over ones, freed when a project is next linked: freeing a
        # linked project takes a tenth of a second on a large one, which an edit that changed no
        # fact need not wait for.
        self._replaced: list[Checked] = []
        self._history: dict[Config, list[_Run]] = {}  # the last checks, most recent first (``HISTORY``)
        # the import-root names of the modules (``roots.module_aliases``), with what they were computed from
        self._aliases: tuple[object, dict[str, tuple[str, ...]]] | None = None
        # per configuration, the projects the last checks linked (their contexts, ``LINKED``, most
        # recent first), with the facts and the import-root names each was linked from: the next
        # may take the answers of the one it differs least from (``_inheritance``)
        self._linked: dict[Config, list[tuple[dict[str, ModuleSummary | Diagnostic], object, Context]]] = {}
        self.generation = 0  # counts the changes seen; a client can tell whether to re-ask
        self.discovered: Discovered | None = None  # what the last ``refresh`` found on disk

    def files(self) -> dict[str, Path]:
        """The project's files by display path."""
        return {f.shown: f.path for f in self._files.values()}

    def real_paths(self) -> dict[str, str]:
        """The real path of each file by display path."""
        return {f.shown: real for real, f in self._files.items()}

    def has(self, path: Path) -> bool:
        """Whether ``path`` is one of the project's files (or an overlay of the session's)."""
        return real_or_absolute(path) in self._files

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

        self.discovered = discover([self.root], self.config)
        present = dict(zip(real_paths(self.discovered.files), self.discovered.files))
        changed: list[str] = []
        for real in set(self._files) - set(present):
            if self._files[real].overlaid:
                continue  # an editor's buffer of a file not (or no longer) on disk
            gone = self._files.pop(real)
            changed.append(gone.shown)
        stale: list[str] = []
        for real, path in present.items():
            known = self._files.get(real)
            if known is None:
                self._files[real] = _File(path, display_path(path))
            elif known.overlaid or known.stamp == _stamp(path):
                continue
            stale.append(real)
        changed.extend(self._read(stale))
        # The project phase links a name to the first module that has it: the files keep
        # discovery's order, as a fresh run has them (a file written again takes its place).
        order = [real for real in present if real in self._files] + [real for real in self._files if real not in present]
        if order != list(self._files):
            self._files = {real: self._files[real] for real in order}
            self._changed()
        elif changed:
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
            if known.outcome != outcome:  # the same facts keep their object: a check sees no change
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

    def check(self, config: Config | None = None, reported: frozenset[str] | None = None) -> Checked:
        """The project's findings under ``config`` (the session's by default), by display path:
        the last ones if nothing changed since, else computed as far as the changes reach (this
        module's docstring). ``reported``: the display paths whose findings are asked for (a
        one-file run's); the answer may then lack the others' (``Context.reporting_on``)."""
        config = config or self.config
        latest = self._latest.get(config)
        if latest is not None and latest[0] == self.generation and _covers(latest[2], reported):
            return latest[1]
        outcomes = {f.shown: f.outcome for f in self._files.values() if f.outcome is not None}
        for run in self._history.get(config, []):
            carried = self._carried_over(run, outcomes, config, reported)
            if carried is not None:
                return carried
        dropped = self._latest.pop(config, None)
        if dropped is not None and dropped[1].linked:
            self._replaced.append(dropped[1])
        self._free()  # the linked projects no answer holds are freed before the next is built
        was_enabled = gc.isenabled()
        gc.disable()  # millions of acyclic facts: see ``extract.no_cycle_collection``
        try:
            return self._check_all(outcomes, config, reported)
        finally:
            if was_enabled:
                gc.enable()

    def _check_all(self, outcomes: dict[str, ModuleSummary | Diagnostic], config: Config,
                   reported: frozenset[str] | None) -> Checked:
        """The project phase over every file's facts (the findings of ``reported``'s files, or of all)."""
        from fastapi_lint.run.environment import catalog_for
        from fastapi_lint.analysis.context import project_context
        from fastapi_lint.analysis.facts import ModuleSummary
        from fastapi_lint.analysis.noqa_directives import NOQA_AUDIT
        from fastapi_lint.config import selected_codes, source_roots
        from fastapi_lint.diagnostics import Diagnostic
        from fastapi_lint.run.check import check_context
        from fastapi_lint.run.pipeline import scope_parse_errors

        summaries = [o for o in outcomes.values() if isinstance(o, ModuleSummary)]
        shown = self.files()
        src = source_roots(config)
        catalog = catalog_for(config)
        aliases = self._module_aliases(summaries, shown, src)
        inherit = self._inheritance(config, outcomes, aliases)
        if inherit is None:
            self._linked.pop(config, None)  # freed before the next is built, if no client holds it
            context = project_context(summaries, catalog, shown, src, aliases)
        else:
            context = project_context(summaries, catalog, shown, src, aliases, (inherit.linked, inherit.unchanged, inherit.changes))
        del inherit
        self._linked[config] = [(outcomes, aliases, context), *self._linked.get(config, [])][:LINKED]
        phase2 = check_context(context, summaries, config, shown, reported=reported)
        context.end_inheritance()
        carry = not phase2.internal_errors and NOQA_AUDIT not in selected_codes(config)
        errors = [o for o in outcomes.values() if isinstance(o, Diagnostic)]
        served = scope_parse_errors(phase2, errors, config)
        checked = Checked(self._by_path(outcomes, config, phase2.diagnostics, served), phase2.context,
                          phase2.internal_errors, out_of_scope=phase2.out_of_scope, has_app=phase2.has_app)
        self._remember(config, checked, _Run(outcomes, tuple(phase2.findings) if carry else None, served,
                                             phase2.out_of_scope, phase2.has_app, reported))
        return checked

    def _inheritance(self, config: Config, outcomes: dict[str, ModuleSummary | Diagnostic],
                     aliases: object) -> _Inheritance | None:
        """What the next check of ``config``, of ``outcomes``, may take from the last one's linked
        project: the same files in the same order, with the same import-root names, each changed
        file changed only in what the bodies of its functions do (``relocation.same_for_resolution``):
        the edit of a function's calls the session sees most; or besides, in module-level imports,
        functions, methods and classes through whose names no answer went (``_told_apart_unread``).
        None: it links afresh."""
        from fastapi_lint.analysis.facts import ModuleSummary
        from fastapi_lint.analysis.inheritance import Apart, Changes
        from fastapi_lint.analysis.fastapi_model import METHODS_BY_NAME, imports_fastapi, may_register
        from fastapi_lint.run.relocation import (calls_apart, changed_functions, registers_nothing, same_calls_where,
                                                 same_for_resolution)

        alike = [linked for linked in self._linked.get(config, []) if linked[1] is aliases and list(linked[0]) == list(outcomes)]
        if not alike:
            return None
        # the one whose facts differ in the fewest files (a file read again as it was is equal)
        before, _, context = min(alike, key=lambda linked: sum(
            outcome is not (old := linked[0][display]) and outcome != old for display, outcome in outcomes.items()))
        unchanged: set[str] = set()
        changed: set[str] = set()
        functions: set[str] = set()
        defined: set[str] = set()
        names: set[str] = set()
        registrations_alike = True  # what the FastAPI model reads of bodies: ``analysis/model_kept.py``
        apart: Apart | None = Apart()  # what alone may tell the placings apart: ``analysis/scope_cutoff.py``
        for display, outcome in outcomes.items():
            old = before[display]
            if outcome is old:
                unchanged.add(display)
                continue
            if not isinstance(old, ModuleSummary) or not isinstance(outcome, ModuleSummary):
                return None
            reshaped: frozenset[str] = frozenset()
            told = None
            if not same_for_resolution(old, outcome):
                told = _told_apart_unread(context, old, outcome)
                if told is None:
                    return None
                reshaped = told.added | told.removed
                registrations_alike = registrations_alike and registers_nothing(old, outcome, told, may_register,
                                                                                imports_fastapi, METHODS_BY_NAME)
            changed.add(display)
            found = calls_apart(old, outcome, told) if apart is not None else None
            apart = None if found is None or apart is None else apart.joined(found)
            edited = changed_functions(old, outcome)
            registrations_alike = registrations_alike and same_calls_where(old, outcome, edited, may_register)
            functions |= edited
            defined |= reshaped
            edited |= reshaped
            names.update(site.text.rpartition(".")[2] for summary in (old, outcome) for function in summary.functions
                         if function.path in edited for site in function.calls)
            names.update(site.text.rpartition(".")[2] for summary in (old, outcome) for site in summary.module_calls)
        return _Inheritance(context, frozenset(unchanged),
                            Changes(frozenset(changed), frozenset(functions), frozenset(names), frozenset(defined),
                                    registrations_alike, apart))

    def _remember(self, config: Config, checked: Checked, run: _Run) -> None:
        """``checked`` is the answer for ``config`` now; ``run`` joins the history, first."""
        replaced = self._latest.get(config)
        if replaced is not None and replaced[1] is not checked and replaced[1].linked:
            self._replaced.append(replaced[1])
        self._latest[config] = (self.generation, checked, run.reported)
        history = [old for old in self._history.get(config, [])
                   if not (_same(old.outcomes, run.outcomes) and _covers(run.reported, old.reported))]
        self._history[config] = [run, *history][:HISTORY]

    def _carried_over(self, run: _Run, outcomes: dict[str, ModuleSummary | Diagnostic], config: Config,
                      reported: frozenset[str] | None) -> Checked | None:
        """The findings of ``run``, when no file changed a fact the project phase reads since
        it (each edited file's facts moved, or a file that did not parse then and does not now)
        and it holds those of ``reported``'s files. None: the changes reach further."""
        from fastapi_lint.analysis.facts import ModuleSummary
        from fastapi_lint.run.carry_over import moved_findings
        from fastapi_lint.run.relocation import relocation

        if run.findings is None or not _covers(run.reported, reported) or list(outcomes) != list(run.outcomes):
            return None  # a file came or went, or the order changed (which module a name links to may change)
        moved: dict[str, tuple[Relocation, ModuleSummary]] = {}
        for display, outcome in outcomes.items():
            before = run.outcomes[display]
            if outcome is before:
                continue
            if isinstance(before, ModuleSummary) and isinstance(outcome, ModuleSummary):
                found = relocation(before, outcome)
                if found is None:
                    return None
                moved[display] = (found, outcome)
            elif isinstance(before, ModuleSummary) or isinstance(outcome, ModuleSummary):
                return None  # a file stopped or started parsing
        findings = moved_findings(run.findings, moved)
        if findings is None:
            return None
        summaries = [o for o in outcomes.values() if isinstance(o, ModuleSummary)]
        shown = self.files()

        def link() -> Context:
            from fastapi_lint.run.environment import catalog_for

            self._free()
            from fastapi_lint.analysis.context import project_context
            from fastapi_lint.config import source_roots

            src = source_roots(config)
            catalog = catalog_for(config)
            return project_context(summaries, catalog, shown, src, self._module_aliases(summaries, shown, src))

        # The facts moved but say the same: what the app imports is what it was.
        checked = Checked(self._by_path(outcomes, config, [d for d, silenced in findings if not silenced], run.served),
                          None, link=link, out_of_scope=run.out_of_scope, has_app=run.has_app)
        self._remember(config, checked, _Run(outcomes, tuple(findings), run.served, run.out_of_scope, run.has_app,
                                             run.reported))
        return checked

    def _free(self) -> None:
        """Release the answers the session replaced (``Checked.release``): their linked projects
        are freed as soon as no client holds them."""
        replaced, self._replaced = self._replaced, []
        for checked in replaced:
            checked.release()

    def _by_path(self, outcomes: dict[str, ModuleSummary | Diagnostic], config: Config,
                 found: list[Diagnostic], served: ServedFiles | None) -> dict[str, list[Diagnostic]]:
        """The rules' findings ``found`` and the parse errors of ``outcomes`` that ``config`` selects, by display path."""
        from fastapi_lint.diagnostics import Diagnostic
        from fastapi_lint.run.pipeline import selected_parse_errors

        errors = [o for o in outcomes.values() if isinstance(o, Diagnostic)]
        by_path: dict[str, list[Diagnostic]] = {}
        for d in [*selected_parse_errors(errors, config, self.files(), served), *found]:
            by_path.setdefault(d.path, []).append(d)
        for found_here in by_path.values():
            found_here.sort(key=Diagnostic.sort_key)
        return by_path

    def _module_aliases(self, summaries: list[ModuleSummary], shown: dict[str, Path],
                        src: tuple[Path, ...]) -> dict[str, tuple[str, ...]]:
        """``roots.module_aliases`` of the project, computed again only when what it reads changed:
        the modules' paths, names, package flags and ``sys.path`` folders, their files, the
        configured roots."""
        from fastapi_lint.analysis.roots import module_aliases

        files = {summary.path: shown.get(summary.path) or Path(summary.path) for summary in summaries}
        key = (src, tuple((summary.path, summary.module, summary.is_package, summary.sys_path_folders, files[summary.path])
                          for summary in summaries))
        if self._aliases is None or self._aliases[0] != key:
            self._aliases = (key, module_aliases(summaries, files, src))
        return self._aliases[1]

    def diagnostics(self, config: Config | None = None) -> dict[str, list[Diagnostic]]:
        """Every file's findings by display path (files with none are left out)."""
        return self.check(config).by_path

    def _changed(self) -> None:
        self.generation += 1


def _told_apart_unread(context: Context, old: ModuleSummary, new: ModuleSummary) -> ToldApart | None:
    """What tells ``new`` apart from ``old`` for name resolution (``relocation.told_apart``: an
    import added above a call or taken away, a function, a method or a class written or deleted),
    when no answer of the project ``context`` linked went through the names it binds or unbinds."""
    from fastapi_lint.analysis.inheritance import names_unread
    from fastapi_lint.run.relocation import told_apart

    told = told_apart(old, new)
    if told is None:
        return None
    defined = frozenset(path.rpartition(".")[2] for path in told.functions | told.classes)
    removed = told.removed | (told.classes & {klass.path for klass in old.classes})
    if not names_unread(context.project, vars(context).get("callgraph"), old, told.names | defined, told.methods, removed):
        return None
    return told


def _covers(held: frozenset[str] | None, asked: frozenset[str] | None) -> bool:
    """Whether an answer with the findings of ``held``'s files (None: all) holds those ``asked`` for."""
    return held is None or (asked is not None and asked <= held)


def _same(one: dict[str, ModuleSummary | Diagnostic], other: dict[str, ModuleSummary | Diagnostic]) -> bool:
    """Whether two checks saw the very same facts, file by file, in the same order."""
    return list(one) == list(other) and all(outcome is other[shown] for shown, outcome in one.items())


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
