"""Phase 1's reading of expressions: each becomes a ``Value`` (a name resolved through the
imports and local bindings, a literal, a call), and each call a ``CallSite`` with what is known
where it is made (awaited, offloaded to a thread, iterated, a context manager).

``ExpressionReader`` holds what this needs while a body is walked; the module's extractor
(``summary.py``) walks the statements and builds on it.
"""

from __future__ import annotations

import ast

from fastapi_lint.analysis.catalog.offload import is_offload
from fastapi_lint.analysis.extract.narrowing import Known
from fastapi_lint.analysis.extract.syntax import callee_text, literal_start, loop_items, names_of, takes_one_item
from fastapi_lint.analysis.facts import CallSite, Read, Ref, RefKind, Value, shared_ref
from fastapi_lint.analysis.names import Resolver, Scope
from fastapi_lint.diagnostics import Span

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_OTHER = Value("other")
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
# Responses that iterate a sync body in the threadpool (Starlette's ``iterate_in_threadpool``): a
# file opened in the call (``StreamingResponse(open(path, "rb"))``) is read there, not on the loop.
_STREAMS_IN_THREADPOOL = frozenset({"fastapi.responses.StreamingResponse", "starlette.responses.StreamingResponse"})
# Subscripts that run no code of the project: types (``list[int]``, ``Optional[X]``) and builtins.
_NO_ITEM_METHODS = ("builtins.", "typing.", "typing_extensions.", "collections.abc.")


class FunctionState:
    """What is being gathered for the function (or module) whose body is being walked."""

    def __init__(self) -> None:
        self.calls: list[CallSite] = []
        self.returned: list[Value] = []
        self.reads: list[Read] = []
        self.read_paths: set[str] = set()
        self.awaits = False
        self.is_generator = False
        self.once: list[tuple[int, int]] = []  # line ranges that run once per cache entry
        self.handlers: list[tuple[int, int]] = []  # the line ranges of ``except`` handlers' bodies
        self.known: list[Known] = []  # what the body's tests tell on some lines (``narrowing.py``)
        # Locals the body binds once, to a literal (``premium = False``): what an argument naming one passes.
        self.literals: dict[str, ast.Constant] = {}
        self.strings: dict[str, tuple[str, ...]] = {}  # locals bound to one of several strings
        # The statements whose loop targets an argument may name, and what each pass binds them
        # to (``syntax.loop_items``), found when first asked: only for a name nothing else tells.
        self.loop_body: list[ast.stmt] = []
        self._loop_items: dict[str, tuple[ast.expr, ...]] | None = None
        # Names whose value is iterated in this body, and the calls whose result a name is bound to
        # (by index in ``calls``): ``rows = read_rows()`` then ``for row in rows``.
        self.iterated_names: set[str] = set()
        self.assigned_calls: dict[str, list[int]] = {}

    def loop_items(self) -> dict[str, tuple[ast.expr, ...]]:
        if self._loop_items is None:
            self._loop_items = loop_items(self.loop_body)
        return self._loop_items



