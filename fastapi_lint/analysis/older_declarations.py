"""Dependencies declared the older ways: ``setup.py``, ``setup.cfg``, a ``Pipfile`` and its lock.

A project pinned in ``setup.py`` (``install_requires=["fastapi==0.44.0"]``) runs that release as
surely as one pinned in ``pyproject.toml``. ``setup.py`` is a program: it is parsed, never run,
and only what it spells literally is read (a list of strings handed to ``setup()``, directly or
through a module-level name bound once to such a list); requirements it computes (read from a
file, built in a loop) are unknown, as an undeclared package is.
"""

from __future__ import annotations

import ast
import configparser
import json
from pathlib import Path
from typing import Any

from fastapi_lint.source import decode_text, read_source

# A setup.py larger than this is generated or vendored: not read for declarations.
_LARGEST_SETUP = 1_000_000
_SETUP_KEYWORDS = ("install_requires", "extras_require", "tests_require")


def setup_py_requirements(file: Path) -> list[str]:
    """The requirement strings ``setup()`` is handed literally in ``file``."""
    try:
        tree = ast.parse(read_source(file, _LARGEST_SETUP))
    except (OSError, ValueError, SyntaxError, RecursionError, MemoryError):
        return []
    bound: dict[str, ast.expr] = {}
    rebound: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            name = statement.targets[0].id
            if name in bound:
                rebound.add(name)
            bound[name] = statement.value
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _names_setup(node.func):
            for keyword in node.keywords:
                if keyword.arg in _SETUP_KEYWORDS:
                    found.extend(_strings(keyword.value, bound, rebound))
    return found


def _names_setup(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "setup") or (isinstance(func, ast.Attribute) and func.attr == "setup")


def _strings(value: ast.expr, bound: dict[str, ast.expr], rebound: set[str], depth: int = 0) -> list[str]:
    """The strings of a literal list, tuple or dict of lists, looking through a name bound once."""
    if depth > 3:
        return []
    if isinstance(value, ast.Name) and value.id in bound and value.id not in rebound:
        return _strings(bound[value.id], bound, rebound, depth + 1)
    if isinstance(value, (ast.List, ast.Tuple)):
        return [item.value for item in value.elts if isinstance(item, ast.Constant) and isinstance(item.value, str)]
    if isinstance(value, ast.Dict):
        return [text for item in value.values for text in _strings(item, bound, rebound, depth + 1)]
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        return _strings(value.left, bound, rebound, depth + 1) + _strings(value.right, bound, rebound, depth + 1)
    return []


def setup_cfg_requirements(file: Path) -> list[str]:
    """``[options] install_requires`` and ``[options.extras_require]`` of a ``setup.cfg``."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(decode_text(read_source(file)))
    except (OSError, configparser.Error, UnicodeDecodeError):
        return []
    texts: list[str] = []
    if parser.has_option("options", "install_requires"):
        texts.append(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        texts.extend(value for _, value in parser.items("options.extras_require"))
    return [line.strip() for text in texts for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def pipfile_constraints(data: dict[str, Any]) -> dict[str, object]:
    """A ``Pipfile``'s packages (``[packages]``, ``[dev-packages]``): name -> ``"==0.44.0"``,
    ``"*"`` or a table with ``version``, the shapes Poetry's constraints also take."""
    found: dict[str, object] = {}
    for table in ("packages", "dev-packages"):
        listed = data.get(table)
        if isinstance(listed, dict):
            found.update(listed)
    return found


def pipfile_lock_versions(text: str) -> list[tuple[str, str]]:
    """A ``Pipfile.lock``'s locked packages and versions (``"version": "==0.44.0"``)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return []
    found: list[tuple[str, str]] = []
    for section in ("default", "develop"):
        listed = data.get(section) if isinstance(data, dict) else None
        for name, entry in listed.items() if isinstance(listed, dict) else ():
            written = entry.get("version") if isinstance(entry, dict) else None
            if isinstance(written, str) and written.startswith("=="):
                found.append((name, written[2:]))
    return found
