"""``[tool.fastapi-lint]``: discovery by walking up, validation errors, selection, per-file ignores, excludes."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from fastapi_lint import cli
from fastapi_lint.api import lint_paths, load_config
from fastapi_lint.config import (
    Config,
    ConfigError,
    find_pyproject,
    ignored_for_file,
    load,
    selected_codes,
    source_roots,
)
from tests.helpers import cli_runner as _runner

BLOCKING = "import time\n\n\nasync def f():\n    time.sleep(1)\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def pyproject(folder: Path, body: str) -> Path:
    return write(folder / "pyproject.toml", f"[tool.fastapi-lint]\n{body}\n")


def files_linted(root: Path, config: Config | None = None, *paths: Path) -> set[str]:
    from fastapi_lint.discovery import discover

    found = discover(list(paths) or [root], config or load_config([root]))
    return {p.relative_to(root).as_posix() for p in found.files}


# -- validation: every error names the file and the key -----------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('selct = ["FAS1"]', "[tool.fastapi-lint] selct: unknown key (known: baseline, exclude, "),
        ('select = ["FAS999"]', "[tool.fastapi-lint] select: unknown rule code or name `FAS999`"),
        ('ignore = ["no-such-rule"]', "[tool.fastapi-lint] ignore: unknown rule code or name `no-such-rule`"),
        ('extend-select = ["XYZ1"]', "[tool.fastapi-lint] extend-select: unknown rule code or name `XYZ1`"),
        ('select = "FAS101"', "[tool.fastapi-lint] select: expected a list of strings, got str"),
        ("select = [1]", "[tool.fastapi-lint] select: expected a list of strings, got a list with a non-string item"),
        ("exclude = true", "[tool.fastapi-lint] exclude: expected a list of strings, got bool"),
        ('exclude = ["!"]', "[tool.fastapi-lint] exclude: invalid pattern `!`"),
        ('extend-exclude = [""]', "[tool.fastapi-lint] extend-exclude: empty pattern"),
        ('per-file-ignores = ["tests/*"]', "[tool.fastapi-lint] per-file-ignores: expected a table of pattern = [codes]"),
        ('per-file-ignores = { "tests/*" = "FAS101" }', '[tool.fastapi-lint] per-file-ignores."tests/*": expected a list'),
        ('per-file-ignores = { "tests/*" = ["NOPE1"] }',
         '[tool.fastapi-lint] per-file-ignores."tests/*": unknown rule code or name `NOPE1`'),
        ('fail-on = "fatal"', "[tool.fastapi-lint] fail-on: expected one of error, warning, info"),
        ("fail-on = 3", "[tool.fastapi-lint] fail-on: expected one of error, warning, info"),
        ('extend-blocking-calls = ["not a name"]', "[tool.fastapi-lint] extend-blocking-calls: `not a name` is not a dotted name"),
        ("extend-async-safe = [3]", "[tool.fastapi-lint] extend-async-safe: expected a list of strings"),
        ('src = "core"', "[tool.fastapi-lint] src: expected a list of strings, got str"),
        ('src = [" "]', "[tool.fastapi-lint] src: ` ` is not a folder name"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    path = pyproject(tmp_path, body)
    with pytest.raises(ConfigError) as raised:
        load(path)
    assert str(raised.value).startswith(f"{path}: {message}")
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.fastapi-lint\nx", "invalid TOML: "),
        ("tool = 1  # fastapi-lint", "[tool] must be a table"),
        ("[tool]\nfastapi-lint = 5", "[tool.fastapi-lint] must be a table"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "pyproject.toml", text)
    if "[tool" in text:  # found, so the problem is reported, not ignored
        assert find_pyproject([tmp_path]) == path
    with pytest.raises(ConfigError, match="^" + str(path).replace("\\", "\\\\") + ": " + message.replace("[", r"\[")):
        load(path)


def test_non_utf8_config(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b'[tool.fastapi-lint]\nselect = ["\xff"]\n')
    with pytest.raises(ConfigError, match="cannot read the file: not UTF-8"):
        load(path)


def test_config_error_through_the_cli_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a.py", "x = 1\n")
    pyproject(tmp_path, 'select = ["FAS1"]\nselct = ["FAS2"]')
    monkeypatch.chdir(tmp_path)
    result = _runner().invoke(cli.main, ["a.py"], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(
        f"fastapi-lint: error: {tmp_path / 'pyproject.toml'}: [tool.fastapi-lint] selct: unknown key"
    )


def test_explicit_config_file_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "a.py", "x = 1\n")
    result = _runner().invoke(cli.main, ["a.py", "--config", "missing.toml"])
    assert result.exit_code == 2
    assert result.stderr == "fastapi-lint: error: missing.toml: cannot read the file: No such file or directory\n"
    write(tmp_path / "other.toml", '[tool.fastapi-lint]\nselect = ["FAS105"]\n')
    write(tmp_path / "a.py", BLOCKING)
    assert _runner().invoke(cli.main, ["a.py", "-q"]).exit_code == 1
    assert _runner().invoke(cli.main, ["a.py", "-q", "--config", "other.toml"]).exit_code == 0


def test_known_keys_are_accepted(tmp_path: Path) -> None:
    path = pyproject(
        tmp_path,
        'select = ["FAS1", "loop-misuse"]\nignore = ["FAS104"]\nextend-select = ["ALL"]\n'
        'exclude = ["migrations"]\nextend-exclude = ["gen/*.py"]\nfail-on = "warning"\n'
        'extend-blocking-calls = ["mylib.fetch", "mylib.Client.get", "other.*"]\n'
        'extend-async-safe = ["mylib.fast"]\nsrc = ["core", "libs/shared/src"]\n'
        '[tool.fastapi-lint.per-file-ignores]\n"tests/*" = ["FAS101", "blocking-call-in-async"]\n',
    )
    config = load(path)
    assert config.source == path and config.root == tmp_path
    assert config.per_file_ignores == (("tests/*", ("FAS101", "blocking-call-in-async")),)
    assert config.extend_blocking_calls == ("mylib.fetch", "mylib.Client.get", "other.*")
    assert config.fail_on.label == "warning"
    assert source_roots(config) == (tmp_path / "core", tmp_path / "libs/shared/src")


# -- discovery: walking up from the linted paths ---------------------------------------------------


def test_config_found_by_walking_up_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject(tmp_path, 'select = ["FAS105"]')
    target = write(tmp_path / "src" / "pkg" / "deep" / "m.py", BLOCKING)
    elsewhere = tmp_path.parent
    monkeypatch.chdir(elsewhere)  # the working folder has nothing to do with it
    assert find_pyproject([target]) == tmp_path / "pyproject.toml"
    assert find_pyproject([target.parent]) == tmp_path / "pyproject.toml"
    assert lint_paths([target]).diagnostics == []
    result = _runner().invoke(cli.main, [str(target), "-q"])
    assert result.exit_code == 0, result.stdout
    monkeypatch.chdir(target.parent)
    assert _runner().invoke(cli.main, ["m.py", "-q"]).exit_code == 0
    assert _runner().invoke(cli.main, ["-q"]).exit_code == 0


def test_walk_up_skips_pyprojects_without_the_table(tmp_path: Path) -> None:
    pyproject(tmp_path, 'ignore = ["FAS101"]')
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n# fastapi-lint is mentioned only here\n')
    target = write(tmp_path / "sub" / "m.py", BLOCKING)
    assert find_pyproject([target]) == tmp_path / "pyproject.toml"


def test_nearest_config_wins(tmp_path: Path) -> None:
    pyproject(tmp_path, 'ignore = ["FAS101"]')
    nearer = pyproject(tmp_path / "sub", 'select = ["FAS101"]')
    target = write(tmp_path / "sub" / "m.py", BLOCKING)
    assert find_pyproject([target]) == nearer
    assert {d.code for d in lint_paths([target]).diagnostics} == {"FAS101"}


def test_quoted_table_name_is_found(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool."fastapi-lint"]\nignore = ["FAS101"]\n')
    assert find_pyproject([tmp_path]) == path
    assert load(path).ignore == ("FAS101",)


def test_no_config_means_defaults(tmp_path: Path) -> None:
    target = write(tmp_path / "m.py", BLOCKING)
    config = load_config([target])
    assert config.source is None or config.source.parent not in (tmp_path, *tmp_path.parents)[:1]
    assert "FAS101" in selected_codes(Config())


# -- selection ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "present", "absent"),
    [
        (Config(), {"FAS101", "FAS105", "FAS900"}, set()),
        (Config(select=("FAS1",)), {"FAS101", "FAS105"}, {"FAS900"}),
        (Config(select=("ALL",), ignore=("FAS1",)), {"FAS900"}, {"FAS101", "FAS105"}),
        (Config(select=("loop-misuse",)), {"FAS105"}, {"FAS101"}),
        (Config(select=("loop-misuse",), extend_select=("blocking-call-in-async",)), {"FAS101", "FAS105"}, {"FAS900"}),
        (Config(ignore=("blocking-call-in-async",)), {"FAS105"}, {"FAS101"}),
        (Config(select=("fas10",)), {"FAS101"}, {"FAS900"}),  # prefixes, any case
    ],
)
def test_selection(config: Config, present: set[str], absent: set[str]) -> None:
    chosen = selected_codes(config)
    assert present <= chosen and not absent & chosen


def test_command_line_replaces_config_select(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    pyproject(tmp_path, 'select = ["FAS105"]')
    write(tmp_path / "m.py", BLOCKING)
    assert _runner().invoke(cli.main, ["-q"]).exit_code == 0
    assert _runner().invoke(cli.main, ["-q", "--select", "FAS101"]).exit_code == 1
    assert _runner().invoke(cli.main, ["-q", "--extend-select", "FAS101"]).exit_code == 1


def test_fail_on_from_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "m.py", BLOCKING)  # a warning: not on the request path
    pyproject(tmp_path, 'fail-on = "error"')
    assert _runner().invoke(cli.main, ["-q", "--select", "FAS101"]).exit_code == 0
    assert _runner().invoke(cli.main, ["-q", "--select", "FAS101", "--fail-on", "warning"]).exit_code == 1


def test_extend_blocking_calls_and_async_safe(tmp_path: Path) -> None:
    write(tmp_path / "m.py", "import time\nimport mylib\n\n\nasync def f():\n    mylib.fetch(1)\n    time.sleep(1)\n")
    pyproject(tmp_path, 'extend-blocking-calls = ["mylib.*"]\nextend-async-safe = ["time.sleep"]')
    found = [(d.code, d.span.line) for d in lint_paths([tmp_path]).diagnostics if d.code == "FAS101"]
    assert found == [("FAS101", 6)]


# -- per-file-ignores ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "ignored", "kept"),
    [
        ("tests/*", ["tests/test_a.py", "tests/sub/test_b.py"], ["src/tests.py", "src/tests/x.py", "app.py"]),
        ("./tests/*", ["tests/test_a.py"], ["app.py"]),
        ("**/legacy/*.py", ["legacy/old.py", "a/legacy/old.py", "a/b/legacy/old.py"], ["a/legacy_x/old.py", "app.py"]),
        ("test_*.py", ["test_top.py", "deep/er/test_x.py"], ["app.py", "deep/x_test.py"]),
        ("src/**/gen_*.py", ["src/gen_a.py", "src/a/b/gen_c.py"], ["gen_a.py", "src/a/b/c.py"]),
    ],
)
def test_per_file_ignores_globs(tmp_path: Path, pattern: str, ignored: list[str], kept: list[str]) -> None:
    pyproject(tmp_path, f'[tool.fastapi-lint.per-file-ignores]\n"{pattern}" = ["FAS101"]')
    for relative in [*ignored, *kept]:
        write(tmp_path / relative, BLOCKING)
    config = load(tmp_path / "pyproject.toml")
    for relative in ignored:
        assert "FAS101" in ignored_for_file(config, tmp_path / relative), relative
    for relative in kept:
        assert "FAS101" not in ignored_for_file(config, tmp_path / relative), relative
    result = lint_paths([tmp_path], replace(config, scope="all"))  # test files too
    flagged = {
        Path(d.path).resolve().relative_to(tmp_path.resolve()).as_posix() for d in result.diagnostics if d.code == "FAS101"
    }
    assert flagged == set(kept)


def test_per_file_ignores_by_name_and_from_another_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyproject(tmp_path, '[tool.fastapi-lint.per-file-ignores]\n"tests/*" = ["blocking-call-in-async"]')
    write(tmp_path / "tests" / "t.py", BLOCKING)
    write(tmp_path / "app.py", BLOCKING)
    monkeypatch.chdir(tmp_path / "tests")  # patterns stay relative to the config's folder
    result = _runner().invoke(cli.main, [str(tmp_path), "--format", "json", "-q", "--select", "FAS1"])
    assert [Path(f["path"]).name for f in json.loads(result.stdout) if f["code"] == "FAS101"] == ["app.py"]


# -- exclude -------------------------------------------------------------------------------------


def test_default_excludes(tmp_path: Path) -> None:
    for folder in (".git", ".venv", "venv", "node_modules", "__pycache__", "build", "dist", ".tox", ".mypy_cache",
                   "pkg.egg-info", "src/.venv"):
        write(tmp_path / folder / "x.py", BLOCKING)
    write(tmp_path / "src" / "app.py", BLOCKING)
    write(tmp_path / "src" / "notes.txt", "")
    assert files_linted(tmp_path, Config()) == {"src/app.py"}


def test_environments_and_installed_packages_are_skipped_whatever_their_names(tmp_path: Path) -> None:
    write(tmp_path / "test_env" / "pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path / "test_env" / "lib" / "python3.12" / "site-packages" / "anyio" / "x.py", BLOCKING)
    write(tmp_path / "vendor" / "lib" / "site-packages" / "pandas" / "io.py", BLOCKING)
    write(tmp_path / "envs" / "py" / "conda-meta" / "history", "")
    write(tmp_path / "envs" / "py" / "lib" / "y.py", BLOCKING)
    write(tmp_path / "app" / "main.py", BLOCKING)
    assert files_linted(tmp_path, Config()) == {"app/main.py"}
    pyproject(tmp_path, 'exclude = ["migrations"]')  # not a default an exclude list replaces
    assert files_linted(tmp_path) == {"app/main.py"}
    site = tmp_path / "vendor" / "lib" / "site-packages"
    assert files_linted(tmp_path, Config(), site) == {"vendor/lib/site-packages/pandas/io.py"}  # named: linted


def test_a_copy_of_a_dependency_is_skipped_but_not_the_projects_own_packages(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "rag-service"\ndependencies = ["fastapi>=0.110", '
          '"rag-service-client", "shared-lib", "helpers"]\n[tool.uv.sources]\nshared-lib = { path = "libs/shared" }\n'
          '[tool.uv.workspace]\nmembers = ["tools/*"]\n')
    write(tmp_path / "app" / "main.py", BLOCKING)
    # the framework's repository checked in as a search corpus: the installed release runs
    write(tmp_path / "docs" / "fastapi" / "pyproject.toml", '[project]\nname = "FastAPI"\n')
    write(tmp_path / "docs" / "fastapi" / "fastapi" / "routing.py", BLOCKING)
    # the project's own: its family, a path source, a workspace member, one it does not depend on
    write(tmp_path / "client" / "pyproject.toml", '[project]\nname = "rag-service-client"\n')
    write(tmp_path / "client" / "sdk.py", BLOCKING)
    write(tmp_path / "libs" / "shared" / "pyproject.toml", '[project]\nname = "shared-lib"\n')
    write(tmp_path / "libs" / "shared" / "db.py", BLOCKING)
    write(tmp_path / "tools" / "helpers" / "pyproject.toml", '[project]\nname = "helpers"\n')
    write(tmp_path / "tools" / "helpers" / "run.py", BLOCKING)
    write(tmp_path / "plugins" / "pyproject.toml", '[project]\nname = "other"\n')
    write(tmp_path / "plugins" / "p.py", BLOCKING)
    assert files_linted(tmp_path, Config()) == {"app/main.py", "client/sdk.py", "libs/shared/db.py",
                                                "tools/helpers/run.py", "plugins/p.py"}


def test_exclude_replaces_defaults_and_extend_exclude_adds(tmp_path: Path) -> None:
    write(tmp_path / "venv" / "x.py", BLOCKING)
    write(tmp_path / "migrations" / "0001.py", BLOCKING)
    write(tmp_path / "app" / "gen" / "models_pb2.py", BLOCKING)
    write(tmp_path / "app" / "main.py", BLOCKING)
    pyproject(tmp_path, 'extend-exclude = ["migrations", "*_pb2.py"]')
    assert files_linted(tmp_path) == {"app/main.py"}
    pyproject(tmp_path, 'exclude = ["migrations"]')
    assert files_linted(tmp_path) == {"venv/x.py", "app/main.py", "app/gen/models_pb2.py"}
    pyproject(tmp_path, 'extend-exclude = ["app/gen/"]')
    assert files_linted(tmp_path) == {"app/main.py", "migrations/0001.py"}


def test_explicit_file_is_linted_even_when_excluded(tmp_path: Path) -> None:
    target = write(tmp_path / "venv" / "x.py", BLOCKING)
    generated = write(tmp_path / "gen" / "y.py", BLOCKING)
    pyproject(tmp_path, 'extend-exclude = ["gen"]')
    assert files_linted(tmp_path, None, target, generated) == {"venv/x.py", "gen/y.py"}
    assert files_linted(tmp_path) == set()


def test_exclude_is_relative_to_the_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "proj" / "legacy" / "x.py", BLOCKING)
    write(tmp_path / "proj" / "app.py", BLOCKING)
    pyproject(tmp_path / "proj", 'extend-exclude = ["/legacy"]')
    monkeypatch.chdir(tmp_path)
    assert files_linted(tmp_path, load_config([tmp_path / "proj"]), tmp_path / "proj") == {"proj/app.py"}
    monkeypatch.chdir(tmp_path / "proj" / "legacy")
    assert files_linted(tmp_path, load_config([tmp_path / "proj"]), tmp_path / "proj") == {"proj/app.py"}


def test_each_file_linted_once(tmp_path: Path) -> None:
    target = write(tmp_path / "a.py", BLOCKING)
    if hasattr(os, "symlink"):
        os.symlink(target, tmp_path / "b.py")
    result = lint_paths([tmp_path, target, tmp_path / "a.py"], Config())
    assert result.files == 1


def test_per_file_ignores_cover_parse_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject(tmp_path, '[tool.fastapi-lint.per-file-ignores]\n"legacy/*" = ["parse-error"]')
    write(tmp_path / "legacy" / "old.py", "def broken(:\n")
    write(tmp_path / "new.py", "def broken(:\n")
    monkeypatch.chdir(tmp_path)
    result = _runner().invoke(cli.main, ["--format", "concise", "-q", "--select", "FAS900"])
    assert result.stdout == "new.py:1:12: FAS900 syntax error: invalid syntax\n"
