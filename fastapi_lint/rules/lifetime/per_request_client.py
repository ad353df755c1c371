from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.analysis.catalog.clients import CLIENTS, Resource
from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.facts import CallSite, FunctionFacts, Ref, RefKind, Value
from fastapi_lint.analysis.project import Project
from fastapi_lint.analysis.request_path import where
from fastapi_lint.diagnostics import AMORTISED, Diagnostic, Severity
from fastapi_lint.rules import Rule


class PerRequestClient(Rule):
    """A client, pool or engine built on the request path.

    ## What it does
    Finds constructions of long-lived resources in code that runs for every
    request: `httpx.AsyncClient()`/`Client()` (also in `async with`),
    `aiohttp.ClientSession()`, `requests.Session()`, `create_engine`,
    `create_async_engine`, `asyncpg.create_pool`,
    `psycopg_pool`, Redis clients and pools, Mongo clients, `boto3`
    clients, OpenAI and Anthropic clients, Elasticsearch, Kafka producers and
    gRPC channels. The request path includes helpers and `yield` dependencies,
    in any module; the lifespan, startup handlers, module level and memoized
    functions (`lru_cache`, `cache`, `cachetools`' and `asyncache`'s
    decorators, `async_lru.alru_cache`, `aiocache.cached`, a decorator of the
    project's own that caches or is named after `lru_cache`) are not on it and are never reported. Neither
    is lazy initialisation: a construction that runs only while a lasting
    place is empty and fills it (`if self._client is None: self._client =
    ...`, `if url not in ENGINES: ENGINES[url] = ...`, an early `return`
    when it is set, `c = getattr(self, "_client", None)` then `if c is None
    or c.is_closed:`, a TTL cache's `get` then `set` (a project's `get_cached`/`set_cached`
    pair too, as a route decorator does around the route; a key of Redis read and stored
    through a local handle, `cached = r.get(key)` then `r.setex(key, ttl, answer)`, also with
    the read in a `try` that logs the store's errors), `if c is not None: try:
    c.ping(); return c except ...:`) runs once per process,
    per key or per expiry, not per request, and so does everything it calls.
    The guard may sit one or two calls above the construction
    (`get_client()` checks a global and calls `_build_client()`), or the
    store one or two calls below the guard (`if _client is None:
    _connect()`), in another module too when the place is an attribute of
    an object it imports from there (`if handles.db is None: await
    connection.connect()`); a bare name imported keeps the value it had
    when imported, so a guard on it never holds. A check on a local variable, a check on one place that
    fills another, or `ENGINES.setdefault(url, create_engine(url))` (the
    argument is built on every call) does not count; nor does a factory
    that returns a new client on every call.

    A client that the block building it uses for several requests of one
    operation, one after another, is shown only with `--scope all`: `async
    with httpx.AsyncClient() as client:` then an upload's initiate and each
    chunk, a listing and each item's fetch, two requests, or one in a loop,
    made on the client, by a callback defined in the block or by helpers of
    the module it is handed to (`analysis/reused_clients.py`). Its handshake
    serves each of those requests. A client used for one request (in a retry
    loop that returns on success, or with a second request only on a branch),
    for requests fanned out side by side (`gather`), or yielded to a route is
    still built per request.

    So is a client a websocket route builds once per connection, before its
    message loop (a call session's clients, made in its `__init__`), when no
    other route reaches that code (`analysis/per_connection.py`): it serves
    every message of a connection that may last minutes. One built per
    message, in the loop or in what the loop runs, is reported.

    And so is a client built in code that runs on a loop of its own, which a
    `def` route's helper starts with `asyncio.run` on each request: an async
    client belongs to the loop it was made on, and that loop ends with the
    call, so it cannot be built once and shared.

    A client built in a function that refreshes an OAuth token (`_refresh_token`,
    `refresh_access_token`) is shown only with `--scope all`: it runs when
    the access token has expired, once per token lifetime, not per request.
    So is one built in an `except` handler, or in code that requests reach
    only through calls in `except` handlers (a session rebuilt when its
    credentials expired, a fallback client when the shared one failed): it
    runs when something failed, not on every request.

    So is a client whose connections go through a transport of the
    project's own class built with what the call found
    (`transport=PinnedTransport(address)`) or a connector with a resolver
    that is not aiohttp's (`TCPConnector(resolver=PinnedResolver(host,
    address))`), inline, bound just before, or made by a function of the
    project: a guard against server-side request forgery pins each client
    to the addresses it checked for one destination, so one client cannot
    serve every request (nor can the unpinned client such a factory builds
    on another branch, when it was handed no addresses). A stock transport or connector
    (`AsyncHTTPTransport(retries=3)`, `TCPConnector(limit=10)`), or a
    transport of the project's built with nothing (one that checks every
    request it sends could serve them all), built per request is reported.

    ## Why is this bad?
    Each of these owns a connection pool. Built per request, every request pays
    a new TCP and TLS handshake (and for engines, a new pool), connections are
    never reused, and sockets pile up in `TIME_WAIT` under load.

    ## Known problems
    A client built per request on purpose (per-tenant credentials) is reported
    too; suppress it with `# noqa: FAS201`. A cache keyed by a request value
    (`if tenant not in CLIENTS:`) counts as built once, although it builds
    one client per key. A cache on `self` (`self._client`) counts only when
    the object lives long: every construction of its class outside tests and
    scripts (a `main()` its module runs with `asyncio.run`) is at module
    level, behind a guard, in a memoized function or in the `__init__` of an
    object that lives long, or handed to a function that keeps it in a
    module-level name (`set_remote_client(client)`), or its `__new__` keeps its
    instances; an object built per request builds its client per request.
    A handle on a pool built elsewhere (`redis.Redis(connection_pool=POOL)`,
    `OpenAI(http_client=SHARED)`, `httpx.AsyncClient(transport=SHARED)`)
    builds no pool of its own and is not reported (a pool built in its
    arguments is, where it is built). A session factory
    (`sessionmaker(bind=engine)`) built per request is not reported: it holds
    no connection, and an engine built per request is reported where it is
    built.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/proxy")
    async def proxy():
        async with httpx.AsyncClient() as client:
            return (await client.get("https://example.com")).json()
    ```

    ## Use instead
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI, Request


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with httpx.AsyncClient() as client:
            app.state.http = client
            yield


    app = FastAPI(lifespan=lifespan)


    @app.get("/proxy")
    async def proxy(request: Request):
        return (await request.app.state.http.get("https://example.com")).json()
    ```

    ## Fix safety
    No automatic fix: moving construction to the lifespan changes the code's shape.
    """

    code = "FAS201"
    name = "per-request-client"
    severity = Severity.ERROR
    per_request = True
    loop_bound = True

    def check(self, context: Context) -> Iterator[Diagnostic]:
        project, model = context.project, context.model
        for call in context.calls_per_request_reported():
            # A call of an instance (``SessionLocal()`` on a sessionmaker) checks out, it does not build.
            resource = CLIENTS.get(call.ref.path) if call.ref.kind is RefKind.SYMBOL else None
            if resource is None or _borrows_a_pool(project, call.site, resource.borrows):
                continue
            connection = call.located.function.path in context.once_per_connection and not call.site.in_loop
            refresh = _refreshes_a_token(call.located.function.name)
            recovery = call.site.in_handler or call.located.function.path in context.recovering
            pinned = _pinned(project, call.located.function, call.site) or _pinning_factory(project, call.located.function, resource)
            when = ("once per websocket connection" if connection
                    else "each time a token is refreshed" if refresh
                    else "when an error is handled" if recovery
                    else "for each destination, its connections pinned to the addresses checked for it" if pinned
                    else "on every request")
            shared = ", shared by the requests of one operation there" if call.site.reused else ""
            yield self.report(
                call.located,
                call.site.span,
                f"`{call.site.text}()` builds {resource.what} {when} in "
                f"{where(project, model, call.located, call.root)}{shared}",
                help="Build it once in the app's `lifespan` and share it (`app.state`, or a dependency that returns it)",
                cost=AMORTISED if call.site.reused or connection or refresh or recovery or pinned else None,
            )


