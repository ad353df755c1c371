"""Automatic fixes: which fix a finding has, and applying fixes to a module or to files.

The entry points, independent of the CLI:

- ``fix_for(diagnostic, context)``: the ``Fix`` (title and applicability) a finding
  has, read from the linted project's facts alone (no libcst); ``with_fixes`` fills
  ``Diagnostic.fix`` for a whole list, which is what the engine attaches.
- ``plan_fixes(source, path, diagnostics, unsafe, relint=...)``: the module's new text, the
  findings fixed and those not fixed, with the reason. ``relint`` lints a text as a module of
  its own (``api.relint``): the stability check below; the fixes never run the linter themselves.
- ``preview_edit(diagnostic, source)``: the text with one finding fixed, for SARIF's edits;
  ``add_noqa_comments(text, diagnostics)``: the text with a ``# noqa`` for each (``--add-noqa``).
- ``apply_to_file(path, diagnostics, unsafe)``: the same, written back (``files.rewrite``);
  ``fix_files(diagnostics, unsafe)`` does it for every file of a run (``write=False``
  plans only, for ``--diff``; ``FixResult.diff`` renders it).

Each kind of fix is a ``Fixer`` in its own module, listed in ``registry.py``. Edits are
made on a libcst tree, so formatting and comments survive; libcst is imported and a
file parsed with it only when that file has something to fix. A result is kept only
if it parses (``ast`` and libcst), keeps every comment, and is stable: linting it
alone and fixing it again, for the same codes, changes nothing. Otherwise the source
is left unchanged and every finding is reported not fixed.
"""

from __future__ import annotations

import ast
import difflib
import io
import tokenize
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.analysis.noqa_directives import NOQA_AUDIT, without_directive
from fastapi_lint.config import Config
from fastapi_lint.diagnostics import Applicability, Diagnostic, Fix
from fastapi_lint.fixes.add_noqa import add_noqa_comments
from fastapi_lint.fixes.base import Edit, Import, Target
from fastapi_lint.fixes.placing import Facts, local_facts
from fastapi_lint.fixes.files import CHANGED, Refused, rewrite
from fastapi_lint.fixes.fixer import Fixer
from fastapi_lint.fixes.registry import FIXERS
from fastapi_lint.source import read

if TYPE_CHECKING:
    from fastapi_lint.analysis.context import Context

__all__ = [
    "CHANGED",
    "FIXERS",
    "NEEDS_UNSAFE",
    "NO_FIX",
    "FixResult",
    "Relint",
    "add_noqa_comments",
    "apply_to_file",
    "changed_since_checked",
    "check_parses",
    "fix_files",
    "fix_for",
    "fixable_codes",
    "plan_fixes",
    "preview_edit",
    "with_fixes",
]

# Lints ``source`` as the module ``path`` on its own, with the configuration: the findings, or
# the FAS900 that says why the text does not parse (``api.relint``).
Relint = Callable[[str, str, Config], list[Diagnostic]]

# Reasons a finding is not fixed that the CLI may want to count ("3 more with --unsafe-fixes").
NO_FIX = "no automatic fix"
NEEDS_UNSAFE = "the fix is unsafe: enable unsafe fixes to apply it"


@dataclass
class FixResult:
    new_source: str
    applied: list[Diagnostic] = field(default_factory=list)
    skipped: list[tuple[Diagnostic, str]] = field(default_factory=list)
    source: str = ""  # what the fixes started from, for ``--diff``
    # Why the file as a whole was left unchanged (cannot be read or written, changed since it was
    # checked), for the CLI to say.
    file_problem: str | None = None

    @property
    def changed(self) -> bool:
        return self.new_source != self.source

    def diff(self, path: str) -> str:
        """A unified diff of the fix, for ``--diff`` (empty when nothing changed)."""
        return "".join(
            difflib.unified_diff(
                self.source.splitlines(keepends=True),
                self.new_source.splitlines(keepends=True),
                fromfile=path,
                tofile=path,
            )
        )


# -- which fix a finding has ---------------------------------------------------


