"""The baseline (``--write-baseline``, ``--baseline``, ``baseline = "..."``): only new findings.

Entries are keyed by code, file, enclosing function and the hash of the finding's line, so
they survive edits that shift lines; a broken or hostile file is a one-line error; the file
is written in one rename, only where the command line says.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_lint.baseline import BaselineError, Key, dumps, load, record
from fastapi_lint.diagnostics import Diagnostic, Severity, Span
from tests.helpers import invoke

ROUTES = """\
import time

import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/a")
async def a() -> None:
    time.sleep(1)
    requests.get("https://example.com", timeout=1)


@app.get("/b")
async def b() -> None:
    time.sleep(1)
"""

BASELINE = "fastapi-lint-baseline.json"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "routes.py").write_text(ROUTES)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def found(*args: str) -> tuple[int, list[tuple[str, str, int]], str]:
    result = invoke("app", "--format", "json", "--no-cache", *args)
    report = json.loads(result.stdout) if result.stdout.strip() else []
    return result.exit_code, [(f["code"], f["path"], f["line"]) for f in report], result.stderr


def write(*args: str) -> str:
    result = invoke("app", "--no-cache", "--write-baseline", BASELINE, *args)
    assert result.exit_code == 0, result.stderr
    return result.stderr


def edit(project: Path, old: str, new: str, name: str = "routes.py") -> None:
    path = project / "app" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_write_then_nothing_is_reported(project: Path) -> None:
    assert "Wrote 3 findings to the baseline" in write()
    code, report, stderr = found("--baseline", BASELINE)
    assert (code, report) == (0, [])
    assert "3 findings in the baseline not shown" in stderr
    document = json.loads((project / BASELINE).read_text())
    assert document["fastapi-lint-baseline"] == 1
    assert sorted((e["code"], e["path"], e["function"], e["count"]) for e in document["findings"]) == [
        ("FAS101", "app/routes.py", "a", 1), ("FAS101", "app/routes.py", "a", 1), ("FAS101", "app/routes.py", "b", 1),
    ]  # time.sleep and requests.get in a: two lines, two keys


def test_entries_survive_edits_that_shift_lines(project: Path) -> None:
    write()
    edit(project, "import time\n", '"""Routes."""\n\nimport os\nimport time\n')  # lines above
    edit(project, "app = FastAPI()\n", "app = FastAPI()\n\n\ndef helper() -> int:\n    return 1\n")
    edit(project, "    time.sleep(1)\n    requests", "    x = helper()\n        \n    time.sleep( 1 )\n    requests")
    assert found("--baseline", BASELINE)[:2] == (0, [])


def test_a_new_finding_is_reported_alone(project: Path) -> None:
    write()
    edit(project, "async def b() -> None:\n", "async def b() -> None:\n    requests.get('https://example.com/b')\n")
    code, report, stderr = found("--baseline", BASELINE)
    assert code == 1
    assert report == [("FAS101", "app/routes.py", 17), ("FAS403", "app/routes.py", 17)]
    assert "3 findings in the baseline not shown" in stderr


def test_the_same_line_in_another_function_is_new(project: Path) -> None:
    write()
    (project / "app" / "more.py").write_text("import time\n\nfrom app.routes import app\n\n\n@app.get('/c')\n"
                                             "async def c() -> None:\n    time.sleep(1)\n")
    assert found("--baseline", BASELINE)[1] == [("FAS101", "app/more.py", 8)]


def test_counts_per_key(project: Path) -> None:
    edit(project, "async def b() -> None:\n    time.sleep(1)\n", "async def b() -> None:\n    time.sleep(1)\n    time.sleep(1)\n")
    write()
    assert found("--baseline", BASELINE)[1] == []
    edit(project, "async def b() -> None:\n", "async def b() -> None:\n    time.sleep(1)\n")
    assert found("--baseline", BASELINE)[1] == [("FAS101", "app/routes.py", 19)]  # one more than recorded: the last


def test_fixed_findings_are_dropped_on_the_next_write(project: Path) -> None:
    write()
    edit(project, "@app.get(\"/b\")\nasync def b() -> None:\n    time.sleep(1)\n", "")
    assert "Wrote 2 findings" in write()
    functions = {e["function"] for e in json.loads((project / BASELINE).read_text())["findings"]}
    assert functions == {"a"}


def test_a_write_for_some_files_keeps_the_others(project: Path) -> None:
    (project / "app" / "other.py").write_text("import time\n\nfrom app.routes import app\n\n\n@app.get('/o')\n"
                                              "async def o() -> None:\n    time.sleep(1)\n")
    write()
    edit(project, "@app.get(\"/b\")\nasync def b() -> None:\n    time.sleep(1)\n", "")
    # pre-commit passes the changed file only: other.py's entry stays, routes.py's fixed one goes
    assert invoke("app/routes.py", "--no-cache", "--write-baseline", BASELINE).exit_code == 0
    entries = {(e["path"], e["function"]) for e in json.loads((project / BASELINE).read_text())["findings"]}
    assert entries == {("app/routes.py", "a"), ("app/other.py", "o")}
    # a rule the run did not select keeps its entries too
    assert invoke("app", "--no-cache", "--select", "FAS403", "--write-baseline", BASELINE).exit_code == 0
    entries = {(e["code"], e["function"]) for e in json.loads((project / BASELINE).read_text())["findings"]}
    assert entries == {("FAS101", "a"), ("FAS101", "o")}  # FAS403 found nothing; FAS101's entries stay
    (project / "app" / "other.py").unlink()  # a file gone: its entries go at the next write
    assert invoke("app/routes.py", "--no-cache", "--write-baseline", BASELINE).exit_code == 0
    entries = {(e["path"], e["function"]) for e in json.loads((project / BASELINE).read_text())["findings"]}
    assert entries == {("app/routes.py", "a")}


def test_files_named_on_the_command_line(project: Path) -> None:
    write()
    edit(project, "async def b() -> None:\n", "async def b() -> None:\n    requests.get('https://example.com/b', timeout=1)\n")
    result = invoke("app/routes.py", "--format", "concise", "--no-cache", "--baseline", BASELINE)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["app/routes.py:17:5: FAS101 `requests.get` blocks the event loop in async "
                                          "route `b`, waiting on the network: it performs a synchronous HTTP request"]


@pytest.mark.parametrize("output_format", ["text", "concise", "json", "sarif", "github"])
def test_every_format(project: Path, output_format: str) -> None:
    write()
    edit(project, "async def b() -> None:\n", "async def b() -> None:\n    time.sleep(2)\n")
    result = invoke("app", "--format", output_format, "--no-cache", "--baseline", BASELINE)
    assert result.exit_code == 1
    out = result.stdout
    if output_format == "json":
        assert [f["line"] for f in json.loads(out)] == [17]
    elif output_format == "sarif":
        assert [r["locations"][0]["physicalLocation"]["region"]["startLine"]
                for r in json.loads(out)["runs"][0]["results"]] == [17]
    else:
        assert out.count("FAS101") == 1 and "17" in out and "FAS403" not in out


def test_the_configured_baseline(project: Path) -> None:
    (project / "pyproject.toml").write_text(f'[tool.fastapi-lint]\nbaseline = "{BASELINE}"\n')
    write()
    (project / "sub").mkdir()
    os.chdir(project / "sub")  # the path is relative to the pyproject.toml, not the working folder
    result = invoke("../app", "--no-cache")
    assert result.exit_code == 0, result.stdout + result.stderr


def test_a_configured_baseline_that_is_missing(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.fastapi-lint]\nbaseline = "nowhere.json"\n')
    result = invoke("app", "--no-cache")
    assert result.exit_code == 2
    assert "nowhere.json: no such baseline file (write one with `--write-baseline" in result.stderr


@pytest.mark.parametrize("value", ['""', "1", '["a"]'])
def test_a_configured_baseline_of_the_wrong_type(project: Path, value: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.fastapi-lint]\nbaseline = {value}\n")
    result = invoke("app", "--no-cache")
    assert result.exit_code == 2 and "baseline: expected the path of a baseline file" in result.stderr


HOSTILE = {
    "not JSON": (b"{", "invalid JSON"),
    "binary": (b"\xff\xfe\x00garbage", "not UTF-8"),
    "a list": (b"[]", "not a fastapi-lint baseline"),
    "another version": (b'{"fastapi-lint-baseline": 2, "findings": []}', "baseline format 2"),
    "a bool version": (b'{"fastapi-lint-baseline": true, "findings": []}', "baseline format true"),
    "unknown key": (b'{"fastapi-lint-baseline": 1, "findings": [], "x": 1}', "unknown key `'x'`"),
    "findings not a list": (b'{"fastapi-lint-baseline": 1, "findings": {}}', "`findings` must be a list"),
    "entry not an object": (b'{"fastapi-lint-baseline": 1, "findings": [1]}', "findings[0]: expected an object"),
    "bad code": (b'{"fastapi-lint-baseline": 1, "findings": [{"code": "rm -rf", "path": "a.py", "function": "",'
                 b' "hash": "0123456789abcdef", "count": 1}]}', "findings[0].code"),
    "bad hash": (b'{"fastapi-lint-baseline": 1, "findings": [{"code": "FAS101", "path": "a.py", "function": "",'
                 b' "hash": "x", "count": 1}]}', "findings[0].hash"),
    "huge count": (b'{"fastapi-lint-baseline": 1, "findings": [{"code": "FAS101", "path": "a.py", "function": "",'
                   b' "hash": "0123456789abcdef", "count": 1e400}]}', "findings[0].count"),
    "long integer": (b'{"fastapi-lint-baseline": 1, "findings": [{"count": ' + b"9" * 5000 + b"}]}", "invalid JSON"),
    "deep nesting": (b"[" * 100_000 + b"]" * 100_000, "invalid JSON"),
    "NUL in a path": (b'{"fastapi-lint-baseline": 1, "findings": [{"code": "FAS101", "path": "a\\u0000.py",'
                      b' "function": "", "hash": "0123456789abcdef", "count": 1}]}', "findings[0].path"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_broken_baseline_is_one_line_of_error(project: Path, case: str) -> None:
    data, said = HOSTILE[case]
    (project / BASELINE).write_bytes(data)
    result = invoke("app", "--no-cache", "--baseline", BASELINE)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"fastapi-lint: error: {BASELINE}:")
    assert said in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_baseline_that_is_not_a_file(project: Path) -> None:
    (project / "folder.json").mkdir()
    result = invoke("app", "--no-cache", "--baseline", "folder.json")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    if hasattr(os, "mkfifo"):
        os.mkfifo(project / "fifo.json")  # opening must not wait for a writer
        result = invoke("app", "--no-cache", "--baseline", "fifo.json")
        assert result.exit_code == 2 and "not a regular file" in result.stderr
    if os.path.exists("/dev/zero"):
        (project / "zero.json").symlink_to("/dev/zero")
        result = invoke("app", "--no-cache", "--baseline", "zero.json")
        assert result.exit_code == 2 and "not a regular file" in result.stderr


def test_write_never_follows_a_link_nor_overwrites_another_file(project: Path) -> None:
    target = project / "precious.txt"
    target.write_text("keep me")
    (project / BASELINE).symlink_to(target)
    result = invoke("app", "--no-cache", "--write-baseline", BASELINE)
    assert result.exit_code == 2 and "symbolic link" in result.stderr
    assert target.read_text() == "keep me"
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    result = invoke("app", "--no-cache", "--write-baseline", "pyproject.toml")
    assert result.exit_code == 2 and "is not a fastapi-lint baseline, not overwritten" in result.stderr
    assert (project / "pyproject.toml").read_text() == "[project]\nname = 'x'\n"
    result = invoke("app", "--no-cache", "--write-baseline", "no/such/folder/b.json")
    assert result.exit_code == 2 and "no folder" in result.stderr
    assert not (project / "no").exists()


def test_write_is_atomic_and_keeps_the_mode(project: Path) -> None:
    write()
    (project / BASELINE).chmod(0o640)
    write()
    assert (project / BASELINE).stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in project.iterdir()) == ["app", BASELINE]  # no temporary file left


def test_write_baseline_refuses_fix_and_friends(project: Path) -> None:
    for extra in ("--fix", "--diff", "--add-noqa"):
        result = invoke("app", "--no-cache", "--write-baseline", BASELINE, extra)
        assert result.exit_code == 2 and "--write-baseline cannot be combined" in result.stderr


def test_the_file_round_trips(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")
    finding = Diagnostic("FAS101", "blocking-call-in-async", Severity.ERROR, "m", str(tmp_path / "m.py"), Span(5, 4, 5, 17))
    baseline = record([finding, finding], tmp_path)
    assert list(baseline.entries.items()) == [(Key("m.py", "f", "FAS101", baseline.entries.most_common(1)[0][0].hash), 2)]
    (tmp_path / "b.json").write_text(dumps(baseline))
    assert load(tmp_path / "b.json").entries == baseline.entries
    with pytest.raises(BaselineError):
        load(tmp_path / "missing.json")


# -- with the real pre-commit ------------------------------------------------------------------------


def test_with_the_real_pre_commit_hook(project: Path) -> None:
    """The shipped hook's command and arguments, run by pre-commit on the changed files, with the
    baseline configured: legacy findings pass, an edit that shifts lines passes, a new one fails."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    import importlib.util

    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("needs pre-commit (pip install pre-commit)")
    import yaml

    hook = next(h for h in yaml.safe_load((Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml")
                                          .read_text()) if h["id"] == "fastapi-lint")
    (project / "pyproject.toml").write_text(f'[tool.fastapi-lint]\nbaseline = "{BASELINE}"\n')
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [{
        "id": "fastapi-lint", "name": "fastapi-lint", "entry": hook["entry"], "args": hook["args"],
        "language": "system", "types": hook["types"], "require_serial": hook["require_serial"]}]}]}))
    write()
    env = {**os.environ, "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"), "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1", "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]])}

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=project,
                       check=True, capture_output=True, timeout=60, env=env)

    def hook_run(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "fastapi-lint", "--files", *files],
                              cwd=project, capture_output=True, text=True, timeout=300, env=env)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "legacy")
    done = hook_run("app/routes.py")
    assert done.returncode == 0, done.stdout + done.stderr
    edit(project, "import time\n", "import os\nimport time\n\n# a comment that shifts every line\n")
    done = hook_run("app/routes.py")
    assert done.returncode == 0, done.stdout + done.stderr
    edit(project, "async def b() -> None:\n", "async def b() -> None:\n    time.sleep(3)\n")
    done = hook_run("app/routes.py")
    assert done.returncode == 1
    reported = [line for line in done.stdout.splitlines() if "FAS" in line and "-->" not in line]
    assert len(reported) == 1 and "FAS101" in reported[0] and "time.sleep" in reported[0], done.stdout


