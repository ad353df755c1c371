"""Where an edit that changed no fact moved a module's facts.

Many edits change no fact of a module: a comment or a blank line added, a docstring
reworded, a long call wrapped over two lines, a ``# noqa`` written. The module's
summary is then the same but for its positions, and since the project phase reads
positions only to report them, to tell facts apart and to order them, its findings
are the last run's with this module's positions moved. That lets a re-run after
such an edit skip reading every other module's facts and the whole project phase
(see ``carry_over.py``).

The match is strict: the two summaries must be equal field by field except for
spans, decorator lines, the ``# noqa`` map and the line count, and the moved
positions must keep their order (no two positions swap or merge), so anything a
rule could have compared still compares the same way.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Hashable, Optional, TypeVar

from fastapi_lint.analysis.facts import (
    Attribute,
    Binding,
    Branch,
    CallSite,
    ClassFacts,
    FunctionFacts,
    Gate,
    Guard,
    ModuleSummary,
    Param,
    Read,
    Switch,
    Value,
    field_names,
)
from fastapi_lint.analysis.inheritance import Apart
from fastapi_lint.analysis.linking import imports_its_name
from fastapi_lint.analysis.project import RESOLUTION_IGNORES, RESOLUTION_READS
from fastapi_lint.diagnostics import Diagnostic, Hop, Span

Point = tuple[int, int]

# Fields the project phase reads as data (compared); the rest are positions or not read there.
_NOT_FACTS: dict[type, frozenset[str]] = {
    # suppression is redone; line_count feeds statistics; text_digest is for fixes, never carried over
    ModuleSummary: frozenset({"noqa", "line_count", "text_digest"}),
}


# Fields that hold line numbers (one, a tuple of them, or of line ranges), and (line, column) points.
_LINE_FIELDS = frozenset({(FunctionFacts, "decorator_lines"), (FunctionFacts, "throttled"), (FunctionFacts, "first_yield"),
                          (Guard, "first"), (Guard, "last"), (Gate, "first"), (Gate, "last"), (Branch, "first"), (Branch, "last")})
_POINT_FIELDS = frozenset({(FunctionFacts, "bundled"), (FunctionFacts, "foreign_reads")})
_NOWHERE = Span(0, 0, 0, 0)
_K = TypeVar("_K", bound=Hashable)
_LITERALS = frozenset({"str", "num", "const"})
_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(name for name in field_names(cls) if name not in _NOT_FACTS.get(cls, ()))
    for cls in (Value, CallSite, Param, FunctionFacts, Read, Attribute, ClassFacts, Binding, ModuleSummary, Guard,
                Gate, Switch, Branch)
}


@dataclass
class Relocation:
    """The old position of each fact of a module, and its new one."""

    points: dict[Point, Point] = field(default_factory=dict)
    # old line -> new line, None where the edit split a line's facts over several lines
    lines: dict[int, Optional[int]] = field(default_factory=dict)

    def span(self, span: Span) -> Span | None:
        start = self.points.get((span.line, span.col))
        end = self.points.get((span.end_line, span.end_col))
        if start is None or end is None:
            return None
        return Span(*start, *end)

    def diagnostic(self, diagnostic: Diagnostic, path: str) -> Diagnostic | None:
        """``diagnostic`` with the positions it holds in the module at ``path`` moved;
        None when one of them is not the position of a fact (it cannot be moved safely)."""
        changes: dict[str, Any] = {}
        if diagnostic.path == path:
            span = self.span(diagnostic.span)
            lines = [self.lines.get(line) for line in diagnostic.noqa_lines]
            if span is None or None in lines:
                return None
            changes.update(span=span, noqa_lines=tuple(lines))
        if any(hop.path == path for hop in diagnostic.chain):
            chain: list[Hop] = []
            for hop in diagnostic.chain:
                if hop.path == path:
                    moved = self.points.get((hop.line, hop.col))
                    if moved is None:
                        return None
                    hop = Hop(hop.path, moved[0], moved[1], hop.text)
                chain.append(hop)
            changes["chain"] = tuple(chain)
        return dataclasses.replace(diagnostic, **changes) if changes else diagnostic


def relocation(old: ModuleSummary, new: ModuleSummary) -> Relocation | None:
    """How ``new`` moved the facts of ``old``, or None when it changed more than positions."""
    return _moved(old, new) if old.path == new.path else None


def _moved(old: object, new: object) -> Relocation | None:
    """How ``new`` (facts of any kind) moved ``old``'s, or None when it changed more than positions."""
    matcher = _Matcher()
    try:
        if not matcher.same(old, new):
            return None
    except RecursionError:  # facts nested deeper than this walk may go: take the long way
        return None
    found = matcher.relocation
    # Order kept and nothing merged: every comparison of positions a rule made still holds.
    before = sorted(found.points)
    after = [found.points[point] for point in before]
    if any(later <= earlier for earlier, later in zip(after, after[1:])):
        return None
    return found