def _refreshes_a_token(name: str) -> bool:
    """``_refresh_token``, ``refresh_access_token``: what exchanges an OAuth refresh token for a
    new access token runs once per token lifetime (an hour, say), when the token has expired."""
    words = name.lower()
    return "refresh" in words and "token" in words


# Where an HTTP client takes the transport that opens its connections: an httpx transport, an
# aiohttp connector (whose ``resolver=`` answers its DNS lookups).
_TRANSPORT_KEYWORDS = ("transport", "connector")
_CONNECTORS = frozenset({"aiohttp.TCPConnector", "aiohttp.connector.TCPConnector"})


def _pinned(project: Project, function: FunctionFacts, site: CallSite) -> bool:
    """Whether the client's connections go through a pinned transport or connector (``_pins``),
    built in the call, bound just before, or made by a function of the project: a guard against
    server-side request forgery pins each client to the addresses it checked for one destination,
    so it cannot be one client shared by all."""
    for key, value in site.kwargs:
        if key not in _TRANSPORT_KEYWORDS:
            continue
        if value.kind == "call" and value.call is not None:
            return _pins(project, value.call) or _made_pinned(project, value.call)
        maker = _maker(value)
        if maker is not None:  # bound just before: ``connector = TCPConnector(...)``
            made = project.resolve(maker).path
            return any(_pins(project, other) for other in function.calls
                       if other.func is not None and project.resolve(other.func).path == made)
    return False


