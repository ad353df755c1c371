"""The entry points the CLI, the flake8 plugin and the tests call."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.config import Config, find_pyproject, load, nearest_pyprojects
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.discovery import discover
from fastapi_lint.analysis.extract import summarize_file
from fastapi_lint.run.check import check_project
from fastapi_lint.paths import display_path, project_root, real_or_absolute
from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.analysis.noqa_directives import NOQA_AUDIT as NOQA_AUDIT  # the code the CLI and flake8 treat apart

if TYPE_CHECKING:
    from fastapi_lint.analysis.route_map import RouteRow
    from fastapi_lint.run.cache import Cache
    from fastapi_lint.run.processes import Forked
    from fastapi_lint.run.check import Answers
    from fastapi_lint.analysis.context import Context


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
    out_of_scope: int = 0  # findings the scope left out (``--scope all`` shows them)
    has_app: bool = True  # whether the project has a FastAPI app (a library has none)
    paths: list[str] = field(default_factory=list)  # the files linted, as reported
    baselined: int = 0  # findings a baseline hid (``apply_baseline``)


# A project of this many files spends long enough in its rules to be worth a second process.
SPLIT_RULES_FILES = 300


def load_config(paths: Sequence[Path], config_file: Path | None = None) -> Config:
    return load(config_file if config_file is not None else find_pyproject(paths))


def config_groups(paths: Sequence[Path], config_file: Path | None = None) -> list[tuple[Config, list[Path]]]:
    """The paths grouped by the configuration each belongs to (``config_file`` applies to all),
    in an order that does not depend on the paths': by the configuration files' real paths,
    the paths under no configuration last. Each group is a project of its own."""
    if config_file is not None:
        return [(load(config_file), list(paths))]
    groups: dict[str, tuple[Path | None, list[Path]]] = {}
    for path, source in zip(paths, nearest_pyprojects(paths)):
        key = os.path.realpath(source) if source is not None else ""
        groups.setdefault(key, (source, []))[1].append(path)
    in_order = sorted(groups.items(), key=lambda item: (not item[0], item[0]))
    return [(load(source), members) for _, (source, members) in in_order]


def lint_paths(
    paths: Sequence[Path],
    config: Config | None = None,
    debug: bool = False,
    cache_dir: Path | None = None,
    jobs: int | None = 1,
    on_progress: Callable[[int], None] | None = None,
    on_discovered: Callable[[int], None] | None = None,
    facts: bool = True,
    follow_links: bool = True,
) -> LintResult:
    """Lint files and folders as one project.

    ``cache_dir``: where phase-1 results are kept between runs (None: no cache).
    ``jobs``: worker processes for phase 1 (None: one per core; 1: in process).
    ``facts``: whether the caller needs ``LintResult.context`` (fixes, the route map,
    statistics). Without it, a run whose files changed no fact since the last cached
    run (none, or only comments, blank lines, line breaks) carries that run's findings
    over without reading the other files' facts (``carry_over.py``).
    ``follow_links``: whether folder walks follow links to folders inside the folders given
    (never outside them); a run that writes files follows none (``discovery.discover``).
    """
    from fastapi_lint.run.processes import stopping_children
    from fastapi_lint.run.extract import no_cycle_collection

    with no_cycle_collection(), stopping_children():
        return _lint_paths(paths, config, debug, cache_dir, jobs, on_progress, on_discovered, facts, follow_links)


def _lint_paths(
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
    from fastapi_lint.run.cache import Cache
    from fastapi_lint.run.extract import file_keys, summarize_all

    started = time.perf_counter()
    if config is None:
        config = load_config(paths)
    found = discover(list(paths), config, follow_links)
    if on_discovered is not None:
        on_discovered(len(found.files))
    shown: dict[str, Path] = {}
    files: list[tuple[Path, str]] = []
    for path in found.files:
        display = display_path(path)
        shown[display] = path
        files.append((path, display))
    cache = Cache(cache_dir) if cache_dir is not None else None
    keys, stamps = file_keys(files, cache.last_run()) if cache is not None else (None, None)
    inputs = _run_inputs(config, shown) if cache is not None else ""
    known: dict[str, ModuleSummary | Diagnostic] = {}
    parsed: dict[str, ModuleSummary | Diagnostic] = {}
    elsewhere: tuple[frozenset[str], Callable[[], Answers | None]] | None = None
    if cache is not None and keys is not None and stamps is not None and not facts:
        from fastapi_lint.run.carry_over import carry_over

        split: list[tuple[frozenset[str], Forked[Answers]]] = []

        def start_split() -> None:
            started = _split_rules(files, cache, keys, config, debug, jobs)
            if started is not None:
                split.append(started)

        # FAS901 judges ``# noqa`` comments, which an edit carried over treats as no fact.
        attempt = carry_over(cache, files, keys, inputs, stamps, jobs, on_small_edit=start_split,
                             comments_are_facts=NOQA_AUDIT in _selected_meta(config))
        if attempt.diagnostics is not None:
            for _, child in split:
                child.cancel()
            if on_progress is not None:
                on_progress(len(files))
            return LintResult(
                diagnostics=attempt.diagnostics,
                files=len(found.files),
                seconds=time.perf_counter() - started,
                missing=found.missing,
                skipped=found.skipped,
                parsed=len(attempt.parsed),
                cached=len(files) - len(attempt.parsed),
                carried_over=True,
                out_of_scope=attempt.out_of_scope,
                has_app=attempt.has_app,
                paths=list(shown),
            )
        parsed = attempt.parsed  # parsed (or read) while trying: phase 1 takes them as they are
        known = {**attempt.read, **parsed}
        for codes, child in split:  # a few files edited, the rest in the cache: the edit loop
            elsewhere = (codes, child.wait)
    outcomes, stats = summarize_all(files, cache, jobs, on_progress, keys, known)
    summaries = [o for o in outcomes if isinstance(o, ModuleSummary)]
    diagnostics = [o for o in outcomes if isinstance(o, Diagnostic)]
    summarized = time.perf_counter()
    phase2 = check_project(summaries, config, shown, debug=debug, elsewhere=elsewhere)
    parse_errors = [d for d in diagnostics if d.code in _selected_meta(config)]
    if config.per_file_ignores:
        from fastapi_lint.config import ignored_for_file

        parse_errors = [d for d in parse_errors if d.code not in ignored_for_file(config, shown.get(d.path, Path(d.path)))]
    all_diagnostics = sorted([*parse_errors, *phase2.diagnostics], key=Diagnostic.sort_key)
    if cache is not None and keys is not None and stamps is not None and not phase2.internal_errors:
        from fastapi_lint.run.carry_over import remember

        findings = sorted([*((d, False) for d in parse_errors), *phase2.findings], key=lambda f: f[0].sort_key())
        remember(cache, files, keys, inputs, stamps, findings, phase2.out_of_scope, phase2.has_app)
    finished = time.perf_counter()
    return LintResult(
        diagnostics=all_diagnostics,
        files=len(found.files),
        seconds=finished - started,
        missing=found.missing,
        skipped=found.skipped,
        internal_errors=phase2.internal_errors,
        timings={"summaries": summarized - started, "project": finished - summarized},
        context=phase2.context,
        parsed=stats.parsed + len(parsed),
        cached=stats.cached - len(parsed),
        workers=stats.workers,
        lines=stats.lines,
        out_of_scope=phase2.out_of_scope,
        has_app=phase2.has_app,
        paths=list(shown),
    )


def _run_inputs(config: Config, shown: dict[str, Path]) -> str:
    """What a run's findings depend on besides the files' facts and the linter: the
    configuration and the project's dependency pins (a rule may hold for one version of a
    library and not another). The carry-over of the last run's findings compares it."""
    from fastapi_lint.analysis.pins import Pins, fingerprint

    return f"{config!r}\npins {fingerprint(Pins(shown))}"


