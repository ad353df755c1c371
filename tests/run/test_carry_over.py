"""Carrying the last run's findings over an edit that changed no fact: always what a full run finds."""

from __future__ import annotations

import os
import random
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from fastapi_lint.run import carry_over as carry_over_module
from fastapi_lint.run import rule_runner
from fastapi_lint.run import processes
from fastapi_lint.run.relocation import relocation
from fastapi_lint.api import LintResult, lint_paths
from fastapi_lint.run.cache import Cache
from fastapi_lint.config import Config
from fastapi_lint.run.processes import can_fork
from fastapi_lint.diagnostics import Span
from fastapi_lint.analysis.extract import summarize_file
from fastapi_lint.analysis.facts import ModuleSummary
from tests.fixture_harness import ROOT

# Every rule but FAS901, which reads the noqa comments themselves: with it, an edit is never carried over.
ALL = Config(select=("ALL",), ignore=("FAS901",))
CHAIN = ROOT / "fixtures" / "FAS102" / "chain_across_modules"
PROJECTS = [
    ROOT / "fixtures" / "apps" / "demo",
    CHAIN,
    ROOT / "fixtures" / "FAS201" / "through_helpers",
    ROOT / "fixtures" / "FAS101" / "service_layer",
    ROOT / "fixtures" / "FAS105" / "model_roles",
]

SOURCE = """\
import time
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def index():
    time.sleep(1)
    return {"ok": True}
"""


def _summary(source: str) -> ModuleSummary:
    found = summarize_file(Path("m.py"), "m.py", data=source.encode())
    assert isinstance(found, ModuleSummary)
    return found


def _everything(result: LintResult) -> list[object]:
    """A run's findings with every field, the extra noqa lines too (left out of ``==``)."""
    return [(d, d.noqa_lines) for d in result.diagnostics]


def test_comments_and_blank_lines_move_facts_without_changing_them() -> None:
    edited = SOURCE.replace("async def index():\n", "async def index():\n    # a comment\n\n")
    moved = relocation(_summary(SOURCE), _summary("# header\n" + edited))
    assert moved is not None
    assert moved.span(Span(9, 4, 9, 17)) == Span(12, 4, 12, 17)  # time.sleep(1), three lines down
    assert moved.lines[7] == 8  # the decorator: one line down


def test_a_generators_first_yield_moves_with_it() -> None:
    """A dependency that yields (``first_yield``, a line) under a comment written above it: moved."""
    source = SOURCE + "\n\ndef get_db():\n    db = object()\n    yield db\n"
    moved = relocation(_summary(source), _summary("# header\n" + source))
    assert moved is not None and moved.lines[15] == 16


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s.replace("time.sleep(1)", "time.sleep(2)"),  # an argument
        lambda s: s.replace("time.sleep(1)", "time.sleep(1)\n    print()"),  # a call more
        lambda s: s.replace("async def", "def"),  # what kind of function
        lambda s: s.replace('"/"', '"/home"'),  # a route's path
        lambda s: s.replace("import time", "import time as t").replace("time.sleep", "t.sleep"),  # how it is written
    ],
)
def test_any_changed_fact_is_refused(edit) -> None:  # type: ignore[no-untyped-def]
    assert relocation(_summary(SOURCE), _summary(edit(SOURCE))) is None


def test_statements_that_trade_places_are_refused() -> None:
    # Module-level calls and functions are kept apart, so the facts compare equal; their order does not.
    first = "import os\nos.getcwd()\n\n\ndef handler():\n    return os.getcwd()\n"
    second = "import os\n\n\ndef handler():\n    return os.getcwd()\nos.getcwd()\n"
    assert relocation(_summary(first), _summary(second)) is None


def _copy(project: Path, tmp_path: Path) -> Path:
    target = tmp_path / project.name
    shutil.copytree(project, target)
    return target


def _check(project: Path, cache: Path) -> tuple[LintResult, LintResult]:
    """The same project linted from the cache and from nothing."""
    cached = lint_paths([project], ALL, cache_dir=cache, facts=False)
    fresh = lint_paths([project], ALL, cache_dir=None)
    return cached, fresh


def test_a_comment_in_a_helper_moves_the_chains_through_it(tmp_path: Path) -> None:
    project = _copy(CHAIN, tmp_path)
    cache = tmp_path / "cache"
    before = lint_paths([project], ALL, cache_dir=cache, facts=False)
    geo = project / "app" / "services" / "geo.py"
    geo.write_text("# Where an address is.\n\n" + geo.read_text(encoding="utf-8"), encoding="utf-8")
    cached, fresh = _check(project, cache)
    assert cached.carried_over and (cached.parsed, cached.cached) == (1, 4)
    assert _everything(cached) == _everything(fresh)
    hops = [hop for d in cached.diagnostics for hop in d.chain if hop.path.endswith("geo.py")]
    old_hops = [hop for d in before.diagnostics for hop in d.chain if hop.path.endswith("geo.py")]
    assert hops and [h.line for h in hops] == [h.line + 2 for h in old_hops]


