"""The flake8 plugin, through real flake8 processes (``python -m flake8``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("flake8")

ROUTE = """\
import time
from fastapi import FastAPI

app = FastAPI()


@app.get("/slow")
async def slow() -> dict:
    time.sleep(1)
    return {}
"""

CUSTOM = """\
import mylib
from fastapi import FastAPI

app = FastAPI()


@app.get("/data")
async def data() -> dict:
    return mylib.fetch()
"""

DEPS = """\
import time


def load_user() -> dict:
    time.sleep(1)
    return {}
"""

ITEMS = """\
from fastapi import APIRouter

from app.deps import load_user

router = APIRouter()


@router.get("/items")
async def read_items() -> dict:
    return load_user()
"""


def flake8(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAKE8")}
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "FAS", *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=120,
    )


def codes(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode in (0, 1), done.stderr
    return [line.split(": ", 1)[1].split()[0] for line in done.stdout.splitlines()]


def test_reports_on_a_file(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(ROUTE)
    done = flake8(tmp_path, "app.py")
    assert done.returncode == 1
    assert done.stdout.startswith("app.py:9:5: FAS101 `time.sleep` blocks the event loop")


def test_flake8_noqa_and_extend_ignore_apply(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(ROUTE.replace("time.sleep(1)", "time.sleep(1)  # noqa: FAS101"))
    assert codes(flake8(tmp_path, "app.py")) == []
    (tmp_path / "app.py").write_text(ROUTE)
    assert codes(flake8(tmp_path, "--extend-ignore", "FAS101", "app.py")) == []


def test_per_file_ignores_and_options_from_the_flake8_config(tmp_path: Path) -> None:
    (tmp_path / "legacy.py").write_text(ROUTE)
    (tmp_path / "custom.py").write_text(CUSTOM)
    (tmp_path / "setup.cfg").write_text(
        "[flake8]\nselect = FAS\nper-file-ignores = legacy.py:FAS101\n"
        "fastapi-lint-extend-blocking-calls = mylib.fetch, other.call\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAKE8")}
    done = subprocess.run([sys.executable, "-m", "flake8", "legacy.py", "custom.py"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["custom.py"]
    assert "FAS101 `mylib.fetch` blocks the event loop" in lines[0]


def test_option_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "custom.py").write_text(CUSTOM)
    assert codes(flake8(tmp_path, "custom.py")) == []
    done = flake8(tmp_path, "--fastapi-lint-extend-blocking-calls", "mylib.*", "custom.py")
    assert codes(done) == ["FAS101"]


def test_cross_module_rules_see_the_package(tmp_path: Path) -> None:
    package = tmp_path / "app"
    (package / "routers").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "routers" / "__init__.py").write_text("")
    (package / "deps.py").write_text(DEPS)
    (package / "routers" / "items.py").write_text(ITEMS)
    done = flake8(tmp_path, "app/routers/items.py")
    assert codes(done) == ["FAS102"]
    assert "read_items -> " in done.stdout and "time.sleep" in done.stdout
    # The whole package in one process: each file reports only its own findings.
    done = flake8(tmp_path, "-j", "1", "app")
    assert codes(done) == ["FAS102"]
    assert done.stdout.startswith("app/routers/items.py:10:")


def test_standard_input_is_checked_as_given(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAKE8")}
    done = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "FAS", "-"],
                          input=ROUTE, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert codes(done) == ["FAS101"]


def test_the_plugin_in_process_uses_the_project_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file in no package is linked with the configured project it is under, through the CLI's
    cache, which the plugin makes beside the pyproject.toml when the CLI has not; with no
    configured project and no cache, it is checked alone, and nothing is written."""
    from fastapi_lint import flake8_plugin

    (tmp_path / "deps.py").write_text(DEPS)
    (tmp_path / "main.py").write_text(ITEMS.replace("from app.deps", "from deps"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(flake8_plugin, "_PROJECTS", {})
    lines = (tmp_path / "main.py").read_text().splitlines(keepends=True)
    alone = flake8_plugin.Plugin(None, "main.py", lines).diagnostics()  # type: ignore[arg-type]
    assert alone == [], "no project, no cache: a file outside any package is checked alone"
    assert not (tmp_path / ".fastapi_lint_cache").exists()
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    monkeypatch.setattr(flake8_plugin, "_PROJECTS", {})
    linked = flake8_plugin.Plugin(None, "main.py", lines).diagnostics()  # type: ignore[arg-type]
    assert [d.code for d in linked] == ["FAS102"]
    assert (tmp_path / ".fastapi_lint_cache" / "CACHEDIR.TAG").is_file()


def test_a_long_lived_process_sees_an_edit_to_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor's flake8 keeps the plugin loaded: fixing the blocking helper in another file
    clears the route's FAS102 at the next check, and breaking it again brings it back."""
    from fastapi_lint import flake8_plugin

    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    (tmp_path / "deps.py").write_text(DEPS)
    (tmp_path / "main.py").write_text(ITEMS.replace("from app.deps", "from deps"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(flake8_plugin, "_PROJECTS", {})
    monkeypatch.setattr(flake8_plugin, "_RECHECK", 0.0)
    lines = (tmp_path / "main.py").read_text().splitlines(keepends=True)

    def codes() -> list[str]:
        return [d.code for d in flake8_plugin.Plugin(None, "main.py", lines).diagnostics()]  # type: ignore[arg-type]

    assert codes() == ["FAS102"]
    fixed = DEPS.replace("time.sleep(1)", "pass")
    assert fixed != DEPS
    (tmp_path / "deps.py").write_text(fixed)
    assert codes() == []
    (tmp_path / "deps.py").write_text(DEPS + "\n")
    assert codes() == ["FAS102"]


def test_the_bytes_on_disk_are_linted_when_flake8_read_the_same_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """flake8 hands lines of text: when they are the file on disk, the file's own bytes are linted
    (its coding cookie decides, columns count its characters); other lines (an unsaved buffer,
    standard input) are linted as UTF-8, whatever the cookie says."""
    from fastapi_lint import flake8_plugin

    source = "# -*- coding: latin-1 -*-\nimport time\n\n\nasync def f():\n    x = '\xe9'; time.sleep(1)\n"
    (tmp_path / "latin.py").write_bytes(source.encode("latin-1"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(flake8_plugin, "_PROJECTS", {})
    lines = source.splitlines(keepends=True)

    def columns(given: list[str]) -> list[int]:
        found = flake8_plugin.Plugin(None, "latin.py", given).diagnostics()  # type: ignore[arg-type]
        return [d.span.col for d in found if d.code == "FAS101"]

    assert columns(lines) == [lines[5].index("time.sleep")]
    assert columns([*lines, "\n"]) == [lines[5].index("time.sleep") + 1]  # 'é' read back as two latin-1 characters


def test_flake8s_selection_decides_what_the_plugin_does() -> None:
    """flake8's prefix `F` (of `select = E,F,W`) or its default asks for the default rules; a
    longer selector for the rules it names; no selector that can match a FAS code for nothing."""
    from fastapi_lint.flake8_plugin import fas_selection

    assert fas_selection(None, ()) == ("FAS",)
    assert fas_selection(("E", "F", "W"), ()) == ("FAS",)
    assert fas_selection(("E501",), ()) is None
    assert fas_selection(("F401",), ()) is None
    assert fas_selection(("E501",), ("FAS",)) == ("FAS",)
    assert fas_selection(("FAS108",), ()) == ("FAS108",)
    assert fas_selection(("E",), ("FAS1", "FAS901")) == ("FAS1", "FAS901")


def test_the_usual_flake8_selection_leaves_off_by_default_rules_off(tmp_path: Path) -> None:
    """With flake8's `select = E,F,W`, the plugin reports FAS101 but not FAS108 (off by default);
    `--select FAS108` turns it on; `--select E501` runs nothing of the plugin."""
    (tmp_path / "app.py").write_text(
        "import os\nimport time\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.get('/')\nasync def home() -> bool:\n    time.sleep(1)\n    return os.path.exists('x')\n"
    )

    def codes(*args: str) -> set[str]:
        done = subprocess.run([sys.executable, "-m", "flake8", *args, "app.py"], cwd=tmp_path,
                              capture_output=True, text=True, check=False)
        return {line.split(": ", 1)[1].split()[0] for line in done.stdout.splitlines() if ": " in line}

    assert codes("--select", "E,F,W") == {"FAS101"}
    assert codes("--select", "FAS108") == {"FAS108"}
    assert codes("--select", "E501") == set()
