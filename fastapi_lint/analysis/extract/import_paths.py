"""Folders a module puts on ``sys.path``, relative to its own folder.

A service run from a subfolder of its repository (``cd backend && uvicorn server.app:app``)
imports its modules by names relative to that folder, and often says so in code::

    sys.path.insert(0, os.path.abspath(os.path.dirname(os.path.dirname(__file__))))
    from server.websocket_manager import WebSocketManager      # backend/server/websocket_manager.py

Without a project file in ``backend/`` nothing else names that import root, and the app's own
modules stay unresolved: their routes reach nothing. Each folder such a statement adds is an
import root for the modules below it (``roots.py``), as the configured ``src`` folders are.

Read: ``sys.path.insert(i, P)``, ``sys.path.append(P)`` and ``site.addsitedir(P)`` in module-level
code (also under ``if``/``try``), where ``P`` is built from ``__file__`` by ``os.path.dirname``,
``abspath``/``realpath``/``normpath``, ``os.path.join`` with constant parts, ``Path(...)``,
``.parent``/``.parents[k]``, ``.resolve()``, ``str()``, or a module-level name assigned one earlier.
A path from anywhere else (the working directory, an environment variable) is not a folder of the
project that can be told, and is left out.
"""

from __future__ import annotations

import ast
import posixpath

from fastapi_lint.analysis.names import dotted

# The file itself, before any ``dirname``: relative paths below are folders.
_FILE = "<file>"
_SAME = frozenset({"abspath", "realpath", "normpath", "str", "Path", "PurePath", "fspath", "resolve", "absolute"})


def sys_path_folders(tree: ast.Module, source: str) -> tuple[str, ...]:
    """The folders (POSIX, relative to the module's folder: ``..``, ``.``, ``../lib``) that the
    module's top-level code adds to ``sys.path``."""
    if "sys.path" not in source and "addsitedir" not in source:
        return ()
    names: dict[str, str] = {}
    found: list[str] = []
    for statement in _top_level(tree.body):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            value = _path(statement.value, names)
            if value is not None:
                names[statement.targets[0].id] = value
            else:
                names.pop(statement.targets[0].id, None)
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            added = _added(statement.value)
            if added is not None:
                folder = _path(added, names)
                if folder is not None and folder != _FILE and folder not in found:
                    found.append(folder)
    return tuple(found)


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements that run when the module runs, in order (``if``/``try`` arms included)."""
    statements: list[ast.stmt] = []
    for statement in body:
        statements.append(statement)
        if isinstance(statement, ast.If):
            statements += _top_level(statement.body) + _top_level(statement.orelse)
        elif isinstance(statement, ast.Try):
            statements += _top_level(statement.body)
            for handler in statement.handlers:
                statements += _top_level(handler.body)
            statements += _top_level(statement.orelse) + _top_level(statement.finalbody)
    return statements


def _added(call: ast.Call) -> ast.expr | None:
    """The path a ``sys.path.insert/append`` or ``site.addsitedir`` call adds."""
    function = call.func
    if not isinstance(function, ast.Attribute):
        return None
    owner = dotted(function.value)
    if owner == "sys.path" and function.attr == "insert" and len(call.args) == 2:
        return call.args[1]
    if owner == "sys.path" and function.attr == "append" and len(call.args) == 1:
        return call.args[0]
    if owner == "site" and function.attr == "addsitedir" and len(call.args) == 1:
        return call.args[0]
    return None


def _path(node: ast.expr, names: dict[str, str]) -> str | None:
    """``node`` as a path relative to the module's folder (or ``_FILE``), when it is one."""
    if isinstance(node, ast.Name):
        return _FILE if node.id == "__file__" else names.get(node.id)
    if isinstance(node, ast.Attribute):
        if node.attr == "parent":
            return _up(_path(node.value, names))
        return None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
        index = node.slice
        if isinstance(index, ast.Constant) and isinstance(index.value, int) and 0 <= index.value < 8:
            found = _path(node.value.value, names)
            for _ in range(index.value + 1):
                found = _up(found)
            return found
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _joined(_path(node.left, names), [node.right])
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    function = node.func
    name = function.attr if isinstance(function, ast.Attribute) else function.id if isinstance(function, ast.Name) else ""
    if isinstance(function, ast.Attribute) and name in ("resolve", "absolute") and not node.args:
        return _path(function.value, names)
    if name == "dirname" and len(node.args) == 1:
        return _up(_path(node.args[0], names))
    if name in _SAME and len(node.args) == 1:
        return _path(node.args[0], names)
    if name == "join" and node.args:
        return _joined(_path(node.args[0], names), node.args[1:])
    return None


def _up(path: str | None) -> str | None:
    if path is None:
        return None
    if path == _FILE:
        return "."
    return posixpath.normpath(posixpath.join(path, ".."))


def _joined(path: str | None, parts: list[ast.expr]) -> str | None:
    if path is None or path == _FILE:
        return None
    for part in parts:
        if not (isinstance(part, ast.Constant) and isinstance(part.value, str)) or posixpath.isabs(part.value):
            return None
        path = posixpath.join(path, part.value)
    return posixpath.normpath(path)
