"""What the default rules leave alone because it is style, not a defect (issue 14, item 3)."""

from __future__ import annotations

from fastapi_lint.api import lint_source
from fastapi_lint.config import Config, selected_codes

GET_EVENT_LOOP = '''import asyncio

from fastapi import FastAPI

app = FastAPI()


@app.post("/refresh")
async def refresh() -> str:
    asyncio.get_event_loop().call_soon(print)
    return "ok"
'''

ENVIRONMENT = '''import os

from fastapi import FastAPI

app = FastAPI()


@app.get("/key-source")
async def key_source() -> str:
    return "env" if os.getenv("APP_KEY") else "database"
'''


def test_get_event_loop_in_a_coroutine_is_style_and_opt_in() -> None:
    assert not lint_source(GET_EVENT_LOOP, "app.py", Config())
    found = lint_source(GET_EVENT_LOOP, "app.py", Config(extend_select=("FAS109",)))
    assert [d.code for d in found] == ["FAS109"]
    assert found[0].fix is not None


def test_environment_reads_are_opt_in() -> None:
    assert "FAS303" not in selected_codes(Config())
    assert not lint_source(ENVIRONMENT, "app.py", Config())
    assert [d.code for d in lint_source(ENVIRONMENT, "app.py", Config(extend_select=("FAS303",)))] == ["FAS303"]


STARTUP_CLIENT = '''from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.http = httpx.AsyncClient()
    yield


app = FastAPI(lifespan=lifespan)
'''


def test_startup_resources_never_closed_are_a_shutdown_review() -> None:
    # built once, it costs nothing under load: readers judged every such finding of little value
    assert "FAS204" not in selected_codes(Config())
    assert not lint_source(STARTUP_CLIENT, "app.py", Config())
    assert [d.code for d in lint_source(STARTUP_CLIENT, "app.py", Config(extend_select=("FAS204",)))] == ["FAS204"]
