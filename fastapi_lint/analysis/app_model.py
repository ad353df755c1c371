"""The FastAPI model's values: the routes, the places apps serve them, and the roles functions
play; with the names of FastAPI's classes and roles that code outside the model reads too.

Apart from the builder (``fastapi_model.py`` on ``app_tree.py`` and ``dependencies.py``), so
that each of its parts, and each reader of the model, names these values without importing the
others.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from fastapi_lint.analysis.facts import CallSite
from fastapi_lint.analysis.project import Located


APP_TYPES = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"})
ROUTER_TYPES = frozenset({"fastapi.APIRouter", "fastapi.routing.APIRouter"})
BASE_HTTP_MIDDLEWARE = frozenset(
    {"starlette.middleware.base.BaseHTTPMiddleware", "fastapi.middleware.base.BaseHTTPMiddleware"}
)
# "nested": an async function defined inside request-path code (a streaming generator, say);
# "wrapper": the async function a decorator below a route's returns, which FastAPI calls instead.
REQUEST_ROLES = frozenset({"route", "dependency", "middleware", "exception_handler", "background_task", "nested",
                           "wrapper", "admin_hook"})
STARTUP_ROLES = frozenset({"lifespan", "startup"})


@dataclass(frozen=True)
class Mount:
    """Where an app serves a route: the prefixes above it joined, and what the app, the
    routers and the ``include_router`` calls on the way add to it."""

    prefix: str  # ``mount``, ``include_router(prefix=...)`` and ``APIRouter(prefix=...)``, outermost first
    app: str | None  # the app's key (see ``AppTree._owner_key``); None when no app is known to serve it
    dependencies: tuple[str, ...] = ()  # every dependency FastAPI runs first for the route mounted here
    # the app or router key the way up ends at (the router itself, or one it is included into,
    # that nothing is known to include); None for a route on no router
    top: str | None = None


@dataclass(frozen=True)
class Route:
    handler: Located
    methods: tuple[str, ...]
    path: str
    websocket: bool
    site: CallSite  # the decorator or ``add_api_route`` call
    owner: str | None  # the app or router it is registered on, when known (see ``AppTree._owner_key``)
    # each place an app serves it (a router included in two apps, or twice, has two)
    mounts: tuple[Mount, ...] = ()


@dataclass
class ModelReads:
    """What building a model read of function bodies besides the calls that may register something
    (``fastapi_model.may_register``), which an edit of other bodies cannot change (``model_kept``)."""

    names: set[str] = field(default_factory=set)  # last names of calls looked up (a helper's callers)
    paths: set[str] = field(default_factory=set)  # functions whose calls were looked up (an app factory's)
    bodies: set[str] = field(default_factory=set)  # functions whose own calls were read


@dataclass
class FastAPIModel:
    routes: list[Route] = field(default_factory=list)
    roles: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # dependency path -> the paths of the routes/dependencies that depend on it
    dependents: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # a route's decorator's wrapper (``@app.get("/")`` over ``@require_token``) -> the first
    # route it wraps: FastAPI calls the wrapper, which calls the route's function
    wrapped: dict[str, str] = field(default_factory=dict)
    # modules that include or mount what the analysis cannot name (``app.include_router(
    # plugin.router)`` on a module imported by a computed name): any router may be served there
    computed_includes: set[str] = field(default_factory=set)
    # the apps and routers some call includes or mounts (into an app the analysis may not know)
    included: set[str] = field(default_factory=set)
    # a background task -> the functions that schedule it (``add_task``, ``BackgroundTask(...)``);
    # "" for a call at a module's top
    scheduled_by: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    reads: ModelReads = field(default_factory=ModelReads, compare=False, repr=False)

    def role_of(self, path: str) -> set[str]:
        return self.roles.get(path, set())

    def on_request_path(self, path: str) -> bool:
        return bool(self.role_of(path) & REQUEST_ROLES)
