"""``fastapi-lint server`` driven by a real LSP client (pytest-lsp, over standard input and output):
open, edit, a finding that clears in another open file, code actions applied, hover, the disk
changing underneath."""

from __future__ import annotations

import asyncio
import random
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")  # Python 3.10+

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
WAIT = 20.0  # seconds: a loaded machine is slow, a hung server is caught

MAIN = '''from fastapi import FastAPI

from app.helpers import load

app = FastAPI()


@app.get("/items")
async def read_items():
    return load()
'''

HELPERS = '''import time


def load():
    time.sleep(1)
    return []
'''

QUIET_HELPERS = '''def load():
    return []
'''

SLEEPY = '''import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/slow")
async def slow():
    time.sleep(1)
'''


# One server for the module (starting one costs a second or two): each test opens files of its own project.
@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "fastapi_lint", "server"]))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    lsp_client.registered = []  # type: ignore[attr-defined]

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:  # VS Code's answer: the file watchers are set
        lsp_client.registered.extend(params.registrations)  # type: ignore[attr-defined]

    await lsp_client.initialize_session(types.InitializeParams(capabilities=client_capabilities("visual-studio-code")))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.fastapi-lint]\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "main.py").write_text(MAIN)
    (tmp_path / "app" / "helpers.py").write_text(HELPERS)
    return tmp_path


def open_file(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=path.read_text() if text is None else text)))
    return uri


def replace_all(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
    ))


async def until(client: LanguageClient, uri: str, wanted: Callable[[Sequence[types.Diagnostic]], bool]) -> list[types.Diagnostic]:
    """The findings published for ``uri`` once they are what ``wanted`` says."""
    deadline = time.monotonic() + WAIT
    while uri not in client.diagnostics or not wanted(client.diagnostics[uri]):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"not published: {client.diagnostics.get(uri)}"
        try:
            await asyncio.wait_for(client.wait_for_notification(PUBLISH), remaining)
        except asyncio.TimeoutError:
            pass
    return list(client.diagnostics[uri])


def codes(found: Sequence[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in found)


def apply(text: str, edit: types.WorkspaceEdit, uri: str) -> str:
    """``text`` with the edits ``edit`` makes to ``uri`` (lines and columns as the server sent them:
    UTF-16, the same as characters for these texts)."""
    edits: list[types.TextEdit] = []
    for change in edit.document_changes or ():
        assert isinstance(change, types.TextDocumentEdit)
        if change.text_document.uri == uri:
            edits.extend(e for e in change.edits if isinstance(e, types.TextEdit))
    edits.extend((edit.changes or {}).get(uri, []))
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(position: types.Position) -> int:
        return offsets[min(position.line, len(lines))] + position.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text


@pytest.mark.asyncio(loop_scope="module")
async def test_open_publishes_the_finding_with_its_chain(client: LanguageClient, project: Path) -> None:
    uri = open_file(client, project / "app" / "main.py")
    found = await until(client, uri, lambda found: bool(found))
    assert codes(found) == ["FAS102"]
    d = found[0]
    assert d.source == "fastapi-lint"
    assert d.code_description is not None and d.code_description.href.endswith("/fastapi_lint/rules/event_loop/blocking_call_via_helper.py")
    assert d.severity == types.DiagnosticSeverity.Error
    assert (d.range.start.line, d.range.start.character) == (9, 11)
    assert "read_items -> helpers.load -> time.sleep" in d.message
    hops = d.related_information or []
    assert [(h.location.uri, h.location.range.start.line) for h in hops] == [((project / "app" / "helpers.py").as_uri(), 4)]


@pytest.mark.asyncio(loop_scope="module")
async def test_editing_a_helper_clears_the_route_in_another_open_file(client: LanguageClient, project: Path) -> None:
    main = open_file(client, project / "app" / "main.py")
    helpers = open_file(client, project / "app" / "helpers.py")
    assert codes(await until(client, main, bool)) == ["FAS102"]
    replace_all(client, helpers, 2, QUIET_HELPERS)  # unsaved: the disk still has the blocking helper
    assert await until(client, main, lambda found: not found) == []
    replace_all(client, helpers, 3, HELPERS)
    assert codes(await until(client, main, bool)) == ["FAS102"]
    # Closing the helper gives it back to the disk, which blocks too.
    replace_all(client, helpers, 4, QUIET_HELPERS)
    await until(client, main, lambda found: not found)
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=helpers)))
    assert codes(await until(client, main, bool)) == ["FAS102"]


