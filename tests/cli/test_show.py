"""``--show-settings`` and ``--show-files``: what a check would use and which files it would lint,
printed without linting (nothing read but the configuration, nothing written, exit 0)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fastapi_lint.config import KEYS, load, parse_table, selected_codes
from tests.helpers import ROUTE, _plain_environment, invoke  # noqa: F401 (_plain_environment: an autouse fixture)

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

CONFIG = """\
[tool.fastapi-lint]
extend-select = ["FAS109", "trivial-sync-dependency"]
ignore = ["FAS403"]
fail-on = "warning"
scope = "all"
baseline = "fastapi-lint-baseline.json"
extend-exclude = ["generated/", "*_pb2.py"]
src = ["src"]
python = "none"
extend-blocking-calls = ["mylib.slow_call"]
extend-async-safe = ["mylib.fast.*"]

[tool.fastapi-lint.per-file-ignores]
"tests/*" = ["FAS101", "FAS102"]
"scripts/ünïcode.py" = ["ALL"]

[tool.fastapi-lint.severity]
FAS1 = "warning"
FAS101 = "info"
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / ".gitignore").write_text("ignored/\n")
    for name in ("app.py", "pkg/__init__.py", "pkg/routes.py", "generated/models.py", "api_pb2.py",
                 "ignored/old.py", "stubs/types.pyi", ".venv/lib/site.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(ROUTE)
    (tmp_path / "notes.txt").write_text("not Python\n")
    (tmp_path / ".git").mkdir()  # .gitignore files count in a repository
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _toml_block(text: str) -> dict[str, object]:
    """The ``[tool.fastapi-lint]`` block of ``--show-settings``, read as TOML."""
    block = text[text.index("[tool.fastapi-lint]\n"):text.index("\n\n# Rules selected")]
    return tomllib.loads(block)["tool"]["fastapi-lint"]  # type: ignore[no-any-return]


def test_show_settings_is_the_configuration_read_back(project: Path) -> None:
    result = invoke("--show-settings")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Resolved settings for: .\nSettings path: {project / 'pyproject.toml'}\n"
                                    f"Cache: {project / '.fastapi_lint_cache'}\n\n[tool.fastapi-lint]\n")
    table = _toml_block(result.stdout)
    assert list(table) == [key.name for key in KEYS]  # every key, in the schema's order
    assert table["baseline"] == str(project / "fastapi-lint-baseline.json")  # resolved against the file's folder
    shown = parse_table(table, project / "pyproject.toml")
    assert shown == load(project / "pyproject.toml")  # what is printed is what the check uses, exactly


