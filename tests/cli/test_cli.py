"""The command line: formats, exit codes, the summary line, selection flags, ``rules`` and ``explain``.

Exit codes and stderr are checked once through a real subprocess (``python -m fastapi_lint``);
everything else runs in-process with click's runner, which is much faster.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_lint import cli
from fastapi_lint.cli.output import markdown_to_text
from fastapi_lint.diagnostics import Applicability, Diagnostic, Fix, Hop, Severity, Span
from fastapi_lint.reporters import concise as concise_reporter
from fastapi_lint.reporters import json as json_reporter
from fastapi_lint.reporters import text as text_reporter
from tests.helpers import ROUTE, _plain_environment, invoke  # noqa: F401 (_plain_environment: an autouse fixture)
from tests.helpers import cli_runner as _runner

ANSI = re.compile(r"\x1b\[[0-9;]*m")


# Only a warning: a blocking call in an async function that an app's module imports (``CLEAN``)
# but that no route is seen to run.
HELPER = """\
import time


async def helper():
    time.sleep(1)
"""

CLEAN = """\
import asyncio
from fastapi import FastAPI

from helper import helper  # noqa: F401 (named, not called: what a caller to come may run)

app = FastAPI()


@app.get("/fast")
async def fast():
    await asyncio.sleep(1)
    return {}
