"""For editors (the language server, ``server/``): a session's findings placed on the lines of
the routes they concern, one finding's fix or ``# noqa`` previewed, every safe fix at once."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.api.texts import relint
from fastapi_lint.config import Config
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.run.session import Checked

if TYPE_CHECKING:
    from fastapi_lint.analysis.route_map import RouteRow


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
