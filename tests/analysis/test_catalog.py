"""The catalog as data (well-formed, no duplicates) and ``Catalog.match`` as the one place that reads it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fastapi_lint.analysis.catalog import Catalog
from fastapi_lint.analysis.catalog.blocking import ASYNC_SAFE, ENTRIES, Entry
from fastapi_lint.analysis.catalog.cpu import CPU_ENTRIES
from fastapi_lint.analysis.catalog.factories import ATTRIBUTE_TYPES, ITEM_TYPES, RETURNS
from fastapi_lint.analysis.catalog.type_aliases import TYPE_ALIASES
from fastapi_lint.api import lint_paths
from fastapi_lint.config import parse_table

ALL = [*ENTRIES, *CPU_ENTRIES]
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_PATTERN = re.compile(rf"{_IDENTIFIER}(\.{_IDENTIFIER})*(\.\*)?")
_PATH = re.compile(rf"{_IDENTIFIER}(\.{_IDENTIFIER})*")

CATALOG = Catalog()
# Verbs an ``instead`` must not start with: the advice reads "Use <instead>".
_IMPERATIVES = frozenset({"load", "poll", "read", "call", "make", "move", "run", "wrap", "use", "open", "build", "keep"})


# -- the data ------------------------------------------------------------------


def _problems(entry: Entry) -> list[str]:
    found = []
    if not _PATTERN.fullmatch(entry.pattern):
        found.append("pattern is not a dotted path, optionally ending in `.*`")
    if "." not in entry.pattern:
        found.append("a bare name would match any module's function of that name")
    # ``why`` completes "it ...", ``instead`` completes "use ...": lower-case phrases, no period.
    why, instead = entry.why, entry.instead
    if not why.strip() or why != why.strip() or why.endswith(".") or not why[0].islower() or why.startswith("it "):
        found.append(f"why {why!r} does not complete 'it ...'")
    if not instead.strip() or instead != instead.strip() or instead.endswith("."):
        found.append(f"instead {instead!r} does not complete 'use ...'")
    if instead.split(" ", 1)[0] in _IMPERATIVES:  # "Use load the model ..." reads wrong
        found.append(f"instead {instead!r} is an order, not what to use")
    if entry.kind not in ("io", "cpu"):
        found.append(f"unknown kind {entry.kind!r}")
    if entry.kind == "cpu" and entry.resource:
        found.append("FAS104 does not distinguish resources")
    return found


def test_every_entry_is_well_formed() -> None:
    problems = {entry.pattern: _problems(entry) for entry in ALL}
    assert not {pattern: found for pattern, found in problems.items() if found}


def test_no_duplicate_patterns() -> None:
    seen: dict[str, int] = {}
    for entry in ALL:
        seen[entry.pattern] = seen.get(entry.pattern, 0) + 1
    assert not {p: n for p, n in seen.items() if n > 1}


def test_every_entry_matches_its_own_path() -> None:
    for entry in ALL:
        path = entry.pattern[:-2] + ".some_operation" if entry.pattern.endswith(".*") else entry.pattern
        assert CATALOG.match(path) == entry, entry.pattern


def test_async_safe_names_are_patterns_under_a_blocking_wildcard() -> None:
    wildcards = [e.pattern[:-2] for e in ALL if e.pattern.endswith(".*")]
    for name in ASYNC_SAFE:
        assert _PATTERN.fullmatch(name), name
        assert any(name.startswith(prefix + ".") for prefix in wildcards), f"{name} excepts nothing"


def test_cpu_entries_are_cpu_and_io_entries_are_io() -> None:
    assert all(e.kind == "cpu" for e in CPU_ENTRIES)
    assert all(e.kind == "io" for e in ENTRIES)


def test_type_tables_hold_dotted_paths() -> None:
    for table in (RETURNS, TYPE_ALIASES, ATTRIBUTE_TYPES, ITEM_TYPES):
        for key, value in table.items():
            assert _PATH.fullmatch(key) and _PATH.fullmatch(value), (key, value)
    # An alias folds a spelling into the public name: never a chain of aliases.
    for key, value in TYPE_ALIASES.items():
        assert value not in TYPE_ALIASES, (key, value)
        assert key != value


# -- Catalog.match ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("time.sleep", "sleeps the whole thread"),
        ("requests.get", "performs a synchronous HTTP request"),
        ("builtins.open", "reads or writes a file synchronously"),
        ("pathlib.Path.read_text", "reads or writes a file synchronously"),
        ("os.waitpid", "waits for a child process to exit"),
        ("redis.Redis.get", "sends a command to Redis with the synchronous client"),
        ("sqlalchemy.orm.Session.execute", "runs SQL through a synchronous SQLAlchemy session"),
        ("openai.OpenAI.chat.completions.create", "calls the model provider's API synchronously"),
        ("bcrypt.checkpw", "hashes a password, which is deliberately slow (tens to hundreds of milliseconds)"),
    ],
)
def test_exact_match(path: str, why: str) -> None:
    entry = CATALOG.match(path)
    assert entry is not None and entry.pattern == path and entry.why == why


def test_wildcard_matches_everything_below_the_prefix() -> None:
    entry = CATALOG.match("botocore.client.BaseClient.put_object")
    assert entry is not None and entry.pattern == "botocore.client.BaseClient.*" and entry.resource
    assert CATALOG.match("botocore.client.BaseClient") is None  # the type itself is not a call that blocks
    assert CATALOG.match("botocore.client.BaseClientX.put_object") is None


def test_paths_through_unknown_calls_never_match() -> None:
    assert CATALOG.match("requests.get()") is None
    assert CATALOG.match("botocore.client.BaseClient.get_paginator().paginate") is None
    assert CATALOG.match("sqlalchemy.orm.Session.scalars().all") is None
    assert Catalog(extend_blocking=["acme.*"]).match("acme.make().run") is None


def test_async_safe_exceptions_under_a_wildcard() -> None:
    assert CATALOG.match("botocore.client.BaseClient.generate_presigned_url") is None
    assert CATALOG.match("botocore.client.BaseClient.get_paginator") is None
    assert CATALOG.match("botocore.client.BaseClient.meta.events.register") is None
    assert CATALOG.match("botocore.client.BaseClient.exceptions.NoSuchKey") is None


def test_near_misses_do_not_match() -> None:
    for path in (
        "time",
        "time.sleepy",
        "requests",
        "requests.Response.json",
        "sqlalchemy.orm.Session.add",
        "sqlalchemy.orm.Query.exists",
        "pymongo.collection.Collection.find",
        "redis.Redis.pipeline",
        "google.cloud.storage.Client.bucket",
        "google.cloud.storage.Bucket.blob",
        "psycopg2.extensions.cursor.fetchall",
        "queue.Queue.put",
        "PIL.Image.open",
        "hashlib.sha256",
        "stripe.Webhook.construct_event",
    ):
        assert CATALOG.match(path) is None, path


@pytest.mark.parametrize(
    "path",
    [
        "redis.asyncio.Redis.get",
        "redis.asyncio.client.Pipeline.execute",
        "httpx.AsyncClient.get",
        "httpx.AsyncClient.stream",
        "openai.AsyncOpenAI.chat.completions.create",
        "anthropic.AsyncAnthropic.messages.create",
        "motor.motor_asyncio.AsyncIOMotorClient.shop.orders.find_one",
        "motor.motor_asyncio.AsyncIOMotorCollection.find_one",
        "pymongo.AsyncMongoClient.shop.orders.find_one",
        "aioboto3.Session.client",
        "aiobotocore.client.AioBaseClient.get_object",
        "elasticsearch.AsyncElasticsearch.search",
        "psycopg.AsyncConnection.execute",
        "psycopg.AsyncConnection.connect",
        "psycopg.AsyncCursor.execute",
        "sqlalchemy.ext.asyncio.AsyncSession.execute",
        "sqlalchemy.ext.asyncio.AsyncSession.commit",
        "sqlalchemy.ext.asyncio.AsyncEngine.connect",
        "azure.storage.blob.aio.BlobClient.upload_blob",
        "google.cloud.firestore.AsyncClient.collection",
        "slack_sdk.web.async_client.AsyncWebClient.chat_postMessage",
        "anyio.Path.read_text",
        "aiofiles.open",
        "aiokafka.AIOKafkaProducer.send_and_wait",
        "aio_pika.Channel.default_exchange.publish",
        "kubernetes_asyncio.client.CoreV1Api.list_namespaced_pod",
        "qdrant_client.AsyncQdrantClient.search",
        "chromadb.AsyncHttpClient.get_collection",
        "mem0.AsyncMemory.search",
        "firecrawl.AsyncFirecrawlApp.scrape_url",
        "apify_client.ApifyClientAsync.actor",
        "django.db.models.Manager.aget",
        "django.db.models.QuerySet.afirst",
        "langchain_openai.ChatOpenAI.ainvoke",
        "langchain_core.runnables.RunnableSequence.astream",
        "langgraph.graph.state.CompiledStateGraph.ainvoke",
        "asyncio.sleep",
        "asyncio.Lock.acquire",
        "asyncio.Queue.get",
    ],
)
def test_async_counterparts_never_match(path: str) -> None:
    assert CATALOG.match(path) is None


@pytest.mark.parametrize(
    "path",
    [
        "pika.BlockingConnection",
        "pika.adapters.blocking_connection.BlockingChannel.basic_publish",
        "kafka.KafkaProducer.flush",
        "confluent_kafka.Consumer.poll",
        "kubernetes.client.CoreV1Api.list_namespaced_pod",
        "twilio.rest.Client.messages.create",
        "sendgrid.SendGridAPIClient.send",
        "firecrawl.FirecrawlApp.scrape_url",
        "qdrant_client.QdrantClient.upsert",
        "pinecone.Index.query",
        "mem0.Memory.add",
        "django.db.models.QuerySet.first",
        "fastapi_sqlalchemy.db.session.commit",
        "fcntl.flock",
        "fsspec.AbstractFileSystem.cat_file",
        "chardet.detect",
    ],
)
def test_wider_families_match(path: str) -> None:
    assert CATALOG.match(path) is not None


def test_local_helpers_of_wider_families_do_not_match() -> None:
    for path in (
        "confluent_kafka.Producer.produce",  # only queues
        "confluent_kafka.Producer.poll",  # ``poll(0)`` serves callbacks without waiting
        "kubernetes.client.CoreV1Api.api_client.close",
        "django.db.models.Manager.filter",  # a lazy query set
        "django.db.models.QuerySet.order_by",
        "weaviate.WeaviateClient.collections.get",  # a handle, no request
    ):
        assert CATALOG.match(path) is None, path


@pytest.mark.parametrize(
    ("path", "async_name"),
    [
        ("langchain_openai.ChatOpenAI.invoke", "ainvoke"),
        ("langchain_anthropic.chat_models.ChatAnthropic.stream", "astream"),
        ("langchain_core.runnables.RunnableSequence.batch", "abatch"),
        ("langgraph.graph.state.CompiledStateGraph.invoke", "ainvoke"),
        ("langchain_community.vectorstores.Chroma.similarity_search", "asimilarity_search"),
        ("langchain_openai.OpenAIEmbeddings.embed_documents", "aembed_documents"),
    ],
)
def test_runnable_protocol_matches(path: str, async_name: str) -> None:
    entry = CATALOG.match(path)
    assert entry is not None and entry.resource and f"`{async_name}`" in entry.why


def test_formatting_and_project_code_runnables_do_not_match() -> None:
    for path in (
        "langchain_core.prompts.ChatPromptTemplate.invoke",
        "langchain_core.prompts.PromptTemplate.invoke",
        "langchain_core.output_parsers.StrOutputParser.invoke",
        "langchain_core.runnables.RunnableLambda.invoke",
        "langchain_core.runnables.RunnablePassthrough.invoke",
        "langchain_core.tools.StructuredTool.invoke",
        "langchain_text_splitters.RecursiveCharacterTextSplitter.split_documents",
        "langchain_openai.ChatOpenAI.get_num_tokens",
        "langchain_openai.invoke",  # a module-level name, not a method of a type
        "acme.ChatModel.invoke",  # not a LangChain package
    ):
        assert CATALOG.match(path) is None, path
    assert Catalog(extend_safe=["langchain_openai.*"]).match("langchain_openai.ChatOpenAI.invoke") is None


def test_typed_attributes_and_items_are_followed() -> None:
    entry = CATALOG.match("pymongo.MongoClient.shop.orders.find_one")
    assert entry is not None and entry.pattern == "pymongo.collection.Collection.find_one"
    assert CATALOG.match("pymongo.database.Database.orders.insert_one") is not None
    assert CATALOG.match("pymongo.MongoClient.admin.command") is not None
    assert CATALOG.match("pathlib.Path.parent.iterdir") is not None
    # An attribute of a container is an item only when something is called on it.
    assert CATALOG.match("pymongo.MongoClient.close") is None
    assert CATALOG.match("pymongo.MongoClient.shop.orders.find") is None


def test_extend_blocking_exact_and_wildcard() -> None:
    catalog = Catalog(extend_blocking=["acme.sdk.Client.fetch", "acme.legacy.*"])
    exact = catalog.match("acme.sdk.Client.fetch")
    assert exact is not None and exact.kind == "io" and "extend-blocking-calls" in exact.why
    assert catalog.match("acme.sdk.Client.close") is None
    assert catalog.match("acme.legacy.do") is not None
    assert catalog.match("acme.legacy.sub.module.call") is not None
    assert catalog.match("acme.legacy") is None
    assert catalog.match("acme.legacyx.do") is None
    assert catalog.match("time.sleep") is not None  # the built-in entries stay


def test_extend_safe_exact_and_wildcard() -> None:
    catalog = Catalog(extend_safe=["time.sleep", "redis.*"])
    assert catalog.match("time.sleep") is None
    assert catalog.match("redis.Redis.get") is None
    assert catalog.match("redis.client.Pipeline.execute") is None
    assert catalog.match("requests.get") is not None
    assert catalog.match("redisx.Client.get") is None  # not in the catalog at all
    # Safe wins over blocking, also for the user's own entries and for followed attributes.
    both = Catalog(extend_blocking=["acme.*"], extend_safe=["acme.fast", "pymongo.collection.Collection.find_one"])
    assert both.match("acme.fast") is None and both.match("acme.slow") is not None
    assert both.match("pymongo.MongoClient.shop.orders.find_one") is None
    # A safe prefix covers what is reached through its attributes too.
    assert Catalog(extend_safe=["pymongo.MongoClient.*"]).match("pymongo.MongoClient.shop.orders.find_one") is None


def test_extend_safe_exact_does_not_cover_members() -> None:
    catalog = Catalog(extend_safe=["botocore.client.BaseClient"])
    assert catalog.match("botocore.client.BaseClient.put_object") is not None


# -- end to end: pyproject options reach the rules ------------------------------------

_APP = """\
import time

