"""The cache folder under careless and hostile input: the real CLI on temporary trees.

A careless value (``--cache-dir ""`` from an unset CI variable, ``.``, ``src``, ``~``) must
never turn a folder of someone's work into a cache, nor let ``clean`` delete it; a
repository's committed ``.fastapi_lint_cache/`` (links, devices, huge files) must never make
a run write outside the project or read without bound.
"""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_lint.run.cache_folder import TAG, Folder, problem

ROUTE = """\
import time
from fastapi import FastAPI

app = FastAPI()


@app.get("/slow")
async def slow():
    time.sleep(1)
"""

# Enough for any run of these tiny projects; reading /dev/zero or a 4 GB file whole is not.
MEMORY_LIMIT = 1 << 31


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(*args: str, cwd: Path, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if home is not None:
        env["HOME"] = str(home)
    env.setdefault("XDG_CACHE_HOME", str(Path.home() / ".cache"))  # the signing key stays where it was
    return subprocess.run([sys.executable, "-m", "fastapi_lint", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=60, preexec_fn=_limit_memory, check=False)


def _snapshot(folder: Path) -> dict[str, str]:
    """Every name under ``folder`` (links not followed) and what it is: a tree's fingerprint."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
        found[str(path.relative_to(folder))] = kind + (":" + path.read_bytes().hex() if kind == "file" else "")
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src" / "app").mkdir(parents=True)
    (root / "src" / "app" / "__init__.py").write_text("")
    (root / "src" / "app" / "main.py").write_text(ROUTE)
    (root / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


# -- 1. a careless --cache-dir never becomes a cache, and clean never deletes work -------------


@pytest.mark.parametrize("value", ["", " ", ".", "src", "src/app", "~", "pyproject.toml"])
def test_a_folder_of_someones_work_is_never_made_a_cache(project: Path, value: str) -> None:
    home = project.parent / "home"
    (home / "notes").mkdir(parents=True)
    (home / "notes" / "todo.txt").write_text("keep me\n")
    given = str(home) if value == "~" else value
    before_project, before_home = _snapshot(project), _snapshot(home)

    done = run("src", "--cache-dir", given, cwd=project, home=home)

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "--cache-dir" in done.stderr
    assert _snapshot(project) == before_project and _snapshot(home) == before_home


@pytest.mark.parametrize("value", ["", ".", "src", "~"])
def test_clean_never_deletes_a_folder_of_someones_work(project: Path, value: str) -> None:
    home = project.parent / "home"
    home.mkdir()
    (home / ".bashrc").write_text("export A=1\n")
    # What a run of an older build left behind: our tag in the project root and in the home.
    (project / "CACHEDIR.TAG").write_text(TAG)
    (home / "CACHEDIR.TAG").write_text(TAG)
    given = str(home) if value == "~" else value
    before_project, before_home = _snapshot(project), _snapshot(home)

    done = run("clean", "--cache-dir", given, cwd=project, home=home)

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert _snapshot(project) == before_project and _snapshot(home) == before_home


@pytest.mark.parametrize("kind", ["new", "empty", "ours"])
def test_a_new_empty_or_own_cache_folder_is_used_and_cleaned(project: Path, kind: str) -> None:
    cache = project.parent / "lint-cache"
    if kind == "empty":
        cache.mkdir()
    if kind == "ours":
        assert run("src", "--cache-dir", str(cache), cwd=project).returncode == 1
    done = run("src", "--cache-dir", str(cache), "--timings", cwd=project)
    assert done.returncode == 1, done.stderr
    assert (cache / "CACHEDIR.TAG").read_text() == TAG
    again = run("src", "--cache-dir", str(cache), "--timings", cwd=project)
    assert "0 parsed, 2 from the cache" in again.stderr
    assert run("clean", "--cache-dir", str(cache), cwd=project).returncode == 0
    assert not cache.exists()


def test_problem_refuses_the_root_and_any_folder_with_other_files(tmp_path: Path) -> None:
    assert problem(Path("/")) is not None
    assert problem(tmp_path / "absent") is None
    (tmp_path / "empty").mkdir()
    assert problem(tmp_path / "empty") is None
    (tmp_path / "tagged").mkdir()
    (tmp_path / "tagged" / "CACHEDIR.TAG").write_text(TAG)
    (tmp_path / "tagged" / "app.py").write_text("")
    assert "app.py" in (problem(tmp_path / "tagged") or "")
    (tmp_path / "untagged").mkdir()
    (tmp_path / "untagged" / "last-run").write_bytes(b"")
    assert "CACHEDIR.TAG" in (problem(tmp_path / "untagged") or "")


# -- 2. a committed cache folder cannot make a run write outside the project ------------------


def _committed_cache(project: Path) -> Path:
    cache = project / ".fastapi_lint_cache"
    cache.mkdir()
    (cache / "CACHEDIR.TAG").write_text(TAG)
    return cache


def _entry(display: str) -> tuple[str, str]:
    """Where the cache keeps a file's entry (written out, so the test also runs on older builds)."""
    name = hashlib.sha256(display.encode()).hexdigest()[:32]
    return name[:2], f"{name}.entry"


@pytest.mark.parametrize("shape", ["gitignore", "tag", "last-run", "folder", "entry-folder", "entry"])
def test_a_committed_cache_cannot_write_outside_the_project(project: Path, shape: str) -> None:
    outside = project.parent / "outside"
    outside.mkdir()
    target = outside / "written-by-the-linter"
    if shape == "folder":
        (project / ".fastapi_lint_cache").symlink_to(outside, target_is_directory=True)
    else:
        cache = project / ".fastapi_lint_cache"
        cache.mkdir()
        if shape != "tag":
            (cache / "CACHEDIR.TAG").write_text(TAG)
        if shape in ("gitignore", "tag", "last-run"):
            name = {"gitignore": ".gitignore", "tag": "CACHEDIR.TAG", "last-run": "last-run"}[shape]
            (cache / name).symlink_to(target)  # dangling: written through, it would create the file
        else:
            folder = cache / _entry(os.path.join("src", "app", "main.py"))[0]
            if shape == "entry-folder":
                folder.symlink_to(outside, target_is_directory=True)
            else:
                folder.mkdir()
                name = _entry(os.path.join("src", "app", "main.py"))[1]
                (folder / name).symlink_to(target)

    first = run("src", cwd=project)
    second = run("src", cwd=project)

    for done in (first, second):
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr and "FAS101" in done.stdout
    assert list(outside.iterdir()) == []


def test_a_committed_cache_that_is_not_ours_is_said_and_left_alone(project: Path) -> None:
    cache = _committed_cache(project)
    (cache / ".gitignore").symlink_to(project.parent / "elsewhere")
    done = run("src", cwd=project)
    assert done.returncode == 1
    assert "not using" in done.stderr and "running without a cache" in done.stderr
    assert sorted(p.name for p in cache.iterdir()) == [".gitignore", "CACHEDIR.TAG"]


# -- 10. cache files are read with a bound, and only when they are regular files ---------------


@pytest.mark.parametrize("shape", ["dev-zero", "fifo", "huge"])
def test_a_committed_cache_file_cannot_make_a_run_read_without_bound(project: Path, shape: str) -> None:
    cache = _committed_cache(project)
    folder_name, entry_name = _entry(os.path.join("src", "app", "main.py"))
    entry_folder = cache / folder_name
    entry_folder.mkdir()
    for path in (cache / "last-run", entry_folder / entry_name):
        if shape == "dev-zero":
            path.symlink_to("/dev/zero")
        elif shape == "fifo":
            os.mkfifo(path)
        else:  # sparse: no disk used, but 4 GB to read
            with path.open("wb") as stream:
                stream.truncate(4 << 30)

    done, peak = _run_measuring_memory("src", cwd=project)

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "FAS101" in done.stdout
    # Reading what the links lead to whole would take the run to its memory limit (2 GB).
    assert peak < MEMORY_LIMIT // 4, f"the run grew to {peak >> 20} MB"


def _run_measuring_memory(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """``run``, and the largest resident size the run reached, in bytes (Linux reports kB)."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )
    report, _, peak = done.stdout.rpartition("peak:")
    return subprocess.CompletedProcess(done.args, done.returncode, report, done.stderr), int(peak) * 1024


_MEASURE = f"""
import resource, subprocess, sys
limit = lambda: resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))
done = subprocess.run([sys.executable, "-m", "fastapi_lint", *sys.argv[1:]], preexec_fn=limit, timeout=100)
print("peak:" + str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), end="")
sys.exit(done.returncode)
"""


def test_folder_reads_refuse_links_devices_and_oversized_files(tmp_path: Path) -> None:
    (tmp_path / "plain").write_bytes(b"facts")
    (tmp_path / "link").symlink_to(tmp_path / "plain")
    (tmp_path / "zero").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / "entry").write_bytes(b"x" * 100)
    (tmp_path / "cd").symlink_to(tmp_path / "ab", target_is_directory=True)
    folder = Folder(tmp_path)
    assert folder.read("plain") == b"facts"
    assert folder.read("entry", "ab") == b"x" * 100
    for name, sub in (("link", None), ("zero", None), ("fifo", None), ("entry", "cd")):
        with pytest.raises(OSError):
            folder.read(name, sub)
    with pytest.raises(OSError):
        folder.read("entry", "ab", limit=99)
    assert not folder.is_file("link") and folder.is_file("entry", "ab") and not folder.is_file("entry", "cd")


# -- 13. clean on a linked cache folder: a message, never a traceback --------------------------


def test_clean_on_a_linked_cache_folder_is_a_message(project: Path) -> None:
    real = project.parent / "real-cache"
    assert run("src", "--cache-dir", str(real), cwd=project).returncode == 1
    (project / ".fastapi_lint_cache").symlink_to(real, target_is_directory=True)
    before = _snapshot(real)

    done = run("clean", cwd=project)

    assert done.returncode == 2 and "symbolic link" in done.stderr and "Traceback" not in done.stderr
    assert _snapshot(real) == before and (project / ".fastapi_lint_cache").is_symlink()


# -- 8. a file saved while a run reads the tree: its entry is keyed by what was parsed ---------

QUIET = ROUTE.replace("    time.sleep(1)\n", "    return None\n")
COMMENTED = "# The slow route.\n" + ROUTE


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("facts", [True, False])
@pytest.mark.parametrize("last_seen", [None, COMMENTED])
def test_a_file_saved_during_a_run_and_put_back_is_linted_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int, facts: bool, last_seen: str | None
) -> None:
    """The run takes the file's key, then the file is saved (the blocking call removed) before it
    is parsed, then put back: the next run must see the blocking call again, not the edit's facts
    filed under the original content's key. ``last_seen``: the content a cached run saw before
    (a comment away from the original: the run first tries to carry its findings over)."""
    from fastapi_lint import api
    from fastapi_lint.run import extract
    from fastapi_lint.config import Config

    monkeypatch.setattr(extract, "POOL_THRESHOLD", 1)
    project = tmp_path / "project"
    project.mkdir()
    main = project / "main.py"
    (project / "other.py").write_text("x = 1\n")
    cache = tmp_path / "cache"
    config = Config(select=("FAS101",))
    if last_seen is not None:
        main.write_text(last_seen)
        api.lint_paths([project], config, cache_dir=cache, jobs=jobs, facts=facts)
    main.write_text(ROUTE)
    take_keys = extract.file_keys

    def keys_then_saved(*args: object, **kwargs: object) -> object:
        taken = take_keys(*args, **kwargs)  # type: ignore[arg-type]
        main.write_text(QUIET)
        return taken

    monkeypatch.setattr(extract, "file_keys", keys_then_saved)
    during = api.lint_paths([project], config, cache_dir=cache, jobs=jobs, facts=facts)
    monkeypatch.setattr(extract, "file_keys", take_keys)
    main.write_text(ROUTE)
    after = api.lint_paths([project], config, cache_dir=cache, jobs=jobs, facts=facts)

    assert [d.code for d in during.diagnostics] == []  # what was parsed had no blocking call
    assert [d.code for d in after.diagnostics] == ["FAS101"]


def test_clean_names_a_hostile_cache_folder_without_driving_the_terminal(project: Path) -> None:
    folder = project.parent / "cache\x1b]0;pwned\x07\x1b[31m"
    assert run("src", "--cache-dir", str(folder), cwd=project).returncode == 1
    done = run("clean", "--cache-dir", str(folder), cwd=project)
    assert done.returncode == 0 and "Removed" in done.stderr
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr
    missing = run("clean", "--cache-dir", str(folder), cwd=project)
    assert "No cache at" in missing.stderr and "\x1b" not in missing.stderr


def test_a_diff_keeps_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    """``--diff`` on a strict UTF-8 terminal: the name goes out as its own bytes, which ``patch``
    needs, instead of an internal error."""
    name = os.fsencode(tmp_path) + b"/caf\xe9.py"
    with open(name, "wb") as stream:
        stream.write(ROUTE.encode())
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}
    done = subprocess.run([sys.executable, "-m", "fastapi_lint", ".", "--diff", "--no-cache"], cwd=tmp_path,
                          capture_output=True, env=env, timeout=60, check=False)
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    assert b"caf\xe9.py" in done.stdout and b"await asyncio.sleep(1)" in done.stdout
