"""Routes requested now and then, by an operator or once per login, not with the traffic.

A route is such an admin route when, wherever it is served, its path has an ``admin`` segment
(``/api/admin/backups``, ``/admin-api/users``) or a dependency that runs first for it is named
for an operator (``Depends(check_admin)``, ``get_current_active_superuser``: ``admin``,
``superuser`` or ``super_user`` in its name, on the route, its router or a dependency of
theirs); a dependency is an admin one when only admin routes (or other admin dependencies)
depend on it. What costs in proportion to the traffic (a client built per request, a small file
read) is not worth a finding there (``run/check.py``'s ``in_scope``), and a message naming the
route that runs a function names a user's route first.

Five more kinds of path are requested now and then: a step of a login flow (``/oauth/callback``,
``/sso/login``, ``/auth/google/callback``, a device flow's ``/auth/github/device-code``, a
``GET /slack/callback`` that a browser is sent back to once a user has authorized an app; a
webhook's ``POST /callback`` is traffic), a health probe (``/healthz``), a write of the
service's configuration (``PATCH /connection/{key}/secret``, ``PUT /settings``, ``POST /api/keys/refresh``,
a connection made or dropped: ``POST /auth-providers``, ``DELETE /integrations/{id}``,
``POST /providers/install``), a trial of
what an operator configured (``/connection/{key}/test``, ``/webhooks/{id}/test``,
``/providers/probe``, ``/model-connections/{id}/verify`` or ``/discover`` under a path naming a
connection, a connector, an integration or a provider) and a write that loads or unloads a model (``POST .../models/{name}/load``). A client built
per request there is not worth a finding either; a file read there still is (a login reads and
writes what a user's first visit needs).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from fastapi_lint.analysis.app_model import FastAPIModel

_OPERATOR_WORDS = ("admin", "superuser", "super_user")


_LOGIN_WORDS = ("oauth", "sso", "saml", "oidc", "openid")
# A step of OAuth's device flow (``POST /auth/github/device-code``, then ``.../device-token``
# polled until the user has authorized): once per login, like a callback.
_DEVICE_FLOW = frozenset({"device-code", "device_code", "devicecode", "device-token", "device_token", "devicetoken"})
_PROBES = frozenset({"health", "healthz", "healthcheck", "health-check", "health_check",
                     "readyz", "livez", "readiness", "liveness", "ready", "live"})
# Folders of a health router's own routes (``/health/detailed``, ``/health/providers``); not the
# words that also name other things above a last segment (``/live/stream``, ``/ready/orders``).
_PROBE_TREES = _PROBES - {"readiness", "liveness", "ready", "live"}
_CONFIGURATION = frozenset({"secret", "secrets", "credentials", "config", "configs",
                            "configuration", "settings", "keys", "api-keys", "api_keys", "apikeys"})
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The last segment of a route that tries what an operator configured (a connection, a webhook).
_TRIALS = frozenset({"test", "test-connection", "test_connection", "probe"})
# More such words, read only under a path that names a configured connection
# (``POST /model-connections/{id}/verify``); elsewhere ``/email/verify`` is a user's request.
_CONNECTION_TRIALS = frozenset({"verify", "validate", "check", "discover", "ping", "test"})
_CONNECTION_WORDS = ("connection", "connector", "integration", "provider")
# The last segment of a write that makes or drops a connection, under a path naming one
# (``POST /providers/install``, ``POST /integrations/{id}/disconnect``).
_CONNECTION_CHANGES = frozenset({"install", "uninstall", "connect", "disconnect"})
# The last segment of a write that deploys or retires a model (``POST /v2/repository/models/{name}/load``,
# the model-repository protocol of KServe and Triton): a deployment's request, not the traffic.
_DEPLOYMENTS = frozenset({"load", "unload", "reload"})


def under_admin(route_path: str) -> bool:
    """``/api/admin/backups``, ``/admin-api/users``: a path an operator, not a user, requests."""
    return any(part == "admin" or part.startswith(("admin-", "admin_")) for part in _segments(route_path))


def requested_now_and_then(route_path: str, methods: tuple[str, ...] = ()) -> bool:
    """An admin path, or ``/oauth/callback``, ``/healthz``, ``PUT /settings``: a path a login
    flow, a probe or an operator's configuration requests, not the traffic."""
    if under_admin(route_path):
        return True
    parts = _segments(route_path)
    if any(word in part for part in parts for word in _LOGIN_WORDS) or (parts and parts[-1] in _DEVICE_FLOW):
        return True
    callback = any(part == "callback" or part.endswith(("-callback", "_callback")) for part in parts)
    if callback and any("auth" in part or "login" in part for part in parts):
        return True
    if callback and methods and set(methods) <= {"GET"} and parts[-1].endswith("callback"):
        return True  # a browser sent back after a user authorized an app: a webhook's callback is a POST
    if parts and (parts[-1] in _PROBES or parts[-1] in _TRIALS or any(part in _PROBE_TREES for part in parts[:-1])):
        return True  # ``/healthz``, and what a health router serves below ``/health/`` (``/health/detailed``)
    if (parts and parts[-1].replace("_", "-").partition("-")[0] in _CONNECTION_TRIALS
            and any(word in part for part in parts[:-1] for word in _CONNECTION_WORDS)):
        return True  # ``/model-connections/{id}/verify``, ``/model-connections/discover-preview``
    if not methods or not set(methods) <= _WRITES:
        return False
    if parts and any(word in parts[-1] for word in _CONNECTION_WORDS):
        return True  # ``POST /auth-providers``, ``DELETE /integrations/{id}``: a connection configured
    if parts and parts[-1] in _CONNECTION_CHANGES and any(word in part for part in parts[:-1] for word in _CONNECTION_WORDS):
        return True  # ``POST /providers/install``: an operator installs an integration
    return any(part in _CONFIGURATION for part in parts) or (bool(parts) and parts[-1] in _DEPLOYMENTS)


