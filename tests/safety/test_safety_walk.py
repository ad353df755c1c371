"""Never leave the project, never stall: what a folder walk follows, which configuration each
file gets, how much of a file is read, how long a pattern may take.

Each test plays the careless user or the hostile repository against the real command line
(a subprocess, ``python -m fastapi_lint``), in a temporary tree. A run that would hang
before the fix has a timeout, so it fails instead.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from fastapi_lint.globs import PatternSet

# An async function that blocks: one FAS101 finding wherever it is put.
BLOCKING = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"

# A run of these small trees takes about a second; far beyond that, it is stuck.
TIMEOUT = 30


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    try:
        return subprocess.run(
            [sys.executable, "-m", "fastapi_lint", *args],
            cwd=cwd, capture_output=True, text=True, env=environment, timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"fastapi-lint {' '.join(args)} did not finish in {TIMEOUT} s")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def reported(done: subprocess.CompletedProcess[str]) -> list[str]:
    """``path:CODE`` of each finding of a ``--format concise`` run."""
    found = []
    for line in done.stdout.splitlines():
        match = re.match(r"(.+?):\d+:\d+: (FAS\d+) ", line)
        if match:
            found.append(f"{match.group(1)}:{match.group(2)}")
    return found


# -- 11: a pattern cannot stall the run -------------------------------------------------------

# Each star of one segment, or each ``**`` of a path, multiplied a backtracking matcher's work by
# the length of the name or the path: these took hours against the names below.
STARS_IN_A_NAME = "*a" * 16 + "*b"
STARS_IN_A_PATH = "a/**/" * 7 + "b"


@pytest.mark.parametrize(
    ("table", "pattern", "relative"),
    [
        ("extend-exclude = [{}]", STARS_IN_A_NAME, "a" * 100 + ".py"),
        ("exclude = [{}]", STARS_IN_A_NAME, "pkg/" + "a" * 100 + ".py"),
        ("[tool.fastapi-lint.per-file-ignores]\n{} = [\"FAS101\"]", STARS_IN_A_NAME, "a" * 100 + ".py"),
        ("extend-exclude = [{}]", STARS_IN_A_PATH, "a/" * 60 + "x.py"),
        ("[tool.fastapi-lint.per-file-ignores]\n{} = [\"FAS101\"]", STARS_IN_A_PATH, "a/" * 60 + "x.py"),
    ],
    ids=["extend-exclude, stars in a name", "exclude, stars in a name", "per-file-ignores, stars in a name",
         "extend-exclude, ** in a deep path", "per-file-ignores, ** in a deep path"],
)
def test_a_hostile_pattern_does_not_stall_the_run(tmp_path: Path, table: str, pattern: str, relative: str) -> None:
    if not table.startswith("["):
        table = "[tool.fastapi-lint]\n" + table
    write(tmp_path / "pyproject.toml", table.format(f'"{pattern}"') + "\n")
    write(tmp_path / relative, BLOCKING)
    done = run(".", "--format", "concise", "--no-cache", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # the pattern does not match: the file is linted
    assert reported(done) == [f"{relative}:FAS101"]


def test_patterns_keep_their_meaning() -> None:
    """The matcher means what pathspec's ``gitwildmatch`` (the documented "gitignore-style"
    patterns, matched by pathspec before) means, on a sample of small patterns and paths; but a
    bracket expression never matches ``/`` (as in git)."""
    import pathspec

    rng = random.Random(13)
    atoms = ["a", "b", "ab", "*", "**", "?", "/", "[ab]", "[!a]", "[^b]", "[a-c]", "[]a]", "\\*", "\\ ", ".",
             "!", "#", " ", "[", "x/"]
    names = ["a", "b", "ab", "ba", "aab", "*", "x", "a.b", "!a", "#", " ", "[a", "c"]
    compared = 0
    for _ in range(1500):
        lines = ["".join(rng.choice(atoms) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 2))]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                expected = pathspec.PathSpec.from_lines("gitwildmatch", lines)
            except Exception:
                with pytest.raises(ValueError):
                    PatternSet(lines)
                continue
        ours = PatternSet(lines)
        for _ in range(8):
            path = "/".join(rng.choice(names) for _ in range(rng.randint(1, 4))) + rng.choice(["", "/"])
            if re.search(r"\[[!^]", "".join(lines)) and "/" in path:
                continue  # pathspec lets a negated class match the separator
            assert ours.match_file(path) == bool(expected.match_file(path)), (lines, path)
            compared += 1
    assert compared > 5000


# -- 10: a source file is read only when it is a regular file, and only so much of it ----------


@pytest.mark.parametrize("cache", [[], ["--no-cache"]], ids=["cache keys", "no cache"])
def test_a_file_past_the_size_limit_is_reported_not_read(tmp_path: Path, cache: list[str]) -> None:
    from fastapi_lint.source import MAX_SOURCE_BYTES

    write(tmp_path / "app.py", BLOCKING)
    with open(tmp_path / "huge.py", "wb") as stream:  # sparse: no disk used, no time spent
        stream.truncate(MAX_SOURCE_BYTES + 1)
    os.symlink("huge.py", tmp_path / "huge_link.py")  # a link to it, inside the project, is no way round
    done = run("app.py", "huge_link.py", "--format", "concise", *cache, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert reported(done) == ["app.py:FAS101", "huge_link.py:FAS900"]
    message = "cannot read the file: larger than 8 MiB, the most read of a source file"
    assert f"huge_link.py:1:1: FAS900 {message}" in done.stdout


# What replaces app.py between the walk that found it and the read: a FIFO (whose open waits for
# a writer for ever) or a link to a device.
SWAPS = {
    "FIFO": ("os.mkfifo('app.py')", "a FIFO"),
    "device": ("os.symlink(os.devnull, 'app.py')", "a device"),
}

# The command line, with app.py swapped right after the walk found it.
SWAPPING_RUN = """\
import os
import sys

