"""FAS203: ``@app.on_event("startup"/"shutdown")`` handlers move into a ``lifespan`` (unsafe).

The handlers stay where they are, undecorated; a new ``lifespan`` context manager,
defined just before the app, calls the startup handlers, yields, then calls the
shutdown handlers, and the app gets ``lifespan=lifespan``. Every handler of the
module's app moves at once, so all its FAS203 findings share the one edit.

Unsafe: an exception in a startup handler now also skips the shutdown handlers
(as it does for an ``async with`` body), code outside the module may register
more events on the app (ignored once it has a lifespan), and the handlers still
share state through module globals. Shapes it declines: handlers on more than one
app, an app not built by a plain ``name = FastAPI(...)`` at module level, an app
that already has a ``lifespan``, a ``lifespan`` name already taken, handlers
nested in functions or classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi_lint.diagnostics import Applicability, Fix
from fastapi_lint.fixes.base import Edit, Import, Outcome, Target
from fastapi_lint.fixes.placing import Facts
from fastapi_lint.fixes.fixer import Fixer

if TYPE_CHECKING:
    import libcst as cst

    from fastapi_lint.fixes.tree import Tree

_EVENTS = ("startup", "shutdown")


class StartupToLifespan(Fixer):
    kind = "on-event-to-lifespan"
    codes = frozenset({"FAS203"})
    applicability = Applicability.UNSAFE

    def propose(self, target: Target, facts: Facts) -> Fix | None:
        if "on_event(" not in target.diagnostic.message:
            return None  # ``add_event_handler`` calls are left to you
        return self.fix("Move the event handlers into a `lifespan` context manager")

    def edit(self, target: Target, tree: Tree) -> Outcome:
        import libcst as cst

        module = tree.module
        handlers = _handlers(module)
        apps = {app for app, _, _ in handlers}
        if not handlers:
            return "no module-level `on_event` handlers"
        if len(apps) != 1:
            return "the handlers belong to more than one app"
        (app,) = apps
        assignment = _app_assignment(module, app)
        if assignment is None:
            return f"`{app}` is not built by a plain `{app} = FastAPI(...)` at module level"
        call = _assigned_call(assignment)
        if any(arg.keyword is not None and arg.keyword.value == "lifespan" for arg in call.args):
            return f"`{app}` already has a lifespan"
        if not tree.free("lifespan", "lifespan"):
            return "the name `lifespan` is taken in this module"
        if not tree.free("asynccontextmanager", "contextlib.asynccontextmanager"):
            return "the name `asynccontextmanager` is taken in this module"
        def calls(event: str) -> list[str]:
            return [f"{'await ' if is_async else ''}{function.name.value}()"
                    for _, function, is_async in handlers if _event_of(function, app) == event]

        startup, shutdown = calls("startup"), calls("shutdown")
        body = "".join(f"    {line}\n" for line in startup) + "    yield\n" + "".join(f"    {line}\n" for line in shutdown)
        definition = cst.parse_statement(f"@asynccontextmanager\nasync def lifespan(app):\n{body}")
        handler_names = {function.name.value for _, function, _ in handlers}

        def change(node: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(node, cst.Module)
            statements: list[cst.BaseStatement] = []
            for statement in node.body:
                if _is_app_assignment(statement, app):
                    # The lifespan goes just before the app; the app keeps its own comments.
                    comments = [line for line in statement.leading_lines if line.comment is not None]
                    blank = [cst.EmptyLine(), cst.EmptyLine()]
                    statements.append(definition.with_changes(leading_lines=blank))
                    statements.append(_with_lifespan(statement).with_changes(leading_lines=[*blank, *comments]))
                elif isinstance(statement, cst.FunctionDef) and statement.name.value in handler_names:
                    kept = [d for d in statement.decorators if _event(d, app) is None]
                    if kept:
                        statements.append(statement.with_changes(decorators=kept))
                    else:
                        statements.append(statement.with_changes(decorators=[], leading_lines=statement.leading_lines))
                else:
                    statements.append(statement)
            return node.with_changes(body=statements)

        return Edit((self.kind, id(module)), module, change, (Import("contextlib", "asynccontextmanager"),))


def _handlers(module: cst.Module) -> list[tuple[str, cst.FunctionDef, bool]]:
    """(app name, handler, is async) for every module-level ``@<app>.on_event(...)`` function."""
    import libcst as cst

    found: list[tuple[str, cst.FunctionDef, bool]] = []
    for statement in module.body:
        if not isinstance(statement, cst.FunctionDef):
            continue
        for decorator in statement.decorators:
            event = _event(decorator, None)
            if event is not None:
                found.append((event[0], statement, statement.asynchronous is not None))
                break
    return found


def _event_of(function: cst.FunctionDef, app: str) -> str | None:
    for decorator in function.decorators:
        event = _event(decorator, app)
        if event is not None:
            return event[1]
    return None


def _event(decorator: cst.Decorator, app: str | None) -> tuple[str, str] | None:
    """(app name, event) for ``@app.on_event("startup")``; None for any other decorator."""
    import libcst as cst

    call = decorator.decorator
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return None
    receiver = call.func.value
    if call.func.attr.value != "on_event" or not isinstance(receiver, cst.Name):
        return None
    if app is not None and receiver.value != app:
        return None
    if len(call.args) != 1 or not isinstance(call.args[0].value, cst.SimpleString):
        return None
    event = str(call.args[0].value.evaluated_value)
    return (receiver.value, event) if event in _EVENTS else None


def _is_app_assignment(statement: cst.CSTNode, app: str) -> bool:
    import libcst as cst

    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    assign = statement.body[0]
    return (
        isinstance(assign, cst.Assign)
        and len(assign.targets) == 1
        and isinstance(assign.targets[0].target, cst.Name)
        and assign.targets[0].target.value == app
        and isinstance(assign.value, cst.Call)
        and _callee_name(assign.value).endswith("FastAPI")
    )


def _callee_name(call: cst.Call) -> str:
    import libcst as cst

    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return ""


def _app_assignment(module: cst.Module, app: str) -> cst.SimpleStatementLine | None:
    import libcst as cst

    found = [s for s in module.body if _is_app_assignment(s, app)]
    return found[0] if len(found) == 1 and isinstance(found[0], cst.SimpleStatementLine) else None


def _assigned_call(statement: cst.SimpleStatementLine) -> cst.Call:
    import libcst as cst

    assign = statement.body[0]
    assert isinstance(assign, cst.Assign) and isinstance(assign.value, cst.Call)
    return assign.value


def _with_lifespan(statement: cst.BaseStatement) -> cst.BaseStatement:
    import libcst as cst

    assert isinstance(statement, cst.SimpleStatementLine)
    assign = statement.body[0]
    assert isinstance(assign, cst.Assign) and isinstance(assign.value, cst.Call)
    call = assign.value
    args = list(call.args)
    if args:
        last = args[-1]
        if last.comma is cst.MaybeSentinel.DEFAULT:
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    args.append(cst.Arg(keyword=cst.Name("lifespan"), value=cst.Name("lifespan"),
                        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                              whitespace_after=cst.SimpleWhitespace(""))))
    return statement.with_changes(body=[assign.with_changes(value=call.with_changes(args=args))])