def fix_for(diagnostic: Diagnostic, context: Context) -> Fix | None:
    """The fix a finding has, from the facts of the project it was found in.

    ``context`` is the ``rules.Context`` of the run (``LintResult.context``). Cheap: no
    parsing, one lookup of the finding's span in its module's facts.
    """
    chosen = _choose(diagnostic, Facts.of(context))
    return chosen[1] if chosen is not None else None


def with_fixes(diagnostics: Sequence[Diagnostic], context: Context) -> list[Diagnostic]:
    """The findings with ``fix`` filled in where a fixer has one (what the engine attaches)."""
    codes = fixable_codes()
    found: list[Diagnostic] = []
    for diagnostic in diagnostics:
        fix = fix_for(diagnostic, context) if diagnostic.code in codes and diagnostic.fix is None else None
        found.append(replace(diagnostic, fix=fix) if fix is not None else diagnostic)
    return found


def _choose(diagnostic: Diagnostic, facts: Facts) -> tuple[Fixer, Fix, Target] | None:
    fixers = [fixer for fixer in FIXERS if diagnostic.code in fixer.codes]
    if not fixers:
        return None
    target = facts.target(diagnostic)
    for fixer in fixers:
        fix = fixer.propose(target, facts)
        if fix is not None:
            return fixer, fix, target
    return None


# -- applying fixes ----------------------------------------------------------------


def plan_fixes(
    source: str,
    path: str,
    diagnostics: Sequence[Diagnostic],
    unsafe: bool = False,
    *,
    relint: Relint,
    context: Context | None = None,
    config: Config | None = None,
) -> FixResult:
    """Fix what can be fixed in one module given as text.

    ``diagnostics`` are this module's findings. With the run's ``context`` the fixes use
    facts of the whole project (who calls a function), and ``source`` must be the text
    they were read from (else nothing is fixed: ``CHANGED``); without, the module is
    analysed on its own. ``config`` selects the rules for the stability check (default: defaults).
    """
    config = config or Config()
    try:
        new_source, applied, skipped = _plan(source, path, diagnostics, unsafe, context, config)
    except Exception as error:  # a bug in a fixer must not cost the file, nor the other files
        reason = f"not fixed: internal error in the fix engine ({type(error).__name__}: {error})"
        return FixResult(source, [], [(d, reason) for d in diagnostics], source)
    if not applied:
        changed = any(reason == f"not fixed: {CHANGED}" for _, reason in skipped)
        return FixResult(source, [], skipped, source, CHANGED if changed else None)
    try:
        problem = _check(source, new_source, path, unsafe, config, {(d.code, d.function) for d in diagnostics}, relint)
    except Exception as error:
        problem = f"internal error while checking the result ({type(error).__name__}: {error})"
    if problem is not None:
        return FixResult(source, [], [*skipped, *((d, f"not fixed: {problem}") for d in applied)], source)
    return FixResult(new_source, applied, skipped, source)


def preview_edit(
    diagnostic: Diagnostic,
    source: str,
    unsafe: bool = False,
    *,
    context: Context | None = None,
    config: Config | None = None,
) -> str | None:
    """``source`` with this one finding fixed (SARIF's proposed edit), or None: no fix, the fixer
    declines, the result does not parse, or a fixer's bug (which costs this preview, not the caller).

    Planned alone, without ``plan_fixes``' stability check: that check re-fixes the result for
    the same code, so with two findings of one code in a file a single finding's edit never
    passes it. The edit must still parse.
    """
    try:
        new_source, applied, _ = _plan(source, diagnostic.path, [diagnostic], unsafe, context, config or Config())
    except Exception:
        return None
    if applied and new_source != source and check_parses(new_source) is None:
        return new_source
    return None