import fastapi_lint.run.pipeline as pipeline
from fastapi_lint.cli import entry

found = pipeline.discover


def discover(*args, **kwargs):
    result = found(*args, **kwargs)
    os.remove("app.py")
    {swap}
    return result


pipeline.discover = discover
entry()
"""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("cache", [[], ["--no-cache"]], ids=["cache keys", "no cache"])
@pytest.mark.parametrize("swap", sorted(SWAPS))
def test_a_file_swapped_after_the_walk_for_a_fifo_or_a_device_is_not_read(
    tmp_path: Path, swap: str, cache: list[str]
) -> None:
    write(tmp_path / "app.py", BLOCKING)
    write(tmp_path / "other.py", BLOCKING)
    code, kind = SWAPS[swap]
    script = SWAPPING_RUN.format(swap=code)
    try:
        done = subprocess.run([sys.executable, "-c", script, ".", "--format", "concise", *cache],
                              cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the read of app.py, now {kind}, blocked")
    assert done.returncode == 1, done.stderr
    assert reported(done) == ["app.py:FAS900", "other.py:FAS101"]
    assert f"app.py:1:1: FAS900 cannot read the file: not a regular file ({kind})" in done.stdout


# -- 3: a folder walk stays inside the folders given ---------------------------------------------

# Links in proj/app to what is not the project's: other/secret.py, a project next door.
LINKS_OUT = {
    "folder, relative": ("app/vendor", "../../other"),
    "folder, absolute": ("app/vendor", "{tmp}/other"),
    "a folder above": ("app/up", "../.."),  # as a link to / or ~ would, without walking the machine
    "file": ("app/peer.py", "../../other/secret.py"),
}
CHECK, FIX, DIFF, ADD_NOQA = ["--no-cache"], ["--fix"], ["--diff"], ["--add-noqa"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
@pytest.mark.parametrize(
    ("link", "mode"),
    [pytest.param(link, mode, id=f"{link}: {'check' if mode == CHECK else mode[0][2:]}")
     for link, mode in [*((link, mode) for link in sorted(LINKS_OUT) for mode in (CHECK, FIX)),
                        ("folder, relative", DIFF), ("folder, relative", ADD_NOQA)]],
)
def test_a_walk_neither_reads_nor_writes_through_a_link_out_of_the_project(
    tmp_path: Path, link: str, mode: list[str]
) -> None:
    project = tmp_path / "proj"
    write(project / "app" / "main.py", BLOCKING)
    secret = write(tmp_path / "other" / "secret.py", BLOCKING)
    name, target = LINKS_OUT[link]
    os.symlink(target.format(tmp=tmp_path), project / name)
    done = run(".", "--format", "concise", *mode, cwd=project)
    assert "Traceback" not in done.stderr
    assert secret.read_text() == BLOCKING, "a file of another project was rewritten"
    assert "secret" not in done.stdout + done.stderr
    if mode == CHECK:
        assert reported(done) == ["app/main.py:FAS101"]
        assert "Checked 1 file" in done.stderr
    elif mode == FIX:
        assert "Fixed 1 finding (0 remaining)" in done.stderr
    elif mode == DIFF:
        assert "Would fix 1 finding in 1 file" in done.stderr
    else:
        assert "Added 1 noqa directive in 1 file" in done.stderr


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
@pytest.mark.parametrize("mode", [CHECK, FIX], ids=["check", "fix"])
def test_links_inside_the_project_and_folders_named_through_a_link(tmp_path: Path, mode: list[str]) -> None:
    """A link that stays inside the folders given is no way out: a file link is read (once),
    a folder link followed by a check; a folder named on the command line through a link is
    the user's choice and walked, also by --fix."""
    project = tmp_path / "proj"
    write(project / "app" / "main.py", BLOCKING)
    write(project / "lib" / "util.py", BLOCKING)
    os.symlink("../lib", project / "app" / "shared")
    os.symlink("main.py", project / "app" / "alias.py")
    os.symlink(project, tmp_path / "here")
    done = run("here/app", "here/lib", "--format", "concise", *mode, cwd=tmp_path)
    assert "Traceback" not in done.stderr
    if mode == FIX:
        assert "Fixed 2 findings (0 remaining)" in done.stderr
        assert "asyncio.sleep" in (project / "lib" / "util.py").read_text()
    else:
        # Each file once, under the first name the walk found it by.
        assert sorted(reported(done)) == ["here/app/alias.py:FAS101", "here/app/shared/util.py:FAS101"]


