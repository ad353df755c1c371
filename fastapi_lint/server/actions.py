"""Code actions: a finding's fix (its title says whether the fix is safe; an unsafe one is never
the preferred action), a ``# noqa: CODE`` for it as ``--add-noqa`` writes it, and a source action
that applies every safe fix of the file as ``--fix`` does.

Each action is planned as the file's new text; ``app.py`` turns it into one edit of the lines
that differ, for the client to apply (the server itself never writes a file). A fix costs a
libcst parse and the fix-all a re-lint of the file, so for a client that can resolve an action
later those are left out of the list and computed only when one is chosen (``resolve``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi_lint.diagnostics import Applicability, Diagnostic

if TYPE_CHECKING:
    from fastapi_lint.api import Checked
    from fastapi_lint.server.projects import Project, Projects

QUICK_FIX = "quickfix"
FIX_ALL = "source.fixAll.fastapi-lint"


@dataclass(frozen=True)
class Planned:
    title: str
    kind: str
    new_text: str | None  # None: left for ``resolve``
    preferred: bool = False
    diagnostic: Diagnostic | None = None
    data: dict[str, Any] | None = None  # what ``resolve`` needs to find it again


def wanted(kind: str, only: list[str] | None) -> bool:
    """Whether the client asked for actions of ``kind`` (``only``'s kinds are prefixes: ``source`` holds ``source.fixAll.x``)."""
    return only is None or any(kind == asked or kind.startswith(asked + ".") for asked in only)


def plan(projects: Projects, path: Path, text: str, first: int, last: int,
         only: list[str] | None = None, lazy: bool = False) -> list[Planned]:
    """The actions for the findings of the open file ``path`` on lines ``first``-``last``
    (1-based), and the file's fix-all. Nothing when ``text`` is not the text the findings are of
    (the client has changed it since)."""
    from fastapi_lint import api

    found = _findings(projects, path, text)
    if found is None:
        return []
    findings, project, shown, checked = found
    actions: list[Planned] = []
    here = [d for d in findings if d.span.line <= last and d.span.end_line >= first]
    if wanted(QUICK_FIX, only):
        for d in here:
            if d.fix is not None:
                safe = d.fix.applicability is Applicability.SAFE
                title = f"{d.fix.title} ({'safe' if safe else 'unsafe'} fix, {d.code})"
                data = {"action": "fix", "code": d.code, "line": d.span.line, "col": d.span.col}
                new_text = None if lazy else api.fixed_text(d, text, checked, project.config)
                if lazy or new_text is not None:
                    actions.append(Planned(title, QUICK_FIX, new_text, safe, d, data))
        for d in here:
            new_text = api.with_noqa(text, d)
            if new_text is not None:
                actions.append(Planned(f"Silence {d.code} here: add `# noqa: {d.code}`", QUICK_FIX, new_text, False, d))
    if wanted(FIX_ALL, only) and any(d.fix is not None and d.fix.applicability is Applicability.SAFE for d in findings):
        title = "Fix all safe fastapi-lint findings"
        if lazy:
            actions.append(Planned(title, FIX_ALL, None, False, None, {"action": "fix-all"}))
        else:
            new_text = api.safely_fixed_text(text, shown, checked, project.config)
            if new_text is not None:
                actions.append(Planned(title, FIX_ALL, new_text))
    return actions


def resolve(projects: Projects, path: Path, text: str, data: dict[str, Any]) -> str | None:
    """The new text of an action ``plan`` left lazy; None: it no longer applies."""
    from fastapi_lint import api

    found = _findings(projects, path, text)
    if found is None:
        return None
    findings, project, shown, checked = found
    if data.get("action") == "fix-all":
        return api.safely_fixed_text(text, shown, checked, project.config)
    for d in findings:
        if (d.code, d.span.line, d.span.col) == (data.get("code"), data.get("line"), data.get("col")) and d.fix is not None:
            return api.fixed_text(d, text, checked, project.config)
    return None


def _findings(projects: Projects, path: Path, text: str) -> tuple[list[Diagnostic], Project, str, Checked] | None:
    if projects.text_of(path) != text:
        return None
    located = projects.of(path)
    if located is None:
        return None
    project, shown = located
    checked = project.check(projects.open_in(project))
    return list(checked.by_path.get(shown, [])), project, shown, checked
