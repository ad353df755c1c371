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

from fastapi_lint.analysis.facts import CallSite, ModuleSummary, Ref, RefKind, Value
from fastapi_lint.analysis.project import Project, per_project, unchanged_modules
from fastapi_lint.analysis.project_memos import share


@dataclass
class NamedValues:
    """Dotted paths named as values, as the project resolves them."""

    # named anywhere but in a call's callee: imports of the name, aliases, arguments, ...
    named: set[str] = field(default_factory=set)
    # handed to a call, returned or used as a decorator: not an import or an alias
    handed: set[str] = field(default_factory=set)
    # named anywhere but in a call's callee or an import (an alias, a table's entry, an argument)
    values: set[str] = field(default_factory=set)


def named_values(project: Project, skip: Iterable[str]) -> NamedValues:
    """What the code of the project's modules (but those whose display paths are in ``skip``:
    tests) names without calling it. Computed once per project and set of skipped modules (the
    scope's and the dispatch's questions both ask, each with its own test set): do not change
    what it returns."""
    skipped = frozenset(skip)
    memo = _memo(project)
    found = memo.get(skipped)
    if found is None:
        found = NamedValues()
        per_module = _per_module(project)
        for summary in project.summaries:
            if summary.path not in skipped:
                named = share(per_module, summary.path, lambda: _named_in(project, summary))
                found.handed |= named.handed
                found.values |= named.values
                found.named |= named.named
        memo[skipped] = found
    return found


@per_project
def _memo(project: Project) -> dict[frozenset[str], NamedValues]:
    return {}


@per_project.inherited(unchanged_modules)
def _per_module(project: Project) -> dict[str, NamedValues]:
    """Each module's share, by display path: the test sets of two questions differ by a few
    modules, and the rest is the same union."""
    return {}


def _named_in(project: Project, summary: ModuleSummary) -> NamedValues:
    named: list[Ref] = []
    imports: list[Ref] = []  # ``from x import y``: a name bound to what another module defines
    handed: list[Ref] = []
    others: list[Ref] = []  # what functions hand on, but a class's own methods naming it
    imported = {path for _, path in summary.imports}
    for binding in summary.bindings:
        value = binding.value
        is_import = value.kind == "ref" and value.ref is not None and value.ref.path in imported
        (imports if is_import else named).extend(refs(value))
    named += (stored for _, stored in summary.module_stores)  # ``HANDLERS[name] = fn`` in a function
    at_module_level = [found for call in summary.module_calls for found in argument_refs(call)]
    for klass in summary.classes:
        at_module_level += (found for decorator in klass.decorators for found in refs(decorator))
        named += (attribute.value for attribute in klass.attributes)
        at_module_level += (found for param in klass.fields for found in refs(param.default))
    handed += at_module_level
    others += at_module_level
    for function in summary.functions:
        found_here = [
            *(found for decorator in function.decorators for found in refs(decorator)),
            *(found for param in function.params for found in refs(param.default)),
            *(found for returned in function.returned for found in refs(returned)),
            *(read.ref for read in function.reads),
            *(found for call in function.calls for found in argument_refs(call)),
        ]
        handed += found_here
        # a class naming itself in its own methods (``implementation=cls``) is not named by others
        others += (ref for ref in found_here if function.class_path is None
                   or project.resolve(ref).path != function.class_path)
    result = NamedValues()
    result.handed = {path for ref in handed for path in _paths(project, ref)}
    named_here = {path for ref in named for path in _paths(project, ref)}
    result.values = named_here | {path for ref in others for path in _paths(project, ref)}
    result.named = (named_here | result.handed | {path for ref in imports for path in _paths(project, ref)}
                    | imported)
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
