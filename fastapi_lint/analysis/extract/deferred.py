"""The bodies of installed packages' functions, read when first asked about.

A module of an installed package is read because a call reaches into it (``analysis/installed.py``),
and a climb down to what it waits on asks about few of its functions (on letta's environment, one
in thirteen): reading every body would cost most of what the environment adds to a run. Such a
module is summarised as any other but for the bodies of its functions: each is a
``DeferredFunctionFacts``, whose body's facts the same extractor reads the first time one of them
is asked for, with the module's names in scope as at its ``def``. A function whose body gives its
module facts of its own is read at once (``deferrable``): one that defines functions or classes,
or stores into a module-level name; what its imports load is recorded with its ``def``. What reads
a body, from the module's kept extractor or its file read again, is ``bodies.py``'s.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Protocol, cast

from fastapi_lint.analysis.blocks import statement_blocks
from fastapi_lint.analysis.extract.syntax import is_type_checking, walked
from fastapi_lint.analysis.facts import FunctionFacts, field_names

# The facts a body gives, and what they are for a body that cannot be read again (its file gone).
EMPTY_BODY: dict[str, object] = {
    "calls": (), "awaits": False, "is_generator": False, "returned": (), "reads": (), "fills": (), "guards": (),
    "throttled": (), "bundled": (), "foreign_reads": (), "foreign_paths": (), "gates": (), "switch": None,
    "branches": (), "field_stores": (), "field_copies": (), "first_yield": 0,
}
_FIELDS = field_names(FunctionFacts)
_HEADER = tuple(name for name in _FIELDS if name not in EMPTY_BODY)
# What a body holding one of these gives its module (a function, a class, a store into a
# module-level name): read with the module.
_OWN_FACTS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Global, ast.Nonlocal)
# The words without which a body holds none of those, no import and no item stored (``] =``).
_MAY_OWN = re.compile(r"\b(?:def|class|global|nonlocal|import|TYPE_CHECKING)\b|\][\s\\]*=(?!=)")
# Without which a body stores no item (``_clients[key] = ...``): its statements tell the rest.
_ITEM_STORE = re.compile(r"\][\s\\]*=(?!=)")


class Reader(Protocol):
    """What reads a deferred body's facts (``bodies.BodyReader``): picklable, and told where
    its file is installed for this run."""

    def __call__(self) -> dict[str, object]: ...

    def installed_in(self, site: str) -> Reader: ...

    def mentions(self, words: tuple[bytes, ...]) -> bool:
        """Whether its module's text holds one of ``words`` (True when the file cannot be read)."""
        ...

    def body_mentions(self, word: bytes) -> bool:
        """Whether the function's own lines may spell ``word``."""
        ...


class DeferredFunctionFacts(FunctionFacts):
    """A function's facts whose body's part (``EMPTY_BODY``'s fields) is read the first time one of its
    fields is. Compared and hashed by identity: comparing by value would read every body."""

    def __init__(self, header: dict[str, Any], reader: Reader) -> None:  # noqa: D107 - not the dataclass's
        state = self.__dict__
        state.update(header)
        state["_reader"] = reader

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        state = self.__dict__
        if "_reader" not in state:  # read: kept as the facts it is
            return FunctionFacts, tuple(state[name] for name in _FIELDS)
        return DeferredFunctionFacts, ({name: state[name] for name in _HEADER}, state["_reader"])

    def installed_in(self, site: str) -> None:
        """Reads its body from the same file installed in ``site`` (a release the user's cache
        kept from another environment)."""
        reader = self.__dict__.get("_reader")
        if reader is not None:
            self.__dict__["_reader"] = reader.installed_in(site)


def _field(name: str) -> property:
    def read(self: DeferredFunctionFacts) -> object:
        state = self.__dict__
        if name not in state:
            state.update(state.pop("_reader")())
        return state[name]

    return property(read)


for _name in EMPTY_BODY:
    setattr(DeferredFunctionFacts, _name, _field(_name))


def deferrable(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> tuple[ast.Import | ast.ImportFrom, ...] | None:
    """The imports of a body that gives nothing but the function's own facts, in the order of the
    source (its module records what they load); None for a body that gives its module facts of
    its own: a def, a class or ``global`` in it, an import under ``if TYPE_CHECKING:``, an item
    stored into a name it does not bind (``_clients[key] = ...``, maybe a module's). A body whose
    text (``lines``, the module's) holds none of their words is told so without its tree."""
    end = node.end_lineno or len(lines)
    body = node.body[1:] if _is_docstring(node.body[0]) else node.body  # a docstring's words own nothing
    text = "\n".join(lines[body[0].lineno - 1:end]) if body else ""
    if not _MAY_OWN.search(text):
        return ()
    imports = _statement_imports(node.body)
    if imports is None or not _ITEM_STORE.search(text):
        return imports
    bound = {arg.arg for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
    bound.update(arg.arg for arg in (node.args.vararg, node.args.kwarg) if arg is not None)
    containers: list[str] = []
    # The names its statements bind (a name bound in an expression, ``:=``, is not looked for:
    # a store into it keeps the body read at once, which gives the same facts).
    for block in statement_blocks(node.body):
        for statement in block:
            for target in _targets(statement):
                bound.update(inner.id for inner in walked(target) if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store))
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Subscript) \
                    and isinstance(statement.targets[0].value, ast.Name):
                containers.append(statement.targets[0].value.id)
    return imports if bound.issuperset(containers) else None


def _targets(statement: ast.stmt) -> list[ast.expr]:
    if isinstance(statement, ast.Assign):
        return statement.targets
    if isinstance(statement, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
        return [statement.target]
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in statement.items if item.optional_vars is not None]
    return []


def _statement_imports(body: list[ast.stmt]) -> tuple[ast.Import | ast.ImportFrom, ...] | None:
    """``deferrable`` for a body that stores no item: what it looks for are statements, found
    in its blocks (``blocks.statement_blocks``) without walking a single expression."""
    imports: list[ast.Import | ast.ImportFrom] = []
    for block in statement_blocks(body):
        for statement in block:
            if isinstance(statement, _OWN_FACTS) or (isinstance(statement, ast.If) and is_type_checking(statement.test)):
                return None
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                imports.append(statement)
    return tuple(sorted(imports, key=lambda found: (found.lineno, found.col_offset)))


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)


def may_mention(function: FunctionFacts, word: str) -> bool:
    """Whether ``function``'s body may name ``word``: False only for a body not read yet whose
    lines do not hold it, which so need not be read to know that none of its facts name it."""
    reader = function.__dict__.get("_reader") if type(function) is DeferredFunctionFacts else None
    return reader is None or cast(Reader, reader).body_mentions(word.encode())


def unread_reader(functions: tuple[FunctionFacts, ...]) -> Reader | None:
    """The reader of one of ``functions`` whose body is not read yet: where its module's text is."""
    for function in functions:
        reader = function.__dict__.get("_reader") if type(function) is DeferredFunctionFacts else None
        if reader is not None:
            return cast(Reader, reader)
    return None
