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
