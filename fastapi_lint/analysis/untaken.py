"""The lines of a function that no call of it runs: a branch on a parameter every caller rules out.

``call_arguments.dead_lines`` drops, from what one call runs, the branch its arguments rule out.
A finding written in the function itself is reported by where the function runs, not by the call:
when every call of the function that a request may run (tests, commands and scripts aside: in a
project without an app, every call) rules the same branch out, no request runs the line,
whichever route reaches the function::

    async def upload(files, dest, force_move: bool = True):
        ...
        if force_move:
            shutil.move(tmp, dest)      # every caller passes force_move=False: never runs
        else:
            pending.append(tmp)

What is known of the callers decides nothing when the function is a route, a dependency or
another function FastAPI calls with a request's values, when it has no caller the analysis sees,
or when one of its callers hands it to something else to run (``executor.submit(upload, ...)``:
the arguments are not the function's). Such lines are shown with ``--scope all``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from fastapi_lint.analysis.call_arguments import LineRange, constant_given, dead_lines, in_ranges, passed
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, Ref, RefKind, Value
from fastapi_lint.analysis.guards import callers, run_by_requests
from fastapi_lint.analysis.kept_fields import kept_constant, the_one
from fastapi_lint.analysis.project import Located, Project, per_project

if TYPE_CHECKING:
    from fastapi_lint.analysis.callgraph import CallGraph


def untaken_lines(graph: CallGraph, roles: Mapping[str, set[str]], located: Located) -> frozenset[LineRange]:
    """The line ranges of ``located`` that no call of it runs (empty when that cannot be told)."""
    function = located.function
    if not function.branches:
        return frozenset()
    project = graph.project
    memo = _MEMO(project)
    found = memo.get(function.path)
    if found is None:
        found = memo[function.path] = _untaken(graph, roles, located)
    return found


def _untaken(graph: CallGraph, roles: Mapping[str, set[str]], located: Located) -> frozenset[LineRange]:
    function = located.function
    if roles.get(function.path):
        return frozenset()
    sites = callers(graph).get(function.path, [])
    requests = run_by_requests(graph)
    if requests is not None:  # a training script's or a command's call is not a request's
        sites = [(site, caller) for site, caller in sites if caller in requests]
    if not sites or not all(_calls(graph, site, function) for site, _ in sites):
        return frozenset()
    project = graph.project
    untaken: frozenset[LineRange] | None = None
    for site, caller in sites:
        dead = dead_lines(project, function, with_kept_constants(graph, roles, site, caller))
        untaken = dead if untaken is None else _overlap(untaken, dead)
        if not untaken:
            return frozenset()
    return untaken or frozenset()


def with_kept_constants(graph: CallGraph, roles: Mapping[str, set[str]], site: CallSite, caller: str) -> CallSite:
    """``site`` with each argument that holds one constant on every request replaced by it
    (``_constant_of``): a field of the caller's object its constructor copies from a parameter
    (``generate_mode=self.generate_mode``, where ``ExecutionEngine()`` in the route leaves it at its
    default), or a parameter of the caller passed on as it came. A parameter the caller binds
    again before passing it is taken as it came: the branch may then be ruled out wrongly, which
    only hides a finding."""
    located = graph.project.function(caller)
    if located is None:
        return site
    args = tuple(_constant_of(graph, roles, located, value, _DEPTH) or value for value in site.args)
    kwargs = tuple((name, _constant_of(graph, roles, located, value, _DEPTH) or value) for name, value in site.kwargs)
    return site if (args, kwargs) == (site.args, site.kwargs) else site._replace(args=args, kwargs=kwargs)


def _constant_of(graph: CallGraph, roles: Mapping[str, set[str]], located: Located, value: Value,
                 depth: int) -> Value | None:
    """The constant ``value``, written in ``located``, holds on every request: a field its
    constructor copies (``self.generate_mode``), or a parameter it passes on as it came
    (``generate_mode`` of ``try_get_backward_call(..., generate_mode='default')``), which its
    callers a request runs give, up to ``depth`` calls up; or, for a route's or a dependency's
    parameter FastAPI fills with a ``BackgroundTasks`` (``_INJECTED``), an object that is true."""
    if value.kind not in ("ref", "other"):
        return None
    if value.text.startswith("self.") and "." not in value.text[5:] and located.function.class_path is not None:
        return kept_constant(graph, located, value.text)
    param = next((param for param in located.function.params if param.name == value.text), None)
    if depth <= 0 or param is None:
        return None
    if (roles.get(located.function.path, set()) & _FILLED_BY_FASTAPI and param.annotation is not None
            and param.annotation.ref is not None and graph.project.resolve(param.annotation.ref).path in _INJECTED):
        return _AN_OBJECT
    requests = run_by_requests(graph)
    sites = [(site, caller) for site, caller in callers(graph).get(located.function.path, [])
             if requests is not None and caller in requests]
    given: set[Value | None] = set()
    for site, caller in sites:
        passed_here = constant_given(located.function, site, value.text)
        outer = graph.project.function(caller)
        if passed_here is None and outer is not None and (written := passed(located.function, site, value.text)) is not None:
            passed_here = _constant_of(graph, roles, outer, written, depth - 1)
        given.add(passed_here)
    return the_one(given)


def unpassed(graph: CallGraph, roles: Mapping[str, set[str]], located: Located) -> frozenset[tuple[int, str]]:
    """The (line, implementation) pairs of ``located``'s calls on a parameter (``source.records()``
    on a ``MemorySource``) that run an implementation of no class whose objects the callers a
    request runs pass for it (``classes_passed``: a route makes a ``COGXArchiveSource`` and hands it
    down), nor of a base of one: no request runs them there."""
    memo = _UNPASSED(graph.project)
    found = memo.get(located.function.path)
    if found is None:
        project, parameters = graph.project, {param.name for param in located.function.params}
        pairs: set[tuple[int, str]] = set()
        for site, targets in targets_by_site(graph, located.function.path):
            receiver = site.text.rpartition(".")[0]
            classes = classes_passed(graph, roles, located, receiver) if len(targets) > 1 and receiver in parameters else None
            if classes:
                runs = {base for made in classes for base in project.mro(made)}
                pairs.update((site.span.line, target) for target in targets if (method := project.function(target))
                             and method.function.class_path is not None and method.function.class_path not in runs)
        found = memo[located.function.path] = frozenset(pairs)
    return found


def targets_by_site(graph: CallGraph, path: str) -> list[tuple[CallSite, list[str]]]:
    """The functions each call of the function at ``path`` may run (``graph.runs``), by call."""
    by_site: dict[int, tuple[CallSite, list[str]]] = {}
    for site, target in graph.runs(path):
        by_site.setdefault(id(site), (site, []))[1].append(target)
    return list(by_site.values())


def classes_passed(graph: CallGraph, roles: Mapping[str, set[str]], located: Located, parameter: str,
                   depth: int | None = None) -> frozenset[str] | None:
    """The project's classes of the objects that every call of ``located`` a request runs passes
    for ``parameter``: made in the call, or bound to one made before it
    (``import_memory_source(COGXArchiveSource(root))``), or passed on as it came by a caller given
    them, up to ``depth`` calls up; not counting calls on lines no call of their function a request
    runs makes (``untaken_lines``). None when a call passes anything else (or nothing), hands the
    function to a runner, when FastAPI calls the function, or when no call is seen: then any
    implementation may come."""
    function, depth = located.function, _DEPTH if depth is None else depth
    if roles.get(function.path) or depth < 0:
        return None
    sites = callers(graph).get(function.path, [])
    requests = run_by_requests(graph)
    if requests is not None:
        sites = [(site, caller) for site, caller in sites if caller in requests]
    if not sites:
        return None
    project, found = graph.project, set[str]()
    for site, caller in sites:
        outer = project.function(caller)
        if outer is not None and in_ranges(site.span.line, untaken_lines(graph, roles, outer)):
            continue  # a call no request makes (``if isinstance(data, MemorySource):`` given text)
        written = passed(function, site, parameter) if _calls(graph, site, function) else None
        given = next((param for param in outer.function.params if param.name == written.text), None) \
            if outer is not None and written is not None else None
        if given is not None and outer is not None and written is not None:
            # passed on as it came: its type is still the parameter's annotation (bound again, it is not)
            if written.ref is None or written.ref.kind is not RefKind.INSTANCE or given.annotation is None \
                    or given.annotation.ref is None or written.ref.path != given.annotation.ref.path:
                return None
            more = classes_passed(graph, roles, outer, written.text, depth - 1)
        else:
            more = _made(project, written)
        if more is None:
            return None
        found |= more
    return frozenset(found)


def _made(project: Project, value: Value | None) -> frozenset[str] | None:
    """The project's classes ``value`` is an object of when it is made there: in the call
    (``Archive(rows)``), bound to one made before (``source = Archive(rows)``), or one of those on
    each side of a conditional expression; None for anything else."""
    if value is None:
        return None
    if value.kind == "either" and value.items:
        found: set[str] = set()
        for item in value.items:
            more = _made(project, item)
            if more is None:
                return None
            found |= more
        return frozenset(found)
    if value.call is not None and value.call.func is not None:
        made = project.resolve(value.call.func).path
    elif value.ref is not None and value.ref.kind is RefKind.INSTANCE and value.ref.path.endswith("()"):
        made = project.resolve(Ref(value.ref.path.removesuffix("()"), RefKind.SYMBOL)).path
    else:
        return None
    return frozenset({made}) if made in project.classes else None


def _overlap(one: frozenset[LineRange], other: frozenset[LineRange]) -> frozenset[LineRange]:
    """The lines in both sets of ranges: one call skips the ``else`` of ``if local:`` (lines 15-23),
    another the ``else`` of ``if kind == "json":`` inside it (18-23); neither runs 18-23."""
    return frozenset((max(a, c), min(b, d)) for a, b in one for c, d in other if max(a, c) <= min(b, d))


def _calls(graph: CallGraph, site: CallSite, function: FunctionFacts) -> bool:
    """Whether ``site`` calls ``function`` itself (its arguments are the function's), rather than
    handing it to a runner: by its name, or by another it is imported as (``from cognee import
    remember as cognee_remember``). ``**options`` may hold only parameters the call names nowhere
    else, which what reads a parameter's value tells apart (``call_arguments.passed``)."""
    if site.func is None or site.has_star_args:
        return False
    called = site.func.path.removesuffix("()").rpartition(".")[2]
    if function.name == "__init__" and function.class_path is not None:
        return called == function.class_path.rpartition(".")[2]
    return called == function.name or graph.targets(graph.project.resolve(site.func)) == [function.path]


_MEMO = per_project[dict[str, frozenset[LineRange]]](lambda project: {})
_UNPASSED = per_project[dict[str, frozenset[tuple[int, str]]]](lambda project: {})
# What FastAPI passes a route or a dependency declaring a parameter of this type: a new object on
# every call, never None and never empty (it has no ``__bool__`` nor ``__len__``), so a helper's
# ``if background_tasks: ... else: send_now()`` never takes its ``else`` for what the route hands on.
_INJECTED = frozenset({"fastapi.BackgroundTasks", "fastapi.background.BackgroundTasks", "starlette.background.BackgroundTasks"})
_FILLED_BY_FASTAPI = frozenset({"route", "dependency"})
_AN_OBJECT = Value("const", "True")  # such an object, as a branch's test reads it: true, not None
# How many calls up a parameter passed on as it came is followed to the constant its callers give.
_DEPTH = 2