class _Matcher:
    def __init__(self) -> None:
        self.relocation = Relocation()

    def same(self, old: object, new: object) -> bool:
        kind = type(old)
        if kind is not type(new):
            return False
        if kind is Span:
            assert isinstance(old, Span) and isinstance(new, Span)
            return self._point(old.line, old.col, new.line, new.col) and self._point(
                old.end_line, old.end_col, new.end_line, new.end_col
            )
        if kind is tuple:
            assert isinstance(old, tuple) and isinstance(new, tuple)
            return len(old) == len(new) and all(self.same(a, b) for a, b in zip(old, new))
        names = _FIELDS.get(kind)
        if names is None:  # str, int, bool, None, Ref, RefKind: no position inside
            return old == new
        for name in names:
            if (kind, name) in _LINE_FIELDS:
                before, after = getattr(old, name), getattr(new, name)
                if isinstance(before, int):
                    before, after = (before,), (after,)
                elif before and isinstance(before[0], tuple):  # line ranges
                    if len(before) != len(after):
                        return False
                    before, after = sum(before, ()), sum(after, ())
                if not self._lines(before, after):
                    return False
            elif (kind, name) in _POINT_FIELDS:
                before, after = getattr(old, name), getattr(new, name)
                if len(before) != len(after) or not all(self._point(*a, *b) for a, b in zip(before, after)):
                    return False
            elif not self.same(getattr(old, name), getattr(new, name)):
                return False
        return True

    def _point(self, old_line: int, old_col: int, new_line: int, new_col: int) -> bool:
        points = self.relocation.points
        old, new = (old_line, old_col), (new_line, new_col)
        known = points.setdefault(old, new)
        if known != new:
            return False
        self._line(old_line, new_line)
        return True

    def _lines(self, old: tuple[int, ...], new: tuple[int, ...]) -> bool:
        if len(old) != len(new):
            return False
        for before, after in zip(old, new):
            self._line(before, after)
        return True

    def _line(self, old: int, new: int) -> None:
        lines = self.relocation.lines
        known = lines.setdefault(old, new)
        if known != new:
            lines[old] = None  # split: a finding that needs this line cannot be moved


def same_for_resolution(old: ModuleSummary, new: ModuleSummary) -> bool:
    """Whether ``new`` says what ``old`` says to name resolution: equal wherever positions
    aside, but in what the bodies of its functions do (their calls, guards, branches, reads,
    stores: every field of a function's facts but ``RESOLUTION_READS``), its top-level calls and
    its imports (``RESOLUTION_IGNORES``). A project linked with ``new`` may then take the answers
    of one linked with ``old`` (``Project.inherit``). An import still counts where it makes a
    file outside any package go by its path's name, not a library's (``imports_its_name``)."""
    if imports_its_name(old) != imports_its_name(new):
        return False
    try:
        return _same_ignoring_positions(old, new)
    except RecursionError:
        return False


@dataclass(frozen=True)
class ToldApart:
    """What tells two summaries of a module apart for name resolution besides what
    ``same_for_resolution`` ignores (``told_apart``)."""

    names: frozenset[str]  # module-level names bound once in one of them and not in the other
    added: frozenset[str]  # paths of the functions and methods only the new one defines
    removed: frozenset[str]  # and of those only the old one defines
    functions: frozenset[str]  # which of those are module-level functions
    methods: frozenset[str]  # which are methods of a class both define
    classes: frozenset[str]  # the module-level classes only one of them defines (with the rest)


