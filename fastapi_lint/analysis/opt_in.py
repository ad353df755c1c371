"""The lines of a function that run only when an operator turned a switch away from its default.

Phase 1 (``extract/switches.py``) gives each branch on an environment variable its conditions
(``Gate``). Here each switch is evaluated as the service ships:

- an environment variable is unset (or has the default the code writes for it);
- the operating system is Linux, where a served app runs (``platform.system() == "Darwin"`` is
  false);
- an event loop runs the code (what asks ``asyncio.get_running_loop()`` and falls back when it
  raises is not run);
- a function without parameters that returns a switch (``def tracing_enabled(): return
  bool(os.getenv("TRACE_DIR"))``) has that switch's value;
- a module's name that a function fills (``global REDIS_POOL``) which startup code always calls
  and no request runs (``init_redis_pool()`` in the lifespan) is not None while requests are
  served: ``if REDIS_POOL is None:`` is the fallback of code run before startup (``_filled``);
- a module's name bound to None that only functions no request and no startup code runs fill
  (``set_remote_client(client)``, called by an SDK's ``serve()``) stays None while requests are
  served: ``if get_remote_client() is not None:`` is the client side's branch (``_filled``);
- an object's field that its constructor copies from a parameter (``self.output_dir =
  output_dir``) has the constant every construction a request makes gives it (its default);
- an object's field that its constructor sets off (``self.enabled = False``) is off, when the
  only code that turns it on (``self.enabled = True`` in ``setup()``) runs where no request
  reaches and only under a condition (``if config.seqlog: xlogger.setup(...)`` at startup): an
  operator's choice, off as the service ships (``_off_until_started``).

A branch whose condition is false then is opt-in: what it runs is shown with ``--scope all``, not
by default (``run/check.py``'s ``in_scope``, and ``callgraph.Witness.opt_in`` for the chains that
pass through it). A switch whose value cannot be known (compared with something computed, a
function that does more than return one) decides nothing.
"""

from __future__ import annotations

import ast

from fastapi_lint.analysis.facts import CONSTRUCTORS, Gate, ModuleSummary, Ref, Switch
from fastapi_lint.analysis.project import Located, Project, per_project
from fastapi_lint.analysis.settings import settings_classes
from fastapi_lint.analysis.guards import Reach, module_in_tests, run_by_requests, run_from
from fastapi_lint.analysis.kept_fields import kept_constant

LineRange = tuple[int, int]

_UNKNOWN = object()
# The value of a module's name that startup code fills: not None, nothing more known of it.
_FILLED = object()
# The value of a module's name bound to None that nothing a server runs fills.
_EMPTY = object()
_STARTED = Switch("started", "")
# A field off until code that no request runs turns it on, under a condition (``_off_until_started``).
_OFF = Switch("off", "", default=False)


def opt_in_lines(graph: Reach, located: Located) -> tuple[LineRange, ...]:
    """The line ranges of ``located``'s body that do not run with every setting at its default."""
    function = located.function
    if not function.gates:
        return ()
    memo = _memo(graph.project)
    found = memo.get(function.path)
    if found is None:
        found = memo[function.path] = tuple(
            (gate.first, gate.last) for gate in function.gates if _closed(graph, gate)
        )
    return found


def is_opt_in(graph: Reach, located: Located, line: int) -> bool:
    return any(first <= line <= last for first, last in opt_in_lines(graph, located))


def set_only_elsewhere(graph: Reach, located: Located, line: int) -> bool:
    """Whether ``line`` runs only with a module's name set that nothing a server runs sets
    (``if get_remote_client() is not None:``, ``_filled``): the client side of an SDK,
    which a request never takes. What runs only through such a line is out of the default scope
    with it; an environment variable or a field set otherwise may be a deployment's own."""
    return any(gate.first <= line <= gate.last and _rests_on_unset(graph, gate.switch, 0) and _closed(graph, gate)
               for gate in located.function.gates)


def _rests_on_unset(graph: Reach, switch: Switch, depth: int) -> bool:
    if switch.kind == "unset":
        return True
    if depth >= 3:
        return False
    if switch.kind == "name":
        named = _named(graph, switch.name)
        return named is not None and _rests_on_unset(graph, named, depth + 1)
    if switch.kind == "call":
        located = graph.project.function(graph.project.resolve(Ref(switch.name)).path)
        returned = located.function.switch if located is not None else None
        return returned is not None and _rests_on_unset(graph, returned, depth + 1)
    return False


def defined_opt_in(graph: Reach, located: Located) -> bool:
    """Whether the function is defined under a module-level branch that does not run with every
    setting at its default (``if config("LOCAL_DEV", default=False, cast=bool):`` around a route):
    as the service ships, it does not exist."""
    line = located.function.span.line
    return any(gate.first <= line <= gate.last and _closed(graph, gate) for gate in located.module.gates)


