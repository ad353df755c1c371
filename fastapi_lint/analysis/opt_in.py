"""The lines of a function that run only when an operator turned a switch away from its default.

Phase 1 (``extract/switches.py``) gives each branch on an environment variable its conditions
(``Gate``). Here each switch is evaluated as the service ships:

- an environment variable is unset (or has the default the code writes for it);
- the operating system is Linux, where a served app runs (``platform.system() == "Darwin"`` is
  false);
- an event loop runs the code (what asks ``asyncio.get_running_loop()`` and falls back when it
  raises is not run);
- a function without parameters that returns a switch (``def tracing_enabled(): return
  bool(os.getenv("TRACE_DIR"))``) has that switch's value.

A branch whose condition is false then is opt-in: what it runs is shown with ``--scope all``, not
by default (``run/check.py``'s ``in_scope``, and ``callgraph.Witness.opt_in`` for the chains that
pass through it). A switch whose value cannot be known (compared with something computed, a
function that does more than return one) decides nothing.
"""

from __future__ import annotations

from fastapi_lint.analysis.facts import Gate, Ref, Switch
from fastapi_lint.analysis.project import Located, Project, per_project
from fastapi_lint.analysis.settings import settings_classes
from fastapi_lint.analysis.guards import module_in_tests

LineRange = tuple[int, int]

_UNKNOWN = object()


def opt_in_lines(project: Project, located: Located) -> tuple[LineRange, ...]:
    """The line ranges of ``located``'s body that do not run with every setting at its default."""
    function = located.function
    if not function.gates:
        return ()
    memo = _memo(project)
    found = memo.get(function.path)
    if found is None:
        found = memo[function.path] = tuple(
            (gate.first, gate.last) for gate in function.gates if _closed(project, gate)
        )
    return found


def is_opt_in(project: Project, located: Located, line: int) -> bool:
    return any(first <= line <= last for first, last in opt_in_lines(project, located))


@per_project
def _memo(project: Project) -> dict[str, tuple[LineRange, ...]]:
    return {}


def _closed(project: Project, gate: Gate) -> bool:
    """Whether the gate's branch does not run at the defaults."""
    value = _test(project, gate.switch, 0)
    return value is not _UNKNOWN and bool(value) != gate.when


def _test(project: Project, switch: Switch, depth: int) -> object:
    """What the switch's test gives at the defaults: True, False, or ``_UNKNOWN``."""
    value = _default(project, switch, depth)
    if value is _UNKNOWN:
        return _UNKNOWN
    if switch.kind in ("call", "name"):
        return _flip(value, switch.op)  # already a truth: the returned or assigned switch's test
    for method in switch.methods:
        if not isinstance(value, str):
            return _UNKNOWN
        value = getattr(value, method)()
    op = switch.op
    if op in ("truth", "not"):
        return _flip(bool(value), op)
    if op in ("is None", "is not None"):
        return (value is None) == (op == "is None")
    if op in ("==", "!="):
        return (value in switch.operands and len(switch.operands) == 1) == (op == "==")
    if op in ("in", "not in"):
        return (value in switch.operands) == (op == "in")
    if op in ("startswith", "not startswith") and isinstance(value, str):
        prefixes = tuple(prefix for prefix in switch.operands if isinstance(prefix, str))
        return value.startswith(prefixes) == (op == "startswith")
    return _UNKNOWN


def _named(project: Project, path: str) -> Switch | None:
    """The switch a module's name, or a class's field, is set from (``extract/switches.py``): a
    field only while nothing else sets it (a construction passing it, a method storing it)."""
    owner, _, name = path.rpartition(".")
    located = project.classes.get(owner)  # a field: resolving it would give its annotated type
    if located is None:
        owner, _, name = project.resolve(Ref(path)).path.rpartition(".")
        summary = project.modules.get(owner)
        return dict(summary.switches).get(name) if summary is not None else None
    if owner in settings_classes(project):
        return None  # a settings field is a feature operators turn on (``extract/switches.py``)
    klass, module = located
    found = dict(module.switches).get(f"{klass.name}.{name}")
    if found is None or _set_elsewhere(project, owner, name):
        return None
    return found


def _set_elsewhere(project: Project, class_path: str, field: str) -> bool:
    """Whether code outside tests passes the field to a construction or stores it in a method."""
    family = set(project.family(class_path))
    if any(project.resolve(site.func).path in family
           for summary, _, site in project.calls_with_keyword([field])
           if site.func is not None and not module_in_tests(summary)):
        return True
    return any(f"self.{field}" in located.function.fills
               for located in project.all_functions()
               if located.function.class_path in family and not module_in_tests(located.module))


def _flip(value: object, op: str) -> object:
    if value is _UNKNOWN:
        return _UNKNOWN
    if op == "truth":
        return bool(value)
    if op == "not":
        return not value
    return _UNKNOWN


def _default(project: Project, switch: Switch, depth: int) -> object:
    if switch.kind in ("env", "platform", "loop"):
        return switch.default
    if switch.kind == "name" and depth < 3:
        named = _named(project, switch.name)
        return _test(project, named, depth + 1) if named is not None else _UNKNOWN
    if switch.kind == "call" and depth < 3:
        located = project.function(project.resolve(Ref(switch.name)).path)
        returned = located.function.switch if located is not None else None
        return _test(project, returned, depth + 1) if returned is not None else _UNKNOWN
    return _UNKNOWN
