"""run/session.py: a project kept between checks gives what a fresh run of the files as they now are gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fastapi_lint.api import ProjectSession, lint_paths
from fastapi_lint.config import Config
from fastapi_lint.run.session import LINKED

HELPER_BLOCKS = "import time\n\n\ndef load() -> None:\n    time.sleep(1)\n"
HELPER_FINE = "def load() -> None:\n    return None\n"
ROUTES = """from fastapi import FastAPI

from app.helpers import load

app = FastAPI()


@app.get("/")
async def index() -> dict:
    load()
    return {}
"""


def project(tmp_path: Path, helper: str = HELPER_BLOCKS) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "helpers.py").write_text(helper)
    (tmp_path / "app" / "main.py").write_text(ROUTES)
    return tmp_path / "app"


def codes(session: ProjectSession) -> list[tuple[str, str]]:
    return sorted((path, d.code) for path, found in session.diagnostics().items() for d in found)


def fresh(root: Path) -> list[tuple[str, str]]:
    return sorted((d.path, d.code) for d in lint_paths([root], Config(), cache_dir=None).diagnostics)


def test_a_session_matches_a_fresh_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = project(tmp_path)
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    assert codes(session) == fresh(root)
    assert ("app/main.py", "FAS102") in codes(session)


def test_unsaved_text_of_a_helper_updates_the_route_in_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = project(tmp_path)
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    helper = root / "helpers.py"
    assert session.set_text(helper, HELPER_FINE.encode()) is True
    assert ("app/main.py", "FAS102") not in codes(session)
    assert session.refresh() == set()  # the disk did not change: the buffer stays in force
    assert ("app/main.py", "FAS102") not in codes(session)
    assert session.set_text(helper, None) is True  # the buffer closed: the disk's text again
    assert ("app/main.py", "FAS102") in codes(session)


def test_refresh_sees_edits_new_and_deleted_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = project(tmp_path, HELPER_FINE)
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    assert codes(session) == fresh(root) == []
    (root / "helpers.py").write_text(HELPER_BLOCKS + "\n\n")  # another size: a new stamp
    assert session.refresh() == {"app/helpers.py"}
    assert codes(session) == fresh(root)
    (root / "extra.py").write_text("import time\n\n\nasync def tick() -> None:\n    time.sleep(1)\n")
    assert "app/extra.py" in session.refresh()
    assert codes(session) == fresh(root)
    (root / "helpers.py").unlink()
    assert "app/helpers.py" in session.refresh()
    assert codes(session) == fresh(root)


def test_an_unchanged_text_recomputes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = project(tmp_path)
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    session.diagnostics()
    generation = session.generation
    assert session.set_text(root / "main.py", ROUTES.encode()) is False
    assert session.generation == generation


def test_a_text_that_does_not_parse_reports_its_parse_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = project(tmp_path)
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    session.set_text(root / "helpers.py", b"def broken(:\n")
    assert ("app/helpers.py", "FAS900") in codes(session)
    assert ("app/main.py", "FAS102") not in codes(session)


def test_a_file_deleted_and_written_again_keeps_its_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two services whose modules have the same names (no package above them): each service's
    imports reach its own modules (``module_collisions.separate_roots``). A file deleted and
    written again must take its place again, or the session links another module than a fresh
    run does."""
    monkeypatch.chdir(tmp_path)
    for service, helper in (("one", HELPER_BLOCKS), ("two", HELPER_FINE)):
        (tmp_path / service / "app").mkdir(parents=True)
        (tmp_path / service / "app" / "__init__.py").write_text("")
        (tmp_path / service / "app" / "helpers.py").write_text(helper)
        (tmp_path / service / "app" / "main.py").write_text(ROUTES)
    session = ProjectSession(tmp_path, Config(), jobs=1)
    session.refresh()
    # ``one``'s routes call its own ``app.helpers.load``, which blocks; ``two``'s does not
    assert codes(session) == fresh(tmp_path) == [("one/app/main.py", "FAS102")]
    helper = tmp_path / "one" / "app" / "helpers.py"
    helper.unlink()
    session.refresh()
    assert codes(session) == fresh(tmp_path)
    helper.write_text(HELPER_BLOCKS)
    session.refresh()
    assert codes(session) == fresh(tmp_path)


