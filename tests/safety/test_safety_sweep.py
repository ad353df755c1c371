"""A sweep of hostile and careless trees: random files, links, FIFOs, cache contents, configuration
and command lines, each run through the real CLI. Run with ``pytest -m fuzz`` (``FUZZ_EXAMPLES``
bounds it, as for the other fuzz tests).

Whatever the tree, a run must end (a timeout and a memory limit catch a hang or a read without
bound), say what went wrong in a line instead of a traceback or an internal error, write nothing
outside the project and the folders the command line names, read no file outside the project
that the command line does not name, and leave every Python file it fixes parsing.
"""

from __future__ import annotations

import ast
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fastapi_lint.run.cache_folder import TAG  # noqa: E402

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
SWEEP = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
MEMORY_LIMIT = 1 << 31
TIMEOUT = 90

ROUTE = """\
import time
import requests
from fastapi import FastAPI, Depends
from .helpers import load

app = FastAPI()


def dependency():
    return requests.get("https://example.com", timeout=5)


@app.get("/slow/{item}")
async def slow(item: str, data=Depends(dependency)):
    time.sleep(1)
    return load(item)
"""
HELPER = """\
import subprocess


def load(item):
    return subprocess.run(["ls", item], check=False)
"""
SOURCES = [ROUTE, HELPER, "def broken(:\n", "x = 1\n", "", "\ufeffimport time\n", "# -*- coding: latin-1 -*-\nx = 'é'\n"]
BINARY = [b"\xff\xfe\x00garbage", b"# coding: nonsense\n", "x = 'é'\n".encode("latin-1")]

NAMES = ["app.py", "main.py", "helpers.py", "__init__.py", "conftest.py", "x y.py", "-rf.py", "über.py",
         b"bad\xffname.py", "line\nbreak.py", "pkg", "tests", "vendor", "build", ".fastapi_lint_cache",
         "pyproject.toml", "setup.cfg", "..py", ".hidden.py"]
LINK_TARGETS = ["OUTSIDE/file.py", "OUTSIDE/dir", "OUTSIDE/missing.py", "OUTSIDE/missing-dir", "HOME", "/dev/zero",
                "/", "..", "../..", ".", "/proc/self/status", "app.py", "pkg"]
