"""A run and its reports survive what a repository or a user can throw at them (issue 13).

Each test builds a hostile tree in ``tmp_path`` and runs the real command line, as a user
or a CI job would.
"""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Generous: each case takes well under a second; before the fixes they took minutes.
TIMEOUT = 30


def run(*args: str, cwd: Path, timeout: float = TIMEOUT, **env: str) -> subprocess.CompletedProcess[bytes]:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PYTHONIOENCODING")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "fastapi_lint", *args],
        cwd=cwd, capture_output=True, env=environment, timeout=timeout,
    )


# -- 15: shared dependencies and star imports are visited once ---------------------------------


def _diamond(depth: int, declared: str) -> str:
    """A route over ``depth`` levels of two dependencies, each depending on both of the next level's."""
    lines = ["from typing import Annotated", "from fastapi import Depends, FastAPI", "app = FastAPI()"]
    lines += [f"def a{depth}(): return 1", f"def b{depth}(): return 1"]
    for level in range(depth, 0, -1):
        if declared == "annotated":
            lines += [f"A{level} = Annotated[int, Depends(a{level})]", f"B{level} = Annotated[int, Depends(b{level})]"]
            parameters = f"x: A{level}, y: B{level}"
        else:
            parameters = f"x=Depends(a{level}), y=Depends(b{level})"
        lines += [f"def a{level - 1}({parameters}): return 1", f"def b{level - 1}({parameters}): return 1"]
    if declared == "decorator":
        lines += ["@app.get('/', dependencies=[Depends(a0), Depends(b0)])", "async def route(): return 1"]
    else:
        lines += ["@app.get('/')", "async def route(x=Depends(a0), y=Depends(b0)): return 1"]
    return "\n".join(lines) + "\n"


def _names(nodes: list[dict[str, object]]) -> list[tuple[str, bool]]:
    found: list[tuple[str, bool]] = []
    for node in nodes:
        found.append((str(node["name"]), bool(node["listed_above"])))
        found.extend(_names(node["children"]))  # type: ignore[arg-type]
    return found


