"""Which files that do not parse may belong to the served app.

A file with a syntax error has no facts, so the scope cannot place its functions; what it can
say is whether the app's code imports it. Where the project has an app, a broken file that no
module of the app's import closure imports (notes saved as ``.py``, a pasted snippet, a one-off
script for another repository) cannot stall the server, and its FAS900 is left out of the
default scope like any finding in code the app never loads. A project without an app, or whose
routes the analysis cannot name, reports every broken file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from fastapi_lint.analysis.scope_closure import app_module

if TYPE_CHECKING:
    from fastapi_lint.analysis.context import Context


@dataclass(frozen=True)
class ServedFiles:
    # every module an import of the app's closure names (``from a import b`` names ``a`` and ``a.b``)
    imported: frozenset[str]
    # the folders of modules loaded by a name computed at run time: a broken file there may be one
    by_name_folders: frozenset[str]
    # the modules of the files that parse: an import of one of those names finds that file, not a
    # broken one elsewhere that would bear the name under another root (a code generator's
    # template of ``polar/version/__init__.py``, beside the real one)
    parsed: frozenset[str] = frozenset()

    def holds(self, path: str) -> bool:
        """Whether the broken file at display path ``path`` may be one the app imports: some
        import names it, whichever import root (``src/``, the repository's root) it is under."""
        posix = PurePosixPath(path.replace(os.sep, "/"))
        if str(posix.parent) in self.by_name_folders:
            return True
        parts = posix.with_suffix("").parts
        if parts and parts[-1] == "__init__":
            parts = parts[:-1]
        return any((name := ".".join(parts[start:])) in self.imported and name not in self.parsed
                   for start in range(len(parts)))


def served_files(context: Context) -> ServedFiles | None:
    """What the app's closure imports; None when every broken file counts (no app, or a blind one)."""
    scopes = context.scopes
    if not scopes.has_app or scopes.blind:
        return None
    loaded = scopes.closure | _app_modules(context)
    imported = set(loaded)
    for summary in context.project.summaries:
        if summary.module in loaded and summary.path not in scopes.tests:
            imported.update(module for _, module in summary.imports)
    folders = {str(PurePosixPath(found.path.replace(os.sep, "/")).parent) for module in scopes.loaded_by_name
               if (found := context.project.modules.get(module)) is not None}
    return ServedFiles(frozenset(imported), frozenset(folders), frozenset(context.project.modules))


def _app_modules(context: Context) -> set[str]:
    """The modules that define the apps serving routes (``svc.main`` for ``svc.main.app``)."""
    keys = {mount.app for route in context.model.routes for mount in route.mounts if mount.app}
    return {module for key in keys if (module := app_module(context.project, key))}
