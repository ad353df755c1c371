"""The entry points the CLI, the flake8 plugin and the tests call."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from fastapi_lint.config import Config, find_pyproject, load, nearest_pyprojects
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.discovery import Discovered as Discovered, discover  # Discovered: --show-files' answer
from fastapi_lint.analysis.extract import summarize_file
from fastapi_lint.run.check import check_project
from fastapi_lint.paths import CACHE_DIR_NAME, display_path, project_root, real_or_absolute
from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.analysis.noqa_directives import NOQA_AUDIT as NOQA_AUDIT  # the code the CLI and flake8 treat apart
from fastapi_lint.analysis.project_python import unreadable_note as unreadable_note  # the CLI's summary
from fastapi_lint.run.pipeline import LintResult as LintResult  # what a run gives the CLI
from fastapi_lint.run.projects import Project as Project, merged_results as merged_results, plan_projects as plan_projects
from fastapi_lint.run.projects import force_excluded as force_excluded, report_on_own
from fastapi_lint.run.session import Checked as Checked, ProjectSession as ProjectSession  # a project kept between checks (editors)

if TYPE_CHECKING:
    from fastapi_lint.analysis.route_map import DependencyNode as DependencyNode, RouteRow as RouteRow  # the language server's hover
    from fastapi_lint.analysis.context import Context as Context  # LintResult.context: opaque to the faces
    from fastapi_lint.fixes import FixResult
    from fastapi_lint.rules import Rule


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
    from fastapi_lint.run.extract import no_cycle_collection
    from fastapi_lint.run.pipeline import lint
    from fastapi_lint.run.processes import stopping_children

    with no_cycle_collection(), stopping_children():
        return lint(paths, config, debug, cache_dir, jobs, on_progress, on_discovered, facts, follow_links)


def lint_project(
    project: Project,
    debug: bool = False,
    jobs: int | None = 1,
    on_progress: Callable[[int], None] | None = None,
    on_discovered: Callable[[int], None] | None = None,
    facts: bool = True,
    follow_links: bool = True,
) -> LintResult:
    """``lint_paths`` for one of ``plan_projects``' projects, with only the findings and files it reports on."""
    found = lint_paths(project.lint_targets, project.config, debug=debug, cache_dir=project.cache_dir, jobs=jobs,
                       on_progress=on_progress, on_discovered=on_discovered, facts=facts, follow_links=follow_links)
    report_on_own(found, project)
    return found


def files_to_lint(project: Project, follow_links: bool = True) -> Discovered:
    """The files a check of ``project`` reports on (``--show-files``), found as the check finds
    them (exclusions, ``.gitignore``, ``force-exclude``), none of them read: the files named when
    only files are (their project's others are read for context, not reported on), else what
    the walks find but the files another configuration's paths hold."""
    found = discover(list(project.targets), project.config, follow_links)
    if not project.others:
        return found
    from dataclasses import replace

    from fastapi_lint.discovery import is_within

    mine = [path for path in found.files
            if not any(is_within(real_or_absolute(str(path)), other) for other in project.others)]
    return replace(found, files=mine)


class ProjectCounts(NamedTuple):
    """What ``--statistics`` says about a linted project's facts."""

    routes: int
    functions: int
    unresolved_calls: int


def project_counts(result: LintResult) -> ProjectCounts | None:
    """The routes, functions and unresolved calls of a run that kept its facts (None otherwise)."""
    context = result.context
    if context is None:
        return None
    return ProjectCounts(len(context.model.routes), len(context.project.functions), context.callgraph.unresolved)


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


# -- rules ---------------------------------------------------------------------------------


def all_rules() -> list[type[Rule]]:
    """Every rule, in code order (``fastapi-lint rules``)."""
    from fastapi_lint.rules import registry

    return list(registry().values())


def find_rule(text: str) -> type[Rule] | None:
    """The rule ``text`` names, by code (``FAS101``) or name (``blocking-call-in-async``), in any case."""
    from fastapi_lint.rules import by_name, registry

    names = {name.lower(): found for name, found in by_name().items()}
    return registry().get(text.strip().upper()) or names.get(text.strip().lower())


def rule_markdown(rule: type[Rule]) -> str:
    """A rule's documentation as Markdown: its code and name, severity, default and fix, then its
    docstring (what ``fastapi-lint explain`` renders, and the body of its page)."""
    import inspect

    doc = inspect.cleandoc(rule.__doc__ or "")
    default = "on" if rule.default_enabled else "off"
    facts = f"Severity: {rule.severity.label}. Default: {default}. Fix: {'available' if rule.fixable else 'none'}."
    return f"# {rule.code} ({rule.name})\n\n{facts}\n\n{doc}\n"


# The last line of every generated page: what made it, and that it is not edited by hand.
RULE_PAGES_COMMAND = "fastapi-lint explain --all --format markdown --output-dir docs/rules"
_GENERATED = f"<!-- Generated from the rule's docstring by `{RULE_PAGES_COMMAND}`: edit the docstring, not this page. -->"


