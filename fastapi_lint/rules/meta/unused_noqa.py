from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.analysis.noqa_directives import NOQA_AUDIT, DirectiveFix, directive_span, is_our_code, quoted
from fastapi_lint.diagnostics import Applicability, Diagnostic, Severity, Span
from fastapi_lint.analysis.context import Context
from fastapi_lint.rules import Rule

if TYPE_CHECKING:
    from fastapi_lint.analysis.facts import ModuleSummary


class UnusedNoqa(Rule):
    """A `# noqa` code of fastapi-lint that silences nothing, does not exist, or is a rule's name.

    ## What it does
    Reads every `# noqa: ...` directive and reports, once per directive, the
    fastapi-lint codes in it that silenced no finding on that line in this run
    (their rule ran on the file and found nothing there), codes no rule has
    (`FAS110`), codes named twice, and rule names written in place of codes
    (`blocking-call-in-async`). Other tools' codes (`F401`, `E501`) and a bare
    `# noqa` are left alone. Off by default, as Ruff's `RUF100`.

    A code counts as used when its rule reported something on the line,
    whether or not that finding is shown: one the scope leaves out (a test, a
    script, startup code: `--scope all` shows it) still needs its comment. A
    code is not judged at all where its rule did not run: not selected, turned
    off for the file by `per-file-ignores`, or stopped by an internal error.

    ## Why is this bad?
    A suppression that silences nothing hides the next real finding on its
    line, and tells the reader a problem is there when it is gone. A code that
    no rule has (a typo, a renumbered rule) silences nothing. A rule's name is
    understood by fastapi-lint, but flake8 reads `# noqa: <a name>` as a bare
    `# noqa` and hides every other tool's finding on the line, and Ruff warns
    about it on every run.

    ## Known problems
    The judgement holds for the run's selection and configuration: a code whose
    rule is off in this run is never called unused, so run it with the rules
    your CI runs. A run that names files (pre-commit) still analyses their
    whole project, so cross-module findings count. A directive of a file that
    does not parse is not judged, nor one quoted in backticks in a comment that
    documents the syntax. With this rule selected, a run after an
    edit of comments only re-runs the project phase instead of carrying the
    last findings over.

    ## Example
    ```python
    import asyncio


    async def pause() -> None:
        await asyncio.sleep(1)  # noqa: FAS110
    ```

    ## Use instead
    ```python
    import asyncio


    async def pause() -> None:
        await asyncio.sleep(1)
    ```

    ## Fix safety
    Safe: the codes removed silence nothing in fastapi-lint, and other tools'
    codes are kept. A directive left with no code is removed whole, with the
    separators of a reason written after it (`# noqa: FAS101 -- mocked`
    becomes `# mocked`), never left as a bare `# noqa`. A rule's name becomes
    its code, which silences the same finding here; in flake8 it silences only
    that code, where the name silenced everything on the line.
    """

    code = NOQA_AUDIT
    name = "unused-noqa"
    severity = Severity.INFO
    default_enabled = False
    fixable = True

    def check(self, context: Context) -> Iterator[Diagnostic]:
        return iter(())  # made by ``audit`` from the other rules' findings (run/check.py's check_project)


def audit(
    summaries: Sequence[ModuleSummary],
    found: Sequence[Diagnostic],
    selected: frozenset[str],
    ignored_for: Callable[[Path], frozenset[str]] | None,
    paths: dict[str, Path] | None,
    errored: Collection[str],
) -> list[Diagnostic]:
    """FAS901's findings, from every finding of the run's rules before ``# noqa`` and the scope
    (``found``: after ``per-file-ignores``), the codes ``selected``, the codes ``ignored_for``
    a file (its ``per-file-ignores``, when there are any), the rules that ``errored``, and each
    module's directives."""
    from fastapi_lint.rules import by_name, registry

    known = registry()
    names = {name.lower(): rule.code for name, rule in by_name().items()}
    fired: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for diagnostic in found:
        for line in (diagnostic.span.line, *diagnostic.noqa_lines):
            fired[diagnostic.path].add((line, diagnostic.code))
    reports: list[Diagnostic] = []
    for summary in summaries:
        if not any(summary.noqa.values()):
            continue
        ignored: frozenset[str] = frozenset()
        if ignored_for is not None and paths and summary.path in paths:
            ignored = ignored_for(paths[summary.path])
        if NOQA_AUDIT in ignored:
            continue
        ran = selected - ignored - set(errored)
        here = fired.get(summary.path, set())
        lines: list[str] | None = None
        for line, tokens in sorted(summary.noqa.items()):
            verdict = _judge(tokens, line, known, names, ran, here)
            if verdict is None:
                continue
            if lines is None:
                lines = _lines(summary, paths)
            if lines is not None and line <= len(lines) and quoted(lines[line - 1]):
                continue
            reports.append(_report(summary.path, line, lines, verdict))
    return reports