def _pinning_factory(project: Project, function: FunctionFacts, resource: Resource) -> bool:
    """Whether the function builds a pinned client of the same kind on another branch
    (``if not ips: return AsyncClient()`` then ``return AsyncClient(transport=Pinned(ips))``): a
    factory of clients for one destination each, whose unpinned fallback is no shared client either."""
    return any(
        other.func is not None and _kind(CLIENTS.get(project.resolve(other.func).path)) == resource.what
        and _pinned(project, function, other)
        for other in function.calls
    )


def _kind(resource: Resource | None) -> str | None:
    return resource.what if resource is not None else None


def _maker(value: Value) -> Ref | None:
    """What made the value: the callee of a call in place, or of the call a name was bound to."""
    if value.kind == "call" and value.call is not None:
        return value.call.func
    made_by = value.ref.made_by if value.kind == "ref" and value.ref is not None else None
    return Ref(made_by) if made_by is not None else None


def _pins(project: Project, built: CallSite) -> bool:
    """Whether this transport or connector is pinned: a transport of the project's own class built
    with what the call found (``_PinnedIPTransport(ips)``; one built with nothing, such as a
    transport that checks every request it sends, may serve them all), or an aiohttp connector
    handed a resolver that is not aiohttp's (``TCPConnector(resolver=_PinnedResolver(host, ip))``)."""
    if built.func is None:
        return False
    made = project.resolve(built.func).path
    if made in _CONNECTORS:
        resolver = built.kwarg("resolver")
        if resolver is None:
            return False
        maker = _maker(resolver)
        return maker is None or not project.resolve(maker).path.startswith("aiohttp.")
    return made in project.classes and bool(built.args or built.kwargs)


def _made_pinned(project: Project, built: CallSite) -> bool:
    """Whether a function of the project builds the pinned transport or connector it returns
    (``ssrf_guarded_tcp_connector(resolver)``)."""
    maker = project.function(project.resolve(built.func).path) if built.func is not None else None
    return maker is not None and any(_pins(project, other) for other in maker.function.calls)


def _borrows_a_pool(project: Project, site: CallSite, keywords: tuple[str, ...]) -> bool:
    """``Redis(connection_pool=self._pool)``: a handle on a pool held elsewhere. A pool or client
    built in the call itself is built per request: reported where it is built when it is one of
    ours (``connection_pool=ConnectionPool(...)``), else here (``http_client=MyHttpClient()``).
    One a function of the project returns (``http_client=shared_http_client(url)``) is reported
    where that function builds it, if it builds one per call; a library's may build one here."""
    for key, value in site.kwargs:
        if key not in keywords:
            continue
        if value.kind == "ref" and value.ref is not None:
            # ``t = AsyncHTTPTransport()`` just before: built per request, like an inline one
            made_by = value.ref.made_by
            return made_by is None or _built_where_seen(project, made_by)
        if value.kind == "call" and value.call is not None and value.call.func is not None:
            return _built_where_seen(project, project.resolve(value.call.func).path)
    return False


def _built_where_seen(project: Project, maker: str) -> bool:
    """Whether what ``maker`` returns is reported where it is built, if built per request: a client
    of the catalog, or what a function of the project returns."""
    return maker in CLIENTS or project.function(project.resolve(Ref(maker)).path) is not None
