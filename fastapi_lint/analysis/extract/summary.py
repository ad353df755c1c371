"""Phase 1: one walk over a module's tree, producing its ``ModuleSummary``.

Only facts the rules read are kept: names resolved through imports, functions
with their parameters, decorators, calls and awaits, classes with their bases
and ``self.`` attributes, and module-level bindings. Trees never leave this
module, so summaries stay small, picklable and cacheable.
"""

from __future__ import annotations

import ast
import bisect
import functools
from pathlib import Path

from fastapi_lint.analysis.bundled import BundledNames
from fastapi_lint.analysis.extract.switches import gates as switch_gates, returned_switch
from fastapi_lint.analysis.catalog.offload import is_offload
from fastapi_lint.analysis.facts import (
    Attribute,
    Binding,
    CallSite,
    ClassFacts,
    FunctionFacts,
    ModuleSummary,
    Param,
    Read,
    Ref,
    RefKind,
    Value,
    shared_ref,
)
from fastapi_lint.analysis.names import (
    UNTYPED,
    Redefinition,
    Resolver,
    Scope,
    import_bindings,
    import_target,
    imported_modules,
    module_package,
    redefinitions,
)
from fastapi_lint.analysis.extract.downgrade.nodes import node_class
from fastapi_lint.analysis.extract.branches import branches
from fastapi_lint.analysis.extract.reaching import reaching_bindings
from fastapi_lint.analysis.lazy_init import filled_places, guards
from fastapi_lint.analysis.extract.noqa import find_noqa
from fastapi_lint.analysis.extract.parse import Parsed, text_digest
from fastapi_lint.analysis.reused_clients import module as client_module
from fastapi_lint.analysis.reused_clients import reused_constructions
from fastapi_lint.analysis.uncontended import uncontended_acquires
from fastapi_lint.diagnostics import Span

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_OTHER = Value("other")
_UNKNOWN_VALUE = Ref("?", RefKind.MEMBER)  # what the project phase calls an unknown
# Calls whose arguments are awaitables, awaited by them: calls made in their argument list
# produce coroutines, not results (``asyncio.gather(a(), b())``, ``tg.create_task(c())``).
_TAKES_AWAITABLES = frozenset(
    {
        "asyncio.gather",
        "asyncio.wait_for",
        "asyncio.wait",
        "asyncio.shield",
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.as_completed",
        "asyncio.run_coroutine_threadsafe",
    }
)
_TAKES_AWAITABLES_METHODS = frozenset({"create_task", "ensure_future", "run_coroutine_threadsafe"})
# Calls that iterate what they are given, there and then (or wrap it in an iterator that is, most
# often, iterated at once: ``enumerate``, ``zip``): a generator handed to them runs its body.
_ITERATES = frozenset(
    f"builtins.{name}"
    for name in ("list tuple set frozenset dict sorted sum min max any all next enumerate zip map filter reversed iter").split()
)
_ITERATES_METHODS = frozenset({"join", "extend", "writelines"})
# Subscripts that run no code of the project: types (``list[int]``, ``Optional[X]``) and builtins.
_NO_ITEM_METHODS = ("builtins.", "typing.", "typing_extensions.", "collections.abc.")
# Fields of compound statements (and of except handlers, match cases) that hold statements.
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")
# ``match`` patterns exist from Python 3.10; on 3.9 a file read by ``downgrade`` holds stand-ins.
_PATTERN_BINDERS = tuple(node_class(name) for name in ("MatchAs", "MatchStar", "MatchMapping"))


def module_name(path: Path) -> tuple[str, bool]:
    """Dotted module name from the package roots above ``path`` (folders with ``__init__.py``)."""
    path = _resolved(path)
    is_package = path.name == "__init__.py"
    parts = [*_package_parts(path.parent), *([] if is_package else [path.stem])]
    if not parts:  # an __init__.py outside any package: name it by its folder
        parts.append(path.parent.name)
    return ".".join(parts), is_package


def _resolved(path: Path) -> Path:
    """``path.resolve()``, resolving each folder once: files share folders, and
    resolving walks every component of the path."""
    if path.is_symlink():
        return path.resolve()
    return _resolved_folder(path.parent) / path.name


@functools.lru_cache(maxsize=4096)
def _resolved_folder(folder: Path) -> Path:
    return folder.resolve()


@functools.lru_cache(maxsize=4096)
def _package_parts(folder: Path) -> tuple[str, ...]:
    """The package names from the outermost package down to ``folder`` (empty: not a package).
    Cached: a run asks once per file, and files share folders."""
    names: list[str] = []
    while folder.parent != folder and (folder / "__init__.py").is_file():
        names.append(folder.name)
        folder = folder.parent
    return tuple(reversed(names))


def summarize(parsed: Parsed, path: str, module: str, is_package: bool) -> ModuleSummary:
    return _Extractor(parsed, path, module, is_package).run()


