from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.catalog.blocking import Tier
from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.event_loop import advice, chain_hops, chain_names, cost_of, waiting
from fastapi_lint.analysis.request_path import describe_async
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule


class BlockingMetadataCallInAsync(Rule):
    """A file-system metadata call (`exists`, `stat`, `mkdir`, ...) on the event loop.

    ## What it does
    Finds file-system metadata calls made in an `async def`, directly or
    through the project's sync helpers (a helper whose only blocking calls
    are metadata calls): `Path.exists`, `is_file`, `is_dir`, `stat`, `mkdir`,
    `touch`, `unlink`, `rename`, `replace`, `chmod`, `resolve`, `iterdir` and
    `os.listdir`/`os.scandir` of one folder, `os.path.exists`/`isfile`/
    `getsize`/..., `tempfile.mkdtemp` and `TemporaryDirectory`,
    `shutil.disk_usage`; also what holds the loop as briefly: reads of files
    shipped with the code, a text file opened to append to (`open(log,
    "a")`: a log's lines, which the system buffers, as `logging.FileHandler`
    writes them), a whole file written from text the code composes
    (`path.write_text(json.dumps(inputs))`, a script held in a module
    constant, a literal or an f-string: a config or a script handed to a
    child process, as short as the code makes it), a file opened for code
    that then works on it in steps,
    awaiting in a loop (rows fetched and written a chunk at a time, an upload
    streamed), and a `time.sleep` of at most 5 ms written as a number
    (`time.sleep(0.001)`, a deliberate yield). Off by default.

    The default rules report what waits on a peer, a process, a timer or a
    lock (FAS101, FAS102, FAS103) and what reads or writes a file's
    contents (`open`, `read_text`, `shutil.copy`, `rmtree`), and leave these
    calls to this rule: a helper that checks a folder and then calls an API
    is FAS102's, named by the API call.

    ## Why is this bad?
    Each of these is a system call that the kernel usually answers from its
    caches in microseconds, but it holds the event loop while it runs: on a
    network file system, a slow or busy disk, or in a loop over many paths,
    every other request on the worker waits. Turn the rule on
    (`extend-select = ["FAS108"]`) to find them when a service keeps its data
    on such storage.

    In request-path code the finding is a warning; elsewhere it is
    information.

    ## Known problems
    Whether the call is slow depends on the storage, which the linter cannot
    see. A call on an `anyio.Path` or `aiofiles.os` is awaited and never
    reported. A composed text is taken to be short: `json.dumps` of a large
    result, or a module constant in capitals that holds a large blob, is
    written as long as it is.

    ## Example
    ```python
    from pathlib import Path

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/exports/{name}")
    async def has_export(name: str) -> bool:
        return Path(f"/data/exports/{name}").exists()
    ```

    ## Use instead
    ```python
    import anyio
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/exports/{name}")
    async def has_export(name: str) -> bool:
        return await anyio.Path(f"/data/exports/{name}").exists()
    ```

    ## Fix safety
    No automatic fix: whether the call is worth a thread hop depends on the
    storage.
    """

    code = "FAS108"
    name = "blocking-metadata-call-in-async"
    severity = Severity.WARNING
    default_enabled = False
    on_the_loop = True

    def check(self, context: Context) -> Iterator[Diagnostic]:
        yield from self._direct(context)
        yield from self._through_helpers(context)

    def _direct(self, context: Context) -> Iterator[Diagnostic]:
        found = context.request_paths
        for call in context.blocking_calls:
            if not call.metadata_only:
                continue
            located = call.located
            request = found.per_request(located.function.path)
            yield self.report(
                located,
                call.site.span,
                f"`{call.ref.path}` blocks the event loop in {describe_async(context.project, context.model, found, located, call.site.span.line)}"
                f"{waiting(call.entry)}: it {call.entry.why}",
                help=advice(located, context.model, call.entry.instead),
                severity=Severity.WARNING if request else Severity.INFO,
                cost=cost_of(call.entry),
            )

    def _through_helpers(self, context: Context) -> Iterator[Diagnostic]:
        graph = context.callgraph
        found = context.request_paths
        for located in context.project.all_functions():
            if not located.function.is_async:
                continue
            for site, callee, witness in graph.blocking_edges(located):
                if witness.tier != Tier.METADATA:
                    continue  # a costlier wait is FAS102's
                request = found.per_request(located.function.path)
                chain = " -> ".join([located.function.name, *chain_names(graph, located, site, witness)])
                yield self.report(
                    located,
                    site.span,
                    f"`{site.text}` blocks the event loop in {describe_async(context.project, context.model, found, located, site.span.line)}"
                    f"{waiting(witness.entry)}: {chain} ({witness.entry.why})",
                    help=advice(located, context.model, f"`await run_in_threadpool({site.text}, ...)`"),
                    severity=Severity.WARNING if request else Severity.INFO,
                    chain=tuple(chain_hops(witness)),
                    cost=cost_of(witness.entry),
                    opt_in=witness.opt_in,
                )