"""


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "fastapi_lint", *args],
        cwd=cwd, capture_output=True, text=True, env=environment, timeout=60,
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "route.py").write_text(ROUTE)
    (tmp_path / "helper.py").write_text(HELPER)
    (tmp_path / "clean.py").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


# -- through a real process: exit codes, stderr, no tracebacks -----------------------------


def test_subprocess_findings_exit_1_with_text_report_and_summary(project: Path) -> None:
    done = run("route.py", "clean.py", "--select", "FAS101", cwd=project)
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert not ANSI.search(out), "no colour when stdout is not a terminal"
    assert out.startswith("FAS101 [*] `time.sleep` blocks the event loop")  # [*]: a safe fix exists
    assert " --> route.py:9:5\n" in out
    assert "9 |     time.sleep(1)\n" in out
    assert "  |     ^^^^^^^^^^^^^\n" in out
    assert "\nhelp: " in out
    # Loose files in no project: said once, then the summary.
    assert re.fullmatch(r"fastapi-lint: route.py \(and 1 more\): no project found .*\n"
                        r"Checked 2 files: 1 error, 0 warnings, 0 infos in \d+\.\d\ds\n\[\*\] 1 fixable with `--fix`\n", done.stderr)


def test_exit_codes(project: Path) -> None:
    assert invoke("clean.py").exit_code == 0
    assert invoke("helper.py", "-q").exit_code == 1  # default: any finding fails
    assert invoke("helper.py", "--fail-on", "error", "-q").exit_code == 0
    assert invoke("helper.py", "--fail-on", "warning", "-q").exit_code == 1
    assert invoke("helper.py", "--fail-on", "info", "-q").exit_code == 1
    assert invoke("route.py", "--exit-zero", "-q").exit_code == 0
    assert invoke("route.py", "--fail-on", "error", "-q").exit_code == 1


def test_subprocess_missing_path_is_a_clear_error(project: Path) -> None:
    done = run("route.py", "nope/missing.py", cwd=project)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "fastapi-lint: error: nope/missing.py: no such file or directory\n"


def test_subprocess_exit_skips_teardown_but_not_output(project: Path) -> None:
    """The process leaves with ``os._exit``: everything printed must still arrive, and the status
    must be the one ``sys.exit`` would give."""
    many = "".join(f"\n\n@app.get('/r{n}')\nasync def r{n}():\n    time.sleep(1)\n" for n in range(300))
    (project / "many.py").write_text(ROUTE + many)
    done = run("many.py", "--format", "json", cwd=project)
    assert done.returncode == 1, done.stderr
    assert len(json.loads(done.stdout)) == 301  # a report larger than any pipe buffer, whole
    assert run("clean.py", "-q", cwd=project).returncode == 0
    assert run("--version", cwd=project).stdout.startswith("fastapi-lint, version ")


def test_subprocess_closed_pipe_is_not_a_traceback(project: Path) -> None:
    (project / "many.py").write_text(ROUTE + "".join(f"\n\n@app.get('/r{n}')\nasync def r{n}():\n    time.sleep(1)\n" for n in range(300)))
    with subprocess.Popen([sys.executable, "-m", "fastapi_lint", "many.py"], cwd=project,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()  # ``| head -1``
        errors = process.stderr.read().decode()
        assert process.wait(timeout=60) in (1, 2)
    assert "Traceback" not in errors


def test_check_options_are_the_check_commands_parameters() -> None:
    """``check`` builds ``CheckOptions`` from its parameters by name: a new option needs its field."""
    from dataclasses import fields

    from fastapi_lint.cli.check import check
    from fastapi_lint.cli.options import CheckOptions

    assert {param.name for param in check.params} == {field.name for field in fields(CheckOptions)}


def test_only_the_group_and_one_exit_leave_the_process() -> None:
    """One way out per command (``output.one_exit``): no helper of the commands calls ``sys.exit``."""
    import ast

    callers: set[str] = set()

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, f"{where.partition(':')[0]}:{child.name}")
                continue
            if isinstance(child, ast.Call) and ast.unparse(child.func) in ("sys.exit", "exit", "os._exit"):
                callers.add(where)
            visit(child, where)

    for file in sorted(Path(cli.__file__).parent.glob("*.py")):
        visit(ast.parse(file.read_text(encoding="utf-8")), file.stem)
    assert callers == {"group:invoke", "leaving:leave", "output:run"}


def test_exit_code_is_what_sys_exit_would_give(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli._exit_code(None) == 0
    assert cli._exit_code(2) == 2
    assert cli._exit_code("fatal: no") == 1
    assert capsys.readouterr().err == "fatal: no\n"


def test_subprocess_usage_errors_exit_2(project: Path) -> None:
    done = run("--format", "xml", "route.py", cwd=project)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Usage: fastapi-lint" in done.stderr  # not ``__main__.py``


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.startswith("fastapi-lint, version ")


# -- formats --------------------------------------------------------------------------------


def test_concise_format(project: Path) -> None:
    # Linted alone, ``helper.py`` is imported by no app: only ``--scope all`` shows it.
    result = invoke("route.py", "helper.py", "--format", "concise", "-q", "--select", "FAS101", "--scope", "all")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "helper.py:5:5: FAS101 `time.sleep` blocks the event loop in async function `helper`, waiting on a timer: "
        "it sleeps the whole thread",
        "route.py:9:5: FAS101 `time.sleep` blocks the event loop in async route `slow`, waiting on a timer: "
        "it sleeps the whole thread",
    ]


def test_output_format_alias(project: Path) -> None:
    result = invoke("route.py", "--output-format", "concise", "-q", "--select", "FAS101")
    assert result.stdout.startswith("route.py:9:5: FAS101 ")


def test_json_format(project: Path) -> None:
    result = invoke("route.py", "clean.py", "helper.py", "--format", "json", "--select", "FAS101")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert [f["path"] for f in findings] == ["helper.py", "route.py"]
    route = findings[1]
    assert {"code", "name", "severity", "message", "path", "line", "column", "end_line", "end_column", "fix",
            "chain"} <= set(route)
    assert (route["code"], route["name"], route["severity"]) == ("FAS101", "blocking-call-in-async", "error")
    assert (route["line"], route["column"], route["end_line"], route["end_column"]) == (9, 5, 9, 18)
    assert route["fix"] == {"title": "Await `asyncio.sleep` instead", "applicability": "safe"}
    assert route["chain"] == []
    assert findings[0]["severity"] == "warning"
    assert "Checked 3 files" in result.stderr  # the summary never pollutes the JSON


def test_json_format_without_findings_is_an_empty_array(project: Path) -> None:
    result = invoke("clean.py", "--format", "json", "-q", "--select", "FAS1")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


@pytest.mark.parametrize(
    ("prefix", "expected_col"),
    [
        ('s = "héllo wörld"; ', 24),  # two-byte UTF-8 characters
        ('s = "日本語"; ', 16),  # three-byte characters, two cells wide
        ('s = "🐍🐍"; ', 15),  # four-byte characters
        ("s = 'e\u0301'; ", 15),  # a combining accent
    ],
)
def test_columns_are_1_based_characters_after_non_ascii_text(
    project: Path, prefix: str, expected_col: int
) -> None:
    source = f"import time\n\n\nasync def f():\n    {prefix}time.sleep(1)\n"
    assert len(f"    {prefix}") + 1 == expected_col
    Path("u.py").write_text(source, encoding="utf-8")
    concise = invoke("u.py", "--format", "concise", "-q", "--select", "FAS101").stdout
    assert concise.startswith(f"u.py:5:{expected_col}: FAS101 ")
    finding = json.loads(invoke("u.py", "--format", "json", "-q", "--select", "FAS101").stdout)[0]
    assert (finding["column"], finding["end_column"]) == (expected_col, expected_col + len("time.sleep(1)"))
    text = invoke("u.py", "-q", "--select", "FAS101").stdout
    assert f"--> u.py:5:{expected_col}\n" in text
    frame = text.splitlines()
    code_row = next(line for line in frame if line.startswith("5 |"))
    caret_row = frame[frame.index(code_row) + 1]
    # The carets sit under ``time.sleep(1)`` on screen: CJK characters take two cells.
    shown_prefix = code_row[len("5 | "):code_row.index("time.sleep")]
    assert caret_row == "  | " + " " * text_reporter.width(shown_prefix) + "^" * len("time.sleep(1)")


def test_tabs_in_the_frame_are_expanded_consistently(project: Path) -> None:
    Path("t.py").write_text("import time\n\n\nasync def f():\n\tx = 1;\ttime.sleep(1)\n")
    text = invoke("t.py", "-q", "--select", "FAS101").stdout
    rows = text.splitlines()
    code_row = next(line for line in rows if line.startswith("5 |"))
    caret_row = rows[rows.index(code_row) + 1]
    assert "\t" not in text
    assert code_row.index("time") == caret_row.index("^")
    assert caret_row.endswith("^" * len("time.sleep(1)"))
    assert "--> t.py:5:9" in text  # the column counts a tab as one character


# -- the text reporter on its own ----------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _diagnostic(fix: Fix | None = None, **changes: object) -> Diagnostic:
    values: dict[str, object] = dict(
        code="FAS101", name="blocking-call-in-async", severity=Severity.ERROR, message="it blocks",
        path="app.py", span=Span(2, 4, 2, 17), help="use `await asyncio.sleep(...)`", fix=fix,
    )
    values.update(changes)
    return Diagnostic(**values)  # type: ignore[arg-type]


SOURCES = {"app.py": ["async def f():", "    time.sleep(1)", ""]}


def _text(diagnostics: list[Diagnostic], stream: io.StringIO | None = None) -> str:
    stream = stream if stream is not None else io.StringIO()
    text_reporter.report(diagnostics, stream, SOURCES)
    return stream.getvalue()


def test_text_fix_marker_only_with_a_fix() -> None:
    assert _text([_diagnostic()]).splitlines()[0] == "FAS101 it blocks"
    fixed = _diagnostic(Fix("Use `asyncio.sleep`", Applicability.SAFE))
    assert _text([fixed]).splitlines()[0] == "FAS101 [*] it blocks"
    assert "[*]" not in "".join(concise_reporter_lines([_diagnostic()]))


def concise_reporter_lines(diagnostics: list[Diagnostic]) -> list[str]:
    stream = io.StringIO()
    concise_reporter.report(diagnostics, stream, {})
    return stream.getvalue().splitlines()


def test_text_layout_is_ruff_like() -> None:
    assert _text([_diagnostic()]) == (
        "FAS101 it blocks\n"
        " --> app.py:2:5\n"
        "  |\n"
        "1 | async def f():\n"
        "2 |     time.sleep(1)\n"
        "  |     ^^^^^^^^^^^^^\n"
        "  |\n"
        "help: use `await asyncio.sleep(...)`\n"
        "\n"
    )


def test_text_chain_hops_get_their_own_frame() -> None:
    hop = Hop("app.py", 2, 4, "time.sleep")
    out = _text([_diagnostic(chain=(hop,))])
    assert "  = via time.sleep\n --> app.py:2:5\n" in out
    assert out.count("^^^^^^^^^^") == 2


def test_text_without_source_still_gives_the_location() -> None:
    out = io.StringIO()
    text_reporter.report([_diagnostic(path="gone.py")], out, {})
    assert out.getvalue().splitlines()[:2] == ["FAS101 it blocks", " --> gone.py:2:5"]
    # a line past the end of the file (syntax error at EOF) is not an IndexError either
    assert " --> app.py:9:1" in _text([_diagnostic(span=Span(9, 0, 9, 0))])


def test_text_colour_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    assert not ANSI.search(_text([_diagnostic()]))
    coloured = _text([_diagnostic()], _Terminal())
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == _text([_diagnostic()])  # same text, only styled
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(_text([_diagnostic()], _Terminal()))
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ANSI.search(_text([_diagnostic()]))


def test_no_color_through_the_cli(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")  # NO_COLOR wins
    out = invoke("route.py").stdout
    assert "FAS101" in out and not ANSI.search(out)


def test_text_escapes_control_characters_from_the_source() -> None:
    line = '    x = "\x1b[31m\u202e"; time.sleep(1)'
    sources = {"app.py": ["async def f():", line]}
    stream = io.StringIO()
    col = line.index("time")
    text_reporter.report([_diagnostic(span=Span(2, col, 2, col + 13))], stream, sources)
    out = stream.getvalue()
    assert "\x1b" not in out and "\u202e" not in out
    rows = out.splitlines()
    code_row = next(line for line in rows if line.startswith("2 |"))
    assert rows[rows.index(code_row) + 1].index("^") == code_row.index("time")


def test_text_reporter_is_fast_for_many_findings() -> None:
    import time

    many = [_diagnostic(span=Span(2, 4, 2, 17)) for _ in range(5000)]
    started = time.perf_counter()
    out = _text(many)
    assert out.count("FAS101") == 5000
    assert time.perf_counter() - started < 1.5


def test_json_reporter_columns_are_1_based() -> None:
    stream = io.StringIO()
    hop = Hop("app.py", 2, 4, "time.sleep")
    json_reporter.report([_diagnostic(Fix("Use asyncio.sleep", Applicability.UNSAFE), chain=(hop,))], stream, {})
    (finding,) = json.loads(stream.getvalue())
    assert (finding["line"], finding["column"], finding["end_line"], finding["end_column"]) == (2, 5, 2, 18)
    assert finding["fix"] == {"title": "Use asyncio.sleep", "applicability": "unsafe"}
    assert finding["chain"] == [{"path": "app.py", "line": 2, "column": 5, "text": "time.sleep"}]


# -- summary, default paths, selection --------------------------------------------------------


def test_summary_line_counts_by_severity(project: Path) -> None:
    result = invoke("route.py", "helper.py", "clean.py", "--format", "concise", "--select", "FAS101")
    assert re.fullmatch(r"fastapi-lint: route.py \(and 2 more\): no project found .*\n"
                        r"Checked 3 files: 1 error, 1 warning, 0 infos in \d+\.\d\ds\n\[\*\] 2 fixable with `--fix`\n", result.stderr)
    assert invoke("route.py", "-q").stderr == ""


def test_default_path_is_the_current_folder(project: Path) -> None:
    result = invoke("--format", "concise", "--select", "FAS101")
    assert result.exit_code == 1
    assert {line.split(":")[0] for line in result.stdout.splitlines()} == {"route.py", "helper.py"}
    # ``check`` spelled out
    assert invoke("check", "--format", "concise", "--select", "FAS101").stdout == result.stdout


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), {"FAS101"}),
        (("--select", "FAS1"), {"FAS101"}),
        (("--ignore", "FAS101"), set()),
        (("--ignore", "blocking-call-in-async"), set()),
        (("--select", "ALL", "--ignore", "FAS1"), set()),
        (("--select", "loop-misuse"), set()),
        (("--select", "loop-misuse", "--extend-select", "FAS101"), {"FAS101"}),
        (("--select", "loop-misuse,blocking-call-in-async"), {"FAS101"}),
    ],
)
def test_selection_flags(project: Path, options: tuple[str, ...], expected: set[str]) -> None:
    result = invoke("route.py", "--format", "json", "-q", *options)
    # Other rules (added over time) may fire on the route too: look at FAS101 and FAS105 only.
    assert {f["code"] for f in json.loads(result.stdout)} & {"FAS101", "FAS105"} == expected
    if expected:
        assert result.exit_code == 1


@pytest.mark.parametrize("flag", ["--select", "--ignore", "--extend-select"])
def test_unknown_selector_names_the_flag(project: Path, flag: str) -> None:
    result = _runner().invoke(cli.main, ["route.py", flag, "blocking-call-in-sync"])
    assert result.exit_code == 2
    assert result.stderr == f"fastapi-lint: error: {flag}: unknown rule code or name `blocking-call-in-sync` (see `fastapi-lint rules`)\n"


def test_non_python_file_given_explicitly_is_skipped_with_a_note(project: Path) -> None:
    Path("notes.txt").write_text("time.sleep(1)\n")
    result = invoke("notes.txt", "clean.py", "--select", "FAS101")
    assert result.exit_code == 0
    assert "fastapi-lint: skipping notes.txt: not a Python file\n" in result.stderr
    assert "Checked 1 file:" in result.stderr


def test_internal_error_is_one_line_without_traceback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi_lint.api import runs

    def explode(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(runs, "lint_paths", explode)  # what lint_project calls
    result = _runner().invoke(cli.main, ["route.py"])
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("fastapi-lint: error: internal error: KeyError: 'boom'; this is a bug")
    assert len(result.stderr.splitlines()) == 1
    with pytest.raises(KeyError):
        invoke("route.py", "--debug")


# -- rules and explain ----------------------------------------------------------------------


def test_rules_table_is_plain_and_complete_when_piped() -> None:
    from fastapi_lint.rules import registry

    result = invoke("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Code", "Name", "Severity", "Default", "Fix", "Summary"]
    assert not ANSI.search(result.stdout)
    assert not re.search(r"[\u2500-\u257f]", result.stdout), "no box drawing"
    assert all(line == line.rstrip() for line in lines), "no trailing spaces"
    assert len(lines) == len(registry()) + 1
    summary_at = lines[0].index("Summary")
    for line, rule in zip(lines[1:], registry().values()):
        assert line.startswith(f"{rule.code}  {rule.name}")
        assert line[summary_at:] == rule.summary(), "summaries are never cut"
        assert line.split()[2] == rule.severity.label


def test_rules_json() -> None:
    from fastapi_lint.rules import registry

    rows = json.loads(invoke("rules", "--format", "json").stdout)
    assert [row["code"] for row in rows] == list(registry())
    assert {"code", "name", "severity", "default", "fixable", "summary"} <= set(rows[0])


@pytest.mark.parametrize("name", ["FAS101", "fas101", "blocking-call-in-async", "Blocking-Call-In-Async"])
def test_explain_by_code_or_name(name: str) -> None:
    result = invoke("explain", name)
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("FAS101 (blocking-call-in-async)\n===============================\n")
    assert "Severity: error. Default: on. Fix: available." in out
    assert "\nWhat it does\n------------\n" in out
    assert "##" not in out and "```" not in out
    assert "\n    import time\n" in out  # code blocks indented
    assert not ANSI.search(out)


def test_explain_unknown_rule_suggests_close_names() -> None:
    result = _runner().invoke(cli.main, ["explain", "blocking-call-in-asinc"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "fastapi-lint: error: unknown rule `blocking-call-in-asinc` (did you mean `blocking-call-in-async`"
    )
    assert len(result.stderr.splitlines()) == 1
    assert _runner().invoke(cli.main, ["explain", "xyz"]).exit_code == 2


def test_explain_every_rule_renders() -> None:
    from fastapi_lint.rules import registry

    for code in registry():
        result = invoke("explain", code)
        assert result.exit_code == 0 and result.stdout.startswith(code)


def test_markdown_to_text() -> None:
    text = markdown_to_text("# Title\n\nIntro `x`.\n## Example\n```python\nx = 1\n\n```\nDone.\n")
    assert text == "Title\n=====\n\nIntro `x`.\n\nExample\n-------\n    x = 1\n\nDone.\n"


def test_text_cuts_very_long_lines_around_the_range() -> None:
    line = "x = 1; " * 500 + "time.sleep(1)" + "; y = 2" * 500
    col = line.index("time")
    stream = io.StringIO()
    text_reporter.report([_diagnostic(span=Span(2, col, 2, col + 13))], stream, {"app.py": ["z = 0; " * 500, line]})
    rows = stream.getvalue().splitlines()
    assert rows[1] == f" --> app.py:2:{col + 1}"
    assert max(len(row) for row in rows) < 400
    code_row = next(row for row in rows if row.startswith("2 |"))
    caret_row = rows[rows.index(code_row) + 1]
    assert code_row.startswith("2 | \u2026") and code_row.endswith("\u2026")
    assert caret_row.index("^") == code_row.index("time.sleep(1)")
    assert caret_row.endswith("^" * 13)
