"""Code that runs only when a configuration switch is set: the lines of each ``if`` on a setting.

A developer's hook is often an environment variable read where it is used, with no default: a
trace directory, a profiling switch. A branch that runs only when such a variable is set does
not run in a service as it ships, so a stall there is a fact of low value (shown with ``--scope
all``). Here each branch gets the conditions it runs under (``Gate``: its lines, the switch
tested, and whether the branch needs the test true or false); ``analysis/opt_in.py`` evaluates
them in the project phase, where a switch may be a function of another module.

The switches read (``Switch.kind``):

- ``env``: ``os.getenv("X")``, ``os.environ.get("X", default)`` and ``"X" in os.environ``: the
  default is the one written (None without one: the variable is unset); python-decouple's
  ``config("X", default=False, cast=bool)`` with a default written;
- ``call``: a call without arguments of a project function, ``tracing_enabled()``: its switch is
  the one its single ``return`` tests (``FunctionFacts.switch``; project phase);
- ``platform``: the operating system, ``platform.system()``, ``sys.platform``, ``os.name``: its
  default is Linux's value, where a served app runs (its container, its host), so a branch for
  macOS or Windows only (``if platform.system() == "Darwin":``, ``sys.platform.startswith("win")``)
  is a developer's machine's; so is one for a frozen bundle (``if getattr(sys, "frozen", False):``,
  ``hasattr(sys, "_MEIPASS")``: PyInstaller's desktop build).

- ``name``: a module's name, or an object's field, set from one of these: a name assigned a
  test of one at module level (``REPORTS = os.getenv("REPORTS", "").lower() in {"1", "true"}``;
  not a value read, ``KEY = os.getenv("API_KEY")``: the service needs it set),
  a class field whose default is such a name (``enabled: bool = field(default_factory=lambda:
  REPORTS)``, tested as ``if not self.enabled: return``) when no construction passes the field
  and no method sets it;
- ``const``: a module's name bound to ``True`` or ``False`` and set nowhere else in the module
  (``ENABLE_NV_INGEST = True  # configurable flag``): a switch a developer flips by editing the code;
- ``unset``: a module's name bound to ``None`` once at module level, which functions fill
  (``global _remote_client``): empty until one of them runs (``analysis/opt_in.py`` decides
  whether one runs in a server); a local bound once to a call without arguments
  (``client = get_remote_client()``) is that call's switch;
- ``loop``: whether an event loop runs the code; it does where a served app runs it, so the
  handler of a ``try`` that asks for the running loop (``asyncio.get_running_loop()``) and
  catches the ``RuntimeError`` it raises without one is the fallback for code no loop runs.

Not a field of a settings class (``settings.debug``): that is a feature the product documents and
operators turn on, and a stall behind one is real for them (the development set holds one that
its project fixed: a config file read behind ``mcp_read_from_config: bool = False``).

The tests understood around a switch: the switch alone, ``not``, ``bool(...)``, ``is None`` and
``is not None``, ``==``/``!=``/``in``/``not in`` against constants, ``.lower()``/``.upper()``/
``.strip()`` on a string, ``.startswith(...)`` on the platform, a predicate named for emptiness (``is_none_or_empty(...)``), and ``and``
(a branch needs each part; the ``else`` of an ``or``, each part false). Anything else is not a
switch, and its branches are unconditional here.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from fastapi_lint.analysis.blocks import bound_once, inner_blocks, last_line
from fastapi_lint.analysis.facts import Gate, Switch

Resolve = Callable[[ast.expr], "str | None"]

_ENV_GETTERS = frozenset({"os.getenv", "os.environ.get", "os._Environ.get"})
_ENVIRON = frozenset({"os.environ"})
# Readers of an environment variable (or a ``.env`` file) with a default and a cast.
_CONFIG_GETTERS = frozenset({"decouple.config", "decouple.AutoConfig.__call__"})
# What python-decouple's ``cast=bool`` reads as true.
_TRUE_WORDS = frozenset({"y", "yes", "t", "true", "on", "1"})
# The operating system as each reads it, with Linux's value.
_PLATFORM_CALLS = {"platform.system": "Linux"}
_RUNNING_LOOP_CALLS = frozenset({"asyncio.get_running_loop", "asyncio.events.get_running_loop"})
# Whether an event loop runs the code: on a served app's loop, it does.
RUNNING_LOOP = Switch("loop", "running", default=True)
_PLATFORM_NAMES: dict[str, str | bool] = {"sys.platform": "linux", "os.name": "posix", "sys.frozen": False}
# What a frozen bundle (PyInstaller) sets on ``sys``, read by ``getattr``/``hasattr``: a desktop
# build's, never a served app's.
_FROZEN_MARKS = frozenset({"frozen", "_MEIPASS"})
_ATTRIBUTE_TESTS = frozenset({"builtins.getattr", "builtins.hasattr", "getattr", "hasattr"})
_STRING_METHODS = frozenset({"lower", "upper", "strip", "casefold"})
# Predicates whose name says they test for "no value": true when the variable is unset.
_EMPTINESS = frozenset({"is_none_or_empty", "is_empty", "isempty", "is_blank", "is_none", "empty"})


def gates(body: list[ast.stmt], resolve: Resolve) -> tuple[Gate, ...]:
    """The gates of a function's own body (nested functions and classes are their own)."""
    return tuple(_gates(body, resolve))