# -- 9: each path given is linted with its own configuration ---------------------------------------

MONOREPO = {
    "svc_a/pyproject.toml": '[tool.fastapi-lint]\nignore = ["FAS101"]\n',
    "svc_a/app.py": BLOCKING,
    "svc_b/pyproject.toml": '[tool.fastapi-lint]\nselect = ["FAS1"]\n',
    "svc_b/app.py": BLOCKING,
    "svc_b/sub/pyproject.toml": '[tool.fastapi-lint]\nignore = ["FAS101"]\n',
    "svc_b/sub/app.py": BLOCKING,
    "plain/app.py": BLOCKING,  # under no configuration: the defaults
}


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["svc_a/app.py", "svc_b/app.py"], ["svc_b/app.py:FAS101"]),  # pre-commit in a monorepo
        (["svc_a", "svc_b/app.py"], ["svc_b/app.py:FAS101"]),
        (["plain/app.py", "svc_a/app.py"], ["plain/app.py:FAS101"]),
        (["svc_b", "svc_b/sub"], ["svc_b/app.py:FAS101"]),  # a project inside a project
        (["svc_b", "svc_b/sub/app.py"], ["svc_b/app.py:FAS101"]),
        (["--config", "svc_a/pyproject.toml", "svc_a/app.py", "svc_b/app.py"], []),  # given: it applies to all
    ],
    ids=["files of two projects", "a folder and a file", "no configuration and one", "nested folders",
         "a folder and a file of a project inside it", "--config"],
)
def test_each_path_is_linted_with_its_own_configuration_whatever_the_order(
    tmp_path: Path, paths: list[str], expected: list[str]
) -> None:
    for relative, text in MONOREPO.items():
        write(tmp_path / relative, text)
    options = paths[:2] if paths[0] == "--config" else []
    given = paths[len(options):]
    outcomes = []
    for order in (given, given[::-1]):
        done = run(*options, *order, "--format", "concise", cwd=tmp_path)
        assert "Traceback" not in done.stderr
        outcomes.append((done.returncode, reported(done)))
    assert outcomes[0] == outcomes[1], "the result depends on the order of the paths"
    assert outcomes[0] == (1 if expected else 0, expected)
    if not options and paths[0] == "svc_a/app.py":  # each project keeps its own cache
        assert (tmp_path / "svc_a" / ".fastapi_lint_cache").is_dir()
        assert (tmp_path / "svc_b" / ".fastapi_lint_cache").is_dir()
