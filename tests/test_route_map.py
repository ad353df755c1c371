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