def test_a_noqa_written_or_removed_is_read_again(tmp_path: Path) -> None:
    project = _copy(CHAIN, tmp_path)
    cache = tmp_path / "cache"
    main = project / "app" / "main.py"
    original = main.read_text(encoding="utf-8")
    before = lint_paths([project], ALL, cache_dir=cache, facts=False)
    main.write_text(original.replace("return geo.lookup(ip)", "return geo.lookup(ip)  # noqa: FAS102"), encoding="utf-8")
    silenced, fresh = _check(project, cache)
    assert silenced.carried_over and _everything(silenced) == _everything(fresh)
    assert len(silenced.diagnostics) == len(before.diagnostics) - 1
    main.write_text(original, encoding="utf-8")
    again, fresh = _check(project, cache)
    assert again.carried_over and _everything(again) == _everything(before) == _everything(fresh)


def test_a_changed_fact_runs_both_phases(tmp_path: Path) -> None:
    project = _copy(CHAIN, tmp_path)
    cache = tmp_path / "cache"
    lint_paths([project], ALL, cache_dir=cache, facts=False)
    geo = project / "app" / "services" / "geo.py"
    geo.write_text(geo.read_text(encoding="utf-8").replace("requests.get(url, timeout=5)", "dict(url=url)"), encoding="utf-8")
    cached, fresh = _check(project, cache)
    assert not cached.carried_over and cached.parsed == 1
    assert _everything(cached) == _everything(fresh)
    assert not any("lookup" in d.message for d in cached.diagnostics)


def test_a_changed_fact_undone_carries_the_run_before_over(tmp_path: Path) -> None:
    """An edit undone (or pre-commit's stash popped): every file is again as a run before the
    last saw it, and that run's findings are carried over, not just the last run's."""
    project = _copy(CHAIN, tmp_path)
    cache = tmp_path / "cache"
    before = lint_paths([project], ALL, cache_dir=cache, facts=False)
    geo = project / "app" / "services" / "geo.py"
    original = geo.read_text(encoding="utf-8")
    geo.write_text(original.replace("requests.get(url, timeout=5)", "dict(url=url)"), encoding="utf-8")
    edited, fresh = _check(project, cache)
    assert not edited.carried_over and _everything(edited) == _everything(fresh) != _everything(before)
    geo.write_text(original, encoding="utf-8")
    undone, fresh = _check(project, cache)
    assert undone.carried_over and undone.parsed == 0
    assert _everything(undone) == _everything(before) == _everything(fresh)
    geo.write_text(original.replace("requests.get(url, timeout=5)", "dict(url=url)"), encoding="utf-8")
    redone, fresh = _check(project, cache)  # and redone: the run before is the earlier one now
    assert redone.carried_over and _everything(redone) == _everything(edited) == _everything(fresh)


@pytest.mark.skipif(not can_fork(2), reason="a worker is forked only on Linux")
def test_a_large_edit_is_parsed_in_a_worker_while_the_rest_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(carry_over_module, "PARSE_IN_WORKER_BYTES", 0)  # every edit counts as large

    def not_here(*args: object) -> None:
        raise AssertionError("parsed in this process, not in the worker")

    monkeypatch.setattr(carry_over_module, "summarize_keyed", not_here)
    project = _copy(CHAIN, tmp_path)
    cache = tmp_path / "cache"
    lint_paths([project], ALL, cache_dir=cache, facts=False, jobs=2)
    geo = project / "app" / "services" / "geo.py"
    original = geo.read_text(encoding="utf-8")
    geo.write_text("# Where an address is.\n\n" + original, encoding="utf-8")
    commented = lint_paths([project], ALL, cache_dir=cache, facts=False, jobs=2)
    fresh = lint_paths([project], ALL, cache_dir=None)
    assert commented.carried_over and (commented.parsed, commented.cached) == (1, 4)
    assert _everything(commented) == _everything(fresh)
    geo.write_text(original.replace("requests.get(url, timeout=5)", "dict(url=url)"), encoding="utf-8")
    reads: list[str] = []
    get = Cache.get

    def counted(self: Cache, path: str, key: str) -> object:
        reads.append(path)
        return get(self, path, key)

    monkeypatch.setattr(Cache, "get", counted)
    changed = lint_paths([project], ALL, cache_dir=cache, facts=False, jobs=2)
    fresh = lint_paths([project], ALL, cache_dir=None)
    assert not changed.carried_over and (changed.parsed, changed.cached) == (1, 4)
    assert _everything(changed) == _everything(fresh)
    # What was read while the worker parsed is not read again (the edited file: its old facts).
    assert sorted(reads) == sorted(set(reads)) and len(reads) == 5
    again = lint_paths([project], ALL, cache_dir=cache, jobs=2)  # every entry read, the worker's too
    assert again.parsed == 0 and _everything(again) == _everything(fresh)