class _FunctionState:
    """What is being gathered for the function (or module) whose body is being walked."""

    def __init__(self) -> None:
        self.calls: list[CallSite] = []
        self.returned: list[Value] = []
        self.reads: list[Read] = []
        self.read_paths: set[str] = set()
        self.awaits = False
        self.is_generator = False
        self.once: list[tuple[int, int]] = []  # line ranges that run once per cache entry
        # Names whose value is iterated in this body, and the calls whose result a name is bound to
        # (by index in ``calls``): ``rows = read_rows()`` then ``for row in rows``.
        self.iterated_names: set[str] = set()
        self.assigned_calls: dict[str, list[int]] = {}


class _Extractor:
    def __init__(self, parsed: Parsed, path: str, module: str, is_package: bool) -> None:
        self.parsed = parsed
        self.lines = parsed.lines
        # Lines holding ``:=`` (in code, a string or a comment): only statements spanning one can
        # hold an assignment expression, and most files have none.
        self.walrus = tuple(n for n, line in enumerate(self.lines, 1) if ":=" in line) if ":=" in parsed.source else ()
        self.path = path
        self.module = module
        self.package = module_package(module, is_package)
        self.is_package = is_package
        self.module_scope = Scope()
        self.resolver = Resolver(self.module_scope)
        self.star_imports: list[str] = []
        self.bundled_names = BundledNames(parsed.tree, parsed.source)
        self.imports: list[tuple[str, str]] = []
        self._function_paths: set[str] = set()
        self.type_checking_only = 0  # inside ``if TYPE_CHECKING:``
        self._leaves: dict[tuple[str, str, int], Value] = {}
        self.functions: list[FunctionFacts] = []
        self.classes: list[ClassFacts] = []
        self.bindings: list[Binding] = []
        self.state = _FunctionState()
        self.awaited: set[int] = set()
        # Calls used as ``with``/``async with`` items: the statement closes what they open.
        self.context_managers: set[int] = set()
        # Calls whose result is iterated where it is made (``CallSite.iterated``), and calls whose
        # result a plain assignment binds to a name, by ``id``.
        self.iterated: set[int] = set()
        # What functions store into module-level names (``ModuleSummary.module_stores``).
        self.module_stores: list[tuple[str, Ref]] = []
        self.assigned_to: dict[int, str] = {}
        # ``lock.acquire()`` right after ``lock = threading.Lock()``: it cannot wait. Looked for
        # only in files that acquire something.
        self.uncontended: set[int] = set()
        self.acquires = "acquire" in parsed.source
        # Client constructions whose block uses the client for several requests (``CallSite.reused``),
        # looked for only in files that may build one.
        self.reused: set[int] = set()
        self.client_module = client_module(parsed.tree, parsed.source)
        # Stack of "this lambda runs on a worker thread" flags, innermost last.
        self.lambdas: list[bool] = []
        self.offload_depth = 0
        # defs that another def of their scope takes over: each gets a path of its own
        self.redefined = redefinitions(parsed.tree)

    # -- entry -------------------------------------------------------------

    def run(self) -> ModuleSummary:
        tree = self.parsed.tree
        self._bind_module_names(tree.body)
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
            noqa=find_noqa(self.parsed.source, self.lines, self.parsed.tree),
            line_count=len(self.lines),
            star_imports=tuple(self.star_imports),
            text_digest=text_digest(self.parsed.source),
            imports=tuple(self.imports),
            module_stores=tuple(dict.fromkeys(self.module_stores)),
            bundled_exports=self.bundled_names.exports,
        )

    def _bind_module_names(self, body: list[ast.stmt]) -> None:
        """Module names are visible in every function body, wherever they are bound."""
        names = self.module_scope.names
        for node in _top_level(body):
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
                for target in _assigned_names(node):
                    names[target] = Ref(f"{self.module}.{target}")

    # -- positions ---------------------------------------------------------

    def span(self, node: ast.expr | ast.stmt) -> Span:
        line, end_line = node.lineno, node.end_lineno or node.lineno
        return Span(line, self._column(line, node.col_offset), end_line, self._column(end_line, node.end_col_offset or 0))

    def _column(self, line: int, byte_col: int) -> int:
        """``ast`` counts UTF-8 bytes; reports count characters."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

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
                self._iterates(node.iter)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                bound = node.targets[0]
                if isinstance(bound, ast.Name) and isinstance(node.value, ast.Call):
                    self.assigned_to[id(node.value)] = bound.id
                if owner in self._function_paths:
                    self._module_store(bound, node.value)
            if isinstance(node, ast.Return) and node.value is not None:
                self.state.returned.append(self.expr(node.value))
                return
            if owner == self.module and class_path is None:
                self._module_binding(node)
                if isinstance(node, (ast.Assign, ast.AnnAssign)):
                    return
            if isinstance(node, ast.If) and _is_type_checking(node.test):
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
            if assigned is None or (assigned.kind == "const" and assigned.text == "None"):
                # ``client: httpx.Client`` or ``= None`` until the lifespan sets it: an instance of the type.
                declared = self.resolver.annotation_type(node.annotation)
                assigned = (
                    Value("ref", text=_text(node.annotation), ref=Ref(declared, RefKind.INSTANCE)) if declared else annotation
                )
            self.bindings.append(Binding(node.target.id, assigned, self.span(node)))

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, owner: str, class_path: str | None) -> None:
        # Decorators, defaults and annotations run where the ``def`` is, not in its body.
        decorators = tuple(self.expr(d) for d in node.decorator_list)
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        all_args = [*positional, *([args.vararg] if args.vararg else []), *args.kwonlyargs, *([args.kwarg] if args.kwarg else [])]
        all_defaults = [*defaults, *([None] if args.vararg else []), *args.kw_defaults, *([None] if args.kwarg else [])]
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
        scope = self._function_scope(node, all_args, all_defaults, class_path, decorators, path)
        outer_state, outer_lambdas, outer_offload = self.state, self.lambdas, self.offload_depth
        self.state, self.lambdas, self.offload_depth = _FunctionState(), [], 0

        def is_local(name: str) -> bool:
            return name in scope.names or name in scope.lazy

        self_name, spelling = _self_parameter(node, class_path, decorators)
        guarded = guards(node.body, is_local, self_name, spelling, _switches(node.args), _parameters(node.args, self_name))
        self.state.once = guarded.once
        fills = tuple(sorted(filled_places(node.body, is_local, self_name, spelling)))
        gates = switch_gates(node.body, self._resolved_path)
        # after ``*args``, a parameter is keyword-only, but ``params`` does not say which is ``*args``
        flag_branches = branches(node.body, _parameters(node.args, self_name) - (
            frozenset(arg.arg for arg in node.args.kwonlyargs) if node.args.vararg else frozenset()),
            self._resolved_path)
        foreign = self.bundled_names.foreign_reads(node, self._foreign_path)
        self.resolver.scopes.append(scope)
        if self.acquires:
            self.uncontended.update(uncontended_acquires(node.body, self._resolved_path))
        if self.client_module is not None:
            self.reused.update(reused_constructions(node, self.client_module))
        try:
            for statement in node.body:
                self.stmt(statement, owner=path, class_path=None)
        finally:
            self.resolver.scopes.pop()
            state = self.state
            self.state, self.lambdas, self.offload_depth = outer_state, outer_lambdas, outer_offload
        for name in state.iterated_names.intersection(state.assigned_calls):
            for index in state.assigned_calls[name]:
                state.calls[index] = state.calls[index]._replace(iterated=True)

        line = node.lineno
        def_col = self._column(line, node.col_offset)
        self.functions.append(
            FunctionFacts(
                path=path,
                name=node.name,
                is_async=isinstance(node, ast.AsyncFunctionDef),
                span=self._def_span(node, def_col),
                decorators=decorators,
                decorator_lines=tuple(d.lineno for d in node.decorator_list),
                params=params,
                returns=returns,
                calls=tuple(state.calls),
                awaits=state.awaits,
                is_generator=state.is_generator,
                returned=tuple(state.returned),
                class_path=class_path,
                parent_path=owner if owner != self.module and class_path is None else None,
                reads=tuple(state.reads),
                abstract=class_path is not None and _declares_only(node, decorators),
                fills=fills,
                guards=tuple(guarded.found),
                bundled=tuple((line, self._column(line, col))
                              for line, col in self.bundled_names.reads(node, class_path.rpartition(".")[2] if class_path else None)),
                foreign_reads=tuple((line, self._column(line, col)) for line, col, _ in foreign),
                foreign_paths=tuple(paths for _, _, paths in foreign),
                gates=gates,
                switch=returned_switch(node, self._resolved_path) if class_path is None else None,
                branches=flag_branches,
            )
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

    def _def_span(self, node: ast.FunctionDef | ast.AsyncFunctionDef, def_col: int) -> Span:
        """From ``def`` (or ``async``) to the end of the function's name, on the ``def`` line."""
        line = node.lineno
        text = self.lines[line - 1] if line <= len(self.lines) else ""
        found = text.find(node.name, def_col)
        end = found + len(node.name) if found >= 0 else def_col
        return Span(line, def_col, line, end)

    def _function_scope(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        args: list[ast.arg],
        defaults: list[ast.expr | None],
        class_path: str | None,
        decorators: tuple[Value, ...],
        path: str,
    ) -> Scope:
        scope = Scope()
        for arg, default in zip(args, defaults):
            scope.names[arg.arg] = self._param_ref(arg, default)
        if class_path is not None and args:
            kinds = {d.ref.path for d in decorators if d.ref is not None}
            if "builtins.staticmethod" in kinds or "staticmethod" in kinds:
                pass
            elif "builtins.classmethod" in kinds or "classmethod" in kinds:
                scope.names[args[0].arg] = Ref(class_path)
            else:
                scope.names[args[0].arg] = Ref(class_path, RefKind.INSTANCE)
        _bind_locals(node.body, scope, self.package, path, self.walrus, self.redefined)
        if scope.others:
            scope.narrowed = reaching_bindings(node.body, scope.others)
        return scope

    def _param_ref(self, arg: ast.arg, default: ast.expr | None) -> Ref | None:
        annotated = self.resolver.annotation_type(arg.annotation)
        if annotated is not None and annotated not in UNTYPED:
            return Ref(annotated, RefKind.INSTANCE)
        # ``x = Depends(get_x)`` without a usable annotation (none, or ``Any``): x is what get_x returns.
        target = _depends_target(arg.annotation, self.resolver) or _depends_target(default, self.resolver)
        if target is not None:
            return Ref(f"{target}()", RefKind.INSTANCE)
        return Ref(annotated, RefKind.INSTANCE) if annotated is not None else None

    def klass(self, node: ast.ClassDef, owner: str) -> None:
        decorators = tuple(self.expr(d) for d in node.decorator_list)
        bases = tuple(ref for ref in (self.resolver.resolve(b) for b in node.bases) if ref is not None)
        for keyword in node.keywords:
            self.expr(keyword.value)
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
                attributes.extend(self._self_attributes(statement, path))
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
                span=Span(node.lineno, self._column(node.lineno, node.col_offset), node.lineno, self._column(node.lineno, node.col_offset) + 5 + len(node.name) + 1),
                bases=bases,
                decorators=decorators,
                attributes=_agreeing(attributes),
                fields=tuple(fields),
            )
        )

    def _self_attributes(self, method: ast.FunctionDef | ast.AsyncFunctionDef, class_path: str) -> list[Attribute]:
        """``self.x = <value>`` in a method, with the value resolved in the method's scope."""
        static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in method.decorator_list)
        if not method.args.args or static:
            return []
        self_name = method.args.args[0].arg
        args = [*method.args.posonlyargs, *method.args.args, *method.args.kwonlyargs]
        positional = [*method.args.posonlyargs, *method.args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(method.args.defaults)) + list(method.args.defaults)
        defaults += list(method.args.kw_defaults)
        scope = Scope()
        for arg, default in zip(args, defaults):
            scope.names[arg.arg] = self._param_ref(arg, default)
        scope.names[self_name] = Ref(class_path, RefKind.INSTANCE)  # ``self.db = self.client["app"]``
        _bind_locals(method.body, scope, self.package, self._def_path(method, class_path), self.walrus, self.redefined)
        found: list[Attribute] = []
        self.resolver.scopes.append(scope)
        try:
            for statement in _top_level(method.body):
                if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                    for target in targets:
                        if (
                            isinstance(target, ast.Attribute)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == self_name
                        ):
                            annotated = (
                                self.resolver.annotation_type(statement.annotation)
                                if isinstance(statement, ast.AnnAssign)
                                else None
                            )
                            if annotated is not None:
                                found.append(Attribute(target.attr, Ref(annotated, RefKind.INSTANCE), annotated=True))
                            elif statement.value is not None:
                                ref = self.resolver.resolve(statement.value)
                                if ref is None and not isinstance(statement.value, ast.Constant):
                                    # Something unknown (``client or httpx.Client()``): it still
                                    # tells that the attribute may hold another type.
                                    ref = _UNKNOWN_VALUE
                                if ref is not None:
                                    found.append(Attribute(target.attr, ref))
        finally:
            self.resolver.scopes.pop()
        return found

    # -- expressions -------------------------------------------------------

    def annotation(self, node: ast.expr) -> Value:
        """An annotation's value, with ``A | B`` read as ``Union[A, B]`` (``SessionDep | None``)."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = (self.annotation(node.left), self.annotation(node.right))
            return Value("subscript", text="Union", ref=Ref("typing.Union"), items=sides)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            # A forward reference, ``-> "SentenceTransformer"``: read it as the expression it spells
            # (types only: a string holding a call would give its calls positions in another text).
            try:
                parsed = ast.parse(node.value.strip(), mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return self.expr(node)
            if not any(isinstance(sub, ast.Call) for sub in ast.walk(parsed)):
                return self.annotation(parsed)
        return self.expr(node)

    def expr(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Call):
            return Value("call", call=self.call(node))
        if isinstance(node, (ast.Name, ast.Attribute)):
            if isinstance(node, ast.Attribute):
                self.expr(node.value)
            ref = self.resolver.resolve(node)
            if ref is not None and ref.kind is not RefKind.INSTANCE and isinstance(node, ast.Attribute):
                if ref.path not in self.state.read_paths:  # the first read of each path is enough
                    self.state.read_paths.add(ref.path)
                    self.state.reads.append(Read(ref, _text(node), self.span(node)))
            return self._leaf("ref", _text(node), ref) if ref is not None else self._leaf("other", _text(node))
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return self._leaf("str", node.value)
            if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                return self._leaf("num", repr(node.value))
            return self._leaf("const", repr(node.value))
        if isinstance(node, ast.Await):
            self.state.awaits = True
            if isinstance(node.value, ast.Call):
                self.awaited.add(id(node.value))
            return self.expr(node.value)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return Value("seq", items=tuple(self.expr(e) for e in node.elts))
        if isinstance(node, ast.Dict):
            pairs: list[Value] = []
            for key, item in zip(node.keys, node.values):
                pairs.extend((self.expr(key) if key is not None else _OTHER, self.expr(item)))
            return Value("dict", items=tuple(pairs))
        if isinstance(node, ast.Subscript):
            ref = self.resolver.resolve(node.value)
            self.expr(node.value)
            if ref is not None and isinstance(node.ctx, ast.Load) and not ref.path.startswith(_NO_ITEM_METHODS):
                # ``registry[key]`` runs ``__getitem__``: the project phase follows it when the
                # container is an instance of a project class that defines one.
                getter = shared_ref(f"{ref.path}.__getitem__", RefKind.SYMBOL if ref.kind is RefKind.SYMBOL else RefKind.MEMBER)
                if getter.path not in self.state.read_paths:
                    self.state.read_paths.add(getter.path)
                    self.state.reads.append(Read(getter, _text(node), self.span(node)))
            inner = node.slice
            elements = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return Value("subscript", text=_text(node.value), ref=ref, items=tuple(self.expr(e) for e in elements))
        if isinstance(node, ast.Lambda):
            arguments = node.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
            # A lambda's parameters hide outer names: ``lambda session: session.get()``.
            self.resolver.scopes.append(Scope(names={a.arg: None for a in every if a is not None}))
            self.lambdas.append(self.offload_depth > 0 or (bool(self.lambdas) and self.lambdas[-1]))
            try:
                self.expr(node.body)
            finally:
                self.lambdas.pop()
                self.resolver.scopes.pop()
            return Value("lambda")
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            self.state.is_generator = True
            if isinstance(node, ast.YieldFrom):
                self._iterates(node.value)
            if node.value is not None:
                value = self.expr(node.value)
                if isinstance(node, ast.Yield):
                    self.state.returned.append(value)
            return _OTHER
        if isinstance(node, _COMPREHENSIONS):
            return self._comprehension(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.BitOr)):
            # ``DATA / name``: a value of a type when the left side has one (``pathlib.Path``);
            # ``prompt | model``: a LangChain runnable sequence.
            self.expr(node.left)
            self.expr(node.right)
            ref = self.resolver.resolve(node)
            return self._leaf("ref", _text(node), ref) if ref is not None else _OTHER
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child)
            elif isinstance(child, ast.comprehension):
                self.expr(child.iter)
                for condition in child.ifs:
                    self.expr(condition)
            elif isinstance(child, ast.keyword):
                self.expr(child.value)
            elif isinstance(child, ast.arguments):
                for default in [*child.defaults, *[d for d in child.kw_defaults if d is not None]]:
                    self.expr(default)
        if isinstance(node, ast.JoinedStr):
            return self._leaf("fstring", _literal_start(node))
        return _OTHER

    def _leaf(self, kind: str, text: str, ref: Ref | None = None) -> Value:
        """One ``Value`` per distinct name or literal in the file (see ``shared_ref``)."""
        key = (kind, text, id(ref))  # the Value keeps its ref alive: the id stays its own
        found = self._leaves.get(key)
        if found is None:
            found = self._leaves[key] = Value(kind, text=text, ref=ref)
        return found

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp) -> Value:
        """A comprehension's targets are its own names: ``[s.close() for s in sessions]``
        never means a module-level ``s``. The first iterable is evaluated outside."""
        for generator in node.generators:
            if not generator.is_async:
                self._iterates(generator.iter)
        self.expr(node.generators[0].iter)
        targets = {name for generator in node.generators for name in _names_of(generator.target)}
        self.resolver.scopes.append(Scope(names=dict.fromkeys(targets)))
        try:
            for index, generator in enumerate(node.generators):
                if generator.is_async:
                    self.state.awaits = True
                if index:
                    self.expr(generator.iter)
                for condition in generator.ifs:
                    self.expr(condition)
            if isinstance(node, ast.DictComp):
                self.expr(node.key)
                self.expr(node.value)
            else:
                self.expr(node.elt)
        finally:
            self.resolver.scopes.pop()
        return _OTHER

    def call(self, node: ast.Call) -> CallSite:
        func = self.resolver.resolve(node.func)
        alternatives = self.resolver.alternatives(node.func)
        if func is None and alternatives:
            func, alternatives = alternatives[0], alternatives[1:]
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if isinstance(node.func, ast.Attribute):
            self.expr(node.func.value)
        elif not isinstance(node.func, ast.Name):
            self.expr(node.func)
        offloads = is_offload(func.path if func else None, attr)
        awaited = id(node) in self.awaited
        if (func is not None and func.path in _TAKES_AWAITABLES) or attr in _TAKES_AWAITABLES_METHODS:
            # ``asyncio.gather(client.get(a), ...)``: each argument is an awaitable, awaited there.
            for argument in node.args:
                for item in argument.elts if isinstance(argument, (ast.List, ast.Tuple, ast.Set)) else [argument]:
                    if isinstance(item, ast.Call):
                        self.awaited.add(id(item))
        if (func is not None and func.path in _ITERATES) or attr in _ITERATES_METHODS:
            for argument in node.args:
                self._iterates(argument.value if isinstance(argument, ast.Starred) else argument)
        in_lambda = bool(self.lambdas)
        offloaded = in_lambda and self.lambdas[-1]
        if offloads:
            self.offload_depth += 1
        try:
            args = tuple(self.expr(a.value if isinstance(a, ast.Starred) else a) for a in node.args)
            kwargs = tuple((k.arg, self.expr(k.value)) for k in node.keywords if k.arg is not None)
            for keyword in node.keywords:
                if keyword.arg is None:
                    self.expr(keyword.value)
        finally:
            if offloads:
                self.offload_depth -= 1
        site = CallSite(
            func=func,
            text=_text(node.func),
            span=self.span(node),
            args=args,
            kwargs=kwargs,
            has_star_kwargs=any(k.arg is None for k in node.keywords),
            awaited=awaited,
            offloaded=offloaded,
            in_lambda=in_lambda,
            context_manager=id(node) in self.context_managers,
            once=any(first <= node.lineno <= last for first, last in self.state.once),
            uncontended=id(node) in self.uncontended,
            alternatives=alternatives,
            iterated=id(node) in self.iterated,
            has_star_args=any(isinstance(a, ast.Starred) for a in node.args),
            reused=id(node) in self.reused,
        )
        name = self.assigned_to.get(id(node))
        if name is not None:
            self.state.assigned_calls.setdefault(name, []).append(len(self.state.calls))
        self.state.calls.append(site)
        return site

    def _module_store(self, target: ast.expr, value: ast.expr) -> None:
        """A function that stores into a module-level name: ``global _client`` then ``_client =
        Client()`` (a lazy singleton), or ``_clients[key] = Client()`` (a memo). What it stores tells
        what the name, or its items, are when the module binds only ``None`` or ``{}``."""
        scope = self.resolver.scopes[-1]
        if isinstance(target, ast.Name) and target.id in scope.module_names:
            name = target.id
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            container = self.resolver.lookup(target.value.id)
            if container is None or container.path != f"{self.module}.{target.value.id}":
                return
            name = f"{target.value.id}[]"
        else:
            return
        ref = self.resolver.resolve(value)
        if ref is not None:
            self.module_stores.append((name, ref))

    def _iterates(self, node: ast.expr) -> None:
        """``node``'s value is iterated where it stands (``for``, a comprehension, ``list(...)``)."""
        if isinstance(node, ast.Call):
            self.iterated.add(id(node))
        elif isinstance(node, ast.Name):
            self.state.iterated_names.add(node.id)


