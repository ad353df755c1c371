"""``fastapi-lint routes``: prefixes joined across modules, kinds, dependencies, worst routes first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fastapi_lint.api import lint_paths, route_rows
from fastapi_lint.config import Config

FILES = {
    "svc/__init__.py": "",
    "svc/deps.py": """
from sqlalchemy.orm import Session

def get_db():
    with Session() as session:
        yield session

async def get_user(token: str = ""):
    return {"token": token}
""",
    "svc/routers/__init__.py": "",
    "svc/routers/items.py": """
import time
from fastapi import APIRouter, Depends
from svc.deps import get_db, get_user

router = APIRouter(prefix="/items")

@router.get("/{item_id}")
async def read_item(item_id: int, user=Depends(get_user)):
    time.sleep(1)
    return {"id": item_id}

@router.get("/")
def list_items(db=Depends(get_db)):
    return []
""",
    "svc/main.py": """
from fastapi import FastAPI
from svc.routers import items

app = FastAPI()
app.include_router(items.router, prefix="/api/v1")

@app.get("/health")
async def health():
    return {"ok": True}
""",
}


def _project(root: Path) -> Path:
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip(), encoding="utf-8")
    return root / "svc"


def test_rows_join_prefixes_and_put_the_worst_first(tmp_path: Path) -> None:
    rows = route_rows(lint_paths([_project(tmp_path)], Config()))
    by_path = {row.path: row for row in rows}
    assert set(by_path) == {"/api/v1/items/{item_id}", "/api/v1/items/", "/health"}
    worst = rows[0]
    assert worst.path == "/api/v1/items/{item_id}"
    assert worst.findings == {"FAS101": 1} and worst.errors == 1
    assert worst.handler == "svc.routers.items:read_item" and worst.is_async
    assert [(d.name, d.is_async) for d in worst.dependencies] == [("svc.deps:get_user", True)]
    assert not worst.threadpool
    listing = by_path["/api/v1/items/"]
    assert not listing.is_async and listing.threadpool and listing.methods == ("GET",)
    assert [(d.name, d.is_async) for d in listing.dependencies] == [("svc.deps:get_db", False)]
    assert by_path["/health"].findings == {}


def test_routes_command_json(tmp_path: Path) -> None:
    project = _project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "routes", str(project), "--format", "json"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows[0]["path"] == "/api/v1/items/{item_id}"
    assert rows[0]["findings"] == {"FAS101": 1}


def test_routes_command_table(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "routes", str(_project(tmp_path))],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "/api/v1/items/{item_id}" in done.stdout and "svc.deps:get_db (sync)" in done.stdout
    assert "3 routes" in done.stderr


def test_routes_command_names_a_registration_of_an_unnamed_handler(tmp_path: Path) -> None:
    """A route registered with a handler the analysis cannot name is not on the map: the command
    says where it is, and why `check` then reports unreached async code as warnings."""
    project = _write(tmp_path, {"main.py": """
from fastapi import FastAPI

app = FastAPI()


def register(table: dict) -> None:
    for path, handler in table.items():
        app.add_api_route(path, handler)


@app.get("/health")
async def health() -> str:
    return "ok"
"""})
    done = subprocess.run([sys.executable, "-m", "fastapi_lint", "routes", str(project)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "main.py:8: a route is registered with a handler the analysis cannot name" in done.stderr
    named = subprocess.run([sys.executable, "-m", "fastapi_lint", "routes", str(_project(tmp_path / "named"))],
                           capture_output=True, text=True, check=False)
    assert "cannot name" not in named.stderr


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip(), encoding="utf-8")
    return root


TWO_APPS = {
    "shop/__init__.py": "",
    "shop/guards.py": """
from sqlalchemy.orm import Session

def require_admin():
    with Session() as session:
        session.execute("SELECT 1")
""",
    "shop/catalog.py": """
from fastapi import APIRouter

router = APIRouter(prefix="/catalog")

@router.get("/items")
async def list_items():
    return []
""",
    "shop/public.py": """
from fastapi import FastAPI
from shop import catalog
from shop.v1 import api

app = FastAPI()
app.include_router(catalog.router, prefix="/api")
app.mount("/v1", api)

@app.get("/health")
async def health():
    return {}
""",
    "shop/backoffice.py": """
from fastapi import Depends, FastAPI
from shop import catalog
from shop.guards import require_admin

app = FastAPI(dependencies=[Depends(require_admin)])
app.include_router(catalog.router, prefix="/admin")
""",
    "shop/v1.py": """
from fastapi import APIRouter, FastAPI

api = FastAPI()
nested = APIRouter(prefix="/users")
outer = APIRouter(prefix="/people")

@nested.get("/{user_id}")
async def read_user(user_id: int):
    return {}

outer.include_router(nested, prefix="/by-id")
api.include_router(outer)
""",
}


def test_rows_per_app_with_each_app_dependencies(tmp_path: Path) -> None:
    rows = route_rows(lint_paths([_write(tmp_path, TWO_APPS) / "shop"], Config(extend_select=("FAS106",))))
    by_path = {row.path: row for row in rows}
    assert set(by_path) == {"/api/catalog/items", "/admin/catalog/items", "/health", "/v1/people/by-id/users/{user_id}"}
    # The backoffice's admin check runs for its own mount of the shared router only.
    assert [d.name for d in by_path["/admin/catalog/items"].dependencies] == ["shop.guards:require_admin"]
    assert by_path["/admin/catalog/items"].findings == {"FAS106": 1}
    assert by_path["/api/catalog/items"].dependencies == () and by_path["/health"].dependencies == ()
    assert by_path["/api/catalog/items"].findings == {}  # FAS106 is about the admin check
    assert not by_path["/api/catalog/items"].threadpool


def test_same_named_handlers_are_two_rows_with_their_own_findings(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/main.py": """
import time
from fastapi import FastAPI

app = FastAPI()

@app.get("/slow")
async def get():
    time.sleep(1)

@app.get("/fast")
async def get():
    return {}
""",
    }
    rows = route_rows(lint_paths([_write(tmp_path, files) / "app"], Config()))
    by_path = {row.path: row for row in rows}
    assert by_path["/slow"].findings == {"FAS101": 1}
    assert by_path["/fast"].findings == {}
    assert by_path["/slow"].handler == by_path["/fast"].handler == "app.main:get"


def test_rows_carry_app_router_and_each_finding_with_its_chain(tmp_path: Path) -> None:
    """What the Mermaid chart and the HTML page draw comes with the rows, not from a second analysis."""
    rows = route_rows(lint_paths([_project(tmp_path)], Config()))
    by_path = {row.path: row for row in rows}
    worst = by_path["/api/v1/items/{item_id}"]
    assert (worst.app, worst.router) == ("svc.main:app", "svc.routers.items:router")
    assert (by_path["/health"].app, by_path["/health"].router) == ("svc.main:app", "svc.main:app")
    [finding] = worst.diagnostics
    assert (finding.code, finding.severity, finding.function) == ("FAS101", "error", "svc.routers.items:read_item")
    assert finding.path.endswith("items.py") and finding.line == 9 and finding.column == 5
    assert by_path["/health"].diagnostics == ()


def test_rows_carry_the_chain_of_a_finding_in_a_dependency(tmp_path: Path) -> None:
    rows = route_rows(lint_paths([_write(tmp_path, TWO_APPS) / "shop"], Config(extend_select=("FAS106",))))
    [finding] = {row.path: row for row in rows}["/admin/catalog/items"].diagnostics
    assert finding.code == "FAS106" and finding.chain
    assert finding.chain[-1].path.endswith("guards.py") and finding.chain[-1].text == "session.execute"
