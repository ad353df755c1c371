"""Phase 1: one file's bytes to its facts (``ModuleSummary``), or the FAS900 diagnostic saying why not.

Per file and independent of every other file: what a worker process runs, and what the cache keeps.
"""

from __future__ import annotations

from pathlib import Path

from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.analysis.extract.parse import parse, parse_error
from fastapi_lint.analysis.extract.module_names import module_name
from fastapi_lint.analysis.extract.summary import summarize
from fastapi_lint.analysis.extract.bodies import summarize_installed
from fastapi_lint.diagnostics import INTERNAL_ERROR_HINT, Diagnostic
from fastapi_lint.paths import display_path
from fastapi_lint.source import read_source


def summarize_file(path: Path, display: str | None = None, data: bytes | None = None,
                   named: tuple[str, bool] | None = None, defer: str | None = None) -> ModuleSummary | Diagnostic:
    """Phase 1 for one file: read, parse, extract. Never raises for bad input. ``named``: the
    module and whether it is a package's ``__init__``, when the folders above the file do not
    say (an installed namespace package's module: ``analysis/installed.py``); ``defer``: the
    site-packages folder of such a module, whose functions' bodies are read when asked about
    (``deferred.py``)."""
    shown = display or display_path(path)
    if data is None:
        try:
            data = read_source(path)
        except IsADirectoryError:
            return parse_error(shown, 1, 0, "expected a file, found a directory")
        except OSError as error:
            return parse_error(shown, 1, 0, f"cannot read the file: {error.strerror or error}")
    parsed = parse(data, shown)
    if isinstance(parsed, Diagnostic):
        return parsed
    try:
        module, is_package = named or module_name(path)
        summary = summarize(parsed, shown, module, is_package) if defer is None else \
            summarize_installed(parsed, shown, module, is_package, defer)
    except (RecursionError, MemoryError):
        return parse_error(shown, 1, 0, "the file is nested too deeply to analyse")
    except Exception as error:  # a bug in phase 1 must not cost the other files
        return parse_error(shown, 1, 0, f"internal error while analysing the file ({type(error).__name__}: {error}); {INTERNAL_ERROR_HINT}")
    return summary
