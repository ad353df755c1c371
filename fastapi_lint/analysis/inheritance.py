"""What a linked project's analyses keep from the last one's after an edit of some function bodies.

An editor's session links a project again after every edit. When the edit changed only what some
functions' bodies do, name resolution answers as before (``Project.inherit``), and most of what
was derived from the bodies that did not change still holds: what each function's calls reach
(the call graph's ``Calls``) and the edges the scope's walks follow out of it (``scope_edges``).
Each is kept where nothing it reads changed; ``Changes`` says what did.

What one function's calls reach is read from:

- its own facts (its call sites, the positions among them): so nothing of a module whose facts
  changed is kept, its call sites being new objects at new positions;
- name resolution and what functions are, take and return: the same after such an edit;
- the bodies of the functions it calls: whether a callee starts a process with what it is handed
  (``process_starters.py``: the callee and the functions nested in it), and whether a helper
  handed a lambda runs it on a worker thread, followed ``offload_params.MAX_HOPS`` calls deep.

So a function's calls are kept when its module did not change and, unless what calls read of each
changed body is the same as before (``read_the_same``: an early cutoff, the common case), it
reaches no changed body (nor a function one is nested in, nor a method one overrides) within that
many calls, by the last graph's edges (``stale_functions``); a callee as written, when it is not
such a body (``kept_callees``). The scope's edges read more (``scope_kept.kept_edges``).

An import written or taken away, and a function, a method (not a dunder) or a class defined or
deleted, change what a name means; when no answer of the last project went through that name
(``names_unread``: on a method, through its class's family; ``subclasses_unread``: a class's
methods under the classes it derives from), none of them changes: the same holds.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from operator import attrgetter
from typing import Protocol

from fastapi_lint.analysis.call_records import Callee, Calls
from fastapi_lint.analysis.call_arguments import positional_parameters
from fastapi_lint.analysis.offload_params import MAX_HOPS, offloads_parameter
from fastapi_lint.analysis.process_starters import starts_process_with_parameter
from fastapi_lint.analysis.facts import CallSite, ModuleSummary, RefKind
from fastapi_lint.analysis.project import Project


@dataclass(frozen=True)
class Changes:
    """What changed between two linked projects, one inheriting the other's answers."""

    modules: frozenset[str]  # display paths of the modules whose facts changed
    functions: frozenset[str]  # the functions whose facts changed more than by moving
    # the last names of the calls those functions make, and of the calls at the top of the changed
    # modules, before and after
    call_names: frozenset[str]
    # the functions and methods the changed modules define afresh or no longer define (which no
    # answer went through: ``names_unread``)
    defined: frozenset[str] = frozenset()
    # whether the calls that may register something with FastAPI (``fastapi_model.may_register``)
    # are, in the changed functions and at the top of the changed modules, the same but for positions
    registrations_alike: bool = False
    # when the changed modules differ, positions moved in order aside, only by calls passing literals
    # and imports written in or taken from the bodies of their functions, and module-level functions
    # written or taken away whole: those (``relocation.calls_apart``)
    calls_apart: Apart | None = None


@dataclass(frozen=True)
class Apart:
    """Calls passing literals, and the modules imported, that function bodies wrote or took away."""

    calls: tuple[CallSite, ...] = ()
    imports: tuple[str, ...] = ()
    # of ``calls``, those written (not taken away), with the function each is in
    added: tuple[tuple[str, CallSite], ...] = ()
    # calls written in place of others alike but for the name they call by (not in ``calls``):
    # (function, the call taken away, the call written)
    renamed: tuple[tuple[str, CallSite, CallSite], ...] = ()
    # module-level functions written or taken away whole (``analysis/scope_written.py``)
    whole: tuple[str, ...] = ()

    def joined(self, other: Apart) -> Apart:
        return Apart((*self.calls, *other.calls), (*self.imports, *other.imports), (*self.added, *other.added),
                     (*self.renamed, *other.renamed), (*self.whole, *other.whole))


def bodies_read(before: Project, after: Project, changes: Changes) -> frozenset[str]:
    """The changed functions (with those they are nested in and the methods they override) whose
    bodies their callers' calls may now read otherwise; none when what callers read of each is the
    same in both projects (``read_the_same``): then the change stops there, an early cutoff."""
    outer = with_outer(after, changes.functions)
    return frozenset() if read_the_same(before, after, outer) else outer


def read_the_same(before: Project, after: Project, functions: Collection[str]) -> bool:
    """Whether what a call reads of each function's body is the same in both projects: whether it
    starts a process with a parameter (``process_starters``), and whether it hands each of its
    parameters, by position or by name, to a worker thread, at every depth a lambda is followed."""
    for path in functions:
        old, new = before.function(path), after.function(path)
        if old is None or new is None:
            if old is not new:
                return False
            continue
        if starts_process_with_parameter(before, path) != starts_process_with_parameter(after, path):
            return False
        keys = [*map(str, range(len(positional_parameters(new.function)))), *(param.name for param in new.function.params)]
        if any(offloads_parameter(before, old.function, key, hops) != offloads_parameter(after, new.function, key, hops)
               for key in keys for hops in range(1, MAX_HOPS + 1)):
            return False
    return True