@pytest.mark.asyncio(loop_scope="module")
async def test_edits_in_the_open_file_itself(client: LanguageClient, project: Path) -> None:
    uri = open_file(client, project / "app" / "main.py")
    await until(client, uri, bool)
    moved = MAIN.replace("app = FastAPI()\n", "app = FastAPI()\n\n\n\n")
    replace_all(client, uri, 2, moved)
    found = await until(client, uri, lambda found: bool(found) and found[0].range.start.line == 12)
    assert codes(found) == ["FAS102"]
    replace_all(client, uri, 3, moved.replace("async def read_items", "def read_items"))
    assert await until(client, uri, lambda found: not found) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_code_actions_fix_and_noqa(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    path = tmp_path / "slow.py"
    path.write_text(SLEEPY)
    uri = open_file(client, path)
    found = await until(client, uri, bool)
    assert codes(found) == ["FAS101"]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=found[0].range,
        context=types.CodeActionContext(diagnostics=found),
    ))
    assert actions is not None
    by_title = {a.title: a for a in actions if isinstance(a, types.CodeAction)}
    fix = next(a for title, a in by_title.items() if "safe fix" in title)
    assert fix.is_preferred and fix.kind == types.CodeActionKind.QuickFix
    if fix.edit is None:  # left for resolve, as VS Code allows
        fix = await client.code_action_resolve_async(fix)
    assert fix.edit is not None
    fixed = apply(SLEEPY, fix.edit, uri)
    assert "await asyncio.sleep(1)" in fixed and "time.sleep" not in fixed
    noqa = next(a for title, a in by_title.items() if "noqa" in title)
    assert noqa.edit is not None and not noqa.is_preferred
    assert apply(SLEEPY, noqa.edit, uri) == SLEEPY.replace("    time.sleep(1)\n", "    time.sleep(1)  # noqa: FAS101\n")
    # The edit applied, as the client would send it: the finding goes.
    replace_all(client, uri, 2, fixed)
    assert await until(client, uri, lambda found: not found) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_fix_all_safe_source_action(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    path = tmp_path / "slow.py"
    text = SLEEPY + '\n\n@app.get("/slower")\nasync def slower():\n    time.sleep(2)\n'
    path.write_text(text)
    uri = open_file(client, path)
    assert codes(await until(client, uri, bool)) == ["FAS101", "FAS101"]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.Source]),
    ))
    assert actions is not None
    [fix_all] = [a for a in actions if isinstance(a, types.CodeAction)]
    assert fix_all.kind == "source.fixAll.fastapi-lint"
    if fix_all.edit is None:
        fix_all = await client.code_action_resolve_async(fix_all)
    assert fix_all.edit is not None
    fixed = apply(text, fix_all.edit, uri)
    assert "time.sleep" not in fixed and fixed.count("await asyncio.sleep") == 2


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_on_a_route_shows_its_row(client: LanguageClient, project: Path) -> None:
    uri = open_file(client, project / "app" / "main.py")
    await until(client, uri, bool)
    for line in (7, 8):  # the decorator, the def line
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=2)))
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        text = hover.contents.value
        assert "**GET** `/items`" in text and "app.main:read_items" in text
        assert "async: runs on the event loop" in text
        assert "FAS102" in text and "1 error" in text
    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=4, character=0)))
    assert nothing is None