def _segments(route_path: str) -> list[str]:
    return [part for part in route_path.lower().strip("/").split("/") if part and not part.startswith("{")]


def names_an_operator(function_path: str) -> bool:
    """``deps.check_admin``, ``get_current_active_superuser``: a dependency that admits operators."""
    name = function_path.rpartition(".")[2].lower()
    return any(word in name for word in _OPERATOR_WORDS)


def admin_roots(model: FastAPIModel, now_and_then: bool = False) -> set[str]:
    """The handlers served only as admin routes, and the dependencies only they depend on;
    with ``now_and_then``, login flows, probes and configuration writes count as admin routes."""
    depends_on: dict[str, set[str]] = {}
    for dependency, dependents in model.dependents.items():
        for dependent in dependents:
            depends_on.setdefault(dependent, set()).add(dependency)

    def guarded(path: str) -> bool:
        """Whether ``path`` depends, directly or through its dependencies, on an operator's check."""
        seen, pending = {path}, [path]
        while pending:
            for dependency in depends_on.get(pending.pop(), ()):
                if names_an_operator(dependency):
                    return True
                if dependency not in seen:
                    seen.add(dependency)
                    pending.append(dependency)
        return False

    served: dict[str, list[bool]] = {}
    for route in model.routes:
        handler = route.handler.function.path
        own = guarded(handler)
        for mount in route.mounts or (None,):
            prefix = mount.prefix if mount is not None else ""
            by_mount = mount is not None and any(names_an_operator(d) or guarded(d) for d in mount.dependencies)
            rare = requested_now_and_then(prefix + route.path, route.methods) if now_and_then else under_admin(prefix + route.path)
            served.setdefault(handler, []).append(own or by_mount or rare)
    admin = {handler for handler, flags in served.items() if all(flags)}
    admin |= {path for path, roles in model.roles.items() if "admin_hook" in roles}  # an admin panel's own
    return admin | depended_on_only_by(model, admin)


def depended_on_only_by(model: FastAPIModel, paths: Collection[str]) -> set[str]:
    """The dependencies that only ``paths`` (routes, dependencies) depend on, directly or through
    dependencies of theirs alone: FastAPI runs them for those requests and no others."""
    found: set[str] = set()
    while True:
        more = {dependency for dependency, dependents in model.dependents.items()
                if dependency not in found and dependency not in paths and dependents
                and model.role_of(dependency) == {"dependency"}
                and all(dependent in paths or dependent in found for dependent in dependents)}
        if not more:
            return found
        found |= more


class RareRoots(NamedTuple):
    """The roots an operator's requests run (``admin``), and with them those of login flows,
    probes, configuration writes and trials (``now_and_then``): computed once per run
    (``Context.rare_roots``) for the scope and the request paths, which both ask."""

    admin: frozenset[str]
    now_and_then: frozenset[str]


def rare_roots(model: FastAPIModel) -> RareRoots:
    return RareRoots(frozenset(admin_roots(model)), frozenset(admin_roots(model, now_and_then=True)))
