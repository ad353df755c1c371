"""A lint run, top to bottom: read this module first.

One run of ``api.lint_paths`` is six steps, each a function here over explicit state, so that a
caller that keeps state between runs (an editor's incremental engine) can take them one by one:

1. ``discover_files``: the files to lint, each with the path it is reported by (``discovery.py``).
2. ``key_files``: each file's cache key, trusted unread from its stamp where the last run's look
   allows, and the stamps to keep for the next run (``extract.file_keys``). No cache, no keys.
3. ``try_carry_over``: when the last cached run's findings still hold (no file changed a fact: none
   changed, or only comments, blank lines, line breaks), they are moved to where the edits put
   them and the run ends here (``carry_over.py``, ``relocation.py``). In a large project with a
   few small edits, a forked child runs ``rule_runner.SPLIT_OFF`` meanwhile
   (``rule_runner.split_rules``), in case the findings cannot be carried over.
4. extract (``extract.summarize_all``): phase 1, each file's facts from the cache, else
   parsed (in a pool of processes when there are many: ``extract.py``, ``analysis/extract/``).
5. check (``check.check_project``): phase 2, the project linked, the selected rules run by a
   ``rule_runner.RuleRunner`` (some in the split child), fixes attached, suppressions and the
   scope applied (``check.py``); a file that does not parse is reported (FAS900) where it is
   selected (``selected_parse_errors``).
6. ``remember``: the findings kept in the cache, for the next run to carry over
   (``carry_over.remember``); never after a rule failed.

``lint`` runs them in that order and returns a ``LintResult``. The processes a run starts (the
pool, the split child) and the garbage collector are ``processes.py``'s and ``extract.py``'s;
``api.lint_paths`` wraps the run in both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.analysis.noqa_directives import NOQA_AUDIT
from fastapi_lint.config import Config, find_pyproject, load, selected_codes
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.discovery import Discovered, discover
from fastapi_lint.paths import display_path
from fastapi_lint.run.check import check_project, served_by_the_app
from fastapi_lint.run.rule_runner import RuleRunner

if TYPE_CHECKING:
    from fastapi_lint.analysis.context import Context
    from fastapi_lint.analysis.served_files import ServedFiles
    from fastapi_lint.run.cache import Cache, Stamps
    from fastapi_lint.run.carry_over import Attempt
    from fastapi_lint.run.check import CheckResult
    from fastapi_lint.run.rule_runner import SplitChild


@dataclass
class LintResult:
    diagnostics: list[Diagnostic]
    files: int
    seconds: float
    missing: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    # seconds per phase ("summaries", "project"), for --statistics
    timings: dict[str, float] = field(default_factory=dict)
    context: Context | None = None
    parsed: int = 0  # files parsed in this run
    cached: int = 0  # files whose facts came from the cache
    workers: int = 1
    lines: int = 0
    carried_over: bool = False  # the last run's findings, brought up to date (carry_over.py)
    # findings the scope left out (``--scope all`` shows them), by display path
    left_out: dict[str, int] = field(default_factory=dict)
    has_app: bool = True  # whether the project has a FastAPI app (a library has none)
    paths: list[str] = field(default_factory=list)  # the files linted, as reported
    baselined: int = 0  # findings a baseline hid (``apply_baseline``)
    notes: list[str] = field(default_factory=list)  # what the run could not read and did without (ignore files)

    @property
    def out_of_scope(self) -> int:
        """How many findings the scope left out of the files reported on."""
        return sum(self.left_out.values())


@dataclass
class Files:
    """The files of a run: each with the path it is reported by, in discovery's order."""

    found: Discovered
    files: list[tuple[Path, str]]  # (path, display path)
    shown: dict[str, Path]  # display path -> path


@dataclass
class Keys:
    """What the cache knows of a run's files (step 2): each file's key (None: unreadable), the
    stamps to keep for the next run, and what the findings depend on besides the facts."""

    cache: Cache
    keys: list[str | None]
    stamps: Stamps
    inputs: str


