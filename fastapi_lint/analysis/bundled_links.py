"""Reads of files shipped with the code, through a name of another module (``bundled.py``):
``open(BASE_DIR / "x.json")`` where ``config.py`` has ``BASE_DIR = Path(__file__).parent``.

Phase 1 lists, per module, what it binds to a path of its own files (``bundled_exports``), and
per function, the reads whose path mentions names of other modules (``foreign_reads``). A read is
bundled when one of those names is an export of the module that defines it, followed through up
to three re-exports (``from app.config import BASE_DIR`` in a package's ``__init__``).
"""

from __future__ import annotations

from fastapi_lint.analysis.project import Located, Project, per_project

_REEXPORTS = 3


def bundled_elsewhere(project: Project, located: Located, line: int, col: int) -> bool:
    """Whether the read at ``(line, col)`` of ``located`` reads a file through another module's bundled path."""
    function = located.function
    if not function.foreign_reads:
        return False
    memo = _memo(project)
    for point, paths in zip(function.foreign_reads, function.foreign_paths):
        if point == (line, col):
            return any(_is_export(project, path, memo) for path in paths)
    return False


@per_project
def _memo(project: Project) -> dict[str, bool]:
    return {}


def _is_export(project: Project, path: str, memo: dict[str, bool]) -> bool:
    found = memo.get(path)
    if found is None:
        found = memo[path] = _follow(project, path)
    return found


def _follow(project: Project, path: str) -> bool:
    for _ in range(_REEXPORTS):
        module, rest = _split(project, path)
        if module is None or not rest:
            return False
        summary = project.modules[module]
        if rest in summary.bundled_exports:
            return True
        first, _, tail = rest.partition(".")
        binding = next((b for b in summary.bindings if b.name == first), None)
        if binding is None or binding.value.kind != "ref" or binding.value.ref is None:
            return False
        target = binding.value.ref.path
        path = f"{target}.{tail}" if tail else target
    return False


def _split(project: Project, path: str) -> tuple[str | None, str]:
    """The longest module of the project that ``path`` starts with, and the rest."""
    parts = path.split(".")
    for end in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:end])
        if module in project.modules:
            return module, ".".join(parts[end:])
    return None, ""
