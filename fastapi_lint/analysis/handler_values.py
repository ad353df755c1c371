"""The project functions a value handed to a registration may be (``endpoint=...``).

A handler is named (``endpoint=read_items``), or made by a factory of the project that returns a
function (``endpoint=post_endpoint(worker=w)``), possibly through a local bound on several
branches to different factories (``if get: h = get_single(...) else: h = post_single(...)``), a
conditional expression (``a if interactive else b``), or a helper that hands its argument back
after touching it (``return _with_annotation(handler, "payload", T)``). Each of those is a handler
the app serves: a route's root, not code no one is seen to run.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi_lint.analysis.call_arguments import passed
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, Ref, RefKind, Value
from fastapi_lint.analysis.project import Located, Project

# Factories inside factories, wrappers inside wrappers: deeper chains are not seen in practice.
_MAX_DEPTH = 4


def handler_functions(project: Project, value: Value | None, depth: int = 0) -> list[Located]:
    """The project functions ``value`` may be, when it is handed over as a function to call."""
    if value is None or depth > _MAX_DEPTH:
        return []
    if value.kind == "either":
        return _unique(found for item in value.items for found in handler_functions(project, item, depth + 1))
    if value.kind == "call" and value.call is not None and value.call.func is not None:
        return _made_by(project, project.resolve(value.call.func).path, value.call, depth)
    if value.kind == "ref" and value.ref is not None and value.ref.kind is RefKind.INSTANCE and value.ref.path.endswith("()"):
        # A local bound to a call (``handler = get_single(worker=w)``): what the factory returns.
        return _made_by(project, project.resolve(Ref(value.ref.path[:-2])).path, None, depth)
    resolved = project.resolve_value(value)
    located = project.function(resolved.path) if resolved.kind is not RefKind.INSTANCE else None
    return [located] if located is not None else []


def _made_by(project: Project, factory: str, call: CallSite | None, depth: int) -> list[Located]:
    """What calling the project function ``factory`` gives, when that is a function: its returned
    functions, or the argument of ``call`` that a pass-through helper hands back."""
    located = project.function(factory)
    if located is None or located.function.is_async or located.function.is_generator:
        return []
    function = located.function
    parameter = _handed_back(function)
    if parameter is not None:
        return handler_functions(project, passed(function, call, parameter), depth + 1) if call is not None else []
    return _unique(found for returned in function.returned for found in handler_functions(project, returned, depth + 1))


def _handed_back(function: FunctionFacts) -> str | None:
    """The parameter a function returns on every path (``return handler``), if it returns one."""
    returned = function.returned
    texts = {value.text for value in returned}
    if returned and len(texts) == 1 and all(value.kind in ("ref", "other") for value in returned):
        name = texts.pop()  # an annotated parameter reads as a ``ref`` to its type, written as its name
        return name if any(param.name == name for param in function.params) else None
    return None


def _unique(found: Iterable[Located]) -> list[Located]:
    seen: dict[str, Located] = {}
    for located in found:
        seen.setdefault(located.function.path, located)
    return list(seen.values())
