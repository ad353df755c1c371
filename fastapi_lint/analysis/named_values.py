"""What a project's code names without calling it: a function imported by name, aliased, handed to
a call (a callback, a registry's ``register(fn)``, ``mcp.tool()(fn)``), returned, or used as a
decorator; a module handed to a call (``getattr(module, name)``, ``inspect.getmembers(module)``).

A module-level coroutine that no call of the project runs may still run: something the analysis
does not see calls it, but only through such a name (``scope.py``: ``Where.UNKNOWN``). One that no
code names at all, but for its own ``def``, has no caller to come in a served project.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from fastapi_lint.analysis.facts import CallSite, Ref, RefKind, Value
from fastapi_lint.analysis.project import Project


@dataclass
class NamedValues:
    """Dotted paths named as values, as the project resolves them."""

    # named anywhere but in a call's callee: imports of the name, aliases, arguments, ...
    named: set[str] = field(default_factory=set)
    # handed to a call, returned or used as a decorator: not an import or an alias
    handed: set[str] = field(default_factory=set)


def named_values(project: Project, skip: Iterable[str]) -> NamedValues:
    """What the code of the project's modules (but those whose display paths are in ``skip``:
    tests) names without calling it."""
    skipped = set(skip)
    named: list[Ref] = []
    handed: list[Ref] = []
    for summary in project.summaries:
        if summary.path in skipped:
            continue
        named += (found for binding in summary.bindings for found in refs(binding.value))
        named += (stored for _, stored in summary.module_stores)  # ``HANDLERS[name] = fn`` in a function
        handed += (found for call in summary.module_calls for found in argument_refs(call))
        for klass in summary.classes:
            handed += (found for decorator in klass.decorators for found in refs(decorator))
            named += (attribute.value for attribute in klass.attributes)
            handed += (found for param in klass.fields for found in refs(param.default))
        for function in summary.functions:
            handed += (found for decorator in function.decorators for found in refs(decorator))
            handed += (found for param in function.params for found in refs(param.default))
            handed += (found for returned in function.returned for found in refs(returned))
            handed += (read.ref for read in function.reads)
            handed += (found for call in function.calls for found in argument_refs(call))
    result = NamedValues()
    result.handed = {path for ref in handed for path in _paths(project, ref)}
    result.named = {path for ref in named for path in _paths(project, ref)} | result.handed
    for summary in project.summaries:
        if summary.path not in skipped:
            result.named.update(imported for _, imported in summary.imports)
    return result


def _paths(project: Project, ref: Ref) -> tuple[str, ...]:
    """A reference as written and what it denotes; not the class of an object it holds (a server
    handed to a helper names the object, not its class)."""
    if ref.kind is RefKind.INSTANCE:
        return ()
    resolved = project.resolve(ref)
    return (ref.path,) if resolved.kind is RefKind.INSTANCE else (ref.path, resolved.path)


def refs(value: Value | None) -> Iterator[Ref]:
    """The references a value holds, in its items and in the arguments of the calls it makes."""
    pending = [value] if value is not None else []
    while pending:
        current = pending.pop()
        if current.ref is not None:
            yield current.ref
        pending += current.items
        if current.call is not None:
            pending += current.call.args
            pending += (argument for _, argument in current.call.kwargs)


def argument_refs(call: CallSite) -> Iterator[Ref]:
    for argument in (*call.args, *(argument for _, argument in call.kwargs)):
        yield from refs(argument)
