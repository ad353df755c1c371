"""What a function hands back to its caller: whether it returns an object one of some callables made."""

from __future__ import annotations

from collections.abc import Collection

from fastapi_lint.analysis.facts import FunctionFacts, Ref
from fastapi_lint.analysis.project import Project


def made(project: Project, ref: Ref, makes: Collection[str]) -> bool:
    """Whether ``ref`` holds what one of ``makes`` made (``t = Transport()``) or is one of them."""
    path = ref.path
    return (path.endswith("()") and path[:-2] in makes) or project.resolve(ref).path in makes


def returns_made(project: Project, function: FunctionFacts, makes: Collection[str]) -> bool:
    """``return create_engine(...)``, ``return engine`` (a local), ``return SessionLocal, engine``."""
    pending = list(function.returned)
    while pending:
        value = pending.pop()
        pending.extend(value.items)
        if value.kind == "call" and value.call is not None and value.call.func is not None:
            if project.resolve(value.call.func).path in makes:
                return True
        if value.kind == "ref" and value.ref is not None and made(project, value.ref, makes):
            return True
    return False
