"""The scope: which event-loop findings are shown by default, by where the code runs.

The fixtures ``fixtures/FAS101/scope_served`` (an app with a route, a helper it awaits, a task its
lifespan starts, startup code, a `def` route with ``asyncio.run``, task-queue jobs, tests, a
script, a command and a module no app imports) and ``scope_library`` (no app) say which findings
are shown; these tests check what the fixtures cannot: severities, the count left out, the
options that widen the view, and the carry-over of that count.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from fastapi_lint.analysis.test_code import is_test_path
from fastapi_lint.api import lint_paths
from fastapi_lint.config import Config, ConfigError, parse_table
from fastapi_lint.diagnostics import Severity
from tests.helpers import _plain_environment, invoke  # noqa: F401 (_plain_environment: an autouse fixture)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "FAS101"
SERVED = FIXTURES / "scope_served"
CODES = Config(select=("FAS101", "FAS102", "FAS105"))


def _where(result: object) -> dict[tuple[str, int], Severity]:
    return {(Path(d.path).name, d.span.line): d.severity for d in result.diagnostics}  # type: ignore[attr-defined]


def test_request_path_is_an_error_and_what_only_may_run_there_a_warning() -> None:
    found = _where(lint_paths([SERVED], CODES))
    assert found == {
        ("main.py", 19): Severity.WARNING,  # watch_queue: a task the lifespan leaves running
        ("main.py", 38): Severity.ERROR,  # the route itself
        ("services.py", 5): Severity.ERROR,  # awaited by the route
        ("services.py", 11): Severity.WARNING,  # imported by the app, no caller seen
    }


def test_scope_all_shows_every_finding_and_the_default_counts_what_it_left_out() -> None:
    default = lint_paths([SERVED], CODES)
    everything = lint_paths([SERVED], replace(CODES, scope="all"))
    hidden = {(Path(d.path).as_posix().split("scope_served/")[1], d.span.line) for d in everything.diagnostics} - {
        (Path(d.path).as_posix().split("scope_served/")[1], d.span.line) for d in default.diagnostics
    }
    assert hidden == {
        ("app/main.py", 25), ("app/main.py", 26),  # the lifespan, before it yields
        ("app/jobs.py", 10),  # asyncio.run in a `def` route: a loop of its own
        ("app/main.py", 56),  # FAS105's wider view: a new loop per request in a `def` route
        ("app/jobs.py", 19), ("app/jobs.py", 24),  # task-queue jobs
        ("app/tests/test_items.py", 7), ("app/conftest.py", 8),  # tests
        ("scripts/backfill.py", 6),  # a script run with asyncio.run
        ("tools/report.py", 7), ("tools/report.py", 12),  # a command, and a module no app imports
    }
    assert default.out_of_scope == len(hidden) and everything.out_of_scope == 0
    assert default.has_app


def test_a_project_without_an_app_is_linted_as_before_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    library = lint_paths([FIXTURES / "scope_library"], CODES)
    assert [d.severity for d in library.diagnostics] == [Severity.WARNING] and not library.has_app
    monkeypatch.chdir(FIXTURES / "scope_library")
    result = invoke(".", "--no-cache")
    assert result.exit_code == 1
    assert "No FastAPI app found: every async function is checked as if an app served it" in result.stderr


def test_the_summary_says_how_many_findings_the_scope_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SERVED)
    result = invoke(".", "--no-cache", "--select", "FAS101,FAS102,FAS105")
    assert "11 findings outside the default scope" in result.stderr
    assert "`--scope all` shows them" in result.stderr
    widened = invoke(".", "--no-cache", "--select", "FAS101,FAS102,FAS105", "--scope", "all")
    assert "served app's loop" not in widened.stderr
    assert len(widened.stdout.splitlines()) > len(result.stdout.splitlines())


def test_a_run_of_some_files_counts_what_the_scope_left_out_of_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``--scope all`` would show of the files named: a run of files reports on them alone
    (the project's other files are read for context), and so does its count (the same whether
    the whole project was checked, or only the files named were asked for: ``Context.reporting_on``)."""
    from fastapi_lint.api import WarmProjects
    from fastapi_lint.api.runs import lint_project
    from fastapi_lint.run.projects import plan_projects

    monkeypatch.chdir(SERVED)
    warm = WarmProjects()

    def counts(*named: str) -> tuple[int, int]:
        project = plan_projects([(CODES, [Path(name) for name in named], None)])[0]
        return lint_project(project).out_of_scope, warm.lint_project(project).out_of_scope

    assert counts("app/jobs.py") == (3, 3)  # the loop of its own, two task-queue jobs
    assert counts("app/jobs.py", "app/conftest.py") == (4, 4)
    assert counts("app/services.py") == (0, 0)


