"""The protocol's side: pygls receives the client's messages on an asyncio loop; the analysis
runs on one worker thread (``Projects`` is used by that thread only), so the loop keeps
reading while a check runs and the edits that arrive meanwhile are taken together next.

An edit (``didOpen``, ``didChange``, ``didClose``) is noted, and a check starts ``DEBOUNCE``
seconds after the last one (one check at a time; edits made during a check start the next as
soon as it ends). After a check, the findings of every open file are compared with those last
published, and only the files whose findings changed are published again: editing a helper in
one file updates or clears the route's finding in another.

The disk: a save, the client's file watching (``**/*.py``, ``**/pyproject.toml``,
``**/.gitignore``, registered when the client allows it) and, every ``REFRESH`` seconds
(``REFRESH_WATCHED`` when the client watches), a look at the project's files
(``ProjectSession.refresh``: a stat per file) pick up files changed, added, deleted or renamed
by other programs, a branch switch among them. A changed ``pyproject.toml`` makes each open
file's project found again; one whose configuration changed starts over.

Requests (code actions, hover) first wait for the edits received to be checked, so that they
answer about the text the client has.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from fastapi_lint import __version__
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.paths import real_or_absolute
from fastapi_lint.api.collection import MOST_UNCOLLECTED, QUIET, after_a_check, collect_by_ourselves, collecting_by_ourselves
from fastapi_lint.server import actions, hover
from fastapi_lint.server.convert import SOURCE, columns_of, lines_of, text_edit, to_lsp
from fastapi_lint.server.projects import Findings, Projects

# Seconds after the last edit before a check starts: long enough to take together the
# notifications a client sends at once (a rename across files, a formatter's edits), no longer.
# Keystrokes come 50 ms or more apart; those made while a check runs are taken together by the
# next one anyway, so a longer wait would only add to every edit's latency.
DEBOUNCE = 0.01
WATCHED_DEBOUNCE = 0.3  # after a file-system event: a branch switch comes as a burst of them
REFRESH = 5.0  # seconds between looks at the disk when nothing else asked for one
REFRESH_WATCHED = 30.0  # the same, when the client watches the files for the server
PYTHON_SUFFIXES = (".py", ".pyi")
PROGRESS_AFTER = 1.0  # seconds a check runs before the client is told it is under way

logger = logging.getLogger(__name__)


class Server(LanguageServer):
    def __init__(self, cache: bool = True) -> None:
        super().__init__("fastapi-lint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.projects = Projects(cache=cache)
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="fastapi-lint")
        self.uris: dict[str, str] = {}  # real path of an open file -> its URI as the client names it
        self.pending: dict[str, tuple[Path, str | None, int | None]] = {}  # real path -> (path, text or None: closed, version)
        self.versions: dict[str, int | None] = {}  # real path -> the version whose text was handed to the worker
        self.want_refresh = False
        self.want_reload = False
        self.published: dict[str, tuple[Any, ...]] = {}  # URI -> the findings last published for it
        self._timer: asyncio.TimerHandle | None = None
        self._running = False
        self._idle: asyncio.Event | None = None
        self._told: set[str] = set()  # problems already shown to the user
        self._collect_timer: asyncio.TimerHandle | None = None
        self._uncollected = 0  # checks since the last collection
        self._progress_count = 0
        self.watched = False  # the client watches the files and tells (didChangeWatchedFiles)

    # -- the loop's side -------------------------------------------------------------------

    def idle(self) -> asyncio.Event:
        if self._idle is None:
            self._idle = asyncio.Event()
            self._idle.set()
        return self._idle

    def note(self, uri: str, text: str | None, version: int | None, language: str | None = None) -> None:
        path = _path_of(uri)
        if path is None:
            return  # not a file (an unsaved "untitled:" buffer, a diff view): nothing to link it with
        real = real_or_absolute(path)
        if language is not None and language != "python" and path.suffix not in PYTHON_SUFFIXES:
            return  # opened, but not Python (a client that sends every file)
        if language is None and real not in self.uris:
            return  # a change to, or the closing of, a file this server does not follow
        if text is None:
            self.uris.pop(real, None)
            self.versions.pop(real, None)
            if self.published.pop(uri, None):  # closed: its findings are the disk's business again
                self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        else:
            self.uris[real] = uri
        self.pending[real] = (path, text, version)
        self.schedule(DEBOUNCE)

    def schedule(self, delay: float) -> None:
        self.idle().clear()
        if self._collect_timer is not None:
            self._collect_timer.cancel()
            self._collect_timer = None
        if self._running:
            return  # the running check starts the next when it ends
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(delay, self._start)

    def _start(self) -> None:
        self._timer = None
        if not self._running:
            self._running = True
            asyncio.ensure_future(self._run())

    async def settled(self) -> None:
        """Wait until every edit received has been checked (at once: a request does not wait for the debounce)."""
        if self._timer is not None and not self._running:
            self._timer.cancel()
            self._start()
        await self.idle().wait()

    async def _run(self) -> None:
        try:
            while self.pending or self.want_refresh or self.want_reload:
                changes, self.pending = self.pending, {}
                refresh, reload = self.want_refresh, self.want_reload
                self.want_refresh = self.want_reload = False
                for real, (_, _, version) in changes.items():
                    self.versions[real] = version
                shown: dict[str, str] = {}
                progress = asyncio.ensure_future(self._progress(shown))
                try:
                    found, changed = await asyncio.get_running_loop().run_in_executor(
                        self.worker, self._check, changes, refresh, reload)
                except Exception as error:  # a bug must cost this check, not the server
                    logger.exception("check failed")
                    self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=f"fastapi-lint: {error!r}"))
                    continue
                finally:
                    progress.cancel()
                    if "token" in shown:
                        self.work_done_progress.end(shown["token"], types.WorkDoneProgressEnd())
                self._publish(found)
                after_a_check()
                self._uncollected += changed
                if collecting_by_ourselves() and self._uncollected > MOST_UNCOLLECTED:  # typing without a pause
                    self._uncollected = 0
                    await asyncio.get_running_loop().run_in_executor(self.worker, gc.collect)
        finally:
            self._running = False
            if self.pending or self.want_refresh or self.want_reload:
                self._start()
            else:
                self.idle().set()
                if collecting_by_ourselves() and self._uncollected:  # a look at the disk that found nothing leaves no garbage
                    self._collect_timer = asyncio.get_running_loop().call_later(QUIET, self._collect)

    async def _progress(self, shown: dict[str, str]) -> None:
        """A check still running after ``PROGRESS_AFTER`` seconds (a project read for the first
        time, a large project) shows as work in progress, where the client can show it."""
        await asyncio.sleep(PROGRESS_AFTER)
        window = self.client_capabilities.window
        if window is None or not window.work_done_progress:
            return
        self._progress_count += 1
        token = f"fastapi-lint-{self._progress_count}"
        try:
            await self.work_done_progress.create_async(token)
        except Exception as error:  # a client that says it can and then cannot
            logger.info("no progress shown: %s", error)
            return
        self.work_done_progress.begin(token, types.WorkDoneProgressBegin(title="fastapi-lint", message="checking the project"))
        shown["token"] = token

    def _collect(self) -> None:
        """The cyclic garbage of the checks since the last quiet moment (each check leaves the
        last one's project model behind), collected while nobody waits: ``serve`` turns the
        collector's own runs off, which would scan the whole heap in the middle of checks."""
        self._collect_timer = None
        self._uncollected = 0
        asyncio.get_running_loop().run_in_executor(self.worker, gc.collect)

    def _publish(self, found: dict[str, Findings]) -> None:
        for problem in self.projects.problems[:]:  # first: it says why the findings are the defaults'
            self.projects.problems.remove(problem)
            if problem not in self._told:
                self._told.add(problem)
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=f"fastapi-lint: {problem}"))
        for real, findings in found.items():
            uri = self.uris.get(real)
            if uri is None:
                continue
            key = (findings.shown, findings.diagnostics)
            if self.published.get(uri) == key:
                continue
            self.published[uri] = key
            document = self.workspace.get_text_document(uri)
            column = columns_of([line.rstrip("\r\n") for line in lines_of(findings.text)],
                                document.position_codec.client_num_units)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri,
                version=self.versions.get(real),
                diagnostics=[to_lsp(d, column, findings.files) for d in findings.diagnostics],
            ))

    # -- the worker's side -----------------------------------------------------------------

    def _check(self, changes: dict[str, tuple[Path, str | None, int | None]], refresh: bool,
               reload: bool) -> tuple[dict[str, Findings], bool]:
        """Every open file's findings after the changes, and whether any project was checked again."""
        started = time.perf_counter()
        before = self.projects.checks()
        if reload:
            self.projects.reload()
        for path, text, _ in changes.values():
            self.projects.set_text(path, text)
        if refresh:
            self.projects.refresh()
        read = time.perf_counter()
        found = self.projects.findings()
        logger.info("%d change(s)%s%s: facts in %.0f ms, findings in %.0f ms", len(changes), ", refreshed" if refresh else "",
                    ", reloaded" if reload else "", (read - started) * 1000, (time.perf_counter() - read) * 1000)
        return found, self.projects.checks() != before