def rule_pages() -> dict[str, str]:
    """The Markdown pages of the rules' documentation, by file name: ``FAS101.md`` per rule
    (``rule_markdown``), and ``README.md``, the index, a row per rule linking to its page."""
    pages = {f"{rule.code}.md": f"{rule_markdown(rule)}\n{_GENERATED}\n" for rule in all_rules()}
    rows = [
        f"| [{rule.code}]({rule.code}.md) | `{rule.name}` | {rule.severity.label} | "
        f"{'on' if rule.default_enabled else 'off'} | {'yes' if rule.fixable else ''} | {rule.summary()} |"
        for rule in all_rules()
    ]
    pages["README.md"] = "\n".join([
        "# Rules",
        "",
        "Every rule of fastapi-lint, with its page: what it finds, why it matters, its known problems, an "
        "example and what to write instead. `fastapi-lint explain CODE` shows the same text in a terminal.",
        "",
        "| code | name | severity | default | fix | what it flags |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        _GENERATED,
        "",
    ])
    return pages


def is_generated_rule_page(text: str) -> bool:
    """Whether ``text`` is a page ``rule_pages`` made (a folder's stale pages may be replaced)."""
    return text.rstrip("\n").endswith(_GENERATED)


def similar_rule_names(text: str) -> list[str]:
    """Up to three rule names and codes (lower case) close to ``text``, for a "did you mean"."""
    import difflib

    from fastapi_lint.rules import by_name, registry

    names = [name.lower() for name in by_name()]
    return difflib.get_close_matches(text.lower(), [*names, *(c.lower() for c in registry())], n=3)


# -- the cache folder -----------------------------------------------------------------------


def cache_folder_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot hold a cache (a folder fastapi-lint did not make, not empty), or None."""
    from fastapi_lint.run.cache_folder import problem

    return problem(folder)


def remove_cache(folder: Path) -> str | None:
    """Remove a cache folder that fastapi-lint made: None, or why ``folder`` is not one (then
    nothing is removed). ``OSError`` when the removal fails."""
    from fastapi_lint.run.cache import NotACache, clean

    try:
        clean(folder)
    except NotACache as reason:
        return str(reason)
    return None


# -- fixes, --add-noqa and SARIF's edits -------------------------------------------------------


def fix_files(
    diagnostics: Sequence[Diagnostic],
    unsafe: bool,
    context: Context | None,
    config: Config,
    write: bool = True,
) -> dict[str, FixResult]:
    """``fixes.fix_files`` with this package's linter for the stability check (``relint``):
    the fixes of every file the findings are in, written back (``write=False``: planned only)."""
    from fastapi_lint.fixes import fix_files as fix

    return fix(diagnostics, unsafe, relint=relint, context=context, config=config, write=write)


def fix_text(
    source: str, path: str, diagnostics: Sequence[Diagnostic], unsafe: bool, context: Context | None, config: Config
) -> FixResult:
    """``fixes.plan_fixes`` for one module given as text (standard input), with ``relint``."""
    from fastapi_lint.fixes import plan_fixes

    return plan_fixes(source, path, diagnostics, unsafe, relint=relint, context=context, config=config)


@dataclass
class NoqaResult:
    """What ``add_noqa`` did: directives added, files changed, and what went wrong, in order."""

    added: int = 0
    files: int = 0
    failed: bool = False  # a file that should have changed did not
    problems: list[tuple[str, str]] = field(default_factory=list)  # ("error" or "note", message)


def add_noqa(result: LintResult) -> NoqaResult:
    """Add ``# noqa: CODE`` for every finding of ``result`` to its file (``--add-noqa``)."""
    from collections import defaultdict

    from fastapi_lint.analysis.extract.parse import PARSE_ERROR_CODE
    from fastapi_lint.fixes import CHANGED, add_noqa_comments, changed_since_checked, check_parses
    from fastapi_lint.fixes.files import rewrite
    from fastapi_lint.source import read

    by_path: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in result.diagnostics:
        # A file that does not parse cannot take a comment safely; FAS901 is about the comments.
        if d.code not in (PARSE_ERROR_CODE, NOQA_AUDIT):
            by_path[d.path].append(d)
    done = NoqaResult()

    def failed(message: str) -> None:
        done.problems.append(("error", message))
        done.failed = True

    for path in sorted(by_path):
        try:
            source_file = read(Path(path))
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as error:
            failed(f"{path}: cannot read the file: {error}")
            continue
        if result.context is not None and changed_since_checked(result.context, path, source_file.text):
            failed(f"{path}: left unchanged: {CHANGED}")
            continue
        new_text, count, missed = add_noqa_comments(source_file.text, by_path[path])
        for d in missed:
            done.problems.append(("note", f"{path}:{d.span.line}: cannot add `# noqa: {d.code}` (the line ends "
                                          "inside a string or a line continuation)"))
        if not count:
            continue
        problem = check_parses(new_text)
        if problem is not None:
            failed(f"{path}: left unchanged: {problem}")
            continue
        try:
            rewrite(Path(path), source_file.encode(new_text), expected=source_file.data)
        except (OSError, UnicodeEncodeError) as error:
            failed(f"{path}: cannot write the file: {error}")
            continue
        done.added += count
        done.files += 1
    return done