import acme.legacy
from acme.sdk import Client
from fastapi import FastAPI

app = FastAPI()
client = Client()


@app.get("/a")
async def a():
    acme.legacy.do()
    time.sleep(1)
    return client.fetch()
"""


def _lint(tmp_path: Path, table: dict[str, object]) -> list[tuple[int, str]]:
    (tmp_path / "app.py").write_text(_APP, encoding="utf-8")
    config = parse_table(table, tmp_path / "pyproject.toml")
    result = lint_paths([tmp_path / "app.py"], config)
    return sorted((d.span.line, d.code) for d in result.diagnostics if d.code in ("FAS101", "FAS103"))


def test_config_extends_the_catalog(tmp_path: Path) -> None:
    found = _lint(tmp_path, {"extend-blocking-calls": ["acme.sdk.Client.fetch", "acme.legacy.*"]})
    assert found == [(13, "FAS101"), (14, "FAS101"), (15, "FAS101")]


def test_config_without_extension_reports_only_the_catalog(tmp_path: Path) -> None:
    assert _lint(tmp_path, {}) == [(14, "FAS101")]


def test_config_async_safe_silences_a_catalog_call(tmp_path: Path) -> None:
    found = _lint(tmp_path, {"extend-blocking-calls": ["acme.legacy.*"], "extend-async-safe": ["time.sleep"]})
    assert found == [(13, "FAS101")]
    table = {"extend-blocking-calls": ["acme.legacy.*"], "extend-async-safe": ["time.*", "acme.legacy.*"]}
    found = _lint(tmp_path, table)
    assert found == []
