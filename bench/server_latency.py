#!/usr/bin/env python3
"""How long ``fastapi-lint server`` takes to answer an edit that matters to another open file,
and how much memory it holds: a measure, not a test.

    python bench/server_latency.py TREE [--edits 10] [--route FILE --helper FILE --function NAME] [--warm] [--project-call [--requested]] [--pause 0.3]

TREE (dispatch, prefect, ...) is copied to a temporary folder first (it is edited; nothing is
written to TREE). The script picks an async route that calls, directly, a plain function of
another module (or takes the ``--route``/``--helper``/``--function`` given), starts the server
over standard input and output with a real LSP client (pygls's), opens both files, and then,
``--edits`` times, changes the helper's unsaved text to add a blocking call (``time.sleep``) at the
top of the function's body (a call with an argument of its own each time, so that no addition
repeats an earlier text and is carried over from the server's memory of past checks), and back
(an undo: carried over). With ``--project-call``, the call added is one of the project's own
functions that waits (a plain module-level function of the helper's top package, taking no
arguments, whose chain of calls ends in a wait), imported in the body under a name of its own
each time: the edit that moves functions between places (the one ``incremental.py`` makes); with
``--requested`` too, one that requests run already (a sync route's helper: the call of a helper
other routes use, which moves no function between places but those the callee's callers read). For each change it measures the time from sending
``didChange`` to the ``publishDiagnostics`` of the route's file (its FAS102 appears, then goes),
and of the helper's own file when its findings changed too. Prints the first publish after
opening (the project read: from the CLI's cache with ``--warm``, which runs ``fastapi-lint`` on the
copy first; else every file parsed), the median and p95 of each kind of change, and the
server's resident memory (now and peak, from ``/proc``). The machine's load average is printed
with them: on a shared machine the numbers move with it.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IGNORED = shutil.ignore_patterns(".git", ".fastapi_lint_cache", "node_modules", "ui", "ui-v2", "docs", "*.png", "*.svg")


def pick(root: Path, project_call: bool = False, requested: bool = False) -> tuple[Path, Path, str, tuple[str, str] | None]:
    """An async route's file, the file of a plain function it calls directly, that function's
    name, and with ``project_call``, a blocking function of the project for it to call
    (``blocker``): (module, name)."""
    from fastapi_lint.api import lint_paths, load_config

    config = load_config([root])
    result = lint_paths([root], config, jobs=None)
    context = result.context
    assert context is not None, "the project did not parse"
    graph = context.callgraph
    for route in sorted(context.model.routes, key=lambda r: (r.handler.module.path, r.handler.function.span.line)):
        handler = route.handler
        if not handler.function.is_async:
            continue
        for site, callee in graph.runs(handler.function.path):
            located = context.project.function(callee)
            if located is None or located.function.is_async or site.awaited or site.offloaded:
                continue
            if located.module.path == handler.module.path or located.function.class_path is not None:
                continue
            try:  # the edit is made with this Python's parser: a helper in newer syntax is passed over
                ast.parse((root / located.module.path).read_text(encoding="utf-8"))
            except SyntaxError:
                continue
            called = blocker(context, located.module.module, requested) if project_call else None
            if project_call and (called is None or graph.witness(callee) is not None):
                continue  # (a helper that blocks already: a call added would change no finding of the route)
            return Path(handler.module.path), Path(located.module.path), located.function.name, called
    raise SystemExit("no async route calls a plain function of another module: give --route, --helper, --function")


def blocker(context: object, helper_module: str, requested: bool = False) -> tuple[str, str] | None:
    """A plain module-level function of ``helper_module``'s top package that takes no arguments
    and waits, its chain of calls the shortest (as ``incremental.find_edit`` picks): (module, name).
    With ``requested``, one that requests run already (a sync route's helper, in the threadpool),
    that blocks in any way."""
    from fastapi_lint.analysis.catalog.blocking import Tier

    graph, project = context.callgraph, context.project  # type: ignore[attr-defined]
    top = helper_module.partition(".")[0]
    found = []
    for located in project.all_functions():
        function = located.function
        if (function.is_async or function.class_path is not None or function.parent_path is not None
                or located.module.module.partition(".")[0] != top or located.module.module == helper_module
                or any(param.default is None for param in function.params)
                or (requested and (function.params or function.path not in context.scopes.request))):  # type: ignore[attr-defined]
            continue
        witness = graph.witness(function.path)
        if witness is not None and (witness.tier == Tier.WAIT or requested):  # (requests wait on few of their own)
            found.append((len(witness.steps), function.path, located.module.module, function.name))
    return min(found)[2:] if found else None


def with_blocking_call(text: str, function: str, seconds: float = 0.01, called: tuple[str, str] | None = None,
                       edit: int = 0) -> str:
    """``text`` with ``time.sleep(seconds)`` (and its import) as the first statement of ``function``
    after its docstring;
    with ``called`` (module, name), a call of that function, imported in the body as a name of
    ``edit``'s own."""
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            body = node.body
            # after its docstring, as an editor's quick edit goes (the docstring stays one)
            documented = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)
            first = body[1] if documented and len(body) > 1 else body[0]
            lines = text.splitlines(keepends=True)
            indent = " " * first.col_offset
            lines.insert(first.lineno - 1, f"{indent}import time\n{indent}time.sleep({seconds})\n" if called is None else
                         f"{indent}from {called[0]} import {called[1]} as _bench_blocker_{edit}\n{indent}_bench_blocker_{edit}()\n")
            return "".join(lines)
    raise SystemExit(f"no function {function} in the helper")


def rss(pid: int) -> tuple[float, float]:
    """(resident, peak resident) in MB."""
    found = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) / 1024
    return found.get("VmRSS", 0.0), found.get("VmHWM", 0.0)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