def sarif_edits(
    diagnostics: list[Diagnostic],
    context: Context | None,
    config: Config | None,
    unsafe: bool,
    texts: dict[str, str],
    scopes: dict[str, tuple[Context | None, Config]],
) -> dict[Diagnostic, tuple[str, tuple[tuple[int, int, str], ...]]]:
    """The edit each fix would make, planned by the fix engine one finding at a time (SARIF's
    fixes). ``texts``: sources not on disk, by display path (read files are added to it).
    ``scopes``: each file's context and configuration, where they are not ``context`` and ``config``.

    At most ``MAX_PLANNED_FIXES`` are planned (each costs a libcst parse and a re-lint of
    the file); the others keep their description only.
    """
    from fastapi_lint.diagnostics import Applicability
    from fastapi_lint.reporters.sarif import MAX_PLANNED_FIXES, replacements

    fixable = [d for d in diagnostics if d.fix is not None][:MAX_PLANNED_FIXES]
    if not fixable:
        return {}
    from fastapi_lint.fixes import preview_edit
    from fastapi_lint.source import read

    edits: dict[Diagnostic, tuple[str, tuple[tuple[int, int, str], ...]]] = {}
    for d in fixable:
        text = texts.get(d.path)
        if text is None:
            try:
                text = texts[d.path] = read(Path(d.path)).text
            except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
                continue
        allowed = unsafe or d.fix.applicability is Applicability.SAFE  # type: ignore[union-attr]
        its_context, its_config = scopes.get(d.path, (context, config or Config()))
        new_text = preview_edit(d, text, allowed, context=its_context, config=its_config)
        if new_text is not None:
            edits[d] = (d.path, replacements(text, new_text))
    return edits


def write_report(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename: a reader sees the old report or the new one.
    A device or a pipe (``-o /dev/null``, ``/dev/stdout``, a FIFO) is written into, never replaced:
    a rename would put a plain file where the device was."""
    import stat

    from fastapi_lint.fixes.files import default_mode, write_atomically

    try:
        kind = os.stat(path).st_mode
    except OSError:
        kind = None
    if kind is not None and not stat.S_ISREG(kind) and not stat.S_ISDIR(kind):
        with open(path, "wb") as stream:
            stream.write(text.encode("utf-8"))
        return
    Path(os.path.realpath(path)).parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text.encode("utf-8"), mode=default_mode())


# -- for editors: the language server (``server/``) -----------------------------------------


def routes_by_line(checked: Checked) -> dict[tuple[str, int], list[RouteRow]]:
    """The route map of a session's check, keyed by where each route is written: (display path,
    line) of its handler's ``def`` line, of each of its decorators, and of the lines of the call
    that registers it, when in the same file."""
    from fastapi_lint.analysis.route_map import rows_by_route

    context = checked.context
    if context is None:
        return {}
    findings = [d for found in checked.by_path.values() for d in found]
    placed: dict[tuple[str, int], list[RouteRow]] = {}
    for route, rows in rows_by_route(context.project, context.model, context.callgraph, findings):
        handler = route.handler
        lines = {handler.function.span.line, *handler.function.decorator_lines}
        if route.site.span.line in handler.function.decorator_lines:  # the decorator, on several lines
            lines.update(range(route.site.span.line, route.site.span.end_line + 1))
        for line in sorted(lines):
            placed.setdefault((handler.module.path, line), []).extend(rows)
    return placed


def fixed_text(diagnostic: Diagnostic, text: str, checked: Checked, config: Config) -> str | None:
    """``text`` (the file's whole text, as ``checked`` read it) with this one finding fixed,
    unsafe fixes included; None when it has no fix or the fix declines."""
    from fastapi_lint.fixes import preview_edit

    return preview_edit(diagnostic, text, True, context=checked.context, config=config)


def safely_fixed_text(text: str, path: str, checked: Checked, config: Config) -> str | None:
    """``text`` (the file ``path`` as ``checked`` read it) with every safe fix applied, checked
    as ``--fix`` checks its result; None when nothing is fixed."""
    from fastapi_lint.fixes import plan_fixes

    wanted = [d for d in checked.by_path.get(path, []) if d.fix is not None]
    if not wanted:
        return None
    planned = plan_fixes(text, path, wanted, False, relint=relint, context=checked.context, config=config)
    return planned.new_source if planned.applied and planned.new_source != text else None


def with_noqa(text: str, diagnostic: Diagnostic) -> str | None:
    """``text`` with a ``# noqa: CODE`` for this finding, as ``--add-noqa`` writes it; None when
    no line of the finding can take one (or it is already silenced there)."""
    from fastapi_lint.fixes import add_noqa_comments

    new_text, added, _ = add_noqa_comments(text, [diagnostic])
    return new_text if added else None


def shown_parse_errors(parse_errors: list[Diagnostic], config: Config, files: dict[str, Path]) -> list[Diagnostic]:
    """The FAS900s of ``parse_errors`` that a run under ``config`` reports (selected, not ignored
    for their file); ``files`` are the project's by display path."""
    from fastapi_lint.run.pipeline import selected_parse_errors

    return selected_parse_errors(parse_errors, config, files)