def apply_to_file(
    path: Path | str,
    diagnostics: Sequence[Diagnostic],
    unsafe: bool = False,
    *,
    relint: Relint,
    context: Context | None = None,
    config: Config | None = None,
) -> FixResult:
    """``plan_fixes`` on a file, written back when something changed (``files.rewrite``).

    The file keeps its encoding (BOM, coding cookie), line endings, owner, mode, attributes
    and links. A file that cannot be read, decoded, encoded back or written, or that the
    user may not write, is left alone, its findings not fixed.
    """
    file_path = Path(path)
    try:
        source_file = read(file_path)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as error:
        return _unfixed("", diagnostics, f"cannot read the file ({error})")
    shown = diagnostics[0].path if diagnostics else str(path)
    result = plan_fixes(source_file.text, shown, diagnostics, unsafe, relint=relint, context=context, config=config)
    if not result.changed:
        return result
    try:
        # Planning takes a while: a save meanwhile must win over the fix, planned on the old text.
        rewrite(file_path, source_file.encode(result.new_source), expected=source_file.data)
    except Refused as refusal:
        problem = str(refusal)
    except (OSError, UnicodeEncodeError) as error:
        problem = f"cannot write the file ({error})"
    else:
        return result
    unfixed = _unfixed(source_file.text, result.applied, problem)
    return replace(unfixed, skipped=[*result.skipped, *unfixed.skipped])


def _unfixed(source: str, diagnostics: Sequence[Diagnostic], problem: str) -> FixResult:
    """The file left as it is, for a reason of the file's own."""
    return FixResult(source, [], [(d, f"not fixed: {problem}") for d in diagnostics], source, problem)


def changed_since_checked(context: Context, path: str, text: str) -> bool:
    """``text`` is not what the run of ``context`` analysed at ``path``: its findings' positions
    point into another text (the file was saved since it was checked)."""
    return Facts.of(context).changed_since(path, text)


def fix_files(
    diagnostics: Sequence[Diagnostic],
    unsafe: bool = False,
    *,
    relint: Relint,
    context: Context | None = None,
    config: Config | None = None,
    write: bool = True,
) -> dict[str, FixResult]:
    """Fix every file the findings are in, by their (display) path, which must name the file
    from the working folder, as ``lint_paths`` reports it. ``write=False`` only plans (``--diff``)."""
    by_path: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in diagnostics:
        by_path[diagnostic.path].append(diagnostic)
    results: dict[str, FixResult] = {}
    for path, found in by_path.items():
        if write:
            results[path] = apply_to_file(path, found, unsafe, relint=relint, context=context, config=config)
            continue
        try:
            text = read(Path(path)).text
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as error:
            results[path] = _unfixed("", found, f"cannot read the file ({error})")
            continue
        results[path] = plan_fixes(text, path, found, unsafe, relint=relint, context=context, config=config)
    return results


def _plan(
    source: str,
    path: str,
    diagnostics: Sequence[Diagnostic],
    unsafe: bool,
    context: Context | None,
    config: Config,
) -> tuple[str, list[Diagnostic], list[tuple[Diagnostic, str]]]:
    """The new text, the findings it fixes, and the others with why; no checks of the result."""
    skipped: list[tuple[Diagnostic, str]] = []
    fixable = [d for d in diagnostics if any(d.code in fixer.codes for fixer in FIXERS)]
    skipped += [(d, NO_FIX) for d in diagnostics if d not in fixable]
    if not fixable:
        return source, [], skipped
    facts = Facts.of(context) if context is not None else local_facts(source, path, config)
    if facts is None:
        return source, [], [*skipped, *((d, "not fixed: the file does not parse") for d in fixable)]
    if context is not None and any(facts.changed_since(d.path, source) for d in fixable):
        return source, [], [*skipped, *((d, f"not fixed: {CHANGED}") for d in fixable)]
    chosen: list[tuple[Diagnostic, Fixer, Target]] = []
    for diagnostic in fixable:
        found = _choose(diagnostic, facts)
        if found is None:
            skipped.append((diagnostic, NO_FIX))
        elif found[1].applicability is Applicability.UNSAFE and not unsafe:
            skipped.append((diagnostic, NEEDS_UNSAFE))
        else:
            chosen.append((diagnostic, found[0], found[2]))
    if not chosen:
        return source, [], skipped
    import libcst as cst  # only files with something to fix pay for libcst

    from fastapi_lint.fixes.imports import add_imports
    from fastapi_lint.fixes.tree import Tree, apply_edits

    try:
        tree = Tree(cst.parse_module(source))
    except (cst.ParserSyntaxError, RecursionError) as error:
        return source, [], [*skipped, *((d, f"not fixed: libcst cannot parse the file ({error})") for d, _, _ in chosen)]
    edits: dict[tuple[str, int], Edit] = {}
    owners: dict[tuple[str, int], list[Diagnostic]] = defaultdict(list)
    kinds: dict[int, str] = {}  # node -> the kind of fix that claimed it
    for diagnostic, fixer, target in chosen:
        outcome = fixer.edit(target, tree)
        if isinstance(outcome, str):
            skipped.append((diagnostic, f"not fixed: {outcome}"))
            continue
        claimed = kinds.setdefault(id(outcome.node), fixer.kind)
        if claimed != fixer.kind:
            skipped.append((diagnostic, f"not fixed: conflicts with the fix `{claimed}`"))
            continue
        edits.setdefault(outcome.key, outcome)
        owners[outcome.key].append(diagnostic)
    if not edits:
        return source, [], skipped
    module = apply_edits(tree.module, edits.values())
    needs: list[Import] = [need for edit in edits.values() for need in edit.imports]
    if needs:
        module = add_imports(module, needs)
    applied = [d for key in edits for d in owners[key]]
    return module.code, applied, skipped