def _split_rules(
    files: list[tuple[Path, str]],
    cache: Cache,
    keys: list[str | None],
    config: Config,
    debug: bool,
    jobs: int | None,
) -> tuple[frozenset[str], Forked[Answers]] | None:
    """In the edit loop of a large project (a few small files edited, the rest in the cache), a
    forked child reads the same facts and runs ``check.SPLIT_OFF`` while this process tries to
    carry the last findings over and, failing that, runs the other rules: the reading and the
    linking are done twice, at once, and the rules in half the time. The child is forked before
    any fact is read, so neither copies the other's pages; it parses the edited files itself and
    writes nothing to the cache (it is cancelled when the findings are carried over)."""
    from fastapi_lint.run import processes
    from fastapi_lint.run.carry_over import MAX_CHANGED
    from fastapi_lint.analysis.catalog import Catalog
    from fastapi_lint.analysis.context import project_context
    from fastapi_lint.run.check import SPLIT_OFF, rule_answers, selected_rules
    from fastapi_lint.run.extract import summarize_all

    split_off = [rule for rule in selected_rules(config) if rule[0] in SPLIT_OFF]
    if len(files) < SPLIT_RULES_FILES or not split_off or not processes.can_fork(jobs):
        return None

    def split_off_answers() -> Answers:
        cache.read_only = True
        if sum(1 for _, display in files if not cache.has(display)) > MAX_CHANGED:
            raise LookupError("the cache lost entries: parsing them here would cost more than it saves")
        outcomes, _ = summarize_all(files, cache, 1, None, keys)
        summaries = [o for o in outcomes if isinstance(o, ModuleSummary)]
        catalog = Catalog(config.extend_blocking_calls, config.extend_async_safe)
        return rule_answers(project_context(summaries, catalog, {display: path for path, display in files}), split_off, debug)

    return frozenset(code for code, _ in split_off), processes.in_child(split_off_answers)