def told_apart(old: ModuleSummary, new: ModuleSummary) -> ToldApart | None:
    """What tells ``new`` apart from ``old`` for name resolution, when it is only module-level
    names each bound once to a name or a dotted path (``import time``, ``from json import
    loads``: the editor's import added above a call, or taken away), functions or methods (not
    a dunder) and module-level classes defined or taken away (a helper written, a ``def``
    deleted, a model class; the functions and classes both define keep their order): the
    editor's commonest edits after one of a body. None: they differ otherwise, or in nothing of
    that. Whether such a name changes an answer of name resolution is the project's to say
    (``inheritance.names_unread``)."""
    if imports_its_name(old) != imports_its_name(new):
        return None
    before, after = [binding.name for binding in old.bindings], [binding.name for binding in new.bindings]
    told = set(before) ^ set(after)
    if any(names.count(name) > 1 for names in (before, after) for name in told):
        return None
    if any(binding.name in told and (binding.value.kind != "ref" or binding.value.ref is None)
           for binding in (*old.bindings, *new.bindings)):
        return None
    old_paths, new_paths = [function.path for function in old.functions], [function.path for function in new.functions]
    if len(set(old_paths)) < len(old_paths) or len(set(new_paths)) < len(new_paths):
        return None
    added, removed = set(new_paths) - set(old_paths), set(old_paths) - set(new_paths)
    old_classes, new_classes = [klass.path for klass in old.classes], [klass.path for klass in new.classes]
    classes = set(old_classes) ^ set(new_classes)
    if (len(set(old_classes)) < len(old_classes) or len(set(new_classes)) < len(new_classes)
            or any(path != f"{old.module}.{path.rpartition('.')[2]}" for path in classes)):
        return None  # a class defined twice, or a nested class
    if not (told or added or removed or classes):
        return None

    def in_told_class(function: FunctionFacts) -> bool:
        return any(function.path.startswith(f"{path}.") for path in classes)

    differing = [function for function in (*old.functions, *new.functions) if function.path in added | removed]
    if any(not in_told_class(function) and (function.parent_path is not None or (
            function.class_path is not None and function.name.startswith("__"))) for function in differing):
        return None  # a nested function (what a body offers), a class's dunder (what building it or ``with`` runs)
    defined = [*(function.name for function in differing if function.class_path is None and function.parent_path is None),
               *(path.rpartition(".")[2] for path in classes)]
    if len(set(defined)) < len(defined) or set(defined) & (set(before) | set(after)):
        return None  # a name defined or bound two ways (``LinkedNames.choices``)
    kept_old = dataclasses.replace(old, bindings=tuple(binding for binding in old.bindings if binding.name not in told),
                                   functions=tuple(function for function in old.functions if function.path not in removed),
                                   classes=tuple(klass for klass in old.classes if klass.path not in classes))
    kept_new = dataclasses.replace(new, bindings=tuple(binding for binding in new.bindings if binding.name not in told),
                                   functions=tuple(function for function in new.functions if function.path not in added),
                                   classes=tuple(klass for klass in new.classes if klass.path not in classes))
    try:
        if not _same_ignoring_positions(kept_old, kept_new):
            return None
    except RecursionError:
        return None
    methods = frozenset(function.path for function in differing if function.class_path is not None and not in_told_class(function))
    functions = frozenset(function.path for function in differing if function.class_path is None and function.parent_path is None)
    return ToldApart(frozenset(told), frozenset(added), frozenset(removed), functions, methods, frozenset(classes))


def changed_functions(old: ModuleSummary, new: ModuleSummary) -> frozenset[str]:
    """The functions both summaries of a module define whose facts ``new`` changed more than by
    moving (as ``relocation`` tells a module's)."""
    before = {function.path: function for function in old.functions}
    return frozenset(after.path for after in new.functions
                     if (was := before.get(after.path)) is not None and _moved(was, after) is None)