def test_standard_input_reads_the_configured_baseline(project: Path) -> None:
    """An editor lints its buffer through standard input: keyed by the text given, not the file."""
    from tests.helpers import cli_runner
    from fastapi_lint import cli

    (project / "pyproject.toml").write_text(f'[tool.fastapi-lint]\nbaseline = "{BASELINE}"\n')
    write()
    buffer = (project / "app" / "routes.py").read_text().replace("import time\n", "import time\n\n\n")
    result = cli_runner().invoke(cli.main, ["--stdin-filename", "app/routes.py", "--format", "json", "--no-cache"],
                                 input=buffer)
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])
    buffer = buffer.replace("async def b() -> None:\n", "async def b() -> None:\n    time.sleep(2)\n")
    result = cli_runner().invoke(cli.main, ["--stdin-filename", "app/routes.py", "--format", "json", "--no-cache"],
                                 input=buffer)
    assert [f["line"] for f in json.loads(result.stdout)] == [19]


def test_fix_fixes_old_code_too_and_reports_only_what_is_new(project: Path) -> None:
    write()
    edit(project, "async def b() -> None:\n", "async def b() -> None:\n    requests.get('https://example.com/b')\n")
    result = invoke("app", "--no-cache", "--baseline", BASELINE, "--fix")
    text = (project / "app" / "routes.py").read_text()
    assert text.count("await asyncio.sleep(1)") == 2, result.stderr  # the baseline's time.sleep, fixed
    assert "Fixed 2 findings (2 remaining)" in result.stderr  # requests.get: FAS101 and FAS403, both new
    assert "1 finding in the baseline not shown" in result.stderr  # a's requests.get


def test_add_noqa_comments_only_the_new_findings(project: Path) -> None:
    write()
    edit(project, "async def b() -> None:\n", "async def b() -> None:\n    time.sleep(2)\n")
    assert invoke("app", "--no-cache", "--baseline", BASELINE, "--add-noqa").exit_code == 0
    text = (project / "app" / "routes.py").read_text()
    assert text.count("# noqa") == 1 and "time.sleep(2)  # noqa: FAS101" in text
