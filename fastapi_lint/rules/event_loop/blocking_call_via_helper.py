from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.catalog.blocking import Tier
from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.event_loop import advice, chain_hops, chain_names, cost_of, waiting
from fastapi_lint.analysis.facts import Ref
from fastapi_lint.analysis.injected import given_an_async_object
from fastapi_lint.analysis.request_path import describe_async
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule


class BlockingCallViaHelper(Rule):
    """An `async def` calls a sync function of the project that blocks.

    ## What it does
    Follows calls from an `async def` into the project's own sync functions,
    across modules and to any depth (functions, methods through `self` or an
    instance of a known class, class instantiation, `container[key]` on an
    instance of a class with `__getitem__`), and reports the call in
    the async function when one of them ends in a blocking call from the
    catalog. When a helper reaches several, the chain named is the one to the
    costliest: a wait on a peer, a process, a timer or a lock, or heavy
    computation, over reading or writing a file, over a file-system metadata
    call. The message says which kind of wait it is and carries the whole
    chain, `where -> geo.lookup -> geo._call -> requests.get`; `--format json`
    gives it as `chain`, and the text output shows a code frame per hop.
    A helper whose only blocking calls are metadata calls (`exists`, `stat`,
    `mkdir`, ...) is left to FAS108, which is off by default.

    ## Why is this bad?
    A helper does not change where code runs: a sync function called from a
    coroutine runs on the event loop, and so does everything it calls. Most
    real stalls sit one to three calls below the route, where single-function
    linters cannot see them.

    Work that runs once per process or per key is not a stall on every
    request, and does not make a helper block: a call behind a cache guard
    (`if _config is None: _config = load()`, `if key not in self._store:`,
    `if not self.running: ...; self.running = True`, with the store up to
    two calls below the guard, or a thread the guard starts and waits for),
    and a call of a memoized function (`lru_cache`, `cache`, a project's own
    caching decorator). A guard with an expiry (`if token and time.time() <
    expiry: return token`) or a memoized function with a TTL refreshes
    periodically, and each refresh holds the loop: those still count. So
    does a model load (`SentenceTransformer(...)`, `from_pretrained`,
    `torch.load`), which holds the loop for seconds the one time it runs.

    ## Known problems
    A route handed an async session under a sync annotation (`db: Session =
    Depends(async_db)` where `async_db` yields an `AsyncSession`) passes
    that session on: a chain from it to a synchronous session of the same
    library is taken to be made up by the annotation, and is not reported
    (the code is broken, not blocking), though a helper may open a sync
    session of its own. Calls whose target cannot be resolved statically (callables passed as
    parameters, dynamic dispatch through unknown objects) are taken not to
    block: missed alarm, by design. A sync helper that blocks only on some
    branch is reported all the same. A cache keyed by a request value counts
    as once (once per key). A cache on `self` counts only when the object
    lives long (see FAS201). Calling a generator function runs none of its
    body: it is followed only where the call's generator is iterated in the
    same function (`for x in rows()`, `list(rows())`, `it = rows()` then
    `for x in it`); handed on (`StreamingResponse(rows())`, which iterates a
    sync generator on a worker thread) it is not, and a generator that is
    returned and iterated by a caller is missed. Nor is a call followed whose
    arguments do not bind to the helper's parameters (one positional argument
    too many, a keyword it does not take, a parameter without a default left
    out): it raises `TypeError` before the body runs. A call with `*args` or
    `**kwargs`, or of a decorated helper, is taken to bind.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    def lookup(ip: str) -> dict:
        return requests.get(f"https://geo.example/{ip}", timeout=5).json()


    @app.get("/where")
    async def where(ip: str):
        return lookup(ip)
    ```

    ## Use instead
    ```python
    import requests
    from fastapi import FastAPI
    from fastapi.concurrency import run_in_threadpool

    app = FastAPI()


    def lookup(ip: str) -> dict:
        return requests.get(f"https://geo.example/{ip}", timeout=5).json()


    @app.get("/where")
    async def where(ip: str):
        return await run_in_threadpool(lookup, ip)
    ```

    ## Fix safety
    Unsafe fixes only (`--unsafe-fixes`): a route that awaits nothing
    becomes a plain `def`; otherwise the helper call becomes
    `await asyncio.to_thread(helper, ...)`. Offloading changes what runs
    concurrently, and the helper may touch objects that are not thread-safe.
    """

    code = "FAS102"
    name = "blocking-call-via-helper"
    on_the_loop = True
    severity = Severity.ERROR
    fixable = True

    def check(self, context: Context) -> Iterator[Diagnostic]:
        graph = context.callgraph
        found = context.request_paths
        for located in context.project.all_functions():
            if not located.function.is_async or not context.reports_on(located.module.path):
                continue
            # A call with several callees (a name bound two ways, an interface's overrides) is one
            # call: reported once, through the callee whose chain costs most.
            for site, callee, witness in graph.blocking_edges(located):
                if witness.tier == Tier.METADATA or (witness.entry.resource and given_an_async_object(
                        context.project, located.function, Ref(witness.blocking_call))):
                    continue
                request = found.per_request(located.function.path)
                chain = " -> ".join([located.function.name, *chain_names(graph, located, site, witness)])
                yield self.report(
                    located,
                    site.span,
                    f"`{site.text}` blocks the event loop in {describe_async(context.project, context.model, found, located, site.span.line)}"
                    f"{waiting(witness.entry)}: {chain} ({witness.entry.why})",
                    help=advice(located, context.model, f"`await run_in_threadpool({site.text}, ...)`"),
                    severity=Severity.ERROR if request else Severity.WARNING,
                    chain=tuple(chain_hops(witness)),
                    cost=cost_of(witness.entry),
                    opt_in=witness.opt_in,
                )
