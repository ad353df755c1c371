"""Reading what a project's deployment files start (analysis/deployments.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from fastapi_lint.analysis import deployments
from fastapi_lint.analysis.deployments import MAX_FILES, Deployments, fingerprint


def _project(tmp_path: Path, files: dict[str, str]) -> Deployments:
    (tmp_path / ".git").mkdir()
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    modules = {name: tmp_path / name for name in files if name.endswith(".py")}
    return Deployments(modules)


def test_servers_targets_modules_and_scripts_are_read(tmp_path: Path) -> None:
    found = _project(tmp_path, {
        "svc/app/main.py": "",
        "svc/Dockerfile": 'FROM python:3.12\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n',
        "docker-compose.yml": "services:\n  api:\n    image: redis:7-alpine\n    command: >\n"
                              "      gunicorn -k uvicorn.workers.UvicornWorker 'svc.factory:create_app()'\n"
                              "  worker:\n    command: python -m svc.worker --queue default\n",
        "Procfile": "web: fastapi run svc/app/main.py --port $PORT\n",
        "deploy/k8s.yaml": "args: [hypercorn, api.asgi:application, --bind, localhost:8000]\n",
    })
    targets, modules, scripts = found.named()
    assert targets == {("svc.factory", "create_app"), ("api.asgi", "application")}
    assert modules == {"svc.worker"}
    assert scripts == {"svc/app/main.py"}
    # ``svc/Dockerfile``'s ``app.main`` is the file beside it, whatever the project names it
    assert found.beside() == {("svc/app/main.py", "app")}


def test_targets_name_the_file_beside_their_deployment_file(tmp_path: Path) -> None:
    """Two services side by side, each with an ``app`` package started by its own Dockerfile:
    each Dockerfile's ``app.main`` is its own service's module; ``-m`` too."""
    found = _project(tmp_path, {
        "admin/app/main.py": "", "admin/Dockerfile": 'CMD ["uvicorn", "app.main:app"]\n',
        "users/app/__init__.py": "", "users/app/main.py": "", "users/app/worker/__init__.py": "",
        "users/Dockerfile": "CMD uvicorn app.main:api\nRUN python -m app.worker\n",
    })
    assert found.named() == (frozenset(), frozenset(), frozenset())
    assert found.beside() == {("admin/app/main.py", "app"), ("users/app/main.py", "api"),
                              ("users/app/worker/__init__.py", None)}


def test_no_deployment_files_name_nothing(tmp_path: Path) -> None:
    found = _project(tmp_path, {"app/main.py": "", "docs/usage.md": "uvicorn app.main:app\n"})
    assert found.files() == [] and found.named() == (frozenset(), frozenset(), frozenset())


def test_the_repositorys_readme_names_servers_targets_only(tmp_path: Path) -> None:
    """A README says how to run the service (``uvicorn app.main:app``); the modules and files its
    prose names in passing (``python -m pytest``, ``edit app/config.py``) start nothing. Only the
    repository's own README is read, not a package's."""
    found = _project(tmp_path, {
        "app/main.py": "",
        "README.md": "## Run\n\n    uvicorn app.main:app --reload\n\nTests: `python -m pytest`; settings in app/config.py.\n",
        "app/README.md": "uvicorn app.other:app\n",
    })
    assert [path.name for path in found.files()] == ["README.md"]
    assert found.named() == (frozenset(), frozenset(), frozenset())
    assert found.beside() == {("app/main.py", "app")}


def test_an_app_the_readme_does_not_run_beside_the_one_it_does_is_not_served(tmp_path: Path) -> None:
    """A monolith's backup copy (``app/main_old.py``, its own app, nothing imports it) beside the
    app the README starts: its routes are out of the default scope, as an undeployed app's."""
    from fastapi_lint.api import lint_paths
    from fastapi_lint.config import Config

    route = "from fastapi import FastAPI\nimport requests\n\napp = FastAPI()\n\n\n@app.get('/x')\nasync def x():\n    return requests.get('https://example.com', timeout=5).text\n"
    _project(tmp_path, {"README.md": "Run it: `uvicorn app.main:app --port 8000`\n", "app/__init__.py": "",
                        "app/main.py": route, "app/main_old.py": route})
    shown = {Path(d.path).name for d in lint_paths([tmp_path], Config(), cache_dir=None).diagnostics}
    assert shown == {"main.py"}
    everything = {Path(d.path).name for d in lint_paths([tmp_path], Config(scope="all"), cache_dir=None).diagnostics}
    assert everything == {"main.py", "main_old.py"}