def calls_apart(old: ModuleSummary, new: ModuleSummary, told: ToldApart | None = None) -> Apart | None:
    """The calls ``new``'s functions make that ``old``'s do not, and those ``old``'s make that
    ``new``'s do not, when each passes literals alone (``time.sleep(1)``, ``requests.get("...")``),
    with the modules imported in those functions' bodies one of them imports and the other does
    not (``import time`` above the call), when the summaries are otherwise the same, their
    positions moved in order, every line still on its side of every other (an ``if`` that now
    holds a call it did not is no such move): an edit whose one question left is what those
    calls run (``analysis/scope_cutoff.py``). None: they differ otherwise, or a call or an
    import both written and taken away.

    ``told``: what tells them apart for name resolution besides (``told_apart``). When that is
    only module-level functions written or taken away whole (none nested: a ``def`` in a body is
    that function's own), the answer for the summaries without them, with those functions
    (``Apart.whole``: ``analysis/scope_written.py``); else None."""
    if told is not None:
        whole = told.added | told.removed
        if told.names or told.classes or whole != told.functions:
            return None
        without = [dataclasses.replace(summary, functions=tuple(f for f in summary.functions if f.path not in whole),
                                       imports=tuple(i for i in summary.imports if i[0] not in whole)) for summary in (old, new)]
        found = calls_apart(without[0], without[1])
        return None if found is None else dataclasses.replace(found, whole=tuple(sorted(whole)))
    paths = [function.path for function in old.functions]
    if paths != [function.path for function in new.functions]:
        return None
    calls: list[CallSite] = []
    added: list[tuple[str, CallSite]] = []
    renamed: list[tuple[str, CallSite, CallSite]] = []
    kept: tuple[list[FunctionFacts], list[FunctionFacts]] = ([], [])
    for was, now in zip(old.functions, new.functions):
        was_keys, now_keys = list(map(_unplaced, was.calls)), list(map(_unplaced, now.calls))
        differing = _one_sided(was_keys, now_keys)
        if differing is None:
            return None
        sides: list[list[tuple[CallSite, CallSite]]] = []
        for facts, keys, kept_here in ((was, was_keys, kept[0]), (now, now_keys, kept[1])):
            taken = [(site, key) for site, key in zip(facts.calls, keys) if key in differing]
            if not all(_passes_literals(site) for site, _ in taken):
                return None
            sides.append(taken)
            ids = {id(site) for site, _ in taken}
            kept_here.append(dataclasses.replace(facts, calls=tuple(site for site in facts.calls if id(site) not in ids))
                             if taken else facts)
        # a call written in place of one taken away, alike but for the name it is called by
        # (``_blocker_1()`` for ``_blocker_0()``): what it runs is the question left
        for before, before_key in list(sides[0]):
            after = next(((site, key) for site, key in sides[1] if _by_another_name(before_key, key)), None)
            if after is not None:
                renamed.append((now.path, before, after[0]))
                sides[0].remove((before, before_key))
                sides[1].remove(after)
        calls += (site for side in sides for site, _ in side)
        added += ((now.path, site) for site, _ in sides[1])
    imported = _one_sided(list(old.imports), list(new.imports))
    if imported is None or any(binder not in paths for binder, _ in imported):
        return None  # a module's own import, not a body's
    same = _in_order(dataclasses.replace(old, functions=tuple(kept[0]), imports=tuple(i for i in old.imports if i not in imported)),
                     dataclasses.replace(new, functions=tuple(kept[1]), imports=tuple(i for i in new.imports if i not in imported)))
    return Apart(tuple(calls), tuple(sorted(module for _, module in imported)), tuple(added), tuple(renamed)) if same else None


def _by_another_name(one: CallSite, other: CallSite) -> bool:
    """Whether two calls (``_unplaced``) are alike but for what they call."""
    return one._replace(func=None, text="") == other._replace(func=None, text="")


def _one_sided(before: list[_K], after: list[_K]) -> set[_K] | None:
    """The items one list has more of than the other, when each is in one of them only."""
    counted, other = Counter(before), Counter(after)
    differing = {key for key in counted.keys() | other.keys() if counted[key] != other[key]}
    return None if any(counted[key] and other[key] for key in differing) else differing