def test_an_edit_undone_is_carried_over_from_the_check_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = project(tmp_path)
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    before = codes(session)
    helper = root / "helpers.py"
    session.set_text(helper, HELPER_FINE.encode())
    assert not session.check().carried_over  # a fact changed: the project phase ran
    assert ("app/main.py", "FAS102") not in codes(session)
    session.set_text(helper, ("# undone\n" + HELPER_BLOCKS).encode())  # the edit undone, a comment more
    assert session.check().carried_over
    assert codes(session) == before == fresh(root)
    assert session.check().context is not None  # linked when asked for


def test_a_linked_project_the_session_drops_is_freed_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor's session links the project again after every change of a fact: the last one
    must be freed by reference counting (no cycle left for the collector, which a session runs
    with the collector off would leave to pile up)."""
    import gc
    import weakref

    monkeypatch.chdir(tmp_path)
    root = project(tmp_path)
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    context = session.check().context
    assert context is not None
    context.callgraph, context.project.calls_to(["time.sleep"])  # what the rules build on it
    linked = weakref.ref(context.project)
    del context
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        session.set_text(root / "helpers.py", HELPER_FINE.encode())
        session.check()
        assert linked() is None
    finally:
        if was_enabled:
            gc.enable()


def test_an_edit_of_a_body_keeps_what_name_resolution_answered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A call added to a function (the edit an editor's session sees most) changes nothing name
    resolution reads: the next project takes the last one's answers (``Project.inherit``), and
    the findings are still a fresh run's. What a function returns is read: no answer is taken."""
    from fastapi_lint.analysis.project import Project

    inherited: list[frozenset[str]] = []
    real = Project.inherit
    monkeypatch.setattr(Project, "inherit", lambda self, previous, unchanged, *rest: (inherited.append(unchanged),
                                                                                      real(self, previous, unchanged, *rest))[1])
    monkeypatch.chdir(tmp_path)
    root = project(tmp_path, HELPER_BLOCKS.replace("    time.sleep(1)\n", "    return None\n"))
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    assert ("app/main.py", "FAS102") not in codes(session)
    helper = root / "helpers.py"
    helper.write_text(HELPER_BLOCKS.replace("    time.sleep(1)\n", "    time.sleep(1)\n    return None\n"))
    session.refresh()
    assert codes(session) == fresh(root)
    assert ("app/main.py", "FAS102") in codes(session)
    assert inherited == [frozenset({"app/__init__.py", "app/main.py"})]
    helper.write_text(HELPER_BLOCKS.replace("    time.sleep(1)\n", "    time.sleep(1)\n    return load\n"))
    session.refresh()
    assert codes(session) == fresh(root)
    assert len(inherited) == 1


def test_a_project_inherited_from_is_freed_after_the_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an edit of a body the next project takes the last one's answers; once checked, it no
    longer holds the last one, even under rules that never built what it would have taken (here,
    none reads the call graph or the scope). The session keeps the last ``LINKED`` linked projects
    (an edit after an undo inherits from the one before), and no more: a long session holds no
    chain of them."""
    import gc
    import weakref

    monkeypatch.chdir(tmp_path)
    root = project(tmp_path)
    session = ProjectSession(root, Config(select=("FAS203",)), jobs=1)
    session.refresh()
    context = session.check().context
    assert context is not None
    linked = weakref.ref(context.project)
    del context
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for seconds in range(2, 2 + LINKED):
            session.set_text(root / "helpers.py", HELPER_BLOCKS.replace("time.sleep(1)", f"time.sleep({seconds})").encode())
            checked = session.check()
            assert checked.context is not None and not checked.context._inherited
            assert (linked() is None) == (seconds == 1 + LINKED)
    finally:
        if was_enabled:
            gc.enable()


def test_an_edit_after_a_change_undone_takes_the_answers_of_the_project_it_differs_least_from(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A function written in another file and taken away again (pre-commit's stash, popped: carried
    over from the history) leaves the last linked project differing from the files in that file
    too; the next edit of the helper takes its answers from the project before, which differs in
    the helper alone (the routes' file read again as it was is equal to it)."""
    from fastapi_lint.analysis import context as context_module

    monkeypatch.chdir(tmp_path)
    root = project(tmp_path)
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    session.check()
    helper, routes = root / "helpers.py", root / "main.py"
    session.set_text(helper, HELPER_BLOCKS.replace("time.sleep(1)", "time.sleep(2)").encode())
    edited = session.check().context
    session.set_text(routes, (ROUTES + "\n\ndef spare() -> int:\n    return 1\n").encode())
    session.check()
    session.set_text(routes, ROUTES.encode())
    session.check()
    taken_from: list[object] = []
    link = context_module.project_context

    def recording(*args: Any, **kwargs: Any) -> Any:
        inherit = args[5] if len(args) > 5 else kwargs.get("inherit")
        taken_from.append(inherit[0] if inherit else None)
        return link(*args, **kwargs)

    monkeypatch.setattr(context_module, "project_context", recording)
    edit = HELPER_BLOCKS.replace("time.sleep(1)", "time.sleep(3)")
    helper.write_text(edit)
    session.set_text(helper, edit.encode())
    found = codes(session)
    assert taken_from == [edited]
    assert found == fresh(root)