class ExpressionReader:
    """The state of a walk that expressions read and write: the resolver's scopes, the body
    being gathered (``state``), and the calls marked by the statement or call around them."""

    def __init__(self, lines: list[str], resolver: Resolver) -> None:
        self.lines = lines
        self.resolver = resolver
        self._leaves: dict[tuple[str, str, int], Value] = {}
        self.state = FunctionState()
        self.awaited: set[int] = set()
        # Calls used as ``with``/``async with`` items: the statement closes what they open.
        self.context_managers: set[int] = set()
        self.discarded: set[int] = set()
        # Calls whose result is iterated where it is made (``CallSite.iterated``), and calls whose
        # result a plain assignment binds to a name, by ``id``.
        self.iterated: set[int] = set()
        self.assigned_to: dict[int, str] = {}
        # ``lock.acquire()`` right after ``lock = threading.Lock()``: it cannot wait.
        self.uncontended: set[int] = set()
        # Stack of "this lambda runs on a worker thread" flags, innermost last.
        self.lambdas: list[bool] = []
        # The callee and argument each lambda of the stack is passed as (``CallSite.lambda_host``).
        self.lambda_hosts: list[tuple[Ref, str] | None] = []
        self._next_host: tuple[Ref, str] | None = None
        self.offload_depth = 0
        # How many ``if`` blocks and ``except`` handlers of the body being walked the walk is in.
        self.conditional_depth = 0
        self.loop_depth = 0
        # Client constructions whose block uses the client for several requests (``CallSite.reused``).
        self.reused: set[int] = set()
        # ``with`` items whose block awaits in a loop (``CallSite.stepped``), by ``id``.
        self.stepped: set[int] = set()
        self.first_items: set[int] = set()  # calls a ``for`` takes one item of (``CallSite.first_item``)
        # Files opened as a streamed response's body, read in the threadpool, by ``id``.
        self.streamed: set[int] = set()

    # -- positions ---------------------------------------------------------

    def span(self, node: ast.expr | ast.stmt) -> Span:
        line, end_line = node.lineno, node.end_lineno or node.lineno
        return Span(line, self.column(line, node.col_offset), end_line, self.column(end_line, node.end_col_offset or 0))

    def column(self, line: int, byte_col: int) -> int:
        """``ast`` counts UTF-8 bytes; reports count characters."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

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
                    self.state.reads.append(Read(ref, callee_text(node), self.span(node)))
            return self._leaf("ref", callee_text(node), ref) if ref is not None else self._leaf("other", callee_text(node))
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
                    self.state.reads.append(Read(getter, callee_text(node), self.span(node)))
            inner = node.slice
            elements = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return Value("subscript", text=callee_text(node.value), ref=ref, items=tuple(self.expr(e) for e in elements))
        if isinstance(node, ast.Lambda):
            arguments = node.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
            # A lambda's parameters hide outer names: ``lambda session: session.get()``.
            self.resolver.scopes.append(Scope(names={a.arg: None for a in every if a is not None}))
            self.lambdas.append(self.offload_depth > 0 or (bool(self.lambdas) and self.lambdas[-1]))
            self.lambda_hosts.append(self._next_host)
            self._next_host = None
            try:
                self.expr(node.body)
            finally:
                self.lambdas.pop()
                self.lambda_hosts.pop()
                self.resolver.scopes.pop()
            return Value("lambda")
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            self.state.is_generator = True
            if isinstance(node, ast.YieldFrom):
                self.iterates(node.value)
            if node.value is not None:
                value = self.expr(node.value)
                if isinstance(node, ast.Yield):
                    self.state.returned.append(value)
            return _OTHER
        if isinstance(node, _COMPREHENSIONS):
            return self._comprehension(node)
        if isinstance(node, ast.IfExp):
            self.expr(node.test)
            return Value("either", items=(self.expr(node.body), self.expr(node.orelse)))
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.BitOr)):
            # ``DATA / name``: a value of a type when the left side has one (``pathlib.Path``);
            # ``prompt | model``: a LangChain runnable sequence.
            self.expr(node.left)
            self.expr(node.right)
            ref = self.resolver.resolve(node)
            return self._leaf("ref", callee_text(node), ref) if ref is not None else _OTHER
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
            return self._leaf("fstring", literal_start(node))
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
                self.iterates(generator.iter)
        self.expr(node.generators[0].iter)
        targets = {name for generator in node.generators for name in names_of(generator.target)}
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
                self.iterates(argument.value if isinstance(argument, ast.Starred) else argument)
            if func is not None and func.path == "builtins.next" and node.args:
                self.first_items.add(id(node.args[0]))  # ``next(get_db())``: the generator's first item only
        if func is not None and func.path in _STREAMS_IN_THREADPOOL:
            body = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "content"), None)
            if isinstance(body, ast.Call):
                self.streamed.add(id(body))
        in_lambda = bool(self.lambdas)
        offloaded = (in_lambda and self.lambdas[-1]) or id(node) in self.streamed
        if offloads:
            self.offload_depth += 1
        try:
            args = tuple(self._hosted(func, str(n), a) for n, a in enumerate(node.args))
            kwargs = tuple((k.arg, self._hosted(func, k.arg, k.value)) for k in node.keywords if k.arg is not None)
            for keyword in node.keywords:
                if keyword.arg is None:
                    self.expr(keyword.value)
        finally:
            if offloads:
                self.offload_depth -= 1
        site = CallSite(
            func=func,
            text=callee_text(node.func),
            span=self.span(node),
            args=args,
            kwargs=kwargs,
            has_star_kwargs=any(k.arg is None for k in node.keywords),
            awaited=awaited,
            offloaded=offloaded,
            in_lambda=in_lambda,
            lambda_host=self.lambda_hosts[-1] if in_lambda else None,
            context_manager=id(node) in self.context_managers,
            discarded=id(node) in self.discarded,
            once=any(first <= node.lineno <= last for first, last in self.state.once),
            uncontended=id(node) in self.uncontended,
            alternatives=alternatives,
            iterated=id(node) in self.iterated,
            has_star_args=any(isinstance(a, ast.Starred) for a in node.args),
            reused=id(node) in self.reused,
            stepped=id(node) in self.stepped,
            first_item=id(node) in self.first_items,
            conditional=self.conditional_depth > 0,
            in_loop=self.loop_depth > 0,
            in_handler=any(first <= node.lineno <= last for first, last in self.state.handlers),
            known=tuple((text, truth) for first, last, text, truth in self.state.known if first <= node.lineno <= last),
        )
        name = self.assigned_to.get(id(node))
        if name is not None:
            self.state.assigned_calls.setdefault(name, []).append(len(self.state.calls))
        self.state.calls.append(site)
        return site

    def _hosted(self, func: Ref | None, key: str, node: ast.expr) -> Value:
        """An argument's value; a lambda passed as it records ``func`` and ``key`` as its host."""
        if isinstance(node, ast.Starred):
            return self._argument(node.value)
        if isinstance(node, ast.Lambda) and func is not None:
            self._next_host = (func, key)
        return self._argument(node)

    def _argument(self, node: ast.expr) -> Value:
        """An argument's value; a local bound once to a literal passes that literal, and one
        bound several ways (``if x: h = a() else: h = b()``) passes one of them."""
        value = self.expr(node)
        if not isinstance(node, ast.Name):
            return value
        literal = self.state.literals.get(node.id)
        if literal is not None:
            return self.expr(literal)
        strings = self.state.strings.get(node.id)
        if strings:
            return Value("either", text=node.id, items=tuple(Value("str", text) for text in strings))
        passes = self.state.loop_items().get(node.id) if value.kind == "other" else None
        if passes:  # ``for router in routers: app.include_router(router)``
            return Value("either", text=node.id, items=tuple(self._written(item) for item in passes))
        if value.kind == "other":
            bound = self.resolver.reaching(node) or self.resolver.alternatives(node)
            if bound:
                return Value("either", text=node.id, items=tuple(self._leaf("ref", node.id, ref) for ref in bound))
        return value

    def _written(self, node: ast.expr) -> Value:
        """A value as written, read without walking it again (a call in it is recorded where it
        stands): a name or an attribute, a string."""
        if isinstance(node, (ast.Name, ast.Attribute)):
            ref = self.resolver.resolve(node)
            return self._leaf("ref", callee_text(node), ref) if ref is not None else _OTHER
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return self._leaf("str", node.value)
        return _OTHER

    def iterates_in(self, loop: ast.For) -> None:
        """What a ``for`` iterates, and whether it takes one item only (``CallSite.first_item``)."""
        self.iterates(loop.iter)
        if takes_one_item(loop):
            self.first_items.add(id(loop.iter))

    def iterates(self, node: ast.expr) -> None:
        """``node``'s value is iterated where it stands (``for``, a comprehension, ``list(...)``)."""
        if isinstance(node, ast.Call):
            self.iterated.add(id(node))
        elif isinstance(node, ast.Name):
            self.state.iterated_names.add(node.id)

