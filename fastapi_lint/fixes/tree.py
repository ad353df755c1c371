"""A libcst view of one module for the fixers: nodes by position, parents, module-level imports.

Built only for files that have a finding to fix: ``PositionProvider`` costs about
twice the parse. Spans from phase 1 count characters from column 0 and lines from
1, as libcst's positions do, and neither includes the parentheses around a node,
so a call is found by its exact start and end.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from fastapi_lint.diagnostics import Span
from fastapi_lint.fixes.base import Edit, Import, Outcome


@dataclass(frozen=True)
class Binding:
    """A module-level name bound by an import: ``aio`` -> ``asyncio``, ``pause`` -> ``time.sleep``."""

    name: str
    target: str
    is_module: bool  # ``import x`` rather than ``from m import x``


class Tree:
    def __init__(self, module: cst.Module) -> None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.module = wrapper.module
        positions = wrapper.resolve(PositionProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self._calls: dict[tuple[int, int, int, int], cst.Call] = {}
        self._functions: dict[tuple[int, int], cst.FunctionDef] = {}
        self._comments: dict[int, cst.Comment] = {}
        for node, where in positions.items():
            if isinstance(node, cst.Call):
                key = (where.start.line, where.start.column, where.end.line, where.end.column)
                self._calls[key] = node
            elif isinstance(node, cst.FunctionDef):
                self._functions[(where.start.line, where.start.column)] = node
            elif isinstance(node, cst.Comment):
                self._comments[where.start.line] = node
        self.imports: dict[str, Binding] = {}
        self.bound: set[str] = set()  # every module-level name, however bound
        self._imported: Counter[tuple[str, str]] = Counter()  # (name, target): module-level imports binding it
        self._everywhere: Counter[str] | None = None  # every binding of a name, in any scope
        for statement in self.module.body:
            self._bind(statement)

    # -- finding nodes -----------------------------------------------------

    def call_at(self, span: Span) -> cst.Call | None:
        return self._calls.get((span.line, span.col, span.end_line, span.end_col))

    def function_at(self, span: Span) -> cst.FunctionDef | None:
        return self._functions.get((span.line, span.col))

    def comment_at(self, line: int) -> cst.Comment | None:
        """The comment on a line (a line holds at most one: it runs to the line's end)."""
        return self._comments.get(line)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    # -- names -------------------------------------------------------------

    def module_alias(self, module: str) -> str | None:
        """The local name of ``import module`` (``aio`` for ``import asyncio as aio``)."""
        for binding in self.imports.values():
            if binding.is_module and binding.target == module:
                return binding.name
        return None

    def imported_as(self, module: str, name: str) -> str | None:
        """The local name of ``from module import name``, if the module imports it."""
        for binding in self.imports.values():
            if not binding.is_module and binding.target == f"{module}.{name}":
                return binding.name
        return None

    def free(self, name: str, meaning: str) -> bool:
        """``name`` may be written anywhere in the module to mean ``meaning``: nothing binds it
        (an import of ``meaning`` may be added), or only module-level imports of ``meaning`` do.

        Every scope counts, not only the one an edit is written in: a parameter, a local, a
        comprehension variable or a ``case`` capture of that name, or a ``global`` rebinding of
        it, would make the name mean something else where it is written. Such a module is rare,
        and a wrong guess breaks a request, so any other binding anywhere is enough to decline.
        """
        binding = self.imports.get(name)
        everywhere = self._bindings()[name]
        if binding is not None:
            return binding.target == meaning and everywhere == self._imported[(name, meaning)]
        return name not in self.bound and everywhere == 0

    def qualified(self, expression: cst.BaseExpression) -> str | None:
        """The dotted path an expression names through the module's imports, if it does."""
        if isinstance(expression, cst.Name):
            binding = self.imports.get(expression.value)
            return binding.target if binding is not None else None
        if isinstance(expression, cst.Attribute):
            base = self.qualified(expression.value)
            return f"{base}.{expression.attr.value}" if base is not None else None
        return None

    # -- where ``await`` may go ----------------------------------------------

    def await_blocker(self, node: cst.CSTNode) -> str | None:
        """Why ``await`` cannot replace ``node`` (None when it can): it must sit in an async body."""
        previous: cst.CSTNode = node
        current = self.parent(node)
        while current is not None:
            if isinstance(current, cst.Lambda):
                return "the call is inside a lambda, where `await` is not allowed"
            if isinstance(current, cst.GeneratorExp):
                return "the call is inside a generator expression: `await` would make it an async generator"
            if isinstance(current, (cst.FormattedString, cst.ConcatenatedString)):
                return "the call is inside an f-string"
            if isinstance(current, cst.ClassDef):
                return "the call is in a class body"
            if isinstance(current, cst.FunctionDef):
                if current.asynchronous is None:
                    return "the call is not in an `async def`"
                if previous is not current.body:
                    return "the call is in the signature or decorators, evaluated outside the coroutine"
                return None
            previous, current = current, self.parent(current)
        return "the call is at module level"

    def needs_parentheses(self, node: cst.CSTNode) -> bool:
        """An ``await`` put in place of ``node`` must be parenthesized (``(await f()).x``)."""
        parent = self.parent(node)
        if isinstance(parent, (cst.Attribute, cst.Subscript)):
            return parent.value is node
        if isinstance(parent, cst.Call):
            return parent.func is node
        return False

    # -- internals -----------------------------------------------------------

    def _bind(self, statement: cst.CSTNode) -> None:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        dotted = _dotted(alias.name)
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                            self._add(Binding(alias.asname.name.value, dotted, True))
                        else:
                            root = dotted.partition(".")[0]
                            self._add(Binding(root, root, True))
                elif isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
                    module = _dotted(small.module)
                    if isinstance(small.names, cst.ImportStar):
                        continue
                    for alias in small.names:
                        name = _dotted(alias.name)
                        local = name
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                            local = alias.asname.name.value
                        self._add(Binding(local, f"{module}.{name}", False))
                elif isinstance(small, cst.ImportFrom):
                    if not isinstance(small.names, cst.ImportStar):
                        for alias in small.names:
                            bound = alias.asname.name if alias.asname is not None else alias.name
                            if isinstance(bound, cst.Name):
                                self.bound.add(bound.value)
                elif isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                    targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                    for target in targets:
                        self._bind_target(target)
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            self.bound.add(statement.name.value)
        elif isinstance(statement, (cst.If, cst.Try, cst.With, cst.For, cst.While)):
            # Names bound in a block (``try: import x``) count as taken, never as reusable imports.
            visitor = _Names()
            statement.visit(visitor)
            self.bound.update(visitor.names)

    def _add(self, binding: Binding) -> None:
        self.imports.setdefault(binding.name, binding)
        self.bound.add(binding.name)
        self._imported[(binding.name, binding.target)] += 1

    def _bindings(self) -> Counter[str]:
        if self._everywhere is None:
            visitor = _Bindings()
            self.module.visit(visitor)
            self._everywhere = visitor.count
        return self._everywhere

    def _bind_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.bound.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value)


