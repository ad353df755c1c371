"""Adding the imports a fix needs, where isort would put them.

``from m import name`` joins an existing ``from m import ...`` statement (in sorted
place when its names are sorted). A new statement goes into the module's first
block of standard-library imports, plain ``import x`` before ``from x import y``,
each kind sorted by module; with no such block, it opens one above the first import,
separated by a blank line. Nothing is ever removed: unused imports are left alone.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

import libcst as cst

from fastapi_lint.fixes.base import Import
from fastapi_lint.fixes.tree import dotted

_STDLIB: frozenset[str] = frozenset(getattr(sys, "stdlib_module_names", ())) | {
    "asyncio",
    "functools",
    "time",
    "os",
    "sys",
    "typing",
}


def add_imports(module: cst.Module, needs: Iterable[Import]) -> cst.Module:
    for need in sorted(set(needs), key=lambda n: (n.module, n.name or "")):
        if _present(module, need):
            continue
        if need.name is not None:
            joined = _join_from(module, need)
            if joined is not None:
                module = joined
                continue
        module = _insert(module, need)
    return module


def _imports(statement: cst.CSTNode) -> cst.Import | cst.ImportFrom | None:
    """The import a top-level line holds, when the line is exactly one import."""
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            return small
    return None


def _present(module: cst.Module, need: Import) -> bool:
    for statement in module.body:
        found = _imports(statement)
        if need.name is None and isinstance(found, cst.Import):
            if any(dotted(a.name) == need.module and a.asname is None for a in found.names):
                return True
        elif need.name is not None and isinstance(found, cst.ImportFrom) and _from_module(found) == need.module:
            if not isinstance(found.names, cst.ImportStar) and any(
                dotted(a.name) == need.name and a.asname is None for a in found.names
            ):
                return True
    return False


def _from_module(node: cst.ImportFrom) -> str | None:
    if node.relative or node.module is None:
        return None
    return dotted(node.module)


def _join_from(module: cst.Module, need: Import) -> cst.Module | None:
    body = list(module.body)
    for index, statement in enumerate(body):
        found = _imports(statement)
        if not isinstance(found, cst.ImportFrom) or _from_module(found) != need.module:
            continue
        if isinstance(found.names, cst.ImportStar):
            continue
        names = _with_name(found, need.name or "")
        line = statement.with_changes(body=[found.with_changes(names=names)])
        body[index] = line
        return module.with_changes(body=body)
    return None


def _with_name(node: cst.ImportFrom, name: str) -> list[cst.ImportAlias]:
    names = list(node.names) if not isinstance(node.names, cst.ImportStar) else []
    plain = [dotted(a.name) for a in names]
    position = len(names)
    if plain == sorted(plain):
        position = next((i for i, existing in enumerate(plain) if existing > name), len(names))
    between = _between(node, names)
    new = cst.ImportAlias(name=cst.Name(name))
    if position == len(names):
        last = names[-1]
        new = new.with_changes(comma=last.comma)  # keeps a trailing comma and the line break before ")"
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=between))
        names.append(new)
    else:
        names.insert(position, new.with_changes(comma=cst.Comma(whitespace_after=between)))
    return names


def _between(node: cst.ImportFrom, names: Sequence[cst.ImportAlias]) -> cst.BaseParenthesizableWhitespace:
    """The whitespace the statement puts between two names (a line break in a wrapped import)."""
    for alias in names[:-1]:
        if isinstance(alias.comma, cst.Comma):
            return _without_comment(alias.comma.whitespace_after)
    if node.lpar is not None:
        return _without_comment(node.lpar.whitespace_after)
    return cst.SimpleWhitespace(" ")


def _without_comment(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    return whitespace


def _statement(need: Import) -> cst.SimpleStatementLine:
    if need.name is None:
        return cst.SimpleStatementLine([cst.Import(names=[cst.ImportAlias(name=_name(need.module))])])
    return cst.SimpleStatementLine(
        [cst.ImportFrom(module=_name(need.module), names=[cst.ImportAlias(name=cst.Name(need.name))])]
    )


def _name(dotted_name: str) -> cst.Attribute | cst.Name:
    parts = dotted_name.split(".")
    node: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _is_future(found: cst.Import | cst.ImportFrom | None) -> bool:
    return isinstance(found, cst.ImportFrom) and _from_module(found) == "__future__"


def _stdlib(found: cst.Import | cst.ImportFrom) -> str | None:
    """The module a standard-library import statement names (None for any other import)."""
    if isinstance(found, cst.Import):
        name = dotted(found.names[0].name)
    else:
        name = _from_module(found) or ""
    return name if name.partition(".")[0] in _STDLIB and name != "__future__" else None


def _insert(module: cst.Module, need: Import) -> cst.Module:
    body = list(module.body)
    start = 0
    if body and _is_docstring(body[0]):
        start = 1
    while start < len(body) and _is_future(_imports(body[start])):
        start += 1
    first_import = next((i for i in range(start, len(body)) if _imports(body[i]) is not None), None)
    run = _stdlib_run(body, start)
    new = _statement(need)
    if run:
        position = _sorted_position(body, run, need)
        if position == run[0]:
            # The new line opens the block: it takes the block's leading blank lines and comments.
            following = body[position]
            new = new.with_changes(leading_lines=following.leading_lines)
            body[position] = following.with_changes(leading_lines=())
        body.insert(position, new)
    elif first_import is not None:
        following = body[first_import]
        new = new.with_changes(leading_lines=following.leading_lines)
        body[first_import] = following.with_changes(leading_lines=(cst.EmptyLine(),))
        body.insert(first_import, new)
    else:
        if start < len(body):
            following = body[start]
            new = new.with_changes(leading_lines=following.leading_lines if start else ())
            lines = following.leading_lines if not start else ()
            body[start] = following.with_changes(leading_lines=(cst.EmptyLine(), *lines))
        elif start:
            new = new.with_changes(leading_lines=(cst.EmptyLine(),))
        body.insert(start, new)
    return module.with_changes(body=body)


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _stdlib_run(body: Sequence[cst.BaseStatement], start: int) -> list[int]:
    """Indexes of the first contiguous block of standard-library import lines."""
    run: list[int] = []
    for index in range(start, len(body)):
        statement = body[index]
        found = _imports(statement)
        if found is not None and _stdlib(found) is not None:
            assert isinstance(statement, cst.SimpleStatementLine)
            if run and any(line.comment is None for line in statement.leading_lines):
                break  # a blank line ends the block: another section starts
            run.append(index)
        elif run:
            break
    return run


def _sorted_position(body: Sequence[cst.BaseStatement], run: list[int], need: Import) -> int:
    """isort's order: ``import x`` lines first, then ``from x import y``, each by module name."""
    wanted = (need.name is not None, need.module.lower())
    for index in run:
        found = _imports(body[index])
        assert found is not None
        key = (isinstance(found, cst.ImportFrom), (_stdlib(found) or "").lower())
        if key > wanted:
            return index
    return run[-1] + 1