def test_the_count_survives_a_run_carried_over(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = lint_paths([SERVED], CODES, cache_dir=cache, facts=False)
    again = lint_paths([SERVED], CODES, cache_dir=cache, facts=False)
    assert again.carried_over and again.out_of_scope == first.out_of_scope == 11 and again.has_app


def test_scope_is_a_configuration_key(tmp_path: Path) -> None:
    assert parse_table({"scope": "all"}, tmp_path / "pyproject.toml").scope == "all"
    with pytest.raises(ConfigError, match="scope: expected one of server, all"):
        parse_table({"scope": "everything"}, tmp_path / "pyproject.toml")


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("tests/test_api.py", True),
        ("app/tests/helpers.py", True),
        ("src/pkg/testing/utilities.py", True),
        ("integration_tests/utils.py", True),
        ("pkg/e2e_tests/run.py", True),
        ("app/e2e/sdk-api/src/agents/basic_agent.py", True),  # end-to-end tests' helpers
        ("app/e2e_runner.py", False),
        ("conftest.py", True),
        ("pkg/test_routes.py", True),
        ("pkg/routes_test.py", True),
        ("app/services/mock_agent_service.py", True),  # test doubles
        ("app/llm/fakes.py", True),
        ("app/api/stream_mock.py", True),
        ("app/mocks/storage.py", True),
        ("app/mockingbird.py", False),
        ("app/fakeout/views.py", False),
        ("app/routes/recipes.py", False),
        ("app/testimonials.py", False),  # a name that starts with "test", but no "test_"
        ("app/latest/views.py", False),
        ("app/contest/routes.py", False),
    ],
)
def test_test_code_is_told_by_its_path(path: str, is_test: bool) -> None:
    assert is_test_path(Path(path).parts) is is_test


def test_code_behind_an_unset_environment_variable_is_shown_with_scope_all() -> None:
    switches = Path(__file__).resolve().parents[2] / "fixtures" / "FAS102" / "opt_in_switches"
    default = lint_paths([switches], CODES)
    everything = lint_paths([switches], replace(CODES, scope="all"))
    hidden = {(Path(d.path).name, d.span.line) for d in everything.diagnostics} - {
        (Path(d.path).name, d.span.line) for d in default.diagnostics}
    # the route `chat`: a trace under the switch and one whose helper checks it, a profiler, a
    # slow mode, a dev reload; the route `report`: a report logger whose field a module's switch
    # sets, and a sleep under that switch
    assert hidden == {("main.py", 19), ("main.py", 20), ("main.py", 22), ("main.py", 24), ("main.py", 26),
                      ("main.py", 66), ("main.py", 68)}
    assert default.out_of_scope == len(hidden)
    traced = next(d for d in everything.diagnostics if d.span.line == 20)
    assert "save_trace -> helpers.commit_trace -> subprocess.run" in traced.message