class _Verdict:
    def __init__(self) -> None:
        self.unused: list[str] = []
        self.unknown: list[str] = []
        self.repeated: list[str] = []
        self.renamed: list[tuple[str, str]] = []

    def __bool__(self) -> bool:
        return bool(self.unused or self.unknown or self.repeated or self.renamed)


def _judge(
    tokens: tuple[str, ...],
    line: int,
    known: Collection[str],
    names: dict[str, str],
    ran: Collection[str],
    fired: set[tuple[int, str]],
) -> _Verdict | None:
    verdict = _Verdict()
    seen: set[str] = set()
    for token in tokens:
        if is_our_code(token):
            code = token.upper()
        elif "-" in token and token.lower() in names:
            code = names[token.lower()]
        else:
            continue  # another tool's code, or a word that is not ours
        if code == NOQA_AUDIT:
            if not is_our_code(token):
                verdict.renamed.append((token, code))
            continue  # this rule's own code silences its findings; it is not judged
        if code in seen:
            verdict.repeated.append(token)
            continue
        seen.add(code)
        if code not in known:
            verdict.unknown.append(token)
        elif code in ran and (line, code) not in fired:
            verdict.unused.append(token)
        elif not is_our_code(token):
            verdict.renamed.append((token, code))
    return verdict if verdict else None


def _report(path: str, line: int, lines: list[str] | None, verdict: _Verdict) -> Diagnostic:
    parts = []
    if verdict.unused:
        parts.append(f"{_listed(verdict.unused)} silence{'s' if len(verdict.unused) == 1 else ''} nothing on this line")
    if verdict.unknown:
        parts.append(f"{_listed(verdict.unknown)} {'is no' if len(verdict.unknown) == 1 else 'are not'} fastapi-lint code{'s' if len(verdict.unknown) != 1 else ''}")
    if verdict.repeated:
        parts.append(f"{_listed(verdict.repeated)} named twice")
    if verdict.renamed:
        renames = ", ".join(f"`{name}` is `{code}`" for name, code in verdict.renamed)
        parts.append(f"a rule name, which flake8 reads as a bare `# noqa` ({renames})")
    drop = {token.upper() if is_our_code(token) else token.lower() for token in [*verdict.unused, *verdict.unknown]}
    drop |= {token.lower() for token in verdict.repeated if not is_our_code(token)}  # a code twice: ``rewrite`` keeps one
    rename = tuple(sorted({(name.lower(), code) for name, code in verdict.renamed}))
    if verdict.renamed and not (verdict.unused or verdict.unknown or verdict.repeated):
        title = "Write the code in place of the rule's name"
    else:
        title = "Remove what silences nothing"
    span = directive_span(lines[line - 1]) if lines is not None and line <= len(lines) else None
    start, end = span if span is not None else (0, 0)
    return Diagnostic(
        code=NOQA_AUDIT,
        name=UnusedNoqa.name,
        severity=UnusedNoqa.severity,
        message=f"`# noqa` directive: {'; '.join(parts)}",
        path=path,
        span=Span(line, start, line, end),
        help="Remove the codes that silence nothing (other tools' codes stay); write codes, not rule names",
        fix=DirectiveFix(title, Applicability.SAFE, drop=tuple(sorted(drop)), rename=rename),
    )


def _listed(tokens: list[str]) -> str:
    return ", ".join(f"`{token}`" for token in tokens)


def _lines(summary: ModuleSummary, paths: dict[str, Path] | None) -> list[str] | None:
    """The module's lines, to point at the directive: read again, and only if they are still the
    text the facts were read from (a file saved since, or text that is not on disk: column 0)."""
    from fastapi_lint.analysis.extract.parse import text_digest
    from fastapi_lint.source import decode, read_source, split_lines

    try:
        source = decode(read_source((paths or {}).get(summary.path, Path(summary.path))))
    except (OSError, SyntaxError, LookupError, UnicodeDecodeError, ValueError):
        return None
    return split_lines(source) if text_digest(source) == summary.text_digest else None