@pytest.mark.skipif(not can_fork(2), reason="a child is forked only on Linux")
@pytest.mark.parametrize("child_fails", [False, True])
def test_the_edit_loop_splits_the_rules_with_a_forked_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child_fails: bool
) -> None:
    monkeypatch.setattr(rule_runner, "SPLIT_RULES_FILES", 0)  # every project counts as large
    forks: list[int] = []
    real_in_child = processes.in_child

    def counted(work):  # type: ignore[no-untyped-def]
        forks.append(1)
        return real_in_child(work)

    monkeypatch.setattr(processes, "in_child", counted)
    parent, real_answers = os.getpid(), rule_runner.rule_answers
    run_here: set[str] = set()

    def answers(context, rules, debug=False):  # type: ignore[no-untyped-def]
        if os.getpid() != parent and child_fails:
            raise MemoryError  # a child that dies: this process runs its rules too
        if os.getpid() == parent:
            run_here.update(code for code, _ in rules)
        return real_answers(context, rules, debug)

    monkeypatch.setattr(rule_runner, "rule_answers", answers)
    project = _copy(CHAIN, tmp_path)
    cache = tmp_path / "cache"
    lint_paths([project], ALL, cache_dir=cache, facts=False, jobs=2)
    geo = project / "app" / "services" / "geo.py"
    geo.write_text(geo.read_text(encoding="utf-8").replace("requests.get(url, timeout=5)", "dict(url=url)\n    time.sleep(1)"), encoding="utf-8")
    run_here.clear()
    split = lint_paths([project], ALL, cache_dir=cache, facts=False, jobs=2)
    in_this_process = set(run_here)
    fresh = lint_paths([project], ALL, cache_dir=None)
    assert forks == [1] and not split.carried_over and split.parsed == 1
    assert _everything(split) == _everything(fresh) and any(d.code == "FAS102" for d in split.diagnostics)
    assert not split.internal_errors
    assert ("FAS102" in in_this_process) == child_fails  # the child's rules ran there, unless it died


@pytest.mark.skipif(not can_fork(2), reason="a child is forked only on Linux")
def test_a_split_child_is_cancelled_when_the_findings_carry_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rule_runner, "SPLIT_RULES_FILES", 0)  # every project counts as large
    started: list[processes.Forked[object]] = []
    real_in_child = processes.in_child

    def kept(work):  # type: ignore[no-untyped-def]
        started.append(real_in_child(work))
        return started[-1]

    monkeypatch.setattr(processes, "in_child", kept)
    project = _copy(CHAIN, tmp_path)
    cache = tmp_path / "cache"
    lint_paths([project], ALL, cache_dir=cache, facts=False, jobs=2)
    entries = sorted(p.relative_to(cache) for p in cache.rglob("*"))
    geo = project / "app" / "services" / "geo.py"
    geo.write_text("# Where an address is.\n\n" + geo.read_text(encoding="utf-8"), encoding="utf-8")
    commented = lint_paths([project], ALL, cache_dir=cache, facts=False, jobs=2)
    assert commented.carried_over and len(started) == 1
    with pytest.raises(ChildProcessError):  # cancelled and reaped: no process left behind
        os.waitpid(started[0].pid, os.WNOHANG)
    # nothing half-written (the run before, kept for an undo, is the carried-over run's own write)
    assert sorted(p.relative_to(cache) for p in cache.rglob("*") if p.name != "earlier-runs") == entries


def test_a_new_file_or_another_configuration_runs_both_phases(tmp_path: Path) -> None:
    project = _copy(CHAIN, tmp_path)
    cache = tmp_path / "cache"
    lint_paths([project], ALL, cache_dir=cache, facts=False)
    (project / "app" / "extra.py").write_text("# nothing yet\n", encoding="utf-8")
    assert not lint_paths([project], ALL, cache_dir=cache, facts=False).carried_over
    assert lint_paths([project], ALL, cache_dir=cache, facts=False).carried_over
    narrower = lint_paths([project], Config(select=("FAS101",)), cache_dir=cache, facts=False)
    assert not narrower.carried_over and not narrower.diagnostics


