"""Settings classes: subclasses of pydantic's ``BaseSettings``, through any depth of inheritance and modules."""

from __future__ import annotations

from fastapi_lint.analysis.facts import CallSite, RefKind
from fastapi_lint.analysis.project import Located, Project

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


def settings_classes(project: Project) -> frozenset[str]:
    cached = project.derived.get("settings_classes")
    if cached is None:
        cached = frozenset(path for path in project.classes if project.is_subclass(path, SETTINGS_BASES))
        project.derived["settings_classes"] = cached
    return cached  # type: ignore[return-value]


def constructs_settings(project: Project, site: CallSite) -> str | None:
    """The settings class a call instantiates, if it does."""
    if site.func is None:
        return None
    ref = project.resolve(site.func)
    if ref.kind is RefKind.SYMBOL and (ref.path in settings_classes(project) or ref.path in SETTINGS_BASES):
        return ref.path
    return None


def is_settings_getter(project: Project, located: Located) -> bool:
    """A function that builds settings and returns them: ``return Settings()``."""
    for value in located.function.returned:
        if value.call is not None and constructs_settings(project, value.call) is not None:
            return True
        if value.kind == "ref" and value.ref is not None:
            ref = project.resolve(value.ref)
            if ref.kind is RefKind.INSTANCE and ref.path in settings_classes(project):
                # ``settings = Settings(); return settings`` inside the function
                local = any(constructs_settings(project, site) for site in located.function.calls)
                if local:
                    return True
    return False
