"""The server's checks ask for the open files' findings alone (``Projects.open_in``): the rules
that find what they report file by file look nowhere else, and what the server shows of the open
files is a full run's; a hover, whose route map lists findings in files that are not open, asks
for every file's."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_lint.api import lint_paths
from fastapi_lint.config import Config
from fastapi_lint.server.hover import hover
from fastapi_lint.server.projects import Projects

MAIN = """from fastapi import Depends, FastAPI

from app.deps import get_thing

app = FastAPI()


@app.get("/items")
async def read_items(thing: dict = Depends(get_thing)):
    return thing
"""

DEPS = """from app.helpers import load


async def get_thing():
    return load()
"""

HELPERS = """import time


def load():
    time.sleep(1)
    return {}
"""


def test_the_open_files_findings_alone_are_asked_for_and_a_hover_sees_every_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = tmp_path / "app"
    app.mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    for name, text in {"__init__.py": "", "main.py": MAIN, "deps.py": DEPS, "helpers.py": HELPERS}.items():
        (app / name).write_text(text)
    full = lint_paths([tmp_path], Config(), cache_dir=None).diagnostics
    assert [(d.path, d.code) for d in full if d.code == "FAS102"] == [("app/deps.py", "FAS102")]
    projects = Projects(cache=False)
    main = app / "main.py"
    projects.set_text(main, MAIN)
    [shown] = projects.findings().values()
    assert list(shown.diagnostics) == [d for d in full if d.path == "app/main.py"]
    located = projects.of(main)
    assert located is not None
    project, _ = located
    checked = project.check(projects.open_in(project))
    assert "app/deps.py" not in checked.by_path  # its FAS102: not asked for, not looked for
    shown_on_hover = hover(projects, main, 8)  # the decorator's line
    assert shown_on_hover is not None and "FAS102" in shown_on_hover and "app/deps.py" in shown_on_hover