@per_project
def _memo(project: Project) -> dict[str, tuple[LineRange, ...]]:
    return {}


def _closed(graph: Reach, gate: Gate) -> bool:
    """Whether the gate's branch does not run at the defaults."""
    value = _test(graph, gate.switch, 0)
    return value is not _UNKNOWN and (value is not _EMPTY and bool(value)) != gate.when


def _test(graph: Reach, switch: Switch, depth: int) -> object:
    """What the switch's test gives at the defaults: True, False, or ``_UNKNOWN``."""
    value = _default(graph, switch, depth)
    if value is _UNKNOWN or switch.kind in ("started", "unset"):
        return value
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


def _named(graph: Reach, path: str) -> Switch | None:
    """The switch a module's name, or a class's field, is set from (``extract/switches.py``): a
    field only while nothing else sets it (a construction passing it, a method storing it); or
    ``_OFF``, a field off until code that no request runs turns it on under a condition."""
    project = graph.project
    owner, _, name = path.rpartition(".")
    located = project.classes.get(owner)  # a field: resolving it would give its annotated type
    if located is None:
        written = project.modules.get(owner)  # resolving a name a function fills gives what it holds
        own = dict(written.switches).get(name) if written is not None else None
        if written is not None and (own is None or own.kind == "unset") and filled_while_serving(graph, written, name) == "startup":
            return _STARTED
        if written is not None and own is not None and own.kind == "unset":
            return own if filled_while_serving(graph, written, name) == "never" else None
        owner, _, name = project.resolve(Ref(path)).path.rpartition(".")
        summary = project.modules.get(owner)
        if summary is None:
            return None
        found = dict(summary.switches).get(name)
        return found if found is None or found.kind != "unset" or filled_while_serving(graph, summary, name) == "never" else None
    if owner in settings_classes(project):
        return None  # a settings field is a feature operators turn on (``extract/switches.py``)
    klass, module = located
    found = dict(module.switches).get(f"{klass.name}.{name}")
    if found is None:
        return _OFF if _off_until_started(graph, owner, name) else _kept_switch(graph, owner, name)
    if _set_elsewhere(project, owner, name):
        return None
    return found


@per_project
def switched_names(project: Project) -> dict[str, set[str]]:
    """The dotted names a switch tests (kind "name"), as written and as resolved: the module names
    whose ``filled_while_serving`` a gate may read; each with the functions whose gates test it
    ("" for a module's gate or switch, or a function's returned switch: read wherever they are)."""
    found: dict[str, set[str]] = {}

    def tested(switch: Switch, by: str) -> None:
        if switch.kind == "name":
            for name in (switch.name, project.resolve(Ref(switch.name)).path):
                found.setdefault(name, set()).add(by)

    for summary in project.summaries:
        for switch in (*(gate.switch for gate in summary.gates), *(switch for _, switch in summary.switches)):
            tested(switch, "")
        for function in summary.functions:
            for gate in function.gates:
                tested(gate.switch, function.path)
            if function.switch is not None:
                tested(function.switch, "")
    return found


def filled_while_serving(graph: Reach, module: ModuleSummary, name: str) -> str:
    """When the module's name, which functions of the module fill (``global REDIS_POOL``), is
    filled while requests are served: "startup" when the functions (outside tests) that fill it
    run at startup and no request runs them, and one of them is called there unconditionally
    (``init_redis_pool()`` in the lifespan: filled before any request); "never" when they are
    called, and only by code (outside tests) that neither requests nor startup run, nor at any
    module's top level, and no other module stores into it (an SDK's ``serve()``); else ""."""
    memo = _fill_memo(graph.project)
    key = (module.module, name)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _decide_fill(graph, module, name)
    return found


def _decide_fill(graph: Reach, module: ModuleSummary, name: str) -> str:
    project = graph.project
    served = run_by_requests(graph)
    setters = {function.path for function in module.functions if name in function.fills}
    if served is None or module_in_tests(module) or not setters or not setters.isdisjoint(served):
        return ""
    started = run_from(graph, graph.startup_roots) if graph.startup_roots else frozenset()
    if setters <= started and any(not site.conditional and caller.function.path in started
                                  for caller, site in project.function_calls_to(setters)):
        return "startup"
    dotted = f"{module.module}.{name}"
    if not setters.isdisjoint(started) or any(dotted in function.fills for other in project.summaries
                                              if other is not module for function in other.functions):
        return ""
    running = served | started
    calls = [(summary, site) for summary, site in project.calls_to(sorted(setters)) if not module_in_tests(summary)]
    callers = {id(site): located for located, site in project.function_calls_to(setters)}
    return "never" if calls and all((caller := callers.get(id(site))) is not None and caller.function.path not in running
                                    for _, site in calls) else ""