def returned_switch(node: ast.FunctionDef | ast.AsyncFunctionDef, resolve: Resolve) -> Switch | None:
    """The switch a function without parameters returns, when its body is one ``return`` of one."""
    if node.args.args or node.args.posonlyargs or node.args.kwonlyargs or node.args.vararg or node.args.kwarg:
        return None
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        return None
    found = _conditions(body[0].value, True, resolve)
    if found is None or len(found) != 1:
        return None
    switch, when = found[0]
    return switch if when else _negated(switch)


def _gates(body: list[ast.stmt], resolve: Resolve) -> Iterator[Gate]:
    probed: set[str] = set()  # names holding the running loop, or None where no loop runs
    for index, statement in enumerate(body):
        if isinstance(statement, ast.If):
            for when, branch in ((True, statement.body), (False, statement.orelse)):
                if not branch:
                    continue
                for switch, needed in _if_conditions(statement.test, when, resolve, probed):
                    yield Gate(branch[0].lineno, last_line(branch[-1]), switch, needed)
                yield from _gates(branch, resolve)
            rest = body[index + 1:]
            if rest and _leaves(statement.body) and not statement.orelse:
                # ``if not enabled(): return``: the rest of the block runs only when the test is false
                for switch, needed in _if_conditions(statement.test, False, resolve, probed):
                    yield Gate(rest[0].lineno, last_line(rest[-1]), switch, needed)
        elif isinstance(statement, (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)):
            yield from _gates(statement.body, resolve)
            yield from _gates(statement.orelse if not isinstance(statement, (ast.With, ast.AsyncWith)) else [], resolve)
        elif isinstance(statement, ast.Try):
            if _asks_for_running_loop(statement.body, resolve):
                # ``try: asyncio.get_running_loop() ... except RuntimeError: asyncio.run(...)``:
                # the handler is the fallback for code that no loop runs
                short = len(statement.body) <= 2  # a broad handler catches little else
                for handler in statement.handlers:
                    if handler.body and _catches_runtime_error(handler.type, short):
                        yield Gate(handler.body[0].lineno, last_line(handler.body[-1]), RUNNING_LOOP, False)
                probed |= _loop_holders(statement)
            for block in (statement.body, statement.orelse, statement.finalbody, *(h.body for h in statement.handlers)):
                yield from _gates(block, resolve)
        if probed and not isinstance(statement, ast.Try):
            probed -= {node.id for node in ast.walk(statement)
                       if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)}


def _loop_holders(statement: ast.Try) -> set[str]:
    """``try: loop = asyncio.get_running_loop()`` / ``except RuntimeError: loop = None``: ``loop``
    is None afterwards only where no loop runs."""
    first = statement.body[0]
    if not (isinstance(first, ast.Assign) and len(first.targets) == 1 and isinstance(first.targets[0], ast.Name)):
        return set()
    name = first.targets[0].id
    for handler in statement.handlers:
        if _catches_runtime_error(handler.type, len(statement.body) <= 2) and any(
                isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is None
                and any(isinstance(target, ast.Name) and target.id == name for target in node.targets)
                for node in handler.body):
            return {name}
    return set()


