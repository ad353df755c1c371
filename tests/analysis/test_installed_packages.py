"""Calls into the packages of the project's environment, followed to what they wait on
(analysis/installed.py, environment.py), in a real virtualenv made for the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import _plain_environment, invoke  # noqa: F401

_APP = """\
from fastapi import FastAPI
import fakesdk
from fakesdk import fetch_report, submit
from app.helpers import refresh

app = FastAPI()
client = fakesdk.Client("k")


@app.get("/scrape")
async def scrape(url: str):
    return client.scrape(url)


@app.get("/label")
async def label():
    return client.label()


@app.get("/async")
async def via_async(url: str):
    return await client.ascrape(url)


@app.get("/report")
async def report(name: str):
    return fetch_report(name)


@app.get("/later")
async def later(url: str):
    return submit(url)


@app.get("/refresh")
async def refreshed():
    return refresh()


@app.get("/mirror")
async def mirror(url: str):
    return fakesdk.mirror(url)


@app.get("/parse")
async def parse(html: str):
    return fakesdk.parse(html, "https://example.com")


@app.get("/parse-online")
async def parse_online(url: str):
    return fakesdk.parse(None, url, online=True)


@app.get("/vendor")
async def vendor():
    from nsvendor.client import Api
    return Api().fetch()


@app.get("/blob")
async def blob(name: str):
    from google.cloud import fakestore
    return fakestore.download(name)


@app.get("/split")
async def split(text: str):
    return fakesdk.SentenceSplitter().split(text)


@app.get("/split-remote")
async def split_remote(text: str):
    return fakesdk.RemoteSplitter().split(text)
"""

_HELPERS = """\
import fakesdk


def refresh():
    return fakesdk.Client("k").scrape("https://example.com")
"""

_SDK = {
    "__init__.py": "from .client import Client, fetch_report, submit, mirror, parse\n"
                   "from .splitters import SentenceSplitter, RemoteSplitter\n",
    # A base class's method runs the subclass's own override: another subclass's is not run.
    "splitters.py": """\
        import requests


        class Splitter:
            def split(self, text):
                return self._parse(text)

            def _parse(self, text):
                raise NotImplementedError


        class SentenceSplitter(Splitter):
            def _parse(self, text):
                return text.split(".")


        class RemoteSplitter(Splitter):
            def _parse(self, text):
                return requests.post("https://split.example.com", data=text, timeout=5).json()
        """,
    "client.py": """\
        from concurrent.futures import ThreadPoolExecutor

        import requests
        import otherpkg
        from ._http import send

        _pool = ThreadPoolExecutor()


        class Client:
            def __init__(self, key):
                self.key = key

            def scrape(self, url):
                return send("POST", url, self.key)

            async def ascrape(self, url):
                return None

            def label(self):
                return self.key.upper()


        def fetch_report(name):
            return requests.get("https://example.com/" + name, timeout=5)


        def submit(url):
            return _pool.submit(requests.get, url)


        def mirror(url):
            return otherpkg.copy(url)


        def parse(html, url, online=False):
            if online:
                html = requests.get(url).text
            return html.strip()
        """,
    "_http.py": """\
        import requests


        def send(method, url, key):
            return requests.request(method, url, headers={"k": key}, timeout=10)
        """,
}
_OTHER = """\
import subprocess


def copy(url):
    return subprocess.run(["curl", "-O", url], check=True)