def test_a_check_of_some_files_gives_their_findings_and_never_stands_for_a_whole_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-file run of a long-lived process asks for its files' findings alone: a rule may skip
    the others' (FAS102 does), so such an answer is reused, or carried over after an edit undone,
    only for the files it holds."""
    monkeypatch.chdir(tmp_path)
    root = project(tmp_path)
    (root / "other.py").write_text(ROUTES.replace('"/"', '"/other"'))
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    helper, main, other = root / "helpers.py", frozenset({"app/main.py"}), frozenset({"app/other.py"})
    more = "\n\ndef more() -> None:\n    time.sleep(2)\n"

    def asked(paths: frozenset[str], text: str) -> dict[str, list[Any]]:
        helper.write_text(text)
        session.refresh()
        found = session.check(reported=paths).by_path
        whole = fresh_by_path(root)
        assert {path: found.get(path) for path in paths} == {path: whole.get(path) for path in paths}
        return found

    assert "app/other.py" not in asked(main, HELPER_BLOCKS + more)  # its FAS102 not asked for: not looked for
    asked(main, HELPER_FINE)
    asked(other, "# undone\n" + HELPER_BLOCKS + more)  # not carried over from the check of main.py alone
    assert session.diagnostics() == fresh_by_path(root)  # nor is that check's answer every file's
    assert {"app/main.py", "app/other.py"} <= {path for path, found in session.diagnostics().items()
                                               if any(d.code == "FAS102" for d in found)}


def test_a_check_of_some_files_finds_the_calls_per_request_of_those_files_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules that report a call made per request where it is made (FAS201, FAS301, ...) read
    those of the files asked for: found for them alone, the whole list's calls in those files."""
    monkeypatch.chdir(tmp_path)
    root = project(tmp_path, "import httpx\n\n\ndef load() -> None:\n    httpx.Client().get('https://x')\n")
    (root / "other.py").write_text(ROUTES.replace('"/"', '"/other"').replace("load()", "load()\n    httpx.Client()")
                                   .replace("from fastapi", "import httpx\nfrom fastapi"))
    session = ProjectSession(root, Config(), jobs=1)
    session.refresh()
    helpers = frozenset({"app/helpers.py"})
    context = session.check(reported=helpers).context
    assert context is not None and "calls_per_request" not in vars(context)  # the whole list not built
    with context.reporting_on(helpers):
        some = context.calls_per_request_reported()
    assert {call.located.module.path for call in some} == {"app/helpers.py"}
    whole = context.calls_per_request
    assert {call.located.module.path for call in whole} == {"app/helpers.py", "app/main.py", "app/other.py"}
    assert some == [call for call in whole if call.located.module.path in helpers]
    with context.reporting_on(None):
        assert context.calls_per_request_reported() is whole


def fresh_by_path(root: Path) -> dict[str, list[Any]]:
    by_path: dict[str, list[Any]] = {}
    for d in lint_paths([root], Config(), cache_dir=None).diagnostics:
        by_path.setdefault(d.path, []).append(d)
    return by_path