@per_project
def _fill_memo(project: Project) -> dict[tuple[str, str], str]:
    return {}


def _kept_switch(graph: Reach, class_path: str, field: str) -> Switch | None:
    """A field its constructor copies from a parameter and nothing else sets (``self.output_dir
    = output_dir``), which every construction a request makes leaves at one constant (its
    default ``None``): that constant, as the service runs."""
    methods = graph.project.class_methods(class_path)
    value = kept_constant(graph, methods[0], f"self.{field}") if methods else None
    if value is None:
        return None
    # a string's text is the string; a number's or a constant's is its ``repr``
    return Switch("const", field, default=value.text if value.kind == "str" else ast.literal_eval(value.text))


def _off_until_started(graph: Reach, class_path: str, field: str) -> bool:
    """Whether the field is off as the service ships: a constructor of the class (or of a class of
    its family) sets it to a false constant, no construction passes it, every other store is of a
    constant, and each method that stores a true one is called only in a branch (an ``if``, an
    ``except``) of code that no request runs (startup, a command line) outside the family's own
    methods, and outside tests.

    ``xlogger.setup()`` at startup when a developer setting is on turns ``self.enabled`` on: a
    stall behind ``if not self.enabled: return`` waits only for an operator who chose it."""
    memo = _fields_off(graph.project)
    key = (class_path, field)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _decide_off(graph, class_path, field)
    return found


def _decide_off(graph: Reach, class_path: str, field: str) -> bool:
    project = graph.project
    served = run_by_requests(graph)
    if served is None:
        return False
    family = set(project.family(class_path))
    starts_off, setters = False, []
    for located in _methods(project, family):
        function = located.function
        stores = [truth for name, truth in function.field_stores if name == field]
        if f"self.{field}" in function.fills and not stores:
            return False  # set some way the stores do not show (``self.a, self.b = ...``)
        if None in stores:
            return False  # set from a value
        if function.name in CONSTRUCTORS:  # what builds the object: where the field's first value is set
            if True in stores:
                return False
            starts_off = starts_off or bool(stores)
        elif True in stores:
            setters.append(function.path)
    if not starts_off or _passed_to_constructions(project, family, field):
        return False
    for setter in setters:
        calls = project.calls_to([setter])
        callers = {id(site): located for located, site in project.function_calls_to([setter])}
        if not calls:
            return False  # turned on by code out of sight
        for summary, site in calls:
            if module_in_tests(summary):
                continue
            caller = callers.get(id(site))
            if not site.conditional or (caller is not None and (
                    caller.function.path in served or caller.function.class_path in family)):
                return False  # turned on always, per request, or by the object itself
    return True


@per_project
def _fields_off(project: Project) -> dict[tuple[str, str], bool]:
    return {}


def _methods(project: Project, family: set[str]) -> list[Located]:
    """The methods of the classes of ``family``, outside tests."""
    return [located for class_path in sorted(family) for located in project.class_methods(class_path)
            if not module_in_tests(located.module)]


def _set_elsewhere(project: Project, class_path: str, field: str) -> bool:
    """Whether code outside tests passes the field to a construction or stores it in a method."""
    family = set(project.family(class_path))
    return _passed_to_constructions(project, family, field) or any(
        f"self.{field}" in located.function.fills for located in _methods(project, family))


def _passed_to_constructions(project: Project, family: set[str], field: str) -> bool:
    """Whether code outside tests passes the field by name to a construction of the family."""
    return any(project.resolve(site.func).path in family
               for summary, _, site in project.calls_with_keyword([field])
               if site.func is not None and not module_in_tests(summary))


def _flip(value: object, op: str) -> object:
    if value is _UNKNOWN:
        return _UNKNOWN
    if value is _FILLED:  # only its emptiness is known
        return {"is None": False, "is not None": True}.get(op, _UNKNOWN)
    if value is _EMPTY:  # None: as a value returned, still None
        return {"is None": True, "is not None": False, "not": True, "truth": _EMPTY}.get(op, _UNKNOWN)
    if op == "truth":
        return bool(value)
    if op == "not":
        return not value
    return _UNKNOWN


def _default(graph: Reach, switch: Switch, depth: int) -> object:
    project = graph.project
    if switch.kind in ("env", "platform", "loop", "off", "const"):
        return switch.default
    if switch.kind == "started":
        return _FILLED
    if switch.kind == "unset":
        return _EMPTY
    if switch.kind == "name" and depth < 3:
        named = _named(graph, switch.name)
        return _test(graph, named, depth + 1) if named is not None else _UNKNOWN
    if switch.kind == "call" and depth < 3:
        located = project.function(project.resolve(Ref(switch.name)).path)
        returned = located.function.switch if located is not None else None
        return _test(graph, returned, depth + 1) if returned is not None else _UNKNOWN
    return _UNKNOWN
