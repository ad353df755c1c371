"""Phase 1: one walk over a module's tree, producing its ``ModuleSummary``.

Only facts the rules read are kept: names resolved through imports, functions
with their parameters, decorators, calls and awaits, classes with their bases
and ``self.`` attributes, and module-level bindings. Trees never leave this
module, so summaries stay small, picklable and cacheable.

The expressions of a body are read by ``expressions.ExpressionReader``, which the extractor
builds on; the names a function binds, by ``local_bindings``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from fastapi_lint.analysis.bundled import BundledNames
from fastapi_lint.analysis.extract.attributes import agreeing, constructor_copies, module_store, self_attributes
from fastapi_lint.analysis.extract.import_paths import sys_path_folders
from fastapi_lint.analysis.extract.expressions import ExpressionReader, FunctionState
from fastapi_lint.analysis.extract.local_bindings import bind_locals, parameter_ref
from fastapi_lint.analysis.extract.switches import field_stores, gates as switch_gates, module_switches, returned_switch
from fastapi_lint.analysis.extract.syntax import (
    LOOPS, arguments, assigned_names, first_yield, bound_constants, callee_text, caller_parameters, declares_only, def_span,
    is_type_checking, live_blocks, route_commented_out, self_parameter, switch_parameters, top_level, walking, worked_in_steps,
)
from fastapi_lint.analysis.facts import (
    Attribute,
    Binding,
    ClassFacts,
    FunctionFacts,
    ModuleSummary,
    Param,
    Ref,
    RefKind,
    Value,
)
from fastapi_lint.analysis.names import (
    Resolver,
    Scope,
    import_bindings,
    import_target,
    imported_modules,
    module_package,
    redefinitions,
)
from fastapi_lint.analysis.extract.branches import branches
from fastapi_lint.analysis.extract.deferred import DeferredFunctionFacts, Reader, deferrable
from fastapi_lint.analysis.extract.narrowing import known_truths
from fastapi_lint.analysis.extract.reaching import narrowed_uses, reaching_bindings
from fastapi_lint.analysis.lazy_init import filled_places, guards
from fastapi_lint.analysis.extract.noqa import find_noqa
from fastapi_lint.analysis.extract.parse import Parsed, text_digest
from fastapi_lint.analysis.reused_clients import module as client_module
from fastapi_lint.analysis.reused_clients import reused_constructions
from fastapi_lint.analysis.uncontended import uncontended_calls
from fastapi_lint.diagnostics import Span

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def summarize(parsed: Parsed, path: str, module: str, is_package: bool) -> ModuleSummary:
    with walking():
        return Extractor(parsed, path, module, is_package).run()


class Extractor(ExpressionReader):
    def __init__(self, parsed: Parsed, path: str, module: str, is_package: bool,
                 defer: Callable[[str, int, int], Reader] | None = None) -> None:
        """``defer``: what reads a function's body (by its path and line) when first asked about,
        for an installed package's module (``bodies.py``)."""
        self.module_scope = Scope()
        super().__init__(parsed.lines, Resolver(self.module_scope))
        self.parsed = parsed
        # Lines holding ``:=`` (in code, a string or a comment): only statements spanning one can
        # hold an assignment expression, and most files have none.
        self.walrus = tuple(n for n, line in enumerate(self.lines, 1) if ":=" in line) if ":=" in parsed.source else ()
        self.path = path
        self.module = module
        self.package = module_package(module, is_package)
        self.is_package = is_package
        self.star_imports: list[str] = []
        # An installed package's module (``defer``): only what the climb into it reads (``bodies.INSTALLED_OMITS``).
        self.installed = defer is not None
        self.bundled_names = BundledNames(parsed.tree, "" if self.installed else parsed.source)
        self.imports: list[tuple[str, str]] = []
        self._function_paths: set[str] = set()
        self.type_checking_only = 0  # inside ``if TYPE_CHECKING:``
        self.functions: list[FunctionFacts] = []
        self.classes: list[ClassFacts] = []
        self.bindings: list[Binding] = []
        # What functions store into module-level names (``ModuleSummary.module_stores``).
        self.module_stores: list[tuple[str, Ref]] = []
        # Waits that cannot wait (``ExpressionReader.uncontended``) are looked for only in files
        # that acquire something or ask whether a queue is empty.
        self.acquires = any(word in parsed.source for word in ("acquire", "empty()", "qsize()"))
        # Client constructions whose block uses the client for several requests (``CallSite.reused``),
        # looked for only in files that may build one.
        self.client_module = None if self.installed else client_module(parsed.tree, parsed.source)
        # defs that another def of their scope takes over: each gets a path of its own
        self.redefined = redefinitions(parsed.tree)
        self.defer = defer
        # the functions whose bodies are read when asked about: by path and line (a class defined
        # twice, one per Python version, defines its methods' paths twice), the def and what its body reads with
        self.deferred: dict[tuple[str, int], tuple[ast.FunctionDef | ast.AsyncFunctionDef, str | None, tuple[Value, ...]]] = {}

    # -- entry -------------------------------------------------------------

    def run(self) -> ModuleSummary:
        tree = self.parsed.tree
        self._bind_module_names(tree.body)
        # the module's own loops: not those of its functions' and classes' bodies (their own scopes)
        self.state.loop_body = ([statement for statement in tree.body if not isinstance(statement, (*_FUNCTIONS, ast.ClassDef))]
                                if "for " in self.parsed.source else [])
        for statement in tree.body:
            self.stmt(statement, owner=self.module, class_path=None)
        return ModuleSummary(
            path=self.path,
            module=self.module,
            is_package=self.is_package,
            bindings=tuple(self.bindings),
            functions=tuple(self.functions),
            classes=tuple(self.classes),
            module_calls=tuple(self.state.calls),
            noqa={} if self.installed else find_noqa(self.parsed.source, self.lines, self.parsed.tree),
            line_count=len(self.lines),
            star_imports=tuple(self.star_imports),
            text_digest="" if self.installed else text_digest(self.parsed.source),
            imports=tuple(self.imports),
            module_stores=tuple(dict.fromkeys(self.module_stores)),
            bundled_exports=self.bundled_names.exports,
            sys_path_folders=() if self.installed else sys_path_folders(self.parsed.tree, self.parsed.source),
            switches=module_switches(tree.body, self._resolved_path),
            gates=switch_gates(tree.body, self._resolved_path),
        )

    def _bind_module_names(self, body: list[ast.stmt]) -> None:
        """Module names are visible in every function body, wherever they are bound."""
        names = self.module_scope.names
        for node in top_level(body):
            if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
                self.star_imports.append(import_target(node, self.package))
                # A name bound nowhere here may come from the starred module: leave it to the project.
                self.resolver.star_module = self.module
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for local, target in import_bindings(node, self.package):
                    previous = names.get(local)
                    # Imported twice from different places (``try: import orjson as json``
                    # ``except ImportError: import json``): the project phase decides, and
                    # finds the bindings disagree.
                    own = Ref(f"{self.module}.{local}")
                    names[local] = Ref(target) if previous is None or previous.path == target else own
            elif isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
                names[node.name] = Ref(f"{self.module}.{node.name}")
            else:
                for target in assigned_names(node):
                    names[target] = Ref(f"{self.module}.{target}")

    # -- statements --------------------------------------------------------

    def stmt(self, node: ast.stmt, owner: str, class_path: str | None) -> None:
        if isinstance(node, _FUNCTIONS):
            self.function(node, owner, class_path)
        elif isinstance(node, ast.ClassDef):
            self.klass(node, owner)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if not self.type_checking_only:
                where = owner if owner in self._function_paths else self.module
                self.imports.extend((where, name) for name in imported_modules(node, self.package))
            if owner == self.module:
                for local, target in import_bindings(node, self.package):
                    self.bindings.append(Binding(local, Value("ref", ref=Ref(target)), self.span(node)))
        else:
            if isinstance(node, (ast.AsyncWith, ast.AsyncFor)):
                self.state.awaits = True
            if isinstance(node, (ast.With, ast.AsyncWith)):
                self.context_managers.update(id(item.context_expr) for item in node.items)
            elif isinstance(node, ast.For):
                self.iterates_in(node)
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                self.discarded.add(id(node.value))
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                bound = node.targets[0]
                if isinstance(bound, ast.Name) and isinstance(node.value, ast.Call):
                    self.assigned_to[id(node.value)] = bound.id
                if owner in self._function_paths:
                    if (stored := module_store(self.resolver, self.module, bound, node.value)) is not None:
                        self.module_stores.append(stored)
            if isinstance(node, ast.Return) and node.value is not None:
                self.state.returned.append(self.expr(node.value))
                return
            if owner == self.module and class_path is None:
                self._module_binding(node)
                if isinstance(node, (ast.Assign, ast.AnnAssign)):
                    return
            if isinstance(node, (ast.If, ast.Try)) and not (isinstance(node, ast.If) and is_type_checking(node.test)):
                self._branches(node, owner, class_path)
                return
            if isinstance(node, LOOPS):
                self._loop(node, owner, class_path)
                return
            if isinstance(node, ast.If) and is_type_checking(node.test):
                # Its imports give names their types, but never run: no module is loaded by them.
                self.type_checking_only += 1
                try:
                    for statement in node.body:
                        self.stmt(statement, owner, class_path)
                finally:
                    self.type_checking_only -= 1
                for statement in node.orelse:
                    self.stmt(statement, owner, class_path)
                return
            for child in ast.iter_child_nodes(node):
                self.node(child, owner, class_path)

    def _branches(self, node: ast.If | ast.Try, owner: str, class_path: str | None) -> None:
        """An ``if`` or a ``try``, in the order of the source, the calls of an ``if``'s blocks and of
        a ``try``'s handlers marked conditional (``CallSite.conditional``)."""
        if isinstance(node, ast.If):
            self.expr(node.test)
            self._conditional_block(live_blocks(node), owner, class_path)  # (not ``if False:``'s)
            return
        for statement in node.body:
            self.stmt(statement, owner, class_path)
        for handler in node.handlers:
            if handler.type is not None:
                self.expr(handler.type)
            self.state.handlers.append((handler.body[0].lineno, handler.end_lineno or handler.body[-1].lineno))
            self._conditional_block(handler.body, owner, class_path)
        for statement in [*node.orelse, *node.finalbody]:
            self.stmt(statement, owner, class_path)

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While, owner: str, class_path: str | None) -> None:
        """A loop; the calls of an open-ended one's body (a ``while``, an ``async for`` over a
        stream) and of a ``while``'s test are marked as run once per pass (``CallSite.in_loop``).
        A ``for`` over a collection runs once per item of something already there."""
        open_ended = not isinstance(node, ast.For)
        if isinstance(node, ast.While):
            self.loop_depth += 1
            try:
                self.expr(node.test)
            finally:
                self.loop_depth -= 1
        else:
            self.node(node.target, owner, class_path)
            self.expr(node.iter)
        self.loop_depth += open_ended
        try:
            for statement in node.body:
                self.stmt(statement, owner, class_path)
        finally:
            self.loop_depth -= open_ended
        for statement in node.orelse:
            self.stmt(statement, owner, class_path)

    def _conditional_block(self, block: list[ast.stmt], owner: str, class_path: str | None) -> None:
        self.conditional_depth += 1
        try:
            for statement in block:
                self.stmt(statement, owner, class_path)
        finally:
            self.conditional_depth -= 1

    def node(self, node: ast.AST, owner: str, class_path: str | None) -> None:
        if isinstance(node, ast.stmt):
            self.stmt(node, owner, class_path)
        elif isinstance(node, ast.expr):
            self.expr(node)
        else:
            for child in ast.iter_child_nodes(node):
                self.node(child, owner, class_path)

    def _module_binding(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            value = self.expr(node.value)
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.bindings.append(Binding(target.id, value, self.span(node)))
            for target in node.targets:
                self.expr(target)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            annotation = self.annotation(node.annotation)
            assigned = self.expr(node.value) if node.value is not None else None
            if assigned is None or assigned.is_none:
                # ``client: httpx.Client`` or ``= None`` until the lifespan sets it: an instance of the type.
                declared = self.resolver.annotation_type(node.annotation)
                assigned = (
                    Value("ref", text=callee_text(node.annotation), ref=Ref(declared, RefKind.INSTANCE)) if declared else annotation
                )
            self.bindings.append(Binding(node.target.id, assigned, self.span(node)))

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, owner: str, class_path: str | None) -> None:
        # Decorators, defaults and annotations run where the ``def`` is, not in its body.
        decorators = tuple(self.expr(d) for d in node.decorator_list)
        args = node.args
        positional, all_args, all_defaults = arguments(node)
        params = tuple(
            Param(
                arg.arg,
                self.annotation(arg.annotation) if arg.annotation is not None else None,
                self.expr(default) if default is not None else None,
            )
            for arg, default in zip(all_args, all_defaults)
        )
        returns = self.annotation(node.returns) if node.returns is not None else None

        path = self._def_path(node, owner)
        self._function_paths.add(path)
        redefined = self.redefined.get(id(node))
        if redefined is not None and redefined.alternative and owner == self.module and class_path is None:
            # ``if x: def f`` / ``else: def f``: the project phase finds ``f`` bound two ways.
            self.bindings.append(Binding(node.name, Value("ref", ref=Ref(path)), self.span(node)))
        header = dict(
            path=path,
            name=node.name,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            span=def_span(node, self.lines, self.column(node.lineno, node.col_offset)),
            decorators=decorators,
            decorator_lines=tuple(d.lineno for d in node.decorator_list),
            params=params,
            returns=returns,
            class_path=class_path,
            parent_path=owner if owner != self.module and class_path is None else None,
            abstract=class_path is not None and declares_only(node, decorators),
            signature=(len(positional), len(args.kwonlyargs), args.vararg is not None, args.kwarg is not None),
            route_commented_out=class_path is None and route_commented_out(node, self.lines),
        )
        # not a def inside another's body: its body reads the enclosing function's names
        imports = deferrable(node, self.lines) if self.defer is not None and len(self.resolver.scopes) == 1 else None
        if self.defer is not None and imports is not None:
            if not self.type_checking_only:
                self.imports.extend((path, name) for found in imports for name in imported_modules(found, self.package))
            self.deferred[path, node.lineno] = (node, class_path, decorators)
            self.functions.append(DeferredFunctionFacts(header, self.defer(path, node.lineno, node.end_lineno or node.lineno)))
            return
        self.functions.append(FunctionFacts(**header, **self.body(node, path, class_path, decorators)))  # type: ignore[arg-type]

    def body(self, node: ast.FunctionDef | ast.AsyncFunctionDef, path: str, class_path: str | None,
             decorators: tuple[Value, ...]) -> dict[str, object]:
        """The facts of the body of the function at ``path`` (``DeferredFunctionFacts``' fields),
        read with the module's names in scope, as where its ``def`` is."""
        _, all_args, all_defaults = arguments(node)
        scope = self._function_scope(node, all_args, all_defaults, class_path, decorators, path)
        outer_state, outer_lambdas, outer_offload = self.state, self.lambdas, self.offload_depth
        outer_conditional, outer_loops = self.conditional_depth, self.loop_depth
        self.state, self.lambdas, self.offload_depth, self.conditional_depth = FunctionState(), [], 0, 0
        self.loop_depth = 0

        def is_local(name: str) -> bool:
            return name in scope.names or name in scope.lazy

        self_name, spelling = self_parameter(node, class_path, decorators)
        guarded = guards(node.body, is_local, self_name, spelling, switch_parameters(node.args), caller_parameters(node.args, self_name))
        self.state.once, self.state.known = guarded.once, known_truths(node.body)
        self.state.literals, self.state.strings = bound_constants(node)
        self.state.loop_body = node.body
        fills = tuple(sorted(filled_places(node.body, is_local, self_name, spelling)))
        # after ``*args``, a parameter is keyword-only, but ``params`` does not say which is ``*args``
        flag_branches = branches(node.body, caller_parameters(node.args, self_name) - (
            frozenset(arg.arg for arg in node.args.kwonlyargs) if node.args.vararg else frozenset()),
            self._resolved_path, self_name, node.args.kwarg.arg if node.args.kwarg else None)
        foreign = self.bundled_names.foreign_reads(node, self._foreign_path)
        self.resolver.scopes.append(scope)
        # with the function's own names in scope: a parameter is not the module's name it shadows
        gates = switch_gates(node.body, self._resolved_path)
        if self.acquires:
            self.uncontended.update(uncontended_calls(node.body, self._resolved_path))
        if self.client_module is not None:
            self.reused.update(reused_constructions(node, self.client_module))
        if isinstance(node, ast.AsyncFunctionDef):
            self.stepped.update(worked_in_steps(node.body))
        try:
            for statement in node.body:
                self.stmt(statement, owner=path, class_path=None)
        finally:
            self.resolver.scopes.pop()
            state = self.state
            self.state, self.lambdas, self.offload_depth = outer_state, outer_lambdas, outer_offload
            self.conditional_depth, self.loop_depth = outer_conditional, outer_loops
        for name in state.iterated_names.intersection(state.assigned_calls):
            for index in state.assigned_calls[name]:
                state.calls[index] = state.calls[index]._replace(iterated=True)
        return dict(
            calls=tuple(state.calls),
            awaits=state.awaits,
            is_generator=state.is_generator,
            returned=tuple(state.returned),
            reads=tuple(state.reads),
            fills=fills,
            guards=tuple(guarded.found), throttled=tuple(guarded.throttled),
            bundled=tuple((line, self.column(line, col))
                          for line, col in self.bundled_names.reads(node, class_path.rpartition(".")[2] if class_path else None)),
            foreign_reads=tuple((line, self.column(line, col)) for line, col, _ in foreign),
            foreign_paths=tuple(paths for _, _, paths in foreign),
            gates=gates,
            switch=returned_switch(node, self._resolved_path) if class_path is None else None,
            branches=flag_branches,
            field_stores=field_stores(node.body, self_name),
            field_copies=constructor_copies(node, class_path, self_name),
            first_yield=first_yield(node.body) if state.is_generator else 0,
        )

    def _foreign_path(self, node: ast.expr) -> str | None:
        """The dotted path of a name that comes from another module of the project, maybe."""
        path = self._resolved_path(node)
        if path is None or path == self.module or path.startswith((f"{self.module}.", "builtins.")):
            return None
        return path

    def _resolved_path(self, node: ast.expr) -> str | None:
        ref = self.resolver.resolve(node)
        return ref.path if ref is not None else None

    def _def_path(self, node: ast.FunctionDef | ast.AsyncFunctionDef, owner: str) -> str:
        """``owner.name``, or ``owner.name@2`` for a def that another def of the scope replaces."""
        redefined = self.redefined.get(id(node))
        return f"{owner}.{redefined.segment if redefined is not None else node.name}"

    def _function_scope(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        args: list[ast.arg],
        defaults: list[ast.expr | None],
        class_path: str | None,
        decorators: tuple[Value, ...],
        path: str,
    ) -> Scope:
        scope = Scope(method_of=class_path)
        for arg, default in zip(args, defaults):
            scope.names[arg.arg] = parameter_ref(arg, default, self.resolver)
        if class_path is not None and args:
            kinds = {d.ref.path for d in decorators if d.ref is not None}
            if "builtins.staticmethod" in kinds or "staticmethod" in kinds:
                pass
            elif "builtins.classmethod" in kinds or "classmethod" in kinds:
                scope.names[args[0].arg] = Ref(class_path)
            else:
                scope.names[args[0].arg] = Ref(class_path, RefKind.INSTANCE)
        bind_locals(node.body, scope, self.package, path, self.walrus, self.redefined)
        if scope.others or scope.crowded:
            scope.reaching = reaching_bindings(node.body, [*scope.others, *scope.crowded])
            scope.narrowed = narrowed_uses(scope.reaching)
        return scope

    def klass(self, node: ast.ClassDef, owner: str) -> None:
        decorators = tuple(self.expr(d) for d in node.decorator_list)
        # ``class S(Base[Model])`` derives from ``Base``: subscripting a generic class gives an
        # alias whose ``__mro_entries__`` is the class itself.
        bases = tuple(ref for ref in (self.resolver.resolve(b.value if isinstance(b, ast.Subscript) else b)
                                      for b in node.bases) if ref is not None)
        for keyword in node.keywords:
            self.expr(keyword.value)
        metaclass = next((self.resolver.resolve(k.value) for k in node.keywords if k.arg == "metaclass"), None)
        path = f"{owner}.{node.name}"
        attributes: list[Attribute] = []
        fields: list[Param] = []
        for statement in node.body:
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                annotated = self.resolver.annotation_type(statement.annotation)
                if annotated is not None:
                    attributes.append(Attribute(statement.target.id, Ref(annotated, RefKind.INSTANCE), annotated=True))
                elif statement.value is not None:
                    ref = self.resolver.resolve(statement.value)
                    if ref is not None:
                        attributes.append(Attribute(statement.target.id, ref))
                fields.append(
                    Param(
                        statement.target.id,
                        self.annotation(statement.annotation),
                        self.expr(statement.value) if statement.value is not None else None,
                    )
                )
                continue
            elif isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
                ref = self.resolver.resolve(statement.value)
                for target in statement.targets:
                    if isinstance(target, ast.Name) and ref is not None:
                        attributes.append(Attribute(target.id, ref))
            if isinstance(statement, _FUNCTIONS):
                self.function(statement, path, class_path=path)
                attributes.extend(self_attributes(statement, path, self._def_path(statement, path), self.resolver,
                                                   self.package, self.walrus, self.redefined))
            elif isinstance(statement, ast.ClassDef):
                self.klass(statement, path)
            else:
                for child in ast.iter_child_nodes(statement):
                    if isinstance(child, ast.expr):
                        self.expr(child)
        self.classes.append(
            ClassFacts(
                path=path,
                name=node.name,
                span=Span(node.lineno, self.column(node.lineno, node.col_offset), node.lineno, self.column(node.lineno, node.col_offset) + 5 + len(node.name) + 1),
                bases=bases,
                decorators=decorators,
                attributes=agreeing(attributes),
                fields=tuple(fields),
                metaclass=metaclass,
            )
        )