"""


def _environment(where: Path) -> Path:
    """A virtualenv (no pip: nothing is installed but what the test writes) with ``fakesdk``,
    which calls ``requests`` through a module of its own, and ``otherpkg``, which runs a process."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    site = next(where.glob("lib/python3*/site-packages"), None) or where / "Lib" / "site-packages"
    (site / "fakesdk").mkdir()
    for name, text in _SDK.items():
        (site / "fakesdk" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    (site / "otherpkg.py").write_text(_OTHER, encoding="utf-8")
    # a package below ``google.cloud``, whose ``google`` the catalog has entries in (``google.oauth2``)
    (site / "google" / "cloud" / "fakestore").mkdir(parents=True)
    (site / "google" / "cloud" / "fakestore" / "__init__.py").write_text(
        "import requests\n\n\ndef download(name):\n    return requests.get(name, timeout=5).content\n", encoding="utf-8")
    # a namespace package (no ``nsvendor/__init__.py``), as ``google.cloud`` or ``pyln`` are
    (site / "nsvendor" / "client").mkdir(parents=True)
    (site / "nsvendor" / "client" / "__init__.py").write_text("from .api import Api\n", encoding="utf-8")
    (site / "nsvendor" / "client" / "api.py").write_text(
        "import socket\n\n\nclass Api:\n    def fetch(self):\n"
        "        return socket.create_connection((\"example.com\", 80))\n", encoding="utf-8")
    dist = site / "fakesdk-1.2.0.dist-info"
    dist.mkdir()
    (dist / "top_level.txt").write_text("fakesdk\n", encoding="utf-8")
    return site


def _project(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "main.py").write_text(_APP, encoding="utf-8")
    (root / "app" / "helpers.py").write_text(_HELPERS, encoding="utf-8")
    return root


def _findings(root: Path, *options: str) -> dict[tuple[str, int], str]:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = invoke("check", "app", "--no-cache", "--format", "json", "--exit-zero", *options)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return {(item["code"], item["line"]): item["message"] for item in json.loads(result.stdout)}


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _environment(tmp_path_factory.mktemp("env") / "env")


def test_a_call_into_an_installed_package_is_followed_to_the_wait_inside(tmp_path: Path, environment: Path) -> None:
    found = _findings(_project(tmp_path), "--python", str(environment.parent.parent.parent))
    # quiet: a method doing no I/O, the library's coroutine, a submit to its pool, and a
    # function whose request runs only for a flag the call leaves at its default
    assert set(found) == {("FAS101", 12), ("FAS101", 27), ("FAS102", 37), ("FAS101", 42), ("FAS101", 52), ("FAS101", 58),
                          ("FAS101", 64), ("FAS101", 74)}
    assert "fakesdk.splitters.Splitter.split -> fakesdk.splitters.RemoteSplitter._parse -> requests.post" in found[("FAS101", 74)]
    # a package below a namespace the catalog knows other packages of is followed all the same
    assert "inside `google` (google.cloud.fakestore.download -> requests.get)" in found[("FAS101", 64)]
    assert "inside `nsvendor` (nsvendor.client.api.Api.fetch -> socket.create_connection)" in found[("FAS101", 58)]
    assert "inside `fakesdk` (fakesdk.client.Client.scrape -> fakesdk._http.send -> requests.request)" in found[("FAS101", 12)]
    assert "fakesdk.client.fetch_report -> requests.get" in found[("FAS101", 27)]
    assert "refresh" in found[("FAS102", 37)] and "fakesdk.Client.scrape" in found[("FAS102", 37)]
    # through a second installed package: fakesdk's mirror runs otherpkg's subprocess
    assert found[("FAS101", 42)].endswith("inside `fakesdk` (fakesdk.client.mirror -> otherpkg.copy -> subprocess.run)")


def test_the_interpreter_path_names_the_environment_too(tmp_path: Path, environment: Path) -> None:
    interpreter = next(environment.parent.parent.parent.glob("bin/python*"), None)
    if interpreter is None:
        pytest.skip("no bin/python in this virtualenv layout")
    assert ("FAS101", 12) in _findings(_project(tmp_path), "--python", str(interpreter))


def test_without_an_environment_the_same_project_has_no_finding_and_no_error(tmp_path: Path) -> None:
    assert _findings(_project(tmp_path)) == {}
    assert _findings(_project(tmp_path / "off"), "--python", "none") == {}


def test_a_venv_beside_the_project_is_found_by_itself(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "pyproject.toml").write_text("[tool.fastapi-lint]\n", encoding="utf-8")
    _environment(root / ".venv")
    assert ("FAS101", 12) in _findings(root)
    assert _findings(root, "--python", "none") == {}


def test_the_configured_environment_is_read_relative_to_the_configuration(tmp_path: Path, environment: Path) -> None:
    root = _project(tmp_path / "project")
    relative = os.path.relpath(environment.parent.parent.parent, root)
    (root / "pyproject.toml").write_text(f'[tool.fastapi-lint]\npython = "{relative}"\n', encoding="utf-8")
    assert ("FAS101", 12) in _findings(root)


def test_an_environment_with_no_packages_is_a_clear_error(tmp_path: Path) -> None:
    result = invoke("check", str(_project(tmp_path)), "--python", str(tmp_path / "missing"))
    assert result.exit_code == 2
    assert "no site-packages folder found" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_projects_own_package_installed_in_its_environment_is_read_from_the_project(tmp_path: Path) -> None:
    root = _project(tmp_path)
    site = _environment(tmp_path / "env")
    # an installed copy of the project's own package, whose helper blocks: the project's does not
    (site / "app").mkdir()
    (site / "app" / "__init__.py").write_text("", encoding="utf-8")
    (site / "app" / "helpers.py").write_text("import time\n\n\ndef refresh():\n    time.sleep(5)\n", encoding="utf-8")
    (root / "app" / "helpers.py").write_text("def refresh():\n    return 1\n", encoding="utf-8")
    assert ("FAS102", 37) not in _findings(root, "--python", str(tmp_path / "env"))


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
def test_a_package_file_linked_from_outside_the_environment_is_not_read(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    site = _environment(tmp_path / "env")
    outside = tmp_path / "outside.py"
    outside.write_text("import requests\n\n\ndef send(method, url, key):\n    return requests.get(url)\n", encoding="utf-8")
    (site / "fakesdk" / "_http.py").unlink()
    (site / "fakesdk" / "_http.py").symlink_to(outside)
    found = _findings(root, "--python", str(tmp_path / "env"))
    assert ("FAS101", 12) not in found  # the chain went through the linked file
    assert ("FAS101", 27) in found


def test_summaries_are_kept_per_release_in_the_users_cache(tmp_path: Path, environment: Path) -> None:
    from fastapi_lint.run.environment import library_cache_folder

    kept = library_cache_folder()
    assert kept is not None

    def entries() -> set[str]:
        return {entry.name for entry in kept.iterdir() if entry.name.startswith("fakesdk-")}

    root = _project(tmp_path / "project")
    _findings(root, "--python", str(environment.parent.parent.parent))
    first = entries()
    _environment(tmp_path / "another")  # the same release in another environment: the same entry
    _findings(root, "--python", str(tmp_path / "another"))
    assert entries() == first
    # a copy whose files differ is another entry, never the release's
    other = _environment(tmp_path / "edited")
    (other / "fakesdk" / "_http.py").write_text("def send(method, url, key):\n    return None\n", encoding="utf-8")
    assert ("FAS101", 12) not in _findings(root, "--python", str(tmp_path / "edited"))
    assert len(entries() - first) == 1


def test_a_second_run_in_the_same_environment_reads_no_package_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fastapi_lint.analysis.installed as installed

    root = _project(tmp_path / "project")
    site = _environment(tmp_path / "env")
    first = _findings(root, "--python", str(tmp_path / "env"))

    def unread(*args: object) -> list[object]:
        raise AssertionError("a package was read again")

    monkeypatch.setattr(installed, "_package_summaries", unread)
    assert _findings(root, "--python", str(tmp_path / "env")) == first  # the last run's answers, arguments' too
    # a package changed since: its answers are found again, from its files as they are now
    monkeypatch.undo()
    (site / "fakesdk" / "_http.py").write_text("def send(method, url, key):\n    return None\n", encoding="utf-8")
    again = _findings(root, "--python", str(tmp_path / "env"))
    assert ("FAS101", 12) not in again and ("FAS101", 27) in again


def _files_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files of installed packages phase 1 reads from now on (by their path below
    site-packages), starting from nothing read: not what earlier tests read of the same release,
    in this process or in the user's cache."""
    import fastapi_lint.analysis.installed as installed

    read: list[str] = []
    summarize = installed._summarize

    def recorded(file: Path, site: Path) -> object:
        read.append(file.relative_to(site).as_posix())
        return summarize(file, site)

    monkeypatch.setattr(installed, "_summarize", recorded)
    monkeypatch.setattr(installed, "_IN_MEMORY", {})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    return read


def test_only_the_modules_a_call_reaches_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "project")
    site = _environment(tmp_path / "env")
    (site / "fakesdk" / "unrelated.py").write_text("import time\n\n\ndef wait():\n    time.sleep(1)\n", encoding="utf-8")
    read = _files_read(tmp_path, monkeypatch)
    assert ("FAS101", 12) in _findings(root, "--python", str(tmp_path / "env"))
    assert "fakesdk/_http.py" in read and "fakesdk/client.py" in read and "fakesdk/__init__.py" in read
    assert "fakesdk/unrelated.py" not in read


_REACH_APP = """\
from fastapi import FastAPI
import fakesdk
import otherpkg

app = FastAPI()


@app.get("/report")
async def report(name: str):
    return fakesdk.fetch_report(name)


def rebuild_mirror(url: str):
    # a maintenance command's: nothing the app runs calls it
    return otherpkg.copy(url)
"""


def test_a_package_is_read_only_as_far_as_a_call_on_the_loop_reaches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The modules of a package that the called function does not reach are not read, though the
    modules read import them; nor is a package only code that no question about waits reaches
    calls (a function nothing the app runs calls)."""
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "main.py").write_text(_REACH_APP, encoding="utf-8")
    _environment(tmp_path / "env")
    read = _files_read(tmp_path, monkeypatch)
    found = _findings(root, "--python", str(tmp_path / "env"))
    assert set(found) == {("FAS101", 10)}
    assert "fakesdk.client.fetch_report -> requests.get" in found[("FAS101", 10)]
    assert sorted(read) == ["fakesdk/__init__.py", "fakesdk/client.py"]


def test_a_package_whose_init_phase_1_cannot_read_is_followed_without_end(tmp_path: Path) -> None:
    """A module of the package names what its ``__init__`` defines, and that file is not Python
    phase 1 reads: the climb stops with what it has instead of asking for it again and again."""
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "main.py").write_text(textwrap.dedent("""\
        from fastapi import FastAPI
        from brokenpkg import api

        app = FastAPI()


        @app.get("/fetch")
        async def fetch(url: str):
            return api.get(url)
        """), encoding="utf-8")
    site = _environment(tmp_path / "env")
    (site / "brokenpkg").mkdir()
    (site / "brokenpkg" / "__init__.py").write_text("def broken(:\n", encoding="utf-8")
    (site / "brokenpkg" / "api.py").write_text(
        "import requests\nimport brokenpkg\n\n\ndef get(url):\n    brokenpkg.configure()\n"
        "    return requests.get(url, timeout=5)\n", encoding="utf-8")
    found = _findings(root, "--python", str(tmp_path / "env"))
    assert ("FAS101", 9) in found and "brokenpkg.api.get -> requests.get" in found[("FAS101", 9)]