def test_a_changed_pin_or_lock_runs_both_phases(tmp_path: Path) -> None:
    # Findings that hold for one FastAPI and not another depend on files no phase-1 key covers.
    project = _copy(ROOT / "fixtures" / "FAS502" / "pinned_below", tmp_path)
    (project / ".git").mkdir()  # the repository's root: nothing above it is read
    pyproject = project / "pyproject.toml"

    def codes() -> tuple[bool, list[str]]:
        # FAS502's findings are the wider view
        result = lint_paths([project], replace(ALL, scope="all"), cache_dir=tmp_path / "cache", facts=False)
        return result.carried_over, [d.code for d in result.diagnostics if d.code == "FAS502"]

    assert codes() == (False, [])
    assert codes() == (True, [])
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace("0.115.2", "0.131.0"), encoding="utf-8")
    assert codes() == (False, ["FAS502"])
    assert codes() == (True, ["FAS502"])
    (project / "uv.lock").write_text('[[package]]\nname = "fastapi"\nversion = "0.120.1"\n', encoding="utf-8")
    assert codes() == (False, [])
    (project / "uv.lock").write_text('[[package]]\nname = "fastapi"\nversion = "0.131.2"\n', encoding="utf-8")
    assert codes() == (False, ["FAS502"])


def test_a_changed_deployment_file_runs_both_phases(tmp_path: Path) -> None:
    # Which apps are served depends on the files that start them, which no phase-1 key covers.
    project = _copy(ROOT / "fixtures" / "FAS101" / "undeployed_apps", tmp_path)
    (project / ".git").mkdir()
    dockerfile = project / "Dockerfile"

    def reported() -> tuple[bool, int]:
        result = lint_paths([project], ALL, cache_dir=tmp_path / "cache", facts=False)
        return result.carried_over, sum(d.code == "FAS101" for d in result.diagnostics)

    assert reported() == (False, 2)
    assert reported() == (True, 2)
    dockerfile.write_text(dockerfile.read_text(encoding="utf-8").replace("app.main:app", "app.features.report.main:app"),
                          encoding="utf-8")
    assert reported() == (False, 4)  # the feature's app is the one started now; the main app is not below it
    dockerfile.unlink()
    assert reported() == (False, 5)  # no deployment named: every app is served, the example's too


def _edits(rng: random.Random, text: str) -> str:
    """One edit of a kind people make: most change no fact, some change one, a few break the file."""
    lines = text.splitlines(keepends=True) or ["\n"]
    at = rng.randrange(len(lines) + 1)
    kind = rng.choice(["comment", "blank", "noqa", "wrap", "duplicate", "indent-comment"])
    if kind == "comment":
        lines.insert(at, "# a note\n")
    elif kind == "blank":
        lines.insert(at, "\n")
    elif kind == "indent-comment":
        indent = lines[min(at, len(lines) - 1)][: -len(lines[min(at, len(lines) - 1)].lstrip())] if lines else ""
        lines.insert(at, f"{indent}# why this is here\n")
    elif kind == "noqa" and at < len(lines):
        lines[at] = lines[at].rstrip("\n") + "  # noqa\n"
    elif kind == "wrap" and at < len(lines) and "(" in lines[at]:
        lines[at] = lines[at].replace("(", "(\n        ", 1)
    elif kind == "duplicate" and at < len(lines):
        lines.insert(at, lines[at] if lines[at].endswith("\n") else lines[at] + "\n")
    return "".join(lines)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_random_edits_find_what_a_full_run_finds(project: Path, tmp_path: Path) -> None:
    copy = _copy(project, tmp_path)
    cache = tmp_path / "cache"
    lint_paths([copy], ALL, cache_dir=cache, facts=False)
    files = sorted(copy.rglob("*.py"))
    rng = random.Random(f"carry-over {project.name}")
    carried = 0
    for _ in range(12):
        edited = rng.choice(files)
        edited.write_text(_edits(rng, edited.read_text(encoding="utf-8")), encoding="utf-8")
        cached, fresh = _check(copy, cache)
        assert _everything(cached) == _everything(fresh), edited
        carried += cached.carried_over
    assert carried >= 3  # the fast way was taken, not only the full one


@pytest.mark.slow
def test_many_edits_over_every_fixture_as_one_project(tmp_path: Path) -> None:
    """Every fixture folder linted as one project (multi-module fixtures, chains, routes, noqa
    comments), edited many times over: each cached answer is the full run's."""
    copy = tmp_path / "fixtures"
    shutil.copytree(ROOT / "fixtures", copy)
    cache = tmp_path / "cache"
    lint_paths([copy], ALL, cache_dir=cache, facts=False)
    files = sorted(copy.rglob("*.py"))
    rng = random.Random("carry-over, every fixture")
    carried = 0
    for _ in range(150):
        edited = rng.choice(files)
        # surrogateescape: the FAS900 fixtures hold bytes that are not UTF-8, kept as they are
        text = edited.read_text(encoding="utf-8", errors="surrogateescape")
        edited.write_text(_edits(rng, text), encoding="utf-8", errors="surrogateescape")
        cached, fresh = _check(copy, cache)
        assert _everything(cached) == _everything(fresh), edited
        carried += cached.carried_over
    assert carried >= 50