@pytest.mark.parametrize("declared", ["default", "annotated", "decorator"])
def test_a_diamond_of_dependencies_is_mapped_once_per_dependency(tmp_path: Path, declared: str) -> None:
    depth = 20  # listed path by path, 2**21 rows: hours
    (tmp_path / "app.py").write_text(_diamond(depth, declared), encoding="utf-8")
    done = run("routes", "--format", "json", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    names = _names(row["dependencies"])
    full = [name for name, above in names if not above]
    assert sorted(full) == sorted(f"app:{n}{level}" for n in "ab" for level in range(depth + 1))
    assert len(names) <= 2 * len(full) + 2  # each listed in full once, then referred to
    table = run("routes", ".", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.decode().splitlines()
    assert sum(1 for line in lines if "app:a7 (sync)" in line) == 1
    assert sum(1 for line in lines if "app:a7 (sync, listed above)" in line) == 1
    assert len(lines) < 4 * (depth + 2) * 2


def _star_lattice(root: Path, levels: int = 8, width: int = 8) -> None:
    """``levels`` layers of ``width`` modules, each star-importing every module of the next layer;
    a route at the top calls names none of them defines (each looked for through all of them)."""
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for level in range(levels + 1):
        for number in range(width):
            imports = [f"from pkg.l{level + 1}_{other} import *" for other in range(width)] if level < levels else []
            (package / f"l{level}_{number}.py").write_text("\n".join([*imports, f"X{number} = 1"]) + "\n", encoding="utf-8")
    calls = [f"    missing{number}()" for number in range(5)]
    main = ["import time", "from fastapi import FastAPI", "from pkg.l0_0 import *", "app = FastAPI()",
            "@app.get('/')", "async def route():", "    time.sleep(1)", *calls]
    (package / "main.py").write_text("\n".join(main) + "\n", encoding="utf-8")


@pytest.mark.parametrize("command", [("check", "--no-cache"), ("routes",)])
def test_star_imports_through_shared_modules_are_followed_once(tmp_path: Path, command: tuple[str, ...]) -> None:
    _star_lattice(tmp_path)  # every path through the layers: 8**8 per name, minutes
    done = run(*command, ".", cwd=tmp_path)
    assert done.returncode == (1 if command[0] == "check" else 0), done.stderr
    assert b"FAS101" in done.stdout


# -- 14: the route map cannot drive the terminal of whoever draws it ---------------------------

# What a repository can put in a string: CSI and OSC sequences, a bell, a carriage return, a
# C1 control (a CSI of its own), a bidi override, rich markup (a hyperlink, a stray closing tag).
HOSTILE = "\x1b[2J\x1b]8;;https://evil.example\x07\r\x9b31m\u202e[link=https://evil.example]x[/link][/bold]"
ROUTES = f"""
from fastapi import APIRouter, Depends, FastAPI

app = FastAPI()
router = APIRouter(prefix={"/router" + HOSTILE!r})


def dep() -> int:
    return 1


@app.get({"/path" + HOSTILE!r})
async def plain(value: int = Depends(dep)) -> int:
    return value


@app.api_route("/methods", methods=[{"GET" + HOSTILE!r}])
async def methods() -> int:
    return 1


@router.get("/")
async def routed() -> int:
    return 1


app.include_router(router, prefix={"/included" + HOSTILE!r})
"""
_SGR = re.compile(r"\x1b\[[0-9;]*m")  # rich's own colours, with FORCE_COLOR
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}


def _controls(data: bytes, colour: bool = False) -> list[str]:
    """The characters in ``data`` a terminal would obey rather than show."""
    text = data.decode("utf-8")
    if colour:
        text = _SGR.sub("", text)
    return [
        char for char in text
        if (ord(char) < 0x20 and char != "\n") or 0x7F <= ord(char) < 0xA0 or char in _BIDI or 0xD800 <= ord(char) < 0xE000
    ]


def _hostile_project(root: Path) -> None:
    (root / "app.py").write_text(ROUTES, encoding="utf-8")
    # A module name is the file's name: it names the handler and its dependencies.
    (root / "m\x1b[2J\x07.py").write_text(
        "from fastapi import Depends, FastAPI\napp = FastAPI()\n\ndef own() -> int:\n    return 1\n\n"
        "@app.get('/m')\nasync def handler(value: int = Depends(own)) -> int:\n    return value\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "FORCE_COLOR"])
def test_the_route_map_shows_control_characters_and_markup_as_text(tmp_path: Path, colour: bool) -> None:
    _hostile_project(tmp_path)
    wide = {"COLUMNS": "1000"}  # no cell folded over lines
    done = run("routes", ".", cwd=tmp_path, **wide, **({"FORCE_COLOR": "1"} if colour else {}))
    assert done.returncode == 0, done.stderr
    assert not _controls(done.stdout, colour), done.stdout
    shown = done.stdout.decode("utf-8")
    for field in ("/path\u241b[2J", "/included\u241b[2J", "/router\u241b[2J", "GET\u241b[2J", "m\u241b[2J\u2407:handler",
                  "m\u241b[2J\u2407:own (sync)", "[link=https://evil.example]x[/link][/bold]"):
        assert field in shown, field
    assert b"\x1b]" not in done.stdout  # no OSC: no hyperlink, no window title
    # JSON escapes them itself, and keeps them for a program to read.
    done = run("routes", "--format", "json", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not _controls(done.stdout), done.stdout
    paths = {row["path"] for row in json.loads(done.stdout)}
    assert f"/path{HOSTILE}" in paths and f"/included{HOSTILE}/router{HOSTILE}/" in paths


FIXABLE = "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/')\nasync def slow() -> None:\n    time.sleep(1)\n"


@pytest.mark.parametrize("command", [("routes", "link.py"), ("check", "link.py"), ("check", "--fix", "--show-fixes", ".")])
def test_messages_about_the_project_show_control_characters(tmp_path: Path, command: tuple[str, ...]) -> None:
    """A symbolic link's target and a file's name are the repository's to choose, and messages name them."""
    (tmp_path / "link.py").symlink_to(f"gone{HOSTILE}")
    if "--fix" in command:
        (tmp_path / "link.py").unlink()
        (tmp_path / f"fixed{HOSTILE.replace('/', '')}.py").write_text(FIXABLE, encoding="utf-8")
    done = run(*command, cwd=tmp_path)
    assert done.returncode == (0 if "--fix" in command else 2), done.stderr
    assert not _controls(done.stderr), done.stderr
    message = done.stderr.decode("utf-8")
    assert ("Fixed fixed\u241b[2J" if "--fix" in command else "broken symbolic link") in message
    assert "\u241b[2J\u241b]8;;" in message and "evil.example\u2407\u240d" in message