def _selected_meta(config: Config) -> frozenset[str]:
    from fastapi_lint.config import selected_codes

    return selected_codes(config)


def route_rows(result: LintResult) -> list[RouteRow]:
    """The route map of a linted project, with each route's findings (``fastapi-lint routes``)."""
    from fastapi_lint.analysis.route_map import build_rows

    context = result.context
    if context is None:
        return []
    graph = context.callgraph
    return build_rows(context.project, context.model, graph, result.diagnostics)


def apply_baseline(result: LintResult, baseline_file: Path) -> None:
    """Leave out of ``result`` the findings ``baseline_file`` holds (``baseline.py``), counting
    them in ``result.baselined``. Raises ``baseline.BaselineError`` (a ``ConfigError``) for a file
    that cannot be read or is not a baseline."""
    from fastapi_lint.baseline import hide, load

    result.diagnostics, hidden = hide(load(baseline_file), result.diagnostics)
    result.baselined += hidden


def write_baseline(baseline_file: Path, results: Sequence[LintResult], selected: Collection[str]) -> int:
    """Record the findings of ``results`` in ``baseline_file``; the number of findings recorded.

    The entries of files the results did not report on, and of rules not in ``selected``, are
    kept from the file's last version; a file there that is not a baseline is never overwritten.
    Raises ``baseline.BaselineError``.
    """
    from fastapi_lint import baseline

    if any(result.internal_errors for result in results):
        raise baseline.BaselineError(f"{baseline_file}: not written: a rule failed, its findings are unknown")
    folder = Path(os.path.dirname(os.path.abspath(baseline_file)))
    previous = None
    if os.path.isfile(baseline_file) and not os.path.islink(baseline_file):
        try:
            previous = baseline.load(baseline_file)
        except baseline.BaselineError as error:
            raise baseline.BaselineError(f"{baseline_file}: exists and is not a fastapi-lint baseline, "
                                         f"not overwritten ({error})") from None
    recorded = baseline.record([d for result in results for d in result.diagnostics], folder, previous,
                               [path for result in results for path in result.paths], selected)
    baseline.write(baseline_file, recorded)
    return len(recorded)


