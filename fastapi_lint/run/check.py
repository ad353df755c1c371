"""Phase 2: the project-wide rules over the files' summaries (phase 1 is ``analysis/extract/``).

The rules run through a ``rule_runner.RuleRunner`` (here, or some in a forked child); what they
find is then filtered as the configuration says: per-file ignores, ``# noqa``, the scope.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.analysis.extract.noqa import is_suppressed
from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.analysis.noqa_directives import NOQA_AUDIT
from fastapi_lint.config import Config, ignored_for_file, selected_codes, source_roots
from fastapi_lint.diagnostics import AMORTISED, INTERNAL_ERROR_HINT, Diagnostic, Severity, Span
from fastapi_lint.run.rule_runner import RuleRunner, selected_rules

if TYPE_CHECKING:
    from fastapi_lint.analysis.context import Context
    from fastapi_lint.analysis.served_files import ServedFiles


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    # The facts the rules read, for views built on the same run (the route map, statistics).
    context: Context | None = None
    # Every finding of the rules, in report order, and whether a noqa comment silenced it:
    # what a later run may carry over (``carry_over.py``).
    findings: list[tuple[Diagnostic, bool]] = field(default_factory=list)
    # Findings the scope left out (code that never runs on a served app's loop; ``--scope all``),
    # by display path, and whether the project has an app at all (without one, every async
    # function counts as served).
    out_of_scope: dict[str, int] = field(default_factory=dict)
    has_app: bool = True


def check_project(
    summaries: list[ModuleSummary],
    config: Config,
    paths: dict[str, Path] | None = None,
    runner: RuleRunner | None = None,
) -> CheckResult:
    """Phase 2: link summaries, build the FastAPI model, run the selected rules, apply suppressions.

    ``runner``: how the rules run (``RuleRunner``: all here, unless told otherwise).
    """
    from fastapi_lint.run.environment import catalog_for
    from fastapi_lint.analysis.context import project_context

    catalog = catalog_for(config)
    context = project_context(summaries, catalog, paths, source_roots(config))
    return check_context(context, summaries, config, paths, runner)


def check_context(
    context: Context,
    summaries: list[ModuleSummary],
    config: Config,
    paths: dict[str, Path] | None = None,
    runner: RuleRunner | None = None,
    reported: frozenset[str] | None = None,
) -> CheckResult:
    """Phase 2 on a project already linked (``context``, of ``summaries``): the selected rules
    run, suppressions and the scope applied. A caller that keeps linked parts between runs (the
    session, ``session.py``) links the project itself; ``check_project`` links it afresh.
    ``reported``: the display paths whose findings are asked for (``Context.reporting_on``:
    the others' may be missing); None: every file's."""
    result = CheckResult()
    result.context = context
    rules = selected_rules(config)
    with context.reporting_on(reported):
        answers = (runner or RuleRunner()).answers(context, rules)
    found: list[Diagnostic] = []
    for code, rule_class in rules:  # in the registry's order, wherever each rule ran
        answer = answers[code]
        if isinstance(answer, str):
            result.internal_errors.append(f"{code}: {answer}")
            result.diagnostics.append(_internal_error(code, rule_class.name, answer, summaries))
        else:
            found.extend(answer)
    if config.per_file_ignores and paths:
        found = [d for d in found if d.path not in paths or d.code not in ignored_for_file(config, paths[d.path])]
    if any(code == NOQA_AUDIT for code, _ in rules):
        # Before the scope: a finding it leaves out still needs its ``# noqa`` (``--scope all``).
        from fastapi_lint.rules.meta.unused_noqa import audit

        errored = {code for code, answer in answers.items() if isinstance(answer, str)}
        ignored_for = (lambda path: ignored_for_file(config, path)) if config.per_file_ignores else None
        found.extend(audit(summaries, found, frozenset(selected_codes(config)), ignored_for, paths, errored))
    found, result.out_of_scope = in_scope(found, context, config)
    if context.catalog.installed is not None:
        context.catalog.installed.keep_answers()  # for the next run in this environment
    if config.severity:
        found = with_chosen_severities(found, config)
    result.has_app = has_app(context)
    found.sort(key=Diagnostic.sort_key)
    by_path = {summary.path: summary for summary in summaries}
    for diagnostic in found:
        summary = by_path.get(diagnostic.path)
        result.findings.append((diagnostic, summary is not None and is_suppressed(diagnostic, summary)))
    result.diagnostics.extend(d for d, silenced in result.findings if not silenced)
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return result


# What a blocking call waits on, when it is not worth a finding unless the code surely runs.
_CHEAP = frozenset({"file", "metadata"})


def in_scope(found: list[Diagnostic], context: Context, config: Config) -> tuple[list[Diagnostic], dict[str, int]]:
    """The findings the configured scope shows, and how many it leaves out in each file.

    With the default scope, nothing in test code is shown, and a finding of a rule about the
    event loop only where its function may run on a served app's loop (``analysis/scope.py``):
    as the rule says on the request path, as a warning where only a task the app starts or a
    caller the analysis cannot see may run it. A file or metadata call in a module that only a
    run-time import loads (a file-based backend a setting may choose beside an in-memory one) is
    left out too: whether it runs at all depends on configuration; a wait there is still shown.
    So are, where only admin routes run them, what costs in proportion to the traffic (a client
    built per request) and file or metadata calls: an operator's rare request (not a file call
    of a function handed an upload: it is as large as what the operator uploads); and a client built
    per request where only admin routes, login flows, probes, configuration writes and trials run
    it. And what runs only when an operator turns a setting away from its default
    (``analysis/opt_in.py``): a developer's trace, a debug mode; or only for an argument no caller
    passes (``analysis/untaken.py``). Nor a client built in code that runs on a loop of its own
    (``asyncio.run`` in a threadpool route's helper, ``Rule.loop_bound``): it cannot outlive that
    loop. And what a rule marks as its wider
    view (``Diagnostic.wider``). Nor is a client that one operation builds and uses for several
    requests (``analysis/reused_clients.py``): its cost is spread over them.
    """
    if config.scope == "all" or not found:
        return found, {}
    from dataclasses import replace

    from fastapi_lint.analysis.call_arguments import in_ranges
    from fastapi_lint.analysis.injected import takes_an_upload
    from fastapi_lint.analysis.opt_in import is_opt_in
    from fastapi_lint.analysis.scope_places import ON_THE_APP_LOOP, Where
    from fastapi_lint.analysis.untaken import untaken_lines
    from fastapi_lint.rules import registry

    project = context.project
    placed = context.scopes
    rules = registry()
    kept: list[Diagnostic] = []
    for diagnostic in found:
        if diagnostic.path in placed.tests or diagnostic.cost == AMORTISED:
            continue
        rule = rules.get(diagnostic.code)
        located = project.function(diagnostic.function) if diagnostic.function else None
        if diagnostic.wider:
            continue  # the rule's wider view: it could not tell the finding is worth acting on
        if diagnostic.opt_in or (located is not None and (
                located.function.path in placed.switched_off or is_opt_in(context.callgraph, located, diagnostic.span.line))):
            continue  # runs only when an operator turns a setting away from its default
        if located is not None and located.function.path in placed.unserved:
            continue  # a route on a router the service never includes
        if located is not None and (located.function.path in placed.untaken_off or in_ranges(
                diagnostic.span.line, untaken_lines(context.callgraph, context.model.roles, located))):
            continue  # a branch on a parameter that every call of the function rules out
        if located is not None and rule is not None and (
                (located.function.path in placed.admin_only and diagnostic.cost in _CHEAP
                 and not (diagnostic.cost == "file" and takes_an_upload(project, located.function)))
                or (located.function.path in placed.now_and_then and rule.per_request)):
            continue
        where = placed.where(located.function, located.module) if located is not None else None
        if rule is not None and rule.loop_bound and where is Where.PRIVATE_LOOP:
            continue  # a loop of its own that a threadpool request starts: what it builds dies with it
        if rule is None or not rule.on_the_loop or located is None:
            kept.append(diagnostic)
            continue
        if where not in ON_THE_APP_LOOP:
            continue
        if located.module.module in placed.loaded_by_name and diagnostic.cost in _CHEAP:
            continue
        if where in (Where.APP_TASK, Where.UNKNOWN) and diagnostic.severity > Severity.WARNING:
            diagnostic = replace(diagnostic, severity=Severity.WARNING)
        kept.append(diagnostic)
    return kept, dict(Counter(d.path for d in found) - Counter(d.path for d in kept))  # (a finding kept keeps its path)


def with_chosen_severities(found: list[Diagnostic], config: Config) -> list[Diagnostic]:
    """Each finding with the severity ``[tool.fastapi-lint.severity]`` chose for its rule, if any:
    after the scope, so the choice holds wherever the code runs."""
    from dataclasses import replace

    from fastapi_lint.config import severity_of

    chosen = {code: severity_of(config, code) for code in {d.code for d in found}}
    changed: list[Diagnostic] = []
    for d in found:
        level = chosen[d.code]
        changed.append(d if level is None or level == d.severity else replace(d, severity=level))
    return changed


def served_by_the_app(result: CheckResult, parse_errors: list[Diagnostic], config: Config) -> ServedFiles | None:
    """What the app's code imports, to judge the files that do not parse by (``served_files.py``);
    None when there is none to judge, or every one is shown (``--scope all``, no app)."""
    if not parse_errors or config.scope == "all" or result.context is None:
        return None
    from fastapi_lint.analysis.served_files import served_files

    return served_files(result.context)


def has_app(context: Context) -> bool:
    from fastapi_lint.analysis.app_model import REQUEST_ROLES

    return bool(context.model.routes) or any(roles & REQUEST_ROLES for roles in context.model.roles.values())


def _internal_error(code: str, name: str, detail: str, summaries: Iterable[ModuleSummary]) -> Diagnostic:
    first = next(iter(summaries), None)
    return Diagnostic(
        code=code,
        name=name,
        severity=Severity.ERROR,
        message=f"internal error in rule {code} ({name}): {detail.strip().splitlines()[-1]}; {INTERNAL_ERROR_HINT}",
        path=first.path if first else "<project>",
        span=Span(1, 0, 1, 0),
    )
