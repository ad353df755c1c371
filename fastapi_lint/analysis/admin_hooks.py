"""Methods an admin panel's framework calls for a request of the panel, which the project only
overrides: sqladmin's authentication backend (``login``, ``logout``, ``authenticate``, run on the
app's loop for the panel's login form and each of its pages) and a model view's hooks
(``on_model_change`` before a save from the panel, ...); starlette-admin's auth provider and
views' ``before_create`` & co. They are on the request path wherever the project builds that
framework's ``Admin`` (``Admin(app, engine, authentication_backend=AdminAuth(...))``),
as an operator's rare requests (``admin_routes.py``): a wait there is worth a finding, a client
built per request is not.
"""

from __future__ import annotations

from pathlib import PurePath

from fastapi_lint.analysis.project import Project
from fastapi_lint.analysis.test_code import is_test_path

# Each framework's admin classes (a project that builds one serves its panel), and its base classes
# (by every path they are imported by) with the methods it calls for the panel's requests.
_FRAMEWORKS: tuple[tuple[frozenset[str], tuple[tuple[frozenset[str], tuple[str, ...]], ...]], ...] = (
    (frozenset({"sqladmin.Admin", "sqladmin.application.Admin"}), (
        (frozenset({"sqladmin.AuthenticationBackend", "sqladmin.authentication.AuthenticationBackend"}),
         ("login", "logout", "authenticate")),
        (frozenset({"sqladmin.ModelView", "sqladmin.models.ModelView"}),
         ("on_model_change", "after_model_change", "on_model_delete", "after_model_delete",
          "insert_model", "update_model", "delete_model")),
    )),
    (frozenset({"starlette_admin.contrib.sqla.Admin", "starlette_admin.contrib.sqla.admin.Admin",
                "starlette_admin.contrib.mongoengine.Admin", "starlette_admin.contrib.odmantic.Admin",
                "starlette_admin.contrib.beanie.Admin", "starlette_admin.base.BaseAdmin"}), (
        (frozenset({"starlette_admin.auth.AuthProvider", "starlette_admin.auth.BaseAuthProvider"}),
         ("login", "logout", "is_authenticated", "get_admin_user")),
        (frozenset({"starlette_admin.views.BaseModelView", "starlette_admin.contrib.sqla.ModelView",
                    "starlette_admin.contrib.sqla.view.ModelView"}),
         ("before_create", "after_create", "before_edit", "after_edit", "before_delete", "after_delete")),
    )),
)


# Every hook's name: a method of that name written or deleted may change what the model finds.
HOOK_NAMES = frozenset(method for _, kinds in _FRAMEWORKS for _, methods in kinds for method in methods)


def admin_hooks(project: Project) -> list[str]:
    """The hook methods of the project's subclasses of an admin framework's classes, when code
    outside the tests builds that framework's admin."""
    built = {project.resolve(site.func).path for summary, _, site in project.calls_named(["Admin"])
             if site.func is not None and not _in_tests(summary.path)}
    found: list[str] = []
    for admins, hooks in _FRAMEWORKS:
        if not built & admins:
            continue
        for class_path, (_, summary) in project.classes.items():
            if _in_tests(summary.path):
                continue
            for bases, methods in hooks:
                if project.is_subclass(class_path, bases):
                    found.extend(path for method in methods if (path := f"{class_path}.{method}") in project.functions)
    return found


def _in_tests(path: str) -> bool:
    return is_test_path(PurePath(path).parts)