def lint_source(source: str, path: str = "snippet.py", config: Config | None = None) -> list[Diagnostic]:
    """Lint one module given as text (tests, editors). Its module name is the file stem."""
    outcome = summarize_file(Path(path), path, data=source.encode("utf-8"))
    if isinstance(outcome, Diagnostic):
        return [outcome]
    return check_project([outcome], config or Config()).diagnostics


def default_cache_dir(config: Config) -> Path:
    """Where a project keeps its cache: ``.fastapi_lint_cache`` at its configuration's folder, else the working folder."""
    from fastapi_lint.run.cache import CACHE_DIR_NAME

    return (config.root or Path.cwd()) / CACHE_DIR_NAME


def project_files(root: Path, config: Config) -> list[tuple[Path, str]]:
    """The files of the project under ``root``, with their display paths."""
    return [(path, display_path(path)) for path in discover([root], config).files]


def summarize_files(
    files: Sequence[tuple[Path, str]], cache_dir: Path | None, jobs: int | None = 1
) -> list[ModuleSummary | Diagnostic]:
    """Phase 1 for ``files`` (path, display path), through the cache at ``cache_dir`` if any:
    each file's facts, or the FAS900 that says why it has none."""
    from fastapi_lint.run.cache import Cache
    from fastapi_lint.run.extract import no_cycle_collection, summarize_all

    with no_cycle_collection():
        outcomes, _ = summarize_all(list(files), Cache(cache_dir) if cache_dir is not None else None, jobs)
    return outcomes


def project_of(name: Path, config: Config, cache_dir: Path | None, jobs: int | None) -> tuple[list[ModuleSummary], dict[str, Path]]:
    """The facts of the other files of ``name``'s project (``paths.project_root``), and their files
    by display path: what a text linted as ``name`` is linked with. None of ``name``'s own."""
    root = project_root(name, config.root)
    if root is None:
        return [], {}
    itself = real_or_absolute(str(name))
    files = [(path, display) for path, display in project_files(root, config) if real_or_absolute(str(path)) != itself]
    outcomes = summarize_files(files, cache_dir, jobs)
    shown = display_path(name)
    others = [o for o in outcomes if isinstance(o, ModuleSummary) and o.path != shown]
    return others, {display: path for path, display in files}


def check_summaries(summaries: list[ModuleSummary], config: Config) -> list[Diagnostic]:
    """The findings of the project made of ``summaries`` (every file's)."""
    return check_project(summaries, config).diagnostics


@dataclass
class TextResult:
    """What ``lint_text_in_project`` found in the one file."""

    diagnostics: list[Diagnostic]  # its findings; or its FAS900, when the text does not parse
    context: Context | None = None  # None when the text does not parse
    internal_errors: list[str] = field(default_factory=list)


def lint_text_in_project(
    name: Path,
    data: bytes,
    config: Config,
    *,
    display: str | None = None,
    others: Sequence[ModuleSummary] = (),
    paths: dict[str, Path] | None = None,
) -> TextResult:
    """Lint ``data`` as the file ``name`` (shown as ``display``, else its display path), linked
    with the other files of its project (``others``, their files by display path in ``paths``).
    Only the file's findings are reported.

    What reads a text and lints it as a file goes through here: standard input (the CLI), the
    flake8 plugin, and the fixes' stability check (``relint``). Each gives the bytes as it has
    them: stdin's own, the file's on disk or flake8's lines as UTF-8, the fixed text in the
    encoding its coding cookie names.
    """
    shown = display or display_path(name)
    outcome = summarize_file(name, shown, data=data)
    if isinstance(outcome, Diagnostic):
        return TextResult([outcome])
    phase2 = check_project([*others, outcome], config, paths)
    return TextResult([d for d in phase2.diagnostics if d.path == shown], phase2.context, phase2.internal_errors)


def relint(source: str, path: str, config: Config) -> list[Diagnostic]:
    """The module ``path`` linted on its own from its text, encoded as its file would be (its
    coding cookie): what the fixes' stability check reads (``fixes.Relint``)."""
    from fastapi_lint.source import encode_as_file

    return lint_text_in_project(Path(path), encode_as_file(source), config, display=path).diagnostics