@pytest.mark.asyncio(loop_scope="module")
async def test_deleted_and_new_files_on_disk(client: LanguageClient, project: Path) -> None:
    uri = open_file(client, project / "app" / "main.py")
    assert codes(await until(client, uri, bool)) == ["FAS102"]
    helpers = project / "app" / "helpers.py"
    helpers.unlink()  # as another program (a branch switch) would
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=helpers.as_uri(), type=types.FileChangeType.Deleted)]))
    assert await until(client, uri, lambda found: not found) == []
    (project / "app" / "helpers.py").write_text(HELPERS)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=helpers.as_uri(), type=types.FileChangeType.Created)]))
    assert codes(await until(client, uri, bool)) == ["FAS102"]


@pytest.mark.asyncio(loop_scope="module")
async def test_a_configuration_change_is_picked_up(client: LanguageClient, project: Path) -> None:
    uri = open_file(client, project / "app" / "main.py")
    assert codes(await until(client, uri, bool)) == ["FAS102"]
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'ignore = ["FAS102"]\n')
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]))
    assert await until(client, uri, lambda found: not found) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_a_configuration_edited_without_file_watching_is_seen_on_save(client: LanguageClient, project: Path) -> None:
    """A client that watches no file: a save makes the server look at the disk, configurations included."""
    uri = open_file(client, project / "app" / "main.py")
    assert codes(await until(client, uri, bool)) == ["FAS102"]
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'ignore = ["FAS102"]\n')
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    assert await until(client, uri, lambda found: not found) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_two_projects_each_with_its_configuration(client: LanguageClient, tmp_path: Path) -> None:
    uris = []
    for name, extra in (("one", ""), ("two", 'ignore = ["FAS101"]\n')):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "pyproject.toml").write_text("[tool.fastapi-lint]\n" + extra)
        (folder / "slow.py").write_text(SLEEPY)
        uris.append(open_file(client, folder / "slow.py"))
    assert codes(await until(client, uris[0], bool)) == ["FAS101"]
    assert await until(client, uris[1], lambda found: True) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_text_that_does_not_parse_and_files_that_are_not_python(client: LanguageClient, project: Path) -> None:
    notes = project / "notes.txt"
    notes.write_text("time.sleep(\n")
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=notes.as_uri(), language_id="plaintext", version=1, text=notes.read_text())))
    uri = open_file(client, project / "app" / "main.py", MAIN.replace("return load()", "return load("))
    assert all(str(d.code) == "FAS900" for d in await until(client, uri, lambda found: True))
    replace_all(client, uri, 2, MAIN)
    await until(client, uri, lambda found: codes(found) == ["FAS102"])
    assert notes.as_uri() not in client.diagnostics
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    assert await until(client, uri, lambda found: not found) == []


def test_edits_are_whole_lines_and_keep_line_endings() -> None:
    from fastapi_lint.server.convert import text_edit

    def units(text: str) -> int:
        return len(text.encode("utf-16-le")) // 2

    edit = text_edit("a\r\nb\r\nc\r\n", "a\r\nB  # noqa: FAS101\r\nc\r\n", units)
    assert (edit.range.start.line, edit.range.start.character, edit.range.end.line, edit.range.end.character) == (1, 0, 2, 0)
    assert edit.new_text == "B  # noqa: FAS101\r\n"
    last = text_edit("x = 1\ny = '\U0001f600'", "x = 1\ny = '\U0001f600'  # noqa: FAS101", units)
    assert (last.range.start.line, last.range.end.line, last.range.end.character) == (1, 1, 8)  # the emoji is two units
    assert text_edit("same\n", "same\n", units).new_text == ""


