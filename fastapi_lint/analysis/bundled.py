"""Reads of files shipped with the code: a prompt, a template, a bundled JSON table.

A file that sits beside the module reading it (a path built from ``__file__``, or from
``importlib.resources.files(...)``) is part of the installed code: small, on local disk, and in
the page cache after its first read. Reading one per request holds the loop for microseconds, as
a metadata call does, not for as long as the data a user uploads or a network file system
serves. So such a read is told apart here, in phase 1, and the blocking analysis counts it in
the metadata tier (FAS108, off by default) instead of the file tier::

    PROMPTS = Path(__file__).parent / "prompts"

    class Service:
        TEMPLATES = Path(os.path.dirname(os.path.abspath(__file__))) / "templates"

        def prompt(self, name: str) -> str:
            path = os.path.join(self.TEMPLATES, name + ".txt")
            with open(path) as f:           # a read of a bundled file
                return f.read()

    def table() -> dict:
        return json.loads((PROMPTS / "table.json").read_text())   # so is this

What counts as bundled: ``__file__``; a call of ``importlib.resources.files``/``path`` or
``pkg_resources.resource_filename``; a module-level name or a class attribute of the same module
assigned from one; a local assigned only from one (a file name from the caller may be joined to
it: the folder is the code's). Writes, and modes other than reading, are not bundled reads.

A name imported from another module (``from app.config import BASE_DIR``, ``settings.root`` where
``settings.py`` sets ``settings.root = os.path.dirname(__file__)`` at module level) is known only
in the project phase: here a module lists what it binds to a bundled path (``exports``: names and
``name.attribute``), and a function the reads whose path mentions a name of another module
(``foreign_reads``: each read with the dotted paths it mentions); ``analysis/bundled_links.py``
joins the two.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

_RESOURCE_CALLS = frozenset({"files", "path", "resource_filename", "as_file"})
_OPENERS = frozenset({"open"})
_PATH_READS = frozenset({"read_text", "read_bytes", "open"})
# Scans of a folder: one shipped with the code is small, and cached after the first look.
_PATH_SCANS = frozenset({"glob", "rglob", "walk"})
# Text a module holds when it may build a bundled path at all: most modules hold none.
_MARKERS = ("__file__", "importlib.resources", "importlib_resources", "pkg_resources")
# Text a module or function holds when it may read a file at all.
_READ_MARKERS = ("open(", "read_text(", "read_bytes(", ".open(", "glob(", "walk(")


class BundledNames:
    """The module-level names and class attributes of one module that hold a bundled path."""

    def __init__(self, tree: ast.Module, source: str) -> None:
        self.module: set[str] = set()
        self.attributes: dict[str, set[str]] = {}  # class name -> its attributes
        self.exported_attributes: set[str] = set()  # ``settings.root`` assigned at module level
        self._lines = source.splitlines()
        self._reads_files = any(marker in source for marker in _READ_MARKERS)
        self.active = any(marker in source for marker in _MARKERS)
        if not self.active:
            return
        for statement in tree.body:  # in order: a name may build on an earlier one
            if isinstance(statement, ast.ClassDef):
                owned = self.attributes.setdefault(statement.name, set())
                for inner in statement.body:
                    owned.update(self._assigned(inner, owned))
            else:
                self.module.update(self._assigned(statement, set()))
                self.exported_attributes.update(self._assigned_attributes(statement))
        # The names whose mention in a function body may make a read there bundled.
        self._names = {"__file__", *self.module, *_RESOURCE_CALLS}
        self._attributes = {name for owned in self.attributes.values() for name in owned} | _RESOURCE_CALLS
        # Text that a function mentioning one of them holds: a test on its lines, before its tree.
        self._texts = ("__file__", "resources", "resource_filename", "files(", *self.module, *self._attributes - _RESOURCE_CALLS)

    @property
    def exports(self) -> tuple[str, ...]:
        """What another module may import and read a bundled file through."""
        return tuple(sorted(self.module | self.exported_attributes))

    def _assigned_attributes(self, statement: ast.stmt) -> Iterator[str]:
        if not isinstance(statement, ast.Assign) or not _mentions(statement.value, lambda node: self._base(node, set())):
            return
        for target in statement.targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                yield f"{target.value.id}.{target.attr}"

    def foreign_reads(self, function: ast.FunctionDef | ast.AsyncFunctionDef,
                      foreign: Callable[[ast.expr], str | None]) -> list[tuple[int, int, tuple[str, ...]]]:
        """Each call in ``function``'s own body that reads a file whose path mentions a name of
        another module, ``(line, byte column, the dotted paths of those names)``: bundled when
        one of them is (the project phase decides). ``foreign`` gives a name's dotted path when
        it comes from another module."""
        if not self._reads_files:
            return []
        text = "\n".join(self._lines[function.lineno - 1:function.end_lineno])
        if not any(marker in text for marker in _READ_MARKERS):
            return []
        nodes = list(_own_nodes(function))
        assignments = _local_assignments(nodes)
        local_paths: dict[str, list[str]] = {}  # a local -> the foreign paths its values mention

        def paths_in(expr: ast.AST, into: list[str]) -> None:
            for sub in ast.walk(expr):
                if isinstance(sub, ast.Name) and sub.id in assignments:
                    into.extend(path for path in local_paths.get(sub.id, ()) if path not in into)
                    continue
                path = foreign(sub) if isinstance(sub, (ast.Name, ast.Attribute)) else None
                if path is not None and path not in into:
                    into.append(path)

        for _ in range(3):  # a few rounds settle chains of locals
            for name, values in assignments.items():
                found_paths: list[str] = []
                for value in values:
                    paths_in(value, found_paths)
                local_paths[name] = found_paths
        def reads_foreign(call: ast.Call, handles: dict[str, list[str]]) -> list[str]:
            mentioned: list[str] = []

            def names_foreign(expr: ast.AST) -> bool:
                paths_in(expr, mentioned)
                return bool(mentioned)

            if not self._reads(call, set(), {}, set(handles), names_foreign):
                return []
            if not mentioned and call.args and isinstance(call.args[0], ast.Name):
                mentioned.extend(handles.get(call.args[0].id, ()))  # ``json.load(f)`` of such a handle
            return mentioned

        handles: dict[str, list[str]] = {}  # ``with open(BASE_DIR / "x") as f``
        for node in nodes:
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.context_expr, ast.Call) and isinstance(item.optional_vars, ast.Name):
                        paths = reads_foreign(item.context_expr, {})
                        if paths:
                            handles[item.optional_vars.id] = paths
        found: list[tuple[int, int, tuple[str, ...]]] = []
        for node in nodes:
            if isinstance(node, ast.Call):
                paths = reads_foreign(node, handles)
                if paths:
                    found.append((node.lineno, node.col_offset, tuple(paths[:6])))
        return found

    def _assigned(self, statement: ast.stmt, owned: set[str]) -> Iterator[str]:
        if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or statement.value is None:
            return
        if not _mentions(statement.value, lambda node: self._base(node, owned)):
            return
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        yield from (target.id for target in targets if isinstance(target, ast.Name))

    def _base(self, node: ast.AST, owned: set[str]) -> bool:
        if isinstance(node, ast.Name):
            return node.id == "__file__" or node.id in self.module or node.id in owned
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            return name in _RESOURCE_CALLS and _looks_like_resources(func)
        return False

    def reads(self, function: ast.FunctionDef | ast.AsyncFunctionDef, class_name: str | None) -> list[tuple[int, int]]:
        """``(line, byte column)`` of each call in ``function``'s own body that reads a bundled file."""
        if not self.active:
            return []
        text = "\n".join(self._lines[function.lineno - 1:function.end_lineno])
        if not any(marker in text for marker in self._texts):
            return []
        nodes = list(_own_nodes(function))
        if not any(isinstance(node, ast.Name) and node.id in self._names
                   or isinstance(node, ast.Attribute) and node.attr in self._attributes for node in nodes):
            return []
        owned = self.attributes.get(class_name or "", set())
        assignments = [(target.id, node.value) for node in nodes
                       if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
                       for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                       if isinstance(target, ast.Name)]
        # A local is bundled when every value assigned to it is; a few rounds settle chains of them.
        bundled_locals: dict[str, bool] = {}
        for _ in range(4):
            settled: dict[str, bool] = {}
            for name, value in assignments:
                is_bundled = _mentions(value, lambda sub: self._local_base(sub, owned, bundled_locals))
                settled[name] = settled.get(name, True) and is_bundled
            if settled == bundled_locals:
                break
            bundled_locals = settled
        handles: set[str] = set()  # ``with open(bundled) as f``
        found: list[tuple[int, int]] = []
        for node in nodes:
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if (isinstance(item.context_expr, ast.Call) and self._reads(item.context_expr, owned, bundled_locals, handles)
                            and isinstance(item.optional_vars, ast.Name)):
                        handles.add(item.optional_vars.id)
        for node in nodes:
            if isinstance(node, ast.Call) and self._reads(node, owned, bundled_locals, handles):
                found.append((node.lineno, node.col_offset))
        return found

    def _local_base(self, node: ast.AST, owned: set[str], bundled_locals: dict[str, bool]) -> bool:
        if isinstance(node, ast.Name) and node.id in bundled_locals:
            return bundled_locals[node.id]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr in owned:
            return True  # ``self.TEMPLATES``, ``cls.TEMPLATES``, ``Service.TEMPLATES``
        return self._base(node, owned)

    def _reads(self, call: ast.Call, owned: set[str], bundled_locals: dict[str, bool], handles: set[str],
               bundled: Callable[[ast.AST], bool] | None = None) -> bool:
        if bundled is None:
            def bundled(node: ast.AST) -> bool:
                return _mentions(node, lambda sub: self._local_base(sub, owned, bundled_locals))

        func = call.func
        if isinstance(func, ast.Name) and func.id in _OPENERS or (
                isinstance(func, ast.Attribute) and func.attr in _OPENERS and isinstance(func.value, ast.Name)
                and func.value.id in ("io", "codecs")):
            return bool(call.args) and bundled(call.args[0]) and _reading_mode(call, 1)
        if isinstance(func, ast.Attribute) and func.attr in _PATH_READS:
            return bundled(func.value) and (func.attr != "open" or _reading_mode(call, 0))
        if isinstance(func, ast.Attribute) and func.attr in _PATH_SCANS:
            if isinstance(func.value, ast.Name) and func.value.id == "os":  # ``os.walk(folder)``
                return bool(call.args) and bundled(call.args[0])
            return bundled(func.value)
        # ``json.load(f)`` of a handle opened on a bundled file above
        return (isinstance(func, ast.Attribute) and func.attr == "load" and len(call.args) == 1
                and isinstance(call.args[0], ast.Name) and call.args[0].id in handles)


def _local_assignments(nodes: list[ast.AST]) -> dict[str, list[ast.expr]]:
    found: dict[str, list[ast.expr]] = {}
    for node in nodes:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
    return found


def _looks_like_resources(func: ast.expr) -> bool:
    """``importlib.resources.files(...)``, ``resources.files(...)``, ``pkg_resources.resource_filename``."""
    if isinstance(func, ast.Attribute):
        owner = func.value
        text = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else ""
        return text in ("resources", "importlib_resources", "pkg_resources")
    return isinstance(func, ast.Name) and func.id in ("files", "resource_filename")


def _reading_mode(call: ast.Call, index: int) -> bool:
    mode: ast.expr | None = call.args[index] if len(call.args) > index else None
    for keyword in call.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    if mode is None:
        return True
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and not set(mode.value) & set("wax+")


def _mentions(node: ast.AST, is_base: Callable[[ast.AST], bool]) -> bool:
    return any(is_base(sub) for sub in ast.walk(node))


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """Every node of the function's body, not of the functions, lambdas and classes it defines."""
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                pending.append(child)
