"""``respect-gitignore``: folder walks skip what git ignores, read as git reads it.

The linter never runs git; these tests do, to ask git what it ignores and compare. A
repository's ignore files are untrusted input: a huge, binary, linked or pathological one is
said once and the run goes on.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from fastapi_lint.config import Config, ConfigError, parse_table
from fastapi_lint.discovery import GITIGNORE_MAX_BYTES, GITIGNORE_MAX_PATTERNS, discover
from tests.helpers import invoke

BLOCKING = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git, to compare with what it ignores")


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def repository(root: Path, files: dict[str, str]) -> Path:
    (root / ".git" / "info").mkdir(parents=True, exist_ok=True)  # what makes a repository, for the linter
    return tree(root, files)


def linted(paths: list[Path], root: Path, **config: object) -> list[str]:
    found = discover(paths, Config(root=root, **config))  # type: ignore[arg-type]
    return sorted(Path(os.path.relpath(path, root)).as_posix() for path in found.files)


def test_ignored_files_and_folders_are_not_linted(tmp_path: Path) -> None:
    repository(tmp_path, {
        ".gitignore": "generated/\n*_pb2.py\n/local.py\n",
        "app/main.py": "", "app/service_pb2.py": "", "generated/client.py": "", "local.py": "",
        "app/local.py": "",  # ``/local.py`` is anchored at the top
    })
    assert linted([tmp_path], tmp_path) == ["app/local.py", "app/main.py"]
    assert linted([tmp_path], tmp_path, respect_gitignore=False) == [
        "app/local.py", "app/main.py", "app/service_pb2.py", "generated/client.py", "local.py"]


def test_an_ignored_folder_is_not_walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repository(tmp_path, {".gitignore": "node_stuff/\n", "app.py": "", "node_stuff/deep/deeper/x.py": ""})
    walked: list[str] = []
    real_walk = os.walk

    def recording(top: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        for folder, dirnames, filenames in real_walk(top, *args, **kwargs):  # type: ignore[arg-type]
            walked.append(Path(os.path.relpath(folder, tmp_path)).as_posix())
            yield folder, dirnames, filenames

    monkeypatch.setattr(os, "walk", recording)
    assert linted([tmp_path], tmp_path) == ["app.py"]
    assert walked == ["."]


def test_nested_gitignore_files_apply_to_their_own_folder(tmp_path: Path) -> None:
    repository(tmp_path, {
        ".gitignore": "*.gen.py\n",
        "a/.gitignore": "local_*.py\n!keep.gen.py\n/top_only.py\n",
        "a/local_x.py": "", "b/local_x.py": "",  # a's patterns do not reach b
        "a/keep.gen.py": "", "a/other.gen.py": "", "b/keep.gen.py": "",
        "a/top_only.py": "", "a/sub/top_only.py": "",  # anchored at a/, not at the top
    })
    assert linted([tmp_path], tmp_path) == ["a/keep.gen.py", "a/sub/top_only.py", "b/local_x.py"]


def test_negation_and_the_folder_git_never_enters(tmp_path: Path) -> None:
    repository(tmp_path, {
        ".gitignore": "build/\n!build/keep.py\nout/*\n!out/keep.py\n",
        # git never enters an ignored folder, so nothing under it can be re-included ...
        "build/keep.py": "", "build/x.py": "",
        # ... but ``out/*`` ignores what is in out/, and a negation takes one back
        "out/keep.py": "", "out/x.py": "",
    })
    assert linted([tmp_path], tmp_path) == ["out/keep.py"]


def test_info_exclude_decides_after_every_gitignore(tmp_path: Path) -> None:
    repository(tmp_path, {".git/info/exclude": "scratch*.py\nmine.py\n", ".gitignore": "!mine.py\n",
                          "scratch1.py": "", "mine.py": "", "app.py": ""})
    assert linted([tmp_path], tmp_path) == ["app.py", "mine.py"]


def test_outside_a_repository_gitignore_files_mean_nothing(tmp_path: Path) -> None:
    tree(tmp_path, {".gitignore": "*.py\n", "app.py": ""})
    assert linted([tmp_path], tmp_path) == ["app.py"]


def test_a_subfolder_walk_reads_the_ignore_files_above_it(tmp_path: Path) -> None:
    repository(tmp_path, {".gitignore": "*_pb2.py\nsrc/vendored/\n", "src/app/x_pb2.py": "", "src/app/x.py": "",
                          "src/vendored/lib.py": ""})
    assert linted([tmp_path / "src"], tmp_path) == ["src/app/x.py"]


def test_a_submodule_is_its_own_repository(tmp_path: Path) -> None:
    repository(tmp_path, {".gitignore": "*.py\n!/sub/\n", "sub/.git": "gitdir: ../.git/modules/sub\n",
                          "sub/x.py": "", "top.py": ""})
    assert linted([tmp_path], tmp_path) == ["sub/x.py"]


def test_named_explicitly_is_linted_unless_force_exclude(tmp_path: Path) -> None:
    repository(tmp_path, {".gitignore": "generated/\nscratch.py\n", "generated/x.py": "", "scratch.py": ""})
    given = [tmp_path / "generated" / "x.py", tmp_path / "scratch.py"]
    assert linted(given, tmp_path) == ["generated/x.py", "scratch.py"]
    assert linted([tmp_path / "generated"], tmp_path) == ["generated/x.py"]
    found = discover(given + [tmp_path / "generated"], Config(root=tmp_path, force_exclude=True))
    assert found.files == []
    assert found.excluded == [*given, tmp_path / "generated"]
    assert linted(given, tmp_path, force_exclude=True, respect_gitignore=False) == ["generated/x.py", "scratch.py"]


def test_the_config_keys(tmp_path: Path) -> None:
    config = parse_table({"force-exclude": True, "respect-gitignore": False}, tmp_path / "pyproject.toml")
    assert (config.force_exclude, config.respect_gitignore) == (True, False)
    assert (Config().force_exclude, Config().respect_gitignore) == (False, True)
    with pytest.raises(ConfigError, match=r"respect-gitignore: expected true or false"):
        parse_table({"respect-gitignore": "no"}, tmp_path / "pyproject.toml")


def test_the_cli_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repository(tmp_path, {".gitignore": "ignored/\n", "ignored/x.py": BLOCKING, "pyproject.toml":
                          "[tool.fastapi-lint]\nrespect-gitignore = false\n"})
    monkeypatch.chdir(tmp_path)
    assert "ignored/x.py" in invoke(".", "--no-cache", "--format", "concise").stdout
    assert invoke(".", "--no-cache", "--format", "concise", "--respect-gitignore").stdout == ""
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    assert invoke(".", "--no-cache", "--format", "concise").stdout == ""
    assert "ignored/x.py" in invoke(".", "--no-cache", "--format", "concise", "--no-respect-gitignore").stdout


# -- the repository is untrusted input ---------------------------------------------------------

def _run_with(tmp_path: Path, gitignore: bytes | None, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str, float]:
    repository(tmp_path, {"app/x.py": BLOCKING, "app/" + "a" * 200 + ".py": BLOCKING})
    if gitignore is not None:
        (tmp_path / ".gitignore").write_bytes(gitignore)
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    result = invoke(".", "--no-cache", "--format", "concise", "-j", "1")
    return result.stdout, result.stderr, time.perf_counter() - started


def test_a_huge_gitignore_is_said_and_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stdout, stderr, _ = _run_with(tmp_path, b"app/\n" + b"#" * GITIGNORE_MAX_BYTES, monkeypatch)
    assert "app/x.py" in stdout  # what it would ignore is linted
    assert stderr.count(".gitignore: not read: larger than 1 MiB") == 1


def test_a_binary_gitignore_is_said_and_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stdout, stderr, _ = _run_with(tmp_path, b"app/\n\0\x89PNG", monkeypatch)
    assert "app/x.py" in stdout
    assert ".gitignore: not read: not a text file" in stderr


def test_too_many_patterns_are_said_and_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = b"".join(b"p%d\n" % number for number in range(GITIGNORE_MAX_PATTERNS + 1))
    stdout, stderr, _ = _run_with(tmp_path, b"app/\n" + lines, monkeypatch)
    assert "app/x.py" in stdout
    assert "patterns" in stderr and "not read" in stderr


def test_a_linked_gitignore_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "patterns").write_text("app/\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".gitignore").symlink_to(outside / "patterns")
    stdout, stderr, _ = _run_with(project, None, monkeypatch)
    assert "app/x.py" in stdout
    assert ".gitignore: not read: a symbolic link" in stderr


def test_a_fifo_gitignore_does_not_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    repository(tmp_path, {})
    os.mkfifo(tmp_path / ".gitignore")
    stdout, stderr, seconds = _run_with(tmp_path, None, monkeypatch)
    assert "app/x.py" in stdout
    assert ".gitignore: not read: not a regular file" in stderr


@pytest.mark.parametrize("patterns", [
    b"*a" * 16 + b"*b\n",  # hours for a backtracking matcher against a long name
    b"**/a/" * 7 + b"b\n",
    b"[z-a]\nx\\\n[unclosed\n!\n/\n\\\n" + "é\n".encode() + b"\xff\xfe\n",  # lines git cannot read: skipped
    b"a" * 100_000 + b"*\n",
], ids=["stars in a name", "** in a path", "unreadable lines", "a long line"])
def test_a_pathological_gitignore_does_not_stall_or_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, patterns: bytes
) -> None:
    stdout, stderr, seconds = _run_with(tmp_path, patterns, monkeypatch)
    assert "app/x.py" in stdout, stderr
    assert seconds < 20


# -- what git says -----------------------------------------------------------------------------

NAMES = ["a.py", "b_test.py", "gen.py", "x/a.py", "x/y/b_test.py", "x/y/gen.py", "z/a.py", "z/x/a.py", "x/z/c.py",
         "build/a.py", "x/build/c.py"]
PATTERNS = ["*.py", "!a.py", "x/", "/x/", "x/*", "!x/a.py", "gen.py", "/gen.py", "b_*", "**/y", "z/**/a.py",
            "build", "build/", "!build/", "x/**", "!z/", "*/a.py", "y/", "!y/gen.py", "[ab]*.py", "?.py", "!x/y/",
            "**/x/**", "!*.py", "a.py/", "x/y/*"]


@needs_git
def test_what_is_linted_is_what_git_does_not_ignore(tmp_path: Path) -> None:
    """Random repositories with a top ``.gitignore``, a nested one and an ``info/exclude``:
    the files a walk lints are the ``.py`` files ``git ls-files --others --exclude-standard``
    lists."""
    # No user's or system's configuration (core.excludesFile): an empty file of our own, not
    # os.devnull, which a run as root elsewhere on the machine may have replaced with a file.
    (tmp_path / "gitconfig").write_text("")
    environment = {**os.environ, "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1"}
    chooser = random.Random(int(os.environ.get("GITIGNORE_SEED", "18")))
    for trial in range(int(os.environ.get("GITIGNORE_TRIALS", "60"))):
        root = tmp_path / f"r{trial}"
        root.mkdir()
        subprocess.run(["git", "init", "-q"], cwd=root, check=True, timeout=60, env=environment)
        tree(root, {name: "" for name in NAMES})
        (root / ".gitignore").write_text("\n".join(chooser.sample(PATTERNS, 3)) + "\n")
        (root / "x" / ".gitignore").write_text("\n".join(chooser.sample(PATTERNS, 2)) + "\n")
        (root / ".git" / "info" / "exclude").write_text(chooser.choice(PATTERNS) + "\n")
        listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard"], cwd=root, check=True,
                                capture_output=True, text=True, timeout=60, env=environment)
        expected = sorted(name for name in listed.stdout.splitlines() if name.endswith(".py"))
        config = Config(root=root, exclude=("nothing-excluded-by-default",))  # build/ is not skipped here
        found = sorted(Path(os.path.relpath(p, root)).as_posix() for p in discover([root], config).files)
        ignore_files = {name: (root / name).read_text() for name in (".gitignore", "x/.gitignore", ".git/info/exclude")}
        assert found == expected, ignore_files
