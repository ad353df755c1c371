"""What FastAPI passes a parameter: what its dependency gives, whatever the annotation says.

``db: Session = Depends(async_db)`` where ``async_db`` yields an ``AsyncSession``: the route gets
the ``AsyncSession``. Its ``db.query(...)`` raises and its ``db.commit()`` makes a coroutine that
no one awaits: broken code, but no synchronous wait on the loop. Phase 1 types a parameter by its
annotation (it cannot see another module's dependency); this asks the linked project.
"""

from __future__ import annotations

from fastapi_lint.analysis.facts import FunctionFacts, Ref, RefKind, Value
from fastapi_lint.analysis.linking import UNKNOWN
from fastapi_lint.analysis.named_values import refs
from fastapi_lint.analysis.names import TYPE_WRAPPERS
from fastapi_lint.analysis.project import Project

_DEPENDS = frozenset({"Depends", "Security"})
_GENERATORS = frozenset(f"{module}.{name}" for module in ("typing", "typing_extensions", "collections.abc")
                        for name in ("Generator", "AsyncGenerator", "Iterator", "AsyncIterator"))


def dependency_gives(project: Project, function: FunctionFacts, name: str) -> Ref:
    """What FastAPI passes for ``function``'s parameter ``name`` when a dependency provides it
    (``Depends(get_x)`` as its default, or in ``Annotated[T, Depends(get_x)]``); UNKNOWN when
    no dependency does, or what it gives is not known."""
    for param in function.params:
        if param.name == name:
            for value in (param.default, param.annotation):
                provider = _provider(project, value)
                if provider is not UNKNOWN:
                    given = project.resolve(Ref(f"{provider.path}()", RefKind.INSTANCE))
                    return given if given is not UNKNOWN else _yielded(project, provider.path)
    return UNKNOWN


def _yielded(project: Project, path: str) -> Ref:
    """What a generator dependency yields by its annotation (``-> AsyncGenerator[AsyncSession,
    None]``), when its body yields what the analysis cannot see (a session of an engine module
    not in the tree). Asked here only: read everywhere, a generator's annotation would make
    objects known that the placement of uncalled coroutines reads otherwise."""
    located = project.function(path)
    returns = located.function.returns if located is not None and located.function.is_generator else None
    if returns is None:
        return UNKNOWN
    if not returns.items and returns.kind == "ref" and returns.ref is not None:
        annotated = project.resolve(returns.ref).path  # ``-> AsyncSession``: what it yields, loosely written
        return Ref(annotated, RefKind.INSTANCE) if annotated not in _GENERATORS and annotated != "?" else UNKNOWN
    if not returns.items or project.resolve(returns.ref).path not in _GENERATORS:
        return UNKNOWN
    first = returns.items[0]
    return Ref(project.resolve(first.ref).path, RefKind.INSTANCE) if first.kind == "ref" and first.ref is not None else UNKNOWN


def given_an_async_object(project: Project, function: FunctionFacts, ref: Ref) -> bool:
    """Whether ``ref`` (a sync client's or session's method a call of ``function`` reaches) is
    of a library that ``function`` was handed an async object of, by a dependency, under a sync
    annotation (``db: Session = Depends(async_db)`` giving an ``AsyncSession``, SQLAlchemy's or
    SQLModel's, which wraps it): the sync objects
    it reaches (``db.execute``, and ``query.count()`` on ``query = db.query(User)``) are what
    the annotation made up. An async object is an ``Async...`` class, or one of an ``asyncio``
    module (``redis.asyncio.Redis``)."""
    library = ref.path.partition(".")[0]
    for param in function.params:
        annotated = _annotated(project, param.annotation)
        given = dependency_gives(project, function, param.name).path
        if annotated.partition(".")[0] == library and not _async_of(annotated, library) and _async_of(
                given, given.partition(".")[0]):
            return True  # not ``db: AsyncSession``: a sync session the function makes itself is one
    return False


def _async_of(path: str, library: str) -> bool:
    """Whether ``path`` is an async class of ``library``: ``Async...``, or of an ``asyncio`` module."""
    return path.partition(".")[0] == library and (path.rpartition(".")[2].startswith("Async") or ".asyncio." in f".{path}.")


def _annotated(project: Project, value: Value | None) -> str:
    """The type an annotation names, through ``Annotated[...]`` and ``Optional[...]``."""
    while value is not None and value.items and project.resolve(value.ref).path in TYPE_WRAPPERS:
        value = value.items[0]
    return project.resolve_value(value).path if value is not None else ""


def _provider(project: Project, value: Value | None) -> Ref:
    """The dependency ``value`` names: ``get_x`` of ``Depends(get_x)``, looked for inside an
    ``Annotated[...]`` too."""
    if value is None:
        return UNKNOWN
    call = value.call
    if value.kind == "call" and call is not None and call.args and project.resolve(call.func).path.rpartition(".")[2] in _DEPENDS:
        return project.resolve_value(call.args[0])
    for item in value.items:
        found = _provider(project, item)
        if found is not UNKNOWN:
            return found
    return UNKNOWN


# What FastAPI passes for a file a request uploaded.
_UPLOADS = frozenset({"fastapi.UploadFile", "fastapi.datastructures.UploadFile", "starlette.datastructures.UploadFile"})


def takes_an_upload(project: Project, function: FunctionFacts) -> bool:
    """Whether a parameter of ``function`` is a file a request uploaded (``file: UploadFile``, a
    list of them, in ``Annotated[...]``): what it reads or writes of it is as large as the upload."""
    return any(project.resolve(ref).path in _UPLOADS for param in function.params for ref in refs(param.annotation))