# -- helpers over statements ----------------------------------------------


def _declares_only(node: ast.FunctionDef | ast.AsyncFunctionDef, decorators: tuple[Value, ...]) -> bool:
    """An interface method: ``@abstractmethod``, or a body of ``...``/``pass``/``raise NotImplementedError``."""
    if any(d.ref is not None and d.ref.path.endswith("abstractmethod") for d in decorators):
        return True
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(
        body[0].value.value, str
    ):
        body = body[1:]  # the docstring
    if len(body) != 1:
        return False
    only = body[0]
    if isinstance(only, ast.Pass) or (isinstance(only, ast.Expr) and isinstance(only.value, ast.Constant)
                                      and only.value.value is Ellipsis):
        return True
    if isinstance(only, ast.Raise) and only.exc is not None:
        raised = only.exc.func if isinstance(only.exc, ast.Call) else only.exc
        return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"
    return False


def _is_type_checking(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` or ``if typing.TYPE_CHECKING:``."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _self_parameter(
    node: ast.FunctionDef | ast.AsyncFunctionDef, class_path: str | None, decorators: tuple[Value, ...]
) -> tuple[str | None, str]:
    """A method's own first parameter and how guards spell it: ``self``, or ``cls`` in a class method."""
    positional = [*node.args.posonlyargs, *node.args.args]
    if class_path is None or not positional:
        return None, "self"
    kinds = {d.ref.path for d in decorators if d.ref is not None}
    if kinds & {"builtins.staticmethod", "staticmethod"}:
        return None, "self"
    if kinds & {"builtins.classmethod", "classmethod"} or node.name == "__new__":
        return positional[0].arg, "cls"
    return positional[0].arg, "self"


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements of a module's or a function's body, looking into if/try/with/for blocks but not into defs."""
    found: list[ast.stmt] = []
    pending = list(body)
    while pending:
        node = pending.pop(0)
        found.append(node)
        if isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
            pending.extend(node.body)
            pending.extend(getattr(node, "orelse", []))
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            pending.extend(node.body)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                pending.extend(handler.body)
            pending.extend(node.orelse)  # type: ignore[attr-defined]
            pending.extend(node.finalbody)  # type: ignore[attr-defined]
    return found


def _agreeing(attributes: list[Attribute]) -> tuple[Attribute, ...]:
    """An annotation (``client: httpx.Client``) decides an attribute's type; otherwise every
    distinct value assigned is kept, and the project phase, which can resolve them, keeps the
    type only when they all agree (``self.db = db`` with ``db: Session``, and
    ``self.db = SessionLocal()``, agree; a sync client here and an async one there do not)."""
    by_name: dict[str, list[Attribute]] = {}
    for attribute in attributes:
        by_name.setdefault(attribute.name, []).append(attribute)
    kept: list[Attribute] = []
    for name, found in by_name.items():
        annotated = [a for a in found if a.annotated]
        if annotated:
            kept.append(annotated[0])
        else:
            kept.extend({a.value: a for a in found}.values())
    return tuple(kept)


def _assigned_names(node: ast.stmt) -> list[str]:
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        targets = [node.target]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    names: list[str] = []
    for target in targets:
        names.extend(_bound_by(target))
    return names


def _bound_by(target: ast.expr) -> list[str]:
    """Names an assignment target binds: ``a``, ``a, *b``; never the ``app`` of ``app.state.x = ...``."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _bound_by(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _bound_by(element)]
    return []


def _bind_locals(
    body: list[ast.stmt],
    scope: Scope,
    package: str,
    owner: str,
    walrus: tuple[int, ...],
    redefined: dict[int, Redefinition],
) -> None:
    """Every name a function body binds is local to it (Python's rule), typed when it can be.
    A name bound several ways (on two branches, or rebound) keeps each (``Scope.others``),
    unless one of them is unknown (a loop target, say): then it is unknown.

    ``walrus``: the lines of the file that hold ``:=``, where assignment expressions can be.
    """
    declared_outer: set[str] = set()
    unknown: set[str] = set()
    for node in _walk_own(body, walrus):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared_outer.update(node.names)
            if isinstance(node, ast.Global):
                scope.module_names.update(node.names)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for local, target in import_bindings(node, package):
                _bind_ref(scope, unknown, local, Ref(target))
        elif isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            again = redefined.get(id(node))
            if again is None or again.alternative:
                _bind_ref(scope, unknown, node.name, Ref(f"{owner}.{again.segment if again else node.name}"))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            _bind_lazy(scope, unknown, node.targets[0].id, node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            # An annotation names the type outright, whatever the value.
            scope.names.pop(node.target.id, None)
            scope.others.pop(node.target.id, None)
            scope.lazy[node.target.id] = ("annotation", node.annotation)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    _bind_lazy(scope, unknown, item.optional_vars.id, item.context_expr)
                elif item.optional_vars is not None:
                    unknown.update(_bound_by(item.optional_vars))
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            _bind_lazy(scope, unknown, node.target.id, node.value)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.For, ast.AsyncFor, ast.AnnAssign)):
            unknown.update(_assigned_names(node))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            unknown.add(node.name)
        elif isinstance(node, _PATTERN_BINDERS[:2]) and getattr(node, "name", None):
            unknown.add(getattr(node, "name"))
        elif isinstance(node, _PATTERN_BINDERS[2:]) and getattr(node, "rest", None):
            unknown.add(getattr(node, "rest"))
    for name in unknown:
        scope.forget(name)
    for name in declared_outer:
        scope.names.pop(name, None)
        scope.lazy.pop(name, None)
        scope.others.pop(name, None)


def _names_of(target: ast.expr) -> list[str]:
    return [sub.id for sub in ast.walk(target) if isinstance(sub, ast.Name)]


def _same_kind(first: ast.expr, second: ast.expr) -> bool:
    """Whether two values bound to one name are the same kind of thing: calls of the same
    callee (``httpx.Client()`` and ``httpx.Client(timeout=3)``) or the same name."""
    if isinstance(first, ast.Call) and isinstance(second, ast.Call):
        first, second = first.func, second.func
    if isinstance(first, (ast.Name, ast.Attribute)) and isinstance(second, (ast.Name, ast.Attribute)):
        return _text(first) == _text(second)
    return type(first) is type(second) and ast.dump(first) == ast.dump(second)


def _bind_lazy(scope: Scope, unknown: set[str], name: str, value: ast.expr) -> None:
    if not scope.bound(name):
        scope.lazy[name] = ("value", value)
        return
    # Bound more than once: one thing when the bindings agree, else each is kept.
    previous = scope.lazy.get(name)
    if previous is not None and (previous[0] == "annotation" or _same_kind(previous[1], value)):
        return
    if not scope.add_other(name, value):
        unknown.add(name)


def _bind_ref(scope: Scope, unknown: set[str], name: str, ref: Ref) -> None:
    """Bind an import or a def; a name bound before keeps both."""
    if not scope.bound(name):
        scope.names[name] = ref
    elif scope.names.get(name) != ref and not scope.add_other(name, ref):
        unknown.add(name)


def _walk_own(body: list[ast.stmt], walrus: tuple[int, ...]) -> list[ast.AST]:
    """The statements of a function body that can bind names, not descending into nested
    scopes (defs, classes), plus except handlers and match patterns, and the assignment
    expressions (``:=``) of the statements that span one of the ``walrus`` lines.

    Walking statement bodies only, rather than every node, keeps phase 1 about as cheap
    as the parse: most nodes of a body are expressions that bind nothing.
    """
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        found.append(node)
        if isinstance(node, _SCOPES):
            continue
        if walrus and isinstance(node, ast.stmt) and _spans_one_of(walrus, node.lineno, node.end_lineno or node.lineno):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    found.extend(sub for sub in ast.walk(child) if isinstance(sub, ast.NamedExpr))
        for name in _BODIES:
            children = getattr(node, name, None)
            if children:
                pending.extend(children)
        if type(node).__name__ == "match_case":  # Python 3.10+
            found.extend(sub for sub in ast.walk(node.pattern) if isinstance(sub, _PATTERN_BINDERS))  # type: ignore[attr-defined]
    return found


def _spans_one_of(lines: tuple[int, ...], first: int, last: int) -> bool:
    """Whether one of the sorted ``lines`` falls in ``first..last``."""
    index = bisect.bisect_left(lines, first)
    return index < len(lines) and lines[index] <= last


def _depends_target(node: ast.expr | None, resolver: Resolver) -> str | None:
    """``get_x`` from ``Depends(get_x)`` or ``Annotated[T, Depends(get_x)]``."""
    if node is None:
        return None
    if isinstance(node, ast.Subscript):
        inner = node.slice
        for element in inner.elts if isinstance(inner, ast.Tuple) else [inner]:
            found = _depends_target(element, resolver)
            if found is not None:
                return found
        return None
    if isinstance(node, ast.Call) and node.args:
        func = resolver.resolve(node.func)
        if func is not None and func.path.rpartition(".")[2] in ("Depends", "Security"):
            target = resolver.resolve(node.args[0])
            if target is not None and target.kind is RefKind.SYMBOL:
                return target.path
    return None


def _literal_start(node: ast.JoinedStr) -> str:
    """The text an f-string starts with, before its first placeholder: ``sqlite:///``."""
    start = ""
    for part in node.values:
        if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
            break
        start += part.value
    return start


def _text(node: ast.expr) -> str:
    """A short rendering of a callee for messages, without ``ast.unparse``'s cost."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_text(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_text(node.func)}()"
    if isinstance(node, ast.Subscript):
        return f"{_text(node.value)}[...]"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        right = node.right
        shown = repr(right.value) if isinstance(right, ast.Constant) and isinstance(right.value, str) else _text(right)
        return f"({_text(node.left)} / {shown})"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return f"({_text(node.left)} | {_text(node.right)})"
    return "(...)"


def _switches(arguments: ast.arguments) -> frozenset[str]:
    """The parameters with a constant default (``ignore_cache: bool = False``): a caller's switch."""
    positional = [*arguments.posonlyargs, *arguments.args]
    pairs = [*zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults),
             *zip(arguments.kwonlyargs, arguments.kw_defaults)]
    return frozenset(arg.arg for arg, default in pairs
                     if isinstance(default, ast.Constant) and (default.value is None or isinstance(default.value, bool)))


def _parameters(arguments: ast.arguments, self_name: str | None) -> frozenset[str]:
    """Every parameter but a method's own first one: the slots a caller fills."""
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    return frozenset(arg.arg for arg in every if arg.arg != self_name)