def lint(
    paths: Sequence[Path],
    config: Config | None,
    debug: bool,
    cache_dir: Path | None,
    jobs: int | None,
    on_progress: Callable[[int], None] | None,
    on_discovered: Callable[[int], None] | None,
    facts: bool,
    follow_links: bool,
) -> LintResult:
    """The run: the six steps of this module's docstring (``api.lint_paths`` documents the arguments)."""
    started = time.perf_counter()
    if config is None:
        config = load(find_pyproject(paths))
    files = discover_files(paths, config, follow_links)
    if on_discovered is not None:
        on_discovered(len(files.files))
    keyed = key_files(files, cache_dir, config)
    known: dict[str, ModuleSummary | Diagnostic] = {}
    parsed: dict[str, ModuleSummary | Diagnostic] = {}
    runner = RuleRunner(debug)
    if keyed is not None and not facts:
        split: list[SplitChild] = []
        attempt = try_carry_over(files, keyed, config, debug, jobs, split)
        if attempt.diagnostics is not None:
            for split_child in split:
                split_child.child.cancel()
            if on_progress is not None:
                on_progress(len(files.files))
            return carried_over(files, attempt, started)
        parsed = attempt.parsed  # parsed (or read) while trying: phase 1 takes them as they are
        known = {**attempt.read, **parsed}
        for split_child in split:  # a few files edited, the rest in the cache: the edit loop
            runner = split_child.runner(debug)
    from fastapi_lint.run.extract import summarize_all

    outcomes, stats = summarize_all(files.files, keyed.cache if keyed else None, jobs, on_progress,
                                    keyed.keys if keyed else None, known)
    summaries = [o for o in outcomes if isinstance(o, ModuleSummary)]
    diagnostics = [o for o in outcomes if isinstance(o, Diagnostic)]
    summarized = time.perf_counter()
    phase2 = check_project(summaries, config, files.shown, runner)
    served = scope_parse_errors(phase2, diagnostics, config)
    parse_errors = selected_parse_errors(diagnostics, config, files.shown, served)
    all_diagnostics = sorted([*parse_errors, *phase2.diagnostics], key=Diagnostic.sort_key)
    if keyed is not None and not phase2.internal_errors:
        remember(files, keyed, parse_errors, phase2)
    finished = time.perf_counter()
    return LintResult(
        diagnostics=all_diagnostics,
        files=len(files.found.files),
        seconds=finished - started,
        missing=files.found.missing,
        skipped=files.found.skipped,
        internal_errors=phase2.internal_errors,
        timings={"summaries": summarized - started, "project": finished - summarized},
        context=phase2.context,
        parsed=stats.parsed + len(parsed),
        cached=stats.cached - len(parsed),
        workers=stats.workers,
        lines=stats.lines,
        left_out=phase2.out_of_scope,
        has_app=phase2.has_app,
        paths=list(files.shown),
        notes=files.found.notes,
    )


def discover_files(paths: Sequence[Path], config: Config, follow_links: bool) -> Files:
    """Step 1: the files to lint, with their display paths (``discovery.discover``)."""
    found = discover(list(paths), config, follow_links)
    shown: dict[str, Path] = {}
    files: list[tuple[Path, str]] = []
    for path in found.files:
        display = display_path(path)
        shown[display] = path
        files.append((path, display))
    return Files(found, files, shown)


def key_files(files: Files, cache_dir: Path | None, config: Config) -> Keys | None:
    """Step 2: the files' cache keys and stamps, against the cache at ``cache_dir`` (None: no cache)."""
    if cache_dir is None:
        return None
    from fastapi_lint.run.cache import Cache
    from fastapi_lint.run.extract import file_keys

    cache = Cache(cache_dir)
    keys, stamps = file_keys(files.files, cache.last_run())
    return Keys(cache, keys, stamps, run_inputs(config, files.shown))


def try_carry_over(
    files: Files,
    keyed: Keys,
    config: Config,
    debug: bool,
    jobs: int | None,
    split: list[SplitChild],
) -> Attempt:
    """Step 3: the last run's findings carried over, if they still hold (``Attempt.diagnostics``),
    and what was parsed or read while trying. A split child started meanwhile joins ``split``."""
    from fastapi_lint.run.carry_over import carry_over
    from fastapi_lint.run.rule_runner import split_rules

    def start_split() -> None:
        started = split_rules(files.files, keyed.cache, keyed.keys, config, debug, jobs)
        if started is not None:
            split.append(started)

    # FAS901 judges ``# noqa`` comments, which an edit carried over treats as no fact.
    return carry_over(keyed.cache, files.files, keyed.keys, keyed.inputs, keyed.stamps, jobs, on_small_edit=start_split,
                      comments_are_facts=NOQA_AUDIT in selected_codes(config))


def carried_over(files: Files, attempt: Attempt, started: float) -> LintResult:
    """The result of a run that ended at step 3."""
    assert attempt.diagnostics is not None
    return LintResult(
        diagnostics=attempt.diagnostics,
        files=len(files.found.files),
        seconds=time.perf_counter() - started,
        missing=files.found.missing,
        skipped=files.found.skipped,
        parsed=len(attempt.parsed),
        cached=len(files.files) - len(attempt.parsed),
        carried_over=True,
        left_out=attempt.out_of_scope,
        has_app=attempt.has_app,
        paths=list(files.shown),
        notes=files.found.notes,
    )


