"""Routes an operator requests now and then, not the users: those served under an ``admin`` path.

A route is an admin route when every path it is served at has an ``admin`` segment
(``/api/admin/backups``, ``/admin-api/users``); a dependency is an admin one when only admin
routes (or other admin dependencies) depend on it. What costs in proportion to the traffic (a
client built per request, a small file read) is not worth a finding there (``engine.in_scope``),
and a message naming the route that runs a function names a user's route first.
"""

from __future__ import annotations

from fastapi_lint.analysis.fastapi_model import FastAPIModel


def under_admin(route_path: str) -> bool:
    """``/api/admin/backups``, ``/admin-api/users``: a path an operator, not a user, requests."""
    return any(part == "admin" or part.startswith(("admin-", "admin_"))
               for part in route_path.lower().strip("/").split("/"))


def admin_roots(model: FastAPIModel) -> set[str]:
    """The handlers served only at admin paths, and the dependencies only they depend on."""
    served: dict[str, list[str]] = {}
    for route in model.routes:
        prefixes = [mount.prefix for mount in route.mounts] or [""]
        served.setdefault(route.handler.function.path, []).extend(prefix + route.path for prefix in prefixes)
    admin = {handler for handler, paths in served.items() if all(map(under_admin, paths))}
    changed = True
    while changed:
        changed = False
        for dependency, dependents in model.dependents.items():
            if dependency not in admin and dependents and dependents <= admin:
                admin.add(dependency)
                changed = True
    return admin
