"""Functions registered on another framework's server object: an MCP server's tools
(``@mcp.tool``, ``mcp.tool(...)(fn)``, ``mcp.add_tool(fn)``), a bot's handlers, a scheduler's jobs.

Such a function is an entry point of that server, not of the FastAPI app: the server calls it
when it serves, most often in a process of its own (``python -m svc.mcp_server``). It may run on
the app's loop only when the app holds the server (``scope.py``: ``Where.UNKNOWN``):

- mounted or started by the app's own modules or its startup code
  (``app.mount("/mcp", mcp.http_app())``, ``scheduler.start()`` in the lifespan): every function
  registered on it may run;
- used by code the app runs per request (an in-memory client, ``Client(mcp)``): the functions
  that code can ask for, those whose name is written as a string somewhere in the project
  (``client.call_tool("lookup", ...)``, a table of tool names).

A call the analysis sees is placed as any call is: a tool the app awaits is on the request path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from fastapi_lint.analysis.facts import CallSite, FunctionFacts, ModuleSummary, Ref, RefKind, Value
from fastapi_lint.analysis.project import Project, per_project, unchanged_modules
from fastapi_lint.analysis.project_memos import share

# The libraries whose objects are the app itself, its routers, or values of no known type.
_NOT_FOREIGN = ("fastapi.", "starlette.", "?", "typing.", "builtins.")


@dataclass
class ForeignServers:
    # function path -> the module-level path of the server object it is registered on
    registered: dict[str, str] = field(default_factory=dict)


def registrations(project: Project, own_roots: set[str], skip: set[str]) -> ForeignServers:
    """The functions registered on a server object of another framework, with that object's path
    (modules whose display paths are in ``skip``, the tests, are not read). ``own_roots``: the
    top names of the project's modules (the same for every question of a project). Each module's
    share is kept with it (it reads name resolution alone)."""
    found = ForeignServers()
    shares = _registration_shares(project)
    for summary in project.summaries:
        if summary.path in skip:
            continue
        registered = share(shares, summary.path, lambda: tuple(_registered_in(project, own_roots, summary)))
        found.registered.update(registered)
    return found


@per_project.inherited(unchanged_modules)
def _registration_shares(project: Project) -> dict[str, tuple[tuple[str, str], ...]]:
    """What each module registers (``_registered_in``), by its display path."""
    return {}


def _registered_in(project: Project, own_roots: set[str], summary: ModuleSummary) -> Iterator[tuple[str, str]]:
    """The functions a module registers on a server object of another framework, with its path."""

    def server(callee: Ref | None) -> str | None:
        if callee is None or "." not in callee.path:
            return None
        owner = callee.path.removesuffix("()").rpartition(".")[0]
        if not owner:
            return None
        built = project.resolve(Ref(owner))
        if (built.kind is not RefKind.INSTANCE or built.path.startswith(_NOT_FOREIGN)
                or built.path.partition(".")[0] in own_roots):
            return None
        return owner

    for function in summary.functions:
        for decorator in function.decorators:
            ref = decorator.call.func if decorator.kind == "call" and decorator.call is not None else decorator.ref
            owner = server(ref)
            if owner is not None:
                yield function.path, owner
    for site in summary.module_calls:
        owner = server(site.func)
        if owner is None:
            continue
        for value in site.args:
            if value.kind == "ref" and value.ref is not None:
                target = project.resolve(value.ref).path
                if target in project.functions:
                    yield target, owner


def named_paths(functions: Iterable[FunctionFacts], summaries: Iterable[ModuleSummary] = ()) -> set[str]:
    """Every dotted path (and each of its prefixes) the code of the functions, and the module-level
    code of the modules, names: as a callee or a value."""
    found: list[Ref] = []
    for function in functions:
        found += (ref for call in function.calls for ref in _call_refs(call))
        found += (read.ref for read in function.reads)
    for summary in summaries:
        found += (ref for binding in summary.bindings for value in _values(binding.value) for ref in _value_refs(value))
        found += (ref for call in summary.module_calls for ref in _call_refs(call))
    paths: set[str] = set()
    for ref in found:
        parts = ref.path.removesuffix("()").split(".")
        paths.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return paths


def strings(project: Project, skip: set[str]) -> set[str]:
    """The string literals the project's code (but the modules in ``skip``) writes as values:
    call arguments, returned values, module-level names, the items of tables."""
    roots: list[Value] = []
    for summary in project.summaries:
        if summary.path in skip:
            continue
        roots += (binding.value for binding in summary.bindings)
        roots += (argument for call in summary.module_calls for argument in _arguments(call))
        for function in summary.functions:
            roots += (argument for call in function.calls for argument in _arguments(call))
            roots += function.returned
    return {value.text for root in roots for value in _values(root) if value.kind == "str"}


def _arguments(call: CallSite) -> list[Value]:
    return [*call.args, *(argument for _, argument in call.kwargs)]


def _values(value: Value | None) -> Iterator[Value]:
    """A value and those it holds: its items, and the arguments of the calls it makes."""
    pending = [value] if value is not None else []
    while pending:
        current = pending.pop()
        yield current
        pending += current.items
        if current.call is not None:
            pending += _arguments(current.call)


def _value_refs(value: Value) -> Iterator[Ref]:
    if value.ref is not None:
        yield value.ref
    if value.call is not None and value.call.func is not None:
        yield value.call.func


def _call_refs(call: CallSite) -> Iterator[Ref]:
    if call.func is not None:
        yield call.func
    for argument in _arguments(call):
        for value in _values(argument):
            yield from _value_refs(value)


def held(registered: dict[str, str], held_whole: set[str], held_by_name: set[str], names: set[str]) -> Iterator[str]:
    """The registered functions that may run on the app's loop: those of a server the app mounts
    or starts, and those named by a string of a server code run per request uses."""
    for path, owner in registered.items():
        if owner in held_whole or (owner in held_by_name and path.rpartition(".")[2] in names):
            yield path