class _Names(cst.CSTVisitor):
    """Names a block binds: imports, definitions, assignment, ``for`` and ``with ... as`` targets."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        bound = node.asname.name if node.asname is not None else node.name
        self.names.add(_dotted(bound).partition(".")[0])

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._target(node.name)

    def _target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.names.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value)


class _Bindings(cst.CSTVisitor):
    """How many times each name is bound in the module, in any scope, by any statement or pattern."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()

    def _name(self, node: cst.CSTNode | None) -> None:
        if isinstance(node, cst.Name):
            self.count[node.value] += 1

    def _target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value)
        elif isinstance(target, cst.StarredElement):
            self._target(target.value)
        else:
            self._name(target)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is not None:
            self._target(node.asname.name)
        else:
            self.count[_dotted(node.name).partition(".")[0]] += 1

    def visit_Param(self, node: cst.Param) -> None:
        self._name(node.name)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._name(node.name)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._name(node.name)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._target(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._target(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._target(node.asname.name)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._target(node.name.name)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        if node.name is not None:
            self._target(node.name.name)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self._name(item.name)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self._name(item.name)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        self._name(node.name)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        self._name(node.name)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        self._name(node.rest)

    def visit_TypeVar(self, node: cst.TypeVar) -> None:
        self._name(node.name)

    def visit_TypeVarTuple(self, node: cst.TypeVarTuple) -> None:
        self._name(node.name)

    def visit_ParamSpec(self, node: cst.ParamSpec) -> None:
        self._name(node.name)

    def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
        self._name(node.name)


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else ""
    return ""


def dotted(node: cst.BaseExpression) -> str:
    """``a.b.c`` for a chain of names, ``""`` for anything else."""
    return _dotted(node)


def comments_in(node: cst.CSTNode) -> list[str]:
    """The comments written inside a node, in order."""
    visitor = _Comments()
    node.visit(visitor)
    return visitor.found


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list[str] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.found.append(node.value)


# -- edits shared by the fixers -----------------------------------------------------------


def asyncio_function(tree: Tree, name: str) -> tuple[cst.BaseExpression, tuple[Import, ...]] | str:
    """How the module spells ``asyncio.<name>``: its alias of ``asyncio``, a name it imported,
    or ``asyncio.<name>`` with a new ``import asyncio``. A string says why none works."""
    alias = tree.module_alias("asyncio")
    if alias is not None and tree.free(alias, "asyncio"):
        return cst.Attribute(value=cst.Name(alias), attr=cst.Name(name)), ()
    local = tree.imported_as("asyncio", name)
    if local is not None and tree.free(local, f"asyncio.{name}"):
        return cst.Name(local), ()
    if not tree.free("asyncio", "asyncio"):
        return "the name `asyncio` is taken in this module"
    return cst.Attribute(value=cst.Name("asyncio"), attr=cst.Name(name)), (Import("asyncio"),)


def await_call(tree: Tree, call: cst.Call, name: str, kind: str, *, offload: bool) -> Outcome:
    """``await asyncio.<name>(...)`` in place of ``call``: its arguments kept, and with
    ``offload`` its callee handed over first (``to_thread(f, *args)``)."""
    blocker = tree.await_blocker(call)
    if blocker is not None:
        return blocker
    spelled = asyncio_function(tree, name)
    if isinstance(spelled, str):
        return spelled
    func, imports = spelled
    parenthesize = tree.needs_parentheses(call)

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        new = node.with_changes(func=func)
        if offload:
            new = new.with_changes(whitespace_after_func=cst.SimpleWhitespace(""), args=[_first(node), *node.args])
        lpar, rpar = list(node.lpar), list(node.rpar)
        if parenthesize and not lpar:
            lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
        return cst.Await(expression=new.with_changes(lpar=(), rpar=()), lpar=lpar, rpar=rpar)

    return Edit((kind, id(call)), call, change, imports)


def _first(call: cst.Call) -> cst.Arg:
    """The callee as the first argument, laid out like the arguments that follow it."""
    between: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        between = call.whitespace_before_args.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    comma = cst.Comma(whitespace_after=between) if call.args else cst.MaybeSentinel.DEFAULT
    return cst.Arg(value=call.func.with_changes(lpar=(), rpar=()), comma=comma)


def uses_async_syntax(function: cst.FunctionDef) -> bool:
    """``await``, ``async for`` or ``async with`` in the function's own body (not nested ones)."""
    finder = _AsyncSyntax()
    function.body.visit(finder)
    return finder.found


class _AsyncSyntax(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Await(self, node: cst.Await) -> None:
        self.found = True

    def visit_For(self, node: cst.For) -> None:
        self.found = self.found or node.asynchronous is not None

    def visit_With(self, node: cst.With) -> None:
        self.found = self.found or node.asynchronous is not None

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.found = self.found or node.asynchronous is not None


def apply_edits(module: cst.Module, edits: Iterable[Edit]) -> cst.Module:
    return module.visit(_Apply(edits))


class _Apply(cst.CSTTransformer):
    """Applies edits to the nodes of the original tree they were made for, innermost first."""

    def __init__(self, edits: Iterable[Edit]) -> None:
        super().__init__()
        self.changes: dict[int, list[Edit]] = defaultdict(list)
        for edit in edits:
            self.changes[id(edit.node)].append(edit)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        result = super().on_leave(original_node, updated_node)
        for edit in self.changes.get(id(original_node), ()):
            if edit.node is original_node and isinstance(result, cst.CSTNode):
                result = edit.change(result)
        return result  # type: ignore[return-value]
