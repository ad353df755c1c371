"""Settings classes: subclasses of pydantic's ``BaseSettings``, through any depth of inheritance and modules."""

from __future__ import annotations

from fastapi_lint.analysis.facts import CallSite, Ref, RefKind, Value
from fastapi_lint.analysis.project import Located, Project, per_project

SETTINGS_BASES = frozenset(
    {
        "pydantic_settings.BaseSettings",
        "pydantic_settings.main.BaseSettings",
        "pydantic.BaseSettings",
        "pydantic.v1.BaseSettings",
        "pydantic.env_settings.BaseSettings",
        "starlette.config.Config",
    }
)


@per_project
def settings_classes(project: Project) -> frozenset[str]:
    return frozenset(path for path in project.classes if project.is_subclass(path, SETTINGS_BASES))


def constructs_settings(project: Project, site: CallSite) -> str | None:
    """The settings class a call instantiates, if it does."""
    if site.func is None:
        return None
    return settings_made(project.resolve(site.func), settings_classes(project))


def settings_made(ref: Ref, classes: frozenset[str]) -> str | None:
    """The settings class a call resolved to ``ref`` instantiates, if it does (``classes``: the
    project's, ``settings_classes``: asked once by a caller that asks for many calls)."""
    if ref.kind is RefKind.SYMBOL and (ref.path in classes or ref.path in SETTINGS_BASES):
        return ref.path
    return None


def is_settings_getter(project: Project, located: Located) -> bool:
    """A function that builds settings and returns them: ``return Settings()``.

    Every value it returns must be settings it builds (``None`` aside): see ``builds_as_fallback``
    for a getter that may return another object.
    """
    built = _returns_built(project, located)
    return bool(built) and all(built)


def builds_as_fallback(project: Project, located: Located) -> bool:
    """A getter that returns settings it builds on one path and another object on others:
    a context's or a global's settings (``if ctx is not None: return ctx.settings``, then
    ``return Settings()``). The construction is a fallback for when there is none, and how
    often that happens is not something the code says."""
    built = _returns_built(project, located)
    return any(built) and not all(built)


def _returns_built(project: Project, located: Located) -> list[bool]:
    """For each value the function returns (``None`` aside): whether it is settings built here."""
    return [_built_here(project, located, value) for value in located.function.returned if not value.is_none]


def _built_here(project: Project, located: Located, value: Value) -> bool:
    if value.call is not None:
        return constructs_settings(project, value.call) is not None
    if value.kind == "ref" and value.ref is not None and "." not in value.text:
        ref = project.resolve(value.ref)
        if ref.kind is RefKind.INSTANCE and ref.path in settings_classes(project):
            # ``settings = Settings(); return settings`` inside the function, not behind a cache
            # guard (``if _settings is None: _settings = Settings()`` builds once)
            return any(constructs_settings(project, site) for site in located.function.calls if not site.once)
    return False


# Write a ``.env`` file's entries (python-dotenv).
_ENV_FILE_WRITERS = frozenset({"dotenv.set_key", "dotenv.unset_key", "dotenv.main.set_key", "dotenv.main.unset_key"})


def edited_while_running(project: Project, class_path: str) -> bool:
    """Whether the service edits these settings while it runs: a method of their class, of a base
    or of a subclass, writes the ``.env`` file (``dotenv.set_key``) or the environment
    (``os.environ[name] = value``). Then building them again on each request is how an edit
    takes effect, and caching them would hide it."""
    memo = _edited(project)
    found = memo.get(class_path)
    if found is None:
        found = memo[class_path] = any(
            "os.environ" in method.function.fills or any(
                site.func is not None and project.resolve(site.func).path in _ENV_FILE_WRITERS
                for site in method.function.calls)
            for klass in {*project.mro(class_path), *project.family(class_path)}
            for method in project.class_methods(klass))
    return found


def builds_edited_settings(project: Project, located: Located) -> bool:
    """Whether a function builds settings the service edits while it runs (``edited_while_running``)."""
    return any(edited_while_running(project, path) for site in located.function.calls
               if (path := constructs_settings(project, site)) is not None)


@per_project
def _edited(project: Project) -> dict[str, bool]:
    return {}