# -- checking a result ------------------------------------------------------------


def _check(
    source: str,
    new_source: str,
    path: str,
    unsafe: bool,
    config: Config,
    asked: set[tuple[str, str | None]],
    relint: Relint,
) -> str | None:
    """Why the fixed text must not be kept, or None when it parses, keeps comments and is stable.

    Stable: linting the result alone and fixing it again, for the codes the caller asked to fix
    in the functions it asked about, changes nothing (findings of other codes, or in functions the
    project's scope left out, which a module linted alone may show, are not this call's business).
    """
    problem = check_parses(new_source)
    if problem is not None:
        return problem
    rewrites_directives = any(code == NOQA_AUDIT for code, _ in asked)
    lost = _comments(source, rewrites_directives) - _comments(new_source, rewrites_directives)
    if lost:
        return f"the fix would drop a comment ({next(iter(lost))})"
    # FAS901 judges a directive by the findings of the whole project's run, which the module
    # linted alone cannot reproduce (a code used by a cross-module finding would look unused):
    # its fix is stable by construction (what is left silences something), not re-checked here.
    again = [d for d in relint(new_source, path, config) if (d.code, d.function) in asked and d.code != NOQA_AUDIT]
    second, applied, _ = _plan(new_source, path, again, unsafe, None, config)
    if applied and second != new_source:
        return "fixing the result again would change it (the fixes are not stable)"
    return None


def check_parses(source: str) -> str | None:
    """Why the text is not valid Python for ``ast`` or libcst, or None."""
    import libcst as cst

    try:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(source)
        except SyntaxError:
            # Syntax newer than this Python: the text must read as the newest Python reads it.
            from fastapi_lint.analysis.extract.downgrade import read_newer

            if isinstance(read_newer(source), ast.Module):
                return None
            raise
        cst.parse_module(source)
    except (SyntaxError, ValueError, cst.ParserSyntaxError, RecursionError) as error:
        return f"the fixed code does not parse ({error})"
    return None


def _comments(source: str, without_directives: bool = False) -> Counter[str]:
    """The comments of ``source``; ``without_directives``: what each says besides a ``# noqa``
    directive (FAS901's fix rewrites directives, and must keep everything else)."""
    found: Counter[str] = Counter()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                text: str | None = token.string.rstrip()
                if without_directives and text is not None:
                    text = without_directive(text)
                if text:
                    found[text] += 1
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def fixable_codes() -> frozenset[str]:
    """The codes some fixer handles: what ``Rule.fixable`` should say."""
    return frozenset(code for fixer in FIXERS for code in fixer.codes)