@pytest.mark.asyncio(loop_scope="module")
async def test_a_helper_half_edited_keeps_its_last_facts_for_the_others(client: LanguageClient, project: Path) -> None:
    """While the helper's text does not parse, the route keeps the finding its last good text gave."""
    main = open_file(client, project / "app" / "main.py")
    helpers = open_file(client, project / "app" / "helpers.py")
    assert codes(await until(client, main, bool)) == ["FAS102"]
    replace_all(client, helpers, 2, HELPERS + "\ndef half(\n")
    found = await until(client, helpers, lambda found: bool(found))
    assert codes(found) == ["FAS900"]
    assert codes(client.diagnostics[main]) == ["FAS102"]
    replace_all(client, helpers, 3, QUIET_HELPERS)
    assert await until(client, main, lambda found: not found) == []
    assert await until(client, helpers, lambda found: not found) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_force_exclude_leaves_an_open_file_out(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.fastapi-lint]\nforce-exclude = true\nextend-exclude = ["scripts"]\n')
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "slow.py").write_text(SLEEPY)
    (tmp_path / "slow.py").write_text(SLEEPY)
    excluded = open_file(client, tmp_path / "scripts" / "slow.py")
    included = open_file(client, tmp_path / "slow.py")
    assert codes(await until(client, included, bool)) == ["FAS101"]
    assert await until(client, excluded, lambda found: True) == []


# A client that resolves no code action (every edit comes with the list) and counts columns in
# code points (UTF-32), as Emacs 29's eglot and lsp-mode say they may.
@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "fastapi_lint", "server"]))
async def emacs(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    lsp_client.registered = []  # type: ignore[attr-defined]

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        lsp_client.registered.extend(params.registrations)  # type: ignore[attr-defined]

    result = await lsp_client.initialize_session(types.InitializeParams(capabilities=client_capabilities("emacs")))
    lsp_client.encoding = result.capabilities.position_encoding  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="module")
async def test_columns_in_the_negotiated_encoding_and_edits_without_resolve(emacs: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    path = tmp_path / "slow.py"
    text = SLEEPY.replace("    time.sleep(1)\n", "    label = '\U0001f600é'; time.sleep(1)\n")
    path.write_text(text, encoding="utf-8")
    uri = open_file(emacs, path, text)
    [found] = await until(emacs, uri, bool)
    line = text.splitlines()[found.range.start.line]
    before = line[: line.index("time.sleep")]
    units = {"utf-32": len(before), "utf-16": len(before.encode("utf-16-le")) // 2, "utf-8": len(before.encode())}
    assert emacs.encoding == "utf-32"  # type: ignore[attr-defined]  # pygls takes the first the client lists
    assert found.range.start.character == units["utf-32"] != units["utf-16"]
    actions = await emacs.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=found.range,
        context=types.CodeActionContext(diagnostics=[found])))
    assert actions is not None
    fix = next(a for a in actions if isinstance(a, types.CodeAction) and "safe fix" in a.title)
    assert fix.edit is not None  # no resolve: the edit comes with the list
    assert "await asyncio.sleep(1)" in apply(text, fix.edit, uri)


@pytest.mark.asyncio(loop_scope="module")
async def test_columns_in_utf16_for_a_client_that_counts_so(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    path = tmp_path / "slow.py"
    text = SLEEPY.replace("    time.sleep(1)\n", "    label = '\U0001f600é'; time.sleep(1)\n")
    path.write_text(text, encoding="utf-8")
    uri = open_file(client, path, text)
    [found] = await until(client, uri, bool)
    line = text.splitlines()[found.range.start.line]
    before = line[: line.index("time.sleep")]
    assert found.range.start.character == len(before.encode("utf-16-le")) // 2 == len(before) + 1


@pytest.mark.asyncio(loop_scope="module")
async def test_a_project_whose_files_were_all_closed_is_looked_at_again_when_one_is_opened(
        client: LanguageClient, project: Path) -> None:
    uri = open_file(client, project / "app" / "main.py")
    assert codes(await until(client, uri, bool)) == ["FAS102"]
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    await until(client, uri, lambda found: not found)
    await client.text_document_hover_async(types.HoverParams(  # answered once the server has taken the close
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=8, character=0)))
    (project / "app" / "helpers.py").write_text(QUIET_HELPERS)  # no event: as if the editor watched nothing
    del client.diagnostics[uri]
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id="python", version=2, text=MAIN)))
    assert await until(client, uri, lambda found: True) == []


