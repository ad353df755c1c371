"""``--fix`` and ``--add-noqa`` never lose a file: what a write keeps, what it refuses, what it checks first.

Each test works as a user would: a temporary tree, the real command line in a subprocess.
"""

from __future__ import annotations

import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import run

ROUTE = '''import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def index():
    time.sleep(1)
    return {}
'''
FIXED_LINE = "    await asyncio.sleep(1)\n"
NOQA_LINE = "    time.sleep(1)  # noqa: FAS101\n"

# The two ways the command line writes a user's file, and the line each one writes.
WRITERS = {"fix": (("--fix",), FIXED_LINE), "add-noqa": (("--add-noqa",), NOQA_LINE)}
NOBODY = 65534
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "app.py").write_text(ROUTE)
    return folder


def write(project: Path, writer: str, *user: int) -> subprocess.CompletedProcess[str]:
    args, _ = WRITERS[writer]
    if not user:
        return run("app.py", "--no-cache", "--select", "FAS101", *args, cwd=project)
    return subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "app.py", "--no-cache", "--select", "FAS101", *args],
        cwd=project, capture_output=True, text=True, timeout=60, user=user[0], group=user[0], extra_groups=[],
    )


def leftovers(folder: Path) -> list[str]:
    """Temporary or backup files a write left in the folder."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _posix_acl(entries: list[tuple[int, int, int]]) -> bytes:
    """``system.posix_acl_access`` as Linux stores it: version 2, then (tag, permissions, id) entries."""
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, perms, ident) for tag, perms, ident in entries)


# user::rw-, user:nobody:rw-, group::r--, mask::rw-, other::r--
ACL = _posix_acl([(0x01, 6, 0xFFFFFFFF), (0x02, 6, NOBODY), (0x04, 4, 0xFFFFFFFF), (0x10, 6, 0xFFFFFFFF),
                  (0x20, 4, 0xFFFFFFFF)])


def _set_attributes(path: Path) -> dict[str, bytes]:
    wanted = {"user.origin": b"checkout", "system.posix_acl_access": ACL}
    for name, value in wanted.items():
        try:
            os.setxattr(path, name, value)
        except (OSError, AttributeError) as error:
            pytest.skip(f"the file system takes no `{name}` here ({error})")
    return {name: os.getxattr(path, name) for name in wanted}


# -- problem 4: a write keeps what the file is -------------------------------------------------


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("kind", ["hard link", "owner, group and set-group-ID", "ACL and attributes"])
def test_a_written_file_keeps_links_owner_mode_and_attributes(project: Path, writer: str, kind: str) -> None:
    app = project / "app.py"
    elsewhere = project.parent / "elsewhere.py"
    if kind == "hard link":
        os.link(app, elsewhere)
    elif kind == "ACL and attributes":
        attributes = _set_attributes(app)
    else:
        if not IS_ROOT:
            pytest.skip("giving a file to another user takes root")
        os.chown(app, NOBODY, NOBODY)
        os.chmod(app, 0o2750)  # a chown of the replacement after its chmod would clear set-group-ID
    before = os.stat(app)
    done = write(project, writer)
    assert done.returncode == 0, done.stderr
    _, line = WRITERS[writer]
    assert line in app.read_text()
    after = os.stat(app)
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (
        before.st_uid, before.st_gid, stat.S_IMODE(before.st_mode))
    if kind == "hard link":
        assert after.st_ino == before.st_ino and after.st_nlink == 2
        assert elsewhere.read_text() == app.read_text(), "the other link must see the fix too"
    if kind == "ACL and attributes":
        assert {name: os.getxattr(app, name) for name in attributes} == attributes
    assert leftovers(project) == []


@pytest.mark.parametrize("writer", WRITERS)
def test_a_read_only_file_is_refused(project: Path, writer: str) -> None:
    app = project / "app.py"
    os.chmod(app, 0o444)
    before = os.stat(app)
    done = write(project, writer)
    assert app.read_text() == ROUTE and os.stat(app).st_ino == before.st_ino
    assert "the file is read-only" in done.stderr, done.stderr
    assert "app.py: not fixed: the file is read-only" in done.stderr if writer == "fix" else done.returncode == 2
    assert "Traceback" not in done.stderr
    assert leftovers(project) == []


@pytest.fixture
def shared_project() -> Iterator[Path]:
    """A folder any user may write (``tmp_path`` is private to the user running the tests)."""
    folder = Path(tempfile.mkdtemp(prefix="fastapi-lint-shared-"))
    try:
        os.chmod(folder, 0o777)
        (folder / "app.py").write_text(ROUTE)
        yield folder
    finally:
        shutil.rmtree(folder)


def _other_user_can_run_the_linter(folder: Path) -> bool:
    probe = [sys.executable, "-c", "import fastapi_lint.cli"]
    try:
        done = subprocess.run(probe, cwd=folder, capture_output=True, timeout=60, user=NOBODY, group=NOBODY,
                              extra_groups=[])
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@pytest.mark.skipif(not IS_ROOT, reason="running as another user takes root")
@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("mode", [0o644, 0o666])
def test_another_users_file(shared_project: Path, writer: str, mode: int) -> None:
    """In a folder anyone may write: a file the user may not write is refused (a rename would
    replace it); one they may write, but not give its owner back, is written in place."""
    if not _other_user_can_run_the_linter(shared_project):
        pytest.skip("the interpreter cannot be run by another user here")
    app = shared_project / "app.py"
    os.chmod(app, mode)
    before = os.stat(app)
    done = write(shared_project, writer, NOBODY)
    after = os.stat(app)
    assert (after.st_ino, after.st_uid, stat.S_IMODE(after.st_mode)) == (before.st_ino, 0, mode)
    if mode == 0o644:
        assert app.read_text() == ROUTE
        assert "you may not write the file" in done.stderr, done.stderr
    else:
        assert WRITERS[writer][1] in app.read_text(), done.stderr
    assert leftovers(shared_project) == []


# In process: what a user without root sees, simulated where the tests run as root.


def test_a_file_the_user_may_not_write_is_refused(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi_lint.api import lint_paths
    from fastapi_lint.config import Config
    from fastapi_lint.api import relint
    from fastapi_lint.fixes import apply_to_file

    app = project / "app.py"
    diagnostics = lint_paths([app], Config(select=("FAS101",))).diagnostics
    real_access = os.access

    def access(path: Path, mode: int, **kwargs: bool) -> bool:
        return False if Path(path) == app else real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)
    result = apply_to_file(app, diagnostics, relint=relint)
    assert app.read_text() == ROUTE and not result.applied
    assert result.file_problem == "you may not write the file (permission denied)"
    assert leftovers(project) == []


# chown's refusals: another user's file (EPERM), an owner a container's user namespace does not map (EINVAL).
@pytest.mark.parametrize("refusal", [PermissionError(1, "Operation not permitted"), OSError(22, "Invalid argument")],
                         ids=["not permitted", "not mapped"])
def test_an_owner_that_cannot_be_given_back_means_writing_in_place(
    project: Path, monkeypatch: pytest.MonkeyPatch, refusal: OSError
) -> None:
    from fastapi_lint.api import lint_paths
    from fastapi_lint.config import Config
    from fastapi_lint.api import relint
    from fastapi_lint.fixes import apply_to_file

    app = project / "app.py"
    diagnostics = lint_paths([app], Config(select=("FAS101",))).diagnostics
    before = os.stat(app)

    def not_allowed(*args: object, **kwargs: object) -> None:
        raise refusal

    monkeypatch.setattr(os, "chown", not_allowed)
    monkeypatch.setattr(os, "stat", _as_if_owned_by(NOBODY, os.stat))
    result = apply_to_file(app, diagnostics, relint=relint)
    assert result.applied and FIXED_LINE in app.read_text()
    assert os.lstat(app).st_ino == before.st_ino, "written through the file's own inode"
    assert leftovers(project) == []


def _as_if_owned_by(user: int, real_stat):  # type: ignore[no-untyped-def]
    """``os.stat`` reporting ``app.py`` as another user's."""

    def fake(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        found = real_stat(path, *args, **kwargs)
        if Path(path).name != "app.py":
            return found
        fields = list(found)
        fields[stat.ST_UID] = user
        return os.stat_result(fields)

    return fake


def test_a_failed_write_in_place_puts_the_old_content_back(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi_lint.fixes import files

    app = project / "app.py"
    os.link(app, project.parent / "elsewhere.py")
    real = files._overwrite
    calls: list[int] = []

    def fails_once(stream, data):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            stream.seek(0)
            stream.write(data[:10])  # halfway
            raise OSError(28, "No space left on device")
        real(stream, data)

    monkeypatch.setattr(files, "_overwrite", fails_once)
    with pytest.raises(OSError, match="No space left"):
        files.rewrite(app, ROUTE.replace("time.sleep(1)", "pass").encode())
    assert app.read_text() == ROUTE
    assert leftovers(project) == []


# -- problem 5: an editor's fix-on-save gets its buffer back when nothing can be fixed -------------

UNFIXABLE_INPUTS = {
    "bytes not valid UTF-8": ROUTE.encode() + b'x = "\xff"\n',
    "unknown coding cookie": b"# -*- coding: klingon -*-\n" + ROUTE.encode(),
    "BOM contradicting the cookie": b"\xef\xbb\xbf# coding: latin-1\n" + ROUTE.encode(),
    "latin-1 text without a cookie": ROUTE.replace("{}", "{'caf\xe9': 1}").encode("latin-1"),
    "syntax error": ROUTE.encode() + b"def broken(:\n",
    "NUL byte": ROUTE.encode() + b"x = 1\0\n",
}


@pytest.mark.parametrize("exit_zero", [False, True], ids=["", "exit-zero"])
@pytest.mark.parametrize("name", UNFIXABLE_INPUTS)
def test_fix_on_standard_input_gives_the_input_back_when_it_cannot_fix(
    tmp_path: Path, name: str, exit_zero: bool
) -> None:
    data = UNFIXABLE_INPUTS[name]
    args = [sys.executable, "-m", "fastapi_lint", "-", "--stdin-filename", "app.py", "--fix", "--no-cache"]
    done = subprocess.run([*args, *(["--exit-zero"] if exit_zero else [])], input=data, capture_output=True,
                          cwd=tmp_path, timeout=60)
    assert done.stdout == data, done.stderr.decode()
    assert done.returncode == (0 if exit_zero else 1)
    assert b"FAS900" in done.stderr and b"Traceback" not in done.stderr


def test_fix_on_standard_input_gives_the_input_back_after_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi_lint import cli
    from fastapi_lint.api import texts
    from tests.helpers import cli_runner

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(texts, "check_project", broken)  # what lint_text_in_project calls
    data = ROUTE.encode()
    result = cli_runner().invoke(cli.main, ["-", "--stdin-filename", "app.py", "--fix", "--no-cache"], input=data)
    assert result.exit_code == 2 and "internal error: RuntimeError: boom" in result.stderr
    assert result.stdout_bytes == data


# -- problem 6: an unsafe fix keeps the coroutine a decorator awaits --------------------------------

AWAITING = '''import functools


def timed(endpoint):
    @functools.wraps(endpoint)
    async def wrapper(*args, **kwargs):
        return await endpoint(*args, **kwargs)

    return wrapper
'''
HANDING_BACK = "def timed(endpoint):\n    endpoint.timed = True\n    return endpoint\n"
DECORATED_ROUTE = '''import requests
from fastapi import FastAPI
{imports}
app = FastAPI()

{helper}
@app.get("/")
@{decorator}
async def index(url: str):
    return requests.get(url, timeout=5).json()
'''
# How the route is decorated, and whether it may lose its ``async``.
DECORATIONS = {
    "awaiting wrapper in the same file": ("", AWAITING, "timed", False),
    "awaiting wrapper from another module": ("from decorators import timed\n", "", "timed", False),
    "decorator of another package": ("from fastapi_cache.decorator import cache\n", "", "cache(expire=60)", False),
    "decorator that hands the route back": ("", HANDING_BACK, "timed", True),
}


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


@pytest.fixture(scope="module")
def decorated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every decorated route in a module of its own, fixed by one run of the command line."""
    tree = tmp_path_factory.mktemp("decorated")
    (tree / "decorators.py").write_text(AWAITING)
    for name, (imports, helper, decorator, _) in DECORATIONS.items():
        text = DECORATED_ROUTE.format(imports=imports, helper=helper + "\n" if helper else "", decorator=decorator)
        (tree / f"app_{_slug(name)}.py").write_text(text)
    done = run(".", "--no-cache", "--select", "FAS101", "--fix", "--unsafe-fixes", cwd=tree)
    assert done.returncode == 0, done.stdout + done.stderr
    return tree


@pytest.mark.parametrize("decoration", DECORATIONS)
def test_drop_async_keeps_a_coroutine_a_decorator_may_await(decorated: Path, decoration: str) -> None:
    fixed = (decorated / f"app_{_slug(decoration)}.py").read_text()
    if DECORATIONS[decoration][3]:
        assert "\ndef index(url: str):\n    return requests.get(url, timeout=5).json()\n" in fixed
    else:
        assert "\nasync def index(url: str):\n    return (await asyncio.to_thread(requests.get, url, timeout=5)).json()\n" in fixed


# Each: the module, where ``time.sleep(1)`` would become ``await asyncio.sleep(1)`` but ``asyncio``
# names something else there, or is rebound where the module cannot see it.
SHADOWED = {
    "parameter": "async def index(asyncio: str):\n    time.sleep(1)\n    return asyncio\n",
    "local assigned later": "async def index():\n    time.sleep(1)\n    asyncio = 'x'\n    return asyncio\n",
    "local import": "async def index():\n    import trio as asyncio\n    time.sleep(1)\n    return asyncio\n",
    "comprehension variable": "async def index():\n    return [time.sleep(1) for asyncio in range(2)]\n",
    "match capture": (
        "async def index(body: dict):\n    match body:\n        case {'loop': asyncio}:\n"
        "            time.sleep(1)\n            return asyncio\n    return None\n"
    ),
    "match star capture": (
        "async def index(body: list):\n    match body:\n        case [*asyncio]:\n"
        "            time.sleep(1)\n            return asyncio\n    return None\n"
    ),
    "exception name": (
        "async def index():\n    try:\n        return 1 / 0\n    except ZeroDivisionError as asyncio:\n"
        "        time.sleep(1)\n        return str(asyncio)\n"
    ),
    "with target": "async def index():\n    with open('f') as asyncio:\n        time.sleep(1)\n        return asyncio.read()\n",
    "assignment expression": "async def index():\n    if (asyncio := 3):\n        time.sleep(1)\n    return asyncio\n",
    "global rebinding elsewhere": (
        "import asyncio\n\n\ndef install(loop_module):\n    global asyncio\n    asyncio = loop_module\n\n\n"
        "async def index():\n    time.sleep(1)\n"
    ),
    "module-level import of something else": "import trio as asyncio\n\n\nasync def index():\n    time.sleep(1)\n",
}


@pytest.fixture(scope="module")
def shadowed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Every module of ``SHADOWED`` and ``RESPELLED``, fixed by one run of the command line; its report."""
    tree = tmp_path_factory.mktemp("shadowed")
    for name, module in SHADOWED.items():
        (tree / f"shadowed_{_slug(name)}.py").write_text(f"import time\n{module}")
    for name, (module, _) in RESPELLED.items():
        (tree / f"respelled_{_slug(name)}.py").write_text(f"import time\n{module}")
    done = run(".", "--no-cache", "--select", "FAS101", "--fix", "--format", "concise", cwd=tree)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    return tree, done.stdout


@pytest.mark.parametrize("case", SHADOWED)
def test_await_sleep_declines_where_asyncio_is_not_the_module(shadowed: tuple[Path, str], case: str) -> None:
    tree, report = shadowed
    name = f"shadowed_{_slug(case)}.py"
    text = (tree / name).read_text()
    assert text == f"import time\n{SHADOWED[case]}", f"rewritten although `asyncio` is not the module there:\n{text}"
    assert f"{name}:" in report and "FAS101" in report


# Each: the module, with a spelling of ``asyncio`` that means something else in a function, and the
# line the fix writes instead, with a new ``import asyncio``.
RESPELLED = {
    "module alias shadowed": (
        "import asyncio as aio\n\n\nasync def index(aio: int):\n    time.sleep(1)\n    return aio\n",
        "    await asyncio.sleep(1)\n",
    ),
    "imported sleep shadowed": (
        "from asyncio import sleep\n\n\nasync def index(sleep: float):\n    time.sleep(sleep)\n",
        "    await asyncio.sleep(sleep)\n",
    ),
}


@pytest.mark.parametrize("case", RESPELLED)
def test_await_sleep_spells_asyncio_a_way_that_means_it(shadowed: tuple[Path, str], case: str) -> None:
    tree, report = shadowed
    name = f"respelled_{_slug(case)}.py"
    fixed = (tree / name).read_text()
    assert fixed.startswith("import asyncio\nimport time\n") and RESPELLED[case][1] in fixed, fixed
    assert f"{name}:" not in report


# -- problem 7: a file saved between the check and the fix is not edited ---------------------------

CHECKED = '''import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def index(to: str):
    time.sleep(to)
    return {}
'''
# What an editor saved meanwhile: another call exactly where the finding was, or everything moved down.
SAVED = {
    "another call in the same place": CHECKED.replace("time.sleep(to)", "audit.send(to)"),
    "lines added above": "# A note the editor saved.\n\n" + CHECKED,
}
# Runs the command line, with the editor's save (``saved.txt`` over ``app.py``) at one moment of the run.
SAVE_DURING_RUN = '''
import shutil
import sys

from fastapi_lint import fixes
from fastapi_lint.cli import check, entry

moments = {
    "after the check": [(check, "_fix"), (check, "_add_noqa")],
    "while the fix is planned": [(fixes, "plan_fixes"), (fixes, "add_noqa_comments")],
}
for owner, name in moments[sys.argv[1]]:
    def saving_first(*args, _real=getattr(owner, name), **kwargs):
        shutil.copyfile("saved.txt", "app.py")
        return _real(*args, **kwargs)
    setattr(owner, name, saving_first)
sys.argv = ["fastapi-lint", *sys.argv[2:]]
entry()
'''


@pytest.mark.parametrize("moment", ["after the check", "while the fix is planned"])
@pytest.mark.parametrize("saved", SAVED)
@pytest.mark.parametrize("writer", WRITERS)
def test_a_file_saved_during_the_run_is_left_as_saved(tmp_path: Path, writer: str, saved: str, moment: str) -> None:
    app = tmp_path / "app.py"
    app.write_text(CHECKED)
    (tmp_path / "saved.txt").write_text(SAVED[saved])
    args, _ = WRITERS[writer]
    done = subprocess.run(
        [sys.executable, "-c", SAVE_DURING_RUN, moment, "app.py", "--no-cache", "--select", "FAS101", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert app.read_text() == SAVED[saved], f"the fix was applied to the saved file:\n{app.read_text()}"
    assert "the file changed since it was checked" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert leftovers(tmp_path) == []