def _unplaced(site: CallSite) -> CallSite:
    """The call with no position anywhere in it: what two texts of a call have in common."""
    return site._replace(span=_NOWHERE, args=tuple(map(_unplaced_value, site.args)),
                         kwargs=tuple((name, _unplaced_value(value)) for name, value in site.kwargs))


def _unplaced_value(value: Value) -> Value:
    if not value.items and value.call is None:
        return value
    return value._replace(items=tuple(map(_unplaced_value, value.items)),
                          call=None if value.call is None else _unplaced(value.call))


def _passes_literals(site: CallSite) -> bool:
    """A call named statically whose arguments are all strings, numbers or constants, written
    outside any lambda, one callee."""
    return (site.func is not None and not (site.has_star_args or site.has_star_kwargs or site.in_lambda or site.offloaded
                                           or site.lambda_host or site.alternatives)
            and all(value.kind in _LITERALS for value in (*site.args, *(value for _, value in site.kwargs))))


def _in_order(old: object, new: object) -> bool:
    """Whether ``new`` is ``old`` moved (``_moved``: its positions in order), with no two lines of
    facts merged or split and none moved past another, line fields (a guard's, a branch's last
    line) included."""
    found = _moved(old, new)
    if found is None:
        return False
    moved_lines = [line for _, line in sorted(found.lines.items()) if line is not None]
    return len(moved_lines) == len(found.lines) and all(earlier < later for earlier, later in zip(moved_lines, moved_lines[1:]))


def same_calls_where(old: ModuleSummary, new: ModuleSummary, functions: Collection[str],
                     wanted: Callable[[str], bool]) -> bool:
    """Whether the calls whose callee's last name is ``wanted``, at the top of the module and in
    each of ``functions`` (paths both define), are the same in ``new`` as in ``old``, positions aside."""
    before = {function.path: function for function in old.functions if function.path in functions}
    after = {function.path: function for function in new.functions if function.path in functions}
    if before.keys() != after.keys():
        return False
    pairs = [(old.module_calls, new.module_calls), *((before[path].calls, after[path].calls) for path in before)]
    try:
        return all(_same_ignoring_positions(_named(was, wanted), _named(now, wanted)) for was, now in pairs)
    except RecursionError:
        return False


def _named(sites: tuple[CallSite, ...], wanted: Callable[[str], bool]) -> tuple[CallSite, ...]:
    """The calls whose callee's last name, as written, is ``wanted`` (the call index's "name" key)."""
    return tuple(site for site in sites if site.func is not None and wanted(site.func.path.rpartition(".")[2]))


def registers_nothing(old: ModuleSummary, new: ModuleSummary, told: ToldApart, wanted: Callable[[str], bool],
                      frameworks: Callable[[ModuleSummary], bool], methods: Collection[str]) -> bool:
    """Whether the functions and methods only one of the summaries defines (``told``) have no
    decorator and no call whose callee's last name is ``wanted``, none is named as one of the
    ``methods`` looked up by name, no class is written or deleted, and the names bound or unbound
    leave whether the module imports the web ``frameworks`` as it was: what the FastAPI model
    reads of them."""
    if told.classes or frameworks(old) != frameworks(new):
        return False
    return not any(
        function.decorators or function.name in methods or _named(function.calls, wanted)
        for summary, paths in ((old, told.removed), (new, told.added))
        for function in summary.functions if function.path in paths)


def _same_ignoring_positions(old: object, new: object) -> bool:
    kind = type(old)
    if kind is not type(new):
        return False
    if kind is Span:
        return True
    if kind is tuple:
        assert isinstance(old, tuple) and isinstance(new, tuple)
        return len(old) == len(new) and all(_same_ignoring_positions(a, b) for a, b in zip(old, new))
    names = _FIELDS.get(kind)
    if names is None:  # str, int, bool, None, Ref, RefKind: no position inside
        return old == new
    for name in names:
        if (kind is FunctionFacts and name not in RESOLUTION_READS) or (kind is ModuleSummary and name in RESOLUTION_IGNORES):
            continue
        if (kind, name) in _LINE_FIELDS or (kind, name) in _POINT_FIELDS:
            continue
        if not _same_ignoring_positions(getattr(old, name), getattr(new, name)):
            return False
    return True