@pytest.mark.asyncio(loop_scope="module")
async def test_a_renamed_helper_and_the_import_that_follows_it(client: LanguageClient, project: Path) -> None:
    uri = open_file(client, project / "app" / "main.py")
    assert codes(await until(client, uri, bool)) == ["FAS102"]
    old, new = project / "app" / "helpers.py", project / "app" / "util.py"
    old.rename(new)  # `git mv`, or a branch where the module has another name
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=old.as_uri(), type=types.FileChangeType.Deleted),
        types.FileEvent(uri=new.as_uri(), type=types.FileChangeType.Created)]))
    assert await until(client, uri, lambda found: not found) == []  # app.helpers is gone: nothing to follow
    replace_all(client, uri, 2, MAIN.replace("from app.helpers import load", "from app.util import load"))
    [found] = await until(client, uri, bool)
    assert found.code == "FAS102" and "util.load" in found.message


@pytest.mark.asyncio(loop_scope="module")
async def test_odd_input_gets_answers_not_a_crash(client: LanguageClient, project: Path) -> None:
    nowhere = types.TextDocumentIdentifier(uri="untitled:Untitled-1")
    assert await client.text_document_hover_async(types.HoverParams(
        text_document=nowhere, position=types.Position(line=0, character=0))) is None
    unopened = types.TextDocumentIdentifier(uri=(project / "app" / "helpers.py").as_uri())
    assert not await client.text_document_code_action_async(types.CodeActionParams(
        text_document=unopened, range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        context=types.CodeActionContext(diagnostics=[])))
    odd = {"cookie.py": "# -*- coding: klingon -*-\nx = 1\n", "nul.py": "x = 1\0\n", "empty.py": ""}
    uris = [open_file(client, project / "app" / name, text) for name, text in odd.items()]
    for uri in uris:
        await until(client, uri, lambda found: True)
    assert {str(d.code) for uri in uris for d in client.diagnostics[uri]} <= {"FAS900"}
    main = open_file(client, project / "app" / "main.py")  # and it still works
    assert codes(await until(client, main, bool)) == ["FAS102"]


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_shows_the_dependency_tree_and_the_threadpool(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    path = tmp_path / "deps.py"
    path.write_text(
        "from fastapi import Depends, FastAPI\n\napp = FastAPI()\n\n\n"
        "def get_settings():\n    return {}\n\n\n"
        "async def get_user(settings=Depends(get_settings)):\n    return settings\n\n\n"
        "@app.post(\"/users\")\nasync def create_user(user=Depends(get_user)):\n    return user\n"
    )
    uri = open_file(client, path)
    await until(client, uri, lambda found: True)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=13, character=1)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "**POST** `/users`" in text
    assert "- `deps:get_user` (async)\n  - `deps:get_settings` (sync)" in text
    assert "a request takes a threadpool thread" in text
    assert "No findings on its request path." in text


