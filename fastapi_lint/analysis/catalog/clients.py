"""Constructors of long-lived resources (clients, pools, engines) and of heavy loads.

Built per request, each costs a connection handshake, a pool, a thread or a
model load that should happen once, in the app's ``lifespan``. Paths are the
public names the project phase resolves calls to.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    path: str
    what: str  # "an HTTP client", for messages
    close: tuple[str, ...] = ("close",)  # the methods that release it
    # keywords that hand it a pool someone else built (``Redis(connection_pool=POOL)``): given one,
    # it is a thin handle on that pool and builds nothing of its own
    borrows: tuple[str, ...] = ()


def _all(what: str, close: tuple[str, ...], *paths: str, borrows: tuple[str, ...] = ()) -> list[Resource]:
    return [Resource(path, what, close, borrows) for path in paths]


CLIENTS: dict[str, Resource] = {
    resource.path: resource
    for resource in [
        # A transport holds the connection pool: a client handed a shared one is a thin handle.
        *_all("an HTTP client", ("aclose", "close"), "httpx.AsyncClient", "httpx.Client", borrows=("transport",)),
        *_all("an HTTP session", ("close",), "aiohttp.ClientSession", "requests.Session", "requests.session"),
        *_all(
            "a database engine and its connection pool",
            ("dispose",),
            "sqlalchemy.create_engine",
            "sqlalchemy.engine.create_engine",
            "sqlalchemy.ext.asyncio.create_async_engine",
            "sqlmodel.create_engine",
        ),
        # Not a session factory (``sessionmaker``): it holds no connection and costs a few objects;
        # what it is bound to (an engine) is the resource, and is reported where it is built.
        *_all(
            "a database connection pool",
            ("close", "terminate"),
            "asyncpg.create_pool",
            "psycopg_pool.ConnectionPool",
            "psycopg_pool.AsyncConnectionPool",
            "psycopg2.pool.SimpleConnectionPool",
            "psycopg2.pool.ThreadedConnectionPool",
            "aiomysql.create_pool",
        ),
        *_all(
            "a Neo4j driver and its connection pool",
            ("close",),
            "neo4j.GraphDatabase.driver",
            "neo4j.AsyncGraphDatabase.driver",
            # LangChain's graph wraps a driver it makes, and by default reads the schema on connecting
            "langchain_neo4j.Neo4jGraph",
            "langchain_community.graphs.Neo4jGraph",
            "langchain_community.graphs.neo4j_graph.Neo4jGraph",
        ),
        *_all(
            "a Redis client and its connection pool",
            ("close", "aclose"),
            "redis.Redis",
            "redis.from_url",
            "redis.Redis.from_url",
            "redis.ConnectionPool",
            "redis.asyncio.Redis",
            "redis.asyncio.from_url",
            "redis.asyncio.Redis.from_url",
            "redis.asyncio.ConnectionPool",
            borrows=("connection_pool",),
        ),
        *_all(
            "a MongoDB client and its connection pool",
            ("close",),
            "pymongo.MongoClient",
            "motor.motor_asyncio.AsyncIOMotorClient",
            "pymongo.AsyncMongoClient",
        ),
        *_all("an AWS client", ("close",), "boto3.client", "boto3.resource", "boto3.Session", "boto3.session.Session",
              "aioboto3.Session"),
        # (its urllib3 pool has no public ``close``: nothing for the lifespan to release)
        *_all("a MinIO client and its connection pool", (), "minio.Minio"),
        *_all(
            "an API client with its own HTTP connection pool",
            ("close", "aclose"),
            "openai.OpenAI",
            "openai.AsyncOpenAI",
            "openai.AzureOpenAI",
            "openai.AsyncAzureOpenAI",
            "openai.Client",
            "openai.AsyncClient",
            "anthropic.Anthropic",
            "anthropic.AsyncAnthropic",
            borrows=("http_client",),
        ),
        *_all("a search client", ("close",), "elasticsearch.Elasticsearch", "elasticsearch.AsyncElasticsearch"),
        *_all(
            "a Kafka producer",
            ("stop", "close", "flush"),
            "aiokafka.AIOKafkaProducer",
            "kafka.KafkaProducer",
            "confluent_kafka.Producer",
        ),
        *_all(
            "a gRPC channel",
            ("close",),
            "grpc.insecure_channel",
            "grpc.secure_channel",
            "grpc.aio.insecure_channel",
            "grpc.aio.secure_channel",
        ),
    ]
}

# Loads that read a model or a large file from disk: once at startup, never per request.
HEAVY_LOADS: dict[str, str] = {
    "joblib.load": "loads a pickled model from disk",
    "pickle.load": "unpickles a file",
    "torch.load": "loads model weights from disk",
    "transformers.pipeline": "loads a model and its tokenizer",
    "sentence_transformers.SentenceTransformer": "loads an embedding model",
    "spacy.load": "loads a language model",
    "tensorflow.keras.models.load_model": "loads a model from disk",
    "keras.models.load_model": "loads a model from disk",
    "onnxruntime.InferenceSession": "loads a model into a runtime session",
    "whisper.load_model": "loads a speech model",
    **{f"doctr.models.{kind}_predictor": "loads an OCR model" for kind in ("ocr", "kie", "detection", "recognition")},
    "configparser.ConfigParser.read": "parses a configuration file",
}

# Parsers that, given a file opened from a literal path, read a configuration file.
CONFIG_PARSERS = frozenset({"json.load", "yaml.safe_load", "yaml.load", "yaml.full_load", "tomllib.load", "toml.load"})

# ``X.from_pretrained(...)`` on any of these packages loads weights from disk or the network.
PRETRAINED_PACKAGES = ("transformers.", "sentence_transformers.", "diffusers.", "peft.", "tokenizers.")