async def measure(root: Path, route: Path, helper: Path, function: str, edits: int, log: bool,
                  called: tuple[str, str] | None = None, pause: float = 0.3) -> None:
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("server-latency", "1")
    published: list[tuple[float, str, int]] = []  # (time, uri, findings)
    arrived = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params: types.PublishDiagnosticsParams) -> None:
        published.append((time.perf_counter(), params.uri, len(params.diagnostics)))
        arrived.set()

    async def until(uri: str, after: float, timeout: float = 600.0) -> tuple[float, int]:
        deadline = time.perf_counter() + timeout
        while True:
            for at, where, count in published:
                if where == uri and at >= after:
                    return at - after, count
            arrived.clear()
            try:
                await asyncio.wait_for(arrived.wait(), deadline - time.perf_counter())
            except asyncio.TimeoutError:
                raise SystemExit(f"nothing published for {uri} in {timeout:.0f}s") from None

    env = {**os.environ, "FASTAPI_LINT_LOG": "info"} if log else None
    await client.start_io(sys.executable, "-m", "fastapi_lint", "server", cwd=str(root), env=env)
    server = client._server  # type: ignore[attr-defined]
    server_pid = server.pid

    async def drain() -> None:  # the server's standard error: read, so that a full pipe never stops it
        while line := await server.stderr.readline():
            if log:
                print("  server:", line.decode(errors="replace").rstrip())

    draining = asyncio.ensure_future(drain())
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=root.as_uri(), process_id=os.getpid()))
    client.initialized(types.InitializedParams())
    route_uri, helper_uri = (root / route).as_uri(), (root / helper).as_uri()
    original = (root / helper).read_text(encoding="utf-8")
    started = time.perf_counter()
    for uri, path in ((route_uri, route), (helper_uri, helper)):
        client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
            uri=uri, language_id="python", version=1, text=(root / path).read_text(encoding="utf-8"))))
    first, before = await until(route_uri, started)
    await until(helper_uri, started)
    resident, peak = rss(server_pid)
    print(f"opened {route} and {helper}: first publish after {first:.2f}s; RSS {resident:.0f} MB (peak {peak:.0f} MB)")
    await asyncio.sleep(1.0)
    timings: dict[str, list[float]] = {"add": [], "remove": []}
    helper_own: dict[str, list[float]] = {"add": [], "remove": []}
    version = 1
    for edit in range(edits):
        # A call of its own each time, so that no addition repeats an earlier text: each is a
        # change of a fact the server has not seen (taking it away again is an undo).
        blocking = with_blocking_call(original, function, round(0.01 + edit / 1000, 3), called, edit)
        for kind, text in (("add", blocking), ("remove", original)):
            version += 1
            sent = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=helper_uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            ))
            took, count = await until(route_uri, sent)
            if count != (before + 1 if kind == "add" else before):
                print(f"  note: after '{kind}' the route's file has {count} findings (at first: {before})")
            timings[kind].append(took)
            own = [at - sent for at, where, _ in published if where == helper_uri and at >= sent]
            if own:
                helper_own[kind].append(own[0])
            await asyncio.sleep(pause)  # an editor's pause between edits
    busy = rss(server_pid)
    await asyncio.sleep(4.0)  # a pause: the server collects the checks' garbage when idle
    resident, peak = rss(server_pid)
    load = os.getloadavg()
    for kind in ("add", "remove"):
        values = timings[kind]
        what = "a blocking call" if called is None else f"a call of {called[0]}.{called[1]}"
        line = (f"{kind} {what} in {helper}: route's file published after median {statistics.median(values) * 1000:.0f} ms, "
                f"p95 {p95(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms ({len(values)} edits)")
        if helper_own[kind]:
            line += f"; the helper's own file after median {statistics.median(helper_own[kind]) * 1000:.0f} ms ({len(helper_own[kind])} times)"
        print(line)
    print(f"server RSS {busy[0]:.0f} MB right after the edits, {resident:.0f} MB after a pause, peak {peak:.0f} MB; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    draining.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tree", type=Path)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--route", type=Path)
    parser.add_argument("--helper", type=Path)
    parser.add_argument("--function")
    parser.add_argument("--pause", type=float, default=0.3,
                        help="seconds between a publish and the next edit (0.3: typing; over 2: the server "
                             "collects its garbage in the pause, as after a moment's thought)")
    parser.add_argument("--log", action="store_true", help="show the server's log (how long each check took)")
    parser.add_argument("--warm", action="store_true", help="run fastapi-lint on the copy first: the server reads its cache")
    parser.add_argument("--project-call", action="store_true",
                        help="the helper gains a call of one of the project's functions that waits, not time.sleep")
    parser.add_argument("--requested", action="store_true",
                        help="with --project-call: a function requests run already (taking no arguments)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / args.tree.resolve().name
        shutil.copytree(args.tree, root, symlinks=True, ignore=IGNORED)  # links kept as links (some dangle)
        os.chdir(root)
        if args.route and args.helper and args.function and not args.project_call:
            route, helper, function, called = args.route, args.helper, args.function, None
        else:
            route, helper, function, called = pick(root, args.project_call, args.requested)
        print(f"route file {route}, helper file {helper}, function {function}"
              + (f", calls {called[0]}.{called[1]}" if called else ""))
        if args.warm:
            subprocess.run([sys.executable, "-m", "fastapi_lint", ".", "-q", "--exit-zero"], cwd=root,
                           stdout=subprocess.DEVNULL, check=False)
        asyncio.run(measure(root, route, helper, function, args.edits, args.log, called, args.pause))


if __name__ == "__main__":
    main()