def _path_of(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    found = to_fs_path(uri)
    return Path(found) if found else None


def build(cache: bool = True) -> Server:
    server = Server(cache=cache)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: Server, params: types.InitializedParams) -> None:
        watching = ls.client_capabilities.workspace
        dynamic = watching is not None and watching.did_change_watched_files is not None and bool(
            watching.did_change_watched_files.dynamic_registration)
        if dynamic:
            options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[
                types.FileSystemWatcher(glob_pattern="**/*.py"),
                types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
                types.FileSystemWatcher(glob_pattern="**/.gitignore"),  # what a folder walk skips
            ])
            try:
                await ls.client_register_capability_async(types.RegistrationParams(registrations=[
                    types.Registration(id="fastapi-lint-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                       register_options=options),
                ]))
                ls.watched = True
            except Exception as error:  # a client that says it can and then cannot: the periodic look remains
                logger.warning("file watching not registered: %s", error)
        asyncio.ensure_future(_look_at_disk(ls))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: Server, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        ls.note(document.uri, ls.workspace.get_text_document(document.uri).source, document.version, document.language_id)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: Server, params: types.DidChangeTextDocumentParams) -> None:
        document = params.text_document
        ls.note(document.uri, ls.workspace.get_text_document(document.uri).source, document.version)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: Server, params: types.DidCloseTextDocumentParams) -> None:
        ls.note(params.text_document.uri, None, None)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: Server, params: types.DidSaveTextDocumentParams) -> None:
        if params.text_document.uri.endswith("pyproject.toml"):
            ls.want_reload = True
        ls.want_refresh = True  # what else the save brought along (a formatter run on save, a generated file)
        ls.schedule(DEBOUNCE)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: Server, params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.endswith("pyproject.toml") for change in params.changes):
            ls.want_reload = True
        ls.want_refresh = True
        ls.schedule(WATCHED_DEBOUNCE)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL],
        resolve_provider=True,
    ))
    async def code_action(ls: Server, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        path = _path_of(uri)
        if path is None:
            return None
        await ls.settled()
        document = ls.workspace.get_text_document(uri)
        text, version = document.source, document.version
        only = [str(kind) for kind in params.context.only] if params.context.only else None
        lazy = _resolves_edits(ls)
        first, last = params.range.start.line + 1, params.range.end.line + 1
        try:
            planned = await asyncio.get_running_loop().run_in_executor(
                ls.worker, actions.plan, ls.projects, path, text, first, last, only, lazy)
        except Exception:  # a bug costs the actions, not the server
            logger.exception("code actions failed")
            return None
        found = []
        for action in planned:
            found.append(types.CodeAction(
                title=action.title,
                kind=action.kind,
                diagnostics=_matching(params.context.diagnostics, action.diagnostic),
                is_preferred=action.preferred or None,
                edit=_edit(ls, uri, version, text, action.new_text) if action.new_text is not None else None,
                data={**action.data, "uri": uri, "version": version} if action.data is not None else None,
            ))
        return found

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def code_action_resolve(ls: Server, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else None
        if data is None or action.edit is not None:
            return action
        uri = str(data.get("uri", ""))
        path = _path_of(uri)
        if path is None:
            return action
        await ls.settled()
        document = ls.workspace.get_text_document(uri)
        if document.version != data.get("version"):
            return action  # the text changed since: no edit (the client asks again)
        text = document.source
        try:
            new_text = await asyncio.get_running_loop().run_in_executor(ls.worker, actions.resolve, ls.projects, path, text, data)
        except Exception:
            logger.exception("resolving a code action failed")
            return action
        if new_text is not None:
            action.edit = _edit(ls, uri, document.version, text, new_text)
        return action

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: Server, params: types.HoverParams) -> types.Hover | None:
        path = _path_of(params.text_document.uri)
        if path is None:
            return None
        await ls.settled()
        line = params.position.line + 1
        try:
            found = await asyncio.get_running_loop().run_in_executor(ls.worker, hover.hover, ls.projects, path, line)
        except Exception:
            logger.exception("hover failed")
            return None
        if found is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=found))

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: Server, params: None) -> None:
        ls.worker.shutdown(wait=False, cancel_futures=True)

    return server