def scope_parse_errors(phase2: CheckResult, diagnostics: list[Diagnostic], config: Config) -> ServedFiles | None:
    """What the app's code imports (``check.served_by_the_app``), once the rules ran; the parse
    errors the scope leaves out because of it (``parse_errors_out_of_scope``) counted with the
    findings it left out (``CheckResult.out_of_scope``): step 5's, and a session's check's."""
    served = served_by_the_app(phase2, diagnostics, config)
    for diagnostic in parse_errors_out_of_scope(diagnostics, config, served):
        phase2.out_of_scope[diagnostic.path] = phase2.out_of_scope.get(diagnostic.path, 0) + 1
    return served


def selected_parse_errors(diagnostics: list[Diagnostic], config: Config, shown: dict[str, Path],
                          served: ServedFiles | None = None) -> list[Diagnostic]:
    """Step 5's report of the files that do not parse: their FAS900, where it is selected, not
    ignored for the file, and in the scope (``parse_errors_out_of_scope``)."""
    out = parse_errors_out_of_scope(diagnostics, config, served)
    parse_errors = [d for d in diagnostics if d.code in selected_codes(config) and d not in out]
    if config.per_file_ignores:
        from fastapi_lint.config import ignored_for_file

        parse_errors = [d for d in parse_errors if d.code not in ignored_for_file(config, shown.get(d.path, Path(d.path)))]
    if parse_errors:
        from fastapi_lint.analysis.project_python import with_project_python

        parse_errors = with_project_python(parse_errors, shown)
    return parse_errors


# What CPython 3 says of Python 2 syntax: a print or exec statement, an octal literal ``0777``,
# ``except A, e``. No Python 3 service imports such a file (a vendored grammar's examples, an old script).
_PYTHON2_SYNTAX = ("Missing parentheses in call to 'print'", "Missing parentheses in call to 'exec'",
                   "leading zeros in decimal integer literals", "multiple exception types must be parenthesized")


def parse_errors_out_of_scope(diagnostics: list[Diagnostic], config: Config,
                              served: ServedFiles | None = None) -> list[Diagnostic]:
    """The parse errors the default scope leaves out, as it leaves out every finding there: in test
    code (a test's or a grammar's fixture written not to parse), in files of Python 2 syntax, in
    Git LFS pointers checked out in place of a file, in a generator's Jinja templates, and in files the app's code does not import
    (``served``, from the project phase; None: every file may be the app's)."""
    if config.scope == "all":
        return []
    from fastapi_lint.analysis.extract.parse import LFS_POINTER_MESSAGE, PARSE_ERROR_CODE, TEMPLATE_MESSAGE
    from fastapi_lint.analysis.test_code import is_test_path

    if PARSE_ERROR_CODE not in selected_codes(config):
        return []
    # A Git LFS pointer left in place of a file (a model's code kept with its weights) is no code at all.
    return [d for d in diagnostics if d.code == PARSE_ERROR_CODE and (
        is_test_path(PurePath(d.path).parts) or d.message == LFS_POINTER_MESSAGE
        or d.message.startswith(TEMPLATE_MESSAGE)
        or any(marker in d.message for marker in _PYTHON2_SYNTAX)
        or (served is not None and not served.holds(d.path)))]


def remember(files: Files, keyed: Keys, parse_errors: list[Diagnostic], phase2: CheckResult) -> None:
    """Step 6: this run's findings, silenced ones included, kept for the next run to carry over."""
    from fastapi_lint.run.carry_over import remember as keep

    findings = sorted([*((d, False) for d in parse_errors), *phase2.findings], key=lambda f: f[0].sort_key())
    keep(keyed.cache, files.files, keyed.keys, keyed.inputs, keyed.stamps, findings, phase2.out_of_scope, phase2.has_app)


def run_inputs(config: Config, shown: dict[str, Path]) -> str:
    """What a run's findings depend on besides the files' facts and the linter: the
    configuration, the project's dependency pins (a rule may hold for one version of a library
    and not another), its deployment files (which apps are served) and its environment's
    installed packages. The carry-over of the
    last run's findings compares it."""
    from fastapi_lint.analysis import deployments, pins
    from fastapi_lint.run.environment import fingerprint

    return (f"{config!r}\npins {pins.fingerprint(pins.Pins(shown))}"
            f"\ndeployments {deployments.fingerprint(deployments.Deployments(shown))}"
            f"\nenvironment {fingerprint(config)}")