def stale_functions(previous: dict[str, Calls], bodies: frozenset[str]) -> set[str]:
    """The functions whose calls may reach otherwise than in ``previous`` (a graph's calls by
    function) when ``bodies`` are read otherwise: those that reach one within ``MAX_HOPS`` calls."""
    return reaching(previous, bodies, MAX_HOPS) if bodies else set()


def kept_calls(previous: dict[str, Calls], project: Project, changes: Changes, stale: Collection[str]) -> dict[str, Calls]:
    """The entries of ``previous`` (a graph's calls by function) that hold for the graph of
    ``project``, which inherits from its project: none of a changed module, none ``stale``."""
    kept: dict[str, Calls] = {}
    for path, calls in previous.items():
        located = project.function(path)
        if path not in stale and located is not None and located.module.path not in changes.modules:
            kept[path] = calls
    return kept


def kept_callees(previous: dict[RefKind, dict[str, Callee]], bodies: frozenset[str]) -> dict[RefKind, dict[str, Callee]]:
    """The callees as written (``CallGraph._callee``) that hold: none whose body is read otherwise now."""
    return {kind: {path: callee for path, callee in known.items()
                   if callee.ref.path not in bodies and not any(other.ref.path in bodies for other in callee.others)}
            for kind, known in previous.items()}


def with_outer(project: Project, changed: Collection[str]) -> frozenset[str]:
    """``changed``, every function one of them is nested in (their bodies are read with theirs),
    and the abstract methods a changed one overrides (a call of one runs the overrides)."""
    found = set(changed)
    for path in changed:
        located = project.function(path)
        if located is None:
            continue
        function = located.function
        if function.class_path is not None:
            found.update(f"{base}.{function.name}" for base in project.mro(function.class_path)[1:])
        parent = function.parent_path
        while parent is not None and parent not in found:
            found.add(parent)
            outer = project.function(parent)
            parent = outer.function.parent_path if outer is not None else None
    return frozenset(found)


def callers_through(previous: dict[str, Calls], targets: Collection[str], names: Collection[str]) -> set[str]:
    """The functions that call one of ``targets`` through a call written with one of ``names``
    last, and so on up (to a fixed point), and those that call one of them at all: who may read
    a changed body through a chain of such calls (a runner's runner, ``scope_edges``)."""
    through = _up(_callers(previous, names), set(targets), None)
    return through | reaching(previous, frozenset(through), 1)


def reaching(calls: dict[str, Calls], targets: frozenset[str], hops: int) -> set[str]:
    """The functions whose calls reach one of ``targets`` within ``hops`` calls (``runs``, and
    the sync ``edges``, of ``calls``), and the targets themselves."""
    return _up(_callers(calls), set(targets), hops)


def _callers(calls: dict[str, Calls], names: Collection[str] | None = None) -> dict[str, set[str]]:
    """Who calls each function, by ``calls``' runs and edges (only through calls written with one
    of ``names`` last, when given)."""
    callers: dict[str, set[str]] = {}
    for path, found in calls.items():
        for site, target in (*found.runs, *found.edges):
            if names is None or site.text.rpartition(".")[2] in names:
                callers.setdefault(target, set()).add(path)
    return callers


def _up(callers: dict[str, set[str]], reached: set[str], hops: int | None) -> set[str]:
    """``reached`` and its callers, ``hops`` calls up (None: to a fixed point)."""
    frontier = set(reached)
    while frontier and (hops is None or hops > 0):
        frontier = {caller for target in frontier for caller in callers.get(target, ())} - reached
        reached |= frontier
        hops = None if hops is None else hops - 1
    return reached


class KeptGraph(Protocol):
    """What a call graph (``callgraph.CallGraph``) keeps that ``names_unread`` reads."""

    _callees: dict[RefKind, dict[str, Callee]]  # callees as written, by kind and path
    _targets: dict[tuple[str, RefKind], list[str]]  # what each callee resolved to runs


def names_unread(project: Project, graph: KeptGraph | None, summary: ModuleSummary, names: frozenset[str],
                 methods: frozenset[str] = frozenset(), removed: frozenset[str] = frozenset()) -> bool:
    """Whether no answer ``project`` gave (or its tables hold, or ``graph``, its call graph if
    built, keeps) went through the module-level names ``names`` of ``summary``'s module, nor the
    paths of ``methods``, which an edit defines or takes away (``relocation.told_apart``): then a
    project with the edit may inherit its answers (``Project.inherit``). A method is read through
    its name on every class of its family (``_family``). Not when a function or class (but those
    at the paths ``removed``: defs the edit takes away) or submodule has the path, another module
    imports it or binds a path through it, a module star-imports the module, a table holds a path
    through it (a class attribute, a stored value, a dict's items, a name's choices), or an answer
    was asked about a path through it (``module.name``, ``module.name.attr``,
    ``module.name().attr``) or gave one."""
    module_names = _module_names(project)
    own = module_names.get(summary.path, set()) | {summary.module}
    defined = tuple(f"{module}.{name}" for module in own for name in names) + tuple(
        path for method in methods for path in _aliased(project, module_names, method))
    if any(((found := project.functions.get(path)) is not None and found.function.path not in removed)
           or ((klass := project.classes.get(path)) is not None and klass[0].path not in removed)
           or path in project.modules for path in defined):
        return False
    through = (*defined, *(path for method in methods for path in _family(project, module_names, method)))
    if any(own & set(other.star_imports) for other in project.summaries):
        return False
    return paths_unread(project, graph, through, removed)


