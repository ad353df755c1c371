"""Lint a text as the file it will be: one module given as text (``lint_source``), or a file's
text linked with the other files of its project (``lint_text_in_project``: standard input, the
flake8 plugin, the fixes' stability check)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.analysis.extract import summarize_file
from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.config import Config
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.discovery import discover
from fastapi_lint.paths import CACHE_DIR_NAME, display_path, project_root, real_or_absolute
from fastapi_lint.run.check import check_project

if TYPE_CHECKING:
    from fastapi_lint.analysis.context import Context


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
