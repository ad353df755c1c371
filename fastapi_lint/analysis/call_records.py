"""What the call graph records of one function's calls, and of a callee as written; and whether
a call runs its callee's body where it is made (``callgraph.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from fastapi_lint.analysis.call_arguments import decorator_path, fits
from fastapi_lint.analysis.catalog.blocking import Entry
from fastapi_lint.analysis.facts import CallSite, Ref
from fastapi_lint.analysis.project import Located, Project


@dataclass
class Calls:
    """What one function's calls reach (see ``CallGraph``)."""

    edges: list[tuple[CallSite, str]]
    direct: list[tuple[CallSite, str, Entry]]
    runs: list[tuple[CallSite, str]]
    unknown: int
    unresolved: int
    # Calls the catalog does not know that an installed package may answer, not followed until a
    # question about waits needs them: (place in ``direct``, site, callee). What reaches what
    # (``edges``, ``runs``) never depends on them.
    deferred: list[tuple[int, CallSite, Callee]] = field(default_factory=list)


NO_CALLS = Calls([], [], [], 0, 0)


class Callee(NamedTuple):
    """What a callee, as written, is: the same for every call written that way (``CallGraph._callee``)."""

    ref: Ref  # what it resolves to
    targets: list[str]  # the project functions it may run
    offload: bool  # hands a callable to a thread or a task (``to_thread``, ``add_task``)
    entry: Entry | None  # its catalog entry, when it blocks
    harmless: bool  # a builtin or the like: not an unknown effect
    # what else it may be, when it is a name bound several ways (``Project.resolve_all``)
    others: tuple[Callee, ...] = ()
    follows: bool = False  # no entry knows it, and an installed package may (``Calls.deferred``)


_GETITEM = ".__getitem__"
# Calls known to do no I/O: builtins and methods of builtin values, HTTP errors.
_HARMLESS = (
    "builtins.", "str.", "int.", "float.", "bool.", "bytes.", "dict.", "list.", "set.", "tuple.",
    "fastapi.HTTPException", "fastapi.exceptions.", "starlette.exceptions.", "typing.", "uuid.UUID",
)
_UNTYPED_MEMBERS = ("typing.Any.", "typing_extensions.Any.")  # ``self.client: Any``'s methods: anything


def is_harmless(path: str) -> bool:
    """Whether a call of ``path`` is known to do no I/O (``Callee.harmless``)."""
    return path.startswith(_HARMLESS) and not path.startswith(_UNTYPED_MEMBERS)


def property_reads(project: Project, located: Located) -> list[tuple[CallSite, str]]:
    """``self.client`` where ``client`` is a ``@property``: reading it runs the getter; and
    ``registry[key]`` where ``registry`` is an instance of a class with ``__getitem__``."""
    found: list[tuple[CallSite, str]] = []
    for read in located.function.reads:
        getter = project.property_getter(read.ref)
        if getter is None and read.ref.path.endswith(_GETITEM):
            getter = project.item_getter(read.ref)
        if getter is not None:
            found.append((CallSite(func=read.ref, text=read.text, span=read.span), getter))
    return found


# Decorators that leave a generator function a generator function.
_PLAIN_METHOD_DECORATORS = frozenset({"builtins.staticmethod", "builtins.classmethod", "staticmethod", "classmethod",
                                       # ``@torch.no_grad()`` wraps a generator function in one
                                       "torch.no_grad", "torch.inference_mode", "torch.enable_grad"})


def runs_body(project: Project, site: CallSite, target: str) -> bool:
    """Whether the call runs ``target``'s body where it is made. Calling a generator function only
    creates the generator: its body runs where that is iterated (``for x in f()`` here, or
    ``StreamingResponse(f())``'s worker thread). A decorated one may be a ``@contextmanager``. A
    call whose arguments do not bind to the parameters raises before the body runs (``fits``)."""
    located = project.function(target)
    if located is None:
        return True
    function = located.function
    if not fits(project, function, site):
        return False
    if site.iterated or site.context_manager:
        return True
    if not function.is_generator or function.is_async:
        return True
    return any(decorator_path(d) not in _PLAIN_METHOD_DECORATORS for d in function.decorators)


def drops_coroutine(project: Project, site: CallSite, target: str) -> bool:
    """Whether the call makes a coroutine of ``target`` and drops it: a statement of its own, not
    awaited, calling an ``async def`` no decorator wraps (``repo.save(user)`` where ``save`` is
    a coroutine function). Its body never runs; Python warns that it was never awaited."""
    if not site.discarded or site.awaited:
        return False
    located = project.function(target)
    return (located is not None and located.function.is_async and not located.function.is_generator
            and all(decorator_path(d) in _PLAIN_METHOD_DECORATORS for d in located.function.decorators))