def _if_conditions(test: ast.expr, when: bool, resolve: Resolve, probed: set[str]) -> list[tuple[Switch, bool]]:
    """``_conditions``, and ``loop is None`` on a name ``_loop_holders`` found: whether a loop runs."""
    tested, runs_when_true = test, True
    while isinstance(tested, ast.UnaryOp) and isinstance(tested.op, ast.Not):
        tested, runs_when_true = tested.operand, not runs_when_true
    if (isinstance(tested, ast.Compare) and len(tested.ops) == 1 and isinstance(tested.ops[0], (ast.Is, ast.IsNot))
            and isinstance(tested.comparators[0], ast.Constant) and tested.comparators[0].value is None):
        runs_when_true = runs_when_true == isinstance(tested.ops[0], ast.IsNot)
        tested = tested.left
    if isinstance(tested, ast.Name) and tested.id in probed:
        return [(RUNNING_LOOP, runs_when_true == when)]
    return _conditions(test, when, resolve) or []


def _asks_for_running_loop(body: list[ast.stmt], resolve: Resolve) -> bool:
    """The try's first statement asks for the running loop: what raises without one."""
    return bool(body) and any(
        isinstance(node, ast.Call) and resolve(node.func) in _RUNNING_LOOP_CALLS for node in ast.walk(body[0])
    )


def _catches_runtime_error(caught: ast.expr | None, broad: bool) -> bool:
    """The handler catches the ``RuntimeError`` (``broad``: also by ``Exception`` or a bare one)."""
    if caught is None:
        return broad
    if isinstance(caught, ast.Tuple):
        return any(_catches_runtime_error(item, broad) for item in caught.elts)
    return isinstance(caught, ast.Name) and (caught.id == "RuntimeError" or broad and caught.id in ("Exception", "BaseException"))


def _leaves(block: list[ast.stmt]) -> bool:
    return bool(block) and isinstance(block[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))