async def _look_at_disk(ls: Server) -> None:
    """Every ``REFRESH`` seconds (``REFRESH_WATCHED`` when the client watches the files: in case
    it misses some), what other programs did to the project's files."""
    while True:
        await asyncio.sleep(REFRESH_WATCHED if ls.watched else REFRESH)
        if ls.projects.projects and not ls.want_refresh:
            ls.want_refresh = True
            ls.schedule(0)


def _resolves_edits(ls: Server) -> bool:
    text_document = ls.client_capabilities.text_document
    support = text_document.code_action if text_document is not None else None
    resolve = support.resolve_support if support is not None else None
    return resolve is not None and "edit" in resolve.properties


def _matching(diagnostics: Sequence[types.Diagnostic], d: Diagnostic | None) -> list[types.Diagnostic] | None:
    """The client's copy of the finding ``d`` (what the action fixes), if it sent it."""
    if d is None:
        return None
    found = [candidate for candidate in diagnostics
             if candidate.source == SOURCE and candidate.code == d.code and candidate.range.start.line == d.span.line - 1]
    return found or None


def _edit(ls: Server, uri: str, version: int | None, old: str, new: str) -> types.WorkspaceEdit:
    document = ls.workspace.get_text_document(uri)
    edit = text_edit(old, new, document.position_codec.client_num_units)
    workspace = ls.client_capabilities.workspace
    versioned = workspace is not None and workspace.workspace_edit is not None and bool(workspace.workspace_edit.document_changes)
    if versioned:
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
            edits=[edit],
        )])
    return types.WorkspaceEdit(changes={uri: [edit]})


def serve() -> None:
    """Answer a client on standard input and output until it says exit. Whatever else would
    write to standard output goes to standard error, so that nothing breaks the protocol."""
    import sys

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="fastapi-lint server: %(name)s: %(levelname)s: %(message)s")
    level = os.environ.get("FASTAPI_LINT_LOG", "").upper()
    if level in ("DEBUG", "INFO", "WARNING", "ERROR"):
        logging.getLogger("fastapi_lint").setLevel(level)  # pygls's own log stays at warnings
    if level != "DEBUG":
        for handler in logging.getLogger().handlers:
            handler.addFilter(_one_line)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    collect_by_ourselves()  # api/collection.py
    build().start_io(stdin, stdout)


def _one_line(record: logging.LogRecord) -> bool:
    """A failure logged with its traceback (a message that is not JSON, a bug in a handler) is
    said in one line, the exception's own; ``FASTAPI_LINT_LOG=debug`` keeps the traceback."""
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
        record.args = None
        record.exc_info = None
        record.exc_text = None
    return True