EXCLUDES = ["tests", "*.py", "a" * 5 + "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "**", "[", "\\", "!pkg", "/vendor/",
            "pkg/**/x.py", ""]
CACHE_PIECES = ["tag", "junk-tag", "gitignore-link", "tag-link", "last-run-zero", "last-run-fifo", "last-run-junk",
                "entry-folder-link", "stray-file", "folder-link"]


def _name(raw: str | bytes) -> str:
    return os.fsdecode(raw) if isinstance(raw, bytes) else raw


nodes = st.lists(
    st.tuples(
        st.lists(st.sampled_from(NAMES), min_size=1, max_size=3),
        st.sampled_from(["file", "dir", "link", "fifo"]),
        st.integers(min_value=0, max_value=len(SOURCES) + len(BINARY) + len(LINK_TARGETS)),
    ),
    max_size=14,
)
configs = st.one_of(
    st.none(),
    st.builds(dict, exclude=st.lists(st.sampled_from(EXCLUDES), max_size=3)),
    st.builds(dict, select=st.lists(st.sampled_from(["ALL", "FAS1", "FAS101", "nope", "FAS9"]), max_size=2)),
    st.builds(dict, **{"per-file-ignores": st.just({"*.py": ["FAS101"]}), "unknown-key": st.just(1)}),
    st.just("not toml at all ["),
    st.just(b"\xff\xfe"),
)
cache_dirs = st.sampled_from([None, "", ".", "pkg", "~", "CACHES/new", "CACHES/empty", "OUTSIDE/dir", "/"])
commands = st.one_of(
    st.tuples(st.just("check"), st.lists(st.sampled_from(
        ["--fix", "--unsafe-fixes", "--diff", "--statistics", "--timings", "--no-cache", "--jobs=1", "--jobs=2", "--exit-zero",
         "--format=json", "--format=sarif", "--format=github", "--format=concise", "--show-fixes",
         "--output-file=report.out"]), max_size=4, unique=True)),
    st.tuples(st.just("add-noqa"), st.just([])),
    st.tuples(st.just("routes"), st.lists(st.sampled_from(["--format=json"]), max_size=1)),
    st.tuples(st.just("clean"), st.just([])),
    st.tuples(st.just("stdin"), st.lists(st.sampled_from(["--fix", "--diff", "--unsafe-fixes"]), max_size=2,
                                         unique=True)),
    st.tuples(st.just("files"), st.lists(st.sampled_from(["--fix"]), max_size=1)),
)


def _build(root: Path, outside: Path, home: Path, plan: list[tuple[list[str | bytes], str, int]]) -> None:
    for parts, kind, pick in plan:
        path = root.joinpath(*map(_name, parts))
        if _through_a_link(root, path):
            continue  # a link made earlier (to "..", to "/") would build this outside the sandbox
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if os.path.lexists(path):
                continue
            if kind == "dir":
                path.mkdir()
            elif kind == "fifo":
                os.mkfifo(path)
            elif kind == "link":
                target = LINK_TARGETS[pick % len(LINK_TARGETS)]
                target = target.replace("OUTSIDE", str(outside)).replace("HOME", str(home))
                path.symlink_to(target)
            elif pick < len(SOURCES):
                path.write_text(SOURCES[pick], encoding="utf-8")
            else:
                path.write_bytes(BINARY[pick % len(BINARY)])
        except (OSError, ValueError):
            continue  # a name this file system refuses, or a file where a folder should be


def _through_a_link(root: Path, path: Path) -> bool:
    """Whether a folder on the way from ``root`` to ``path`` is a link: building there writes where it points."""
    folder = root
    for part in path.relative_to(root).parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            return True
    return False


def _cache(root: Path, outside: Path, pieces: list[str]) -> None:
    cache = root / ".fastapi_lint_cache"
    if "folder-link" in pieces:
        if not os.path.lexists(cache):
            cache.symlink_to(outside / "dir", target_is_directory=True)
        return
    try:
        cache.mkdir(exist_ok=True)
    except OSError:
        return
    for piece in pieces:
        written = {"tag": "CACHEDIR.TAG", "junk-tag": "CACHEDIR.TAG", "last-run-junk": "last-run"}.get(piece)
        if written is not None and os.path.lexists(cache / written):
            continue  # already made by an earlier piece: writing it could open a FIFO and wait for a reader
        try:
            if piece == "tag":
                (cache / "CACHEDIR.TAG").write_text(TAG)
            elif piece == "junk-tag":
                (cache / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
            elif piece == "gitignore-link":
                (cache / ".gitignore").symlink_to(outside / "gitignore-written")
            elif piece == "tag-link":
                (cache / "CACHEDIR.TAG").symlink_to(outside / "tag-written")
            elif piece == "last-run-zero":
                (cache / "last-run").symlink_to("/dev/zero")
            elif piece == "last-run-fifo":
                os.mkfifo(cache / "last-run")
            elif piece == "last-run-junk":
                (cache / "last-run").write_bytes(b"fastapi-lint-cache-4\n" + b"\x00" * 64)
            elif piece == "entry-folder-link":
                for prefix in ("0a", "3f", "c7", "e2"):
                    (cache / prefix).symlink_to(outside / "dir", target_is_directory=True)
            elif piece == "stray-file":
                (cache / "notes.txt").write_text("mine\n")
        except OSError:
            continue


def _config(root: Path, config: object) -> None:
    pyproject = root / "pyproject.toml"
    if config is None or os.path.lexists(pyproject):
        return
    if isinstance(config, bytes):
        pyproject.write_bytes(b"[tool.fastapi-lint]\n" + config)
    elif isinstance(config, str):
        pyproject.write_text("[tool.fastapi-lint]\n" + config)
    else:
        lines = ["[tool.fastapi-lint]"]
        for key, value in config.items():  # type: ignore[attr-defined]
            if isinstance(value, dict):
                table = ", ".join(f'"{k}" = {_toml_list(v)}' for k, v in value.items())
                lines.append(f"{key} = {{ {table} }}")
            elif isinstance(value, list):
                lines.append(f"{key} = {_toml_list(value)}")
            else:
                lines.append(f"{key} = {value!r}")
        pyproject.write_text("\n".join(lines) + "\n")


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join('"' + v.replace("\\", "\\\\") + '"' for v in values) + "]"


def _snapshot(folder: Path) -> dict[str, tuple[str, bytes | str, int]]:
    """Everything under ``folder``, links not followed: names, kinds, contents or targets, modes."""
    found: dict[str, tuple[str, bytes | str, int]] = {}
    for current, dirnames, filenames in os.walk(folder):
        for name in [*dirnames, *filenames]:
            path = os.path.join(current, name)
            info = os.lstat(path)
            if os.path.islink(path):
                found[path] = ("link", os.readlink(path), 0)
            elif os.path.isdir(path):
                found[path] = ("dir", "", info.st_mode)
            elif os.path.isfile(path):
                with open(path, "rb") as stream:
                    found[path] = ("file", stream.read(), info.st_mode)
            else:
                found[path] = ("other", "", info.st_mode)
    return found


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _command(kind: str, flags: list[str], cache_dir: str | None, sandbox: Path, home: Path) -> tuple[list[str], bytes]:
    cache = []
    if cache_dir is not None and kind in ("check", "clean", "files", "stdin"):
        given = cache_dir.replace("CACHES", str(sandbox / "caches")).replace("OUTSIDE", str(sandbox / "outside"))
        cache = ["--cache-dir", str(home) if given == "~" else given]
    if kind == "add-noqa":
        return ["check", ".", "--add-noqa", *cache], b""
    if kind == "clean":
        return ["clean", *cache], b""
    if kind == "routes":
        return ["routes", ".", *flags], b""
    if kind == "stdin":
        return ["check", "--stdin-filename", "app.py", "-", *flags, *cache], ROUTE.encode() + b"\n\xff"
    if kind == "files":
        return ["check", "app.py", "pkg/app.py", "main.py", *flags, *cache], b""
    return ["check", ".", *flags, *cache], b""


def _parses(data: bytes) -> bool:
    try:
        ast.parse(data)
        return True
    except (SyntaxError, ValueError):
        return False


@SWEEP
@given(nodes, configs, st.lists(st.sampled_from(CACHE_PIECES), max_size=3, unique=True), cache_dirs, commands)
def test_no_tree_makes_a_run_crash_hang_or_write_outside(
    plan: list[tuple[list[str | bytes], str, int]],
    config: object,
    cache_pieces: list[str],
    cache_dir: str | None,
    command: tuple[str, list[str]],
) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        sandbox = Path(temporary)
        project, outside, home = sandbox / "project", sandbox / "outside", sandbox / "home"
        for folder in (project, outside / "dir", home, sandbox / "caches" / "empty", sandbox / "keys"):
            folder.mkdir(parents=True)
        # Outside sources name their route so that a report showing it proves they were read.
        (outside / "file.py").write_text(ROUTE.replace("async def slow", "async def outside_route"))
        (outside / "dir" / "elsewhere.py").write_text(ROUTE.replace("async def slow", "async def outside_route"))
        (home / ".bashrc").write_text("export KEEP=1\n")
        (project / "app.py").write_text(ROUTE)
        _build(project, outside, home, plan)
        _cache(project, outside, cache_pieces)
        _config(project, config)
        guarded = {name: _snapshot(folder) for name, folder in (("outside", outside), ("home", home))}
        sources = {p: data for p, (kind, data, _) in _snapshot(project).items()
                   if kind == "file" and p.endswith(".py") and isinstance(data, bytes)}
        kind, flags = command
        args, stdin = _command(kind, flags, cache_dir, sandbox, home)
        env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(sandbox / "keys"), "PYTHONWARNINGS": "ignore"}

        done = subprocess.run([sys.executable, "-m", "fastapi_lint", *args], cwd=project, input=stdin,
                              capture_output=True, env=env, timeout=TIMEOUT, preexec_fn=_limits, check=False)

        stderr = done.stderr.decode("utf-8", "replace")
        assert done.returncode in (0, 1, 2), (args, done.returncode, stderr)
        assert "Traceback" not in stderr and "internal error" not in stderr, (args, stderr)
        if kind not in ("files", "stdin"):  # files named on the command line are read as given
            assert b"outside_route" not in done.stdout, f"{args} read files outside the project"
        for name, folder in (("outside", outside), ("home", home)):
            assert _snapshot(folder) == guarded[name], f"{args} wrote into {name}: {stderr}"
        writes = "--fix" in args or "--add-noqa" in args
        for path, before in sources.items():
            try:
                with open(path, "rb") as stream:
                    after = stream.read()
            except OSError:
                after = None
            if not writes:
                assert after == before, f"{args} changed {path}"
            elif after != before:
                assert after is not None and (_parses(after) or not _parses(before)), f"{args} broke {path}"