def _conditions(test: ast.expr, when: bool, resolve: Resolve) -> list[tuple[Switch, bool]] | None:
    """The switches ``test`` must have for it to be ``when``, each with the truth it needs; None:
    ``test`` being ``when`` does not rest on a switch."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _conditions(test.operand, not when, resolve)
    if isinstance(test, ast.BoolOp):
        # ``a and b`` true needs both; ``a or b`` false needs both false. The other cases need
        # one of several: no single switch decides.
        if isinstance(test.op, ast.And) == when:
            found = [c for value in test.values for c in (_conditions(value, when, resolve) or ())]
            return found or None
        return None
    switch = _switch(test, resolve)
    return [(switch, when)] if switch is not None else None


def _switch(node: ast.expr, resolve: Resolve) -> Switch | None:
    """``node`` as a switch tested for its truth, or None."""
    if isinstance(node, ast.Call) and not node.keywords and len(node.args) == 1:
        name = _name(node.func)
        inner = _switch(node.args[0], resolve)
        if inner is not None and name == "bool":
            return inner
        if inner is not None and name in _EMPTINESS:
            return _negated(inner)
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        return _compared(node, resolve)
    return _value(node, resolve)


def _compared(node: ast.Compare, resolve: Resolve) -> Switch | None:
    op, right = node.ops[0], node.comparators[0]
    if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Attribute, ast.Name, ast.Subscript)):
        # ``"X" in os.environ``
        key = _constant(node.left)
        if isinstance(key, str) and resolve(right) in _ENVIRON:
            switch = Switch("env", key, "is not None")
            return switch if isinstance(op, ast.In) else _negated(switch)
    value = _value(node.left, resolve)
    if value is None or value.op != "truth":
        return None
    if isinstance(op, (ast.Is, ast.IsNot)) and isinstance(right, ast.Constant) and right.value is None:
        return value._replace(op="is None" if isinstance(op, ast.Is) else "is not None")
    operands = _constants(right)
    if operands is None:
        return None
    names = {ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in"}
    for kind, written in names.items():
        if isinstance(op, kind):
            return value._replace(op=written, operands=operands)
    return None


def _value(node: ast.expr, resolve: Resolve) -> Switch | None:
    """An environment variable's value or a call's (tested for truth), possibly through string methods."""
    methods: list[str] = []
    while (isinstance(node, ast.Call) and not node.args and not node.keywords and isinstance(node.func, ast.Attribute)
           and node.func.attr in _STRING_METHODS):
        methods.append(node.func.attr)
        node = node.func.value
    if isinstance(node, ast.NamedExpr):
        node = node.value
    platform = _platform(node, resolve)
    if platform is not None:
        return platform._replace(methods=tuple(reversed(methods)))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "startswith"
            and len(node.args) == 1 and not node.keywords and not methods):
        prefixes = _constants(node.args[0])
        tested = _platform(node.func.value, resolve)
        if tested is not None and prefixes is not None and all(isinstance(p, str) for p in prefixes):
            return tested._replace(op="startswith", operands=prefixes)
    if isinstance(node, ast.Call):
        callee = resolve(node.func)
        if callee in _ENV_GETTERS and node.args and not node.keywords and len(node.args) <= 2:
            key = _constant(node.args[0])
            default = _constant(node.args[1]) if len(node.args) == 2 else None
            if isinstance(key, str) and (len(node.args) == 1 or isinstance(node.args[1], ast.Constant)):
                return Switch("env", key, "truth", (), default, tuple(reversed(methods)))
            return None
        if callee in _CONFIG_GETTERS:
            return _config_read(node, methods)
        if callee is not None and not node.args and not node.keywords and not methods:
            return Switch("call", callee)
    if isinstance(node, (ast.Name, ast.Attribute)) and not methods:
        path = resolve(node)
        if path is not None and "." in path and "(" not in path:
            return Switch("name", path)  # a module's name or an object's field: a switch if set from one
        if isinstance(node, ast.Name) and path is not None and path.endswith("()") and "(" not in path[:-2]:
            return Switch("call", path[:-2])  # a local holding what a call returned
    return None


def _config_read(node: ast.Call, methods: list[str]) -> Switch | None:
    """``config("LOCAL_DEV", default=False, cast=bool)`` (python-decouple): the variable with the
    default written, cast to a truth when ``cast=bool``. Without a default, the service must set
    it (decouple raises): not a switch."""
    keywords = {keyword.arg: keyword.value for keyword in node.keywords}
    key = _constant(node.args[0]) if node.args else None
    written = keywords.get("default", node.args[1] if len(node.args) > 1 else None)
    if not isinstance(key, str) or not isinstance(written, ast.Constant) or set(keywords) - {"default", "cast"}:
        return None
    default = _constant(written)
    cast = keywords.get("cast")
    if isinstance(cast, ast.Name) and cast.id == "bool":
        default = str(default).strip().lower() in _TRUE_WORDS if isinstance(default, str) else bool(default)
    elif cast is not None:
        return None  # cast to a number or a list: its truth is not the string's
    return Switch("env", key, "truth", (), default, tuple(reversed(methods)))


def module_switches(body: list[ast.stmt], resolve: Resolve) -> tuple[tuple[str, Switch], ...]:
    """The module-level names set from one switch (``REPORTS = os.getenv("REPORTS", "") == "1"``)
    and the class fields whose default is one (``enabled: bool = REPORTS``, also through
    ``field(default_factory=lambda: REPORTS)``), as ``name`` or ``Class.field``."""
    found: list[tuple[str, Switch]] = []
    for statement in body:
        if isinstance(statement, ast.ClassDef):
            for inner in statement.body:
                named = _assigned(inner)
                if named is not None:
                    switch = _single(_field_default(named[1]), resolve)
                    if switch is not None:
                        found.append((f"{statement.name}.{named[0]}", switch))
            continue
        named = _assigned(statement)
        if named is not None and isinstance(named[1], ast.Constant) and isinstance(named[1].value, bool):
            found.append((named[0], Switch("const", named[0], default=named[1].value)))
        elif named is not None and _is_flag(named[1]):
            switch = _single(named[1], resolve)
            if switch is not None:
                found.append((named[0], switch))
        elif named is not None and isinstance(named[1], ast.Constant) and named[1].value is None:
            found.append((named[0], Switch("unset", named[0])))
    # a constant only where the module binds it once: not again (``if os.getenv("X"): DEBUG = True``),
    # nor in a function that declares it ``global``
    once = bound_once(body) if any(switch.kind == "const" for _, switch in found) else set()
    filled = _filled_names(body) if any(switch.kind == "unset" for _, switch in found) else set()
    return tuple((name, switch) for name, switch in found
                 if (switch.kind != "const" or name in once) and (switch.kind != "unset" or name in filled))


def _filled_names(body: list[ast.stmt]) -> set[str]:
    """The module's names bound once by its own top-level code and filled by its functions
    (``global``): what starts as that one value until a function runs."""
    top: dict[str, int] = {}
    declared: set[str] = set()
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            declared.update(name for inner in ast.walk(node) if isinstance(inner, ast.Global) for name in inner.names)
            continue
        if isinstance(node, ast.ClassDef):
            pending.extend(inner for inner in node.body if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)))
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            top[node.id] = top.get(node.id, 0) + 1
        pending.extend(ast.iter_child_nodes(node))
    return {name for name, count in top.items() if count == 1 and name in declared}


def _is_flag(value: ast.expr) -> bool:
    """A test (``os.getenv("X", "") == "1"``, ``bool(os.getenv("X"))``, ``not ...``), not a value
    read (``KEY = os.getenv("API_KEY")``: a key the service needs, not a switch it ships off)."""
    if isinstance(value, ast.Call):
        return _name(value.func) == "bool"
    return isinstance(value, (ast.Compare, ast.UnaryOp, ast.BoolOp))


def _assigned(statement: ast.stmt) -> tuple[str, ast.expr] | None:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value is not None:
        return statement.target.id, statement.value
    return None


def _field_default(value: ast.expr) -> ast.expr:
    """A dataclass's or pydantic's ``field(default=X)``/``Field(X)``/``default_factory=lambda: X``: ``X``."""
    if isinstance(value, ast.Call) and _name(value.func) in ("field", "Field"):
        for keyword in value.keywords:
            if keyword.arg == "default":
                return keyword.value
            if keyword.arg == "default_factory" and isinstance(keyword.value, ast.Lambda):
                return keyword.value.body
        if value.args:
            return value.args[0]
    return value


def _single(value: ast.expr, resolve: Resolve) -> Switch | None:
    found = _conditions(value, True, resolve)
    if found is None or len(found) != 1:
        return None
    switch, when = found[0]
    return switch if when else _negated(switch)


def _platform(node: ast.expr, resolve: Resolve) -> Switch | None:
    """``platform.system()``, ``sys.platform`` or ``os.name`` as a switch with Linux's value; a
    frozen bundle's marks (``getattr(sys, "frozen", False)``, ``hasattr(sys, "_MEIPASS")``,
    ``sys.frozen``: PyInstaller's) as one that is off where a served app runs."""
    if (isinstance(node, ast.Call) and len(node.args) in (2, 3) and not node.keywords
            and resolve(node.func) in _ATTRIBUTE_TESTS and resolve(node.args[0]) == "sys"
            and isinstance(node.args[1], ast.Constant) and node.args[1].value in _FROZEN_MARKS):
        return Switch("platform", "sys.frozen", default=False)
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        name = resolve(node.func)
        if name in _PLATFORM_CALLS:
            return Switch("platform", name, default=_PLATFORM_CALLS[name])
    elif isinstance(node, ast.Attribute):
        name = resolve(node)
        if name in _PLATFORM_NAMES:
            return Switch("platform", name, default=_PLATFORM_NAMES[name])
    return None


