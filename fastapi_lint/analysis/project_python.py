"""The Python a project targets, read from ``requires-python`` as Ruff reads it, and what a FAS900
says with it.

A file whose syntax ``analysis/extract/downgrade`` reads but cannot rewrite for the running Python
gets a FAS900 naming the Python that reads it. When the nearest ``pyproject.toml`` above the file
that declares ``[project] requires-python`` (up to the repository's root, the folder holding
``.git``) asks for a newer Python than the one running, the message says so, and its help gives
the pre-commit setting that runs fastapi-lint with that Python; the run's summary gathers these
files in one line (``unreadable_note``). A plain syntax error, which libcst's 3.14 grammar rejects
as well, is the file's own: it says so only for a project that requires a Python newer than that.
All this is read when the report is made, not in phase 1, whose cached outcome depends on the
file's text alone.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional

from fastapi_lint.analysis.extract.downgrade.features import MESSAGE_START, NEWEST_GRAMMAR, Version, running, shown
from fastapi_lint.analysis.extract.parse import PARSE_ERROR_CODE
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.source import read_source

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def requires_python(folder: Path, known: dict[Path, str | None] | None = None) -> tuple[str, Path] | None:
    """The ``requires-python`` that applies to the files of ``folder``, and the file it is in
    (``known``: the files read so far, by path)."""
    known = {} if known is None else known
    for candidate in (folder, *folder.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject not in known:
            known[pyproject] = _declared(pyproject)
        found = known[pyproject]
        if found is not None:
            return found, pyproject
        if (candidate / ".git").exists():
            return None
    return None


def _declared(pyproject: Path) -> str | None:
    try:
        data = tomllib.loads(read_source(pyproject).decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None
    project = data.get("project")
    wanted = project.get("requires-python") if isinstance(project, dict) else None
    return wanted if isinstance(wanted, str) else None


def lowest_python(requires: str) -> Version | None:
    """The oldest Python a ``requires-python`` allows: ``>=3.12`` and ``~=3.12.1`` -> 3.12."""
    from fastapi_lint.analysis.pins import specifiers_range

    allowed = specifiers_range(requires)
    lowest = allowed.exact or allowed.lower
    if lowest is None:
        return None
    numbers = (*lowest[0], 0)
    return numbers[0], numbers[1]


def newer_target(path: Path, known: dict[Path, str | None] | None = None) -> tuple[str, Path] | None:
    """The project's ``requires-python`` and its file, when it excludes the running Python by
    asking for a newer one."""
    found = requires_python(Path(os.path.abspath(path)).parent, known)
    if found is None:
        return None
    lowest = lowest_python(found[0])
    return found if lowest is not None and lowest > running() else None


def with_project_python(diagnostics: list[Diagnostic], paths: dict[str, Path]) -> list[Diagnostic]:
    """The parse errors about syntax, each saying the Python its project requires when that is
    newer than the running one (``paths``: the files by the path a finding shows). A plain syntax
    error, which libcst's grammar rejects too, says it only when the project requires a Python
    newer than that grammar: up to it, the error is the file's own."""
    changed: Optional[list[Diagnostic]] = None
    known: dict[Path, str | None] = {}
    for index, diagnostic in enumerate(diagnostics):
        newer = diagnostic.message.startswith(MESSAGE_START)
        if diagnostic.code != PARSE_ERROR_CODE or not (newer or diagnostic.message.startswith("syntax error")):
            continue
        found = newer_target(paths.get(diagnostic.path, Path(diagnostic.path)), known)
        if found is None:
            continue
        requires, pyproject = found
        if not newer and (lowest_python(requires) or running()) <= NEWEST_GRAMMAR:
            continue
        changed = list(diagnostics) if changed is None else changed
        changed[index] = replace(
            diagnostic,
            message=f"{diagnostic.message} (the project requires Python {requires}: `requires-python` "
                    f"in {_relative(pyproject)})",
            help=f"Run fastapi-lint with the Python the project targets (in a pre-commit hook, "
                 f"`language_version: python{shown(lowest_python(requires) or running())}`)",
        )
    return diagnostics if changed is None else changed


def _relative(path: Path) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        return path.as_posix()
    return Path(relative).as_posix() if not relative.startswith(os.pardir) else path.as_posix()


_NEWER = re.compile(re.escape(MESSAGE_START) + r"(\d+)\.(\d+)")
_REQUIRED = re.compile(r"\(the project requires Python ([^:]+): `requires-python`")
_LISTED = 5  # files a summary names before it counts the rest


def unreadable_note(diagnostics: list[Diagnostic]) -> str | None:
    """One line for the run's summary: the files whose syntax the running Python could not read,
    and the Python to run fastapi-lint with instead (the newest any of them needs, or the one
    their project requires); None when there are none."""
    files: list[str] = []
    wanted: list[Version] = []
    for diagnostic in diagnostics:
        if diagnostic.code != PARSE_ERROR_CODE:
            continue
        needs = [(int(found[1]), int(found[2])) for found in [_NEWER.match(diagnostic.message)] if found]
        required = _REQUIRED.search(diagnostic.message)
        lowest = lowest_python(required[1]) if required else None
        if lowest is not None:
            needs.append(lowest)
        if needs:
            files.append(diagnostic.path)
            wanted.append(max(needs))
    if not files:
        return None
    named = ", ".join(files[:_LISTED]) + (f" and {len(files) - _LISTED} more" if len(files) > _LISTED else "")
    count = f"{len(files)} file{'s' if len(files) != 1 else ''}"
    return (f"{count} not read: syntax Python {shown(running())} cannot parse ({named}); "
            f"run fastapi-lint with Python >= {shown(max(wanted))} to check {'them' if len(files) != 1 else 'it'}")