def test_modules_loaded_by_name_are_those_the_name_may_give(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    pkg = tmp_path / "svc"
    (pkg / "providers").mkdir(parents=True)
    (pkg / "examples").mkdir()
    for name in ("__init__.py", "providers/__init__.py", "providers/local.py", "providers/remote.py", "extras.py",
                 "examples/__init__.py", "examples/quickstart.py"):
        (pkg / name).write_text("")
    main = pkg / "main.py"

    def loaded(body: str) -> set[str]:
        main.write_text("import importlib\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
                        "@app.get('/')\nasync def index(kind: str) -> None:\n    " + body + "\n")
        context = lint_paths([pkg], Config(), cache_dir=None).context
        assert context is not None
        return context.scopes.loaded_by_name

    # a library named whole: nothing of the project
    assert loaded('importlib.import_module("pandasai")') == set()
    # a module of the project named whole: that one is imported (the closure), not "any"
    assert loaded('importlib.import_module("svc.extras")') == set()
    # a template: the modules under its prefix
    assert loaded('importlib.import_module(f"svc.providers.{kind}")') == {"svc.providers.local", "svc.providers.remote"}
    # computed: any module of the project, but an example's (it shows the service's use)
    assert "svc.extras" in loaded("importlib.import_module(kind)")
    assert "svc.examples.quickstart" not in loaded("importlib.import_module(kind)")


def test_a_service_whose_own_package_is_named_like_examples_still_loads_its_modules_by_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    pkg = tmp_path / "demo"
    (pkg / "plugins").mkdir(parents=True)
    for name in ("__init__.py", "plugins/__init__.py", "plugins/mail.py"):
        (pkg / name).write_text("")
    (pkg / "main.py").write_text("import importlib\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
                                 "@app.get('/')\nasync def index(kind: str) -> None:\n    importlib.import_module(kind)\n")
    context = lint_paths([pkg], Config(), cache_dir=None).context
    assert context is not None
    assert "demo.plugins.mail" in context.scopes.loaded_by_name


def test_a_script_that_runs_its_own_loop_is_no_module_a_computed_name_loads() -> None:
    context = lint_paths([FIXTURES / "scope_scripts"], CODES, cache_dir=None).context
    assert context is not None
    assert "svc.plugins" in context.scopes.loaded_by_name
    assert "news_agent" in {summary.module for summary in context.project.summaries}
    assert "news_agent" not in context.scopes.closure  # cookbook/news_agent.py: asyncio.run at its top


def test_a_daemon_run_by_a_command_is_on_a_private_loop_and_another_frameworks_routes_blind_nothing() -> None:
    daemon = FIXTURES / "scope_daemon"
    context = lint_paths([daemon], CODES, cache_dir=None).context
    assert context is not None
    placed = context.scopes
    assert not placed.blind  # aiohttp's router.add_route, the app's routes copied under /v2

    def where(path: str) -> str:
        located = context.project.function(path)
        assert located is not None
        return placed.where(located.function, located.module).value

    assert where("svc.bridge.daemon.run_daemon") == "private-loop"
    assert where("svc.bridge.daemon.DaemonServer.pair") == "private-loop"
    assert where("svc.runtime.Runtime.connect") == "unknown"  # a command runs it, and the app may too


def test_parse_errors_in_tests_python2_files_and_lfs_pointers_are_outside_the_default_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES.parent / "FAS900")
    library = [Path(name) for name in ("grammar_examples", "lfs_pointer.py", "python2_script.py", "syntax_error.py", "valid.py")]
    default = lint_paths(library, replace(Config(), select=("FAS900",)))
    shown = sorted(d.path for d in default.diagnostics)
    assert shown == ["grammar_examples/service.py", "syntax_error.py"] and default.out_of_scope == 3
    everything = lint_paths(library, replace(Config(), select=("FAS900",), scope="all"))
    assert len(everything.diagnostics) == 5 and everything.out_of_scope == 0
    pointer = next(d for d in everything.diagnostics if d.path == "lfs_pointer.py")  # a model's file never fetched
    assert pointer.message.startswith("a Git LFS pointer, not Python source") and "git lfs pull" in (pointer.help or "")


def test_parse_errors_in_files_the_app_does_not_import_are_outside_the_default_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES.parent / "FAS900" / "unimported_files")
    default = lint_paths([Path(".")], replace(Config(), select=("FAS900",)))
    assert [d.path for d in default.diagnostics] == ["svc/users.py"] and default.out_of_scope == 4
    everything = lint_paths([Path(".")], replace(Config(), select=("FAS900",), scope="all"))
    assert sorted(d.path for d in everything.diagnostics) == [
        "generator/template/svc/health.py", "scripts/fix_pr_79.py", "security_snippet.py", "svc/users.py", "svc/worker.py"]
    template = next(d for d in everything.diagnostics if d.path == "svc/worker.py")
    assert template.message.startswith("a Jinja template, not Python source") and template.span.line == 3


def test_an_implementation_no_served_caller_passes_is_shown_with_scope_all() -> None:
    """``fixtures/FAS101/classes_passed_down``: the routes hand an ``ArchiveSource`` down to
    ``source.records()``; ``DumpSource.records`` (which reads a file) runs only with ``--scope all``."""
    folder = FIXTURES / "classes_passed_down"
    default = lint_paths([folder], CODES)
    everything = lint_paths([folder], replace(CODES, scope="all"))
    assert sorted(d.span.line for d in default.diagnostics) == [37]
    assert sorted(d.span.line for d in everything.diagnostics) == [28, 37]
    assert default.out_of_scope == 1


def test_a_client_built_in_error_recovery_is_shown_with_scope_all() -> None:
    """``fixtures/FAS201/error_recovery.py``: the session an expired token's retry rebuilds and the
    fallback client of an ``except`` handler are shown with ``--scope all``, saying when they are built."""
    path = FIXTURES.parent / "FAS201" / "error_recovery.py"
    codes = Config(select=("FAS201",))
    default = lint_paths([path], codes)
    everything = lint_paths([path], replace(codes, scope="all"))
    assert sorted(d.span.line for d in default.diagnostics) == [45]
    recovery = {d.span.line: d.message for d in everything.diagnostics if d.span.line != 45}
    assert sorted(recovery) == [18, 58]
    assert all("builds" in message and "when an error is handled" in message for message in recovery.values())
    assert default.out_of_scope == 2
