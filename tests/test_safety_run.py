"""A run and its reports survive what a repository or a user can throw at them (issue 13).

Each test builds a hostile tree in ``tmp_path`` and runs the real command line, as a user
or a CI job would.
"""

from __future__ import annotations

import json
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
