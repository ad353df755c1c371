"""The FastAPI model on small multi-file projects: which functions FastAPI runs, and how.

Each test writes a tiny project to ``tmp_path``, runs phase 1 on every file and
phase 2's model builder, then reads the roles (route, dependency, middleware,
exception_handler, background_task, lifespan, startup) the model gives functions.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fastapi_lint.analysis import fastapi_model
from fastapi_lint.analysis.facts import ModuleSummary, RefKind
from fastapi_lint.analysis import app_model
from fastapi_lint.analysis.app_model import FastAPIModel
from fastapi_lint.analysis.project import Project
from fastapi_lint.analysis.extract import summarize_file


def build(tmp_path: Path, files: dict[str, str]) -> FastAPIModel:
    summaries: list[ModuleSummary] = []
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    for name in files:
        summary = summarize_file(tmp_path / name, display=name)
        assert isinstance(summary, ModuleSummary), summary
        summaries.append(summary)
    return fastapi_model.build(Project(summaries))


def roles(model: FastAPIModel, path: str) -> set[str]:
    return set(model.role_of(path))


def route_of(model: FastAPIModel, handler: str) -> app_model.Route:
    found = [r for r in model.routes if r.handler.function.path == handler]
    assert len(found) == 1, [r.handler.function.path for r in model.routes]
    return found[0]


# -- routes ------------------------------------------------------------------


def test_routes_on_app_and_router(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "main.py": """
                from fastapi import APIRouter, FastAPI

                app = FastAPI()
                router = APIRouter(prefix="/r")

                @app.get("/a")
                async def on_app(): ...

                @router.post("/b")
                def on_router(): ...

                @app.put("/c")
                @app.delete("/c")
                async def twice(): ...

                def plain(): ...

                app.include_router(router)
            """
        },
    )
    assert roles(model, "main.on_app") == {"route"}
    assert roles(model, "main.on_router") == {"route"}
    assert route_of(model, "main.on_app").methods == ("GET",)
    assert route_of(model, "main.on_app").path == "/a"
    assert route_of(model, "main.on_router").methods == ("POST",)
    assert sorted(m for r in model.routes if r.handler.function.name == "twice" for m in r.methods) == ["DELETE", "PUT"]
    assert roles(model, "main.plain") == set()
    assert not model.on_request_path("main.plain")


def test_router_defined_in_another_module(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/routers/__init__.py": "",
            "app/routers/items.py": """
                from fastapi import APIRouter

                router = APIRouter()

                @router.get("/items")
                async def list_items(): ...
            """,
            "app/routers/users.py": """
                import fastapi

                users_router = fastapi.APIRouter()

                @users_router.get("/users")
                async def list_users(): ...
            """,
            "app/main.py": """
                from fastapi import FastAPI
                from .routers import items
                from .routers.users import users_router as users

                app = FastAPI()
                app.include_router(items.router)
                app.include_router(users)
            """,
        },
    )
    assert roles(model, "app.routers.items.list_items") == {"route"}
    assert roles(model, "app.routers.users.list_users") == {"route"}


def test_router_subclass_and_decorator_on_imported_router(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/base.py": """
                from fastapi import APIRouter

                class MyRouter(APIRouter):
                    pass

                router = MyRouter()
            """,
            "pkg/views.py": """
                from pkg.base import router

                @router.get("/x")
                async def view(): ...
            """,
        },
    )
    assert roles(model, "pkg.views.view") == {"route"}


def test_add_api_route_websocket_and_api_route(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "main.py": """
                from fastapi import APIRouter, FastAPI, WebSocket

                app = FastAPI()
                router = APIRouter()

                async def added(): ...
                async def added_kw(): ...

                app.add_api_route("/added", added, methods=["POST"])
                router.add_api_route(path="/kw", endpoint=added_kw)

                @app.websocket("/ws")
                async def socket(websocket: WebSocket): ...

                async def socket2(websocket: WebSocket): ...

                app.add_api_websocket_route("/ws2", socket2)

                @router.api_route("/many", methods=["GET", "post"])
                async def many(): ...
            """
        },
    )
    assert roles(model, "main.added") == {"route"}
    assert roles(model, "main.added_kw") == {"route"}
    assert route_of(model, "main.socket").websocket
    assert route_of(model, "main.socket2").websocket
    assert roles(model, "main.socket2") == {"route"}
    assert route_of(model, "main.many").methods == ("GET", "POST")
    assert not route_of(model, "main.many").websocket


def test_app_created_in_a_factory(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "main.py": """
                from contextlib import asynccontextmanager
                from fastapi import APIRouter, Depends, FastAPI

                router = APIRouter()

                async def guard(): ...
                async def on_startup(): ...

                @asynccontextmanager
                async def lifespan(app):
                    yield

                def create_app() -> FastAPI:
                    app = FastAPI(lifespan=lifespan, dependencies=[Depends(guard)])

                    @app.get("/inner")
                    async def inner(): ...

                    async def health(): ...

                    app.add_api_route("/health", health)
                    app.add_event_handler("startup", on_startup)
                    app.include_router(router)
                    return app

                @router.get("/outer")
                async def outer(): ...
            """
        },
    )
    assert roles(model, "main.create_app.inner") == {"route"}
    assert roles(model, "main.create_app.health") == {"route"}
    assert roles(model, "main.lifespan") == {"lifespan"}
    assert roles(model, "main.on_startup") == {"startup"}
    assert roles(model, "main.guard") == {"dependency"}
    assert not model.on_request_path("main.create_app")


def test_non_fastapi_get_decorator_is_not_a_route(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "cli.py": """
                import click

                group = click.Group()

                @group.command("/x")
                def command(): ...

                class Cache:
                    def get(self, key): ...

                cache = Cache()

                @cache.get("/key")
                async def cached(): ...
            """
        },
    )
    assert roles(model, "cli.command") == set()
    assert roles(model, "cli.cached") == set()


# -- dependencies ----------------------------------------------------------


def test_dependencies_in_defaults(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "deps.py": """
                async def get_user(): ...
                async def get_scopes(): ...

                class Pagination:
                    def __init__(self, skip: int = 0): ...

                class Checker:
                    def __init__(self, level: int): ...
                    async def __call__(self): ...

                checker = Checker(3)
            """,
            "main.py": """
                import fastapi
                from fastapi import Depends, FastAPI, Security
                from deps import Pagination, checker, get_scopes, get_user

                app = FastAPI()

                @app.get("/")
                async def index(
                    user=Depends(get_user),
                    scopes=Security(get_scopes, scopes=["a"]),
                    page: Pagination = Depends(),
                    ok: bool = fastapi.Depends(checker),
                ): ...
            """,
        },
    )
    assert roles(model, "deps.get_user") == {"dependency"}
    assert roles(model, "deps.get_scopes") == {"dependency"}
    assert roles(model, "deps.Pagination.__init__") == {"dependency"}
    assert roles(model, "deps.Checker.__call__") == {"dependency"}
    assert roles(model, "deps.Checker.__init__") == set()  # runs once, at import
    assert model.dependents["deps.get_user"] == {"main.index"}


def test_annotated_dependencies_and_aliases(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/db.py": """
                def get_db():
                    yield object()

                async def get_token(): ...
            """,
            "app/deps.py": """
                from typing import Annotated
                from fastapi import Depends
                from sqlalchemy.orm import Session
                from app.db import get_db, get_token

                SessionDep = Annotated[Session, Depends(get_db)]
                TokenDep = Annotated[str, Depends(get_token)]
            """,
            "app/api.py": """
                from typing import Annotated
                import typing_extensions as te
                from fastapi import Depends, FastAPI
                from app import deps
                from app.deps import SessionDep

                app = FastAPI()

                async def direct(): ...
                async def via_te(): ...

                @app.get("/")
                async def index(
                    db: SessionDep,
                    token: deps.TokenDep,
                    a: Annotated[int, Depends(direct)],
                    b: te.Annotated[int, Depends(via_te)],
                ): ...
            """,
        },
    )
    assert roles(model, "app.db.get_db") == {"dependency"}
    assert roles(model, "app.db.get_token") == {"dependency"}
    assert roles(model, "app.api.direct") == {"dependency"}
    assert roles(model, "app.api.via_te") == {"dependency"}


def test_dependencies_lists(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/guards.py": """
                async def on_route(): ...
                async def on_router(): ...
                async def on_include(): ...
                async def on_app(): ...
                async def unused(): ...
            """,
            "pkg/items.py": """
                from fastapi import APIRouter, Depends
                from pkg import guards

                router = APIRouter(dependencies=[Depends(guards.on_router)])

                @router.get("/", dependencies=[Depends(guards.on_route)])
                async def items(): ...
            """,
            "pkg/main.py": """
                from fastapi import Depends, FastAPI
                from pkg import guards, items

                APP_DEPENDENCIES = [Depends(guards.on_app)]
                app = FastAPI(dependencies=APP_DEPENDENCIES)
                app.include_router(items.router, dependencies=[Depends(guards.on_include)])
            """,
        },
    )
    for name in ("on_route", "on_router", "on_include", "on_app"):
        assert roles(model, f"pkg.guards.{name}") == {"dependency"}, name
    assert roles(model, "pkg.guards.unused") == set()
    assert "pkg.items.items" in model.dependents["pkg.guards.on_include"]


def test_dependencies_of_enclosing_routers(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/guards.py": """
                async def outer_guard(): ...
                async def include_guard(): ...
            """,
            "pkg/child.py": """
                from fastapi import APIRouter

                router = APIRouter()

                @router.get("/leaf")
                async def leaf(): ...
            """,
            "pkg/api.py": """
                from fastapi import APIRouter, Depends
                from pkg import child, guards

                api = APIRouter(dependencies=[Depends(guards.outer_guard)])
                api.include_router(child.router, prefix="/child")
            """,
            "pkg/main.py": """
                from fastapi import Depends, FastAPI
                from pkg.api import api
                from pkg import guards

                app = FastAPI()
                app.include_router(api, dependencies=[Depends(guards.include_guard)])
            """,
        },
    )
    assert model.dependents["pkg.guards.outer_guard"] == {"pkg.child.leaf"}
    assert model.dependents["pkg.guards.include_guard"] == {"pkg.child.leaf"}


def test_sub_dependencies(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "main.py": """
                from typing import Annotated
                from fastapi import Depends, FastAPI

                app = FastAPI()

                def get_settings(): ...

                def get_db(settings=Depends(get_settings)): ...

                class Repo:
                    def __init__(self, db: Annotated[object, Depends(get_db)]): ...

                async def get_service(repo: Repo = Depends()): ...

                @app.get("/")
                async def index(service=Depends(get_service)): ...
            """
        },
    )
    for name in ("get_settings", "get_db", "Repo.__init__", "get_service"):
        assert roles(model, f"main.{name}") == {"dependency"}, name
    assert model.dependents["main.get_db"] == {"main.Repo.__init__"}


def test_dependency_cycle_terminates(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "main.py": """
                from fastapi import Depends, FastAPI

                app = FastAPI()

                def a(x=Depends(lambda: None)): ...
                def b(y=Depends(a)): ...

                @app.get("/")
                def index(z=Depends(b)): ...
            """
        },
    )
    assert roles(model, "main.b") == {"dependency"}


# -- middleware, handlers, tasks ------------------------------------------


def test_middleware_and_exception_handlers(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "mw.py": """
                from starlette.middleware.base import BaseHTTPMiddleware

                class Timing(BaseHTTPMiddleware):
                    async def dispatch(self, request, call_next):
                        return await call_next(request)

                class Pure:
                    def __init__(self, app):
                        self.app = app

                    async def __call__(self, scope, receive, send):
                        await self.app(scope, receive, send)

                    def helper(self): ...
            """,
            "main.py": """
                from fastapi import FastAPI, Request
                from mw import Pure, Timing

                app = FastAPI()
                app.add_middleware(Timing)
                app.add_middleware(Pure)

                @app.middleware("http")
                async def add_header(request: Request, call_next):
                    return await call_next(request)

                @app.exception_handler(ValueError)
                async def on_value_error(request, exc): ...

                async def on_key_error(request, exc): ...

                app.add_exception_handler(KeyError, on_key_error)
            """,
        },
    )
    assert roles(model, "mw.Timing.dispatch") == {"middleware"}
    assert roles(model, "mw.Pure.__call__") == {"middleware"}
    assert roles(model, "mw.Pure.helper") == set()
    assert roles(model, "mw.Pure.__init__") == set()
    assert roles(model, "main.add_header") == {"middleware"}
    assert roles(model, "main.on_value_error") == {"exception_handler"}
    assert roles(model, "main.on_key_error") == {"exception_handler"}


def test_background_tasks(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "tasks.py": """
                def send_email(to: str): ...
                async def audit(event: str): ...
            """,
            "main.py": """
                from fastapi import BackgroundTasks, FastAPI
                from starlette.background import BackgroundTask
                from fastapi.responses import JSONResponse
                import tasks

                app = FastAPI()

                @app.post("/")
                async def signup(background_tasks: BackgroundTasks):
                    background_tasks.add_task(tasks.send_email, "x")
                    return JSONResponse({}, background=BackgroundTask(tasks.audit, "signup"))
            """,
        },
    )
    assert roles(model, "tasks.send_email") == {"background_task"}
    assert roles(model, "tasks.audit") == {"background_task"}


# -- startup ---------------------------------------------------------------


def test_lifespan_and_startup_are_not_request_roles(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/life.py": """
                from contextlib import asynccontextmanager

                @asynccontextmanager
                async def lifespan(app):
                    yield
            """,
            "pkg/main.py": """
                from fastapi import FastAPI
                from pkg.life import lifespan

                async def legacy(): ...

                app = FastAPI(lifespan=lifespan, on_startup=[legacy])

                @app.on_event("startup")
                async def startup():
                    async def inner(): ...

                @app.on_event("shutdown")
                def shutdown(): ...
            """,
        },
    )
    assert roles(model, "pkg.life.lifespan") == {"lifespan"}
    assert roles(model, "pkg.main.legacy") == {"startup"}
    assert roles(model, "pkg.main.startup") == {"startup"}
    assert roles(model, "pkg.main.shutdown") == {"startup"}
    for path in ("pkg.life.lifespan", "pkg.main.legacy", "pkg.main.startup", "pkg.main.startup.inner"):
        assert not model.on_request_path(path), path


def test_nested_async_function_in_a_route(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "main.py": """
                from fastapi import FastAPI
                from fastapi.responses import StreamingResponse

                app = FastAPI()

                @app.get("/stream")
                async def stream():
                    async def chunks():
                        async def deeper():
                            yield b"x"
                        async for part in deeper():
                            yield part
                    return StreamingResponse(chunks())
            """
        },
    )
    assert model.on_request_path("main.stream.chunks")
    assert model.on_request_path("main.stream.chunks.deeper")


@pytest.mark.parametrize("decorator", ["@app.get('/x')", "@router.get('/x')"])
def test_route_decorator_on_app_or_router(tmp_path: Path, decorator: str) -> None:
    model = build(
        tmp_path,
        {
            "main.py": f"""
                from fastapi import APIRouter, FastAPI

                app = FastAPI()
                router = APIRouter()

                {decorator}
                async def handler(): ...
            """
        },
    )
    assert roles(model, "main.handler") == {"route"}


def test_bare_depends_takes_the_annotated_class(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "main.py": """
                from typing import Annotated, Optional
                from fastapi import Depends, FastAPI

                app = FastAPI()

                class Paging:
                    def __init__(self, skip: int = 0): ...

                class Filters:
                    def __init__(self, q: str = ""): ...

                class Sorting:
                    async def __call__(self): ...

                class Service:
                    async def current(self): ...

                service = Service()

                @app.get("/")
                async def index(
                    page: Annotated[Paging, Depends()],
                    filters: Optional[Filters] = Depends(),
                    sort: Sorting = Depends(Sorting()),
                    who=Depends(service.current),
                ): ...
            """
        },
    )
    assert roles(model, "main.Paging.__init__") == {"dependency"}
    assert roles(model, "main.Filters.__init__") == {"dependency"}
    assert roles(model, "main.Sorting.__call__") == {"dependency"}
    assert roles(model, "main.Service.current") == {"dependency"}


def test_starlette_route_and_middleware_objects(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "main.py": """
                from starlette.applications import Starlette
                from starlette.middleware import Middleware
                from starlette.middleware.base import BaseHTTPMiddleware
                from starlette.routing import Route, WebSocketRoute

                class Logging:
                    def __init__(self, app):
                        self.app = app

                    async def __call__(self, scope, receive, send): ...

                async def home(request): ...
                async def ws(websocket): ...

                app = Starlette(
                    routes=[Route("/", home), WebSocketRoute("/ws", endpoint=ws)],
                    middleware=[Middleware(Logging)],
                )
            """
        },
    )
    assert roles(model, "main.home") == {"route"}
    assert route_of(model, "main.ws").websocket
    assert roles(model, "main.Logging.__call__") == {"middleware"}


def test_router_dependencies_do_not_leak_to_other_routers(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "main.py": """
                from fastapi import APIRouter, Depends, FastAPI

                async def admin_only(): ...

                app = FastAPI()
                admin = APIRouter(dependencies=[Depends(admin_only)])
                public = APIRouter()

                @public.get("/")
                async def index(): ...
            """
        },
    )
    assert roles(model, "main.admin_only") == set()


def test_decorators_called_by_hand(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "main.py": """
                from fastapi import APIRouter, FastAPI
                from fastapi.exceptions import RequestValidationError

                async def on_error(request, exc): ...
                async def listing(): ...
                async def timing(request, call_next): ...
                async def not_a_handler(): ...

                def create_app() -> FastAPI:
                    app = FastAPI()
                    router = APIRouter()
                    app.exception_handler(RequestValidationError)(on_error)
                    router.get("/items")(listing)
                    app.middleware("http")(timing)
                    print("x")(not_a_handler)
                    app.include_router(router)
                    return app
            """
        },
    )
    assert roles(model, "main.on_error") == {"exception_handler"}
    assert roles(model, "main.listing") == {"route"}
    assert route_of(model, "main.listing").path == "/items"
    assert roles(model, "main.timing") == {"middleware"}
    assert roles(model, "main.not_a_handler") == set()


def test_exception_handlers_dict_router_attribute_and_optional_annotated(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "deps.py": """
                from typing import Annotated, Optional
                from fastapi import Depends
                from fastapi.param_functions import Depends as ParamDepends

                async def get_user(): ...
                async def get_team(): ...
                async def get_org(): ...

                UserDep = Annotated[object, Depends(get_user)]
                TeamDep = Annotated[object, ParamDepends(get_team)]
                OrgDep = Annotated[object, Depends(get_org)]
            """,
            "main.py": """
                from typing import Optional
                from fastapi import FastAPI
                from deps import OrgDep, TeamDep, UserDep

                async def on_value_error(request, exc): ...
                async def on_not_found(request, exc): ...

                HANDLERS = {404: on_not_found}
                app = FastAPI(exception_handlers={ValueError: on_value_error, **{}})
                other = FastAPI(exception_handlers=HANDLERS)

                @app.router.get("/")
                async def index(user: Optional[UserDep], team: TeamDep | None, org: "OrgDep"): ...
            """,
        },
    )
    assert roles(model, "main.on_value_error") == {"exception_handler"}
    assert roles(model, "main.on_not_found") == {"exception_handler"}
    assert roles(model, "main.index") == {"route"}
    assert roles(model, "deps.get_user") == {"dependency"}
    assert roles(model, "deps.get_team") == {"dependency"}


def test_decorators_of_other_frameworks_and_unknown_routers(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "main.py": """
                from fastapi import FastAPI
                from flask import Flask
                from fastapi_utils.inferring_router import InferringRouter

                flask_app = Flask(__name__)
                router = InferringRouter()

                class Bus:
                    def get(self, path): ...

                bus = Bus()

                @flask_app.get("/flask")
                async def flask_view(): ...

                @bus.get("/event")
                async def on_event(): ...

                @router.get("/items")
                async def items(): ...
            """
        },
    )
    assert roles(model, "main.flask_view") == set()
    assert roles(model, "main.on_event") == set()
    assert roles(model, "main.items") == {"route"}


# -- project resolution ----------------------------------------------------


def project_of(tmp_path: Path, files: dict[str, str]) -> Project:
    summaries = []
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        summary = summarize_file(path, display=name)
        assert isinstance(summary, ModuleSummary)
        summaries.append(summary)
    return Project(summaries)


def test_module_names_bound_to_different_things_are_unknown(tmp_path: Path) -> None:
    project = project_of(
        tmp_path,
        {
            "cache.py": """
                import httpx

                try:
                    from redis.asyncio import Redis
                except ImportError:
                    from redis import Redis

                client = None
                client = httpx.Client()
                http = httpx.Client()
                if True:
                    http = httpx.AsyncClient()
                same = httpx.Client()
                same = httpx.Client(timeout=3)

                async def f():
                    Redis().get("k")
                    client.get("u")
                    http.get("u")
                    same.get("u")
            """
        },
    )
    located = project.function("cache.f")
    assert located is not None
    resolved = {site.text: project.resolve(site.func).path for site in located.function.calls}
    assert "redis" not in resolved["Redis().get"].split(".")[0]
    assert resolved["client.get"] == "httpx.Client.get"  # ``None`` first says nothing
    assert resolved["http.get"] == "cache.http.get"
    assert resolved["same.get"] == "httpx.Client.get"


def test_paths_followed_across_modules(tmp_path: Path) -> None:
    project = project_of(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/clients/__init__.py": "from .http import get_client, shared\n",
            "app/clients/http.py": """
                import httpx
                import redis

                shared = httpx.Client()

                def get_client() -> httpx.Client:
                    return httpx.Client()

                def get_cache():
                    return redis.Redis()

                class Base:
                    def __init__(self) -> None:
                        self.cache = get_cache()
            """,
            "app/service.py": """
                from app.clients import get_client, shared
                from app.clients.http import Base
                from app import clients

                class Service(Base):
                    def __init__(self) -> None:
                        super().__init__()
                        self.client = get_client()

                    async def run(self):
                        self.client.get("u")
                        self.cache.get("k")
                        shared.post("u")
                        clients.shared.put("u")
                        local = get_client()
                        local.delete("u")
            """,
        },
    )
    located = project.function("app.service.Service.run")
    assert located is not None
    resolved = {site.text: project.resolve(site.func) for site in located.function.calls}
    assert resolved["self.client.get"].path == "httpx.Client.get"
    assert resolved["self.client.get"].kind is RefKind.MEMBER
    assert resolved["self.cache.get"].path == "redis.Redis.get"
    assert resolved["shared.post"].path == "httpx.Client.post"
    assert resolved["clients.shared.put"].path == "httpx.Client.put"
    assert resolved["local.delete"].path == "httpx.Client.delete"


def test_attributes_assigned_in_several_places(tmp_path: Path) -> None:
    project = project_of(
        tmp_path,
        {
            "db.py": """
                import httpx
                import redis
                import redis.asyncio
                from sqlalchemy.orm import Session, sessionmaker

                SessionLocal = sessionmaker()

                class Repo:
                    def __init__(self, db: Session, url: str) -> None:
                        self.db = db
                        self.cache = redis.Redis.from_url(url)
                        self.http = httpx.Client()

                    def reset(self, url: str) -> None:
                        self.db = SessionLocal()
                        self.cache = redis.asyncio.Redis.from_url(url)
                        self.http = make_client()

                    async def run(self):
                        self.db.execute("x")
                        self.cache.get("k")
                        self.http.get("u")
            """
        },
    )
    located = project.function("db.Repo.run")
    assert located is not None
    resolved = {site.text: project.resolve(site.func).path for site in located.function.calls}
    assert resolved["self.db.execute"] == "sqlalchemy.orm.Session.execute"
    assert resolved["self.cache.get"] == "db.Repo.cache.get"
    assert resolved["self.http.get"] == "db.Repo.http.get"


def test_router_subclass_and_class_based_view_dependencies(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "auth.py": """
                async def get_admin(): ...
                async def get_user(): ...
                async def get_locale(): ...
            """,
            "routers.py": """
                from fastapi import APIRouter, Depends
                from auth import get_admin

                class AdminRouter(APIRouter):
                    def __init__(self, prefix: str = "", **kwargs):
                        super().__init__(prefix=prefix, dependencies=[Depends(get_admin)], **kwargs)
            """,
            "views.py": """
                from typing import Annotated
                from fastapi import Depends
                from auth import get_locale, get_user
                from routers import AdminRouter
                from cbv import controller

                router = AdminRouter(prefix="/admin")

                class Base:
                    locale: Annotated[str, Depends(get_locale)]

                @controller(router)
                class Users(Base):
                    user: object = Depends(get_user)
                    page_size: int = 20

                    @router.get("/users")
                    async def list_users(self): ...
            """,
        },
    )
    assert roles(model, "views.Users.list_users") == {"route"}
    assert model.dependents["auth.get_admin"] == {"views.Users.list_users"}
    assert model.dependents["auth.get_user"] == {"views.Users.list_users"}
    assert model.dependents["auth.get_locale"] == {"views.Users.list_users"}


def test_names_reached_through_star_imports(tmp_path: Path) -> None:
    project = project_of(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/base/__init__.py": "from .clients import *\nfrom .views import *\n",
            "pkg/base/clients.py": """
                import httpx

                shared = httpx.Client()

                def make_client() -> httpx.Client:
                    return httpx.Client()
            """,
            "pkg/base/views.py": """
                class BaseView:
                    pass
            """,
            "pkg/app.py": """
                from pkg.base import *
                from pkg.base import BaseView as Aliased

                class View(BaseView):
                    async def run(self):
                        shared.get("u")
                        make_client().post("u")
            """,
        },
    )
    located = project.function("pkg.app.View.run")
    assert located is not None
    resolved = {site.text: project.resolve(site.func).path for site in located.function.calls}
    assert resolved["shared.get"] == "httpx.Client.get"
    assert resolved["make_client().post"] == "httpx.Client.post"
    assert project.mro("pkg.app.View") == ("pkg.app.View", "pkg.base.views.BaseView")


# -- apps, mounts, same-named handlers ------------------------------------------


TWO_APPS = {
    "shop/__init__.py": "",
    "shop/guards.py": """
        async def require_admin(): ...
        async def rate_limit(): ...
        async def sub_guard(): ...
    """,
    "shop/catalog.py": """
        from fastapi import APIRouter

        router = APIRouter(prefix="/catalog")

        @router.get("/items")
        async def list_items(): ...
    """,
    "shop/public.py": """
        from fastapi import Depends, FastAPI
        from shop import catalog, guards
        from shop.v1 import api as v1

        app = FastAPI(dependencies=[Depends(guards.rate_limit)])
        app.include_router(catalog.router, prefix="/api")
        app.mount("/v1", v1)

        @app.get("/health")
        async def health(): ...
    """,
    "shop/backoffice.py": """
        from fastapi import Depends, FastAPI
        from shop import catalog
        from shop.guards import require_admin

        app = FastAPI(dependencies=[Depends(require_admin)])
        app.include_router(catalog.router, prefix="/admin")

        @app.get("/orders")
        async def orders(): ...
    """,
    "shop/v1.py": """
        from fastapi import APIRouter, Depends, FastAPI
        from shop import guards

        api = FastAPI(dependencies=[Depends(guards.sub_guard)])
        users = APIRouter(prefix="/users")

        @users.get("/{user_id}")
        async def read_user(user_id: int): ...

        api.include_router(users, prefix="/people")
    """,
}


def mounts_of(model: FastAPIModel, handler: str) -> set[tuple[str, str | None, tuple[str, ...]]]:
    return {(m.prefix + route_of(model, handler).path, m.app, m.dependencies) for m in route_of(model, handler).mounts}


def test_each_app_dependencies_apply_to_its_own_routes(tmp_path: Path) -> None:
    model = build(tmp_path, TWO_APPS)
    assert model.dependents["shop.guards.require_admin"] == {"shop.backoffice.orders", "shop.catalog.list_items"}
    assert "shop.public.health" not in model.dependents["shop.guards.require_admin"]
    assert mounts_of(model, "shop.public.health") == {("/health", "shop.public.app", ("shop.guards.rate_limit",))}
    # A router included in two apps: one mount per app, each with that app's dependencies.
    assert mounts_of(model, "shop.catalog.list_items") == {
        ("/api/catalog/items", "shop.public.app", ("shop.guards.rate_limit",)),
        ("/admin/catalog/items", "shop.backoffice.app", ("shop.guards.require_admin",)),
    }


def test_a_mounted_app_joins_the_prefix_and_keeps_its_own_dependencies(tmp_path: Path) -> None:
    model = build(tmp_path, TWO_APPS)
    # ``mount`` joins the prefix; the parent app's dependencies do not run for a mounted app.
    assert mounts_of(model, "shop.v1.read_user") == {("/v1/people/users/{user_id}", "shop.public.app", ("shop.guards.sub_guard",))}
    assert "shop.v1.read_user" not in model.dependents["shop.guards.rate_limit"]


def test_routers_built_by_functions_and_apps_handed_to_functions(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/guards.py": """
                async def token(): ...
                async def admin(): ...
            """,
            "svc/agents.py": """
                from fastapi import APIRouter

                def setup_agents_router(server) -> APIRouter:
                    router = APIRouter(prefix="/agents")

                    @router.post("/{agent_id}/messages")
                    async def send_message(agent_id: str): ...

                    return router
            """,
            "svc/routes.py": """
                from fastapi import FastAPI
                from svc.agents import setup_agents_router

                def add_routes(app: FastAPI, server) -> None:
                    app.include_router(setup_agents_router(server), prefix="/api")
            """,
            "svc/main.py": """
                from fastapi import Depends, FastAPI
                from svc import guards
                from svc.routes import add_routes

                app = FastAPI(dependencies=[Depends(guards.token)])
                admin = FastAPI(dependencies=[Depends(guards.admin)])
                add_routes(app, server=None)
            """,
        },
    )
    handler = "svc.agents.setup_agents_router.send_message"
    assert mounts_of(model, handler) == {("/api/agents/{agent_id}/messages", "svc.main.app", ("svc.guards.token",))}
    assert handler not in model.dependents["svc.guards.admin"]


def test_an_unknown_mount_gets_every_app_dependencies(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "main.py": """
                from fastapi import APIRouter, Depends, FastAPI

                async def token(): ...

                orphan = APIRouter(prefix="/x")

                @orphan.get("/y")
                async def handler(): ...

                app = FastAPI(dependencies=[Depends(token)])
                for router in [orphan]:
                    app.include_router(router)
            """
        },
    )
    assert mounts_of(model, "main.handler") == {("/x/y", None, ("main.token",))}


def test_two_functions_with_one_name_are_two_routes(tmp_path: Path) -> None:
    model = build(
        tmp_path,
        {
            "main.py": """
                from fastapi import Depends, FastAPI

                app = FastAPI()

                async def first_guard(): ...
                async def second_guard(): ...

                @app.get("/a")
                async def get(user=Depends(first_guard)): ...

                @app.get("/b")
                async def get(user=Depends(second_guard)): ...
            """
        },
    )
    assert {route.handler.function.path: route.path for route in model.routes} == {"main.get@1": "/a", "main.get": "/b"}
    assert model.dependents["main.first_guard"] == {"main.get@1"}
    assert model.dependents["main.second_guard"] == {"main.get"}
