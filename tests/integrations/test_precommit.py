"""pre-commit: the hook definitions, and linting the changed files within their project.

pre-commit passes only the changed files; the CLI then analyses the project they belong
to (so cross-module rules still work) and reports on those files alone. The real
``pre-commit try-repo`` run installs the package into a fresh virtualenv (~15 s): slow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_lint import cli
from tests.helpers import DEPS, ITEMS
from tests.helpers import cli_runner as _runner

REPO = Path(__file__).resolve().parents[2]
HOOKS = REPO / ".pre-commit-hooks.yaml"

SLOW = """\
import time
from fastapi import APIRouter

router = APIRouter()


@router.get("/slow")
async def slow():
    time.sleep(1)
    return {}
"""


def test_hook_definitions() -> None:
    yaml = pytest.importorskip("yaml")
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text())}
    assert set(hooks) == {"fastapi-lint", "fastapi-lint-fix", "fastapi-lint-daemon"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types"] == ["python"]
        assert hook["entry"].split()[0] == "fastapi-lint"
        assert hook["require_serial"] is True  # one process sees the whole project
    assert "--fix" in hooks["fastapi-lint-fix"]["entry"].split()
    assert "--fix" not in hooks["fastapi-lint"]["entry"].split()
    assert hooks["fastapi-lint-daemon"]["entry"].split() == [*hooks["fastapi-lint"]["entry"].split(), "--daemon"]
    for hook in hooks.values():  # in the entry, so that a user's own args keep it
        assert "--force-exclude" in hook["entry"].split()


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _write_package(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write_package(root: Path) -> None:
    """``app/`` with a helper module and two routers: one reaches the helper, one blocks."""
    app = root / "app"
    (app / "routers").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "routers" / "__init__.py").write_text("")
    (app / "deps.py").write_text(DEPS)
    (app / "routers" / "items.py").write_text(ITEMS)
    (app / "routers" / "slow.py").write_text(SLOW)


def lint_json(*args: str) -> tuple[int, list[dict[str, object]], str]:
    result = _runner().invoke(cli.main, [*args, "--format", "json"], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_a_changed_file_is_linted_with_its_package(package: Path) -> None:
    code, found, stderr = lint_json("app/routers/items.py")
    assert code == 1
    assert [(f["code"], f["path"]) for f in found] == [("FAS102", "app/routers/items.py")]
    assert "Checked 1 file:" in stderr
    assert (package / ".fastapi_lint_cache").is_dir(), "the project's summaries are cached for the next commit"


def test_only_the_given_files_are_reported(package: Path) -> None:
    code, found, _ = lint_json("app/deps.py")
    assert (code, found) == (0, [])  # the blocking helper is reported where it is called
    code, found, _ = lint_json("app/routers/slow.py", "app/deps.py")
    assert {f["path"] for f in found} == {"app/routers/slow.py"}


def test_the_configured_project_is_the_scope(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    (tmp_path / "deps.py").write_text(DEPS)
    (tmp_path / "main.py").write_text(ITEMS.replace("from app.deps", "from deps"))
    monkeypatch.chdir(tmp_path)
    _, found, _ = lint_json("main.py")
    assert [f["code"] for f in found] == ["FAS102"]


@pytest.mark.parametrize("marker", ["pyproject.toml", "setup.cfg", ".git"])
def test_a_namespace_package_file_is_linted_with_its_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, marker: str
) -> None:
    """No ``__init__.py``, no ``[tool.fastapi-lint]``: the project is the nearest folder with a
    ``pyproject.toml``, ``setup.cfg`` or ``.git``, and the FAS102 through the other module is found."""
    if marker == ".git":
        (tmp_path / ".git").mkdir()
    else:
        (tmp_path / marker).write_text("[project]\nname = 'service'\n" if marker == "pyproject.toml" else "[metadata]\n")
    (tmp_path / "app" / "routers").mkdir(parents=True)
    (tmp_path / "app" / "deps.py").write_text(DEPS)
    (tmp_path / "app" / "routers" / "items.py").write_text(ITEMS)
    monkeypatch.chdir(tmp_path)
    code, found, stderr = lint_json("app/routers/items.py")
    assert [(f["code"], f["path"]) for f in found] == [("FAS102", "app/routers/items.py")], stderr
    assert "no project" not in stderr


def test_a_src_layout_file_is_linted_with_its_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'service'\n")
    (tmp_path / "src" / "app" / "routers").mkdir(parents=True)
    (tmp_path / "src" / "app" / "deps.py").write_text(DEPS)
    (tmp_path / "src" / "app" / "routers" / "items.py").write_text(ITEMS)
    monkeypatch.chdir(tmp_path)
    _, found, _ = lint_json("src/app/routers/items.py")
    assert [(f["code"], f["path"]) for f in found] == [("FAS102", "src/app/routers/items.py")]


def test_a_file_in_no_project_is_linted_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "deps.py").write_text(DEPS)
    (tmp_path / "main.py").write_text(ITEMS.replace("from app.deps", "from deps"))
    monkeypatch.chdir(tmp_path)
    _, found, stderr = lint_json("main.py")
    assert found == []
    assert "main.py: no project found" in stderr and "add an empty [tool.fastapi-lint] table" in stderr, stderr
    _, _, stderr = lint_json("main.py", "deps.py")
    assert stderr.count("no project found") == 1 and "main.py (and 1 more): no project" in stderr  # said once
    _, found, stderr = lint_json("main.py", "-q")
    assert stderr == ""
    _, found, _ = lint_json(".")  # a folder is a project of its own
    assert [f["code"] for f in found] == ["FAS102"]


def test_fix_touches_only_the_given_files(package: Path) -> None:
    (package / "app" / "other.py").write_text(SLOW)
    result = _runner().invoke(cli.main, ["app/routers/slow.py", "--fix", "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "await asyncio.sleep(1)" in (package / "app" / "routers" / "slow.py").read_text()
    assert (package / "app" / "other.py").read_text() == SLOW


# -- force-exclude: a changed file that the project excludes is not linted --------------------

LEGACY = SLOW.replace("/slow", "/legacy")


def _with_legacy(root: Path, table: str = 'extend-exclude = ["app/legacy/"]') -> None:
    _write_package(root)
    (root / "pyproject.toml").write_text(f"[tool.fastapi-lint]\n{table}\n")
    (root / "app" / "legacy").mkdir()
    (root / "app" / "legacy" / "old.py").write_text(LEGACY)


def test_force_exclude_applies_exclude_to_the_files_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _with_legacy(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, found, _ = lint_json("app/legacy/old.py")  # named explicitly: linted, as before
    assert (code, [f["path"] for f in found]) == (1, ["app/legacy/old.py"])
    code, found, stderr = lint_json("app/legacy/old.py", "app/routers/items.py", "--force-exclude")
    assert (code, [(f["code"], f["path"]) for f in found]) == (1, [("FAS102", "app/routers/items.py")])
    assert "Checked 1 file:" in stderr
    code, found, _ = lint_json("app/legacy/old.py", "--force-exclude")
    assert (code, found) == (0, [])
    code, found, _ = lint_json("app/legacy", "--force-exclude")  # a folder named explicitly too
    assert (code, found) == (0, [])


def test_force_exclude_in_the_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _with_legacy(tmp_path, 'extend-exclude = ["app/legacy/"]\nforce-exclude = true')
    monkeypatch.chdir(tmp_path)
    assert lint_json("app/legacy/old.py")[:2] == (0, [])
    assert lint_json("app/legacy/old.py", "--no-force-exclude")[0] == 1


def test_force_exclude_applies_the_default_skips_and_gitignore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_package(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("scratch/\n")
    for folder in (".venv/lib", "scratch"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "x.py").write_text(SLOW)
    monkeypatch.chdir(tmp_path)
    assert lint_json(".venv/lib/x.py", "scratch/x.py")[0] == 1
    assert lint_json(".venv/lib/x.py", "scratch/x.py", "--force-exclude")[:2] == (0, [])
    assert lint_json("scratch/x.py", "--force-exclude", "--no-respect-gitignore")[0] == 1


# -- the real thing ------------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _pre_commit() -> list[str] | None:
    if shutil.which("git") is None:
        return None
    import importlib.util

    if importlib.util.find_spec("pre_commit") is None:
        return None
    return [sys.executable, "-m", "pre_commit"]


@pytest.mark.slow
def test_real_pre_commit_try_repo(tmp_path: Path) -> None:
    command = _pre_commit()
    if command is None:
        pytest.skip("needs git and pre-commit")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "home"), "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("NO_COLOR", None)
    # try-repo only sees committed and tracked files: commit a copy of the working tree.
    user = ["-c", "user.email=test@example.com", "-c", "user.name=test"]
    hook_repo = _hook_repo(tmp_path / "hook-repo", user)
    project = tmp_path / "project"
    _write_package(project)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, *user, "commit", "-q", "-m", "app")

    done = subprocess.run([*command, "try-repo", str(hook_repo), "fastapi-lint", "--files", "app/routers/items.py"],
                          cwd=project, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAS102" in done.stdout and "app/routers/items.py:10:" in done.stdout
    assert "slow.py" not in done.stdout.split("Failed", 1)[1]

    done = subprocess.run([*command, "try-repo", str(hook_repo), "fastapi-lint-fix", "--files",
                           "app/routers/slow.py"], cwd=project, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr  # pre-commit fails a hook that changed files
    assert "await asyncio.sleep(1)" in (project / "app" / "routers" / "slow.py").read_text()
    assert (project / "app" / "routers" / "items.py").read_text() == ITEMS


@pytest.mark.slow
def test_real_pre_commit_skips_what_the_project_excludes(tmp_path: Path) -> None:
    """The repository's hook, from a ``.pre-commit-config.yaml``, on every file of a project whose
    configuration excludes ``app/legacy/``: the excluded file (pre-commit passes it) is not
    linted, the others are, with their project."""
    command = _pre_commit()
    if command is None:
        pytest.skip("needs git and pre-commit")
    (tmp_path / "gitconfig").write_text("")  # not os.devnull: a run as root may have made it a file
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "home"), "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
           "GIT_CONFIG_NOSYSTEM": "1"}
    user = ["-c", "user.email=test@example.com", "-c", "user.name=test"]
    hook_repo = _hook_repo(tmp_path / "hook-repo", user)
    revision = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, check=True, capture_output=True,
                              text=True, timeout=60).stdout.strip()
    project = tmp_path / "project"
    _with_legacy(project)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo.as_posix()}\n    rev: {revision}\n    hooks:\n      - id: fastapi-lint\n")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, *user, "commit", "-q", "-m", "app")

    done = subprocess.run([*command, "run", "--all-files", "--verbose"], cwd=project, capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "app/routers/items.py:10:" in done.stdout and "app/routers/slow.py:" in done.stdout
    assert "legacy" not in done.stdout, done.stdout

    (project / "pyproject.toml").write_text("[tool.fastapi-lint]\n")  # no longer excluded: reported
    done = subprocess.run([*command, "run", "--all-files"], cwd=project, capture_output=True, text=True,
                          env=env, timeout=600)
    assert "app/legacy/old.py:" in done.stdout, done.stdout + done.stderr


def _hook_repo(hook_repo: Path, user: list[str]) -> Path:
    """A commit of this working tree (pre-commit clones a repository at a revision)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, check=True, capture_output=True, timeout=60).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (hook_repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, hook_repo / name)
    _git(hook_repo, "init", "-q")
    _git(hook_repo, "add", "-A")
    _git(hook_repo, *user, "commit", "-q", "-m", "hooks")
    return hook_repo
