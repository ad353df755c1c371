"""``read_newer``'s work: the guard, libcst's parse on a thread of its own, the walk that rewrites,
``ast``'s parse of the result and the mend (the package's docstring tells the design). Imported
only when a file needs it: a run whose files all parse imports none of it.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import threading
import warnings
from collections.abc import Iterator
from typing import Any, Callable, Optional, TypeVar

from fastapi_lint.analysis.extract.downgrade.features import NewerSyntax, Version, newest, running
from fastapi_lint.analysis.extract.downgrade.nesting import STACK_BYTES, nesting
from fastapi_lint.analysis.extract.downgrade.rewrite import Rewrite, Unsupported

_T = TypeVar("_T")


def read_newer(source: str, version: Version | None = None) -> ast.Module | NewerSyntax | None:
    """See the package's ``read_newer``."""
    if nesting(source).too_deep():
        return None
    return _on_own_stack(lambda: _read(source, version or running()))


def _read(source: str, version: Version) -> ast.Module | NewerSyntax | None:
    try:
        import libcst as cst
    except ImportError:  # pragma: no cover - a dependency
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            module = cst.parse_module(source)
        except Exception:  # ParserSyntaxError, and whatever a text libcst cannot take raises
            return None
        rewrite = Rewrite(source, module, version)
        try:
            _walk(rewrite)
            if rewrite.chars is None:  # nothing rewritten: the error is the file's own, or a
                return newest(rewrite.features)  # construct noted but not rewritten
            tree = ast.parse(rewrite.text(), type_comments=False)
            from fastapi_lint.analysis.extract.downgrade.mend import Mend

            return Mend(rewrite).module(tree)
        except Unsupported as error:
            if error.feature is not None:
                return newest({error.feature})
            return newest(rewrite.features)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return newest(rewrite.features)


def _walk(rewrite: Rewrite) -> None:
    """Rewrite every newer construct of the file, outermost first."""
    import libcst as cst

    from fastapi_lint.analysis.extract.downgrade.constructs import (
        note_set_walrus,
        rewrite_alias,
        rewrite_definition,
        rewrite_param,
        rewrite_subscript,
        rewrite_try,
    )
    from fastapi_lint.analysis.extract.downgrade.patterns import rewrite_match
    from fastapi_lint.analysis.extract.downgrade.strings import libcst_classes, rewrite_string

    handlers: dict[type[cst.CSTNode], Callable[[Rewrite, Any], bool]] = {
        cst.Match: rewrite_match,
        cst.Try: rewrite_try,
        cst.TryStar: rewrite_try,
        cst.FunctionDef: rewrite_definition,
        cst.ClassDef: rewrite_definition,
        cst.TypeAlias: rewrite_alias,
        cst.Param: rewrite_param,
        cst.Subscript: rewrite_subscript,
        cst.Set: note_set_walrus,
        cst.SetComp: note_set_walrus,
    }
    strings: tuple[type[Any], ...] = (cst.ConcatenatedString, cst.FormattedString, *libcst_classes("TemplatedString"))

    def walk(root: cst.CSTNode) -> None:
        # Depth first, a node before its children; not libcst's visitors, which rebuild every
        # node they pass (three times the cost of the whole rewrite).
        pending = [root]
        while pending:
            node = pending.pop()
            if isinstance(node, strings):  # walks its fields' expressions itself
                deeper = rewrite_string(rewrite, node, walk)
            else:
                handler = handlers.get(type(node))
                deeper = True if handler is None else handler(rewrite, node)
            if deeper:
                pending.extend(_children(node))

    walk(rewrite.module)


def _children(node: Any) -> Iterator[Any]:
    import libcst as cst

    kind = type(node)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(item.name for item in dataclasses.fields(kind)
                                           if not _SYNTAX_ONLY.search(item.name))
    for name in names:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (item for item in value if isinstance(item, cst.CSTNode))


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # per libcst node class: the fields walked
# Fields that hold whitespace, comments or punctuation only: nothing to rewrite in them, and most
# of the tree's nodes (the walk costs half as much without them).
_SYNTAX_ONLY = re.compile(r"whitespace|^(lpar|rpar|comma|semicolon|newline|leading_lines|lines_after_decorators|"
                          r"header|footer|operator|equal|colon|asynchronous|lbrace|rbrace|lbracket|rbracket|dot)$")


def _on_own_stack(work: Callable[[], _T]) -> Optional[_T]:
    """``work()`` on a new thread with a stack of ``STACK_BYTES`` (reserved, not used: the system
    gives a thread's stack pages as they are touched); None if no such thread can be made."""
    results: list[_T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(work())
        except BaseException as error:  # handed to the caller's thread
            errors.append(error)

    with _STACK_SIZE:  # the size applies to threads made while it is set: one at a time
        try:
            previous = threading.stack_size(STACK_BYTES)
        except (ValueError, RuntimeError):  # pragma: no cover - a platform without it
            return None
        try:
            thread = threading.Thread(target=run, name="fastapi-lint-libcst", daemon=True)
            thread.start()
        except RuntimeError:  # pragma: no cover - the system refused the stack
            return None
        finally:
            threading.stack_size(previous)
    thread.join()
    if errors:
        raise errors[0]
    return results[0] if results else None


_STACK_SIZE = threading.Lock()
