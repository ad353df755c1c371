"""The blocking catalog: calls that hold the thread until I/O or a computation ends.

Each group says why its calls block and what to use instead; messages quote
both. Patterns are exact dotted paths, or a prefix ending in ``.*`` that matches
every member below it. Paths of methods use the type's public name
(``sqlalchemy.orm.Session.execute``); see ``types.py`` for the spellings folded
into it. Only calls whose blocking is certain belong here: when unsure, leave
it out (a false alarm costs more than a missed one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    pattern: str
    why: str
    instead: str
    # "io": waits on I/O or time (FAS101/FAS103); "cpu": holds the loop computing (FAS104).
    kind: str = "io"
    # A client, session, connection or cursor API: a method call on such an object is
    # FAS103 (sync-resource-in-async); everything else is FAS101.
    resource: bool = False


def _group(why: str, instead: str, patterns: Iterable[str], kind: str = "io", resource: bool = False) -> list[Entry]:
    return [Entry(p, why, instead, kind, resource) for p in patterns]


def _methods(owner: str, names: str) -> list[str]:
    return [f"{owner}.{name}" for name in names.split()]


_HTTP_VERBS = "get post put patch delete head options request"

ENTRIES: list[Entry] = [
    *_group("sleeps the whole thread", "`await asyncio.sleep(...)`", ["time.sleep"]),
    *_group(
        "performs a synchronous HTTP request",
        "an `httpx.AsyncClient` created once in the lifespan, or `await run_in_threadpool(...)`",
        [
            *_methods("requests", _HTTP_VERBS),
            *_methods("requests.api", _HTTP_VERBS),
            *_methods("requests.Session", f"{_HTTP_VERBS} send"),
            *_methods("httpx", f"{_HTTP_VERBS} stream"),
            *_methods("httpx.Client", f"{_HTTP_VERBS} send stream"),
            "urllib.request.urlopen",
            "urllib.request.urlretrieve",
            "urllib.request.OpenerDirector.open",
            *_methods("urllib3.PoolManager", "request urlopen request_encode_url request_encode_body"),
            "urllib3.request",
            *_methods("http.client.HTTPConnection", "request getresponse connect"),
            *_methods("http.client.HTTPSConnection", "request getresponse connect"),
        ],
        resource=True,
    ),
    *_group(
        "starts a process and waits for it",
        "`asyncio.create_subprocess_exec(...)` and `await proc.communicate()`",
        [
            *_methods("subprocess", "run call check_call check_output getoutput getstatusoutput"),
            *_methods("subprocess.Popen", "wait communicate"),
            "os.system",
            "os.popen",
            *_methods("os", "wait waitpid wait3 wait4 waitid"),
        ],
    ),
    *_group(
        "reads or writes a file synchronously",
        "`await anyio.open_file(...)`, `aiofiles`, or `await asyncio.to_thread(...)`",
        [
            "builtins.open",
            "io.open",
            "codecs.open",
            *_methods(
                "pathlib.Path",
                "open read_text read_bytes write_text write_bytes exists is_file is_dir iterdir glob rglob "
                "stat lstat mkdir touch unlink rmdir rename replace resolve",
            ),
            *_methods(
                "os",
                "listdir scandir walk stat lstat remove unlink rename replace mkdir makedirs rmdir removedirs "
                "fsync read write sendfile",
            ),
            *_methods("os.path", "exists isfile isdir getsize getmtime getatime getctime"),
            *_methods("shutil", "copy copy2 copyfile copytree move rmtree make_archive unpack_archive disk_usage"),
            "json.load",
            "pickle.load",
            "yaml.safe_load_all",
            "tarfile.open",
            "zipfile.ZipFile",
        ],
    ),
    *_group(
        "waits on the network in a socket or DNS call",
        "`asyncio.open_connection(...)` or `await loop.getaddrinfo(...)`",
        [
            *_methods("socket", "create_connection getaddrinfo gethostbyname gethostbyname_ex gethostbyaddr getfqdn"),
            *_methods("socket.socket", "connect accept recv recvfrom recv_into send sendall sendto"),
            "ssl.get_server_certificate",
            *_methods("dns.resolver", "resolve query"),
        ],
    ),
    *_group(
        "talks to a mail or FTP server synchronously",
        "`aiosmtplib`, or `await run_in_threadpool(...)`",
        [
            "smtplib.SMTP",
            "smtplib.SMTP_SSL",
            *_methods("smtplib.SMTP", "connect login sendmail send_message starttls quit ehlo"),
            *_methods("smtplib.SMTP_SSL", "connect login sendmail send_message quit ehlo"),
            "ftplib.FTP",
            *_methods("ftplib.FTP", "connect login retrbinary retrlines storbinary storlines nlst dir quit"),
        ],
        resource=True,
    ),
    *_group(
        "runs a database query with a synchronous driver",
        "an async driver (`asyncpg`, `psycopg` async, `aiomysql`, `aiosqlite`), or a `def` route",
        [
            "psycopg2.connect",
            *_methods("psycopg2.extensions.connection", "commit rollback close"),
            *_methods("psycopg2.extensions.cursor", "execute executemany fetchone fetchall fetchmany callproc copy_expert copy_from copy_to"),
            "psycopg.connect",
            "psycopg.Connection.connect",
            *_methods("psycopg.Connection", "execute commit rollback"),
            *_methods("psycopg.Cursor", "execute executemany fetchone fetchall fetchmany"),
            "pymysql.connect",
            *_methods("pymysql.connections.Connection", "commit rollback ping"),
            *_methods("pymysql.cursors.Cursor", "execute executemany fetchone fetchall fetchmany"),
            "MySQLdb.connect",
            *_methods("MySQLdb.cursors.Cursor", "execute executemany fetchone fetchall fetchmany"),
            "mysql.connector.connect",
            *_methods("mysql.connector.cursor.MySQLCursor", "execute executemany fetchone fetchall fetchmany"),
            "sqlite3.connect",
            *_methods("sqlite3.Connection", "execute executemany executescript commit rollback"),
            *_methods("sqlite3.Cursor", "execute executemany executescript fetchone fetchall fetchmany"),
        ],
        resource=True,
    ),
    *_group(
        "runs SQL through a synchronous SQLAlchemy session",
        "`AsyncSession` from `sqlalchemy.ext.asyncio` with an async driver",
        [
            *_methods(
                "sqlalchemy.orm.Session",
                "execute scalar scalars get commit flush refresh rollback merge delete exec "
                "connection bulk_save_objects bulk_insert_mappings bulk_update_mappings",
            ),
            *_methods("sqlalchemy.orm.Query", "all first one one_or_none scalar count get delete update exists"),
            *_methods("sqlalchemy.engine.Engine", "connect begin execute"),
            *_methods("sqlalchemy.engine.Connection", "execute exec_driver_sql commit rollback scalar scalars"),
        ],
        resource=True,
    ),
    *_group(
        "queries MongoDB with the synchronous driver",
        "`motor` or PyMongo's `AsyncMongoClient`",
        _methods(
            "pymongo.collection.Collection",
            "find_one find_one_and_update find_one_and_delete find_one_and_replace insert_one insert_many "
            "update_one update_many replace_one delete_one delete_many count_documents estimated_document_count "
            "aggregate distinct bulk_write create_index",
        ),
        resource=True,
    ),
    *_group(
        "sends a command to Redis with the synchronous client",
        "`redis.asyncio.Redis`",
        [
            *_methods(
                "redis.Redis",
                "get set delete exists expire ttl incr decr hget hset hgetall hdel lpush rpush lpop rpop lrange "
                "sadd srem smembers zadd zrange zrem publish ping keys scan mget mset setex",
            ),
            "redis.client.Pipeline.execute",
        ],
        resource=True,
    ),
    *_group(
        "calls AWS synchronously through botocore",
        "`aioboto3`/`aiobotocore`, or `await run_in_threadpool(...)`",
        ["botocore.client.BaseClient.*"],
        resource=True,
    ),
    *_group(
        "calls the model provider's API synchronously",
        "the async client (`openai.AsyncOpenAI`, `anthropic.AsyncAnthropic`) created once in the lifespan",
        [
            "openai.OpenAI.chat.completions.create",
            "openai.OpenAI.completions.create",
            "openai.OpenAI.embeddings.create",
            "openai.OpenAI.responses.create",
            "openai.OpenAI.images.generate",
            "openai.OpenAI.audio.transcriptions.create",
            "openai.OpenAI.moderations.create",
            "anthropic.Anthropic.messages.create",
            "anthropic.Anthropic.messages.stream",
            "anthropic.Anthropic.completions.create",
        ],
        resource=True,
    ),
    *_group(
        "calls a SaaS API synchronously",
        "the SDK's async client, or `await run_in_threadpool(...)`",
        [
            "stripe.Charge.create",
            "stripe.Customer.create",
            "stripe.Customer.retrieve",
            "stripe.PaymentIntent.create",
            "stripe.PaymentIntent.retrieve",
            "stripe.checkout.Session.create",
            "stripe.Subscription.create",
            "stripe.Refund.create",
            *_methods("slack_sdk.WebClient", "chat_postMessage api_call files_upload_v2 conversations_list users_info"),
        ],
        resource=True,
    ),
    *_group(
        "waits on another thread or a future",
        "`asyncio.Lock`/`asyncio.Queue`, or `await asyncio.wrap_future(...)`",
        [
            "threading.Lock.acquire",
            "threading.RLock.acquire",
            "threading.Event.wait",
            "threading.Semaphore.acquire",
            "threading.Thread.join",
            "queue.Queue.get",
            "queue.Queue.put",
            "queue.Queue.join",
            "concurrent.futures.Future.result",
            "concurrent.futures.wait",
            "concurrent.futures.ThreadPoolExecutor.shutdown",
        ],
    ),
    *_group("waits for a person to type", "a request body or a websocket message", ["builtins.input"]),
]

# Names under a wildcard that are known not to block (no I/O): never reported.
ASYNC_SAFE: frozenset[str] = frozenset(
    {
        "botocore.client.BaseClient.get_paginator",
        "botocore.client.BaseClient.can_paginate",
        "botocore.client.BaseClient.generate_presigned_url",
        "botocore.client.BaseClient.generate_presigned_post",
        "botocore.client.BaseClient.get_waiter",
        "botocore.client.BaseClient.meta",
        "botocore.client.BaseClient.exceptions",
    }
)