def test_a_message_that_is_not_json_is_one_line_of_error_not_a_traceback(tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run([sys.executable, "-m", "fastapi_lint", "server"], input=b"Content-Length: 5\r\n\r\n{bad}",
                          capture_output=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0
    assert "Traceback" not in done.stderr.decode()
    assert "JSONDecodeError" in done.stderr.decode()


@pytest.mark.asyncio(loop_scope="module")
async def test_a_broken_configuration_is_said_once_and_the_defaults_apply(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\nselect = [\n")
    path = tmp_path / "slow.py"
    path.write_text(SLEEPY)
    uri = open_file(client, path)
    assert codes(await until(client, uri, bool)) == ["FAS101"]
    said = [m.message for m in client.messages if "pyproject.toml" in m.message and "defaults" in m.message]
    assert len(said) == 1 and "invalid TOML" in said[0]


DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "apps" / "demo"


def _edit(text: str, rng: random.Random) -> str | None:
    """One edit of the kinds people make, or None when the one drawn does not apply or leaves
    a text that does not parse (the server then keeps the last text that parsed, on purpose)."""
    import ast

    lines = text.splitlines(keepends=True)
    functions = [node for node in ast.walk(ast.parse(text)) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    kind = rng.choice(["blocking", "blocking", "async", "async", "comment", "delete", "duplicate"])
    if kind in ("blocking", "async") and not functions:
        return None
    if kind == "blocking":
        first = rng.choice(functions).body[0]
        indent = " " * first.col_offset
        lines.insert(first.lineno - 1, f"{indent}import time\n{indent}time.sleep(1)\n")
    elif kind == "async":
        function = rng.choice(functions)
        line = lines[function.lineno - 1]
        lines[function.lineno - 1] = line.replace("async def ", "def ", 1) if "async def " in line else line.replace("def ", "async def ", 1)
    elif kind == "comment":
        lines.insert(rng.randrange(len(lines) + 1), "# an edit\n")
    elif kind == "delete" and lines:
        del lines[rng.randrange(len(lines))]
    elif kind == "duplicate" and lines:
        at = rng.randrange(len(lines))
        lines.insert(at, lines[at])
    new = "".join(lines)
    try:
        ast.parse(new)
    except SyntaxError:
        return None
    return new if new != text else None


@pytest.mark.asyncio(loop_scope="module")
async def test_after_each_edit_the_open_files_findings_are_a_full_runs(client: LanguageClient, tmp_path: Path) -> None:
    """Random edits of a multi-module app, unsaved: after each, every open file's published findings
    equal those of a full command-line run of the project with the edited texts on disk."""
    from fastapi_lint.api import lint_paths, load_config

    edited, disk = tmp_path / "edited", tmp_path / "disk"
    for root in (edited, disk):
        shutil.copytree(DEMO, root)
        # FAS106 (off by default) too: its findings move when a dependency in another file changes.
        (root / "pyproject.toml").write_text('[tool.fastapi-lint]\nextend-select = ["FAS106"]\n')
    files = sorted(path.relative_to(edited) for path in edited.rglob("*.py"))
    texts = {name: (edited / name).read_text() for name in files}
    versions = dict.fromkeys(files, 1)
    for name in files:
        open_file(client, edited / name, texts[name])
    rng = random.Random(5)  # a sequence with three edits that change another file's findings
    done = 0
    across = 0  # edits that changed the findings of a file other than the one edited
    expected: dict[Path, set[tuple[str, int, int]]] = {}
    while done < 12:
        name = rng.choice(files)
        new = _edit(texts[name], rng)
        if new is None:
            continue
        done += 1
        texts[name] = new
        versions[name] += 1
        replace_all(client, (edited / name).as_uri(), versions[name], new)
        (disk / name).write_text(new)
        # Answered once the edit is checked: what was published for it came before.
        await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=(edited / name).as_uri()), position=types.Position(line=0, character=0)))
        full = lint_paths([disk], load_config([disk]), jobs=1)
        before, expected = expected, {name: set() for name in files}
        for d in full.diagnostics:
            expected[Path(d.path).resolve().relative_to(disk.resolve())].add((d.code, d.span.line, d.span.col))
        across += bool(before) and any(before[other] != expected[other] for other in files if other != name)
        published = {
            name: {(str(d.code), d.range.start.line + 1, d.range.start.character) for d in client.diagnostics[(edited / name).as_uri()]}
            for name in files
        }
        assert published == expected, f"after edit {done} of {name}"
    assert across >= 2  # the sweep tried what it is for