def test_files_above_the_repository_and_links_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "Dockerfile"
    outside.write_text('CMD ["uvicorn", "outside:app"]\n')
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "deploy").mkdir()
    secret = tmp_path / "secret.yaml"
    secret.write_text("uvicorn leaked:app\n")
    os.symlink(secret, repo / "deploy" / "link.yaml")
    os.symlink(outside, repo / "Dockerfile")
    found = _project(repo, {"app/main.py": ""})
    assert found.files() == [] and found.named()[0] == frozenset()


def test_the_files_read_are_bounded_and_fingerprinted(tmp_path: Path) -> None:
    files = {f"s{n}.sh": f"uvicorn m{n}:app\n" for n in range(MAX_FILES + 20)}
    found = _project(tmp_path, {"main.py": "", **files})
    assert len(found.files()) == MAX_FILES
    before = fingerprint(Deployments({"main.py": tmp_path / "main.py"}))
    (tmp_path / "s0.sh").write_text("uvicorn other:app\n")
    assert fingerprint(Deployments({"main.py": tmp_path / "main.py"})) != before


def test_an_undeployed_apps_routes_and_startup_handlers_are_out_of_the_default_scope() -> None:
    from fastapi_lint.api import lint_paths
    from fastapi_lint.config import Config

    project = Path(__file__).resolve().parents[2] / "fixtures" / "FAS101" / "undeployed_apps"
    shown = {(d.code, Path(d.path).name) for d in lint_paths([project], Config(), cache_dir=None).diagnostics}
    assert shown == {("FAS101", "items.py"), ("FAS101", "admin_server.py")}
    everything = {(d.code, Path(d.path).name) for d in lint_paths([project], Config(scope="all"), cache_dir=None).diagnostics}
    assert {("FAS101", "routes.py"), ("FAS101", "main.py"), ("FAS203", "main.py"), ("FAS101", "server.py")} <= everything


def _moved(path: Path, seconds: int) -> None:
    """``path``'s stamp moved (back: a stamp from the future is never old enough to keep a search by)."""
    earlier = os.stat(path).st_mtime_ns - seconds * 1_000_000_000
    os.utime(path, ns=(earlier, earlier))


def test_a_search_is_taken_again_until_what_it_looked_at_moves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long-lived process links the project after every edit: the deployment files are looked
    for, and read, again only when a folder looked in or a file read changed."""
    monkeypatch.setattr(deployments, "_SETTLED", 0)  # every stamp old enough: the test moves them itself
    modules = {"svc/app/main.py": tmp_path / "svc/app/main.py"}
    first = _project(tmp_path, {"svc/app/main.py": "", "Procfile": "web: uvicorn gateway.main:app\n"})
    assert first.named()[0] == {("gateway.main", "app")}
    searches: list[int] = []
    search = deployments._find
    monkeypatch.setattr(deployments, "_find", lambda paths, looked: searches.append(1) or search(paths, looked))
    again = Deployments(dict(modules))
    assert (again.files(), again.named(), searches) == (first.files(), first.named(), [])
    (tmp_path / "deploy").mkdir()  # a folder of deployment files comes: the root's stamp moves
    (tmp_path / "deploy" / "run.sh").write_text("exec python -m svc.worker\n")
    _moved(tmp_path, 10)
    grown = Deployments(dict(modules))
    assert grown.named()[1] == {"svc.worker"} and searches == [1]
    (tmp_path / "Procfile").write_text("web: uvicorn gateway.api:app\n")  # a file read changes
    _moved(tmp_path / "Procfile", 10)
    assert Deployments(dict(modules)).named()[0] == {("gateway.api", "app")} and searches == [1]
    (tmp_path / "deploy" / "run.sh").unlink()
    _moved(tmp_path / "deploy", 10)
    assert Deployments(dict(modules)).named()[1] == frozenset() and searches == [1, 1]


def test_a_search_of_stamps_too_recent_to_tell_a_change_by_is_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file written within the clock's tick after a search leaves its folder's stamp as it was:
    a search that looked at so recent a stamp is made again."""
    now = time.time_ns()
    monkeypatch.setattr(deployments, "_stamp", lambda path: (now, 0, 0))  # a clock that did not move since
    modules = {"app.py": tmp_path / "app.py"}
    first = _project(tmp_path, {"app.py": ""})
    assert first.named() == (frozenset(), frozenset(), frozenset())
    (tmp_path / "Procfile").write_text("web: uvicorn gateway:app\n")
    assert Deployments(dict(modules)).named()[0] == {("gateway", "app")}
