"""FastAPI's dependencies: the functions of the project that FastAPI runs before a route, for
its ``Depends``/``Security`` parameters and what its router, app or class-based view adds, to
any depth; each is marked with the ``dependency`` role and the functions that depend on it.

Apart from routes and apps: the builder (``fastapi_model.py``) finds the routes and where apps
serve them, then asks this part what runs for each; only this part reads parameters' types and
``Annotated`` aliases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fastapi_lint.analysis.app_model import FastAPIModel
from fastapi_lint.analysis.facts import Param, RefKind, Value
from fastapi_lint.analysis.handler_values import handler_functions
from fastapi_lint.analysis.names import TYPE_WRAPPERS
from fastapi_lint.analysis.project import Located, Project


DEPENDS = frozenset(
    {
        "fastapi.Depends",
        "fastapi.Security",
        "fastapi.params.Depends",
        "fastapi.params.Security",
        "fastapi.param_functions.Depends",
        "fastapi.param_functions.Security",
    }
)


class Dependencies:
    """Dependency resolution for the model's builder, which inherits it with the project and
    the model it fills."""

    project: Project
    model: FastAPIModel

    def _view_dependencies(self, handler: Located) -> Iterator[Value]:
        """A class-based view's ``user: User = Depends(get_user)``: FastAPI resolves it for every
        endpoint of the class (fastapi-utils' ``cbv`` and its copies)."""
        class_path = handler.function.class_path
        if class_path is None:
            return
        for klass in self.project.mro(class_path):
            entry = self.project.classes.get(klass)
            if entry is None:
                continue
            for declared in entry[0].fields:
                if declared.default is not None and declared.default.kind == "call":
                    yield declared.default
                elif declared.annotation is not None and declared.annotation.kind in ("subscript", "ref"):
                    yield declared.annotation

    def _dependencies_of(self, path: str, extra: Iterable[Value], depth: int = 0) -> list[str]:
        """Mark every dependency of ``path`` (parameters, ``dependencies=[...]``), recursively;
        the first level of them, in order."""
        located = self.project.function(path)
        if located is None or depth > 30:
            return []
        first: list[str] = []
        # (value, the parameter's annotation: what a bare ``Depends()`` instantiates)
        values: list[tuple[Value, Value | None]] = [(value, None) for value in extra]
        for param in located.function.params:
            values.extend((v, param.annotation) for v in (param.default, param.annotation) if v is not None)
        for value, annotation in values:
            for target in self._depends_targets(value, annotation):
                if target not in first:
                    first.append(target)
                if "dependency" in self.model.roles[target] and path in self.model.dependents[target]:
                    continue
                self.model.roles[target].add("dependency")
                self.model.dependents[target].add(path)
                self._dependencies_of(target, (), depth + 1)
        return first

    def _depends_targets(self, value: Value, annotation: Value | None, seen: int = 0) -> Iterator[str]:
        """Project functions run by a ``Depends``/``Security`` inside ``value``.

        ``annotation`` is the type a bare ``Depends()`` stands for: the parameter's
        annotation, or the first argument of the ``Annotated[...]`` holding it.
        """
        if seen > 5:
            return
        if value.kind == "call" and value.call is not None and value.call.func is not None:
            func = self.project.resolve(value.call.func)
            if func.path in DEPENDS:
                target = value.call.args[0] if value.call.args else value.call.kwarg("dependency")
                if target is None or target.is_none:
                    target = _unwrap_type(annotation)
                if target is not None:
                    yield from self._callables(target)
            return
        if value.kind == "subscript":
            wrapper = self.project.resolve(value.ref).path
            if wrapper in TYPE_WRAPPERS and wrapper.endswith(".Annotated") and value.items:
                for item in value.items[1:]:
                    yield from self._depends_targets(item, value.items[0], seen + 1)
            else:  # ``Optional[SessionDep]``, ``SessionDep | None``
                for item in value.items:
                    yield from self._depends_targets(item, None, seen + 1)
            return
        if value.kind == "ref" and value.ref is not None:
            # An alias of an ``Annotated[...]`` type defined elsewhere: ``SessionDep``.
            binding = self.project.bindings.get(self.project.binding_key(value.ref))
            if binding is not None and binding[0].value.kind == "subscript":
                yield from self._depends_targets(binding[0].value, None, seen + 1)

    def _callables(self, value: Value) -> Iterator[str]:
        """What FastAPI calls for a dependency: a function, a class's ``__init__``, an instance's
        ``__call__``; or the function a factory of the project returns (``handler_values``: ``Depends(get_repository(
        UserRepo))`` returning its nested ``get_repo``), whatever its annotation says it returns."""
        if value.kind == "call":
            made = handler_functions(self.project, value)
            if made:
                yield from (located.function.path for located in made)
                return
        resolved = self.project.resolve_value(value)
        if resolved.kind is not RefKind.INSTANCE and resolved.path in self.project.functions:
            yield resolved.path  # a function, or a method reached through an instance
        elif resolved.path in self.project.classes:
            method = "__call__" if resolved.kind is RefKind.INSTANCE else "__init__"
            for klass in self.project.mro(resolved.path):
                if f"{klass}.{method}" in self.project.functions:
                    yield f"{klass}.{method}"
                    break
            else:
                if resolved.kind is RefKind.SYMBOL:
                    self.model.roles[resolved.path].add("dependency")


def _unwrap_type(annotation: Value | None) -> Value | None:
    """``Repo`` from ``Repo``, ``Optional[Repo]`` or ``Repo | None``; None when it names no single type."""
    if annotation is None:
        return None
    if annotation.kind == "ref":
        return annotation
    wrapper = annotation.text.rpartition(".")[2]
    if annotation.kind == "subscript" and annotation.items and wrapper in ("Optional", "Annotated"):
        return _unwrap_type(annotation.items[0])
    return None


def injected(project: Project, param: Param) -> bool:
    """Whether FastAPI fills ``param`` from a dependency, with a value of a type that is not
    optional: ``settings: Settings = Depends(get_settings)``, ``Annotated[Settings,
    Depends(get_settings)]`` or an alias of one (``SettingsDep``). A function handing such a
    parameter on always gives its callee a value."""
    if param.annotation is not None and _optional(param.annotation):
        return False
    return any(_depends(project, value) for value in (param.default, param.annotation) if value is not None)


def _depends(project: Project, value: Value, seen: int = 0) -> bool:
    if seen > 5:
        return False
    if value.kind == "call" and value.call is not None and value.call.func is not None:
        return project.resolve(value.call.func).path in DEPENDS
    if value.kind == "subscript" and value.ref is not None and value.items:
        wrapper = project.resolve(value.ref).path
        return (wrapper in TYPE_WRAPPERS and wrapper.endswith(".Annotated") and not _optional(value.items[0])
                and any(_depends(project, item, seen + 1) for item in value.items[1:]))
    if value.kind == "ref" and value.ref is not None:
        binding = project.bindings.get(project.binding_key(value.ref))
        return binding is not None and binding[0].value.kind == "subscript" and _depends(project, binding[0].value, seen + 1)
    return False


def _optional(annotation: Value) -> bool:
    """``Optional[T]``, ``T | None``: a dependency that may give nothing."""
    return "None" in annotation.text or annotation.text.rpartition(".")[2].startswith("Optional")
