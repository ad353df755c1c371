"""What writes files: fixes (``--fix``), ``# noqa`` comments (``--add-noqa``), the edits SARIF
describes without making them, a report file; and the cache folder (``clean``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.analysis.noqa_directives import NOQA_AUDIT
from fastapi_lint.api.texts import relint
from fastapi_lint.config import Config
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.run.pipeline import LintResult

if TYPE_CHECKING:
    from fastapi_lint.analysis.context import Context
    from fastapi_lint.fixes import FixResult


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