def test_show_settings_lists_every_key_even_unset(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    out = invoke("--show-settings").stdout
    for key in KEYS:
        assert re.search(rf"^(# )?{re.escape(key.name)}( = |: not set$)", out, re.MULTILINE), key.name
    assert "# baseline: not set\n" in out and "per-file-ignores = {}\n" in out and "select = []\n" in out


def test_show_settings_applies_the_command_line(project: Path) -> None:
    result = invoke("--show-settings", "--select", "FAS1,FAS201", "--ignore", "FAS105", "--fail-on", "error",
                    "--scope", "server", "--baseline", "other.json", "--force-exclude", "--no-respect-gitignore",
                    "--no-cache")
    table = _toml_block(result.stdout)
    assert (table["select"], table["ignore"], table["fail-on"], table["scope"]) == (
        ["FAS1", "FAS201"], ["FAS105"], "error", "server")
    assert (table["force-exclude"], table["respect-gitignore"]) == (True, False)
    assert table["baseline"] == "other.json"
    assert "Cache: none (--no-cache)\n" in result.stdout


def test_show_settings_lists_the_selected_rules_with_their_severity(project: Path) -> None:
    out = invoke("--show-settings").stdout
    rules = out[out.index("# Rules selected"):].splitlines()
    config = load(project / "pyproject.toml")
    codes = sorted(selected_codes(config))
    assert rules[0] == f"# Rules selected ({len(codes)})"
    assert rules[1].split() == ["Code", "Name", "Severity", "Fix"]
    rows = {row.split()[0]: row.split()[1:] for row in rules[2:]}
    assert sorted(rows) == codes and "FAS403" not in rows and "FAS109" in rows and "FAS107" in rows
    assert rows["FAS101"][:2] == ["blocking-call-in-async", "info"]  # the later, narrower entry wins
    assert rows["FAS102"][1] == "warning" and rows["FAS201"][1] == "error"


def test_show_settings_without_a_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app.py").write_text(ROUTE)
    monkeypatch.chdir(tmp_path)
    out = invoke("app.py", "--show-settings").stdout
    assert "Settings path: none (no [tool.fastapi-lint] found: the defaults)\n" in out
    assert _toml_block(out)["select"] == []


def test_show_settings_per_configuration(project: Path) -> None:
    (project / "sub").mkdir()
    (project / "sub" / "pyproject.toml").write_text('[tool.fastapi-lint]\nselect = ["FAS2"]\n')
    (project / "sub" / "svc.py").write_text(ROUTE)
    out = invoke("app.py", "sub/svc.py", "--show-settings").stdout
    blocks = out.split("Resolved settings for: ")[1:]
    assert [block.splitlines()[0] for block in blocks] == ["app.py", "sub/svc.py"]
    assert _toml_block(blocks[1])["select"] == ["FAS2"]


def test_show_settings_as_json(project: Path) -> None:
    (found,) = json.loads(invoke("--show-settings", "--format", "json").stdout)
    assert found["settings_path"] == str(project / "pyproject.toml")
    assert found["settings"]["per-file-ignores"] == {"tests/*": ["FAS101", "FAS102"], "scripts/ünïcode.py": ["ALL"]}
    assert found["settings"]["severity"] == {"FAS1": "warning", "FAS101": "info"}
    assert found["settings"]["baseline"] == str(project / "fastapi-lint-baseline.json")
    assert {rule["code"] for rule in found["rules"]} == set(selected_codes(load(project / "pyproject.toml")))


def test_show_settings_lints_nothing_and_writes_nothing(project: Path) -> None:
    result = invoke("--show-settings", "-o", "settings.txt")
    assert (result.exit_code, result.stdout) == (0, "")
    assert (project / "settings.txt").read_text(encoding="utf-8").startswith("Resolved settings for: .\n")
    assert not (project / ".fastapi_lint_cache").exists()
    assert "Checked" not in result.stderr


def test_show_settings_of_a_broken_configuration_is_one_line(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.fastapi-lint]\nselect = ["FAS999"]\n')
    result = invoke("--show-settings")
    assert result.exit_code == 2
    assert result.stderr.startswith("fastapi-lint: error: ") and "FAS999" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_show_files_are_what_the_check_lints(project: Path) -> None:
    result = invoke("--show-files")
    assert result.exit_code == 0, result.stderr
    # not generated/ nor *_pb2.py (extend-exclude), ignored/ (.gitignore), .venv (skipped by default),
    # stubs (a walk skips .pyi), notes.txt
    assert result.stdout == "app.py\npkg/__init__.py\npkg/routes.py\n"
    assert invoke("--write-baseline", "fastapi-lint-baseline.json", "--no-cache").exit_code == 0
    checked = invoke(".", "--timings", "--no-cache", "-q", "--exit-zero")
    assert checked.stderr.startswith("files: 3 (")
    assert not (project / ".fastapi_lint_cache").exists()


def test_show_files_of_files_named(project: Path) -> None:
    # Named explicitly, an excluded or ignored file is linted (as in Ruff) unless --force-exclude.
    named = ("pkg/routes.py", "generated/models.py", "ignored/old.py", "stubs/types.pyi")
    assert invoke(*named, "--show-files").stdout.splitlines() == sorted(named)
    assert invoke(*named, "--show-files", "--force-exclude").stdout.splitlines() == ["pkg/routes.py", "stubs/types.pyi"]
    assert invoke("pkg", "--show-files", "--no-respect-gitignore").stdout == "pkg/__init__.py\npkg/routes.py\n"
    result = invoke("notes.txt", "app.py", "--show-files")
    assert result.stdout == "app.py\n" and "skipping notes.txt" in result.stderr


def test_show_files_without_respect_gitignore(project: Path) -> None:
    assert "ignored/old.py\n" in invoke("--show-files", "--no-respect-gitignore").stdout


def test_show_files_as_json(project: Path) -> None:
    assert json.loads(invoke("--show-files", "--format", "json").stdout) == ["app.py", "pkg/__init__.py", "pkg/routes.py"]


def test_show_files_of_a_missing_path_is_an_error(project: Path) -> None:
    result = invoke("nope.py", "--show-files")
    assert result.exit_code == 2 and result.stderr == "fastapi-lint: error: nope.py: no such file or directory\n"


@pytest.mark.parametrize(("args", "message"), [
    (["--show-settings", "--show-files"], "--show-settings and --show-files: give one of them"),
    (["--show-files", "--fix"], "--show-files prints and exits without linting: not with --fix"),
    (["--show-settings", "--statistics", "--diff"], "not with --statistics, --diff"),
    (["--show-files", "--write-baseline", "b.json"], "not with --write-baseline"),
    (["--show-settings", "--format", "sarif"], "--show-settings prints text (or JSON with --format json)"),
    (["--show-files", "-"], "--show-files lists files on disk: not with standard input"),
])
def test_show_options_refuse_what_they_do_not_do(project: Path, args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert (project / "app.py").read_text() == ROUTE and not (project / "b.json").exists()


def test_show_files_leave_another_configurations_files_to_it(project: Path) -> None:
    (project / "sub").mkdir()
    (project / "sub" / "pyproject.toml").write_text('[tool.fastapi-lint]\nselect = ["FAS2"]\n')
    (project / "sub" / "svc.py").write_text(ROUTE)
    assert invoke(".", "sub", "--show-files").stdout == "app.py\npkg/__init__.py\npkg/routes.py\nsub/svc.py\n"
    assert invoke("sub", "--show-files").stdout == "sub/svc.py\n"