def subclasses_unread(before: Project, graph: KeptGraph | None, after: Project, old: dict[str, list[str]],
                      new: dict[str, list[str]]) -> bool:
    """Whether the subclass index ``new`` (``after``'s) differs from ``old`` (``before``'s) only by
    classes one of the projects defines (a class written or taken away), in the same order
    otherwise, and no answer of ``before`` went through what that changes: the methods those
    classes define, under each class whose subclasses changed (``overrides``). What else reads
    the index (a class's family: whether it is made, lives long, is a settings class) is read
    afresh in every project."""
    through: list[str] = []
    module_names = _module_names(before)
    for key in {*old, *new}:
        was, now = old.get(key, []), new.get(key, [])
        if was == now:
            continue
        moved = set(was) ^ set(now)
        if any(klass in before.classes and klass in after.classes for klass in moved):
            return False  # a class both define changed its bases
        if [klass for klass in was if klass not in moved] != [klass for klass in now if klass not in moved]:
            return False
        names = {located.function.name for klass in moved
                 for located in (*before.class_methods(klass), *after.class_methods(klass))}
        through += (path for name in names for path in _aliased(before, module_names, f"{key}.{name}"))
    return paths_unread(before, graph, through)


def paths_unread(project: Project, graph: KeptGraph | None, through: Collection[str],
                 removed: Collection[str] = ()) -> bool:
    """Whether no answer ``project`` gave (or its tables hold, or ``graph`` keeps) went through one
    of the paths ``through``: the path itself, or it followed by an attribute or a call. What a
    def taken away returns, or a class's bases (``removed``), are answers about it alone, asked of
    every one (the subclass index): a caller reads them through its name."""
    if not through:
        return True
    # Every path named or asked about, a line each: one search for a path through one of them, not
    # a match per path.
    path_of = attrgetter("path")
    written = [*(imported for other in project.summaries for _, imported in other.imports),
               *(binding.value.ref.path for other in project.summaries for binding in other.bindings if binding.value.ref is not None),
               *map(path_of, project.attributes.values()),
               *(ref.path for table in (project.attribute_values, project.choices, project.dict_items, project.stores)
                 for refs in table.values() for ref in refs)]
    for memo in project.resolved.values():
        written += memo
        written += map(path_of, memo.values())
    written += (path for path, _ in project._all_memo)
    written += (found.path for options in project._all_memo.values() for found in options)
    written += (path for path in project._returns_memo if path not in removed)
    written += map(path_of, project._returns_memo.values())
    written += (path for path in project._mro_memo if path not in removed)
    written += (path for path, _ in project._getter_memo)
    if graph is not None:
        for callees in graph._callees.values():
            written += callees
        written += (path for (called, _), targets in graph._targets.items() for path in (called, *targets))
    lines = "\n".join(written)
    if not any(f".{path.rpartition('.')[2]}" in lines for path in through):
        return True  # no line holds the names at all: the common case, told without the pattern
    return re.search("^(?:%s)(?:$|[.(])" % "|".join(map(re.escape, through)), lines, re.MULTILINE) is None


def _module_names(project: Project) -> dict[str, set[str]]:
    """Every name each module is linked under, by its display path."""
    found: dict[str, set[str]] = {}
    for name, module in project.modules.items():
        found.setdefault(module.path, set()).add(name)
    return found


def _aliased(project: Project, names: dict[str, set[str]], path: str) -> list[str]:
    """``path`` (a class's or its member's) under each name of the module that defines the class
    (``names``: ``_module_names``)."""
    class_path = path.rpartition(".")[0]
    found = project.classes.get(class_path)
    if found is None:
        return [path]
    module = found[1].module
    return [path, *(name + path[len(module):] for name in names.get(found[1].path, ()) if name != module)]


def _family(project: Project, names: dict[str, set[str]], method: str) -> list[str]:
    """What a method's name means on the classes it may be looked up on besides its own: its class's
    bases (an override of theirs), the classes derived from it (it is theirs unless overridden), and
    the protocols the class implements (an implementation of theirs), under every module name."""
    class_path, _, name = method.rpartition(".")
    index = project._subclass_index()
    related = {*project.mro(class_path), *index.get(class_path, ()),
               *(protocol for protocol, implementations in index.items() if class_path in implementations)}
    return [path for klass in related for path in _aliased(project, names, f"{klass}.{name}")]