def _negated(switch: Switch) -> Switch:
    opposite = {"truth": "not", "not": "truth", "is None": "is not None", "is not None": "is None",
                "==": "!=", "!=": "==", "in": "not in", "not in": "in",
                "startswith": "not startswith", "not startswith": "startswith"}
    return switch._replace(op=opposite[switch.op])


def _constant(node: ast.expr) -> str | int | float | bool | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool, type(None))):
        return node.value
    return None


def _constants(node: ast.expr) -> tuple[str | int | float | bool | None, ...] | None:
    if isinstance(node, ast.Constant):
        return (_constant(node),) if isinstance(node.value, (str, int, float, bool, type(None))) else None
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        found = [_constants(item) for item in node.elts]
        if all(item is not None and len(item) == 1 for item in found):
            return tuple(item[0] for item in found if item is not None)
    return None


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def field_stores(body: list[ast.stmt], self_name: str | None) -> tuple[tuple[str, bool | None], ...]:
    """The fields of its object a method's body sets (``self.enabled = True``), each with the truth
    of the constant stored (None: not a constant), in the order of the source; not in nested
    functions or classes."""
    if self_name is None:
        return ()
    found: list[tuple[str, bool | None]] = []
    pending = list(reversed(body))
    while pending:
        statement = pending.pop()
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            value = statement.value if not isinstance(statement, ast.AugAssign) else None
            for target in targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == self_name:
                    found.append((target.attr, bool(value.value) if isinstance(value, ast.Constant) else None))
        for block in inner_blocks(statement):
            pending.extend(reversed(block))
    return tuple(found)
